#include "scen_common.h"
#include "clock.h"
#include "domain.h"
#include "errname.h"
#include "evidence.h"
#include "pattern_check.h"
#include "xen_expect.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int sc_open(int *fd)
{
	*fd = gd_open();
	CHECK(*fd >= 0, "open %s: %s", GNTDEV_PATH, errname(*fd));
	return 0;
}

int sc_share(struct granter *g, uint32_t n, int writable, uint32_t seed)
{
	char err[256];
	CHECK(granter_share(g, T->granter, T->mapdom, n, writable, err, sizeof(err)) == 0,
	      "%s", err);
	if (granter_fill(g, seed)) {
		granter_release(g);
		return 1;
	}
	return 0;
}

int sc_granter_sees(struct granter *g, size_t off, uint8_t want, const char *what)
{
	uint8_t b;
	STEP(granter_byte(g, off, &b));
	CHECK(b == want, "%s: the granter sees 0x%02x at offset %zu, want 0x%02x", what, b, off,
	      want);
	return 0;
}

int sc_granter_pattern(struct granter *g, uint32_t seed, const char *what)
{
	size_t len = (size_t)g->count * pagesz();
	uint8_t *view = malloc(len);
	int rc;

	CHECK(view, "%s: out of memory", what);
	rc = granter_read(g, 0, view, len) || check_pattern(view, seed, 0, g->count, what);
	free(view);
	return rc;
}

int sc_map_mmap(int fd, struct granter *g, uint32_t seed, int prot,
		uint64_t *index, uint8_t **m)
{
	int rc = gd_map(fd, T->granter, g->refs, g->count, index);
	CHECK(rc == 0, "MAP_GRANT_REF(%u): %s", g->count, errname(rc));
	*m = gd_mmap(fd, *index, g->count, prot);
	CHECK(*m, "mmap(%u pages, offset 0x%llx): %s", g->count,
	      (unsigned long long)*index, errname(errno));
	STEP(check_pattern(*m, seed, 0, g->count, "fresh mapping"));
	return 0;
}

int sc_setup(struct sc_map *s, uint32_t n, uint32_t seed, const char *when)
{
	s->n = n;
	s->m = NULL;
	STEP(sc_open(&s->fd));
	STEP(sc_share(&s->g, n, 1, seed));
	STEP(sc_map_mmap(s->fd, &s->g, seed, PROT_READ | PROT_WRITE, &s->index, &s->m));
	STEP(xen_expect_mapped(s->g.refs, n, when));
	return 0;
}

int sc_teardown(struct sc_map *s)
{
	if (s->m) {
		CHECK(munmap(s->m, (size_t)s->n * pagesz()) == 0, "munmap: %s", errname(errno));
		s->m = NULL;
	}
	int rc = gd_unmap(s->fd, s->index, s->n);
	CHECK(rc == 0, "UNMAP: %s", errname(rc));
	STEP(xen_expect_unmapped(s->g.refs, s->n, "after munmap+UNMAP"));
	close(s->fd);
	granter_release(&s->g);
	return 0;
}

int sc_wait(pid_t pid, int *status, unsigned timeout_ms, const char *who)
{
	for (unsigned waited = 0;; waited += 10) {
		pid_t w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			return 0;
		CHECK(w == 0, "waitpid %s: %s", who, errname(errno));
		if (waited >= timeout_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			CHECK(0, "%s did not exit within %u ms: killed", who, timeout_ms);
		}
		msleep(10);
	}
}

int sc_fork_kid(struct sc_kid *k)
{
	int cmd[2], rep[2];
	CHECK(pipe2(cmd, O_CLOEXEC) == 0, "pipe: %s", errname(errno));
	CHECK(pipe2(rep, O_CLOEXEC) == 0, "pipe: %s", errname(errno));
	k->pid = fork();
	CHECK(k->pid >= 0, "fork: %s", errname(errno));
	int child = k->pid == 0;
	k->cmd = cmd[child ? 0 : 1];
	k->rep = rep[child ? 1 : 0];
	close(cmd[child ? 1 : 0]);
	close(rep[child ? 0 : 1]);
	return child ? 0 : 1;
}

int sc_get_byte(int fd, char *c, unsigned timeout_ms, const char *what)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	CHECK(poll(&p, 1, (int)timeout_ms) == 1, "%s: no answer within %u ms", what, timeout_ms);
	CHECK(read(fd, c, 1) == 1, "%s: the other side is gone", what);
	return 0;
}

void sc_kid_ready(struct sc_kid *k, char c)
{
	if (write(k->rep, &c, 1) != 1 || c != 'R')
		_exit(1);
	if (read(k->cmd, &c, 1) != 1)
		_exit(1);
}

void sc_kid_close(struct sc_kid *k)
{
	close(k->cmd);
	close(k->rep);
}
