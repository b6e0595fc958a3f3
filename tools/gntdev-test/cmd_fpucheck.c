/*
 * gntdev-test fpu-check: do this domain's processes keep their vector
 * registers?  Threads fill xmm0-xmm15 with a pattern of their own, spin
 * long enough to be switched out, and compare every 64-bit lane.
 *
 * Under QEMU's TCG, Xen's lazy FPU switch hands dom0's processes another
 * vCPU's registers whenever a domU runs (docs/testing.md); glibc's memcpy,
 * string functions and malloc then corrupt data at random, and no verdict
 * of the toolkit can be trusted.  The harness runs this beside the granter
 * domU before judging anything else.
 */
#include "clock.h"
#include "cmds.h"
#include "options.h"

#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#define FPU_THREADS	4
#define FPU_SPIN	1000000

struct fpu_thread {
	unsigned int id;
	long deadline_ms;
	unsigned long rounds, bad_lanes;
	char first_bad[128];
};

#define LOAD(n)  "movdqa %%xmm0, %%xmm" #n "\n\tpaddq %%xmm" #n ", %%xmm" #n "\n\t" \
		 "paddq %%xmm" #n ", %%xmm" #n "\n\t"
#define STORE(n) "movdqu %%xmm" #n ", " #n "*16(%1)\n\t"

/*
 * Register n holds the seed times 4 (paddq twice), register 0 the seed:
 * the check below recomputes the same.  The spin leaves them alone.
 */
static void fpu_round(uint64_t seed, uint64_t out[16][2])
{
	__asm__ volatile(
		"movq %0, %%xmm0\n\tpunpcklqdq %%xmm0, %%xmm0\n\t"
		LOAD(1) LOAD(2) LOAD(3) LOAD(4) LOAD(5) LOAD(6) LOAD(7) LOAD(8)
		LOAD(9) LOAD(10) LOAD(11) LOAD(12) LOAD(13) LOAD(14) LOAD(15)
		"mov %2, %%ecx\n"
		"1:\tdec %%ecx\n\tjnz 1b\n\t"
		STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5) STORE(6)
		STORE(7) STORE(8) STORE(9) STORE(10) STORE(11) STORE(12)
		STORE(13) STORE(14) STORE(15)
		: : "r"(seed), "r"(out), "i"(FPU_SPIN)
		: "ecx", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
		  "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
		  "xmm13", "xmm14", "xmm15");
}

static void *fpu_thread_main(void *arg)
{
	struct fpu_thread *t = arg;
	uint64_t out[16][2];

	while (mono_ms() < t->deadline_ms) {
		uint64_t seed = (t->id + 1) * 0x9e3779b97f4a7c15ull + t->rounds;

		fpu_round(seed, out);
		for (int reg = 0; reg < 16; reg++) {
			uint64_t want = reg ? seed * 4 : seed;

			for (int lane = 0; lane < 2; lane++) {
				if (out[reg][lane] == want)
					continue;
				if (!t->bad_lanes++)
					snprintf(t->first_bad, sizeof(t->first_bad),
						 "round %lu: xmm%d lane %d held 0x%016llx, "
						 "want 0x%016llx", t->rounds, reg, lane,
						 (unsigned long long)out[reg][lane],
						 (unsigned long long)want);
			}
		}
		t->rounds++;
		sched_yield();
	}
	return NULL;
}

static void usage_fpucheck(FILE *f)
{
	fprintf(f,
"usage: gntdev-test fpu-check [--seconds N]\n"
"  %d threads fill xmm0-xmm15, spin and check every lane, for N seconds\n"
"  (default 20).  Exit 0 iff no register changed under them.  Run it while\n"
"  the other domains are busy: under QEMU's TCG, Xen's lazy FPU switch\n"
"  loses dom0's vector registers (boot Xen with spec-ctrl=eager-fpu).\n",
		FPU_THREADS);
}

int cmd_fpucheck(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "seconds", required_argument, NULL, 's' },
		{ 0 }
	};
	struct fpu_thread t[FPU_THREADS];
	pthread_t th[FPU_THREADS];
	unsigned long rounds = 0, bad = 0;
	uint32_t seconds = 20;
	long deadline_ms;
	const char *first = NULL;
	unsigned int i, started;
	int c;

	while ((c = getopt_long(argc, argv, "hs:", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage_fpucheck(stdout);
			return 0;
		case 's':
			if (parse_u32(optarg, &seconds) || !seconds) {
				fprintf(stderr, "fpu-check: bad --seconds\n");
				return 2;
			}
			break;
		default:
			usage_fpucheck(stderr);
			return 2;
		}
	}

	memset(t, 0, sizeof(t));
	deadline_ms = mono_ms() + seconds * 1000L;
	for (started = 0; started < FPU_THREADS; started++) {
		t[started].id = started;
		t[started].deadline_ms = deadline_ms;
		if (pthread_create(&th[started], NULL, fpu_thread_main, &t[started])) {
			fprintf(stderr, "fpu-check: pthread_create failed\n");
			break;
		}
	}
	for (i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		rounds += t[i].rounds;
		bad += t[i].bad_lanes;
		if (!first && t[i].bad_lanes)
			first = t[i].first_bad;
	}
	if (started < FPU_THREADS)
		return 1;
	printf("fpu-check: %lu rounds in %u s over %d threads, %lu register lanes changed%s%s\n",
	       rounds, seconds, FPU_THREADS, bad, first ? "; first: " : "",
	       first ? first : "");
	return bad || !rounds ? 1 : 0;
}
