#!/usr/bin/env bash
# compare-fio.sh — csum vs fio, side by side in one run.
#
# For each workload (4k randread, 4k randwrite, 128k read, 128k write, and 4k randwrite strict;
# iodepth 32), alternates
#   fio --ioengine=io_uring --direct=1   on a raw file of SIZE bytes, and
#   bin/csum bench --json                on a csum volume whose device is SIZE bytes,
# ROUNDS times (the order flips every round, so drift and neighbours hit both alike), then prints
# per workload: fio's median, ours, the ratio, CPU seconds per GiB moved of each (fio: usr+sys of
# its job; csum: the JSON's cpu_seconds, the whole JVM over the timed window), and for writes csum's
# device writes per request (device_ops.writes_per_op: the window plus its final flush and close).
# A workload RW:BS:strict runs csum with --durability strict (every write RWF_DSYNC) against fio
# with --sync=dsync (the raw file opened O_DSYNC).
#
# Usage: jmh/compare-fio.sh [-f] [-s SIZE] [-r ROUNDS] [-t SECONDS] [-R SECONDS] [-d DIR] [-w "randread:4k randwrite:4k:strict ..."]
#   defaults: -s 1g -r 3 -t 10 -R 0 -d /var/tmp/csum-compare, the five workloads above.
# -R runs each side's load that long before its timed window (fio --ramp_time, csum bench --ramp-time):
# the JVM's JIT warm-up out of csum's window, and the same untimed start for fio.
# Files in DIR (on disk, not tmpfs) are created once and reused; -f makes both again first (a file
# kept for days ran csum 25-30 % slower than a fresh one: docs/PERFORMANCE.md). Per-run JSON goes
# to DIR/results-*/.
# Needs: fio (installed with apt-get when missing and running as root), python3, a JDK >= 22 (bin/csum).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZE=1g
ROUNDS=3
SECONDS_PER_RUN=10
RAMP_SECONDS=0
DIR=/var/tmp/csum-compare
WORKLOADS="randread:4k randwrite:4k read:128k write:128k randwrite:4k:strict"
IODEPTH=32
FRESH=0

while getopts "fs:r:t:R:d:w:h" option; do
  case "$option" in
    f) FRESH=1 ;;
    s) SIZE="$OPTARG" ;;
    r) ROUNDS="$OPTARG" ;;
    t) SECONDS_PER_RUN="$OPTARG" ;;
    R) RAMP_SECONDS="$OPTARG" ;;
    d) DIR="$OPTARG" ;;
    w) WORKLOADS="$OPTARG" ;;
    *) sed -n '2,22p' "$0"; exit 2 ;;
  esac
done

need_fio() {
  command -v fio >/dev/null && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "compare-fio: fio is missing; installing it from Debian's packages (apt-get install fio)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q fio >&2 \
      || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q fio >&2; }
    command -v fio >/dev/null && return 0
  fi
  echo "compare-fio: fio is not installed. Install it (Debian/Ubuntu: sudo apt-get install fio) and rerun." >&2
  exit 2
}
need_fio
command -v python3 >/dev/null || { echo "compare-fio: python3 is needed to read the JSON results" >&2; exit 2; }

