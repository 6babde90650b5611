#!/usr/bin/env bash
# A/B for parked groups (PERFORMANCE.md "Parked groups"): 64 GiB sparse volumes, and a 1 GiB volume with a
# 256 KiB imd cache (writes that miss it) and with the default cache (warm), 4 KiB random writes at depth 32.
#   jmh/park-ab.sh CHECKOUT_A CHECKOUT_B [ROUNDS] [SECONDS]   (each checkout's bin/csum builds itself)
set -euo pipefail
A=$1; B=$2; rounds=${3:-3}; secs=${4:-10}
dir=/var/tmp/park-ab; mkdir -p $dir; out=$dir/res-$(date +%H%M%S); mkdir -p $out
for r in $(seq 1 $rounds); do
  if [ $((r % 2)) = 1 ]; then order="F A B"; else order="B A F"; fi
  for x in $order; do
    case $x in
      F) rm -f $dir/raw64.img; truncate -s 64g $dir/raw64.img
         fio --name=w --filename=$dir/raw64.img --size=64g --ioengine=io_uring --direct=1 --rw=randwrite --bs=4k \
           --iodepth=32 --runtime=$secs --time_based --output-format=json > $out/F-64g-$r.json
         rm -f $dir/raw64.img ;;
      A|B) co=$A; [ $x = B ] && co=$B
         rm -f $dir/v64$x.csum
         $co/bin/csum bench $dir/v64$x.csum --size 64g --allocation sparse --rw randwrite --bs 4k --iodepth 32 \
           --runtime ${secs}s --json > $out/$x-64g-$r.json
         rm -f $dir/v64$x.csum
         rm -f $dir/v1$x.csum
         $co/bin/csum bench $dir/v1$x.csum --size 1g --rw write --bs 1m --iodepth 8 --runtime 3s --json > /dev/null
         $co/bin/csum bench $dir/v1$x.csum --imd-cache 256k --rw randwrite --bs 4k --iodepth 32 \
           --runtime ${secs}s --json > $out/$x-miss-$r.json
         $co/bin/csum bench $dir/v1$x.csum --rw randwrite --bs 4k --iodepth 32 \
           --runtime ${secs}s --json > $out/$x-warm-$r.json ;;
    esac
  done
done
echo $out
