// SPDX-License-Identifier: GPL-2.0-only
/*
 * gntdev-bench: our gntdev against Debian's, in one boot.
 *
 *   gntdev-bench run [--rounds R] [--pages P] [--probes N] [--children C]
 *
 * Round r runs every figure group once per module, the order alternating
 * (ours first in odd rounds), swapping the module in between with
 * `rmmod xen_gntdev && insmod KO` while the program holds no gntdev file.
 * Every turn prints its figures as "# bench-raw" lines; at the end come
 * one "# bench-result" line per figure (median and spread over rounds per
 * module, and the ratio ours / Debian's) and the "# bench-summary:" line
 * against the targets.
 *
 * TAP: one test per turn, not ok if some figure could not be measured,
 * and a last one that every figure has a value from every turn.  A target
 * missed is a "no" in the summary, never a failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define OURS_KO "/lib/modules/xen-gntdev.ko"
#define STOCK_KO "/lib/modules/xen-gntdev-stock.ko"
#define TAINT "/sys/module/xen_gntdev/taint"

/* Each batch figure needs a few samples for a median, whatever --pages says. */
#define MIN_ITERATIONS 5

const char *const module_name[NR_MODULES] = { "ours", "stock" };
static const char *const module_ko[NR_MODULES] = { OURS_KO, STOCK_KO };

const unsigned int batches[NR_BATCHES] = { 1, 4, 16, 64, 256 };

struct options opt = { .rounds = 5, .pages = 2048, .probes = 200, .children = 3 };

static const struct group {
	const char *name;
	int (*run)(struct turn *t);
} groups[] = {
	{ "floor", bench_floor },
	{ "copy", bench_copy },
	{ "cycle", bench_cycle },
	{ "perfile", bench_perfile },
	{ "munmap", bench_live },
	{ "process", bench_process },
};

unsigned int batch_iterations(unsigned int batch)
{
	unsigned int n = opt.pages / batch;

	return n < MIN_ITERATIONS ? MIN_ITERATIONS : n;
}

int fail(struct turn *t, const char *fmt, ...)
{
	char why[sizeof(t->why)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("# round %u %s: %s\n", t->round, module_name[t->module], why);
	if (!t->why[0])
		memcpy(t->why, why, sizeof(why));
	return -1;
}

/*
 * Which module is loaded: ours is built out of tree, so it taints the
 * kernel with 'O'; Debian's is in tree.  -1: none.
 */
static int loaded_module(void)
{
	char taint[16] = "";
	FILE *f = fopen(TAINT, "r");

	if (!f)
		return -1;
	if (!fgets(taint, sizeof(taint), f))
		taint[0] = 0;
	fclose(f);
	return strchr(taint, 'O') ? OURS : STOCK;
}

static int load(struct turn *t, enum module m)
{
	char cmd[128];

	if (loaded_module() == (int)m)
		return 0;
	if (access(module_ko[m], R_OK))
		return fail(t, "no %s", module_ko[m]);
	snprintf(cmd, sizeof(cmd), "rmmod xen_gntdev && insmod %s", module_ko[m]);
	if (system(cmd))
		return fail(t, "`%s` failed", cmd);
	if (loaded_module() != (int)m)
		return fail(t, "%s is not %s module (%s)", module_ko[m],
			    m == OURS ? "our" : "Debian's", TAINT);
	return 0;
}

static int run_turn(struct turn *t)
{
	unsigned int g;
	int err = 0;

	if (load(t, t->module) || grants_verify(t, "before timing"))
		return -1;
	clock_calibrate(t);
	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		printf("# round %u %s: %s\n", t->round, module_name[t->module], groups[g].name);
		err |= groups[g].run(t);
	}
	return err;
}

static int usage(FILE *f)
{
	fprintf(f,
		"usage: gntdev-bench run [--rounds R] [--pages P] [--probes N] [--children C]\n"
		"Our gntdev (" OURS_KO ") against Debian's (" STOCK_KO "),\n"
		"alternating, R rounds (default %u).  Per turn: the map cycle, GRANT_COPY\n"
		"and the floor over P pages per batch (default %u); munmap and per-file\n"
		"operations as medians of N probes (default %u); exit and fork with C\n"
		"processes (default %u).  Prints TAP and '# bench-' lines; see main.c.\n",
		opt.rounds, opt.pages, opt.probes, opt.children);
	return f == stdout ? 0 : 2;
}

static int parse(int argc, char **argv)
{
	static const struct { const char *name; unsigned int *value; } options[] = {
		{ "--rounds", &opt.rounds }, { "--pages", &opt.pages },
		{ "--probes", &opt.probes }, { "--children", &opt.children },
	};
	unsigned int o;
	char *end;
	int i;

	if (argc < 2 || strcmp(argv[1], "run"))
		return usage(argc > 1 && !strcmp(argv[1], "--help") ? stdout : stderr);
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--help"))
			return usage(stdout);
		if (argv[i][0] != '-')
			continue;	/* the harness's PATTERN: there is one benchmark */
		for (o = 0; o < sizeof(options) / sizeof(options[0]); o++)
			if (!strcmp(argv[i], options[o].name))
				break;
		if (o == sizeof(options) / sizeof(options[0]) || i + 1 == argc)
			return usage(stderr);
		*options[o].value = strtoul(argv[++i], &end, 0);
		if (*end || !*options[o].value)
			return usage(stderr);
	}
	return -1;
}

int main(int argc, char **argv)
{
	unsigned int r, i, n = 0, failed = 0, incomplete, missing;
	struct turn t;
	char why[256];
	int rc, first;

	rc = parse(argc, argv);
	if (rc >= 0)
		return rc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..%u\n", 2 * opt.rounds + 1);
	printf("# bench-config rounds=%u pages=%u probes=%u children=%u grants=%u maps=%u\n",
	       opt.rounds, opt.pages, opt.probes, opt.children, NR_GRANTS, MANY_MAPS);
	first = loaded_module();
	if (grants_share(why, sizeof(why))) {
		for (n = 1; n <= 2 * opt.rounds + 1; n++)
			printf("not ok %u - bench: set-up # %s\n", n, why);
		printf("0 passed, %u failed\n", n - 1);
		return 1;
	}

	for (r = 1; r <= opt.rounds; r++) {
		for (i = 0; i < NR_MODULES; i++) {
			t = (struct turn){ .round = r, .module = r % 2 ? i : NR_MODULES - 1 - i };
			if (run_turn(&t)) {
				printf("not ok %u - bench: round %u %s # %s\n", ++n, r,
				       module_name[t.module], t.why);
				failed++;
			} else {
				printf("ok %u - bench: round %u %s\n", ++n, r, module_name[t.module]);
			}
		}
	}
	/* Leave the module the harness loaded. */
	if (first >= 0 && load(&t, first))
		printf("# could not load %s back\n", module_ko[first]);

	incomplete = print_results();
	missing = print_summary();
	if (incomplete || missing) {
		printf("not ok %u - bench: every figure from every turn # %u targets "
		       "without a value, %u figures lacking a module's round\n",
		       ++n, missing, incomplete);
		failed++;
	} else {
		printf("ok %u - bench: every figure from every turn\n", ++n);
	}
	printf("%u passed, %u failed\n", n - failed, failed);
	return failed ? 1 : 0;
}
