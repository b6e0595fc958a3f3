/* Grant-copy scenarios (IOCTL_GNTDEV_GRANT_COPY, via libxengnttab and raw). */
#include "domain.h"
#include "errname.h"
#include "evidence.h"
#include "note_logger.h"
#include "scen_common.h"
#include "scenario.h"
#include "xen_expect.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xengnttab.h>

#include <xen/gntdev.h>

/* Xen's public grant_table.h values, restated for userspace. */
#define COPY_SRC_GREF   0x1
#define COPY_DST_GREF   0x2
#define ST_OKAY         0
#define ST_BAD_GNTREF   (-3)

typedef xengnttab_grant_copy_segment_t seg_t;

/* foreign (ref, off) -> local dst */
static void seg_in(seg_t *s, uint32_t ref, uint16_t off, void *dst, uint16_t len)
{
	memset(s, 0, sizeof(*s));
	s->source.foreign.ref = ref;
	s->source.foreign.domid = T->granter;
	s->source.foreign.offset = off;
	s->dest.virt = dst;
	s->len = len;
	s->flags = COPY_SRC_GREF;
}

/* local src -> foreign (ref, off) */
static void seg_out(seg_t *s, void *src, uint32_t ref, uint16_t off, uint16_t len)
{
	memset(s, 0, sizeof(*s));
	s->source.virt = src;
	s->dest.foreign.ref = ref;
	s->dest.foreign.domid = T->granter;
	s->dest.foreign.offset = off;
	s->len = len;
	s->flags = COPY_DST_GREF;
}

/* foreign (sref, soff) -> foreign (dref, doff) */
static void seg_ff(seg_t *s, uint32_t sref, uint16_t soff, uint32_t dref, uint16_t doff,
		   uint16_t len)
{
	seg_in(s, sref, soff, NULL, len);
	s->dest.foreign.ref = dref;
	s->dest.foreign.domid = T->granter;
	s->dest.foreign.offset = doff;
	s->flags = COPY_SRC_GREF | COPY_DST_GREF;
}

/* xengnttab_grant_copy, skipping the scenario if the ioctl is missing. */
static int copy(xengnttab_handle *xgt, uint32_t n, seg_t *segs)
{
	int rc = xengnttab_grant_copy(xgt, n, segs);
	if (rc && errno == ENOTTY)
		skip("IOCTL_GNTDEV_GRANT_COPY not implemented (ENOTTY)");
	return rc;
}

