/* VMA manipulation scenarios: mprotect, mremap, fork, madvise, MAP_FIXED,
 * second mmap of the same offset.  (Fork after MADV_DOFORK is in
 * scen_process.c, last in the suite: on Debian's stock gntdev it leaves
 * the kernel in a state that disturbs whatever runs next.) */
#include "domain.h"
#include "errname.h"
#include "evidence.h"
#include "pattern_check.h"
#include "probe.h"
#include "scen_common.h"
#include "scenario.h"
#include "xen_expect.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* mprotect the middle page of 3 read-only.  The outer pages must stay
 * readable and writable with correct data.  The middle page may either stay
 * mapped read-only (correct data, writes fault without reaching the
 * granter, grant still mapped in Xen) or be torn down (access faults; on PV
 * its grant must then be released in Xen -- upstream gntdev does this, as
 * its MMU notifier unmaps on any invalidation, including mprotect).
 * PROT_NONE on the whole range makes reads fault; all released at the end. */
SCENARIO("mprotect-subrange", SC_MAPS,
	 "mprotect of the middle page to read-only leaves the outer pages intact and "
	 "the middle one read-only or torn down (never writable, never leaked)")
{
	struct sc_map s;
	long ps = pagesz();
	STEP(sc_setup(&s, 3, 50, "mapped"));
	uint8_t *m = s.m;
	struct granter *g = &s.g;
	CHECK(mprotect(m + ps, ps, PROT_READ) == 0, "mprotect(middle, PROT_READ): %s",
	      errname(errno));
	STEP(check_pattern(m, 50, 0, 1, "page 0 after mprotect of page 1"));
	STEP(check_pattern(m + 2 * ps, 50, 2, 1, "page 2 after mprotect of page 1"));
	CHECK(probe_write(m + 9, 0x66) == 0, "page 0 not writable after mprotect of page 1");
	STEP(sc_granter_sees(g, 9, 0x66, "page 0 written after mprotect of page 1"));
	CHECK(probe_write(m + 2 * ps + 9, 0x65) == 0,
	      "page 2 not writable after mprotect of page 1");
	STEP(sc_granter_sees(g, 2 * ps + 9, 0x65, "page 2 written after mprotect of page 1"));
	int sig = probe_read(m + ps, NULL);
	if (sig == 0) {
		STEP(check_pattern(m + ps, 50, 1, 1, "read-only middle page"));
		sig = probe_write(m + ps + 9, 0x77);
		CHECK(sig != 0, "write to read-only middle page did not fault");
		STEP(xen_expect_mapped(g->refs + 1, 1, "read-only middle page"));
		note("middle page stays mapped read-only");
	} else {
		note("middle page faults after mprotect (signal %d): torn down", sig);
		if (dom_is_pv())
			STEP(xen_expect_unmapped(g->refs + 1, 1,
						 "middle page faults after mprotect"));
	}
	STEP(sc_granter_sees(g, ps + 9, pattern_byte(50, 1, 9), "the read-only middle page"));
	uint32_t outer[2] = { g->refs[0], g->refs[2] };
	STEP(xen_expect_mapped(outer, 2, "outer pages after mprotect"));
	CHECK(mprotect(m, 3 * ps, PROT_NONE) == 0, "mprotect(all, PROT_NONE): %s", errname(errno));
	CHECK(probe_read(m, NULL) != 0, "read of PROT_NONE page 0 did not fault");
	CHECK(probe_read(m + 2 * ps, NULL) != 0, "read of PROT_NONE page 2 did not fault");
	return sc_teardown(&s);
}

/* mremap(MAYMOVE|FIXED) of a live 2-page mapping.  Either refused (the old
 * mapping intact) or moved; at the new address every page must show the
 * granted data or fault, never other data.  All released at the end. */
