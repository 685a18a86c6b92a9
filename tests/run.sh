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
skip=0
failed=()

# Count the individual tests a binary ran: cmocka's "[==========] N
# test(s) run." and "[  FAILED  ] N test(s)", or the scenario script's
# "scenarios: N passed, M failed".  A binary that crashes or times out
# counts as one more failure.
run_one() {	# name, command...
	local name=$1; shift
	local log rc n f
	log=$(mktemp)
	timeout -k 5 "$TIMEOUT" "$@" >"$log" 2>&1
	rc=$?
	n=$(sed -n 's/^\[==========\] \([0-9]*\) test(s) run\./\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' "$log" | tail -1)
	if [ -z "$n" ]; then
		n=$(sed -n 's/^scenarios: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log" | tail -1)
		f=$(sed -n 's/^scenarios: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log" | tail -1)
		[ -n "$n" ] && n=$((n + f))
	fi
	k=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s).*/\1/p' "$log" | tail -1)
	n=${n:-0}
	f=${f:-0}
	k=${k:-0}
	skip=$((skip + k))
	n=$((n - k))
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1		# crashed, timed out or failed outside a test
	fi
	pass=$((pass + n - f))
	[ $pass -lt 0 ] && pass=0
	fail=$((fail + f))
	if [ $rc -eq 0 ]; then
		printf '  PASS  %s (%d tests)\n' "$name" "$n"
	else
		failed+=("$name")
		printf '  FAIL  %s (exit %s, %d of %d failed)\n' "$name" "$rc" "$f" "$n"
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
	run_one "$B:host" tests/host.sh "$B/pcilab"
	# The fuzzer: a CI-sized clean run, and every wrong driver found.
	# Sanitizer builds run a shorter clean run (they are 2-5x slower).
	fuzz_ops=200000
	[[ $B == *san* ]] && fuzz_ops=50000
	run_one "$B:fuzz" tests/fuzz.sh "$B/pcilab" "$fuzz_ops"
	[[ $B == *san* ]] || run_one "$B:bench" tests/bench.sh "$B/pcilab"
	[[ $B == build ]] && run_one "$B:install" tests/install.sh
else
	# The scenarios with more than one thread: interrupts on CPU threads
	# (cpus N) or userspace tasks (task, start).
	mapfile -t threaded < <(grep -l -E '^(cpus|task|start) ' scenarios/*.scn)
	run_one "$B:threaded-scenarios" "$B/pcilab" run --quiet "${threaded[@]}"
fi

label=$(basename "$B")
echo "$label: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
