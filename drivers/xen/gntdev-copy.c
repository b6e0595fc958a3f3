// SPDX-License-Identifier: GPL-2.0-only
/*
 * GRANT_COPY: copy between local buffers and granted pages without mapping
 * them.  Segments are split into Xen copy operations at page boundaries of
 * the local buffer and sent to Xen in batches; local pages are pinned while
 * Xen copies and destination pages are marked dirty.
 *
 * Backends copy through the same buffers again and again, so a file keeps
 * the pins of up to GNTDEV_COPY_KEPT anonymous local pages between calls
 * (2 MiB), each watched by an mmu_interval_notifier over its user address:
 * a kept pin serves a later copy at that address only if nothing has
 * invalidated the address since the pin was taken.  A slot holds one page,
 * chosen by address; a pin in use keeps its slot against one newcomer, so
 * a working set larger than the slots does not evict on every copy.
 * Anything not kept is pinned for one batch.  Either way Xen only ever sees
 * pages that are pinned until it is done with them; a kept pin that has
 * gone stale is dropped only after the batch that might use it.
 *
 * The status of a segment is the first failure of any of its operations,
 * or GNTST_okay.
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <xen/grant_table.h>
#include <xen/page.h>

#include "xen/gntdev-internal.h"

#define GNTDEV_COPY_BATCH	16
/* Kept pins per file, in slots chosen by page address: a power of two. */
#define GNTDEV_COPY_KEPT	512

/**
 * struct gntdev_copy_kept - a local page kept pinned between calls
 * @notifier: over the page's user address in its mm; inserted while @page.
 * @seq: @notifier's sequence read before the page was pinned.
 * @addr: the page's user address.
 * @page: the pinned page, or NULL for an empty slot.
 * @write: pinned for writing.
 * @used: served a copy since a newcomer last asked for the slot.
 */
struct gntdev_copy_kept {
	struct mmu_interval_notifier notifier;
	unsigned long seq;
	unsigned long addr;
	struct page *page;
	bool write;
	bool used;
};

/**
 * struct gntdev_copy_batch - copy operations on their way to Xen
 * @ops: the operations.
 * @status: per operation, the status of its segment in user memory.
 * @pages: pins to drop once the operations are done: pages pinned for
 *	this batch only, and kept pins that went stale.  Each operation adds
 *	at most two: the stale pin it replaces and its own.
 * @dirty: per entry of @pages, whether Xen wrote to it.
 * @written: kept pages that the operations write to, at most one each.
 * @nr_ops: entries in @ops and @status.
 * @nr_pages: entries in @pages and @dirty.
 * @nr_written: entries in @written.
 * @kept: GNTDEV_COPY_KEPT slots of kept pins (the file's batch), or NULL
 *	(a batch for one call only).
 */
struct gntdev_copy_batch {
	struct gnttab_copy ops[GNTDEV_COPY_BATCH];
	s16 __user *status[GNTDEV_COPY_BATCH];
	struct page *pages[2 * GNTDEV_COPY_BATCH];
	bool dirty[2 * GNTDEV_COPY_BATCH];
	struct page *written[GNTDEV_COPY_BATCH];
	unsigned int nr_ops;
	unsigned int nr_pages;
	unsigned int nr_written;
	struct gntdev_copy_kept *kept;
};

/*
 * The address of a kept pin is being invalidated: the new sequence makes
 * gntdev_copy_kept_good() find the pin stale.
 */
