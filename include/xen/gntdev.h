/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Userspace ABI of /dev/xen/gntdev.
 *
 * A process asks the device to reserve a range of file offsets for a list of
 * grant references (MAP_GRANT_REF), then mmap()s exactly that range to map
 * the granted pages.  The ioctl numbers and the layout of every structure
 * below are the ones Linux has always used, so libxengnttab, QEMU and
 * libxenvchan work against this device unchanged.
 */
#ifndef _UAPI_XEN_GNTDEV_H
#define _UAPI_XEN_GNTDEV_H

#include <linux/types.h>
#ifndef __KERNEL__
#include <sys/ioctl.h>
#endif

/* One granted page: who granted it and under which reference. */
struct ioctl_gntdev_grant_ref {
	__u32 domid;
	__u32 ref;
};

/*
 * Reserve file offsets for @count grants.  On return @index is the byte
 * offset to pass to mmap() (always 0 for the first map of a fresh file).
 * @refs is really @count entries long.  Count 0, or more than the module's
 * `limit` parameter, is EINVAL.
 */
#define IOCTL_GNTDEV_MAP_GRANT_REF \
	_IOC(_IOC_NONE, 'G', 0, sizeof(struct ioctl_gntdev_map_grant_ref))
struct ioctl_gntdev_map_grant_ref {
	__u32 count;
	__u32 pad;
	__u64 index;
	struct ioctl_gntdev_grant_ref refs[1];
};

/*
 * Give back the offsets reserved at @index.  Mappings that still exist keep
 * the grants until they are unmapped.  An unknown @index is ENOENT; a
 * non-zero @count must match the reservation.
 */
#define IOCTL_GNTDEV_UNMAP_GRANT_REF \
	_IOC(_IOC_NONE, 'G', 1, sizeof(struct ioctl_gntdev_unmap_grant_ref))
struct ioctl_gntdev_unmap_grant_ref {
	__u64 index;
	__u32 count;
	__u32 pad;
};

/*
 * Report the offset and size of the map mmapped at @vaddr, so a process that
 * only kept the address can release the reservation.  EINVAL if @vaddr is
 * not inside a mapping of this device.
 */
#define IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR \
	_IOC(_IOC_NONE, 'G', 2, sizeof(struct ioctl_gntdev_get_offset_for_vaddr))
struct ioctl_gntdev_get_offset_for_vaddr {
	__u64 vaddr;
	__u64 offset;
	__u32 count;
	__u32 pad;
};

/* Historic per-file cap on the number of grants; kept for old callers. */
#define IOCTL_GNTDEV_SET_MAX_GRANTS \
	_IOC(_IOC_NONE, 'G', 3, sizeof(struct ioctl_gntdev_set_max_grants))
struct ioctl_gntdev_set_max_grants {
	__u32 count;
};

/*
 * Ask the device to tell the granting side when the map at @index goes
 * away: clear the byte at @index (UNMAP_NOTIFY_CLEAR_BYTE), then signal
 * @event_channel_port (UNMAP_NOTIFY_SEND_EVENT).
 */
#define IOCTL_GNTDEV_SET_UNMAP_NOTIFY \
	_IOC(_IOC_NONE, 'G', 7, sizeof(struct ioctl_gntdev_unmap_notify))
struct ioctl_gntdev_unmap_notify {
	__u64 index;
	__u32 action;
	__u32 event_channel_port;
};

#define UNMAP_NOTIFY_CLEAR_BYTE 0x1
#define UNMAP_NOTIFY_SEND_EVENT 0x2

/*
 * One segment of a grant copy: either side is a local buffer (@virt) or a
 * foreign page (@foreign), selected by GNTCOPY_source_gref and
 * GNTCOPY_dest_gref in @flags.  The device writes a GNTST_* code to @status.
 */
struct gntdev_grant_copy_segment {
	union {
		void *virt;
		struct {
			__u32 ref;	/* grant_ref_t */
			__u16 offset;
			__u16 domid;	/* domid_t */
		} foreign;
	} source, dest;
	__u16 len;
	__u16 flags;
	__s16 status;
};

#define IOCTL_GNTDEV_GRANT_COPY \
	_IOC(_IOC_NONE, 'G', 8, sizeof(struct ioctl_gntdev_grant_copy))
struct ioctl_gntdev_grant_copy {
	unsigned int count;
	struct gntdev_grant_copy_segment *segments;
};

/*
 * dma-buf export/import (only where the kernel provides what it needs).
 * The flags are spelt as in libxengnttab's xengnttab.h, which a program may
 * include beside this header: C accepts only an identical redefinition.
 */
#define GNTDEV_DMA_FLAG_WC		(1 << 0)
#define GNTDEV_DMA_FLAG_COHERENT	(1 << 1)

#define IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS \
	_IOC(_IOC_NONE, 'G', 9, \
	     sizeof(struct ioctl_gntdev_dmabuf_exp_from_refs))
struct ioctl_gntdev_dmabuf_exp_from_refs {
	__u32 flags;
	__u32 count;
	__u32 fd;
	__u32 domid;
	__u32 refs[1];
};

#define IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED \
	_IOC(_IOC_NONE, 'G', 10, \
	     sizeof(struct ioctl_gntdev_dmabuf_exp_wait_released))
struct ioctl_gntdev_dmabuf_exp_wait_released {
	__u32 fd;
	__u32 wait_to_ms;
};

#define IOCTL_GNTDEV_DMABUF_IMP_TO_REFS \
	_IOC(_IOC_NONE, 'G', 11, \
	     sizeof(struct ioctl_gntdev_dmabuf_imp_to_refs))
struct ioctl_gntdev_dmabuf_imp_to_refs {
	__u32 fd;
	__u32 count;
	__u32 domid;
	__u32 reserved;
	__u32 refs[1];
};

#define IOCTL_GNTDEV_DMABUF_IMP_RELEASE \
	_IOC(_IOC_NONE, 'G', 12, \
	     sizeof(struct ioctl_gntdev_dmabuf_imp_release))
struct ioctl_gntdev_dmabuf_imp_release {
	__u32 fd;
	__u32 reserved;
};

#endif /* _UAPI_XEN_GNTDEV_H */
