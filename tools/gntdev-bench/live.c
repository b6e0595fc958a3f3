// SPDX-License-Identifier: GPL-2.0-only
/*
 * munmap against the maps live in the mm: with N other one-page mappings
 * in place, the cost of munmap() of one more, the probe, as the median
 * over opt.probes probes.  Only the munmap is timed.
 *
 * "munmap-gntdev": the others are gntdev maps on the probe's file, kept
 * as a backend keeps them (gntdev_live_map()).  "munmap-anon": the same
 * with anonymous pages, each its own VMA, as a yardstick for what the mm
 * itself charges for N more VMAs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

static const unsigned int live_maps[] = { 0, 100, 1000, MANY_MAPS };

/* The probe's grant: one of the least used by the live maps. */
#define PROBE_GRANT (NR_GRANTS - 1)

static int probe_gntdev(struct turn *t, int fd, double *ns)
{
	uint64_t index;
	uint8_t *p;
	double t0;
	int err;

	err = gntdev_map_one(fd, PROBE_GRANT, &index);
	if (err)
		return fail(t, "munmap-gntdev: MAP_GRANT_REF of the probe: %s", strerror(-err));
	p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, index);
	if (p == MAP_FAILED) {
		err = errno;
		gntdev_unmap(fd, index, 1);
		return fail(t, "munmap-gntdev: mmap of the probe: %s", strerror(err));
	}
	*(volatile uint8_t *)p = grant_byte(PROBE_GRANT, 0);
	t0 = now_ns();
	err = munmap(p, PAGE_SIZE) ? -errno : 0;
	*ns = elapsed(t0, now_ns());
	err = gntdev_unmap(fd, index, 1) ?: err;
	return err ? fail(t, "munmap-gntdev: munmap or UNMAP_GRANT_REF of the probe: %s",
			  strerror(-err)) : 0;
}

static int live_gntdev(struct turn *t, unsigned int n, double *ns)
{
	uint8_t **live = calloc(n + 1, sizeof(*live));
	unsigned int i, mapped;
	int fd, err = 0;

	fd = gntdev_open();
	if (fd < 0 || !live) {
		free(live);
		return fail(t, "munmap-gntdev: open /dev/xen/gntdev: %s",
			    fd < 0 ? strerror(-fd) : "out of memory");
	}
	for (mapped = 0; mapped < n; mapped++) {
		err = gntdev_live_map(fd, mapped % NR_GRANTS, &live[mapped]);
		if (err) {
			err = fail(t, "munmap-gntdev: live map %u: %s", mapped, strerror(-err));
			break;
		}
	}
	for (i = 0; i < opt.probes && !err; i++)
		err = probe_gntdev(t, fd, &ns[i]);
	for (i = 0; i < mapped; i++)
		munmap(live[i], PAGE_SIZE);
	close(fd);
	free(live);
	return err;
}

/*
 * The anonymous pages: page 2k of a region for k < n, each written, with a
 * hole after it, so none can merge with the next.  The probe goes at page
 * 2n + 1, between two more holes.
 */
static int live_anon(struct turn *t, unsigned int n, double *ns)
{
	size_t k, pages = 2 * (size_t)n + 3;
	uint8_t *region, *slot, *p;
	unsigned int i;
	double t0;
	int err = 0;

	region = mmap(NULL, pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		return fail(t, "munmap-anon: mmap of %zu pages: %s", pages, strerror(errno));
	for (k = 0; k < pages; k++) {
		if (k < 2 * (size_t)n && k % 2 == 0)
			region[k * PAGE_SIZE] = 1;
		else
			munmap(region + k * PAGE_SIZE, PAGE_SIZE);
	}
	slot = region + (2 * (size_t)n + 1) * PAGE_SIZE;
	for (i = 0; i < opt.probes && !err; i++) {
		p = mmap(slot, PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != slot) {
			err = fail(t, "munmap-anon: mmap of the probe at %p: %s", (void *)slot,
				   p == MAP_FAILED ? strerror(errno) : "placed elsewhere");
			if (p != MAP_FAILED)
				munmap(p, PAGE_SIZE);
			break;
		}
		*(volatile uint8_t *)p = 1;
		t0 = now_ns();
		err = munmap(p, PAGE_SIZE);
		ns[i] = elapsed(t0, now_ns());
		if (err)
			err = fail(t, "munmap-anon: munmap of the probe: %s", strerror(errno));
	}
	munmap(region, pages * PAGE_SIZE);
	return err;
}

int bench_live(struct turn *t)
{
	double *ns = calloc(opt.probes, sizeof(*ns));
	unsigned int i;
	int err = 0;

	if (!ns)
		return fail(t, "munmap: out of memory");
	for (i = 0; i < sizeof(live_maps) / sizeof(live_maps[0]) && !err; i++) {
		err = live_gntdev(t, live_maps[i], ns);
		if (!err)
			record(t, "munmap-gntdev", live_maps[i], "us", median(ns, opt.probes) / 1e3);
		if (!err)
			err = live_anon(t, live_maps[i], ns);
		if (!err)
			record(t, "munmap-anon", live_maps[i], "us", median(ns, opt.probes) / 1e3);
	}
	free(ns);
	return err;
}
