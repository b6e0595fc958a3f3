/*
 * Unmap notification with a real event channel, the way libxenvchan uses
 * it: the granting side owns an unbound port, the mapping side binds an
 * interdomain port to it and arms CLEAR_BYTE | SEND_EVENT on the mapped
 * page.  When the event arrives, the granting side must already read the
 * byte as 0, however the mapping side went away.
 *
 * The granting side is this process for self grants, and the granter
 * agent for a foreign granter: it notes the byte as each event arrives.
 */
#include "agent.h"
#include "clock.h"
#include "domain.h"
#include "errname.h"
#include "evidence.h"
#include "note_logger.h"
#include "scen_common.h"
#include "scenario.h"
#include "xen_expect.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenevtchn.h>

#include <xen/gntdev.h>

#define NOTIFY_ITERS     200
#define NOTIFY_VARIANTS  5
#define EVENT_WAIT_MS    5000
/* iterations (from the first) on which Xen is asked, when the event
 * arrives, whether the grant is still mapped */
#define NOTIFY_XEN_CHECKS 10

static const char *const variant_name[NOTIFY_VARIANTS] = {
	"munmap, UNMAP, close",
	"UNMAP, munmap",
	"close, munmap",
	"exit with everything live",
	"SIGKILL with everything live",
};

/*
 * The mapping side, one process per iteration: binds to the granter's
 * port, maps the page, sets the byte at 'off' to 0xff through the mapping,
 * arms the notification, says 'R' (or 'T': no SET_UNMAP_NOTIFY), waits
 * for 'g', then goes away as 'variant' says.
 */
static _Noreturn void mapper(struct granter *g, evtchn_port_t gport, long off, int variant,
			     struct sc_kid *k)
{
	char c = 'F';
	int fd = -1;
	uint64_t index = 0;
	uint8_t *m = NULL;
	long ps = pagesz();
	xenevtchn_handle *xce = xenevtchn_open(note_logger(), 0);
	if (!xce) {
		ev("mapper: xenevtchn_open: %s", strerror(errno));
		goto out;
	}
	xenevtchn_port_or_error_t lport = xenevtchn_bind_interdomain(xce, T->granter, gport);
	if (lport < 0) {
		ev("mapper: bind_interdomain(d%u, port %u): %s", T->granter, gport,
		   strerror(errno));
		goto out;
	}
	if (sc_open(&fd) || sc_map_mmap(fd, g, 290, PROT_READ | PROT_WRITE, &index, &m))
		goto out;
	m[off] = 0xff;
	int rc = gd_set_unmap_notify(fd, index + off,
				     UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT, lport);
	if (rc == -ENOTTY) {
		c = 'T';
		goto out;
	}
	if (rc) {
		ev("mapper: SET_UNMAP_NOTIFY(CLEAR_BYTE|SEND_EVENT, port %d): %s", lport,
		   errname(rc));
		goto out;
	}
	c = 'R';
out:
	sc_kid_ready(k, c);
	switch (variant) {
	case 0:
		munmap(m, ps);
		gd_unmap(fd, index, 1);
		close(fd);
		break;
	case 1:
		gd_unmap(fd, index, 1);
		munmap(m, ps);
		break;
	case 2:
		close(fd);
		munmap(m, ps);
		break;
	case 3:
		break;
	default:
		pause();    /* SIGKILLed by the granting side */
	}
	_exit(0);
}

/*
 * The granting side's end of the event channel.  Self: our own unbound
 * port, read here.  Foreign: the agent's port; the agent counts the events
 * and notes the watched byte as the first one arrives.
 */
struct gside {
	struct granter *g;
	xenevtchn_handle *xce;     /* self only */
	evtchn_port_t port;
	long off;                  /* the byte armed this iteration */
};

