#!/bin/bash
# debug-xen-lane.sh [PATTERN]: the harness on a debug build of Xen.
#
# Debian ships a release hypervisor, whose ASSERT()s compile to nothing and
# which drops gdprintk() messages, among them the grant table's and the x86
# memory manager's complaints about what a guest asks of them.  A debug
# build also marks each PTE that a grant mapped, and answers a plain PTE
# write that drops such a PTE (a zap that bypassed the grant unmap) with
# "Attempt to implicitly unmap d0's grant PTE" and a #GP into dom0, which
# the kernel log then shows.  This lane boots a CONFIG_DEBUG=y hypervisor
# built from Debian's xen source package (debug-xen/build.sh; config in
# debug-xen/config.fragment), cached outside the checkout after the first
# build (about 7 min of CPU; 7 to 15 min on two shared cores).  A failed
# assertion or lock check panics Xen, which fails the run; the messages are
# in serial.log as "(XEN) ..." lines.  The boot must show "debug=y" in
# Xen's banner, or the lane fails.
#
# Knobs: OUT (default xen-tests/out/debug-xen), XEN_DEBUG_SOURCE_VERSION
# (see debug-xen/build.sh) and the rest of defaults.sh (FOREIGN=1,
# MODE=clients, GNTDEV=stock, ...).  Set-up must
# have run (make setup).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export OUT=${OUT:-$here/out/debug-xen}
# shellcheck source=SCRIPTDIR/defaults.sh
. "$here/defaults.sh"

echo "==> debug-xen lane: debug hypervisor (cached after the first build)"
xen_env=$("$here/debug-xen/build.sh")
eval "$xen_env"    # XEN_BIN XEN_SYMS XEN_DEBUG_VERSION
echo "==> debug-xen lane: xen $XEN_DEBUG_VERSION with CONFIG_DEBUG=y ($XEN_BIN; symbols: $XEN_SYMS)"

rc=0
XEN_BIN=$XEN_BIN SETUP=0 "$here/run.sh" "$@" || rc=$?

# A boot that came up on another hypervisor would prove nothing.
if ! grep -q '^(XEN) Xen version .* debug=y' "$OUT/serial.log" 2>/dev/null; then
    echo "debug-xen lane: error: $OUT/serial.log shows no Xen banner with debug=y" >&2
    exit 1
fi
exit "$rc"
