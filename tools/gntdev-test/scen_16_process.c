/*
 * Process-level lifetimes: exec in a child while the parent's mapping is
 * live, a gntdev fd passed to an unrelated process over SCM_RIGHTS, a
 * mapping process killed by the OOM killer of a memory cgroup (and reaped
 * by the OOM reaper while its mm lives on), and fork after MADV_DOFORK.
 * These run last (the file name sorts last, see scenario.h): stock gntdevs
 * may not survive fork-after-madv-dofork, which runs last of all.
 */
#include "clock.h"
#include "exec_child.h"
#include "domain.h"
#include "errname.h"
#include "evidence.h"
#include "memcg.h"
#include "note_logger.h"
#include "pattern_check.h"
#include "probe.h"
#include "scen_common.h"
#include "scenario.h"
#include "xen_expect.h"

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xengnttab.h>

extern char **environ;

/* ---- fork + exec -------------------------------------------------------- */

/* The exec'd child's exit status must be EXEC_CHILD_OK. */
static int exec_status_ok(int st, const char *how)
{
	CHECK(WIFEXITED(st), "%s: child died of signal %d", how, WTERMSIG(st));
	CHECK(WEXITSTATUS(st) != 127, "%s: exec of /proc/self/exe failed", how);
	CHECK(WEXITSTATUS(st) == EXEC_CHILD_OK, "%s: exec'd child exited %d (want %d: "
	      "3 = inherited gntdev fd not open)", how, WEXITSTATUS(st), EXEC_CHILD_OK);
	return 0;
}

/* After the child's exec and exit, the parent's mapping is intact. */
static int parent_intact(struct sc_map *s, uint8_t mark, const char *when)
{
	long ps = pagesz();
	STEP(check_pattern(s->m, 260, 0, 1, when));
	s->m[ps + 5] = mark;
	STEP(sc_granter_sees(&s->g, ps + 5, mark, when));
	return xen_expect_mapped(s->g.refs, 2, when);
}

SCENARIO("fork-exec-child", SC_MAPS,
	 "a child that execs (after fork, and through posix_spawn's shared-mm vfork) "
	 "while keeping the gntdev fd leaves the parent's mapping intact")
{
	struct sc_map s;
	STEP(sc_setup(&s, 2, 260, "mapped"));
	/* an fd the children keep across exec (the device's own is CLOEXEC) */
	int keep = fcntl(s.fd, F_DUPFD, 10);
	CHECK(keep >= 0, "dup: %s", errname(errno));
	char fdarg[16];
	snprintf(fdarg, sizeof(fdarg), "%d", keep);
	char *argv[] = { "gntdev-test", EXEC_CHILD_CMD, fdarg, NULL };
	int st;

	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", errname(errno));
	if (pid == 0) {
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	STEP(sc_wait(pid, &st, 10000, "fork+exec child"));
	STEP(exec_status_ok(st, "fork+exec"));
	STEP(parent_intact(&s, 0x31, "parent after fork+exec child"));

	/* posix_spawn: glibc runs the child in the parent's mm (CLONE_VM |
	 * CLONE_VFORK) until the exec gives it its own. */
	int rc = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ);
	CHECK(rc == 0, "posix_spawn /proc/self/exe: %s", errname(rc));
	STEP(sc_wait(pid, &st, 10000, "posix_spawn child"));
	STEP(exec_status_ok(st, "posix_spawn"));
	STEP(parent_intact(&s, 0x32, "parent after posix_spawn child"));
	close(keep);
	return sc_teardown(&s);
}

/* ---- SCM_RIGHTS ---------------------------------------------------------- */

struct scm_msg {
	uint64_t index1, index2;
};

static int send_fd(int sock, int fd, const struct scm_msg *msg)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof(cbuf));
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = sizeof(*msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	CHECK(sendmsg(sock, &mh, 0) == (ssize_t)sizeof(*msg), "sendmsg(SCM_RIGHTS): %s",
	      errname(errno));
	return 0;
}

static int recv_fd(int sock, int *fd, struct scm_msg *msg)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(*msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	CHECK(recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) == (ssize_t)sizeof(*msg),
	      "peer: recvmsg: %s", errname(errno));
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	CHECK(c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS,
	      "peer: no SCM_RIGHTS in the message");
	memcpy(fd, CMSG_DATA(c), sizeof(int));
	return 0;
}

