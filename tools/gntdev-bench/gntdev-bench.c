// SPDX-License-Identifier: GPL-2.0-only
/*
 * gntdev-bench: how the cost of the device's per-map operations grows with
 * the number of maps already on the file.
 *
 * For each operation (MAP_GRANT_REF, mmap, GET_OFFSET_FOR_VADDR, munmap,
 * UNMAP_GRANT_REF) it times a probe map on a file holding no other map and
 * on one holding FILL maps, and prints the ratio; it also times setting up
 * the FILL maps.  The fillers all name the same gntalloc self-grant:
 * MAP_GRANT_REF does not check references, and they are never mmapped.
 *
 * With /lib/modules/xen-gntdev-stock.ko present (make bench puts Debian's
 * module there), it then swaps in Debian's module, measures again in the
 * same boot, and swaps ours back, so both columns come from one machine at
 * one time.  Figures are printed, never judged: the verdicts only say
 * whether a measurement could be made.
 *
 *   gntdev-bench run [--fill N] [--rounds N]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xen/sys/gntalloc.h>

#include "xen/gntdev.h"

#define STOCK_KO "/lib/modules/xen-gntdev-stock.ko"
#define OURS_KO "/lib/modules/xen-gntdev.ko"

enum op { OP_MAP, OP_MMAP, OP_OFFSET, OP_MUNMAP, OP_UNMAP, NR_OPS };
static const char *const op_name[NR_OPS] = {
	"MAP_GRANT_REF", "mmap", "GET_OFFSET_FOR_VADDR", "munmap", "UNMAP_GRANT_REF",
};

struct result {
	double op_ns[2][NR_OPS];	/* median per op: [0] empty file, [1] full */
	double fill_s;			/* seconds to set up the fillers */
};

static unsigned int fill = 10000, rounds = 200;
static uint32_t self_ref;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int map_ref(int fd, uint64_t *index)
{
	struct ioctl_gntdev_map_grant_ref op = {
		.count = 1, .refs[0] = { .domid = 0, .ref = self_ref },
	};

	if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &op))
		return -errno;
	*index = op.index;
	return 0;
}

/* One probe: every operation of a map's life, each timed. */
static int probe(int fd, double ns[NR_OPS])
{
	struct ioctl_gntdev_get_offset_for_vaddr off = { 0 };
	struct ioctl_gntdev_unmap_grant_ref unmap = { .count = 1 };
	uint64_t index = 0;
	double t;
	void *p;
	int err;

	t = now_ns();
	err = map_ref(fd, &index);
	ns[OP_MAP] = now_ns() - t;
	if (err)
		return err;

	t = now_ns();
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, index);
	ns[OP_MMAP] = now_ns() - t;
	if (p == MAP_FAILED)
		return -errno;

	off.vaddr = (uintptr_t)p;
	t = now_ns();
	err = ioctl(fd, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &off) ? -errno : 0;
	ns[OP_OFFSET] = now_ns() - t;
	if (!err && off.offset != index)
		err = -EPROTO;

	t = now_ns();
	munmap(p, 4096);
	ns[OP_MUNMAP] = now_ns() - t;

	unmap.index = index;
	t = now_ns();
	if (ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap) && !err)
		err = -errno;
	ns[OP_UNMAP] = now_ns() - t;
	return err;
}

/* Median of each operation over the rounds. */
static int measure(int fd, double median[NR_OPS])
{
	double *samples = calloc((size_t)rounds * NR_OPS, sizeof(*samples));
	double ns[NR_OPS];
	unsigned int r, o;
	int err = 0;

	if (!samples)
		return -ENOMEM;
	for (r = 0; r < rounds && !err; r++) {
		err = probe(fd, ns);
		for (o = 0; o < NR_OPS; o++)
			samples[o * rounds + r] = ns[o];
	}
	for (o = 0; o < NR_OPS && !err; o++) {
		qsort(&samples[o * rounds], rounds, sizeof(*samples), cmp_double);
		median[o] = samples[o * rounds + rounds / 2];
	}
	free(samples);
	return err;
}

