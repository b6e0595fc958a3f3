/* Small helpers shared by the raw-gntdev scenario files. */
#ifndef GT_SCEN_COMMON_H
#define GT_SCEN_COMMON_H

#include "gntdev_raw.h"
#include "granter.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>

/* Open gntdev (fail with evidence). */
static inline int sc_open(int *fd)
{
	*fd = gd_open();
	CHECK(*fd >= 0, "open %s: %s", GNTDEV_PATH, errname(*fd));
	return 0;
}

/* Share n fresh pages with T->mapdom and fill them with pattern 'seed'. */
static inline int sc_share(struct granter *g, uint32_t n, int writable, uint32_t seed)
{
	char err[256];
	CHECK(granter_share(g, T->mapdom, n, writable, err, sizeof(err)) == 0, "%s", err);
	granter_fill(g, seed);
	return 0;
}

/* MAP ioctl + mmap of all pages; checks the pattern. */
static inline int sc_map_mmap(int fd, struct granter *g, uint32_t seed, int prot,
			      uint64_t *index, uint8_t **m)
{
	int rc = gd_map(fd, T->granter, g->refs, g->count, index);
	CHECK(rc == 0, "MAP_GRANT_REF(%u): %s", g->count, errname(rc));
	*m = gd_mmap(fd, *index, g->count, prot);
	CHECK(*m, "mmap(%u pages, offset 0x%llx): %s", g->count,
	      (unsigned long long)*index, errname(errno));
	STEP(check_pattern(*m, seed, 0, g->count, "fresh mapping"));
	return 0;
}

#endif
