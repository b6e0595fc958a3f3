/*
 * The device's debugfs statistics (<debugfs>/xen-gntdev/stats and maps)
 * follow what happens: pages mapped into user PTEs and the kernel while
 * mmapped, back to the baseline after munmap, invalidations and unmap
 * hypercalls counted, a release that had to wait for a pinned page counted
 * as deferred.  Debian's stock gntdev has no such files: skipped there.
 *
 * The counters are global: another gntdev user running at the same time
 * (a QEMU backend on a real dom0) makes the exact checks below fail.
 */
#include "clock.h"
#include "domain.h"
#include "errname.h"
#include "evidence.h"
#include "scen_common.h"
#include "scenario.h"
#include "textfile.h"
#include "xen_expect.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

struct gstats {
	long maps, user_pages, kernel_pages, invalidations, unmap_batches, deferred;
};

static const struct {
	const char *name;
	size_t off;
} stat_names[] = {
	{ "maps", offsetof(struct gstats, maps) },
	{ "user_pages", offsetof(struct gstats, user_pages) },
	{ "kernel_pages", offsetof(struct gstats, kernel_pages) },
	{ "invalidations", offsetof(struct gstats, invalidations) },
	{ "unmap_batches", offsetof(struct gstats, unmap_batches) },
	{ "deferred_releases", offsetof(struct gstats, deferred) },
};
#define NSTATS (sizeof(stat_names) / sizeof(stat_names[0]))

static long *field(struct gstats *s, size_t i)
{
	return (long *)((char *)s + stat_names[i].off);
}

/* dir/file into buf; 0, or 1 with evidence. */
static int read_stats_file(const char *file, char *buf, size_t len)
{
	int rc = file_read(GNTDEV_DEBUGFS, file, buf, len);
	CHECK(rc == 0, "read %s/%s: %s", GNTDEV_DEBUGFS, file, errname(-rc));
	return 0;
}

static int read_stats(struct gstats *s, const char *when)
{
	char buf[2048];
	STEP(read_stats_file("stats", buf, sizeof(buf)));
	for (size_t i = 0; i < NSTATS; i++) {
		*field(s, i) = kv_value(buf, stat_names[i].name);
		CHECK(*field(s, i) >= 0, "%s: no '%s' in %s/stats: %s", when, stat_names[i].name,
		      GNTDEV_DEBUGFS, buf);
	}
	return 0;
}

static void show(const struct gstats *s, const char *when)
{
	ev("%s: maps %ld user_pages %ld kernel_pages %ld invalidations %ld unmap_batches %ld "
	   "deferred_releases %ld", when, s->maps, s->user_pages, s->kernel_pages,
	   s->invalidations, s->unmap_batches, s->deferred);
}

/* Check a counter against a value; show both snapshots on failure. */
#define STAT_CHECK(cond, base, now, when, ...) do { \
	if (!(cond)) { ev(__VA_ARGS__); show(base, "baseline"); show(now, when); return 1; } \
} while (0)

/* debugfs mounted (mounting it if needed) and our directory present. */
static void need_stats(void)
{
	int rc = debugfs_mount();
	if (rc < 0)
		skip("mount -t debugfs on %s: %s", DEBUGFS, strerror(-rc));
	if (rc)
		note("mounted debugfs on %s", DEBUGFS);
	if (access(GNTDEV_DEBUGFS "/stats", R_OK) != 0)
		skip("no %s/stats (%s): this gntdev publishes no statistics", GNTDEV_DEBUGFS,
		     strerror(errno));
}

/* The maps file lists a map of 'count' pages with these live counts. */
static int maps_line(uint32_t count, uint32_t user, uint32_t kernel, const char *when)
{
	char buf[8192];
	STEP(read_stats_file("maps", buf, sizeof(buf)));
	for (char *p = strchr(buf, '\n'); p && p[1]; p = strchr(p + 1, '\n')) {
		unsigned long long off;
		unsigned c, u, k;
		if (sscanf(p + 1, "%llx %u %u %u", &off, &c, &u, &k) == 4 &&
		    c == count && u == user && k == kernel)
			return 0;
	}
	ev("%s: no line 'offset %u %u %u ...' in %s/maps: %s", when, count, user, kernel,
	   GNTDEV_DEBUGFS, buf);
	return 1;
}

