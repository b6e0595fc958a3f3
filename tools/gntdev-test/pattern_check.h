/* A scenario's check that mapped pages hold the granter's pattern. */
#ifndef GT_PATTERN_CHECK_H
#define GT_PATTERN_CHECK_H

#include <stdint.h>

/* Compare npages of 'view' (page k of view = granted page first+k) against
 * the granter's pattern 'seed'. 0 ok, 1 mismatch/fault (evidence emitted). */
int check_pattern(const uint8_t *view, uint32_t seed, uint32_t first, uint32_t npages,
		  const char *what);

#endif
