#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make demo: run every bundled scenario, one verdict line each, and a summary.
#   tools/demo.sh PCILAB SCENARIO_DIR
# A wrong-driver twin (wrong-*) passes when the checker caught its bug:
# its line says how many reports were caught, as the scenario expected.
set -u
PCILAB=${1:?usage: tools/demo.sh PCILAB SCENARIO_DIR}
DIR=${2:?usage: tools/demo.sh PCILAB SCENARIO_DIR}
echo "pcilab demo: every bundled scenario in $DIR/ (re-run one with: $PCILAB run --trace FILE)"
echo
start=$(date +%s%N)
"$PCILAB" run --quiet "$DIR"/*.scn
rc=$?
end=$(date +%s%N)
echo "(all in $(( (end - start) / 1000000 )) ms)"
exit $rc
