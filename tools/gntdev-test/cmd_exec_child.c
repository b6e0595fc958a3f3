/* `_exec-child FD`: internal, see exec_child.h. */
#include "cmds.h"
#include "exec_child.h"
#include "options.h"

#include <stdint.h>
#include <sys/stat.h>

int cmd_exec_child(int argc, char **argv)
{
	uint32_t fd;
	struct stat st;
	if (argc != 2 || parse_u32(argv[1], &fd))
		return 2;
	if (fstat((int)fd, &st) != 0 || !S_ISCHR(st.st_mode))
		return 3;
	return EXEC_CHILD_OK;
}
