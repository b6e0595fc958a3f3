/*
 * `gntdev-test _exec-child FD` (cmd_exec_child.c): the image scenario
 * fork-exec-child execs.  It exits EXEC_CHILD_OK if FD, inherited across
 * the exec, is open and a character device.
 */
#ifndef GT_EXEC_CHILD_H
#define GT_EXEC_CHILD_H

#define EXEC_CHILD_CMD "_exec-child"
#define EXEC_CHILD_OK  42

#endif
