// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ioctls of /dev/xen/gntdev.  Every handler but GRANT_COPY copies its
 * argument in, works with no user copy under any lock, and copies its
 * result out last.  GRANT_COPY reads its segments and writes their statuses
 * as it goes, under the file's copy_lock; that lock is only ever tried
 * (gntdev-copy.c), so nothing waits for it and a fault under it closes no
 * cycle.
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/uaccess.h>

#include <xen/events.h>

#include "xen/gntdev-internal.h"

static unsigned int gntdev_limit = 64 * 1024;
module_param_named(limit, gntdev_limit, uint, 0644);
MODULE_PARM_DESC(limit,
		 "Maximum number of grants in one MAP_GRANT_REF request");

static long gntdev_ioctl_map_grant_ref(struct gntdev_file *file,
				       struct ioctl_gntdev_map_grant_ref __user *u)
{
	struct ioctl_gntdev_map_grant_ref op;
	struct gntdev_map *map;
	int err;

	if (copy_from_user(&op, u, offsetof(typeof(op), refs)))
		return -EFAULT;
	/* No map is larger than it can be, whatever @gntdev_limit says. */
	if (!op.count || op.count > READ_ONCE(gntdev_limit) ||
	    op.count > gntdev_map_max_grants())
		return -EINVAL;

	map = gntdev_map_alloc(op.count);
	if (!map)
		return -ENOMEM;
	if (copy_from_user(map->grants, u->refs,
			   array_size(op.count, sizeof(map->grants[0])))) {
		err = -EFAULT;
		goto put_map;
	}

	err = gntdev_file_add_map(file, map);
	if (err)
		goto put_map;

	op.index = (u64)map->offsets.start << PAGE_SHIFT;
	if (put_user(op.index, &u->index)) {
		gntdev_file_remove_map(file, map);
		err = -EFAULT;
	}

put_map:
	gntdev_map_put(map);
	return err;
}

static long gntdev_ioctl_unmap_grant_ref(struct gntdev_file *file,
					 struct ioctl_gntdev_unmap_grant_ref __user *u)
{
	struct ioctl_gntdev_unmap_grant_ref op;
	struct gntdev_map *map;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;

	map = gntdev_file_take_map(file, op.index >> PAGE_SHIFT, op.count);
	if (!map)
		return -ENOENT;
	gntdev_map_put(map);
	return 0;
}

static long gntdev_ioctl_get_offset_for_vaddr(struct ioctl_gntdev_get_offset_for_vaddr __user *u)
{
	struct ioctl_gntdev_get_offset_for_vaddr op;
	struct vm_area_struct *vma;
	struct gntdev_map *map = NULL;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;

	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, op.vaddr);
	if (vma)
		map = gntdev_vma_map(vma);
	if (map) {
		op.offset = (u64)map->offsets.start << PAGE_SHIFT;
		op.count = map->count;
	}
	mmap_read_unlock(current->mm);

	if (!map)
		return -EINVAL;
	if (copy_to_user(u, &op, sizeof(op)))
		return -EFAULT;
	return 0;
}

static long gntdev_ioctl_set_unmap_notify(struct gntdev_file *file,
					  struct ioctl_gntdev_unmap_notify __user *u)
{
	struct ioctl_gntdev_unmap_notify op;
	struct gntdev_unmap_notify notify;
	struct gntdev_map *map;
	int err;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (op.action & ~(UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT))
		return -EINVAL;

	/* The map will own this reference on the port; take it first. */
	if ((op.action & UNMAP_NOTIFY_SEND_EVENT) &&
	    evtchn_get(op.event_channel_port))
		return -EINVAL;
	notify.action = op.action;
	notify.port = op.event_channel_port;

	map = gntdev_file_get_map_at(file, op.index >> PAGE_SHIFT);
	if (map) {
		notify.offset = op.index - ((u64)map->offsets.start << PAGE_SHIFT);
		err = gntdev_map_set_notify(map, &notify);
		gntdev_map_put(map);
	} else {
		err = -ENOENT;
	}

