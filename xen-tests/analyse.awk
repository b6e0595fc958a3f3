# analyse.awk: turn one harness run into verdicts.  Loaded after junit.awk.
#
# Input, two files, each announced by a `part=` assignment before it:
#   part=channel  the verdict channel (verdicts.log): what dom0's /init
#                 printed, and nothing else: its "HARNESS..." lines
#                 (init.sh lists them), the run's facts in its
#                 "HARNESS: config ..." line and the toolkit's TAP
#   part=console  the serial console (serial.log): Xen's "(XEN) ..." lines,
#                 the dom0 kernel's "[   1.234567] ..." lines, a copy of the
#                 channel and, with a granter domU, its console as
#                 "  | domU: ..." lines; only Xen's and the kernel's lines
#                 are judged here, the rest serves as evidence
# Variables (-v): junit (output path); bad_ere (the file of bad kernel-log
# lines, tools/gntdev-test/kernel-log-bad.ere); and what only the host
# knows, which a re-judge of a saved log may leave out: timed_out (0/1),
# timeout (seconds), qemu_rc, elapsed (seconds).
# Output: report()'s (junit.awk).  Exit status 1 if anything failed or
# could not be judged, 2 if bad_ere cannot be read.
#
# Written for plain POSIX awk (Debian minbase has only mawk).

# Lines `to - k + 1` .. `to` of the console (tail_ev) or the channel
# (ctail_ev), as evidence.
function tail_ev(to, k,    i, s) {
    s = ""
    if (to > n) to = n
    for (i = (to - k + 1 > 1 ? to - k + 1 : 1); i <= to; i++) s = s L[i] "\n"
    return s
}
function ctail_ev(to, k,    i, s) {
    s = ""
    if (to > nc) to = nc
    for (i = (to - k + 1 > 1 ? to - k + 1 : 1); i <= to; i++) s = s C[i] "\n"
    return s
}
# The channel's HARNESS-FAIL line `at` and the "  | ..." evidence below it
# (at most `k` lines).
function fail_ev(at, k,    i, s) {
    s = C[at] "\n"
    for (i = at + 1; i <= nc && k > 0 && C[i] ~ /^  \| /; i++) { s = s C[i] "\n"; k-- }
    return s
}
function is_xen(s) { return s ~ /^\(XEN\)/ }
function is_kernel(s) { return s ~ /^\[ *[0-9]+\.[0-9]+\] / }
# cfg_value(key, dflt): the value of key= in the run's config line.
function cfg_value(key, dflt,    i, w, m) {
    m = split(config, w, " ")
    for (i = 1; i <= m; i++) if (index(w[i], key "=") == 1) return substr(w[i], length(key) + 2)
    return dflt
}

BEGIN {
    # dom0 kernel trouble: the toolkit's list, one ERE a line.  Matched only
    # on kernel log lines (with printk timestamps) so that a test name or a
    # toolkit message cannot trigger it.
    while ((r = (getline e < bad_ere)) > 0)
        if (e !~ /^#/ && e !~ /^[ \t]*$/) dom0_bad = dom0_bad (dom0_bad == "" ? "" : "|") "(" e ")"
    if (r < 0 || dom0_bad == "") {
        printf "analyse.awk: cannot read the bad kernel-log lines from '%s'\n", bad_ere > "/dev/stderr"
        fatal = 1; exit 2
    }
    close(bad_ere)
    # Xen trouble, on "(XEN)" lines only.
    xen_bad = "Panic on CPU|Domain 0 crashed|Dom0 crashed|domain_crash|Xen BUG at|" \
              "Xen WARN at|FATAL TRAP|Assertion '|Fatal page fault"
    in_tk = 0; tk_start = 0; tk_exit = 0; done = 0; nv = 0
}

{ gsub(/\r/, "") }

part == "console" {
    L[++n] = $0
    if (is_xen($0)) {
        if ($0 ~ /Xen version/) saw_xen = 1
        if ($0 ~ xen_bad) { xen_ev = xen_ev $0 "\n"; if (!xen_first) xen_first = n }
    } else if (is_kernel($0)) {
        if ($0 ~ /Linux version/) saw_linux = 1
        # "traps: prog[pid] general protection fault ip:..." is a user
        # process's fault, which that process's own checks judge.
        if ($0 ~ dom0_bad && $0 !~ /\] traps: [^ ]+\[[0-9]+\] / && !($0 in seen_bad)) {
            seen_bad[$0] = 1
            k_ev = k_ev $0 "\n"
            if (!k_first) k_first = n
        }
    } else if ($0 ~ /^HARNESS: init-start/) console_init = 1
    next
}

