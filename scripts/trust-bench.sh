#!/usr/bin/env bash
# Benchmark: can `bench compare` be trusted on this host?  Issue 13's three
# measurements, on real runs:
#
#   (a) A/A: the same build against itself, PAIRS times, as two separate
#       runs and as two labels of one run (--build A --build A2, run
#       alternately).  Every cell called slower (or faster) is wrong.
#   (b) power: build B is the same servers with a calibrated extra cost
#       (--work-ns WORK_NS per request, started by a wrapper); PAIRS times
#       in one run with both builds alternating, and PAIRS times as separate
#       runs.  The extra CPU per request it really added is measured and
#       printed (the median B/A - 1 of server CPU us/request over the
#       interleaved runs).
#   (c) the smallest change compare reports it could detect, per metric.
#
# The drift between separate runs is measured from the A/A pairs (the 90th
# percentile of |change of the medians| over the pairs, per metric) and the
# separate power pairs are then also judged with that --drift.
#
#   scripts/trust-bench.sh
#   MODELS="epoll thread-per-conn" PAIRS=10 REPS=6 DURATION=1 WORK_NS=500
#   SERVER_CPUS=0 CLIENT_CPUS=1 KEEP=1 (keep the result folders)
#   POWER_ONLY=1: only the interleaved power runs (b), e.g. to try another
#   WORK_NS or more REPS without the A/A phases
#   BASE_NS=N: every build (A, A2 and B) spins N ns a request first, so that
#   the server, not the load generator, is the bottleneck: with a saturated
#   load generator (runs marked client-bound) the server idles between
#   requests and its CPU per request depends on how many requests each
#   wake-up batches, so an added cost does not add up
#
# Prints one line per phase with counts and times, then a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
MODELS=${MODELS:-"epoll thread-per-conn"} PAIRS=${PAIRS:-10} REPS=${REPS:-6}
DURATION=${DURATION:-1} WORK_NS=${WORK_NS:-500}
SERVER_CPUS=${SERVER_CPUS:-0} CLIENT_CPUS=${CLIENT_CPUS:-1}
BENCH=$PWD/build/bench
tmp=$(mktemp -d /tmp/trust-bench.XXXXXX)
cleanup() { [ -n "${KEEP:-}" ] && echo "# kept: $tmp" || rm -rf "$tmp"; }
trap cleanup EXIT

# Builds: A and A2 are the real build under two names (spinning BASE_NS if
# given); B wraps each server to add --work-ns WORK_NS on top.
for b in A A2 B; do
	mkdir -p "$tmp/$b"
	for f in build/server-* build/loadgen; do
		ln -sf "$PWD/$f" "$tmp/$b/"
	done
done
BASE_NS=${BASE_NS:-0}
for m in $MODELS; do
	for b in A A2 B; do
		cost=$BASE_NS
		[ $b = B ] && cost=$((BASE_NS + WORK_NS))
		[ "$cost" -eq 0 ] && continue
		rm -f "$tmp/$b/server-$m"
		printf '#!/bin/sh\nexec %s "$@" --work-ns %s\n' "$PWD/build/server-$m" "$cost" \
			>"$tmp/$b/server-$m"
		chmod +x "$tmp/$b/server-$m"
	done