/*
 * The peer: it had no gntdev fd before it received one.  It mmaps both
 * maps reserved by the scenario process, checks them, closes the fd it
 * received, and then obeys: 'd' munmap map 1, 'c' check map 2 and write
 * to it, 'x' exit with map 2 still mmapped.
 */
static _Noreturn void scm_peer(int sock)
{
	long ps = pagesz();
	struct scm_msg msg;
	int fd;
	char c = 'F';
	if (recv_fd(sock, &fd, &msg))
		_exit(1);
	uint8_t *m1 = gd_mmap(fd, msg.index1, 2, PROT_READ | PROT_WRITE);
	uint8_t *m2 = gd_mmap(fd, msg.index2, 1, PROT_READ | PROT_WRITE);
	if (!m1 || !m2)
		ev("peer: mmap of the received fd at 0x%llx/0x%llx: %s",
		   (unsigned long long)msg.index1, (unsigned long long)msg.index2,
		   errname(errno));
	else if (!check_pattern(m1, 270, 0, 2, "peer: map 1") &&
		 !check_pattern(m2, 271, 0, 1, "peer: map 2"))
		c = 'R';
	close(fd);
	if (write(sock, &c, 1) != 1 || c != 'R')
		_exit(1);
	while (read(sock, &c, 1) == 1) {
		if (c == 'd') {
			c = munmap(m1, 2 * ps) == 0 ? 'D' : 'F';
		} else if (c == 'c') {
			c = check_pattern(m2, 271, 0, 1, "peer: map 2 after the sender closed its fd")
			    ? 'F' : 'C';
			m2[33] = 0xc3;
		} else {
			_exit(0);
		}
		if (write(sock, &c, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

SCENARIO("fd-passed-scm-rights", SC_MAPS,
	 "a process that got the fd over SCM_RIGHTS mmaps maps reserved by the "
	 "sender; either side may go first; all grants released")
{
	struct granter g1, g2;
	int sv[2];
	STEP(sc_share(&g1, 2, 1, 270));
	STEP(sc_share(&g2, 1, 1, 271));
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair: %s",
	      errname(errno));
	/* the peer exists before any gntdev fd does: it can only get ours
	 * through the socket */
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", errname(errno));
	if (pid == 0) {
		close(sv[0]);
		scm_peer(sv[1]);
	}
	close(sv[1]);
	int fd, rc;
	STEP(sc_open(&fd));
	struct scm_msg msg;
	rc = gd_map(fd, T->granter, g1.refs, 2, &msg.index1);
	CHECK(rc == 0, "MAP 1: %s", errname(rc));
	rc = gd_map(fd, T->granter, g2.refs, 1, &msg.index2);
	CHECK(rc == 0, "MAP 2: %s", errname(rc));
	STEP(send_fd(sv[0], fd, &msg));
	char c;
	STEP(sc_get_byte(sv[0], &c, 10000, "peer's mmap"));
	CHECK(c == 'R', "peer could not mmap/check the maps it received");
	STEP(xen_expect_mapped(g1.refs, 2, "peer mmapped map 1"));
	STEP(xen_expect_mapped(g2.refs, 1, "peer mmapped map 2"));

	/* the peer's mapping goes first; the sender's reservation stays */
	CHECK(write(sv[0], "d", 1) == 1, "socket write: %s", errname(errno));
	STEP(sc_get_byte(sv[0], &c, 10000, "peer's munmap of map 1"));
	CHECK(c == 'D', "peer's munmap of map 1 failed");
	if (dom_is_pv())
		STEP(xen_expect_unmapped(g1.refs, 2, "after the peer's munmap of map 1"));
	rc = gd_unmap(fd, msg.index1, 2);
	CHECK(rc == 0, "sender's UNMAP of map 1 after the peer's munmap: %s", errname(rc));

	/* the sender's fd goes first; the peer's mapping stays */
	CHECK(close(fd) == 0, "close: %s", errname(errno));
	CHECK(write(sv[0], "c", 1) == 1, "socket write: %s", errname(errno));
	STEP(sc_get_byte(sv[0], &c, 10000, "peer's check of map 2"));
	CHECK(c == 'C', "peer's map 2 broken after the sender closed its fd");
	STEP(sc_granter_sees(&g2, 33, 0xc3, "peer's write to map 2 not seen by the granter"));
	STEP(xen_expect_mapped(g2.refs, 1, "map 2 after the sender closed its fd"));

	/* the peer exits with map 2 mmapped: the last user of the file */
	CHECK(write(sv[0], "x", 1) == 1, "socket write: %s", errname(errno));
	int st;
	STEP(sc_wait(pid, &st, 10000, "peer"));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "peer exit status 0x%x", st);
	STEP(xen_expect_unmapped(g2.refs, 1, "after the peer exited"));
	STEP(xen_expect_unmapped(g1.refs, 2, "after the peer exited"));
	close(sv[0]);
	granter_release(&g1);
	granter_release(&g2);
	return 0;
}

/* ---- OOM kill in a memory cgroup ----------------------------------------- */

#define OOM_LIMIT        (24u << 20)
#define OOM_GIVE_UP      (768u << 20)   /* allocated this much: not OOM-killed */

/* A child group of CG_ROOT limited to OOM_LIMIT without swap; its path in cg. */
static int oom_cgroup(char *cg, size_t len)
{
	STEP(memcg_child(cg, len, "oom"));
	char buf[32];
	snprintf(buf, sizeof(buf), "%u", OOM_LIMIT);
	int rc = file_write(cg, "memory.max", buf);
	CHECK(rc == 0, "%s/memory.max: %s", cg, errname(rc));
	rc = file_write(cg, "memory.swap.max", "0");
	if (rc && rc != -ENOENT)
		note("memory.swap.max: %s", errname(rc));
	return 0;
}

/* The victim's end: allocate until the cgroup's OOM killer kills it. */
static _Noreturn void oom_allocate(void)
{
	long ps = pagesz();
	for (size_t total = 0; total < OOM_GIVE_UP; total += 1u << 20) {
		uint8_t *a = mmap(NULL, 1u << 20, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (a == MAP_FAILED)
			_exit(4);
		for (size_t o = 0; o < (1u << 20); o += ps)
			a[o] = 1;
	}
	_exit(3);
}

/* Send the victim 'g'; it must die of SIGKILL from the cgroup's OOM killer. */
static int oom_kill_victim(struct sc_kid *k, const char *cg)
{
	char buf[1024];
	int st;
	CHECK(write(k->cmd, "g", 1) == 1, "pipe write: %s", errname(errno));
	STEP(sc_wait(k->pid, &st, 20000, "OOM victim"));
	CHECK(!WIFEXITED(st) || WEXITSTATUS(st) != 3,
	      "victim allocated %u MiB in a cgroup limited to %u MiB without being killed",
	      OOM_GIVE_UP >> 20, OOM_LIMIT >> 20);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "victim did not die of SIGKILL (status 0x%x)", st);
	int rc = file_read(cg, "memory.events", buf, sizeof(buf));
	CHECK(rc == 0, "read memory.events: %s", errname(rc));
	long kills = kv_value(buf, "oom_kill");
	CHECK(kills >= 1, "memory.events shows oom_kill %ld: the victim was not OOM-killed", kills);
	note("memory.events oom_kill %ld", kills);
	return 0;
}

/* rmdir the group once its dead members have left it. */
static void oom_cgroup_remove(const char *cg)
{
	for (int i = 0; i < 50 && rmdir(cg) != 0; i++)
		msleep(20);
}

/*
 * The victim: joins the cgroup, maps 2 grants raw and 2 through
 * libxengnttab, says 'R', waits for 'g', then allocates until killed.
 */
static _Noreturn void oom_victim(const char *cg, struct granter *g, struct sc_kid *k)
{
	char c = 'F';
	int fd;
	uint64_t index;
	uint8_t *m;
	int rc = file_write(cg, "cgroup.procs", "0");
	if (rc) {
		ev("victim: joining %s: %s", cg, errname(rc));
		goto out;
	}
	if (sc_open(&fd) || gd_map(fd, T->granter, g->refs, 2, &index) ||
	    !(m = gd_mmap(fd, index, 2, PROT_READ | PROT_WRITE)) ||
	    check_pattern(m, 280, 0, 2, "victim: raw mapping"))
		goto out;
	xengnttab_handle *xgt = xengnttab_open(note_logger(), 0);
	uint8_t *m2 = xgt ? xengnttab_map_domain_grant_refs(xgt, 2, T->granter, g->refs + 2,
							     PROT_READ | PROT_WRITE) : NULL;
	if (!m2 || m2[0] != pattern_byte(280, 2, 0)) {
		ev("victim: libxengnttab mapping: %s", strerror(errno));
		goto out;
	}
	c = 'R';
out:
	sc_kid_ready(k, c);
	oom_allocate();
}

SCENARIO("oom-kill-in-memcg", SC_MAPS,
	 "a process with live raw and libxengnttab mappings OOM-killed in a memory "
	 "cgroup releases them all and dom0 carries on")
{
	char cg[96];
	STEP(oom_cgroup(cg, sizeof(cg)));
	struct granter g;
	STEP(sc_share(&g, 4, 1, 280));
	struct sc_kid k;
	int child = sc_fork_kid(&k);
	if (child < 0)
		return 1;
	if (child == 0)
		oom_victim(cg, &g, &k);
	char c = 0;
	STEP(sc_get_byte(k.rep, &c, 10000, "OOM victim"));
	CHECK(c == 'R', "victim did not map its grants");
	STEP(xen_expect_mapped(g.refs, 4, "victim mapped, in the cgroup"));
	STEP(oom_kill_victim(&k, cg));
	STEP(xen_expect_unmapped(g.refs, 4, "after the OOM kill"));
	oom_cgroup_remove(cg);
	sc_kid_close(&k);
	granter_release(&g);
	return 0;
}

/* ---- the OOM reaper ------------------------------------------------------ */

/* The reaper starts 2 s (OOM_REAPER_DELAY) after the kill. */
#define REAP_WAIT_MS     10000

/*
 * A read of another process's memory held up by a userfaultfd: the reader
 * waits in handle_userfault() with mmap_lock dropped, and holds a
 * reference on the other process's mm (mm_users) all the while.
 */
struct held_read {
	pid_t pid;
	void *addr;
	atomic_int done;
	ssize_t n;
	int err;
};

static void *held_read_main(void *arg)
{
	struct held_read *h = arg;
	uint8_t buf[64];
	struct iovec local = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct iovec remote = { .iov_base = h->addr, .iov_len = sizeof(buf) };
	h->n = process_vm_readv(h->pid, &local, 1, &remote, 1, 0);
	h->err = errno;
	atomic_store(&h->done, 1);
	return NULL;
}

/* The device's count of non-blockable invalidations; -1 if it publishes
 * no statistics (Debian's stock gntdev). */
static long nonblockable_invalidations(void)
{
	char buf[1024];
	debugfs_mount();
	if (file_read(GNTDEV_DEBUGFS, "stats", buf, sizeof(buf)) != 0)
		return -1;
	return kv_value(buf, "nonblockable_invalidations");
}

/*
 * The reaper's victim: joins the cgroup, mmaps 2 grants private read-only
 * (the OOM reaper reaps only VMAs that are not VM_SHARED), registers
 * 'held' (untouched anonymous memory it inherited) with a userfaultfd for
 * missing pages, says 'R' followed by the userfaultfd's number, waits for
 * 'g', then allocates until killed.
 */
static _Noreturn void reaper_victim(const char *cg, struct granter *g, uint8_t *held,
				    struct sc_kid *k)
{
	char c = 'F';
	int fd, uffd = -1;
	uint64_t index;
	long ps = pagesz();
	int rc = file_write(cg, "cgroup.procs", "0");
	if (rc) {
		ev("victim: joining %s: %s", cg, errname(rc));
		goto out;
	}
	if (sc_open(&fd) || gd_map(fd, T->granter, g->refs, 2, &index))
		goto out;
	uint8_t *m = mmap(NULL, 2 * ps, PROT_READ, MAP_PRIVATE, fd, (off_t)index);
	if (m == MAP_FAILED) {
		ev("victim: private read-only mmap: %s", errname(errno));
		goto out;
	}
	if (check_pattern(m, 290, 0, 2, "victim: private read-only mapping"))
		goto out;
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)held, .len = ps },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		ev("victim: userfaultfd: %s", errname(errno));
		goto out;
	}
	c = 'R';
