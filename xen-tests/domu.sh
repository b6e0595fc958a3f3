#!/bin/bash
# domu.sh DIR INIT [FILE...]: a PV domU for a dom0 initramfs being staged
# (the clients' qdisk domU, the granter): DIR/vmlinuz, Debian's kernel
# image, and DIR/initrd.gz: static busybox with its applet links, INIT as
# /init and each FILE.  A FILE named by its path in that kernel's module
# tree (kernel/drivers/...ko) goes to /lib/modules/, anything else to /bin/,
# as NAME if given as NAME=PATH (the domU has no libc: programs must be
# static).
#
# The domU always runs Debian's kernel (kver.sh) with Debian's modules,
# whatever kernel dom0 runs.  Environment: CACHE (setup.sh's cache).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 2 ] || { echo "usage: domu.sh DIR INIT [FILE...]" >&2; exit 2; }
dir=$1 init=$2
shift 2
kver=$(KVER='' "$here/kver.sh")

mkdir -p "$dir"
cp "$CACHE/$kver/root/boot/vmlinuz-$kver" "$dir/vmlinuz"

root=$(mktemp -d "${TMPDIR:-/tmp}/gntdev-domu.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,lib/modules}
cp "$(command -v busybox)" "$root/bin/busybox"
for app in $(busybox --list); do
    [ "$app" = busybox ] || ln -s busybox "$root/bin/$app"
done
install -m 755 "$init" "$root/init"
for f; do
    case $f in
        kernel/*.ko) "$here/install-ko.sh" "$CACHE/$kver/modules/$f" "$root/lib/modules/${f##*/}" ;;
        *=*)         install -m 755 "${f#*=}" "$root/bin/${f%%=*}" ;;
        *)           install -m 755 "$f" "$root/bin/${f##*/}" ;;
    esac
done
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible | gzip -n -1) > "$dir/initrd.gz"
