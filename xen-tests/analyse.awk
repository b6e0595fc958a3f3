# analyse.awk: turn the serial log of one harness run into verdicts.
#
# Input: the serial log (Xen lines "(XEN) ...", dom0 kernel lines
# "[   1.234567] ...", init.sh's "HARNESS..." markers, the toolkit's TAP and,
# with a granter domU, its console as "  | domU: ..." lines, which are
# neither dom0 kernel lines nor TAP).
# Variables (-v): junit (output path), expect (ours|stock), srcversion (of
# our .ko on the host, may be empty), timed_out (0/1), timeout (seconds),
# qemu_rc, elapsed (seconds), load_cycles (0: none were due), foreign (1: a
# granter domU was due; granter markers in the log say so too), suite
# (testsuite name).
# Output: JUnit XML in `junit`; on stdout one "FAIL ..." block per failed
# testcase and the final "N passed, N failed, N skipped" line.  Exit status
# 1 if anything failed.
#
# Written for plain POSIX awk (Debian minbase has only mawk).

function add(class, name, status, msg, ev) {
    ntc++
    tc_class[ntc] = class; tc_name[ntc] = name; tc_status[ntc] = status
    tc_msg[ntc] = msg; tc_ev[ntc] = ev
}
function xesc(s) {
    gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s)
    gsub(/"/, "\\&quot;", s)
    gsub(ctl, "", s)        # bytes XML 1.0 forbids, and non-ASCII junk
    return s
}
# Last `k` lines of the log up to line `to`, as evidence.
function tail_ev(to, k,    i, s) {
    s = ""
    for (i = (to - k + 1 > 1 ? to - k + 1 : 1); i <= to; i++) s = s L[i] "\n"
    return s
}
# The HARNESS-FAIL line `at` and the "  | ..." evidence below it (at most
# `k` lines; Xen's and the kernel's lines in between are left out).
function fail_ev(at, k,    i, s) {
    s = L[at] "\n"
    for (i = at + 1; i <= n && k > 0; i++) {
        if (L[i] ~ /^  \| /) { s = s L[i] "\n"; k-- }
        else if (!is_xen(L[i]) && !is_kernel(L[i])) break
    }
    return s
}
function is_xen(s) { return s ~ /^\(XEN\)/ }
function is_kernel(s) { return s ~ /^\[ *[0-9]+\.[0-9]+\] / }

BEGIN {
    ctl = "[\001-\010\013\014\016-\037\177-\377]"
    # dom0 kernel trouble.  Matched only on kernel log lines (with printk
    # timestamps) so a test name or toolkit message cannot trigger it.
    dom0_bad = "Oops|BUG:|WARNING:|Bad page map|Bad page state|general protection fault|" \
               "Kernel panic|possible circular locking|possible recursive locking|" \
               "inconsistent lock state|suspicious RCU usage|nable to handle|soft lockup|" \
               "hard LOCKUP|blocked for more than|detected stall|list_(add|del) corruption|" \
               "UBSAN:|KASAN:|kernel BUG at|double fault"
    # Xen trouble, on "(XEN)" lines only.
    xen_bad = "Panic on CPU|Domain 0 crashed|Dom0 crashed|domain_crash|Xen BUG at|" \
              "Xen WARN at|FATAL TRAP|Assertion '|Fatal page fault"
    in_tk = 0; tk_start = 0; tk_exit = 0; done = 0; nv = 0
}

