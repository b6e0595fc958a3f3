#!/bin/sh
# /init of the test domU (PV, one xvda served by QEMU's qdisk in dom0).
# Writes the known pattern 1 MiB into xvda with O_DIRECT, reads it back the
# same way, stamps sector 0, says DOMU-RESULT PASS|FAIL and powers off.
# Its console reaches dom0 through xenconsoled's log.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1
insmod /lib/modules/xen-blkfront.ko || echo "DOMU: insmod xen-blkfront failed"
i=0
while [ ! -b /dev/xvda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
res=FAIL
if [ -b /dev/xvda ]; then
    lines=65536
    /bin/pattern.sh $lines > /tmp/pattern
    want=$(md5sum < /tmp/pattern | cut -d' ' -f1)
    dd if=/tmp/pattern of=/dev/xvda bs=64k seek=16 oflag=direct conv=fsync 2>/tmp/dd.err ||
        cat /tmp/dd.err
    got=$(dd if=/dev/xvda bs=64k skip=16 count=$((lines / 1024)) iflag=direct 2>/dev/null |
          md5sum | cut -d' ' -f1)
    echo "domU-was-here" | dd of=/dev/xvda bs=512 conv=sync,fsync 2>/dev/null
    echo "DOMU: read back $got, want $want"
    [ "$got" = "$want" ] && res=PASS
else
    echo "DOMU: no /dev/xvda"
fi
echo "DOMU-RESULT: $res"
sync
poweroff -f
sleep 3600
