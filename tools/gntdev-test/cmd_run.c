/* `run`: the scenarios, judged, as TAP. */
#include "cmds.h"
#include "options.h"
#include "runner.h"

#include <getopt.h>
#include <stdio.h>

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
"  baseline (waiting up to --grace ms, default 2000, for asynchronous\n"
"  release), and the kernel log gained no line that kernel-log-bad.ere\n"
"  (built in) calls bad: WARNING, BUG, Oops, Bad page map, still pending\n"
"  ...  Scenarios that map must also prove the dump showed their mapping\n"
"  while it was live.\n"
"  --granter D maps grants of domain D instead of dom0's own: D runs\n"
"  granter-agent, which shares its pages on request (auto: the one domain\n"
"  whose agent is ready), and the dump must show D's grants released.\n"
"  --granter-config PATH is D's xl configuration: the guest-*-while-mapped\n"
"  scenarios start granters of their own from it (and skip without it).\n"
"  --iterations N runs looping scenarios (unmap-notify-event-order) N rounds\n"
"  instead of their default, for soak runs by hand.\n"
"  --race-rounds N runs the gup-race-* scenarios N rounds instead of\n"
"  their default (lanes that repeat another lane's races shorten them).\n"
"  Output is TAP: 'ok', 'ok ... # SKIP why', 'not ok' (failed: evidence\n"
"  that the device misbehaved) or 'not ok ... # ERROR why' (could not be\n"
"  judged: no Xen dump, no kernel log, the checks themselves broke).  The\n"
"  last line is 'P passed, F failed, S skipped, E errors'.  Exit status 0\n"
"  if F and E are 0, 1 if not (or if no scenario matches), 2 on bad usage.\n"
"  -v prints notes and timings for passing scenarios too.\n");
}

int cmd_run(int argc, char **argv)
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
