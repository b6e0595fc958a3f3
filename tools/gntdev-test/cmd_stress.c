/*
 * `stress`: random map/mmap/munmap/unmap traffic for N seconds against a
 * pool of pages granted to ourselves through gntalloc, or by a granter
 * domU's agent (--granter), with up to MAX_LIVE maps
 * alive at once (the same grant may be mapped several times), random
 * teardown orders (munmap then UNMAP, UNMAP then munmap, page-by-page
 * partial munmap, close of the whole fd, libxengnttab), occasional child
 * processes that exit with live maps.  Data is checked on every map
 * against what the pool must hold, and a write through a map against the
 * granter's view.  At the end Xen must show no grant of the granter mapped
 * beyond the baseline, and the kernel log must be clean.
 */
#include "clock.h"
#include "cmds.h"
#include "domain.h"
#include "errname.h"
#include "gntdev_raw.h"
#include "granter.h"
#include "kmsg.h"
#include "options.h"
#include "probe.h"
#include "xencheck.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xengnttab.h>

#define POOL      64
#define MAX_LIVE  8

struct live {
	int used;
	int kind;           /* 0 raw, 1 libxengnttab */
	int fd;             /* raw: its gntdev fd (shared or private) */
	uint64_t index;
	uint8_t *m;
	uint32_t count;
	uint32_t pool_idx[16];
	int writable;
};

struct stats {
	unsigned long iters, maps_raw, maps_xgt, partial, unmap_first, fd_close,
		      children, errors;
};

static uint32_t rng_state;
/* What the pool's pages hold: the fill pattern and every write since. */
static uint8_t *shadow;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return n ? rng_state % n : 0;
}

static int err_count;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("# error: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	err_count++;
}

static void usage_stress(FILE *f)
{
	fprintf(f,
"usage: gntdev-test stress --seconds N [--seed S] [--max-pages M] [--grace MS]\n"
"                          [--granter D|auto]\n"
"  Loop random map/mmap/munmap/unmap operations (raw ioctls and\n"
"  libxengnttab, 1..M pages per map, default M=16, up to %d maps alive,\n"
"  partial munmaps in random order, fd close with live maps, children\n"
"  exiting with live maps) for N seconds over %d pages granted by\n"
"  ourselves, or by the granter agent in domain D (auto: the one xenstore\n"
"  names),\n"
"  checking data on every map.  Then require Xen's grant-table dump to be\n"
"  back at its baseline (waiting up to --grace ms, default 2000) and the\n"
"  kernel log to be clean.  Exit 0 iff no error.\n", MAX_LIVE, POOL);
}

/* Compare the mapped pages with what the pool holds at a few offsets; a
 * write through one page of a writable map must reach the granter (one
 * page: on foreign grants each look is a round trip to the granter). */
static void verify(const struct live *l, struct granter *g, const char *what)
{
	long ps = pagesz();
	uint32_t written = rnd(l->count);
	for (uint32_t k = 0; k < l->count; k++) {
		uint8_t *gp = shadow + (size_t)l->pool_idx[k] * ps;
		const uint8_t *mp = l->m + (size_t)k * ps;
		for (int t = 0; t < 4; t++) {
			long off = t == 0 ? 0 : t == 1 ? ps - 1 : (long)rnd(ps);
			uint8_t v;
			int sig = probe_read(mp + off, &v);
			if (sig) {
				fail("%s: page %u offset %ld faults (signal %d)", what, k, off, sig);
				return;
			}
			if (v != gp[off]) {
				fail("%s: page %u (pool %u) offset %ld: mapped 0x%02x want 0x%02x",
				     what, k, l->pool_idx[k], off, v, gp[off]);
				return;
			}
		}
		if (l->writable && k == written) {
			long off = rnd(ps);
			uint8_t v = (uint8_t)rnd(256);
			uint8_t seen;
			((uint8_t *)mp)[off] = v;
			gp[off] = v;
			if (granter_byte(g, (size_t)l->pool_idx[k] * ps + off, &seen) || seen != v)
				fail("%s: write page %u offset %ld not seen by granter", what, k, off);
		}
	}
}

static int create(struct live *l, struct granter *g, int shared_fd, xengnttab_handle *xgt,
		  uint32_t max_pages, struct stats *st)
{
	memset(l, 0, sizeof(*l));
	l->count = 1 + rnd(max_pages);
	uint32_t refs[16];
	uint32_t start = rnd(POOL);
	int scattered = rnd(2);
	for (uint32_t k = 0; k < l->count; k++) {
		l->pool_idx[k] = scattered ? rnd(POOL) : (start + k) % POOL;
		refs[k] = g->refs[l->pool_idx[k]];
	}
	l->writable = rnd(4) != 0;
	int prot = PROT_READ | (l->writable ? PROT_WRITE : 0);
	if (rnd(4) == 0) {
		l->kind = 1;
		l->m = xengnttab_map_domain_grant_refs(xgt, l->count, g->owner, refs, prot);
		if (!l->m) {
			fail("xengnttab_map_domain_grant_refs(%u): %s", l->count, strerror(errno));
			return -1;
		}
		st->maps_xgt++;
	} else {
		l->kind = 0;
		l->fd = rnd(3) == 0 ? gd_open() : shared_fd;
		if (l->fd < 0) {
			fail("open gntdev: %s", errname(l->fd));
			return -1;
		}
		int rc = gd_map(l->fd, g->owner, refs, l->count, &l->index);
		if (rc) {
			fail("MAP(%u): %s", l->count, errname(rc));
			if (l->fd != shared_fd)
				close(l->fd);
			return -1;
		}
		l->m = gd_mmap(l->fd, l->index, l->count, prot);
		if (!l->m) {
			fail("mmap(%u): %s", l->count, errname(errno));
			gd_unmap(l->fd, l->index, l->count);
			if (l->fd != shared_fd)
				close(l->fd);
			return -1;
		}
		st->maps_raw++;
	}
	l->used = 1;
	verify(l, g, "new map");
	return 0;
}

