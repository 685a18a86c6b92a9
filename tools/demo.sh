#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make demo: run every bundled scenario, one verdict line each, and a summary.
#   tools/demo.sh PCILAB SCENARIO_DIR
set -u
PCILAB=${1:?usage: tools/demo.sh PCILAB SCENARIO_DIR}
DIR=${2:?usage: tools/demo.sh PCILAB SCENARIO_DIR}
echo "pcilab demo: every bundled scenario in $DIR/ (re-run one with: $PCILAB run --trace FILE)"
echo
exec "$PCILAB" run --quiet "$DIR"/*.scn
