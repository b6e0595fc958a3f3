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
 */
static bool gntdev_pv_invalidate(struct mmu_interval_notifier *mn,
				 const struct mmu_notifier_range *range,
				 unsigned long cur_seq)
{
	struct gntdev_map *map = container_of(mn, struct gntdev_map, notifier);
	unsigned long map_end = map->vm_start + ((unsigned long)map->count << PAGE_SHIFT);
	unsigned long start = max(range->start, map->vm_start);
	unsigned long end = min(range->end, map_end);
	unsigned int first, last;

	spin_lock(&map->lock);
	mmu_interval_set_seq(mn, cur_seq);
	map->stats.invalidations++;
	atomic_long_inc(&gntdev_stats.invalidations);
	if (!mmu_notifier_range_blockable(range))
		atomic_long_inc(&gntdev_stats.nonblockable);
	if (start < end) {
		first = (start - map->vm_start) >> PAGE_SHIFT;
		last = DIV_ROUND_UP(end - map->vm_start, PAGE_SIZE);
		if (gntdev_unmap_user_pages(map, first, last))
			gntdev_pv_sync_gup(mn->mm, start, end);
		gntdev_unmap_kernel_pages(map, first, last);
	}
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

	gnttab_set_map_op(&m->user_ops[page],
			  arbitrary_virt_to_machine(pte).maddr,
			  m->flags | GNTMAP_application_map |
			  GNTMAP_contains_pte | (1 << _GNTMAP_guest_avail0),
			  map->grants[page].ref, map->grants[page].domid);
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
