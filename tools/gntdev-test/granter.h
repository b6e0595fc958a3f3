/*
 * The granting side: pages shared with the mapping domain, either by this
 * domain through gntalloc (libxengntshr) or by a granter domU's agent
 * (agent.h), so that the same scenario maps self or foreign grants.
 */
#ifndef GT_GRANTER_H
#define GT_GRANTER_H

#include <stdint.h>
#include <stddef.h>
#include <xengnttab.h>

#include "pattern.h"

struct granter {
	uint32_t owner;        /* domain whose grant table holds the refs (0: us) */
	uint32_t domid;        /* grantee */
	uint32_t *refs;
	uint32_t count;
	int writable;
	/* owner 0 */
	xengntshr_handle *xgs;
	uint8_t *pages;        /* our view of the granted pages */
	/* a foreign owner */
	int id;                /* the agent's name for the share */
};

/* Share 'count' fresh pages of 'owner' with 'domid'. 0 or -1 (msg in err). */
int granter_share(struct granter *g, uint32_t owner, uint32_t domid, uint32_t count,
		  int writable, char *err, size_t errlen);
/* Unshare (and close, for owner 0). Safe on a zeroed struct. */
void granter_release(struct granter *g);

/*
 * The granter's own view of its pages, by byte offset into the share.
 * Each returns 0, or 1 with evidence (ev()), so scenarios STEP() them.
 */
int granter_fill(struct granter *g, uint32_t seed);   /* pattern 'seed' */
int granter_read(struct granter *g, size_t off, void *buf, size_t len);
int granter_write(struct granter *g, size_t off, const void *buf, size_t len);
int granter_set(struct granter *g, size_t off, int c, size_t len);
static inline int granter_byte(struct granter *g, size_t off, uint8_t *b)
{
	return granter_read(g, off, b, 1);
}

#endif
