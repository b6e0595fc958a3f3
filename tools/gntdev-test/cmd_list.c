/* `list`: the scenarios' names (and claims). */
#include "cmds.h"
#include "runner.h"

#include <getopt.h>
#include <stdio.h>

static void usage_list(FILE *f)
{
	fprintf(f,
"usage: gntdev-test list [-v|--verbose] [PATTERN]\n"
"  Print scenario names matching PATTERN (shell glob if it contains *?[,\n"
"  else substring), in the order they run.  -v prints one line each,\n"
"  tab-separated: name, the claim it checks, and its flags ('maps': it\n"
"  must show Xen its mapping; 'timeout=N': its own limit in seconds;\n"
"  '-': none).  scenario-table.sh reads that form.\n");
}

int cmd_list(int argc, char **argv)
{
	int verbose = 0;
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ 0 }
	};
	int c;
	while ((c = getopt_long(argc, argv, "hv", lo, NULL)) != -1) {
		switch (c) {
		case 'h': usage_list(stdout); return 0;
		case 'v': verbose = 1; break;
		default: usage_list(stderr); return 2;
		}
	}
	if (argc - optind > 1) {
		usage_list(stderr);
		return 2;
	}
	return runner_list(optind < argc ? argv[optind] : NULL, verbose);
}
