// SPDX-License-Identifier: GPL-2.0-only
/*
 * The grants every figure maps or copies: NR_GRANTS pages of dom0's own,
 * shared with dom0 through /dev/xen/gntalloc and filled with a pattern, so
 * a mapping or a copy can be checked against what the granter wrote.
 * Also the few /dev/xen/gntdev calls more than one group makes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdint.h>
#include <xen/sys/gntalloc.h>

#include "bench.h"

#define GNTALLOC_LIMIT "/sys/module/xen_gntalloc/parameters/limit"

static struct {
	int fd;
	uint8_t *pages;			/* the granter's view of every grant */
	uint32_t ref[NR_GRANTS];
} shared = { .fd = -1 };

uint8_t grant_byte(unsigned int i, unsigned int off)
{
	/* The grant's number first, so that no two pages are alike. */
	if (off < sizeof(uint32_t))
		return i >> (8 * off);
	return off * 7 + i * 13 + (off >> 8);
}

void grant_fill(uint8_t *page, unsigned int i)
{
	unsigned int off;

	for (off = 0; off < PAGE_SIZE; off++)
		page[off] = grant_byte(i, off);
}

int grant_holds(const uint8_t *page, unsigned int i)
{
	static uint8_t want[PAGE_SIZE];

	grant_fill(want, i);
	return !memcmp(page, want, PAGE_SIZE);
}

uint8_t *grant_page(unsigned int i)
{
	return shared.pages + (size_t)i * PAGE_SIZE;
}

uint32_t grant_ref(unsigned int i)
{
	return shared.ref[i];
}

/* gntalloc refuses more than its `limit` grants in all; raise it if low. */
static int raise_gntalloc_limit(char *why, size_t len)
{
	unsigned int limit = 0;
	FILE *f = fopen(GNTALLOC_LIMIT, "r+");
	int ok;

	if (!f)
		return snprintf(why, len, "%s: %s", GNTALLOC_LIMIT, strerror(errno)), -1;
	ok = fscanf(f, "%u", &limit) == 1;
	if (ok && limit < NR_GRANTS) {
		rewind(f);
		ok = fprintf(f, "%u\n", NR_GRANTS) > 0;
	}
	if (fclose(f) || !ok)
		return snprintf(why, len, "cannot raise %s to %u", GNTALLOC_LIMIT, NR_GRANTS), -1;
	return 0;
}

int grants_share(char *why, size_t len)
{
	struct ioctl_gntalloc_alloc_gref *op;
	size_t size = sizeof(*op) + (NR_GRANTS - 1) * sizeof(op->gref_ids[0]);
	unsigned int i;
	void *p;

	if (raise_gntalloc_limit(why, len))
		return -1;
	op = calloc(1, size);
	if (!op)
		return snprintf(why, len, "out of memory"), -1;
	op->domid = 0;
	op->flags = GNTALLOC_FLAG_WRITABLE;
	op->count = NR_GRANTS;
	shared.fd = open("/dev/xen/gntalloc", O_RDWR | O_CLOEXEC);
	if (shared.fd < 0 || ioctl(shared.fd, IOCTL_GNTALLOC_ALLOC_GREF, op)) {
		snprintf(why, len, "sharing %u pages through /dev/xen/gntalloc: %s",
			 NR_GRANTS, strerror(errno));
		free(op);
		return -1;
	}
	p = mmap(NULL, (size_t)NR_GRANTS * PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED, shared.fd, op->index);
	if (p == MAP_FAILED) {
		snprintf(why, len, "mmap of the gntalloc pages: %s", strerror(errno));
		free(op);
		return -1;
	}
	/* Not in the children of the exit and fork figures: only their maps. */
	madvise(p, (size_t)NR_GRANTS * PAGE_SIZE, MADV_DONTFORK);
	shared.pages = p;
	for (i = 0; i < NR_GRANTS; i++) {
		shared.ref[i] = op->gref_ids[i];
		grant_fill(grant_page(i), i);
	}
	free(op);
	return 0;
}

/* ---- /dev/xen/gntdev ---- */

int gntdev_open(void)
{
	int fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

struct ioctl_gntdev_map_grant_ref *map_op(unsigned int first, unsigned int count)
{
	struct ioctl_gntdev_map_grant_ref *op;
	unsigned int k;

	op = calloc(1, sizeof(*op) + (count - 1) * sizeof(op->refs[0]));
	if (!op)
		return NULL;
	op->count = count;
	for (k = 0; k < count; k++) {
		op->refs[k].domid = 0;
		op->refs[k].ref = grant_ref((first + k) % NR_GRANTS);
	}
	return op;
}

int gntdev_map(int fd, struct ioctl_gntdev_map_grant_ref *op)
{
	return ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op) ? -errno : 0;
}

int gntdev_map_one(int fd, unsigned int grant, uint64_t *index)
{
	struct ioctl_gntdev_map_grant_ref op = {
		.count = 1, .refs[0] = { .domid = 0, .ref = grant_ref(grant) },
	};

	if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &op))
		return -errno;
	*index = op.index;
	return 0;
}

int gntdev_unmap(int fd, uint64_t index, unsigned int count)
{
	struct ioctl_gntdev_unmap_grant_ref op = { .index = index, .count = count };

	return ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &op) ? -errno : 0;
}

/*
 * As a backend keeps one (libxengnttab does): the reservation stays until
 * close(), the mapping until munmap() or exit.  The write puts back the
 * byte the pattern has there.
 */
int gntdev_live_map(int fd, unsigned int grant, uint8_t **page)
{
	uint64_t index = 0;
	void *p;
	int err;

	err = gntdev_map_one(fd, grant, &index);
	if (err)
		return err;
	p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, index);
	if (p == MAP_FAILED)
		return -errno;
	*(volatile uint8_t *)p = grant_byte(grant, 0);
	*page = p;
	return 0;
}

int grants_verify(struct turn *t, const char *when)
{
	struct ioctl_gntdev_map_grant_ref *op;
	unsigned int first, k;
	uint8_t *p;
	int fd, err;

	fd = gntdev_open();
	if (fd < 0)
		return fail(t, "%s: open /dev/xen/gntdev: %s", when, strerror(-fd));
	for (first = 0; first < NR_GRANTS; first += MAX_BATCH) {
		op = map_op(first, MAX_BATCH);
		if (!op) {
			close(fd);
			return fail(t, "%s: out of memory", when);
		}
		err = gntdev_map(fd, op);
		p = err ? MAP_FAILED : mmap(NULL, MAX_BATCH * PAGE_SIZE, PROT_READ,
					    MAP_SHARED, fd, op->index);
		if (!err && p == MAP_FAILED)
			err = -errno;
		for (k = 0; !err && k < MAX_BATCH; k++)
			if (!grant_holds(p + k * PAGE_SIZE, first + k))
				err = -EIO;
		if (p != MAP_FAILED)
			munmap(p, MAX_BATCH * PAGE_SIZE);
		if (!err)
			err = gntdev_unmap(fd, op->index, MAX_BATCH);
		free(op);
		if (err) {
			close(fd);
			return fail(t, "%s: mapping grants %u-%u through the device: %s",
				    when, first, first + MAX_BATCH - 1,
				    err == -EIO ? "the pattern is not there" : strerror(-err));
		}
	}
	close(fd);
	return 0;
}
