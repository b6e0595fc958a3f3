/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Allocation of page offsets in a file of the grant device.  Pure
 * bookkeeping with no locking of its own, so that it also builds in
 * userspace for unit tests (tools/unit-tests).
 */
#ifndef _XEN_GNTDEV_OFFSETS_H
#define _XEN_GNTDEV_OFFSETS_H

#include <linux/rbtree.h>

/**
 * struct gntdev_range - a run of page offsets in a file
 * @node: in &gntdev_offsets.root, ordered by @start.
 * @start: first page offset.
 * @count: number of pages.
 * @gap: free offsets between the previous range and @start.
 * @subtree_gap: largest @gap in the subtree under @node.
 */
struct gntdev_range {
	struct rb_node node;
	unsigned long start;
	unsigned long count;
	unsigned long gap;
	unsigned long subtree_gap;
};

/**
 * struct gntdev_offsets - the ranges of page offsets in use in a file
 * @root: the ranges.
 * @limit: offsets are handed out below this bound.
 */
struct gntdev_offsets {
	struct rb_root root;
	unsigned long limit;
};

void gntdev_offsets_init(struct gntdev_offsets *offsets, unsigned long limit);
int gntdev_offsets_alloc(struct gntdev_offsets *offsets,
			 struct gntdev_range *range);
void gntdev_offsets_free(struct gntdev_offsets *offsets,
			 struct gntdev_range *range);
struct gntdev_range *gntdev_offsets_find(struct gntdev_offsets *offsets,
					 unsigned long offset);
struct gntdev_range *gntdev_offsets_first(struct gntdev_offsets *offsets);

#endif /* _XEN_GNTDEV_OFFSETS_H */
