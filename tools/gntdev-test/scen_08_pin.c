/*
 * Pinned pages: vmsplice() puts the granted page itself into a pipe (the
 * pipe takes a reference on the page; it does not copy).  Taking the
 * mapping away while the pipe still holds the page must not hang, the
 * pipe must still deliver the granted data (the kernel mapping of the
 * grant has to stay while the page is held), and once the pipe lets go
 * the grant must be released in Xen.
 */
#include "clock.h"
#include "domain.h"
#include "errname.h"
#include "evidence.h"
#include "scen_common.h"
#include "scenario.h"
#include "xen_expect.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long a release may take after the pin is gone: the device retries
 * with back-off up to about 1.3 s, so 3 s leaves a margin. */
#define RELEASE_WAIT_MS 3000
/* munmap() must come back at once; anything near this is a hang. */
#define MUNMAP_MAX_MS   2000

/* vmsplice len bytes at p into the pipe's write end. */
static int splice_in(int wfd, uint8_t *p, size_t len)
{
	struct iovec iov = { .iov_base = p, .iov_len = len };
	ssize_t n = vmsplice(wfd, &iov, 1, 0);
	CHECK(n == (ssize_t)len, "vmsplice(%zu bytes of the mapping): %s", len,
	      n < 0 ? errname(errno) : "short");
	return 0;
}

/* munmap that must not block. */
static int timed_munmap(void *p, size_t len, const char *what)
{
	long t0 = mono_ms();
	CHECK(munmap(p, len) == 0, "munmap %s: %s", what, errname(errno));
	long dt = mono_ms() - t0;
	CHECK(dt < MUNMAP_MAX_MS, "munmap %s took %ld ms while the page was pinned", what, dt);
	note("munmap %s: %ld ms", what, dt);
	return 0;
}

/*
 * Drain one page from the pipe and compare it with page 'page' of pattern
 * 'seed', except for bytes the granter changed afterwards (changed[i] is
 * the offset, newval[i] the value; nchanged entries).
 */
static int drain_and_check(int rfd, uint32_t seed, uint32_t page, const long *changed,
			   const uint8_t *newval, int nchanged, const char *what)
{
	long ps = pagesz();
	uint8_t *buf = malloc(ps);
	CHECK(buf, "out of memory");
	size_t got = 0;
	while (got < (size_t)ps) {
		ssize_t n = read(rfd, buf + got, ps - got);
		if (n <= 0) {
			ev("%s: reading the pipe: %s after %zu of %ld bytes", what,
			   n < 0 ? errname(errno) : "EOF", got, ps);
			free(buf);
			return 1;
		}
		got += n;
	}
	for (long o = 0; o < ps; o++) {
		uint8_t want = pattern_byte(seed, page, o);
		for (int i = 0; i < nchanged; i++)
			if (changed[i] == o)
				want = newval[i];
		if (buf[o] != want) {
			ev("%s: pipe byte %ld is 0x%02x, the granted page has 0x%02x "
			   "(the pipe no longer reads the granted page)", what, o, buf[o], want);
			free(buf);
			return 1;
		}
	}
	free(buf);
	return 0;
}

/* n pages mapped, page 0 spliced into a new pipe; *pin0 is its pin word
 * in Xen while still mmapped. */
static int splice_setup(struct sc_map *s, uint32_t n, uint32_t seed, int p[2], uint32_t *pin0)
{
	STEP(sc_setup(s, n, seed, "mapped"));
	CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe: %s", errname(errno));
	STEP(splice_in(p[1], s->m, pagesz()));
	STEP(xen_pin(s->g.refs[0], pin0, "spliced, still mmapped"));
	CHECK(*pin0 != 0, "Xen shows ref %u unmapped while mmapped", s->g.refs[0]);
	return 0;
}

/* On PV the page must still be mapped in Xen, but only by the kernel
 * mapping: the user PTE's grant goes at munmap even while pinned. */
static int expect_kernel_only(uint32_t ref, uint32_t pin_before, const char *when)
{
	if (!dom_is_pv())
		return 0;
	uint32_t pin;
	STEP(xen_pin(ref, &pin, when));
	CHECK(pin != 0, "Xen (%s): ref %u no longer mapped although the pipe still holds "
	      "the page", when, ref);
	CHECK(pin < pin_before, "Xen (%s): ref %u pin 0x%08x, as before munmap (0x%08x): the "
	      "user PTE's grant was not released at munmap", when, ref, pin, pin_before);
	note("%s: ref %u pin 0x%08x -> 0x%08x", when, ref, pin_before, pin);
	return 0;
}

/* Two pages mapped, page 0 spliced into a pipe, the whole range munmapped
 * while the pipe holds page 0. */
