#!/bin/bash
# kernel-lane.sh [PATTERN]: the harness on another dom0 kernel than the
# default one, with our module built for it from a copy of the sources.
#
#   KVER=6.12.117+deb12-amd64 kernel-lane.sh   Debian's 6.12, which set-up
#                                              prepares beside 6.1
#
# The kernel's image, module tree and build directory are the cache's for
# KVER (setup.sh, kdir.sh) unless DOM0_VMLINUX, DOM0_MODULES and
# KBUILD_DIR name others (debug-lane.sh does).  The granter and the clients'
# domU keep Debian's default kernel.  Knobs: KVER (required), OUT (default
# xen-tests/out/kernel-$KVER) and the rest of defaults.sh.  Set-up must have
# run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${KVER:?kernel-lane.sh: set KVER to the dom0 kernel ABI to boot}"
export KVER
export OUT=${OUT:-$here/out/kernel-$KVER}
# shellcheck source=SCRIPTDIR/defaults.sh
. "$here/defaults.sh"
KBUILD_DIR=${KBUILD_DIR:-$("$here/kdir.sh" "$KVER")}

echo "==> kernel lane: our module against $KVER ($KBUILD_DIR)"
mkdir -p "$OUT"
GNTDEV_KO=$("$here/build-module.sh" "$KBUILD_DIR" "$OUT/module") ||
    { echo "kernel lane: module build failed" >&2; exit 1; }
export GNTDEV_KO
SETUP=0 exec "$here/run.sh" "$@"
