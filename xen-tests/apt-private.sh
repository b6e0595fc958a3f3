#!/bin/bash
# apt-private.sh SUITE APT-GET-ARGS...: run apt-get against one Debian suite
# through a sources list, package lists and archive cache of its own, under
# $GNTDEV_CACHE/apt-SUITE/, so that packages of another release (trixie's
# Xen 4.20, sid's kernel) or source packages can be fetched without touching
# the machine's own apt configuration or lists.  The lists are refreshed
# when missing or older than a day.
#
#   apt-private.sh trixie download xen-hypervisor-4.20-amd64
#   apt-private.sh bookworm-security source --download-only xen=VERSION
#
# Both binary and source indexes are configured.  Works as an ordinary user
# once the lists exist (apt-get download needs no root).
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: apt-private.sh SUITE APT-GET-ARGS..." >&2; exit 2; }
suite=$1
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/defaults.sh
. "$here/defaults.sh"
CACHE=$GNTDEV_CACHE
case $suite in
    *-security) MIRROR=$DEBIAN_SECURITY_MIRROR ;;
    *)          MIRROR=$DEBIAN_MIRROR ;;
esac
dir=$CACHE/apt-$suite

mkdir -p "$dir/lists/partial" "$dir/archives/partial"
cat > "$dir/sources.list.tmp" <<EOF
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $suite main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $suite main
EOF
mv -f "$dir/sources.list.tmp" "$dir/sources.list"

opts=(-o "Dir::Etc::SourceList=$dir/sources.list"
      -o "Dir::Etc::SourceParts=$dir/no-parts"
      -o "Dir::State::Lists=$dir/lists"
      -o "Dir::Cache=$dir"
      -o "Dir::Cache::Archives=$dir/archives"
      -o "Dir::State::Status=$dir/status"
      -o "APT::Sandbox::User=root"
      -o "Debug::NoLocking=1")
touch "$dir/status"
mkdir -p "$dir/no-parts"

if [ -z "$(find "$dir/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null)" ]; then
    echo "apt-private: updating the $suite lists in $dir" >&2
    apt-get "${opts[@]}" update -qq >&2
fi
exec apt-get "${opts[@]}" "$@"
