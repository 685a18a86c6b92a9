#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Scenario tests, run by tests/run.sh:
#  - every bundled scenario (scenarios/*.scn) and every regression scenario
#    (tests/scenarios/pass/*.scn) must PASS (exit 0);
#  - every tests/scenarios/fail/*.scn must FAIL (exit 1) and print each
#    line its "# expect-output: TEXT" comments name;
#  - every tests/scenarios/bad/*.scn is malformed and must be rejected
#    (exit 2) with the "# expect-error: TEXT" message on stderr, naming
#    the file, line and column - without running anything.
set -u
PCILAB=${1:?usage: tests/scenarios.sh PCILAB_BINARY}
pass=0
fail=0

ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

for f in scenarios/*.scn tests/scenarios/pass/*.scn; do
	[ -e "$f" ] || continue
	out=$("$PCILAB" run "$f" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then ok; else bad "$f: exit $rc, expected 0"; echo "$out" | tail -40; fi
done

for f in tests/scenarios/fail/*.scn; do
	[ -e "$f" ] || continue
	out=$("$PCILAB" run "$f" 2>&1)
	rc=$?
	if [ $rc -ne 1 ]; then bad "$f: exit $rc, expected 1"; echo "$out" | tail -40; continue; fi
	missing=0
	while IFS= read -r want; do
		grep -qF -- "$want" <<<"$out" || { bad "$f: output lacks: $want"; missing=1; }
	done < <(sed -n 's/^# expect-output: //p' "$f")
	[ $missing -eq 0 ] && ok
done

for f in tests/scenarios/bad/*.scn; do
	[ -e "$f" ] || continue
	err=$("$PCILAB" run "$f" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 2 ]; then bad "$f: exit $rc, expected 2"; echo "$err" | tail -20; continue; fi
	want=$(sed -n 's/^# expect-error: //p' "$f" | head -1)
	want=${want//@FILE@/$f}
	if [ -z "$want" ]; then bad "$f: no '# expect-error:' line"; continue; fi
	if grep -qF -- "$want" <<<"$err"; then ok; else bad "$f: stderr lacks: $want"; echo "$err"; fi
done

# The CLI's own contract.
"$PCILAB" --help >/dev/null && ok || bad "pcilab --help: nonzero exit"
"$PCILAB" frobnicate >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown command: exit not 2"
"$PCILAB" run >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "run without a file: exit not 2"
"$PCILAB" run /nonexistent.scn >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "missing file: exit not 2"

# The real lspci reads back the state a driver left (nvme-lite on the
# nvme model: enabled, bus master, INTx off, MSI-X enabled with all 32
# vectors, unmasked).
if [ -x /usr/bin/lspci ]; then
	out=$("$PCILAB" lspci scenarios/machine-q35.scn -vv -s 01:00.0 2>&1)
	for want in "Mem+ BusMaster+" "DisINTx+" "MSI-X: Enable+ Count=32 Masked-" \
		    "Kernel driver in use: nvme-lite"; do
		grep -qF -- "$want" <<<"$out" && ok || bad "pcilab lspci: lacks '$want'"
	done
	# Read as a sysfs tree: BAR sizes, and the driver once, from lspci.
	out=$("$PCILAB" lspci scenarios/machine-q35.scn -vvv -s 01:00.0 2>&1)
	grep -qE '^	Region 0: .*\[size=[0-9]+[KMGT]?\]$' <<<"$out" && ok ||
		bad "pcilab lspci -vvv: no [size=] on the Region line"
	n=$(grep -cxF -- "	Kernel driver in use: nvme-lite" <<<"$out")
	[ "$n" -eq 1 ] && ok || bad "pcilab lspci -vvv: 'Kernel driver in use: nvme-lite' $n times, expected once"
	if diff <("$PCILAB" lspci scenarios/machine-q35.scn -xxx -s 00:05.0 2>&1 | sed 1d) \
		<(sed 1d tests/data/virtio-net.lspci-xxxx.txt) >/dev/null; then
		ok
	else
		bad "pcilab lspci -xxx of the cloned function differs from its dump"
	fi
fi

# MSI state a driver left, as the real lspci decodes it.
if [ -x /usr/bin/lspci ]; then
	out=$("$PCILAB" lspci tests/scenarios/pass/machine-msi.scn -vv -s 00:02.0 2>&1)
	for want in "MSI: Enable+ Count=1/1 Maskable+ 64bit+" "Masking: 00000000" \
		    "DisINTx+" "Kernel driver in use: msix-devm"; do
		grep -qF -- "$want" <<<"$out" && ok || bad "pcilab lspci (MSI): lacks '$want'"
	done
fi

# pcilab interrupts counts exactly what the devices raised.
out=$("$PCILAB" interrupts scenarios/machine-q35.scn 2>&1)
grep -qE "^ +[0-9]+: +7 +MSI +0-edge +nvme-lite queue" <<<"$out" && ok || bad "pcilab interrupts: vector 0 should show 7"
grep -qE "^ +[0-9]+: +2 +MSI +5-edge +nvme-lite queue" <<<"$out" && ok || bad "pcilab interrupts: vector 5 should show 2"
out=$("$PCILAB" irqdomains scenarios/machine-q35.scn --dot 2>&1)
grep -qF '"MSI-0000:01:00.0" -> "ITS-pci0"' <<<"$out" && ok || bad "pcilab irqdomains --dot: no MSI domain under the ITS"

echo "scenarios: $pass passed, $fail failed"
[ $fail -eq 0 ]
