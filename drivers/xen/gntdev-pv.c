// SPDX-License-Identifier: GPL-2.0-only
/*
 * What only a PV domain needs: there Xen writes the grants straight into
 * the user PTEs, so every map gets an mmu_interval_notifier over its VMA
 * and gives the grants back before the core mm clears or frees those PTEs.
 * Locking and lifetime rules are in gntdev-internal.h.
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <xen/grant_table.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "xen/gntdev-internal.h"

/* Nothing to do at a PTE: taking the lock of its page-table page is all. */
static int gntdev_pv_pte_nop(pte_t *pte, unsigned long addr, void *data)
{
	return 0;
}

/*
 * Wait out the get_user_pages() walkers that may have read a user PTE of
 * [start, end) before Xen cleared it.  Slow GUP (follow_page_pte()) reads
 * the PTE, asks find_special_page() for the page and takes its reference
 * all under the lock of the page-table page, but Xen clears the PTE without
 * that lock.  Once each such lock has been taken after the clearing, every
 * reference taken through the old PTE shows in page_count(), and no later
 * walker can find the page.  GUP-fast never takes a special PTE.
 * apply_to_existing_page_range() takes each of those locks in turn, and
 * allocates nothing.
 */
static void gntdev_pv_sync_gup(struct mm_struct *mm, unsigned long start,
			       unsigned long end)
{
	apply_to_existing_page_range(mm, start, end - start, gntdev_pv_pte_nop,
				     NULL);
}

/*
 * Called before any part of [vm_start, vm_start + count pages) leaves the
 * address space or changes.  Never sleeps, so a non-blockable range (the
 * OOM reaper) is handled like any other and never refused.  The page
 * tables of the range stay while it runs: they are freed only after the
 * invalidation, by whoever started it.
 *
 * Only a page that has a kernel mapping can have been handed to a GUP
 * walker (gntdev_pv_find_page()), so only such pages need the walkers
 * waited out before their kernel mappings go.  That wait runs with
 * @map->lock dropped: a walker asks for the page holding the lock of a
 * page-table page, and then takes @map->lock.  Meanwhile @map->barriers
 * keeps the release work, which waits for no walker, away from the
 * kernel mappings.
 */
static bool gntdev_pv_invalidate(struct mmu_interval_notifier *mn,
				 const struct mmu_notifier_range *range,
				 unsigned long cur_seq)
{
	struct gntdev_map *map = container_of(mn, struct gntdev_map, notifier);
	unsigned long map_end = map->vm_start + ((unsigned long)map->count << PAGE_SHIFT);
	unsigned long start = max(range->start, map->vm_start);
	unsigned long end = min(range->end, map_end);
	unsigned int first = 0, last = 0, kept = 0;

	spin_lock(&map->lock);
	mmu_interval_set_seq(mn, cur_seq);
	map->stats.invalidations++;
	atomic_long_inc(&gntdev_stats.invalidations);
	if (!mmu_notifier_range_blockable(range))
		atomic_long_inc(&gntdev_stats.nonblockable);
	if (start < end) {
		first = (start - map->vm_start) >> PAGE_SHIFT;
		last = DIV_ROUND_UP(end - map->vm_start, PAGE_SIZE);
		kept = gntdev_unmap_user_pages(map, first, last);
	}
	if (kept)
		map->barriers++;
	spin_unlock(&map->lock);

	if (!kept)
		return true;
	gntdev_pv_sync_gup(mn->mm, start, end);
	spin_lock(&map->lock);
	map->barriers--;
	gntdev_unmap_kernel_pages(map, first, last);
	spin_unlock(&map->lock);

	return true;
}

static const struct mmu_interval_notifier_ops gntdev_pv_notifier_ops = {
	.invalidate = gntdev_pv_invalidate,
};

/**
 * gntdev_pv_watch() - start invalidating @map's grants with @vma's range
 * @map: a map being mmapped for the first time.
 * @vma: its new VMA.
 *
 * The notifier stays until the map is freed.
 *
 * Return: 0, -ENOMEM, or -EINTR if a signal interrupted the set-up.
 */
