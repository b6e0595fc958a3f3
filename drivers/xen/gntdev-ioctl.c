// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ioctls of /dev/xen/gntdev.  Every handler copies its argument in,
 * works with no user copy under any lock, and copies its result out last.
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/uaccess.h>

#include "xen/gntdev-internal.h"

static unsigned int limit = 64 * 1024;
module_param(limit, uint, 0644);
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
	if (!op.count || op.count > READ_ONCE(limit))
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

/**
 * gntdev_ioctl() - dispatch an ioctl on the device
 * @filp: the device file.
 * @cmd: IOCTL_GNTDEV_*.
 * @arg: user pointer to the command's structure.
 *
 * Return: 0 or a negative errno; -ENOTTY for unknown commands.
 */
long gntdev_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct gntdev_file *file = filp->private_data;
	void __user *ptr = (void __user *)arg;

	switch (cmd) {
	case IOCTL_GNTDEV_MAP_GRANT_REF:
		return gntdev_ioctl_map_grant_ref(file, ptr);
	case IOCTL_GNTDEV_UNMAP_GRANT_REF:
		return gntdev_ioctl_unmap_grant_ref(file, ptr);
	case IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR:
		return gntdev_ioctl_get_offset_for_vaddr(ptr);
	default:
		return -ENOTTY;
	}
}
