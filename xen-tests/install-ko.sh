#!/bin/bash
# install-ko.sh SRC DST: copy the kernel module SRC to DST, or SRC.xz,
# SRC.zst or SRC.gz decompressed when that is what exists (newer Debian
# kernels ship compressed modules; busybox insmod wants plain ones).
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: install-ko.sh SRC DST" >&2; exit 2; }
src=$1 dst=$2
for f in "$src" "$src.xz" "$src.zst" "$src.gz"; do
    [ -e "$f" ] || continue
    case $f in
        *.xz)  xz -dc "$f" > "$dst" ;;
        *.zst) zstd -dcq "$f" > "$dst" ;;
        *.gz)  gzip -dc "$f" > "$dst" ;;
        *)     cp "$f" "$dst" ;;
    esac
    exit 0
done
echo "install-ko.sh: error: module not found: $src" >&2
exit 1
