#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Write the linker version script of libpcilab.so: every symbol is public
# but the internal pcl__* ones no public header names (the headers' inline
# helpers and macros use a few, which must stay visible).
#   scripts/gen-map.sh OBJECTS... > libpcilab.map
set -eu
hidden=$(nm --defined-only "$@" 2>/dev/null | awk '$2 ~ /[TDBRV]/ && $3 ~ /^pcl__/ {print $3}' | sort -u |
	while read -r s; do grep -rqw "$s" include/ || echo "$s"; done)
echo "PCILAB_0 {"
echo "  global: *;"
if [ -n "$hidden" ]; then
	echo "  local:"
	for s in $hidden; do echo "    $s;"; done
fi
echo "};"
