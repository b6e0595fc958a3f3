/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * gntdev-bench: what every part of the benchmark shares.
 *
 * One run is R rounds; a round is one turn per module (ours, then Debian's,
 * or the other way round: the order alternates); a turn runs every figure
 * group once.  A group measures each of its figures as the median of an
 * inner loop and hands that median to record(), which prints it as a
 * "# bench-raw" line and keeps it for the medians over rounds at the end.
 */
#ifndef GNTDEV_BENCH_H
#define GNTDEV_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <xen/gntdev.h>

#define PAGE_SIZE 4096u

/* The modules compared; the harness loaded ours, make bench ships Debian's. */
enum module { OURS, STOCK, NR_MODULES };
extern const char *const module_name[NR_MODULES];

/* Command-line settings (main.c). */
struct options {
	unsigned int rounds;	/* turns per module */
	unsigned int pages;	/* pages per batch figure and turn */
	unsigned int probes;	/* probes per figure at one N and turn */
	unsigned int children;	/* processes per N and turn (exit, fork) */
};
extern struct options opt;

/* The batches of the map cycle, GRANT_COPY and the floor. */
#define NR_BATCHES 5
extern const unsigned int batches[NR_BATCHES];
#define MAX_BATCH 256u

/* The most maps the mm and per-file figures set up. */
#define MANY_MAPS 10000u

/* One module's turn in one round. */
struct turn {
	unsigned int round;	/* 1-based */
	enum module module;
	char why[256];		/* the first measurement that could not be made */
};

/* Say in t->why why a measurement could not be made (the first reason
 * wins); returns -1. */
int fail(struct turn *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ---- stats.c: timing, medians, and the figures kept over rounds ---- */

/*
 * An interval between two now_ns() holds one clock read besides what it
 * times: about 1.3 us in a PV dom0, where it is a system call.  Each turn
 * measures that cost first (figure "clock") and elapsed() takes it off.
 */
void clock_calibrate(const struct turn *t);
double elapsed(double t0, double t1);

/* The median of n values (sorts them); n > 0. */
double median(double *v, size_t n);
/* One turn's figure: printed, and kept for the results. */
void record(const struct turn *t, const char *figure, unsigned long param,
	    const char *unit, double value);
/* The median over the rounds of a module's figure; 0 if no round has it. */
int result(const char *figure, unsigned long param, enum module m, double *value);
/* Ours / Debian's medians; 0 if either is missing. */
int ratio(const char *figure, unsigned long param, double *value);
/* One "# bench-result" line per figure; returns how many (figure, module)
 * pairs lack a value from some round. */
unsigned int print_results(void);

/* ---- summary.c: the targets ---- */
/* The "# bench-summary:" line; returns how many targets have no value. */
unsigned int print_summary(void);

/* ---- grants.c: dom0's own pages, shared through gntalloc ---- */

/* Grants shared once for the whole run: enough distinct ones for the
 * largest batch, and for MANY_MAPS live maps at fewer than 20 host
 * mappings each (Xen allows 255 per grant). */
#define NR_GRANTS 1024u

int grants_share(char *why, size_t len);
/* The granter's view of grant i (dom0 writes it through gntalloc). */
uint8_t *grant_page(unsigned int i);
/* Byte off of the pattern grant i holds. */
uint8_t grant_byte(unsigned int i, unsigned int off);
void grant_fill(uint8_t *page, unsigned int i);
/* 1 if page holds grant i's pattern. */
int grant_holds(const uint8_t *page, unsigned int i);
uint32_t grant_ref(unsigned int i);

/* /dev/xen/gntdev; each returns 0 (or an fd) or -errno. */
int gntdev_open(void);
/* A MAP_GRANT_REF argument for grants first .. first+count-1, built
 * outside the timed region; free() it. */
struct ioctl_gntdev_map_grant_ref *map_op(unsigned int first, unsigned int count);
int gntdev_map(int fd, struct ioctl_gntdev_map_grant_ref *op);
int gntdev_map_one(int fd, unsigned int grant, uint64_t *index);
int gntdev_unmap(int fd, uint64_t index, unsigned int count);
/* MAP_GRANT_REF, mmap and a write to the first byte, for one grant; the
 * reservation stays until close(). */
int gntdev_live_map(int fd, unsigned int grant, uint8_t **page);
/* Map every grant through the device and compare it with the pattern. */
int grants_verify(struct turn *t, const char *when);

/* ---- the figure groups, one file each; 0 or fail() ---- */
int bench_floor(struct turn *t);	/* floor.c */
int bench_copy(struct turn *t);		/* copy.c */
int bench_cycle(struct turn *t);	/* cycle.c */
int bench_perfile(struct turn *t);	/* perfile.c */
int bench_live(struct turn *t);		/* live.c */
int bench_process(struct turn *t);	/* process.c */

/* The figures of perfile.c, one per call of a map's life. */
#define NR_PERFILE_OPS 5
extern const char *const perfile_figure[NR_PERFILE_OPS];

/* Inner iterations of a batch figure: opt.pages pages, at least a few. */
unsigned int batch_iterations(unsigned int batch);
/* A batch figure of one timed operation: sample() batch_iterations() times
 * (it puts the ns it took in *ns, or returns fail()); the median per page
 * is recorded.  0 or -1. */
int batch_figure(struct turn *t, const char *figure, unsigned int batch,
		 int (*sample)(struct turn *t, void *ctx, unsigned int batch, double *ns),
		 void *ctx);

#endif
