/*
 * Kernel-log scan through /dev/kmsg.  Each read() returns one record
 * "prio,seq,usec,flags[,...];text\n" followed by optional " KEY=value"
 * continuation lines.  We seek to the end when a scenario starts and read
 * whatever was appended when it ends.
 */
#include "kmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MARK_PREFIX "gntdev-test: "

struct kmsg {
	int fd;
};

/* kernel-log-bad.ere, one string literal per pattern (see the Makefile). */
static const char *const bad_patterns[] = {
#include "kernel-log-bad.h"
};
#define N_BAD (sizeof(bad_patterns) / sizeof(bad_patterns[0]))
static regex_t bad_regex[N_BAD];
static int bad_compiled;

/* Compile the list once; 0, or -1 with the reason in err. */
static int compile_bad_patterns(char *err, size_t errlen)
{
	if (bad_compiled)
		return 0;
	for (size_t i = 0; i < N_BAD; i++) {
		int rc = regcomp(&bad_regex[i], bad_patterns[i], REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[128];
			regerror(rc, &bad_regex[i], msg, sizeof(msg));
			snprintf(err, errlen, "kernel-log-bad.ere: pattern '%s': %s",
				 bad_patterns[i], msg);
			while (i--)
				regfree(&bad_regex[i]);
			return -1;
		}
	}
	bad_compiled = 1;
	return 0;
}

const char *kmsg_bad_pattern(const char *msg)
{
	if (!bad_compiled || strncmp(msg, MARK_PREFIX, strlen(MARK_PREFIX)) == 0)
		return NULL;
	for (size_t i = 0; i < N_BAD; i++)
		if (regexec(&bad_regex[i], msg, 0, NULL, 0) == 0)
			return bad_patterns[i];
	return NULL;
}

struct kmsg *kmsg_open(char *err, size_t errlen)
{
	if (compile_bad_patterns(err, errlen))
		return NULL;
	struct kmsg *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0) {
		snprintf(err, errlen, "open /dev/kmsg: %s", strerror(errno));
		free(k);
		return NULL;
	}
	if (lseek(k->fd, 0, SEEK_END) < 0) {
		snprintf(err, errlen, "lseek /dev/kmsg: %s", strerror(errno));
		close(k->fd);
		free(k);
		return NULL;
	}
	return k;
}

void kmsg_close(struct kmsg *k)
{
	if (!k)
		return;
	close(k->fd);
	free(k);
}

void kmsg_mark(const char *fmt, ...)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "<7>" MARK_PREFIX);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, buf, strlen(buf)) < 0) {
		/* best effort */
	}
	close(fd);
}

int kmsg_scan(struct kmsg *k, void (*report)(void *arg, const char *line), void *arg)
{
	char rec[8192 + 1];
	int hits = 0;
	for (;;) {
		ssize_t n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			if (errno == EPIPE) {   /* records overwritten: keep going */
				if (report)
					report(arg, "(kernel log records were lost: ring overrun)");
				continue;
			}
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		rec[n] = '\0';
		char *text = strchr(rec, ';');
		text = text ? text + 1 : rec;
		char *nl = strchr(text, '\n');
		if (nl)
			*nl = '\0';
		const char *pat = kmsg_bad_pattern(text);
		if (pat) {
			hits++;
			if (report) {
				char line[600];
				snprintf(line, sizeof(line), "kernel log [%s]: %.500s", pat, text);
				report(arg, line);
			}
		}
	}
	return hits;
}