part == "channel" {
    C[++nc] = line = $0
    if (line ~ /^HARNESS: init-start/) saw_init = nc
    if (line ~ /^HARNESS: config /) config = substr(line, 17)
    if (line ~ /^HARNESS-FAIL: /) setup_fail = setup_fail line "\n"
    if (line ~ /^HARNESS: modules-loaded/) saw_mods = nc
    if (line ~ /^HARNESS: device \/dev\/xen\/gntdev ok/) saw_dev = nc
    if (line ~ /^HARNESS: gntdev-module /) ident = line
    if (line ~ /^HARNESS: dmesg: /) dmesg_ev = dmesg_ev line "\n"
    if (line ~ /^HARNESS: toolkit-start/) { tk_start = nc; in_tk = 1; last_v = nc; next }
    if (line ~ /^HARNESS: toolkit-exit rc=/) {
        tk_exit = nc; in_tk = 0; tk_rc = line; sub(/.*rc=/, "", tk_rc); next
    }
    if (line ~ /^HARNESS-DONE rc=/) done = nc
    if (line ~ /^HARNESS: load-cycles ok/) cycles_ok = line
    if (line ~ /^HARNESS-FAIL: load-cycles/) cycles_fail = nc
    if (line ~ /^HARNESS: leak-check /) leak = line
    if (line ~ /^HARNESS-FAIL: leak-check/) leak_fail = nc
    if (line ~ /^HARNESS: granter domid=/) granter_ok = line
    if (line ~ /^HARNESS-FAIL: granter-ready/) granter_fail = nc
    if (line ~ /^HARNESS: granter-gone ok/) gone_ok = nc
    if (line ~ /^HARNESS-FAIL: granter-gone/) gone_fail = nc
    if (line ~ /^HARNESS: stress ok/) stress_ok = nc
    if (line ~ /^HARNESS-FAIL: stress/) stress_fail = nc
    if (line ~ /^HARNESS: fpu-state ok/) fpu_ok = nc
    if (line ~ /^HARNESS-FAIL: fpu-state/) fpu_fail = nc
    if (!in_tk) next

    # Inside the toolkit's output: TAP.  Its closing line is
    # "P passed, F failed, S skipped, E errors"; the toolkit's older form
    # "P passed, F failed[, S skipped]" (and gntdev-bench's) counts an error
    # as a failure.
    if (line ~ /^1\.\.[0-9]+/) { plan = substr(line, 4) + 0; next }
    if (line ~ /^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped(, [0-9]+ errors)?)?$/) {
        nw = split(line, w, /[ ,]+/); tk_passed = w[1] + 0; tk_failed = w[3] + 0
        tk_errors = nw == 8 ? w[7] + 0 : -1; tk_summary = line
        next
    }
    if (line ~ /^(not )?ok [0-9]+([ \t]|$)/) {
        nv++
        v_line[nv] = nc; v_from[nv] = last_v + 1; last_v = nc
    }
}

