/* Helpers shared by scenarios: evidence reporting, safe probes, Xen asserts. */
#ifndef GT_UTIL_H
#define GT_UTIL_H

#include <stddef.h>
#include <stdint.h>

struct xcheck;

/* Per-scenario context, valid inside the scenario's child process. */
struct tctx {
	uint32_t granter;     /* domain owning the grants (self: 0) */
	uint32_t mapdom;      /* domain mapping them (we are dom0: 0) */
	const char *granter_config;  /* xl configuration of a granter domU, or NULL */
	unsigned iterations;  /* rounds for looping scenarios (0: their default) */
	unsigned race_rounds; /* rounds of the GUP races (0: their default) */
	int repfd;            /* pipe to the runner, line protocol */
	int verbose;
	struct xcheck *xc;    /* opened lazily in the child */
};
extern struct tctx *T;

/* Line protocol on repfd: "E text" evidence, "N text" note, "S reason" skip,
 * "M n" Xen showed n of our grants mapped. */
void ev(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_mapped_seen(unsigned n);

#define SKIP_EXIT 77

/* Fail the scenario (return 1) with evidence unless cond holds. */
#define CHECK(cond, ...) do { if (!(cond)) { ev(__VA_ARGS__); return 1; } } while (0)
/* Run a sub-step returning 0/1; propagate failure. */
#define STEP(x) do { if ((x) != 0) return 1; } while (0)

long pagesz(void);
const char *errname(int e);      /* "EINVAL" etc. */

/* Access memory that may fault.  Return 0, or the signal number caught. */
int probe_read(const volatile uint8_t *p, uint8_t *out);
int probe_write(volatile uint8_t *p, uint8_t v);

/* Compare npages of 'view' (page k of view = granted page first+k) against
 * the granter's pattern 'seed'. 0 ok, 1 mismatch/fault (evidence emitted). */
int check_pattern(const uint8_t *view, uint32_t seed, uint32_t first, uint32_t npages,
		  const char *what);

uint64_t fnv1a64(const void *p, size_t n);

/*
 * Xen-side assertions from inside a scenario (opens T->xc on first use).
 * expect_mapped: every ref is an active entry mapped by T->mapdom (pin>0);
 *   on success reports "M n" so the runner knows the parser saw mappings.
 * expect_unmapped: none of the refs is active.
 * 0 ok, 1 failed (evidence emitted).
 */
int xen_expect_mapped(const uint32_t *refs, uint32_t n, const char *when);
int xen_expect_unmapped(const uint32_t *refs, uint32_t n, const char *when);
/* Poll until none of the refs is active, for up to timeout_ms; notes how
 * long it took.  0 ok, 1 still mapped at the deadline (evidence emitted). */
int xen_wait_unmapped(const uint32_t *refs, uint32_t n, unsigned timeout_ms,
		      const char *when);
/* The pin word Xen shows for ref (0: not active).  0 ok, 1 no dump. */
int xen_pin(uint32_t ref, uint32_t *pin, const char *when);

/* A libxen logger that turns library messages into scenario notes
 * (instead of printing them in the middle of the TAP stream). */
struct xentoollog_logger;
struct xentoollog_logger *note_logger(void);

/* Sleep milliseconds. */
void msleep(unsigned ms);
/* CLOCK_MONOTONIC in milliseconds. */
long mono_ms(void);

/* 1 if this kernel is a PV guest (gntdev maps via PTE modification, so
 * munmap releases grants at once), 0 if auto-translated (PVH/HVM). */
int dom_is_pv(void);

/* 1 if Xen is a debug build (its banner says debug=y), 0 if a release
 * build, -1 if that cannot be told (see xcheck_xen_debug()). */
int xen_is_debug(void);
#endif
