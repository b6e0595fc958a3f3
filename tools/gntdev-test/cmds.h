/* Subcommand entry points (argv[0] is the subcommand name). */
#ifndef GT_CMDS_H
#define GT_CMDS_H

#include <stdint.h>

int cmd_map(int argc, char **argv);
int cmd_share(int argc, char **argv);
int cmd_stress(int argc, char **argv);
int cmd_fpucheck(int argc, char **argv);
int cmd_xendump(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
/* Internal: the image scenario fork-exec-child execs (in scen_process.c). */
int cmd_exec_child(int argc, char **argv);

/* Block until stdin EOF or SIGINT/SIGTERM/SIGHUP. */
void hold_until_eof_or_signal(void);

/* Parse "1,2,3" into a malloc'd array. Returns count or -1. */
int parse_u32_list(const char *s, uint32_t **out);
/* Parse an unsigned decimal/hex number; -1 on error. */
int parse_u32(const char *s, uint32_t *out);
/* Parse --granter: a domid, or "auto" for the one domain whose granter
 * agent is ready.  -1 (with a message on stderr) on error. */
int parse_granter(const char *s, uint32_t *domid);

#endif
