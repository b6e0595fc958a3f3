#!/bin/bash
# payload.sh STAGE: add the clients lane to a dom0 initramfs being staged in
# STAGE (mkinitramfs.sh calls it when MODE=clients): Debian's Xen userland
# (xen-userland.sh) with QEMU's Xen device model, Xen's test-resource and
# depriv-fd-checker, the vchan echo test, the
# no-grant-copy preload, and a PV domU with xen-blkfront (domu.sh).
#
# Environment (from mkinitramfs.sh): CACHE.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stage=$1
die() { echo "clients payload: error: $*" >&2; exit 1; }

for f in vchan-echo no-grant-copy.so; do
    [ -e "$here/$f" ] || die "no $here/$f: run \`make tools\`"
done

"$here/../xen-userland.sh" "$stage" usr/libexec/xen-qemu-system-i386 \
    usr/lib/xen-4.17/bin/test-resource usr/lib/xen-4.17/bin/depriv-fd-checker
cd "$stage"
mkdir -p usr/share/qemu/keymaps clients
# QEMU reads its keymap even with -vnc none.
cp /usr/share/qemu/keymaps/en-us usr/share/qemu/keymaps/

install -m 755 "$here/vchan-echo" usr/bin/vchan-echo
install -m 644 "$here/no-grant-copy.so" usr/lib/no-grant-copy.so
printf '#!/bin/sh\nLD_PRELOAD=/usr/lib/no-grant-copy.so exec /usr/libexec/xen-qemu-system-i386 "$@"\n' \
    > usr/libexec/qemu-no-grant-copy
chmod 755 usr/libexec/qemu-no-grant-copy
install -m 755 "$here/clients.sh" clients/clients.sh
install -m 644 "$here/domu.cfg" etc/xen/qdisk.cfg
echo "PATTERN_MD5=$("$here/pattern.sh" 65536 | md5sum | cut -d' ' -f1)" > etc/clients.conf

"$here/../domu.sh" "$stage/clients" "$here/domu-init.sh" \
    kernel/drivers/block/xen-blkfront.ko "$here/pattern.sh"
