// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mapping grants into the address space of a PV domain, where Xen writes
 * the user PTEs itself, and taking them out again when the mm invalidates
 * them.  Locking and lifetime rules are in gntdev-internal.h.
 *
 * Each page of a mapped map holds up to two grant mappings:
 *
 *   user mapping     Xen wrote the grant into the user PTE
 *                    (GNTMAP_contains_pte); unmapped by the notifier as
 *                    soon as the range is invalidated.
 *   kernel mapping   the grant backs the kernel linear address of the
 *                    map's struct page, which get_user_pages() users read;
 *                    released once nobody but the map holds the page.
 *
 * A user mapping is always removed before its kernel mapping, and once the
 * user PTE is gone nobody can take a new reference on the page, so a page
 * whose count has dropped to one stays that way until the map frees it.
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "xen/gntdev-compat.h"
#include "xen/gntdev-internal.h"

/* Grant operations handed to Xen in one hypercall. */
#define GNTDEV_UNMAP_BATCH	64

/* Back-off of the release work while pages stay pinned: 10ms .. ~1.3s. */
#define GNTDEV_RELEASE_DELAY_MS		10
#define GNTDEV_RELEASE_MAX_SHIFT	7

static struct workqueue_struct *gntdev_release_wq;

/* ------------------------------------------------------------------ */
/* Taking grants out: user mappings, then kernel mappings */

static void gntdev_pv_unmap_user_batch(struct gntdev_map *map,
				       unsigned int first, unsigned int n)
{
	struct gnttab_unmap_grant_ref *ops = &map->unmap_ops[first];
	unsigned int i;
	int ret;

	lockdep_assert_held(&map->lock);

	for (i = 0; i < n; i++)
		ops[i].status = GNTST_general_error;
	ret = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, ops, n);
	map->stats.unmap_batches++;
	atomic_long_inc(&gntdev_stats.unmap_batches);
	atomic_long_sub(n, &gntdev_stats.user_pages);

	for (i = 0; i < n; i++) {
		unsigned int page = first + i;

		if (ret || ops[i].status != GNTST_okay)
			pr_err_ratelimited("Xen refused to unmap grant %u of domain %u from user space (%d/%d)\n",
					   map->grants[page].ref,
					   map->grants[page].domid,
					   ret, ops[i].status);
		ops[i].handle = INVALID_GRANT_HANDLE;
		map->user_live--;
		/* Without a kernel mapping nothing else will clear the mark. */
		if (map->kunmap_ops[page].handle == INVALID_GRANT_HANDLE)
			ClearPageForeign(map->pages[page]);
	}
}

/* Unmap the user mappings of pages [first, last) that still have one. */
static void gntdev_pv_unmap_user(struct gntdev_map *map,
				 unsigned int first, unsigned int last)
{
	unsigned int page = first, n;

	lockdep_assert_held(&map->lock);

	while (page < last) {
		for (n = 0; page + n < last && n < GNTDEV_UNMAP_BATCH; n++)
			if (map->unmap_ops[page + n].handle == INVALID_GRANT_HANDLE)
				break;
		if (n)
			gntdev_pv_unmap_user_batch(map, page, n);
		page += n ? n : 1;
	}
}

static bool gntdev_pv_kernel_only(struct gntdev_map *map, unsigned int page)
{
	return map->unmap_ops[page].handle == INVALID_GRANT_HANDLE &&
	       map->kunmap_ops[page].handle != INVALID_GRANT_HANDLE;
}

static void gntdev_pv_release_kernel_batch(struct gntdev_map *map,
					   unsigned int first, unsigned int n)
{
	struct gnttab_unmap_grant_ref *ops = &map->kunmap_ops[first];
	unsigned int i;
	int ret;

	lockdep_assert_held(&map->lock);

	for (i = 0; i < n; i++)
		ops[i].status = GNTST_general_error;
	/* Also clears the pages' foreign mark and their p2m override. */
	ret = gnttab_unmap_refs(ops, NULL, &map->pages[first], n);
	map->stats.unmap_batches++;
	atomic_long_inc(&gntdev_stats.unmap_batches);
	atomic_long_sub(n, &gntdev_stats.kernel_pages);

	for (i = 0; i < n; i++) {
		if (ops[i].status != GNTST_okay)
			pr_err_ratelimited("Xen refused to unmap grant %u of domain %u from the kernel (%d/%d)\n",
					   map->grants[first + i].ref,
					   map->grants[first + i].domid,
					   ret, ops[i].status);
		ops[i].handle = INVALID_GRANT_HANDLE;
		map->kernel_live--;
	}
}

