// SPDX-License-Identifier: GPL-2.0-only
/*
 * Statistics in debugfs, for the toolkit, benchmarks and curious admins:
 *
 *   <debugfs>/xen-gntdev/stats   counters over every map of the device
 *   <debugfs>/xen-gntdev/maps    one line per existing map
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/list.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>

#include "xen/gntdev-internal.h"

struct gntdev_stats gntdev_stats;

/* Every map of the device, for the maps file. */
static LIST_HEAD(gntdev_all_maps);
static DEFINE_SPINLOCK(gntdev_all_maps_lock);

static struct dentry *gntdev_debugfs_dir;

/**
 * gntdev_stats_add_map() - count a new map and list it
 * @map: the map.
 */
void gntdev_stats_add_map(struct gntdev_map *map)
{
	spin_lock(&gntdev_all_maps_lock);
	list_add_tail(&map->all, &gntdev_all_maps);
	spin_unlock(&gntdev_all_maps_lock);
	atomic_long_inc(&gntdev_stats.maps);
}

/**
 * gntdev_stats_del_map() - forget a map that is being freed
 * @map: the map.
 */
void gntdev_stats_del_map(struct gntdev_map *map)
{
	spin_lock(&gntdev_all_maps_lock);
	list_del(&map->all);
	spin_unlock(&gntdev_all_maps_lock);
	atomic_long_dec(&gntdev_stats.maps);
}

static int gntdev_stats_show(struct seq_file *m, void *unused)
{
	const struct {
		const char *name;
		atomic_long_t *value;
	} counters[] = {
		{ "maps", &gntdev_stats.maps },
		{ "user_pages", &gntdev_stats.user_pages },
		{ "kernel_pages", &gntdev_stats.kernel_pages },
		{ "invalidations", &gntdev_stats.invalidations },
		{ "nonblockable_invalidations", &gntdev_stats.nonblockable },
		{ "unmap_batches", &gntdev_stats.unmap_batches },
		{ "deferred_releases", &gntdev_stats.deferred },
		{ "leaked_pages", &gntdev_stats.leaked_pages },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(counters); i++)
		seq_printf(m, "%s %ld\n", counters[i].name,
			   atomic_long_read(counters[i].value));
	/* invalidate() never sleeps, so it never refuses a range. */
	seq_puts(m, "nonblockable_refusals 0\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gntdev_stats);

static int gntdev_maps_show(struct seq_file *m, void *unused)
{
	struct gntdev_map *map;

	seq_puts(m, "offset count user_pages kernel_pages invalidations unmap_batches deferred_releases\n");
	spin_lock(&gntdev_all_maps_lock);
	list_for_each_entry(map, &gntdev_all_maps, all) {
		spin_lock(&map->lock);
		seq_printf(m, "%#llx %u %u %u %lu %lu %lu\n",
			   (u64)map->offsets.start << PAGE_SHIFT, map->count,
			   map->user_live, map->kernel_live,
			   map->stats.invalidations, map->stats.unmap_batches,
			   map->stats.deferred);
		spin_unlock(&map->lock);
	}
	spin_unlock(&gntdev_all_maps_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gntdev_maps);

/**
 * gntdev_stats_init() - publish the statistics in debugfs
 *
 * Statistics are a convenience: the device works without debugfs.
 */
void gntdev_stats_init(void)
{
	gntdev_debugfs_dir = debugfs_create_dir("xen-gntdev", NULL);
	debugfs_create_file("stats", 0444, gntdev_debugfs_dir, NULL,
			    &gntdev_stats_fops);
	debugfs_create_file("maps", 0444, gntdev_debugfs_dir, NULL,
			    &gntdev_maps_fops);
}

/**
 * gntdev_stats_exit() - remove the statistics from debugfs
 */
void gntdev_stats_exit(void)
{
	debugfs_remove(gntdev_debugfs_dir);
}
