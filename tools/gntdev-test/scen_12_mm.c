/*
 * Everything else the core mm does to a process with a live mapping: the
 * NUMA balancing scanner, soft-dirty tracking, remote readers, reclaim,
 * KSM, compaction, migration, core dumps, mlock and populating madvise.
 * Each scenario says whether the mapping stays (reads and writes the
 * granted page) or the kernel must take it away (access faults cleanly),
 * and that the grant goes when the mapping does.
 */
#include "clock.h"
#include "domain.h"
#include "errname.h"
#include "evidence.h"
#include "memcg.h"
#include "pattern_check.h"
#include "probe.h"
#include "scen_common.h"
#include "scenario.h"
#include "xen_expect.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ  22
#define MADV_POPULATE_WRITE 23
#endif
#define MPOL_MF_MOVE        (1 << 1)

/* ---- helpers ------------------------------------------------------------ */

/*
 * Every page of the mapping reads the granted data (pattern 'seed'), and
 * a byte written through it (tag, non-zero, makes it differ) reaches the
 * granter; the byte is put back so the pattern holds for the next check.
 */
static int mm_rw(struct sc_map *s, uint32_t seed, uint8_t tag, const char *when)
{
	long ps = pagesz();
	STEP(check_pattern(s->m, seed, 0, s->n, when));
	for (uint32_t k = 0; k < s->n; k++) {
		size_t o = (size_t)k * ps + 100 + k;
		uint8_t want = pattern_byte(seed, k, 100 + k);
		int sig = probe_write(s->m + o, want ^ tag);
		CHECK(sig == 0, "%s: writing page %u raised signal %d", when, k, sig);
		uint8_t seen;
		STEP(granter_byte(&s->g, o, &seen));
		CHECK(seen == (uint8_t)(want ^ tag),
		      "%s: write to page %u not seen by the granter (0x%02x, want 0x%02x)",
		      when, k, seen, want ^ tag);
		sig = probe_write(s->m + o, want);
		CHECK(sig == 0, "%s: writing page %u back raised signal %d", when, k, sig);
	}
	return 0;
}

/* mm_rw, and Xen shows every ref still mapped. */
static int mm_live(struct sc_map *s, uint32_t seed, const char *when)
{
	STEP(mm_rw(s, seed, 0xa5, when));
	return xen_expect_mapped(s->g.refs, s->n, when);
}

/* The mapping was taken away: every page faults with SIGBUS on read and
 * on write, and the granted pages were not modified. */
static int mm_gone(struct sc_map *s, uint32_t seed, const char *when)
{
	long ps = pagesz();
	for (uint32_t k = 0; k < s->n; k++) {
		int sig = probe_read(s->m + (size_t)k * ps, NULL);
		CHECK(sig == SIGBUS, "%s: reading page %u gave signal %d, want SIGBUS",
		      when, k, sig);
		sig = probe_write(s->m + (size_t)k * ps + 7, 0x3c);
		CHECK(sig == SIGBUS, "%s: writing page %u gave signal %d, want SIGBUS",
		      when, k, sig);
	}
	return sc_granter_pattern(&s->g, seed, "granter's view after the fault");
}

