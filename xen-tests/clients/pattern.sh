#!/bin/sh
# pattern.sh LINES: LINES x 64 bytes of numbered text, the same bytes on the
# host, in dom0 and in the domU (the disk test's known data).
awk -v n="${1:-65536}" 'BEGIN {
    for (i = 0; i < n; i++)
        printf "%-63s\n", sprintf("gntdev-qdisk line %08d key %05d", i, (i * 40503) % 65536)
}'
