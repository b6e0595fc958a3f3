#!/bin/bash
# Print the kernel ABI version (e.g. 6.1.0-56-amd64) the harness and the
# module build use.  Shared by setup.sh, run.sh and the top-level Makefile so
# that they can never disagree.
#
# Order of preference:
#   1. $KVER from the environment (explicit override);
#   2. whatever Debian's linux-image-amd64 metapackage depends on today;
#   3. the value setup.sh recorded last time (apt lists may be empty on a
#      fresh machine, and `make module` alone should still work after setup);
#   4. the newest installed linux-headers-*-amd64.
#
# `kver.sh 6.12` prints instead the ABI of the 6.12 kernel that set-up
# prepares beside it (the name of the headers it unpacked into the cache).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/defaults.sh
. "$here/defaults.sh"
cache=$GNTDEV_CACHE
if [ "${1:-}" = 6.12 ]; then
    name=$(readlink "$cache/headers-6.12") ||
        { echo "kver.sh: no 6.12 kernel in $cache: run \`sudo make setup\`" >&2; exit 1; }
    echo "${name#linux-headers-}"
    exit 0
fi

if [ -n "${KVER:-}" ]; then
    echo "$KVER"
    exit 0
fi

kver=$(apt-cache depends linux-image-amd64 2>/dev/null |
       sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' | head -n1 || true)
if [ -n "$kver" ]; then
    echo "$kver"
    exit 0
fi

if [ -s "$cache/kver" ]; then
    cat "$cache/kver"
    exit 0
fi

kver=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's|.*/linux-headers-||' |
       sort -V | tail -n1 || true)
if [ -n "$kver" ]; then
    echo "$kver"
    exit 0
fi

echo "kver.sh: cannot determine the kernel version; run \`sudo make setup\` or set KVER=" >&2
exit 1