out:
	if (write(k->rep, &c, 1) != 1 || c != 'R' ||
	    write(k->rep, &uffd, sizeof(uffd)) != sizeof(uffd) || read(k->cmd, &c, 1) != 1)
		_exit(1);
	oom_allocate();
}

/* A copy of the victim's userfaultfd, and the reader it holds up. */
static int reaper_hold(struct sc_kid *k, uint8_t *held, int *uffd, struct held_read *h,
		       pthread_t *th)
{
	int nr;
	CHECK(read(k->rep, &nr, sizeof(nr)) == sizeof(nr), "victim's userfaultfd number: %s",
	      errname(errno));
	int pidfd = (int)syscall(SYS_pidfd_open, k->pid, 0);
	CHECK(pidfd >= 0, "pidfd_open(victim): %s", errname(errno));
	*uffd = (int)syscall(SYS_pidfd_getfd, pidfd, nr, 0);
	CHECK(*uffd >= 0, "pidfd_getfd(victim's userfaultfd): %s", errname(errno));
	close(pidfd);
	h->pid = k->pid;
	h->addr = held;
	CHECK(pthread_create(th, NULL, held_read_main, h) == 0, "pthread_create");
	/* the reader's fault reaches the userfaultfd: it is waiting */
	struct pollfd p = { .fd = *uffd, .events = POLLIN };
	struct uffd_msg msg;
	CHECK(poll(&p, 1, 10000) == 1, "the remote read never faulted on the victim's "
	      "userfaultfd (reader %s)", atomic_load(&h->done) ? "returned" : "still running");
	CHECK(read(*uffd, &msg, sizeof(msg)) == sizeof(msg), "read userfaultfd: %s",
	      errname(errno));
	CHECK(msg.event == UFFD_EVENT_PAGEFAULT &&
	      msg.arg.pagefault.address == (uintptr_t)held,
	      "userfaultfd: event 0x%x at 0x%llx, want a page fault at %p", msg.event,
	      (unsigned long long)msg.arg.pagefault.address, (void *)held);
	return 0;
}

