#!/usr/bin/env bash
# A/B two builds of csum side by side in one run, with fio on a raw file as the yardstick.
#
#   jmh/ab.sh [-r ROUNDS] [-t SECONDS] [-s SIZE] [-d DIR] [-w "rw:bs[:strict] ..."] CHECKOUT_A CHECKOUT_B
#
# CHECKOUT_A and CHECKOUT_B are two checkouts of this repository (for instance
# `git worktree add /tmp/csum-a <commit>`); each one's bin/csum builds itself when stale. Every round
# runs fio, A and B on each workload, the order rotated from round to round so that neither build
# always follows the other; each build benches its own volume file of the same size. Prints the
# median IOPS of each, the ratios to fio and B/A, and every round's figures.
set -euo pipefail
rounds=3; seconds=10; size=1g; dir=/var/tmp/csum-ab; workloads="randwrite:4k write:128k"
while getopts "r:t:s:d:w:" opt; do
  case $opt in
    r) rounds=$OPTARG ;; t) seconds=$OPTARG ;; s) size=$OPTARG ;; d) dir=$OPTARG ;; w) workloads=$OPTARG ;;
    *) echo "usage: $0 [-r rounds] [-t seconds] [-s size] [-d dir] [-w \"rw:bs[:strict] ...\"] CHECKOUT_A CHECKOUT_B" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -ne 2 ]; then
  echo "ab.sh: need two checkouts (CHECKOUT_A CHECKOUT_B), got $#" >&2; exit 2
fi
declare -A checkout=([A]="$1" [B]="$2")
for v in A B; do
  [ -x "${checkout[$v]}/bin/csum" ] || { echo "ab.sh: ${checkout[$v]} has no bin/csum" >&2; exit 2; }
done
command -v fio > /dev/null || { echo "ab.sh: fio is not installed (apt-get install fio)" >&2; exit 2; }
bytes=$(numfmt --from=iec "${size^^}")
mkdir -p "$dir"; out="$dir/results-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$out"

if [ "$(stat -c %s "$dir/raw.img" 2> /dev/null || echo 0)" != "$bytes" ]; then
  fio --name=layout --filename="$dir/raw.img" --size="$bytes" --rw=write --bs=1m --iodepth=8 \
    --ioengine=io_uring --direct=1 --output=/dev/null
fi
for v in A B; do # each build formats a fresh volume of its own (bench lays its region out first)
  rm -f "$dir/vol$v.csum"
  "${checkout[$v]}/bin/csum" bench "$dir/vol$v.csum" --size "$bytes" --rw read --bs 128k --iodepth 32 \
    --runtime 1s --json > /dev/null
done

for round in $(seq 1 "$rounds"); do
  case $((round % 3)) in 1) order="F A B" ;; 2) order="A B F" ;; 0) order="B F A" ;; esac
  for w in $workloads; do
    IFS=: read -r rw bs mode <<< "$w"; mode=${mode:-default}
    sync=(); [ "$mode" = strict ] && sync=(--sync=dsync)
    for x in $order; do
      name="$x-$rw-$bs-$mode-$round.json"
      if [ "$x" = F ]; then
        fio --name="$rw" --filename="$dir/raw.img" --size="$bytes" --ioengine=io_uring --direct=1 --rw="$rw" \
          --bs="$bs" --iodepth=32 --runtime="$seconds" --time_based "${sync[@]}" --output-format=json > "$out/$name"
      else
        "${checkout[$x]}/bin/csum" bench "$dir/vol$x.csum" --rw "$rw" --bs "$bs" --iodepth 32 \
          --runtime "${seconds}s" --durability "$mode" --json > "$out/$name"
      fi
    done
  done
done

python3 - "$out" "$rounds" "$workloads" <<'PY'
import json, statistics, sys
out, rounds, workloads = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
def fio_iops(path):
    job = json.load(open(path))["jobs"][0]
    side = job["write"] if job["write"]["io_bytes"] > 0 else job["read"]
    return side["iops"]
def csum_iops(path):
    return json.load(open(path))["iops"]
for w in workloads:
    rw, bs, *rest = w.split(":"); mode = rest[0] if rest else "default"
    f = [fio_iops(f"{out}/F-{rw}-{bs}-{mode}-{r}.json") for r in range(1, rounds + 1)]
    a = [csum_iops(f"{out}/A-{rw}-{bs}-{mode}-{r}.json") for r in range(1, rounds + 1)]
    b = [csum_iops(f"{out}/B-{rw}-{bs}-{mode}-{r}.json") for r in range(1, rounds + 1)]
    m = statistics.median
    print(f"{w}: fio {m(f):,.0f}  A {m(a):,.0f} ({m(a)/m(f):.2f}x)  B {m(b):,.0f} ({m(b)/m(f):.2f}x)  B/A {m(b)/m(a):.2f}")
    print(f"    rounds fio={[round(x) for x in f]} A={[round(x) for x in a]} B={[round(x) for x in b]}")
PY
echo "results: $out"
