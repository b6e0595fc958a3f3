// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmap() of a map: the VMA, and asking Xen to map the grants.
 *
 * In a PV domain each grant is mapped into the user PTE, which Xen writes
 * itself, and at the kernel linear address of the map's struct page only
 * once the core mm asks the VMA for that page (find_special_page(): a
 * get_user_pages() walker, for one) or the unmap notification writes its
 * byte there.  In an auto-translated (PVH) domain the grant is mapped once,
 * at the guest frame of the map's struct page, and that page is inserted
 * into the VMA like any other.  Locking and lifetime rules are in
 * gntdev-internal.h.
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mempolicy.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <xen/grant_table.h>

#include "xen/gntdev-compat.h"
#include "xen/gntdev-internal.h"

/* ------------------------------------------------------------------ */
/* The VMA */

static void gntdev_vma_open(struct vm_area_struct *vma)
{
	gntdev_map_get(vma->vm_private_data);
}

static void gntdev_vma_close(struct vm_area_struct *vma)
{
	gntdev_map_put(vma->vm_private_data);
}

/* PV: the page behind one of the special PTEs Xen wrote. */
static struct page *gntdev_vma_find_special_page(struct vm_area_struct *vma,
						 unsigned long addr)
{
	struct gntdev_map *map = vma->vm_private_data;
	unsigned long page = (addr - map->vm_start) >> PAGE_SHIFT;

	/* After mremap() the VMA no longer sits where the pages were mapped. */
	if (addr < map->vm_start || page >= map->count)
		return NULL;
	return gntdev_pv_find_page(map, page);
}

#ifdef CONFIG_NUMA
/*
 * A policy without MPOL_F_MOF: the NUMA balancing scanner skips the VMA.
 * It would otherwise turn the grant PTEs into PROT_NONE hinting entries,
 * which the notifier can only meet by unmapping the grants of a live
 * mapping.  It must be a policy of our own: where a VMA reports none,
 * 6.12 judges it by the task's policy, which has the flag (6.1 did not).
 * Nothing allocates for these VMAs, so the mode only shows in numa_maps.
 * Never freed: the reference count starts at one, and get_mempolicy()'s
 * temporary reference is the only one taken.  (VM_MIXEDMAP would keep the
 * scanner out too, but makes a fork after MADV_DOFORK copy the grant
 * PTEs.)
 */
static struct mempolicy gntdev_vma_policy = {
	.refcnt = ATOMIC_INIT(1),
	.mode = MPOL_LOCAL,
};

static GNTDEV_GET_POLICY(gntdev_vma_get_policy)
{
	return &gntdev_vma_policy;
}
#endif

static const struct vm_operations_struct gntdev_vm_ops = {
	.open = gntdev_vma_open,
	.close = gntdev_vma_close,
	.find_special_page = gntdev_vma_find_special_page,
#ifdef CONFIG_NUMA
	.get_policy = gntdev_vma_get_policy,
#endif
};

/**
 * gntdev_vma_map() - the map behind a VMA of this device
 * @vma: any VMA; the caller holds mmap_lock.
 *
 * Return: the map, or NULL if @vma does not map this device.
 */
struct gntdev_map *gntdev_vma_map(struct vm_area_struct *vma)
{
	lockdep_assert_held(&vma->vm_mm->mmap_lock);
	return vma->vm_ops == &gntdev_vm_ops ? vma->vm_private_data : NULL;
}

/* ------------------------------------------------------------------ */
/* Mapping the grants */

/* GNTMAP_* common to every mapping of @map's grants. */
static u32 gntdev_mmap_flags(struct gntdev_map *map)
{
	return GNTMAP_host_map | (map->readonly ? GNTMAP_readonly : 0);
}

/**
 * gntdev_mmap_kernel_op() - the operation that maps a grant behind its page
 * @map: the map, whose @readonly is set.
 * @page: the page.
 * @op: out, the operation: at the page's kernel address (PV) or guest
 *	frame (auto-translated).
 */
void gntdev_mmap_kernel_op(struct gntdev_map *map, unsigned int page,
			   struct gnttab_map_grant_ref *op)
{
	gnttab_set_map_op(op, (unsigned long)page_address(map->pages[page]),
			  gntdev_mmap_flags(map), map->grants[page].ref,
			  map->grants[page].domid);
	op->status = GNTST_general_error;
}

