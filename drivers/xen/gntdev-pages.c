// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ballooned pages that receive a map's grants.  Taking pages from the
 * balloon and giving them back costs its mutex and a p2m walk per page on
 * every MAP_GRANT_REF and every free, so the pages of freed maps are kept
 * here, up to GNTDEV_PAGES_KEPT, for the next maps.  A page comes back only
 * once it holds no grant: no foreign mark, no p2m entry.
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/minmax.h>
#include <linux/spinlock.h>
#include <xen/grant_table.h>

#include "xen/gntdev-internal.h"

/* Pages kept between maps: 2 MiB of address space, no memory. */
#define GNTDEV_PAGES_KEPT	512

static DEFINE_SPINLOCK(gntdev_pages_lock);
/* Under gntdev_pages_lock. */
static struct page *gntdev_pages_kept[GNTDEV_PAGES_KEPT];
static unsigned int gntdev_pages_nr_kept;

/**
 * gntdev_pages_alloc() - get ballooned pages for a map
 * @count: how many.
 * @pages: where to put them.
 *
 * Return: 0 or -ENOMEM.
 */
int gntdev_pages_alloc(unsigned int count, struct page **pages)
{
	unsigned int n;
	int err;

	spin_lock(&gntdev_pages_lock);
	n = min(count, gntdev_pages_nr_kept);
	gntdev_pages_nr_kept -= n;
	memcpy(pages, &gntdev_pages_kept[gntdev_pages_nr_kept],
	       n * sizeof(*pages));
	spin_unlock(&gntdev_pages_lock);

	if (n == count)
		return 0;
	err = gnttab_alloc_pages(count - n, pages + n);
	if (err)
		gntdev_pages_free(n, pages);
	return err;
}

/**
 * gntdev_pages_free() - give back pages that hold no grant any more
 * @count: how many.
 * @pages: the pages.
 */
void gntdev_pages_free(unsigned int count, struct page **pages)
{
	unsigned int n;

	spin_lock(&gntdev_pages_lock);
	n = min(count, GNTDEV_PAGES_KEPT - gntdev_pages_nr_kept);
	memcpy(&gntdev_pages_kept[gntdev_pages_nr_kept], pages + count - n,
	       n * sizeof(*pages));
	gntdev_pages_nr_kept += n;
	spin_unlock(&gntdev_pages_lock);

	if (n < count)
		gnttab_free_pages(count - n, pages);
}

/**
 * gntdev_pages_exit() - give the kept pages back to the balloon
 *
 * Every map holds a module reference, so at module exit no map is left to
 * allocate or free pages.
 */
void gntdev_pages_exit(void)
{
	gnttab_free_pages(gntdev_pages_nr_kept, gntdev_pages_kept);
	gntdev_pages_nr_kept = 0;
}
