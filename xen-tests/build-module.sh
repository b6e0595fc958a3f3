#!/bin/bash
# build-module.sh KBUILD_DIR DIR: build our module against the kernel build
# directory KBUILD_DIR from a copy of the sources in DIR (the checkout's own
# build, for the default kernel, is left alone), and print the path of the
# .ko.  kbuild's output goes to DIR/module-build.log, shown if it fails.
# Used by the lanes that boot another kernel than the default.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
[ $# -eq 2 ] || { echo "usage: build-module.sh KBUILD_DIR DIR" >&2; exit 2; }
kdir=$1 dir=$2

rm -rf "$dir"
mkdir -p "$dir/drivers/xen"
cp "$repo"/drivers/xen/Kbuild "$repo"/drivers/xen/*.c "$dir/drivers/xen/"
cp -r "$repo/include" "$dir/"
if ! make -s -C "$kdir" M="$dir/drivers/xen" modules >"$dir/module-build.log" 2>&1; then
    cat "$dir/module-build.log" >&2
    echo "build-module: the build against $kdir failed" >&2
    exit 1
fi
echo "$dir/drivers/xen/xen-gntdev.ko"
