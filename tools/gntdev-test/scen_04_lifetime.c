/* Lifetime scenarios: process exit / kill with live maps, closing the fd
 * before munmap, unmap notification. */
#include "domain.h"
#include "errname.h"
#include "evidence.h"
#include "note_logger.h"
#include "pattern_check.h"
#include "scen_common.h"
#include "scenario.h"
#include "xen_expect.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xengnttab.h>

#include <xen/gntdev.h>

/*
 * A helper process maps g's pages (first 'nraw' through raw ioctls+mmap,
 * the rest through libxengnttab), optionally arms an unmap notification
 * (clear byte 'notify_off' of raw page 0), reports "ready", then waits for
 * a command byte: 'x' = _exit(0) without unmapping.
 */
struct holder {
	pid_t pid;
	int cmd;    /* write end: commands to holder */
	int rep;    /* read end: holder's status */
};

static int holder_start(struct holder *h, struct granter *g, uint32_t nraw, uint32_t seed,
			int notify_off)
{
	int c[2], r[2];
	CHECK(pipe(c) == 0 && pipe(r) == 0, "pipe: %s", errname(errno));
	h->pid = fork();
	CHECK(h->pid >= 0, "fork: %s", errname(errno));
	if (h->pid == 0) {
		close(c[1]);
		close(r[0]);
		char st = 'E';
		int fd = gd_open();
		uint64_t index;
		uint8_t *m = NULL;
		if (fd < 0)
			goto out;
		if (nraw) {
			if (gd_map(fd, T->granter, g->refs, nraw, &index))
				goto out;
			m = gd_mmap(fd, index, nraw, PROT_READ | PROT_WRITE);
			if (!m || m[0] != pattern_byte(seed, 0, 0))
				goto out;
			if (notify_off >= 0) {
				m[notify_off] = 0xff;
				int rc = gd_set_unmap_notify(fd, index + notify_off,
							     UNMAP_NOTIFY_CLEAR_BYTE, 0);
				if (rc == -ENOTTY) {
					st = 'T';
					goto out;
				}
				if (rc)
					goto out;
			}
		}
		if (g->count > nraw) {
			xengnttab_handle *xgt = xengnttab_open(note_logger(), 0);
			if (!xgt)
				goto out;
			uint8_t *m2 = xengnttab_map_domain_grant_refs(
				xgt, g->count - nraw, T->granter, g->refs + nraw,
				PROT_READ | PROT_WRITE);
			if (!m2 || m2[0] != pattern_byte(seed, nraw, 0))
				goto out;
		}
		st = 'R';
out:
		if (write(r[1], &st, 1) != 1)
			_exit(3);
		if (st != 'R')
			_exit(2);
		char cmd;
		while (read(c[0], &cmd, 1) == 1)
			if (cmd == 'x')
				_exit(0);
		_exit(0);
	}
	close(c[0]);
	close(r[1]);
	h->cmd = c[1];
	h->rep = r[0];
	char st = 0;
	CHECK(read(h->rep, &st, 1) == 1, "holder died before reporting");
	if (st == 'T') {
		waitpid(h->pid, NULL, 0);
		skip("IOCTL_GNTDEV_SET_UNMAP_NOTIFY not implemented (ENOTTY)");
	}
	CHECK(st == 'R', "holder failed to map/mmap the grants");
	return 0;
}

static int holder_end(struct holder *h, int sig)
{
	if (sig)
		kill(h->pid, sig);
	else
		CHECK(write(h->cmd, "x", 1) == 1, "tell holder to exit: %s", errname(errno));
	int st;
	CHECK(waitpid(h->pid, &st, 0) == h->pid, "waitpid holder: %s", errname(errno));
	if (sig)
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == sig, "holder did not die of signal %d", sig);
	else
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "holder exit status 0x%x", st);
	close(h->cmd);
	close(h->rep);
	return 0;
}

static int exit_with_maps(int sig)
{
	struct granter g;
	struct holder h;
	STEP(sc_share(&g, 5, 1, 110));
	STEP(holder_start(&h, &g, 3, 110, -1));
	STEP(xen_expect_mapped(g.refs, 5, "holder alive with 3 raw + 2 libxengnttab pages"));
	STEP(holder_end(&h, sig));
	/* the grants still exist (we hold them); only the mappings must be gone */
	STEP(xen_expect_unmapped(g.refs, 5, "after holder exit"));
	granter_release(&g);
	return 0;
}

SCENARIO("exit-with-live-maps", SC_MAPS,
	 "a process exiting with live raw and libxengnttab mappings releases them all")
{
	return exit_with_maps(0);
}

SCENARIO("kill-with-live-maps", SC_MAPS,
	 "a process SIGKILLed with live mappings releases them all")
{
	return exit_with_maps(SIGKILL);
}

