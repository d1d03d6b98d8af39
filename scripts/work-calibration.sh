#!/usr/bin/env bash
# Benchmark: does --work-us / --work-ns add the CPU time it says?  For each
# cost, the epoll server's CPU microseconds per request with that cost minus
# without it, measured side by side and interleaved (ROUNDS rounds, every
# cost once per round, in a rotated order).  Server pinned to SERVER_CPU,
# the load generator to CLIENT_CPU; 10 keep-alive connections (the server
# stays busy, so CPU per request is not diluted by idle wake-ups).
#
#   scripts/work-calibration.sh [COST_NS ...]   (default 0 200 1000 5000 50000)
#   ROUNDS=5 DURATION=3 SERVER_CPU=0 CLIENT_CPU=1 MODEL=epoll
#
# Prints, per cost, the median added CPU per request with its min-max over
# the rounds, and the ratio added/asked.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5} DURATION=${DURATION:-3} SERVER_CPU=${SERVER_CPU:-0} CLIENT_CPU=${CLIENT_CPU:-1}
MODEL=${MODEL:-epoll}
costs=("$@")
[ ${#costs[@]} -eq 0 ] && costs=(0 200 1000 5000 50000)
tmp=$(mktemp -d /tmp/work-calibration.XXXXXX)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT
hz=$(getconf CLK_TCK)

# measure COST_NS: prints "cpu_us_per_request requests"
measure() {
	local cost=$1 port t0 t1 n
	taskset -c "$SERVER_CPU" build/server-"$MODEL" --port 0 --work-ns "$cost" >"$tmp/server.out" 2>&1 &
	server=$!
	for _ in $(seq 100); do
		port=$(sed -n 's/.*listening on [^:]*:\([0-9]*\).*/\1/p' "$tmp/server.out")
		[ -n "$port" ] && break
		sleep 0.05
	done
	t0=$(awk '{print $14+$15}' /proc/"$server"/stat)
	taskset -c "$CLIENT_CPU" build/loadgen -c 10 -d "${DURATION}s" --json "$tmp/lg.json" \
		"http://127.0.0.1:$port/" >/dev/null
	t1=$(awk '{print $14+$15}' /proc/"$server"/stat)
	kill "$server"
	wait "$server" 2>/dev/null || true
	server=
	n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"]["completed"])' "$tmp/lg.json")
	awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$n" 'BEGIN { printf "%.4f %d\n", t / hz * 1e6 / n, n }'
}

echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)  model $MODEL, ${ROUNDS} rounds x ${DURATION}s"
for r in $(seq "$ROUNDS"); do
	# rotate the order each round so that no cost always runs first
	for i in $(seq 0 $((${#costs[@]} - 1))); do
		c=${costs[$(((i + r) % ${#costs[@]}))]}
		echo "$r $c $(measure "$c")" >>"$tmp/raw"
	done
done
echo "# load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$tmp/raw" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
base = {r: float(cpu) for r, c, cpu, n in rows if c == "0"}
print("%10s %14s %22s %8s" % ("asked ns", "cpu us/req", "added us/req [min..max]", "added/asked"))
for cost in sorted({int(c) for _, c, _, _ in rows}):
    cpu = [float(x) for r, c, x, n in rows if int(c) == cost]
    added = [float(x) - base[r] for r, c, x, n in rows if int(c) == cost]
    m = statistics.median(added)
    print("%10d %14.3f %10.3f [%.3f..%.3f] %8s" % (cost, statistics.median(cpu), m, min(added), max(added),
          "%.2f" % (m * 1000 / cost) if cost else "-"))
PY
