/*
 * gntdev-test: dom0 toolkit for /dev/xen/gntdev.
 *
 *   gntdev-test list [PATTERN]
 *   gntdev-test run [options] [PATTERN]
 *   gntdev-test map --domid D --refs R1,R2,... [--writable]
 *   gntdev-test share [--domid D] [--count N] [--readonly]
 *   gntdev-test stress --seconds N
 *   gntdev-test fpu-check [--seconds N]
 *   gntdev-test xen-dump
 */
#include <stdint.h>

#include "agent.h"
#include "cmds.h"
#include "runner.h"
#include "xencheck.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > UINT32_MAX || s[0] == '-')
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int parse_granter(const char *s, uint32_t *domid)
{
	char err[256];
	if (strcmp(s, "auto")) {
		if (parse_u32(s, domid) == 0)
			return 0;
		fprintf(stderr, "--granter: '%s' is neither a domid nor 'auto'\n", s);
		return -1;
	}
	int d = agent_find(err, sizeof(err));
	if (d < 0) {
		fprintf(stderr, "--granter auto: %s\n", err);
		return -1;
	}
	*domid = d;
	return 0;
}

int parse_u32_list(const char *s, uint32_t **out)
{
	int n = 1;
	for (const char *p = s; *p; p++)
		if (*p == ',')
			n++;
	uint32_t *a = calloc(n, sizeof(*a));
	char *copy = strdup(s);
	if (!a || !copy) {
		free(a);
		free(copy);
		return -1;
	}
	int i = 0;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (parse_u32(tok, &a[i]) < 0) {
			free(a);
			free(copy);
			return -1;
		}
		i++;
	}
	free(copy);
	if (i == 0) {
		free(a);
		return -1;
	}
	*out = a;
	return i;
}

static void usage_main(FILE *f)
{
	fprintf(f,
"usage: gntdev-test <command> [options]\n"
"\n"
"commands:\n"
"  list [-v] [PATTERN]      list scenarios (-v: with their claims)\n"
"  run [options] [PATTERN]  run scenarios, TAP output, exit 0 iff none failed\n"
"  map --domid D --refs R1,R2,... [--writable]\n"
"                           map foreign grants, print content hash, hold\n"
"                           until stdin EOF or a signal, then unmap\n"
"  share [--domid D] [--count N] [--readonly]\n"
"                           grant N pages to domain D via gntalloc, print refs,\n"
"                           hold until stdin EOF or a signal\n"
"  stress --seconds N       random map/mmap/munmap/unmap loop + Xen check\n"
"  fpu-check [--seconds N]  do this domain's processes keep their vector\n"
"                           registers? (a sanity check of the host)\n"
"  xen-dump [--raw]         print active grant entries as Xen sees them\n"
"  selftest                 prove the Xen-dump and kernel-log checks detect\n"
"                           a live mapping / a WARNING line\n"
"\n"
"Every command accepts --help. Must run as root in dom0 with xen-privcmd,\n"
"xenfs, xen-evtchn, xen-gntalloc and the gntdev under test loaded.\n");
}

static void usage_list(FILE *f)
{
	fprintf(f,
"usage: gntdev-test list [-v|--verbose] [PATTERN]\n"
"  Print scenario names matching PATTERN (shell glob if it contains *?[,\n"
"  else substring). -v adds the one-line claim each scenario checks.\n");
}