/* Closing the gntdev fd while mmapped keeps the mapping; munmap releases. */
SCENARIO("close-fd-before-munmap", SC_MAPS,
	 "closing the gntdev fd keeps an mmapped map usable; its munmap releases it")
{
	struct sc_map s;
	long ps = pagesz();
	STEP(sc_setup(&s, 2, 120, "mapped"));
	CHECK(close(s.fd) == 0, "close: %s", errname(errno));
	STEP(check_pattern(s.m, 120, 0, 2, "after close(fd)"));
	s.m[ps + 77] = 0x5a;
	STEP(sc_granter_sees(&s.g, ps + 77, 0x5a, "write after close(fd) not seen by granter"));
	STEP(xen_expect_mapped(s.g.refs, 2, "after close(fd), still mmapped"));
	CHECK(munmap(s.m, 2 * ps) == 0, "munmap: %s", errname(errno));
	STEP(xen_expect_unmapped(s.g.refs, 2, "after munmap of the last user"));
	granter_release(&s.g);
	return 0;
}

/* Closing the fd with maps created but never mmapped leaves nothing behind. */
SCENARIO("close-fd-with-unmmapped-maps", SC_MAPS,
	 "closing the fd with maps that were never (or no longer) mmapped leaves nothing mapped")
{
	int fd;
	struct granter g;
	STEP(sc_open(&fd));
	STEP(sc_share(&g, 3, 1, 130));
	uint64_t i1, i2;
	int rc = gd_map(fd, T->granter, g.refs, 2, &i1);
	CHECK(rc == 0, "MAP 1: %s", errname(rc));
	rc = gd_map(fd, T->granter, g.refs + 2, 1, &i2);
	CHECK(rc == 0, "MAP 2: %s", errname(rc));
	/* and one mmapped map, to have something for the sanity check */
	uint8_t *m = gd_mmap(fd, i2, 1, PROT_READ);
	CHECK(m, "mmap map 2: %s", errname(errno));
	STEP(xen_expect_mapped(g.refs + 2, 1, "map 2 mmapped"));
	CHECK(munmap(m, pagesz()) == 0, "munmap: %s", errname(errno));
	CHECK(close(fd) == 0, "close: %s", errname(errno));
	STEP(xen_expect_unmapped(g.refs, 3, "after close"));
	granter_release(&g);
	return 0;
}

/* UNMAP_NOTIFY_CLEAR_BYTE: the byte is cleared in the granted page when
 * the mapping goes away, both on munmap+UNMAP and on process exit. */
SCENARIO("unmap-notify-clear-byte", SC_MAPS,
	 "UNMAP_NOTIFY_CLEAR_BYTE zeroes exactly that byte on munmap+UNMAP; unknown index ENOENT")
{
	struct sc_map s;
	long ps = pagesz();
	STEP(sc_setup(&s, 2, 140, "mapped"));
	int off = ps + 321;   /* second page, odd offset */
	s.m[off] = 0xff;
	int rc = gd_set_unmap_notify(s.fd, s.index + off, UNMAP_NOTIFY_CLEAR_BYTE, 0);
	if (rc == -ENOTTY)
		skip("IOCTL_GNTDEV_SET_UNMAP_NOTIFY not implemented (ENOTTY)");
	CHECK(rc == 0, "SET_UNMAP_NOTIFY(CLEAR_BYTE): %s", errname(rc));
	STEP(sc_granter_sees(&s.g, off, 0xff, "byte not 0xff before unmap"));
	CHECK(munmap(s.m, 2 * ps) == 0, "munmap: %s", errname(errno));
	rc = gd_unmap(s.fd, s.index, 2);
	CHECK(rc == 0, "UNMAP: %s", errname(rc));
	STEP(xen_expect_unmapped(s.g.refs, 2, "after munmap+UNMAP"));
	STEP(sc_granter_sees(&s.g, off, 0, "the notify byte after unmap"));
	STEP(sc_granter_sees(&s.g, off - 1, pattern_byte(140, 1, 320), "the byte before it"));
	STEP(sc_granter_sees(&s.g, off + 1, pattern_byte(140, 1, 322), "the byte after it"));
	/* unknown index -> ENOENT, bad action -> EINVAL (upstream) */
	rc = gd_set_unmap_notify(s.fd, s.index + 64 * ps, UNMAP_NOTIFY_CLEAR_BYTE, 0);
	CHECK(rc == -ENOENT, "SET_UNMAP_NOTIFY on unknown index: %s, want ENOENT", errname(rc));
	close(s.fd);
	granter_release(&s.g);
	return 0;
}

SCENARIO("unmap-notify-on-kill", SC_MAPS,
	 "UNMAP_NOTIFY_CLEAR_BYTE zeroes the byte when the mapping process is killed")
{
	struct granter g;
	struct holder h;
	STEP(sc_share(&g, 1, 1, 150));
	STEP(holder_start(&h, &g, 1, 150, 200));
	STEP(xen_expect_mapped(g.refs, 1, "holder alive"));
	STEP(sc_granter_sees(&g, 200, 0xff, "holder's write of the notify byte not seen"));
	STEP(holder_end(&h, SIGKILL));
	STEP(xen_expect_unmapped(g.refs, 1, "after holder killed"));
	STEP(sc_granter_sees(&g, 200, 0, "the notify byte after the holder died"));
	granter_release(&g);
	return 0;
}