/* A /proc, /sys or cgroup file holding one number: its value, or -1. */
static long read_long(const char *dir, const char *file)
{
	char buf[64];
	if (file_read(dir, file, buf, sizeof(buf)) != 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/* A /proc/vmstat counter, or -1. */
static long vmstat(const char *key)
{
	static char buf[16384];
	if (file_read("/proc", "vmstat", buf, sizeof(buf)) != 0)
		return -1;
	return kv_value(buf, key);
}

/* A tunable set to val for one scenario and put back afterwards. */
struct knob {
	const char *dir;
	const char *file;
	const char *val;
	char old[256];
	int saved;
};

/*
 * Save and set the n knobs in order.  Those before 'need' are required:
 * 1 with evidence if one cannot be set; the others are noted.
 */
static int knobs_set(struct knob *k, int n, int need)
{
	for (int i = 0; i < n; i++) {
		int rc = file_read(k[i].dir, k[i].file, k[i].old, sizeof(k[i].old));
		if (rc == 0)
			rc = file_write(k[i].dir, k[i].file, k[i].val);
		k[i].saved = rc == 0;
		if (rc && i < need) {
			ev("%s/%s %s: %s", k[i].dir, k[i].file, k[i].val, errname(rc));
			return 1;
		}
		if (rc)
			note("%s/%s %s: %s (left as it was)", k[i].dir, k[i].file, k[i].val,
			     errname(rc));
	}
	return 0;
}

/* Put back the n knobs that knobs_set changed, last first; 1 with
 * evidence if one could not be put back. */
static int knobs_restore(struct knob *k, int n)
{
	int bad = 0;
	while (n-- > 0) {
		if (!k[n].saved)
			continue;
		int rc = file_write(k[n].dir, k[n].file, k[n].old);
		k[n].saved = 0;
		if (rc) {
			ev("restoring %s/%s to %s: %s", k[n].dir, k[n].file, k[n].old,
			   errname(rc));
			bad = 1;
		}
	}
	return bad;
}

/* Write v to every page of anonymous memory a (so the kernel has pages
 * to work on next to the mapping); returns a. */
static uint8_t *anon_touch(uint8_t *a, size_t len, uint8_t v)
{
	for (size_t o = 0; o < len; o += pagesz())
		a[o] = v;
	return a;
}

/* ---- NUMA balancing ----------------------------------------------------- */

#define NUMA_DIR      DEBUGFS "/sched/numa_balancing"
#define NUMA_MIN_MS   5000
#define NUMA_MAX_MS   12000
#define NUMA_ANON     (8u << 20)

/* mm->numa_scan_seq of this process (/proc/self/sched), or -1. */
static long numa_scan_seq(void)
{
	char buf[8192];
	if (file_read("/proc/self", "sched", buf, sizeof(buf)) != 0)
		return -1;
	char *p = strstr(buf, "mm->numa_scan_seq");
	p = p ? strchr(p, ':') : NULL;
	return p ? strtol(p + 1, NULL, 10) : -1;
}

/* The idle second thread of numa_loop(). */
static void *numa_idle(void *arg)
{
	pause();
	return arg;
}

static int numa_loop(void)
{
	struct sc_map s;
	STEP(sc_setup(&s, 3, 300, "mapped"));
	/* an idle second thread: the scanner leaves private pages of a
	 * single-threaded process alone when they are on its node already */
	pthread_t idle;
	int e = pthread_create(&idle, NULL, numa_idle, NULL);
	CHECK(e == 0, "pthread_create: %s", errname(e));
	uint8_t *anon = mmap(NULL, NUMA_ANON, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(anon != MAP_FAILED, "mmap anonymous: %s", errname(errno));
	long seq0 = numa_scan_seq(), pte0 = vmstat("numa_pte_updates");
	long hint0 = vmstat("numa_hint_faults"), t0 = mono_ms(), t;
	unsigned round;
	int bad;
	for (round = 1;; round++) {
		bad = mm_rw(&s, 300, (uint8_t)(round % 255 + 1), "NUMA balancing loop");
		if (bad)
			break;
		anon_touch(anon, NUMA_ANON, (uint8_t)round);
		t = mono_ms() - t0;
		if (t >= NUMA_MIN_MS &&
		    (numa_scan_seq() > seq0 || vmstat("numa_pte_updates") > pte0 ||
		     t >= NUMA_MAX_MS))
			break;
	}
	long seq = numa_scan_seq(), pte = vmstat("numa_pte_updates");
	t = mono_ms() - t0;
	note("%u rounds in %ld ms: mm->numa_scan_seq %ld -> %ld, numa_pte_updates %ld -> %ld, "
	     "numa_hint_faults %ld -> %ld", round, t, seq0, seq, pte0, pte, hint0,
	     vmstat("numa_hint_faults"));
	if (bad)
		return 1;
	CHECK(seq > seq0 || pte > pte0,
	      "the NUMA scanner never ran in %ld ms (scan_seq and numa_pte_updates unchanged): "
	      "nothing was checked", t);
	STEP(mm_live(&s, 300, "after the NUMA balancing loop"));
	munmap(anon, NUMA_ANON);
	return sc_teardown(&s);
}

/*
 * NUMA balancing with fast scanning: the scanner passes over the process
 * (which also touches anonymous memory, so it has work) for 5 s while the
 * mapping is read and written; the mapping must stay live throughout.
 */
SCENARIO("numa-balancing", SC_MAPS,
	 "with NUMA balancing scanning fast for 5 s, a live mapping keeps reading and "
	 "writing the granted pages (no fault) and stays mapped in Xen")
{
	struct knob k[] = {
		{ .dir = "/proc/sys/kernel", .file = "numa_balancing", .val = "1" },
		{ .dir = NUMA_DIR, .file = "scan_delay_ms", .val = "10" },
		{ .dir = NUMA_DIR, .file = "scan_period_min_ms", .val = "10" },
		{ .dir = NUMA_DIR, .file = "scan_period_max_ms", .val = "100" },
		{ .dir = NUMA_DIR, .file = "scan_size_mb", .val = "1024" },
	};
	int n = sizeof(k) / sizeof(k[0]);
	if (access("/proc/sys/kernel/numa_balancing", W_OK) != 0)
		skip("/proc/sys/kernel/numa_balancing: %s", strerror(errno));
	if (numa_scan_seq() < 0 && vmstat("numa_pte_updates") < 0)
		skip("neither /proc/self/sched nor /proc/vmstat shows NUMA scanning");
	int mounted = debugfs_mount();
	if (mounted < 0)
		note("mount debugfs: %s", strerror(-mounted));
	int rc = knobs_set(k, n, 1);
	if (!rc)
		rc = numa_loop();
	return knobs_restore(k, n) | rc;
}

/* ---- /proc/self/clear_refs ---------------------------------------------- */

/* Write type to /proc/self/clear_refs: 0, or -errno (skip if absent). */
static int clear_refs(const char *type)
{
	int rc = file_write("/proc/self", "clear_refs", type);
	if (rc == -ENOENT)
		skip("/proc/self/clear_refs: not built in (CONFIG_PROC_PAGE_MONITOR)");
	return rc;
}

/*
 * clear_refs "4" (soft-dirty, CRIU's pre-dump) invalidates the whole mm
 * and then write-protects every PTE, which a grant PTE that Xen wrote (PV)
 * cannot take: there the mapping must be taken away (SIGBUS, grants
 * released at once).  Where the core mm owns the PTEs (auto-translated),
 * staying live is accepted while Xen still shows it mapped.
 */
SCENARIO("clear-refs-soft-dirty", SC_MAPS,
	 "clear_refs 4 (soft-dirty, CRIU pre-dump) takes the mapping away: every page "
	 "faults with SIGBUS and Xen shows the grants released before munmap")
{
	struct sc_map s;
	STEP(sc_setup(&s, 3, 310, "mapped"));
	STEP(mm_rw(&s, 310, 0x11, "before clear_refs"));
	int rc = clear_refs("4");
	CHECK(rc == 0, "write 4 to /proc/self/clear_refs: %s", errname(rc));
	if (probe_read(s.m, NULL) == 0) {
		CHECK(!dom_is_pv(), "after clear_refs 4 the mapping still reads: the kernel "
		      "write-protected a PTE that Xen wrote");
		STEP(mm_live(&s, 310, "after clear_refs 4"));
		note("the mapping stays live after clear_refs 4 (Xen shows it mapped)");
	} else {
		STEP(mm_gone(&s, 310, "after clear_refs 4"));
		if (dom_is_pv())
			STEP(xen_expect_unmapped(s.g.refs, s.n, "after clear_refs 4, before munmap"));
		else
			STEP(xen_wait_unmapped(s.g.refs, s.n, 2000,
					       "after clear_refs 4, before munmap"));
		note("the mapping was taken away by clear_refs 4: SIGBUS, grants released");
	}
	return sc_teardown(&s);
}

/*
 * clear_refs "1" only clears accessed bits: the mapping stays live.
 *
 * Not on a PV dom0 with foreign grants, nor on a PV dom0 under a debug
 * Xen: clear_refs clears the accessed bit of every PTE whose page
 * vm_normal_page() finds (ours, through find_special_page(), which GUP
 * needs), by a plain locked write to the read-only page table; Xen's
 * emulation of that write refuses a PTE that maps another domain's frame,
 * and a debug Xen refuses any PTE a grant mapped ("Bad L1 flags 400000"):
 * dom0 oopses in ptep_test_and_clear_young().  No mmu_notifier event comes
 * first, so no gntdev can step aside: Debian's has the same
 * find_special_page() and takes the same path.  docs/testing.md has the
 * traces.
 */
SCENARIO("clear-refs-all", SC_MAPS,
	 "clear_refs 1 (clear accessed bits) leaves the mapping live: reads, writes, "
	 "Xen mapped")
{
	struct sc_map s;
	if (T->granter && dom_is_pv())
		skip("oopses a PV dom0 with foreign grants, in ptep_test_and_clear_young(), "
		     "whichever gntdev (see docs/testing.md)");
	if (dom_is_pv() && xen_is_debug() == 1)
		skip("oopses a PV dom0 under a debug Xen, in ptep_test_and_clear_young(), "
		     "whichever gntdev (see docs/testing.md)");
	STEP(sc_setup(&s, 3, 320, "mapped"));
	STEP(mm_rw(&s, 320, 0x22, "before clear_refs"));
	int rc = clear_refs("1");
	CHECK(rc == 0, "write 1 to /proc/self/clear_refs: %s", errname(rc));
	STEP(mm_live(&s, 320, "after clear_refs 1"));
	return sc_teardown(&s);
}

/* ---- remote readers and writers ----------------------------------------- */

/* Read len bytes at addr of process pid through /proc/PID/mem and
 * process_vm_readv; both must show the granted pattern. */
static int remote_read(pid_t pid, const uint8_t *addr, uint32_t n, uint32_t seed,
		       uint8_t *buf, const char *who)
{
	size_t len = (size_t)n * pagesz();
	char path[64], what[96];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "%s: open %s: %s", who, path, errname(errno));
	memset(buf, 0, len);
	ssize_t got = pread(fd, buf, len, (off_t)(uintptr_t)addr);
	close(fd);
	CHECK(got == (ssize_t)len, "%s: pread %s of the mapping: %zd (%s), want %zu", who, path,
	      got, got < 0 ? errname(errno) : "short", len);
	snprintf(what, sizeof(what), "%s: pread %s", who, path);
	STEP(check_pattern(buf, seed, 0, n, what));
	memset(buf, 0, len);
	struct iovec l = { buf, len }, r = { (void *)addr, len };
	got = process_vm_readv(pid, &l, 1, &r, 1, 0);
	CHECK(got == (ssize_t)len, "%s: process_vm_readv: %zd (%s), want %zu", who, got,
	      got < 0 ? errname(errno) : "short", len);
	snprintf(what, sizeof(what), "%s: process_vm_readv", who);
	return check_pattern(buf, seed, 0, n, what);
}

/*
 * /proc/self/mem and process_vm_readv read exactly the granted data, also
 * from a forked helper reading its parent; pwrite of /proc/self/mem and
 * process_vm_writev write through to the granter.
 */
SCENARIO("remote-readers", SC_MAPS,
	 "/proc/PID/mem and process_vm_readv (self and a forked helper) read the granted "
	 "data; pwrite of /proc/self/mem and process_vm_writev reach the granter")
{
	struct sc_map s;
	long ps = pagesz();
	STEP(sc_setup(&s, 3, 330, "mapped"));
	uint8_t *buf = malloc((size_t)s.n * ps);
	CHECK(buf, "malloc failed");
	STEP(remote_read(getpid(), s.m, s.n, 330, buf, "self"));

	pid_t parent = getpid(), pid = fork();
	CHECK(pid >= 0, "fork: %s", errname(errno));
	if (pid == 0)
		_exit(remote_read(parent, s.m, s.n, 330, buf, "forked helper"));
	int st;
	STEP(sc_wait(pid, &st, 10000, "forked reader"));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "forked reader failed (status 0x%x)", st);

	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open /proc/self/mem: %s", errname(errno));
	for (uint32_t k = 0; k < s.n; k++) {
		size_t o = (size_t)k * ps + 200 + k;
		uint8_t want = pattern_byte(330, k, 200 + k), v = want ^ 0x5a;
		ssize_t w = pwrite(fd, &v, 1, (off_t)(uintptr_t)(s.m + o));
		CHECK(w == 1, "pwrite /proc/self/mem, page %u: %s", k,
		      w < 0 ? errname(errno) : "short");
		STEP(sc_granter_sees(&s.g, o, v, "pwrite /proc/self/mem not seen by the granter"));
		v = want ^ 0x3c;
		struct iovec l = { &v, 1 }, r = { s.m + o, 1 };
		w = process_vm_writev(getpid(), &l, 1, &r, 1, 0);
		CHECK(w == 1, "process_vm_writev, page %u: %s", k,
		      w < 0 ? errname(errno) : "short");
		STEP(sc_granter_sees(&s.g, o, v, "process_vm_writev not seen by the granter"));
		CHECK(s.m[o] == v, "process_vm_writev to page %u not seen through the mapping", k);
		s.m[o] = want;
	}
	close(fd);
	free(buf);
	STEP(mm_live(&s, 330, "after remote reads and writes"));
	return sc_teardown(&s);
}

/* ---- reclaim, KSM, compaction, migration -------------------------------- */

#define HIGH_BASE  (32u << 20)
#define HIGH_OVER  (1u << 20)

/* Anonymous memory of len bytes, populated (charged to our cgroup). */
static uint8_t *anon_charged(size_t len)
{
	uint8_t *a = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	return a == MAP_FAILED ? NULL : anon_touch(a, len, 1);
}

/*
 * Joins cg and maps; memory.reclaim; then charges HIGH_BASE, sets
 * memory.high there and goes HIGH_OVER above it, so the kernel reclaims
 * on every charge without throttling for long (with no swap nothing can
 * be reclaimed, and the penalty grows with the square of the overage).
 */
static int memcg_pressure(const char *cg)
{
	struct sc_map s;
	char buf[1024], val[32];
	int rc = file_write(cg, "cgroup.procs", "0");
	CHECK(rc == 0, "joining %s: %s", cg, errname(rc));
	STEP(sc_setup(&s, 3, 340, "mapped, in the cgroup"));
	STEP(mm_rw(&s, 340, 0x33, "in the cgroup"));
	rc = file_write(cg, "memory.reclaim", "64M");
	note("memory.reclaim 64M: %s", errname(rc));
	STEP(mm_live(&s, 340, "after memory.reclaim"));

	uint8_t *base = anon_charged(HIGH_BASE);
	CHECK(base, "mmap %u MiB: %s", HIGH_BASE >> 20, errname(errno));
	long cur = read_long(cg, "memory.current");
	CHECK(cur > 0, "%s/memory.current: %ld", cg, cur);
	snprintf(val, sizeof(val), "%ld", cur);
	rc = file_write(cg, "memory.high", val);
	CHECK(rc == 0, "%s/memory.high %s: %s", cg, val, errname(rc));
	long t0 = mono_ms();
	uint8_t *over = anon_charged(HIGH_OVER);
	CHECK(over, "mmap %u MiB above memory.high: %s", HIGH_OVER >> 20, errname(errno));
	note("%u MiB above memory.high %ld charged in %ld ms", HIGH_OVER >> 20, cur,
	     mono_ms() - t0);
	STEP(mm_live(&s, 340, "above memory.high"));
	rc = file_write(cg, "memory.reclaim", "64M");
	note("memory.reclaim 64M above memory.high: %s", errname(rc));
	STEP(mm_live(&s, 340, "after memory.reclaim above memory.high"));
	rc = file_read(cg, "memory.events", buf, sizeof(buf));
	CHECK(rc == 0, "read memory.events: %s", errname(rc));
	long high = kv_value(buf, "high");
	note("memory.current %ld; memory.events high %ld", read_long(cg, "memory.current"),
	     high);
	CHECK(high > 0, "memory.events shows high %ld: memory.high was never hit", high);
	munmap(over, HIGH_OVER);
	munmap(base, HIGH_BASE);
	return sc_teardown(&s);
}

/* The mapping process in a memory cgroup: memory.reclaim, then anonymous
 * memory pushed above memory.high; the mapping stays live. */
SCENARIO("reclaim-memcg", SC_MAPS,
	 "in a memory cgroup, memory.reclaim and anonymous memory above memory.high leave "
	 "the mapping live")
{
	char cg[96];
	STEP(memcg_child(cg, sizeof(cg), "mm"));
	int rc = memcg_pressure(cg);
	int e = file_write(CG_ROOT, "cgroup.procs", "0");
	CHECK(e == 0, "leaving %s: %s", cg, errname(e));
	CHECK(rmdir(cg) == 0, "rmdir %s: %s", cg, errname(errno));
	return rc;
}

/* Run madvise(advice) over the whole mapping; note the result. */
static void mm_madvise(struct sc_map *s, int advice, const char *name)
{
	int rc = madvise(s->m, (size_t)s->n * pagesz(), advice);
	note("%s: %s", name, rc ? errname(errno) : "0");
}

/* MADV_COLD and MADV_PAGEOUT over the mapping leave it live. */
SCENARIO("madv-cold-pageout", SC_MAPS,
	 "MADV_COLD and MADV_PAGEOUT over the mapping leave it live")
{
	struct sc_map s;
	STEP(sc_setup(&s, 3, 350, "mapped"));
	mm_madvise(&s, MADV_COLD, "MADV_COLD");
	STEP(mm_live(&s, 350, "after MADV_COLD"));
	mm_madvise(&s, MADV_PAGEOUT, "MADV_PAGEOUT");
	STEP(mm_live(&s, 350, "after MADV_PAGEOUT"));
	return sc_teardown(&s);
}

#define KSM_DIR     "/sys/kernel/mm/ksm"
#define KSM_ANON    64
#define KSM_SCANS   3
#define KSM_WAIT_MS 15000

static int ksm_run(void)
{
	struct sc_map s;
	long ps = pagesz();
	STEP(sc_setup(&s, 3, 360, "mapped"));
	uint8_t *a = mmap(NULL, KSM_ANON * ps, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED, "mmap anonymous: %s", errname(errno));
	memset(a, 0x5a, KSM_ANON * ps);
	CHECK(madvise(a, KSM_ANON * ps, MADV_MERGEABLE) == 0,
	      "MADV_MERGEABLE on anonymous memory: %s", errname(errno));
	mm_madvise(&s, MADV_MERGEABLE, "MADV_MERGEABLE");
	long scans0 = read_long(KSM_DIR, "full_scans"), scans = scans0, t0 = mono_ms();
	while (scans < scans0 + KSM_SCANS && mono_ms() - t0 < KSM_WAIT_MS) {
		STEP(mm_rw(&s, 360, (uint8_t)(scans % 255 + 1), "while ksmd scans"));
		msleep(50);
		scans = read_long(KSM_DIR, "full_scans");
	}
	note("ksmd full_scans %ld -> %ld in %ld ms; pages_sharing %ld", scans0, scans,
	     mono_ms() - t0, read_long(KSM_DIR, "pages_sharing"));
	CHECK(scans >= scans0 + KSM_SCANS, "ksmd did not complete %d full scans in %d ms",
	      KSM_SCANS, KSM_WAIT_MS);
	STEP(mm_live(&s, 360, "after ksmd scans"));
	mm_madvise(&s, MADV_UNMERGEABLE, "MADV_UNMERGEABLE");
	STEP(mm_live(&s, 360, "after MADV_UNMERGEABLE"));
	munmap(a, KSM_ANON * ps);
	return sc_teardown(&s);
}

/* MADV_MERGEABLE over the mapping, with ksmd scanning fast for a few full
 * scans (over mergeable anonymous memory too); the mapping stays live. */
SCENARIO("ksm-mergeable", SC_MAPS,
	 "MADV_MERGEABLE over the mapping with ksmd scanning fast for a few full scans "
	 "leaves it live")
{
	struct knob k[] = {
		{ .dir = KSM_DIR, .file = "sleep_millisecs", .val = "10" },
		{ .dir = KSM_DIR, .file = "pages_to_scan", .val = "5000" },
		{ .dir = KSM_DIR, .file = "run", .val = "1" },
	};
	int n = sizeof(k) / sizeof(k[0]);
	if (access(KSM_DIR "/run", W_OK) != 0)
		skip("%s/run: %s", KSM_DIR, strerror(errno));
	int rc = knobs_set(k, n, n);
	if (!rc)
		rc = ksm_run();
	return knobs_restore(k, n) | rc;
}

/* compact_memory and drop_caches leave the mapping live. */
SCENARIO("compact-drop-caches", SC_MAPS,
	 "compact_memory and drop_caches leave the mapping live")
{
	struct sc_map s;
	STEP(sc_setup(&s, 3, 370, "mapped"));
	long sc0 = vmstat("compact_migrate_scanned");
	int rc = file_write("/proc/sys/vm", "compact_memory", "1");
	note("compact_memory: %s; compact_migrate_scanned %ld -> %ld", errname(rc),
	     sc0, vmstat("compact_migrate_scanned"));
	STEP(mm_live(&s, 370, "after compact_memory"));
	rc = file_write("/proc/sys/vm", "drop_caches", "3");
	CHECK(rc == 0, "drop_caches 3: %s", errname(rc));
	STEP(mm_live(&s, 370, "after drop_caches"));
	return sc_teardown(&s);
}

/*
 * migrate_pages(2) of the whole process and move_pages(2) of the mapped
 * pages (query, then move) to node 0 leave the mapping live.  An anonymous
 * page rides along in move_pages for comparison.
 */
SCENARIO("migrate-pages", SC_MAPS,
	 "migrate_pages of the process and move_pages (query and move to node 0) of the "
	 "mapped pages leave the mapping live")
{
	struct sc_map s;
	long ps = pagesz();
	STEP(sc_setup(&s, 3, 380, "mapped"));
	unsigned long node0 = 1;
	long r = syscall(SYS_migrate_pages, 0, 8 * sizeof(node0), &node0, &node0);
	note("migrate_pages(0 -> 0): %s", r < 0 ? errname(errno) : "ok");
	if (r > 0)
		note("migrate_pages: %ld pages not moved", r);
	STEP(mm_live(&s, 380, "after migrate_pages"));

	uint8_t *a = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED, "mmap anonymous: %s", errname(errno));
	a[0] = 1;
	void *pages[4];
	int nodes[4] = { 0, 0, 0, 0 }, status[4];
	for (uint32_t k = 0; k < s.n; k++)
		pages[k] = s.m + (size_t)k * ps;
	pages[s.n] = a;
	for (int move = 0; move < 2; move++) {
		for (uint32_t k = 0; k <= s.n; k++)
			status[k] = 99;
		r = syscall(SYS_move_pages, 0, s.n + 1, pages, move ? nodes : NULL, status,
			    move ? MPOL_MF_MOVE : 0);
		note("move_pages(%s): %s; status of the 3 mapped pages %d %d %d, anonymous %d",
		     move ? "to node 0" : "query", r < 0 ? errname(errno) : "ok",
		     status[0], status[1], status[2], status[3]);
		STEP(mm_live(&s, 380, move ? "after move_pages to node 0" : "after move_pages query"));
	}
	munmap(a, ps);
	return sc_teardown(&s);
}

