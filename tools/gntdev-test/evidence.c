#include "evidence.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct tctx *T;

static void send_line(char tag, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%c ", tag);
	vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	/* one record per line: flatten embedded newlines */
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	size_t len = strlen(buf);
	buf[len++] = '\n';
	if (T && T->repfd >= 0) {
		if (write(T->repfd, buf, len) < 0) {
			/* runner gone; nothing sensible to do */
		}
	} else {
		fwrite(buf, 1, len, stderr);
	}
}

void ev(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_line('E', fmt, ap);
	va_end(ap);
}

void check_unavailable(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_line('X', fmt, ap);
	va_end(ap);
}

void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_line('N', fmt, ap);
	va_end(ap);
}

void skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_line('S', fmt, ap);
	va_end(ap);
	_exit(SKIP_EXIT);
}

static void send_fmt(char tag, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_line(tag, fmt, ap);
	va_end(ap);
}

void report_mapped_seen(unsigned n)
{
	send_fmt('M', "%u", n);
}
