#!/bin/sh
# Installs the Debian packages modelbench needs, if any are missing.
# As root it runs apt-get; otherwise it uses sudo when that works without a
# password, and if not it prints the exact command to run and stops.
set -eu

PKGS="build-essential pkg-config clang libclang-rt-14-dev python3 curl
libevent-dev libuv1-dev liburing-dev libev-dev libjansson-dev
gnuplot-nox hyperfine wrk apache2-utils nghttp2-client nginx-light
util-linux procps iproute2 nftables linux-perf strace clang-format
chromium chromium-driver python3-selenium
libssl-dev python3-websockets openssh-client openssh-server"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo"
else
	echo "deps: not root and no password-less sudo; run as root:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends $missing
