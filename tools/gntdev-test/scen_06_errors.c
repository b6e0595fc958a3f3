/* Error-path scenarios: bad ioctl input, bad user pointers, invalid refs,
 * read-only grants mapped writable.  Expected errnos follow upstream
 * gntdev (drivers/xen/gntdev.c) semantics. */
#include "domain.h"
#include "errname.h"
#include "evidence.h"
#include "note_logger.h"
#include "pattern_check.h"
#include "probe.h"
#include "scen_common.h"
#include "scenario.h"
#include "textfile.h"
#include "xen_expect.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xengnttab.h>

#include <xen/gntdev.h>

/* Two pages: the first read-write, the second PROT_NONE (guard). */
static uint8_t *guarded_page(void)
{
	long ps = pagesz();
	uint8_t *p = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + ps, ps, PROT_NONE)) {
		munmap(p, 2 * ps);
		return NULL;
	}
	return p;
}

static uint32_t gntdev_limit(void)
{
	static const char *const paths[] = {
		"/sys/module/xen_gntdev/parameters/limit",
		"/sys/module/gntdev/parameters/limit",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		FILE *f = fopen(paths[i], "r");
		unsigned long v;
		if (!f)
			continue;
		int ok = fscanf(f, "%lu", &v) == 1;
		fclose(f);
		if (ok && v > 0 && v < UINT32_MAX)
			return (uint32_t)v;
	}
	return 64 * 1024;  /* upstream default */
}

/* MAP with a header placed so that only 'readable' refs fit before the
 * guard page; returns the ioctl result. */
static int map_at_guard(int fd, uint8_t *gp, uint32_t count, uint32_t readable,
			const uint32_t *refs)
{
	/* the fixed part of the struct already holds one ref */
	size_t sz = gd_map_struct_size(readable ? readable : 1);
	struct ioctl_gntdev_map_grant_ref *op =
		(void *)(gp + pagesz() - sz);
	memset(op, 0, sz);
	op->count = count;
	for (uint32_t i = 0; i < readable; i++) {
		op->refs[i].domid = T->granter;
		op->refs[i].ref = refs ? refs[i] : 0;
	}
	return gd_ioctl(fd, gd_req_map(), op);
}

SCENARIO("ioctl-map-count-zero", 0,
	 "MAP_GRANT_REF with count 0 fails with EINVAL")
{
	int fd;
	STEP(sc_open(&fd));
	uint8_t *gp = guarded_page();
	CHECK(gp, "guard page: %s", errname(errno));
	int rc = map_at_guard(fd, gp, 0, 0, NULL);
	CHECK(rc == -EINVAL, "MAP with count 0: %s, want EINVAL", errname(rc));
	close(fd);
	return 0;
}

SCENARIO("ioctl-map-count-over-limit", 0,
	 "MAP_GRANT_REF with count above the limit fails with EINVAL before reading refs")
{
	int fd;
	STEP(sc_open(&fd));
	uint8_t *gp = guarded_page();
	CHECK(gp, "guard page: %s", errname(errno));
	uint32_t lim = gntdev_limit();
	/* only one ref is readable: the count check must come first */
	const uint32_t counts[] = { lim + 1, 1u << 30, UINT32_MAX };
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		int rc = map_at_guard(fd, gp, counts[i], 1, NULL);
		CHECK(rc == -EINVAL, "MAP with count %u (limit %u): %s, want EINVAL",
		      counts[i], lim, errname(rc));
	}
	note("limit %u", lim);
	close(fd);
	return 0;
}

SCENARIO("ioctl-unmap-unknown-index", 0,
	 "UNMAP_GRANT_REF of an unknown index or with a wrong count fails with ENOENT")
{
	int fd;
	struct granter g;
	STEP(sc_open(&fd));
	int rc = gd_unmap(fd, 0, 1);
	CHECK(rc == -ENOENT, "UNMAP index 0 on a fresh fd: %s, want ENOENT", errname(rc));
	rc = gd_unmap(fd, 0x7fff000, 1);
	CHECK(rc == -ENOENT, "UNMAP unknown index: %s, want ENOENT", errname(rc));
	STEP(sc_share(&g, 2, 1, 160));
	uint64_t index;
	rc = gd_map(fd, T->granter, g.refs, 2, &index);
	CHECK(rc == 0, "MAP: %s", errname(rc));
	rc = gd_unmap(fd, index, 1);
	CHECK(rc == -ENOENT, "UNMAP of a 2-page map with count 1: %s, want ENOENT", errname(rc));
	rc = gd_unmap(fd, index + pagesz(), 1);
	CHECK(rc == -ENOENT, "UNMAP at the map's second page: %s, want ENOENT", errname(rc));
	rc = gd_unmap(fd, index, 2);
	CHECK(rc == 0, "UNMAP of the real map afterwards: %s", errname(rc));
	rc = gd_set_unmap_notify(fd, index, UNMAP_NOTIFY_CLEAR_BYTE, 0);
	if (rc != -ENOTTY)
		CHECK(rc == -ENOENT, "SET_UNMAP_NOTIFY on an unmapped index: %s, want ENOENT",
		      errname(rc));
	close(fd);
	granter_release(&g);
	return 0;
}

