// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-file operations against the maps on the file: every call of a map's
 * life (MAP_GRANT_REF, mmap, GET_OFFSET_FOR_VADDR, munmap, UNMAP_GRANT_REF)
 * on a probe map, timed one by one, on a file holding no other map and on
 * one holding MANY_MAPS fillers.  The fillers all name grant 0 and are never
 * mmapped, so Xen is not asked to map them: MAP_GRANT_REF only reserves.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define PROBE_GRANT 1u

const char *const perfile_figure[NR_PERFILE_OPS] = {
	"perfile-map", "perfile-mmap", "perfile-offset", "perfile-munmap", "perfile-unmap",
};
enum op { MAP, MMAP, OFFSET, MUNMAP, UNMAP };

static const unsigned int fillers[] = { 0, MANY_MAPS };

static int probe(struct turn *t, int fd, double ns[NR_PERFILE_OPS])
{
	struct ioctl_gntdev_get_offset_for_vaddr off = { 0 };
	double at[NR_PERFILE_OPS + 1];
	uint64_t index;
	void *p;
	int err, o;

	at[MAP] = now_ns();
	err = gntdev_map_one(fd, PROBE_GRANT, &index);
	at[MMAP] = now_ns();
	if (err)
		return fail(t, "perfile: MAP_GRANT_REF: %s", strerror(-err));
	p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, index);
	at[OFFSET] = now_ns();
	if (p == MAP_FAILED) {
		err = errno;
		gntdev_unmap(fd, index, 1);
		return fail(t, "perfile: mmap: %s", strerror(err));
	}
	off.vaddr = (uintptr_t)p;
	err = ioctl(fd, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &off) ? -errno : 0;
	at[MUNMAP] = now_ns();
	munmap(p, PAGE_SIZE);
	at[UNMAP] = now_ns();
	err = gntdev_unmap(fd, index, 1) ?: err;
	at[NR_PERFILE_OPS] = now_ns();
	if (err)
		return fail(t, "perfile: GET_OFFSET_FOR_VADDR or UNMAP_GRANT_REF: %s",
			    strerror(-err));
	if (off.offset != index)
		return fail(t, "perfile: GET_OFFSET_FOR_VADDR says offset %llu, the map is at %llu",
			    (unsigned long long)off.offset, (unsigned long long)index);
	for (o = 0; o < NR_PERFILE_OPS; o++)
		ns[o] = elapsed(at[o], at[o + 1]);
	return 0;
}

static int perfile_fill(struct turn *t, int fd, unsigned int nr_fillers)
{
	double *ns = calloc((size_t)opt.probes * NR_PERFILE_OPS, sizeof(*ns));
	double sample[NR_PERFILE_OPS];
	unsigned int i;
	uint64_t index;
	int err = 0, o;

	if (!ns)
		return fail(t, "perfile: out of memory");
	for (i = 0; i < nr_fillers && !err; i++) {
		err = gntdev_map_one(fd, 0, &index);
		if (err)
			err = fail(t, "perfile: MAP_GRANT_REF of filler %u: %s", i,
				   strerror(-err));
	}
	for (i = 0; i < opt.probes && !err; i++) {
		err = probe(t, fd, sample);
		for (o = 0; o < NR_PERFILE_OPS; o++)
			ns[o * opt.probes + i] = sample[o];
	}
	for (o = 0; o < NR_PERFILE_OPS && !err; o++)
		record(t, perfile_figure[o], nr_fillers, "us",
		       median(&ns[o * opt.probes], opt.probes) / 1e3);
	free(ns);
	return err;
}

int bench_perfile(struct turn *t)
{
	unsigned int f;
	int fd, err = 0;

	/* A fresh file for each count; closing it drops the fillers. */
	for (f = 0; f < sizeof(fillers) / sizeof(fillers[0]) && !err; f++) {
		fd = gntdev_open();
		if (fd < 0)
			return fail(t, "perfile: open /dev/xen/gntdev: %s", strerror(-fd));
		err = perfile_fill(t, fd, fillers[f]);
		close(fd);
	}
	return err;
}