SCENARIO("vmsplice-pinned-munmap", SC_MAPS,
	 "munmap of a mapping whose page a pipe holds (vmsplice) returns at once and "
	 "releases the unpinned page and the pinned page's user PTE grant; the pipe "
	 "still reads the live granted page; the grant goes once the pipe is drained")
{
	struct sc_map s;
	long ps = pagesz();
	int p[2];
	uint32_t pin0;
	STEP(splice_setup(&s, 2, 240, p, &pin0));

	STEP(timed_munmap(s.m, 2 * ps, "of both pages, page 0 in the pipe"));
	s.m = NULL;
	if (dom_is_pv())
		STEP(xen_expect_unmapped(s.g.refs + 1, 1, "unpinned page 1 after munmap"));
	STEP(expect_kernel_only(s.g.refs[0], pin0, "pinned page 0 after munmap"));

	/* The granter changes two bytes after munmap: the pipe reads the
	 * granted page itself, so it must show them. */
	const long off[2] = { 10, ps - 1 };
	const uint8_t val[2] = { (uint8_t)~pattern_byte(240, 0, 10),
				 (uint8_t)~pattern_byte(240, 0, ps - 1) };
	STEP(granter_write(&s.g, off[0], &val[0], 1));
	STEP(granter_write(&s.g, off[1], &val[1], 1));
	STEP(drain_and_check(p[0], 240, 0, off, val, 2, "pipe drained after munmap"));
	STEP(xen_wait_unmapped(s.g.refs, 1, RELEASE_WAIT_MS, "pipe drained"));
	close(p[0]);
	close(p[1]);
	return sc_teardown(&s);
}

/* The same with UNMAP_GRANT_REF and close(fd) before the pipe is drained:
 * nothing but the pinned page keeps the map alive. */
SCENARIO("vmsplice-pinned-unmap-close", SC_MAPS,
	 "with the page in a pipe, munmap + UNMAP_GRANT_REF + close(fd) leave the pipe "
	 "reading the granted data; the grant goes once the pipe is drained and closed")
{
	struct sc_map s;
	long ps = pagesz();
	int p[2];
	uint32_t pin0;
	STEP(splice_setup(&s, 1, 241, p, &pin0));
	STEP(timed_munmap(s.m, ps, "with the page in the pipe"));
	int rc = gd_unmap(s.fd, s.index, 1);
	CHECK(rc == 0, "UNMAP while the page is in the pipe: %s", errname(rc));
	CHECK(close(s.fd) == 0, "close(fd): %s", errname(errno));
	STEP(expect_kernel_only(s.g.refs[0], pin0, "after munmap+UNMAP+close, page in the pipe"));
	STEP(drain_and_check(p[0], 241, 0, NULL, NULL, 0, "pipe drained after UNMAP+close"));
	close(p[0]);
	close(p[1]);
	STEP(xen_wait_unmapped(s.g.refs, 1, RELEASE_WAIT_MS, "pipe drained and closed"));
	granter_release(&s.g);
	return 0;
}

/* The mapping process exits (without munmap, UNMAP or close) while a
 * pipe it spliced the page into lives on in its parent. */
SCENARIO("vmsplice-pinned-exit", SC_MAPS,
	 "a process exits with its page spliced into a pipe its parent holds: the "
	 "pipe reads the granted data; the grant goes once the pipe is drained")
{
	struct granter g;
	long ps = pagesz();
	int p[2];
	STEP(sc_share(&g, 1, 1, 242));
	CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe: %s", errname(errno));
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", errname(errno));
	if (pid == 0) {
		int fd;
		uint64_t index;
		uint8_t *m;
		close(p[0]);
		if (sc_open(&fd) || sc_map_mmap(fd, &g, 242, PROT_READ | PROT_WRITE, &index, &m) ||
		    xen_expect_mapped(g.refs, 1, "child mapped") || splice_in(p[1], m, ps))
			_exit(1);
		_exit(0);    /* everything still mapped and open */
	}
	close(p[1]);
	int st;
	STEP(sc_wait(pid, &st, 10000, "mapping child"));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "mapping child failed (status 0x%x)", st);
	if (dom_is_pv()) {
		uint32_t pin;
		STEP(xen_pin(g.refs[0], &pin, "child gone, page in the pipe"));
		CHECK(pin != 0, "Xen: ref %u no longer mapped although the pipe still holds "
		      "the page", g.refs[0]);
		note("child gone, page in the pipe: pin 0x%08x", pin);
	}
	STEP(drain_and_check(p[0], 242, 0, NULL, NULL, 0, "pipe drained after the child exited"));
	close(p[0]);
	STEP(xen_wait_unmapped(g.refs, 1, RELEASE_WAIT_MS, "pipe drained and closed"));
	granter_release(&g);
	return 0;
}
