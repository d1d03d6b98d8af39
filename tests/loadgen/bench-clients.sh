#!/bin/bash
# bench-clients.sh - is build/loadgen at least as efficient as wrk, ab and
# h2load?  Not a test (it takes minutes): the figures for the report.
#
#   tests/loadgen/bench-clients.sh [ROUNDS] [SECONDS]
#
# For each server (build/server-epoll, and nginx with one worker if
# installed), each round runs every client for SECONDS with 100 keep-alive
# connections, the server pinned to core 0 and the client to core 1, and
# takes the client's CPU time (user + system) from /usr/bin/time.  Prints
# one line per run and, at the end, the median requests/s and requests per
# client CPU-second of each client.
set -u
ROUNDS=${1:-3} SECS=${2:-10}
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

# run NAME CMD...: prints "NAME requests/s cpu_s requests_per_cpu_s".
run() {
	local name=$1 rps reqs cpu
	shift
	/usr/bin/time -f '%U %S' -o "$WORK/time" taskset -c 1 "$@" >"$WORK/out" 2>&1
	cpu=$(awk '{ print $1 + $2 }' "$WORK/time")
	case $name in
	loadgen|wrk) rps=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/out")
		reqs=$(awk '/ requests in / { print $1 }' "$WORK/out") ;;
	ab) rps=$(awk '/^Requests per second:/ { print $4 }' "$WORK/out")
		reqs=$(awk '/^Complete requests:/ { print $3 }' "$WORK/out") ;;
	h2load) rps=$(awk '/^finished in/ { sub(/,/, "", $4); print $4 }' "$WORK/out")
		reqs=$(awk '/^requests:/ { print $8 }' "$WORK/out") ;;
	esac
	echo "$SERVER $name $rps $cpu $(awk -v r="$reqs" -v c="$cpu" 'BEGIN { printf "%.0f", (c > 0 ? r / c : 0) }')" | tee -a "$WORK/results"
}

clients() {
	local url="http://127.0.0.1:$PORT/"
	run loadgen "$TOP/build/loadgen" -t1 -c100 -d"${SECS}s" "$url"
	run wrk wrk -t1 -c100 -d"${SECS}s" "$url"
	# ab has no duration limit that ends cleanly: -t with a -n it cannot reach.
	run ab ab -k -q -c100 -t"$SECS" -n 100000000 "$url"
	run h2load h2load --h1 -c100 -t1 -D"$SECS" "$url"
}

echo "server client requests/s client_cpu_s requests_per_cpu_s"
for round in $(seq "$ROUNDS"); do
	SERVER=epoll; start_epoll; clients; stop_server
	if command -v nginx >/dev/null; then
		SERVER=nginx; start_nginx; clients; stop_server
	fi
done
echo
echo "medians over $ROUNDS rounds:"
echo "server client requests/s requests_per_cpu_s"
sort -k1,1 -k2,2 "$WORK/results" | awk '
function median(s,   n, a, i, t) { n = split(s, a, " ");
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return a[int((n + 1) / 2)] }
{ k = $1 " " $2; rps[k] = rps[k] " " $3; eff[k] = eff[k] " " $5 }
END { for (k in rps) printf "%s %.0f %.0f\n", k, median(rps[k]), median(eff[k]) }' | sort
