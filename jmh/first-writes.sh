#!/usr/bin/env bash
# First writes to freshly formatted volumes: each file allocation against the others, per block size.
#
#   jmh/first-writes.sh [-r ROUNDS] [-t SECONDS] [-s SIZE] [-d DIR] [-a "sparse auto ..."] [-b "4096 512"]
#
# Per round, block size and allocation: a fresh `csum format --allocation A` (timed), then 4 KiB
# random writes at depth 32 through `csum bench` on it. Prints each run, then the medians.
set -euo pipefail
rounds=3; seconds=5; size=1g; dir=/var/tmp/csum-first; allocations="sparse auto"; blocks="4096 512"
while getopts "r:t:s:d:a:b:" opt; do
  case $opt in
    r) rounds=$OPTARG ;; t) seconds=$OPTARG ;; s) size=$OPTARG ;; d) dir=$OPTARG ;; a) allocations=$OPTARG ;; b) blocks=$OPTARG ;;
    *) echo "usage: $0 [-r rounds] [-t seconds] [-s size] [-d dir] [-a allocations] [-b block sizes]" >&2; exit 2 ;;
  esac
done
csum="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bin/csum"
mkdir -p "$dir"; results="$dir/results-$(date +%Y%m%d-%H%M%S).tsv"
for round in $(seq 1 "$rounds"); do
  for block in $blocks; do
    for allocation in $allocations; do
      rm -f "$dir/volume"; sync; sleep 2 # the previous run's writeback settles first
      started=$(date +%s.%N)
      made=$("$csum" format "$dir/volume" --size "$size" --block-size "$block" --allocation "$allocation" \
        | sed -n 's/^file allocation //p')
      formatted=$(date +%s.%N)
      "$csum" bench "$dir/volume" --rw randwrite --bs 4k --iodepth 32 --runtime "${seconds}s" --json > "$dir/bench.json"
      python3 - "$dir/bench.json" "$round" "$block" "$allocation" "$made" "$started" "$formatted" >> "$results" <<'PY'
import json, sys
bench = json.load(open(sys.argv[1]))
round_, block, allocation, made, started, formatted = sys.argv[2:8]
ops = bench["device_ops"]
print("\t".join([round_, block, allocation, made, f"{float(formatted) - float(started):.2f}", f"{bench['iops']:.0f}",
                 str(ops["writes_per_op"]), str(ops["reads_per_op"])]))
PY
      tail -1 "$results"
    done
  done
done
python3 - "$results" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
print("block  allocation               format s  IOPS (median)  rounds")
for key in dict.fromkeys((r[1], r[2], r[3]) for r in rows):
    runs = [r for r in rows if (r[1], r[2], r[3]) == key]
    iops = [float(r[5]) for r in runs]
    fmt = statistics.median(float(r[4]) for r in runs)
    print(f"{key[0]:>5}  {key[1] + ' -> ' + key[2]:<24} {fmt:8.2f}  {statistics.median(iops):13,.0f}  {[round(x) for x in iops]}")
PY
echo "results: $results"
