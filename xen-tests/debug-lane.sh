#!/bin/bash
# debug-lane.sh [PATTERN]: the harness on a debug dom0 kernel.
#
# Lock and memory bugs in a driver like ours hide from a production kernel,
# so this lane boots a 6.1 dom0 built from Debian's linux-source-6.1 with
# lockdep (PROVE_LOCKING), DEBUG_VM, DEBUG_LIST, DEBUG_OBJECTS,
# DEBUG_ATOMIC_SLEEP and KFENCE (debug-kernel/config.fragment).  Their
# reports all end up as BUG:/WARNING: lines, which fail the run like any
# other kernel problem.  The kernel is built once per fragment and source
# version and cached outside the checkout (debug-kernel/build.sh, ~10 min
# on two cores); our module is built against it from a copy of the sources,
# so the checkout's own build for Debian's kernel stays as it is.
#
# Environment: OUT (default xen-tests/out/debug), GNTDEV_CACHE, PATTERN and
# the rest of run.sh's settings.  Set-up must have run (make setup).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
export OUT=${OUT:-$here/out/debug}

echo "==> debug lane: dom0 kernel (cached after the first build)"
kernel_env=$("$here/debug-kernel/build.sh")
eval "$kernel_env"    # KVER VMLINUX MODROOT KBUILD_DIR

echo "==> debug lane: our module against $KVER"
src=$OUT/module
rm -rf "$src"
mkdir -p "$src/drivers/xen"
cp "$repo"/drivers/xen/Kbuild "$repo"/drivers/xen/*.c "$src/drivers/xen/"
cp -r "$repo/include" "$src/"
make -s -C "$KBUILD_DIR" M="$src/drivers/xen" modules >"$OUT/module-build.log" 2>&1 ||
    { cat "$OUT/module-build.log" >&2; echo "debug lane: module build failed" >&2; exit 1; }

KVER=$KVER DOM0_VMLINUX=$VMLINUX DOM0_MODULES=$MODROOT/lib/modules/$KVER \
    GNTDEV_KO=$src/drivers/xen/xen-gntdev.ko SETUP=0 exec "$here/run.sh" "$@"
