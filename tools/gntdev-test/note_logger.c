#include "note_logger.h"
#include "evidence.h"

#include <stdarg.h>
#include <stdio.h>
#include <xentoollog.h>

static void note_vmessage(struct xentoollog_logger *lg, xentoollog_level level, int errnoval,
			  const char *context, const char *format, va_list al)
{
	(void)lg;
	char msg[512];
	vsnprintf(msg, sizeof(msg), format, al);
	if (T && T->repfd >= 0)
		note("%s%s%s (level %d, errno %d)", context ? context : "", context ? ": " : "",
		     msg, (int)level, errnoval);
	else if (level >= XTL_ERROR)
		fprintf(stderr, "%s%s%s\n", context ? context : "", context ? ": " : "", msg);
}

static void note_destroy(struct xentoollog_logger *lg)
{
	(void)lg;
}

struct xentoollog_logger *note_logger(void)
{
	static struct xentoollog_logger lg = {
		.vmessage = note_vmessage,
		.progress = NULL,
		.destroy = note_destroy,
	};
	return &lg;
}