static void destroy(struct live *l, int shared_fd, xengnttab_handle *xgt, struct stats *st)
{
	long ps = pagesz();
	if (l->kind == 1) {
		if (xengnttab_unmap(xgt, l->m, l->count))
			fail("xengnttab_unmap: %s", strerror(errno));
		l->used = 0;
		return;
	}
	int how = rnd(4);
	int rc = 0;
	if (how == 0) {                  /* UNMAP first, then munmap */
		rc = gd_unmap(l->fd, l->index, l->count);
		if (munmap(l->m, (size_t)l->count * ps))
			fail("munmap: %s", errname(errno));
		st->unmap_first++;
	} else if (how == 1 && l->count > 1) {   /* page by page, random order */
		int order[16];
		for (uint32_t k = 0; k < l->count; k++)
			order[k] = k;
		for (uint32_t k = l->count - 1; k > 0; k--) {
			uint32_t j = rnd(k + 1);
			int t = order[k]; order[k] = order[j]; order[j] = t;
		}
		for (uint32_t k = 0; k < l->count; k++)
			if (munmap(l->m + (size_t)order[k] * ps, ps))
				fail("partial munmap: %s", errname(errno));
		rc = gd_unmap(l->fd, l->index, l->count);
		st->partial++;
	} else {
		if (munmap(l->m, (size_t)l->count * ps))
			fail("munmap: %s", errname(errno));
		rc = gd_unmap(l->fd, l->index, l->count);
	}
	if (rc)
		fail("UNMAP(%u): %s", l->count, errname(rc));
	if (l->fd != shared_fd) {
		close(l->fd);
		st->fd_close++;
	}
	l->used = 0;
}

/* A child maps a few pages and exits (or is killed) without cleaning up. */
static void child_exit(struct granter *g, struct stats *st)
{
	pid_t pid = fork();
	if (pid < 0) {
		fail("fork: %s", errname(errno));
		return;
	}
	if (pid == 0) {
		int fd = gd_open();
		uint32_t n = 1 + rnd(4);
		uint64_t index;
		if (fd >= 0 && gd_map(fd, g->owner, g->refs + rnd(POOL - 4), n, &index) == 0) {
			uint8_t *m = gd_mmap(fd, index, n, PROT_READ | PROT_WRITE);
			if (m)
				m[0] ^= 0;
		}
		if (rnd(2))
			_exit(0);
		raise(SIGKILL);
		_exit(0);
	}
	int s;
	waitpid(pid, &s, 0);
	st->children++;
}

static void leak_line(void *arg, const struct gt_entry *e)
{
	(void)arg;
	printf("# leak: d%u ref %u mapped by d%u pin=0x%08x\n", e->granter, e->ref, e->mapdom,
	       e->pin);
}

static void kline(void *arg, const char *l)
{
	(void)arg;
	printf("# %s\n", l);
}