SCENARIO("grant-copy", 0,
	 "GRANT_COPY copies in and out at offsets (across local page boundaries), "
	 "fails only the bad-ref segment, refuses page-crossing and local-local "
	 "copies with EINVAL, bad pointers with EFAULT, and leaves nothing pinned")
{
	struct granter g;
	long ps = pagesz();
	STEP(sc_share(&g, 2, 1, 210));
	STEP(granter_set(&g, ps, 0, ps));
	xengnttab_handle *xgt = xengnttab_open(note_logger(), 0);
	CHECK(xgt, "xengnttab_open: %s", strerror(errno));

	/* local buffers straddling a page boundary; the granter's page 1 */
	uint8_t *local = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(local != MAP_FAILED, "mmap: %s", errname(errno));
	uint8_t *in = local + ps - 300;          /* 1000 bytes: 300 + 700 */
	uint8_t *out = local + 2 * ps - 1000;    /* 2000 bytes: 1000 + 1000 */
	uint8_t *page1 = local + 3 * ps;
	memset(in, 0, 1000);

	seg_t seg[3];
	/* foreign page 0 @100 -> local */
	seg_in(&seg[0], g.refs[0], 100, in, 1000);
	/* bad ref in between: only this segment must fail */
	seg_in(&seg[1], 0xfffff, 0, local, 16);
	/* local -> foreign page 1 @2000 */
	for (int i = 0; i < 2000; i++)
		out[i] = (uint8_t)(i * 7 + 3);
	seg_out(&seg[2], out, g.refs[1], 2000, 2000);

	int rc = copy(xgt, 3, seg);
	CHECK(rc == 0, "xengnttab_grant_copy: %s", strerror(errno));
	CHECK(seg[0].status == ST_OKAY, "segment 0 status %d", seg[0].status);
	CHECK(seg[1].status != ST_OKAY, "segment with ref 0xfffff reported okay");
	note("bad-ref segment status %d (GNTST_bad_gntref is %d)", seg[1].status, ST_BAD_GNTREF);
	CHECK(seg[2].status == ST_OKAY, "segment 2 status %d", seg[2].status);
	for (int i = 0; i < 1000; i++)
		CHECK(in[i] == pattern_byte(210, 0, 100 + i),
		      "copied-in byte %d: 0x%02x want 0x%02x", i, in[i],
		      pattern_byte(210, 0, 100 + i));
	STEP(granter_read(&g, ps, page1, ps));
	for (int i = 0; i < 2000; i++)
		CHECK(page1[2000 + i] == (uint8_t)(i * 7 + 3),
		      "copied-out byte %d: 0x%02x want 0x%02x", i, page1[2000 + i],
		      (uint8_t)(i * 7 + 3));
	CHECK(page1[1999] == 0 && page1[4000] == 0,
	      "copy-out wrote outside [2000, 4000)");

	/* segments the device must refuse as a whole (upstream: EINVAL) */
	memcpy(&seg[1], &seg[0], sizeof(seg[0]));
	seg[1].source.foreign.offset = ps - 10;   /* crosses the foreign page */
	seg[1].len = 20;
	rc = xengnttab_grant_copy(xgt, 2, seg);
	CHECK(rc != 0 && errno == EINVAL, "copy crossing the foreign page end: %s, want EINVAL",
	      rc ? strerror(errno) : "success");
	seg_out(&seg[1], out, g.refs[1], ps - 8, 16);   /* destination crosses */
	rc = xengnttab_grant_copy(xgt, 2, seg);
	CHECK(rc != 0 && errno == EINVAL,
	      "copy crossing the foreign destination page end: %s, want EINVAL",
	      rc ? strerror(errno) : "success");
	STEP(granter_read(&g, 2 * ps - 8, page1, 8));
	CHECK(!memcmp(page1, "\0\0\0\0\0\0\0\0", 8),
	      "refused copy wrote to the destination page");
	seg_out(&seg[1], out, 0, 0, 8);
	seg[1].dest.virt = in;
	seg[1].flags = 0;
	rc = xengnttab_grant_copy(xgt, 2, seg);
	CHECK(rc != 0 && errno == EINVAL, "local-to-local copy: %s, want EINVAL",
	      rc ? strerror(errno) : "success");

	/* raw: bad segments pointer */
	int fd;
	STEP(sc_open(&fd));
	struct ioctl_gntdev_grant_copy op = { .count = 1, .segments = (void *)8 };
	rc = gd_ioctl(fd, IOCTL_GNTDEV_GRANT_COPY, &op);
	CHECK(rc == -EFAULT, "GRANT_COPY with segments=0x8: %s, want EFAULT", errname(rc));
	rc = gd_ioctl(fd, IOCTL_GNTDEV_GRANT_COPY, NULL);
	CHECK(rc == -EFAULT, "GRANT_COPY with NULL argument: %s, want EFAULT", errname(rc));
	close(fd);

	/* copying pins only transiently */
	STEP(xen_expect_unmapped(g.refs, 2, "after grant copies"));
	xengnttab_close(xgt);
	granter_release(&g);
	return 0;
}

