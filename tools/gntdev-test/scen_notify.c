/*
 * Unmap notification with a real event channel, the way libxenvchan uses
 * it: the granting side owns an unbound port, the mapping side binds an
 * interdomain port to it and arms CLEAR_BYTE | SEND_EVENT on the mapped
 * page.  When the event arrives, the granting side must already read the
 * byte as 0, however the mapping side went away.
 */
#include "runner.h"
#include "scen_common.h"

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

/* Wait for an event on the granter's port; 1 with evidence if none. */
static int wait_event(xenevtchn_handle *xce, evtchn_port_t gport, int timeout_ms,
		      const char *when)
{
	struct pollfd p = { .fd = xenevtchn_fd(xce), .events = POLLIN };
	int pr = poll(&p, 1, timeout_ms);
	CHECK(pr == 1, "%s: no event within %d ms", when, timeout_ms);
	xenevtchn_port_or_error_t port = xenevtchn_pending(xce);
	CHECK(port >= 0, "%s: xenevtchn_pending: %s", when, strerror(errno));
	xenevtchn_unmask(xce, port);
	CHECK((evtchn_port_t)port == gport, "%s: event on port %d, want %u", when, port, gport);
	return 0;
}

static int sc_notify_event(void)
{
	xenevtchn_handle *xce = xenevtchn_open(note_logger(), 0);
	if (!xce)
		skip("xenevtchn_open: %s (xen-evtchn not loaded?)", strerror(errno));
	xenevtchn_port_or_error_t gport = xenevtchn_bind_unbound_port(xce, T->mapdom);
	CHECK(gport >= 0, "bind_unbound_port(d%u): %s", T->mapdom, strerror(errno));
	struct granter g;
	long ps = pagesz();
	STEP(sc_share(&g, 1, 1, 290));
	volatile uint8_t *page = g.pages;
	int per_variant[NOTIFY_VARIANTS] = { 0 };

	for (int i = 0; i < NOTIFY_ITERS; i++) {
		int variant = i % NOTIFY_VARIANTS;
		long off = (i * 521L + 7) % ps;
		char when[96];
		snprintf(when, sizeof(when), "iteration %d (%s, byte %ld)", i,
			 variant_name[variant], off);
		struct sc_kid k;
		int child = sc_fork_kid(&k);
		if (child < 0)
			return 1;
		if (child == 0)
			mapper(&g, gport, off, variant, &k);
		char c = 0;
		STEP(sc_get_byte(k.rep, &c, 10000, "mapper"));
		if (c == 'T') {
			waitpid(k.pid, NULL, 0);
			skip("IOCTL_GNTDEV_SET_UNMAP_NOTIFY not implemented (ENOTTY)");
		}
		CHECK(c == 'R', "%s: mapper failed to arm the notification", when);
		CHECK(page[off] == 0xff, "%s: mapper's 0xff not seen by the granter (0x%02x)",
		      when, page[off]);
		if (i == 0)
			STEP(xen_expect_mapped(g.refs, 1, when));
		struct pollfd ep = { .fd = xenevtchn_fd(xce), .events = POLLIN };
		CHECK(poll(&ep, 1, 0) == 0, "%s: event arrived before the mapping went away", when);

		CHECK(write(k.cmd, "g", 1) == 1, "pipe write: %s", errname(errno));
		if (variant == 4)
			kill(k.pid, SIGKILL);
		STEP(wait_event(xce, gport, EVENT_WAIT_MS, when));
		uint8_t b = page[off];
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
			CHECK(page[off - 1] == pattern_byte(290, 0, off - 1),
			      "%s: the byte before the notify byte changed", when);
		page[off] = pattern_byte(290, 0, off);   /* for the next mapper's check */
		sc_kid_close(&k);
		per_variant[variant]++;
	}
	note("%d iterations: %d/%d/%d/%d/%d per teardown variant", NOTIFY_ITERS, per_variant[0],
	     per_variant[1], per_variant[2], per_variant[3], per_variant[4]);
	struct pollfd ep = { .fd = xenevtchn_fd(xce), .events = POLLIN };
	CHECK(poll(&ep, 1, 200) == 0, "an extra event arrived after the last iteration");
	STEP(xen_expect_unmapped(g.refs, 1, "after all iterations"));
	xenevtchn_unbind(xce, gport);
	xenevtchn_close(xce);
	granter_release(&g);
	return 0;
}

const struct scenario scen_notify[] = {
	{ "unmap-notify-event-order",
	  "200 times, over 5 teardown orders (munmap/UNMAP/close/exit/SIGKILL): "
	  "CLEAR_BYTE|SEND_EVENT on a real event channel delivers exactly one event, "
	  "only after the mapping went away, with the byte already 0",
	  sc_notify_event, SC_MAPS },
	{ NULL, NULL, NULL, 0 },
};
