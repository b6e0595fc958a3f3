# xen-daemons.sh: sourced in the harness dom0 (busybox sh) by the clients
# (clients/clients.sh) and by init.sh for a granter domU (FOREIGN=1); the
# programs come from xen-userland.sh.
#
#   xen_daemons_start        Debian's xenstored (it maps its rings through
#                            the gntdev under test), xen-init-dom0 and
#                            xenconsoled; fails if xenstored does not answer
#                            (xen-init-dom0's output is in /tmp/init-dom0.log)
#   domu_console_start NAME  echo domain NAME's console, as xenconsoled logs
#                            it, to /dev/console, each line as "  | domU: ..."
#   domu_console_stop        end that echo
# shellcheck shell=sh
export PATH="/usr/lib/xen-4.17/bin:$PATH"
DOMU_CONSOLE_DIR=/var/log/xen/console

xen_daemons_start() {
    mkdir -p /run/xenstored /run/xen /var/lib/xenstored /var/lib/xen "$DOMU_CONSOLE_DIR" /var/lock
    XENSTORED_ROOTDIR=/run/xenstored xenstored --pid-file /run/xenstored.pid
    i=0
    while ! xenstore-read -s / >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    xen-init-dom0 > /tmp/init-dom0.log 2>&1
    xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir="$DOMU_CONSOLE_DIR"
    xenstore-read -s / >/dev/null 2>&1
}

# tail and awk meet in a fifo, not a pipe, so that $! names tail: killing
# `tail | awk &` would end awk alone and leave tail behind.
domu_console_start() {
    rm -f /tmp/domu-console.fifo
    mkfifo /tmp/domu-console.fifo
    awk '{ print "  | domU: " $0; fflush() }' < /tmp/domu-console.fifo > /dev/console &
    tail -F "$DOMU_CONSOLE_DIR/guest-$1.log" 2>/dev/null > /tmp/domu-console.fifo &
    domu_console_pid=$!
}

# Once tail is gone, awk reads the end of the fifo and exits.
domu_console_stop() {
    kill "$domu_console_pid"
}