/* ---- core dump ---------------------------------------------------------- */

#define CORE_PATH  "/tmp/gntdev-test-core.%d."   /* our pid, then the child's */
#define CORE_TOKEN 32
#define CORE_REPS  4    /* the needle: the token this many times in a row */

/* Fill len bytes at p with the token over and over. */
static void token_fill(uint8_t *p, size_t len, const uint8_t *token)
{
	for (size_t o = 0; o < len; o++)
		p[o] = token[o % CORE_TOKEN];
}

/* The dumping child: maps the grants, checks the token through the
 * mapping, puts the inverted token in anonymous memory (a control that
 * must appear in the core), says 'R', then aborts on 'g'. */
static _Noreturn void core_child(struct granter *g, const uint8_t *token, struct sc_kid *k)
{
	char c = 'F';
	int fd;
	uint64_t index;
	uint8_t *m, inv[CORE_TOKEN];
	long ps = pagesz();
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	uint8_t *a = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (setrlimit(RLIMIT_CORE, &rl) != 0 || a == MAP_FAILED) {
		ev("dumping child: setrlimit/mmap: %s", strerror(errno));
		goto out;
	}
	/* Ask for shared file mappings too (the default filter leaves them
	 * out), so that only VM_DONTDUMP keeps the granted pages out. */
	int rc = file_write("/proc/self", "coredump_filter", "0x7f");
	if (rc) {
		ev("dumping child: coredump_filter: %s", errname(rc));
		goto out;
	}
	for (int i = 0; i < CORE_TOKEN; i++)
		inv[i] = ~token[i];
	token_fill(a, ps, inv);
	if (sc_open(&fd) || gd_map(fd, T->granter, g->refs, g->count, &index) ||
	    !(m = gd_mmap(fd, index, g->count, PROT_READ | PROT_WRITE)))
		goto out;
	/* byte by byte: a needle-sized copy of the token would be dumped */
	for (uint32_t i = 0; i < g->count * ps; i++)
		if (m[i] != token[i % CORE_TOKEN]) {
			uint32_t p = i / ps;
			ev("dumping child: page %u does not show the token", p);
			goto out;
		}
	c = 'R';
out:
	sc_kid_ready(k, c);
	abort();
}

