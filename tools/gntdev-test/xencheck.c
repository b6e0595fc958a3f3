/*
 * Xen-side grant-table check.
 *
 * Xen 4.17's 'g' debug key (gnttab_usage_print_all) prints, for every
 * domain, something like:
 *
 *   (XEN) gnttab_usage_print_all [ key 'g' pressed
 *   (XEN)       -------- active --------       -------- shared --------
 *   (XEN) [ref] localdom mfn      pin          localdom gmfn     flags
 *   (XEN) grant-table for remote d0 (v1)
 *   (XEN)   1 frames (64 max), 1 maptrack frames (1024 max)
 *   (XEN) [0x008]      0 0x767ce 0x00000002          0 0x0767ce 0x19
 *   (XEN) no active grant table entries          <- when none
 *   (XEN) gnttab_usage_print_all ] done
 *
 * Only entries with a non-zero pin (i.e. currently mapped or copied) are
 * listed.  We send the key with xc_send_debug_keys() and read the console
 * ring incrementally (keeping Xen's index) so that only new output is parsed.
 */
#include "xencheck.h"
#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>

#define START_MARK "gnttab_usage_print_all ["
#define END_MARK   "gnttab_usage_print_all ]"
#define MAX_OTHER  64

struct xcheck {
	xc_interface *xch;
	unsigned int idx;          /* console ring read position */
	char *buf;                 /* accumulated unparsed text */
	size_t len, cap;
	char *last_dump;
	char *other[MAX_OTHER];    /* ring of non-dump lines */
	size_t nother;
	int in_foreign_dump;
	int debug;                 /* banner_debug() of the ring's history */
};

static int grow(struct xcheck *xc, size_t need)
{
	if (xc->len + need + 1 <= xc->cap)
		return 0;
	size_t ncap = xc->cap ? xc->cap : 65536;
	while (ncap < xc->len + need + 1)
		ncap *= 2;
	char *nb = realloc(xc->buf, ncap);
	if (!nb)
		return -1;
	xc->buf = nb;
	xc->cap = ncap;
	return 0;
}

/* Read everything new from the console ring into xc->buf. */
static int pull(struct xcheck *xc)
{
	enum { CHUNK = 1 << 20 };
	for (;;) {
		if (grow(xc, CHUNK))
			return -1;
		unsigned int n = CHUNK;
		if (xc_readconsolering(xc->xch, xc->buf + xc->len, &n, 0, 1, &xc->idx))
			return -1;
		xc->len += n;
		xc->buf[xc->len] = '\0';
		if (n < CHUNK)
			return 0;
	}
}

static void add_other(struct xcheck *xc, const char *line, size_t n)
{
	if (n == 0)
		return;
	if (xc->nother == MAX_OTHER) {
		free(xc->other[0]);
		memmove(xc->other, xc->other + 1, sizeof(xc->other[0]) * (MAX_OTHER - 1));
		xc->nother--;
	}
	xc->other[xc->nother++] = strndup(line, n);
}

/* What Xen's banner ("Xen version ... debug=y ...") in text says of the
 * build: 1 debug, 0 release, -1 no banner (the ring has wrapped). */
static int banner_debug(const char *text)
{
	const char *v = strstr(text, "Xen version ");
	if (!v)
		return -1;
	const char *eol = strchr(v, '\n');
	const char *d = strstr(v, " debug=");
	if (!d || (eol && d > eol))
		return -1;
	return d[7] == 'y';
}

int xcheck_xen_debug(const struct xcheck *xc)
{
	return xc->debug;
}

struct xcheck *xcheck_open(char *err, size_t errlen)
{
	struct xcheck *xc = calloc(1, sizeof(*xc));
	if (!xc) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	xc->xch = xc_interface_open(NULL, NULL, 0);
	if (!xc->xch) {
		snprintf(err, errlen, "xc_interface_open: %s (not dom0? privcmd loaded?)",
			 strerror(errno));
		free(xc);
		return NULL;
	}
	if (pull(xc)) {
		snprintf(err, errlen, "xc_readconsolering: %s", strerror(errno));
		xcheck_close(xc);
		return NULL;
	}
	xc->debug = banner_debug(xc->buf);
	xc->len = 0;               /* discard history, keep the index */
	return xc;
}