/*
 * Release the kernel mappings of pages [first, last) whose user mapping is
 * gone and that nobody else holds.  Returns how many such pages are still
 * held by someone (a pipe, a DMA), to be retried later.
 */
static unsigned int gntdev_pv_release_kernel(struct gntdev_map *map,
					     unsigned int first,
					     unsigned int last)
{
	unsigned int page = first, n, pinned = 0;

	lockdep_assert_held(&map->lock);

	while (page < last) {
		for (n = 0; page + n < last && n < GNTDEV_UNMAP_BATCH; n++)
			if (!gntdev_pv_kernel_only(map, page + n) ||
			    page_count(map->pages[page + n]) > 1)
				break;
		if (n) {
			gntdev_pv_release_kernel_batch(map, page, n);
			page += n;
			continue;
		}
		if (gntdev_pv_kernel_only(map, page))
			pinned++;
		page++;
	}
	return pinned;
}

static unsigned long gntdev_pv_release_delay(struct gntdev_map *map)
{
	unsigned int shift = min_t(unsigned int, map->release_attempts,
				   GNTDEV_RELEASE_MAX_SHIFT);

	return msecs_to_jiffies(GNTDEV_RELEASE_DELAY_MS << shift);
}

/* Retry the kernel mappings later; the work holds a reference meanwhile. */
static void gntdev_pv_queue_release(struct gntdev_map *map)
{
	lockdep_assert_held(&map->lock);

	if (map->release_queued)
		return;
	map->release_queued = true;
	map->release_attempts = 0;
	gntdev_map_get(map);
	queue_delayed_work(gntdev_release_wq, &map->release_work,
			   gntdev_pv_release_delay(map));
}

/**
 * gntdev_pv_release_work() - release kernel mappings whose pins dropped
 * @work: the map's release work.
 *
 * Requeues itself with growing delays while any page stays pinned, then
 * drops the reference taken when it was queued.
 */
void gntdev_pv_release_work(struct work_struct *work)
{
	struct gntdev_map *map = container_of(to_delayed_work(work),
					      struct gntdev_map, release_work);
	unsigned int pinned;

	spin_lock(&map->lock);
	pinned = gntdev_pv_release_kernel(map, 0, map->count);
	if (pinned) {
		map->release_attempts++;
		queue_delayed_work(gntdev_release_wq, &map->release_work,
				   gntdev_pv_release_delay(map));
	} else {
		map->release_queued = false;
	}
	spin_unlock(&map->lock);

	if (!pinned)
		gntdev_map_put(map);
}

/*
 * UNMAP_NOTIFY_CLEAR_BYTE: clear the byte while its page, among [first,
 * last), is still mapped, so the granting side sees it before the grant
 * goes.  A read-only mapping cannot be written; its notification is only
 * the event.
 */
static void gntdev_pv_notify_clear_byte(struct gntdev_map *map,
					unsigned int first, unsigned int last)
{
	struct gntdev_unmap_notify *notify = &map->notify;
	unsigned int page = notify->offset >> PAGE_SHIFT;
	u8 *byte;

	lockdep_assert_held(&map->lock);

	if (!(notify->action & UNMAP_NOTIFY_CLEAR_BYTE) ||
	    page < first || page >= last)
		return;
	if (!map->readonly &&
	    map->kunmap_ops[page].handle != INVALID_GRANT_HANDLE) {
		byte = page_address(map->pages[page]);
		WRITE_ONCE(byte[offset_in_page(notify->offset)], 0);
	}
	notify->action &= ~UNMAP_NOTIFY_CLEAR_BYTE;
}

/* Take pages [first, last) out: user mappings now, kernel ones when free. */
static void gntdev_pv_unmap_pages(struct gntdev_map *map,
				  unsigned int first, unsigned int last)
{
	unsigned int pinned;

	lockdep_assert_held(&map->lock);

	gntdev_pv_notify_clear_byte(map, first, last);
	gntdev_pv_unmap_user(map, first, last);
	pinned = gntdev_pv_release_kernel(map, first, last);
	if (pinned) {
		map->stats.deferred += pinned;
		atomic_long_add(pinned, &gntdev_stats.deferred);
		gntdev_pv_queue_release(map);
	}
}

/* ------------------------------------------------------------------ */
/* The notifier */

/*
 * Called before any part of [vm_start, vm_start + count pages) leaves the
 * address space or changes.  Never sleeps, so a non-blockable range (the
 * OOM reaper) is handled like any other and never refused.
 */
