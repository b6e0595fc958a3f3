#!/bin/sh
# clients.sh: real clients of the gntdev under test, in the harness dom0;
# init.sh runs it in place of the toolkit when MODE=clients.  Output is TAP,
# judged by analyse.awk like the toolkit's.
#
#   xenstore            Debian's xenstored runs in dom0 (it maps its rings
#                       through gntdev) and answers xenstore-read/write
#   vchan-ring-*        libxenvchan server and client in dom0, peer domid 0:
#                       data echoed intact; Xen shows the client's ring
#                       mappings while connected and none after close
#   xen-test-resource   Xen's test-resource: dom0 creates domains and maps
#                       their grant tables through privcmd; none of it stays
#   depriv-fd-checker   Xen's depriv-fd-checker drives a gntdev descriptor it
#                       inherits: a grant copy through it succeeds, so it
#                       reports "fail" (unrestricted, as every Linux gntdev
#                       descriptor is); /dev/null in its place reports "pass"
#   qdisk-grant-copy    a PV domU writes and reads a known pattern on a disk
#                       that Debian's QEMU serves with its qdisk backend,
#                       xl/libxl doing the set-up; QEMU moves data with
#                       GRANT_COPY and maps the ring.  dom0 finds the data
#                       in the backing file; nothing stays mapped in Xen.
#   qdisk-grant-map     the same with grant copy hidden from QEMU, so every
#                       request is mapped, copied and unmapped through gntdev
#   daemons-stop-unload xenconsoled and xenstored stop, the module unloads
#
# While a domU does disk I/O, dom0 starts no process: under TCG, processes
# started in dom0 then sometimes die of a lost TLS base (seen with Debian's
# gntdev as much as ours), so dom0 waits inside one `xl create -F`.
# shellcheck source=SCRIPTDIR/../xen-daemons.sh
. /lib/harness/xen-daemons.sh
n=0 passed=0 failed=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $1"; }
# not_ok NAME EVIDENCE...: every line of the evidence becomes a diagnostic.
not_ok() {
    n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
    shift
    printf '%s\n' "$@" | sed 's/^/# /'
}
# entries_in FILE: the count of active entries in a saved `gntdev-test
# xen-dump`, or -1 if it holds none (the dump failed).
entries_in() { sed -n 's/^\([0-9]*\) active entr.*/\1/p' "$1" | grep . || echo -1; }
# active_entries: what Xen's grant-table dump counts now.
active_entries() {
    gntdev-test xen-dump > /tmp/dump.txt 2>&1
    entries_in /tmp/dump.txt
}
stat_of() { sed -n "s/^$1 //p" /sys/kernel/debug/xen-gntdev/stats 2>/dev/null; }

echo "1..9"

# --- xenstore ----------------------------------------------------------
# Judged by a write and a read back rather than by xen_daemons_start.
xen_daemons_start
xenstore-write /local/domain/0/data/harness gntdev
if [ "$(xenstore-read /local/domain/0/data/harness 2>&1)" = gntdev ]; then
    ok xenstore
else
    not_ok xenstore "xenstored did not answer" "$(cat /tmp/init-dom0.log)"
    echo "# no xenstore: the other clients cannot run"
    echo "$passed passed, $((failed + 8)) failed, 0 skipped, 0 errors"
    exit 1
fi

# --- libxenvchan -------------------------------------------------------
# RING bytes each way, GRANTS the client maps for both rings.
for spec in "1024 1" "4096 3" "65536 33"; do
    set -- $spec
    out=$(vchan-echo -r "$1" -n $((64 * $1)) -c "gntdev-test xen-dump > /tmp/live.txt 2>&1" \
          /local/domain/0/data/vchan-$1 2>&1)
    rc=$?
    live=$(entries_in /tmp/live.txt)
    after=$(active_entries)
    if [ $rc -eq 0 ] && [ "$live" = "$2" ] && [ "$after" = 0 ]; then
        ok "vchan-ring-$1"
    else
        not_ok "vchan-ring-$1" "$out" "Xen while connected: $live active entries (want $2)" \
            "after close: $after (want 0)" "dump while connected:" "$(cat /tmp/live.txt)"
    fi
done

# --- Xen's own tests of dom0's interfaces -------------------------------
# (xen-daemons.sh put Xen's program directory on PATH.)
out=$(test-resource 2>&1)
rc=$?
left=$(active_entries)
if [ $rc -eq 0 ] && [ "$left" = 0 ]; then
    ok xen-test-resource
    echo "$out" | sed 's/^/# /'
else
    not_ok xen-test-resource "test-resource: exit $rc" "$out" \
        "Xen afterwards: $left active grant entries (want 0)"
