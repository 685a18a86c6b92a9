#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Run tests/run.sh for each build directory given (DIR or DIR:threaded)
# and print one summary line for all of them, in the form CI runners
# recognise.
set -u
total_pass=0
total_fail=0
total_skip=0
for spec in "$@"; do
	b=${spec%%:*}
	only=
	[ "$spec" != "$b" ] && only=${spec#*:}
	out=$(tests/run.sh "$b" $only 2>&1)
	rc=$?
	echo "$out" | sed '$d'
	last=$(echo "$out" | tail -1)
	echo "  -- $last"
	p=$(echo "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped/\1/p')
	f=$(echo "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped/\2/p')
	k=$(echo "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped/\3/p')
	[ -z "$p" ] && { p=0; f=1; k=0; }
	total_skip=$((total_skip + k))
	[ $rc -ne 0 ] && [ "$f" -eq 0 ] && f=1
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done
echo "check: $total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
