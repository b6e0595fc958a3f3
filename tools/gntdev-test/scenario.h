/*
 * Scenarios: how one is declared, and the list of all of them.
 *
 * A scenario is one function in a scen_NN_*.c file, declared by SCENARIO()
 * right above its body:
 *
 *	SCENARIO("raw-munmap-whole", SC_MAPS,
 *		 "MAP ioctl + mmap shows the data; ...")
 *	{
 *		...
 *		return 0;     (pass; 1 after ev() for a failure, or skip())
 *	}
 *
 * The name is what `gntdev-test list` prints and PATTERN selects, the claim
 * the one line the scenario proves (docs/testing.md shows it).  The body
 * runs in a forked child of the runner (runner.c); evidence.h is how it
 * reports.  Nothing else needs to know of it: SCENARIO() puts a pointer to
 * its description into the ELF section "gntdev_scenarios", which the linker
 * brackets with __start_gntdev_scenarios and __stop_gntdev_scenarios.
 *
 * Scenarios are listed, numbered and run in the order of their file names,
 * then of their place in the file (scen_16_process.c runs last).
 */
#ifndef GT_SCENARIO_H
#define GT_SCENARIO_H

#include <stddef.h>

/* Scenario flags */
#define SC_MAPS        0x1  /* establishes mappings: must prove Xen saw one (sanity) */

struct scenario {
	const char *name;
	const char *claim;
	int (*fn)(void);      /* 0 pass, 1 fail, or skip() */
	unsigned flags;
	unsigned timeout;     /* seconds it may take, if more than --timeout (0: none) */
	const char *file;     /* where it is declared: its place in the order */
	unsigned line;
};

/* A scenario that takes no longer than `run --timeout`. */
#define SCENARIO(name, flags, claim) \
	SCENARIO_TIMEOUT(name, flags, 0, claim)

/* One that may take up to 'timeout' seconds, if that is more. */
#define SCENARIO_TIMEOUT(name, flags, timeout, claim) \
	SCENARIO_AT_LINE(__LINE__, name, flags, timeout, claim)

/* (Two steps, so that __LINE__ is a number before it is pasted.) */
#define SCENARIO_AT_LINE(at, name, flags, timeout, claim) \
	SCENARIO_DEFINE(at, name, flags, timeout, claim)
#define SCENARIO_DEFINE(at, scen_name, scen_flags, scen_timeout, scen_claim) \
	static int scenario_##at(void); \
	static const struct scenario scenario_desc_##at = { \
		.name = (scen_name), .claim = (scen_claim), .fn = scenario_##at, \
		.flags = (scen_flags), .timeout = (scen_timeout), \
		.file = __FILE__, .line = (at), \
	}; \
	static const struct scenario *const scenario_entry_##at \
		__attribute__((used, section("gntdev_scenarios"))) = &scenario_desc_##at; \
	static int scenario_##at(void)

/* All scenarios, in order; NULL (errno ENOMEM) if memory is short. */
const struct scenario *const *scenario_list(size_t *count);

#endif
