#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Shipping, end to end (run by tests/run.sh for the normal build):
#  - make install into a DESTDIR installs the binary, both libraries with a
#    versioned soname, the headers, pcilab.pc and both man pages, and make
#    uninstall removes them;
#  - the shared library exports only the public API: no internal pcl__*
#    symbol that no public header names, and every exported symbol is
#    declared in an installed header;
#  - the out-of-tree example driver builds against the installed tree with
#    pkg-config as a plugin and runs under pcilab run --driver and pcilab
#    fuzz --driver; a program of one's own links the library with
#    pkg-config --cflags --libs.
#   tests/install.sh  (from the top of the tree, after make)
set -u
pass=0
fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest="$tmp/root"
prefix=/opt/pcilab

if make -s install DESTDIR="$dest" PREFIX="$prefix" >"$tmp/install.log" 2>&1; then ok; else bad "make install"; cat "$tmp/install.log"; fi
for f in bin/pcilab lib/libpcilab.a lib/libpcilab.so lib/libpcilab.so.0 \
	 lib/pkgconfig/pcilab.pc include/pcilab/pci.h include/pcilab/cdev.h \
	 share/man/man1/pcilab.1 share/man/man5/pcilab-scenario.5; do
	[ -e "$dest$prefix/$f" ] && ok || bad "not installed: $f"
done
soname=$(readelf -d "$dest$prefix/lib/libpcilab.so" 2>/dev/null | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libpcilab.so.0 ] && ok || bad "soname is '$soname'"

# Only the public API.
nm -D --defined-only "$dest$prefix/lib/libpcilab.so" | awk '$2 ~ /[TDBRV]/ {sub(/@.*/, "", $3); print $3}' >"$tmp/syms"
leaked=""
while read -r s; do
	grep -rqw "$s" "$dest$prefix/include/pcilab" || leaked="$leaked $s"
done <"$tmp/syms"
if [ -z "$leaked" ] && [ "$(wc -l <"$tmp/syms")" -gt 300 ]; then ok; else bad "exported but in no public header:$leaked"; fi
# ... and an internal helper the static library has is not among them
if nm "$dest$prefix/lib/libpcilab.a" 2>/dev/null | grep -q " T pcl__bus_lookup_locked" &&
   ! grep -qx pcl__bus_lookup_locked "$tmp/syms"; then ok; else bad "pcl__bus_lookup_locked: not hidden"; fi

# The plugin, built with pkg-config against the installed tree.
export PKG_CONFIG_PATH="$dest$prefix/lib/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$dest"
cp examples/my-driver/my-nic.c examples/my-driver/my-nic.scn "$tmp/"
if (cd "$tmp" && cc -O1 -Wall -Wextra -Wno-unused-parameter -Werror -shared -fPIC \
	$(pkg-config --cflags pcilab) -o my-nic.so my-nic.c) 2>"$tmp/cc.log"; then ok; else bad "building the plugin"; cat "$tmp/cc.log"; fi
out=$(cd "$tmp" && "$dest$prefix/bin/pcilab" run --driver ./my-nic.so my-nic.scn 2>&1)
if [ $? -eq 0 ] && grep -q "^PASS" <<<"$out"; then ok; else bad "pcilab run --driver:"; echo "$out" | tail -20; fi
out=$(cd "$tmp" && "$dest$prefix/bin/pcilab" fuzz --driver ./my-nic.so --drivers my-nic --ops 3000 --seed 2 --out "$tmp/f.scn" 2>&1)
if [ $? -eq 0 ]; then ok; else bad "pcilab fuzz --driver:"; echo "$out" | tail -20; fi
"$dest$prefix/bin/pcilab" run --driver "$tmp/nonexistent.so" my-nic.scn >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "a missing plugin is not a usage error"

# A program of one's own, linking the installed library.
cat >"$tmp/main.c" <<'CEOF'
#include <stdio.h>
#include <pcilab/base.h>
#include <pcilab/irq.h>
#include <pcilab/pci.h>
#include <pcilab/scenario.h>
int main(int argc, char **argv)
{
	struct pcl_scn_opts o = { .out = stdout, .err = stderr, .quiet = true };
	struct pcl_scn_result r;

	pcl_base_scenario_init();
	pcl_irq_scenario_init();
	pcl_pci_scenario_init();
	return pcl_scn_run_file(argv[1], &o, &r);
}
CEOF
if (cd "$tmp" && cc -O1 -Wall -Werror -o myrun main.c my-nic.c $(pkg-config --cflags --libs pcilab)) 2>"$tmp/cc2.log"; then
	ok
	out=$(cd "$tmp" && LD_LIBRARY_PATH="$dest$prefix/lib" ./myrun my-nic.scn 2>&1)
	[ $? -eq 0 ] && ok || { bad "own program run:"; echo "$out" | tail; }
else
	bad "linking one's own program with pkg-config --cflags --libs"; cat "$tmp/cc2.log"
fi

if make -s uninstall DESTDIR="$dest" PREFIX="$prefix" >/dev/null 2>&1 &&
   [ -z "$(find "$dest" -type f)" ]; then ok; else bad "make uninstall left: $(find "$dest" -type f | head -3)"; fi
echo "scenarios: $pass passed, $fail failed"
[ $fail -eq 0 ]
