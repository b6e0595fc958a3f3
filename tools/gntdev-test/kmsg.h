/* Kernel-log scan: find warnings the kernel printed during a scenario. */
#ifndef GT_KMSG_H
#define GT_KMSG_H

#include <stddef.h>

struct kmsg;

/* Open /dev/kmsg positioned at its current end (the first call also
 * compiles kernel-log-bad.ere's patterns). NULL + err on failure. */
struct kmsg *kmsg_open(char *err, size_t errlen);
void kmsg_close(struct kmsg *k);

/* Write a marker line into the kernel log (best effort). */
void kmsg_mark(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Read all records appended since open / the previous scan.  For each
 * record matching a pattern of kernel-log-bad.ere, call report(arg, text)
 * (text names the pattern).
 * Returns the number of matching records, or -1 if the log can't be read.
 */
int kmsg_scan(struct kmsg *k, void (*report)(void *arg, const char *line), void *arg);

/* The first pattern of kernel-log-bad.ere a message matches, or NULL
 * (also before the first kmsg_open). */
const char *kmsg_bad_pattern(const char *msg);

#endif
