// SPDX-License-Identifier: GPL-2.0-only
/*
 * GRANT_COPY both ways: one IOCTL_GNTDEV_GRANT_COPY of B segments, each a
 * whole page, local page k to grant k ("copy-to") or grant k to local page
 * k ("copy-from").  Before timing, each way is checked once: every status
 * GNTST_okay and every page where it should be.  The timed copies to the
 * grants write the pattern they already hold.
 *
 * Those copies go through the same local pages every time, as a backend's
 * do.  "copy-from-fresh" drops the local pages (MADV_DONTNEED, not timed)
 * before each copy from the grants, so every copy faults in new pages and
 * nothing pinned or mapped by an earlier copy can serve it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

#include "bench.h"

enum way { TO_GRANT, FROM_GRANT, NR_WAYS };
static const char *const way_figure[NR_WAYS] = { "copy-to", "copy-from" };

static struct gntdev_grant_copy_segment seg[NR_WAYS][MAX_BATCH];

static void segments(uint8_t *local)
{
	struct gntdev_grant_copy_segment *s;
	unsigned int k;

	for (k = 0; k < MAX_BATCH; k++) {
		s = &seg[TO_GRANT][k];
		s->source.virt = local + k * PAGE_SIZE;
		s->dest.foreign.ref = grant_ref(k);
		s->dest.foreign.offset = 0;
		s->dest.foreign.domid = 0;
		s->len = PAGE_SIZE;
		s->flags = GNTCOPY_dest_gref;

		s = &seg[FROM_GRANT][k];
		s->source.foreign.ref = grant_ref(k);
		s->source.foreign.offset = 0;
		s->source.foreign.domid = 0;
		s->dest.virt = local + k * PAGE_SIZE;
		s->len = PAGE_SIZE;
		s->flags = GNTCOPY_source_gref;
	}
}

/* The copy, then its statuses, which the device writes back. */
static int copy(struct turn *t, int fd, enum way w, unsigned int batch, double *ns)
{
	struct ioctl_gntdev_grant_copy op = { .count = batch, .segments = seg[w] };
	unsigned int k;
	double t0;
	int err;

	for (k = 0; k < batch; k++)
		seg[w][k].status = GNTST_general_error;
	t0 = now_ns();
	err = ioctl(fd, IOCTL_GNTDEV_GRANT_COPY, &op) ? -errno : 0;
	*ns = elapsed(t0, now_ns());
	if (err)
		return fail(t, "%s: GRANT_COPY of %u pages: %s", way_figure[w], batch,
			    strerror(-err));
	for (k = 0; k < batch; k++)
		if (seg[w][k].status != GNTST_okay)
			return fail(t, "%s: GRANT_COPY segment %u of %u: status %d",
				    way_figure[w], k, batch, seg[w][k].status);
	return 0;
}

/* Each way once over every segment, with the data checked. */
static int check(struct turn *t, int fd, uint8_t *local)
{
	unsigned int k;
	double ns;
	int err;

	for (k = 0; k < MAX_BATCH; k++) {
		grant_fill(local + k * PAGE_SIZE, k);
		memset(grant_page(k), 0, PAGE_SIZE);
	}
	err = copy(t, fd, TO_GRANT, MAX_BATCH, &ns);
	for (k = 0; k < MAX_BATCH && !err; k++)
		if (!grant_holds(grant_page(k), k))
			err = fail(t, "copy-to: grant %u does not hold the page copied", k);
	if (err) {
		/* The other groups need the pattern back. */
		for (k = 0; k < MAX_BATCH; k++)
			grant_fill(grant_page(k), k);
		return err;
	}
	memset(local, 0, MAX_BATCH * PAGE_SIZE);
	err = copy(t, fd, FROM_GRANT, MAX_BATCH, &ns);
	for (k = 0; k < MAX_BATCH && !err; k++)
		if (!grant_holds(local + k * PAGE_SIZE, k))
			err = fail(t, "copy-from: local page %u does not hold grant %u", k, k);
	return err;
}

struct copy_ctx {
	int fd;
	enum way way;
	uint8_t *local;
};

static int copy_sample(struct turn *t, void *ctx, unsigned int batch, double *ns)
{
	struct copy_ctx *c = ctx;

	return copy(t, c->fd, c->way, batch, ns);
}

static int fresh_sample(struct turn *t, void *ctx, unsigned int batch, double *ns)
{
	struct copy_ctx *c = ctx;

	if (madvise(c->local, batch * PAGE_SIZE, MADV_DONTNEED))
		return fail(t, "copy-from-fresh: MADV_DONTNEED: %s", strerror(errno));
	return copy(t, c->fd, FROM_GRANT, batch, ns);
}

int bench_copy(struct turn *t)
{
	struct copy_ctx c;
	uint8_t *local;
	unsigned int b;
	int fd, err;

	local = mmap(NULL, MAX_BATCH * PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (local == MAP_FAILED)
		return fail(t, "copy: mmap: %s", strerror(errno));
	fd = gntdev_open();
	if (fd < 0) {
		munmap(local, MAX_BATCH * PAGE_SIZE);
		return fail(t, "copy: open /dev/xen/gntdev: %s", strerror(-fd));
	}
	segments(local);
	err = check(t, fd, local);
	c.fd = fd;
	c.local = local;
	for (c.way = 0; c.way < NR_WAYS && !err; c.way++)
		for (b = 0; b < NR_BATCHES && !err; b++)
			err = batch_figure(t, way_figure[c.way], batches[b], copy_sample, &c);
	for (b = 0; b < NR_BATCHES && !err; b++)
		err = batch_figure(t, "copy-from-fresh", batches[b], fresh_sample, &c);
	close(fd);
	munmap(local, MAX_BATCH * PAGE_SIZE);
	return err;
}