static bool gntdev_pv_invalidate(struct mmu_interval_notifier *mn,
				 const struct mmu_notifier_range *range,
				 unsigned long cur_seq)
{
	struct gntdev_map *map = container_of(mn, struct gntdev_map, notifier);
	unsigned long map_end = map->vm_start + ((unsigned long)map->count << PAGE_SHIFT);
	unsigned long start = max(range->start, map->vm_start);
	unsigned long end = min(range->end, map_end);

	spin_lock(&map->lock);
	mmu_interval_set_seq(mn, cur_seq);
	map->stats.invalidations++;
	atomic_long_inc(&gntdev_stats.invalidations);
	if (!mmu_notifier_range_blockable(range))
		atomic_long_inc(&gntdev_stats.nonblockable);
	if (start < end)
		gntdev_pv_unmap_pages(map, (start - map->vm_start) >> PAGE_SHIFT,
				      DIV_ROUND_UP(end - map->vm_start, PAGE_SIZE));
	spin_unlock(&map->lock);

	return true;
}

static const struct mmu_interval_notifier_ops gntdev_pv_notifier_ops = {
	.invalidate = gntdev_pv_invalidate,
};

/* ------------------------------------------------------------------ */
/* Putting grants in at mmap() */

struct gntdev_pv_mapping {
	struct gntdev_map *map;
	struct gnttab_map_grant_ref *user_ops;
	struct gnttab_map_grant_ref *kernel_ops;
};

static u32 gntdev_pv_grant_flags(struct gntdev_map *map)
{
	return GNTMAP_host_map | (map->readonly ? GNTMAP_readonly : 0);
}

/*
 * apply_to_page_range() callback: ask Xen to write the grant straight into
 * this PTE, marked special (the PTE's first software bit) so the core mm
 * asks us for the page instead of trusting the frame number.
 */
static int gntdev_pv_note_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct gntdev_pv_mapping *m = data;
	struct gntdev_map *map = m->map;
	unsigned int page = (addr - map->vm_start) >> PAGE_SHIFT;
	u32 flags = gntdev_pv_grant_flags(map) | GNTMAP_application_map |
		    GNTMAP_contains_pte | (1 << _GNTMAP_guest_avail0);

	gnttab_set_map_op(&m->user_ops[page],
			  arbitrary_virt_to_machine(pte).maddr, flags,
			  map->grants[page].ref, map->grants[page].domid);
	return 0;
}

static void gntdev_pv_note_kernel_ops(struct gntdev_pv_mapping *m)
{
	struct gntdev_map *map = m->map;
	unsigned int page;

	for (page = 0; page < map->count; page++) {
		gnttab_set_map_op(&m->kernel_ops[page],
				  (unsigned long)page_address(map->pages[page]),
				  gntdev_pv_grant_flags(map),
				  map->grants[page].ref,
				  map->grants[page].domid);
		m->user_ops[page].status = GNTST_general_error;
		m->kernel_ops[page].status = GNTST_general_error;
	}
}

/* Record what Xen mapped; returns whether every grant mapped both ways. */
static bool gntdev_pv_record_handles(struct gntdev_pv_mapping *m)
{
	struct gntdev_map *map = m->map;
	unsigned int page;
	bool all = true;

	lockdep_assert_held(&map->lock);

	for (page = 0; page < map->count; page++) {
		struct gnttab_map_grant_ref *user = &m->user_ops[page];
		struct gnttab_map_grant_ref *kernel = &m->kernel_ops[page];

		if (user->status == GNTST_okay) {
			gnttab_set_unmap_op(&map->unmap_ops[page], user->host_addr,
					    user->flags, user->handle);
			map->user_live++;
			atomic_long_inc(&gntdev_stats.user_pages);
		}
		if (kernel->status == GNTST_okay) {
			gnttab_set_unmap_op(&map->kunmap_ops[page], kernel->host_addr,
					    kernel->flags, kernel->handle);
			map->kernel_live++;
			atomic_long_inc(&gntdev_stats.kernel_pages);
		}
		all &= user->status == GNTST_okay && kernel->status == GNTST_okay;
	}
	return all;
}

static int gntdev_pv_map_grants(struct gntdev_map *map,
				struct vm_area_struct *vma)
{
	struct gntdev_pv_mapping m = { .map = map };
	unsigned long seq;
	bool all;
	int err;

	m.user_ops = kvcalloc(map->count, sizeof(*m.user_ops), GFP_KERNEL);
	m.kernel_ops = kvcalloc(map->count, sizeof(*m.kernel_ops), GFP_KERNEL);
	if (!m.user_ops || !m.kernel_ops) {
		err = -ENOMEM;
		goto free_ops;
	}