/* Copy into a read-only grant fails per segment; the page is untouched. */
SCENARIO("grant-copy-readonly", 0,
	 "GRANT_COPY into a read-only grant fails that segment and leaves the page "
	 "untouched; copying out of it works")
{
	struct granter g;
	STEP(sc_share(&g, 1, 0, 220));
	xengnttab_handle *xgt = xengnttab_open(note_logger(), 0);
	CHECK(xgt, "xengnttab_open: %s", strerror(errno));
	uint8_t buf[64];
	memset(buf, 0xab, sizeof(buf));
	seg_t seg[2];
	seg_out(&seg[0], buf, g.refs[0], 8, sizeof(buf));
	/* reading it is fine */
	seg_in(&seg[1], g.refs[0], 8, buf + 32, 16);
	int rc = copy(xgt, 2, seg);
	CHECK(rc == 0, "xengnttab_grant_copy: %s", strerror(errno));
	CHECK(seg[0].status != ST_OKAY, "copy into a read-only grant reported okay");
	CHECK(seg[1].status == ST_OKAY, "copy out of a read-only grant: status %d",
	      seg[1].status);
	uint8_t page[64];
	STEP(granter_read(&g, 8, page, sizeof(page)));
	for (int i = 0; i < 64; i++)
		CHECK(page[i] == pattern_byte(220, 0, 8 + i),
		      "read-only granted page modified at %d", 8 + i);
	for (int i = 0; i < 16; i++)
		CHECK(buf[32 + i] == pattern_byte(220, 0, 8 + i), "copied-out byte %d wrong", i);
	note("read-only dest status %d", seg[0].status);
	STEP(xen_expect_unmapped(g.refs, 1, "after grant copies"));
	xengnttab_close(xgt);
	granter_release(&g);
	return 0;
}

/* Count 0 is a no-op that succeeds: QEMU calls it to probe for the
 * ioctl.  It must not look at the segments pointer. */
SCENARIO("grant-copy-count-zero", 0,
	 "GRANT_COPY with count 0 returns 0 without reading the segments (QEMU's probe)")
{
	int fd;
	STEP(sc_open(&fd));
	struct ioctl_gntdev_grant_copy op = { .count = 0, .segments = NULL };
	int rc = gd_ioctl(fd, IOCTL_GNTDEV_GRANT_COPY, &op);
	if (rc == -ENOTTY)
		skip("IOCTL_GNTDEV_GRANT_COPY not implemented (ENOTTY)");
	CHECK(rc == 0, "GRANT_COPY with count 0, segments NULL: %s, want 0", errname(rc));
	op.segments = (void *)8;
	rc = gd_ioctl(fd, IOCTL_GNTDEV_GRANT_COPY, &op);
	CHECK(rc == 0, "GRANT_COPY with count 0, segments 0x8: %s, want 0", errname(rc));
	close(fd);
	xengnttab_handle *xgt = xengnttab_open(note_logger(), 0);
	CHECK(xgt, "xengnttab_open: %s", strerror(errno));
	rc = xengnttab_grant_copy(xgt, 0, NULL);
	CHECK(rc == 0, "xengnttab_grant_copy(count 0): %s, want 0", strerror(errno));
	xengnttab_close(xgt);
	return 0;
}

/*
 * Many segments in one call (more than the device handles per hypercall,
 * several local sides crossing a page, so segments and Xen operations do
 * not line up): local<-foreign, foreign<-local and foreign<-foreign mixed,
 * with bad refs at a few places, two of them adjacent.  Every segment must
 * get its own status, and every destination exactly its data.
 */
#define MANY 40

static int is_bad_seg(int i)
{
	return i == 5 || i == 16 || i == 17 || i == 31;
}

