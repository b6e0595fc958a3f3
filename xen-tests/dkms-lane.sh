#!/bin/bash
# dkms-lane.sh [PATTERN]: the harness on our module as DKMS installs it.
#
# An administrator installs the module with DKMS (dkms.conf, docs/install.md)
# and relies on modprobe loading it instead of the kernel's own xen-gntdev.
# This lane does the same against a private copy of Debian's module tree for
# the dom0 kernel (from the cache); it writes nothing to the host's
# /lib/modules, /usr/src or /var/lib/dkms:
#
#   1. `dkms install` from a copy of the module sources, with its own DKMS
#      tree, source tree and install tree, and its own signing key;
#   2. `depmod -b` on that tree, then `modprobe --show-depends`: it must
#      resolve xen-gntdev to the file DKMS installed, with Debian's still in
#      kernel/drivers/xen beside it, and that file must report the version
#      DKMS registered (dkms.conf's PACKAGE_VERSION); otherwise the lane
#      fails here, before any boot;
#   3. run.sh with that file as the module under test and that tree as the
#      dom0's modules: the harness confirms our banner and runs the scenarios.
#
# Needs root (dkms install insists) and the dkms package; set-up must have
# run (make setup).  Knobs: OUT (default xen-tests/out/dkms; the DKMS trees
# go to $OUT/work) and the rest of defaults.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
export OUT=${OUT:-$here/out/dkms}
# shellcheck source=SCRIPTDIR/defaults.sh
. "$here/defaults.sh"
CACHE=$GNTDEV_CACHE
KVER=${KVER:-$("$here/kver.sh")}
work=$OUT/work
root=$work/root                  # what / is for depmod and modprobe
tree=$root/lib/modules/$KVER     # the private module tree
kdir=$("$here/kdir.sh" "$KVER")  # the headers DKMS builds against

die() { echo "dkms lane: error: $*" >&2; exit 1; }
step() { echo "==> dkms lane: $*"; }

# dkms_cmd ARGS...: DKMS on the lane's own trees, for the dom0 kernel.  Its
# depmod would run on the host's /lib/modules/$KVER, so it is left out
# (--no-depmod) and run on the private tree afterwards.  The signing key
# and certificate, which DKMS creates on first use, stay in $work too.
dkms_cmd() {
    mok_signing_key=$work/mok.key mok_certificate=$work/mok.pub \
        dkms --dkmstree "$work/dkms" --sourcetree "$work/usr-src" \
        --installtree "$root/lib/modules" --kernelsourcedir "$kdir" \
        -k "$KVER" --no-depmod "$@"
}

# prepare: a fresh work area, the module sources as a checkout holds them,
# and a copy of Debian's module tree for $KVER.
prepare() {
    local debian=$CACHE/$KVER/modules
    command -v dkms >/dev/null || die "no dkms: apt-get install dkms"
    [ "$(id -u)" -eq 0 ] || die "dkms install needs root"
    [ -d "$debian/kernel/drivers/xen" ] || die "no $debian/kernel/drivers/xen: run \`sudo make setup\` (KVER=$KVER)"
    rm -rf "$work"
    mkdir -p "$work/src/drivers/xen" "$work/dkms" "$work/usr-src" "$tree"
    cp "$repo/dkms.conf" "$work/src/"
    cp "$repo"/drivers/xen/Kbuild "$repo"/drivers/xen/*.c "$work/src/drivers/xen/"
    cp -r "$repo/include" "$work/src/"
    cp -a "$debian/." "$tree/"
}

# resolve: print the file modprobe would load for xen-gntdev (the last
# insmod of --show-depends; the module depends on nothing, but be exact).
resolve() {
    modprobe -d "$root" -S "$KVER" --show-depends xen-gntdev |
        awk '$1 == "insmod" { ko = $2 } END { print ko }'
}

step "dkms install against $KVER (trees in $work)"
prepare
# `dkms install DIR` adds DIR (copied into the source tree under the name
# and version its dkms.conf gives), builds and installs, as an
# administrator's `dkms install` from /usr/src does.
dkms_cmd install "$work/src" ||
    die "dkms install failed (see above; its make.log is under $work/dkms/xen-gntdev)"

# The version DKMS registered, from `xen-gntdev/0.1.0, KVER, ARCH: installed`.
status=$(dkms_cmd status xen-gntdev)
version=$(sed -n 's|^xen-gntdev/\([^,]*\), .*: installed$|\1|p' <<<"$status")
[ -n "$version" ] || die "DKMS does not report xen-gntdev installed for $KVER: $status"
# Debian's module may be compressed (xen-gntdev.ko.xz in 6.12), and so may
# DKMS's copy of ours, hence the globs.
built=$(echo "$work/dkms/xen-gntdev/$version/$KVER"/*/module/xen-gntdev.ko*)
[ -f "$built" ] || die "no module in DKMS's tree: $built"

# Every xen-gntdev module in the tree: Debian's, and the one DKMS installed
# (identical to DKMS's own copy of what it built).
debian_ko=$(echo "$tree"/kernel/drivers/xen/xen-gntdev.ko*)
[ -f "$debian_ko" ] || die "Debian's xen-gntdev is missing from $tree/kernel/drivers/xen: nothing to take precedence over"
installed=
while IFS= read -r ko; do
    if cmp -s "$ko" "$built"; then installed=$ko
    elif [ "$ko" != "$debian_ko" ]; then die "unexpected module in the tree: $ko"; fi
done < <(find "$tree" -name 'xen-gntdev.ko*')
[ -n "$installed" ] || die "DKMS installed no copy of $built under $tree"

step "depmod -b $root $KVER"
depmod -b "$root" "$KVER"
resolved=$(resolve)
if [ "$resolved" != "$installed" ]; then
    die "modprobe xen-gntdev would load ${resolved:-nothing}, not the module DKMS installed (${installed#"$tree"/})"
fi
ko_version=$(modinfo -F version "$resolved")
[ "$ko_version" = "$version" ] ||
    die "${resolved#"$tree"/} reports version '$ko_version', DKMS registered '$version'"
step "modprobe resolves xen-gntdev to ${resolved#"$tree"/} (DKMS, version $version), over ${debian_ko#"$tree"/}"

KVER=$KVER DOM0_MODULES=$tree GNTDEV_KO=$resolved GNTDEV=ours SETUP=0 \
    exec "$here/run.sh" "$@"
