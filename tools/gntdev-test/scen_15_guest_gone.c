/*
 * The granter goes away while dom0 maps its pages: `xl destroy`, a kernel
 * crash, or the agent revoking (closing its gntalloc) with everything
 * live.  Each scenario starts a granter of its own (a second domU from the
 * run's granter configuration, so the run's granter stays), and holds its
 * pages four ways at once: a plain mapping, a page pinned by vmsplice, a
 * page with CLEAR_BYTE | SEND_EVENT armed on the granter's port, and a
 * page that a thread keeps grant-copying from.
 *
 * dom0 must survive, the mapping must keep reading what the granter last
 * wrote until dom0 lets go, a destroyed domain must stay dying while mapped
 * and be gone within seconds of the last unmap (no zombie), and a revoked
 * grant must leave Xen's table once dom0 unmaps it.
 */
#include <xenctrl.h>    /* first: it sets up the Xen headers the others include */

#include "agent.h"
#include "clock.h"
#include "domain.h"
#include "errname.h"
#include "evidence.h"
#include "note_logger.h"
#include "pattern_check.h"
#include "scen_common.h"
#include "scenario.h"
#include "xen_expect.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenevtchn.h>

#include <xen/gntdev.h>

#define GONE_SEED      430
#define GONE_PAGES     4        /* plain, pinned, notify, copy source */
#define AGENT_UP_MS    120000   /* a domU's boot under TCG */
#define DYING_MS       10000    /* destroy/crash to a dying domain */
#define GONE_MS        10000    /* last unmap to no domain at all */

enum cause { DESTROY, CRASH, REVOKE };
static const char *const cause_name[] = { "destroy", "crash", "revoke" };

/* Tries at starting a domU: under TCG a dom0 process started while a
 * guest boots sometimes dies of a lost TLS base (xl among them). */
#define CREATE_TRIES   3

/* Start argv with its output (and, if 'quiet', its errors) discarded; its
 * pid, or -1. */
static pid_t spawn(char *const argv[], int quiet)
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		if (quiet)
			dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Run argv; 0 if it exited 0, else 1 with evidence. */
static int run_cmd(char *const argv[])
{
	int st;
	pid_t pid = spawn(argv, 0);
	CHECK(pid >= 0, "fork: %s", errname(errno));
	STEP(sc_wait(pid, &st, AGENT_UP_MS, argv[0]));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s %s: exit status 0x%x", argv[0], argv[1],
	      st);
	return 0;
}

/* The state Xen gives domain d: 0 gone, 1 running, 2 dying; -1 no answer. */
static int dom_state(xc_interface *xch, uint32_t d)
{
	xc_dominfo_t info;
	int n = xc_domain_getinfo(xch, d, 1, &info);
	if (n < 0 && errno == ESRCH)   /* no domain from d on */
		return 0;
	if (n < 0)
		return -1;
	if (n == 0 || info.domid != d)
		return 0;
	return info.dying ? 2 : 1;
}

/* Wait up to ms for domain d to reach 'want' (see dom_state). */
static int dom_wait(xc_interface *xch, uint32_t d, int want, long ms, const char *when)
{
	long t0 = mono_ms();
	int s;
	while ((s = dom_state(xch, d)) != want && mono_ms() - t0 < ms)
		msleep(20);
	static const char *const name[] = { "gone", "running", "dying" };
	CHECK(s == want, "%s: d%u is %s after %ld ms, want %s", when, d,
	      s < 0 ? "unknown (getinfo failed)" : name[s], mono_ms() - t0, name[want]);
	note("%s: d%u %s after %ld ms", when, d, name[want], mono_ms() - t0);
	return 0;
}

