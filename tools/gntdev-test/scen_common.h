/* Helpers shared by the raw-gntdev scenario files. */
#ifndef GT_SCEN_COMMON_H
#define GT_SCEN_COMMON_H

#include "gntdev_raw.h"
#include "granter.h"

#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/types.h>

/* Open gntdev (fail with evidence). */
int sc_open(int *fd);

/* Share n fresh pages with T->mapdom and fill them with pattern 'seed'. */
int sc_share(struct granter *g, uint32_t n, int writable, uint32_t seed);

/* The granter must see 'want' at byte 'off' of its share (evidence names
 * 'what' otherwise). */
int sc_granter_sees(struct granter *g, size_t off, uint8_t want, const char *what);

/* The granter's view of its whole share holds pattern 'seed'. */
int sc_granter_pattern(struct granter *g, uint32_t seed, const char *what);

/* MAP ioctl + mmap of all of g's pages; checks the pattern. */
int sc_map_mmap(int fd, struct granter *g, uint32_t seed, int prot,
		uint64_t *index, uint8_t **m);

/*
 * The most common set-up: a fresh gntdev fd, n fresh writable pages filled
 * with 'seed', one map of them mmapped read-write.
 */
struct sc_map {
	int fd;
	struct granter g;
	uint64_t index;
	uint8_t *m;        /* NULL once the scenario has munmapped it itself */
	uint32_t n;
};

/* sc_open + sc_share + sc_map_mmap, then Xen must show all n refs mapped
 * ('when' names that moment in evidence). */
int sc_setup(struct sc_map *s, uint32_t n, uint32_t seed, const char *when);

/* munmap (unless s->m is NULL), UNMAP, Xen must show the refs unmapped,
 * close the fd and unshare the pages. */
int sc_teardown(struct sc_map *s);

/*
 * A child process driven by the scenario over two pipes: it reads
 * command bytes on 'cmd' and writes status bytes on 'rep'.  sc_fork_kid()
 * returns 0 in the child (k holds the child's ends), 1 in the parent (the
 * parent's ends), or -1 with evidence.
 */
struct sc_kid {
	pid_t pid;
	int cmd;
	int rep;
};
int sc_fork_kid(struct sc_kid *k);
/* One byte from fd (a kid's rep, a socket) within timeout_ms; 1 with
 * evidence naming 'what' if none came. */
int sc_get_byte(int fd, char *c, unsigned timeout_ms, const char *what);
/* The child's side of a ready handshake: report c; unless it is 'R' exit;
 * then wait for the parent's go-ahead byte (exit if the parent is gone). */
void sc_kid_ready(struct sc_kid *k, char c);
void sc_kid_close(struct sc_kid *k);

/* waitpid(pid) with a deadline; 0 and *status, or 1 with evidence (the
 * child is SIGKILLed and reaped when the deadline passes). */
int sc_wait(pid_t pid, int *status, unsigned timeout_ms, const char *who);

#endif
