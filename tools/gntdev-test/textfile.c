/* Small text files of /proc, /sys and debugfs (see textfile.h). */
#include "textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

int file_write(const char *dir, const char *file, const char *val)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, val, strlen(val));
	int e = n < 0 ? -errno : 0;
	close(fd);
	return e;
}

int file_read(const char *dir, const char *file, char *buf, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t got = 0;
	ssize_t n = 0;
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	int e = n < 0 ? -errno : got == len - 1 ? -EFBIG : 0;
	buf[got] = '\0';
	close(fd);
	return e;
}

long kv_value(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (!strncmp(p, key, kl) && p[kl] == ' ')
			return strtol(p + kl + 1, NULL, 10);
	return -1;
}

#define DEBUGFS_MAGIC    0x64626720

int debugfs_mount(void)
{
	struct statfs sf;
	if (statfs(DEBUGFS, &sf) != 0)
		return -errno;
	if ((unsigned long)sf.f_type == DEBUGFS_MAGIC)
		return 0;
	return mount("debugfs", DEBUGFS, "debugfs", 0, NULL) ? -errno : 1;
}
