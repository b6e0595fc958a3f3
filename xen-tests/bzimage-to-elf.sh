#!/bin/bash
# bzimage-to-elf.sh BZIMAGE OUT
#
# Turn an x86 bzImage (vmlinuz) into the uncompressed vmlinux ELF inside it.
# Xen can boot the bzImage as dom0 directly, but then it has to decompress it
# itself on every boot, which under TCG costs a few seconds; handing it the ELF
# skips that.
#
# How: the x86 boot protocol header (>= 2.08) records where the compressed
# kernel sits: the protected-mode part starts after (setup_sects + 1) * 512
# bytes, and payload_offset/payload_length (at 0x248/0x24c) locate the
# compressed blob inside it.  We cut that blob out, recognise the compressor
# from its first bytes, decompress it and check that the result is a complete
# ELF file.  The kernel build may append a 4-byte length after the stream, so
# decompressor complaints about trailing bytes are tolerated; the ELF check
# below is what decides success.
set -euo pipefail

die() { echo "bzimage-to-elf: $*" >&2; exit 1; }

# u LE-integer of SIZE bytes at OFFSET in FILE, printed in decimal.
u() { od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' \n'; }

# hexbytes FILE OFFSET COUNT -> "fd377a585a00"
hexbytes() { od -An -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }

[ $# -eq 2 ] || die "usage: bzimage-to-elf.sh BZIMAGE OUT"
in=$1 out=$2
[ -r "$in" ] || die "cannot read $in"

[ "$(hexbytes "$in" $((0x202)) 4)" = 48647253 ] || die "$in: no 'HdrS' boot header, not a bzImage"
proto=$(u "$in" $((0x206)) 2)
[ "$proto" -ge $((0x208)) ] || die "$in: boot protocol $(printf %#x "$proto") too old (< 2.08)"

setup_sects=$(u "$in" $((0x1f1)) 1)
[ "$setup_sects" -ne 0 ] || setup_sects=4     # 0 means 4, per the protocol
pm_start=$(( (setup_sects + 1) * 512 ))
payload_off=$(( pm_start + $(u "$in" $((0x248)) 4) ))
payload_len=$(u "$in" $((0x24c)) 4)

magic=$(hexbytes "$in" "$payload_off" 6)
case $magic in
    1f8b*)         dec=(gzip -dc) ;;
    fd377a585a00)  dec=(xz -dc --single-stream) ;;
    28b52ffd*)     dec=(zstd -dcq) ;;
    5d0000*)       dec=(xz -dc --format=lzma) ;;
    425a68*)       dec=(bzip2 -dc) ;;
    02214c18*)     dec=(lz4 -dc) ;;
    *)             die "$in: unknown payload compression (magic $magic at $payload_off)" ;;
esac
command -v "${dec[0]}" >/dev/null || die "need ${dec[0]} to decompress $in"

tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
# skip_bytes/count_bytes: byte-exact offsets with a large block size.
{ dd if="$in" bs=1M iflag=skip_bytes,count_bytes skip="$payload_off" count="$payload_len" status=none || true; } |
    { "${dec[@]}" 2>/dev/null || true; } > "$tmp"

# Validate: ELF64 magic, and the section header table (which the linker puts
# last) lies within the file, i.e. the output is not truncated.
[ "$(hexbytes "$tmp" 0 5)" = 7f454c4602 ] || die "$in: decompressed payload is not an ELF64 image"
size=$(stat -c %s "$tmp")
shoff=$(u "$tmp" $((0x28)) 8)
shentsize=$(u "$tmp" $((0x3a)) 2)
shnum=$(u "$tmp" $((0x3c)) 2)
[ $((shoff + shentsize * shnum)) -le "$size" ] || die "$in: decompressed ELF is truncated"

mv -f "$tmp" "$out"
trap - EXIT
