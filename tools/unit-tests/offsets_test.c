// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit test of drivers/xen/gntdev-offsets.c, built in userspace against
 * the kernel's own userspace rbtree (tools/lib/rbtree.c of linux-source).
 *
 * Every operation is checked against a model: a bitmap of used offsets and
 * the list of live ranges.  Allocation must return exactly the lowest run
 * the model finds, lookup must agree for every offset, and the augmented
 * gap data must equal what a full recomputation gives.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rbtree_augmented.h>

#include "xen/gntdev-offsets.h"

#define LIMIT	512UL
#define SLOTS	96

static int tests_run, tests_failed;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		return 1;						\
	}								\
} while (0)

struct model {
	unsigned char used[LIMIT];
	struct gntdev_range *slot[SLOTS];
};

static long model_lowest_fit(struct model *m, unsigned long count)
{
	unsigned long start, run = 0;

	for (start = 0; start < LIMIT; start++) {
		run = m->used[start] ? 0 : run + 1;
		if (run == count)
			return start + 1 - count;
	}
	return -1;
}

static int model_mark(struct model *m, struct gntdev_range *r, int used)
{
	unsigned long i;

	for (i = r->start; i < r->start + r->count; i++) {
		CHECK(m->used[i] != used, "offset %lu marked twice", i);
		m->used[i] = used;
	}
	return 0;
}

/* Recompute every gap and subtree maximum; compare with what is stored. */
static unsigned long check_subtree(struct rb_node *node, int *bad)
{
	struct gntdev_range *r;
	unsigned long max, child;

	if (!node)
		return 0;
	r = rb_entry(node, struct gntdev_range, node);
	max = r->gap;
	child = check_subtree(node->rb_left, bad);
	if (child > max)
		max = child;
	child = check_subtree(node->rb_right, bad);
	if (child > max)
		max = child;
	if (max != r->subtree_gap)
		*bad = 1;
	return max;
}

static int check_tree(struct gntdev_offsets *o, struct model *m)
{
	unsigned long end = 0, offset;
	struct rb_node *node;
	int bad = 0;

	for (node = rb_first(&o->root); node; node = rb_next(node)) {
		struct gntdev_range *r = rb_entry(node, struct gntdev_range, node);

		CHECK(r->start >= end, "ranges overlap at %lu", r->start);
		CHECK(r->gap == r->start - end, "gap of %lu is %lu, not %lu",
		      r->start, r->gap, r->start - end);
		end = r->start + r->count;
	}
	check_subtree(o->root.rb_node, &bad);
	CHECK(!bad, "a subtree gap is stale");

	for (offset = 0; offset < LIMIT; offset++) {
		struct gntdev_range *r = gntdev_offsets_find(o, offset);

		CHECK(!!r == m->used[offset], "find(%lu) disagrees", offset);
		CHECK(!r || (r->start <= offset && offset < r->start + r->count),
		      "find(%lu) returned a range that does not hold it", offset);
	}
	return 0;
}

static int test_first_map_at_zero(void)
{
	struct gntdev_offsets o;
	struct gntdev_range r = { .count = 3 };

	gntdev_offsets_init(&o, LIMIT);
	CHECK(!gntdev_offsets_alloc(&o, &r), "alloc failed");
	CHECK(r.start == 0, "first range at %lu", r.start);
	gntdev_offsets_free(&o, &r);
	CHECK(!gntdev_offsets_first(&o), "set not empty");
	return 0;
}

static int test_full_and_too_big(void)
{
	struct gntdev_offsets o;
	struct gntdev_range all = { .count = LIMIT }, one = { .count = 1 };
	struct gntdev_range big = { .count = LIMIT + 1 }, none = { .count = 0 };

	gntdev_offsets_init(&o, LIMIT);
	CHECK(gntdev_offsets_alloc(&o, &big) == -ENOSPC, "over the limit");
	CHECK(gntdev_offsets_alloc(&o, &none) == -ENOSPC, "count 0");
	CHECK(!gntdev_offsets_alloc(&o, &all), "whole space");
	CHECK(gntdev_offsets_alloc(&o, &one) == -ENOSPC, "space is full");
	gntdev_offsets_free(&o, &all);
	CHECK(!gntdev_offsets_alloc(&o, &one) && one.start == 0, "reuse");
	return 0;
}

static int test_random_against_model(unsigned int seed, int steps)
{
	struct gntdev_range ranges[SLOTS];
	struct gntdev_offsets o;
	struct model m;
	int step;

	memset(&m, 0, sizeof(m));
	gntdev_offsets_init(&o, LIMIT);
	srand(seed);

	for (step = 0; step < steps; step++) {
		int i = rand() % SLOTS;

		if (m.slot[i]) {
			if (model_mark(&m, m.slot[i], 0))
				return 1;
			gntdev_offsets_free(&o, m.slot[i]);
			m.slot[i] = NULL;
		} else {
			unsigned long count = 1 + rand() % (rand() % 4 ? 8 : 64);
			long expect = model_lowest_fit(&m, count);
			int err;

			ranges[i].count = count;
			err = gntdev_offsets_alloc(&o, &ranges[i]);
			if (expect < 0) {
				CHECK(err == -ENOSPC, "step %d: alloc of %lu should fail",
				      step, count);
				continue;
			}
			CHECK(!err, "step %d: alloc of %lu failed", step, count);
			CHECK(ranges[i].start == (unsigned long)expect,
			      "step %d: %lu pages at %lu, lowest fit is %ld",
			      step, count, ranges[i].start, expect);
			m.slot[i] = &ranges[i];
			if (model_mark(&m, m.slot[i], 1))
				return 1;
		}
		if (check_tree(&o, &m))
			return 1;
	}
	return 0;
}

static void run(const char *name, int failed)
{
	tests_run++;
	tests_failed += !!failed;
	printf("%s %d - %s\n", failed ? "not ok" : "ok", tests_run, name);
}

int main(void)
{
	unsigned int seed;
	char name[64];

	run("first map at offset 0", test_first_map_at_zero());
	run("full space and oversized requests", test_full_and_too_big());
	for (seed = 1; seed <= 20; seed++) {
		snprintf(name, sizeof(name), "random ops vs model, seed %u", seed);
		run(name, test_random_against_model(seed, 4000));
	}
	printf("%d passed, %d failed\n", tests_run - tests_failed, tests_failed);
	return tests_failed ? 1 : 0;
}
