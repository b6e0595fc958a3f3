/*
 * Concurrent invalidations: several threads zap overlapping parts of one
 * multi-page mapping at the same moment (MADV_DONTNEED takes mmap_lock
 * for reading, so those really run in parallel; munmap serialises on it
 * but interleaves with them), round after round, while other threads
 * create and tear down other maps on the same fd.  Every grant must be
 * released exactly once: no leak in Xen, no warning in the kernel log.
 */
#include "domain.h"
#include "errname.h"
#include "evidence.h"
#include "scen_common.h"
#include "scenario.h"
#include "xen_expect.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <xen/gntdev.h>

#define ZAP_PAGES   16
#define ZAPPERS     4
#define CHURNERS    2
#define ROUNDS      60
#define CHURN_PAGES 3       /* reserved area per churner, in pages */

struct zap {
	pthread_barrier_t go, done;
	int fd;
	uint8_t *m;              /* this round's mapping (set before 'go') */
	int round;
	atomic_int stop;
	atomic_int failed;
	pthread_mutex_t lock;
	char err[512];           /* first failure */
	/* churners' grants (not the zapped ones) */
	struct granter *cg;
	atomic_ulong churn_maps;
};

static void zfail(struct zap *z, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void zfail(struct zap *z, const char *fmt, ...)
{
	pthread_mutex_lock(&z->lock);
	if (!atomic_load(&z->failed)) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(z->err, sizeof(z->err), fmt, ap);
		va_end(ap);
		atomic_store(&z->failed, 1);
	}
	pthread_mutex_unlock(&z->lock);
}

struct zapper_arg {
	struct zap *z;
	int id;
};

/* Pages [*a, *b) zapper 'id' works on in 'round': its quarter, widened
 * by 0..2 pages on both sides so that neighbours overlap. */
static void zap_range(int id, int round, int *a, int *b)
{
	int quarter = ZAP_PAGES / ZAPPERS, widen = (round + id) % 3;
	*a = id * quarter - widen;
	*b = (id + 1) * quarter + widen;
	if (*a < 0)
		*a = 0;
	if (*b > ZAP_PAGES)
		*b = ZAP_PAGES;
}

static void *zapper(void *arg)
{
	struct zapper_arg *za = arg;
	struct zap *z = za->z;
	long ps = pagesz();
	for (;;) {
		pthread_barrier_wait(&z->go);
		if (atomic_load(&z->stop))
			break;
		int a, b, r = z->round;
		zap_range(za->id, r, &a, &b);
		uint8_t *m = z->m;
		/* mode 0: DONTNEED then munmap; 1: munmap only; 2: DONTNEED of
		 * a wider range (may hit a hole another thread made), munmap */
		int mode = r % 3;
		if (mode != 1) {
			int wa = mode == 2 && a > 0 ? a - 1 : a;
			int wb = mode == 2 && b < ZAP_PAGES ? b + 1 : b;
			/* ENOMEM: part of the range was already unmapped */
			if (madvise(m + wa * ps, (size_t)(wb - wa) * ps, MADV_DONTNEED) != 0 &&
			    errno != ENOMEM)
				zfail(z, "round %d zapper %d: MADV_DONTNEED pages [%d,%d): %s",
				      r, za->id, wa, wb, errname(errno));
		}
		if (munmap(m + a * ps, (size_t)(b - a) * ps) != 0)
			zfail(z, "round %d zapper %d: munmap pages [%d,%d): %s", r, za->id, a,
			      b, errname(errno));
		pthread_barrier_wait(&z->done);
	}
	return NULL;
}

/*
 * Churner: maps 1..3 of its own grants on the shared fd into its private
 * reserved area (MAP_FIXED, so nothing of it can land in a hole the
 * zappers are about to zap), checks them, and takes them down again by
 * mapping PROT_NONE memory over them (which keeps the area reserved),
 * in both orders with UNMAP_GRANT_REF.  No malloc: stack structures only.
 */
struct churner_arg {
	struct zap *z;
	int id;
	uint8_t *area;
};

