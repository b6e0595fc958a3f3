#include "xen_expect.h"
#include "clock.h"
#include "evidence.h"
#include "xencheck.h"

static int xc_ready(void)
{
	if (T->xc)
		return 0;
	char err[256];
	T->xc = xcheck_open(err, sizeof(err));
	if (!T->xc) {
		check_unavailable("Xen check unavailable: %s", err);
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
		check_unavailable("Xen check unavailable (%s): %s", when, err);
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
