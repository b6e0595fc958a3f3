#!/bin/bash
# payload.sh STAGE: add the foreign lanes' pieces to a dom0 initramfs being
# staged in STAGE (mkinitramfs.sh calls it when FOREIGN=1): Debian's Xen
# userland (xen-userland.sh), granter.sh for init.sh, the granter domU
# (domu.sh: granter-init.sh as its /init, Debian's xen-evtchn, xen-gntalloc
# and xen-gntdev (for the vchan client the agent runs), the agent as
# /bin/granter-agent) and granter.cfg, from which
# xl starts it.
#
# Environment (from mkinitramfs.sh): CACHE, GRANTER_AGENT (the static agent).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stage=$1

"$here/../xen-userland.sh" "$stage"
install -D -m 644 "$here/granter.sh" "$stage/foreign/granter.sh"
install -m 644 "$here/granter.cfg" "$stage/etc/xen/granter.cfg"
"$here/../domu.sh" "$stage/foreign" "$here/granter-init.sh" \
    kernel/drivers/xen/xen-evtchn.ko kernel/drivers/xen/xen-gntalloc.ko \
    kernel/drivers/xen/xen-gntdev.ko "granter-agent=$GRANTER_AGENT"
