#!/bin/sh
# /init of the granter domU (PV, no disk, no network): loads Debian's
# xen-evtchn, xen-gntalloc and xen-gntdev (the agent's vchan client maps
# dom0's rings with it), lets gntalloc hand out 65536 grants instead
# of its default 1024, and becomes the granter agent, which shares this
# domain's pages with dom0 on request (tools/gntdev-test/granter-agent.c).
# Its console reaches dom0's serial log through xenconsoled.  If the agent
# ever exits, the kernel panics and the domain is destroyed (on_crash).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
for m in xen-evtchn xen-gntalloc xen-gntdev; do
    insmod /lib/modules/$m.ko || echo "GRANTER: insmod $m failed"
done
echo 65536 > /sys/module/xen_gntalloc/parameters/limit
exec /bin/granter-agent
