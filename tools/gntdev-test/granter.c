#include "granter.h"
#include "agent.h"
#include "agent_proto.h"
#include "domain.h"
#include "evidence.h"
#include "note_logger.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int share_self(struct granter *g, char *err, size_t errlen)
{
	g->xgs = xengntshr_open(note_logger(), 0);
	if (!g->xgs) {
		snprintf(err, errlen, "xengntshr_open: %s (xen-gntalloc loaded?)", strerror(errno));
		return -1;
	}
	g->pages = xengntshr_share_pages(g->xgs, g->domid, g->count, g->refs, g->writable);
	if (!g->pages) {
		snprintf(err, errlen, "xengntshr_share_pages(domid=%u, count=%u): %s",
			 g->domid, g->count, strerror(errno));
		xengntshr_close(g->xgs);
		g->xgs = NULL;
		return -1;
	}
	return 0;
}

static int share_foreign(struct granter *g, char *err, size_t errlen)
{
	char out[AGENT_MAX_PAGES * 12 + 64], *p = out, *end;

	if (g->domid != 0) {
		snprintf(err, errlen, "a granter agent shares with dom0 only, not d%u", g->domid);
		return -1;
	}
	if (agent_call(g->owner, out, sizeof(out), "share %u %d 0", g->count, g->writable)) {
		snprintf(err, errlen, "d%u share %u: %s", g->owner, g->count, out);
		return -1;
	}
	g->id = strtol(p, &end, 10);
	for (uint32_t i = 0; i < g->count; i++) {
		p = end;
		g->refs[i] = strtoul(p, &end, 10);
		if (end == p) {
			snprintf(err, errlen, "d%u's agent gave %u refs, want %u", g->owner, i,
				 g->count);
			agent_call(g->owner, out, sizeof(out), "unshare %d", g->id);
			return -1;
		}
	}
	return 0;
}

int granter_share(struct granter *g, uint32_t owner, uint32_t domid, uint32_t count,
		  int writable, char *err, size_t errlen)
{
	int rc;

	memset(g, 0, sizeof(*g));
	g->owner = owner;
	g->domid = domid;
	g->count = count;
	g->writable = writable;
	g->refs = calloc(count, sizeof(*g->refs));
	if (!g->refs) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = owner ? share_foreign(g, err, errlen) : share_self(g, err, errlen);
	if (rc) {
		free(g->refs);
		memset(g, 0, sizeof(*g));
	}
	return rc;
}

void granter_release(struct granter *g)
{
	char out[256];

	if (g->pages)
		xengntshr_unshare(g->xgs, g->pages, g->count);
	if (g->xgs)
		xengntshr_close(g->xgs);
	if (g->owner && g->refs && agent_call(g->owner, out, sizeof(out), "unshare %d", g->id))
		note("d%u unshare %d: %s", g->owner, g->id, out);
	free(g->refs);
	memset(g, 0, sizeof(*g));
}

/* Evidence unless off..off+len lies inside the share. */
static int in_share(struct granter *g, size_t off, size_t len, const char *what)
{
	size_t size = (size_t)g->count * pagesz();

	if (off <= size && len <= size - off)
		return 0;
	ev("granter %s: %zu+%zu is outside the %u-page share", what, off, len, g->count);
	return 1;
}

int granter_fill(struct granter *g, uint32_t seed)
{
	char out[256];

	if (!g->owner) {
		pattern_fill(g->pages, seed, g->count, pagesz());
		return 0;
	}
	CHECK(!agent_call(g->owner, out, sizeof(out), "fill %d %u", g->id, seed),
	      "d%u fill: %s", g->owner, out);
	return 0;
}

int granter_read(struct granter *g, size_t off, void *buf, size_t len)
{
	char out[2 * AGENT_MAX_IO + 64];
	uint8_t *b = buf;

	STEP(in_share(g, off, len, "read"));
	if (!g->owner) {
		memcpy(buf, g->pages + off, len);
		return 0;
	}
	for (size_t done = 0, n; done < len; done += n) {
		n = len - done < AGENT_MAX_IO ? len - done : AGENT_MAX_IO;
		CHECK(!agent_call(g->owner, out, sizeof(out), "read %d %zu %zu", g->id,
				  off + done, n), "d%u read: %s", g->owner, out);
		CHECK(strlen(out) == 2 * n, "d%u read %zu bytes: got '%.40s'", g->owner, n, out);
		for (size_t i = 0; i < n; i++) {
			unsigned v;

			sscanf(out + 2 * i, "%2x", &v);
			b[done + i] = v;
		}
	}
	return 0;
}

int granter_write(struct granter *g, size_t off, const void *buf, size_t len)
{
	char hex[2 * AGENT_MAX_IO + 1], out[256];
	const uint8_t *b = buf;

	STEP(in_share(g, off, len, "write"));
	if (!g->owner) {
		memcpy(g->pages + off, buf, len);
		return 0;
	}
	for (size_t done = 0, n; done < len; done += n) {
		n = len - done < AGENT_MAX_IO ? len - done : AGENT_MAX_IO;
		for (size_t i = 0; i < n; i++)
			snprintf(hex + 2 * i, 3, "%02x", b[done + i]);
		CHECK(!agent_call(g->owner, out, sizeof(out), "write %d %zu %s", g->id,
				  off + done, hex), "d%u write: %s", g->owner, out);
	}
	return 0;
}

int granter_set(struct granter *g, size_t off, int c, size_t len)
{
	char out[256];

	STEP(in_share(g, off, len, "set"));
	if (!g->owner) {
		memset(g->pages + off, c, len);
		return 0;
	}
	CHECK(!agent_call(g->owner, out, sizeof(out), "set %d %zu %zu %u", g->id, off, len,
			  (uint8_t)c), "d%u set: %s", g->owner, out);
	return 0;
}
