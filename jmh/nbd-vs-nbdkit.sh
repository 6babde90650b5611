#!/usr/bin/env bash
# csum serve against nbdkit's file plugin, both on 127.0.0.1, driven by fio --ioengine=nbd.
#
#   jmh/nbd-vs-nbdkit.sh [-r ROUNDS] [-t SECONDS] [-s SIZE] [-d DIR]
#
# Sets up a csum volume of SIZE (every block written once through csum serve, so reads verify real
# checksums) and a raw file of the same usable size (random data). Then per round, per workload,
# fio against csum serve and against `nbdkit file`, alternating which goes first. Workloads: 4 KiB
# random reads and random writes at depth 32, 128 KiB sequential reads and writes at depth 16.
# A third server, `qemu-nbd -f raw --cache=none --aio=io_uring` on the same raw file, is the
# like-for-like baseline: like csum it reads and writes the disk with O_DIRECT, where nbdkit's file
# plugin serves from the page cache (the issue's yardstick stays nbdkit: both ratios are printed).
# Also per round, `csum bench` on the volume itself (no NBD) for the same workloads: what the engine
# and the device do without a server in front. Prints each run, then medians and ratios.
# Run it alone on the machine: `pgrep -af 'fio|jmh|csum bench'` must show nothing else.
set -euo pipefail
rounds=3; seconds=10; size=1g; dir=/var/tmp/csum-nbd-bench
while getopts "r:t:s:d:" opt; do
  case $opt in
    r) rounds=$OPTARG ;; t) seconds=$OPTARG ;; s) size=$OPTARG ;; d) dir=$OPTARG ;;
    *) echo "usage: $0 [-r rounds] [-t seconds] [-s size] [-d dir]" >&2; exit 2 ;;
  esac
done
csum="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bin/csum"
# The servers and clients it compares, from Debian's packages when missing (as root).
missing=""
for tool in fio:fio nbdkit:nbdkit nbdinfo:libnbd-bin nbdcopy:libnbd-bin qemu-nbd:qemu-utils; do
  command -v "${tool%%:*}" > /dev/null || missing="$missing ${tool#*:}"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get > /dev/null; then
    echo "nbd-vs-nbdkit: missing packages:$missing (apt-get install$missing)" >&2; exit 2
  fi
  echo "nbd-vs-nbdkit: installing$missing from Debian's packages" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2; }
fi
mkdir -p "$dir"; results="$dir/results-$(date +%Y%m%d-%H%M%S).tsv"
volume="$dir/volume.csum"; raw="$dir/raw.img"; port_csum=10911; port_nbdkit=10912; port_qemu=10913
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; true; }
trap cleanup EXIT

