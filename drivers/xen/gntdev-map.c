// SPDX-License-Identifier: GPL-2.0-only
/*
 * The grant map object: its allocation, its users, its end, and what it
 * tells the granting side then.  Locking and lifetime rules are in
 * gntdev-internal.h.
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <xen/events.h>

#include "xen/gntdev-internal.h"

/*
 * A map and its per-page arrays are one allocation: the map, then @grants,
 * @pages, @unmap_ops and @kunmap_ops, @count entries each.
 */
static size_t gntdev_map_per_page(void)
{
	struct gntdev_map *map;

	return sizeof(*map->grants) + sizeof(*map->pages) +
	       sizeof(*map->unmap_ops) + sizeof(*map->kunmap_ops);
}

static size_t gntdev_map_size(unsigned int count)
{
	return size_add(sizeof(struct gntdev_map),
			array_size(count, gntdev_map_per_page()));
}

/**
 * gntdev_map_max_grants() - the most grants one map can hold
 *
 * A map is one kvmalloc(), which refuses more than INT_MAX bytes with a
 * warning.  The map operations of mmap(), the only other array with an
 * entry per grant, take fewer bytes per grant than the map does.
 *
 * Return: the largest count that gntdev_map_alloc() may be asked for.
 */
unsigned int gntdev_map_max_grants(void)
{
	return (INT_MAX - sizeof(struct gntdev_map)) / gntdev_map_per_page();
}

/**
 * gntdev_map_alloc() - allocate a map for @count grants
 * @count: number of grants; the caller has checked it against the limit
 *	and gntdev_map_max_grants().
 *
 * The map owns @count ballooned pages and holds a reference on the module
 * until it is freed.  Its grants are filled in by the caller.
 *
 * Return: the map with one reference, or NULL when memory is short.
 */
struct gntdev_map *gntdev_map_alloc(unsigned int count)
{
	struct gntdev_map *map;
	unsigned int i;

	map = kvmalloc(gntdev_map_size(count), GFP_KERNEL);
	if (!map)
		return NULL;
	memset(map, 0, sizeof(*map));
	map->grants = (void *)(map + 1);
	map->pages = (void *)(map->grants + count);
	map->unmap_ops = (void *)(map->pages + count);
	map->kunmap_ops = map->unmap_ops + count;

	if (gntdev_pages_alloc(count, map->pages)) {
		kvfree(map);
		return NULL;
	}

	for (i = 0; i < count; i++) {
		map->unmap_ops[i].handle = INVALID_GRANT_HANDLE;
		map->kunmap_ops[i].handle = INVALID_GRANT_HANDLE;
	}
	map->count = count;
	RB_CLEAR_NODE(&map->offsets.node);
	refcount_set(&map->users, 1);
	spin_lock_init(&map->lock);
	INIT_DELAYED_WORK(&map->release_work, gntdev_unmap_release_work);
	__module_get(THIS_MODULE);
	gntdev_stats_add_map(map);
	return map;
}

/**
 * gntdev_map_get() - take a reference on a map the caller already holds
 * @map: the map.
 */
void gntdev_map_get(struct gntdev_map *map)
{
	refcount_inc(&map->users);
}

/* Gather the pages still to give back (see gntdev_unmap_leak_page()). */
static unsigned int gntdev_map_pack_pages(struct gntdev_map *map)
{
	unsigned int page, n = 0;

	for (page = 0; page < map->count; page++)
		if (map->pages[page])
			map->pages[n++] = map->pages[page];
	return n;
}

/**
 * gntdev_map_free() - free a map that has no users and no grant mapped
 * @map: the map.
 *
 * Must run with no lock of ours held.
 */
void gntdev_map_free(struct gntdev_map *map)
{
	/*
	 * Removal waits for invalidations in flight on the mm, which take
	 * map->lock: it must run with no lock of ours held.
	 */
	if (map->notifier_inserted)
		mmu_interval_notifier_remove(&map->notifier);

	WARN_ON_ONCE(map->user_live || map->kernel_live || map->release_queued);

	/* Any byte to clear went with its page; the event comes last. */
	if (map->notify.action & UNMAP_NOTIFY_SEND_EVENT) {
		notify_remote_via_evtchn(map->notify.port);
		evtchn_put(map->notify.port);
	}

	gntdev_stats_del_map(map);
	gntdev_pages_free(gntdev_map_pack_pages(map), map->pages);
	kvfree(map);
	module_put(THIS_MODULE);
}

/**
 * gntdev_map_put() - drop a reference to a map
 * @map: the map.
 *
 * With the last reference the map's remaining grants go: at once where
 * nobody pins their pages, later from the release work otherwise.  The map
 * is freed by whichever of the two finds it with no users and no grant.
 *
 * May sleep.  Must not be called with the file's lock or @map->lock held,
 * nor from the map's own notifier.
 */
void gntdev_map_put(struct gntdev_map *map)
{
	bool orphan;

	might_sleep();
	/*
	 * The count reaches zero under map->lock, against the release work:
	 * see "The last put against the release work" in gntdev-internal.h.
	 * This is refcount_dec_and_lock() spelt out, so that sparse sees the
	 * lock taken and released on every path.
	 */
	if (refcount_dec_not_one(&map->users))
		return;
	spin_lock(&map->lock);
	if (!refcount_dec_and_test(&map->users)) {
		spin_unlock(&map->lock);
		return;
	}
	gntdev_unmap_pages(map, 0, map->count);
	orphan = !map->release_queued;
	spin_unlock(&map->lock);

	if (orphan)
		gntdev_map_free(map);
}

/**
 * gntdev_map_set_notify() - replace what to tell the granting side
 * @map: the map.
 * @notify: in, the new notification, whose event channel reference passes
 *	to the map; out, the one replaced, whose reference the caller drops.
 *
 * Return: 0, or -EINVAL (with @notify untouched) when the byte to clear
 * lies in a read-only mapping.
 */
int gntdev_map_set_notify(struct gntdev_map *map,
			  struct gntdev_unmap_notify *notify)
{
	int err = 0;

	spin_lock(&map->lock);
	if ((notify->action & UNMAP_NOTIFY_CLEAR_BYTE) && READ_ONCE(map->readonly))
		err = -EINVAL;
	else
		swap(map->notify, *notify);
	spin_unlock(&map->lock);

	return err;
}