/* Destroy the domU called 'name' if there is one; quietly. */
static void victim_destroy(const char *name)
{
	char *destroy[] = { "xl", "destroy", (char *)name, NULL };
	pid_t pid = spawn(destroy, 1);
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* Start a granter domU called 'name'; its domid once its agent listens. */
static int victim_start(const char *name, uint32_t *domid)
{
	char assign[64], err[256];
	snprintf(assign, sizeof(assign), "name=\"%s\"", name);
	char *create[] = { "xl", "create", "-q", (char *)T->granter_config, assign, NULL };
	int rc = 1;
	for (int i = 0; i < CREATE_TRIES && rc; i++) {
		if (i) {
			note("xl create %s failed; destroying what it left and trying again", name);
			victim_destroy(name);
		}
		rc = run_cmd(create);
	}
	if (rc)
		return 1;
	int d = agent_wait(name, AGENT_UP_MS, err, sizeof(err));
	CHECK(d > 0, "granter %s: %s", name, err);
	*domid = d;
	return 0;
}

struct copier {
	pthread_t thread;
	int fd;
	uint32_t dom, ref;
	atomic_int stop;
	atomic_long ok, refused, errors;
};

/* GRANT_COPY from the copy page until told to stop. */
static void *copy_loop(void *arg)
{
	struct copier *c = arg;
	uint8_t buf[64];
	while (!atomic_load(&c->stop)) {
		struct gntdev_grant_copy_segment seg = {
			.source.foreign = { .ref = c->ref, .offset = 0, .domid = c->dom },
			.dest.virt = buf, .len = sizeof(buf), .flags = GNTCOPY_source_gref,
		};
		struct ioctl_gntdev_grant_copy op = { .count = 1, .segments = &seg };
		if (gd_ioctl(c->fd, IOCTL_GNTDEV_GRANT_COPY, &op))
			atomic_fetch_add(&c->errors, 1);
		else if (seg.status)
			atomic_fetch_add(&c->refused, 1);
		else
			atomic_fetch_add(&c->ok, 1);
		sched_yield();
	}
	return NULL;
}

/* The cause, as the granter (or the toolstack) would bring it about. */
static int go_away(enum cause cause, const char *name, uint32_t d)
{
	char out[256];
	char *destroy[] = { "xl", "destroy", (char *)name, NULL };
	switch (cause) {
	case DESTROY:
		return run_cmd(destroy);
	case CRASH:
		/* no answer comes from a crashed kernel */
		if (agent_call(d, out, sizeof(out), "crash") == 0)
			CHECK(0, "d%u survived its crash", d);
		return 0;
	default:
		CHECK(!agent_call(d, out, sizeof(out), "revoke"), "d%u revoke: %s", d, out);
		return 0;
	}
}

static int gone_with(enum cause cause, const char *name, xc_interface *xch)
{
	char err[256];
	long ps = pagesz();
	uint32_t d;
	STEP(victim_start(name, &d));
	T->granter = d;         /* the Xen checks below are about the victim */

	struct granter g;
	STEP(sc_share(&g, GONE_PAGES, 1, GONE_SEED));
	int fd;
	uint64_t index;
	uint8_t *m;
	STEP(sc_open(&fd));
	STEP(sc_map_mmap(fd, &g, GONE_SEED, PROT_READ | PROT_WRITE, &index, &m));

	int p[2];
	CHECK(pipe(p) == 0, "pipe: %s", errname(errno));
	struct iovec iov = { m + ps, ps };
	CHECK(vmsplice(p[1], &iov, 1, 0) == ps, "vmsplice: %s", errname(errno));

	xenevtchn_handle *xce = xenevtchn_open(note_logger(), 0);
	CHECK(xce, "xenevtchn_open: %s", errname(errno));
	int gport = agent_port(d, err, sizeof(err));
	CHECK(gport >= 0, "%s", err);
	xenevtchn_port_or_error_t lport = xenevtchn_bind_interdomain(xce, d, gport);
	CHECK(lport >= 0, "bind_interdomain(d%u, %d): %s", d, gport, errname(errno));
	m[2 * ps + 9] = 0xff;
	int rc = gd_set_unmap_notify(fd, index + 2 * ps + 9,
				     UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT, lport);
	CHECK(rc == 0, "SET_UNMAP_NOTIFY: %s", errname(rc));

	STEP(xen_expect_mapped(g.refs, GONE_PAGES, "everything mapped"));
	/* started only now: Xen answers its dump key slowly under a copy storm */
	struct copier c = { .fd = fd, .dom = d, .ref = g.refs[3] };
	CHECK(pthread_create(&c.thread, NULL, copy_loop, &c) == 0, "pthread_create failed");
	msleep(200);
	long ok_before = atomic_load(&c.ok);
	CHECK(ok_before > 0, "no grant copy succeeded before the granter went");

	STEP(go_away(cause, name, d));
	if (cause != REVOKE)
		STEP(dom_wait(xch, d, 2, DYING_MS, "after the granter went, dom0 still mapping"));
	msleep(500);
	atomic_store(&c.stop, 1);
	pthread_join(c.thread, NULL);
	note("grant copies: %ld ok before, %ld ok in all, %ld refused per segment, %ld ioctl "
	     "errors", ok_before, atomic_load(&c.ok), atomic_load(&c.refused),
	     atomic_load(&c.errors));
	if (cause != REVOKE)
		CHECK(atomic_load(&c.refused) + atomic_load(&c.errors) > 0,
		      "grant copies from a dying domain all succeeded");

	/* the view stays consistent until dom0 lets go */
	for (int k = 0; k < GONE_PAGES; k++) {
		char what[64];
		snprintf(what, sizeof(what), "page %d after the granter went", k);
		uint8_t save = m[2 * ps + 9];
		if (k == 2)
			m[2 * ps + 9] = pattern_byte(GONE_SEED, 2, 9);
		STEP(check_pattern(m + k * ps, GONE_SEED, k, 1, what));
		m[2 * ps + 9] = save;
	}
	STEP(xen_expect_mapped(g.refs, GONE_PAGES, "after the granter went"));

	CHECK(munmap(m, GONE_PAGES * ps) == 0, "munmap: %s", errname(errno));
	CHECK(gd_unmap(fd, index, GONE_PAGES) == 0, "UNMAP failed");
	close(fd);
	uint8_t *buf = malloc(ps);
	CHECK(buf && read(p[0], buf, ps) == ps, "draining the pipe: %s", errname(errno));
	CHECK(!check_pattern(buf, GONE_SEED, 1, 1, "the pinned page, drained"), "see above");
	free(buf);
	close(p[0]);
	close(p[1]);
	xenevtchn_close(xce);

	if (cause == REVOKE) {
		STEP(xen_wait_unmapped(g.refs, GONE_PAGES, GONE_MS, "revoked, dom0 let go"));
		char *destroy[] = { "xl", "destroy", (char *)name, NULL };
		STEP(run_cmd(destroy));
	}
	STEP(dom_wait(xch, d, 0, GONE_MS, "after dom0's last unmap"));
	free(g.refs);           /* the granter is gone: nothing to unshare */
	return 0;
}

static int guest_gone(enum cause cause)
{
	char name[32];
	if (!T->granter)
		skip("needs a granter domU (--granter)");
	if (!T->granter_config)
		skip("needs the granter's xl configuration (--granter-config)");
	snprintf(name, sizeof(name), "gone-%s", cause_name[cause]);
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	CHECK(xch, "xc_interface_open: %s", errname(errno));
	int rc = gone_with(cause, name, xch);
	if (rc)                 /* leave no domU behind for the next scenario */
		victim_destroy(name);
	xc_interface_close(xch);
	return rc;
}

SCENARIO_TIMEOUT("guest-destroyed-while-mapped", SC_MAPS, 300,
	         "xl destroy of a granter domU while dom0 maps its pages (plain, vmsplice-pinned, "
	         "unmap notify armed, grant copy in flight): dom0 survives, its view stays "
	         "consistent, the domain stays dying until the last unmap and is gone within 10 s "
	         "of it")
{
	return guest_gone(DESTROY);
}

SCENARIO_TIMEOUT("guest-crashed-while-mapped", SC_MAPS, 300,
	         "the same when the granter's kernel crashes (on_crash=destroy)")
{
	return guest_gone(CRASH);
}

SCENARIO_TIMEOUT("guest-revokes-while-mapped", SC_MAPS, 300,
	         "the same when the granter revokes (closes its gntalloc) while mapped: dom0's view "
	         "stays, and its grants leave Xen's table once dom0 unmaps")
{
	return guest_gone(REVOKE);
}
