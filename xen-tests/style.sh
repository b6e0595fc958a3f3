#!/bin/bash
# style.sh: the module's static checks, as a suite lane (`make check`).
#
#   checkpatch --strict    on every source and header of the module: no
#                          error or warning, and no check but the one
#                          explained in ALLOWED below
#   W=1 C=1 build          against Debian's 6.1 headers and against its
#                          6.12 ones (unpacked by set-up): no compiler
#                          warning, and sparse, run by kbuild on every
#                          source, reports nothing
#   scenario table         docs/testing.md's table is what
#                          tools/gntdev-test/scenario-table.sh makes from
#                          `gntdev-test list --verbose` and
#                          docs/scenario-results.tsv (the toolkit must be
#                          built: make tools)
#
# checkpatch.pl comes from Debian's linux-source-6.1 tarball (set-up
# installs it), unpacked into xen-tests/out/style/; sparse is Debian's.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
# shellcheck source=SCRIPTDIR/defaults.sh
. "$here/defaults.sh"
out=$here/out/style
tarball=/usr/src/linux-source-6.1.tar.xz
KVER=${KVER:-$("$here/kver.sh")}

# Checks that are deliberate, as file:checkpatch type.  The ABI header
# spells the dma-buf flags (1 << n), as libxengnttab's xengnttab.h does:
# the toolkit includes both, and C takes a second definition of a macro
# only if it is identical.  (BIT() is not in the uapi headers either.)
ALLOWED=(
    "include/xen/gntdev.h:BIT_MACRO"
)

pass=0 fail=0
result() { # NAME OK EVIDENCE
    if [ "$2" = 1 ]; then echo "ok - $1"; pass=$((pass + 1))
    else echo "not ok - $1"; sed 's/^/    /' <<<"$3"; fail=$((fail + 1)); fi
}

mkdir -p "$out"
if [ ! -x "$out/scripts/checkpatch.pl" ]; then
    [ -f "$tarball" ] || { echo "style: no $tarball: run \`sudo make setup\`" >&2; exit 1; }
    tar -xf "$tarball" -C "$out" --strip-components=1 \
        --wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
        '*/scripts/const_structs.checkpatch'
fi
command -v sparse >/dev/null || { echo "style: no sparse: run \`sudo make setup\`" >&2; exit 1; }

cd "$repo"
# The module's own files only: not what kbuild generates next to them.
for f in $(git ls-files 'drivers/xen/*.c' 'include/xen/*.h'); do
    report=$("$out/scripts/checkpatch.pl" --no-tree --strict --terse \
             --show-types -f "$f" 2>&1 || true)
    problems=$(grep -E ': (ERROR|WARNING|CHECK):' <<<"$report" || true)
    for allowed in "${ALLOWED[@]}"; do
        [ "$f" = "${allowed%%:*}" ] || continue
        problems=$(grep -v ": CHECK:${allowed#*:}:" <<<"$problems" || true)
    done
    result "checkpatch --strict $f" "$([ -z "$problems" ] && echo 1 || echo 0)" "$problems"
done

# w1_build NAME HEADERS: a W=1 build, with sparse on each source (C=1), of
# a scratch copy (the checkout's own build is left alone) against the
# kernel headers in HEADERS; prints what is wrong, nothing if all is well.
# Sparse reports as the compiler does, with "warning:" or "error:".
w1_build() {
    local dir=$out/w1-$1 build
    rm -rf "$dir" && mkdir -p "$dir/drivers/xen"
    cp drivers/xen/Kbuild drivers/xen/*.c "$dir/drivers/xen/"
    cp -r include "$dir/"
    build=$(make -C "$2" M="$dir/drivers/xen" W=1 C=1 modules 2>&1) || true
    if [ -f "$dir/drivers/xen/xen-gntdev.ko" ]; then
        grep -E 'warning:|error:' <<<"$build" || true
    else
        printf 'no module built:\n%s\n' "$build"
    fi
}

# Both builds run side by side, a core each; reported once both are done.
w1_result() { # NAME FILE
    result "W=1 build and sparse against $1" "$([ -s "$2" ] && echo 0 || echo 1)" "$(cat "$2")"
}

w1_build "linux-headers-$KVER" "/usr/src/linux-headers-$KVER" >"$out/w1-6.1.report" &
w1_61=$!
# Debian's 6.12 headers, unpacked by set-up (see setup.sh).
headers612=$GNTDEV_CACHE/headers-6.12
if [ -e "$headers612/.ready" ]; then
    name612=$(readlink "$headers612")
    w1_build "$name612" "$headers612/build" >"$out/w1-6.12.report"
else
    name612=linux-headers-6.12
    echo "no $headers612: run \`sudo make setup\`" >"$out/w1-6.12.report"
fi
wait "$w1_61"
w1_result "linux-headers-$KVER" "$out/w1-6.1.report"
w1_result "$name612" "$out/w1-6.12.report"

table=$(tools/gntdev-test/scenario-table.sh --check 2>&1) && ok=1 || ok=0
result "docs/testing.md scenario table matches gntdev-test list" "$ok" "$table"

echo "$pass passed, $fail failed, 0 skipped, 0 errors"
[ "$fail" -eq 0 ]
