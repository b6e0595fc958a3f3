/* Granting side: pages shared through gntalloc (libxengnttab xengntshr_*). */
#ifndef GT_GRANTER_H
#define GT_GRANTER_H

#include <stdint.h>
#include <stddef.h>
#include <xengnttab.h>

#include "pattern.h"

struct granter {
	xengntshr_handle *xgs;
	uint8_t *pages;        /* our view of the granted pages */
	uint32_t *refs;
	uint32_t count;
	uint32_t domid;        /* grantee */
	int writable;
};

/* Share 'count' fresh pages with 'domid'. 0 or -1 (errno set, msg in err). */
int granter_share(struct granter *g, uint32_t domid, uint32_t count, int writable,
		  char *err, size_t errlen);
/* Unshare and close. Safe on a zeroed struct. */
void granter_release(struct granter *g);

/* Fill page i with a pattern derived from (seed, i). */
void granter_fill(struct granter *g, uint32_t seed);

#endif
