#include "granter.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int granter_share(struct granter *g, uint32_t domid, uint32_t count, int writable,
		  char *err, size_t errlen)
{
	memset(g, 0, sizeof(*g));
	g->domid = domid;
	g->count = count;
	g->writable = writable;
	g->refs = calloc(count, sizeof(*g->refs));
	if (!g->refs) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	g->xgs = xengntshr_open(note_logger(), 0);
	if (!g->xgs) {
		int e = errno;
		snprintf(err, errlen, "xengntshr_open: %s (xen-gntalloc loaded?)", strerror(e));
		free(g->refs);
		g->refs = NULL;
		errno = e;
		return -1;
	}
	g->pages = xengntshr_share_pages(g->xgs, domid, count, g->refs, writable);
	if (!g->pages) {
		int e = errno;
		snprintf(err, errlen, "xengntshr_share_pages(domid=%u, count=%u): %s",
			 domid, count, strerror(e));
		xengntshr_close(g->xgs);
		free(g->refs);
		memset(g, 0, sizeof(*g));
		errno = e;
		return -1;
	}
	return 0;
}

void granter_release(struct granter *g)
{
	if (g->pages)
		xengntshr_unshare(g->xgs, g->pages, g->count);
	if (g->xgs)
		xengntshr_close(g->xgs);
	free(g->refs);
	memset(g, 0, sizeof(*g));
}

void granter_fill(struct granter *g, uint32_t seed)
{
	long ps = sysconf(_SC_PAGESIZE);
	for (uint32_t i = 0; i < g->count; i++)
		for (long o = 0; o < ps; o++)
			g->pages[i * ps + o] = pattern_byte(seed, i, o);
}
