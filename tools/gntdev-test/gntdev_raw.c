#include "gntdev_raw.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* Our uapi header (../../include) if present, else linux-libc-dev's copy. */
#include <xen/gntdev.h>

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

int gd_open(void)
{
	int fd = open(GNTDEV_PATH, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int gd_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

size_t gd_map_struct_size(uint32_t count)
{
	return offsetof(struct ioctl_gntdev_map_grant_ref, refs) +
	       (size_t)count * sizeof(struct ioctl_gntdev_grant_ref);
}

int gd_map_doms(int fd, const uint32_t *doms, const uint32_t *refs, uint32_t count,
		uint64_t *index)
{
	size_t sz = gd_map_struct_size(count ? count : 1);
	struct ioctl_gntdev_map_grant_ref *op = calloc(1, sz);
	if (!op)
		return -ENOMEM;
	op->count = count;
	for (uint32_t i = 0; i < count; i++) {
		op->refs[i].domid = doms[i];
		op->refs[i].ref = refs[i];
	}
	int rc = gd_ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op);
	if (rc == 0 && index)
		*index = op->index;
	free(op);
	return rc;
}

int gd_map(int fd, uint32_t domid, const uint32_t *refs, uint32_t count, uint64_t *index)
{
	uint32_t *doms = calloc(count ? count : 1, sizeof(*doms));
	if (!doms)
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++)
		doms[i] = domid;
	int rc = gd_map_doms(fd, doms, refs, count, index);
	free(doms);
	return rc;
}

int gd_unmap(int fd, uint64_t index, uint32_t count)
{
	struct ioctl_gntdev_unmap_grant_ref op = { .index = index, .count = count };
	return gd_ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &op);
}

int gd_offset_for_vaddr(int fd, const void *vaddr, uint64_t *offset, uint32_t *count)
{
	struct ioctl_gntdev_get_offset_for_vaddr op = { .vaddr = (uintptr_t)vaddr };
	int rc = gd_ioctl(fd, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &op);
	if (rc == 0) {
		if (offset)
			*offset = op.offset;
		if (count)
			*count = op.count;
	}
	return rc;
}

int gd_set_unmap_notify(int fd, uint64_t index, uint32_t action, uint32_t port)
{
	struct ioctl_gntdev_unmap_notify op = {
		.index = index, .action = action, .event_channel_port = port,
	};
	return gd_ioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &op);
}

int gd_set_max_grants(int fd, uint32_t count)
{
	struct ioctl_gntdev_set_max_grants op = { .count = count };
	return gd_ioctl(fd, IOCTL_GNTDEV_SET_MAX_GRANTS, &op);
}

void *gd_mmap(int fd, uint64_t index, uint32_t count, int prot)
{
	void *p = mmap(NULL, (size_t)count * page_size(), prot, MAP_SHARED, fd, (off_t)index);
	return p == MAP_FAILED ? NULL : p;
}

unsigned long gd_req_map(void) { return IOCTL_GNTDEV_MAP_GRANT_REF; }
unsigned long gd_req_unmap(void) { return IOCTL_GNTDEV_UNMAP_GRANT_REF; }
unsigned long gd_req_offset(void) { return IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR; }
unsigned long gd_req_notify(void) { return IOCTL_GNTDEV_SET_UNMAP_NOTIFY; }
