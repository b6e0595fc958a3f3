/* Basic scenarios: the libxengnttab round trip (walking skeleton). */
#include "domain.h"
#include "errname.h"
#include "evidence.h"
#include "gntdev_raw.h"
#include "granter.h"
#include "note_logger.h"
#include "pattern_check.h"
#include "probe.h"
#include "scen_common.h"
#include "scenario.h"
#include "xen_expect.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xengnttab.h>

/* Both directions of data flow through one mapping of 'n' pages. */
static int roundtrip(uint32_t n)
{
	struct granter g;
	STEP(sc_share(&g, n, 1, 0x5eed + n));

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
			uint8_t v = (uint8_t)(0xa0 + k * 7 + i), seen;
			m[k * ps + offs[i]] = v;
			STEP(granter_byte(&g, k * ps + offs[i], &seen));
			CHECK(seen == v,
			      "write via mapping page %u off %ld: granter sees 0x%02x, want 0x%02x",
			      k, offs[i], seen, v);
		}
	/* granter -> mapper again, after the mapping exists */
	for (uint32_t k = 0; k < n; k++) {
		STEP(granter_set(&g, k * ps + 100, 0x3c + k, 64));
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

SCENARIO("basic-map-rw-unmap", SC_MAPS,
	 "a gntalloc page granted to dom0 maps via libxengnttab, data flows both ways, "
	 "and Xen shows the grant unmapped after xengnttab_unmap")
{
	return roundtrip(1);
}

SCENARIO("basic-map-rw-5pages", SC_MAPS,
	 "same round trip for a 5-page map (every page, several offsets)")
{
	return roundtrip(5);
}

/* xengnttab_map_grant_ref (single-ref API) and a read-only mapping. */
SCENARIO("basic-map-readonly", SC_MAPS,
	 "a PROT_READ mapping shows the data, faults on write, and is released")
{
	struct granter g;
	STEP(sc_share(&g, 1, 1, 77));
	xengnttab_handle *xgt = xengnttab_open(note_logger(), 0);
	CHECK(xgt, "xengnttab_open: %s", strerror(errno));
	uint8_t *m = xengnttab_map_grant_ref(xgt, T->granter, g.refs[0], PROT_READ);
	CHECK(m, "xengnttab_map_grant_ref(PROT_READ): %s", strerror(errno));
	STEP(check_pattern(m, 77, 0, 1, "read-only view"));
	STEP(xen_expect_mapped(g.refs, 1, "while mapped read-only"));
	int sig = probe_write(m + 8, 0x11);
	CHECK(sig != 0, "write through a PROT_READ mapping did not fault");
	uint8_t b;
	STEP(granter_byte(&g, 8, &b));
	CHECK(b == pattern_byte(77, 0, 8), "faulting write changed the granted page");
	CHECK(xengnttab_unmap(xgt, m, 1) == 0, "xengnttab_unmap: %s", strerror(errno));
	STEP(xen_expect_unmapped(g.refs, 1, "after unmap"));
	xengnttab_close(xgt);
	granter_release(&g);
	return 0;
}

/* QEMU's pattern: cap a handle at its ring size, then map more than that
 * through it one grant at a time (its map path when grant copy is missing).
 * Linux answers SET_MAX_GRANTS with ENOTTY, which libxengnttab takes as
 * success, and caps nothing; a cap here breaks QEMU's block backend. */
SCENARIO("set-max-grants-no-cap", SC_MAPS,
	 "SET_MAX_GRANTS is ENOTTY as in Linux, so a libxengnttab handle capped at 1 "
	 "still maps four grants one by one (QEMU's map path), all released")
{
	struct granter g;
	uint8_t *m[4] = { NULL };
	int fd = gd_open();
	CHECK(fd >= 0, "open /dev/xen/gntdev: %s", errname(-fd));
	int rc = gd_set_max_grants(fd, 1);
	close(fd);
	CHECK(rc == -ENOTTY, "raw SET_MAX_GRANTS(1): %s, want ENOTTY as Linux",
	      rc ? errname(-rc) : "success");
	STEP(sc_share(&g, 4, 1, 31));
	xengnttab_handle *xgt = xengnttab_open(note_logger(), 0);
	CHECK(xgt, "xengnttab_open: %s", strerror(errno));
	CHECK(xengnttab_set_max_grants(xgt, 1) == 0, "xengnttab_set_max_grants(1): %s",
	      strerror(errno));
	for (int k = 0; k < 4; k++) {
		m[k] = xengnttab_map_grant_ref(xgt, T->granter, g.refs[k], PROT_READ | PROT_WRITE);
		CHECK(m[k], "map #%d on a handle capped at 1: %s", k + 1, strerror(errno));
		char what[40];
		snprintf(what, sizeof(what), "map #%d", k + 1);
		STEP(check_pattern(m[k], 31, k, 1, what));
	}
	STEP(xen_expect_mapped(g.refs, 4, "four maps on a handle capped at 1"));
	for (int k = 0; k < 4; k++)
		CHECK(xengnttab_unmap(xgt, m[k], 1) == 0, "xengnttab_unmap #%d: %s", k + 1,
		      strerror(errno));
	STEP(xen_expect_unmapped(g.refs, 4, "after unmapping all four"));
	xengnttab_close(xgt);
	granter_release(&g);
	return 0;
}
