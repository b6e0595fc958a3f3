#!/bin/bash
# scenario-table.sh: regenerate the scenario table of docs/testing.md
# ("Scenarios and results") between its two marker comments, from
#   - the scenarios themselves: `gntdev-test list --verbose` (name, claim,
#     flags; runs on the build machine, no Xen needed), and
#   - docs/scenario-results.tsv: each scenario's four result columns.
#
#   tools/gntdev-test/scenario-table.sh          rewrite the table in place
#   tools/gntdev-test/scenario-table.sh --check  exit 1, with a diff, if the
#                                                table is stale
#
# Either way it exits 1 if a results row names no scenario; a scenario
# without a results row (a new one) gets "not recorded" in its four columns.  Needs a built ./gntdev-test (make -C tools/gntdev-test).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
doc=$root/docs/testing.md
results=$root/docs/scenario-results.tsv
begin='<!-- scenario-table begin:'
end='<!-- scenario-table end -->'

check=0
case "${1:-}" in
    --check) check=1 ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

for f in "$here/gntdev-test" "$doc" "$results"; do
    [[ -e $f ]] || { echo "scenario-table: $f is missing" >&2; exit 2; }
done
if [[ $(grep -c -F -- "$begin" "$doc") != 1 || $(grep -c -F -x -- "$end" "$doc") != 1 ]]; then
    echo "scenario-table: $doc needs exactly one '$begin' and one '$end' line" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/scenario-table.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$here/gntdev-test" list --verbose > "$tmp/scenarios.tsv"

# The table, or messages on stderr and exit 1 for rows without a partner.
awk -F '\t' -v results="$results" '
    BEGIN {
        while ((getline line < results) > 0) {
            if (line ~ /^#/ || line ~ /^[ \t]*$/)
                continue
            n = split(line, c, "\t")
            if (n != 5) {
                printf "scenario-table: %s: want 5 fields, got %d: %s\n", results, n, line > "/dev/stderr"
                bad = 1
                continue
            }
            if (c[1] in res) {
                printf "scenario-table: %s: %s has two rows\n", results, c[1] > "/dev/stderr"
                bad = 1
            }
            res[c[1]] = c[2] " | " c[3] " | " c[4] " | " c[5]
        }
        print "| # | scenario | what it proves | ours | stock | ours, foreign | stock, foreign |"
        print "| --- | --- | --- | --- | --- | --- | --- |"
    }
    {
        claim = $2
        gsub(/\|/, "\\|", claim)
        # A new scenario has no results yet: its row says so.
        r = ($1 in res) ? res[$1] : "not recorded | not recorded | not recorded | not recorded"
        printf "| %d | `%s` | %s | %s |\n", NR, $1, claim, r
        seen[$1] = 1
    }
    END {
        for (name in res)
            if (!(name in seen)) {
                printf "scenario-table: %s names %s, which is no scenario\n", results, name > "/dev/stderr"
                bad = 1
            }
        exit bad
    }' "$tmp/scenarios.tsv" > "$tmp/table"

# The document with the lines between the markers replaced.
awk -v begin="$begin" -v end="$end" -v table="$tmp/table" '
    skip && $0 == end { skip = 0 }
    skip { next }
    { print }
    index($0, begin) == 1 {
        # the marker comment may go on: print up to its closing line
        while ($0 !~ /-->/ && (getline) > 0)
            print
        while ((getline line < table) > 0)
            print line
        skip = 1
    }' "$doc" > "$tmp/testing.md"

if ((check)); then
    if ! diff -u "$doc" "$tmp/testing.md" | sed "s|$tmp/testing.md|docs/testing.md (generated)|"; then
        echo "scenario-table: docs/testing.md is stale: run tools/gntdev-test/scenario-table.sh" >&2
        exit 1
    fi
else
    cat "$tmp/testing.md" > "$doc"
fi
