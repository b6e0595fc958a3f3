/* cgroup2 memory-controller helpers (see memcg.h). */
#include "memcg.h"
#include "errname.h"
#include "evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define CGROUP2_MAGIC    0x63677270

void need_memcg(void)
{
	struct statfs sf;
	if (statfs(CG_ROOT, &sf) != 0)
		skip("%s: %s", CG_ROOT, strerror(errno));
	if ((unsigned long)sf.f_type != CGROUP2_MAGIC) {
		if (access(CG_ROOT "/cgroup.procs", F_OK) == 0 ||
		    access(CG_ROOT "/memory", F_OK) == 0)
			skip("%s holds a cgroup v1 hierarchy; this needs cgroup2", CG_ROOT);
		if (mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL) != 0)
			skip("mount -t cgroup2 on %s: %s", CG_ROOT, strerror(errno));
		note("mounted cgroup2 on %s", CG_ROOT);
	}
	char buf[512];
	if (file_read(CG_ROOT, "cgroup.controllers", buf, sizeof(buf)) != 0 ||
	    !strstr(buf, "memory"))
		skip("cgroup2 has no memory controller (cgroup.controllers: %s)", buf);
	int rc = file_write(CG_ROOT, "cgroup.subtree_control", "+memory");
	if (file_read(CG_ROOT, "cgroup.subtree_control", buf, sizeof(buf)) != 0 ||
	    !strstr(buf, "memory"))
		skip("cannot enable the memory controller for children (%s)", errname(rc));
}

int memcg_child(char *cg, size_t len, const char *what)
{
	need_memcg();
	snprintf(cg, len, CG_ROOT "/gntdev-test-%s-%d", what, (int)getpid());
	CHECK(mkdir(cg, 0755) == 0, "mkdir %s: %s", cg, errname(errno));
	return 0;
}