void xcheck_close(struct xcheck *xc)
{
	if (!xc)
		return;
	if (xc->xch)
		xc_interface_close(xc->xch);
	xcheck_clear_other(xc);
	free(xc->buf);
	free(xc->last_dump);
	free(xc);
}

static int add_entry(struct gt_snap *s, const struct gt_entry *e)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		struct gt_entry *ne = realloc(s->e, nc * sizeof(*ne));
		if (!ne)
			return -1;
		s->e = ne;
		s->cap = nc;
	}
	s->e[s->n++] = *e;
	return 0;
}

/* Skip "(XEN)" and an optional "[timestamp]" prefix. */
static const char *strip_prefix(const char *l)
{
	const char *p = strstr(l, "(XEN)");
	if (p)
		l = p + 5;
	while (*l == ' ' || *l == '\t')
		l++;
	if (l[0] == '[' && strncmp(l, "[0x", 3) != 0 && strncmp(l, "[ref]", 5) != 0) {
		const char *q = strchr(l, ']');
		if (q) {
			l = q + 1;
			while (*l == ' ')
				l++;
		}
	}
	return l;
}

static int parse_dump(const char *text, struct gt_snap *out, char *err, size_t errlen)
{
	uint32_t granter = UINT32_MAX;
	const char *l = text;
	int saw_header = 0;

	while (*l) {
		const char *eol = strchr(l, '\n');
		size_t n = eol ? (size_t)(eol - l) : strlen(l);
		char line[512];
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, l, n);
		line[n] = '\0';
		const char *p = strip_prefix(line);
		unsigned d, v;
		struct gt_entry e = { 0 };
		unsigned long long mfn, gmfn;
		unsigned ref, mapdom, pin, sdom, flags;

		if (sscanf(p, "grant-table for remote d%u (v%u)", &d, &v) == 2) {
			granter = d;
			out->tables++;
		} else if (strncmp(p, "[ref]", 5) == 0) {
			saw_header = 1;
		} else if (sscanf(p, "[0x%x] %u 0x%llx 0x%x %u 0x%llx 0x%x",
				  &ref, &mapdom, &mfn, &pin, &sdom, &gmfn, &flags) == 7) {
			if (granter == UINT32_MAX) {
				snprintf(err, errlen, "entry before any table header: '%s'", p);
				return -1;
			}
			e.granter = granter;
			e.ref = ref;
			e.mapdom = mapdom;
			e.mfn = mfn;
			e.pin = pin;
			e.sdom = sdom;
			e.flags = flags;
			if (add_entry(out, &e)) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		} else if (strncmp(p, "[0x", 3) == 0) {
			snprintf(err, errlen, "unparsable active entry line: '%s'", p);
			return -1;
		}
		l = eol ? eol + 1 : l + strlen(l);
	}
	if (!saw_header || out->tables == 0) {
		snprintf(err, errlen, "dump has no column header or no grant tables "
			 "(format changed?)");
		return -1;
	}
	return 0;
}

