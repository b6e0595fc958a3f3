/*
 * Runner: for each selected scenario
 *   1. note kernel-log position, take a Xen baseline dump;
 *   2. fork a child (own process group) that runs the scenario and reports
 *      evidence over a pipe; SIGKILL the group on timeout;
 *   3. after the child is gone: Xen dump must show no grant of the run's
 *      granter (dom0 itself, or --granter's domU) active beyond the baseline
 *      (retrying for grace_ms), the
 *      kernel log must be clean, and scenarios flagged SC_MAPS must have
 *      proved that the dump showed their mapping while it was live;
 *   4. print the verdict: ok, ok # SKIP, not ok (FAIL: evidence that the
 *      device misbehaved) or not ok # ERROR (a check could not be made:
 *      no Xen dump, no kernel log, the machinery broke), then the evidence.
 */
#include "runner.h"
#include "clock.h"
#include "evidence.h"
#include "kmsg.h"
#include "scenario.h"
#include "xencheck.h"

#include <errno.h>
#include <stdarg.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Scenarios in order (scenario.h); exits if the list cannot be had. */
static const struct scenario *const *all_scenarios(size_t *n)
{
	const struct scenario *const *all = scenario_list(n);

	if (!all) {
		perror("gntdev-test: scenario list");
		exit(2);
	}
	return all;
}

int runner_match(const char *name, const char *pattern)
{
	if (!pattern || !*pattern)
		return 1;
	if (strpbrk(pattern, "*?["))
		return fnmatch(pattern, name, 0) == 0;
	return strstr(name, pattern) != NULL;
}

/* name TAB claim TAB flags ("maps", "timeout=N", comma-separated, or "-"):
 * what scenario-table.sh reads. */
static void print_scenario_line(const struct scenario *s)
{
	const char *sep = "";

	printf("%s\t%s\t", s->name, s->claim);
	if (s->flags & SC_MAPS) {
		printf("maps");
		sep = ",";
	}
	if (s->timeout)
		printf("%stimeout=%u", sep, s->timeout);
	else if (!*sep)
		printf("-");
	printf("\n");
}

int runner_list(const char *pattern, int verbose)
{
	size_t count;
	const struct scenario *const *all = all_scenarios(&count);
	int n = 0;

	for (size_t i = 0; i < count; i++) {
		const struct scenario *s = all[i];

		if (!runner_match(s->name, pattern))
			continue;
		if (verbose)
			print_scenario_line(s);
		else
			printf("%s\n", s->name);
		n++;
	}
	return n ? 0 : 1;
}

/* ---- result accumulation ---- */

struct result {
	char **lines;        /* evidence */
	size_t n, cap;
	char skip_reason[512];
	char error[512];     /* why the scenario could not be judged ("": it could) */
	unsigned mapped_seen;
	int child_failed;
};

static void res_add(struct result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void res_add(struct result *r, const char *fmt, ...)
{
	char buf[1100];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 16;
		char **nl = realloc(r->lines, nc * sizeof(*nl));
		if (!nl)
			return;
		r->lines = nl;
		r->cap = nc;
	}
	r->lines[r->n++] = strdup(buf);
}

/* A check could not be made: evidence, and the first one is the reason. */
static void res_error(struct result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void res_error(struct result *r, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	res_add(r, "%s", buf);
	if (!r->error[0])
		snprintf(r->error, sizeof(r->error), "%s", buf);
}

static void res_free(struct result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->lines[i]);
	free(r->lines);
	memset(r, 0, sizeof(*r));
}

static void handle_line(struct result *r, char *line, int verbose)
{
	if (!line[0])
		return;
	char tag = line[0];
	const char *text = line[1] == ' ' ? line + 2 : line + 1;
	switch (tag) {
	case 'E':
		res_add(r, "%s", text);
		break;
	case 'N':
		if (verbose)
			res_add(r, "note: %s", text);
		break;
	case 'S':
		snprintf(r->skip_reason, sizeof(r->skip_reason), "%s", text);
		break;
	case 'M':
		r->mapped_seen += strtoul(text, NULL, 10);
		break;
	case 'X':
		res_error(r, "%s", text);
		break;
	default:
		res_add(r, "child: %s", line);
	}
}

/* How long a SIGKILLed scenario may take to disappear. */
#define STUCK_MS 10000

