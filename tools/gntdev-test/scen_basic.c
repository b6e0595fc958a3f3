/* Basic scenarios: the libxengnttab round trip (walking skeleton). */
#include "granter.h"
#include "runner.h"
#include "util.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <xengnttab.h>

/* Both directions of data flow through one mapping of 'n' pages. */
static int roundtrip(uint32_t n)
{
	char err[256];
	struct granter g;
	CHECK(granter_share(&g, T->mapdom, n, 1, err, sizeof(err)) == 0, "%s", err);
	granter_fill(&g, 0x5eed + n);

	xengnttab_handle *xgt = xengnttab_open(note_logger(), 0);
	CHECK(xgt, "xengnttab_open: %s", strerror(errno));
	uint8_t *m = xengnttab_map_domain_grant_refs(xgt, n, T->granter, g.refs,
						      PROT_READ | PROT_WRITE);
	CHECK(m, "xengnttab_map_domain_grant_refs(%u refs, first %u): %s", n,
	      g.refs[0], strerror(errno));

	/* granter -> mapper */
	STEP(check_pattern(m, 0x5eed + n, 0, n, "mapped view after fill"));

	STEP(xen_expect_mapped(g.refs, n, "while mapped"));

	/* mapper -> granter, at several offsets of every page */
	long ps = pagesz();
	static const long offs[] = { 0, 1, 511, 2048, 4095 };
	for (uint32_t k = 0; k < n; k++)
		for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
			uint8_t v = (uint8_t)(0xa0 + k * 7 + i);
			m[k * ps + offs[i]] = v;
			CHECK(g.pages[k * ps + offs[i]] == v,
			      "write via mapping page %u off %ld: granter sees 0x%02x, want 0x%02x",
			      k, offs[i], g.pages[k * ps + offs[i]], v);
		}
	/* granter -> mapper again, after the mapping exists */
	for (uint32_t k = 0; k < n; k++) {
		memset(g.pages + k * ps + 100, 0x3c + k, 64);
		for (int i = 0; i < 64; i++)
			CHECK(m[k * ps + 100 + i] == (uint8_t)(0x3c + k),
			      "granter write page %u off %d not seen through mapping (0x%02x)",
			      k, 100 + i, m[k * ps + 100 + i]);
	}

	CHECK(xengnttab_unmap(xgt, m, n) == 0, "xengnttab_unmap: %s", strerror(errno));
	/* Grants still exist (gntalloc holds them); Xen must show them unmapped. */
	STEP(xen_expect_unmapped(g.refs, n, "after xengnttab_unmap, before unshare"));
	xengnttab_close(xgt);
	granter_release(&g);
	return 0;
}

static int sc_basic(void)
{
	return roundtrip(1);
}

static int sc_basic_multi(void)
{
	return roundtrip(5);
}

/* xengnttab_map_grant_ref (single-ref API) and a read-only mapping. */
static int sc_basic_readonly(void)
{
	char err[256];
	struct granter g;
	CHECK(granter_share(&g, T->mapdom, 1, 1, err, sizeof(err)) == 0, "%s", err);
	granter_fill(&g, 77);
	xengnttab_handle *xgt = xengnttab_open(note_logger(), 0);
	CHECK(xgt, "xengnttab_open: %s", strerror(errno));
	uint8_t *m = xengnttab_map_grant_ref(xgt, T->granter, g.refs[0], PROT_READ);
	CHECK(m, "xengnttab_map_grant_ref(PROT_READ): %s", strerror(errno));
	STEP(check_pattern(m, 77, 0, 1, "read-only view"));
	STEP(xen_expect_mapped(g.refs, 1, "while mapped read-only"));
	int sig = probe_write(m + 8, 0x11);
	CHECK(sig != 0, "write through a PROT_READ mapping did not fault");
	CHECK(g.pages[8] == pattern_byte(77, 0, 8), "faulting write changed the granted page");
	CHECK(xengnttab_unmap(xgt, m, 1) == 0, "xengnttab_unmap: %s", strerror(errno));
	STEP(xen_expect_unmapped(g.refs, 1, "after unmap"));
	xengnttab_close(xgt);
	granter_release(&g);
	return 0;
}

const struct scenario scen_basic[] = {
	{ "basic-map-rw-unmap",
	  "a gntalloc page granted to dom0 maps via libxengnttab, data flows both ways, "
	  "and Xen shows the grant unmapped after xengnttab_unmap", sc_basic, SC_MAPS },
	{ "basic-map-rw-5pages",
	  "same round trip for a 5-page map (every page, several offsets)",
	  sc_basic_multi, SC_MAPS },
	{ "basic-map-readonly",
	  "a PROT_READ mapping shows the data, faults on write, and is released",
	  sc_basic_readonly, SC_MAPS },
	{ NULL, NULL, NULL, 0 },
};
