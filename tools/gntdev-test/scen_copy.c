/* Grant-copy scenarios (IOCTL_GNTDEV_GRANT_COPY, via libxengnttab and raw). */
#include "runner.h"
#include "scen_common.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xengnttab.h>

#include <xen/gntdev.h>

/* Xen's public grant_table.h values, restated for userspace. */
#define COPY_SRC_GREF   0x1
#define COPY_DST_GREF   0x2
#define ST_OKAY         0
#define ST_BAD_GNTREF   (-3)

static int sc_copy(void)
{
	struct granter g;
	long ps = pagesz();
	STEP(sc_share(&g, 2, 1, 210));
	memset(g.pages + ps, 0, ps);
	xengnttab_handle *xgt = xengnttab_open(note_logger(), 0);
	CHECK(xgt, "xengnttab_open: %s", strerror(errno));

	/* local buffers straddling a page boundary */
	uint8_t *local = mmap(NULL, 3 * ps, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(local != MAP_FAILED, "mmap: %s", errname(errno));
	uint8_t *in = local + ps - 300;          /* 1000 bytes: 300 + 700 */
	uint8_t *out = local + 2 * ps - 1000;    /* 2000 bytes: 1000 + 1000 */
	memset(in, 0, 1000);

	xengnttab_grant_copy_segment_t seg[3];
	memset(seg, 0, sizeof(seg));
	/* foreign page 0 @100 -> local */
	seg[0].source.foreign.ref = g.refs[0];
	seg[0].source.foreign.domid = T->granter;
	seg[0].source.foreign.offset = 100;
	seg[0].dest.virt = in;
	seg[0].len = 1000;
	seg[0].flags = COPY_SRC_GREF;
	/* bad ref in between: only this segment must fail */
	seg[1].source.foreign.ref = 0xfffff;
	seg[1].source.foreign.domid = T->granter;
	seg[1].dest.virt = local;
	seg[1].len = 16;
	seg[1].flags = COPY_SRC_GREF;
	/* local -> foreign page 1 @2000 */
	for (int i = 0; i < 2000; i++)
		out[i] = (uint8_t)(i * 7 + 3);
	seg[2].source.virt = out;
	seg[2].dest.foreign.ref = g.refs[1];
	seg[2].dest.foreign.domid = T->granter;
	seg[2].dest.foreign.offset = 2000;
	seg[2].len = 2000;
	seg[2].flags = COPY_DST_GREF;

	int rc = xengnttab_grant_copy(xgt, 3, seg);
	if (rc && errno == ENOTTY)
		skip("IOCTL_GNTDEV_GRANT_COPY not implemented (ENOTTY)");
	CHECK(rc == 0, "xengnttab_grant_copy: %s", strerror(errno));
	CHECK(seg[0].status == ST_OKAY, "segment 0 status %d", seg[0].status);
	CHECK(seg[1].status != ST_OKAY, "segment with ref 0xfffff reported okay");
	note("bad-ref segment status %d (GNTST_bad_gntref is %d)", seg[1].status, ST_BAD_GNTREF);
	CHECK(seg[2].status == ST_OKAY, "segment 2 status %d", seg[2].status);
	for (int i = 0; i < 1000; i++)
		CHECK(in[i] == pattern_byte(210, 0, 100 + i),
		      "copied-in byte %d: 0x%02x want 0x%02x", i, in[i],
		      pattern_byte(210, 0, 100 + i));
	for (int i = 0; i < 2000; i++)
		CHECK(g.pages[ps + 2000 + i] == (uint8_t)(i * 7 + 3),
		      "copied-out byte %d: 0x%02x want 0x%02x", i, g.pages[ps + 2000 + i],
		      (uint8_t)(i * 7 + 3));
	CHECK(g.pages[ps + 1999] == 0 && g.pages[ps + 4000] == 0,
	      "copy-out wrote outside [2000, 4000)");

	/* segments the device must refuse as a whole (upstream: EINVAL) */
	memcpy(&seg[1], &seg[0], sizeof(seg[0]));
	seg[1].source.foreign.offset = ps - 10;   /* crosses the foreign page */
	seg[1].len = 20;
	rc = xengnttab_grant_copy(xgt, 2, seg);
	CHECK(rc != 0 && errno == EINVAL, "copy crossing the foreign page end: %s, want EINVAL",
	      rc ? strerror(errno) : "success");
	memset(&seg[1], 0, sizeof(seg[1]));
	seg[1].source.virt = out;
	seg[1].dest.virt = in;
	seg[1].len = 8;
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
static int sc_copy_ro(void)
{
	struct granter g;
	STEP(sc_share(&g, 1, 0, 220));
	xengnttab_handle *xgt = xengnttab_open(note_logger(), 0);
	CHECK(xgt, "xengnttab_open: %s", strerror(errno));
	uint8_t buf[64];
	memset(buf, 0xab, sizeof(buf));
	xengnttab_grant_copy_segment_t seg[2];
	memset(seg, 0, sizeof(seg));
	seg[0].source.virt = buf;
	seg[0].dest.foreign.ref = g.refs[0];
	seg[0].dest.foreign.domid = T->granter;
	seg[0].dest.foreign.offset = 8;
	seg[0].len = sizeof(buf);
	seg[0].flags = COPY_DST_GREF;
	/* reading it is fine */
	seg[1].source.foreign.ref = g.refs[0];
	seg[1].source.foreign.domid = T->granter;
	seg[1].source.foreign.offset = 8;
	seg[1].dest.virt = buf + 32;
	seg[1].len = 16;
	seg[1].flags = COPY_SRC_GREF;
	int rc = xengnttab_grant_copy(xgt, 2, seg);
	if (rc && errno == ENOTTY)
		skip("IOCTL_GNTDEV_GRANT_COPY not implemented (ENOTTY)");
	CHECK(rc == 0, "xengnttab_grant_copy: %s", strerror(errno));
	CHECK(seg[0].status != ST_OKAY, "copy into a read-only grant reported okay");
	CHECK(seg[1].status == ST_OKAY, "copy out of a read-only grant: status %d",
	      seg[1].status);
	for (int i = 0; i < 64; i++)
		CHECK(g.pages[8 + i] == pattern_byte(220, 0, 8 + i),
		      "read-only granted page modified at %d", 8 + i);
	for (int i = 0; i < 16; i++)
		CHECK(buf[32 + i] == pattern_byte(220, 0, 8 + i), "copied-out byte %d wrong", i);
	note("read-only dest status %d", seg[0].status);
	STEP(xen_expect_unmapped(g.refs, 1, "after grant copies"));
	xengnttab_close(xgt);
	granter_release(&g);
	return 0;
}

const struct scenario scen_copy[] = {
	{ "grant-copy",
	  "GRANT_COPY copies in and out at offsets (across local page boundaries), "
	  "fails only the bad-ref segment, refuses page-crossing and local-local "
	  "copies with EINVAL, bad pointers with EFAULT, and leaves nothing pinned",
	  sc_copy, 0 },
	{ "grant-copy-readonly",
	  "GRANT_COPY into a read-only grant fails that segment and leaves the page "
	  "untouched; copying out of it works",
	  sc_copy_ro, 0 },
	{ NULL, NULL, NULL, 0 },
};
