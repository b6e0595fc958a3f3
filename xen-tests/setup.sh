#!/bin/bash
# setup.sh: install what the Xen-in-QEMU harness needs and prepare its cache.
#
#   * build/run dependencies, installed with apt (only the missing ones);
#   * the Xen hypervisor and the dom0 kernel, fetched with `apt-get download`
#     and unpacked with `dpkg-deb -x` into the cache, never installed, so the
#     host's own boot setup is left alone.
#
# Cache layout ($GNTDEV_CACHE; defaults.sh):
#   xen                  gunzipped Xen hypervisor (multiboot ELF)
#   xen.pkg              "package version" it came from
#   xen.pkg.name         $XEN_PKG it was made for (a change refetches)
#   kver                 last KVER prepared (fallback for kver.sh)
#   debs/                the downloaded .deb files
#   apt-install.log      output of the last apt-get install
#   <KVER>/vmlinux       uncompressed dom0 kernel ELF
#   <KVER>/modules       -> root/lib/modules/<KVER> (Debian's module tree)
#   <KVER>/root/         the unpacked linux-image package
#   <KVER>/pkg           "package version" of the kernel
#   <KVER>/.ready        written last: everything above is complete
#   userland/            Debian's Xen userland and QEMU's Xen device model,
#                        unpacked for the clients lane (xenstored, xl, qemu);
#                        userland/pkgs lists their versions
#   headers-6.12         -> linux-headers-<K612>: Debian's 6.12 kernel headers,
#                        unpacked with their kbuild (build/ is the directory
#                        to build modules against); the style lane and the
#                        6.12 lanes build our module against them
#   <K612>/              Debian's 6.12 kernel image, laid out like <KVER>/
#                        above, for the 6.12 lanes (kernel-lane.sh)
#
# Idempotent: a second run only asks dpkg-query and looks at the cache, and
# needs neither root nor network when nothing is missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/defaults.sh
. "$here/defaults.sh"
CACHE=$GNTDEV_CACHE
# The host needs these to build the module and the toolkit, pack the
# initramfs, unpack the kernel and boot the lot; linux-source-6.1 and the
# kernel build tools are for the unit tests and the debug-kernel lane; the
# 32-bit libc is for the toolkit's compat (32-bit caller) scenario; pahole
# (dwarves) for the BTF that a build against the 6.12 headers makes;
# gnuplot for make bench's plots; sparse and git for the style lane (it
# checks the files git lists; a CI container may have no git); dkms, and
# openssl for the key it signs with, for the dkms lane.
BASE_DEPS=(gcc make libc6-dev libxen-dev busybox-static cpio qemu-system-x86
           kmod xz-utils zstd gzip
           linux-source-6.1 bc flex bison libelf-dev libssl-dev
           gcc-multilib libc6-dev-i386 dwarves gnuplot-nox sparse git
           dkms openssl)

export DEBIAN_FRONTEND=noninteractive
updated=0          # set once apt-get update has run
kver_from_env=${KVER:+1}

