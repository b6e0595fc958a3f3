/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What differs between the kernels the module builds for (Debian's 6.1
 * and 6.12), so that the sources read like current kernel code.  Kbuild
 * finds in the kernel's headers which GNTDEV_HAVE_* apply.
 */
#ifndef _XEN_GNTDEV_COMPAT_H
#define _XEN_GNTDEV_COMPAT_H

#include <linux/mm.h>

#ifndef GNTDEV_HAVE_VM_FLAGS_SET
/* Since 6.3 vm_flags may only change through these helpers. */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#ifndef GNTDEV_HAVE_MM_GET_UNMAPPED_AREA
/* Before 6.10 each mm carried its own way of placing a new mapping. */
static inline unsigned long mm_get_unmapped_area(struct mm_struct *mm,
						 struct file *filp,
						 unsigned long addr,
						 unsigned long len,
						 unsigned long pgoff,
						 unsigned long flags)
{
	return mm->get_unmapped_area(filp, addr, len, pgoff, flags);
}
#endif

#ifdef CONFIG_NUMA
/*
 * vm_operations_struct.get_policy gained an interleave index in 6.7.
 * GNTDEV_GET_POLICY(fn) declares fn as that callback, with the arguments
 * of the kernel at hand: vma, addr and, since 6.7, ilx.
 */
#ifdef GNTDEV_HAVE_GET_POLICY_ILX
#define GNTDEV_GET_POLICY(fn) \
	struct mempolicy *(fn)(struct vm_area_struct *vma, unsigned long addr, \
			       pgoff_t *ilx)
#else
#define GNTDEV_GET_POLICY(fn) \
	struct mempolicy *(fn)(struct vm_area_struct *vma, unsigned long addr)
#endif
#endif

#endif /* _XEN_GNTDEV_COMPAT_H */
