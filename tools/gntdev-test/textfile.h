/* Small text files of /proc, /sys, cgroupfs and debugfs. */
#ifndef GT_TEXTFILE_H
#define GT_TEXTFILE_H

#include <stddef.h>

#define DEBUGFS          "/sys/kernel/debug"
/* Our module's statistics (gntdev-stats.c). */
#define GNTDEV_DEBUGFS   DEBUGFS "/xen-gntdev"

/* Write val to dir/file.  0 or -errno. */
int file_write(const char *dir, const char *file, const char *val);
/* All of dir/file into buf, NUL-terminated.  0, -errno, or -EFBIG when it
 * did not fit (buf then holds what did). */
int file_read(const char *dir, const char *file, char *buf, size_t len);
/* "key value" lines: the value of key, or -1. */
long kv_value(const char *text, const char *key);
/* debugfs on DEBUGFS, mounted there if it was not.  1 if this call
 * mounted it, 0 if it was there, or -errno. */
int debugfs_mount(void);

#endif
