#!/bin/bash
# analyse.sh SERIAL.LOG [JUNIT.xml]
#
# Judge a harness run from its serial log: writes JUnit XML, prints a FAIL
# block per failed testcase and the final "N passed, N failed, N skipped"
# line; exits 1 if anything failed.  run.sh calls it after every boot; it can
# also be rerun by hand on a saved log.  Facts the log cannot tell come from
# the environment: GNTDEV (ours|stock), SRCVERSION (of our .ko), TIMED_OUT,
# TIMEOUT, QEMU_RC, ELAPSED, LOAD_CYCLES, FOREIGN (1: a granter domU was due).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 1 ] || { echo "usage: analyse.sh SERIAL.LOG [JUNIT.xml]" >&2; exit 2; }
log=$1
junit=${2:-$(dirname "$log")/junit.xml}
# LC_ALL=C: byte semantics, so stray non-ASCII bytes on the serial line
# cannot upset awk or end up in the XML.
LC_ALL=C exec awk \
    -v junit="$junit" \
    -v expect="${GNTDEV:-ours}" \
    -v srcversion="${SRCVERSION:-}" \
    -v timed_out="${TIMED_OUT:-0}" \
    -v timeout="${TIMEOUT:-2400}" \
    -v qemu_rc="${QEMU_RC:-0}" \
    -v elapsed="${ELAPSED:-0}" \
    -v load_cycles="${LOAD_CYCLES:-100}" \
    -v foreign="${FOREIGN:-0}" \
    -v suite="gntdev-xen-${GNTDEV:-ours}" \
    -f "$here/analyse.awk" "$log"
