// SPDX-License-Identifier: GPL-2.0-only
/*
 * Taking grants out again.  Locking and lifetime rules are in
 * gntdev-internal.h.
 *
 * Each page of a map holds up to two grant mappings:
 *
 *   user mapping     PV only: Xen wrote the grant into the user PTE
 *                    (GNTMAP_contains_pte).  Unmapped as soon as the mm
 *                    invalidates the range.
 *   kernel mapping   the grant backs the map's own struct page: at its
 *                    kernel linear address in PV (made when the core mm
 *                    first asks for the page), at its guest frame in an
 *                    auto-translated domain.  This is what get_user_pages()
 *                    users (a vmsplice pipe, an O_DIRECT transfer) read, so
 *                    it is released only once nobody but the map holds the
 *                    page.
 *
 * A user mapping always goes before its kernel mapping.  Once the last VMA
 * is gone (auto-translated), or the user PTE is and the notifier has waited
 * out the get_user_pages() walkers that read it before (PV, see
 * gntdev-pv.c), nobody can take a new reference on the page, so a page
 * whose count has dropped to one stays that way until the map frees it.
 * Pages still pinned are retried by the map's release work, with back-off;
 * nothing here ever sleeps.
 *
 * A grant that Xen refuses to unmap, from user space or from the kernel,
 * may leave the granted frame behind a PTE, so its page is never used
 * again: it leaves the map's pages and is not given back when the map is
 * freed (gntdev_unmap_leak_page()).
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <asm/xen/hypercall.h>

#include "xen/gntdev-internal.h"

/* Grant operations handed to Xen in one hypercall. */
#define GNTDEV_UNMAP_BATCH	64

/* Back-off of the release work while pages stay pinned: 10ms .. ~1.3s. */
#define GNTDEV_RELEASE_DELAY_MS		10
#define GNTDEV_RELEASE_MAX_SHIFT	7

static struct workqueue_struct *gntdev_release_wq;

static void gntdev_unmap_counted(struct gntdev_map *map, unsigned int n,
				 atomic_long_t *pages)
{
	lockdep_assert_held(&map->lock);

	map->stats.unmap_batches++;
	atomic_long_inc(&gntdev_stats.unmap_batches);
	atomic_long_sub(n, pages);
}

/*
 * Xen refused to unmap a grant of @page, from user space (@where "user
 * space") or from the kernel: the granted frame may still sit behind the
 * user PTE or behind the page's kernel address, so the page must never be
 * used again.  Its kernel mapping, if it still has one, is left to Xen, and
 * the page leaves the map's pages: the core mm (through
 * find_special_page()) and the balloon never see it again.
 */
static void gntdev_unmap_leak_page(struct gntdev_map *map, unsigned int page,
				   const char *where, int ret, s16 status)
{
	lockdep_assert_held(&map->lock);

	pr_err_ratelimited("Xen refused to unmap grant %u of domain %u from %s (%d/%d): leaking its page\n",
			   map->grants[page].ref, map->grants[page].domid,
			   where, ret, status);
	if (map->kunmap_ops[page].handle != INVALID_GRANT_HANDLE) {
		map->kunmap_ops[page].handle = INVALID_GRANT_HANDLE;
		map->kernel_live--;
		atomic_long_dec(&gntdev_stats.kernel_pages);
	}
	WRITE_ONCE(map->pages[page], NULL);
	atomic_long_inc(&gntdev_stats.leaked_pages);
}

static bool gntdev_unmap_has_kernel(struct gntdev_map *map, unsigned int page)
{
	return map->kunmap_ops[page].handle != INVALID_GRANT_HANDLE;
}

/*
 * Unmap the user mappings of @n pages from @first, which all have a kernel
 * mapping (@kernel) or all have none.  The last mapping of a page to go
 * takes its foreign mark and its p2m entry with it, so a page without a
 * kernel mapping loses them here, one that has one keeps them.
 */
static void gntdev_unmap_user_batch(struct gntdev_map *map, unsigned int first,
				    unsigned int n, bool kernel)
{
	struct gnttab_unmap_grant_ref *ops = &map->unmap_ops[first];
	unsigned int i;
	int ret;

	lockdep_assert_held(&map->lock);

	for (i = 0; i < n; i++)
		ops[i].status = GNTST_general_error;
	if (kernel)
		ret = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, ops, n);
	else
		ret = gnttab_unmap_refs(ops, NULL, &map->pages[first], n);
	gntdev_unmap_counted(map, n, &gntdev_stats.user_pages);

	for (i = 0; i < n; i++) {
		ops[i].handle = INVALID_GRANT_HANDLE;
		map->user_live--;
		if (ret || ops[i].status != GNTST_okay)
			gntdev_unmap_leak_page(map, first + i, "user space", ret,
					       ops[i].status);
	}
}

