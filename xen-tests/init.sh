#!/bin/sh
# /init of the harness initramfs: runs as PID 1 in the Xen PV dom0, under
# busybox sh.
#
# Two outputs.  The verdict channel is dom0's second serial port, ttyS1
# (Xen keeps only com1 for itself), which QEMU saves as verdicts.log: it
# carries what /init and its children print, the toolkit's TAP among it,
# and nothing else, for analyse.sh to judge.  The console (hvc0, which Xen
# copies to com1, QEMU's serial stdio: serial.log) gets a copy of the same
# lines between Xen's and the kernel's, for a human to read in order.
#
# Protocol (one line each, read by run.sh/analyse.sh; keep them in sync):
#   HARNESS: init-start                  dom0 userspace is running
#   HARNESS: config mode=M gntdev=G srcversion=S load-cycles=N foreign=F lane=L
#                                        the run's settings (mkinitramfs.sh),
#                                        so that the log judges alone: MODE,
#                                        GNTDEV, our .ko's srcversion on the
#                                        host, LOAD_CYCLES, FOREIGN, LANE;
#                                        "-" for an empty value
#   HARNESS: loaded <module>             after each successful insmod
#   HARNESS-FAIL: <what>                 a set-up step failed (evidence)
#   HARNESS: modules-loaded              all modules in, xenfs mounted
#   HARNESS: device /dev/xen/gntdev ok   the device node exists
#   HARNESS: gntdev-module expected=ours|stock banner=yes|no taint=.. version=.. srcversion=..
#   HARNESS: dmesg: <line>               dom0 kernel lines mentioning gntdev
#   HARNESS: granter domid=<D> ready-after=<S>s
#                                        FOREIGN=1: the granter domU's agent
#                                        listens (foreign/granter.sh)
#   HARNESS-FAIL: granter-ready: <what>  ... or does not (evidence follows;
#                                        the granter goes, then rc 95)
#   HARNESS: fpu-state ok: <summary>     FOREIGN=1: beside the granter, dom0's
#                                        processes kept their vector registers
#   HARNESS-FAIL: fpu-state: <summary>   ... or did not
#   HARNESS: toolkit-start pattern=<P>   gntdev-test is about to run
#   (TAP lines from gntdev-test, unmodified)
#   "  | domU: <line>"                   FOREIGN=1: the granter's console, at
#                                        any point until granter-gone (on the
#                                        console only: xen-daemons.sh)
#   HARNESS: toolkit-exit rc=<N>
#   HARNESS: granter-gone ok             FOREIGN=1: xl destroy left dom0 alone
#   HARNESS-FAIL: granter-gone: <what>   ... or not (evidence follows)
#   HARNESS: load-cycles ok n=<N>        the module went out and in N times
#   HARNESS-FAIL: load-cycles <what>     ... or did not (evidence follows)
#   HARNESS: leak-check ok|skip <why>    kmemleak found nothing new / absent
#   HARNESS-FAIL: leak-check <what>      kmemleak found objects (they follow)
#   HARNESS: dmesg-tail                  followed by the last dmesg lines
#   HARNESS-DONE rc=<N>                  last line before the reboot
# Exit codes in HARNESS-DONE: the toolkit's, or 90+ for set-up failures.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
M=/lib/modules

mark() { echo "HARNESS: $*"; }
fail() { echo "HARNESS-FAIL: $*"; }

# Leave the machine, once the verdict channel has everything.  A dom0
# reboot makes Xen reset the machine, and QEMU (run with -no-reboot) then
# exits.  (`poweroff -f` also ends QEMU, via ACPI S5 through Xen; the reset
# path needs no ACPI, so it is used here.)
finish() {
    mark "dmesg-tail"
    dmesg | tail -n "$DMESG_TAIL"
    echo "HARNESS-DONE rc=$1"
    # The copier ends after that line, once the channel has drained.
    exec >/dev/console 2>&1
    wait "$copier"
    sync
    reboot -f
    sleep 3600          # PID 1 must never exit: that would panic dom0
}

load() {
    insmod "$@" || { fail "insmod $* rc=$?"; finish 91; }
    mark "loaded ${1##*/}"
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /tmp /run
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# The kernel opens /dev/console for us only if the cpio has that node (it
# does when mkinitramfs ran as root); reopen it from devtmpfs in any case.
exec </dev/console >/dev/console 2>&1

# The verdict channel.  A copier takes every line /init and its children
# print, writes it to the channel and to the console, and ends after
# HARNESS-DONE; its closing the port waits until the port has sent it all.
# Without the port the copier still feeds the console, and analyse.sh finds
# the channel empty.
VERDICTS=/dev/ttyS1
if ! stty -F $VERDICTS raw 115200 2>/dev/null; then
    echo "HARNESS-FAIL: verdict-channel: cannot set up $VERDICTS"
    VERDICTS=/dev/null
fi
copy_out() {
    while IFS= read -r line || [ -n "$line" ]; do
        printf '%s\n' "$line"
        printf '%s\n' "$line" >&3
        case $line in HARNESS-DONE*) return ;; esac
    done
}
mkfifo /run/init-out
copy_out < /run/init-out 3>$VERDICTS &
copier=$!
exec > /run/init-out 2>&1

