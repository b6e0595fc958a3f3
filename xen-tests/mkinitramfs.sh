#!/bin/bash
# mkinitramfs.sh OUT.cpio.gz
#
# Build the dom0 initramfs: busybox (static) with its applet links, init.sh
# as /init, the Xen modules from Debian's kernel package in the cache, the
# gntdev module under test, and the gntdev-test toolkit.
#
# Knobs (defaults.sh describes each): KVER (default: kver.sh's),
# GNTDEV_CACHE, DOM0_MODULES, GNTDEV, MODE, FOREIGN, GNTDEV_KO, GNTDEV_TEST,
# GRANTER_AGENT, GNTDEV_PARAMS, TOOLKIT_ARGS, PATTERN, LOAD_CYCLES,
# STRESS_SECONDS, STRESS_SEED, DMESG_TAIL, LANE.  They reach dom0's /init
# as /etc/harness.conf.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/defaults.sh
. "$here/defaults.sh"
CACHE=$GNTDEV_CACHE

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
# srcversion: our module's, which dom0 must report back ("-": stock).
srcversion=-
case $GNTDEV in
    ours)  [ -e "$GNTDEV_KO" ] || die "no $GNTDEV_KO: run \`make module\` (or GNTDEV=stock)"
           srcversion=$(modinfo -F srcversion "$GNTDEV_KO" 2>/dev/null || true)
           "$here/install-ko.sh" "$GNTDEV_KO"            lib/modules/xen-gntdev.ko ;;
    stock) "$here/install-ko.sh" "$mods/xen-gntdev.ko"   lib/modules/xen-gntdev.ko ;;
esac

# gntdev-bench's side-by-side turns load Debian's module too.
[ "$MODE" != bench ] || "$here/install-ko.sh" "$mods/xen-gntdev.ko" lib/modules/xen-gntdev-stock.ko

need_static "$GNTDEV_TEST"
install -m 755 "$GNTDEV_TEST" bin/gntdev-test

if [ "$MODE" = clients ]; then
    CACHE=$CACHE "$here/clients/payload.sh" "$stage"
fi
if [ "$FOREIGN" = 1 ]; then
    need_static "$GRANTER_AGENT"
    CACHE=$CACHE GRANTER_AGENT=$GRANTER_AGENT "$here/foreign/payload.sh" "$stage"
fi

{
    echo "MODE=$(sq "$MODE")"
    echo "GNTDEV=$(sq "$GNTDEV")"
    echo "SRCVERSION=$(sq "${srcversion:--}")"
    echo "FOREIGN=$(sq "$FOREIGN")"
    echo "STRESS_SECONDS=$(sq "$STRESS_SECONDS")"
    echo "STRESS_SEED=$(sq "${STRESS_SEED:-$(date +%s)}")"
    echo "PATTERN=$(sq "$PATTERN")"
    echo "GNTDEV_PARAMS=$(sq "$GNTDEV_PARAMS")"
    echo "TOOLKIT_ARGS=$(sq "$TOOLKIT_ARGS")"
    echo "DMESG_TAIL=$(sq "$DMESG_TAIL")"
    echo "LOAD_CYCLES=$(sq "$LOAD_CYCLES")"
    echo "LANE=$(sq "$LANE")"
} > etc/harness.conf

# Sorted names, fixed owner and --reproducible: same inputs, same bytes.
mkdir -p "$(dirname "$out")"
find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible | gzip -n -1 > "$out.tmp"
mv -f "$out.tmp" "$out"
