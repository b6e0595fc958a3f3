/*
 * Xen-side assertions from inside a scenario, on the grants of T->granter
 * mapped by T->mapdom (opens T->xc on first use).  Each returns 0, or 1
 * with evidence.
 */
#ifndef GT_XEN_EXPECT_H
#define GT_XEN_EXPECT_H

#include <stdint.h>

/* Every ref is an active entry mapped by T->mapdom (pin>0); on success
 * reports "M n" so the runner knows the parser saw mappings. */
int xen_expect_mapped(const uint32_t *refs, uint32_t n, const char *when);
/* None of the refs is active. */
int xen_expect_unmapped(const uint32_t *refs, uint32_t n, const char *when);
/* Poll until none of the refs is active, for up to timeout_ms; notes how
 * long it took. */
int xen_wait_unmapped(const uint32_t *refs, uint32_t n, unsigned timeout_ms,
		      const char *when);
/* The pin word Xen shows for ref (0: not active); 1 only if no dump. */
int xen_pin(uint32_t ref, uint32_t *pin, const char *when);

/* 1 if Xen is a debug build (its banner says debug=y), 0 if a release
 * build, -1 if that cannot be told (see xcheck_xen_debug()). */
int xen_is_debug(void);

#endif