# Settings chosen on the host by mkinitramfs.sh: MODE, GNTDEV, PATTERN, ...
# shellcheck source=/dev/null
. /etc/harness.conf
mark "init-start"
mark "config mode=$MODE gntdev=$GNTDEV srcversion=${SRCVERSION:--} load-cycles=$LOAD_CYCLES foreign=$FOREIGN lane=${LANE:--}"

# Fixed userspace layout: fewer differences between runs.
echo 0 > /proc/sys/kernel/randomize_va_space

# xenfs uses privcmd's symbols, so privcmd goes first.
load $M/xen-privcmd.ko
load $M/xenfs.ko
mount -t xenfs xenfs /proc/xen || { fail "mount xenfs on /proc/xen"; finish 92; }
load $M/xen-evtchn.ko
load $M/xen-gntalloc.ko
# shellcheck disable=SC2086  # GNTDEV_PARAMS is a list of key=value words
load $M/xen-gntdev.ko $GNTDEV_PARAMS
mark "modules-loaded"

# devtmpfs creates the misc device node as the driver registers; allow a
# moment anyway rather than fail on a race.
i=0
while [ ! -c /dev/xen/gntdev ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if [ -c /dev/xen/gntdev ]; then
    mark "device /dev/xen/gntdev ok"
else
    fail "no /dev/xen/gntdev after loading xen-gntdev.ko"
    ls -l /dev/xen
    finish 93
fi

# Which gntdev is this?  Our module announces itself at load with a banner
# naming gntdev and interval-notifier; Debian's is signed and in-tree, so it
# does not taint the kernel, while ours (out-of-tree, unsigned) does.
banner=no
dmesg | grep gntdev | grep -q interval-notifier && banner=yes
sysm=/sys/module/xen_gntdev
taint=$(cat $sysm/taint 2>/dev/null)
version=$(cat $sysm/version 2>/dev/null)
srcversion=$(cat $sysm/srcversion 2>/dev/null)
mark "gntdev-module expected=$GNTDEV banner=$banner taint=${taint:--} version=${version:--} srcversion=${srcversion:--}"
dmesg | grep -i gntdev | sed 's/^/HARNESS: dmesg: /'

if [ ! -x /bin/gntdev-test ]; then
    fail "no /bin/gntdev-test in the initramfs"
    finish 94
fi
if [ "$MODE" = clients ]; then
    # Real clients instead of the toolkit; they end by unloading the module
    # (so LOAD_CYCLES must be 0, its default in this mode).
    mark "toolkit-start pattern=<clients>"
    /clients/clients.sh
else
    # The toolkit (or, MODE=bench, gntdev-bench) and its options; the
    # kernel may have passed /init arguments.
    set --
    if [ "$FOREIGN" = 1 ]; then
        # Grants of a granter domU, served by its agent through xenstore;
        # xenstored keeps the module busy, so LOAD_CYCLES must be 0 (its
        # default with FOREIGN=1).
        # shellcheck source=SCRIPTDIR/foreign/granter.sh
        . /foreign/granter.sh
        granter_start || finish 95
        granter_fpu_check
        set -- --granter "$GRANTER" --granter-config /etc/xen/granter.cfg
    fi
    mark "toolkit-start pattern=${PATTERN:-<all>}"
    # An empty PATTERN must vanish rather than become an empty argument.
    # shellcheck disable=SC2086  # TOOLKIT_ARGS is a list of option words
    /bin/gntdev-test run "$@" $TOOLKIT_ARGS ${PATTERN:+"$PATTERN"}
fi
rc=$?
mark "toolkit-exit rc=$rc"
if [ "$FOREIGN" = 1 ]; then
    granter_stress
    granter_stop
fi

# Unload and reload the module LOAD_CYCLES times, using the device every
# tenth time.  Where the kernel has kmemleak (the debug lane), anything left
# unreferenced since the first unload fails the leak check.
KMEMLEAK=/sys/kernel/debug/kmemleak
cycle() {
    rmmod xen_gntdev || { fail "load-cycles: rmmod #$1 failed"; return 1; }
    # shellcheck disable=SC2086
    insmod $M/xen-gntdev.ko $GNTDEV_PARAMS || { fail "load-cycles: insmod #$1 failed"; return 1; }
    [ $(($1 % 10)) -ne 0 ] && return 0
    /bin/gntdev-test run basic-map-rw-unmap > /tmp/cycle.log 2>&1 && return 0
    fail "load-cycles: the device failed after reload #$1"
    sed 's/^/  | /' /tmp/cycle.log
    return 1
}
leak_check() {
    [ -w $KMEMLEAK ] || { mark "leak-check skip (no kmemleak in this kernel)"; return; }
    # kmemleak reports only objects older than 5 s; scan twice, as advised.
    sleep 6
    echo scan > $KMEMLEAK
    echo scan > $KMEMLEAK
    if grep -q "unreferenced object" $KMEMLEAK; then
        fail "leak-check: kmemleak found unreferenced objects after $LOAD_CYCLES load cycles"
        head -n 60 $KMEMLEAK | sed 's/^/  | /'
    else
        mark "leak-check ok"
    fi
}
if [ "$LOAD_CYCLES" -gt 0 ]; then
    [ -w $KMEMLEAK ] && echo clear > $KMEMLEAK
    i=1
    while [ $i -le "$LOAD_CYCLES" ] && cycle $i; do i=$((i + 1)); done
    if [ $i -gt "$LOAD_CYCLES" ]; then
        mark "load-cycles ok n=$LOAD_CYCLES"
        leak_check
    fi
fi
finish $rc
