/* Scenario registry and runner (fork per scenario, timeout, TAP output). */
#ifndef GT_RUNNER_H
#define GT_RUNNER_H

#include <stddef.h>
#include <stdint.h>

/* Scenario flags */
#define SC_MAPS        0x1  /* establishes mappings: must prove Xen saw one (sanity) */
#define SC_OOM_REPORT  0x2  /* provokes the OOM killer: its report's stack dump is
			       expected (kmsg_allow_oom_report) */

struct scenario {
	const char *name;
	const char *claim;
	int (*fn)(void);      /* runs in a forked child; 0 pass, 1 fail, or skip() */
	unsigned flags;
	unsigned timeout;     /* seconds it may take, if more than --timeout (0: none) */
};

/* Tables, each terminated by an entry with name == NULL. */
extern const struct scenario scen_basic[];
extern const struct scenario scen_munmap[];
extern const struct scenario scen_vma[];
extern const struct scenario scen_lifetime[];
extern const struct scenario scen_errors[];
extern const struct scenario scen_copy[];
extern const struct scenario scen_notify[];
extern const struct scenario scen_pin[];
extern const struct scenario scen_concurrent[];
extern const struct scenario scen_process[];
extern const struct scenario scen_stats[];
extern const struct scenario scen_compat[];
extern const struct scenario scen_mm[];
extern const struct scenario scen_gup_race[];
extern const struct scenario scen_guest_gone[];
extern const struct scenario scen_vchan[];

struct run_opts {
	const char *pattern;   /* NULL = all */
	unsigned timeout;      /* seconds per scenario */
	unsigned grace_ms;     /* how long to wait for Xen to show release */
	uint32_t granter;      /* the domain whose grants scenarios map (0: us) */
	const char *granter_config;  /* its xl configuration, to start more (or NULL) */
	unsigned iterations;   /* rounds for looping scenarios (0: their default) */
	unsigned race_rounds;  /* rounds of the GUP races (0: their default) */
	int verbose;
	int keep_going_without_xen; /* never set: a missing Xen check fails */
};

int runner_list(const char *pattern, int verbose);
int runner_run(const struct run_opts *o);    /* exit status */
int runner_match(const char *name, const char *pattern);

#endif
