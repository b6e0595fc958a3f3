#!/bin/bash
# debug-lane.sh [PATTERN]: the harness on a debug dom0 kernel.
#
# Lock and memory bugs in a driver like ours hide from a production kernel,
# so this lane boots a 6.1 dom0 built from Debian's linux-source-6.1 with
# lockdep (PROVE_LOCKING), DEBUG_VM, DEBUG_LIST, DEBUG_OBJECTS,
# DEBUG_ATOMIC_SLEEP and KFENCE (debug-kernel/config.fragment).  Their
# reports all end up as BUG:/WARNING: lines, which fail the run like any
# other kernel problem.  The kernel is built once per fragment and source
# version and cached outside the checkout (debug-kernel/build.sh: the
# fragment is the whole configuration on top of allnoconfig; ~11 min on two
# cores); kernel-lane.sh builds our module against it and boots it.
#
# Knobs: OUT (default xen-tests/out/debug) and the rest of defaults.sh.  Set-up must have run (make setup).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export OUT=${OUT:-$here/out/debug}
# shellcheck source=SCRIPTDIR/defaults.sh
. "$here/defaults.sh"

echo "==> debug lane: dom0 kernel (cached after the first build)"
kernel_env=$("$here/debug-kernel/build.sh")
eval "$kernel_env"    # KVER VMLINUX MODROOT KBUILD_DIR

export KVER DOM0_VMLINUX=$VMLINUX DOM0_MODULES=$MODROOT/lib/modules/$KVER KBUILD_DIR
exec "$here/kernel-lane.sh" "$@"
