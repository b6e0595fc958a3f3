/*
 * granter-agent: runs in a granter domU and shares its pages with dom0 on
 * request, so that dom0's toolkit maps grants that live in another domain's
 * grant table.  Driven through xenstore; the protocol is in agent_proto.h.
 *
 * One process, one loop: it reads the command key and waits on the event
 * channel dom0 may signal (unmap notify).  It polls the key rather than
 * watch it: Debian's static libxenstore has no reader thread, so each
 * request reads back exactly one message, and over /dev/xen/xenbus a
 * watch's first event often arrives ahead of XS_WATCH's own reply, which
 * xs_watch() then fails with EINVAL.  Every share is a gntalloc
 * mapping in this process (libxengntshr), filled with the toolkit's page
 * pattern, so dom0 can check what it maps and the agent can report what
 * dom0 wrote.
 */
#include "agent_proto.h"
#include "pattern.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxenvchan.h>
#include <signal.h>
#include <time.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#define MAX_SHARES 64
#define PAGE 4096u

struct share {
	uint8_t *pages;
	uint32_t count;
};

static struct agent {
	struct xs_handle *xs;
	xengntshr_handle *xgs;
	xenevtchn_handle *xce;
	evtchn_port_t port;
	struct share shares[MAX_SHARES];
	char dir[64];                 /* /local/domain/<self>/AGENT_DIR */
	/* the byte 'watch' names, and what the events saw of it */
	int watch_id;
	size_t watch_off;
	unsigned long events;
	int first_byte;
} A = { .watch_id = -1, .first_byte = -1 };

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("granter-agent: ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

static int key_write(const char *key, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", A.dir, key);
	return xs_write(A.xs, XBT_NULL, path, val, strlen(val)) ? 0 : -1;
}

static struct share *share_of(const char *arg, size_t off, size_t len, char *err, size_t errlen)
{
	char *end;
	unsigned long id = strtoul(arg, &end, 10);

	if (*end || id >= MAX_SHARES || !A.shares[id].pages) {
		snprintf(err, errlen, "no share '%s'", arg);
		return NULL;
	}
	if (off > A.shares[id].count * PAGE || len > A.shares[id].count * PAGE - off) {
		snprintf(err, errlen, "range %zu+%zu outside share %lu", off, len, id);
		return NULL;
	}
	return &A.shares[id];
}

/* Forget the watched byte if it lives in share id (or in any, for -1). */
static void unwatch(int id)
{
	if (id < 0 || A.watch_id == id)
		A.watch_id = -1;
}

static int do_share(char *args, char *out, size_t outlen)
{
	unsigned n, w, seed;
	uint32_t refs[AGENT_MAX_PAGES];
	int id;

	if (sscanf(args, "%u %u %u", &n, &w, &seed) != 3 || !n || n > AGENT_MAX_PAGES) {
		snprintf(out, outlen, "usage: share N(1..%d) W SEED", AGENT_MAX_PAGES);
		return -1;
	}
	for (id = 0; id < MAX_SHARES && A.shares[id].pages; id++)
		;
	if (id == MAX_SHARES) {
		snprintf(out, outlen, "all %d shares in use", MAX_SHARES);
		return -1;
	}
	A.shares[id].pages = xengntshr_share_pages(A.xgs, 0, n, refs, w);
	if (!A.shares[id].pages) {
		snprintf(out, outlen, "xengntshr_share_pages(%u): %s", n, strerror(errno));
		return -1;
	}
	A.shares[id].count = n;
	pattern_fill(A.shares[id].pages, seed, n, PAGE);
	size_t len = snprintf(out, outlen, "%d", id);
	for (unsigned i = 0; i < n && len < outlen; i++)
		len += snprintf(out + len, outlen - len, " %u", refs[i]);
	return 0;
}

static void unshare(struct share *s)
{
	unwatch(s - A.shares);
	xengntshr_unshare(A.xgs, s->pages, s->count);
	s->pages = NULL;
}

static int do_unshare(char *args, char *out, size_t outlen)
{
	struct share *s = share_of(args, 0, 0, out, outlen);

	if (!s)
		return -1;
	unshare(s);
	out[0] = '\0';
	return 0;
}

static int do_fill(char *args, char *out, size_t outlen)
{
	char id[16];
	unsigned seed;
	struct share *s;

	if (sscanf(args, "%15s %u", id, &seed) != 2) {
		snprintf(out, outlen, "usage: fill ID SEED");
		return -1;
	}
	s = share_of(id, 0, 0, out, outlen);
	if (!s)
		return -1;
	pattern_fill(s->pages, seed, s->count, PAGE);
	out[0] = '\0';
	return 0;
}

static int do_set(char *args, char *out, size_t outlen)
{
	char id[16];
	size_t off, len;
	unsigned v;
	struct share *s;

	if (sscanf(args, "%15s %zu %zu %u", id, &off, &len, &v) != 4) {
		snprintf(out, outlen, "usage: set ID OFF LEN V");
		return -1;
	}
	s = share_of(id, off, len, out, outlen);
	if (!s)
		return -1;
	memset(s->pages + off, (int)v, len);
	out[0] = '\0';
	return 0;
}

static int do_read(char *args, char *out, size_t outlen)
{
	char id[16];
	size_t off, len;
	struct share *s;

	if (sscanf(args, "%15s %zu %zu", id, &off, &len) != 3 || len > AGENT_MAX_IO) {
		snprintf(out, outlen, "usage: read ID OFF LEN(<=%d)", AGENT_MAX_IO);
		return -1;
	}
	s = share_of(id, off, len, out, outlen);
	if (!s)
		return -1;
	for (size_t i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", s->pages[off + i]);
	out[2 * len] = '\0';
	return 0;
}

static int do_write(char *args, char *out, size_t outlen)
{
	char id[16];
	size_t off, len;
	int pos;
	struct share *s;

	if (sscanf(args, "%15s %zu %n", id, &off, &pos) != 2) {
		snprintf(out, outlen, "usage: write ID OFF HEX");
		return -1;
	}
	len = strlen(args + pos) / 2;
	s = share_of(id, off, len, out, outlen);
	if (!s)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned b;

		if (sscanf(args + pos + 2 * i, "%2x", &b) != 1) {
			snprintf(out, outlen, "bad hex at %zu", i);
			return -1;
		}
		s->pages[off + i] = b;
	}
	out[0] = '\0';
	return 0;
}

static int do_watch(char *args, char *out, size_t outlen)
{
	char id[16];
	size_t off;

	if (sscanf(args, "%15s %zu", id, &off) != 2) {
		snprintf(out, outlen, "usage: watch ID OFF");
		return -1;
	}
	if (!share_of(id, off, 1, out, outlen))
		return -1;
	A.watch_id = atoi(id);
	A.watch_off = off;
	A.events = 0;
	A.first_byte = -1;
	out[0] = '\0';
	return 0;
}

static int watched_byte(void)
{
	if (A.watch_id < 0)
		return -1;
	return A.shares[A.watch_id].pages[A.watch_off];
}

static int do_events(char *args, char *out, size_t outlen)
{
	(void)args;
	snprintf(out, outlen, "%lu %d %d", A.events, A.first_byte, watched_byte());
	return 0;
}

static void revoke_all(void)
{
	for (int id = 0; id < MAX_SHARES; id++)
		if (A.shares[id].pages)
			unshare(&A.shares[id]);
}

static int do_revoke(char *args, char *out, size_t outlen)
{
	(void)args;
	revoke_all();
	xengntshr_close(A.xgs);
	A.xgs = xengntshr_open(NULL, 0);
	if (!A.xgs) {
		snprintf(out, outlen, "reopening gntalloc: %s", strerror(errno));
		return -1;
	}
	out[0] = '\0';
	return 0;
}

static int do_crash(char *args, char *out, size_t outlen)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY);

	(void)args;
	if (fd < 0 || write(fd, "c", 1) != 1)
		snprintf(out, outlen, "sysrq-trigger: %s", strerror(errno));
	else
		snprintf(out, outlen, "still alive after sysrq 'c'");
	return -1;
}