/*
 * The OOM reaper unmaps a killed process's private mappings while its mm
 * may still be in use, from a context that must not block: the notifier
 * sees a non-blockable range.  A mapping process exits and its mm is torn
 * down at once unless something else holds it, so a remote reader blocked
 * on the victim's userfaultfd keeps the mm alive for longer than the
 * reaper's 2 s delay.  The grants must go by the reaper's hand, while the
 * reader still waits; then the reader is let go.
 */
SCENARIO("oom-reaper-nonblocking", SC_MAPS,
	 "a process with a private read-only mapping OOM-killed in a memory cgroup, "
	 "its mm kept alive by a remote read blocked on its userfaultfd, has the "
	 "grants released by the OOM reaper (a non-blockable invalidation) before "
	 "the mm goes")
{
	char cg[96];
	long ps = pagesz();
	STEP(oom_cgroup(cg, sizeof(cg)));
	struct granter g;
	STEP(sc_share(&g, 2, 1, 290));
	uint8_t *held = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0);
	CHECK(held != MAP_FAILED, "mmap: %s", errname(errno));
	struct sc_kid k;
	int child = sc_fork_kid(&k);
	if (child < 0)
		return 1;
	if (child == 0)
		reaper_victim(cg, &g, held, &k);
	char c = 0;
	STEP(sc_get_byte(k.rep, &c, 10000, "OOM victim"));
	CHECK(c == 'R', "victim did not map its grants or set up its userfaultfd");
	STEP(xen_expect_mapped(g.refs, 2, "victim mapped private read-only, in the cgroup"));
	int uffd;
	struct held_read h = { 0 };
	pthread_t th;
	STEP(reaper_hold(&k, held, &uffd, &h, &th));
	long nb0 = nonblockable_invalidations();

	STEP(oom_kill_victim(&k, cg));
	int bad = xen_wait_unmapped(g.refs, 2, REAP_WAIT_MS,
				    "victim killed, its mm held by the blocked reader");
	if (atomic_load(&h.done)) {
		ev("the reader returned (%zd, %s) before the grants were seen released: the mm "
		   "may have gone by exit_mmap, not by the reaper", h.n, errname(h.err));
		bad = 1;
	}
	long nb = nonblockable_invalidations();
	if (nb0 < 0) {
		note("no %s/stats: the non-blockable invalidation is not counted", GNTDEV_DEBUGFS);
	} else if (nb <= nb0) {
		ev("%s/stats: nonblockable_invalidations %ld before the kill, %ld after: the "
		   "reaper's non-blockable invalidation was not seen", GNTDEV_DEBUGFS, nb0, nb);
		bad = 1;
	} else {
		note("nonblockable_invalidations %ld -> %ld", nb0, nb);
	}

	/* let the reader go: the mm is freed when it returns */
	struct uffdio_zeropage zp = { .range = { .start = (uintptr_t)held, .len = ps } };
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zp) != 0)
		note("UFFDIO_ZEROPAGE after the reap: %s", errname(errno));
	close(uffd);
	for (long t0 = mono_ms(); !atomic_load(&h.done) && mono_ms() - t0 < 10000;)
		msleep(10);
	CHECK(atomic_load(&h.done), "the reader is still blocked 10 s after its userfaultfd "
	      "was resolved and closed");
	pthread_join(th, NULL);
	note("the reader returned %zd (%s)", h.n, h.n < 0 ? errname(h.err) : "bytes");
	STEP(xen_wait_unmapped(g.refs, 2, 3000, "the reader returned, the mm freed"));
	oom_cgroup_remove(cg);
	sc_kid_close(&k);
	granter_release(&g);
	return bad;
}

