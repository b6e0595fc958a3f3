#!/bin/bash
# run.sh [PATTERN]: boot Xen + a PV dom0 under QEMU (TCG) and run, as MODE
# says, the gntdev-test toolkit, real clients or the bench against a gntdev
# module, then judge the run.
#
# Stages, one "==>" progress line each: setup, build (initramfs), boot
# (Xen up, dom0 up, modules loaded, module confirmed, toolkit started, each
# verdict, done), verdict.  The serial console is streamed to the terminal
# and saved; analyse.sh turns it into JUnit.  Exit status 0 iff every
# testcase passed (skips allowed).
#
# Knobs: defaults.sh lists them all (GNTDEV, MODE, FOREIGN, PATTERN, OUT,
# TIMEOUT, LOAD_CYCLES, SETUP, CONSOLE, ...).  PATTERN may also be given as
# the first argument.
#
# Outputs in $OUT: serial.log (the console: Xen, the dom0 kernel, and a copy
# of the channel), verdicts.log (the verdict channel: QEMU's second serial
# port, which dom0's /init writes; init.sh), junit.xml, qemu.cmd,
# qemu.stderr, initramfs.cpio.gz.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PATTERN=${PATTERN:-${1:-}}
# shellcheck source=SCRIPTDIR/defaults.sh
. "$here/defaults.sh"

t0=$EPOCHREALTIME
# progress TEXT: one harness line, with seconds since the harness started.
progress() {
    local now=$EPOCHREALTIME
    local ms=$(( (${now/./} - ${t0/./}) / 1000 ))
    printf '==> [%4d.%01ds] %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$*"
}

# early_fail STAGE MESSAGE: the run could not even boot, so nothing was
# judged; still leave a JUnit file (one error testcase) and the closing
# line so CI shows what broke.
early_fail() {
    progress "FAILED at $1: $2"
    mkdir -p "$OUT"
    LC_ALL=C awk -v junit="$OUT/junit.xml" -v suite="gntdev-xen-$GNTDEV" -v stage="$1" -v msg="$2" \
        -f "$here/junit.awk" -f /dev/stdin <<'AWK'
BEGIN { add("harness", stage, "error", msg, ""); report(junit, suite, 0) }
AWK
    exit 1
}

# qemu_path PATH: a file name for QEMU's -initrd list, where "," separates
# modules (so it is doubled).  A space would start the module's command
# line, so such paths are refused beforehand (check_paths).
qemu_path() { printf %s "${1//,/,,}"; }
check_paths() {
    local p
    for p; do
        case $p in *' '*) early_fail build "QEMU cannot take a path with a space: $p" ;; esac
    done
}

# --- setup -----------------------------------------------------------------
progress "setup"
# Decide KVER once and hand it down (asking apt takes most of a second); on
# a fresh machine it is only known after setup.sh has updated apt's lists.
KVER=$("$here/kver.sh" 2>/dev/null || true)
[ -z "$KVER" ] || export KVER
if [ "$SETUP" != 0 ]; then
    "$here/setup.sh" || early_fail setup "setup.sh failed (see above)"
fi
[ -n "$KVER" ] || KVER=$("$here/kver.sh") || early_fail setup "cannot determine KVER"
export KVER
xen=$XEN_BIN
vmlinux=${DOM0_VMLINUX:-$GNTDEV_CACHE/$KVER/vmlinux}
{ [ -s "$xen" ] && [ -s "$vmlinux" ]; } || early_fail setup "cache incomplete ($xen, $vmlinux): run \`sudo make setup\`"

# --- build -----------------------------------------------------------------
progress "build: initramfs (MODE=$MODE GNTDEV=$GNTDEV KVER=$KVER PATTERN=${PATTERN:-<all>})"
if [ "$MODE" = clients ] || [ "$FOREIGN" = 1 ]; then
    # The load cycles' first rmmod would fail: the module is gone or busy.
    [ "$LOAD_CYCLES" = 0 ] || early_fail build "MODE=clients and FOREIGN=1 need LOAD_CYCLES=0 (their default)"
fi
mkdir -p "$OUT"
rm -f "$OUT/serial.log" "$OUT/verdicts.log" "$OUT/junit.xml" "$OUT/qemu.stderr"
if [ "$GNTDEV" = ours ]; then
    [ -e "$GNTDEV_KO" ] || early_fail build "no $GNTDEV_KO: run \`make module\` (or GNTDEV=stock)"
    # A module built against other headers would fail to load; say so now.
    vermagic=$(modinfo -F vermagic "$GNTDEV_KO" 2>/dev/null | awk '{print $1}')
    [ "$vermagic" = "$KVER" ] || early_fail build "$GNTDEV_KO is built for '$vermagic', the harness boots $KVER: rebuild with \`make module\`"
fi
"$here/mkinitramfs.sh" "$OUT/initramfs.cpio.gz" || early_fail build "mkinitramfs.sh failed (see above)"