/* Connect to dom0's vchan server at path, retrying until it is there. */
static struct libxenvchan *vchan_connect(const char *path)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };

	for (int waited = 0; waited < AGENT_VCHAN_WAIT_MS; waited += 50) {
		struct libxenvchan *v = libxenvchan_client_init(NULL, 0, path);

		if (v)
			return v;
		nanosleep(&pause, NULL);
	}
	return NULL;
}

/* The vchan child: echo until dom0 closes; its exit status says how far
 * it got (nobody collects it: SIGCHLD is ignored). */
static _Noreturn void vchan_echo(int server, const char *path, size_t ring)
{
	struct libxenvchan *v = server ? libxenvchan_server_init(NULL, 0, path, ring, ring)
				       : vchan_connect(path);
	static char buf[4096];
	int n;

	if (!v) {
		say("vchan %s %s: %s", server ? "server" : "client", path, strerror(errno));
		_exit(1);
	}
	v->blocking = 1;
	while ((n = libxenvchan_read(v, buf, sizeof(buf))) > 0)
		if (libxenvchan_send(v, buf, n) != n)
			break;
	libxenvchan_close(v);
	_exit(0);
}

static int do_vchan(char *args, char *out, size_t outlen)
{
	char role[16], path[256];
	size_t ring;
	pid_t pid;

	if (sscanf(args, "%15s %255s %zu", role, path, &ring) != 3 ||
	    (strcmp(role, "server") && strcmp(role, "client"))) {
		snprintf(out, outlen, "usage: vchan server|client PATH RING");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(out, outlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		vchan_echo(!strcmp(role, "server"), path, ring);
	snprintf(out, outlen, "%d", (int)pid);
	return 0;
}

static const struct verb {
	const char *name;
	int (*fn)(char *args, char *out, size_t outlen);
} verbs[] = {
	{ "share", do_share }, { "unshare", do_unshare }, { "fill", do_fill },
	{ "set", do_set }, { "read", do_read }, { "write", do_write },
	{ "watch", do_watch }, { "events", do_events }, { "revoke", do_revoke },
	{ "crash", do_crash }, { "vchan", do_vchan },
};

/* Run the command in the cmd key (if it is new) and write the reply;
 * whether there was one. */
static int serve(void)
{
	static unsigned long last_seq;
	static char out[2 * AGENT_MAX_IO + 64];
	char path[128], *cmd, verb[16];
	unsigned int len;
	unsigned long seq;
	int pos, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", A.dir, AGENT_CMD);
	cmd = xs_read(A.xs, XBT_NULL, path, &len);
	if (!cmd)
		return 0;
	if (sscanf(cmd, "%lu %15s %n", &seq, verb, &pos) < 2 || seq == last_seq) {
		free(cmd);
		return 0;
	}
	last_seq = seq;
	snprintf(out, sizeof(out), "no verb '%s'", verb);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verb, verbs[i].name))
			rc = verbs[i].fn(cmd + pos, out, sizeof(out));
	free(cmd);

	static char reply[sizeof(out) + 32];

	snprintf(reply, sizeof(reply), "%lu %s %s", seq, rc ? "err" : "ok", out);
	if (key_write(AGENT_REPLY, reply))
		say("writing the reply: %s", strerror(errno));
	return 1;
}

