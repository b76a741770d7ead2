/* timeline: the heap over time, stacked by allocation stack, as a
 * self-contained SVG (--timeline=FILE.svg).
 *
 * Samples are the live bytes of every stack at a moment.  They are kept
 * sparse (only stacks with live bytes) and bounded: when max_samples are
 * held, every other one goes and the sampling period doubles, so a long run
 * keeps an even picture of its whole life in bounded memory.  The picture
 * draws the heap's total as stacked areas, one per top stack (the stacks
 * with the most live bytes at their own peak, the suspects always among
 * them) and one for all other stacks; suspected leaks are red and hatched
 * and their legend says how fast they grow.  Every area carries a <title>
 * (the hover text) with its stack.  No script, no external reference: it
 * opens in any browser offline. */
#ifndef LEAKTRACE_TIMELINE_H
#define LEAKTRACE_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "leaktrace/report.h"
#include "leaktrace/stacktab.h"

struct timeline;

/* max_samples >= 4 (default 512 for 0); the first period is period
 * seconds.  NULL on allocation failure.  Free with timeline_free. */
struct timeline *timeline_new(unsigned max_samples, double period);
void timeline_free(struct timeline *tl);

/* Whether a sample at t (seconds) is due by the sampling period. */
bool timeline_due(const struct timeline *tl, double t);
/* A sample at t: bytes[i] live bytes of stack i, n stacks.  0 or -ENOMEM. */
int timeline_sample(struct timeline *tl, double t, const uint64_t *bytes, size_t n);
size_t timeline_count(const struct timeline *tl);

/* The series of stack id over the samples kept: t[i], y[i] for i < the
 * returned count (timeline_count); t and y have room for that many. */
size_t timeline_series(const struct timeline *tl, uint32_t id, double *t, double *y);

/* A suspected leak to highlight. */
struct timeline_mark {
	uint32_t id;
	double rate;  /* bytes per second */
	double since; /* seconds of steady growth */
};

/* The SVG document.  Stacks are read from st and named through sym (the
 * first frame that is no allocation function).  title NULL means "Heap
 * over time".  0, -ENOMEM, or -EIO when writing failed. */
int timeline_write_svg(const struct timeline *tl, FILE *out, const struct stacktab *st,
		       const struct report *sym, const struct timeline_mark *marks, size_t nmarks,
		       const char *title);

#endif