# --- boot ------------------------------------------------------------------
# Xen: serial console on com1 (QEMU's stdio); all log levels, since the
# harness greps Xen's messages; a 1 MiB console ring because the toolkit
# parses the grant-table dump (debug key 'g') out of it; eager FPU
# switching, because under TCG the lazy switch hands dom0's processes
# another vCPU's vector registers whenever a domU runs (docs/testing.md).
xen_cmdline="console=com1 dom0_mem=1024M,max:1024M loglvl=all guest_loglvl=all conring_size=1M spec-ctrl=eager-fpu${XEN_ARGS:+ $XEN_ARGS}"
# dom0: console on hvc0 (Xen forwards it to com1); printk timestamps are how
# the analysis tells kernel lines from the toolkit's output.
dom0_cmdline="console=hvc0 printk.time=1${DOM0_ARGS:+ $DOM0_ARGS}"
# -cpu max without SMAP/SMEP (a PV dom0 dies at once with them in TCG).
# -no-reboot: Xen resets the machine if dom0 ends; QEMU exits.  The second
# serial port (0x2f8, ttyS1 in dom0) is the verdict channel, saved as is.
check_paths "$xen" "$vmlinux" "$OUT/initramfs.cpio.gz"
# shellcheck disable=SC2054  # the commas belong to QEMU's option syntax
qemu=(qemu-system-x86_64 -M pc -cpu max,-smap,-smep -m 2048 -smp 2
      -display none -vga none -monitor none -no-reboot
      -serial stdio -serial "file:$OUT/verdicts.log"
      -kernel "$(qemu_path "$xen")" -append "$xen_cmdline"
      -initrd "$(qemu_path "$vmlinux") $dom0_cmdline,$(qemu_path "$OUT/initramfs.cpio.gz")")
[ -z "$ICOUNT" ] || qemu+=(-icount "shift=$ICOUNT")
# shellcheck disable=SC2206  # QEMU_ARGS is deliberately word-split
[ -z "$QEMU_ARGS" ] || qemu+=($QEMU_ARGS)
printf '%q ' "${qemu[@]}" > "$OUT/qemu.cmd"; echo >> "$OUT/qemu.cmd"

# monitor: read the console line by line: save it, echo it, and turn the
# markers (the console's copy of the channel) into progress lines.  The
# verdicts themselves come from analyse.sh afterwards, on the saved logs.
monitor() {
    local line xen_up=0 linux_up=0
    exec 3>"$OUT/serial.log"
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line//$'\r'/}
        printf '%s\n' "$line" >&3
        [ "$CONSOLE" = 0 ] || printf '%s\n' "$line"
        case $line in
            '(XEN) Xen version'*)  [ $xen_up = 1 ] || progress "Xen up"; xen_up=1 ;;
            '['*'] Linux version'*) [ $linux_up = 1 ] || progress "dom0 kernel booting"; linux_up=1 ;;
            'HARNESS: init-start'*) progress "dom0 up (/init running)" ;;
            'HARNESS: modules-loaded'*) progress "modules loaded" ;;
            'HARNESS: gntdev-module '*)
                case "$GNTDEV:$line" in
                    ours:*banner=yes*)  progress "our module confirmed (banner present)" ;;
                    ours:*)             progress "NOT our module: banner missing" ;;
                    stock:*banner=no*)  progress "stock module confirmed (no banner)" ;;
                    stock:*)            progress "NOT the stock module: our banner is present" ;;
                esac ;;
            'HARNESS: toolkit-start'*) progress "toolkit started (${line#*pattern=})" ;;
            'ok '[0-9]*|'not ok '[0-9]*) progress "verdict: $line" ;;
            'HARNESS: granter '*|'HARNESS: granter-gone '*) progress "${line#HARNESS: }" ;;
            'HARNESS: toolkit-exit'*)
                if [ "$LOAD_CYCLES" = 0 ]; then progress "toolkit finished"
                else progress "toolkit finished; unloading and reloading the module $LOAD_CYCLES times"; fi ;;
            'HARNESS: load-cycles '*|'HARNESS: leak-check '*) progress "${line#HARNESS: }" ;;
            'HARNESS-FAIL: '*) progress "${line#HARNESS-}" ;;
            'HARNESS-DONE '*) progress "done (${line#HARNESS-DONE })" ;;
        esac
    done
    exec 3>&-
}

fifo=$(mktemp -u "${TMPDIR:-/tmp}/gntdev-console.XXXXXX")
mkfifo "$fifo"
qpid=
# shellcheck disable=SC2317  # called from the trap
cleanup() { [ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true; rm -f "$fifo"; }
trap cleanup EXIT
trap 'progress "interrupted"; exit 130' INT TERM

progress "boot: QEMU (timeout ${TIMEOUT}s; command in $OUT/qemu.cmd)"
tb=$EPOCHREALTIME
# `timeout` ends QEMU if dom0 hangs; -k in case QEMU ignores SIGTERM.
timeout -k 10 "$TIMEOUT" "${qemu[@]}" </dev/null >"$fifo" 2>"$OUT/qemu.stderr" &
qpid=$!
monitor <"$fifo"
qrc=0
wait "$qpid" || qrc=$?
qpid=
te=$EPOCHREALTIME
elapsed=$(( (${te/./} - ${tb/./}) / 1000 ))
ELAPSED=$((elapsed / 1000)).$(printf %03d $((elapsed % 1000)))
TIMED_OUT=0
case $qrc in 124|137) TIMED_OUT=1 ;; esac
export ELAPSED TIMED_OUT TIMEOUT QEMU_RC=$qrc
if [ -s "$OUT/qemu.stderr" ]; then
    progress "QEMU stderr:"; sed 's/^/    /' "$OUT/qemu.stderr"
fi
progress "boot finished in ${ELAPSED}s (QEMU exit $qrc$([ $TIMED_OUT = 0 ] || echo ", timed out"))"

# --- verdict ---------------------------------------------------------------
progress "results: $OUT/serial.log, $OUT/verdicts.log, $OUT/junit.xml"
rc=0
"$here/analyse.sh" "$OUT/serial.log" "$OUT/junit.xml" || rc=$?
exit "$rc"
