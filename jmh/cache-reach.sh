#!/usr/bin/env bash
# Reads on a volume larger than the imd cache: two builds side by side, 4 KiB random reads.
#
#   jmh/cache-reach.sh [-r ROUNDS] [-t SECONDS] [-s SIZE] [-c CACHE] [-d DIR] CHECKOUT_A CHECKOUT_B
#
# Lays out one volume of SIZE (default 16g) with CHECKOUT_A's csum (every block written once), then
# runs `csum bench --rw randread --bs 4k --iodepth 32 --imd-cache CACHE` (default 16m) with each
# build in turn, the order rotated each round, and prints per build the median IOPS and device reads
# per read (device_ops.reads / ops: 1.0 means no imd read at all), and every round's figures. The
# volume is kept in DIR for the next run (delete it to lay it out again).
set -euo pipefail
rounds=3; seconds=10; size=16g; cache=16m; dir=/var/tmp/csum-reach
while getopts "r:t:s:c:d:" opt; do
  case $opt in
    r) rounds=$OPTARG ;; t) seconds=$OPTARG ;; s) size=$OPTARG ;; c) cache=$OPTARG ;; d) dir=$OPTARG ;;
    *) echo "usage: $0 [-r rounds] [-t seconds] [-s size] [-c cache] [-d dir] CHECKOUT_A CHECKOUT_B" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -ne 2 ]; then
  echo "cache-reach.sh: need two checkouts (CHECKOUT_A CHECKOUT_B), got $#" >&2; exit 2
fi
declare -A checkout=([A]="$1" [B]="$2")
for v in A B; do
  [ -x "${checkout[$v]}/bin/csum" ] || { echo "cache-reach.sh: ${checkout[$v]} has no bin/csum" >&2; exit 2; }
done
mkdir -p "$dir"
volume="$dir/reach-$size.csum"
if [ ! -f "$volume" ]; then
  echo "laying out $volume ($size)..." >&2
  "${checkout[A]}/bin/csum" bench "$volume" --size "$size" --rw randread --bs 4k --iodepth 32 --runtime 1s \
    --json > /dev/null
fi
declare -A iops reads
for round in $(seq 1 "$rounds"); do
  order="A B"; [ $((round % 2)) -eq 0 ] && order="B A"
  for v in $order; do
    json=$("${checkout[$v]}/bin/csum" bench "$volume" --rw randread --bs 4k --iodepth 32 \
      --runtime "${seconds}s" --imd-cache "$cache" --json)
    read -r rate ratio < <(python3 -c 'import json,sys; j=json.load(sys.stdin); print(round(j["iops"]), j["device_ops"]["reads_per_op"])' <<< "$json")
    echo "round $round $v: $rate IOPS, $ratio device reads per read"
    iops[$v]+="$rate "; reads[$v]+="$ratio "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
for v in A B; do
  echo "$v (${checkout[$v]}): median $(echo "${iops[$v]}" | median) IOPS, $(echo "${reads[$v]}" | median) device reads per read; rounds: ${iops[$v]}/ ${reads[$v]}"
done