start_csum() {
  "$csum" serve "$volume" --listen 127.0.0.1:$port_csum > "$dir/serve.out" 2> "$dir/serve.err" &
  server_pid=$!
  for _ in $(seq 100); do grep -q 'serving' "$dir/serve.out" 2>/dev/null && return; sleep 0.1; done
  echo "csum serve did not start: $(cat "$dir/serve.err")" >&2; exit 1
}
start_nbdkit() {
  nbdkit -f -p $port_nbdkit file "$raw" & server_pid=$!
  for _ in $(seq 100); do nbdinfo --size nbd://127.0.0.1:$port_nbdkit >/dev/null 2>&1 && return; sleep 0.1; done
  echo "nbdkit did not start" >&2; exit 1
}
start_qemu() {
  qemu-nbd -f raw --cache=none --aio=io_uring -b 127.0.0.1 -p $port_qemu -e 4 -t "$raw" & server_pid=$!
  for _ in $(seq 100); do nbdinfo --size nbd://127.0.0.1:$port_qemu >/dev/null 2>&1 && return; sleep 0.1; done
  echo "qemu-nbd did not start" >&2; exit 1
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

rm -f "$volume" "$raw"
"$csum" format "$volume" --size "$size" > /dev/null
usable=$("$csum" status "$volume" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["usable_bytes"])')
head -c "$usable" /dev/urandom > "$raw"
start_csum
nbdcopy "$raw" nbd://127.0.0.1:$port_csum   # lay the volume out: every block written once
stop_server

workloads=("randread 4k 32" "randwrite 4k 32" "read 128k 16" "write 128k 16")
run_fio() { # $1 server $2 uri $3 rw $4 bs $5 depth
  fio --name=nbd --ioengine=nbd --uri="$2" --rw="$3" --bs="$4" --iodepth="$5" --size="$usable" \
    --runtime="$seconds" --time_based --output-format=json > "$dir/fio.json"
  python3 - "$dir/fio.json" "$1" "$3" "$4" "$round" >> "$results" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
job = json.loads(text[text.index("{"):])["jobs"][0]   # fio's nbd engine prints a line first
side = job["read"] if job["read"]["io_bytes"] > 0 else job["write"]
print("\t".join([sys.argv[5], sys.argv[2], sys.argv[3], sys.argv[4], f"{side['iops']:.0f}",
                 f"{side['bw_bytes'] / 2**20:.1f}"]))
PY
  tail -1 "$results"
}
for round in $(seq 1 "$rounds"); do
  order=(csum nbdkit qemu-nbd); [ $((round % 2)) -eq 0 ] && order=(qemu-nbd nbdkit csum)
  for server in "${order[@]}"; do
    case $server in
      csum) start_csum; uri=nbd://127.0.0.1:$port_csum ;;
      nbdkit) start_nbdkit; uri=nbd://127.0.0.1:$port_nbdkit ;;
      qemu-nbd) start_qemu; uri=nbd://127.0.0.1:$port_qemu ;;
    esac
    for workload in "${workloads[@]}"; do
      read -r rw bs depth <<< "$workload"
      run_fio "$server" "$uri" "$rw" "$bs" "$depth"
    done
    stop_server
  done
  for workload in "${workloads[@]}"; do
    read -r rw bs depth <<< "$workload"
    "$csum" bench "$volume" --rw "$rw" --bs "$bs" --iodepth "$depth" --runtime "${seconds}s" --json > "$dir/bench.json"
    python3 - "$dir/bench.json" "$rw" "$bs" "$round" >> "$results" <<'PY'
import json, sys
bench = json.load(open(sys.argv[1]))
print("\t".join([sys.argv[4], "csum-bench", sys.argv[2], sys.argv[3], f"{bench['iops']:.0f}",
                 f"{bench['bytes_per_second'] / 2**20:.1f}"]))
PY
    tail -1 "$results"
  done
done
python3 - "$results" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
medians = {}
for _, server, rw, bs, iops, mib in rows:
    medians.setdefault((rw, bs), {}).setdefault(server, []).append((float(iops), float(mib)))
print("\nmedians (IOPS, MiB/s), csum serve / nbdkit file, csum serve / qemu-nbd --cache=none:")
for (rw, bs), servers in medians.items():
    m = {s: (statistics.median(v[0] for v in runs), statistics.median(v[1] for v in runs)) for s, runs in servers.items()}
    ratio = m["csum"][0] / m["nbdkit"][0]
    qemu = m.get("qemu-nbd", (float("nan"), float("nan")))
    bench = m.get("csum-bench", (float("nan"), float("nan")))
    print(f"  {rw:9} {bs:>4}: csum serve {m['csum'][0]:8.0f} IOPS {m['csum'][1]:7.1f} MiB/s | nbdkit file "
          f"{m['nbdkit'][0]:8.0f} IOPS {m['nbdkit'][1]:7.1f} MiB/s | ratio {ratio:.2f} | qemu-nbd {qemu[0]:8.0f} IOPS, "
          f"ratio {m['csum'][0] / qemu[0]:.2f} | csum bench (no NBD) {bench[0]:8.0f} IOPS")
PY
echo "results: $results"
