#!/bin/bash
# payload.sh STAGE: add the clients lane to a dom0 initramfs being staged in
# STAGE (mkinitramfs.sh calls it when CLIENTS=1): Debian's xenstored,
# xenconsoled, xl and QEMU's Xen device model with every shared library ldd
# names, the vchan echo test, the no-grant-copy preload, and a PV domU (the
# dom0 kernel image with a busybox initrd and xen-blkfront).
#
# Environment (from mkinitramfs.sh): CACHE.  The domU always runs Debian's
# kernel (kver.sh) with its own blkfront, whatever kernel dom0 runs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stage=$1
ul=$CACHE/userland/root
domu_kver=$(KVER='' "$here/../kver.sh")
die() { echo "clients payload: error: $*" >&2; exit 1; }

[ -e "$CACHE/userland/.ready" ] || die "no Xen userland in $CACHE: run \`sudo make setup\`"
for f in vchan-echo no-grant-copy.so; do
    [ -e "$here/$f" ] || die "no $here/$f: run \`make tools\`"
done

export LD_LIBRARY_PATH=$ul/usr/lib/x86_64-linux-gnu:$ul/usr/lib/xen-4.17/lib/x86_64-linux-gnu

# add_bin SRC DST: a program and the closure of its shared libraries.
add_bin() {
    local src=$1 dst=$stage/$2 libs lib
    mkdir -p "$(dirname "$dst")"
    cp -L "$src" "$dst"
    libs=$(ldd "$src") || die "ldd $src failed"
    ! grep -q "not found" <<<"$libs" || die "$src: libraries missing on this host:"$'\n'"$libs"
    for lib in $(awk '/=> \// {print $3} /^\t\/lib64\// {print $1}' <<<"$libs"); do
        case $lib in
            */ld-linux-x86-64.so.2) cp -Ln "$lib" "$stage/lib64/" ;;
            *) cp -Ln "$lib" "$stage/usr/lib/x86_64-linux-gnu/" ;;
        esac
    done
}

cd "$stage"
mkdir -p lib64 usr/lib/x86_64-linux-gnu usr/libexec usr/lib/xen-4.17/bin etc/xen \
         var/lib var/log usr/share/qemu/keymaps clients
# libxl and QEMU use /var/run/xen; it must be the /run tmpfs itself.
ln -sfn ../run var/run
for b in xenstored xenconsoled xl xen-init-dom0 libxl-save-helper; do
    add_bin "$ul/usr/lib/xen-4.17/bin/$b" "usr/lib/xen-4.17/bin/$b"
done
# xenstore-read, -write, ... are names of one program.
add_bin "$ul/usr/bin/xenstore" usr/bin/xenstore
for a in read write ls rm exists; do ln -sf xenstore "usr/bin/xenstore-$a"; done
add_bin "$ul/usr/libexec/xen-qemu-system-i386" usr/libexec/xen-qemu-system-i386
# QEMU reads its keymap even with -vnc none.
cp /usr/share/qemu/keymaps/en-us usr/share/qemu/keymaps/
cp "$ul/etc/xen/xl.conf" etc/xen/
echo /usr/lib/x86_64-linux-gnu > etc/ld.so.conf
ldconfig -r .

install -m 755 "$here/vchan-echo" usr/bin/vchan-echo
install -m 644 "$here/no-grant-copy.so" usr/lib/no-grant-copy.so
printf '#!/bin/sh\nLD_PRELOAD=/usr/lib/no-grant-copy.so exec /usr/libexec/xen-qemu-system-i386 "$@"\n' \
    > usr/libexec/qemu-no-grant-copy
chmod 755 usr/libexec/qemu-no-grant-copy
install -m 755 "$here/clients.sh" clients/clients.sh
install -m 644 "$here/domu.cfg" etc/xen/qdisk.cfg
echo "PATTERN_MD5=$("$here/pattern.sh" 65536 | md5sum | cut -d' ' -f1)" > etc/clients.conf

# The domU: Debian's kernel image and its own small initramfs.
cp "$CACHE/$domu_kver/root/boot/vmlinuz-$domu_kver" clients/vmlinuz
domu=$(mktemp -d "${TMPDIR:-/tmp}/gntdev-domu.XXXXXX")
trap 'rm -rf "$domu"' EXIT
mkdir -p "$domu"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,lib/modules}
cp "$(command -v busybox)" "$domu/bin/busybox"
for app in $(busybox --list); do
    [ "$app" = busybox ] || ln -s busybox "$domu/bin/$app"
done
install -m 755 "$here/domu-init.sh" "$domu/init"
install -m 755 "$here/pattern.sh" "$domu/bin/pattern.sh"
"$here/../install-ko.sh" "$CACHE/$domu_kver/modules/kernel/drivers/block/xen-blkfront.ko" \
    "$domu/lib/modules/xen-blkfront.ko"
(cd "$domu" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible | gzip -n -1) > clients/domu-initrd.gz
