#!/bin/bash
# suite.sh: the test suite (make test, and so CI): every lane in turn, each
# with its own log and its wall time, then one line over all of them:
# `P passed, F failed, S skipped, E errors` (and the total wall time).
#
#   analyser          the log analysis on synthetic logs (analyse-check.sh,
#                     no boot)
#   style             checkpatch --strict, and W=1 + sparse builds of the module
#   unit              the module's pure bookkeeping, in userspace
#   pv                the toolkit on our module, Debian's dom0 kernel
#   clients           real clients on our module: xenstored, libxenvchan,
#                     QEMU's qdisk backend for a PV domU (clients/clients.sh)
#   foreign           the toolkit on our module, mapping grants of a granter
#                     PV domU (Debian's kernel and gntalloc, our agent) that
#                     xl starts and destroys (foreign/granter.sh)
#   pv-6.12, clients-6.12, foreign-6.12
#                     those three on Debian's 6.12 dom0 kernel (kernel-lane.sh;
#                     the domUs keep Debian's 6.1)
#   debug             the pv lane on a lockdep/DEBUG_VM/KFENCE dom0 kernel
#   debug-clients     the clients lane on that kernel
#   debug-foreign     the foreign lane on that dom0 kernel (the granter keeps
#                     Debian's)
#   debug-xen         the pv lane on a debug build (CONFIG_DEBUG) of Debian's
#                     Xen 4.17, built from its source package (debug-xen-lane.sh)
#   debug-xen-foreign the foreign lane on that hypervisor
#   dkms              our module installed by dkms into a copy of Debian's
#                     6.1 module tree, where depmod must prefer it; then the
#                     pv lane with it (dkms-lane.sh)
#
# LANES names lanes, or one of two sets:
#   gate  (the default, and so CI's .ci/run) analyser style unit pv clients:
#         the checks and the module on Debian's own dom0 kernel, toolkit and
#         real clients; about 7 minutes on a fresh two-core machine, set-up
#         included
#   full  every lane above but debug-xen-foreign: about 70 minutes there,
#         two of them in the first builds of the debug kernel and Xen
# .gitlab-ci.yml runs every lane as a job of its own, in parallel.
# Set-up, the module and the toolkit must be built (make test does that).
# Outputs: xen-tests/out/<lane>/ and xen-tests/out/<lane>.log.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
# Not defaults.sh: the lanes set MODE and FOREIGN, and the defaults that
# follow from them (LOAD_CYCLES) must be decided in each lane, not here.
out=$here/out
gate="analyser style unit pv clients"
full="$gate foreign pv-6.12 clients-6.12 foreign-6.12 debug debug-clients debug-foreign debug-xen dkms"
LANES=${LANES:-gate}
case $LANES in
gate) LANES=$gate ;;
full) LANES=$full ;;
esac
mkdir -p "$out"

lane_cmd() {
    case $1 in
    analyser)         "$here/analyse-check.sh" ;;
    style)            "$here/style.sh" ;;
    unit)             make -C "$repo/tools/unit-tests" check ;;
    pv)               OUT=$out/pv SETUP=0 TOOLKIT_ARGS=$gate_races "$here/run.sh" ;;
    clients)          OUT=$out/clients MODE=clients SETUP=0 "$here/run.sh" ;;
    foreign)          OUT=$out/foreign FOREIGN=1 SETUP=0 "$here/run.sh" ;;
    pv-6.12)          KVER=$k612 OUT=$out/pv-6.12 "$here/kernel-lane.sh" ;;
    clients-6.12)     KVER=$k612 OUT=$out/clients-6.12 MODE=clients "$here/kernel-lane.sh" ;;
    foreign-6.12)     KVER=$k612 OUT=$out/foreign-6.12 FOREIGN=1 TOOLKIT_ARGS=$short_races "$here/kernel-lane.sh" ;;
    debug)            OUT=$out/debug "$here/debug-lane.sh" ;;
    debug-clients)    OUT=$out/debug-clients MODE=clients "$here/debug-lane.sh" ;;
    debug-foreign)    OUT=$out/debug-foreign FOREIGN=1 "$here/debug-lane.sh" ;;
    debug-xen)        OUT=$out/debug-xen TOOLKIT_ARGS=$short_races "$here/debug-xen-lane.sh" ;;
    debug-xen-foreign) OUT=$out/debug-xen-foreign FOREIGN=1 TOOLKIT_ARGS=$short_races "$here/debug-xen-lane.sh" ;;
    dkms)             OUT=$out/dkms TOOLKIT_ARGS=$short_races "$here/dkms-lane.sh" ;;
    *)                echo "suite: no lane '$1'" >&2; return 2 ;;
    esac
}

# The GUP races (gup-race-*) take five minutes or more each at their full
# 10,000 rounds on a busy host; they run in full once on each kernel (debug
# for 6.1, pv-6.12) and shortened elsewhere: the most in the gate's pv
# lane, less where a lane repeats one of those on another hypervisor, with
# foreign grants or from another install.
short_races="--race-rounds 2500"
# The gate's pv lane: enough rounds to see the races run, few enough that
# the gate stays within its minutes.
gate_races="--race-rounds 500"

# Debian's 6.12, which set-up prepares beside the default kernel.
k612=$("$here/kver.sh" 6.12 2>/dev/null || true)

# seconds_since T: whole seconds from the $EPOCHREALTIME value T to now.
seconds_since() { local now=$EPOCHREALTIME; echo $(( (${now/./} - ${1/./}) / 1000000 )); }

passed=0 failed=0 skipped=0 errors=0 bad_lanes=() t_suite=$EPOCHREALTIME
for lane in $LANES; do
    echo "==> lane $lane"
    t_lane=$EPOCHREALTIME
    LANE=$lane lane_cmd "$lane" 2>&1 | tee "$out/$lane.log"
    rc=${PIPESTATUS[0]}
    # The lane's own closing line, "P passed, F failed[, S skipped[, E errors]]"
    # (the older forms from lanes that have no skips or errors); a lane that
    # failed without counting a failure or an error counts as one error.
    summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped(, [0-9]+ errors)?)?$' "$out/$lane.log" | tail -n 1)
    p=0 f=0 s=0 e=0
    [ -z "$summary" ] || read -r p _ f _ s _ e _ <<<"${summary//,/}"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0})) errors=$((errors + ${e:-0}))
    if [ "$rc" -ne 0 ]; then
        bad_lanes+=("$lane")
        [ "$f" -gt 0 ] || [ "${e:-0}" -gt 0 ] || errors=$((errors + 1))
    fi
    echo "==> lane $lane: ${summary:-no summary} (exit $rc, $(seconds_since "$t_lane") s)"
done

[ ${#bad_lanes[@]} -eq 0 ] || echo "==> failed lanes: ${bad_lanes[*]}"
echo "==> all lanes: $(seconds_since "$t_suite") s"
echo "$passed passed, $failed failed, $skipped skipped, $errors errors"
[ ${#bad_lanes[@]} -eq 0 ]
