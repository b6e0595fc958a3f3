/* A content hash that `map` and `share` print, to compare both sides. */
#ifndef GT_HASH_H
#define GT_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a, 64 bits. */
uint64_t fnv1a64(const void *p, size_t n);

#endif
