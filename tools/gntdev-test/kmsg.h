/* Kernel-log scan: find warnings the kernel printed during a scenario. */
#ifndef GT_KMSG_H
#define GT_KMSG_H

#include <stddef.h>

struct kmsg;

/* Open /dev/kmsg positioned at its current end. NULL + err on failure. */
struct kmsg *kmsg_open(char *err, size_t errlen);
void kmsg_close(struct kmsg *k);

/* Write a marker line into the kernel log (best effort). */
void kmsg_mark(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Accept the kernel's OOM report: from a record containing "invoked
 * oom-killer:" to the end of the stack dump that follows it, the records
 * "Call Trace" and "RIP:" (the dump's own) are not counted.  Everything
 * else (WARNING, BUG, Bad page ...) still is, inside the report too.
 */
void kmsg_allow_oom_report(struct kmsg *k);
/* OOM reports seen so far (only counted after kmsg_allow_oom_report). */
unsigned kmsg_oom_reports(const struct kmsg *k);

/*
 * Read all records appended since open / the previous scan.  For each
 * record matching one of the bad patterns, call report(arg, text).
 * Returns the number of matching records, or -1 if the log can't be read.
 */
int kmsg_scan(struct kmsg *k, void (*report)(void *arg, const char *line), void *arg);

/* Returns the pattern a message matches, or NULL. */
const char *kmsg_bad_pattern(const char *msg);

#endif
