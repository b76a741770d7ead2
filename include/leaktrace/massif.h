/* massif: the heap over time, written as valgrind massif's massif.out file.
 *
 * The profile is fed one call per allocator event and keeps what massif
 * keeps: the useful heap (bytes asked for), the "extra" heap (a fixed admin
 * cost per block, --heap-admin, plus the rounding slop of the allocator), a
 * bounded array of snapshots taken by massif's policy, and at detailed and
 * peak snapshots the live bytes of every allocation stack.  It needs no map
 * of its own from addresses to blocks: the caller's shadow heap already
 * knows each block's size and stack and hands them over at the free.
 *
 * Snapshot policy (massif's): a snapshot at most every min_interval units
 * of time, the interval starting at 0; every --detailed-freq'th snapshot is
 * detailed; when the array of --max-snapshots is full, half of them go
 * (each time the one whose neighbours are closest in time, never the first,
 * the last or the peak) and the new minimum interval is the smallest gap
 * left, so the interval roughly doubles at each culling.  Before every
 * deallocation (a free, a realloc that shrinks) the total is checked
 * against the last peak snapshot: more than --peak-inaccuracy percent above
 * it, a new detailed "peak" snapshot replaces the old peak's status.
 *
 * Time (--time-unit): "ms" is wall-clock milliseconds since the profile
 * began (massif_new, or an attach); "B" is massif's bytes allocated plus
 * bytes freed, admin and slop included.  "i" is massif's default and counts
 * instructions executed, which a ptrace tracer cannot count: here "i"
 * counts allocator events (each malloc, free, realloc... is one), a measure
 * of program progress that, like instructions, does not depend on the
 * machine's speed.  The file says so in a "desc:" line.
 *
 * Stack filtering (massif's, per distinct stack, cached): frame 0 is the
 * allocator entry the tracer hooked and always goes; then every frame whose
 * function is an allocation function (massif's list plus --alloc-fn); a
 * stack whose first remaining named frame is an --ignore-fn is not counted
 * at all; frames below main go; at most --depth frames stay. */
#ifndef LEAKTRACE_MASSIF_H
#define LEAKTRACE_MASSIF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "leaktrace/report.h"
#include "leaktrace/stacktab.h"

enum massif_time_unit { MASSIF_TIME_I, MASSIF_TIME_MS, MASSIF_TIME_B };

struct massif_config {
	enum massif_time_unit time_unit; /* default MASSIF_TIME_I */
	unsigned detailed_freq;		 /* 1..1000000, default 10 */
	unsigned max_snapshots;		 /* 10..1000, default 100 */
	double threshold;		 /* percent, 0..100, default 1.0 */
	double peak_inaccuracy;		 /* percent, default 1.0 */
	unsigned heap_admin;		 /* bytes per block, 0..1024, default 8 */
	unsigned depth;			 /* 1..200, default 30 */
	unsigned align;			 /* allocator rounding for the slop, default 16 */
	const char *const *alloc_fns;	 /* NULL-terminated, extra --alloc-fn names */
	const char *const *ignore_fns;	 /* NULL-terminated, --ignore-fn names */
	/* the "desc:" words: the massif options as given, NULL-terminated */
	const char *const *desc_args;
};

/* The defaults above. */
void massif_config_default(struct massif_config *c);

/* Milliseconds on some monotonic clock, for --time-unit=ms. */
typedef uint64_t (*massif_clock_fn)(void *ctx);

struct massif;

/* A profile that reads stacks from st and names frames through sym (only
 * sym->symbolize, sym->symbolize_all and sym->symbolize_ctx are used: for
 * the filtering, once per distinct stack, and at massif_write).  Both must
 * outlive the profile; c is copied (its strings must outlive the profile).
 * Takes snapshot 0 (empty heap) at time 0.  NULL on allocation failure.
 * Free with massif_free. */
struct massif *massif_new(const struct massif_config *c, const struct stacktab *st,
			  const struct report *sym);
void massif_free(struct massif *m);

/* Replaces the clock (CLOCK_MONOTONIC by default), for tests; the profile's
 * time 0 becomes clock's value now. */
void massif_set_clock(struct massif *m, massif_clock_fn clock, void *ctx);

/* A block of size bytes allocated from stack stack_id. */
void massif_alloc(struct massif *m, uint64_t size, uint32_t stack_id);
/* The block of size bytes allocated from stack_id is freed. */
void massif_dealloc(struct massif *m, uint64_t size, uint32_t stack_id);
/* A block of old_size from old_stack became one of new_size from new_stack
 * (massif charges the whole block to the realloc's stack). */
void massif_realloc(struct massif *m, uint64_t old_size, uint32_t old_stack, uint64_t new_size,
		    uint32_t new_stack);

/* Live heap bytes now, and the total (heap + extra) of the peak snapshot
 * (0 before any). */
uint64_t massif_heap_bytes(const struct massif *m);
uint64_t massif_peak_total(const struct massif *m);
unsigned massif_snapshot_count(const struct massif *m);

/* The whole file: "desc:", "cmd: " cmd, "time_unit:", then every snapshot.
 * 0, -ENOMEM, or -EIO when writing failed. */
int massif_write(struct massif *m, FILE *out, const char *cmd);

/* Whether name (demangled) is one of massif's allocation functions. */
bool massif_is_alloc_fn(const char *name);

/* massif.out.%p: pattern with "%p" replaced by pid and "%q{VAR}" by the
 * environment variable VAR, "%%" by '%'.  A malloc'd string, NULL on
 * allocation failure. */
char *massif_out_name(const char *pattern, int pid);

#endif