static void on_event(void)
{
	xenevtchn_port_or_error_t p = xenevtchn_pending(A.xce);

	if (p < 0)
		return;
	if (!A.events++)
		A.first_byte = watched_byte();
	xenevtchn_unmask(A.xce, p);
}

static int setup(void)
{
	char val[32], *domid;
	unsigned int len;

	A.xs = xs_open(0);
	A.xgs = xengntshr_open(NULL, 0);
	A.xce = xenevtchn_open(NULL, 0);
	if (!A.xs || !A.xgs || !A.xce) {
		say("cannot open %s: %s", !A.xs ? "xenstore" : !A.xgs ? "gntalloc" : "evtchn",
		    strerror(errno));
		return -1;
	}
	domid = xs_read(A.xs, XBT_NULL, "domid", &len);
	if (!domid) {
		say("cannot read my domid: %s", strerror(errno));
		return -1;
	}
	snprintf(A.dir, sizeof(A.dir), "/local/domain/%s/%s", domid, AGENT_DIR);
	free(domid);
	int port = xenevtchn_bind_unbound_port(A.xce, 0);

	if (port < 0) {
		say("cannot bind a port for dom0: %s", strerror(errno));
		return -1;
	}
	A.port = port;
	snprintf(val, sizeof(val), "%d", port);
	if (key_write(AGENT_CMD, "") || key_write(AGENT_REPLY, "") || key_write(AGENT_PORT, val)) {
		say("cannot write under %s: %s", A.dir, strerror(errno));
		return -1;
	}
	snprintf(val, sizeof(val), "%d", (int)getpid());
	if (key_write(AGENT_READY, val))
		return -1;
	say("ready: %s, port %d", A.dir, port);
	return 0;
}

/* How often the command key is read: often while dom0 is talking to us,
 * rarely when it has not for a while. */
#define BUSY_POLL_MS 1
#define IDLE_POLL_MS 20
#define BUSY_ROUNDS  1000

int main(void)
{
	unsigned int busy = 0;

	signal(SIGCHLD, SIG_IGN);       /* vchan children reap themselves */
	if (setup())
		return 1;
	for (;;) {
		struct pollfd p = { .fd = xenevtchn_fd(A.xce), .events = POLLIN };

		if (poll(&p, 1, busy ? BUSY_POLL_MS : IDLE_POLL_MS) < 0 && errno != EINTR) {
			say("poll: %s", strerror(errno));
			return 1;
		}
		if (p.revents & POLLIN)
			on_event();
		if (serve())
			busy = BUSY_ROUNDS;
		else if (busy)
			busy--;
	}
}
