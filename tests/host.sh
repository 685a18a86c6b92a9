#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# pcilab host snapshot: cloning a machine's PCI functions from sysfs.
#  1. The captured sysfs tree of the machine pcilab was developed on
#     (tests/data/sysfs-host: a 2-vCPU QEMU VM with virtio devices and a
#     host bridge with 4 KiB of config space) snapshots to the bundled
#     example, examples/this-machine.scn, byte for byte.
#  2. Its clone decodes like the original: the real lspci reading the
#     captured tree and `pcilab lspci` reading the clone print the same
#     -xxxx bytes and the same -vvv text (the driver line aside).
#  3. A machine with a bridge (built from pcilab's q35 scenario, written as
#     a sysfs tree) round-trips: same names behind the bridge, same bytes.
#  4. Broken trees - a function gone after the directory was listed, a
#     config file that is short, unreadable or all ones, a capability list
#     that loops, a bad resource file, an SR-IOV VF - give one clear line
#     each and a best-effort scenario that still loads.
#  5. On a live machine with /sys/bus/pci: as root, every function clones
#     exactly; as an unprivileged user (setpriv), config spaces are 64
#     bytes and the clone has no capabilities, said on stderr.
#   tests/host.sh PCILAB  (from the top of the tree)
set -u
PCILAB=${1:?usage: tests/host.sh PCILAB_BINARY}
LSPCI=/usr/bin/lspci
pass=0
fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TREE=tests/data/sysfs-host/sys/bus/pci

# lspci reading a sysfs-shaped tree, and pcilab lspci reading a scenario.
# Lines that come from sysfs rather than config space differ by design and
# are left out: the driver and modules (the host's are not pcilab's), the
# IRQ number an INTx pin is routed to (pcilab routes its own), and the
# NUMA node, IOMMU group and physical slot (pcilab has none).
same_lines() { grep -v -e '^	Kernel ' -e '^	NUMA node:' -e '^	IOMMU group:' -e '^	Physical Slot:' |
	sed -e 's/routed to IRQ [0-9]*/routed to IRQ */'; }
tree_lspci() { "$LSPCI" -A linux-sysfs -O sysfs.path="$1" "${@:2}" 2>/dev/null | same_lines; }
clone_lspci() { "$PCILAB" lspci "$1" "${@:2}" 2>/dev/null | same_lines; }

