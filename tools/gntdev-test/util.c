#include "util.h"
#include "granter.h"
#include "xencheck.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xentoollog.h>

struct tctx *T;

static void send_line(char tag, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%c ", tag);
	vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	/* one record per line: flatten embedded newlines */
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	size_t len = strlen(buf);
	buf[len++] = '\n';
	if (T && T->repfd >= 0) {
		if (write(T->repfd, buf, len) < 0) {
			/* runner gone; nothing sensible to do */
		}
	} else {
		fwrite(buf, 1, len, stderr);
	}
}

void ev(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_line('E', fmt, ap);
	va_end(ap);
}

void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_line('N', fmt, ap);
	va_end(ap);
}

void skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_line('S', fmt, ap);
	va_end(ap);
	_exit(SKIP_EXIT);
}

static void send_fmt(char tag, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_line(tag, fmt, ap);
	va_end(ap);
}

void report_mapped_seen(unsigned n)
{
	send_fmt('M', "%u", n);
}

long pagesz(void)
{
	static long ps;
	if (!ps)
		ps = sysconf(_SC_PAGESIZE);
	return ps;
}

const char *errname(int e)
{
	if (e < 0)
		e = -e;
	switch (e) {
	case 0: return "success";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ENOTTY: return "ENOTTY";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ERANGE: return "ERANGE";
	case E2BIG: return "E2BIG";
	case ENXIO: return "ENXIO";
	case EOVERFLOW: return "EOVERFLOW";
	case EFBIG: return "EFBIG";
	default: {
		static char b[32];
		snprintf(b, sizeof(b), "errno %d", e);
		return b;
	}
	}
}

static sigjmp_buf probe_jb;
static volatile sig_atomic_t probe_sig;

static void probe_handler(int sig)
{
	probe_sig = sig;
	siglongjmp(probe_jb, 1);
}

static int probe(volatile uint8_t *p, int write, uint8_t v, uint8_t *out)
{
	struct sigaction sa, osegv, obus;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = probe_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, &osegv);
	sigaction(SIGBUS, &sa, &obus);
	probe_sig = 0;
	if (sigsetjmp(probe_jb, 1) == 0) {
		if (write)
			*p = v;
		else
			*out = *p;
	}
	sigaction(SIGSEGV, &osegv, NULL);
	sigaction(SIGBUS, &obus, NULL);
	return probe_sig;
}

int probe_read(const volatile uint8_t *p, uint8_t *out)
{
	uint8_t dummy;
	return probe((volatile uint8_t *)p, 0, 0, out ? out : &dummy);
}

int probe_write(volatile uint8_t *p, uint8_t v)
{
	return probe(p, 1, v, NULL);
}

int check_pattern(const uint8_t *view, uint32_t seed, uint32_t first, uint32_t npages,
		  const char *what)
{
	long ps = pagesz();
	for (uint32_t k = 0; k < npages; k++) {
		const uint8_t *pg = view + (size_t)k * ps;
		/* probe first: a fault must become evidence, not a crash */
		int sig = probe_read(pg, NULL);
		if (sig) {
			ev("%s: reading page %u (granted page %u) at %p raised signal %d",
			   what, k, first + k, (const void *)pg, sig);
			return 1;
		}
		for (long o = 0; o < ps; o++) {
			uint8_t want = pattern_byte(seed, first + k, o);
			if (pg[o] != want) {
				ev("%s: page %u (granted page %u) offset %ld: got 0x%02x want 0x%02x",
				   what, k, first + k, o, pg[o], want);
				return 1;
			}
		}
	}
	return 0;
}

