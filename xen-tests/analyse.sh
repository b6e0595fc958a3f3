#!/bin/bash
# analyse.sh SERIAL.LOG [JUNIT.xml]
#
# Judge a harness run from its logs: the verdict channel VERDICTS.LOG
# beside SERIAL.LOG (its TAP and "HARNESS..." lines, among them the run's
# facts in "HARNESS: config ...") and SERIAL.LOG itself (the console, for
# Xen's and the dom0 kernel's troubles).  Writes JUnit XML, prints a FAIL or
# ERROR block per such testcase and the closing line
# "P passed, F failed, S skipped, E errors"; exits 1 if F or E is not 0.
# run.sh calls it after every boot; rerun it by hand on a saved log, no
# environment needed.  What only the host knows comes from run.sh's
# environment, and a re-judge without it takes the run as having ended by
# itself: TIMED_OUT (1: run.sh's timeout ended QEMU), QEMU_RC, ELAPSED.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 1 ] || { echo "usage: analyse.sh SERIAL.LOG [JUNIT.xml]" >&2; exit 2; }
# shellcheck source=SCRIPTDIR/defaults.sh
. "$here/defaults.sh"
log=$1
junit=${2:-$(dirname "$log")/junit.xml}
verdicts=$(dirname "$log")/verdicts.log
[ -e "$verdicts" ] || verdicts=/dev/null
# LC_ALL=C: byte semantics, so stray non-ASCII bytes on the serial line
# cannot upset awk or end up in the XML.
LC_ALL=C exec awk \
    -v junit="$junit" \
    -v bad_ere="$(dirname "$here")/tools/gntdev-test/kernel-log-bad.ere" \
    -v timed_out="${TIMED_OUT:-0}" \
    -v timeout="$TIMEOUT" \
    -v qemu_rc="${QEMU_RC:-0}" \
    -v elapsed="${ELAPSED:-0}" \
    -f "$here/junit.awk" -f "$here/analyse.awk" \
    part=channel "$verdicts" part=console "$log"
