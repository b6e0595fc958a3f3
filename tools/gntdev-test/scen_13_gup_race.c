/*
 * get_user_pages() racing the notifier: remote readers (process_vm_readv,
 * /proc/PID/mem) of a mapping that MADV_DONTNEED or munmap takes away at
 * the same time.  A reader that won its reference must read the granted
 * data through a kernel mapping that is still there.
 *
 * On PV, Xen clears the user PTE without the page-table lock, while slow
 * GUP reads the PTE and takes its page reference under that lock.  A
 * reader that read the PTE just before Xen cleared it can take its
 * reference just after the device decided nobody holds the page and
 * released its kernel mapping: the copy then oopses on the missing kernel
 * mapping.  Each round maps afresh, lets both readers start a read of the
 * live mapping, and takes the mapping away at once.
 */
#include "clock.h"
#include "domain.h"
#include "errname.h"
#include "evidence.h"
#include "scen_common.h"
#include "scenario.h"
#include "xen_expect.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define RACE_PAGES   2
#define RACE_ROUNDS  10000
#define RACE_SEED    330
/* 10,000 rounds took 5 to 8 minutes under TCG on a busy two-core host. */
#define RACE_TIMEOUT 900

#define STR_(x) #x
#define STR(x)  STR_(x)

/*
 * The rounds, as the readers see them: 'round' is 2k+1 while the mapping
 * of round k is live, 2k+2 once it has been taken away.
 */
struct race {
	const uint8_t *want;       /* the granted data (the granter's view) */
	uint8_t *addr;             /* where every round's mapping goes */
	size_t len;
	atomic_uint round;
	atomic_int stop;
};

struct reader {
	struct race *r;
	const char *name;
	int memfd;                 /* /proc/self/mem, or -1: process_vm_readv */
	atomic_uint started;       /* 'round' when the current read began */
	/* counted by the reader only, read after the join */
	unsigned long reads, live_data, live_err, live_short, gone_data, gone_err;
	unsigned data_rounds, err_rounds;
	unsigned last_data, last_err;
	char bad[256];             /* what was wrong, if anything */
};

static ssize_t reader_read(struct reader *rd, uint8_t *buf)
{
	struct race *r = rd->r;
	if (rd->memfd >= 0)
		return pread(rd->memfd, buf, r->len, (off_t)(uintptr_t)r->addr);
	struct iovec local = { .iov_base = buf, .iov_len = r->len };
	struct iovec remote = { .iov_base = r->addr, .iov_len = r->len };
	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
}

/* Record one read; 0 if it was the granted data or a clean error. */
static int reader_account(struct reader *rd, unsigned round, ssize_t n, int err,
			  const uint8_t *buf)
{
	struct race *r = rd->r;
	int live = round & 1;
	rd->reads++;
	if (n < 0) {
		if (err != EFAULT && err != EIO) {
			snprintf(rd->bad, sizeof(rd->bad), "%s: read of the %s mapping failed "
				 "with %s, want the data, EFAULT or EIO", rd->name,
				 live ? "live" : "removed", errname(err));
			return 1;
		}
		live ? rd->live_err++ : rd->gone_err++;
		if (live && rd->last_err != round) {
			rd->last_err = round;
			rd->err_rounds++;
		}
		return 0;
	}
	for (ssize_t o = 0; o < n; o++)
		if (buf[o] != r->want[o]) {
			snprintf(rd->bad, sizeof(rd->bad), "%s: round %u (%s): byte %zd of %zd "
				 "read is 0x%02x, the granted page has 0x%02x", rd->name,
				 round / 2, live ? "live" : "removed", o, n, buf[o], r->want[o]);
			return 1;
		}
	live ? rd->live_data++ : rd->gone_data++;
	if (live && (size_t)n < r->len)
		rd->live_short++;
	if (live && rd->last_data != round) {
		rd->last_data = round;
		rd->data_rounds++;
	}
	return 0;
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	struct race *r = rd->r;
	uint8_t *buf = malloc(r->len);
	if (!buf) {
		snprintf(rd->bad, sizeof(rd->bad), "%s: out of memory", rd->name);
		atomic_store(&r->stop, 1);
		return NULL;
	}
	while (!atomic_load(&r->stop)) {
		unsigned round = atomic_load(&r->round);
		atomic_store(&rd->started, round);
		ssize_t n = reader_read(rd, buf);
		if (reader_account(rd, round, n, errno, buf))
			atomic_store(&r->stop, 1);
	}
	free(buf);
	return NULL;
}

/* Wait until every reader has begun a read of the live mapping of 'round'
 * (or a reader gave up). */
static void readers_started(struct race *r, struct reader *rd, int n, unsigned round)
{
	for (int i = 0; i < n; i++)
		while (atomic_load(&rd[i].started) != round && !atomic_load(&r->stop))
			sched_yield();
}