/* The core file at path: a readable ELF core holding the control needle
 * and not the granted one. */
static int core_check(const char *path, const uint8_t *token)
{
	uint8_t needle[CORE_TOKEN * CORE_REPS], inv[CORE_TOKEN], ctl[sizeof(needle)];
	token_fill(needle, sizeof(needle), token);
	for (int i = 0; i < CORE_TOKEN; i++)
		inv[i] = ~token[i];
	token_fill(ctl, sizeof(ctl), inv);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open the core file %s: %s", path, errname(errno));
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size > 4, "core file %s is empty", path);
	uint8_t *c = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	CHECK(c != MAP_FAILED, "mmap the core file: %s", errname(errno));
	int elf = !memcmp(c, "\177ELF", 4);
	void *ctl_at = memmem(c, st.st_size, ctl, sizeof(ctl));
	void *at = memmem(c, st.st_size, needle, sizeof(needle));
	long off = at ? (long)((uint8_t *)at - c) : -1;
	munmap(c, st.st_size);
	note("core file %s: %lld bytes", path, (long long)st.st_size);
	CHECK(elf, "core file %s is not ELF", path);
	CHECK(ctl_at, "the control (anonymous memory of the child) is not in the core: "
	      "the search proves nothing");
	CHECK(!at, "the granted pages' contents are in the core at offset %ld "
	      "(the mapping was dumped: VM_DONTDUMP missing)", off);
	return 0;
}

