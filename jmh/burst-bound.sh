#!/usr/bin/env bash
# burst-bound.sh — how this disk takes 4 KiB random writes that arrive in batches, beside csum.
#
# A write path that logs a record before its data (issue 13) gets its data writes back in waves: a
# record's completion releases its requests' writes together, and in a closed loop they complete
# together. This runs, side by side and in rotated order, fio's smooth stream at depth 32 (the
# issue's yardstick); fio submitting and reaping whole batches with 1, 2 and 4 independent cohorts
# (jobs of depth 32, 16 and 8); fio reaping batches of 32 but submitting them 4 at a time ("waves"),
# which separates what batched completions cost from what one notification per batch costs; and
# csum bench on a volume at depth 32. docs/PERFORMANCE.md, "What this disk allows", reads the result.
#
# Usage: jmh/burst-bound.sh [-r ROUNDS] [-t SECONDS] [-d DIR]   (defaults 3, 8, /var/tmp/csum-burst)
# Needs fio, python3 and bin/csum; run it alone on the machine.
set -euo pipefail
rounds=3; seconds=8; dir=/var/tmp/csum-burst
while getopts "r:t:d:" opt; do
  case $opt in
    r) rounds=$OPTARG ;; t) seconds=$OPTARG ;; d) dir=$OPTARG ;;
    *) sed -n '2,15p' "$0"; exit 2 ;;
  esac
done
csum="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bin/csum"
command -v fio > /dev/null || { echo "burst-bound: fio is not installed (apt-get install fio)" >&2; exit 2; }
mkdir -p "$dir"; raw="$dir/raw.img"; volume="$dir/volume.csum"; bytes=$((1 << 30))
out="$dir/results-$(date +%Y%m%d-%H%M%S).tsv"
if [ "$(stat -c %s "$raw" 2> /dev/null || echo 0)" != $bytes ]; then
  fio --name=layout --filename="$raw" --size=$bytes --rw=write --bs=1m --iodepth=8 --ioengine=io_uring \
    --direct=1 --output=/dev/null
fi
if [ ! -f "$volume" ]; then # laid out by a sequential pass, so every write overwrites written blocks
  "$csum" bench "$volume" --size $bytes --rw write --bs 128k --iodepth 32 --runtime 15s --json > /dev/null
fi
runs=(smooth burst-1x32 burst-2x16 burst-4x8 waves-submit-4 csum)
for round in $(seq 1 "$rounds"); do
  for k in 0 1 2 3 4 5; do
    run=${runs[$(( (k + round) % 6 ))]}
    case $run in
      smooth) jobs=1; depth=32; batch=1 ;;
      burst-1x32) jobs=1; depth=32; batch=32 ;;
      burst-2x16) jobs=2; depth=16; batch=16 ;;
      burst-4x8) jobs=4; depth=8; batch=8 ;;
      waves-submit-4) jobs=1; depth=32; batch=4 ;;
    esac
    complete=$batch; [ "$run" = waves-submit-4 ] && complete=32
    if [ "$run" = csum ]; then
      iops=$("$csum" bench "$volume" --rw randwrite --bs 4k --iodepth 32 --runtime "${seconds}s" --json \
        | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["iops"]))')
    else
      iops=$(fio --name=w --filename="$raw" --size=$bytes --ioengine=io_uring --direct=1 --rw=randwrite --bs=4k \
        --numjobs=$jobs --iodepth=$depth --iodepth_batch_submit=$batch --iodepth_batch_complete_min=$complete \
        --iodepth_batch_complete_max=32 --runtime="$seconds" --time_based --group_reporting --output-format=json \
        | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["jobs"][0]["write"]["iops"]))')
    fi
    echo -e "$round\t$run\t$iops" | tee -a "$out"
  done
done
python3 - "$out" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    _, run, iops = line.split()
    runs.setdefault(run, []).append(int(iops))
smooth = statistics.median(runs["smooth"])
print("\n4 KiB random writes, depth 32 in all (medians; ratio to fio's smooth stream):")
for run in ["smooth", "burst-1x32", "burst-2x16", "burst-4x8", "waves-submit-4", "csum"]:
    median = statistics.median(runs[run])
    print(f"  {run:11s} {median:9,.0f} IOPS  {median / smooth:5.2f}x   rounds {runs[run]}")
PY