int gntdev_pv_watch(struct gntdev_map *map, struct vm_area_struct *vma)
{
	int err;

	lockdep_assert_held_write(&vma->vm_mm->mmap_lock);

	map->vm_start = vma->vm_start;
	err = mmu_interval_notifier_insert_locked(&map->notifier, vma->vm_mm,
						  vma->vm_start,
						  vma->vm_end - vma->vm_start,
						  &gntdev_pv_notifier_ops);
	if (!err)
		map->notifier_inserted = true;
	return err;
}

/*
 * apply_to_page_range() callback: ask Xen to write the grant straight into
 * this PTE, marked special (the PTE's first software bit) so the core mm
 * asks the VMA for the page instead of trusting the frame number.
 */
static int gntdev_pv_note_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct gntdev_mapping *m = data;
	struct gntdev_map *map = m->map;
	unsigned int page = (addr - map->vm_start) >> PAGE_SHIFT;

	gnttab_set_map_op(&m->ops[page],
			  arbitrary_virt_to_machine(pte).maddr,
			  m->flags | GNTMAP_application_map |
			  GNTMAP_contains_pte | (1 << _GNTMAP_guest_avail0),
			  map->grants[page].ref, map->grants[page].domid);
	m->ops[page].status = GNTST_general_error;
	return 0;
}

/**
 * gntdev_pv_note_ptes() - fill in the user mapping operations of @m
 * @m: the mapping being prepared.
 * @vma: the VMA, whose page tables this populates.
 *
 * Return: 0 or -ENOMEM.
 */
int gntdev_pv_note_ptes(struct gntdev_mapping *m, struct vm_area_struct *vma)
{
	return apply_to_page_range(vma->vm_mm, vma->vm_start,
				   vma->vm_end - vma->vm_start,
				   gntdev_pv_note_pte, m);
}

/**
 * gntdev_pv_map_kernel() - map a page's grant at its kernel address
 * @map: the map; its lock is held.
 * @page: a page whose grant is in a user PTE.
 *
 * A PV map's grants go into the user PTEs only; the kernel mapping of a
 * page, which is what a get_user_pages() caller reads through the struct
 * page, is made the first time it is needed.  The page already carries the
 * foreign mark and its p2m entry from the user mapping, and keeps them
 * until the kernel mapping goes (gntdev-unmap.c).  Never sleeps.
 *
 * Return: whether the page has a kernel mapping now.
 */
bool gntdev_pv_map_kernel(struct gntdev_map *map, unsigned int page)
{
	struct gnttab_map_grant_ref op;

	lockdep_assert_held(&map->lock);

	if (map->kunmap_ops[page].handle != INVALID_GRANT_HANDLE)
		return true;
	if (map->unmap_ops[page].handle == INVALID_GRANT_HANDLE)
		return false;

	gntdev_mmap_kernel_op(map, page, &op);
	if (HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1))
		return false;
	return gntdev_mmap_record_kernel(map, page, &op);
}

/**
 * gntdev_pv_find_page() - the page behind a user PTE of @map, for the core mm
 * @map: the map.
 * @page: the page's index in @map.
 *
 * The core mm asks for the page of a special PTE with the lock of its
 * page-table page held, and get_user_pages() then takes a reference on it
 * and reads it through its kernel address.  So the page gets its kernel
 * mapping here, while its user mapping is still there; once the user
 * mapping is gone (an invalidation got to @map->lock first), a page without
 * a kernel mapping is not handed out.
 *
 * Return: the page, or NULL.
 */
struct page *gntdev_pv_find_page(struct gntdev_map *map, unsigned int page)
{
	struct page *found = NULL;

	spin_lock(&map->lock);
	if (gntdev_pv_map_kernel(map, page))
		found = map->pages[page];
	spin_unlock(&map->lock);

	return found;
}