SCENARIO("ioctl-offset-for-foreign-vaddr", 0,
	 "GET_OFFSET_FOR_VADDR on an address not mapped by gntdev fails with EINVAL")
{
	int fd;
	STEP(sc_open(&fd));
	uint8_t *anon = mmap(NULL, pagesz(), PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(anon != MAP_FAILED, "mmap anon: %s", errname(errno));
	anon[0] = 1;
	int rc = gd_offset_for_vaddr(fd, anon, NULL, NULL);
	if (rc == -ENOTTY)
		skip("IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR not implemented (ENOTTY)");
	CHECK(rc == -EINVAL, "GET_OFFSET_FOR_VADDR(anonymous page): %s, want EINVAL", errname(rc));
	static int global;
	rc = gd_offset_for_vaddr(fd, &global, NULL, NULL);
	CHECK(rc == -EINVAL, "GET_OFFSET_FOR_VADDR(.bss): %s, want EINVAL", errname(rc));
	munmap(anon, pagesz());
	/* a hole: reserve and release, so nothing is mapped there */
	uint8_t *hole = mmap(NULL, pagesz(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(hole != MAP_FAILED, "mmap: %s", errname(errno));
	munmap(hole, pagesz());
	rc = gd_offset_for_vaddr(fd, hole, NULL, NULL);
	CHECK(rc == -EINVAL, "GET_OFFSET_FOR_VADDR(unmapped hole): %s, want EINVAL", errname(rc));
	rc = gd_offset_for_vaddr(fd, (void *)(uintptr_t)0xffff800000000000ull, NULL, NULL);
	CHECK(rc == -EINVAL, "GET_OFFSET_FOR_VADDR(kernel address): %s, want EINVAL", errname(rc));
	close(fd);
	return 0;
}

SCENARIO("ioctl-bad-user-pointers", SC_MAPS,
	 "every ioctl given an unreadable/unwritable argument fails with EFAULT and "
	 "leaves no map behind")
{
	int fd;
	struct granter g;
	long ps = pagesz();
	STEP(sc_open(&fd));
	STEP(sc_share(&g, 2, 1, 170));
	uint8_t *gp = guarded_page();
	CHECK(gp, "guard page: %s", errname(errno));
	void *const bad[] = { NULL, (void *)1, gp + ps, (void *)(uintptr_t)0xffff880000000000ull };
	const char *const badn[] = { "NULL", "0x1", "PROT_NONE page", "kernel address" };
	const unsigned long reqs[] = { gd_req_map(), gd_req_unmap(), gd_req_offset(),
				       gd_req_notify() };
	const char *const reqn[] = { "MAP_GRANT_REF", "UNMAP_GRANT_REF",
				     "GET_OFFSET_FOR_VADDR", "SET_UNMAP_NOTIFY" };
	for (size_t r = 0; r < 4; r++)
		for (size_t b = 0; b < 4; b++) {
			int rc = gd_ioctl(fd, reqs[r], bad[b]);
			if (rc == -ENOTTY && r >= 2) {
				note("%s not implemented (ENOTTY)", reqn[r]);
				break;
			}
			CHECK(rc == -EFAULT, "%s with %s argument: %s, want EFAULT",
			      reqn[r], badn[b], errname(rc));
		}
	/* header readable, refs run into the guard page */
	int rc = map_at_guard(fd, gp, 2, 1, g.refs);
	CHECK(rc == -EFAULT, "MAP with refs[1] in a PROT_NONE page: %s, want EFAULT",
	      errname(rc));
	/* argument readable but not writable: the index can't be returned */
	struct ioctl_gntdev_map_grant_ref *op = (void *)gp;
	memset(op, 0, gd_map_struct_size(2));
	op->count = 2;
	op->refs[0].domid = op->refs[1].domid = T->granter;
	op->refs[0].ref = g.refs[0];
	op->refs[1].ref = g.refs[1];
	CHECK(mprotect(gp, ps, PROT_READ) == 0, "mprotect: %s", errname(errno));
	rc = gd_ioctl(fd, gd_req_map(), op);
	CHECK(rc == -EFAULT, "MAP with a read-only argument: %s, want EFAULT", errname(rc));
	/* none of that may have left a usable map behind: a fresh map of the
	 * same refs works and gets mapped/unmapped normally */
	uint64_t index;
	uint8_t *m;
	STEP(sc_map_mmap(fd, &g, 170, PROT_READ | PROT_WRITE, &index, &m));
	STEP(xen_expect_mapped(g.refs, 2, "valid map after the bad calls"));
	CHECK(munmap(m, 2 * ps) == 0, "munmap: %s", errname(errno));
	CHECK((rc = gd_unmap(fd, index, 2)) == 0, "UNMAP: %s", errname(rc));
	STEP(xen_expect_unmapped(g.refs, 2, "after unmap"));
	close(fd);
	granter_release(&g);
	return 0;
}

SCENARIO("ioctl-unknown-command", 0,
	 "unknown ioctl numbers fail with ENOTTY; unknown notify action with EINVAL")
{
	int fd;
	STEP(sc_open(&fd));
	int rc = gd_ioctl(fd, _IOC(_IOC_NONE, 'G', 200, 16), NULL);
	CHECK(rc == -ENOTTY, "unknown ioctl 'G' 200: %s, want ENOTTY", errname(rc));
	rc = gd_ioctl(fd, _IOC(_IOC_NONE, 'Z', 0, 16), NULL);
	CHECK(rc == -ENOTTY, "unknown ioctl type 'Z': %s, want ENOTTY", errname(rc));
	rc = gd_set_unmap_notify(fd, 0, 0x80, 0);
	if (rc != -ENOTTY)
		CHECK(rc == -EINVAL, "SET_UNMAP_NOTIFY with unknown action bit: %s, want EINVAL",
		      errname(rc));
	close(fd);
	return 0;
}

/* mmap requests that don't match a map: EINVAL, and nothing gets mapped. */
SCENARIO("mmap-bad-requests", SC_MAPS,
	 "private-writable, unknown-offset and wrong-size mmaps fail with EINVAL and "
	 "map nothing; the right mmap then works")
{
	int fd;
	struct granter g;
	long ps = pagesz();
	STEP(sc_open(&fd));
	STEP(sc_share(&g, 3, 1, 180));
	uint64_t index;
	int rc = gd_map(fd, T->granter, g.refs, 3, &index);
	CHECK(rc == 0, "MAP: %s", errname(rc));
	void *p = mmap(NULL, 3 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, index);
	CHECK(p == MAP_FAILED && errno == EINVAL,
	      "writable MAP_PRIVATE mmap: %s, want EINVAL", p == MAP_FAILED ? errname(errno) : "success");
	p = mmap(NULL, 3 * ps, PROT_READ, MAP_SHARED, fd, index + 64 * ps);
	CHECK(p == MAP_FAILED && errno == EINVAL,
	      "mmap at unknown offset: %s, want EINVAL", p == MAP_FAILED ? errname(errno) : "success");
	p = mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, fd, index);
	CHECK(p == MAP_FAILED && errno == EINVAL,
	      "mmap of 2 pages of a 3-page map: %s, want EINVAL",
	      p == MAP_FAILED ? errname(errno) : "success");
	p = mmap(NULL, 4 * ps, PROT_READ, MAP_SHARED, fd, index);
	CHECK(p == MAP_FAILED && errno == EINVAL,
	      "mmap of 4 pages of a 3-page map: %s, want EINVAL",
	      p == MAP_FAILED ? errname(errno) : "success");
	p = mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, fd, index + ps);
	CHECK(p == MAP_FAILED && errno == EINVAL,
	      "mmap starting inside a map: %s, want EINVAL",
	      p == MAP_FAILED ? errname(errno) : "success");
	STEP(xen_expect_unmapped(g.refs, 3, "after refused mmaps"));
	uint8_t *m = gd_mmap(fd, index, 3, PROT_READ | PROT_WRITE);
	CHECK(m, "the correct mmap after refused ones: %s", errname(errno));
	STEP(check_pattern(m, 180, 0, 3, "correct mmap after refused ones"));
	STEP(xen_expect_mapped(g.refs, 3, "correct mmap"));
	CHECK(munmap(m, 3 * ps) == 0, "munmap: %s", errname(errno));
	CHECK((rc = gd_unmap(fd, index, 3)) == 0, "UNMAP: %s", errname(rc));
	close(fd);
	granter_release(&g);
	return 0;
}

/* /proc/self/maps into buf (NUL-terminated); 0, or 1 with evidence. */
static int read_maps(char *buf, size_t len)
{
	int rc = file_read("/proc/self", "maps", buf, len);
	CHECK(rc == 0, "read /proc/self/maps: %s", errname(-rc));
	return 0;
}

/*
 * One mmap that must be refused without a trace: no VMA left behind.
 * EINVAL is the device's answer; the core mm may refuse first (EOVERFLOW
 * for an offset whose end overflows, ENOMEM for no room), which is noted.
 */
static int oversized_refused(int fd, uint64_t pages, uint64_t off, const char *what)
{
	static char before[65536], after[65536];
	STEP(read_maps(before, sizeof(before)));
	void *p = mmap(NULL, pages * pagesz(), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_NORESERVE, fd, (off_t)off);
	int e = errno;
	if (p != MAP_FAILED) {
		ev("%s: mmap of 0x%llx pages at offset 0x%llx succeeded (at %p), want EINVAL",
		   what, (unsigned long long)pages, (unsigned long long)off, p);
		munmap(p, pages * pagesz());
		return 1;
	}
	STEP(read_maps(after, sizeof(after)));
	if (strcmp(before, after)) {
		size_t i = 0;
		while (before[i] == after[i])
			i++;
		while (i > 0 && after[i - 1] != '\n')
			i--;
		ev("%s: refused with %s, but /proc/self/maps changed at: %.120s", what,
		   errname(e), after + i);
		return 1;
	}
	CHECK(e == EINVAL || e == EOVERFLOW || e == ENOMEM,
	      "%s: mmap of 0x%llx pages at offset 0x%llx: %s, want EINVAL", what,
	      (unsigned long long)pages, (unsigned long long)off, errname(e));
	if (e != EINVAL)
		note("%s: %s", what, errname(e));
	return 0;
}

/*
 * Lengths and offsets past 32 bits of pages, over a map of n pages at
 * 'index': a length equal to n in its low 32 bits, one that is 0 there,
 * 2^31 pages, the two top page-aligned off_t offsets, the top unsigned one and
 * the map's own offset plus 2^32 pages.  None may map anything; the map
 * then mmaps at its right size.
 */
static int oversized_case(int fd, struct granter *g, uint32_t n, uint64_t index,
			  uint32_t seed)
{
	long ps = pagesz();
	const uint64_t top = (uint64_t)INT64_MAX & ~(uint64_t)(ps - 1);
	const struct {
		uint64_t pages, off;
		const char *what;
	} c[] = {
		{ n + (1ull << 32), index, "n + 2^32 pages" },
		{ 1ull << 32, index, "2^32 pages" },
		{ 1ull << 31, index, "2^31 pages" },
		{ n, top, "the top off_t page" },
		{ n, top - ps, "the page below the top off_t page" },
		{ n, (uint64_t)-ps, "the top unsigned offset page" },
		{ n, index + ((uint64_t)ps << 32), "the map's offset + 2^32 pages" },
		{ n + (1ull << 32), index + ((uint64_t)ps << 32),
		  "n + 2^32 pages at the map's offset + 2^32 pages" },
	};
	char what[96];
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(what, sizeof(what), "%u-page map: %s", n, c[i].what);
		STEP(oversized_refused(fd, c[i].pages, c[i].off, what));
	}
	snprintf(what, sizeof(what), "%u-page map after the refused mmaps", n);
	STEP(xen_expect_unmapped(g->refs, n, what));
	uint8_t *m = gd_mmap(fd, index, n, PROT_READ | PROT_WRITE);
	CHECK(m, "%s: the right mmap: %s", what, errname(errno));
	STEP(check_pattern(m, seed, 0, n, what));
	STEP(xen_expect_mapped(g->refs, n, what));
	CHECK(munmap(m, (size_t)n * ps) == 0, "munmap: %s", errname(errno));
	int rc = gd_unmap(fd, index, n);
	CHECK(rc == 0, "UNMAP: %s", errname(rc));
	STEP(xen_expect_unmapped(g->refs, n, "after munmap + UNMAP"));
	return 0;
}

