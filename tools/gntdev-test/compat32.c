/*
 * gntdev-test-compat32: a 32-bit (i386) caller of /dev/xen/gntdev, built
 * with `gcc -m32 -static`, so that a 64-bit kernel serves it through the
 * device's compat_ioctl.  It uses raw ioctls and nothing of the toolkit
 * but the page pattern.
 *
 *   gntdev-test-compat32 DOMID SEED REF[,REF...]
 *
 * The refs are pages granted by DOMID and filled with pattern SEED (as
 * `gntdev-test share --seed SEED` does).  Steps, each reported on stdout:
 *   MAP_GRANT_REF, mmap (mmap2), check every page, write 0xa5 at page 0
 *   offset 77, GET_OFFSET_FOR_VADDR, arm CLEAR_BYTE at the last page's
 *   offset 5 (after writing 0xff there);
 *   "MAPPED" -- then wait for a line on stdin (the caller looks at Xen);
 *   GRANT_COPY (32-bit layout): count 0; foreign ref[0] @100 -> local
 *   buffer across a page boundary (200 bytes); local -> last ref @1000
 *   (300 bytes of i*3+1); a bad ref whose segment alone must fail;
 *   munmap, UNMAP_GRANT_REF, close.
 * Output: "FAIL <what>" per failure, "ok <step>" per success, and last
 * "DONE <failures>".  Exit status 0 iff nothing failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/gntdev.h>

#include "pattern.h"

#define MAX_REFS 8
#define BAD_REF  0xfffffu

static int failures;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("FAIL ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	failures++;
}

static void ok(const char *step)
{
	printf("ok %s\n", step);
	fflush(stdout);
}

static int done(void)
{
	printf("DONE %d\n", failures);
	fflush(stdout);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s DOMID SEED REF[,REF...]\n", argv[0]);
		return 2;
	}
	if (sizeof(void *) != 4)
		fail("built as a %u-bit program: this helper must be 32-bit (gcc -m32)",
		     (unsigned)(8 * sizeof(void *)));
	unsigned domid = strtoul(argv[1], NULL, 0);
	unsigned seed = strtoul(argv[2], NULL, 0);
	unsigned refs[MAX_REFS], n = 0;
	for (char *p = argv[3]; *p && n < MAX_REFS; n++) {
		refs[n] = strtoul(p, &p, 0);
		if (*p == ',')
			p++;
	}
	long ps = sysconf(_SC_PAGESIZE);

	int fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fail("open /dev/xen/gntdev: %s", strerror(errno));
		return done();
	}

	/* MAP_GRANT_REF: same layout for 32 and 64 bits */
	size_t msz = sizeof(struct ioctl_gntdev_map_grant_ref) +
		     (n - 1) * sizeof(struct ioctl_gntdev_grant_ref);
	struct ioctl_gntdev_map_grant_ref *mop = calloc(1, msz);
	mop->count = n;
	for (unsigned i = 0; i < n; i++) {
		mop->refs[i].domid = domid;
		mop->refs[i].ref = refs[i];
	}
	if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, mop) != 0) {
		fail("MAP_GRANT_REF(%u refs): %s%s", n, strerror(errno),
		     errno == ENOTTY ? " (no compat_ioctl for 32-bit callers?)" : "");
		return done();
	}
	unsigned long long index = mop->index;
	ok("MAP_GRANT_REF");

	uint8_t *m = mmap(NULL, n * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)index);
	if (m == MAP_FAILED) {
		fail("mmap(%u pages, offset 0x%llx): %s", n, index, strerror(errno));
		return done();
	}
	ok("mmap");
	int bad = 0;
	for (unsigned k = 0; k < n && !bad; k++)
		for (long o = 0; o < ps; o++)
			if (m[k * ps + o] != pattern_byte(seed, k, o)) {
				fail("page %u offset %ld reads 0x%02x, want 0x%02x", k, o,
				     m[k * ps + o], pattern_byte(seed, k, o));
				bad = 1;
				break;
			}
	if (!bad)
		ok("content");
	m[77] = 0xa5;

	struct ioctl_gntdev_get_offset_for_vaddr gop = { .vaddr = (uintptr_t)(m + (n - 1) * ps) };
	if (ioctl(fd, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &gop) != 0)
		fail("GET_OFFSET_FOR_VADDR: %s", strerror(errno));
	else if (gop.offset != index || gop.count != n)
		fail("GET_OFFSET_FOR_VADDR: offset 0x%llx count %u, want 0x%llx/%u",
		     (unsigned long long)gop.offset, gop.count, index, n);
	else
		ok("GET_OFFSET_FOR_VADDR");

	long noff = (n - 1) * ps + 5;
	m[noff] = 0xff;
	struct ioctl_gntdev_unmap_notify nop = { .index = index + noff,
						 .action = UNMAP_NOTIFY_CLEAR_BYTE };
	if (ioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &nop) != 0)
		fail("SET_UNMAP_NOTIFY(CLEAR_BYTE): %s", strerror(errno));
	else
		ok("SET_UNMAP_NOTIFY");

	printf("MAPPED\n");
	fflush(stdout);
	char line[16];
	if (!fgets(line, sizeof(line), stdin))
		fail("no go-ahead on stdin");

	/* GRANT_COPY with a 32-bit segments pointer and 32-bit virt sides */
	struct ioctl_gntdev_grant_copy cop = { .count = 0, .segments = NULL };
	if (ioctl(fd, IOCTL_GNTDEV_GRANT_COPY, &cop) != 0)
		fail("GRANT_COPY(count 0): %s", strerror(errno));
	else
		ok("GRANT_COPY count 0");
	uint8_t *local = mmap(NULL, 3 * ps, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *in = local + ps - 80;              /* 200 bytes across a page boundary */
	uint8_t *out = local + 2 * ps - 150;        /* 300 bytes across a page boundary */
	for (int i = 0; i < 300; i++)
		out[i] = (uint8_t)(i * 3 + 1);
	struct gntdev_grant_copy_segment seg[3];
	memset(seg, 0, sizeof(seg));
	seg[0].source.foreign.ref = refs[0];
	seg[0].source.foreign.domid = domid;
	seg[0].source.foreign.offset = 100;
	seg[0].dest.virt = in;
	seg[0].len = 200;
	seg[0].flags = 1;   /* GNTCOPY_source_gref */
	seg[1].source.virt = out;
	seg[1].dest.foreign.ref = refs[n - 1];
	seg[1].dest.foreign.domid = domid;
	seg[1].dest.foreign.offset = 1000;
	seg[1].len = 300;
	seg[1].flags = 2;   /* GNTCOPY_dest_gref */
	seg[2] = seg[0];
	seg[2].source.foreign.ref = BAD_REF;
	seg[2].dest.virt = local;
	seg[2].len = 16;
	cop.count = 3;
	cop.segments = seg;
	if (ioctl(fd, IOCTL_GNTDEV_GRANT_COPY, &cop) != 0) {
		fail("GRANT_COPY(3 segments): %s", strerror(errno));
	} else {
		int cbad = 0;
		if (seg[0].status != 0 || seg[1].status != 0) {
			fail("GRANT_COPY statuses %d %d, want 0 0", seg[0].status, seg[1].status);
			cbad = 1;
		}
		if (seg[2].status == 0) {
			fail("GRANT_COPY: the bad-ref segment reported okay");
			cbad = 1;
		}
		for (int i = 0; i < 200 && !cbad; i++)
			if (in[i] != pattern_byte(seed, 0, 100 + i)) {
				fail("GRANT_COPY in: byte %d 0x%02x want 0x%02x", i, in[i],
				     pattern_byte(seed, 0, 100 + i));
				cbad = 1;
			}
		for (int i = 0; i < 300 && !cbad; i++)
			if (m[(n - 1) * ps + 1000 + i] != (uint8_t)(i * 3 + 1)) {
				fail("GRANT_COPY out: byte %d reads 0x%02x through the mapping", i,
				     m[(n - 1) * ps + 1000 + i]);
				cbad = 1;
			}
		if (!cbad)
			ok("GRANT_COPY");
	}

	if (munmap(m, n * ps) != 0)
		fail("munmap: %s", strerror(errno));
	struct ioctl_gntdev_unmap_grant_ref uop = { .index = index, .count = n };
	if (ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &uop) != 0)
		fail("UNMAP_GRANT_REF: %s", strerror(errno));
	else
		ok("UNMAP_GRANT_REF");
	close(fd);
	return done();
}
