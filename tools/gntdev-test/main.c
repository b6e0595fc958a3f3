/*
 * gntdev-test: dom0 toolkit for /dev/xen/gntdev.  This file knows the
 * commands and nothing else; each lives in its cmd_*.c.
 */
#include "cmds.h"
#include "exec_child.h"

#include <stdio.h>
#include <string.h>

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;      /* for usage; NULL: internal, not shown */
} commands[] = {
	{ "list", cmd_list,
	  "list [-v] [PATTERN]      list scenarios (-v: with their claims)" },
	{ "run", cmd_run,
	  "run [options] [PATTERN]  run scenarios, TAP output, exit 0 iff none failed\n"
	  "                         and none could not be judged (ERROR)" },
	{ "map", cmd_map,
	  "map --domid D --refs R1,R2,... [--writable]\n"
	  "                         map foreign grants, print content hash, hold\n"
	  "                         until stdin EOF or a signal, then unmap" },
	{ "share", cmd_share,
	  "share [--domid D] [--count N] [--readonly]\n"
	  "                         grant N pages to domain D via gntalloc, print refs,\n"
	  "                         hold until stdin EOF or a signal" },
	{ "stress", cmd_stress,
	  "stress --seconds N       random map/mmap/munmap/unmap loop + Xen check" },
	{ "fpu-check", cmd_fpucheck,
	  "fpu-check [--seconds N]  do this domain's processes keep their vector\n"
	  "                         registers? (a sanity check of the host)" },
	{ "xen-dump", cmd_xendump,
	  "xen-dump [--raw]         print active grant entries as Xen sees them" },
	{ "prove-checks", cmd_prove_checks,
	  "prove-checks             prove the Xen-dump and kernel-log checks detect\n"
	  "                         a live mapping / a WARNING line" },
	{ EXEC_CHILD_CMD, cmd_exec_child, NULL },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: gntdev-test <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		for (const char *l = commands[i].help; l && *l; l += strcspn(l, "\n")) {
			l += *l == '\n';
			fprintf(f, "  %.*s\n", (int)strcspn(l, "\n"), l);
		}
	fprintf(f, "\n"
		"Every command accepts --help. Must run as root in dom0 with xen-privcmd,\n"
		"xenfs, xen-evtchn, xen-gntalloc and the gntdev under test loaded.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "gntdev-test: unknown command '%s'\n\n", cmd);
	usage(stderr);
	return 2;
}
