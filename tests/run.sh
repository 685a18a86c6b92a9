#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Run the tests of one build directory: every cmocka unit-test binary (each
# in its own process, with a timeout) and the scenario tests.
#   tests/run.sh BUILD_DIR [threaded]
# "threaded" runs only the tests whose name contains "threaded" (TSan).
# Prints one line per test and ends with "<label>: N passed, M failed".
set -u
B=${1:?usage: tests/run.sh BUILD_DIR [threaded]}
ONLY=${2:-}
TIMEOUT=${PCL_TEST_TIMEOUT:-300}
pass=0
fail=0
failed=()

run_one() {	# name, command...
	local name=$1; shift
	local log
	log=$(mktemp)
	if timeout -k 5 "$TIMEOUT" "$@" >"$log" 2>&1; then
		pass=$((pass + 1))
		printf '  PASS  %s\n' "$name"
	else
		fail=$((fail + 1))
		failed+=("$name")
		printf '  FAIL  %s (exit %s)\n' "$name" "$?"
		sed 's/^/    | /' "$log" | tail -60
	fi
	rm -f "$log"
}

for t in "$B"/tests/test-*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if [ "$ONLY" = threaded ] && [[ $name != *threaded* ]]; then
		continue
	fi
	run_one "$B:$name" "$t"
done

if [ "$ONLY" != threaded ]; then
	run_one "$B:scenarios" tests/scenarios.sh "$B/pcilab"
fi

label=$(basename "$B")
echo "$label: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
