# granter.sh: sourced by init.sh (busybox sh, in dom0) when FOREIGN=1.  The
# granter is a PV domU (granter.cfg) whose agent shares its pages with dom0
# on request, so that the toolkit maps grants another domain owns
# (`gntdev-test run --granter D --granter-config /etc/xen/granter.cfg`: some
# scenarios start granters of their own from it).  Uses init.sh's mark and
# fail.
#
#   granter_start  Xen's daemons, then the granter, left running; once its
#                  agent listens, GRANTER is its domid and the line
#                  "HARNESS: granter domid=D ready-after=Ss" says so.  Fails
#                  with "HARNESS-FAIL: granter-ready: ..." and evidence if
#                  the agent is not listening within 120 s or the domain dies
#                  (and then stops the granter as granter_stop does).
#   granter_stop   destroy it (the toolkit may have crashed it already) and
#                  check that within 10 s Xen holds dom0 alone: nothing named
#                  granter, nothing dying (a domain stays dying while dom0
#                  still maps its pages); "HARNESS: granter-gone ok" or
#                  "HARNESS-FAIL: granter-gone: ..." and evidence.
#   granter_fpu_check  `gntdev-test fpu-check` in dom0 while the granter
#                  runs: dom0's processes keep their vector registers, or no
#                  verdict can be trusted (docs/testing.md); "HARNESS:
#                  fpu-state ok ..." or "HARNESS-FAIL: fpu-state: ...".
#   granter_stress random map/mmap/partial munmap/fork/exit/close traffic
#                  over the granter's pages for STRESS_SECONDS with
#                  STRESS_SEED (`gntdev-test stress`: data checked on every
#                  map, Xen back at its baseline and a clean kernel log at
#                  the end); "HARNESS: stress ok seed=S seconds=N" or
#                  "HARNESS-FAIL: stress: ..." and its output.
# shellcheck shell=sh
# shellcheck source=SCRIPTDIR/../xen-daemons.sh
. /lib/harness/xen-daemons.sh

GRANTER_READY_S=120
GRANTER_GONE_S=10

# uptime_s: whole seconds since dom0 booted.
uptime_s() {
    read -r up _ < /proc/uptime
    echo "${up%.*}"
}

# evidence FILE...: the files' lines, indented as HARNESS-FAIL evidence.
evidence() { sed 's/^/  | /' "$@"; }

# granter_not_ready WHY: the granter-ready failure, with what xl create
# said, the granter's console and xl's list of domains; then the granter goes.
granter_not_ready() {
    fail "granter-ready: $1"
    echo "  | xl create:"
    evidence /tmp/xl-create.log
    echo "  | the granter's console ends:"
    tail -n 30 "$DOMU_CONSOLE_DIR/guest-granter.log" 2>/dev/null | evidence
    echo "  | xl list:"
    xl list 2>&1 | evidence
    granter_stop
}

granter_start() {
    if ! xen_daemons_start; then
        fail "granter-ready: xenstored did not answer"
        evidence /tmp/init-dom0.log
        return 1
    fi
    domu_console_start granter
    t0=$(uptime_s)
    if ! xl create /etc/xen/granter.cfg > /tmp/xl-create.log 2>&1; then
        granter_not_ready "xl create failed"
        return 1
    fi
    GRANTER=$(xl domid granter)
    key=/local/domain/$GRANTER/data/gntdev-granter/ready
    until xenstore-read "$key" > /dev/null 2>&1; do
        waited=$(($(uptime_s) - t0))
        if ! xenstore-exists "/local/domain/$GRANTER"; then
            granter_not_ready "domain ${GRANTER:-?} went away after ${waited}s, its agent never ready"
            return 1
        fi
        if [ "$waited" -ge $GRANTER_READY_S ]; then
            granter_not_ready "no $key after ${waited}s"
            return 1
        fi
        sleep 0.5
    done
    mark "granter domid=$GRANTER ready-after=$(($(uptime_s) - t0))s"
}

# granter_gone: xl lists dom0 alone (saved in /tmp/xl-list.log).
granter_gone() {
    xl list > /tmp/xl-list.log 2>&1 &&
        [ "$(wc -l < /tmp/xl-list.log)" -eq 2 ] &&
        awk 'NR > 1 && ($1 == "granter" || $5 ~ /d/) { left = 1 } END { exit left }' /tmp/xl-list.log
}

granter_fpu_check() {
    if gntdev-test fpu-check --seconds 20 > /tmp/fpu-check.log 2>&1; then
        mark "fpu-state ok: $(tail -n 1 /tmp/fpu-check.log)"
    else
        fail "fpu-state: $(tail -n 1 /tmp/fpu-check.log)"
    fi
}

granter_stress() {
    if gntdev-test stress --granter "$GRANTER" --seconds "$STRESS_SECONDS" \
            --seed "$STRESS_SEED" > /tmp/stress.log 2>&1; then
        mark "stress ok seed=$STRESS_SEED seconds=$STRESS_SECONDS"
        grep '^# iterations' /tmp/stress.log
    else
        fail "stress: seed $STRESS_SEED, $STRESS_SECONDS s: $(tail -n 1 /tmp/stress.log)"
        evidence /tmp/stress.log | head -n 40
    fi
}

granter_stop() {
    xl destroy granter > /tmp/xl-destroy.log 2>&1
    t0=$(uptime_s)
    until granter_gone; do
        if [ $(($(uptime_s) - t0)) -ge $GRANTER_GONE_S ]; then
            fail "granter-gone: Xen still holds more than dom0 ${GRANTER_GONE_S}s after xl destroy"
            echo "  | xl list:"
            evidence /tmp/xl-list.log
            echo "  | xl destroy granter:"
            evidence /tmp/xl-destroy.log
            echo "  | grants dom0 maps, as Xen sees them:"
            gntdev-test xen-dump 2>&1 | head -n 20 | evidence
            domu_console_stop
            return 1
        fi
        sleep 1
    done
    domu_console_stop
    mark "granter-gone ok"
}
