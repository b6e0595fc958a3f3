#!/bin/bash
# analyse-check.sh: check analyse.sh's judgement on small synthetic logs,
# without booting anything (about a second).  Each case builds a run from a
# clean run's skeleton, changes one thing, and states the expected exit
# status and, for failures and errors, which testcase must have one.  A
# skeleton is the console as serial.log shows it; check() splits off
# verdicts.log, the channel, as dom0's /init writes it: every line that is
# neither Xen's nor the kernel's.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gntdev-analyse-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
shopt -s lastpipe   # `skeleton | check ...` must count in this shell

# skeleton [EXTRA_KERNEL_LINE] [EXTRA_XEN_LINE] [LEAK_CHECK]: a clean run of
# our module.
skeleton() {
    cat <<LOG
(XEN) Xen version 4.17.0 (selftest)
${2:-(XEN) Std. Loglevel: All}
[    0.000000] Linux version 6.1.0-selftest
HARNESS: init-start
HARNESS: config mode=toolkit gntdev=ours srcversion=ABC load-cycles=100 foreign=0 lane=-
HARNESS: modules-loaded
HARNESS: device /dev/xen/gntdev ok
HARNESS: gntdev-module expected=ours banner=yes taint=OE version=0.1 srcversion=ABC
HARNESS: dmesg: [    1.000000] xen:xen_gntdev: interval-notifier gntdev ready
HARNESS: toolkit-start pattern=<all>
TAP version 13
1..3
ok 1 - alpha
# a diagnostic that mentions WARNING: and BUG: without being a kernel line
ok 2 - beta
ok 3 - gamma # SKIP not here
${1:-[    2.000000] harmless kernel line}
2 passed, 0 failed, 1 skipped, 0 errors
HARNESS: toolkit-exit rc=0
HARNESS: load-cycles ok n=100
HARNESS: leak-check ${3:-skip (no kmemleak in this kernel)}
HARNESS: dmesg-tail
HARNESS-DONE rc=0
LOG
}

# conf KEY VALUE: the skeleton's config line with KEY=VALUE, as the host
# would have set it (gntdev, srcversion, load-cycles, foreign).
conf() { sed "/^HARNESS: config /s/ $1=[^ ]*/ $1=$2/"; }

# foreign: a skeleton made a FOREIGN=1 run (no load cycles): the granter
# is ready before the toolkit starts, passes the stress run after it and is
# gone then; in between, its console shows lines that are neither verdicts
# nor dom0 kernel reports.
foreign() {
    conf foreign 1 | conf load-cycles 0 |
    awk '/^HARNESS: toolkit-start/ {
             print "HARNESS: granter domid=1 ready-after=21s"
             print "HARNESS: fpu-state ok: fpu-check: 3000 rounds in 20 s over 4 threads, 0 register lanes changed"
         }
         /^HARNESS: (load-cycles|leak-check)/ { next }
         { print }
         /^ok 1 - alpha/ {
             print "  | domU: [    3.000000] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0/0x10"
             print "  | domU: ok 9 - not a verdict"
             print "  | domU: granter-agent: ready: /local/domain/1/data/gntdev-granter, port 5"
         }
         /^HARNESS: toolkit-exit/ {
             print "HARNESS: stress ok seed=1764110000 seconds=60"
             print "HARNESS: granter-gone ok"
         }'
}

# granter_never_ready: a FOREIGN=1 run whose granter did not come up.
granter_never_ready() {
    skeleton | foreign | sed '/^HARNESS: granter domid=/,$d'
    cat <<LOG
  | domU: [    1.000000] Run /init as init process
HARNESS-FAIL: granter-ready: no /local/domain/1/data/gntdev-granter/ready after 120s
  | xl create:
  | the granter's console ends:
  |   [    1.000000] Run /init as init process
  | xl list:
  |   Name                                        ID   Mem VCPUs	State	Time(s)
  |   Domain-0                                     0  1024     2     r-----      30.1
  |   granter                                      1   192     1     -b----       2.0
HARNESS: granter-gone ok
HARNESS: dmesg-tail
HARNESS-DONE rc=95
LOG
}