/* Run s->fn in a child; collect its lines; returns wait status or -1. */
static int run_child(const struct scenario *s, const struct run_opts *o, struct result *r)
{
	int pfd[2];
	if (pipe(pfd)) {
		res_error(r, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		res_error(r, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		setpgid(0, 0);
		static struct tctx ctx;
		ctx.granter = o->granter;
		ctx.mapdom = 0;
		ctx.granter_config = o->granter_config;
		ctx.iterations = o->iterations;
		ctx.race_rounds = o->race_rounds;
		ctx.repfd = pfd[1];
		ctx.verbose = o->verbose;
		ctx.xc = NULL;
		T = &ctx;
		signal(SIGPIPE, SIG_IGN);
		int rc = s->fn();
		if (ctx.xc)
			xcheck_close(ctx.xc);
		_exit(rc ? 1 : 0);
	}
	setpgid(pid, pid);
	close(pfd[1]);

	char buf[8192];
	size_t blen = 0;
	unsigned timeout = s->timeout > o->timeout ? s->timeout : o->timeout;
	long deadline = mono_ms() + (long)timeout * 1000L;
	int timed_out = 0, eof = 0;
	while (!eof) {
		long left = deadline - mono_ms();
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int pr = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
		if (pr < 0 && errno != EINTR)
			break;
		if (pr <= 0)
			continue;
		ssize_t n = read(pfd[0], buf + blen, sizeof(buf) - 1 - blen);
		if (n <= 0) {
			eof = 1;
			break;
		}
		blen += n;
		buf[blen] = '\0';
		char *start = buf, *nl;
		while ((nl = strchr(start, '\n'))) {
			*nl = '\0';
			handle_line(r, start, o->verbose);
			start = nl + 1;
		}
		blen = strlen(start);
		memmove(buf, start, blen + 1);
		if (blen == sizeof(buf) - 1) {   /* overlong line */
			handle_line(r, buf, o->verbose);
			blen = 0;
		}
	}
	int status = 0;
	if (timed_out) {
		res_add(r, "timeout after %us: killed scenario process group", timeout);
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		r->child_failed = 1;
	}
	/* EOF may come before exit (or grandchildren may hold the pipe): wait
	 * for the child itself, with the remaining time budget.  A child that
	 * SIGKILL cannot end (stuck in the kernel) is given up on after
	 * STUCK_MS, so that the run still finishes and reports it. */
	long killed_at = timed_out ? mono_ms() : 0;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0) {
			res_error(r, "waitpid: %s", strerror(errno));
			status = -1;
			break;
		}
		if (mono_ms() > deadline && !timed_out) {
			res_add(r, "timeout after %us (child did not exit): killed", timeout);
			kill(-pid, SIGKILL);
			r->child_failed = 1;
			timed_out = 1;
			killed_at = mono_ms();
		}
		if (timed_out && mono_ms() - killed_at > STUCK_MS) {
			res_add(r, "scenario process %d still not gone %d s after SIGKILL: stuck "
				"in the kernel (see the kernel log); abandoned", (int)pid,
				STUCK_MS / 1000);
			status = -1;
			break;
		}
		msleep(10);
	}
	/* make sure no grandchild of the scenario survives it */
	kill(-pid, SIGKILL);
	close(pfd[0]);
	return status;
}

struct leak_ctx {
	struct result *r;
	unsigned shown;
};

static void leak_report(void *arg, const struct gt_entry *e)
{
	struct leak_ctx *lc = arg;
	if (lc->shown++ < 8)
		res_add(lc->r, "Xen: d%u ref %u still active after scenario: mapped by d%u "
			"pin=0x%08x mfn=0x%llx", e->granter, e->ref, e->mapdom, e->pin,
			(unsigned long long)e->mfn);
}

static void kmsg_report(void *arg, const char *line)
{
	res_add(arg, "%s", line);
}

static void print_evidence(const struct result *r)
{
	for (size_t i = 0; i < r->n; i++)
		printf("# %s\n", r->lines[i]);
}

/* The closing line, all four counts always (xen-tests/analyse.awk reads it). */
static void print_totals(size_t passed, size_t failed, size_t skipped, size_t errors)
{
	printf("%zu passed, %zu failed, %zu skipped, %zu errors\n", passed, failed, skipped,
	       errors);
}

