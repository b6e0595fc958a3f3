// SPDX-License-Identifier: GPL-2.0-only
/*
 * GRANT_COPY: copy between local buffers and granted pages without mapping
 * them.  Segments are split into Xen copy operations at page boundaries of
 * the local buffer and sent to Xen in batches; local pages are pinned for
 * the duration of their batch and destination pages are marked dirty.
 *
 * The status of a segment is the first failure of any of its operations,
 * or GNTST_okay.
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <xen/grant_table.h>
#include <xen/page.h>

#include "xen/gntdev-internal.h"

#define GNTDEV_COPY_BATCH	16

struct gntdev_copy_batch {
	struct gnttab_copy ops[GNTDEV_COPY_BATCH];
	s16 __user *status[GNTDEV_COPY_BATCH];
	struct page *pages[GNTDEV_COPY_BATCH];
	bool dirty[GNTDEV_COPY_BATCH];
	unsigned int nr_ops;
	unsigned int nr_pages;
};

static void gntdev_copy_unpin(struct gntdev_copy_batch *batch)
{
	unsigned int i;

	for (i = 0; i < batch->nr_pages; i++)
		unpin_user_pages_dirty_lock(&batch->pages[i], 1, batch->dirty[i]);
	batch->nr_pages = 0;
}

/* Run the queued operations and report failures into their segments. */
static int gntdev_copy_flush(struct gntdev_copy_batch *batch)
{
	unsigned int i;
	s16 status;

	gnttab_batch_copy(batch->ops, batch->nr_ops);
	gntdev_copy_unpin(batch);

	for (i = 0; i < batch->nr_ops; i++) {
		if (batch->ops[i].status == GNTST_okay)
			continue;
		if (get_user(status, batch->status[i]))
			return -EFAULT;
		if (status == GNTST_okay &&
		    put_user(batch->ops[i].status, batch->status[i]))
			return -EFAULT;
	}
	batch->nr_ops = 0;
	return 0;
}

/* Pin the local page under @addr and return its frame for Xen. */
static int gntdev_copy_pin(struct gntdev_copy_batch *batch,
			   unsigned long addr, bool write, xen_pfn_t *gfn)
{
	struct page *page;
	int ret;

	ret = pin_user_pages_fast(addr, 1, write ? FOLL_WRITE : 0, &page);
	if (ret < 0)
		return ret;
	if (ret != 1)
		return -EFAULT;

	batch->pages[batch->nr_pages] = page;
	batch->dirty[batch->nr_pages] = write;
	batch->nr_pages++;
	*gfn = pfn_to_gfn(page_to_xen_pfn(page) + XEN_PFN_DOWN(offset_in_page(addr)));
	return 0;
}

/*
 * Fill one side of @op.  A local side is cut at the end of its Xen page,
 * which may shorten *@len.
 */
static int gntdev_copy_side(struct gntdev_copy_batch *batch,
			    struct gnttab_copy *op, bool dest,
			    const struct gntdev_grant_copy_segment *seg,
			    void __user *virt, u16 done, size_t *len)
{
	bool foreign = seg->flags & (dest ? GNTCOPY_dest_gref : GNTCOPY_source_gref);
	const typeof(seg->source) *side = dest ? &seg->dest : &seg->source;
	typeof(op->source) *xen = dest ? &op->dest : &op->source;
	unsigned long addr;
	xen_pfn_t gfn;
	int ret;

	if (foreign) {
		xen->u.ref = side->foreign.ref;
		xen->domid = side->foreign.domid;
		xen->offset = side->foreign.offset + done;
		op->flags |= dest ? GNTCOPY_dest_gref : GNTCOPY_source_gref;
		return 0;
	}

	addr = (unsigned long)virt + done;
	*len = min_t(size_t, *len, XEN_PAGE_SIZE - (addr & ~XEN_PAGE_MASK));
	ret = gntdev_copy_pin(batch, addr, dest, &gfn);
	if (ret)
		return ret;
	xen->u.gmfn = gfn;
	xen->domid = DOMID_SELF;
	xen->offset = addr & ~XEN_PAGE_MASK;
	return 0;
}

static int gntdev_copy_segment(struct gntdev_copy_batch *batch,
			       const struct gntdev_grant_copy_segment *seg,
			       void __user *source, void __user *dest,
			       s16 __user *status)
{
	u16 done = 0;
	int ret;

	/* Local to local would be a memcpy() with a hypercall on top. */
	if (!(seg->flags & (GNTCOPY_source_gref | GNTCOPY_dest_gref)))
		return -EINVAL;
	/* A granted side must stay within its page. */
	if ((seg->flags & GNTCOPY_source_gref) &&
	    seg->source.foreign.offset + seg->len > XEN_PAGE_SIZE)
		return -EINVAL;
	if ((seg->flags & GNTCOPY_dest_gref) &&
	    seg->dest.foreign.offset + seg->len > XEN_PAGE_SIZE)
		return -EINVAL;

	if (put_user(GNTST_okay, status))
		return -EFAULT;

	while (done < seg->len) {
		struct gnttab_copy *op;
		size_t len = seg->len - done;

		if (batch->nr_ops == GNTDEV_COPY_BATCH) {
			ret = gntdev_copy_flush(batch);
			if (ret)
				return ret;
		}

		op = &batch->ops[batch->nr_ops];
		op->flags = 0;
		ret = gntdev_copy_side(batch, op, false, seg, source, done, &len);
		if (!ret)
			ret = gntdev_copy_side(batch, op, true, seg, dest, done, &len);
		if (ret)
			return ret;

		op->len = len;
		batch->status[batch->nr_ops++] = status;
		done += len;
	}
	return 0;
}

/*
 * A 32-bit caller's segment has the same layout, but only the low four
 * bytes of a local side hold its pointer.
 */
static void __user *gntdev_copy_virt(const void *side)
{
	if (in_compat_syscall())
		return compat_ptr(*(const compat_uptr_t *)side);
	return *(void __user *const *)side;
}

/**
 * gntdev_grant_copy() - run the segments of a GRANT_COPY request
 * @segments: the caller's array of segments.
 * @count: how many; 0 is a valid no-op that callers use as a probe.
 *
 * Return: 0 when every segment was processed (each has its own status);
 * -EINVAL for a local-to-local segment or one that crosses the end of a
 * granted page; -EFAULT for a bad pointer; -ENOMEM.
 */
int gntdev_grant_copy(struct gntdev_grant_copy_segment __user *segments,
		      unsigned int count)
{
	struct gntdev_copy_batch *batch;
	unsigned int i;
	int ret = 0;

	if (!count)
		return 0;

	batch = kzalloc(sizeof(*batch), GFP_KERNEL);
	if (!batch)
		return -ENOMEM;

	for (i = 0; i < count && !ret; i++) {
		struct gntdev_grant_copy_segment seg;

		if (copy_from_user(&seg, &segments[i], sizeof(seg))) {
			ret = -EFAULT;
			break;
		}
		ret = gntdev_copy_segment(batch, &seg,
					  gntdev_copy_virt(&seg.source),
					  gntdev_copy_virt(&seg.dest),
					  &segments[i].status);
		cond_resched();
	}
	if (!ret && batch->nr_ops)
		ret = gntdev_copy_flush(batch);

	gntdev_copy_unpin(batch);
	kfree(batch);
	return ret;
}
