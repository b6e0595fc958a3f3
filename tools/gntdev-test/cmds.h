/*
 * The commands (main.c dispatches to them): each parses its own options;
 * argv[0] is the command's name.  Each returns the exit status.
 */
#ifndef GT_CMDS_H
#define GT_CMDS_H

int cmd_list(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_share(int argc, char **argv);
int cmd_stress(int argc, char **argv);
int cmd_fpucheck(int argc, char **argv);
int cmd_xendump(int argc, char **argv);
int cmd_prove_checks(int argc, char **argv);
int cmd_exec_child(int argc, char **argv);    /* internal: see exec_child.h */

#endif
