#!/bin/bash
# bench-clients.sh - how much client CPU does a request cost: build/loadgen
# (both --engine epoll and --engine io_uring) against wrk, ab and h2load.
# Not a test (it takes minutes): the figures for clients/README.md and
# docs/scaling.md.
#
#   tests/loadgen/bench-clients.sh [ROUNDS] [SECONDS]
#   SERVERS="epoll nginx" tests/loadgen/bench-clients.sh 7 5
#
# For each server (build/server-epoll; nginx with one worker too if named in
# SERVERS), each round runs every client for SECONDS with 100 keep-alive
# connections, the server pinned to core 0 and the client to core 1, and
# takes the client's CPU time (user + system) from /usr/bin/time.  Rounds
# are interleaved (every client once per round, the order rotated from one
# round to the next) so that a change in the machine's load hits every
# client alike; the 1-minute load average is recorded with every run.
#
# loadgen-io_uring-b0 is the io_uring engine unbatched (--batch-us 0), to
# show what the batching buys and what it costs in mean latency (each
# client's own mean: loadgen and wrk from the send, ab's "Time per request
# (mean)", h2load's "time for request" mean).
#
# Prints one line per run and, at the end, per server and client: the
# median requests/s, requests per client CPU-second and mean latency with
# their spread (min-max over rounds), and the ratio the io_uring engine was
# built for: loadgen --engine io_uring's requests per CPU-second over the
# best of wrk, ab and h2load in the same round (median of the per-round
# ratios).
set -u
ROUNDS=${1:-3} SECS=${2:-10}
SERVERS=${SERVERS:-epoll}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/bench-clients.XXXXXX)
SERVER_PID=""
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

start_epoll() {
	taskset -c 0 "$TOP/build/server-epoll" --proto http --port 0 >"$WORK/server.out" &
	SERVER_PID=$!
	for _ in $(seq 50); do
		grep -q '^listening on' "$WORK/server.out" && break
		sleep 0.1
	done
	PORT=$(sed -n 's/^listening on .*://p' "$WORK/server.out")
}

start_nginx() {
	PORT=$((20000 + RANDOM % 20000))
	mkdir -p "$WORK/nginx"
	cat >"$WORK/nginx/nginx.conf" <<-CONF
	worker_processes 1; daemon off; master_process off;
	pid $WORK/nginx/pid; error_log $WORK/nginx/error.log warn;
	events { worker_connections 4096; }
	http { access_log off; keepalive_requests 1000000000;
	  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx;
	  fastcgi_temp_path $WORK/nginx; uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
	  server { listen 127.0.0.1:$PORT;
	    location = / { default_type text/plain; return 200 "Hello, World!"; } } }
	CONF
	taskset -c 0 nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
	SERVER_PID=$!
	sleep 0.5
}

stop_server() {
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=""
}

# A time as the clients print it (850.00us, 1.20ms, 2s) in milliseconds.
ms() {
	awk -v t="$1" 'BEGIN { v = t + 0; if (t ~ /us$/) v /= 1000; else if (t ~ /[^m]s$/) v *= 1000
		printf "%.3f", v }'
}

# run NAME CMD...: prints "server round NAME requests/s cpu_s
# requests_per_cpu_s load1 mean_latency_ms".
run() {
	local name=$1 rps reqs cpu load lat
	shift
	load=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/time -f '%U %S' -o "$WORK/time" taskset -c 1 "$@" >"$WORK/out" 2>&1
	cpu=$(awk '{ print $1 + $2 }' "$WORK/time")
	case $name in
	loadgen*|wrk) rps=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/out")
		reqs=$(awk '/ requests in / { print $1 }' "$WORK/out")
		lat=$(ms "$(awk '$1 == "Latency" { print $2; exit }' "$WORK/out")") ;;
	ab) rps=$(awk '/^Requests per second:/ { print $4 }' "$WORK/out")
		reqs=$(awk '/^Complete requests:/ { print $3 }' "$WORK/out")
		lat=$(awk '/^Time per request:.*\(mean\)$/ { print $4; exit }' "$WORK/out") ;;
	h2load) rps=$(awk '/^finished in/ { sub(/,/, "", $4); print $4 }' "$WORK/out")
		reqs=$(awk '/^requests:/ { print $8 }' "$WORK/out")
		lat=$(ms "$(awk '/^time for request:/ { print $6 }' "$WORK/out")") ;;
	esac
	echo "$SERVER $round $name ${rps:-0} $cpu $(awk -v r="${reqs:-0}" -v c="$cpu" 'BEGIN { printf "%.0f", (c > 0 ? r / c : 0) }') $load ${lat:-0}" |
		tee -a "$WORK/results"
}