SCENARIO("mmap-oversized", SC_MAPS,
	 "over a 1-page and a 3-page map, mmaps of n + 2^32, 2^32 and 2^31 pages and at "
	 "offsets near the top or 2^32 pages past the map fail (EINVAL, or EOVERFLOW "
	 "from the core mm) and map nothing; the right mmap then works")
{
	int fd;
	struct granter g1, g3;
	STEP(sc_open(&fd));
	STEP(sc_share(&g1, 1, 1, 185));
	STEP(sc_share(&g3, 3, 1, 186));
	uint64_t i1, i3;
	int rc = gd_map(fd, T->granter, g1.refs, 1, &i1);
	CHECK(rc == 0, "MAP 1 page: %s", errname(rc));
	rc = gd_map(fd, T->granter, g3.refs, 3, &i3);
	CHECK(rc == 0, "MAP 3 pages: %s", errname(rc));
	STEP(oversized_case(fd, &g1, 1, i1, 185));
	STEP(oversized_case(fd, &g3, 3, i3, 186));
	close(fd);
	granter_release(&g1);
	granter_release(&g3);
	return 0;
}

/*
 * Invalid refs mixed with valid ones: [valid, bad, valid].  The mapping
 * attempt must fail cleanly (error from mmap or libxengnttab), leave none
 * of the valid grants mapped, and the fd must stay usable.
 */