int cmd_stress(int argc, char **argv)
{
	uint32_t seconds = 0, seed = (uint32_t)time(NULL), max_pages = 16, grace = 2000;
	int have_seconds = 0;
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "max-pages", required_argument, NULL, 'm' },
		{ "grace", required_argument, NULL, 'g' },
		{ "granter", required_argument, NULL, 'G' },
		{ 0 }
	};
	uint32_t owner = 0;
	int c;
	while ((c = getopt_long(argc, argv, "hs:S:m:g:G:", lo, NULL)) != -1) {
		switch (c) {
		case 'h': usage_stress(stdout); return 0;
		case 's':
			if (parse_u32(optarg, &seconds)) {
				fprintf(stderr, "stress: bad --seconds\n");
				return 2;
			}
			have_seconds = 1;
			break;
		case 'S':
			if (parse_u32(optarg, &seed)) {
				fprintf(stderr, "stress: bad --seed\n");
				return 2;
			}
			break;
		case 'm':
			if (parse_u32(optarg, &max_pages) || max_pages == 0 || max_pages > 16) {
				fprintf(stderr, "stress: --max-pages must be 1..16\n");
				return 2;
			}
			break;
		case 'g':
			if (parse_u32(optarg, &grace)) {
				fprintf(stderr, "stress: bad --grace\n");
				return 2;
			}
			break;
		case 'G':
			if (parse_granter(optarg, &owner))
				return 2;
			break;
		default: usage_stress(stderr); return 2;
		}
	}
	if (!have_seconds || optind != argc) {
		usage_stress(stderr);
		return 2;
	}
	rng_state = seed ? seed : 1;
	printf("# stress: %u s, seed %u, max %u pages per map, granter d%u\n", seconds, seed,
	       max_pages, owner);

	char err[256];
	struct xcheck *xc = xcheck_open(err, sizeof(err));
	if (!xc) {
		printf("# Xen check unavailable: %s\nstress: FAIL\n", err);
		return 1;
	}
	struct kmsg *km = kmsg_open(err, sizeof(err));
	if (!km) {
		printf("# kernel-log check unavailable: %s\nstress: FAIL\n", err);
		return 1;
	}
	kmsg_mark("stress start seed %u", seed);
	struct gt_snap base;
	if (xcheck_snapshot(xc, &base, err, sizeof(err))) {
		printf("# Xen baseline: %s\nstress: FAIL\n", err);
		return 1;
	}
	struct granter g;
	long ps = pagesz();
	shadow = malloc((size_t)POOL * ps);
	if (!shadow || granter_share(&g, owner, 0, POOL, 1, err, sizeof(err))) {
		printf("# %s\nstress: FAIL\n", shadow ? err : "out of memory");
		return 1;
	}
	if (granter_fill(&g, seed)) {
		printf("# filling the pool failed\nstress: FAIL\n");
		return 1;
	}
	pattern_fill(shadow, seed, POOL, ps);
	int shared_fd = gd_open();
	xengnttab_handle *xgt = xengnttab_open(NULL, 0);
	if (shared_fd < 0 || !xgt) {
		printf("# open gntdev / xengnttab: %s\nstress: FAIL\n", strerror(errno));
		return 1;
	}

	struct live live[MAX_LIVE];
	memset(live, 0, sizeof(live));
	struct stats st = { 0 };
	int sanity_done = 0;
	long t0 = mono_ms();
	for (;;) {
		if (mono_ms() - t0 >= seconds * 1000L || err_count > 20)
			break;
		st.iters++;
		int slot = rnd(MAX_LIVE);
		if (rnd(50) == 0) {
			child_exit(&g, &st);
		} else if (live[slot].used) {
			if (rnd(3) == 0)
				verify(&live[slot], &g, "live map");
			destroy(&live[slot], shared_fd, xgt, &st);
		} else if (create(&live[slot], &g, shared_fd, xgt, max_pages, &st) == 0 &&
			   !sanity_done) {
			/* prove once that the dump shows what we map */
			struct gt_snap s;
			if (xcheck_snapshot(xc, &s, err, sizeof(err)) == 0) {
				uint32_t ref = g.refs[live[slot].pool_idx[0]];
				if (!gt_snap_find(&s, owner, ref, 0))
					fail("sanity: live map of ref %u not visible in Xen's dump", ref);
				else
					printf("# sanity: Xen shows live ref %u mapped (%zu entries)\n",
					       ref, gt_snap_count(&s, owner));
				gt_snap_free(&s);
			} else {
				fail("sanity snapshot: %s", err);
			}
			sanity_done = 1;
		}
	}
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i].used)
			destroy(&live[i], shared_fd, xgt, &st);
	close(shared_fd);
	xengnttab_close(xgt);
	if (!sanity_done)
		fail("sanity: never had a live map to check against Xen's dump");

	/* Xen back at baseline? The pool is still granted: only mappings count. */
	long waited = 0;
	for (;;) {
		struct gt_snap now;
		if (xcheck_snapshot(xc, &now, err, sizeof(err))) {
			fail("Xen after stress: %s", err);
			break;
		}
		size_t n = gt_snap_leaks(&base, &now, owner, 0, NULL, NULL);
		if (n == 0) {
			gt_snap_free(&now);
			break;
		}
		if (waited >= (long)grace) {
			gt_snap_leaks(&base, &now, owner, 0, leak_line, NULL);
			fail("Xen: %zu grant(s) still mapped after stress (waited %ld ms)", n, waited);
			gt_snap_free(&now);
			break;
		}
		gt_snap_free(&now);
		msleep(100);
		waited += 100;
	}
	granter_release(&g);
	int hits = kmsg_scan(km, kline, NULL);
	if (hits)
		fail("kernel log: %d bad line(s)", hits);
	kmsg_mark("stress end");
	printf("# iterations %lu, raw maps %lu, libxengnttab maps %lu, partial munmaps %lu, "
	       "unmap-before-munmap %lu, private fds closed %lu, exiting children %lu\n",
	       st.iters, st.maps_raw, st.maps_xgt, st.partial, st.unmap_first, st.fd_close,
	       st.children);
	printf("stress: %s (%d error%s)\n", err_count ? "FAIL" : "PASS", err_count,
	       err_count == 1 ? "" : "s");
	gt_snap_free(&base);
	xcheck_close(xc);
	kmsg_close(km);
	return err_count ? 1 : 0;
}
