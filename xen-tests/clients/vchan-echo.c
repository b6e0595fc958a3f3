// SPDX-License-Identifier: GPL-2.0-only
/*
 * vchan-echo: a libxenvchan server and client in one dom0, peer domid 0.
 * The server shares its rings through gntalloc, the client maps them through
 * the gntdev under test; both libraries are Debian's, used unchanged.
 *
 *   vchan-echo [-r RING_BYTES] [-n TOTAL_BYTES] [-c CMD] XENSTORE_PATH
 *
 * The parent serves and sends TOTAL_BYTES of a position-dependent pattern,
 * the forked child connects and echoes every byte back, the parent checks
 * the echo.  CMD, if given, runs while both ends are connected (the harness
 * uses it to take Xen's grant-table dump).  Exit 0 iff every byte came back
 * intact and both sides closed cleanly.
 */
#include <errno.h>
#include <libxenvchan.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned char pattern(size_t i)
{
	return (unsigned char)((i * 131u + (i >> 9) * 7u + 0x5a) & 0xff);
}

static int write_all(struct libxenvchan *c, const unsigned char *p, size_t n)
{
	while (n) {
		int w = libxenvchan_write(c, p, n);

		if (w < 0)
			return -1;
		if (w == 0) {
			if (libxenvchan_wait(c) < 0)
				return -1;
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The child: connect once the server is up, echo until it closes. */
static int echo_client(int domid, const char *path, int ready_fd)
{
	unsigned char buf[4096];
	struct libxenvchan *c;
	size_t echoed = 0;
	char b;
	int r;

	if (read(ready_fd, &b, 1) != 1)
		return 10;
	c = libxenvchan_client_init(NULL, domid, path);
	if (!c) {
		fprintf(stderr, "client: libxenvchan_client_init: %s\n", strerror(errno));
		return 11;
	}
	c->blocking = 1;
	while ((r = libxenvchan_read(c, buf, sizeof(buf))) >= 0) {
		if (r && write_all(c, buf, (size_t)r)) {
			fprintf(stderr, "client: echo failed after %zu bytes\n", echoed);
			libxenvchan_close(c);
			return 12;
		}
		echoed += (size_t)r;
	}
	libxenvchan_close(c);
	return 0;
}

/* The parent: send, read the echo back, compare.  Returns mismatches or -1. */
static long serve(struct libxenvchan *s, size_t ring, size_t total)
{
	size_t chunk = ring < 4096 ? ring : 4096, done = 0, i, n;
	unsigned char *tx = malloc(chunk), *rx = malloc(chunk);
	long bad = -1;

	if (!tx || !rx)
		goto free_buffers;
	for (bad = 0; done < total; done += n) {
		n = total - done < chunk ? total - done : chunk;
		for (i = 0; i < n; i++)
			tx[i] = pattern(done + i);
		if (write_all(s, tx, n) || libxenvchan_recv(s, rx, n) != (int)n) {
			fprintf(stderr, "server: transfer failed at byte %zu\n", done);
			bad = -1;
			break;
		}
		for (i = 0; i < n; i++)
			if (rx[i] != tx[i] && bad++ < 5)
				fprintf(stderr, "server: byte %zu: 0x%02x, want 0x%02x\n",
					done + i, rx[i], tx[i]);
	}
free_buffers:
	free(tx);
	free(rx);
	return bad;
}

int main(int argc, char **argv)
{
	size_t ring = 4096, total = 1 << 20;
	const char *cmd = NULL, *path;
	struct libxenvchan *s;
	int ready[2], st = 0, o;
	long bad;
	pid_t pid;

	while ((o = getopt(argc, argv, "r:n:c:")) != -1) {
		switch (o) {
		case 'r': ring = strtoul(optarg, NULL, 0); break;
		case 'n': total = strtoul(optarg, NULL, 0); break;
		case 'c': cmd = optarg; break;
		default: goto usage;
		}
	}
	if (optind + 1 != argc) {
usage:
		fprintf(stderr, "usage: vchan-echo [-r RING_BYTES] [-n TOTAL_BYTES] [-c CMD] PATH\n");
		return 2;
	}
	path = argv[optind];
	if (pipe(ready))
		return 3;
	pid = fork();
	if (pid < 0)
		return 3;
	if (pid == 0) {
		close(ready[1]);
		_exit(echo_client(0, path, ready[0]));
	}
	close(ready[0]);

	s = libxenvchan_server_init(NULL, 0, path, ring, ring);
	if (!s) {
		fprintf(stderr, "server: libxenvchan_server_init: %s\n", strerror(errno));
		close(ready[1]);
		waitpid(pid, NULL, 0);
		return 4;
	}
	s->blocking = 1;
	if (write(ready[1], "x", 1) != 1)
		return 3;
	close(ready[1]);

	bad = serve(s, ring, total);
	if (cmd && system(cmd) != 0)
		fprintf(stderr, "server: '%s' failed\n", cmd);
	libxenvchan_close(s);
	waitpid(pid, &st, 0);

	printf("vchan-echo: ring %zu, %zu bytes, %ld mismatches, client exit %d\n",
	       ring, total, bad, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return bad == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