int xcheck_snapshot(struct xcheck *xc, struct gt_snap *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (pull(xc)) {
		snprintf(err, errlen, "xc_readconsolering: %s", strerror(errno));
		return -1;
	}
	/* Anything before our request is "other" output. */
	size_t pre = 0;
	while (pre < xc->len) {
		char *line = xc->buf + pre;
		char *eol = memchr(line, '\n', xc->len - pre);
		if (!eol)
			break;
		size_t ll = eol - line;
		/* dumps requested by other processes (e.g. the scenario) are not
		 * interesting as "other" output */
		if (memmem(line, ll, START_MARK, strlen(START_MARK)))
			xc->in_foreign_dump = 1;
		if (!xc->in_foreign_dump)
			add_other(xc, line, ll);
		if (memmem(line, ll, END_MARK, strlen(END_MARK)))
			xc->in_foreign_dump = 0;
		pre = eol - xc->buf + 1;
	}
	memmove(xc->buf, xc->buf + pre, xc->len - pre);
	xc->len -= pre;
	xc->buf[xc->len] = '\0';

	if (xc_send_debug_keys(xc->xch, "g")) {
		snprintf(err, errlen, "xc_send_debug_keys('g'): %s", strerror(errno));
		return -1;
	}

	long t0 = mono_ms();
	char *start = NULL, *end = NULL;
	for (;;) {
		if (pull(xc)) {
			snprintf(err, errlen, "xc_readconsolering: %s", strerror(errno));
			return -1;
		}
		start = strstr(xc->buf, START_MARK);
		end = start ? strstr(start, END_MARK) : NULL;
		if (end && strchr(end, '\n'))
			break;
		if (mono_ms() - t0 > 10000) {
			snprintf(err, errlen, "no complete 'g' dump in Xen console within 10s "
				 "(%s; is the console ring large enough / loglvl filtering?)",
				 start ? "start marker seen, end missing" : "no start marker");
			return -1;
		}
		msleep(20);
	}
	char *endl = strchr(end, '\n') + 1;
	while (start > xc->buf && start[-1] != '\n')   /* keep the "(XEN)" prefix */
		start--;
	/* Keep the lines between the dump and any other text. */
	size_t dlen = endl - start;
	free(xc->last_dump);
	xc->last_dump = strndup(start, dlen);

	int rc = parse_dump(xc->last_dump, out, err, errlen);

	/* Text after the dump stays buffered as "other" on the next call. */
	size_t rest = xc->len - (endl - xc->buf);
	memmove(xc->buf, endl, rest);
	xc->len = rest;
	xc->buf[xc->len] = '\0';
	if (rc)
		gt_snap_free(out);
	return rc;
}

size_t xcheck_other_lines(struct xcheck *xc, const char ***lines)
{
	*lines = (const char **)xc->other;
	return xc->nother;
}

void xcheck_clear_other(struct xcheck *xc)
{
	for (size_t i = 0; i < xc->nother; i++)
		free(xc->other[i]);
	xc->nother = 0;
}

const char *xcheck_last_dump(struct xcheck *xc)
{
	return xc->last_dump ? xc->last_dump : "";
}

void gt_snap_free(struct gt_snap *s)
{
	free(s->e);
	memset(s, 0, sizeof(*s));
}

const struct gt_entry *gt_snap_find(const struct gt_snap *s, uint32_t granter,
				    uint32_t ref, uint32_t mapdom)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].granter == granter && s->e[i].ref == ref &&
		    s->e[i].mapdom == mapdom)
			return &s->e[i];
	return NULL;
}

size_t gt_snap_count(const struct gt_snap *s, uint32_t granter)
{
	size_t c = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].granter == granter)
			c++;
	return c;
}

static int pin_grew(uint32_t before, uint32_t now)
{
	for (int sh = 0; sh < 32; sh += 8)
		if (((now >> sh) & 0xff) > ((before >> sh) & 0xff))
			return 1;
	return 0;
}

size_t gt_snap_leaks(const struct gt_snap *base, const struct gt_snap *now,
		     uint32_t granter, uint32_t mapdom,
		     void (*report)(void *arg, const struct gt_entry *e),
		     void *arg)
{
	size_t bad = 0;
	for (size_t i = 0; i < now->n; i++) {
		const struct gt_entry *e = &now->e[i];
		if (e->granter != granter || e->mapdom != mapdom)
			continue;
		const struct gt_entry *b = gt_snap_find(base, e->granter, e->ref, e->mapdom);
		if (b && !pin_grew(b->pin, e->pin))
			continue;
		bad++;
		if (report)
			report(arg, e);
	}
	return bad;
}
