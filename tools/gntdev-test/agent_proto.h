/*
 * The granter agent's protocol: how dom0's toolkit drives the agent that
 * runs in a granter domU (granter-agent.c), through xenstore.
 *
 * Everything lives under /local/domain/<granter>/AGENT_DIR.  The agent
 * creates every key there itself, so that it owns them and dom0 (which may
 * write anywhere) can still write them.
 *
 *   ready   the agent's pid, written once it listens
 *   port    an event channel port the agent has bound unbound for dom0
 *   cmd     "<seq> <verb> <args...>", written by dom0
 *   reply   "<seq> ok <data...>" or "<seq> err <message>", by the agent
 *
 * Verbs (ID names one share; offsets are bytes into that share):
 *   share N W SEED     share N pages with dom0 (W: 1 writable), filled with
 *                      pattern SEED.  Reply: "ID REF0 REF1 ..."
 *   unshare ID         unshare them (gntalloc ends foreign access; a page
 *                      dom0 still maps stays granted until dom0 lets go)
 *   fill ID SEED       refill with pattern SEED
 *   set ID OFF LEN V   memset(OFF, V, LEN)
 *   read ID OFF LEN    reply: the bytes as hex (LEN <= AGENT_MAX_IO)
 *   write ID OFF HEX   store the bytes
 *   watch ID OFF       from now on, note the byte at OFF whenever an event
 *                      arrives on 'port'; counters start at zero
 *   events             reply: "COUNT FIRST NOW": events seen since 'watch',
 *                      the watched byte when the first one arrived (-1: none
 *                      yet), and the byte now
 *   revoke             close the agent's gntalloc handle: every share goes
 *                      at once, as if the agent had died
 *   vchan ROLE PATH RING  a child echoes everything it reads on a libxenvchan
 *                      with dom0 at xenstore PATH until dom0 closes: ROLE
 *                      server (it grants RING-byte rings) or client (it
 *                      maps dom0's; it waits up to AGENT_VCHAN_WAIT_MS for
 *                      dom0's server).  Reply: the child's pid
 *   crash              crash the granter's kernel (sysrq 'c')
 */
#ifndef GT_AGENT_PROTO_H
#define GT_AGENT_PROTO_H

#define AGENT_DIR     "data/gntdev-granter"
#define AGENT_READY   "ready"
#define AGENT_PORT    "port"
#define AGENT_CMD     "cmd"
#define AGENT_REPLY   "reply"

/* Bytes one read or write may move: their hex, with the reply's head, must
 * fit the 2048 bytes xenstored lets an unprivileged domain write. */
#define AGENT_MAX_IO  960
/* How long a vchan client waits for its server to appear. */
#define AGENT_VCHAN_WAIT_MS 20000
/* Pages one share may hold (their refs must fit a xenstore value). */
#define AGENT_MAX_PAGES 256

#endif
