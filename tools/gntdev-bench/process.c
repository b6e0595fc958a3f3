// SPDX-License-Identifier: GPL-2.0-only
/*
 * fork() and exit of a process holding N live maps on one gntdev file.
 *
 * A child sets the maps up (as a backend keeps them: gntdev_live_map()),
 * says so through a pipe, then does what it is told:
 *   FORK: fork() once, the new process _exits at once; the child sends
 *         back how long fork() took in it.  gntdev's VMAs are not copied
 *         (VM_DONTCOPY), but fork() still walks them.
 *   EXIT: _exit(0).  The parent times from sending it to waitpid()
 *         returning and the module's use count being back at zero, i.e.
 *         until the file and every map in it are gone.
 * After the last child, every grant must still map and show its pattern:
 * the time measured was not that of a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define FORKS_PER_CHILD 5
#define REFCNT "/sys/module/xen_gntdev/refcnt"
/* How long the module may stay in use after the exit (ns). */
#define RELEASE_TIMEOUT 10e9

enum command { FORK = 'F', EXIT = 'X' };

static const unsigned int process_maps[] = { 0, MANY_MAPS };

struct child {
	pid_t pid;
	int cmd;	/* parent -> child */
	int reply;	/* child -> parent */
};

static _Noreturn void child_main(int cmd, int reply, unsigned int n)
{
	int fd = gntdev_open(), err = fd < 0 ? fd : 0;
	unsigned int i;
	uint8_t *page;
	double ns, t0;
	pid_t pid;
	char c;

	for (i = 0; i < n && !err; i++)
		err = gntdev_live_map(fd, i % NR_GRANTS, &page);
	if (write(reply, &err, sizeof(err)) != sizeof(err))
		_exit(1);
	while (read(cmd, &c, 1) == 1 && c == FORK) {
		t0 = now_ns();
		pid = fork();
		if (!pid)
			_exit(0);
		ns = pid < 0 ? -1 : elapsed(t0, now_ns());
		if (pid > 0)
			waitpid(pid, NULL, 0);
		if (write(reply, &ns, sizeof(ns)) != sizeof(ns))
			_exit(1);
	}
	_exit(c == EXIT ? 0 : 1);
}

/* A child with n live maps, ready for commands; 0 or fail(). */
static int child_start(struct turn *t, struct child *c, unsigned int n)
{
	int to[2], from[2], err;

	if (pipe2(to, O_CLOEXEC))
		return fail(t, "process: pipe: %s", strerror(errno));
	if (pipe2(from, O_CLOEXEC)) {
		close(to[0]);
		close(to[1]);
		return fail(t, "process: pipe: %s", strerror(errno));
	}
	c->pid = fork();
	if (!c->pid)
		child_main(to[0], from[1], n);
	close(to[0]);
	close(from[1]);
	c->cmd = to[1];
	c->reply = from[0];
	if (c->pid < 0) {
		close(c->cmd);
		close(c->reply);
		return fail(t, "process: fork: %s", strerror(errno));
	}
	if (read(c->reply, &err, sizeof(err)) != sizeof(err))
		err = -EPIPE;
	if (err) {
		close(c->cmd);
		close(c->reply);
		waitpid(c->pid, NULL, 0);
		return fail(t, "process: setting up %u live maps in a child: %s", n,
			    strerror(-err));
	}
	return 0;
}

static int child_fork(struct turn *t, struct child *c, double *ns)
{
	char cmd = FORK;

	if (write(c->cmd, &cmd, 1) != 1 || read(c->reply, ns, sizeof(*ns)) != sizeof(*ns))
		return fail(t, "process: the child did not answer FORK");
	return *ns < 0 ? fail(t, "process: fork() in the child failed") : 0;
}

static int module_in_use(void)
{
	FILE *f = fopen(REFCNT, "r");
	int refs = -1;

	if (f) {
		if (fscanf(f, "%d", &refs) != 1)
			refs = -1;
		fclose(f);
	}
	return refs;
}

static int child_exit(struct turn *t, struct child *c, double *ns)
{
	char cmd = EXIT;
	double t0;
	int status, refs;

	t0 = now_ns();
	if (write(c->cmd, &cmd, 1) != 1 || waitpid(c->pid, &status, 0) != c->pid)
		status = -1;
	while ((refs = module_in_use()) > 0 && now_ns() - t0 < RELEASE_TIMEOUT)
		sched_yield();
	*ns = elapsed(t0, now_ns());
	close(c->cmd);
	close(c->reply);
	if (status)
		return fail(t, "process: the child ended with status %#x", status);
	if (refs)
		return fail(t, "process: %s is %d %.0f s after the child's exit", REFCNT,
			    refs, RELEASE_TIMEOUT / 1e9);
	return 0;
}

static int process_maps_n(struct turn *t, unsigned int n)
{
	double *fork_ns = calloc((size_t)opt.children * FORKS_PER_CHILD, sizeof(double));
	double *exit_ns = calloc(opt.children, sizeof(double));
	unsigned int i, k;
	struct child c = { .pid = -1, .cmd = -1, .reply = -1 };
	int err = 0;

	if (!fork_ns || !exit_ns)
		err = fail(t, "process: out of memory");
	for (i = 0; i < opt.children && !err; i++) {
		err = child_start(t, &c, n);
		if (err)
			break;
		for (k = 0; k < FORKS_PER_CHILD && !err; k++)
			err = child_fork(t, &c, &fork_ns[i * FORKS_PER_CHILD + k]);
		err = child_exit(t, &c, &exit_ns[i]) ?: err;
	}
	if (!err) {
		record(t, "fork", n, "ms",
		       median(fork_ns, (size_t)opt.children * FORKS_PER_CHILD) / 1e6);
		record(t, "exit", n, "ms", median(exit_ns, opt.children) / 1e6);
	}
	free(fork_ns);
	free(exit_ns);
	return err;
}

int bench_process(struct turn *t)
{
	unsigned int i;
	int refs = module_in_use();

	if (refs)
		return fail(t, "process: %s is %d before any child: the figure would not "
			    "end at the exit", REFCNT, refs);
	for (i = 0; i < sizeof(process_maps) / sizeof(process_maps[0]); i++)
		if (process_maps_n(t, process_maps[i]))
			return -1;
	return grants_verify(t, "after the exits");
}
