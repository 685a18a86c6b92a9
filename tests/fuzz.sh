#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Fuzzer tests, run by tests/run.sh:
#  - with the sample drivers, a CI-sized run finds nothing (OPS operations,
#    200 000 by default);
#  - the same seed gives the same operations, byte for byte (--log), and
#    the same reproducer; another seed gives other operations;
#  - with each wrong driver linked in, the fuzzer finds its bug within a
#    bounded number of operations, shrinks it to at most 40 lines, and
#    `pcilab run` of the reproducer fails with the same checker's report.
# Prints "scenarios: N passed, M failed" for tests/run.sh's count.
#   tests/fuzz.sh PCILAB [OPS]
set -u
PCILAB=${1:?usage: tests/fuzz.sh PCILAB [OPS]}
OPS=${2:-200000}
MAXLINES=40
FIND_OPS=100000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# 1. The sample drivers: nothing found.
out=$("$PCILAB" fuzz --seed 42 --ops "$OPS" --out "$tmp/clean.scn" 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q "no checker report" <<<"$out"; then
	ok
	echo "ok: $(head -1 <<<"$out")"
else
	bad "fuzz --seed 42 --ops $OPS with the sample drivers (exit $rc):"
	echo "$out"
	[ -f "$tmp/clean.scn" ] && cat "$tmp/clean.scn"
fi

# 2. Reproducibility.
"$PCILAB" fuzz --seed 5 --ops 3000 --log "$tmp/a.log" --out "$tmp/a.scn" >/dev/null 2>&1
"$PCILAB" fuzz --seed 5 --ops 3000 --log "$tmp/b.log" --out "$tmp/b.scn" >/dev/null 2>&1
"$PCILAB" fuzz --seed 6 --ops 3000 --log "$tmp/c.log" --out "$tmp/c.scn" >/dev/null 2>&1
if cmp -s "$tmp/a.log" "$tmp/b.log" && [ "$(wc -l <"$tmp/a.log")" -gt 3000 ]; then
	ok
else
	bad "the same seed gave different operations (or too few)"
	diff "$tmp/a.log" "$tmp/b.log" | head -5
fi
if cmp -s "$tmp/a.log" "$tmp/c.log"; then
	bad "seeds 5 and 6 gave the same operations"
else
	ok
fi
"$PCILAB" fuzz --seed 9 --ops 5000 --drivers wrong-leak --out "$tmp/r1.scn" >/dev/null 2>&1
"$PCILAB" fuzz --seed 9 --ops 5000 --drivers wrong-leak --out "$tmp/r2.scn" >/dev/null 2>&1
if [ -s "$tmp/r1.scn" ] && diff <(sed 1,2d "$tmp/r1.scn") <(sed 1,2d "$tmp/r2.scn") >/dev/null; then
	ok
else
	bad "the same seed gave different reproducers"
fi

# 3. Every wrong driver: found, shrunk, replayed to the same report.
for drv in wrong-busmaster wrong-iomap-leak wrong-mmio-after-unmap \
	   wrong-free-vectors-first wrong-switchtec-alive wrong-vfio-reset \
	   wrong-chained-teardown wrong-devres-in-remove wrong-devres-in-release \
	   wrong-gfp-kernel-atomic wrong-mutex-in-irq wrong-leak; do
	repro="$tmp/$drv.scn"
	out=$("$PCILAB" fuzz --seed 7 --ops $FIND_OPS --drivers "$drv" --out "$repro" 2>&1)
	rc=$?
	chk=$(sed -n 's/^fuzz: \[\([a-z-]*\)\].*/\1/p' <<<"$out" | head -1)
	if [ $rc -ne 1 ] || [ -z "$chk" ] || [ ! -s "$repro" ]; then
		bad "$drv: not found within $FIND_OPS operations (exit $rc)"
		echo "$out"
		continue
	fi
	lines=$(grep -cv '^#' "$repro")
	if [ "$lines" -gt $MAXLINES ]; then
		bad "$drv: reproducer has $lines lines (more than $MAXLINES)"
		continue
	fi
	replay=$("$PCILAB" run --quiet "$repro" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && grep -q "unexpected report \[$chk\]" <<<"$replay"; then
		ok
		echo "ok: $drv: [$chk] in $lines lines ($(sed -n 's/^fuzz: after \([0-9]*\) operations.*/\1/p' <<<"$out") operations)"
	else
		bad "$drv: the reproducer does not replay to a [$chk] report (exit $rc)"
		cat "$repro"
		echo "$replay" | head -20
	fi
done

# 4. Bad options and machines.
"$PCILAB" fuzz --drivers no-such-driver >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "an unknown driver is not a usage error"
printf 'plug 02.0 model=nope\n' >"$tmp/bad-machine.scn"
err=$("$PCILAB" fuzz --machine "$tmp/bad-machine.scn" 2>&1)
if [ $? -eq 2 ] && grep -q "bad-machine.scn:1:" <<<"$err"; then ok; else bad "a bad machine file: $err"; fi
printf 'host pci0\nplug 04.0 model=switchtec\nplug 05.0 model=nvme\nenumerate\n' >"$tmp/machine.scn"
out=$("$PCILAB" fuzz --machine "$tmp/machine.scn" --seed 3 --ops 3000 --out "$tmp/m.scn" 2>&1)
[ $? -eq 0 ] && ok || { bad "fuzz --machine:"; echo "$out"; }

# 5. A machine cloned from sysfs (here-documents): fuzzed clean, and a
# wrong driver found on it is shrunk with the clone's config space whole.
out=$("$PCILAB" fuzz --machine examples/this-machine.scn --seed 1 --ops 5000 2>&1)
[ $? -eq 0 ] && ok || { bad "fuzz --machine examples/this-machine.scn:"; echo "$out"; }
"$PCILAB" fuzz --machine examples/this-machine.scn --seed 7 --drivers wrong-busmaster \
	--out "$tmp/clone.scn" >/dev/null 2>"$tmp/clone.err"
if [ $? -eq 1 ] && [ ! -s "$tmp/clone.err" ] && grep -q '^plug 0[1-5].0 dump=<<END bar0=512K$' "$tmp/clone.scn" &&
   [ "$(grep -c '^[0-9a-f][0-9a-f]: ' "$tmp/clone.scn")" -eq 16 ]; then
	ok
else
	bad "a reproducer on a cloned machine lost its here-document"; cat "$tmp/clone.err"; head -20 "$tmp/clone.scn"
fi
"$PCILAB" run "$tmp/clone.scn" 2>&1 | grep -q "\[residue\]\|residue after unbind" && ok \
	|| bad "the cloned machine's reproducer does not replay to the residue report"

echo "scenarios: $pass passed, $fail failed"
[ $fail -eq 0 ]