static int bench(struct result *res, char *why, size_t len)
{
	uint64_t index;
	unsigned int i;
	double t;
	int fd, err;

	fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return snprintf(why, len, "open /dev/xen/gntdev: %s", strerror(errno)), -1;

	err = measure(fd, res->op_ns[0]);
	if (err)
		goto out;

	t = now_ns();
	for (i = 0; i < fill && !err; i++)
		err = map_ref(fd, &index);
	res->fill_s = (now_ns() - t) / 1e9;
	if (err)
		goto out;

	err = measure(fd, res->op_ns[1]);
out:
	close(fd);		/* drops the fillers too */
	if (err)
		snprintf(why, len, "%s", strerror(-err));
	return err ? -1 : 0;
}

static uint32_t share_page(int *gfd)
{
	struct ioctl_gntalloc_alloc_gref op = { .domid = 0, .count = 1,
						.flags = GNTALLOC_FLAG_WRITABLE };

	*gfd = open("/dev/xen/gntalloc", O_RDWR | O_CLOEXEC);
	if (*gfd < 0 || ioctl(*gfd, IOCTL_GNTALLOC_ALLOC_GREF, &op))
		return UINT32_MAX;
	return op.gref_ids[0];
}

static int swap_module(const char *ko)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rmmod xen_gntdev && insmod %s", ko);
	return system(cmd);
}

static void report(const char *name, const struct result *res)
{
	int o;

	printf("# %s: %u filler maps set up in %.2f s\n", name, fill, res->fill_s);
	for (o = 0; o < NR_OPS; o++)
		printf("# %s: %-22s %9.1f us empty  %9.1f us with %u maps  ratio %6.2f\n",
		       name, op_name[o], res->op_ns[0][o] / 1e3,
		       res->op_ns[1][o] / 1e3, fill,
		       res->op_ns[1][o] / res->op_ns[0][o]);
}

static int usage(FILE *f)
{
	fprintf(f, "usage: gntdev-bench run [--fill N] [--rounds N]\n"
		   "Times each per-map operation on an empty file and on one with N maps\n"
		   "(default 10000), as medians over --rounds probes (default 200), and\n"
		   "prints the ratios; with " STOCK_KO " present, for Debian's module too.\n");
	return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	struct result ours, stock;
	char why[256] = "";
	int i, gfd, n = 1, bad = 0, have_stock;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(argc < 2 ? stderr : stdout);
	if (strcmp(argv[1], "run"))
		return usage(stderr);
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--fill") && i + 1 < argc)
			fill = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--help"))
			return usage(stdout);
		/* The harness passes its PATTERN here; there is one benchmark. */
	}
	if (!rounds)
		rounds = 1;

	have_stock = !access(STOCK_KO, R_OK);
	printf("1..%d\n", have_stock ? 2 : 1);
	self_ref = share_page(&gfd);
	if (self_ref == UINT32_MAX) {
		printf("not ok 1 - bench: cannot share a page through gntalloc: %s\n",
		       strerror(errno));
		printf("0 passed, 1 failed\n");
		return 1;
	}

	if (bench(&ours, why, sizeof(why))) {
		printf("not ok %d - bench: loaded module # %s\n", n++, why);
		bad++;
	} else {
		printf("ok %d - bench: loaded module\n", n++);
		report("loaded", &ours);
	}

	if (have_stock) {
		if (swap_module(STOCK_KO) || bench(&stock, why, sizeof(why))) {
			printf("not ok %d - bench: Debian's module # %s\n", n++,
			       why[0] ? why : "could not swap it in");
			bad++;
		} else {
			printf("ok %d - bench: Debian's module\n", n++);
			report("stock", &stock);
			for (i = 0; i < NR_OPS && !bad; i++)
				printf("# side by side: %-22s ratio loaded %6.2f  stock %6.2f\n",
				       op_name[i], ours.op_ns[1][i] / ours.op_ns[0][i],
				       stock.op_ns[1][i] / stock.op_ns[0][i]);
			if (!bad)
				printf("# side by side: set-up of %u maps: loaded %.2f s, stock %.2f s\n",
				       fill, ours.fill_s, stock.fill_s);
		}
		if (swap_module(OURS_KO))
			printf("# could not swap the harness's module back\n");
	}
	close(gfd);
	printf("%d passed, %d failed\n", n - 1 - bad, bad);
	return bad ? 1 : 0;
}