{
    gsub(/\r/, "")
    L[++n] = $0
    line = $0
    if (is_xen(line)) {
        if (line ~ /Xen version/) saw_xen = 1
        if (line ~ xen_bad) { xen_ev = xen_ev line "\n"; if (!xen_first) xen_first = n }
        next
    }
    if (is_kernel(line)) {
        if (line ~ /Linux version/) saw_linux = 1
        # "traps: prog[pid] general protection fault ip:..." is a user
        # process's fault, which that process's own checks judge.
        if (line ~ dom0_bad && line !~ /\] traps: [^ ]+\[[0-9]+\] / && !(line in seen_bad)) {
            seen_bad[line] = 1
            k_ev = k_ev line "\n"
            if (!k_first) k_first = n
        }
    }
    if (line ~ /^HARNESS: init-start/) saw_init = n
    if (line ~ /^HARNESS-FAIL: /) setup_fail = setup_fail line "\n"
    if (line ~ /^HARNESS: modules-loaded/) saw_mods = n
    if (line ~ /^HARNESS: device \/dev\/xen\/gntdev ok/) saw_dev = n
    if (line ~ /^HARNESS: gntdev-module /) ident = line
    if (line ~ /^HARNESS: toolkit-start/) { tk_start = n; in_tk = 1; last_v = n; next }
    if (line ~ /^HARNESS: toolkit-exit rc=/) {
        tk_exit = n; in_tk = 0; tk_rc = line; sub(/.*rc=/, "", tk_rc); next
    }
    if (line ~ /^HARNESS-DONE rc=/) { done = n; done_rc = line; sub(/.*rc=/, "", done_rc) }
    if (line ~ /^HARNESS: load-cycles ok/) cycles_ok = line
    if (line ~ /^HARNESS-FAIL: load-cycles/) { cycles_fail = n }
    if (line ~ /^HARNESS: leak-check /) leak = line
    if (line ~ /^HARNESS-FAIL: leak-check/) { leak_fail = n }
    if (line ~ /^HARNESS: granter domid=/) granter_ok = line
    if (line ~ /^HARNESS-FAIL: granter-ready/) granter_fail = n
    if (line ~ /^HARNESS: granter-gone ok/) gone_ok = n
    if (line ~ /^HARNESS-FAIL: granter-gone/) gone_fail = n
    if (line ~ /^HARNESS: stress ok/) stress_ok = n
    if (line ~ /^HARNESS: fpu-state ok/) fpu_ok = n
    if (line ~ /^HARNESS-FAIL: fpu-state/) fpu_fail = n
    if (line ~ /^HARNESS-FAIL: stress/) stress_fail = n
    if (!in_tk) next

    # Inside the toolkit's output: TAP.
    if (line ~ /^1\.\.[0-9]+/) { plan = substr(line, 4) + 0; next }
    if (line ~ /^[0-9]+ passed, [0-9]+ failed/) {
        split(line, w, /[ ,]+/); tk_passed = w[1] + 0; tk_failed = w[3] + 0; tk_summary = line
        next
    }
    if (line ~ /^(not )?ok [0-9]+([ \t]|$)/) {
        nv++
        v_line[nv] = n; v_from[nv] = last_v + 1; last_v = n
    }
}