done
cat >"$tmp/suite.conf" <<CONF
reps = $REPS
duration_s = $DURATION
warmup_s = 0.3
scenario web proto=http connections=10
CONF
run() { # run OUT ARGS...: one bench run of the suite
	local out=$1
	shift
	"$BENCH" run --suite "$tmp/suite.conf" --models "$MODELS" --no-batch --no-report \
		--syscalls none --server-cpus "$SERVER_CPUS" --client-cpus "$CLIENT_CPUS" \
		--out "$out" "$@" >"$out.log" 2>&1 || { echo "bench run failed: $out.log" >&2; exit 1; }
}
verdicts() { # verdicts FILE METRIC: "slower faster other" counts of its cell lines
	awk -v m="$2" '$0 ~ " " m " " && /web\// {
		if ($NF == "slower") s++; else if ($NF == "faster") f++; else o++
	} END { printf "%d %d %d\n", s, f, o }' "$1"
}
detectable() { # detectable FILE METRIC: "X%" from compare's summary
	sed -n "s/^  $2 .*detectable: \([0-9.]*%\).*/\1/p" "$1"
}
tally() { # tally LABEL METRIC FILES...: sums the verdicts over the files
	local label=$1 metric=$2 s=0 f=0 o=0 n=0 v
	shift 2
	for file in "$@"; do
		read -r a b c <<<"$(verdicts "$file" "$metric")"
		s=$((s + a)) f=$((f + b)) o=$((o + c)) n=$((n + a + b + c))
	done
	v=$(for file in "$@"; do detectable "$file" "$metric"; done | sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }')
	printf '  %-34s %-22s %3d cells: %3d slower, %3d faster, %3d other   detectable (median) %s\n' \
		"$label" "$metric" "$n" "$s" "$f" "$o" "${v:--}"
}
phase_start() { t0=$(date +%s); echo "# $1 ($(date -u +%TZ), load $(cut -d' ' -f1-3 /proc/loadavg))"; }
phase_end() { echo "#   took $(($(date +%s) - t0)) s"; }

echo "# trust-bench: models $MODELS, $PAIRS pairs, $REPS reps x ${DURATION}s, WORK_NS=$WORK_NS BASE_NS=${BASE_NS:-0}"
"$BENCH" doctor --server-cpus "$SERVER_CPUS" --client-cpus "$CLIENT_CPUS" | head -n 1 || true

if [ -z "${POWER_ONLY:-}" ]; then
phase_start "separate runs: A and A again, and B ($((3 * PAIRS)) runs)"
for i in $(seq "$PAIRS"); do
	run "$tmp/sepA-$i" --build "$tmp/A"
	run "$tmp/sepA2-$i" --build "$tmp/A"
	run "$tmp/sepB-$i" --build "$tmp/B"
done
phase_end

phase_start "interleaved runs: A with A2, and A with B ($((2 * PAIRS)) runs)"
for i in $(seq "$PAIRS"); do
	run "$tmp/ilAA-$i" --build-label A="$tmp/A" --build-label A2="$tmp/A2"
	run "$tmp/ilAB-$i" --build-label A="$tmp/A" --build-label B="$tmp/B"
done
phase_end
else
phase_start "interleaved runs: A with B ($PAIRS runs)"
for i in $(seq "$PAIRS"); do
	run "$tmp/ilAB-$i" --build-label A="$tmp/A" --build-label B="$tmp/B"
done
phase_end
fi

# The drift between separate runs of one build, per metric: the 90th
# percentile of |B/A - 1| of the cell medians over the A/A pairs.
drift_of() {
	local metric=$1
	for i in $(seq "$PAIRS"); do
		python3 - "$tmp/sepA-$i/runs.csv" "$tmp/sepA2-$i/runs.csv" "$metric" <<'PY'
import csv, statistics, sys
def med(path, model):
    v = [float(r[sys.argv[3]]) for r in csv.DictReader(open(path))
         if r["model"] == model and r["status"] == "ok" and r[sys.argv[3]]]
    return statistics.median(v)
models = sorted({r["model"] for r in csv.DictReader(open(sys.argv[1]))})
for m in models:
    print(abs(med(sys.argv[2], m) / med(sys.argv[1], m) - 1) * 100)
PY
	done | sort -n | awk '{ a[NR] = $1 } END { i = int(0.9 * NR + 0.999); if (i < 1) i = 1; printf "%.1f\n", a[i] }'
}
if [ -z "${POWER_ONLY:-}" ]; then
drift_rps=$(drift_of requests_per_s)
drift_cpu=$(drift_of server_cpu_us_per_req)
echo "# measured drift between separate runs (p90 over $PAIRS A/A pairs): requests/s $drift_rps%, CPU us/request $drift_cpu%"

