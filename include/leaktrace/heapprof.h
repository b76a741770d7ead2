/* heapprof: the heap over time, for the session to feed in four calls.
 *
 * One object owns what --tool=massif, --interval's growth report and
 * --timeline need: the live bytes and blocks of every allocation stack,
 * kept up to date by heapprof_alloc/heapprof_dealloc (one call per event,
 * no allocation except when a new stack id appears), the massif profile
 * (massif.h), the ring of interval samples judged for slow leaks
 * (growth.h) and the timeline samples (timeline.h).  heapprof_interval
 * prints an --interval report; heapprof_finish writes the files.
 *
 * Time is seconds since heapprof_new: create it when tracing starts (at
 * the exec, or at the attach with -p, where time starts at the attach). */
#ifndef LEAKTRACE_HEAPPROF_H
#define LEAKTRACE_HEAPPROF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "leaktrace/growth.h"
#include "leaktrace/massif.h"
#include "leaktrace/report.h"
#include "leaktrace/stacktab.h"

struct heapprof_config {
	bool massif;		   /* --tool=massif */
	struct massif_config mc;   /* its options */
	const char *massif_out;	   /* --massif-out-file, NULL = "massif.out.%p" */
	const char *timeline_file; /* --timeline=FILE.svg, or NULL */
	struct growth_rule rule;   /* the suspect rule of --interval reports */
	/* where memlimit reads; NULL = "/proc" and "/sys/fs/cgroup" */
	const char *proc_root, *cgroup_root;
};

/* The defaults: no massif, no timeline, growth_rule_default. */
void heapprof_config_default(struct heapprof_config *c);

struct heapprof;

/* Stacks come from st and are named through rep's symbolizer (rep->pid is
 * the "==PID==" of interval reports); both must outlive the profile; c's
 * strings too.  NULL on allocation failure.  Free with heapprof_free. */
struct heapprof *heapprof_new(const struct heapprof_config *c, const struct stacktab *st,
			      const struct report *rep);
void heapprof_free(struct heapprof *hp);

/* A block of size bytes from stack_id appeared / went away.  A realloc is
 * either one heapprof_realloc or a dealloc of the old block and an alloc
 * of the new one (massif then sees two events where it would see one). */
void heapprof_alloc(struct heapprof *hp, uint64_t size, uint32_t stack_id);
void heapprof_dealloc(struct heapprof *hp, uint64_t size, uint32_t stack_id);
void heapprof_realloc(struct heapprof *hp, uint64_t old_size, uint32_t old_stack, uint64_t new_size,
		      uint32_t new_stack);

/* An --interval report on out about process pid, seconds after the last:
 * the stacks that grew most since then, the suspected leaks (growth.h's
 * rule over the last looks) with their rate and duration, and when the
 * process reaches its memory limit at the heap's growth (memlimit.h). */
void heapprof_interval(struct heapprof *hp, FILE *out, int pid, double seconds);

/* The end: writes massif.out (with --tool=massif; cmd is its "cmd:" line)
 * and the timeline SVG.  0, or -1 with a one-line reason in err. */
int heapprof_finish(struct heapprof *hp, int pid, const char *cmd, char *err, size_t errlen);

/* Live bytes now of stack id's call site: of every stack with the same
 * frames but the allocator's (frame 0), which heapprof counts as one. */
uint64_t heapprof_stack_bytes(const struct heapprof *hp, uint32_t id);

/* Replaces the clock (seconds, CLOCK_MONOTONIC by default) for tests;
 * also massif's, for --time-unit=ms. */
void heapprof_set_clock(struct heapprof *hp, double (*clock)(void *ctx), void *ctx);

#endif
