#include "pattern_check.h"
#include "domain.h"
#include "evidence.h"
#include "pattern.h"
#include "probe.h"

#include <stddef.h>

int check_pattern(const uint8_t *view, uint32_t seed, uint32_t first, uint32_t npages,
		  const char *what)
{
	long ps = pagesz();
	for (uint32_t k = 0; k < npages; k++) {
		const uint8_t *pg = view + (size_t)k * ps;
		/* probe first: a fault must become evidence, not a crash */
		int sig = probe_read(pg, NULL);
		if (sig) {
			ev("%s: reading page %u (granted page %u) at %p raised signal %d",
			   what, k, first + k, (const void *)pg, sig);
			return 1;
		}
		for (long o = 0; o < ps; o++) {
			uint8_t want = pattern_byte(seed, first + k, o);
			if (pg[o] != want) {
				ev("%s: page %u (granted page %u) offset %ld: got 0x%02x want 0x%02x",
				   what, k, first + k, o, pg[o], want);
				return 1;
			}
		}
	}
	return 0;
}
