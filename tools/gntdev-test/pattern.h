/* The page pattern shared by the granting side, the checks and the 32-bit
 * helper (which links nothing else of the toolkit). */
#ifndef GT_PATTERN_H
#define GT_PATTERN_H

#include <stdint.h>

/* Byte 'off' of granted page 'page' filled with pattern 'seed'. */
uint8_t pattern_byte(uint32_t seed, uint32_t page, uint32_t off);

/* Fill npages pages of page_size bytes at p with pattern 'seed'. */
void pattern_fill(uint8_t *p, uint32_t seed, uint32_t npages, uint32_t page_size);

#endif
