#!/usr/bin/env bash
# Runs every test program tests/*/t-* and prints "N passed, N failed" last
# (skipped checks, "ok - name # SKIP why", on the lines before it).
# See tests/README.md for the protocol a test program follows.
# ONLY=glob limits the programs run (e.g. ONLY='conformance/*').
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP BUILD="$TOP/build" MODELS="${MODELS:-$(cd "$TOP/servers" && ls *.c | sed 's/\.c$//' | tr '\n' ' ')}"
passed=0 failed=0 skipped=0
logdir=$(mktemp -d /tmp/modelbench-tests.XXXXXX)
skips=$logdir/skipped
: >"$skips"

for t in "$TOP"/tests/*/t-*; do
	[ -x "$t" ] || continue
	rel=${t#"$TOP"/tests/}
	# shellcheck disable=SC2053
	[[ -n "${ONLY:-}" && $rel != ${ONLY} ]] && continue
	log="$logdir/$(echo "$rel" | tr / _).log"
	start=$(date +%s)
	"$t" >"$log" 2>&1
	rc=$?
	# "ok - name # SKIP why" (any case): the check did not run here
	s=$(grep -ciE '^ok - .*# skip' "$log")
	p=$(($(grep -c '^ok - ' "$log") - s))
	f=$(grep -c '^not ok - ' "$log")
	grep -iE '^ok - .*# skip' "$log" | sed "s|^ok - |$rel: |" >>"$skips"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $rel: exited $rc" >>"$log"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	printf '%-40s %4d passed %4d failed  %3ds%s\n' "$rel" "$p" "$f" $(($(date +%s) - start)) \
		"$([ "$s" -gt 0 ] && echo "  ($s skipped)")"
	if [ "$f" -ne 0 ] || [ -n "${VERBOSE:-}" ]; then
		grep -E '^not ok - ' "$log" | sed 's/^/    /'
		[ -n "${VERBOSE:-}" ] && sed 's/^/    | /' "$log"
		echo "    (full log: $log)"
	fi
done
# Skipped checks are neither passed nor failed: said on the line before
# the last, with their reasons.
if [ "$skipped" -gt 0 ]; then
	echo "$skipped skipped:"
	sed 's/^/    /' "$skips"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
