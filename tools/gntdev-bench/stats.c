// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cost of a clock read, medians, and every turn's figures kept until the end, where each figure
 * gets its median and spread over rounds per module and the ratio of the
 * two medians.
 *
 * A figure is named by (figure, param), e.g. ("copy-to", 16): GRANT_COPY
 * to the grants at batch 16.  The first record() of a name creates it;
 * results come out in that order.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct figure {
	char name[24];
	unsigned long param;
	char unit[12];
	double *value[NR_MODULES];	/* per round (index round - 1); NAN: none */
};

static struct figure *figures;
static size_t nr_figures, max_figures;

#define CLOCK_READS 1000
static double clock_ns;		/* one clock read, in this turn */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void clock_calibrate(const struct turn *t)
{
	double ns[CLOCK_READS], t0;
	unsigned int i;

	for (i = 0; i < CLOCK_READS; i++) {
		t0 = now_ns();
		ns[i] = now_ns() - t0;
	}
	clock_ns = median(ns, CLOCK_READS);
	record(t, "clock", 0, "us", clock_ns / 1e3);
}

/* Never below zero: on a noisy host (plain TCG) the clock's own cost varies
 * more than the cost of a write to a few pages. */
double elapsed(double t0, double t1)
{
	double ns = t1 - t0 - clock_ns;

	return ns > 0 ? ns : 0;
}

int batch_figure(struct turn *t, const char *figure, unsigned int batch,
		 int (*sample)(struct turn *t, void *ctx, unsigned int batch, double *ns),
		 void *ctx)
{
	unsigned int i, n = batch_iterations(batch);
	double *ns = calloc(n, sizeof(*ns));
	int err = 0;

	if (!ns)
		return fail(t, "%s: out of memory", figure);
	for (i = 0; i < n && !err; i++)
		err = sample(t, ctx, batch, &ns[i]);
	if (!err)
		record(t, figure, batch, "us/page", median(ns, n) / 1e3 / batch);
	free(ns);
	return err;
}

static struct figure *find(const char *name, unsigned long param)
{
	size_t i;

	for (i = 0; i < nr_figures; i++)
		if (figures[i].param == param && !strcmp(figures[i].name, name))
			return &figures[i];
	return NULL;
}

static struct figure *add(const char *name, unsigned long param, const char *unit)
{
	struct figure *f;
	unsigned int m, r;

	if (nr_figures == max_figures) {
		max_figures = max_figures ? 2 * max_figures : 64;
		figures = realloc(figures, max_figures * sizeof(*figures));
		if (!figures)
			abort();
	}
	f = &figures[nr_figures++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->unit, sizeof(f->unit), "%s", unit);
	f->param = param;
	for (m = 0; m < NR_MODULES; m++) {
		f->value[m] = malloc(opt.rounds * sizeof(double));
		if (!f->value[m])
			abort();
		for (r = 0; r < opt.rounds; r++)
			f->value[m][r] = NAN;
	}
	return f;
}

void record(const struct turn *t, const char *figure, unsigned long param,
	    const char *unit, double value)
{
	struct figure *f = find(figure, param);

	if (!f)
		f = add(figure, param, unit);
	f->value[t->module][t->round - 1] = value;
	printf("# bench-raw %u %s %s %lu %.6g %s\n", t->round, module_name[t->module],
	       figure, param, value, unit);
}

/* Median, min and max of the rounds with a value; how many those are. */
static size_t spread(const struct figure *f, enum module m, double *med,
		     double *min, double *max)
{
	double v[opt.rounds];
	size_t n = 0;
	unsigned int r;

	for (r = 0; r < opt.rounds; r++)
		if (!isnan(f->value[m][r]))
			v[n++] = f->value[m][r];
	if (!n)
		return 0;
	*med = median(v, n);
	*min = v[0];
	*max = v[n - 1];
	return n;
}

int result(const char *figure, unsigned long param, enum module m, double *value)
{
	const struct figure *f = find(figure, param);
	double min, max;

	return f && spread(f, m, value, &min, &max);
}

int ratio(const char *figure, unsigned long param, double *value)
{
	double ours, stock;

	if (!result(figure, param, OURS, &ours) || !result(figure, param, STOCK, &stock) ||
	    stock <= 0)
		return 0;
	*value = ours / stock;
	return 1;
}

unsigned int print_results(void)
{
	double med, min, max, r;
	unsigned int incomplete = 0;
	size_t i, n;
	int m;

	printf("# bench-result figure param unit ours-median ours-min ours-max "
	       "stock-median stock-min stock-max ratio\n");
	for (i = 0; i < nr_figures; i++) {
		const struct figure *f = &figures[i];

		printf("# bench-result %s %lu %s", f->name, f->param, f->unit);
		for (m = 0; m < NR_MODULES; m++) {
			n = spread(f, m, &med, &min, &max);
			if (n)
				printf(" %.4g %.4g %.4g", med, min, max);
			else
				printf(" - - -");
			incomplete += n < opt.rounds;
		}
		if (ratio(f->name, f->param, &r))
			printf(" %.3f\n", r);
		else
			printf(" -\n");
	}
	return incomplete;
}