fi

# The checker grant-copies a page that it shares itself (gntalloc) through
# its own libxengnttab handle, then through the descriptor it is given.
# libxengnttab has no restrict operation, so xentoolcore_restrict_all()
# leaves a gntdev descriptor as it is: one opened here must come out
# unrestricted ("fail"), and /dev/null, what xentoolcore puts in place of a
# handle it restricts by closing, must come out restricted ("pass").
out=$(depriv-fd-checker gntdev 3 gntdev-fd gntdev 4 null-fd \
      3<>/dev/xen/gntdev 4</dev/null 2>&1)
rc=$?
left=$(active_entries)
if [ $rc -eq 0 ] && [ "$left" = 0 ] &&
        echo "$out" | grep -q '^gntdev fail 3 xengnttab_grant_copy okay .*gntdev-fd' &&
        echo "$out" | grep -q '^gntdev pass 4 xengnttab_grant_copy .*null-fd'; then
    ok depriv-fd-checker
    echo "$out" | grep -E '^gntdev (pass|fail)' | sed 's/^/# /'
else
    not_ok depriv-fd-checker "depriv-fd-checker: exit $rc" "$out" \
        "Xen afterwards: $left active grant entries (want 0)"
fi

# --- QEMU's qdisk backend for a PV domU ----------------------------------
# qdisk NAME [DEVICE_MODEL]: one domU life; prints the failures, if any.
qdisk() {
    name=$1 log=$DOMU_CONSOLE_DIR/guest-$1.log
    rm -f /tmp/disk.img
    truncate -s 64M /tmp/disk.img
    sed "s/^name = .*/name = \"$name\"/" /etc/xen/qdisk.cfg > /tmp/$name.cfg
    [ -z "$2" ] || echo "device_model_override = \"$2\"" >> /tmp/$name.cfg
    # The guest's console, echoed live for the serial log.
    domu_console_start "$name"
    timeout 300 xl create -F /tmp/$name.cfg > /tmp/xl-$name.log 2>&1
    rc=$?
    if xl domid "$name" > /dev/null 2>&1; then
        echo "domain still there after xl create -F (rc $rc)"
        xl destroy "$name"
    fi
    # tail -F looks at the log once a second: let it see the last lines.
    sleep 1
    domu_console_stop
    grep -q "DOMU-RESULT: PASS" "$log" ||
        echo "the domU did not read back its data (xl rc $rc); QEMU's log ends:
$(grep -v '^$' /var/log/xen/qemu-dm-$name.log 2>/dev/null | tail -n 3)"
    got=$(dd if=/tmp/disk.img bs=64k skip=16 count=64 2>/dev/null | md5sum | cut -d' ' -f1)
    [ "$got" = "$PATTERN_MD5" ] || echo "backing file holds $got, want $PATTERN_MD5"
    head -c 13 /tmp/disk.img | grep -q domU-was-here || echo "sector 0 not stamped"
    ps | grep -v grep | grep -q qemu-system && echo "QEMU still running after the domain went"
    left=$(active_entries)
    [ "$left" = 0 ] || echo "Xen: $left grant(s) still mapped after the domain went"
}
. /etc/clients.conf
for mode in copy map; do
    before=$(stat_of unmap_batches)
    if [ $mode = copy ]; then why=$(qdisk qdisk-copy)
    else why=$(qdisk qdisk-map /usr/libexec/qemu-no-grant-copy); fi
    after=$(stat_of unmap_batches)
    if [ -n "$after" ]; then
        echo "# gntdev unmap batches during the domU: $((after - before))"
        # The map path unmaps every request; the copy path only the rings.
        [ $mode = copy ] || [ $((after - before)) -ge 64 ] ||
            why="$why${why:+
}QEMU did not go through mappings: $((after - before)) unmap batches"
    fi
    if [ -z "$why" ]; then ok "qdisk-grant-$mode"; else not_ok "qdisk-grant-$mode" "$why"; fi
done

# --- the daemons go, and with them the last users of the module -----------
kill "$(cat /run/xenconsoled.pid)" "$(cat /run/xenstored.pid)"
# Their files close as they exit; the module is busy until then.
i=0
until rmmod xen_gntdev 2>/tmp/rmmod.err || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
if ! lsmod | grep -q '^xen_gntdev '; then
    ok daemons-stop-unload
else
    not_ok daemons-stop-unload "rmmod xen_gntdev: $(cat /tmp/rmmod.err)" "$(lsmod)"
fi
echo "$passed passed, $failed failed, 0 skipped, 0 errors"
[ $failed -eq 0 ]