/* Auto-translated: map each grant at the guest frame of its page. */
static void gntdev_mmap_note_kernel_ops(struct gntdev_mapping *m)
{
	unsigned int page;

	for (page = 0; page < m->map->count; page++)
		gntdev_mmap_kernel_op(m->map, page, &m->ops[page]);
}

/* Keep what Xen needs to unmap one mapping, as Xen was given it. */
static bool gntdev_mmap_record_op(const struct gnttab_map_grant_ref *op,
				  struct gnttab_unmap_grant_ref *unmap,
				  unsigned int *live, atomic_long_t *pages)
{
	if (op->status != GNTST_okay)
		return false;
	unmap->host_addr = op->host_addr;
	unmap->dev_bus_addr = 0;
	unmap->handle = op->handle;
	(*live)++;
	atomic_long_inc(pages);
	return true;
}

/**
 * gntdev_mmap_record_kernel() - keep what Xen needs to unmap a kernel mapping
 * @map: the map; its lock is held.
 * @page: the page.
 * @op: the operation of gntdev_mmap_kernel_op(), as Xen returned it.
 *
 * Return: whether Xen mapped the grant.
 */
bool gntdev_mmap_record_kernel(struct gntdev_map *map, unsigned int page,
			       const struct gnttab_map_grant_ref *op)
{
	lockdep_assert_held(&map->lock);

	return gntdev_mmap_record_op(op, &map->kunmap_ops[page],
				     &map->kernel_live,
				     &gntdev_stats.kernel_pages);
}

/* Record what Xen mapped; returns whether every grant mapped. */
static bool gntdev_mmap_record(struct gntdev_mapping *m)
{
	struct gntdev_map *map = m->map;
	unsigned int page;
	bool all = true;

	lockdep_assert_held(&map->lock);

	for (page = 0; page < map->count; page++) {
		if (gntdev_pv)
			all &= gntdev_mmap_record_op(&m->ops[page],
						     &map->unmap_ops[page],
						     &map->user_live,
						     &gntdev_stats.user_pages);
		else
			all &= gntdev_mmap_record_kernel(map, page,
							 &m->ops[page]);
	}
	return all;
}

/* Maps up to this many pages take their operations from the stack. */
#define GNTDEV_MMAP_STACK_OPS	4

/*
 * PV: into the user PTEs only, in one hypercall; the p2m entries of the
 * pages follow the frames Xen wrote there.  The kernel mappings come when
 * the core mm asks for a page (gntdev_pv_find_page()).
 * Auto-translated: at the pages' guest frames.
 */
static int gntdev_mmap_grants(struct gntdev_map *map,
			      struct vm_area_struct *vma)
{
	struct gnttab_map_grant_ref stack_ops[GNTDEV_MMAP_STACK_OPS];
	struct gntdev_mapping m = {
		.map = map,
		.flags = gntdev_mmap_flags(map),
		.ops = stack_ops,
	};
	unsigned long seq = 0;
	int err;

	if (map->count > ARRAY_SIZE(stack_ops)) {
		m.ops = kvmalloc_array(map->count, sizeof(*m.ops), GFP_KERNEL);
		if (!m.ops)
			return -ENOMEM;
	}
	if (gntdev_pv) {
		seq = mmu_interval_read_begin(&map->notifier);
		err = gntdev_pv_note_ptes(&m, vma);
		if (err)
			goto free_ops;
	} else {
		gntdev_mmap_note_kernel_ops(&m);
	}
	/* Statuses tell what was mapped even when this reports an error. */
	err = gnttab_map_refs(m.ops, NULL, map->pages, map->count);

	spin_lock(&map->lock);
	/*
	 * mmap_lock is held for write and the VMA is not yet linked into the
	 * mm, so nothing can have invalidated the range since read_begin.
	 */
	WARN_ON_ONCE(gntdev_pv && mmu_interval_read_retry(&map->notifier, seq));
	if (!gntdev_mmap_record(&m) || err) {
		/* Nobody can hold the pages yet: everything goes at once. */
		gntdev_unmap_pages(map, 0, map->count);
		if (!err)
			err = -EINVAL;
	}
	spin_unlock(&map->lock);

free_ops:
	if (m.ops != stack_ops)
		kvfree(m.ops);
	return err;
}