static bool gntdev_copy_kept_invalidate(struct mmu_interval_notifier *mn,
					const struct mmu_notifier_range *range,
					unsigned long cur_seq)
{
	mmu_interval_set_seq(mn, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops gntdev_copy_kept_ops = {
	.invalidate = gntdev_copy_kept_invalidate,
};

/* Drop the pins of this batch's operations, now that Xen is done. */
static void gntdev_copy_unpin(struct gntdev_copy_batch *batch)
{
	unsigned int i, n;

	for (i = 0; i < batch->nr_written; i++)
		if (!PageDirty(batch->written[i]))
			set_page_dirty_lock(batch->written[i]);
	batch->nr_written = 0;

	for (i = 0; i < batch->nr_pages; i += n) {
		for (n = 1; i + n < batch->nr_pages; n++)
			if (batch->dirty[i + n] != batch->dirty[i])
				break;
		unpin_user_pages_dirty_lock(&batch->pages[i], n, batch->dirty[i]);
	}
	batch->nr_pages = 0;
}

static void gntdev_copy_unpin_later(struct gntdev_copy_batch *batch,
				    struct page *page, bool dirty)
{
	batch->pages[batch->nr_pages] = page;
	batch->dirty[batch->nr_pages] = dirty;
	batch->nr_pages++;
}

/*
 * Empty a slot; its pin is dropped with the batch's pins.  Its notifier
 * goes too, unless the caller keeps it for a new pin at the same address
 * (@notifier_stays).
 */
static void gntdev_copy_kept_drop(struct gntdev_copy_batch *batch,
				  struct gntdev_copy_kept *kept,
				  bool notifier_stays)
{
	if (!notifier_stays)
		mmu_interval_notifier_remove(&kept->notifier);
	gntdev_copy_unpin_later(batch, kept->page, false);
	kept->page = NULL;
}

/* A batch with slots for kept pins (@keep), or one for a single call. */
static struct gntdev_copy_batch *gntdev_copy_alloc(bool keep)
{
	struct gntdev_copy_batch *batch;
	size_t size = sizeof(*batch);

	if (keep)
		size += GNTDEV_COPY_KEPT * sizeof(*batch->kept);
	batch = kvzalloc(size, GFP_KERNEL);
	if (batch && keep)
		batch->kept = (struct gntdev_copy_kept *)(batch + 1);
	return batch;
}

/* Free an idle batch (no operation queued) and drop its kept pins. */
static void gntdev_copy_free(struct gntdev_copy_batch *batch)
{
	unsigned int i;

	for (i = 0; batch->kept && i < GNTDEV_COPY_KEPT; i++) {
		if (!batch->kept[i].page)
			continue;
		mmu_interval_notifier_remove(&batch->kept[i].notifier);
		unpin_user_page(batch->kept[i].page);
	}
	kvfree(batch);
}

/* @kept holds a pin for this mm that no invalidation has made stale. */
static bool gntdev_copy_kept_good(struct gntdev_copy_kept *kept)
{
	return kept->page && kept->notifier.mm == current->mm &&
	       !mmu_interval_check_retry(&kept->notifier, kept->seq);
}

/* The kept pin for @addr, if it may serve an operation that @write-s. */
static struct page *gntdev_copy_kept_find(struct gntdev_copy_kept *kept,
					  unsigned long addr, bool write)
{
	if (!gntdev_copy_kept_good(kept) || kept->addr != addr ||
	    (write && !kept->write))
		return NULL;
	kept->used = true;
	return kept->page;
}

/*
 * A copy at @addr found no pin to use in @kept: may its slot be emptied
 * for a new one?  Not if it holds a good pin of another page that served a
 * copy since the last time this was asked.
 */
static bool gntdev_copy_kept_yields(struct gntdev_copy_kept *kept,
				    unsigned long addr)
{
	if (!gntdev_copy_kept_good(kept) || kept->addr == addr || !kept->used)
		return true;
	kept->used = false;
	return false;
}

/*
 * Keep a second pin of @page, just pinned for this batch at @addr, in the
 * empty slot @kept, whose notifier over @addr is still there if
 * @inserted.  The notifier's sequence is read before the second pin, which
 * must find the same page: so no invalidation of @addr since that page was
 * mapped there can have gone unseen.  Long-term, as a kept pin is: a page
 * in a movable zone is migrated by that pin, and not kept.
 */
static void gntdev_copy_keep(struct gntdev_copy_kept *kept, unsigned long addr,
			     bool write, struct page *page, bool inserted)
{
	unsigned int flags = FOLL_LONGTERM | (write ? FOLL_WRITE : 0);
	struct page *again;

	if (!inserted &&
	    mmu_interval_notifier_insert(&kept->notifier, current->mm, addr,
					 PAGE_SIZE, &gntdev_copy_kept_ops))
		return;
	kept->seq = mmu_interval_read_begin(&kept->notifier);
	if (pin_user_pages_fast(addr, 1, flags, &again) != 1)
		goto remove_notifier;
	if (again != page)
		goto unpin_again;

	kept->addr = addr;
	kept->page = page;
	kept->write = write;
	kept->used = false;
	return;

unpin_again:
	unpin_user_page(again);
remove_notifier:
	mmu_interval_notifier_remove(&kept->notifier);
}

/* Pin the page at @addr for this batch only. */
static struct page *gntdev_copy_pin_once(struct gntdev_copy_batch *batch,
					 unsigned long addr, bool write)
{
	struct page *page;
	int ret;

	ret = pin_user_pages_fast(addr, 1, write ? FOLL_WRITE : 0, &page);
	if (ret != 1)
		return ERR_PTR(ret < 0 ? ret : -EFAULT);
	gntdev_copy_unpin_later(batch, page, write);
	return page;
}

/* The page at @addr, pinned at least until the batch is done. */
static struct page *gntdev_copy_page(struct gntdev_copy_batch *batch,
				     unsigned long addr, bool write)
{
	struct gntdev_copy_kept *kept;
	bool keep, inserted = false;
	struct page *page;

	if (!batch->kept)
		return gntdev_copy_pin_once(batch, addr, write);

	kept = &batch->kept[(addr >> PAGE_SHIFT) % GNTDEV_COPY_KEPT];
	page = gntdev_copy_kept_find(kept, addr, write);
	if (page) {
		if (write)
			batch->written[batch->nr_written++] = page;
		return page;
	}

	keep = gntdev_copy_kept_yields(kept, addr);
	if (keep && kept->page) {
		/*
		 * A pin at the same address in this mm that cannot serve
		 * (stale, or read-only for a write): its notifier will do.
		 */
		inserted = kept->addr == addr && kept->notifier.mm == current->mm;
		gntdev_copy_kept_drop(batch, kept, inserted);
	}
	page = gntdev_copy_pin_once(batch, addr, write);
	if (!IS_ERR(page) && keep && PageAnon(page))
		gntdev_copy_keep(kept, addr, write, page, inserted);
	else if (inserted)
		mmu_interval_notifier_remove(&kept->notifier);
	return page;
}

/* Pin the local page under @addr and return its frame for Xen. */
static int gntdev_copy_pin(struct gntdev_copy_batch *batch,
			   unsigned long addr, bool write, xen_pfn_t *gfn)
{
	struct page *page;

	/* Slots and notifiers go by the address the mm knows. */
	page = gntdev_copy_page(batch, untagged_addr(addr) & PAGE_MASK, write);
	if (IS_ERR(page))
		return PTR_ERR(page);
	*gfn = pfn_to_gfn(page_to_xen_pfn(page) + XEN_PFN_DOWN(offset_in_page(addr)));
	return 0;
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
 * @file: the file it came through, which keeps a batch between calls.
 * @segments: the caller's array of segments.
 * @count: how many; 0 is a valid no-op that callers use as a probe.
 *
 * Return: 0 when every segment was processed (each has its own status);
 * -EINVAL for a local-to-local segment or one that crosses the end of a
 * granted page; -EFAULT for a bad pointer; -ENOMEM; or the error of
 * pinning a local page.
 */
int gntdev_grant_copy(struct gntdev_file *file,
		      struct gntdev_grant_copy_segment __user *segments,
		      unsigned int count)
{
	struct gntdev_copy_batch *batch;
	bool locked, own;
	unsigned int i;
	int ret = 0;

	if (!count)
		return 0;

	/* A call that finds the file's batch in use brings its own. */
	locked = mutex_trylock(&file->copy_lock);
	if (locked && !file->copy_batch)
		file->copy_batch = gntdev_copy_alloc(true);
	own = !locked || !file->copy_batch;
	batch = own ? gntdev_copy_alloc(false) : file->copy_batch;
	if (!batch) {
		ret = -ENOMEM;
		goto unlock;
	}
	batch->nr_ops = 0;

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
	if (own)
		gntdev_copy_free(batch);
unlock:
	if (locked)
		mutex_unlock(&file->copy_lock);
	return ret;
}

/**
 * gntdev_copy_release() - free the batch a file kept, and its kept pins
 * @file: the file, which nobody else can reach any more.
 */
void gntdev_copy_release(struct gntdev_file *file)
{
	if (file->copy_batch)
		gntdev_copy_free(file->copy_batch);
}