log() { echo "setup: [${SECONDS} s] $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }

deps_for() { echo "${BASE_DEPS[@]}" "linux-headers-$1"; }

# Packages from the list given that dpkg does not report as installed
# (a single dpkg-query call, so that a no-op run stays cheap).
missing_pkgs() {
    { dpkg-query -W -f='${Package} ${db:Status-Status}\n' "$@" 2>/dev/null || true; } |
        awk -v want="$*" '$2 == "installed" { ok[$1] = 1 }
            END { n = split(want, w, " "); for (i = 1; i <= n; i++) if (!ok[w[i]]) print w[i] }'
}

cache_ready() { [ -s "$CACHE/xen" ] && [ -e "$CACHE/$1/.ready" ] && [ "$(cat "$CACHE/xen.pkg.name" 2>/dev/null)" = "$XEN_PKG" ]; }

require_root() {
    if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
        echo "setup needs a Debian 12 host with apt-get and dpkg: run \`sudo make setup\` there" >&2
        exit 1
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup needs root: run \`sudo make setup\`" >&2
        exit 1
    fi
}

# Are apt's lists missing for any configured source?  (Empty on a fresh
# machine; a debootstrap root has lists only for its bootstrap suite.)
lists_missing() {
    local f
    compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || return 0
    for f in $(apt-get update --print-uris 2>/dev/null | awk '$2 ~ /_InRelease$/ {print $2}'); do
        [ -e "/var/lib/apt/lists/$f" ] || [ -e "/var/lib/apt/lists/${f%InRelease}Release" ] || return 0
    done
    return 1
}

apt_update() {
    log "apt-get update"
    apt-get update -qq || die "apt-get update failed"
    updated=1
}

# The kernel whose packages set-up installs (headers) and unpacks: KVER from
# the environment, else what linux-image-amd64 depends on (needs lists).  A
# 6.12 KVER names the 6.12 kernel that set-up prepares beside it anyway
# (check_kver612), so it stands for the default kernel here.
resolve_kver() {
    case ${kver_from_env:+$KVER} in
        '' | 6.12.*) KVER='' "$here/kver.sh" ;;
        *)           echo "$KVER" ;;
    esac
}

# A 6.12 KVER from the environment must be the one set-up prepared.
check_kver612() {
    case ${kver_from_env:+$KVER} in
        6.12.*) [ "$KVER" = "$(kver612)" ] ||
                    die "KVER=$KVER: set-up prepares Debian's current 6.12, KVER=$(kver612)" ;;
    esac
}

install_deps() {
    local missing
    # shellcheck disable=SC2046
    missing=$(missing_pkgs $(deps_for "$1"))
    [ -n "$missing" ] || return 0
    log "installing: ${missing//$'\n'/ }"
    # dpkg's chatter goes to a log, shown only if the install fails.
    mkdir -p "$CACHE"
    # shellcheck disable=SC2086
    if ! apt-get install -y -qq --no-install-recommends $missing > "$CACHE/apt-install.log" 2>&1; then
        tail -n 30 "$CACHE/apt-install.log" >&2
        return 1
    fi
}

# deb_version DEB: "package version", the line the cache keeps per package.
deb_version() {
    dpkg-deb -f "$1" Package Version | awk '{printf "%s ", $2} END {print ""}'
}

# unpack_debs DIR PKG...: download each PKG, unpack it into DIR/root and
# note its version in DIR/pkgs.
unpack_debs() {
    local dir=$1 pkg deb
    shift
    for pkg; do
        deb=$(fetch_deb "$pkg") || return 1
        dpkg-deb -x "$deb" "$dir/root" || die "cannot unpack $deb"
        deb_version "$deb" >> "$dir/pkgs"
    done
}

# fetch_deb PKG: download PKG's .deb into $CACHE/debs, print its path.
fetch_deb() {
    local pkg=$1 deb
    mkdir -p "$CACHE/debs"
    # apt drops to the _apt user to download; let it write here, otherwise
    # apt warns and falls back to downloading as root.
    if id _apt >/dev/null 2>&1; then chown _apt:root "$CACHE/debs"; fi
    chmod 755 "$CACHE/debs"
    rm -f "$CACHE/debs/${pkg}_"*.deb
    (cd "$CACHE/debs" && apt-get download -qq "$pkg") >&2 || return 1
    deb=$(ls -t "$CACHE/debs/${pkg}_"*.deb 2>/dev/null | head -n1)
    [ -s "$deb" ] || return 1
    echo "$deb"
}

prepare_xen() {
    local deb tmp gz
    [ -s "$CACHE/xen" ] && [ "$(cat "$CACHE/xen.pkg.name" 2>/dev/null)" = "$XEN_PKG" ] && return 0
    log "fetching $XEN_PKG"
    deb=$(fetch_deb "$XEN_PKG") || return 1
    tmp=$(mktemp -d "$CACHE/.xen.XXXXXX")
    dpkg-deb -x "$deb" "$tmp" || die "cannot unpack $deb"
    gz=$(compgen -G "$tmp/boot/xen-*.gz" | grep -v -- '-dbg' | head -n1 || true)
    [ -n "$gz" ] || die "$deb has no boot/xen-*.gz"
    gzip -dc "$gz" > "$CACHE/xen.tmp" || die "cannot gunzip $gz"
    mv -f "$CACHE/xen.tmp" "$CACHE/xen"
    deb_version "$deb" > "$CACHE/xen.pkg"
    echo "$XEN_PKG" > "$CACHE/xen.pkg.name"
    rm -rf "$tmp"
}

prepare_kernel() {
    local kver=$1 dir=$CACHE/$1 deb
    [ -e "$dir/.ready" ] && return 0
    log "fetching linux-image-$kver"
    deb=$(fetch_deb "linux-image-$kver") || return 1
    rm -rf "$dir"
    mkdir -p "$dir"
    dpkg-deb -x "$deb" "$dir/root" || die "cannot unpack $deb"
    [ -d "$dir/root/lib/modules/$kver" ] || die "$deb has no lib/modules/$kver"
    ln -sfn "root/lib/modules/$kver" "$dir/modules"
    log "extracting vmlinux"
    "$here/bzimage-to-elf.sh" "$dir/root/boot/vmlinuz-$kver" "$dir/vmlinux" || die "cannot extract vmlinux"
    deb_version "$deb" > "$dir/pkg"
    touch "$dir/.ready"
}

# The newest 6.12 headers Debian has, as linux-headers-6.12-amd64 names them
# (empty if apt knows none).
headers612_name() {
    apt-cache depends linux-headers-6.12-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-headers-6\.12[^ ]*-amd64\)$/\1/p' | head -n1 || true
}

headers612_ready() {
    local name=${1:-$(headers612_name)}
    [ -e "$CACHE/headers-6.12/.ready" ] || return 1
    [ -z "$name" ] || [ "$(readlink "$CACHE/headers-6.12")" = "$name" ]
}

# The 6.12 headers unpacked beside the cache, never installed: installing
# them would pull in a 6.12 kernel image.  Their Makefile names the common
# part by its installed path, so it is pointed at the unpacked one.
prepare_headers612() {
    local name ver dir
    name=$(headers612_name)
    [ -n "$name" ] || { log "apt knows no linux-headers-6.12-amd64"; return 1; }
    headers612_ready "$name" && return 0
    ver=${name#linux-headers-}
    ver=${ver%-amd64}
    dir=$CACHE/$name
    log "fetching $name"
    rm -rf "$dir"
    mkdir -p "$dir"
    unpack_debs "$dir" "$name" "linux-headers-$ver-common" "linux-kbuild-$ver" || return 1
    sed -i "s#/usr/src/#$dir/root/usr/src/#" "$dir/root/usr/src/$name/Makefile"
    ln -sfn "root/usr/src/$name" "$dir/build"
    touch "$dir/.ready"
    ln -sfn "$name" "$CACHE/headers-6.12"
}

# The 6.12 kernel image that goes with those headers.
kver612() { GNTDEV_CACHE=$CACHE "$here/kver.sh" 6.12; }

# Xen's own userland for the clients lane, unpacked (never installed: it
# would start Xen daemons on this machine).  Its shared libraries that are
# not here come from the host, where qemu-system-x86 and libxen-dev pulled
# them in; the initramfs builder copies what ldd names.
USERLAND_PKGS=(xen-utils-4.17 xen-utils-common xenstore-utils qemu-system-xen
               libxenmisc4.17 libxenstore4 libxengnttab1 libxenevtchn1
               libxentoolcore1 libxentoollog1 libxencall1 libxenforeignmemory1
               libxendevicemodel1 libxenhypfs1 libyajl2)

userland_ready() { [ -e "$CACHE/userland/.ready" ]; }

prepare_userland() {
    local tmp
    userland_ready && return 0
    log "fetching Xen userland: ${USERLAND_PKGS[*]}"
    tmp=$(mktemp -d "$CACHE/.userland.XXXXXX")
    unpack_debs "$tmp" "${USERLAND_PKGS[@]}" || { rm -rf "$tmp"; return 1; }
    touch "$tmp/.ready"
    rm -rf "$CACHE/userland"
    mv "$tmp" "$CACHE/userland"
}

# Everything for one KVER; returns non-zero on an apt failure so that main
# can refresh stale lists (which point at files the mirror dropped) and retry.
# (Called as `if ! provision`, where set -e is off: hence the explicit checks.)
provision() {
    local kver
    kver=$(resolve_kver) || return 1
    install_deps "$kver" || return 1
    mkdir -p "$CACHE"
    prepare_xen || return 1
    prepare_kernel "$kver" || return 1
    prepare_headers612 || return 1
    prepare_kernel "$(kver612)" || return 1
    prepare_userland || return 1
    check_kver612
    echo "$kver" > "$CACHE/kver"
    log "ready (KVER=$kver, cache $CACHE)"
}

up_to_date() {
    local kver
    kver=$(resolve_kver 2>/dev/null || true)
    # shellcheck disable=SC2046
    [ -n "$kver" ] && [ -z "$(missing_pkgs $(deps_for "$kver"))" ] && cache_ready "$kver" &&
        headers612_ready && [ -e "$CACHE/$(kver612)/.ready" ] && userland_ready || return 1
    check_kver612
    log "up to date (KVER=$kver, cache $CACHE)"
}

main() {
    up_to_date && return 0
    require_root
    # One set-up at a time per cache (a developer's run and CI may overlap);
    # whoever waited finds the work done.
    mkdir -p "$CACHE"
    exec 9>"$CACHE/.setup.lock"
    flock 9
    up_to_date && return 0
    if lists_missing; then apt_update; fi
    if ! provision; then
        [ "$updated" -eq 0 ] || die "apt failed (see above)"
        log "retrying with fresh package lists"
        apt_update
        provision || die "apt failed (see above)"
    fi
}

main "$@"