static int gside_open(struct gside *gs, struct granter *g)
{
	char err[256];
	gs->g = g;
	if (g->owner) {
		int port = agent_port(g->owner, err, sizeof(err));
		CHECK(port >= 0, "%s", err);
		gs->port = port;
		return 0;
	}
	gs->xce = xenevtchn_open(note_logger(), 0);
	if (!gs->xce)
		skip("xenevtchn_open: %s (xen-evtchn not loaded?)", strerror(errno));
	xenevtchn_port_or_error_t port = xenevtchn_bind_unbound_port(gs->xce, T->mapdom);
	CHECK(port >= 0, "bind_unbound_port(d%u): %s", T->mapdom, strerror(errno));
	gs->port = port;
	return 0;
}

static void gside_close(struct gside *gs)
{
	if (!gs->xce)
		return;
	xenevtchn_unbind(gs->xce, gs->port);
	xenevtchn_close(gs->xce);
}

/* The agent's event count, the byte at the first event, the byte now. */
static int agent_events(struct gside *gs, long *count, int *first, const char *when)
{
	char out[128];
	int now;
	CHECK(!agent_call(gs->g->owner, out, sizeof(out), "events"), "%s: events: %s", when,
	      out);
	CHECK(sscanf(out, "%ld %d %d", count, first, &now) == 3, "%s: events said '%s'", when,
	      out);
	return 0;
}

/* Watch byte 'off' from now on (foreign: counters start again). */
static int gside_arm(struct gside *gs, long off, const char *when)
{
	char out[128];
	gs->off = off;
	if (gs->g->owner)
		CHECK(!agent_call(gs->g->owner, out, sizeof(out), "watch %d %ld", gs->g->id, off),
		      "%s: watch: %s", when, out);
	return 0;
}

/* No event may have arrived yet. */
static int gside_quiet(struct gside *gs, const char *when)
{
	long count;
	int first;
	if (!gs->g->owner) {
		struct pollfd ep = { .fd = xenevtchn_fd(gs->xce), .events = POLLIN };
		CHECK(poll(&ep, 1, 0) == 0, "%s: event arrived before the mapping went away",
		      when);
		return 0;
	}
	STEP(agent_events(gs, &count, &first, when));
	CHECK(count == 0, "%s: %ld event(s) arrived before the mapping went away", when, count);
	return 0;
}

/* Wait for the event; *byte is the armed byte as the granting side read
 * it when the event arrived. */
static int gside_wait(struct gside *gs, int timeout_ms, uint8_t *byte, const char *when)
{
	long count = 0, t0 = mono_ms();
	int first = -1;
	if (!gs->g->owner) {
		struct pollfd p = { .fd = xenevtchn_fd(gs->xce), .events = POLLIN };
		int pr = poll(&p, 1, timeout_ms);
		CHECK(pr == 1, "%s: no event within %d ms", when, timeout_ms);
		xenevtchn_port_or_error_t port = xenevtchn_pending(gs->xce);
		CHECK(port >= 0, "%s: xenevtchn_pending: %s", when, strerror(errno));
		xenevtchn_unmask(gs->xce, port);
		CHECK((evtchn_port_t)port == gs->port, "%s: event on port %d, want %u", when,
		      port, gs->port);
		return granter_byte(gs->g, gs->off, byte);
	}
	while (count == 0 && mono_ms() - t0 < timeout_ms) {
		STEP(agent_events(gs, &count, &first, when));
		if (!count)
			msleep(2);
	}
	CHECK(count > 0, "%s: no event reached d%u within %d ms", when, gs->g->owner,
	      timeout_ms);
	*byte = (uint8_t)first;
	return 0;
}

/* Exactly one event came (self: nothing more within 'ms'). */
static int gside_once(struct gside *gs, int ms, const char *when)
{
	long count;
	int first;
	if (!gs->g->owner) {
		struct pollfd ep = { .fd = xenevtchn_fd(gs->xce), .events = POLLIN };
		CHECK(poll(&ep, 1, ms) == 0, "%s: an extra event arrived", when);
		return 0;
	}
	STEP(agent_events(gs, &count, &first, when));
	CHECK(count == 1, "%s: d%u saw %ld events, want 1", when, gs->g->owner, count);
	return 0;
}

/*
 * 'iters' rounds (--iterations overrides), each with a fresh mapper that
 * goes away as variant 'only' says, or in turn through all of them (-1).
 */