static int core_dump(void)
{
	struct granter g;
	uint8_t token[CORE_TOKEN];
	long ps = pagesz();
	CHECK(getrandom(token, sizeof(token), 0) == (ssize_t)sizeof(token),
	      "getrandom: %s", errname(errno));
	STEP(sc_share(&g, 2, 1, 390));
	/* Fill the granter's pages, then wipe our copy: the child inherits
	 * our memory, and any needle in it would be dumped. */
	uint8_t *page = malloc(ps);
	CHECK(page, "out of memory");
	token_fill(page, ps, token);
	for (uint32_t p = 0; p < g.count; p++)
		STEP(granter_write(&g, (size_t)p * ps, page, ps));
	explicit_bzero(page, ps);
	free(page);
	struct sc_kid k;
	int child = sc_fork_kid(&k);
	if (child < 0)
		return 1;
	if (child == 0)
		core_child(&g, token, &k);
	char c = 0, path[128];
	STEP(sc_get_byte(k.rep, &c, 10000, "dumping child"));
	CHECK(c == 'R', "the dumping child did not map its grants");
	STEP(xen_expect_mapped(g.refs, g.count, "dumping child mapped"));
	CHECK(write(k.cmd, "g", 1) == 1, "pipe write: %s", errname(errno));
	int st;
	STEP(sc_wait(k.pid, &st, 10000, "dumping child"));
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
	      "the dumping child did not die of SIGABRT (status 0x%x)", st);
	CHECK(WCOREDUMP(st), "the dumping child died of SIGABRT without a core dump");
	snprintf(path, sizeof(path), CORE_PATH "%d", (int)getpid(), (int)k.pid);
	STEP(xen_expect_unmapped(g.refs, g.count, "after the core dump"));
	int rc = core_check(path, token);
	unlink(path);
	sc_kid_close(&k);
	granter_release(&g);
	return rc;
}