# Every function of tree $1 that the clone $2 has decodes alike from it
# (what a snapshot leaves out, it says on stderr: an SR-IOV VF, say).
same_decode() {	# tree scenario label
	local d s n=0
	for d in "$1"/devices/*; do
		s=$(basename "$d")
		[ -e "$d/config" ] || continue
		grep -q "^# $s " "$2" || continue
		n=$((n + 1))
		if diff <(tree_lspci "$1" -xxxx -s "$s" | sed 1d) \
			<(clone_lspci "$2" -xxxx -s "$s" | sed 1d) >"$tmp/diff"; then
			ok
		else
			bad "$3: $s: lspci -xxxx of the clone differs"; head -20 "$tmp/diff"
		fi
		if diff <(tree_lspci "$1" -vvv -s "$s") <(clone_lspci "$2" -vvv -s "$s") >"$tmp/diff"; then
			ok
		else
			bad "$3: $s: lspci -vvv of the clone differs"; head -20 "$tmp/diff"
		fi
	done
	[ $n -gt 0 ] && ok || bad "$3: no function to compare"
}

# 1. The bundled example is what the tool writes of the captured tree.
"$PCILAB" host snapshot --sysfs "$TREE" >"$tmp/snap.scn" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && ok || { bad "snapshot of $TREE: exit $rc"; cat "$tmp/err"; }
if diff <(sed "s|$TREE|/sys/bus/pci|" "$tmp/snap.scn") examples/this-machine.scn >"$tmp/diff"; then
	ok
else
	bad "examples/this-machine.scn is not what pcilab host snapshot writes of $TREE"; head -20 "$tmp/diff"
fi
out=$("$PCILAB" run examples/this-machine.scn 2>&1) && ok || bad "the example does not run: $out"
for want in "plug 03.0 dump=<<END bar0=512K" "host pci0 kind=ecam domain=0" \
	    "# host: driver virtio-pci, irq 0" "f0: 00 00 00 00"; do
	grep -qF -- "$want" "$tmp/snap.scn" && ok || bad "the snapshot lacks '$want'"
done

# 2. The clone decodes as the host does.
if [ -x "$LSPCI" ]; then
	same_decode "$TREE" examples/this-machine.scn "captured host"
	clone_lspci examples/this-machine.scn -vvv -s 00:03.0 | grep -qF "Region 0: Memory at 4000100000 (64-bit, non-prefetchable) [size=512K]" \
		&& ok || bad "the clone's BAR 0 is not 512K at 4000100000"
fi

# 3. A machine with a bridge, written as a sysfs tree, round-trips.
hex2bin() {	# lspci -xxxx text on stdin -> binary on stdout
	local s
	s=$(sed -n 's/^[0-9a-f]\{2,3\}: //p' | tr -d ' \n' | sed 's/../\\x&/g')
	printf "$s"
}
mkfn() {	# tree path-under-devices slot irq (config text on stdin)
	local dir="$1/../../devices/$2" b
	mkdir -p "$dir"
	hex2bin >"$dir/config"
	# the attributes the kernel derives from config space, as it prints them
	b=($(od -An -tx1 -N48 -v "$dir/config"))
	echo "0x${b[1]}${b[0]}" >"$dir/vendor"
	echo "0x${b[3]}${b[2]}" >"$dir/device"
	echo "0x${b[11]}${b[10]}${b[9]}" >"$dir/class"
	echo "0x${b[8]}" >"$dir/revision"
	if [ $((16#${b[14]} & 0x7f)) -eq 0 ]; then
		echo "0x${b[45]}${b[44]}" >"$dir/subsystem_vendor"
		echo "0x${b[47]}${b[46]}" >"$dir/subsystem_device"
	else
		echo 0x0000 >"$dir/subsystem_vendor"
		echo 0x0000 >"$dir/subsystem_device"
	fi
	echo "$4" >"$dir/irq"
	ln -s "../../../devices/$2" "$1/devices/$3"
}
if [ -x "$LSPCI" ]; then
	Q="$tmp/q35/sys/bus/pci"
	mkdir -p "$Q/devices" "$tmp/q35/sys/devices"
	"$PCILAB" lspci scenarios/machine-q35.scn -xxxx >"$tmp/q35.txt" 2>/dev/null
	"$PCILAB" lspci scenarios/machine-q35.scn -vvv >"$tmp/q35-v.txt" 2>/dev/null
	for s in 00:01.0 01:00.0 00:02.0 00:04.0 00:05.0; do
		path=pci0000:00/0000:$s
		[ $s = 01:00.0 ] && path=pci0000:00/0000:00:01.0/0000:01:00.0
		irq=$(awk -v s="$s" '$1 == s { on = 1; next } /^$/ { on = 0 }
			on && /routed to IRQ/ { print $NF }' "$tmp/q35-v.txt")
		awk -v s="$s" '$1 == s { on = 1; next } /^$/ { on = 0 } on' "$tmp/q35.txt" |
			mkfn "$Q" "$path" "0000:$s" "${irq:-0}"
		# resource: the regions lspci printed, flags as the kernel's
		awk -v s="$s" '$1 == s { on = 1; next } /^$/ { on = 0 }
			on && /Region [0-5]: (Memory|I\/O ports) at/ {
				n = substr($2, 1, 1); addr = ($3 == "I/O") ? $6 : $5
				flags = ($3 == "I/O") ? "0x40101" : "0x40200"
				if ($0 ~ /64-bit/) flags = "0x140204"
				if ($0 ~ / prefetchable/) flags = flags "+0x2008"
				sz = $0; sub(/.*\[size=/, "", sz); sub(/\].*/, "", sz)
				print n, addr, sz, flags }' "$tmp/q35-v.txt" | {
			lines=("0x0 0x0 0x0" "0x0 0x0 0x0" "0x0 0x0 0x0" "0x0 0x0 0x0" "0x0 0x0 0x0" "0x0 0x0 0x0" "0x0 0x0 0x0")
			while read -r n addr sz flags; do
				mult=1
				case $sz in *K) mult=1024;; *M) mult=$((1024 * 1024));; *G) mult=$((1024 * 1024 * 1024));; esac
				sz=${sz%[KMG]}
				lines[$n]=$(printf '0x%016x 0x%016x 0x%016x' $((16#$addr)) $((16#$addr + sz * mult - 1)) $((flags)))
			done
			printf '%s\n' "${lines[@]}" >"$tmp/q35/sys/devices/$path/resource"
		}
	done
	"$PCILAB" host snapshot --sysfs "$Q" >"$tmp/q35.scn" 2>"$tmp/err" && [ ! -s "$tmp/err" ] && ok \
		|| { bad "snapshot of the q35 tree"; cat "$tmp/err"; }
	grep -q '^plug 00.0 dump=<<END .*behind=01.0' "$tmp/q35.scn" && ok || bad "the NVMe is not plugged behind the bridge"
	same_decode "$Q" "$tmp/q35.scn" "q35 tree"
	# -s picks a function and brings the bridge above it.
	"$PCILAB" host snapshot --sysfs "$Q" -s 01:00.0 >"$tmp/one.scn" 2>&1
	[ "$(grep -c '^plug' "$tmp/one.scn")" -eq 2 ] && grep -q '^plug 01.0' "$tmp/one.scn" && ok \
		|| bad "-s 01:00.0 should write the bridge and the NVMe"
fi

# 4. Broken trees: one clear line each, a scenario that still loads.
broken() {	# name expected-exit expected-message mutation...
	local name=$1 want_rc=$2 msg=$3; shift 3
	rm -rf "$tmp/b"
	cp -a tests/data/sysfs-host "$tmp/b"
	(cd "$tmp/b/sys/devices/pci0000:00" && eval "$*")
	"$PCILAB" host snapshot --sysfs "$tmp/b/sys/bus/pci" >"$tmp/b.scn" 2>"$tmp/b.err"
	rc=$?
	if [ $rc -ne "$want_rc" ]; then
		bad "$name: exit $rc, expected $want_rc"; cat "$tmp/b.err"; return
	fi
	if grep -qF -- "$msg" "$tmp/b.err" && [ "$(wc -l <"$tmp/b.err")" -le 2 ]; then
		ok
	else
		bad "$name: stderr lacks '$msg' (or says too much)"; cat "$tmp/b.err"
	fi
	if [ $rc -le 1 ]; then
		out=$("$PCILAB" run "$tmp/b.scn" 2>&1) && ok || { bad "$name: the snapshot does not load"; echo "$out" | tail -5; }
	fi
}
# A multi-function device: 03.1 beside 03.0.  -s 03.1 brings function 0;
# without function 0, function 1 cannot be found and is left out.
mkmf='printf "\x80" | dd of=0000:00:03.0/config bs=1 seek=14 conv=notrunc status=none &&
	cp -a 0000:00:03.0 0000:00:03.1 && ln -s ../../../devices/pci0000:00/0000:00:03.1 ../../bus/pci/devices/0000:00:03.1'
rm -rf "$tmp/b" && cp -a tests/data/sysfs-host "$tmp/b" && (cd "$tmp/b/sys/devices/pci0000:00" && eval "$mkmf")
"$PCILAB" host snapshot --sysfs "$tmp/b/sys/bus/pci" -s 03.1 >"$tmp/mf.scn" 2>"$tmp/err"
if [ $? -eq 0 ] && [ "$(grep -c '^plug 03\.[01] ' "$tmp/mf.scn")" -eq 2 ]; then ok; else bad "-s 03.1 should bring 03.0"; cat "$tmp/err"; fi
if [ -x "$LSPCI" ] && [ "$(clone_lspci "$tmp/mf.scn" | grep -c '^00:03\.[01] ')" -eq 2 ]; then ok; else
	[ -x "$LSPCI" ] && bad "the multi-function clone does not enumerate both functions"; fi
broken "function 0 gone" 1 "0000:00:03.1: function 0 of its device is missing or was left out" "$mkmf"' && rm 0000:00:03.0/config'
grep -q '^plug 03\.1' "$tmp/b.scn" && bad "function 1 written without function 0" || ok
# An expansion ROM (256K at feb80000, disabled): cloned with its size, and
# decoded alike ("Expansion ROM at feb80000 [disabled] [size=256K]").
if [ -x "$LSPCI" ]; then
	rm -rf "$tmp/b" && cp -a tests/data/sysfs-host "$tmp/b"
	D="$tmp/b/sys/devices/pci0000:00/0000:00:03.0"
	printf '\x00\x00\xb8\xfe' | dd of="$D/config" bs=1 seek=$((0x30)) conv=notrunc status=none
	sed -i '7s/.*/0x00000000feb80000 0x00000000febbffff 0x0000000000046200/' "$D/resource"
	"$PCILAB" host snapshot --sysfs "$tmp/b/sys/bus/pci" -s 03.0 >"$tmp/rom.scn" 2>"$tmp/err"
	grep -q '^plug 03.0 dump=<<END bar0=512K rom=256K$' "$tmp/rom.scn" && ok || { bad "the ROM size is not cloned"; cat "$tmp/err"; }
	clone_lspci "$tmp/rom.scn" -vvv -s 00:03.0 | grep -qF 'Expansion ROM at feb80000 [disabled] [size=256K]' && ok \
		|| bad "the clone's ROM does not decode"
	same_decode "$tmp/b/sys/bus/pci" "$tmp/rom.scn" "ROM"
fi
# A root bus nothing is taken from is not written.
rm -rf "$tmp/b" && cp -a tests/data/sysfs-host "$tmp/b"
mkdir -p "$tmp/b/sys/devices/pci10000:00" && cp -a "$tmp/b/sys/devices/pci0000:00/0000:00:03.0" "$tmp/b/sys/devices/pci10000:00/10000:00:00.0"
ln -s ../../../devices/pci10000:00/10000:00:00.0 "$tmp/b/sys/bus/pci/devices/10000:00:00.0"
"$PCILAB" host snapshot --sysfs "$tmp/b/sys/bus/pci" -s 0000:00:03.0 >"$tmp/r.scn" 2>&1
[ "$(grep -c '^host ' "$tmp/r.scn")" -eq 1 ] && ok || bad "a root bus with nothing written was written"
"$PCILAB" host snapshot --sysfs "$tmp/b/sys/bus/pci" >"$tmp/r.scn" 2>&1
grep -q '^host pci1 kind=conf1 domain=1$' "$tmp/r.scn" && grep -q '^plug 00.0 dump=<<END bar0=512K host=pci1$' "$tmp/r.scn" &&
	"$PCILAB" run "$tmp/r.scn" >/dev/null 2>&1 && ok || bad "a VMD-style domain 10000 is not cloned as domain 1"
broken "non-root 64-byte config" 1 "0000:00:03.0: config: 64 bytes only" \
	'head -c 64 0000:00:03.0/config >c && mv c 0000:00:03.0/config'
grep -q '^plug 03.0 dump=<<END bar0=512K$' "$tmp/b.scn" && ok || bad "64-byte config: the function is not cloned"
if [ -x "$LSPCI" ]; then
	clone_lspci "$tmp/b.scn" -vvv -s 00:03.0 | grep -q Capabilities && bad "64-byte config: the clone has capabilities" || ok
fi
broken "vanished before config" 1 "0000:00:04.0: config: No such file or directory (the function went away): left out" \
	'rm 0000:00:04.0/config'
grep -q '^plug 04.0' "$tmp/b.scn" && bad "a vanished function was written" || ok
broken "vanished after listing" 1 "0000:00:02.0: No such file or directory (the function went away): left out" \
	'rm -r 0000:00:02.0'
broken "resource gone" 1 "0000:00:01.0: resource: No such file or directory: BAR sizes inferred from the addresses" \
	'rm 0000:00:01.0/resource'
grep -q '^plug 01.0 dump=<<END$' "$tmp/b.scn" && ok || bad "resource gone: BAR sizes still written"
broken "resource garbage" 1 "0000:00:05.0: resource: line 1 is not 'START END FLAGS'" \
	'echo "hello" >0000:00:05.0/resource'
broken "config unreadable" 1 "0000:00:03.0: config: Is a directory: left out" \
	'rm 0000:00:03.0/config && mkdir 0000:00:03.0/config'
broken "config all ones" 1 "0000:00:03.0: config: reads as all ones (removed or powered off): left out" \
	'head -c 256 /dev/zero | tr "\0" "\377" >0000:00:03.0/config'
broken "config of 100 bytes" 1 "0000:00:03.0: config: 100 bytes, not 64, 256 or 4096: the first 64 are cloned" \
	'head -c 100 0000:00:03.0/config >c && mv c 0000:00:03.0/config'
broken "config of 10 bytes" 1 "0000:00:03.0: config: only 10 bytes could be read" \
	'head -c 10 0000:00:03.0/config >c && mv c 0000:00:03.0/config'
# The capability at 0x98 (MSI-X) points back to 0x40.
broken "capability loop" 1 "capability loop" \
	'printf "\x40" | dd of=0000:00:03.0/config bs=1 seek=$((0x99)) conv=notrunc status=none'
grep -q '^plug 03.0' "$tmp/b.scn" && bad "a looping capability list was written" || ok
broken "SR-IOV VF" 1 "0000:00:05.0: an SR-IOV virtual function (pcilab emulates no SR-IOV): left out" \
	'ln -s ../0000:00:03.0 0000:00:05.0/physfn'
broken "not a function" 1 "devices/foo: not a PCI function name (DDDD:BB:DD.F): ignored" \
	'ln -s ../../../devices/pci0000:00/0000:00:03.0 ../../bus/pci/devices/foo'
broken "no devices at all" 2 "no PCI function could be read" \
	'rm ../../bus/pci/devices/*'
"$PCILAB" host snapshot --sysfs "$tmp/nonexistent" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -qF "$tmp/nonexistent/devices: No such file or directory" "$tmp/err" && ok \
	|| bad "a missing sysfs directory: $(cat "$tmp/err")"
"$PCILAB" host snapshot --sysfs "$TREE" -s 07.0 >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -qF "no PCI function matches the -s filters" "$tmp/err" && ok || bad "-s without a match"
"$PCILAB" host snapshot -x >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "a bad option: exit not 2"
"$PCILAB" host >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "host without snapshot: exit not 2"
"$PCILAB" host snapshot --sysfs "$TREE" -o "$tmp/o.scn" && cmp -s "$tmp/o.scn" "$tmp/snap.scn" && ok || bad "-o FILE"

# 5. The live machine, if it has PCI functions and lspci.
if [ -d /sys/bus/pci/devices ] && [ -n "$(ls /sys/bus/pci/devices 2>/dev/null)" ] && [ -x "$LSPCI" ]; then
	"$PCILAB" host snapshot >"$tmp/live.scn" 2>"$tmp/err"
	rc=$?
	if [ "$(id -u)" -eq 0 ]; then
		# 1: something this machine has is not cloned (a ROM, a VF):
		# said on stderr, and the rest still compares
		[ $rc -le 1 ] && ok || { bad "live snapshot as root: exit $rc"; cat "$tmp/err"; }
		[ $rc -eq 1 ] && sed 's/^/host: (not cloned) /' "$tmp/err"
		same_decode /sys/bus/pci "$tmp/live.scn" "live host"
		if command -v setpriv >/dev/null &&
		   setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
			setpriv --reuid=65534 --regid=65534 --clear-groups \
				"$PCILAB" host snapshot >"$tmp/user.scn" 2>"$tmp/err"
			rc=$?
			[ $rc -eq 1 ] && grep -q "config: 64 bytes only" "$tmp/err" && ok \
				|| { bad "unprivileged snapshot: exit $rc"; cat "$tmp/err"; }
			grep -q "^# Not read as root" "$tmp/user.scn" && ok || bad "unprivileged snapshot: no note in the scenario"
			"$PCILAB" run "$tmp/user.scn" >/dev/null 2>&1 && ok || bad "the unprivileged snapshot does not load"
		fi
	else
		[ $rc -le 1 ] && ok || bad "live snapshot: exit $rc"
	fi
else
	echo "host: no /sys/bus/pci functions or no lspci here: live checks skipped"
fi

echo "scenarios: $pass passed, $fail failed"
[ $fail -eq 0 ]
