/*
 * A scenario's side of the runner: its context, and the line protocol on
 * which it reports evidence, notes, a skip and the mappings Xen showed.
 * Helpers built on it (granter, memcg, the Xen assertions) report the same
 * way; outside a scenario (the commands) the lines go to stderr.
 */
#ifndef GT_EVIDENCE_H
#define GT_EVIDENCE_H

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
	struct xcheck *xc;    /* opened lazily in the child (xen_expect.c) */
};
extern struct tctx *T;

/* Line protocol on repfd: "E text" evidence, "N text" note, "S reason" skip,
 * "M n" Xen showed n of our grants mapped, "X text" a check could not be
 * made. */
void ev(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A check the scenario needs could not be made (no Xen dump, say): the
 * runner reports the scenario as ERROR, not FAIL, whatever it returns. */
void check_unavailable(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_mapped_seen(unsigned n);

/* The exit status of a scenario that skipped. */
#define SKIP_EXIT 77

/* Fail the scenario (return 1) with evidence unless cond holds. */
#define CHECK(cond, ...) do { if (!(cond)) { ev(__VA_ARGS__); return 1; } } while (0)
/* Run a sub-step returning 0/1; propagate failure. */
#define STEP(x) do { if ((x) != 0) return 1; } while (0)

#endif
