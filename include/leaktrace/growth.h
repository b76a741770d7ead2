/* growth: which allocation stacks leak slowly, from their live bytes over
 * time.
 *
 * A slow leak keeps every block reachable (a cache never trimmed, a queue
 * never drained), so the exit-time scan cannot see it; what gives it away
 * is that its stack's live bytes rise at every look.  The rule, over the
 * last `window` samples (at least `min_samples`) of one series:
 *
 *   1. trend:       the least-squares slope is at least min_rate bytes/s
 *                   and the series rose by at least min_rise bytes;
 *   2. consistency: Mann-Kendall's trend test is significant: S, the
 *                   number of sample pairs (i < j) with y[j] > y[i] minus
 *                   those with y[j] < y[i], is at least min_z standard
 *                   deviations of S under "no trend" (n(n-1)(2n+5)/18, ties
 *                   ignored, which errs on the side of no), continuity
 *                   corrected; min_z 2.326 is a one-sided 1% test, which a
 *                   series of fewer than 6 samples cannot pass, and 6 only
 *                   when they rise at every step.  (tau, S over the number
 *                   of pairs, is reported: 1 rises at every step, about 0
 *                   for noise or bursts);
 *   3. linearity:   the fit's R^2 is at least min_r2;
 *   4. spread:      no single step makes more than max_step_share of the
 *                   rise (a one-off jump is not a leak);
 *   5. still going: the later half of the window holds at least
 *                   min_recent_share of the rise (growth that stopped and
 *                   plateaued is not).
 *
 * Bursts (allocate, free, allocate...) fail 1 or 2, noise fails 2 and 3, a
 * one-off growth fails 4 while it is in the window and 1 once it is out, a
 * ramp that stopped fails 5.  "For how long" is the time since the start of
 * the window in which a stack was first found suspect, kept while it stays
 * one. */
#ifndef LEAKTRACE_GROWTH_H
#define LEAKTRACE_GROWTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct growth_rule {
	unsigned window;	 /* samples judged, default 10 */
	unsigned min_samples;	 /* default 4 */
	double min_rate;	 /* bytes per second, default 1 */
	uint64_t min_rise;	 /* bytes over the window, default 1024 */
	double min_z;		 /* default 2.326 (one-sided 1%) */
	double min_r2;		 /* default 0.8 */
	double max_step_share;	 /* default 0.5 */
	double min_recent_share; /* default 0.25 */
};

struct growth_verdict {
	bool suspect;
	double rate;	 /* least-squares slope, bytes per second */
	double r2, tau;	 /* fit quality and Mann-Kendall tau */
	double z;	 /* Mann-Kendall S in standard deviations */
	double rise;	 /* last minus first sample of the window */
	unsigned n;	 /* samples judged */
	const char *why; /* the first test that failed, NULL for a suspect */
};

void growth_rule_default(struct growth_rule *r);

/* Judges the last min(n, r->window) points (t[i] seconds, ascending;
 * y[i] bytes) of a series. */
void growth_judge(const struct growth_rule *r, const double *t, const double *y, size_t n,
		  struct growth_verdict *v);

/* The per-stack series of --interval reports: a ring of the last `window`
 * samples of every stack's live bytes. */
struct growth;

/* NULL on allocation failure.  Free with growth_free. */
struct growth *growth_new(const struct growth_rule *r);
void growth_free(struct growth *g);

/* One look at time t (seconds): bytes[i] is stack i's live bytes, n the
 * number of stacks (it may grow from one call to the next); total the
 * whole heap.  Judges every stack and the total.  0 or -ENOMEM. */
int growth_sample(struct growth *g, double t, const uint64_t *bytes, size_t n, uint64_t total);

/* After growth_sample: stack id's verdict, and since when (seconds, the
 * time of the window's start when it was first found suspect; -1 when it
 * is no suspect).  An unknown id gets an empty verdict. */
void growth_stack(const struct growth *g, uint32_t id, struct growth_verdict *v, double *since);
/* The whole heap's verdict (rate is the heap's growth, suspect or not). */
void growth_total(const struct growth *g, struct growth_verdict *v);
size_t growth_samples(const struct growth *g);

#endif