static void *churner(void *arg)
{
	struct churner_arg *ca = arg;
	struct zap *z = ca->z;
	long ps = pagesz();
	unsigned it = 0;
	while (!atomic_load(&z->stop) && !atomic_load(&z->failed)) {
		uint32_t n = 1 + (it + ca->id) % CHURN_PAGES;
		uint32_t first = (ca->id * 2 + it) % (z->cg->count - n + 1);
		/* the request with room for CHURN_PAGES refs (refs[] is a
		 * trailing array: storage must come from the union, or the
		 * compiler may take refs[1] for out of bounds) */
		union {
			struct ioctl_gntdev_map_grant_ref op;
			unsigned char raw[sizeof(struct ioctl_gntdev_map_grant_ref) +
					  (CHURN_PAGES - 1) * sizeof(struct ioctl_gntdev_grant_ref)];
		} mr;
		struct ioctl_gntdev_map_grant_ref *op = &mr.op;
		memset(&mr, 0, sizeof(mr));
		op->count = n;
		for (uint32_t k = 0; k < n; k++) {
			op->refs[k].domid = T->granter;
			op->refs[k].ref = z->cg->refs[first + k];
		}
		int rc = gd_ioctl(z->fd, IOCTL_GNTDEV_MAP_GRANT_REF, op);
		if (rc) {
			zfail(z, "churner %d: MAP_GRANT_REF(%u): %s", ca->id, n, errname(rc));
			break;
		}
		uint64_t index = op->index;
		uint8_t *m = mmap(ca->area, n * ps, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
				  z->fd, (off_t)index);
		if (m != ca->area) {
			zfail(z, "churner %d: mmap MAP_FIXED of %u pages (refs %u..%u) at "
			      "offset 0x%llx: %s", ca->id, n, z->cg->refs[first],
			      z->cg->refs[first + n - 1], (unsigned long long)index,
			      errname(errno));
			gd_unmap(z->fd, index, n);
			break;
		}
		for (uint32_t k = 0; k < n; k++) {
			long o = (it * 97 + k * 13) % ps;
			uint8_t want = pattern_byte(777, first + k, o);
			if (m[k * ps + o] != want) {
				zfail(z, "churner %d: page %u offset %ld reads 0x%02x want 0x%02x",
				      ca->id, first + k, o, m[k * ps + o], want);
				break;
			}
		}
		int unmap_first = it & 1;
		if (unmap_first && (rc = gd_unmap(z->fd, index, n)))
			zfail(z, "churner %d: UNMAP while mmapped: %s", ca->id, errname(rc));
		if (mmap(ca->area, CHURN_PAGES * ps, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != ca->area) {
			zfail(z, "churner %d: re-reserving its area: %s", ca->id, errname(errno));
			break;
		}
		if (!unmap_first && (rc = gd_unmap(z->fd, index, n)))
			zfail(z, "churner %d: UNMAP after unmapping: %s", ca->id, errname(rc));
		atomic_fetch_add(&z->churn_maps, 1);
		it++;
	}
	return NULL;
}

SCENARIO("concurrent-zaps", SC_MAPS,
	 "threads MADV_DONTNEED/munmap overlapping parts of one 16-page mapping at once "
	 "(60 barrier-synchronised rounds) while others map/unmap on the same fd: "
	 "every grant released, no warning")
{
	static struct zap z;
	struct granter g, cg;
	long ps = pagesz();
	memset(&z, 0, sizeof(z));
	pthread_mutex_init(&z.lock, NULL);
	pthread_barrier_init(&z.go, NULL, ZAPPERS + 1);
	pthread_barrier_init(&z.done, NULL, ZAPPERS + 1);
	STEP(sc_open(&z.fd));
	STEP(sc_share(&g, ZAP_PAGES, 1, 250));
	STEP(sc_share(&cg, 4, 1, 777));
	z.cg = &cg;

	pthread_t zt[ZAPPERS], ct[CHURNERS];
	struct zapper_arg za[ZAPPERS];
	struct churner_arg ca[CHURNERS];
	for (int i = 0; i < CHURNERS; i++) {
		ca[i].z = &z;
		ca[i].id = i;
		ca[i].area = mmap(NULL, CHURN_PAGES * ps, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(ca[i].area != MAP_FAILED, "reserve churner area: %s", errname(errno));
	}
	for (int i = 0; i < ZAPPERS; i++) {
		za[i].z = &z;
		za[i].id = i;
		CHECK(pthread_create(&zt[i], NULL, zapper, &za[i]) == 0, "pthread_create");
	}
	for (int i = 0; i < CHURNERS; i++)
		CHECK(pthread_create(&ct[i], NULL, churner, &ca[i]) == 0, "pthread_create");

	int bad = 0, r;
	for (r = 0; r < ROUNDS && !bad; r++) {
		uint64_t index;
		uint8_t *m;
		if (sc_map_mmap(z.fd, &g, 250, PROT_READ | PROT_WRITE, &index, &m)) {
			ev("(round %d)", r);
			bad = 1;
			z.m = NULL;
		} else {
			z.m = m;
		}
		if (!bad && r == 0 && xen_expect_mapped(g.refs, ZAP_PAGES, "round 0 mapped"))
			bad = 1;
		if (bad)
			break;
		z.round = r;
		pthread_barrier_wait(&z.go);
		pthread_barrier_wait(&z.done);
		if (dom_is_pv() && (r % 10 == 9 || r < 3)) {
			char when[48];
			snprintf(when, sizeof(when), "round %d, zapped, before UNMAP", r);
			if (xen_expect_unmapped(g.refs, ZAP_PAGES, when))
				bad = 1;
		}
		int rc = gd_unmap(z.fd, index, ZAP_PAGES);
		if (rc) {
			ev("round %d: UNMAP: %s", r, errname(rc));
			bad = 1;
		}
		if (atomic_load(&z.failed))
			bad = 1;
	}
	atomic_store(&z.stop, 1);
	pthread_barrier_wait(&z.go);    /* zappers see stop and leave */
	for (int i = 0; i < ZAPPERS; i++)
		pthread_join(zt[i], NULL);
	for (int i = 0; i < CHURNERS; i++)
		pthread_join(ct[i], NULL);
	if (atomic_load(&z.failed))
		ev("%s", z.err);
	if (bad)
		return 1;
	note("%d rounds, %lu churn maps", r, (unsigned long)atomic_load(&z.churn_maps));
	CHECK(atomic_load(&z.churn_maps) > 0, "churners made no map at all");
	STEP(xen_expect_unmapped(g.refs, ZAP_PAGES, "after all rounds"));
	STEP(xen_expect_unmapped(cg.refs, cg.count, "churners' grants after all rounds"));
	close(z.fd);
	granter_release(&g);
	granter_release(&cg);
	return 0;
}