	/* What the map did not keep: the old notification, or the new one. */
	if (notify.action & UNMAP_NOTIFY_SEND_EVENT)
		evtchn_put(notify.port);
	return err;
}

static long gntdev_ioctl_grant_copy(struct gntdev_file *file,
				    struct ioctl_gntdev_grant_copy __user *u)
{
	struct ioctl_gntdev_grant_copy op;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	return gntdev_grant_copy(file, (void __user *)op.segments, op.count);
}

/**
 * gntdev_ioctl() - dispatch an ioctl on the device
 * @file: the file it came through.
 * @cmd: IOCTL_GNTDEV_*.
 * @arg: user pointer to the command's structure.
 *
 * Return: 0 or a negative errno; -ENOTTY for unknown commands.
 */
long gntdev_ioctl(struct gntdev_file *file, unsigned int cmd,
		  unsigned long arg)
{
	void __user *ptr = (void __user *)arg;

	switch (cmd) {
	case IOCTL_GNTDEV_MAP_GRANT_REF:
		return gntdev_ioctl_map_grant_ref(file, ptr);
	case IOCTL_GNTDEV_UNMAP_GRANT_REF:
		return gntdev_ioctl_unmap_grant_ref(file, ptr);
	case IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR:
		return gntdev_ioctl_get_offset_for_vaddr(ptr);
	case IOCTL_GNTDEV_SET_MAX_GRANTS:
		/*
		 * Linux has long answered ENOTTY here, and libxengnttab takes
		 * that as success.  QEMU relies on it: it caps a handle at its
		 * ring size, then maps request pages through the same handle
		 * when grant copy is unavailable.  So there is no cap.
		 */
		return -ENOTTY;
	case IOCTL_GNTDEV_SET_UNMAP_NOTIFY:
		return gntdev_ioctl_set_unmap_notify(file, ptr);
	case IOCTL_GNTDEV_GRANT_COPY:
		return gntdev_ioctl_grant_copy(file, ptr);
	default:
		/* dma-buf needs XEN_GRANT_DMA_ALLOC, which is not ours to add. */
		return -ENOTTY;
	}
}

#ifdef CONFIG_COMPAT
/* GRANT_COPY as a 32-bit process lays it out: a 32-bit pointer. */
struct ioctl_gntdev_grant_copy32 {
	unsigned int count;
	compat_uptr_t segments;
};

#define IOCTL_GNTDEV_GRANT_COPY32 \
	_IOC(_IOC_NONE, 'G', 8, sizeof(struct ioctl_gntdev_grant_copy32))

static long gntdev_ioctl_grant_copy32(struct gntdev_file *file,
				      struct ioctl_gntdev_grant_copy32 __user *u)
{
	struct ioctl_gntdev_grant_copy32 op;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	return gntdev_grant_copy(file, compat_ptr(op.segments), op.count);
}

/**
 * gntdev_compat_ioctl() - an ioctl from a 32-bit process
 * @file: the file it came through.
 * @cmd: IOCTL_GNTDEV_*, as a 32-bit process numbers it.
 * @arg: 32-bit user pointer to the command's structure.
 *
 * Every structure but GRANT_COPY's has the same layout for 32-bit and
 * 64-bit processes; GRANT_COPY's segments are read with 32-bit pointers.
 *
 * Return: as gntdev_ioctl().
 */
long gntdev_compat_ioctl(struct gntdev_file *file, unsigned int cmd,
			 unsigned long arg)
{
	if (cmd == IOCTL_GNTDEV_GRANT_COPY32)
		return gntdev_ioctl_grant_copy32(file, compat_ptr(arg));
	return gntdev_ioctl(file, cmd, (unsigned long)compat_ptr(arg));
}
#endif