static int mixed_case(int fd, struct granter *g, uint32_t bad_dom, uint32_t bad_ref,
		      const char *what)
{
	long ps = pagesz();
	uint32_t doms[3] = { T->granter, bad_dom, T->granter };
	uint32_t refs[3] = { g->refs[0], bad_ref, g->refs[1] };
	uint64_t index;
	int rc = gd_map_doms(fd, doms, refs, 3, &index);
	if (rc == 0) {
		uint8_t *m = gd_mmap(fd, index, 3, PROT_READ | PROT_WRITE);
		if (m) {
			ev("%s: mmap of [valid, bad, valid] succeeded", what);
			uint8_t v;
			int sig = probe_read(m + ps, &v);
			ev("%s: reading the bad page %s", what,
			   sig ? "faults" : "returns data");
			munmap(m, 3 * ps);
			gd_unmap(fd, index, 3);
			return 1;
		}
		note("%s: mmap refused with %s", what, errname(errno));
		STEP(xen_expect_unmapped(g->refs, 2, what));
		rc = gd_unmap(fd, index, 3);
		CHECK(rc == 0, "%s: UNMAP after failed mmap: %s", what, errname(rc));
	} else {
		note("%s: MAP ioctl refused with %s", what, errname(rc));
	}
	STEP(xen_expect_unmapped(g->refs, 2, what));

	/* same through libxengnttab */
	xengnttab_handle *xgt = xengnttab_open(note_logger(), 0);
	CHECK(xgt, "xengnttab_open: %s", strerror(errno));
	void *m = xengnttab_map_grant_refs(xgt, 3, doms, refs, PROT_READ | PROT_WRITE);
	if (m) {
		xengnttab_unmap(xgt, m, 3);
		xengnttab_close(xgt);
		CHECK(0, "%s: xengnttab_map_grant_refs of [valid, bad, valid] succeeded", what);
	}
	note("%s: xengnttab_map_grant_refs failed: %s", what, strerror(errno));
	xengnttab_close(xgt);
	STEP(xen_expect_unmapped(g->refs, 2, what));
	return 0;
}

