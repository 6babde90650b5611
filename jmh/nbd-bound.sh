#!/usr/bin/env bash
# nbd-bound.sh — the disk's own O_DIRECT write rate against nbdkit's file plugin, which writes into the
# page cache: what no O_DIRECT server (csum serve, qemu-nbd --cache=none) can exceed, beside issue
# 16's yardstick. Per round, rotated: fio with O_DIRECT on a raw file (no server at all) and fio's nbd
# engine against `nbdkit file` on the same file, for 4 KiB random writes at depth 32 and 128 KiB
# sequential writes at depth 16 (the workloads of nbd-vs-nbdkit.sh).
#
# Usage: jmh/nbd-bound.sh [-r ROUNDS] [-t SECONDS] [-d DIR]   (defaults 3, 6, /var/tmp/csum-nbd-bench)
# Needs fio and nbdkit (nbd-vs-nbdkit.sh installs them); run it alone on the machine.
set -euo pipefail
rounds=3; seconds=6; dir=/var/tmp/csum-nbd-bench; port=10914
while getopts "r:t:d:" opt; do
  case $opt in
    r) rounds=$OPTARG ;; t) seconds=$OPTARG ;; d) dir=$OPTARG ;;
    *) sed -n '2,10p' "$0"; exit 2 ;;
  esac
done
for tool in fio nbdkit; do
  command -v $tool > /dev/null || { echo "nbd-bound: $tool is not installed (jmh/nbd-vs-nbdkit.sh installs it)" >&2; exit 2; }
done
mkdir -p "$dir"; raw="$dir/raw.img"; bytes=$((1 << 30))
if [ ! -f "$raw" ]; then
  fio --name=layout --filename="$raw" --size=$bytes --rw=write --bs=1m --iodepth=8 --ioengine=io_uring \
    --direct=1 --output=/dev/null
fi
size=$(stat -c %s "$raw"); out="$dir/bound-$(date +%Y%m%d-%H%M%S).tsv"
nbdkit -f -p $port file "$raw" & server=$!
trap 'kill $server 2> /dev/null || true' EXIT
for _ in $(seq 50); do nbdinfo --size nbd://127.0.0.1:$port > /dev/null 2>&1 && break; sleep 0.1; done
for round in $(seq 1 "$rounds"); do
  for workload in "randwrite 4k 32" "write 128k 16"; do
    set -- $workload
    order="raw nbdkit"; [ $((round % 2)) = 0 ] && order="nbdkit raw"
    for target in $order; do
      if [ "$target" = raw ]; then
        where=(--filename="$raw" --ioengine=io_uring --direct=1)
      else
        where=(--ioengine=nbd --uri=nbd://127.0.0.1:$port)
      fi
      iops=$(fio --name=w "${where[@]}" --size="$size" --rw="$1" --bs="$2" --iodepth="$3" --runtime="$seconds" \
        --time_based --output-format=json 2> /dev/null \
        | python3 -c 'import json,sys; t=sys.stdin.read(); print(round(json.loads(t[t.index("{"):])["jobs"][0]["write"]["iops"]))')
      echo -e "$round\t$target\t$1-$2-d$3\t$iops" | tee -a "$out"
    done
  done
done
python3 - "$out" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    _, target, workload, iops = line.split()
    runs.setdefault(workload, {}).setdefault(target, []).append(int(iops))
print("\nmedians: the disk with O_DIRECT (no server) / nbdkit file (page cache), IOPS:")
for workload, by in runs.items():
    raw, nbdkit = statistics.median(by["raw"]), statistics.median(by["nbdkit"])
    print(f"  {workload:16s} raw {raw:9,.0f} {by['raw']}  nbdkit {nbdkit:9,.0f} {by['nbdkit']}  raw/nbdkit {raw / nbdkit:.2f}")
PY