	seq = mmu_interval_read_begin(&map->notifier);
	err = apply_to_page_range(vma->vm_mm, vma->vm_start,
				  vma->vm_end - vma->vm_start,
				  gntdev_pv_note_pte, &m);
	if (err)
		goto free_ops;
	gntdev_pv_note_kernel_ops(&m);

	/* Statuses tell what was mapped even when this reports an error. */
	err = gnttab_map_refs(m.user_ops, m.kernel_ops, map->pages, map->count);

	spin_lock(&map->lock);
	/*
	 * mmap_lock is held for write and the VMA is not yet linked into the
	 * mm, so nothing can have invalidated the range since read_begin.
	 */
	WARN_ON_ONCE(mmu_interval_read_retry(&map->notifier, seq));
	all = gntdev_pv_record_handles(&m);
	if (!all || err) {
		/* Nobody can hold the pages yet: everything goes at once. */
		gntdev_pv_unmap_pages(map, 0, map->count);
		if (!err)
			err = -EINVAL;
	}
	spin_unlock(&map->lock);

free_ops:
	kvfree(m.kernel_ops);
	kvfree(m.user_ops);
	return err;
}

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

static struct page *gntdev_vma_find_special_page(struct vm_area_struct *vma,
						 unsigned long addr)
{
	struct gntdev_map *map = vma->vm_private_data;
	unsigned long page = (addr - map->vm_start) >> PAGE_SHIFT;

	/* After mremap() the VMA no longer sits where the pages were mapped. */
	if (addr < map->vm_start || page >= map->count)
		return NULL;
	return map->pages[page];
}

static const struct vm_operations_struct gntdev_vm_ops = {
	.open = gntdev_vma_open,
	.close = gntdev_vma_close,
	.find_special_page = gntdev_vma_find_special_page,
};

/**
 * gntdev_vma_map() - the map behind a VMA of this device
 * @vma: any VMA; the caller holds mmap_lock.
 *
 * Return: the map, or NULL if @vma does not map this device.
 */
struct gntdev_map *gntdev_vma_map(struct vm_area_struct *vma)
{
	mmap_assert_locked(vma->vm_mm);
	return vma->vm_ops == &gntdev_vm_ops ? vma->vm_private_data : NULL;
}

/**
 * gntdev_pv_mmap() - map a whole map of @file at @vma
 * @file: the device file.
 * @vma: the new VMA; its offset and size must name exactly one map.
 *
 * Return: 0; -EINVAL for a writable private mapping, for a range that is
 * not exactly one map, for a map mmapped before, or when Xen refused a
 * grant; -ENOMEM or -EINTR when the notifier could not be set up.
 */
int gntdev_pv_mmap(struct gntdev_file *file, struct vm_area_struct *vma)
{
	struct gntdev_map *map;
	int err;

	mmap_assert_write_locked(vma->vm_mm);

	if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
		return -EINVAL;

	map = gntdev_file_get_map(file, vma->vm_pgoff, vma_pages(vma));
	if (!map)
		return -EINVAL;

	WRITE_ONCE(map->readonly, !(vma->vm_flags & VM_WRITE));
	map->vm_start = vma->vm_start;
	err = mmu_interval_notifier_insert_locked(&map->notifier, vma->vm_mm,
						  vma->vm_start,
						  vma->vm_end - vma->vm_start,
						  &gntdev_pv_notifier_ops);
	if (err) {
		gntdev_file_unmark_mmapped(file, map);
		goto put_map;
	}
	map->notifier_inserted = true;

	err = gntdev_pv_map_grants(map, vma);
	if (err)
		goto put_map;

	vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP | VM_MIXEDMAP);
	if (map->readonly)
		vm_flags_clear(vma, VM_MAYWRITE);
	vma->vm_ops = &gntdev_vm_ops;
	vma->vm_private_data = map;
	return 0;

put_map:
	/* A failed ->mmap() gets no ->close(): drop the VMA's reference. */
	gntdev_map_put(map);
	return err;
}

/* ------------------------------------------------------------------ */

/**
 * gntdev_pv_init() - set up what PV mappings need
 *
 * Return: 0 or -ENOMEM.
 */
int gntdev_pv_init(void)
{
	gntdev_release_wq = alloc_workqueue("gntdev-release", WQ_UNBOUND, 0);
	return gntdev_release_wq ? 0 : -ENOMEM;
}

/**
 * gntdev_pv_exit() - tear down what gntdev_pv_init() set up
 *
 * Every map holds a module reference, so none is left; this only waits for
 * the last release work to return.
 */
void gntdev_pv_exit(void)
{
	destroy_workqueue(gntdev_release_wq);
}
