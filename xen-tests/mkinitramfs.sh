#!/bin/bash
# mkinitramfs.sh OUT.cpio.gz
#
# Build the dom0 initramfs: busybox (static) with its applet links, init.sh
# as /init, the Xen modules from Debian's kernel package in the cache, the
# gntdev module under test, and the gntdev-test toolkit.
#
# Environment (run.sh sets these; defaults suit a manual call):
#   KVER          kernel ABI (default: kver.sh)
#   GNTDEV_CACHE  setup.sh's cache (default /var/cache/gntdev-xen-tests)
#   DOM0_MODULES  module tree of the dom0 kernel (default: Debian's, in the cache)
#   GNTDEV        ours (default) | stock: which xen-gntdev.ko goes in
#   GNTDEV_KO     our module (default <repo>/drivers/xen/xen-gntdev.ko)
#   GNTDEV_TEST   toolkit binary (default <repo>/tools/gntdev-test/gntdev-test)
#   GNTDEV_PARAMS module parameters for xen-gntdev.ko (default none)
#   TOOLKIT_ARGS  more options for `gntdev-test run`, e.g. for a soak run by
#                 hand: "--iterations 10000 --timeout 3600" (default none)
#   PATTERN       passed to `gntdev-test run` (default: all scenarios)
#   BENCH_STOCK   1: also ship Debian's module as xen-gntdev-stock.ko, for
#                 gntdev-bench's side-by-side run (make bench)
#   LOAD_CYCLES   unload/reload the module this often after the run (default
#                 100; 0 skips it, and with it the kmemleak check)
#   CLIENTS       1: run real clients (xen-tests/clients/clients.sh: xenstored,
#                 libxenvchan, QEMU's qdisk for a domU) instead of the toolkit
#   FOREIGN       1: run the toolkit against a granter domU (xenstored, xl and
#                 the domU: foreign/payload.sh), `gntdev-test run --granter D`
#   GRANTER_AGENT the granter domU's agent, static (default
#                 <repo>/tools/gntdev-test/granter-agent)
#   STRESS_SECONDS, STRESS_SEED  FOREIGN=1 ends with `gntdev-test stress`
#                 over the granter's pages: this long (default 60) with this
#                 seed (default: the host's clock)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
CACHE=${GNTDEV_CACHE:-/var/cache/gntdev-xen-tests}
GNTDEV=${GNTDEV:-ours}
GNTDEV_KO=${GNTDEV_KO:-$repo/drivers/xen/xen-gntdev.ko}
GNTDEV_TEST=${GNTDEV_TEST:-$repo/tools/gntdev-test/gntdev-test}
GRANTER_AGENT=${GRANTER_AGENT:-$repo/tools/gntdev-test/granter-agent}

die() { echo "mkinitramfs: error: $*" >&2; exit 1; }

# need_static PROGRAM: it exists and is static: the toolkit cannot count on
# a libc in dom0, the agent has none in its domU, and a dynamically linked
# program there fails as "not found".
need_static() {
    [ -e "$1" ] || die "no $1: run \`make tools\`"
    if command -v readelf >/dev/null && readelf -l "$1" 2>/dev/null | grep -q INTERP; then
        die "$1 is dynamically linked; the initramfs needs a static binary"
    fi
}

[ $# -eq 1 ] || die "usage: mkinitramfs.sh OUT.cpio.gz"
out=$1
KVER=${KVER:-$("$here/kver.sh")}
mods=${DOM0_MODULES:-$CACHE/$KVER/modules}/kernel/drivers/xen
[ -d "$mods" ] || die "no $mods: run \`sudo make setup\` (KVER=$KVER)"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "no busybox: run \`sudo make setup\`"
[ "${CLIENTS:-0}" != 1 ] || [ "${FOREIGN:-0}" != 1 ] || die "CLIENTS=1 and FOREIGN=1 are separate lanes"

# sq VALUE: VALUE as a single-quoted shell word (for /etc/harness.conf).
sq() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/gntdev-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cd "$stage"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp run lib/modules
# The kernel opens /dev/console before /init runs; creating the node needs
# root, and init.sh copes without it.
[ "$(id -u)" -ne 0 ] || mknod -m 600 dev/console c 5 1

cp "$busybox" bin/busybox
# --list-full prints e.g. "usr/bin/awk"; link each applet back to busybox.
# Relative links, one "../" per directory level of the applet's path.
"$busybox" --list-full | while read -r app; do
    [ "$app" = bin/busybox ] && continue
    slashes=${app//[^\/]/}
    up=${slashes//\//../}
    ln -sf "${up}bin/busybox" "$app"
done

install -m 755 "$here/init.sh" init

"$here/install-ko.sh" "$mods/xen-privcmd.ko"   lib/modules/xen-privcmd.ko
"$here/install-ko.sh" "$mods/xenfs/xenfs.ko"   lib/modules/xenfs.ko
"$here/install-ko.sh" "$mods/xen-evtchn.ko"    lib/modules/xen-evtchn.ko
"$here/install-ko.sh" "$mods/xen-gntalloc.ko"  lib/modules/xen-gntalloc.ko
case $GNTDEV in
    ours)  [ -e "$GNTDEV_KO" ] || die "no $GNTDEV_KO: run \`make module\` (or GNTDEV=stock)"
           "$here/install-ko.sh" "$GNTDEV_KO"            lib/modules/xen-gntdev.ko ;;
    stock) "$here/install-ko.sh" "$mods/xen-gntdev.ko"   lib/modules/xen-gntdev.ko ;;
    *)     die "GNTDEV must be ours or stock, not '$GNTDEV'" ;;
esac

[ "${BENCH_STOCK:-0}" != 1 ] || "$here/install-ko.sh" "$mods/xen-gntdev.ko" lib/modules/xen-gntdev-stock.ko

need_static "$GNTDEV_TEST"
install -m 755 "$GNTDEV_TEST" bin/gntdev-test

if [ "${CLIENTS:-0}" = 1 ]; then
    CACHE=$CACHE "$here/clients/payload.sh" "$stage"
fi
if [ "${FOREIGN:-0}" = 1 ]; then
    need_static "$GRANTER_AGENT"
    CACHE=$CACHE GRANTER_AGENT=$GRANTER_AGENT "$here/foreign/payload.sh" "$stage"
fi

{
    echo "GNTDEV=$(sq "$GNTDEV")"
    echo "CLIENTS=$(sq "${CLIENTS:-0}")"
    echo "FOREIGN=$(sq "${FOREIGN:-0}")"
    echo "STRESS_SECONDS=$(sq "${STRESS_SECONDS:-60}")"
    echo "STRESS_SEED=$(sq "${STRESS_SEED:-$(date +%s)}")"
    echo "PATTERN=$(sq "${PATTERN:-}")"
    echo "GNTDEV_PARAMS=$(sq "${GNTDEV_PARAMS:-}")"
    echo "TOOLKIT_ARGS=$(sq "${TOOLKIT_ARGS:-}")"
    echo "DMESG_TAIL=$(sq "${DMESG_TAIL:-40}")"
    echo "LOAD_CYCLES=$(sq "${LOAD_CYCLES:-100}")"
} > etc/harness.conf

# Sorted names, fixed owner and --reproducible: same inputs, same bytes.
mkdir -p "$(dirname "$out")"
find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible | gzip -n -1 > "$out.tmp"
mv -f "$out.tmp" "$out"
