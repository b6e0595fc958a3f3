# shellcheck shell=bash disable=SC2034,SC2154  # key, OUT: the caller's; TMP, LOG, start: for it
# cached-build.sh: sourced by the builds that the harness caches by key
# (debug-kernel/build.sh, debug-xen/build.sh).  The caller defines msg,
# die, complete (is $OUT a finished result?), CACHE_ROOT, FRAGMENT, key
# and OUT.
#
# cache_key LINE...: the key of a build from the lines that decide its
# result and the caller's FRAGMENT (a config fragment).
cache_key() {
    { printf '%s\n' "$@"; echo "fragment:"; cat "$FRAGMENT"; } | sha256sum | cut -c1-16
}

# cached_build_begin: print the finished result's env and exit if there is
# one; otherwise take the cache's lock (waiting for a build in progress,
# whose result may then serve), clear what an interrupted build left, and
# set TMP (a fresh directory for this build), LOG (its build log) and start
# (its start time, in seconds).
cached_build_begin() {
    if complete; then
        cat "$OUT/env"
        exit 0
    fi
    { mkdir -p "$CACHE_ROOT" 2>/dev/null && [ -w "$CACHE_ROOT" ]; } ||
        die "cache dir $CACHE_ROOT not writable (run as root or set GNTDEV_CACHE)"
    exec 9>"$CACHE_ROOT/.lock"
    if ! flock -n 9; then
        msg "another build holds $CACHE_ROOT/.lock, waiting"
        flock 9
    fi
    if complete; then
        cat "$OUT/env"
        exit 0
    fi
    # A damaged result (files deleted by hand) is rebuilt from scratch, and
    # leftovers of interrupted builds go (we hold the lock: nobody uses them).
    rm -rf "$OUT"
    rm -rf "$CACHE_ROOT"/.tmp.* 2>/dev/null || true
    TMP=$CACHE_ROOT/.tmp.$key.$$
    mkdir -p "$TMP"
    LOG=$TMP/build.log
    : >"$LOG"
    start=$(date +%s)
}

# run CMD...: a build step, its output to the log; on failure the log's tail
# and the step.
run() {
    if ! "$@" >>"$LOG" 2>&1; then
        tail -n 40 "$LOG" >&2
        die "step failed: $* (full log: $LOG)"
    fi
}
