/*
 * libxenvchan across domains, in both roles, with Debian's library
 * unchanged: the granter agent echoes whatever dom0 sends, and dom0
 * checks the echo of a position-dependent pattern.
 *
 *   dom0 as client: the domU serves, granting the rings from its gntalloc,
 *     and dom0 maps them through the gntdev under test (with the unmap
 *     notification libxenvchan arms on the shared page);
 *   dom0 as server: dom0 grants the rings and the domU maps them through
 *     its own gntdev.
 *
 * Xen must show the shared page mapped while connected; the runner, and
 * for dom0's own grants the scenario, check that nothing stays mapped.
 */
#include "agent.h"
#include "agent_proto.h"
#include "clock.h"
#include "errname.h"
#include "evidence.h"
#include "note_logger.h"
#include "scen_common.h"
#include "scenario.h"
#include "xen_expect.h"

#include <libxenvchan.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VCHAN_ROUNDS   64          /* bytes sent: this many rings' worth */
#define VCHAN_RELEASE_MS 5000

static uint8_t vchan_byte(size_t i)
{
	return (uint8_t)(i * 131u + (i >> 9) * 7u + 0x5a);
}

/* Send 'total' pattern bytes and check that each comes back. */
static int exchange(struct libxenvchan *v, size_t total, const char *what)
{
	static uint8_t tx[4096], rx[4096];
	/* libxenvchan_send() refuses more than the ring holds */
	size_t chunk = libxenvchan_buffer_space(v);
	if (chunk > sizeof(tx))
		chunk = sizeof(tx);
	CHECK(chunk > 0, "%s: no buffer space at the start", what);
	for (size_t done = 0, n; done < total; done += n) {
		n = total - done < chunk ? total - done : chunk;
		for (size_t i = 0; i < n; i++)
			tx[i] = vchan_byte(done + i);
		CHECK(libxenvchan_send(v, tx, n) == (int)n, "%s: send at byte %zu: %s", what, done,
		      errname(errno));
		CHECK(libxenvchan_recv(v, rx, n) == (int)n, "%s: echo at byte %zu: %s", what, done,
		      errname(errno));
		size_t bad = 0, first = n, last = 0;
		for (size_t i = 0; i < n; i++)
			if (rx[i] != tx[i]) {
				bad++;
				first = first < i ? first : i;
				last = i;
			}
		CHECK(!bad, "%s: %zu of the %zu bytes at %zu came back wrong, from byte %zu "
		      "(0x%02x, want 0x%02x) to byte %zu (0x%02x, want 0x%02x)", what, bad, n,
		      done, done + first, rx[first], tx[first], done + last, rx[last], tx[last]);
	}
	return 0;
}

/* The shared page's ref, from the server's xenstore node. */
static int ring_ref(const char *path, uint32_t *ref)
{
	char key[300], err[256];
	snprintf(key, sizeof(key), "%s/ring-ref", path);
	CHECK(!xenstore_read_u32(key, ref, err, sizeof(err)), "%s", err);
	return 0;
}

/* dom0 connects to the domU's server and maps its rings. */
static int dom0_client(size_t ring)
{
	char path[128], out[256], what[64];
	uint32_t ref;
	if (!T->granter)
		skip("needs a granter domU (--granter)");
	snprintf(path, sizeof(path), "/local/domain/%u/%s/vchan-%zu", T->granter, AGENT_DIR, ring);
	snprintf(what, sizeof(what), "d%u serving, %zu-byte rings", T->granter, ring);
	CHECK(!agent_call(T->granter, out, sizeof(out), "vchan server %s %zu", path, ring),
	      "%s: %s", what, out);
	struct libxenvchan *v = NULL;
	for (long t0 = mono_ms(); !v && mono_ms() - t0 < AGENT_VCHAN_WAIT_MS; msleep(50))
		v = libxenvchan_client_init(note_logger(), T->granter, path);
	CHECK(v, "%s: libxenvchan_client_init: %s", what, errname(errno));
	v->blocking = 1;
	STEP(ring_ref(path, &ref));
	STEP(xen_expect_mapped(&ref, 1, "connected"));
	STEP(exchange(v, VCHAN_ROUNDS * ring, what));
	libxenvchan_close(v);
	return 0;
}

/* The domU connects to dom0's server and maps dom0's rings. */
static int dom0_server(size_t ring)
{
	char path[128], out[256], what[64];
	uint32_t ref, peer = T->granter;
	if (!peer)
		skip("needs a granter domU (--granter)");
	snprintf(path, sizeof(path), "/local/domain/0/data/gntdev-vchan-%u", peer);
	snprintf(what, sizeof(what), "dom0 serving d%u, %zu-byte rings", peer, ring);
	struct libxenvchan *v = libxenvchan_server_init(note_logger(), peer, path, ring, ring);
	CHECK(v, "%s: libxenvchan_server_init: %s", what, errname(errno));
	v->blocking = 1;
	CHECK(!agent_call(peer, out, sizeof(out), "vchan client %s %zu", path, ring), "%s: %s",
	      what, out);
	STEP(ring_ref(path, &ref));
	STEP(exchange(v, VCHAN_ROUNDS * ring, what));
	/* dom0's own grant, mapped by the domU */
	T->granter = 0;
	T->mapdom = peer;
	STEP(xen_expect_mapped(&ref, 1, "connected"));
	libxenvchan_close(v);
	STEP(xen_wait_unmapped(&ref, 1, VCHAN_RELEASE_MS, "closed"));
	return 0;
}

SCENARIO("vchan-dom0-client-1k", SC_MAPS,
	 "libxenvchan with the granter domU serving 1 KiB rings (inside its shared page) and "
	 "dom0 connecting through this gntdev: 64 KiB echoed intact, the page mapped while "
	 "connected and released after close")
{
	return dom0_client(1024);
}

SCENARIO_TIMEOUT("vchan-dom0-client-64k", SC_MAPS, 300,
	         "the same with 64 KiB rings (33 grants): 4 MiB echoed intact")
{
	return dom0_client(65536);
}

SCENARIO("vchan-dom0-server", SC_MAPS,
	 "libxenvchan with dom0 serving 4 KiB rings and the granter domU connecting through "
	 "its own gntdev: 256 KiB echoed intact, dom0's page released by the domU after close")
{
	return dom0_server(4096);
}
