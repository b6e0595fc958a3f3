#include "pattern.h"

uint8_t pattern_byte(uint32_t seed, uint32_t page, uint32_t off)
{
	uint32_t x = seed * 2654435761u ^ (page + 1) * 40503u ^ off * 2246822519u;
	x ^= x >> 15;
	x *= 2654435761u;
	x ^= x >> 13;
	return (uint8_t)x;
}

void pattern_fill(uint8_t *p, uint32_t seed, uint32_t npages, uint32_t page_size)
{
	for (uint32_t i = 0; i < npages; i++)
		for (uint32_t o = 0; o < page_size; o++)
			*p++ = pattern_byte(seed, i, o);
}
