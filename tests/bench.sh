#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The benchmark harness still runs (make bench is not part of make check):
# `pcilab bench --quick --json irq cfg` exits 0, prints valid JSON with
# every figure those groups make, and a bad group is a usage error.
# Timing is not asserted here: figures are reported, never tested.
#   tests/bench.sh PCILAB
set -u
PCILAB=${1:?usage: tests/bench.sh PCILAB}
pass=0
fail=0
out=$("$PCILAB" bench --quick --json irq cfg 2>/dev/null)
if [ $? -eq 0 ] && python3 -c '
import json, sys
figs = json.load(sys.stdin)
names = {f["name"] for f in figs}
need = ["baseline: table lookup + indirect call", "MSI-X via ITS, inline",
        "VMD child via demux, inline", "ECAM read, 1 thread", "user read (CONF1)"]
missing = [n for n in need if n not in names]
bad = [f["name"] for f in figs if not f["median"] > 0]
sys.exit(1 if missing or bad or len(figs) < 19 else 0)' <<<"$out"; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: pcilab bench --quick --json irq cfg"
	echo "$out" | head -20
fi
"$PCILAB" bench nosuchgroup >/dev/null 2>&1
if [ $? -eq 2 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: a bad group is not a usage error"; fi
echo "scenarios: $pass passed, $fail failed"
[ $fail -eq 0 ]
