# junit.awk: the harness's one JUnit writer, loaded (-f) before the program
# that judges: analyse.awk for a run, or run.sh's early_fail for a run that
# could not boot.  Plain POSIX awk (the harness runs mawk).
#
#   add(class, name, status, msg, ev)  record a testcase; status is pass,
#                                      fail (the thing tested is wrong),
#                                      error (it could not be judged) or skip;
#                                      msg says why, ev is the evidence
#   report(junit, suite, elapsed)      write the JUnit XML to the file junit;
#                                      print a FAIL or ERROR block per such
#                                      testcase and the closing line
#                                      "P passed, F failed, S skipped, E errors";
#                                      return 1 if F or E is not 0, else 0

function add(class, name, status, msg, ev) {
    ntc++
    tc_class[ntc] = class; tc_name[ntc] = name; tc_status[ntc] = status
    tc_msg[ntc] = msg; tc_ev[ntc] = ev
}

# xesc(s): s for an XML attribute or text node.  Run under LC_ALL=C, so
# non-ASCII bytes from the serial line are single bytes here and dropped.
function xesc(s) {
    gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s)
    gsub(/"/, "\\&quot;", s)
    gsub(/[\001-\010\013\014\016-\037\177-\377]/, "", s)    # XML 1.0 forbids these
    return s
}

function report(junit, suite, elapsed,    i, j, m, n, evl, tag, st) {
    n["pass"] = n["fail"] = n["error"] = n["skip"] = 0
    for (i = 1; i <= ntc; i++) n[tc_status[i]]++
    printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" > junit
    printf "<testsuites>\n<testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%s\">\n",
        xesc(suite), ntc, n["fail"], n["error"], n["skip"], elapsed + 0 > junit
    for (i = 1; i <= ntc; i++) {
        st = tc_status[i]
        printf "  <testcase classname=\"%s\" name=\"%s\"", xesc(tc_class[i]), xesc(tc_name[i]) > junit
        if (st == "pass") { printf "/>\n" > junit; continue }
        printf ">\n" > junit
        if (st == "skip") printf "    <skipped message=\"%s\"/>\n", xesc(tc_msg[i]) > junit
        else {
            tag = st == "fail" ? "failure" : "error"
            printf "    <%s message=\"%s\">%s</%s>\n", tag, xesc(tc_msg[i]), xesc(tc_ev[i]), tag > junit
        }
        printf "  </testcase>\n" > junit
    }
    printf "</testsuite>\n</testsuites>\n" > junit
    close(junit)

    for (i = 1; i <= ntc; i++) {
        st = tc_status[i]
        if (st != "fail" && st != "error") continue
        printf "%s %s/%s: %s\n", st == "fail" ? "FAIL" : "ERROR", tc_class[i], tc_name[i], tc_msg[i]
        # Evidence, abridged for the terminal: the head (what matched) and
        # the tail (where the log ended); junit.xml has it all.
        m = split(tc_ev[i], evl, "\n")
        if (m > 0 && evl[m] == "") m--
        for (j = 1; j <= m; j++) {
            if (m > 16 && j == 11) { printf "    | ... (%d lines omitted, see junit.xml)\n", m - 15; j = m - 5; continue }
            printf "    | %s\n", evl[j]
        }
    }
    printf "%d passed, %d failed, %d skipped, %d errors\n", n["pass"], n["fail"], n["skip"], n["error"]
    return n["fail"] + n["error"] > 0
}