# Build the TAP testcase for verdict i.
function verdict(i,    s, num, name, dir, status, ok, from, to, j, ev, cnt, reason, before) {
    s = L[v_line[i]]
    ok = (s !~ /^not /)
    sub(/^(not )?ok /, "", s)
    num = s; sub(/[^0-9].*/, "", num)
    name = substr(s, length(num) + 1)
    dir = ""
    if (match(name, / # */)) { dir = substr(name, RSTART + RLENGTH); name = substr(name, 1, RSTART - 1) }
    sub(/^[ \t]*-?[ \t]*/, "", name); sub(/[ \t]+$/, "", name)
    if (name == "") name = "test " num
    status = ok ? "pass" : "fail"
    if (toupper(substr(dir, 1, 4)) == "SKIP") { status = "skip"; reason = substr(dir, 5); sub(/^[ \t:]*/, "", reason) }
    else if (toupper(substr(dir, 1, 4)) == "TODO") status = "pass"     # TAP: TODO failures do not count
    if (status == "fail") {
        v_failed++
        # Evidence: what the scenario printed since the previous verdict's
        # diagnostics (minus Xen's console, e.g. grant-table dumps), the
        # verdict, and the TAP diagnostics ("# ...") that follow it.
        ev = ""; cnt = 0
        from = v_from[i]
        if (i > 1) while (from < v_line[i] && (L[from] ~ /^[ \t]*#/ || is_xen(L[from]))) from++
        for (j = v_line[i] - 1; j >= from && cnt < 30; j--) if (!is_xen(L[j])) cnt++
        before = ""
        for (j++; j < v_line[i]; j++) if (!is_xen(L[j])) before = before L[j] "\n"
        # The verdict and its diagnostics first: they are what a reader
        # (and the terminal summary, which shows only the first lines) needs.
        ev = L[v_line[i]] "\n"
        to = (i < nv) ? v_line[i + 1] : (tk_exit ? tk_exit : n + 1)
        for (j = v_line[i] + 1; j < to && j <= v_line[i] + 60; j++)
            if (L[j] ~ /^[ \t]*#/ || L[j] ~ /^  /) ev = ev L[j] "\n"; else if (!is_xen(L[j]) && !is_kernel(L[j])) break
        if (before != "") ev = ev "--- output of the scenario before its verdict:\n" before
        add("gntdev-test", num " - " name, "fail", L[v_line[i]], ev)
    } else if (status == "skip") {
        v_skipped++
        add("gntdev-test", num " - " name, "skip", reason, "")
    } else {
        if (ok) v_ok++
        add("gntdev-test", num " - " name, "pass", "", "")
    }
    if (ok) v_okall++
}

END {
    reached = "not reached: see the boot testcase"

    # 1. boot: Xen up, dom0 kernel up, /init running.
    if (saw_init) add("harness", "boot", "pass")
    else {
        msg = !saw_xen ? "Xen did not start" : (!saw_linux ? "dom0 kernel did not start" : "dom0 /init was not reached")
        add("harness", "boot", "fail", msg, tail_ev(n, 40))
    }

    # 2. modules loaded and /dev/xen/gntdev present.
    if (!saw_init) add("harness", "modules-loaded", "fail", reached)
    else if (saw_mods && saw_dev) add("harness", "modules-loaded", "pass")
    else add("harness", "modules-loaded", "fail",
             setup_fail != "" ? "module set-up failed" : "modules-loaded/device markers missing",
             setup_fail tail_ev(n, 20))

    # 3. the gntdev module in dom0 is the one we meant to test.
    tname = "gntdev-is-" expect
    if (ident == "") add("harness", tname, "fail", saw_dev ? "no gntdev-module marker" : reached)
    else {
        b = ident; sub(/.* banner=/, "", b); sub(/ .*/, "", b)
        t = ident; sub(/.* taint=/, "", t); sub(/ .*/, "", t)
        sv = ident; sub(/.* srcversion=/, "", sv); sub(/ .*/, "", sv)
        why = ""
        if (expect == "ours") {
            if (b != "yes") why = "our banner (gntdev ... interval-notifier) is missing from dmesg"
            else if (srcversion != "" && sv != "-" && sv != srcversion)
                why = "srcversion " sv " in dom0 differs from the host's .ko (" srcversion ")"
        } else {
            if (b == "yes") why = "stock run, but our banner is in dmesg"
            else if (t ~ /O/) why = "stock run, but the module is out-of-tree (taint " t ")"
        }
        ev = ident "\n"
        for (i = 1; i <= n; i++) if (L[i] ~ /^HARNESS: dmesg: /) ev = ev L[i] "\n"
        if (why == "") add("harness", tname, "pass", "", "")
        else add("harness", tname, "fail", why, ev)
    }

    # 3b. FOREIGN=1: the granter domU's agent listened before the toolkit ran.
    foreign = foreign || granter_ok != "" || granter_fail || gone_ok || gone_fail
    if (foreign) {
        if (granter_ok != "") add("harness", "granter-ready", "pass")
        else if (granter_fail) add("harness", "granter-ready", "fail", "the granter's agent was not ready",
                                   fail_ev(granter_fail, 60))
        else add("harness", "granter-ready", "fail", saw_dev ? "no granter marker" : reached, tail_ev(n, 20))
        # dom0's processes kept their vector registers beside the granter.
        if (fpu_fail) add("harness", "fpu-state", "fail", "dom0 lost vector registers while a domU ran",
                          fail_ev(fpu_fail, 5))
        else if (fpu_ok) add("harness", "fpu-state", "pass")
        else if (granter_ok != "") add("harness", "fpu-state", "fail", "no fpu-state marker", tail_ev(n, 20))
    }

    # 4. one testcase per TAP verdict.
    for (i = 1; i <= nv; i++) verdict(i)

    # 5. the toolkit ran to the end and its summary matches what we saw.
    why = ""
    if (!tk_start) why = saw_init ? "toolkit never started" : reached
    else if (!tk_exit) why = "toolkit did not finish (no toolkit-exit marker)"
    else if (nv == 0) why = "toolkit printed no TAP verdicts"
    else if (tk_summary == "") why = "toolkit printed no 'N passed, N failed' line"
    else if (tk_failed != v_failed + 0) why = "toolkit reports " tk_failed " failed, harness saw " v_failed + 0 " 'not ok' lines (garbled console?)"
    else if (tk_passed != v_okall + 0 && tk_passed != v_ok + 0) why = "toolkit reports " tk_passed " passed, harness saw " v_okall + 0 " 'ok' lines (garbled console?)"
    else if (plan && plan != nv) why = "plan 1.." plan " but " nv " verdicts"
    else if (tk_rc != 0 && v_failed == 0) why = "toolkit exited rc=" tk_rc " without a failed verdict"
    if (why == "") add("harness", "toolkit-completed", "pass")
    else add("harness", "toolkit-completed", "fail", why,
             (tk_summary != "" ? tk_summary "\n" : "") tail_ev(tk_exit ? tk_exit : n, 20))

    # 5a. FOREIGN=1: the stress run over the granter's pages passed, and
    # after the granter's xl destroy, Xen held dom0 alone.
    if (foreign) {
        if (stress_fail) add("harness", "foreign-stress", "fail", "gntdev-test stress failed",
                             fail_ev(stress_fail, 40))
        else if (stress_ok) add("harness", "foreign-stress", "pass")
        else add("harness", "foreign-stress", "fail", "no stress marker", tail_ev(n, 20))
        if (gone_fail) add("harness", "granter-gone", "fail", "a domain besides dom0 outlived the granter's xl destroy",
                           fail_ev(gone_fail, 40))
        else if (gone_ok) add("harness", "granter-gone", "pass")
        else add("harness", "granter-gone", "fail", "no granter-gone marker", tail_ev(n, 20))
    }

    # 5b. the module survived LOAD_CYCLES unloads and reloads, without leaks.
    if (load_cycles) {
        if (cycles_ok != "") add("harness", "load-cycles", "pass")
        else add("harness", "load-cycles", "fail",
                 cycles_fail ? "a load cycle failed" : "no load-cycles marker",
                 tail_ev(cycles_fail ? cycles_fail + 20 : n, 25))
        if (leak ~ /leak-check ok/) add("harness", "leak-check", "pass")
        else if (leak ~ /leak-check skip/) add("harness", "leak-check", "skip", substr(leak, 26))
        else add("harness", "leak-check", "fail",
                 leak_fail ? "kmemleak found unreferenced objects" : "no leak-check marker",
                 tail_ev(leak_fail ? leak_fail + 60 : n, 62))
    }

    # 6. dom0 kernel log clean (only meaningful once dom0 started).
    if (k_ev != "") {
        ctx = ""
        for (i = k_first + 1; i <= n && i <= k_first + 25 && L[i] !~ /^HARNESS: dmesg-tail/; i++)
            if (is_kernel(L[i])) ctx = ctx L[i] "\n"
        add("harness", "kernel-log-clean", "fail", "dom0 kernel reported a problem", k_ev (ctx != "" ? "--- first report:\n" ctx : ""))
    } else if (!saw_linux) add("harness", "kernel-log-clean", "fail", reached)
    else add("harness", "kernel-log-clean", "pass")

    # 7. Xen log clean.
    if (xen_ev != "") add("harness", "xen-log-clean", "fail", "Xen reported a crash", xen_ev "---\n" tail_ev(xen_first + 20 < n ? xen_first + 20 : n, 40))
    else if (!saw_xen) add("harness", "xen-log-clean", "fail", "Xen did not start")
    else add("harness", "xen-log-clean", "pass")

    # 8. the run reached its final marker and QEMU exited by itself.
    if (timed_out) add("harness", "run-completed", "fail", "timed out after " timeout " s", tail_ev(n, 30))
    else if (!done) add("harness", "run-completed", "fail", "no HARNESS-DONE marker (QEMU exit status " qemu_rc ")", tail_ev(n, 30))
    else if (qemu_rc != 0) add("harness", "run-completed", "fail", "QEMU exit status " qemu_rc, tail_ev(n, 10))
    else add("harness", "run-completed", "pass")

    # Write JUnit and the summary.
    for (i = 1; i <= ntc; i++) {
        if (tc_status[i] == "fail") nfail++
        else if (tc_status[i] == "skip") nskip++
        else npass++
    }
    printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" > junit
    printf "<testsuites>\n<testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%s\">\n",
        xesc(suite), ntc, nfail, nskip, elapsed + 0 > junit
    for (i = 1; i <= ntc; i++) {
        printf "  <testcase classname=\"%s\" name=\"%s\"", xesc(tc_class[i]), xesc(tc_name[i]) > junit
        if (tc_status[i] == "pass") { printf "/>\n" > junit; continue }
        printf ">\n" > junit
        if (tc_status[i] == "skip") printf "    <skipped message=\"%s\"/>\n", xesc(tc_msg[i]) > junit
        else printf "    <failure message=\"%s\">%s</failure>\n", xesc(tc_msg[i]), xesc(tc_ev[i]) > junit
        printf "  </testcase>\n" > junit
    }
    printf "</testsuite>\n</testsuites>\n" > junit
    close(junit)

    for (i = 1; i <= ntc; i++) if (tc_status[i] == "fail") {
        printf "FAIL %s/%s: %s\n", tc_class[i], tc_name[i], tc_msg[i]
        # Evidence, abridged for the terminal: the head (what matched) and
        # the tail (where the log ended); junit.xml has it all.
        m = split(tc_ev[i], evl, "\n")
        if (m > 0 && evl[m] == "") m--
        for (j = 1; j <= m; j++) {
            if (m > 16 && j == 11) { printf "    | ... (%d lines omitted, see junit.xml)\n", m - 15; j = m - 5; continue }
            printf "    | %s\n", evl[j]
        }
    }
    printf "%d passed, %d failed, %d skipped\n", npass, nfail, nskip
    exit nfail > 0 ? 1 : 0
}
