#!/bin/bash
# Build (or reuse) a debug Xen hypervisor (CONFIG_DEBUG=y) for the gntdev
# test lane: the version the cache's release hypervisor came from, built
# from Debian's xen source package with Debian's patches applied.
#
# Source: the "package version" in $GNTDEV_CACHE/xen.pkg (written by
# setup.sh); apt-private.sh fetches xen=VERSION from bookworm-security or
# else bookworm, and dpkg-source -x unpacks it.  If the mirror no longer
# serves that version's source, the newest one it serves is built instead,
# with a warning (the lane's log shows both versions).  The version chosen
# is remembered in debug-xen/source-for.<release version> and used from then
# on without asking the mirror (delete the file to choose again).
# Config: debian/xen-kconfig (Debian's base), then config.fragment, then
# olddefconfig; only the hypervisor is built (make -C xen).
#
# Result directory: $GNTDEV_CACHE/debug-xen/<key>/ (defaults.sh)
#   env        KEY=, DIR=, XEN_BIN=, XEN_SYMS=, XEN_DEBUG_VERSION= (shell-sourceable)
#   xen        multiboot ELF, the same form as $GNTDEV_CACHE/xen (QEMU -kernel)
#   xen-syms   the linked hypervisor with symbols and DWARF, for addr2line
#   config     final hypervisor .config
#   build.log  the whole build's output
# <key> hashes the source version, config.fragment, the compiler and linker
# versions and this script's recipe version.
#
# stdout carries only the env lines (so `eval "$(build.sh)"` works); progress
# and errors go to stderr.
#
# Environment: GNTDEV_CACHE (cache root); XEN_DEBUG_SOURCE_VERSION: build
# this xen source version instead of xen.pkg's (when the mirror has dropped
# that one; the debug hypervisor then differs from the release one).
set -euo pipefail

# Bump when the build steps change in a way that invalidates cached results.
RECIPE_VERSION=1

# Suites tried for the source, in order: security updates come first.
SUITES=(bookworm-security bookworm)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FRAGMENT=$HERE/config.fragment
APT_PRIVATE=$(dirname "$HERE")/apt-private.sh
# shellcheck source=SCRIPTDIR/../defaults.sh
. "$HERE/../defaults.sh"
CACHE=$GNTDEV_CACHE
CACHE_ROOT=$(realpath -m "$CACHE/debug-xen")

# Keep a caller's compiler flags (Debian's rules unset them too: the
# hypervisor takes its own) and build variables out of our make runs.
unset CFLAGS CXXFLAGS CPPFLAGS LDFLAGS EXTRA_CFLAGS_XEN_CORE XEN_TARGET_ARCH \
    KCONFIG_CONFIG O

msg() { echo "debug-xen: $*" >&2; }
die() { echo "debug-xen: error: $*" >&2; exit 1; }
# shellcheck source=../cached-build.sh
. "$(dirname "$HERE")/cached-build.sh"

