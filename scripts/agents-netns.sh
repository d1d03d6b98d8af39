#!/bin/bash
# agents-netns.sh - the issue 17 note figures: one server, its load from one
# local loadgen or from three agents in three network namespaces, rounds
# interleaved, every figure from bench's own documents.
#
#   scripts/agents-netns.sh [ROUNDS] [DURATION_S] [CONNECTIONS]   (3 3 1000)
#
# Needs root (namespaces).  Namespaces agt-n{s,1,2,3}-PID on a bridge, no
# traffic shaping; all deleted on exit.  bench runs inside the server's
# namespace; "local" is a plain bench run there (loadgen on 127.0.0.1,
# pinned to the client CPU), "agents" is --clients netns:..x3 reaching the
# server's bridge address, the agents pinned to the same client CPU, so
# both drive the server with the same client CPU budget.  Prints one line
# per run and the medians.  Results are left in $OUT (default a temp dir).
set -eu
ROUNDS=${1:-3} DUR=${2:-3} CONNS=${3:-1000}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
OUT=${OUT:-$(mktemp -d /tmp/agt-note.XXXXXX)}
mkdir -p "$OUT"
P=$$ NET=10.215.$(($$ % 250))
NS=(agt-ns-$P agt-n1-$P agt-n2-$P agt-n3-$P)

cleanup() {
	for ns in "${NS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT
for ns in "${NS[@]}"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
ip -n "${NS[0]}" link add agtbr type bridge
ip -n "${NS[0]}" addr add "$NET.1/24" dev agtbr
ip -n "${NS[0]}" link set agtbr up
for i in 1 2 3; do
	ip link add "agn${i}s$P" type veth peer name "agn${i}c$P"
	ip link set "agn${i}s$P" netns "${NS[0]}"
	ip link set "agn${i}c$P" netns "${NS[$i]}"
	ip -n "${NS[0]}" link set "agn${i}s$P" master agtbr up
	ip -n "${NS[$i]}" addr add "$NET.1$i/24" dev "agn${i}c$P"
	ip -n "${NS[$i]}" link set "agn${i}c$P" up
done
cat >"$OUT/note.conf" <<CONF
reps = 1
duration_s = $DUR
warmup_s = 0.5
timeout_ms = 2000
scenario http-c$CONNS proto=http connections=$CONNS
CONF
run() { # run NAME [bench options...]
	local name=$1
	shift
	ip netns exec "${NS[0]}" "$BUILD/bench" run --suite "$OUT/note.conf" --models epoll \
		--syscalls none --no-batch --no-report --out "$OUT/$name" "$@" >/dev/null 2>"$OUT/$name.err"
}
for r in $(seq 1 "$ROUNDS"); do
	run "local-$r"
	run "agents-$r" --server-addr "$NET.1" --clients "netns:${NS[1]},netns:${NS[2]},netns:${NS[3]}"
done
echo "uptime at the end: $(uptime)"
python3 - "$OUT" "$ROUNDS" "$CONNS" <<'PY'
import json, statistics, sys
out, rounds, conns = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = {"local": [], "agents": []}
for kind in rows:
    for r in range(1, rounds + 1):
        try:
            d = json.load(open("%s/%s-%d/hist/http-c%s-epoll-1.json" % (out, kind, r, conns)))
        except OSError:
            print("%s round %d: no result (see %s/%s-%d.err)" % (kind, r, out, kind, r))
            continue
        lat = d["latency_us"]
        rows[kind].append((d["requests_per_s"], lat["p50"], lat["p99"], d.get("start_skew_us"),
                           d.get("merge_s"), d["client_cpu_s"]))
        line = "%-6s round %d: %8.0f req/s  p50 %6.3f ms  p99 %7.3f ms  client CPU %.2f s" % (
            kind, r, d["requests_per_s"], lat["p50"] / 1e3, lat["p99"] / 1e3, d["client_cpu_s"])
        if "agents" in d:
            line += "  skew %.3f ms  merge %.2f ms" % (d["start_skew_us"] / 1e3, d["merge_s"] * 1e3)
            for a in d["agents"]:
                line += "\n        agent %d: %8.0f req/s  p50 %6.3f ms  p99 %7.3f ms  CPU %.2f s  late %.3f ms" % (
                    a["agent"], a["requests_per_s"], a["latency_us"]["p50"] / 1e3,
                    a["latency_us"]["p99"] / 1e3, a["client_cpu_s"], a["start_late_us"] / 1e3)
        print(line)
for kind, v in rows.items():
    if v:
        med = lambda i: statistics.median(x[i] for x in v)
        print("median %-6s: %8.0f req/s  p50 %6.3f ms  p99 %7.3f ms  (%d rounds)" % (
            kind, med(0), med(1) / 1e3, med(2) / 1e3, len(v)))
PY
echo "results in $OUT"
