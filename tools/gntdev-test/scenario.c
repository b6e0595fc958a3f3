/* The list of scenarios, gathered from the section SCENARIO() fills. */
#include "scenario.h"

#include <stdlib.h>
#include <string.h>

extern const struct scenario *const __start_gntdev_scenarios[];
extern const struct scenario *const __stop_gntdev_scenarios[];

static int by_place(const void *a, const void *b)
{
	const struct scenario *x = *(const struct scenario *const *)a;
	const struct scenario *y = *(const struct scenario *const *)b;
	int c = strcmp(x->file, y->file);

	if (c)
		return c;
	return (x->line > y->line) - (x->line < y->line);
}

const struct scenario *const *scenario_list(size_t *count)
{
	static const struct scenario **sorted;
	size_t n = __stop_gntdev_scenarios - __start_gntdev_scenarios;

	if (!sorted) {
		sorted = malloc(n * sizeof(*sorted));
		if (!sorted)
			return NULL;
		memcpy(sorted, __start_gntdev_scenarios, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), by_place);
	}
	*count = n;
	return sorted;
}
