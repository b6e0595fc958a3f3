/* Xen-side proof of grant release: parse Xen's 'g' debug-key dump. */
#ifndef GT_XENCHECK_H
#define GT_XENCHECK_H

#include <stddef.h>
#include <stdint.h>

/* One active grant entry as printed by Xen ("[0xREF] mapdom mfn pin ..."). */
struct gt_entry {
	uint32_t granter;   /* owner of the grant table ("remote dN" header) */
	uint32_t ref;
	uint32_t mapdom;    /* active "localdom": domain holding the mapping */
	uint32_t pin;       /* raw pin word (hstw | hstr<<8 | devw<<16 | devr<<24) */
	uint64_t mfn;
	uint32_t sdom;      /* shared-entry domid (grantee in the grant) */
	uint32_t flags;     /* shared-entry flags */
};

struct gt_snap {
	struct gt_entry *e;
	size_t n, cap;
	unsigned tables;    /* "grant-table for remote dN" headers seen */
};

struct xcheck;

/* Opens a libxenctrl handle and skips everything already in the console ring. */
struct xcheck *xcheck_open(char *err, size_t errlen);
void xcheck_close(struct xcheck *xc);
/* 1 if Xen's boot banner, still in the console ring when xc was opened,
 * says debug=y; 0 if it says otherwise; -1 if the ring no longer had it. */
int xcheck_xen_debug(const struct xcheck *xc);

/*
 * Ask Xen for a fresh dump ('g') and parse only the new console output.
 * Returns 0 on success, -1 with a message in err if the dump could not be
 * obtained or recognised (then the Xen check is unavailable: callers must
 * fail, never pass).
 */
int xcheck_snapshot(struct xcheck *xc, struct gt_snap *out, char *err, size_t errlen);

/* Non-dump console lines seen by the last snapshots (for evidence). */
size_t xcheck_other_lines(struct xcheck *xc, const char ***lines);
void xcheck_clear_other(struct xcheck *xc);
/* Raw text of the last dump (start marker to end marker). */
const char *xcheck_last_dump(struct xcheck *xc);

void gt_snap_free(struct gt_snap *s);
const struct gt_entry *gt_snap_find(const struct gt_snap *s, uint32_t granter,
				    uint32_t ref, uint32_t mapdom);
size_t gt_snap_count(const struct gt_snap *s, uint32_t granter);

/*
 * Compare a later snapshot with a baseline: every entry of 'now' granted by
 * 'granter' and mapped by 'mapdom' must exist in 'base' with a pin word not larger per byte.
 * Writes one line per offending entry through 'report'; returns the number
 * of offending entries.
 */
size_t gt_snap_leaks(const struct gt_snap *base, const struct gt_snap *now,
		     uint32_t granter, uint32_t mapdom,
		     void (*report)(void *arg, const struct gt_entry *e),
		     void *arg);

#endif
