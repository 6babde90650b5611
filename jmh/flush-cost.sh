#!/usr/bin/env bash
# Writes missing the imd cache against warm ones, beside what a flush costs the raw device.
#
#   jmh/flush-cost.sh [-r ROUNDS] [-t SECONDS] [-n WRITES] [-c CACHE] [-d DIR]
#
# Four runs per round, 4 KiB random writes at depth 32 over 1 GiB, the order rotated each round:
#   fio        fio --ioengine=io_uring --direct=1 on a raw 1 GiB file (written once first);
#   fio-sync   the same with --fdatasync=WRITES (default 10000: about the writes per checkpoint
#              round of csum's miss run), an fdatasync every WRITES writes, as the miss run's rounds;
#   warm       bin/csum bench on a written 1 GiB volume with the default imd cache (every group
#              cached: rounds only when the log fills, mostly after the window);
#   miss       the same volume with --imd-cache CACHE (default 256k: 32 of its ~1,000 groups
#              cached; writes park groups and checkpoint rounds, each with its fsyncs, run all along).
# Prints per run the median IOPS over the rounds, csum's settled IOPS (counting the final flush and
# close, bench's settled_iops), fsyncs and checkpoint rounds, fio's mean fdatasync latency, and the
# ratios miss/warm and fio-sync/fio, with every round's figures. Needs fio, python3, a JDK >= 22.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds=3; seconds=10; every=10000; cache=256k; dir=/var/tmp/csum-flush-cost
while getopts "r:t:n:c:d:" opt; do
  case $opt in
    r) rounds=$OPTARG ;; t) seconds=$OPTARG ;; n) every=$OPTARG ;; c) cache=$OPTARG ;; d) dir=$OPTARG ;;
    *) echo "usage: $0 [-r rounds] [-t seconds] [-n writes-per-fdatasync] [-c imd-cache] [-d dir]" >&2; exit 2 ;;
  esac
done
command -v fio >/dev/null || { echo "flush-cost.sh: needs fio (apt-get install fio)" >&2; exit 2; }
mkdir -p "$dir"
out="$dir/results-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$out"
raw="$dir/raw.img"; volume="$dir/volume.csum"
rm -f "$raw" "$volume"
fio --name=layout --filename="$raw" --size=1g --ioengine=io_uring --direct=1 --rw=write --bs=1m \
  --iodepth=8 --output-format=json > /dev/null
"$ROOT/bin/csum" bench "$volume" --size 1g --rw write --bs 1m --iodepth 8 --runtime 4s --json > /dev/null
fio_run() { # NAME [extra fio options]
  local name=$1; shift
  fio --name="$name" --filename="$raw" --size=1g --ioengine=io_uring --direct=1 --rw=randwrite --bs=4k \
    --iodepth=32 --runtime="$seconds" --time_based "$@" --output-format=json > "$out/$name-$r.json"
}
csum_run() { # NAME [extra bench options]
  local name=$1; shift
  "$ROOT/bin/csum" bench "$volume" --rw randwrite --bs 4k --iodepth 32 --runtime "${seconds}s" "$@" \
    --json > "$out/$name-$r.json"
}
for r in $(seq 1 "$rounds"); do
  case $((r % 4)) in
    1) order="fio warm fio-sync miss" ;; 2) order="warm fio-sync miss fio" ;;
    3) order="fio-sync miss fio warm" ;; 0) order="miss fio warm fio-sync" ;;
  esac
  for run in $order; do
    case $run in
      fio) fio_run fio ;;
      fio-sync) fio_run fio-sync --fdatasync="$every" ;;
      warm) csum_run warm ;;
      miss) csum_run miss --imd-cache "$cache" ;;
    esac
    echo "round $r: $run done" >&2
  done
done
rm -f "$raw" "$volume"
python3 - "$out" "$rounds" "$every" "$cache" <<'PY'
import json, statistics as st, sys
out, rounds, every, cache = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def load(name, r):
    j = json.load(open(f"{out}/{name}-{r}.json"))
    if "jobs" in j:
        job = j["jobs"][0]
        sync = job.get("sync", {}).get("lat_ns", {})
        return {"iops": job["write"]["iops"], "settled": None, "fsyncs": job.get("sync", {}).get("total_ios", 0) or
                (round(job["write"]["total_ios"] / int(every)) if name == "fio-sync" else 0),
                "rounds": None, "sync_ms": sync.get("mean", 0) / 1e6 if sync else None}
    return {"iops": j["iops"], "settled": j["settled_iops"], "fsyncs": j["device_ops"]["fsyncs"],
            "rounds": j["engine"]["checkpoint_rounds"], "sync_ms": None}
runs = {n: [load(n, r) for r in range(1, rounds + 1)] for n in ("fio", "fio-sync", "warm", "miss")}
med = lambda n, k: st.median([x[k] for x in runs[n]])
print(f"4 KiB random writes, depth 32, 1 GiB, {rounds} rounds; fio-sync: fdatasync every {every} writes; miss: --imd-cache {cache}")
for n, rows in runs.items():
    line = f"{n:9s} median {med(n, 'iops'):9.0f} IOPS"
    if rows[0]["settled"] is not None:
        line += f"  settled {med(n, 'settled'):9.0f}  fsyncs {med(n, 'fsyncs'):.0f}  rounds {med(n, 'rounds'):.0f}"
    if n == "fio-sync" and rows[0]["sync_ms"]:
        line += f"  fdatasync mean {med(n, 'sync_ms'):.1f} ms"
    print(line + "   rounds: " + " · ".join(f"{x['iops']:.0f}" for x in rows))
print(f"miss/warm {med('miss', 'iops') / med('warm', 'iops'):.2f} (settled {med('miss', 'settled') / med('warm', 'settled'):.2f})"
      f"   fio-sync/fio {med('fio-sync', 'iops') / med('fio', 'iops'):.2f}   miss/fio-sync {med('miss', 'iops') / med('fio-sync', 'iops'):.2f}")
print("per round miss/warm: " + " · ".join(f"{m['iops'] / w['iops']:.2f}" for m, w in zip(runs['miss'], runs['warm']))
      + "   fio-sync/fio: " + " · ".join(f"{s['iops'] / f['iops']:.2f}" for s, f in zip(runs['fio-sync'], runs['fio'])))
print(out)
PY