/* One round's mapping of the map at 'index', at r->addr. */
static int race_mmap(struct race *r, int fd, uint64_t index)
{
	void *p = mmap(r->addr, r->len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_FIXED_NOREPLACE, fd, (off_t)index);
	CHECK(p != MAP_FAILED, "mmap at %p: %s", (void *)r->addr, errname(errno));
	CHECK(p == r->addr, "mmap at %p landed at %p", (void *)r->addr, p);
	return 0;
}

static int gup_race(int use_munmap)
{
	struct sc_map s;
	long ps = pagesz();
	STEP(sc_setup(&s, RACE_PAGES, RACE_SEED, "first round mapped"));
	uint8_t want[RACE_PAGES * ps];
	STEP(granter_read(&s.g, 0, want, sizeof(want)));
	struct race r = { .want = want, .addr = s.m, .len = (size_t)RACE_PAGES * ps };
	CHECK(munmap(s.m, r.len) == 0, "munmap: %s", errname(errno));
	s.m = NULL;
	int rc = gd_unmap(s.fd, s.index, RACE_PAGES);
	CHECK(rc == 0, "UNMAP: %s", errname(rc));

	struct reader rd[2] = {
		{ .r = &r, .name = "process_vm_readv", .memfd = -1 },
		{ .r = &r, .name = "/proc/self/mem pread",
		  .memfd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC) },
	};
	CHECK(rd[1].memfd >= 0, "open /proc/self/mem: %s", errname(errno));
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&th[i], NULL, reader_main, &rd[i]) == 0, "pthread_create");

	const char *zap = use_munmap ? "munmap" : "MADV_DONTNEED";
	long t0 = mono_ms();
	unsigned done = 0;
	int bad = 0;
	unsigned rounds = T->race_rounds ? T->race_rounds : RACE_ROUNDS;
	for (; done < rounds && !atomic_load(&r.stop); done++) {
		rc = gd_map(s.fd, T->granter, s.g.refs, RACE_PAGES, &s.index);
		if (rc) {
			ev("round %u: MAP_GRANT_REF: %s", done, errname(rc));
			bad = 1;
			break;
		}
		if (race_mmap(&r, s.fd, s.index)) {
			bad = 1;
			break;
		}
		unsigned round = 2 * done + 1;
		atomic_store(&r.round, round);
		readers_started(&r, rd, 2, round);
		if (use_munmap ? munmap(r.addr, r.len) : madvise(r.addr, r.len, MADV_DONTNEED)) {
			ev("round %u: %s: %s", done, zap, errname(errno));
			bad = 1;
			break;
		}
		atomic_store(&r.round, round + 1);
		if ((!use_munmap && munmap(r.addr, r.len)) ||
		    (rc = gd_unmap(s.fd, s.index, RACE_PAGES))) {
			ev("round %u: munmap/UNMAP: %s", done, errname(rc ? rc : errno));
			bad = 1;
			break;
		}
		/* shows how far it got if the runner's timeout strikes */
		if ((done + 1) % 1000 == 0)
			note("%u rounds in %ld ms", done + 1, mono_ms() - t0);
	}
	atomic_store(&r.stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	long dt = mono_ms() - t0;
	close(rd[1].memfd);

	for (int i = 0; i < 2; i++) {
		if (rd[i].bad[0]) {
			ev("%s", rd[i].bad);
			bad = 1;
		}
		note("%s: %lu reads; of the live mapping %lu granted data (%lu short), "
		     "%lu clean errors; after the %s %lu data, %lu errors; rounds with data %u, "
		     "rounds in which a read begun before the %s returned failed %u",
		     rd[i].name, rd[i].reads, rd[i].live_data, rd[i].live_short, rd[i].live_err,
		     zap, rd[i].gone_data, rd[i].gone_err, rd[i].data_rounds, zap,
		     rd[i].err_rounds);
	}
	note("%u rounds of MAP + mmap + %s in %ld ms", done, zap, dt);
	if (bad)
		return 1;
	CHECK(rd[0].data_rounds + rd[1].data_rounds > 0,
	      "no reader ever read the granted data in %u rounds: the race never ran", done);
	STEP(xen_wait_unmapped(s.g.refs, RACE_PAGES, 3000, "after the last round"));
	close(s.fd);
	granter_release(&s.g);
	return 0;
}

SCENARIO_TIMEOUT("gup-race-dontneed", SC_MAPS, RACE_TIMEOUT,
	         "process_vm_readv and /proc/self/mem readers racing MADV_DONTNEED of a live "
	         "mapping, " STR(RACE_ROUNDS) " rounds (or --race-rounds), read only the granted data or fail "
	         "cleanly; no oops; all grants released")
{
	return gup_race(0);
}

SCENARIO_TIMEOUT("gup-race-munmap", SC_MAPS, RACE_TIMEOUT,
	         "process_vm_readv and /proc/self/mem readers racing munmap of a live mapping, "
	         STR(RACE_ROUNDS) " rounds (or --race-rounds), read only the granted data or fail cleanly; no "
	         "oops; all grants released")
{
	return gup_race(1);
}