# Build the TAP testcase for verdict i: a "not ok" is a failure, or an
# error with the directive "# ERROR reason" (the scenario could not be
# judged); "ok ... # SKIP reason" a skip; TODO failures do not count.
function verdict(i,    s, num, name, dir, status, ok, from, to, j, ev, cnt, reason, before) {
    s = C[v_line[i]]
    ok = (s !~ /^not /)
    sub(/^(not )?ok /, "", s)
    num = s; sub(/[^0-9].*/, "", num)
    name = substr(s, length(num) + 1)
    dir = ""
    if (match(name, / # */)) { dir = substr(name, RSTART + RLENGTH); name = substr(name, 1, RSTART - 1) }
    sub(/^[ \t]*-?[ \t]*/, "", name); sub(/[ \t]+$/, "", name)
    if (name == "") name = "test " num
    status = ok ? "pass" : "fail"
    reason = C[v_line[i]]
    if (toupper(substr(dir, 1, 4)) == "SKIP") status = "skip"
    else if (toupper(substr(dir, 1, 4)) == "TODO") status = "pass"
    else if (!ok && toupper(substr(dir, 1, 5)) == "ERROR") status = "error"
    if (status == "skip" || status == "error") { reason = substr(dir, 5 + (status == "error")); sub(/^[ \t:]*/, "", reason) }
    if (status == "fail" || status == "error") {
        if (status == "fail") v_failed++; else v_errors++
        # Evidence: the verdict and its diagnostics ("# ..." and indented
        # lines) first, as a reader (and the terminal summary, which shows
        # only the first lines) needs them; then what the scenario printed
        # since the previous verdict's diagnostics, at most 30 lines.
        ev = C[v_line[i]] "\n"
        to = (i < nv) ? v_line[i + 1] : (tk_exit ? tk_exit : nc + 1)
        for (j = v_line[i] + 1; j < to && j <= v_line[i] + 60 && C[j] ~ /^([ \t]*#|  )/; j++) ev = ev C[j] "\n"
        from = v_from[i]
        if (i > 1) while (from < v_line[i] && C[from] ~ /^[ \t]*#/) from++
        if (v_line[i] - from > 30) from = v_line[i] - 30
        before = ""
        for (j = from; j < v_line[i]; j++) before = before C[j] "\n"
        if (before != "") ev = ev "--- output of the scenario before its verdict:\n" before
        add("gntdev-test", num " - " name, status, reason, ev)
    } else if (status == "skip") {
        v_skipped++
        add("gntdev-test", num " - " name, "skip", reason, "")
    } else {
        if (ok) v_ok++
        add("gntdev-test", num " - " name, "pass", "", "")
    }
    if (ok) v_okall++
}

# after_toolkit(name, ok, fail_at, fail_msg, none_msg, k): a stage after the
# toolkit: passed (ok), failed with HARNESS-FAIL at fail_at (evidence: up to
# k lines below it), not reached since the toolkit did not finish, or
# silent although reached (the run hung or died in it).
function after_toolkit(name, ok, fail_at, fail_msg, none_msg, k) {
    if (fail_at) add("harness", name, "fail", fail_msg, fail_ev(fail_at, k))
    else if (ok) add("harness", name, "pass")
    else if (!tk_exit) add("harness", name, "error", "not reached: see toolkit-completed")
    else add("harness", name, "fail", none_msg, tail_ev(n, 20))
}

END {
    if (fatal) exit 2
    # The run's facts, from its config line; a log without one never
    # reached /init, and only the first testcases are judged.
    expect = cfg_value("gntdev", "ours")
    srcversion = cfg_value("srcversion", "-")
    load_cycles = cfg_value("load-cycles", 0) + 0
    foreign = cfg_value("foreign", 0) + 0
    reached = "not reached: see the boot testcase"

    # 1. boot: Xen up, dom0 kernel up, /init running and its channel open.
    if (saw_init) add("harness", "boot", "pass")
    else {
        msg = !saw_xen ? "Xen did not start" : (!saw_linux ? "dom0 kernel did not start" : \
              (console_init ? "dom0 /init ran, but its verdict channel (verdicts.log) stayed empty" : \
               "dom0 /init was not reached"))
        add("harness", "boot", "error", msg, tail_ev(n, 40))
    }

    # 2. modules loaded and /dev/xen/gntdev present.
    if (!saw_init) add("harness", "modules-loaded", "error", reached)
    else if (saw_mods && saw_dev) add("harness", "modules-loaded", "pass")
    else add("harness", "modules-loaded", "fail",
             setup_fail != "" ? "module set-up failed" : "modules-loaded/device markers missing",
             setup_fail tail_ev(n, 20))

    # 3. the gntdev module in dom0 is the one we meant to test.
    tname = "gntdev-is-" expect
    if (ident == "") add("harness", tname, saw_dev ? "fail" : "error", saw_dev ? "no gntdev-module marker" : reached)
    else {
        b = ident; sub(/.* banner=/, "", b); sub(/ .*/, "", b)
        t = ident; sub(/.* taint=/, "", t); sub(/ .*/, "", t)
        sv = ident; sub(/.* srcversion=/, "", sv); sub(/ .*/, "", sv)
        why = ""
        if (expect == "ours") {
            if (b != "yes") why = "our banner (gntdev ... interval-notifier) is missing from dmesg"
            else if (srcversion != "-" && sv != "-" && sv != srcversion)
                why = "srcversion " sv " in dom0 differs from the host's .ko (" srcversion ")"
        } else {
            if (b == "yes") why = "stock run, but our banner is in dmesg"
            else if (t ~ /O/) why = "stock run, but the module is out-of-tree (taint " t ")"
        }
        if (why == "") add("harness", tname, "pass", "", "")
        else add("harness", tname, "fail", why, ident "\n" dmesg_ev)
    }

    # 3b. FOREIGN=1: the granter domU's agent listened before the toolkit ran.
    foreign = foreign || granter_ok != "" || granter_fail || gone_ok || gone_fail
    if (foreign) {
        if (granter_ok != "") add("harness", "granter-ready", "pass")
        else if (granter_fail) add("harness", "granter-ready", "fail", "the granter's agent was not ready",
                                   fail_ev(granter_fail, 60))
        else add("harness", "granter-ready", saw_dev ? "fail" : "error", saw_dev ? "no granter marker" : reached,
                 tail_ev(n, 20))
        # dom0's processes kept their vector registers beside the granter.
        if (fpu_fail) add("harness", "fpu-state", "fail", "dom0 lost vector registers while a domU ran",
                          fail_ev(fpu_fail, 5))
        else if (fpu_ok) add("harness", "fpu-state", "pass")
        else if (granter_ok != "") add("harness", "fpu-state", "fail", "no fpu-state marker", tail_ev(n, 20))
    }

    # 4. one testcase per TAP verdict.
    for (i = 1; i <= nv; i++) verdict(i)

    # 5. the toolkit ran to the end and its closing line matches what we
    # saw; a toolkit that never started, or printed no verdict, leaves the
    # run unjudged.
    why = ""; st = "fail"
    if (!tk_start) { why = saw_init ? "toolkit never started" : reached; st = "error" }
    else if (!tk_exit) why = "toolkit did not finish (no toolkit-exit marker)"
    else if (nv == 0) { why = "toolkit printed no TAP verdicts"; st = "error" }
    else if (tk_summary == "") why = "toolkit printed no 'P passed, F failed, S skipped, E errors' line"
    else if (tk_errors < 0 && tk_failed != v_failed + v_errors) why = "toolkit reports " tk_failed " failed, harness saw " v_failed + v_errors " 'not ok' lines"
    else if (tk_errors >= 0 && tk_failed != v_failed + 0) why = "toolkit reports " tk_failed " failed, harness saw " v_failed + 0 " failed verdicts"
    else if (tk_errors >= 0 && tk_errors != v_errors + 0) why = "toolkit reports " tk_errors " errors, harness saw " v_errors + 0 " '# ERROR' verdicts"
    else if (tk_passed != v_okall + 0 && tk_passed != v_ok + 0) why = "toolkit reports " tk_passed " passed, harness saw " v_okall + 0 " 'ok' lines"
    else if (plan && plan != nv) why = "plan 1.." plan " but " nv " verdicts"
    else if (tk_rc != 0 && v_failed + v_errors == 0) why = "toolkit exited rc=" tk_rc " without a failed verdict"
    if (why == "") add("harness", "toolkit-completed", "pass")
    else add("harness", "toolkit-completed", st, why,
             (tk_summary != "" ? tk_summary "\n" : "") (tk_exit ? ctail_ev(tk_exit, 20) : tail_ev(n, 20)))

    # 5a. FOREIGN=1: the stress run over the granter's pages passed, and
    # after the granter's xl destroy, Xen held dom0 alone.
    if (foreign) {
        after_toolkit("foreign-stress", stress_ok, stress_fail, "gntdev-test stress failed", "no stress marker", 40)
        after_toolkit("granter-gone", gone_ok, gone_fail, "a domain besides dom0 outlived the granter's xl destroy",
                      "no granter-gone marker", 40)
    }

    # 5b. the module survived LOAD_CYCLES unloads and reloads, without leaks.
    if (load_cycles) {
        after_toolkit("load-cycles", cycles_ok != "", cycles_fail, "a load cycle failed", "no load-cycles marker", 25)
        if (leak ~ /leak-check skip/) add("harness", "leak-check", "skip", substr(leak, 26))
        else after_toolkit("leak-check", leak ~ /leak-check ok/, leak_fail, "kmemleak found unreferenced objects",
                           "no leak-check marker", 62)
    }

    # 6. dom0 kernel log clean (only meaningful once dom0 started).
    if (k_ev != "") {
        ctx = ""
        for (i = k_first + 1; i <= n && i <= k_first + 25 && L[i] !~ /^HARNESS: dmesg-tail/; i++)
            if (is_kernel(L[i])) ctx = ctx L[i] "\n"
        add("harness", "kernel-log-clean", "fail", "dom0 kernel reported a problem", k_ev (ctx != "" ? "--- first report:\n" ctx : ""))
    } else if (!saw_linux) add("harness", "kernel-log-clean", "error", reached)
    else add("harness", "kernel-log-clean", "pass")

    # 7. Xen log clean.
    if (xen_ev != "") add("harness", "xen-log-clean", "fail", "Xen reported a crash", xen_ev "---\n" tail_ev(xen_first + 20, 40))
    else if (!saw_xen) add("harness", "xen-log-clean", "error", "Xen did not start")
    else add("harness", "xen-log-clean", "pass")

    # 8. the run reached its final marker and QEMU exited by itself; a
    # timeout before the toolkit started leaves the run unjudged.
    if (timed_out) add("harness", "run-completed", tk_start ? "fail" : "error", "timed out after " timeout " s", tail_ev(n, 30))
    else if (!done) add("harness", "run-completed", saw_init ? "fail" : "error",
                        "no HARNESS-DONE marker (QEMU exit status " qemu_rc ")", tail_ev(n, 30))
    else if (qemu_rc != 0) add("harness", "run-completed", "fail", "QEMU exit status " qemu_rc, tail_ev(n, 10))
    else add("harness", "run-completed", "pass")

    exit report(junit, "gntdev-xen-" expect, elapsed)
}