SCENARIO("invalid-refs-mixed", SC_MAPS,
	 "mapping [valid, invalid, valid] fails cleanly (raw and libxengnttab) with "
	 "none of the valid grants left mapped; the fd stays usable")
{
	int fd;
	struct granter g, stale;
	char err[256];
	STEP(sc_open(&fd));
	STEP(sc_share(&g, 2, 1, 190));
	/* a ref that was granted and released: in range, but not granted now */
	CHECK(granter_share(&stale, T->granter, T->mapdom, 1, 1, err, sizeof(err)) == 0, "%s",
	      err);
	uint32_t stale_ref = stale.refs[0];
	granter_release(&stale);

	STEP(mixed_case(fd, &g, T->granter, 0xfffffu, "ref beyond the grant table"));
	STEP(mixed_case(fd, &g, T->granter, stale_ref, "released (ungranted) ref"));
	STEP(mixed_case(fd, &g, 0x7ff0u /* DOMID_FIRST_RESERVED */, g.refs[0],
			"reserved domid"));
	STEP(mixed_case(fd, &g, 4321, g.refs[0], "non-existent domid"));

	/* the fd still works for a valid map */
	uint64_t index;
	uint8_t *m;
	STEP(sc_map_mmap(fd, &g, 190, PROT_READ | PROT_WRITE, &index, &m));
	STEP(xen_expect_mapped(g.refs, 2, "valid map after the failures"));
	CHECK(munmap(m, 2 * pagesz()) == 0, "munmap: %s", errname(errno));
	int rc = gd_unmap(fd, index, 2);
	CHECK(rc == 0, "UNMAP: %s", errname(rc));
	close(fd);
	granter_release(&g);
	return 0;
}