for i in $(seq "$PAIRS"); do
	"$BENCH" compare "$tmp/sepA-$i" "$tmp/sepA2-$i" >"$tmp/cmp-sepAA-$i" 2>&1 || true
	"$BENCH" compare --drift "$drift_rps" --metric requests_per_s "$tmp/sepA-$i" "$tmp/sepA2-$i" \
		>"$tmp/cmp-sepAA-drps-$i" 2>&1 || true
	"$BENCH" compare --drift "$drift_cpu" --metric server_cpu_us_per_req "$tmp/sepA-$i" \
		"$tmp/sepA2-$i" >"$tmp/cmp-sepAA-dcpu-$i" 2>&1 || true
	"$BENCH" compare "$tmp/sepA-$i" "$tmp/sepB-$i" >"$tmp/cmp-sepAB-$i" 2>&1 || true
	"$BENCH" compare --drift "$drift_cpu" --metric server_cpu_us_per_req "$tmp/sepA-$i" \
		"$tmp/sepB-$i" >"$tmp/cmp-sepAB-dcpu-$i" 2>&1 || true
	"$BENCH" compare "$tmp/ilAA-$i" >"$tmp/cmp-ilAA-$i" 2>&1 || true
done
fi
for i in $(seq "$PAIRS"); do
	"$BENCH" compare "$tmp/ilAB-$i" >"$tmp/cmp-ilAB-$i" 2>&1 || true
done

added=$(for i in $(seq "$PAIRS"); do
	python3 - "$tmp/ilAB-$i/runs.csv" <<'PY'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["status"] == "ok"]
for m in sorted({r["model"] for r in rows}):
    med = {b: statistics.median(float(r["server_cpu_us_per_req"]) for r in rows
                                if r["model"] == m and r["build"] == b) for b in ("A", "B")}
    print("%.2f %.3f %.3f" % ((med["B"] / med["A"] - 1) * 100, med["A"], med["B"]))
PY
done | sort -n | awk '{ p[NR] = $1; a[NR] = $2; b[NR] = $3 } END { m = int((NR + 1) / 2); printf "%.1f%% (%.2f -> %.2f us/request; range %.1f%%..%.1f%%)", p[m], a[m], b[m], p[1], p[NR] }')
echo "# B's extra cost, measured in the interleaved runs: CPU us/request +$added"

echo
if [ -z "${POWER_ONLY:-}" ]; then
echo "(a) A/A - every call is wrong:"
tally "separate runs, no --drift" requests_per_s "$tmp"/cmp-sepAA-[0-9]*
tally "separate runs, no --drift" server_cpu_us_per_req "$tmp"/cmp-sepAA-[0-9]*
tally "separate runs, --drift $drift_rps" requests_per_s "$tmp"/cmp-sepAA-drps-*
tally "separate runs, --drift $drift_cpu" server_cpu_us_per_req "$tmp"/cmp-sepAA-dcpu-*
tally "one run, builds interleaved" requests_per_s "$tmp"/cmp-ilAA-*
tally "one run, builds interleaved" server_cpu_us_per_req "$tmp"/cmp-ilAA-*
fi
echo "(b) power - B costs $WORK_NS ns more a request; 'slower' on CPU is right:"
tally "one run, builds interleaved" server_cpu_us_per_req "$tmp"/cmp-ilAB-*
if [ -z "${POWER_ONLY:-}" ]; then
tally "separate runs, no --drift" server_cpu_us_per_req "$tmp"/cmp-sepAB-[0-9]*
tally "separate runs, --drift $drift_cpu" server_cpu_us_per_req "$tmp"/cmp-sepAB-dcpu-*
fi
tally "one run, builds interleaved" requests_per_s "$tmp"/cmp-ilAB-*
echo "(c) the smallest change compare could detect is the 'detectable' column above."
