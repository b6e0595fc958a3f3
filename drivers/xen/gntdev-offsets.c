// SPDX-License-Identifier: GPL-2.0-only
/*
 * File offsets for grant maps: every map owns a range of page offsets in
 * its file, allocated lowest-fit so that the first map of a file sits at
 * offset 0, as the ABI promises.
 *
 * The ranges live in an rbtree ordered by start.  Each node also records
 * the free gap between the previous range and itself, and the largest such
 * gap in its subtree, so allocation, lookup and removal are all logarithmic
 * in the number of maps of the file.
 *
 * This is pure bookkeeping: the caller provides the locking.
 */

#include <linux/errno.h>
#include <linux/rbtree_augmented.h>

#include "xen/gntdev-offsets.h"

static unsigned long gntdev_range_end(const struct gntdev_range *range)
{
	return range->start + range->count;
}

static unsigned long gntdev_range_gap(const struct gntdev_range *range)
{
	return range->gap;
}

RB_DECLARE_CALLBACKS_MAX(static, gntdev_range_callbacks, struct gntdev_range,
			 node, unsigned long, subtree_gap, gntdev_range_gap)

static struct gntdev_range *gntdev_range_of(struct rb_node *node)
{
	return node ? rb_entry(node, struct gntdev_range, node) : NULL;
}

/* Recompute the gap in front of @range after its predecessor changed. */
static void gntdev_range_update_gap(struct gntdev_range *range)
{
	struct gntdev_range *prev = gntdev_range_of(rb_prev(&range->node));

	range->gap = range->start - (prev ? gntdev_range_end(prev) : 0);
	gntdev_range_callbacks_propagate(&range->node, NULL);
}

/* The leftmost range with at least @count free offsets in front of it. */
static struct gntdev_range *gntdev_offsets_first_fit(struct gntdev_offsets *offsets,
						     unsigned long count)
{
	struct rb_node *node = offsets->root.rb_node;

	while (node) {
		struct gntdev_range *left = gntdev_range_of(node->rb_left);
		struct gntdev_range *right = gntdev_range_of(node->rb_right);
		struct gntdev_range *range = gntdev_range_of(node);

		if (left && left->subtree_gap >= count)
			node = node->rb_left;
		else if (range->gap >= count)
			return range;
		else if (right && right->subtree_gap >= count)
			node = node->rb_right;
		else
			break;
	}
	return NULL;
}

/**
 * gntdev_offsets_init() - start an empty set of ranges
 * @offsets: the set.
 * @limit: offsets are allocated below this bound.
 */
void gntdev_offsets_init(struct gntdev_offsets *offsets, unsigned long limit)
{
	offsets->root = RB_ROOT;
	offsets->limit = limit;
}

/**
 * gntdev_offsets_alloc() - give @range the lowest free run of offsets
 * @offsets: the set.
 * @range: a range not in any set, with @range->count set.
 *
 * Return: 0 with @range->start set, or -ENOSPC if no run is long enough.
 */
int gntdev_offsets_alloc(struct gntdev_offsets *offsets,
			 struct gntdev_range *range)
{
	struct rb_node **link = &offsets->root.rb_node, *parent = NULL;
	struct gntdev_range *next, *last;

	if (!range->count || range->count > offsets->limit)
		return -ENOSPC;

	next = gntdev_offsets_first_fit(offsets, range->count);
	if (next) {
		range->start = next->start - next->gap;
	} else {
		last = gntdev_range_of(rb_last(&offsets->root));
		range->start = last ? gntdev_range_end(last) : 0;
		if (range->start > offsets->limit - range->count)
			return -ENOSPC;
	}

	while (*link) {
		parent = *link;
		if (range->start < gntdev_range_of(parent)->start)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	range->gap = 0;
	range->subtree_gap = 0;
	rb_link_node(&range->node, parent, link);
	rb_insert_augmented(&range->node, &offsets->root,
			    &gntdev_range_callbacks);

	gntdev_range_update_gap(range);
	if (next)
		gntdev_range_update_gap(next);
	return 0;
}

/**
 * gntdev_offsets_free() - give the offsets of @range back
 * @offsets: the set.
 * @range: a range of the set.
 */
void gntdev_offsets_free(struct gntdev_offsets *offsets,
			 struct gntdev_range *range)
{
	struct gntdev_range *next = gntdev_range_of(rb_next(&range->node));

	rb_erase_augmented(&range->node, &offsets->root,
			   &gntdev_range_callbacks);
	if (next)
		gntdev_range_update_gap(next);
}

/**
 * gntdev_offsets_find() - the range that holds an offset
 * @offsets: the set.
 * @offset: any page offset.
 *
 * Return: the range, or NULL if @offset is free.
 */
struct gntdev_range *gntdev_offsets_find(struct gntdev_offsets *offsets,
					 unsigned long offset)
{
	struct rb_node *node = offsets->root.rb_node;

	while (node) {
		struct gntdev_range *range = gntdev_range_of(node);

		if (offset < range->start)
			node = node->rb_left;
		else if (offset >= gntdev_range_end(range))
			node = node->rb_right;
		else
			return range;
	}
	return NULL;
}

/**
 * gntdev_offsets_first() - the lowest range of the set
 * @offsets: the set.
 *
 * Return: the range, or NULL if the set is empty.
 */
struct gntdev_range *gntdev_offsets_first(struct gntdev_offsets *offsets)
{
	return gntdev_range_of(rb_first(&offsets->root));
}