SCENARIO("grant-copy-many-segments", 0,
	 "40 mixed segments in one call (local<->foreign, foreign->foreign, local "
	 "sides across pages, bad refs incl. adjacent ones): each gets its own "
	 "status and each destination exactly its data")
{
	struct granter g;
	long ps = pagesz();
	STEP(sc_share(&g, 4, 1, 300));            /* pages 0,1 sources; 2,3 destinations */
	STEP(granter_set(&g, 2 * ps, 0, 2 * ps));
	uint8_t *local = mmap(NULL, 10 * ps, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(local != MAP_FAILED, "mmap: %s", errname(errno));
	uint8_t *in = local, *out = local + 4 * ps, *scratch = local + 7 * ps;
	uint8_t *dest = local + 8 * ps;    /* the granter's pages 2 and 3, read back */
	memset(in, 0, 4 * ps);
	for (long i = 0; i < 3 * ps; i++)
		out[i] = (uint8_t)(i * 13 + 5);
	memset(scratch, 0xee, ps);

	seg_t seg[MANY];
	/* where each segment's data must end up, to check afterwards */
	struct { uint8_t *dst; const uint8_t *want_local; uint32_t spage; uint16_t soff; } exp[MANY];
	long cin = ps - 700, cout = 0, c2 = 0, c3 = 0;
	for (int i = 0; i < MANY; i++) {
		uint16_t len = 50 + (i * 37) % 200;
		uint32_t sp = (i / 3) % 2;
		uint16_t soff = (uint16_t)((i * 113) % (ps - len));
		memset(&exp[i], 0, sizeof(exp[i]));
		if (is_bad_seg(i)) {
			seg_in(&seg[i], 0xfffff, 0, scratch + 64 * (i % 8), len > 64 ? 64 : len);
			continue;
		}
		switch (i % 3) {
		case 0:     /* foreign -> local, running across local pages */
			seg_in(&seg[i], g.refs[sp], soff, in + cin, len);
			exp[i].dst = in + cin;
			exp[i].spage = sp;
			exp[i].soff = soff;
			cin += len + 3;
			break;
		case 1:     /* local -> foreign page 2 */
			seg_out(&seg[i], out + cout, g.refs[2], c2, len);
			exp[i].dst = dest + c2;
			exp[i].want_local = out + cout;
			cout += len + 700;       /* local sides cross pages too */
			c2 += len + 2;
			break;
		default:    /* foreign page sp -> foreign page 3 */
			seg_ff(&seg[i], g.refs[sp], soff, g.refs[3], c3, len);
			exp[i].dst = dest + ps + c3;
			exp[i].spage = sp;
			exp[i].soff = soff;
			c3 += len + 2;
			break;
		}
	}
	CHECK(c2 < ps && c3 < ps && cin < 4 * ps && cout < 3 * ps, "test layout overflows");
	xengnttab_handle *xgt = xengnttab_open(note_logger(), 0);
	CHECK(xgt, "xengnttab_open: %s", strerror(errno));
	int rc = copy(xgt, MANY, seg);
	CHECK(rc == 0, "xengnttab_grant_copy(%d segments): %s", MANY, strerror(errno));
	STEP(granter_read(&g, 2 * ps, dest, 2 * ps));
	for (int i = 0; i < MANY; i++) {
		if (is_bad_seg(i)) {
			CHECK(seg[i].status != ST_OKAY, "segment %d (bad ref) reported okay", i);
			continue;
		}
		CHECK(seg[i].status == ST_OKAY, "segment %d (kind %d) status %d", i, i % 3,
		      seg[i].status);
		for (int k = 0; k < seg[i].len; k++) {
			uint8_t want = exp[i].want_local ? exp[i].want_local[k]
				       : pattern_byte(300, exp[i].spage, exp[i].soff + k);
			CHECK(exp[i].dst[k] == want, "segment %d (kind %d) byte %d: 0x%02x want 0x%02x",
			      i, i % 3, k, exp[i].dst[k], want);
		}
	}
	for (long k = 0; k < ps; k++)
		CHECK(scratch[k] == 0xee, "a bad-ref segment wrote its destination (byte %ld)", k);
	/* the gaps between destinations stay zero: nothing wrote past its len */
	for (int i = 0; i < MANY; i++)
		if (exp[i].dst)
			CHECK(exp[i].dst[seg[i].len] == 0 && exp[i].dst[seg[i].len + 1] == 0,
			      "segment %d (kind %d) wrote past its %u bytes", i, i % 3, seg[i].len);
	STEP(xen_expect_unmapped(g.refs, 4, "after grant copies"));
	xengnttab_close(xgt);
	munmap(local, 10 * ps);
	granter_release(&g);
	return 0;
}

/* Copy the granter's page 0 into buf and check it arrived. */
static int copy_in_checked(xengnttab_handle *xgt, struct granter *g, uint8_t *buf,
			   uint32_t seed, const char *when)
{
	long ps = pagesz();
	seg_t seg;

	memset(buf, 0, ps);
	seg_in(&seg, g->refs[0], 0, buf, ps);
	CHECK(copy(xgt, 1, &seg) == 0, "%s: xengnttab_grant_copy: %s", when, strerror(errno));
	CHECK(seg.status == ST_OKAY, "%s: segment status %d", when, seg.status);
	for (long i = 0; i < ps; i++)
		CHECK(buf[i] == pattern_byte(seed, 0, i),
		      "%s: byte %ld of the buffer is 0x%02x, want 0x%02x: the copy went "
		      "to another page than the one mapped there now", when, i, buf[i],
		      pattern_byte(seed, 0, i));
	return 0;
}

/* Fill buf with c, copy it out to the granter's page 0, read that back. */
static int copy_out_checked(xengnttab_handle *xgt, struct granter *g, uint8_t *buf,
			    int c, const char *when)
{
	long ps = pagesz();
	uint8_t *seen = malloc(ps);
	seg_t seg;

	CHECK(seen, "malloc");
	memset(buf, c, ps);
	seg_out(&seg, buf, g->refs[0], 0, ps);
	int rc = copy(xgt, 1, &seg);
	int st = seg.status;
	int rd = rc ? 0 : granter_read(g, 0, seen, ps);
	int same = !rc && !st && !rd && seen[0] == c && !memcmp(seen, seen + 1, ps - 1);
	free(seen);
	CHECK(rc == 0, "%s: xengnttab_grant_copy: %s", when, strerror(errno));
	CHECK(st == ST_OKAY, "%s: segment status %d", when, st);
	STEP(rd);
	CHECK(same, "%s: the granted page does not hold the buffer's bytes 0x%02x: the "
	      "copy read another page than the one mapped there now", when, c);
	return 0;
}

/*
 * Backends copy through the same buffers again and again, and the device
 * may keep their pages pinned between calls.  Whatever replaces the page
 * behind a buffer's address must be what the next copy uses.
 */
SCENARIO("grant-copy-buffer-replaced", 0,
	 "a copy in or out uses the page mapped at the buffer's address now: after "
	 "MADV_DONTNEED, after munmap and mmap at the same address, and in a fork "
	 "child copying through the same descriptor, data lands in (or comes from) "
	 "the new page")
{
	struct granter g;
	long ps = pagesz();
	STEP(sc_share(&g, 1, 1, 212));
	xengnttab_handle *xgt = xengnttab_open(note_logger(), 0);
	CHECK(xgt, "xengnttab_open: %s", strerror(errno));
	uint8_t *buf = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(buf != MAP_FAILED, "mmap: %s", errname(errno));

	STEP(copy_in_checked(xgt, &g, buf, 212, "first copy in"));
	STEP(copy_in_checked(xgt, &g, buf, 212, "second copy in"));

	CHECK(madvise(buf, ps, MADV_DONTNEED) == 0, "MADV_DONTNEED: %s", errname(errno));
	STEP(copy_in_checked(xgt, &g, buf, 212, "copy in after MADV_DONTNEED"));

	CHECK(munmap(buf, ps) == 0, "munmap: %s", errname(errno));
	uint8_t *again = mmap(buf, ps, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(again == buf, "mmap at the old address: %s", errname(errno));
	STEP(copy_in_checked(xgt, &g, buf, 212, "copy in after munmap and mmap"));

	/* A child has its own page at the same address, the same descriptor. */
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", errname(errno));
	if (!pid)
		_exit(copy_in_checked(xgt, &g, buf, 212, "child's copy in") ? 1 : 0);
	int wst = 0;
	CHECK(waitpid(pid, &wst, 0) == pid, "waitpid: %s", errname(errno));
	CHECK(WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "the child's copy failed (status 0x%x)", wst);
	STEP(copy_in_checked(xgt, &g, buf, 212, "parent's copy in after the child's"));

	/* The other way: the next copy out reads the page mapped now. */
	STEP(copy_out_checked(xgt, &g, buf, 0xa5, "first copy out"));
	CHECK(madvise(buf, ps, MADV_DONTNEED) == 0, "MADV_DONTNEED: %s", errname(errno));
	STEP(copy_out_checked(xgt, &g, buf, 0x5a, "copy out after MADV_DONTNEED"));
	CHECK(munmap(buf, ps) == 0, "munmap: %s", errname(errno));
	again = mmap(buf, ps, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(again == buf, "mmap at the old address: %s", errname(errno));
	STEP(copy_out_checked(xgt, &g, buf, 0x3c, "copy out after munmap and mmap"));

	munmap(buf, ps);
	xengnttab_close(xgt);
	STEP(xen_expect_unmapped(g.refs, 1, "after grant copies"));
	granter_release(&g);
	return 0;
}