static int notify_rounds(int iters, int only)
{
	struct granter g;
	struct gside gs = { 0 };
	long ps = pagesz();
	STEP(sc_share(&g, 1, 1, 290));
	STEP(gside_open(&gs, &g));
	int per_variant[NOTIFY_VARIANTS] = { 0 };
	if (T->iterations)
		iters = (int)T->iterations;

	for (int i = 0; i < iters; i++) {
		int variant = only >= 0 ? only : i % NOTIFY_VARIANTS;
		long off = (i * 521L + 7) % ps;
		char when[96];
		snprintf(when, sizeof(when), "iteration %d (%s, byte %ld)", i,
			 variant_name[variant], off);
		STEP(gside_arm(&gs, off, when));
		struct sc_kid k;
		int child = sc_fork_kid(&k);
		if (child < 0)
			return 1;
		if (child == 0)
			mapper(&g, gs.port, off, variant, &k);
		char c = 0;
		STEP(sc_get_byte(k.rep, &c, 10000, "mapper"));
		if (c == 'T') {
			waitpid(k.pid, NULL, 0);
			skip("IOCTL_GNTDEV_SET_UNMAP_NOTIFY not implemented (ENOTTY)");
		}
		CHECK(c == 'R', "%s: mapper failed to arm the notification", when);
		STEP(sc_granter_sees(&g, off, 0xff, when));
		if (i == 0)
			STEP(xen_expect_mapped(g.refs, 1, when));
		STEP(gside_quiet(&gs, when));

		CHECK(write(k.cmd, "g", 1) == 1, "pipe write: %s", errname(errno));
		if (variant == 4)
			kill(k.pid, SIGKILL);
		uint8_t b;
		STEP(gside_wait(&gs, EVENT_WAIT_MS, &b, when));
		CHECK(b == 0, "%s: event arrived while the byte was still 0x%02x", when, b);
		if (i < NOTIFY_XEN_CHECKS)
			STEP(xen_expect_unmapped(g.refs, 1, when));
		int st;
		STEP(sc_wait(k.pid, &st, 10000, "mapper"));
		if (variant == 4)
			CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
			      "%s: mapper status 0x%x, want SIGKILL", when, st);
		else
			CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: mapper status 0x%x",
			      when, st);
		if (off > 0)
			STEP(sc_granter_sees(&g, off - 1, pattern_byte(290, 0, off - 1),
					     "the byte before the notify byte"));
		b = pattern_byte(290, 0, off);   /* for the next mapper's check */
		STEP(granter_write(&g, off, &b, 1));
		if (g.owner)
			STEP(gside_once(&gs, 0, when));
		sc_kid_close(&k);
		per_variant[variant]++;
		if ((i + 1) % 500 == 0)     /* a soak cut short still says how far */
			note("%d rounds done, none lost", i + 1);
	}
	note("%d iterations: %d/%d/%d/%d/%d per teardown variant", iters, per_variant[0],
	     per_variant[1], per_variant[2], per_variant[3], per_variant[4]);
	if (!g.owner)
		STEP(gside_once(&gs, 200, "after the last iteration"));
	STEP(xen_expect_unmapped(g.refs, 1, "after all iterations"));
	gside_close(&gs);
	granter_release(&g);
	return 0;
}

SCENARIO_TIMEOUT("unmap-notify-event-order", SC_MAPS, 120,
	         "200 times, over 5 teardown orders (munmap/UNMAP/close/exit/SIGKILL): "
	         "CLEAR_BYTE|SEND_EVENT on a real event channel delivers exactly one event, "
	         "only after the mapping went away, with the byte already 0")
{
	return notify_rounds(NOTIFY_ITERS, -1);
}

SCENARIO_TIMEOUT("unmap-notify-kills", SC_MAPS, 120,
	         "200 times (--iterations for soak runs), the mapper is SIGKILLed with the mapping, "
	         "CLEAR_BYTE|SEND_EVENT armed and everything live: exactly one event each time, with "
	         "the byte already 0")
{
	return notify_rounds(NOTIFY_ITERS, NOTIFY_VARIANTS - 1);
}
