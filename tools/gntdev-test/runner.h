/* The runner: each selected scenario in a forked child, judged, as TAP. */
#ifndef GT_RUNNER_H
#define GT_RUNNER_H

#include <stdint.h>

struct run_opts {
	const char *pattern;   /* NULL = all */
	unsigned timeout;      /* seconds per scenario */
	unsigned grace_ms;     /* how long to wait for Xen to show release */
	uint32_t granter;      /* the domain whose grants scenarios map (0: us) */
	const char *granter_config;  /* its xl configuration, to start more (or NULL) */
	unsigned iterations;   /* rounds for looping scenarios (0: their default) */
	unsigned race_rounds;  /* rounds of the GUP races (0: their default) */
	int verbose;
};

int runner_list(const char *pattern, int verbose);
int runner_run(const struct run_opts *o);    /* exit status */
int runner_match(const char *name, const char *pattern);

#endif