static void usage_run(FILE *f)
{
	fprintf(f,
"usage: gntdev-test run [-v] [--timeout SEC] [--grace MS] [--granter D|auto]\n"
"                       [--granter-config PATH] [--iterations N]\n"
"                       [--race-rounds N] [PATTERN]\n"
"  Run every scenario matching PATTERN (glob if it contains *?[, else\n"
"  substring), each in its own forked process group, killed after\n"
"  --timeout seconds (default 30).  A scenario passes only if its own\n"
"  checks pass, Xen's grant-table dump ('g' debug key) shows no grant of\n"
"  the granter (dom0, or --granter's D) active beyond the pre-scenario\n"
"  baseline (waiting up to --grace ms,\n"
"  default 2000, for asynchronous release), and the kernel log gained no\n"
"  WARNING/BUG/Oops/Bad page map/still pending/deferring/leaking/general\n"
"  protection lines.  Scenarios that map must also prove the dump showed\n"
"  their mapping while it was live.\n"
"  --granter D maps grants of domain D instead of dom0's own: D runs\n"
"  granter-agent, which shares its pages on request (auto: the one domain\n"
"  whose agent is ready), and the dump must show D's grants released.\n"
"  --granter-config PATH is D's xl configuration: the guest-*-while-mapped\n"
"  scenarios start granters of their own from it (and skip without it).\n"
"  --iterations N runs looping scenarios (unmap-notify-event-order) N rounds\n"
"  instead of their default, for soak runs by hand.\n"
"  --race-rounds N runs the gup-race-* scenarios N rounds instead of\n"
"  their default (lanes that repeat another lane's races shorten them).\n"
"  Output is TAP; the last line is 'N passed, N failed[, N skipped]'.\n"
"  -v prints notes and timings for passing scenarios too.\n");
}

static int cmd_list(int argc, char **argv)
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

static int cmd_run(int argc, char **argv)
{
	struct run_opts o = { .timeout = 30, .grace_ms = 2000 };
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "timeout", required_argument, NULL, 't' },
		{ "grace", required_argument, NULL, 'g' },
		{ "granter", required_argument, NULL, 'G' },
		{ "granter-config", required_argument, NULL, 'C' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "race-rounds", required_argument, NULL, 'r' },
		{ 0 }
	};
	int c;
	uint32_t v;
	while ((c = getopt_long(argc, argv, "hvt:g:G:C:i:r:", lo, NULL)) != -1) {
		switch (c) {
		case 'h': usage_run(stdout); return 0;
		case 'v': o.verbose = 1; break;
		case 't':
			if (parse_u32(optarg, &v) || v == 0) {
				fprintf(stderr, "run: bad --timeout '%s'\n", optarg);
				return 2;
			}
			o.timeout = v;
			break;
		case 'g':
			if (parse_u32(optarg, &v)) {
				fprintf(stderr, "run: bad --grace '%s'\n", optarg);
				return 2;
			}
			o.grace_ms = v;
			break;
		case 'G':
			if (parse_granter(optarg, &o.granter))
				return 2;
			break;
		case 'C': o.granter_config = optarg; break;
		case 'i':
			if (parse_u32(optarg, &o.iterations) || !o.iterations) {
				fprintf(stderr, "run: bad --iterations '%s'\n", optarg);
				return 2;
			}
			break;
		case 'r':
			if (parse_u32(optarg, &o.race_rounds) || !o.race_rounds) {
				fprintf(stderr, "run: bad --race-rounds '%s'\n", optarg);
				return 2;
			}
			break;
		default: usage_run(stderr); return 2;
		}
	}
	if (argc - optind > 1) {
		usage_run(stderr);
		return 2;
	}
	o.pattern = optind < argc ? argv[optind] : NULL;
	return runner_run(&o);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage_main(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	argc--;
	argv++;
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage_main(stdout);
		return 0;
	}
	if (!strcmp(cmd, "list"))
		return cmd_list(argc, argv);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc, argv);
	if (!strcmp(cmd, "map"))
		return cmd_map(argc, argv);
	if (!strcmp(cmd, "share"))
		return cmd_share(argc, argv);
	if (!strcmp(cmd, "stress"))
		return cmd_stress(argc, argv);
	if (!strcmp(cmd, "fpu-check"))
		return cmd_fpucheck(argc, argv);
	if (!strcmp(cmd, "selftest"))
		return cmd_selftest(argc, argv);
	if (!strcmp(cmd, "xen-dump"))
		return cmd_xendump(argc, argv);
	if (!strcmp(cmd, "_exec-child"))    /* internal: scenario fork-exec-child */
		return cmd_exec_child(argc, argv);
	fprintf(stderr, "gntdev-test: unknown command '%s'\n\n", cmd);
	usage_main(stderr);
	return 2;
}
