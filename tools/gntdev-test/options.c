#include "options.h"
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > UINT32_MAX || s[0] == '-')
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int parse_granter(const char *s, uint32_t *domid)
{
	char err[256];
	if (strcmp(s, "auto")) {
		if (parse_u32(s, domid) == 0)
			return 0;
		fprintf(stderr, "--granter: '%s' is neither a domid nor 'auto'\n", s);
		return -1;
	}
	int d = agent_find(err, sizeof(err));
	if (d < 0) {
		fprintf(stderr, "--granter auto: %s\n", err);
		return -1;
	}
	*domid = d;
	return 0;
}

int parse_u32_list(const char *s, uint32_t **out)
{
	int n = 1;
	for (const char *p = s; *p; p++)
		if (*p == ',')
			n++;
	uint32_t *a = calloc(n, sizeof(*a));
	char *copy = strdup(s);
	if (!a || !copy) {
		free(a);
		free(copy);
		return -1;
	}
	int i = 0;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (parse_u32(tok, &a[i]) < 0) {
			free(a);
			free(copy);
			return -1;
		}
		i++;
	}
	free(copy);
	if (i == 0) {
		free(a);
		return -1;
	}
	*out = a;
	return i;
}