SCENARIO("mremap-move", SC_MAPS,
	 "mremap of a live mapping is refused cleanly or moves it without "
	 "exposing wrong data; grants released at the end")
{
	struct sc_map s;
	long ps = pagesz();
	STEP(sc_setup(&s, 2, 60, "mapped"));
	uint8_t *m = s.m;
	/* reserve a target range */
	uint8_t *target = mmap(NULL, 2 * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(target != MAP_FAILED, "reserve target: %s", errname(errno));
	uint8_t *n = mremap(m, 2 * ps, 2 * ps, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	if (n == MAP_FAILED) {
		note("mremap refused: %s", errname(errno));
		STEP(check_pattern(m, 60, 0, 2, "original after refused mremap"));
		munmap(target, 2 * ps);
	} else {
		CHECK(n == target, "mremap returned %p, asked for %p", (void *)n, (void *)target);
		CHECK(probe_read(m, NULL) != 0, "old address still readable after mremap move");
		for (int k = 0; k < 2; k++) {
			uint8_t v;
			int sig = probe_read(n + k * ps, &v);
			if (sig) {
				note("moved page %d faults (signal %d)", k, sig);
				continue;
			}
			char what[48];
			snprintf(what, sizeof(what), "moved page %d", k);
			STEP(check_pattern(n + k * ps, 60, k, 1, what));
			note("moved page %d readable with correct data", k);
		}
		s.m = n;
	}
	return sc_teardown(&s);
}

/* After fork the child has no mapping at the address (VM_DONTCOPY on PV),
 * and the parent's mapping keeps working. */
SCENARIO("fork-dontcopy", SC_MAPS,
	 "a forked child sees nothing at the mapping (VM_DONTCOPY) and the "
	 "parent's mapping stays intact")
{
	struct sc_map s;
	long ps = pagesz();
	STEP(sc_setup(&s, 2, 70, "mapped before fork"));
	uint8_t *m = s.m;
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", errname(errno));
	if (pid == 0) {
		/* 0: nothing mapped; 1: readable; 2: mapped but faults */
		unsigned char vec[2];
		int r = mincore(m, 2 * ps, vec);
		if (r == 0) {
			uint8_t v;
			_exit(probe_read(m, &v) ? 2 : 1);
		}
		_exit(errno == ENOMEM ? 0 : 3);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid: %s", errname(errno));
	CHECK(WIFEXITED(st), "fork child died of signal %d", WTERMSIG(st));
	if (dom_is_pv())
		CHECK(WEXITSTATUS(st) == 0,
		      "fork child: the mapping address is %s in the child (want no VMA: "
		      "VM_DONTCOPY)", WEXITSTATUS(st) == 1 ? "mapped and readable" :
		      WEXITSTATUS(st) == 2 ? "mapped but faulting" : "in an unexpected state");
	else
		note("fork child result %d (not PV: sharing allowed)", WEXITSTATUS(st));
	STEP(check_pattern(m, 70, 0, 2, "parent after fork"));
	m[ps + 3] = 0x12;
	STEP(sc_granter_sees(&s.g, ps + 3, 0x12, "parent write after fork not seen by granter"));
	STEP(xen_expect_mapped(s.g.refs, 2, "parent after child exit"));
	return sc_teardown(&s);
}

/* MADV_DONTNEED on one page of a live mapping: either refused, or the page
 * afterwards shows the granted data or faults (never zeroes/other data);
 * the other page is intact; everything is released at the end. */
SCENARIO("madvise-dontneed", SC_MAPS,
	 "MADV_DONTNEED on a page is refused or leaves granted data/fault "
	 "(never other data); the rest intact; released at the end")
{
	struct sc_map s;
	long ps = pagesz();
	STEP(sc_setup(&s, 2, 80, "mapped"));
	uint8_t *m = s.m;
	if (madvise(m, ps, MADV_DONTNEED) != 0) {
		note("MADV_DONTNEED refused: %s", errname(errno));
	} else {
		uint8_t v;
		int sig = probe_read(m, &v);
		if (sig)
			note("page 0 faults after MADV_DONTNEED (signal %d)", sig);
		else
			STEP(check_pattern(m, 80, 0, 1, "page 0 after MADV_DONTNEED"));
	}
	STEP(check_pattern(m + ps, 80, 1, 1, "page 1 after MADV_DONTNEED of page 0"));
	return sc_teardown(&s);
}

/* A second mmap of the same map is refused with EINVAL and the first
 * mapping stays intact. */
SCENARIO("second-mmap-same-offset", SC_MAPS,
	 "a second mmap of an already mmapped map fails with EINVAL and the "
	 "first mapping stays intact")
{
	struct sc_map s;
	long ps = pagesz();
	STEP(sc_setup(&s, 2, 90, "first mapping"));
	uint8_t *m = s.m;
	for (int ro = 0; ro < 2; ro++) {
		uint8_t *m2 = gd_mmap(s.fd, s.index, 2, ro ? PROT_READ : PROT_READ | PROT_WRITE);
		int e = errno;
		if (m2)
			munmap(m2, 2 * ps);
		CHECK(!m2, "second %smmap of offset 0x%llx succeeded (at %p), want EINVAL",
		      ro ? "read-only " : "", (unsigned long long)s.index, (void *)m2);
		CHECK(e == EINVAL, "second %smmap: %s, want EINVAL", ro ? "read-only " : "",
		      errname(e));
	}
	STEP(check_pattern(m, 90, 0, 2, "first mapping after refused second mmap"));
	m[100] = 0x42;
	STEP(sc_granter_sees(&s.g, 100, 0x42, "first mapping write not seen after refused second mmap"));
	STEP(xen_expect_mapped(s.g.refs, 2, "first mapping after refused second mmap"));
	return sc_teardown(&s);
}

/* A MAP_FIXED mmap of a map at its own live mapping -- exactly over it,
 * and shifted by a page so that it covers only part -- fails with EINVAL
 * and leaves the first mapping intact: data, writes and grants in Xen.
 * (Linux takes out what lies under a MAP_FIXED mapping before the driver's
 * ->mmap runs, so the refusal has to come earlier.) */
SCENARIO("map-fixed-over-itself", SC_MAPS,
	 "a MAP_FIXED mmap of a map over its own live mapping fails with EINVAL "
	 "and leaves the first mapping and its grants intact")
{
	struct sc_map s;
	long ps = pagesz();
	STEP(sc_setup(&s, 3, 95, "first mapping"));
	uint8_t *m = s.m;
	uint8_t *at[2] = { m, m + ps };
	for (int k = 0; k < 2; k++) {
		void *p = mmap(at[k], 3 * ps, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			       s.fd, (off_t)s.index);
		int e = errno;
		CHECK(p == MAP_FAILED, "MAP_FIXED mmap of the map at %s succeeded, want EINVAL",
		      k ? "its second page" : "itself");
		CHECK(e == EINVAL, "MAP_FIXED mmap of the map at %s: %s, want EINVAL",
		      k ? "its second page" : "itself", errname(e));
		STEP(check_pattern(m, 95, 0, 3, "first mapping after refused MAP_FIXED mmap"));
		STEP(xen_expect_mapped(s.g.refs, 3, "first mapping after refused MAP_FIXED mmap"));
	}
	m[2 * ps + 5] = 0x5a;
	STEP(sc_granter_sees(&s.g, 2 * ps + 5, 0x5a, "first mapping write not seen after refused MAP_FIXED mmap"));
	return sc_teardown(&s);
}

/* MAP_FIXED anonymous memory over a live gntdev mapping replaces it: the
 * address then reads zeroes, the grants are released (PV: at once), and
 * the UNMAP ioctl still succeeds afterwards. */
SCENARIO("map-fixed-over-live", SC_MAPS,
	 "MAP_FIXED anonymous memory over a live mapping replaces it, releases "
	 "the covered grants, and UNMAP still succeeds")
{
	struct sc_map s;
	long ps = pagesz();
	STEP(sc_setup(&s, 3, 100, "mapped"));
	uint8_t *m = s.m;
	/* replace the middle page only, then the whole range */
	uint8_t *a = mmap(m + ps, ps, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(a == m + ps, "MAP_FIXED over middle page: %s", errname(errno));
	CHECK(a[0] == 0 && a[ps - 1] == 0, "anonymous replacement not zero");
	a[0] = 0xee;
	STEP(sc_granter_sees(&s.g, ps, pattern_byte(100, 1, 0),
			     "write to the replacing anonymous page"));
	STEP(check_pattern(m, 100, 0, 1, "page 0 after MAP_FIXED over page 1"));
	STEP(check_pattern(m + 2 * ps, 100, 2, 1, "page 2 after MAP_FIXED over page 1"));
	if (dom_is_pv())
		STEP(xen_expect_unmapped(s.g.refs + 1, 1, "page 1 after MAP_FIXED over it"));
	a = mmap(m, 3 * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(a == m, "MAP_FIXED over whole range: %s", errname(errno));
	if (dom_is_pv())
		STEP(xen_expect_unmapped(s.g.refs, 3, "after MAP_FIXED over whole range"));
	/* the range is anonymous memory now: UNMAP only */
	s.m = NULL;
	STEP(sc_teardown(&s));
	munmap(a, 3 * ps);
	return 0;
}