/*
 * Unmap the user mappings of pages [first, last) that still have one.
 * Returns how many of those pages had a kernel mapping, counting those
 * whose unmap Xen refused (gntdev_unmap_leak_page() left theirs to Xen).
 */
static unsigned int gntdev_unmap_user(struct gntdev_map *map,
				      unsigned int first, unsigned int last)
{
	unsigned int page = first, n, kept = 0;
	bool kernel;

	lockdep_assert_held(&map->lock);

	while (page < last) {
		kernel = gntdev_unmap_has_kernel(map, page);
		for (n = 0; page + n < last && n < GNTDEV_UNMAP_BATCH; n++)
			if (map->unmap_ops[page + n].handle == INVALID_GRANT_HANDLE ||
			    gntdev_unmap_has_kernel(map, page + n) != kernel)
				break;
		if (n)
			gntdev_unmap_user_batch(map, page, n, kernel);
		if (kernel)
			kept += n;
		page += n ? n : 1;
	}
	return kept;
}

static bool gntdev_unmap_kernel_only(struct gntdev_map *map, unsigned int page)
{
	return map->unmap_ops[page].handle == INVALID_GRANT_HANDLE &&
	       gntdev_unmap_has_kernel(map, page);
}

static void gntdev_unmap_kernel_batch(struct gntdev_map *map,
				      unsigned int first, unsigned int n)
{
	struct gnttab_unmap_grant_ref *ops = &map->kunmap_ops[first];
	unsigned int i;
	int ret;

	lockdep_assert_held(&map->lock);

	for (i = 0; i < n; i++)
		ops[i].status = GNTST_general_error;
	/* Also clears the pages' foreign mark and, in PV, their p2m override. */
	ret = gnttab_unmap_refs(ops, NULL, &map->pages[first], n);
	gntdev_unmap_counted(map, n, &gntdev_stats.kernel_pages);

	for (i = 0; i < n; i++) {
		ops[i].handle = INVALID_GRANT_HANDLE;
		map->kernel_live--;
		/* A failed call may have skipped the p2m and the foreign mark. */
		if (ret || ops[i].status != GNTST_okay)
			gntdev_unmap_leak_page(map, first + i, "the kernel",
					       ret, ops[i].status);
	}
}

/*
 * Release the kernel mappings of pages [first, last) whose user mapping is
 * gone and that nobody else holds.  Returns how many such pages are still
 * held by someone, to be retried later.
 */
static unsigned int gntdev_unmap_kernel(struct gntdev_map *map,
					unsigned int first, unsigned int last)
{
	unsigned int page = first, n, pinned = 0;

	lockdep_assert_held(&map->lock);

	while (page < last) {
		for (n = 0; page + n < last && n < GNTDEV_UNMAP_BATCH; n++)
			if (!gntdev_unmap_kernel_only(map, page + n) ||
			    page_count(map->pages[page + n]) > 1)
				break;
		if (n) {
			gntdev_unmap_kernel_batch(map, page, n);
			page += n;
			continue;
		}
		if (gntdev_unmap_kernel_only(map, page))
			pinned++;
		page++;
	}
	return pinned;
}

/*
 * UNMAP_NOTIFY_CLEAR_BYTE: clear the byte while its page, among [first,
 * last), is still mapped, so the granting side sees it before the grant
 * goes.  A read-only mapping cannot be written; its notification is only
 * the event.
 */
static void gntdev_unmap_notify_clear_byte(struct gntdev_map *map,
					   unsigned int first,
					   unsigned int last)
{
	struct gntdev_unmap_notify *notify = &map->notify;
	unsigned int page = notify->offset >> PAGE_SHIFT;
	u8 *byte;

	lockdep_assert_held(&map->lock);

	if (!(notify->action & UNMAP_NOTIFY_CLEAR_BYTE) ||
	    page < first || page >= last)
		return;
	/* PV: the byte is written through the page's kernel mapping. */
	if (!map->readonly &&
	    (gntdev_pv ? gntdev_pv_map_kernel(map, page) :
			 gntdev_unmap_has_kernel(map, page))) {
		byte = page_address(map->pages[page]);
		WRITE_ONCE(byte[offset_in_page(notify->offset)], 0);
	}
	notify->action &= ~UNMAP_NOTIFY_CLEAR_BYTE;
}

