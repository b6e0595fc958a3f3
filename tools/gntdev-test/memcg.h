/* cgroup2 memory-controller helpers shared by scenarios. */
#ifndef GT_MEMCG_H
#define GT_MEMCG_H

#include "textfile.h"

#define CG_ROOT          "/sys/fs/cgroup"

/* cgroup2 with the memory controller enabled for children, or skip(). */
void need_memcg(void);

#endif