pass=0 fail=0
# check NAME WANT_RC WANT_CASE [VAR=VALUE...] < log: judge the run in a
# clean environment but for the host's facts given (TIMED_OUT, QEMU_RC);
# WANT_CASE is "FAIL class/name" or "ERROR class/name", or empty.
check() {
    local name=$1 want_rc=$2 want_case=$3 rc=0 out
    shift 3
    cat > "$tmp/serial.log"
    if [ "$channel" = 0 ]; then : > "$tmp/verdicts.log"; else LC_ALL=C grep -Ev '^\(XEN\)|^\[ *[0-9]+\.[0-9]+\] ' "$tmp/serial.log" > "$tmp/verdicts.log" || true; fi
    out=$(env -i PATH="$PATH" "$@" "$here/analyse.sh" "$tmp/serial.log" "$tmp/junit.xml") || rc=$?
    if [ "$rc" -ne "$want_rc" ]; then
        echo "not ok - $name: exit $rc, wanted $want_rc"; echo "$out" | sed 's/^/    /'; fail=$((fail + 1)); return
    fi
    if [ -n "$want_case" ] && ! grep -q "^$want_case:" <<<"$out"; then
        echo "not ok - $name: no '$want_case'"; echo "$out" | sed 's/^/    /'; fail=$((fail + 1)); return
    fi
    # The JUnit file must agree with the closing line.
    local tests failures errors
    tests=$(grep -c '<testcase ' "$tmp/junit.xml")
    failures=$(grep -c "<failure " "$tmp/junit.xml" || true)
    errors=$(grep -c "<error " "$tmp/junit.xml" || true)
    if ! tail -n1 <<<"$out" | awk -v t="$tests" -v f="$failures" -v e="$errors" \
            '{ exit !($1 + $3 + $5 + $7 == t && $3 == f && $7 == e && NF == 8) }' ||
            ! grep -q "failures=\"$failures\" errors=\"$errors\"" "$tmp/junit.xml"; then
        echo "not ok - $name: closing line '$(tail -n1 <<<"$out")' vs $tests testcases, $failures failures, $errors errors"
        fail=$((fail + 1)); return
    fi
    echo "ok - $name"; pass=$((pass + 1))
}
channel=1
# check_no_channel: check with nothing in verdicts.log.
check_no_channel() { channel=0; check "$@"; channel=1; }

skeleton | check "clean run passes" 0 ""
skeleton | sed 's/^ok 2 - beta/not ok 2 - beta/; s/^2 passed, 0 failed/1 passed, 1 failed/; s/toolkit-exit rc=0/toolkit-exit rc=1/' |
    check "failed verdict" 1 "FAIL gntdev-test/2 - beta"
skeleton "[    3.000000] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0/0x10" | check "dom0 WARNING" 1 "FAIL harness/kernel-log-clean"
skeleton "[    3.000000] BUG: Bad page map in process t  pte:0 pmd:0" | check "bad page map" 1 "FAIL harness/kernel-log-clean"
skeleton "[    3.000000] general protection fault, probably for non-canonical address" | check "GPF" 1 "FAIL harness/kernel-log-clean"
skeleton "[    3.000000] traps: exe[42] general protection fault ip:4a4d02 sp:7ffd error:0 in busybox[401000+a0000]" |
    check "user process GP fault is not a kernel problem" 0 ""
skeleton "[    3.000000] Oops: 0000 [#1] PREEMPT SMP NOPTI" | check "Oops" 1 "FAIL harness/kernel-log-clean"
skeleton "[    3.000000] WARNING: possible circular locking dependency detected" | check "lockdep" 1 "FAIL harness/kernel-log-clean"
skeleton "[    3.000000] Kernel panic - not syncing: analyse-check" | check "dom0 panic" 1 "FAIL harness/kernel-log-clean"
skeleton "[    3.000000] xen:grant_table: g.e. 0x1c still pending" | check "grant still pending (the toolkit's list)" 1 "FAIL harness/kernel-log-clean"
skeleton "[    3.000000] BUGGY_DRIVER: DEBUG_WARNINGS on" | check "BUG inside a word" 0 ""
skeleton "" "(XEN) Panic on CPU 0:" | check "Xen panic" 1 "FAIL harness/xen-log-clean"
skeleton "" "(XEN) domain_crash called from p2m.c:1" | check "domain crash" 1 "FAIL harness/xen-log-clean"
skeleton | grep -v '^HARNESS-DONE' | check "no final marker" 1 "FAIL harness/run-completed"
skeleton | check "timeout" 1 "FAIL harness/run-completed" TIMED_OUT=1
skeleton | check "QEMU failed" 1 "FAIL harness/run-completed" QEMU_RC=1
skeleton | sed 's/banner=yes/banner=no/' | check "ours expected, banner missing" 1 "FAIL harness/gntdev-is-ours"
skeleton | conf gntdev stock | conf srcversion - | sed 's/banner=yes taint=OE/banner=no taint=-/' |
    check "stock confirmed" 0 ""
grep -q 'name="gntdev-xen-stock"' "$tmp/junit.xml" ||
    { echo "not ok - stock confirmed: testsuite not named gntdev-xen-stock"; fail=$((fail + 1)); }
skeleton | conf gntdev stock | check "stock expected, banner present" 1 "FAIL harness/gntdev-is-stock"
skeleton | conf srcversion XYZ | check "srcversion mismatch" 1 "FAIL harness/gntdev-is-ours"
skeleton | grep -v '^ok 1 - alpha' | check "lost verdict line" 1 "FAIL harness/toolkit-completed"
skeleton | sed 's/^ok 1 - alpha/ok 1 - a<b>\&"c"/' | check "XML escaping" 0 ""
grep -q 'name="1 - a&lt;b&gt;&amp;&quot;c&quot;"' "$tmp/junit.xml" ||
    { echo "not ok - XML escaping: name not escaped in junit.xml"; fail=$((fail + 1)); }