/* ---- fork after MADV_DOFORK -------------------------------------------- */

/*
 * MADV_DOFORK clears VM_DONTCOPY unless the VMA is VM_IO.  If it is
 * allowed, a later fork must still not hand the child the grant: a PTE
 * copied by fork is not a grant mapping (Xen does not count it), so the
 * child would keep the granted frame after the grant is gone.  The child
 * reads the page while the parent's mapping is live and again after the
 * parent's munmap + UNMAP (Xen then shows the grant released): both times
 * it must fault or find nothing there.
 */
SCENARIO("fork-after-madv-dofork", SC_MAPS,
	 "MADV_DOFORK on a mapping is refused or a later fork still gives the child "
	 "no access to the grant, before and after the parent releases it")
{
	struct sc_map s;
	long ps = pagesz();
	STEP(sc_setup(&s, 1, 75, "mapped"));
	if (madvise(s.m, ps, MADV_DOFORK) != 0)
		note("MADV_DOFORK refused: %s", errname(errno));
	else
		note("MADV_DOFORK allowed");
	struct sc_kid k;
	int child = sc_fork_kid(&k);
	if (child < 0)
		return 1;
	if (child == 0) {
		/* per 'r': 'n' fault or nothing mapped, 'g' the granted data,
		 * 'o' other data */
		char c;
		while (read(k.cmd, &c, 1) == 1) {
			uint8_t v;
			if (probe_read(s.m, &v) != 0)
				c = 'n';
			else
				c = check_pattern(s.m, 75, 0, 1, "child") ? 'o' : 'g';
			if (write(k.rep, &c, 1) != 1)
				break;
		}
		_exit(0);
	}
	/* Gather everything first (the child must not outlive a failure). */
	char before = 0, after = 0;
	if (write(k.cmd, "r", 1) != 1 || sc_get_byte(k.rep, &before, 5000, "child"))
		before = '?';
	int bad = check_pattern(s.m, 75, 0, 1, "parent after fork");
	int rc = munmap(s.m, ps) ? -errno : gd_unmap(s.fd, s.index, 1);
	if (rc)
		ev("parent's munmap+UNMAP: %s", errname(rc));
	uint32_t pin = 0;
	int xerr = xen_pin(s.g.refs[0], &pin, "after the parent's munmap+UNMAP");
	if (write(k.cmd, "r", 1) != 1 || sc_get_byte(k.rep, &after, 5000, "child"))
		after = '?';
	kill(k.pid, SIGKILL);
	waitpid(k.pid, NULL, 0);
	sc_kid_close(&k);
	note("child read: %c while mapped, %c after the parent's munmap+UNMAP (pin then 0x%08x)",
	     before, after, pin);
	if (before != 'n') {
		ev("fork after MADV_DOFORK gave the child a working copy of the mapping "
		   "(child reads %s)", before == 'g' ? "the granted data" :
		   before == 'o' ? "other data" : "?");
		bad = 1;
	}
	if (after != 'n') {
		ev("after the parent's munmap+UNMAP the child still reads %s through its "
		   "fork-copied PTE", after == 'g' ? "the granted data" : "some page");
		bad = 1;
	}
	if (dom_is_pv() && !xerr && pin) {
		ev("Xen: ref %u still mapped (pin 0x%08x) after the parent's munmap+UNMAP, "
		   "while the child lives", s.g.refs[0], pin);
		bad = 1;
	}
	STEP(xen_wait_unmapped(s.g.refs, 1, 3000, "child killed"));
	close(s.fd);
	granter_release(&s.g);
	return bad || rc || xerr;
}
