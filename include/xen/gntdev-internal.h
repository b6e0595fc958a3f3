/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal interfaces of the grant device: the per-file state, the grant
 * map, and the rules that keep them consistent.
 *
 * Lifetime of a map
 * -----------------
 * MAP_GRANT_REF creates a struct gntdev_map and files it in its file's
 * offset tree (gntdev-file.c) under a range of page offsets.  mmap() of
 * exactly that range maps the grants: in a PV domain into the user PTEs
 * (Xen writes them; the map's mmu_interval_notifier watches the VMA), and
 * a page's grant also at the kernel linear address of its ballooned struct
 * page once the core mm asks for that page (find_special_page(), under the
 * page-table lock); in an auto-translated domain once, at the guest frames
 * of those pages, which are then inserted into the VMA.  The struct pages
 * are what get_user_pages() users such as vmsplice and O_DIRECT end up
 * reading.
 *
 * The map counts its users (@users):
 *  - the file, from MAP_GRANT_REF until UNMAP_GRANT_REF or close;
 *  - an ioctl or get_unmapped_area(), while it works on the map;
 *  - every VMA that maps it (mmap, VMA split, mremap copy, fork: in PVH,
 *    or in PV after MADV_DOFORK, where the child's VMA gets no PTE), until
 *    ->close.
 * When the last user goes, the remaining grants go too (PVH keeps them
 * until then); grants whose pages are still pinned are released by the
 * release work once the pins drop.  The map is freed when it has neither
 * users nor grants; @users reaches zero only under @lock, so exactly one of
 * gntdev_map_put() and the release work sees both and frees it.  Freeing
 * removes the notifier, then gives the pages back.
 *
 * The last put against the release work
 * --------------------------------------
 * Each side decides under @lock whether it frees the map: gntdev_map_put()
 * by @release_queued, after it dropped @users to zero; the release work by
 * @users, after it cleared @release_queued.  Whichever takes @lock second
 * sees what the first wrote.  gntdev_unmap_kernel_pages() queued the work
 * and set @release_queued when it found a page that someone else pins: in
 * an invalidation, or in this very put:
 *
 *   CPU0 gntdev_map_put()                  CPU1 gntdev_unmap_release_work()
 *    refcount_dec_not_one(): false, users 1
 *    spin_lock(&map->lock)
 *     refcount_dec_and_test(): users 0
 *     gntdev_unmap_pages()
 *     orphan = !release_queued: false
 *    spin_unlock(&map->lock)
 *    (returns; the map lives on)
 *                                           spin_lock(&map->lock)
 *                                            !barriers, and
 *                                            gntdev_unmap_kernel(): 0 pinned
 *                                            release_queued = false
 *                                            orphan = !refcount_read(): true
 *                                           spin_unlock(&map->lock)
 *                                           gntdev_map_free()
 *
 * or the other way round, the pins having dropped before the last put:
 *
 *   CPU0 gntdev_map_put()                  CPU1 gntdev_unmap_release_work()
 *                                           spin_lock(&map->lock)
 *                                            !barriers, and
 *                                            gntdev_unmap_kernel(): 0 pinned
 *                                            release_queued = false
 *                                            orphan = !refcount_read(): false
 *                                           spin_unlock(&map->lock)
 *                                           (returns; the map lives on)
 *    refcount_dec_not_one(): false, users 1
 *    spin_lock(&map->lock)
 *     refcount_dec_and_test(): users 0
 *     gntdev_unmap_pages(): none pinned
 *     orphan = !release_queued: true
 *    spin_unlock(&map->lock)
 *    gntdev_map_free()
 *
 * A run of the work that still finds a page pinned, or an invalidation
 * between its stages (@barriers), queues the work again and leaves
 * @release_queued set: it decides nothing, and no put frees the map
 * meanwhile.  If gntdev_unmap_pages() in the second order finds a page
 * pinned, it queues the work anew, and the first order follows.
 *
 * Hence gntdev_map_put() drops the last reference only with @lock held.
 * Were it dropped before spin_lock() (a bare refcount_dec_and_test()), the
 * work could run between the two:
 *
 *   CPU0 gntdev_map_put()                  CPU1 gntdev_unmap_release_work()
 *    refcount_dec_and_test(): users 0
 *                                           spin_lock(&map->lock)
 *                                            release_queued = false
 *                                            orphan = !refcount_read(): true
 *                                           spin_unlock(&map->lock)
 *                                           gntdev_map_free()
 *    spin_lock(&map->lock)
 *                         [use after free]
 *
 * After its spin_unlock() the work touches the map only to free it, so a
 * put on CPU0 may free the map while the work is still returning: the
 * module stays until gntdev_unmap_exit() has waited for the work.
 *
 * Invalidation (PV)
 * -----------------
 * Whatever takes a part of the map out of the address space (munmap,
 * mremap, mprotect, MADV_DONTNEED, soft-dirty tracking, exit, the OOM
 * reaper) first calls the map's notifier for the range.  Under @lock the
 * notifier unmaps the user mappings of the pages in the range, one
 * hypercall per batch.  If any of those pages has a kernel mapping, it
 * then takes and drops the page-table locks over the range, with @lock
 * dropped (a get_user_pages() walker takes it under a page-table lock),
 * so that a walker that read a PTE before Xen cleared it has taken its
 * page reference by then.  Under @lock again, a page with a kernel mapping
 * that nobody else holds loses it at once; a page pinned by someone else
 * (page_count > 1) keeps its kernel mapping, so the pinner still reads the
 * granted data, and the release work retries later.  None of this sleeps,
 * so non-blockable invalidations are never refused.
 *
 * The NUMA balancing scanner would also invalidate a live mapping, to turn
 * its PTEs into hinting faults; the VMA reports a memory policy that does
 * not migrate on fault, which keeps the scanner away (gntdev-mmap.c).
 */
#ifndef _XEN_GNTDEV_INTERNAL_H
#define _XEN_GNTDEV_INTERNAL_H

#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>
#include <xen/interface/event_channel.h>

#include "gntdev.h"
#include "gntdev-offsets.h"

#define GNTDEV_VERSION "0.1.0"

struct gntdev_copy_batch;

/**
 * struct gntdev_file - state of one open file of the device
 * @lock: protects @maps and the @mmapped of its maps; taken under
 *	mmap_lock by mmap(), so never held across a user copy, a hypercall
 *	or a map put.
 * @maps: the offsets of the file's maps; each map in it holds a reference.
 * @copy_lock: protects @copy_batch and the pins it keeps.  GRANT_COPY
 *	only tries it: a call that finds it held uses a batch of its own.
 * @copy_batch: the file's GRANT_COPY batch, with the local pages it keeps
 *	pinned between calls (gntdev-copy.c); made by the first call.
 */
struct gntdev_file {
	struct mutex lock;		/* see @lock above */
	struct gntdev_offsets maps;
	struct mutex copy_lock;		/* see @copy_lock above */
	struct gntdev_copy_batch *copy_batch;
};

/**
 * struct gntdev_unmap_notify - what to tell the granting side at the end
 * @action: UNMAP_NOTIFY_* still to do.
 * @offset: byte of the map to clear (UNMAP_NOTIFY_CLEAR_BYTE).
 * @port: event channel to signal when the map is freed
 *	(UNMAP_NOTIFY_SEND_EVENT); the map holds a reference on it.
 */
struct gntdev_unmap_notify {
	unsigned int action;
	unsigned long offset;
	evtchn_port_t port;
};

/**
 * struct gntdev_map_stats - what happened to one map
 * @invalidations: notifier calls that reached the map's pages.
 * @unmap_batches: unmap hypercalls made for the map.
 * @deferred: pinned pages found when the release work was queued.
 */
struct gntdev_map_stats {
	unsigned long invalidations;
	unsigned long unmap_batches;
	unsigned long deferred;
};

/**
 * struct gntdev_map - a list of grants and, once mmapped, their mappings
 * @users: references, see "Lifetime of a map" above.
 * @offsets: the map's page offsets in its file; in &gntdev_file.maps while
 *	the file knows the map, under the file's lock.
 * @count: number of grants.  Constant.
 * @mmapped: set by the mmap() lookup, under the file's lock; cleared
 *	again only when that mmap() fails before it asks Xen for any grant
 *	(the notifier could not be inserted), so a map's grants are mapped
 *	at most once.
 * @readonly: the grants are mapped read-only.  Set by mmap() before any
 *	grant is, constant afterwards.
 * @vm_start: PV: user address of page 0.  Set by mmap() before the notifier
 *	is inserted, constant afterwards.
 * @notifier_inserted: PV: @notifier is live; it is removed only when the
 *	map is freed.
 * @notifier: PV: covers [@vm_start, @vm_start + @count pages).
 * @grants: (domid, ref) of each page.  Constant.
 * @pages: ballooned pages that receive the grants.  Constant, except that
 *	the entry of a page with a grant Xen refused to unmap is cleared
 *	under @lock: that page is never used again.
 * @lock: protects the handles in @unmap_ops and @kunmap_ops, @user_live,
 *	@kernel_live, @barriers, @release_queued, @release_attempts, @notify
 *	and @stats.  A spinlock: it is taken by the notifier in non-blockable
 *	context.  Held across grant hypercalls (unmaps, and the map of a
 *	page's kernel mapping in PV); never across anything that allocates or
 *	sleeps.
 * @unmap_ops: per page, the PV user PTE mapping (handle valid while mapped).
 * @kunmap_ops: per page, the kernel mapping (likewise).
 * @user_live: pages whose user PTE still maps the grant.
 * @kernel_live: pages whose kernel mapping still holds the grant.
 * @barriers: PV invalidations between their user stage and their kernel
 *	stage.  A page whose user mapping such an invalidation took may still
 *	be on its way to a get_user_pages() walker until its barrier has
 *	passed, so the release work leaves kernel mappings alone meanwhile.
 * @release_queued: @release_work is queued; it keeps the map alive.
 * @release_attempts: retries so far of the queued release, for back-off.
 * @release_work: releases kernel mappings once their pages are unpinned.
 * @notify: set by SET_UNMAP_NOTIFY.
 * @stats: counters shown in debugfs.
 * @all: in the list of every map, for debugfs.
 */
struct gntdev_map {
	refcount_t users;
	struct gntdev_range offsets;
	unsigned int count;
	bool mmapped;
	bool readonly;
	unsigned long vm_start;
	bool notifier_inserted;
	struct mmu_interval_notifier notifier;
	struct ioctl_gntdev_grant_ref *grants;
	struct page **pages;

	spinlock_t lock;		/* see @lock above */
	struct gnttab_unmap_grant_ref *unmap_ops;
	struct gnttab_unmap_grant_ref *kunmap_ops;
	unsigned int user_live;
	unsigned int kernel_live;
	unsigned int barriers;
	bool release_queued;
	unsigned int release_attempts;
	struct delayed_work release_work;
	struct gntdev_unmap_notify notify;
	struct gntdev_map_stats stats;

	struct list_head all;
};

/**
 * struct gntdev_stats - what happened to every map of the device
 * @maps: maps that exist.
 * @user_pages: pages whose grant is mapped into a user PTE.
 * @kernel_pages: pages whose grant is mapped at its kernel address.
 * @invalidations: notifier calls that reached a map's pages.
 * @nonblockable: of those, calls that were not allowed to sleep.
 * @unmap_batches: unmap hypercalls.
 * @deferred: pinned pages found when a map's release work was queued.
 * @leaked_pages: pages never given back because Xen refused to unmap
 *	one of their grants.
 */
struct gntdev_stats {
	atomic_long_t maps;
	atomic_long_t user_pages;
	atomic_long_t kernel_pages;
	atomic_long_t invalidations;
	atomic_long_t nonblockable;
	atomic_long_t unmap_batches;
	atomic_long_t deferred;
	atomic_long_t leaked_pages;
};

extern struct gntdev_stats gntdev_stats;

/**
 * struct gntdev_mapping - the grant operations of one mmap() in progress
 * @map: the map being mmapped.
 * @flags: GNTMAP_* common to every operation.
 * @ops: per page, the mapping into the user PTE (PV) or behind the map's
 *	struct page (auto-translated).
 */
struct gntdev_mapping {
	struct gntdev_map *map;
	u32 flags;
	struct gnttab_map_grant_ref *ops;
};

/* gntdev-main.c: the device */
extern bool gntdev_pv;

/* gntdev-map.c: the map object */
unsigned int gntdev_map_max_grants(void);
struct gntdev_map *gntdev_map_alloc(unsigned int count);
void gntdev_map_get(struct gntdev_map *map);
void gntdev_map_put(struct gntdev_map *map);
void gntdev_map_free(struct gntdev_map *map);
int gntdev_map_set_notify(struct gntdev_map *map,
			  struct gntdev_unmap_notify *notify);

/* gntdev-file.c: an open file and its maps by page offset */
struct gntdev_file *gntdev_file_alloc(void);
void gntdev_file_free(struct gntdev_file *file);
int gntdev_file_add_map(struct gntdev_file *file, struct gntdev_map *map);
void gntdev_file_remove_map(struct gntdev_file *file, struct gntdev_map *map);
struct gntdev_map *gntdev_file_take_map(struct gntdev_file *file,
					unsigned long index,
					unsigned int count);
struct gntdev_map *gntdev_file_get_map(struct gntdev_file *file,
				       unsigned long index,
				       unsigned long pages);
struct gntdev_map *gntdev_file_get_map_at(struct gntdev_file *file,
					  unsigned long offset);
void gntdev_file_unmark_mmapped(struct gntdev_file *file,
				struct gntdev_map *map);

/* gntdev-ioctl.c: the ioctls */
long gntdev_ioctl(struct gntdev_file *file, unsigned int cmd,
		  unsigned long arg);
long gntdev_compat_ioctl(struct gntdev_file *file, unsigned int cmd,
			 unsigned long arg);

/* gntdev-copy.c: GRANT_COPY */
int gntdev_grant_copy(struct gntdev_file *file,
		      struct gntdev_grant_copy_segment __user *segments,
		      unsigned int count);
void gntdev_copy_release(struct gntdev_file *file);

/* gntdev-stats.c: statistics in debugfs */
void gntdev_stats_add_map(struct gntdev_map *map);
void gntdev_stats_del_map(struct gntdev_map *map);
void gntdev_stats_init(void);
void gntdev_stats_exit(void);

/* gntdev-mmap.c: mmap() and the VMA */
unsigned long gntdev_get_unmapped_area(struct gntdev_file *file,
				       struct file *filp, unsigned long addr,
				       unsigned long len, unsigned long pgoff,
				       unsigned long flags);
int gntdev_mmap(struct gntdev_file *file, struct vm_area_struct *vma);
void gntdev_mmap_kernel_op(struct gntdev_map *map, unsigned int page,
			   struct gnttab_map_grant_ref *op);
bool gntdev_mmap_record_kernel(struct gntdev_map *map, unsigned int page,
			       const struct gnttab_map_grant_ref *op);
struct gntdev_map *gntdev_vma_map(struct vm_area_struct *vma);

/* gntdev-pages.c: the ballooned pages behind maps */
int gntdev_pages_alloc(unsigned int count, struct page **pages);
void gntdev_pages_free(unsigned int count, struct page **pages);
void gntdev_pages_exit(void);

/* gntdev-pv.c: what only PV needs */
int gntdev_pv_watch(struct gntdev_map *map, struct vm_area_struct *vma);
int gntdev_pv_note_ptes(struct gntdev_mapping *m, struct vm_area_struct *vma);
bool gntdev_pv_map_kernel(struct gntdev_map *map, unsigned int page);
struct page *gntdev_pv_find_page(struct gntdev_map *map, unsigned int page);

/* gntdev-unmap.c: taking grants out */
unsigned int gntdev_unmap_user_pages(struct gntdev_map *map,
				     unsigned int first, unsigned int last);
void gntdev_unmap_kernel_pages(struct gntdev_map *map,
			       unsigned int first, unsigned int last);
void gntdev_unmap_pages(struct gntdev_map *map,
			unsigned int first, unsigned int last);
void gntdev_unmap_release_work(struct work_struct *work);
int gntdev_unmap_init(void);
void gntdev_unmap_exit(void);

#endif /* _XEN_GNTDEV_INTERNAL_H */
