#!/bin/bash
# kdir.sh [KVER]: print the directory to build modules against for the
# kernel ABI KVER (default: kver.sh's): its installed headers
# (/usr/src/linux-headers-KVER, Debian's 6.1 as set-up installs it), else
# the headers set-up unpacked into the cache without installing them
# (Debian's 6.12).  Shared by the Makefile and the kernel lanes.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/defaults.sh
. "$here/defaults.sh"
CACHE=$GNTDEV_CACHE
kver=${1:-$("$here/kver.sh")}

for dir in "/usr/src/linux-headers-$kver" "$CACHE/linux-headers-$kver/build"; do
    if [ -e "$dir/Makefile" ]; then
        echo "$dir"
        exit 0
    fi
done
echo "kdir.sh: no headers for $kver: run \`sudo make setup\`" >&2
exit 1
