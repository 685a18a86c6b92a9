#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Install the Debian 12 packages pcilab needs to build and test.
# As root it runs apt-get; otherwise it prints the exact command and fails.
# Usage: scripts/install-deps.sh [build|test|bench|all]   (default: all)
set -eu

BUILD_PKGS="gcc make pkg-config liburcu-dev libdw-dev pciutils"
TEST_PKGS="clang libclang-rt-14-dev libcmocka-dev"
BENCH_PKGS="gnuplot-nox"	# the plots of make bench

case "${1:-all}" in
build)	want="$BUILD_PKGS" ;;
test|all) want="$BUILD_PKGS $TEST_PKGS" ;;
bench)	want="$BUILD_PKGS $BENCH_PKGS" ;;
*)	echo "usage: $0 [build|test|bench|all]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "pcilab: missing Debian packages:$missing" >&2
	echo "pcilab: run as root:  apt-get install -y$missing" >&2
	exit 1
fi
echo "pcilab: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends $missing >/dev/null; then
	apt-get update >/dev/null
	apt-get install -y --no-install-recommends $missing >/dev/null
fi