static unsigned long gntdev_unmap_release_delay(struct gntdev_map *map)
{
	unsigned int shift = min_t(unsigned int, map->release_attempts,
				   GNTDEV_RELEASE_MAX_SHIFT);

	return msecs_to_jiffies(GNTDEV_RELEASE_DELAY_MS << shift);
}

/**
 * gntdev_unmap_user_pages() - take pages out of the process's hands
 * @map: the map; its lock is held.
 * @first: first page.
 * @last: page after the last one.
 *
 * Clears the notification byte if it lies in the range, then unmaps the
 * user mappings.  Never sleeps.
 *
 * Return: how many of the pages unmapped had a kernel mapping: those a
 * get_user_pages() walker may have found (see gntdev_pv_find_page()).
 */
unsigned int gntdev_unmap_user_pages(struct gntdev_map *map,
				     unsigned int first, unsigned int last)
{
	lockdep_assert_held(&map->lock);

	gntdev_unmap_notify_clear_byte(map, first, last);
	return gntdev_unmap_user(map, first, last);
}

/**
 * gntdev_unmap_kernel_pages() - release the kernel side of pages
 * @map: the map; its lock is held.
 * @first: first page.
 * @last: page after the last one.
 *
 * Releases the kernel mappings of the pages in the range that have no user
 * mapping and that nobody else holds, and queues the release work for the
 * others.  The caller guarantees that no new reference can be taken on a
 * page without a user mapping (see the top of this file).  Never sleeps.
 */
void gntdev_unmap_kernel_pages(struct gntdev_map *map,
			       unsigned int first, unsigned int last)
{
	unsigned int pinned;

	lockdep_assert_held(&map->lock);

	pinned = gntdev_unmap_kernel(map, first, last);
	if (!pinned || map->release_queued)
		return;

	map->stats.deferred += pinned;
	atomic_long_add(pinned, &gntdev_stats.deferred);
	map->release_queued = true;
	map->release_attempts = 0;
	queue_delayed_work(gntdev_release_wq, &map->release_work,
			   gntdev_unmap_release_delay(map));
}

/**
 * gntdev_unmap_pages() - take pages out of Xen's hands
 * @map: the map; its lock is held.
 * @first: first page.
 * @last: page after the last one.
 *
 * gntdev_unmap_user_pages(), then gntdev_unmap_kernel_pages(), for pages
 * that no VMA can reach: those of a map whose mmap() failed or whose last
 * VMA is gone.  Never sleeps.
 */
void gntdev_unmap_pages(struct gntdev_map *map,
			unsigned int first, unsigned int last)
{
	lockdep_assert_held(&map->lock);

	gntdev_unmap_user_pages(map, first, last);
	gntdev_unmap_kernel_pages(map, first, last);
}

/**
 * gntdev_unmap_release_work() - release kernel mappings whose pins dropped
 * @work: the map's release work.
 *
 * Requeues itself with growing delays while any page stays pinned, or an
 * invalidation of the map waits for get_user_pages() walkers.  When
 * the last grant is released and the map has no users left, it frees the
 * map: see "The last put against the release work" in gntdev-internal.h.
 */
void gntdev_unmap_release_work(struct work_struct *work)
{
	struct gntdev_map *map = container_of(to_delayed_work(work),
					      struct gntdev_map, release_work);
	bool orphan = false;

	spin_lock(&map->lock);
	/* While an invalidation waits out walkers, no kernel mapping goes. */
	if (map->barriers || gntdev_unmap_kernel(map, 0, map->count)) {
		map->release_attempts++;
		queue_delayed_work(gntdev_release_wq, &map->release_work,
				   gntdev_unmap_release_delay(map));
	} else {
		map->release_queued = false;
		/* Users drop to zero only under this lock. */
		orphan = !refcount_read(&map->users);
	}
	spin_unlock(&map->lock);

	if (orphan)
		gntdev_map_free(map);
}

/**
 * gntdev_unmap_init() - set up the release work queue
 *
 * Return: 0 or -ENOMEM.
 */
int gntdev_unmap_init(void)
{
	gntdev_release_wq = alloc_workqueue("gntdev-release", WQ_UNBOUND, 0);
	return gntdev_release_wq ? 0 : -ENOMEM;
}

/**
 * gntdev_unmap_exit() - tear down the release work queue
 *
 * Every map holds a module reference, so none is left; this only waits for
 * the last release work to return.
 */
void gntdev_unmap_exit(void)
{
	destroy_workqueue(gntdev_release_wq);
}
