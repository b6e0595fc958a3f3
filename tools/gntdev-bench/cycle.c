// SPDX-License-Identifier: GPL-2.0-only
/*
 * The map cycle a backend goes through for every request it maps: B
 * distinct grants in one MAP_GRANT_REF, one mmap of the B pages, a write to
 * every page, munmap, UNMAP_GRANT_REF.  Each part is timed; the whole
 * ("cycle-total") is their sum.  Every figure is per page.  The writes put back the byte the pattern
 * has there; that the pattern is what a mapping shows was checked at the
 * start of the turn (grants_verify()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

enum part { MAP, MMAP, TOUCH, MUNMAP, UNMAP, TOTAL, NR_PARTS };
static const char *const part_figure[NR_PARTS] = {
	"cycle-map", "cycle-mmap", "cycle-touch", "cycle-munmap", "cycle-unmap",
	"cycle-total",
};

static int cycle_once(struct turn *t, int fd, struct ioctl_gntdev_map_grant_ref *op,
		      double ns[NR_PARTS])
{
	unsigned int k, batch = op->count;
	double at[NR_PARTS + 1];
	uint8_t *p;
	int err;

	at[MAP] = now_ns();
	err = gntdev_map(fd, op);
	at[MMAP] = now_ns();
	if (err)
		return fail(t, "cycle: MAP_GRANT_REF of %u grants: %s", batch, strerror(-err));
	p = mmap(NULL, batch * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, op->index);
	at[TOUCH] = now_ns();
	if (p == MAP_FAILED) {
		err = errno;
		gntdev_unmap(fd, op->index, batch);
		return fail(t, "cycle: mmap of %u pages: %s", batch, strerror(err));
	}
	for (k = 0; k < batch; k++)
		*(volatile uint8_t *)(p + k * PAGE_SIZE) = grant_byte(k, 0);
	at[MUNMAP] = now_ns();
	err = munmap(p, batch * PAGE_SIZE) ? -errno : 0;
	at[UNMAP] = now_ns();
	err = gntdev_unmap(fd, op->index, batch) ?: err;
	at[TOTAL] = now_ns();
	if (err)
		return fail(t, "cycle: munmap or UNMAP_GRANT_REF of %u pages: %s", batch,
			    strerror(-err));
	ns[TOTAL] = 0;
	for (k = MAP; k < TOTAL; k++) {
		ns[k] = elapsed(at[k], at[k + 1]);
		ns[TOTAL] += ns[k];
	}
	return 0;
}

static int cycle_batch(struct turn *t, int fd, unsigned int batch)
{
	unsigned int i, k, n = batch_iterations(batch);
	struct ioctl_gntdev_map_grant_ref *op = map_op(0, batch);
	double *ns = calloc((size_t)n * NR_PARTS, sizeof(*ns));
	double sample[NR_PARTS];
	int err = 0;

	if (!op || !ns)
		err = fail(t, "cycle: out of memory");
	for (i = 0; i < n && !err; i++) {
		err = cycle_once(t, fd, op, sample);
		for (k = 0; k < NR_PARTS; k++)
			ns[k * n + i] = sample[k];
	}
	for (k = 0; k < NR_PARTS && !err; k++)
		record(t, part_figure[k], batch, "us/page", median(&ns[k * n], n) / 1e3 / batch);
	free(ns);
	free(op);
	return err;
}

int bench_cycle(struct turn *t)
{
	unsigned int b;
	int fd, err = 0;

	fd = gntdev_open();
	if (fd < 0)
		return fail(t, "cycle: open /dev/xen/gntdev: %s", strerror(-fd));
	for (b = 0; b < NR_BATCHES && !err; b++)
		err = cycle_batch(t, fd, batches[b]);
	close(fd);
	return err;
}
