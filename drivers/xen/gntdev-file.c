// SPDX-License-Identifier: GPL-2.0-only
/*
 * One open file of the device: its maps, filed by page offset (an
 * augmented rbtree, gntdev-offsets.c), each holding a reference on its
 * map.  Locking and lifetime rules are in gntdev-internal.h.
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/limits.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "xen/gntdev-internal.h"

/*
 * Offsets are handed out in pages below this bound, so that every offset
 * fits an int page number as the historic ABI promised, and 32-bit callers
 * can reach it with mmap2().
 */
#define GNTDEV_MAX_INDEX	(((unsigned long)INT_MAX) + 1)

/* The map whose offsets are @range. */
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
 * A map is handed out this way only once: the lookup marks it mmapped,
 * and only an mmap() that failed before it asked Xen for any grant unmarks
 * it (gntdev_file_unmark_mmapped()).
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
 * gntdev_file_alloc() - the state of a newly opened file
 *
 * Return: the state, with no map, or NULL when memory is short.
 */
struct gntdev_file *gntdev_file_alloc(void)
{
	struct gntdev_file *file;

	file = kzalloc(sizeof(*file), GFP_KERNEL);
	if (!file)
		return NULL;
	mutex_init(&file->lock);
	gntdev_offsets_init(&file->maps, GNTDEV_MAX_INDEX);
	mutex_init(&file->copy_lock);
	return file;
}

/* Drop every map of a file that is going away. */
static void gntdev_file_drop_maps(struct gntdev_file *file)
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

/**
 * gntdev_file_free() - end a closed file's use of its maps and pins
 * @file: the file's state, which nobody else can reach any more.
 *
 * A map the file drops lives on while a VMA still maps it.
 */
void gntdev_file_free(struct gntdev_file *file)
{
	gntdev_file_drop_maps(file);
	gntdev_copy_release(file);
	kfree(file);
}
