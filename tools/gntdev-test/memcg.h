/* cgroup2 memory-controller helpers shared by scenarios. */
#ifndef GT_MEMCG_H
#define GT_MEMCG_H

#include "textfile.h"

#define CG_ROOT          "/sys/fs/cgroup"

/* cgroup2 with the memory controller enabled for children, or skip(). */
void need_memcg(void);
/* need_memcg(), then a new child group CG_ROOT/gntdev-test-<what>-<pid>,
 * its path in cg.  0, or 1 with evidence. */
int memcg_child(char *cg, size_t len, const char *what);

#endif