uint64_t fnv1a64(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

void msleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

long mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static int xc_ready(void)
{
	if (T->xc)
		return 0;
	char err[256];
	T->xc = xcheck_open(err, sizeof(err));
	if (!T->xc) {
		ev("Xen check unavailable: %s", err);
		return 1;
	}
	return 0;
}

static int take(struct gt_snap *s, const char *when)
{
	char err[256];
	if (xc_ready())
		return 1;
	if (xcheck_snapshot(T->xc, s, err, sizeof(err))) {
		ev("Xen check unavailable (%s): %s", when, err);
		return 1;
	}
	return 0;
}

int xen_expect_mapped(const uint32_t *refs, uint32_t n, const char *when)
{
	struct gt_snap s;
	STEP(take(&s, when));
	int bad = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct gt_entry *e = gt_snap_find(&s, T->granter, refs[i], T->mapdom);
		if (!e || e->pin == 0) {
			if (!bad)
				ev("Xen (%s): d%u ref %u not shown as mapped by d%u "
				   "(%zu active entries of d%u in dump)", when, T->granter,
				   refs[i], T->mapdom, gt_snap_count(&s, T->granter), T->granter);
			bad++;
		}
	}
	gt_snap_free(&s);
	if (bad) {
		ev("Xen (%s): %d of %u refs missing: parser does not see our mappings", when, bad, n);
		return 1;
	}
	report_mapped_seen(n);
	return 0;
}

int xen_expect_unmapped(const uint32_t *refs, uint32_t n, const char *when)
{
	struct gt_snap s;
	STEP(take(&s, when));
	int bad = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct gt_entry *e = gt_snap_find(&s, T->granter, refs[i], T->mapdom);
		if (e) {
			if (bad < 4)
				ev("Xen (%s): d%u ref %u still active, mapped by d%u pin=0x%08x",
				   when, e->granter, e->ref, e->mapdom, e->pin);
			bad++;
		}
	}
	gt_snap_free(&s);
	if (bad) {
		ev("Xen (%s): %d of %u refs still mapped", when, bad, n);
		return 1;
	}
	return 0;
}

static size_t count_active(const struct gt_snap *s, const uint32_t *refs, uint32_t n)
{
	size_t c = 0;
	for (uint32_t i = 0; i < n; i++)
		if (gt_snap_find(s, T->granter, refs[i], T->mapdom))
			c++;
	return c;
}

int xen_wait_unmapped(const uint32_t *refs, uint32_t n, unsigned timeout_ms,
		      const char *when)
{
	long start = mono_ms();
	for (;;) {
		struct gt_snap s;
		STEP(take(&s, when));
		size_t left = count_active(&s, refs, n);
		gt_snap_free(&s);
		long waited = mono_ms() - start;
		if (!left) {
			note("%s: Xen showed the release after %ld ms", when, waited);
			return 0;
		}
		if (waited >= (long)timeout_ms) {
			ev("Xen (%s): %zu of %u refs still mapped after waiting %ld ms",
			   when, left, n, waited);
			xen_expect_unmapped(refs, n, when);   /* per-ref evidence */
			return 1;
		}
		msleep(50);
	}
}

int xen_pin(uint32_t ref, uint32_t *pin, const char *when)
{
	struct gt_snap s;
	STEP(take(&s, when));
	const struct gt_entry *e = gt_snap_find(&s, T->granter, ref, T->mapdom);
	*pin = e ? e->pin : 0;
	gt_snap_free(&s);
	return 0;
}

int xen_is_debug(void)
{
	return xc_ready() ? -1 : xcheck_xen_debug(T->xc);
}

int dom_is_pv(void)
{
	static int cached = -1;
	if (cached >= 0)
		return cached;
	char buf[16] = "";
	FILE *f = fopen("/sys/hypervisor/guest_type", "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	/* sysfs missing: assume PV (the harness' dom0) */
	cached = (!buf[0] || !strncmp(buf, "PV\n", 3) || !strcmp(buf, "PV")) ? 1 : 0;
	return cached;
}

static void note_vmessage(struct xentoollog_logger *lg, xentoollog_level level, int errnoval,
			  const char *context, const char *format, va_list al)
{
	(void)lg;
	char msg[512];
	vsnprintf(msg, sizeof(msg), format, al);
	if (T && T->repfd >= 0)
		note("%s%s%s (level %d, errno %d)", context ? context : "", context ? ": " : "",
		     msg, (int)level, errnoval);
	else if (level >= XTL_ERROR)
		fprintf(stderr, "%s%s%s\n", context ? context : "", context ? ": " : "", msg);
}

static void note_destroy(struct xentoollog_logger *lg)
{
	(void)lg;
}

struct xentoollog_logger *note_logger(void)
{
	static struct xentoollog_logger lg = {
		.vmessage = note_vmessage,
		.progress = NULL,
		.destroy = note_destroy,
	};
	return &lg;
}
