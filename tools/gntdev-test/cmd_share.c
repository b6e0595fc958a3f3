/* `share`: grant pages to a domain and hold them. */
#include "cmds.h"
#include "domain.h"
#include "granter.h"
#include "hash.h"
#include "hold.h"
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xengnttab.h>

static void usage_share(FILE *f)
{
	fprintf(f,
"usage: gntdev-test share [--domid D] [--count N] [--readonly] [--seed S]\n"
"  Grant N (default 1) fresh pages to domain D (default 0, i.e. ourselves)\n"
"  through gntalloc (xengntshr_share_pages), fill them with a pattern\n"
"  derived from S (default 1), print the refs and the content hash\n"
"  (same format as 'map'), hold until stdin EOF or SIGINT/SIGTERM/SIGHUP,\n"
"  print the hash again (shows writes made by the mapper), then unshare.\n"
"  Pair with: gntdev-test map --domid <our domid> --refs <printed refs>.\n");
}

int cmd_share(int argc, char **argv)
{
	uint32_t domid = 0, count = 1, seed = 1;
	int writable = 1;
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "domid", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "readonly", no_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ 0 }
	};
	int c;
	while ((c = getopt_long(argc, argv, "hd:n:rs:", lo, NULL)) != -1) {
		switch (c) {
		case 'h': usage_share(stdout); return 0;
		case 'd':
			if (parse_u32(optarg, &domid) || domid > 0xffff) {
				fprintf(stderr, "share: bad --domid '%s'\n", optarg);
				return 2;
			}
			break;
		case 'n':
			if (parse_u32(optarg, &count) || count == 0 || count > 1024) {
				fprintf(stderr, "share: bad --count '%s' (1..1024)\n", optarg);
				return 2;
			}
			break;
		case 'r': writable = 0; break;
		case 's':
			if (parse_u32(optarg, &seed)) {
				fprintf(stderr, "share: bad --seed '%s'\n", optarg);
				return 2;
			}
			break;
		default: usage_share(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage_share(stderr);
		return 2;
	}
	struct granter g;
	char err[256];
	if (granter_share(&g, 0, domid, count, writable, err, sizeof(err))) {
		fprintf(stderr, "share: %s\n", err);
		return 1;
	}
	granter_fill(&g, seed);
	long ps = pagesz();
	printf("shared %u page(s) with d%u %s\nrefs ", count, domid, writable ? "rw" : "ro");
	for (uint32_t i = 0; i < count; i++)
		printf("%s%u", i ? "," : "", g.refs[i]);
	printf("\n");
	for (uint32_t i = 0; i < count; i++)
		printf("page %u ref %u hash 0x%016llx\n", i, g.refs[i],
		       (unsigned long long)fnv1a64(g.pages + (size_t)i * ps, ps));
	printf("hash 0x%016llx\n", (unsigned long long)fnv1a64(g.pages, (size_t)count * ps));
	fflush(stdout);
	hold_until_eof_or_signal();
	printf("final hash 0x%016llx\n", (unsigned long long)fnv1a64(g.pages, (size_t)count * ps));
	granter_release(&g);
	printf("unshared\n");
	return 0;
}
