/*
 * A 32-bit process using the device: the kernel hands its ioctls to the
 * device's compat_ioctl.  The helper (compat32.c, built -m32 -static and
 * embedded in gntdev-test) maps pages shared here through gntalloc with
 * raw ioctls, checks them, uses GET_OFFSET_FOR_VADDR, SET_UNMAP_NOTIFY and
 * GRANT_COPY with the 32-bit structure layout, and unmaps; this side
 * checks its writes in the granted pages and Xen's view.
 */
#include "domain.h"
#include "errname.h"
#include "evidence.h"
#include "scen_common.h"
#include "scenario.h"
#include "xen_expect.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern const unsigned char compat32_blob[], compat32_blob_end[];
extern char **environ;

#define SEED 320

/* Read one line from fd into buf (without the newline); 1 on timeout/EOF. */
static int read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	size_t n = 0;
	while (n < len - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, timeout_ms) != 1)
			return 1;
		char c;
		if (read(fd, &c, 1) != 1)
			return 1;
		if (c == '\n')
			break;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return 0;
}

SCENARIO("compat32-caller", SC_MAPS,
	 "a static 32-bit process maps, reads, writes, uses GET_OFFSET_FOR_VADDR, "
	 "SET_UNMAP_NOTIFY and GRANT_COPY (32-bit layout) through compat_ioctl, and "
	 "releases everything")
{
	size_t blen = (size_t)(compat32_blob_end - compat32_blob);
	if (blen == 0)
		skip("gntdev-test was built without its 32-bit helper (the build host "
		     "needs gcc-multilib and libc6-dev-i386)");
	int mfd = memfd_create("gntdev-test-compat32", MFD_CLOEXEC);
	CHECK(mfd >= 0, "memfd_create: %s", errname(errno));
	CHECK(write(mfd, compat32_blob, blen) == (ssize_t)blen, "writing the helper: %s",
	      errname(errno));

	struct granter g;
	long ps = pagesz();
	STEP(sc_share(&g, 2, 1, SEED));
	char a_dom[16], a_seed[16], a_refs[64];
	snprintf(a_dom, sizeof(a_dom), "%u", T->granter);
	snprintf(a_seed, sizeof(a_seed), "%u", SEED);
	snprintf(a_refs, sizeof(a_refs), "%u,%u", g.refs[0], g.refs[1]);
	char *argv[] = { "gntdev-test-compat32", a_dom, a_seed, a_refs, NULL };

	int to[2], from[2];
	CHECK(pipe2(to, O_CLOEXEC) == 0 && pipe2(from, O_CLOEXEC) == 0, "pipe: %s",
	      errname(errno));
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", errname(errno));
	if (pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		fexecve(mfd, argv, environ);
		printf("EXEC %d\n", errno);
		fflush(stdout);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	close(mfd);

	int failed = 0, finished = 0, mapped = 0;
	char line[512];
	while (!finished && read_line(from[0], line, sizeof(line), 15000) == 0) {
		if (!strncmp(line, "EXEC ", 5)) {
			int e = atoi(line + 5);
			waitpid(pid, NULL, 0);
			if (e == ENOEXEC)
				skip("the kernel cannot run 32-bit programs (no IA32 emulation)");
			CHECK(0, "executing the 32-bit helper: %s", errname(e));
		} else if (!strncmp(line, "FAIL ", 5)) {
			ev("32-bit helper: %s", line + 5);
			failed = 1;
		} else if (!strncmp(line, "ok ", 3)) {
			note("32-bit helper: %s", line);
		} else if (!strcmp(line, "MAPPED")) {
			uint8_t b77, notify;
			mapped = 1;
			STEP(granter_byte(&g, 77, &b77));
			STEP(granter_byte(&g, ps + 5, &notify));
			CHECK(b77 == 0xa5, "the helper's write through its mapping is "
			      "not in the granted page (0x%02x)", b77);
			CHECK(notify == 0xff, "the helper's notify byte is 0x%02x, want 0xff",
			      notify);
			STEP(xen_expect_mapped(g.refs, 2, "mapped by the 32-bit helper"));
			CHECK(write(to[1], "go\n", 3) == 3, "pipe write: %s", errname(errno));
		} else if (!strncmp(line, "DONE ", 5)) {
			finished = 1;
		} else {
			ev("32-bit helper said: %s", line);
			failed = 1;
		}
	}
	CHECK(finished, "the 32-bit helper stopped talking before DONE");
	int st;
	STEP(sc_wait(pid, &st, 10000, "32-bit helper"));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == (failed ? 1 : 0),
	      "32-bit helper exit status 0x%x (failures reported: %d)", st, failed);
	if (failed)
		return 1;
	CHECK(mapped, "the helper finished without mapping");
	uint8_t notify, copied[300];
	STEP(granter_byte(&g, ps + 5, &notify));
	CHECK(notify == 0, "the helper's CLEAR_BYTE notify byte is 0x%02x after its "
	      "unmap, want 0", notify);
	STEP(granter_read(&g, ps + 1000, copied, sizeof(copied)));
	for (int i = 0; i < 300; i++)
		CHECK(copied[i] == (uint8_t)(i * 3 + 1),
		      "the helper's GRANT_COPY into the last page: byte %d is 0x%02x", i,
		      copied[i]);
	STEP(xen_expect_unmapped(g.refs, 2, "after the 32-bit helper unmapped"));
	close(to[1]);
	close(from[0]);
	granter_release(&g);
	return 0;
}
