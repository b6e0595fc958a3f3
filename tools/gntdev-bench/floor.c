// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor: what Xen alone charges to map and unmap a grant.  B bare
 * GNTTABOP_map_grant_ref operations in one hypercall, then B
 * GNTTABOP_unmap_grant_ref, issued through /dev/xen/privcmd, with
 * GNTMAP_device_map only: no page table is written, no page allocated, no
 * module involved.  It is measured in every turn anyway: the same figure
 * for both modules says the machine did not drift.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/sys/privcmd.h>

#include "bench.h"

/* The hypervisor reads the operations from, and writes results to, these:
 * locked, so that no fault can get in its way. */
static struct gnttab_map_grant_ref map[MAX_BATCH];
static struct gnttab_unmap_grant_ref unmap[MAX_BATCH];

static int grant_table_op(int fd, unsigned int cmd, void *ops, unsigned int count)
{
	privcmd_hypercall_t call = {
		.op = __HYPERVISOR_grant_table_op,
		.arg = { cmd, (uintptr_t)ops, count },
	};

	return ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &call) < 0 ? -errno : 0;
}

/* Unmap what the map operations mapped; -1 if any of it fails. */
static int unmap_mapped(int fd, unsigned int batch)
{
	unsigned int k, n = 0;
	int bad = 0;

	for (k = 0; k < batch; k++) {
		if (map[k].status != GNTST_okay)
			continue;
		unmap[n].host_addr = 0;
		unmap[n].dev_bus_addr = map[k].dev_bus_addr;
		unmap[n].handle = map[k].handle;
		n++;
	}
	if (!n)
		return 0;
	if (grant_table_op(fd, GNTTABOP_unmap_grant_ref, unmap, n))
		return -1;
	for (k = 0; k < n; k++)
		bad |= unmap[k].status != GNTST_okay;
	return bad ? -1 : 0;
}

/* One sample: ns for the map and the unmap hypercall of a batch. */
static int floor_once(struct turn *t, void *privcmd, unsigned int batch, double *ns)
{
	int fd = *(int *)privcmd;
	unsigned int k;
	double t0, t1, t2;
	int err;

	for (k = 0; k < batch; k++) {
		map[k].host_addr = 0;
		map[k].flags = GNTMAP_device_map;
		map[k].ref = grant_ref(k);
		map[k].dom = 0;
		map[k].status = GNTST_general_error;
	}
	t0 = now_ns();
	err = grant_table_op(fd, GNTTABOP_map_grant_ref, map, batch);
	t1 = now_ns();
	if (err)
		return fail(t, "floor: map hypercall, batch %u: %s", batch, strerror(-err));
	for (k = 0; k < batch; k++) {
		if (map[k].status != GNTST_okay) {
			unmap_mapped(fd, batch);
			return fail(t, "floor: GNTTABOP_map_grant_ref of grant %u: status %d",
				    k, map[k].status);
		}
	}
	t2 = now_ns();
	err = unmap_mapped(fd, batch);
	*ns = elapsed(t0, t1) + elapsed(t2, now_ns());
	return err ? fail(t, "floor: GNTTABOP_unmap_grant_ref failed, batch %u", batch) : 0;
}

int bench_floor(struct turn *t)
{
	unsigned int b;
	int fd, err = 0;

	if (mlock(map, sizeof(map)) || mlock(unmap, sizeof(unmap)))
		return fail(t, "floor: mlock: %s", strerror(errno));
	fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(t, "floor: open /dev/xen/privcmd: %s", strerror(errno));
	for (b = 0; b < NR_BATCHES && !err; b++)
		err = batch_figure(t, "floor", batches[b], floor_once, &fd);
	close(fd);
	return err;
}
