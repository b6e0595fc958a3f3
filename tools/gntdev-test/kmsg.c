/*
 * Kernel-log scan through /dev/kmsg.  Each read() returns one record
 * "prio,seq,usec,flags[,...];text\n" followed by optional " KEY=value"
 * continuation lines.  We seek to the end when a scenario starts and read
 * whatever was appended when it ends.
 */
#include "kmsg.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MARK_PREFIX "gntdev-test: "

struct kmsg {
	int fd;
	int allow_oom;       /* kmsg_allow_oom_report() was called */
	int in_oom;          /* inside an OOM report's stack dump */
	unsigned oom_reports;
};

static const char *const bad_words[] = {
	/* matched as whole words (not e.g. "DEBUG") */
	"WARNING", "BUG", "Oops",
};
static const char *const bad_substrings[] = {
	"Bad page map", "still pending", "deferring", "leaking",
	"general protection", "Bad page state", "kernel BUG",
	"Unable to handle", "RIP:", "Call Trace",
};

static int is_word_char(int c)
{
	return isalnum(c) || c == '_';
}

const char *kmsg_bad_pattern(const char *msg)
{
	if (strncmp(msg, MARK_PREFIX, strlen(MARK_PREFIX)) == 0)
		return NULL;
	for (size_t i = 0; i < sizeof(bad_words) / sizeof(bad_words[0]); i++) {
		size_t wl = strlen(bad_words[i]);
		for (const char *p = strstr(msg, bad_words[i]); p; p = strstr(p + 1, bad_words[i])) {
			int before = (p == msg) ? 0 : is_word_char((unsigned char)p[-1]);
			int after = is_word_char((unsigned char)p[wl]);
			if (!before && !after)
				return bad_words[i];
		}
	}
	for (size_t i = 0; i < sizeof(bad_substrings) / sizeof(bad_substrings[0]); i++)
		if (strstr(msg, bad_substrings[i]))
			return bad_substrings[i];
	return NULL;
}

struct kmsg *kmsg_open(char *err, size_t errlen)
{
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

void kmsg_allow_oom_report(struct kmsg *k)
{
	k->allow_oom = 1;
}

unsigned kmsg_oom_reports(const struct kmsg *k)
{
	return k->oom_reports;
}

/* Is this record the OOM report's own stack dump (and so no finding)? */
static int oom_report_line(struct kmsg *k, const char *text, const char *pat)
{
	if (!k->allow_oom)
		return 0;
	if (strstr(text, "invoked oom-killer:")) {
		k->in_oom = 1;
		k->oom_reports++;
	}
	if (!k->in_oom)
		return 0;
	/* the dump ends with </TASK>; the memory report follows it */
	if (strstr(text, "</TASK>") || strstr(text, "memory: usage") ||
	    strstr(text, "Mem-Info:") || strstr(text, "oom-kill:"))
		k->in_oom = 0;
	return pat && (!strcmp(pat, "Call Trace") || !strcmp(pat, "RIP:"));
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
		if (oom_report_line(k, text, pat))
			pat = NULL;
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