skeleton | sed 's/, 0 errors$//' | check "the toolkit's older closing line" 0 ""
skeleton | sed 's/, 1 skipped, 0 errors$//' | check "gntdev-bench's closing line" 0 ""
skeleton "" "" ok | check "leak check passed" 0 ""
skeleton | sed 's/^HARNESS: load-cycles ok n=100/HARNESS-FAIL: load-cycles: rmmod #7 failed/' |
    check "load cycle failed" 1 "FAIL harness/load-cycles"
skeleton | sed 's/^HARNESS: leak-check .*/HARNESS-FAIL: leak-check: kmemleak found unreferenced objects/' |
    check "leak found" 1 "FAIL harness/leak-check"
skeleton | conf load-cycles 0 | check "load cycles not asked for" 0 ""
skeleton | grep -v '^HARNESS: load-cycles' | check "load cycles missing" 1 "FAIL harness/load-cycles"
skeleton | foreign | check "foreign run passes" 0 ""
grep -q 'name="granter-gone"' "$tmp/junit.xml" ||
    { echo "not ok - foreign run passes: no granter-gone testcase"; fail=$((fail + 1)); }
granter_never_ready | check "granter never ready" 1 "FAIL harness/granter-ready"
granter_never_ready | conf foreign 0 | check "granter judged without foreign=1" 1 "FAIL harness/granter-ready"
skeleton | conf foreign 1 | conf load-cycles 0 | check "foreign=1 without a granter" 1 "FAIL harness/granter-ready"
skeleton | foreign | sed 's/^HARNESS: granter-gone ok/HARNESS-FAIL: granter-gone: Xen still holds more than dom0/' |
    check "granter lingers" 1 "FAIL harness/granter-gone"
skeleton | foreign | sed 's/^HARNESS: fpu-state ok: \(.*\) 0 register lanes changed/HARNESS-FAIL: fpu-state: \1 9 register lanes changed/' |
    check "dom0 loses vector registers" 1 "FAIL harness/fpu-state"
skeleton | foreign | sed 's/^HARNESS: stress ok.*/HARNESS-FAIL: stress: seed 1764110000, 60 s: stress: FAIL (2 errors)/' |
    check "foreign stress fails" 1 "FAIL harness/foreign-stress"

# Errors: what could not be judged.
skeleton | sed 's/^ok 2 - beta/not ok 2 - beta # ERROR no granter to map from/; s/^2 passed, 0 failed, 1 skipped, 0 errors/1 passed, 0 failed, 1 skipped, 1 errors/; s/toolkit-exit rc=0/toolkit-exit rc=1/' |
    check "scenario error" 1 "ERROR gntdev-test/2 - beta"
grep -q '<error message="no granter to map from">' "$tmp/junit.xml" ||
    { echo "not ok - scenario error: no <error> with the reason in junit.xml"; fail=$((fail + 1)); }
skeleton | sed 's/^ok 2 - beta/not ok 2 - beta # ERROR no granter/; s/^2 passed, 0 failed, 1 skipped, 0 errors/1 passed, 1 failed, 1 skipped, 0 errors/; s/toolkit-exit rc=0/toolkit-exit rc=1/' |
    check "toolkit counts an error as a failure" 1 "FAIL harness/toolkit-completed"
skeleton | sed -n '1,3p' | check "dom0 never reached init" 1 "ERROR harness/boot"
grep -q 'errors="[1-9]' "$tmp/junit.xml" ||
    { echo "not ok - dom0 never reached init: no errors count in junit.xml"; fail=$((fail + 1)); }
: | check "empty log" 1 "ERROR harness/xen-log-clean"
skeleton | grep -v '^HARNESS: toolkit-start' | check "toolkit never started" 1 "ERROR harness/toolkit-completed"
skeleton | sed '/^1\.\.3/,/^2 passed/d' | check "toolkit printed no TAP" 1 "ERROR harness/toolkit-completed"
skeleton | sed '/^HARNESS: toolkit-start/,$d' | check "timeout before the toolkit" 1 "ERROR harness/run-completed" TIMED_OUT=1
skeleton | sed '/^HARNESS: load-cycles/,$d' | sed '/^HARNESS: toolkit-exit/d' |
    check "cycles not reached when the toolkit hung" 1 "ERROR harness/load-cycles"
# The channel stays empty although /init ran (ttyS1 missing).
skeleton | check_no_channel "no verdict channel" 1 "ERROR harness/boot"

echo "$pass passed, $fail failed, 0 skipped, 0 errors"
[ "$fail" -eq 0 ]
