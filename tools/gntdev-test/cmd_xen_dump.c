/* `xen-dump`: the active grant entries as Xen's 'g' dump shows them. */
#include "cmds.h"
#include "options.h"
#include "xencheck.h"

#include <getopt.h>
#include <stdio.h>

static void usage_dump(FILE *f)
{
	fprintf(f,
"usage: gntdev-test xen-dump [--raw] [--domid D]\n"
"  Trigger Xen's 'g' debug key and print the parsed active grant entries\n"
"  (granter, ref, mapping domain, pin word, mfn), optionally only those\n"
"  granted by domain D.  --raw prints the dump text as read from the\n"
"  console ring.\n");
}

int cmd_xendump(int argc, char **argv)
{
	int raw = 0, have_dom = 0;
	uint32_t dom = 0;
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "raw", no_argument, NULL, 'r' },
		{ "domid", required_argument, NULL, 'd' },
		{ 0 }
	};
	int c;
	while ((c = getopt_long(argc, argv, "hrd:", lo, NULL)) != -1) {
		switch (c) {
		case 'h': usage_dump(stdout); return 0;
		case 'r': raw = 1; break;
		case 'd':
			if (parse_u32(optarg, &dom)) {
				fprintf(stderr, "xen-dump: bad --domid\n");
				return 2;
			}
			have_dom = 1;
			break;
		default: usage_dump(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage_dump(stderr);
		return 2;
	}
	char err[256];
	struct xcheck *xc = xcheck_open(err, sizeof(err));
	if (!xc) {
		fprintf(stderr, "xen-dump: %s\n", err);
		return 1;
	}
	struct gt_snap s;
	if (xcheck_snapshot(xc, &s, err, sizeof(err))) {
		fprintf(stderr, "xen-dump: %s\n", err);
		xcheck_close(xc);
		return 1;
	}
	if (raw)
		fputs(xcheck_last_dump(xc), stdout);
	size_t shown = 0;
	for (size_t i = 0; i < s.n; i++) {
		const struct gt_entry *e = &s.e[i];
		if (have_dom && e->granter != dom)
			continue;
		printf("d%u ref %u mapped-by d%u pin 0x%08x mfn 0x%llx shared-dom %u flags 0x%x\n",
		       e->granter, e->ref, e->mapdom, e->pin, (unsigned long long)e->mfn,
		       e->sdom, e->flags);
		shown++;
	}
	printf("%zu active entr%s in %u grant table(s)\n", shown, shown == 1 ? "y" : "ies",
	       s.tables);
	gt_snap_free(&s);
	xcheck_close(xc);
	return 0;
}