/*
 * A child with a live mapping of pages filled with a random token dies of
 * SIGABRT: the core dump completes, leaves the mapping out (VM_DONTDUMP;
 * the child's anonymous copy of the inverted token is in it as a control)
 * and the grants are released.
 */
SCENARIO("core-dump", SC_MAPS,
	 "a process with a live mapping dumps core on SIGABRT: the dump completes without "
	 "the granted pages (VM_DONTDUMP) and the grants are released")
{
	char pattern[64];
	snprintf(pattern, sizeof(pattern), CORE_PATH "%%p", (int)getpid());
	struct knob k = { .dir = "/proc/sys/kernel", .file = "core_pattern", .val = pattern };
	STEP(knobs_set(&k, 1, 1));
	int rc = core_dump();
	return knobs_restore(&k, 1) | rc;
}

/* ---- mlock and populating madvise --------------------------------------- */

/* Note the result of an mm call (rc, errno), then the mapping is live. */
static int after(struct sc_map *s, int rc, const char *what)
{
	note("%s: %s", what, rc ? errname(errno) : "0");
	return mm_live(s, 400, what);
}

/* mlock, mlockall and populating madvise over the mapping return 0 or an
 * errno and leave it live. */
SCENARIO("mlock-populate", SC_MAPS,
	 "mlock, mlockall, MADV_WILLNEED and MADV_POPULATE_READ/WRITE over the mapping "
	 "return 0 or an errno and leave it live")
{
	struct sc_map s;
	STEP(sc_setup(&s, 3, 400, "mapped"));
	size_t len = (size_t)s.n * pagesz();
	STEP(after(&s, mlock(s.m, len), "mlock"));
	STEP(after(&s, munlock(s.m, len), "munlock"));
	STEP(after(&s, mlockall(MCL_CURRENT), "mlockall(MCL_CURRENT)"));
	STEP(after(&s, munlockall(), "munlockall"));
	STEP(after(&s, madvise(s.m, len, MADV_WILLNEED), "MADV_WILLNEED"));
	STEP(after(&s, madvise(s.m, len, MADV_POPULATE_READ), "MADV_POPULATE_READ"));
	STEP(after(&s, madvise(s.m, len, MADV_POPULATE_WRITE), "MADV_POPULATE_WRITE"));
	return sc_teardown(&s);
}