# install_missing: install, with apt, the build dependencies not present.
install_missing() {
    local missing=()
    command -v gcc >/dev/null || missing+=(gcc)
    command -v make >/dev/null || missing+=(make)
    command -v ld >/dev/null || missing+=(binutils)
    [ -f /usr/include/stdio.h ] || missing+=(libc6-dev)
    command -v flex >/dev/null || missing+=(flex)
    command -v bison >/dev/null || missing+=(bison)
    command -v python3 >/dev/null || missing+=(python3)
    command -v lsb_release >/dev/null || missing+=(lsb-release)
    command -v dpkg-source >/dev/null || missing+=(dpkg-dev)
    command -v xz >/dev/null || missing+=(xz-utils)
    command -v flock >/dev/null || missing+=(util-linux)
    [ ${#missing[@]} -gt 0 ] || return 0
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        die "missing build dependencies (${missing[*]}); install them or run as root on Debian so apt-get can"
    fi
    msg "installing missing packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
        { apt-get update >&2 && apt-get install -y --no-install-recommends "${missing[@]}" >&2; } ||
        die "apt-get install ${missing[*]} failed"
}

# fetch_source VERSION DIR: download Debian's xen source VERSION into DIR,
# from the first suite that has it; if none has, show each suite's apt
# errors and the version its index lists, and fail.
fetch_source() {
    local version=$1 dir=$2 suite out errors=() offers=()
    for suite in "${SUITES[@]}"; do
        if out=$(cd "$dir" && "$APT_PRIVATE" "$suite" source --download-only "xen=$version" 2>&1); then
            echo "$out" >>"$LOG"
            msg "fetched xen $version from $suite"
            return 0
        fi
        echo "$out" >>"$LOG"
        rm -f "$dir"/xen_*
        mapfile -t -O "${#errors[@]}" errors < <(grep '^E:' <<<"$out" | sed "s/^/$suite: /")
        offers+=("$suite lists $(offered_version "$suite")")
    done
    printf 'debug-xen: %s\n' "${errors[@]}" >&2
    die "xen source $version is not available from the mirror (${offers[*]/%/;} XEN_DEBUG_SOURCE_VERSION=VERSION builds another one)"
}

# offered_version SUITE: the xen source version SUITE's index lists.
offered_version() {
    "$APT_PRIVATE" "$1" source --print-uris xen 2>/dev/null |
        sed -n "s/^'[^']*' xen_\(.*\)\.dsc .*/\1/p" | grep . || echo none
}

# dsc_fetchable VERSION: does a suite's mirror serve VERSION's .dsc?  (An
# index can list a source whose files the mirror no longer has.)
dsc_fetchable() {
    local suite uri tmp rc=1
    tmp=$(mktemp)
    for suite in "${SUITES[@]}"; do
        uri=$("$APT_PRIVATE" "$suite" source --print-uris "xen=$1" 2>/dev/null |
              sed -n "s/^'\([^']*\.dsc\)' .*/\1/p")
        if [ -n "$uri" ] && /usr/lib/apt/apt-helper download-file "$uri" "$tmp" >/dev/null 2>&1; then
            rc=0
            break
        fi
    done
    rm -f "$tmp"
    return "$rc"
}

# fallback_version: the first version a suite both lists and serves, or
# nothing.
fallback_version() {
    local suite v
    for suite in "${SUITES[@]}"; do
        v=$(offered_version "$suite")
        if [ "$v" != none ] && dsc_fetchable "$v"; then
            echo "$v"
            return 0
        fi
    done
}

[ -f "$FRAGMENT" ] || die "missing $FRAGMENT"
[ -s "$CACHE/xen.pkg" ] || die "no $CACHE/xen.pkg: run \`make setup\` first"
read -r release_pkg release_version _ <"$CACHE/xen.pkg" ||
    die "cannot read $CACHE/xen.pkg"
# The source version chosen for this release version, remembered so that
# later runs (a cache hit above all) ask the mirror nothing and work offline.
chosen=$CACHE_ROOT/source-for.$release_version
if [ -n "${XEN_DEBUG_SOURCE_VERSION:-}" ]; then
    version=$XEN_DEBUG_SOURCE_VERSION
elif [ -s "$chosen" ]; then
    read -r version <"$chosen" || die "cannot read $chosen"
else
    version=$release_version
    # Security updates' sources can vanish from a mirror before their
    # binaries do: then the newest source the mirror serves, said loudly.
    if ! dsc_fetchable "$version"; then
        version=$(fallback_version)
        [ -n "$version" ] || die "the mirror serves no xen source for ${SUITES[*]} (or cannot be reached)"
        msg "warning: the mirror serves no source for xen $release_version; building $version"
    fi
    if mkdir -p "$CACHE_ROOT" 2>/dev/null && echo "$version" >"$chosen.$$" 2>/dev/null; then
        mv -f "$chosen.$$" "$chosen"
    else
        rm -f "$chosen.$$"
        msg "cannot write $chosen: the mirror will be asked again next time"
    fi
fi
[ "$version" = "$release_version" ] ||
    msg "warning: the debug hypervisor is xen $version, the release one ($CACHE/xen) $release_pkg $release_version"

install_missing

# --- cache key ---------------------------------------------------------------
key=$(cache_key "recipe=$RECIPE_VERSION" "source=xen=$version" \
      "cc=$(gcc -dumpmachine) $(gcc -dumpfullversion)" "ld=$(ld --version | head -n1)")
OUT=$CACHE_ROOT/$key

# Fast path: a result directory only appears (by rename) once complete.
complete() { [ -f "$OUT/env" ] && [ -s "$OUT/xen" ] && [ -s "$OUT/xen-syms" ]; }
cached_build_begin
mkdir -p "$TMP/dl"

msg "key $key: fetching Debian's xen source $version"
fetch_source "$version" "$TMP/dl"
dsc=$(compgen -G "$TMP/dl/xen_*.dsc" | head -n1) || die "no .dsc downloaded"
msg "unpacking $(basename "$dsc") (Debian's patches applied)"
# Into dl/ too: dpkg-source also puts a copy of the orig tarball beside it.
run dpkg-source -x "$dsc" "$TMP/dl/src"

cd "$TMP/dl/src"
[ -f debian/xen-kconfig ] || die "the source package has no debian/xen-kconfig"
[ "$(dpkg-parsechangelog -S Version)" = "$version" ] ||
    die "unpacked source is $(dpkg-parsechangelog -S Version), not $version"

# Debian's patch "Display Debian package version in hypervisor log" prints
# these in Xen's banner (beside debug=y), as debian/rules sets them.
export DEB_VERSION=$version
DEB_MAINTAINER=$(sed -n 's/^Maintainer: //p' debian/control)
export DEB_MAINTAINER
make_args=(-C xen XEN_TARGET_ARCH=x86_64)

msg "configuring: debian/xen-kconfig + $(basename "$FRAGMENT")"
run cp debian/xen-kconfig xen/.config
run xen/tools/kconfig/merge_config.sh -m -O xen xen/.config "$FRAGMENT"
run make "${make_args[@]}" olddefconfig

# Every line of the fragment must have survived dependency resolution.
bad=()
while IFS= read -r line; do
    if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
        grep -qxF -- "$line" xen/.config || bad+=("$line (got: $(grep -E "^(# )?${BASH_REMATCH[1]}[= ]" xen/.config || echo absent))")
    elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
        ! grep -q "^${BASH_REMATCH[1]}=" xen/.config || bad+=("$line (got: $(grep "^${BASH_REMATCH[1]}=" xen/.config))")
    fi
done <"$FRAGMENT"
if [ ${#bad[@]} -gt 0 ]; then
    printf 'debug-xen:   %s\n' "${bad[@]}" >&2
    die "config.fragment options not honoured; tree left in $TMP"
fi

jobs=$(nproc)
msg "building the hypervisor with make -j$jobs (log: $LOG)"
run make "${make_args[@]}" -j"$jobs"
{ [ -s xen/xen ] && [ -s xen/xen-syms ]; } || die "the build produced no xen/xen and xen/xen-syms"

cp xen/xen "$TMP/xen"
cp xen/xen-syms "$TMP/xen-syms"
cp xen/.config "$TMP/config"
cd /
rm -rf "$TMP/dl"

printf '%s=%q\n' KEY "$key" DIR "$OUT" XEN_BIN "$OUT/xen" XEN_SYMS "$OUT/xen-syms" \
    XEN_DEBUG_VERSION "$version" >"$TMP/env"
mv -T "$TMP" "$OUT"
msg "built xen $version (debug) in $(( $(date +%s) - start ))s -> $OUT"
cat "$OUT/env"
