/* `map`: hold foreign grants mapped. */
#include <stdint.h>

#include "cmds.h"
#include "domain.h"
#include "hash.h"
#include "hold.h"
#include "options.h"
#include "xencheck.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xengnttab.h>

static void usage_map(FILE *f)
{
	fprintf(f,
"usage: gntdev-test map --domid D --refs R1,R2,... [--writable] [--xen]\n"
"  Map the grants R1,R2,... of domain D into this process through\n"
"  libxengnttab (one contiguous mapping), print a content hash (FNV-1a 64,\n"
"  per page and total), then hold the mapping until stdin reaches EOF or\n"
"  SIGINT/SIGTERM/SIGHUP arrives, then unmap.  Read-only unless --writable.\n"
"  --xen  also show, from Xen's grant-table dump, that the grants are\n"
"         mapped while held and released after unmap (needs the 'g'\n"
"         debug key and console ring access; exit 1 if not released).\n");
}

static int xen_show(struct xcheck *xc, uint32_t domid, const uint32_t *refs, int n,
		    int want_mapped)
{
	struct gt_snap s;
	char err[256];
	if (xcheck_snapshot(xc, &s, err, sizeof(err))) {
		fprintf(stderr, "xen: %s\n", err);
		return -1;
	}
	int bad = 0;
	for (int i = 0; i < n; i++) {
		const struct gt_entry *e = gt_snap_find(&s, domid, refs[i], 0);
		if (e)
			fprintf(stderr, "xen: d%u ref %u mapped by d%u pin=0x%08x mfn=0x%llx\n",
				domid, refs[i], e->mapdom, e->pin, (unsigned long long)e->mfn);
		else
			fprintf(stderr, "xen: d%u ref %u not mapped by d0\n", domid, refs[i]);
		if (!!e != !!want_mapped)
			bad++;
	}
	gt_snap_free(&s);
	return bad;
}

int cmd_map(int argc, char **argv)
{
	uint32_t domid = 0, *refs = NULL;
	int have_domid = 0, nrefs = 0, writable = 0, xen = 0;
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "domid", required_argument, NULL, 'd' },
		{ "refs", required_argument, NULL, 'r' },
		{ "writable", no_argument, NULL, 'w' },
		{ "xen", no_argument, NULL, 'x' },
		{ 0 }
	};
	int c;
	while ((c = getopt_long(argc, argv, "hd:r:wx", lo, NULL)) != -1) {
		switch (c) {
		case 'h': usage_map(stdout); return 0;
		case 'd':
			if (parse_u32(optarg, &domid) || domid > 0xffff) {
				fprintf(stderr, "map: bad --domid '%s'\n", optarg);
				return 2;
			}
			have_domid = 1;
			break;
		case 'r':
			nrefs = parse_u32_list(optarg, &refs);
			if (nrefs <= 0) {
				fprintf(stderr, "map: bad --refs '%s'\n", optarg);
				return 2;
			}
			break;
		case 'w': writable = 1; break;
		case 'x': xen = 1; break;
		default: usage_map(stderr); return 2;
		}
	}
	if (!have_domid || nrefs <= 0 || optind != argc) {
		usage_map(stderr);
		return 2;
	}

	struct xcheck *xc = NULL;
	if (xen) {
		char err[256];
		xc = xcheck_open(err, sizeof(err));
		if (!xc) {
			fprintf(stderr, "map: --xen: %s\n", err);
			return 1;
		}
	}
	xengnttab_handle *xgt = xengnttab_open(NULL, 0);
	if (!xgt) {
		fprintf(stderr, "map: xengnttab_open: %s\n", strerror(errno));
		return 1;
	}
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	uint8_t *m = xengnttab_map_domain_grant_refs(xgt, nrefs, domid, refs, prot);
	if (!m) {
		fprintf(stderr, "map: xengnttab_map_domain_grant_refs(d%u, %d refs, %s): %s\n",
			domid, nrefs, writable ? "rw" : "ro", strerror(errno));
		return 1;
	}
	long ps = pagesz();
	printf("mapped %d page(s) of d%u %s at %p\n", nrefs, domid, writable ? "rw" : "ro",
	       (void *)m);
	for (int i = 0; i < nrefs; i++)
		printf("page %d ref %u hash 0x%016llx\n", i, refs[i],
		       (unsigned long long)fnv1a64(m + (size_t)i * ps, ps));
	printf("hash 0x%016llx\n", (unsigned long long)fnv1a64(m, (size_t)nrefs * ps));
	fflush(stdout);
	int rc = 0;
	if (xc && xen_show(xc, domid, refs, nrefs, 1))
		rc = 1;

	hold_until_eof_or_signal();

	if (xengnttab_unmap(xgt, m, nrefs)) {
		fprintf(stderr, "map: xengnttab_unmap: %s\n", strerror(errno));
		rc = 1;
	} else {
		printf("unmapped\n");
	}
	xengnttab_close(xgt);
	if (xc) {
		if (xen_show(xc, domid, refs, nrefs, 0))
			rc = 1;
		xcheck_close(xc);
	}
	free(refs);
	return rc;
}