int runner_run(const struct run_opts *o)
{
	size_t count, total = 0;
	const struct scenario *const *all = all_scenarios(&count);

	for (size_t i = 0; i < count; i++)
		if (runner_match(all[i]->name, o->pattern))
			total++;
	printf("TAP version 13\n");
	printf("1..%zu\n", total);
	printf("# granter: d%u (%s grants)\n", o->granter, o->granter ? "foreign" : "self");
	fflush(stdout);
	if (total == 0) {
		printf("# no scenario matches '%s'\n", o->pattern ? o->pattern : "");
		print_totals(0, 0, 0, 0);
		return 1;
	}

	char err[512] = "";
	struct xcheck *xc = xcheck_open(err, sizeof(err));
	char xc_err[512];
	snprintf(xc_err, sizeof(xc_err), "%s", err);

	size_t idx = 0, passed = 0, failed = 0, skipped = 0, errors = 0;
	for (size_t i = 0; i < count; i++) {
		const struct scenario *s = all[i];

		if (!runner_match(s->name, o->pattern))
			continue;
		idx++;
		struct result r = { 0 };
		struct gt_snap base = { 0 };
		int have_base = 0;

		char kerr[256];
		struct kmsg *km = kmsg_open(kerr, sizeof(kerr));
		if (!km)
			res_error(&r, "kernel-log check unavailable: %s", kerr);
		kmsg_mark("start %s", s->name);

		if (!xc) {
			res_error(&r, "Xen check unavailable: %s", xc_err);
		} else if (xcheck_snapshot(xc, &base, err, sizeof(err))) {
			res_error(&r, "Xen baseline failed: %s", err);
		} else {
			have_base = 1;
			xcheck_clear_other(xc);
		}

		long t0 = mono_ms();
		int status = have_base ? run_child(s, o, &r) : -1;
		long dt = mono_ms() - t0;

		/*
		 * fail: evidence that the device misbehaved.  r.error: a check
		 * could not be made (ERROR); a scenario that reported one ('X')
		 * and then gave up has not failed.
		 */
		int fail = 0, skip_it = 0;
		if (!have_base) {
			/* r.error says why */
		} else if (status < 0) {
			fail = !r.error[0];    /* stuck in the kernel, or pipe/fork broke */
		} else if (WIFSIGNALED(status)) {
			if (!r.child_failed)
				res_add(&r, "scenario process killed by signal %d (%s)",
					WTERMSIG(status), strsignal(WTERMSIG(status)));
			fail = 1;
		} else if (WEXITSTATUS(status) == SKIP_EXIT) {
			skip_it = 1;
		} else if (r.error[0]) {
			/* not judged */
		} else if (WEXITSTATUS(status) != 0) {
			fail = 1;
			if (r.n == 0)
				res_add(&r, "scenario failed with exit status %d and no evidence",
					WEXITSTATUS(status));
		} else if ((s->flags & SC_MAPS) && r.mapped_seen == 0) {
			fail = 1;
			res_add(&r, "sanity: scenario never showed its mapping in Xen's dump, "
				"so the release check would prove nothing");
		}

		/* Xen: back to baseline (also after a failure or skip). */
		if (have_base) {
			long started = mono_ms();
			long until = started + o->grace_ms;
			long waited = 0;
			for (int tries = 0;; tries++) {
				waited = mono_ms() - started;
				struct gt_snap now;
				if (xcheck_snapshot(xc, &now, err, sizeof(err))) {
					res_error(&r, "Xen check after scenario failed: %s", err);
					break;
				}
				size_t leaks = gt_snap_leaks(&base, &now, o->granter, 0, NULL, NULL);
				if (leaks == 0) {
					if (tries > 0 && o->verbose)
						res_add(&r, "note: Xen showed release only after %ld ms", waited);
					gt_snap_free(&now);
					break;
				}
				if (mono_ms() >= until) {
					struct leak_ctx lc = { &r, 0 };
					gt_snap_leaks(&base, &now, o->granter, 0, leak_report, &lc);
					res_add(&r, "Xen: %zu grant(s) of d%u active beyond baseline "
						"(%zu before, %zu after, waited %ld ms)", leaks,
						o->granter, gt_snap_count(&base, o->granter),
						gt_snap_count(&now, o->granter), waited);
					gt_snap_free(&now);
					fail = 1;
					break;
				}
				gt_snap_free(&now);
				msleep(100);
			}
			gt_snap_free(&base);
		}

		if (km) {
			int hits = kmsg_scan(km, kmsg_report, &r);
			if (hits < 0) {
				res_error(&r, "kernel-log read failed: %s", strerror(errno));
			} else if (hits > 0) {
				fail = 1;
			}
			kmsg_close(km);
		}
		kmsg_mark("end %s", s->name);

		if ((fail || r.error[0]) && xc) {
			const char **ol;
			size_t no = xcheck_other_lines(xc, &ol);
			size_t from = no > 12 ? no - 12 : 0;
			for (size_t i = from; i < no; i++)
				res_add(&r, "xen console: %s", ol[i]);
		}

		if (fail) {
			failed++;
			printf("not ok %zu - %s\n", idx, s->name);
			printf("# claim: %s\n", s->claim);
			print_evidence(&r);
		} else if (r.error[0]) {
			errors++;
			printf("not ok %zu - %s # ERROR %s\n", idx, s->name, r.error);
			printf("# claim: %s\n", s->claim);
			print_evidence(&r);
		} else if (skip_it) {
			skipped++;
			printf("ok %zu - %s # SKIP %s\n", idx, s->name,
			       r.skip_reason[0] ? r.skip_reason : "(no reason given)");
			if (o->verbose)
				print_evidence(&r);
		} else {
			passed++;
			printf("ok %zu - %s\n", idx, s->name);
			if (o->verbose) {
				printf("# %ld ms, Xen saw %u mapped ref(s)\n", dt, r.mapped_seen);
				print_evidence(&r);
			}
		}
		fflush(stdout);
		res_free(&r);
	}
	xcheck_close(xc);
	print_totals(passed, failed, skipped, errors);
	fflush(stdout);
	return failed || errors ? 1 : 0;
}