/* A read-only grant mapped writable is refused; read-only works. */
SCENARIO("ro-grant-mapped-writable", SC_MAPS,
	 "a read-only grant is refused when mapped writable (raw and libxengnttab) "
	 "and maps fine read-only")
{
	int fd;
	struct granter g;
	long ps = pagesz();
	STEP(sc_open(&fd));
	STEP(sc_share(&g, 2, 0, 200));
	uint64_t index;
	int rc = gd_map(fd, T->granter, g.refs, 2, &index);
	CHECK(rc == 0, "MAP: %s", errname(rc));
	uint8_t *m = gd_mmap(fd, index, 2, PROT_READ | PROT_WRITE);
	if (m) {
		int sig = probe_write(m, 0x33);
		uint8_t b;
		STEP(granter_byte(&g, 0, &b));
		ev("writable mmap of a read-only grant succeeded; write %s; granter byte 0x%02x",
		   sig ? "faulted" : "went through", b);
		munmap(m, 2 * ps);
		gd_unmap(fd, index, 2);
		return 1;
	}
	note("writable mmap refused: %s", errname(errno));
	STEP(xen_expect_unmapped(g.refs, 2, "after refused writable mmap"));
	CHECK((rc = gd_unmap(fd, index, 2)) == 0, "UNMAP after refused mmap: %s", errname(rc));

	xengnttab_handle *xgt = xengnttab_open(note_logger(), 0);
	CHECK(xgt, "xengnttab_open: %s", strerror(errno));
	m = xengnttab_map_domain_grant_refs(xgt, 2, T->granter, g.refs, PROT_READ | PROT_WRITE);
	if (m) {
		xengnttab_unmap(xgt, m, 2);
		CHECK(0, "xengnttab PROT_WRITE map of a read-only grant succeeded");
	}
	STEP(xen_expect_unmapped(g.refs, 2, "after refused libxengnttab writable map"));

	/* read-only mapping works and shows the data */
	rc = gd_map(fd, T->granter, g.refs, 2, &index);
	CHECK(rc == 0, "MAP (read-only attempt): %s", errname(rc));
	m = gd_mmap(fd, index, 2, PROT_READ);
	CHECK(m, "read-only mmap of a read-only grant: %s", errname(errno));
	STEP(check_pattern(m, 200, 0, 2, "read-only mapping"));
	STEP(xen_expect_mapped(g.refs, 2, "read-only mapping"));
	if (mprotect(m, 2 * ps, PROT_READ | PROT_WRITE) == 0) {
		/* allowed at VMA level (upstream keeps VM_MAYWRITE), but the
		 * PTE is read-only: a write must fault, never reach the page */
		int sig = probe_write(m + 5, 0x44);
		uint8_t b;
		STEP(granter_byte(&g, 5, &b));
		CHECK(sig != 0, "write after mprotect(PROT_WRITE) of a read-only grant "
		      "mapping went through (granter byte 0x%02x)", b);
		CHECK(b == pattern_byte(200, 0, 5),
		      "read-only granted page modified after mprotect(PROT_WRITE)");
		note("mprotect(PROT_WRITE) allowed, write faults with signal %d", sig);
	} else {
		note("mprotect(PROT_WRITE) refused: %s", errname(errno));
	}
	rc = gd_set_unmap_notify(fd, index, UNMAP_NOTIFY_CLEAR_BYTE, 0);
	if (rc != -ENOTTY)
		CHECK(rc == -EINVAL, "CLEAR_BYTE notify on a read-only map: %s, want EINVAL",
		      errname(rc));
	CHECK(munmap(m, 2 * ps) == 0, "munmap: %s", errname(errno));
	CHECK((rc = gd_unmap(fd, index, 2)) == 0, "UNMAP: %s", errname(rc));
	STEP(xen_expect_unmapped(g.refs, 2, "after unmap"));
	xengnttab_close(xgt);
	close(fd);
	granter_release(&g);
	return 0;
}