# One client by name, for rotating the order.
client() {
	local url="http://127.0.0.1:$PORT/"
	case $1 in
	loadgen-epoll) run "$1" "$TOP/build/loadgen" --engine epoll -t1 -c100 -d"${SECS}s" "$url" ;;
	loadgen-io_uring) run "$1" "$TOP/build/loadgen" --engine io_uring -t1 -c100 -d"${SECS}s" "$url" ;;
	loadgen-io_uring-b0) run "$1" "$TOP/build/loadgen" --engine io_uring --batch-us 0 -t1 -c100 -d"${SECS}s" "$url" ;;
	wrk) run wrk wrk -t1 -c100 -d"${SECS}s" "$url" ;;
	# ab has no duration limit that ends cleanly: -t with a -n it cannot reach.
	ab) run ab ab -k -q -c100 -t"$SECS" -n 100000000 "$url" ;;
	h2load) run h2load h2load --h1 -c100 -t1 -D"$SECS" "$url" ;;
	esac
}

CLIENTS=(loadgen-io_uring wrk loadgen-epoll ab loadgen-io_uring-b0 h2load)
echo "kernel $(uname -r), $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server round client requests/s client_cpu_s requests_per_cpu_s load1 mean_latency_ms"
for round in $(seq "$ROUNDS"); do
	for SERVER in $SERVERS; do
		"start_$SERVER"
		for i in "${!CLIENTS[@]}"; do
			client "${CLIENTS[$(((i + round - 1) % ${#CLIENTS[@]}))]}"
		done
		stop_server
	done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 - "$WORK/results" "$ROUNDS" <<'PY'
import statistics, sys
from collections import defaultdict

runs = defaultdict(list)          # (server, client) -> [(rps, per_cpu, load, ms)]
per_round = defaultdict(dict)     # (server, round) -> {client: per_cpu}
for line in open(sys.argv[1]):
    server, rnd, client, rps, _, per_cpu, load, lat = line.split()
    runs[server, client].append((float(rps), float(per_cpu), float(load), float(lat)))
    per_round[server, rnd][client] = float(per_cpu)
print(f"medians over {sys.argv[2]} rounds (min-max in brackets):")
print(f"{'server':7} {'client':20} {'requests/s':>24} {'requests/CPU-s':>24} "
      f"{'load1':>17} {'latency ms':>20}")
for (server, client), v in sorted(runs.items()):
    cols = []
    for i in range(4):
        xs = [r[i] for r in v]
        fmt = "{:.0f}" if i < 2 else "{:.2f}"
        cols.append(f"{fmt.format(statistics.median(xs))} "
                    f"[{fmt.format(min(xs))}-{fmt.format(max(xs))}]")
    print(f"{server:7} {client:20} {cols[0]:>24} {cols[1]:>24} {cols[2]:>17} {cols[3]:>20}")
for server in sorted({s for s, _ in runs}):
    ratios = []
    for (s, rnd), c in sorted(per_round.items()):
        best = max((c.get(k, 0) for k in ("wrk", "ab", "h2load")), default=0)
        if s == server and best > 0 and "loadgen-io_uring" in c:
            ratios.append(c["loadgen-io_uring"] / best)
    if ratios:
        print(f"{server}: loadgen io_uring / best of (wrk, ab, h2load), requests per "
              f"client CPU-second: {statistics.median(ratios):.2f}x median "
              f"[{min(ratios):.2f}-{max(ratios):.2f}] over {len(ratios)} rounds "
              "(target >= 1.3x)")
PY
