/* dom0's side of the granter agent (agent_proto.h): commands through xenstore. */
#ifndef GT_AGENT_H
#define GT_AGENT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Send "verb args..." to the agent in domain 'domid' and wait for its
 * reply.  0 with the reply's data in out, or -1 with a message in out.
 * Each process opens its own xenstore connection on first use (one
 * inherited across fork would interleave with the parent's).
 */
int agent_call(uint32_t domid, char *out, size_t outlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The event channel port the agent bound for dom0, or -1 (message in err). */
int agent_port(uint32_t domid, char *err, size_t errlen);

/* Wait up to timeout_ms for the domain called 'name' to have a ready
 * agent; its domid, or -1 (message in err). */
int agent_wait(const char *name, long timeout_ms, char *err, size_t errlen);

/* Read xenstore's 'path' as a number (the agent's connection is used for
 * any key dom0 needs).  0, or -1 with a message in err. */
int xenstore_read_u32(const char *path, uint32_t *v, char *err, size_t errlen);

/* The one domain whose agent says it is ready, or -1 (message in err). */
int agent_find(char *err, size_t errlen);

#endif
