#include "agent.h"
#include "agent_proto.h"
#include "clock.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>

/* How long the agent may take to answer (a TCG guest can be slow). */
#define AGENT_TIMEOUT_MS 20000

/*
 * This process's connection.  No watch is set on it: libxenstore would
 * start a reader thread, which a forked child does not inherit.
 */
static struct xs_handle *xs;
static pid_t xs_pid;

static struct xs_handle *conn(char *err, size_t errlen)
{
	if (xs && xs_pid == getpid())
		return xs;
	xs = xs_open(0);       /* a parent's handle is abandoned, not closed */
	xs_pid = getpid();
	if (!xs)
		snprintf(err, errlen, "xs_open: %s (xenstored running?)", strerror(errno));
	return xs;
}

static char *key_read(uint32_t domid, const char *key)
{
	char path[128];
	unsigned int len;

	snprintf(path, sizeof(path), "/local/domain/%u/%s/%s", domid, AGENT_DIR, key);
	return xs_read(xs, XBT_NULL, path, &len);
}

int agent_call(uint32_t domid, char *out, size_t outlen, const char *fmt, ...)
{
	static unsigned long n;
	char cmd[2 * AGENT_MAX_IO + 64], path[128], want[32];
	unsigned long seq = (unsigned long)getpid() * 1000000ul + ++n;
	va_list ap;
	int len;

	if (!conn(out, outlen))
		return -1;
	len = snprintf(cmd, sizeof(cmd), "%lu ", seq);
	va_start(ap, fmt);
	vsnprintf(cmd + len, sizeof(cmd) - len, fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "/local/domain/%u/%s/%s", domid, AGENT_DIR, AGENT_CMD);
	if (!xs_write(xs, XBT_NULL, path, cmd, strlen(cmd))) {
		snprintf(out, outlen, "writing %s: %s", path, strerror(errno));
		return -1;
	}
	len = snprintf(want, sizeof(want), "%lu ", seq);
	for (long t0 = mono_ms(); mono_ms() - t0 < AGENT_TIMEOUT_MS; msleep(1)) {
		char *r = key_read(domid, AGENT_REPLY);

		if (!r || strncmp(r, want, len)) {
			free(r);
			continue;
		}
		int ok = !strncmp(r + len, "ok", 2);
		const char *data = r + len + (ok ? 2 : 3);

		snprintf(out, outlen, "%s", *data == ' ' ? data + 1 : data);
		free(r);
		return ok ? 0 : -1;
	}
	snprintf(out, outlen, "d%u's granter agent did not answer '%s' within %d ms",
		 domid, cmd + strlen(want), AGENT_TIMEOUT_MS);
	return -1;
}

int agent_port(uint32_t domid, char *err, size_t errlen)
{
	char path[128];
	uint32_t port;

	snprintf(path, sizeof(path), "/local/domain/%u/%s/%s", domid, AGENT_DIR, AGENT_PORT);
	return xenstore_read_u32(path, &port, err, errlen) ? -1 : (int)port;
}

/* The domid of the domain called 'name', or -1. */
static int domid_of(const char *name)
{
	unsigned int n, len;
	char **doms = xs_directory(xs, XBT_NULL, "/local/domain", &n);
	int found = -1;

	for (unsigned int i = 0; doms && i < n && found < 0; i++) {
		char path[64], *v;

		snprintf(path, sizeof(path), "/local/domain/%s/name", doms[i]);
		v = xs_read(xs, XBT_NULL, path, &len);
		if (v && !strcmp(v, name))
			found = atoi(doms[i]);
		free(v);
	}
	free(doms);
	return found;
}

int agent_wait(const char *name, long timeout_ms, char *err, size_t errlen)
{
	long t0 = mono_ms();
	int d = -1;

	if (!conn(err, errlen))
		return -1;
	while (mono_ms() - t0 < timeout_ms) {
		char *r;

		if (d < 0)
			d = domid_of(name);
		r = d < 0 ? NULL : key_read(d, AGENT_READY);
		if (r && *r) {
			free(r);
			return d;
		}
		free(r);
		msleep(100);
	}
	snprintf(err, errlen, "no ready agent in domain '%s' (d%d) after %ld ms", name, d,
		 timeout_ms);
	return -1;
}

int xenstore_read_u32(const char *path, uint32_t *v, char *err, size_t errlen)
{
	unsigned int len;
	char *s, *end;

	if (!conn(err, errlen))
		return -1;
	s = xs_read(xs, XBT_NULL, path, &len);
	if (!s) {
		snprintf(err, errlen, "reading %s: %s", path, strerror(errno));
		return -1;
	}
	*v = strtoul(s, &end, 10);
	if (end == s || *end) {
		snprintf(err, errlen, "%s holds '%s', not a number", path, s);
		free(s);
		return -1;
	}
	free(s);
	return 0;
}

int agent_find(char *err, size_t errlen)
{
	unsigned int n;
	char **doms;
	int found = -1;

	if (!conn(err, errlen))
		return -1;
	doms = xs_directory(xs, XBT_NULL, "/local/domain", &n);
	if (!doms) {
		snprintf(err, errlen, "listing /local/domain: %s", strerror(errno));
		return -1;
	}
	for (unsigned int i = 0; i < n; i++) {
		uint32_t d = strtoul(doms[i], NULL, 10);
		char *r = d ? key_read(d, AGENT_READY) : NULL;

		if (r && *r) {
			if (found >= 0) {
				snprintf(err, errlen, "granter agents in d%d and d%u: name one", found, d);
				free(r);
				free(doms);
				return -1;
			}
			found = d;
		}
		free(r);
	}
	free(doms);
	if (found < 0)
		snprintf(err, errlen, "no domain runs a granter agent (%s/%s)", AGENT_DIR, AGENT_READY);
	return found;
}