SCENARIO("debugfs-stats", SC_MAPS,
	 "xen-gntdev/stats and maps follow map, mmap, munmap (invalidations, unmap "
	 "batches, user/kernel pages back to baseline), a PV page gets its kernel "
	 "mapping when a pipe pins it, and its release counts as deferred until the "
	 "pipe lets go")
{
	need_stats();
	struct gstats b, s;
	long ps = pagesz();
	STEP(read_stats(&b, "baseline"));

	/*
	 * map + mmap: one map more.  PV: two pages in user PTEs, no kernel
	 * mapping until get_user_pages() asks for a page; PVH: two pages
	 * mapped behind their struct pages.
	 */
	struct sc_map m;
	int pv = dom_is_pv();
	STEP(sc_setup(&m, 2, 310, "mapped"));
	STEP(read_stats(&s, "mmapped"));
	STAT_CHECK(s.maps == b.maps + 1 && s.user_pages == b.user_pages + 2 * pv &&
		   s.kernel_pages == b.kernel_pages + 2 * !pv, &b, &s, "mmapped",
		   "mmapped 2 pages: want maps +1, user_pages +%d, kernel_pages +%d",
		   2 * pv, 2 * !pv);
	STEP(maps_line(2, 2 * pv, 2 * !pv, "mmapped"));

	/* munmap: both back to baseline, invalidation and unmap counted */
	CHECK(munmap(m.m, 2 * ps) == 0, "munmap: %s", errname(errno));
	m.m = NULL;
	STEP(read_stats(&s, "munmapped"));
	STAT_CHECK(s.user_pages == b.user_pages && s.kernel_pages == b.kernel_pages, &b, &s,
		   "munmapped", "after munmap: want user_pages and kernel_pages at baseline");
	STAT_CHECK(s.invalidations > b.invalidations && s.unmap_batches > b.unmap_batches,
		   &b, &s, "munmapped", "after munmap: want invalidations and unmap_batches up");
	STAT_CHECK(s.deferred == b.deferred, &b, &s, "munmapped",
		   "after munmap of unpinned pages: want deferred_releases unchanged");
	STEP(maps_line(2, 0, 0, "munmapped, not yet UNMAPped"));
	STEP(sc_teardown(&m));
	STEP(read_stats(&s, "UNMAPped"));
	STAT_CHECK(s.maps == b.maps, &b, &s, "UNMAPped", "after UNMAP: want maps at baseline");

	/* a page pinned by a pipe: its release is deferred, then happens */
	struct gstats p0;
	int p[2];
	STEP(read_stats(&p0, "before the pinned case"));
	STEP(sc_setup(&m, 1, 311, "mapped for the pinned case"));
	CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe: %s", errname(errno));
	struct iovec iov = { .iov_base = m.m, .iov_len = ps };
	CHECK(vmsplice(p[1], &iov, 1, 0) == ps, "vmsplice: %s", errname(errno));
	STEP(read_stats(&s, "page in a pipe"));
	STAT_CHECK(s.kernel_pages == p0.kernel_pages + 1, &p0, &s, "page in a pipe",
		   "page pinned by a pipe: want kernel_pages +1");
	CHECK(munmap(m.m, ps) == 0, "munmap: %s", errname(errno));
	m.m = NULL;
	STEP(read_stats(&s, "munmapped, page in a pipe"));
	STAT_CHECK(s.deferred > p0.deferred, &p0, &s, "munmapped, page in a pipe",
		   "munmap of a pinned page: want deferred_releases up");
	STAT_CHECK(s.user_pages == p0.user_pages && s.kernel_pages == p0.kernel_pages + 1,
		   &p0, &s, "munmapped, page in a pipe",
		   "munmap of a pinned page: want user_pages at baseline, kernel_pages +1");
	char *buf = malloc(ps);
	CHECK(buf && read(p[0], buf, ps) == ps, "draining the pipe: %s", errname(errno));
	free(buf);
	long t0 = mono_ms();
	for (;;) {
		STEP(read_stats(&s, "pipe drained"));
		if (s.kernel_pages == p0.kernel_pages || mono_ms() - t0 > 3000)
			break;
		msleep(50);
	}
	STAT_CHECK(s.kernel_pages == p0.kernel_pages, &p0, &s, "pipe drained",
		   "pipe drained: kernel_pages not back at baseline after %ld ms", mono_ms() - t0);
	note("kernel_pages back at baseline %ld ms after the pipe was drained", mono_ms() - t0);
	STEP(xen_expect_unmapped(m.g.refs, 1, "pipe drained"));
	close(p[0]);
	close(p[1]);
	STEP(sc_teardown(&m));
	STEP(read_stats(&s, "end"));
	STAT_CHECK(s.maps == b.maps && s.user_pages == b.user_pages &&
		   s.kernel_pages == b.kernel_pages, &b, &s, "end",
		   "at the end: want maps, user_pages, kernel_pages at baseline");
	return 0;
}