/* ------------------------------------------------------------------ */
/* mmap() */

/* Does [@addr, @addr + @len) hold a VMA of the map at page offset @index? */
static bool gntdev_mmap_covers_own(struct gntdev_file *file, unsigned long addr,
				   unsigned long len, unsigned long index)
{
	VMA_ITERATOR(vmi, current->mm, addr);
	struct vm_area_struct *vma;
	struct gntdev_map *map;
	bool found = false;

	lockdep_assert_held(&current->mm->mmap_lock);

	map = gntdev_file_get_map_at(file, index);
	if (!map)
		return false;
	for_each_vma_range(vmi, vma, addr + len) {
		if (gntdev_vma_map(vma) == map) {
			found = true;
			break;
		}
	}
	gntdev_map_put(map);
	return found;
}

/**
 * gntdev_get_unmapped_area() - place an mmap() of @file, or refuse it early
 * @file: the device file.
 * @filp: its struct file.
 * @addr: the address asked for.
 * @len: the length of the mapping.
 * @pgoff: its first page offset in @file.
 * @flags: the MAP_* flags.
 *
 * A MAP_FIXED mmap() takes out whatever lies under it before ->mmap() gets
 * to refuse anything.  When that is a mapping of the very map being mmapped
 * again, the first mapping would lose its grants and the second would still
 * fail, so the request is refused here, while the first is intact.
 * mremap() also comes here with MAP_FIXED, but only after it has emptied
 * its destination, so a move never meets its own VMA.
 *
 * Return: the address for the mapping, or a negative errno: -EINVAL for a
 * MAP_FIXED mmap() over a mapping of the same map.
 */
unsigned long gntdev_get_unmapped_area(struct gntdev_file *file,
				       struct file *filp, unsigned long addr,
				       unsigned long len, unsigned long pgoff,
				       unsigned long flags)
{
	if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) == MAP_FIXED &&
	    gntdev_mmap_covers_own(file, addr, len, pgoff))
		return -EINVAL;
	return mm_get_unmapped_area(current->mm, filp, addr, len, pgoff, flags);
}

/**
 * gntdev_mmap() - map a whole map of @file at @vma
 * @file: the device file.
 * @vma: the new VMA; its offset and size must name exactly one map.
 *
 * Return: 0; -EINVAL for a writable private mapping, for a range that is
 * not exactly one map, for a map mmapped before, or when Xen refused a
 * grant; -ENOMEM, -EINTR, or the error of the map hypercall or of
 * inserting the pages into the VMA (PVH), when the set-up could not be
 * completed.
 */
int gntdev_mmap(struct gntdev_file *file, struct vm_area_struct *vma)
{
	struct gntdev_map *map;
	int err;

	lockdep_assert_held_write(&vma->vm_mm->mmap_lock);

	if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
		return -EINVAL;

	map = gntdev_file_get_map(file, vma->vm_pgoff, vma_pages(vma));
	if (!map)
		return -EINVAL;

	WRITE_ONCE(map->readonly, !(vma->vm_flags & VM_WRITE));
	if (gntdev_pv) {
		err = gntdev_pv_watch(map, vma);
		if (err) {
			gntdev_file_unmark_mmapped(file, map);
			goto put_map;
		}
	}

	err = gntdev_mmap_grants(map, vma);
	if (err)
		goto put_map;

	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	if (map->readonly)
		vm_flags_clear(vma, VM_MAYWRITE);
	if (gntdev_pv) {
		/*
		 * Children get nothing: the PTEs are Xen's.  Not VM_MIXEDMAP
		 * either, so that a fork after MADV_DOFORK still copies no
		 * PTE: the special PTEs reach find_special_page() all the same.
		 */
		vm_flags_set(vma, VM_DONTCOPY);
	} else {
		/* The grants stay until the map goes, whatever the VMA does. */
		err = vm_map_pages_zero(vma, map->pages, map->count);
		if (err)
			goto put_map;
	}
	vma->vm_ops = &gntdev_vm_ops;
	vma->vm_private_data = map;
	return 0;

put_map:
	/* A failed ->mmap() gets no ->close(): drop the VMA's reference. */
	gntdev_map_put(map);
	return err;
}
