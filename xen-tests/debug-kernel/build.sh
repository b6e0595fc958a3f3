#!/bin/bash
# Build (or reuse) the debug Xen PV dom0 kernel for the gntdev test lane.
#
# Result directory: $GNTDEV_CACHE/debug-kernel/<key>/ (defaults.sh)
#   env       KEY=, DIR=, KVER=, VMLINUX=, MODROOT=, KBUILD_DIR= (shell-sourceable)
#   vmlinux   uncompressed ELF kernel, booted directly by Xen
#   config    final kernel .config
#   root/     modules_install tree: root/lib/modules/$KVER/kernel/drivers/xen/...
#   build/    kernel tree in modules_prepare state + Module.symvers, for
#             make -C "$KBUILD_DIR" M=/path/to/module modules
#   build.log full kbuild output
# Config: `make allnoconfig` with config.fragment as KCONFIG_ALLCONFIG, i.e.
# exactly what the fragment asks for (and what it needs), nothing else.
# <key> hashes config.fragment, the linux-source-6.1 package version, the
# compiler version and this script's recipe version.
#
# stdout carries only the env lines (so `eval "$(build.sh)"` works); progress and
# errors go to stderr.
#
# Environment: GNTDEV_CACHE (cache root).
set -euo pipefail

# Bump when the build steps change in a way that invalidates cached results.
RECIPE_VERSION=2

SRC_PKG=linux-source-6.1
SRC_TARBALL=/usr/src/linux-source-6.1.tar.xz
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FRAGMENT=$HERE/config.fragment
# shellcheck source=SCRIPTDIR/../defaults.sh
. "$HERE/../defaults.sh"
CACHE_ROOT=$(realpath -m "$GNTDEV_CACHE/debug-kernel")

# Keep a caller's kbuild variables from leaking into our make invocations.
unset ARCH CROSS_COMPILE KBUILD_OUTPUT KBUILD_EXTMOD O M LLVM KCONFIG_CONFIG

msg() { echo "debug-kernel: $*" >&2; }
die() { echo "debug-kernel: error: $*" >&2; exit 1; }
# shellcheck source=../cached-build.sh
. "$(dirname "$HERE")/cached-build.sh"

# --- build dependencies: install only what is missing ----------------------
missing=()
[ -f "$SRC_TARBALL" ] || missing+=("$SRC_PKG")
command -v gcc >/dev/null || missing+=(gcc)
command -v make >/dev/null || missing+=(make)
command -v bc >/dev/null || missing+=(bc)
command -v flex >/dev/null || missing+=(flex)
command -v bison >/dev/null || missing+=(bison)
command -v xz >/dev/null || missing+=(xz-utils)
command -v depmod >/dev/null || [ -x /sbin/depmod ] || missing+=(kmod)
command -v flock >/dev/null || missing+=(util-linux)
[ -f /usr/include/libelf.h ] || missing+=(libelf-dev)
[ -f /usr/include/openssl/opensslv.h ] || missing+=(libssl-dev)
[ -f /usr/include/stdio.h ] || missing+=(libc6-dev)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        die "missing build dependencies (${missing[*]}); install them or run as root on Debian so apt-get can"
    fi
    msg "installing missing packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
        { apt-get update >&2 && apt-get install -y --no-install-recommends "${missing[@]}" >&2; } ||
        die "apt-get install ${missing[*]} failed"
fi
[ -f "$SRC_TARBALL" ] || die "$SRC_TARBALL still missing after installing $SRC_PKG"
[ -f "$FRAGMENT" ] || die "missing $FRAGMENT"

# --- cache key ---------------------------------------------------------------
src_version=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null) ||
    src_version="unpackaged:$(stat -c '%s:%Y' "$SRC_TARBALL")"
key=$(cache_key "recipe=$RECIPE_VERSION" "source=$SRC_PKG=$src_version" \
      "cc=$(gcc -dumpmachine) $(gcc -dumpfullversion)")
OUT=$CACHE_ROOT/$key

# Fast path: a result directory only appears (by rename) once complete.
complete() { [ -f "$OUT/env" ] && [ -f "$OUT/vmlinux" ] && [ -f "$OUT/build/Module.symvers" ]; }
cached_build_begin
mkdir -p "$TMP/build"

msg "key $key: unpacking $SRC_TARBALL ($src_version)"
run tar -xf "$SRC_TARBALL" -C "$TMP/build" --strip-components=1

cd "$TMP/build"
msg "configuring: allnoconfig + $(basename "$FRAGMENT")"
run make KCONFIG_ALLCONFIG="$FRAGMENT" allnoconfig

# Every line of the fragment must have survived dependency resolution.
bad=()
while IFS= read -r line; do
    if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
        grep -qxF -- "$line" .config || bad+=("$line (got: $(grep -E "^(# )?${BASH_REMATCH[1]}[= ]" .config || echo absent))")
    elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
        ! grep -q "^${BASH_REMATCH[1]}=" .config || bad+=("$line (got: $(grep "^${BASH_REMATCH[1]}=" .config))")
    fi
done <"$FRAGMENT"
if [ ${#bad[@]} -gt 0 ]; then
    printf 'debug-kernel:   %s\n' "${bad[@]}" >&2
    die "config.fragment options not honoured (missing dependency?); tree left in $TMP"
fi

jobs=$(nproc)
msg "building vmlinux + modules with make -j$jobs (log: $LOG)"
run make -j"$jobs" vmlinux modules
kver=$(make -s kernelrelease)
[ -f Module.symvers ] || die "no Module.symvers produced"

msg "installing modules for $kver"
run make modules_install INSTALL_MOD_PATH="$TMP/root"
moddir=$TMP/root/lib/modules/$kver
[ -d "$moddir/kernel/drivers/xen" ] || die "modules_install produced no $moddir/kernel/drivers/xen"
# modules_install points build/source at the temporary path; make them relative
# so they stay valid after the rename below.
ln -sfn ../../../../build "$moddir/build"
ln -sfn ../../../../build "$moddir/source"

cp vmlinux "$TMP/vmlinux"
cp .config "$TMP/config"
cp System.map "$TMP/System.map"

# Out-of-tree modules need the headers, scripts, config and Module.symvers, not
# the kernel's own object files; drop those (GBs) but keep everything else.
find . -path ./scripts -prune -o -path ./tools -prune -o \
    \( -name '*.o' -o -name '*.ko' -o -name '*.a' -o -name '*.mod.c' \) -type f -print0 |
    xargs -0 rm -f
rm -f vmlinux vmlinux.o .tmp_vmlinux* arch/x86/boot/compressed/vmlinux*

printf '%s=%q\n' KEY "$key" DIR "$OUT" KVER "$kver" VMLINUX "$OUT/vmlinux" \
    MODROOT "$OUT/root" KBUILD_DIR "$OUT/build" >"$TMP/env"
cd /
mv -T "$TMP" "$OUT"
msg "built $kver in $(( $(date +%s) - start ))s -> $OUT"
cat "$OUT/env"
