#!/usr/bin/env bash
# Benchmark: every model's requests/s and server CPU microseconds per request,
# side by side with nginx (one worker, return 200 "Hello, World!"), measured
# in the same run.  HTTP keep-alive, 100 connections, wrk pinned to one core
# and the server to the other.  Prints medians of REPS runs.
#
#   scripts/vs-nginx.sh [model ...]      (default: every built model)
#   REPS=3 DURATION=5 SERVER_CPU=0 CLIENT_CPU=1 CONNS=100
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3} DURATION=${DURATION:-5} SERVER_CPU=${SERVER_CPU:-0} CLIENT_CPU=${CLIENT_CPU:-1}
CONNS=${CONNS:-100}
models=("$@")
[ ${#models[@]} -eq 0 ] && models=($(ls servers/*.c | xargs -n1 basename | sed 's/\.c$//'))
tmp=$(mktemp -d /tmp/vs-nginx.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# CPU ticks (user+system) of a process and all its descendants.
tree_ticks() {
	local pid=$1 total=0 t kids
	t=$(awk '{print $14+$15}' /proc/"$pid"/stat 2>/dev/null || echo 0)
	total=$((total + t))
	for k in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
		total=$((total + $(tree_ticks "$k")))
	done
	echo "$total"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_nginx() {
	local port=$1
	mkdir -p "$tmp/nginx"
	cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
master_process off;
error_log $tmp/nginx/error.log;
pid $tmp/nginx/nginx.pid;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $tmp/nginx;
	proxy_temp_path $tmp/nginx;
	fastcgi_temp_path $tmp/nginx;
	uwsgi_temp_path $tmp/nginx;
	scgi_temp_path $tmp/nginx;
	keepalive_requests 100000000;
	server {
		listen 127.0.0.1:$port;
		default_type text/plain;
		location / { return 200 "Hello, World!"; }
	}
}
CONF
	taskset -c "$SERVER_CPU" nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.02; done
}

start_model() {
	local m=$1
	taskset -c "$SERVER_CPU" build/server-"$m" --port 0 >"$tmp/$m.out" 2>"$tmp/$m.err" &
	pid=$!
	for _ in $(seq 100); do grep -q '^listening on' "$tmp/$m.out" 2>/dev/null && break; sleep 0.02; done
	port=$(head -1 "$tmp/$m.out" | sed 's/.*://')
}

# Starters set the globals pid and port.
# One measured run: prints "requests_per_s cpu_us_per_request".
measure() {
	local pid=$1 port=$2 conns=$3 before after out reqs hz
	hz=$(getconf CLK_TCK)
	sleep 0.2
	before=$(tree_ticks "$pid")
	out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$conns" -d"${DURATION}s" "http://127.0.0.1:$port/")
	after=$(tree_ticks "$pid")
	reqs=$(echo "$out" | awk '/requests in/{print $1}')
	if echo "$out" | grep -qE 'Non-2xx|Socket errors'; then echo "errors" >&2; fi
	echo "$out" | awk -v r="$reqs" -v t=$((after - before)) -v hz="$hz" \
		'/Requests\/sec/{ printf "%.0f %.2f\n", $2, (r > 0 ? t * 1e6 / hz / r : 0) }'
}

median() { sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

printf '%-18s %12s %14s\n' server requests/s cpu_us/req
for name in nginx "${models[@]}"; do
	rps=() cpu=()
	for _ in $(seq "$REPS"); do
		c=$CONNS
		if [ "$name" = nginx ]; then
			port=$(free_port); start_nginx "$port"
		else
			start_model "$name"
			grep -q 'Concurrency: none' servers/"$name".c && c=1
		fi
		pids+=("$pid")
		read -r r u < <(measure "$pid" "$port" "$c")
		kill "$pid"; wait "$pid" 2>/dev/null || true
		rps+=("$r") cpu+=("$u")
	done
	printf '%-18s %12s %14s%s\n' "$name" "$(printf '%s\n' "${rps[@]}" | median)" \
		"$(printf '%s\n' "${cpu[@]}" | median)" "$([ "$c" != "$CONNS" ] && echo "  (1 connection: serves one at a time)")"
done