SIZE_BYTES=$(python3 -c "
import sys; s=sys.argv[1].lower(); m={'k':1<<10,'m':1<<20,'g':1<<30,'t':1<<40}
print(int(float(s[:-1])*m[s[-1]]) if s[-1] in m else int(s))" "$SIZE")
mkdir -p "$DIR"
RAW="$DIR/fio-raw-$SIZE_BYTES.img"
VOLUME="$DIR/csum-volume-$SIZE_BYTES.csum"
OUT="$DIR/results-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
if [ "$FRESH" -eq 1 ]; then
  rm -f "$RAW.ready" "$VOLUME.ready"
fi

# Lay out both once, so reads hit written blocks (not file holes) on both sides.
if [ ! -f "$RAW.ready" ] || [ "$(stat -c %s "$RAW" 2>/dev/null || echo 0)" != "$SIZE_BYTES" ]; then
  echo "compare-fio: laying out $RAW ($SIZE_BYTES bytes) with fio" >&2
  rm -f "$RAW" "$RAW.ready"
  fio --name=layout --filename="$RAW" --size="$SIZE_BYTES" --rw=write --bs=1m --iodepth=8 \
      --ioengine=io_uring --direct=1 --output=/dev/null
  touch "$RAW.ready"
fi
if [ ! -f "$VOLUME.ready" ]; then
  echo "compare-fio: creating and laying out $VOLUME (csum bench writes every block once)" >&2
  rm -f "$VOLUME"
  "$ROOT/bin/csum" bench "$VOLUME" --size "$SIZE_BYTES" --rw read --bs 128k --iodepth 32 --runtime 1s --json \
      > "$OUT/layout.json"
  touch "$VOLUME.ready"
fi

echo "compare-fio: $ROUNDS rounds x {$WORKLOADS} x {fio, csum}, ${SECONDS_PER_RUN}s each (after ${RAMP_SECONDS}s of ramp), iodepth $IODEPTH," \
     "device $SIZE_BYTES bytes; results in $OUT" >&2
echo "compare-fio: load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

run_fio() { # rw bs mode round
  local sync=(); [ "$3" = strict ] && sync=(--sync=dsync)
  fio --name="$1-$2" --filename="$RAW" --size="$SIZE_BYTES" --ioengine=io_uring --direct=1 --rw="$1" \
      --bs="$2" --iodepth="$IODEPTH" --runtime="$SECONDS_PER_RUN" --ramp_time="$RAMP_SECONDS" --time_based "${sync[@]}" \
      --output-format=json \
      > "$OUT/fio-$1-$2-$3-$4.json"
}
run_csum() { # rw bs mode round
  "$ROOT/bin/csum" bench "$VOLUME" --rw "$1" --bs "$2" --iodepth "$IODEPTH" --runtime "${SECONDS_PER_RUN}s" \
      --ramp-time "${RAMP_SECONDS}s" --durability "$3" --json > "$OUT/csum-$1-$2-$3-$4.json"
}

for round in $(seq 1 "$ROUNDS"); do
  for workload in $WORKLOADS; do
    IFS=: read -r rw bs mode <<< "$workload"; mode="${mode:-default}"
    case "$mode" in default|strict) ;; *) echo "compare-fio: unknown mode '$mode' in $workload (default or strict)" >&2; exit 2 ;; esac
    if [ $((round % 2)) -eq 1 ]; then
      run_fio "$rw" "$bs" "$mode" "$round"; run_csum "$rw" "$bs" "$mode" "$round"
    else
      run_csum "$rw" "$bs" "$mode" "$round"; run_fio "$rw" "$bs" "$mode" "$round"
    fi
    echo "compare-fio: round $round $rw $bs $mode done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  done
done
echo "compare-fio: load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$OUT" "$ROUNDS" "$WORKLOADS" <<'PYTHON'
import json, statistics, sys
out, rounds, workloads = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()

def fio(path):
    job = json.load(open(path))["jobs"][0]
    side = job["write"] if job["write"]["io_bytes"] > 0 else job["read"]
    seconds = job["job_runtime"] / 1000.0
    cpu = (job["usr_cpu"] + job["sys_cpu"]) / 100.0 * seconds
    return side["iops"], side["bw_bytes"], cpu / (side["io_bytes"] / 2**30)

def csum(path):
    result = json.load(open(path))
    moved = result["bytes_per_second"] * result["runtime_seconds"]
    writes_per_op = result["device_ops"]["writes_per_op"] if result["write"] else None
    return result["iops"], result["bytes_per_second"], result["cpu_seconds"] / (moved / 2**30), writes_per_op

rows = []
print(f"{'workload':<23}{'fio IOPS':>11}{'csum IOPS':>11}{'ratio':>7}{'fio MB/s':>10}{'csum MB/s':>11}"
      f"{'fio CPU s/GiB':>15}{'csum CPU s/GiB':>16}{'CPU ratio':>10}{'csum wr/op':>11}   csum IOPS per round")
for workload in workloads:
    rw, bs, mode = (workload.split(":") + ["default"])[:3]
    f = [fio(f"{out}/fio-{rw}-{bs}-{mode}-{r}.json") for r in range(1, rounds + 1)]
    c = [csum(f"{out}/csum-{rw}-{bs}-{mode}-{r}.json") for r in range(1, rounds + 1)]
    med = lambda runs, i: statistics.median(run[i] for run in runs)
    fi, ci = med(f, 0), med(c, 0)
    fc, cc = med(f, 2), med(c, 2)
    writes_per_op = f"{med(c, 3):>11.2f}" if c[0][3] is not None else f"{'-':>11}"
    per_round = " / ".join(f"{run[0]:,.0f} vs {fio_run[0]:,.0f}" for run, fio_run in zip(c, f))
    label = f"{rw} {bs}" + (f" {mode}" if mode != "default" else "")
    print(f"{label:<23}{fi:>11,.0f}{ci:>11,.0f}{ci / fi:>7.2f}{med(f, 1) / 1e6:>10.1f}{med(c, 1) / 1e6:>11.1f}"
          f"{fc:>15.2f}{cc:>16.2f}{cc / fc:>10.2f}{writes_per_op}   {per_round}")
print(f"(medians of {rounds} rounds; ratio = csum / fio; MB = 10^6 bytes; csum wr/op = device writes per request,"
      f" the timed window plus its final flush and close; per round: csum vs fio IOPS)")
PYTHON
