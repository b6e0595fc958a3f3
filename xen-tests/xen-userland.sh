#!/bin/bash
# xen-userland.sh STAGE [PROGRAM...]: add Debian's Xen userland to a dom0
# initramfs being staged in STAGE (mkinitramfs.sh's payloads call it for
# MODE=clients and FOREIGN=1): xenstored, xenconsoled, xl, xen-init-dom0,
# libxl-save-helper and the xenstore-* tools, each with every shared
# library ldd names (and libgcc_s), xl.conf, and xen-daemons.sh, which
# starts them in dom0.
# Each PROGRAM, a path inside the unpacked userland (e.g.
# usr/libexec/xen-qemu-system-i386), goes in at the same path.
#
# Environment: CACHE (setup.sh's cache).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 1 ] || { echo "usage: xen-userland.sh STAGE [PROGRAM...]" >&2; exit 2; }
stage=$1
shift
ul=$CACHE/userland/root
die() { echo "xen-userland: error: $*" >&2; exit 1; }

[ -e "$CACHE/userland/.ready" ] || die "no Xen userland in $CACHE: run \`sudo make setup\`"

export LD_LIBRARY_PATH=$ul/usr/lib/x86_64-linux-gnu:$ul/usr/lib/xen-4.17/lib/x86_64-linux-gnu

# add_bin SRC DST: a program and the closure of its shared libraries.
add_bin() {
    local src=$1 dst=$stage/$2 libs lib
    mkdir -p "$(dirname "$dst")"
    cp -L "$src" "$dst"
    libs=$(ldd "$src") || die "ldd $src failed"
    ! grep -q "not found" <<<"$libs" || die "$src: libraries missing on this host:"$'\n'"$libs"
    while read -r lib; do
        case $lib in
            */ld-linux-x86-64.so.2) cp -Ln "$lib" "$stage/lib64/" ;;
            *) cp -Ln "$lib" "$stage/usr/lib/x86_64-linux-gnu/" ;;
        esac
    done < <(awk '/=> \// {print $3} /^\t\/lib64\// {print $1}' <<<"$libs")
}

cd "$stage"
mkdir -p lib64 usr/lib/x86_64-linux-gnu usr/lib/xen-4.17/bin etc/xen var/lib var/log lib/harness
# libxl and QEMU use /var/run/xen; it must be the /run tmpfs itself.
ln -sfn ../run var/run
for b in xenstored xenconsoled xl xen-init-dom0 libxl-save-helper; do
    add_bin "$ul/usr/lib/xen-4.17/bin/$b" "usr/lib/xen-4.17/bin/$b"
done
# xenstore-read, -write, ... are names of one program.
add_bin "$ul/usr/bin/xenstore" usr/bin/xenstore
for a in read write ls rm exists; do ln -sf xenstore "usr/bin/xenstore-$a"; done
for p; do
    add_bin "$ul/$p" "$p"
done
# glibc dlopens libgcc_s for pthread_cancel, which ldd cannot see; xl
# create without -F needs it (it aborts without).
cp -L /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 usr/lib/x86_64-linux-gnu/
cp "$ul/etc/xen/xl.conf" etc/xen/
echo /usr/lib/x86_64-linux-gnu > etc/ld.so.conf
ldconfig -r .
install -m 644 "$here/xen-daemons.sh" lib/harness/xen-daemons.sh
