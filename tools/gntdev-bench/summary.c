// SPDX-License-Identifier: GPL-2.0-only
/*
 * The targets (issue 10), judged on the medians over rounds, in one
 * "# bench-summary:" line.  A target missed is a "no", never a failure;
 * one that has no value (a figure could not be measured) is "n/a".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

static char line[1024];
static unsigned int missing;

static void put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void put(const char *fmt, ...)
{
	size_t used = strlen(line);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line + used, sizeof(line) - used, fmt, ap);
	va_end(ap);
}

/* " LABEL VALUE (<=LIMIT yes|no)", or " LABEL n/a" without a value. */
static void target(const char *label, int have, double value, double limit)
{
	if (!have) {
		put(" %s n/a", label);
		missing++;
		return;
	}
	put(" %s %.2f (<=%g %s)", label, value, limit, value <= limit ? "yes" : "no");
}

/* The largest ratio of a figure over the batches from min_batch on. */
static int max_ratio(const char *figure, unsigned int min_batch, double *max)
{
	unsigned int b;
	double r;

	*max = 0;
	for (b = 0; b < NR_BATCHES; b++) {
		if (batches[b] < min_batch)
			continue;
		if (!ratio(figure, batches[b], &r))
			return 0;
		if (r > *max)
			*max = r;
	}
	return 1;
}

/* A module's figure at param a over the same at param b. */
static int quotient(const char *fa, unsigned long a, const char *fb, unsigned long b,
		    enum module m, double *q)
{
	double x, y;

	if (!result(fa, a, m, &x) || !result(fb, b, m, &y) || y <= 0)
		return 0;
	*q = x / y;
	return 1;
}

static void copy_targets(void)
{
	double to = 0, from = 0;
	int have;

	have = ratio("copy-to", 1, &to) && ratio("copy-from", 1, &from);
	target("copy-b1", have, to > from ? to : from, 0.9);
	have = max_ratio("copy-to", 1, &to) && max_ratio("copy-from", 1, &from);
	target("copy-max", have, to > from ? to : from, 1.0);
	/* No target: the cost of a copy through pages no earlier copy used. */
	if (max_ratio("copy-from-fresh", 1, &from))
		put(" copy-fresh-max %.2f", from);
	else
		put(" copy-fresh-max n/a");
}

static void cycle_targets(void)
{
	double r = 0;
	int have;

	have = ratio("cycle-total", 1, &r);
	target("cycle-b1", have, r, 0.9);
	have = max_ratio("cycle-total", 16, &r);
	target("cycle-b16+ max", have, r, 0.8);
	have = ratio("exit", MANY_MAPS, &r);
	target("exit-10k", have, r, 0.9);
	have = quotient("cycle-total", MAX_BATCH, "floor", MAX_BATCH, OURS, &r);
	target("cycle-b256/floor", have, r, 3.0);
}

/* Our per-file operations with MANY_MAPS fillers against none. */
static void perfile_target(void)
{
	double q = 0, max = 0;
	int o, have = 1;

	for (o = 0; o < NR_PERFILE_OPS && have; o++) {
		have = quotient(perfile_figure[o], MANY_MAPS, perfile_figure[o], 0, OURS, &q);
		if (q > max)
			max = q;
	}
	target("perfile-10k/1 max", have, max, 1.2);
}

/* Growth from 0 to MANY_MAPS live maps: ours against an anonymous
 * mapping's, measured in our turns; Debian's beside them. */
static void munmap_target(void)
{
	double ours, stock, anon;

	if (!quotient("munmap-gntdev", MANY_MAPS, "munmap-gntdev", 0, OURS, &ours) ||
	    !quotient("munmap-gntdev", MANY_MAPS, "munmap-gntdev", 0, STOCK, &stock) ||
	    !quotient("munmap-anon", MANY_MAPS, "munmap-anon", 0, OURS, &anon)) {
		put(" munmap-growth n/a");
		missing++;
		return;
	}
	put(" munmap-growth ours %.2f stock %.2f anon %.2f (ours<=anon %s)",
	    ours, stock, anon, ours <= anon ? "yes" : "no");
}

unsigned int print_summary(void)
{
	line[0] = 0;
	missing = 0;
	copy_targets();
	cycle_targets();
	perfile_target();
	munmap_target();
	printf("# bench-summary:%s\n", line);
	return missing;
}
