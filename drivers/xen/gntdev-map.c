// SPDX-License-Identifier: GPL-2.0-only
/*
 * The grant map object and the per-file index tree that names maps by
 * their page offset.  Locking and lifetime rules are in gntdev-internal.h.
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <xen/events.h>

#include "xen/gntdev-internal.h"

/* ------------------------------------------------------------------ */
/* The map object */

/*
 * A map and its per-page arrays are one allocation: the map, then @grants,
 * @pages, @unmap_ops and @kunmap_ops, @count entries each.
 */
static size_t gntdev_map_size(unsigned int count)
{
	struct gntdev_map *map;
	size_t per_page = sizeof(*map->grants) + sizeof(*map->pages) +
			  sizeof(*map->unmap_ops) + sizeof(*map->kunmap_ops);

	return size_add(sizeof(*map), array_size(count, per_page));
}

/**
 * gntdev_map_alloc() - allocate a map for @count grants
 * @count: number of grants; the caller has checked it against the limit.
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
	 * The count reaches zero under map->lock; see the release work.  This
	 * is refcount_dec_and_lock() spelt out, so that sparse sees the lock
	 * taken and released on every path.
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

/* ------------------------------------------------------------------ */
/* The maps of a file, by page offset */

static struct gntdev_map *gntdev_map_of(struct gntdev_range *range)
{
	return range ? container_of(range, struct gntdev_map, offsets) : NULL;
}

/**
 * gntdev_file_add_map() - give a new map the lowest free range of offsets
 * @file: the file.
 * @map: a map not yet in any file; the file takes a reference of its own.
 *
 * Return: 0, or -ENOMEM when the file has no run of offsets long enough.
 */
int gntdev_file_add_map(struct gntdev_file *file, struct gntdev_map *map)
{
	int err = -ENOMEM;

	map->offsets.count = map->count;
	mutex_lock(&file->lock);
	if (!gntdev_offsets_alloc(&file->maps, &map->offsets)) {
		gntdev_map_get(map);
		err = 0;
	}
	mutex_unlock(&file->lock);

	return err;
}

static void gntdev_file_unlink(struct gntdev_file *file, struct gntdev_map *map)
{
	lockdep_assert_held(&file->lock);

	gntdev_offsets_free(&file->maps, &map->offsets);
	RB_CLEAR_NODE(&map->offsets.node);
}

/**
 * gntdev_file_remove_map() - undo gntdev_file_add_map() if still undone
 * @file: the file.
 * @map: the map, on which the caller holds a reference of its own.
 */
void gntdev_file_remove_map(struct gntdev_file *file, struct gntdev_map *map)
{
	bool linked;

	mutex_lock(&file->lock);
	linked = !RB_EMPTY_NODE(&map->offsets.node);
	if (linked)
		gntdev_file_unlink(file, map);
	mutex_unlock(&file->lock);

	if (linked)
		gntdev_map_put(map);
}

/* The map that starts at @index. */
static struct gntdev_map *gntdev_file_find(struct gntdev_file *file,
					   unsigned long index)
{
	struct gntdev_map *map;

	lockdep_assert_held(&file->lock);

	map = gntdev_map_of(gntdev_offsets_find(&file->maps, index));
	if (!map || map->offsets.start != index)
		return NULL;
	return map;
}

/**
 * gntdev_file_take_map() - remove a map from its file
 * @file: the file.
 * @index: first page offset of the map.
 * @count: its number of grants, or 0 for any.
 *
 * Return: the map with the file's reference, now the caller's, or NULL.
 */
struct gntdev_map *gntdev_file_take_map(struct gntdev_file *file,
					unsigned long index,
					unsigned int count)
{
	struct gntdev_map *map;

	mutex_lock(&file->lock);
	map = gntdev_file_find(file, index);
	if (map && count && map->count != count)
		map = NULL;
	if (map)
		gntdev_file_unlink(file, map);
	mutex_unlock(&file->lock);

	return map;
}

/**
 * gntdev_file_get_map() - look a map up for mmap()
 * @file: the file.
 * @index: first page offset of the map.
 * @pages: the number of pages of the mapping, which must be the map's
 *	number of grants.  An unsigned long, as a VMA counts them: no length
 *	may pass for another one by its low 32 bits.
 *
 * A map is handed out this way only once: the lookup marks it mmapped
 * until a failed mmap() unmarks it (gntdev_file_unmark_mmapped()).
 *
 * Return: the map with a new reference, or NULL if there is no such map,
 * it has another size, or it is mmapped already.
 */
struct gntdev_map *gntdev_file_get_map(struct gntdev_file *file,
				       unsigned long index,
				       unsigned long pages)
{
	struct gntdev_map *map;

	mutex_lock(&file->lock);
	map = gntdev_file_find(file, index);
	if (map && map->count == pages && !map->mmapped) {
		map->mmapped = true;
		gntdev_map_get(map);
	} else {
		map = NULL;
	}
	mutex_unlock(&file->lock);

	return map;
}

/**
 * gntdev_file_get_map_at() - the map that holds a page offset
 * @file: the file.
 * @offset: any page offset of the map.
 *
 * Return: the map with a new reference, or NULL.
 */
struct gntdev_map *gntdev_file_get_map_at(struct gntdev_file *file,
					  unsigned long offset)
{
	struct gntdev_map *map;

	mutex_lock(&file->lock);
	map = gntdev_map_of(gntdev_offsets_find(&file->maps, offset));
	if (map)
		gntdev_map_get(map);
	mutex_unlock(&file->lock);

	return map;
}

/**
 * gntdev_file_unmark_mmapped() - let a map be mmapped again
 * @file: the file.
 * @map: a map whose mmap() failed before anything was set up.
 */
void gntdev_file_unmark_mmapped(struct gntdev_file *file,
				struct gntdev_map *map)
{
	mutex_lock(&file->lock);
	map->mmapped = false;
	mutex_unlock(&file->lock);
}

/**
 * gntdev_file_init() - set up the state of a newly opened file
 * @file: the state.
 */
void gntdev_file_init(struct gntdev_file *file)
{
	mutex_init(&file->lock);
	gntdev_offsets_init(&file->maps, GNTDEV_MAX_INDEX);
	mutex_init(&file->copy_lock);
}

/**
 * gntdev_file_drop_maps() - drop every map of a file that is going away
 * @file: the file; nobody else can reach it any more.
 */
void gntdev_file_drop_maps(struct gntdev_file *file)
{
	struct gntdev_map *map;

	for (;;) {
		mutex_lock(&file->lock);
		map = gntdev_map_of(gntdev_offsets_first(&file->maps));
		if (map)
			gntdev_file_unlink(file, map);
		mutex_unlock(&file->lock);
		if (!map)
			break;
		gntdev_map_put(map);
	}
}
