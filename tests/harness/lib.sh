# lib.sh - shared by the harness tests (sourced, not run).
#
# Each test gets a private folder $T.  Servers are run through symlinks in
# $T/build, so every process a test starts has $T in its command line:
# that is how leftovers are found (and killed, by PID) without touching
# servers other people are running on the same machine.

set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
BENCH=$BUILD/bench
T=$(mktemp -d /tmp/modelbench-harness.XXXXXX)

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1: $2"; }
check() { # check NAME WHY COMMAND...: ok if the command succeeds
	local name=$1 why=$2
	shift 2
	if "$@"; then ok "$name"; else notok "$name" "$why"; fi
}

# Debian's python3 starts in 0.05 s; a pyenv shim on PATH can take a second.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

# PIDs of live processes whose command line mentions $T (zombies excluded:
# they are already dead, waiting for a parent to reap them).
our_pids() {
	local f pid
	for f in $(grep -ls -- "$T" /proc/[0-9]*/cmdline 2>/dev/null); do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		grep -qs '^State:.*Z' "/proc/$pid/status" && continue
		[ -e "/proc/$pid" ] && echo "$pid"
	done
}

cleanup() {
	local pids
	pids=$(our_pids)
	[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# A real model to benchmark: epoll if it is built, else the first of $MODELS.
pick_model() {
	local m
	for m in epoll ${MODELS:-}; do
		[ -x "$BUILD/server-$m" ] && { echo "$m"; return; }
	done
	echo ""
}

# make_build DIR MODEL...: a build folder of symlinks to the real servers
# and load generator.
make_build() {
	local dir=$1 m
	shift
	mkdir -p "$dir"
	ln -sf "$BUILD/loadgen" "$dir/loadgen"
	for m in "$@"; do ln -sf "$BUILD/server-$m" "$dir/server-$m"; done
}

# Waits (at most $2 seconds) until no process of ours is left.
none_left() {
	local i
	for ((i = 0; i < ${1:-30}; i++)); do
		[ -z "$(our_pids)" ] && return 0
		sleep 0.1
	done
	return 1
}

# rows FILE: data rows in a runs.csv (0 if missing).
rows() { [ -f "$1" ] && $PY -c 'import csv,sys; print(len(list(csv.DictReader(open(sys.argv[1])))))' "$1" || echo 0; }

if [ ! -x "$BENCH" ] || [ ! -x "$BUILD/loadgen" ]; then
	notok "harness-built" "$BENCH or $BUILD/loadgen missing (run make)"
	exit 1
fi
