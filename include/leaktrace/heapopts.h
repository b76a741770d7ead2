/* heapopts: the options of --tool=massif and of the heap over time
 * (--timeline), kept apart so that they read as one unit: options_table.c
 * declares each with a setter that hands it to heapopts_handle by its
 * HEAPOPT_* code.  Names, ranges and defaults are massif's. */
#ifndef LEAKTRACE_HEAPOPTS_H
#define LEAKTRACE_HEAPOPTS_H

#include <stdbool.h>

#include "leaktrace/heapprof.h"

enum heap_tool { TOOL_MEMCHECK, TOOL_MASSIF };

struct heap_options {
	enum heap_tool tool;	     /* --tool */
	struct heapprof_config prof; /* massif's options, --massif-out-file, --timeline */
	/* owned lists, NULL-terminated (prof.mc points into them) */
	const char **alloc_fns, **ignore_fns, **massif_args;
};

/* The order of the option codes after the caller's base code. */
enum {
	HEAPOPT_TOOL,
	HEAPOPT_MASSIF_OUT_FILE,
	HEAPOPT_TIME_UNIT,
	HEAPOPT_DETAILED_FREQ,
	HEAPOPT_MAX_SNAPSHOTS,
	HEAPOPT_THRESHOLD,
	HEAPOPT_PEAK_INACCURACY,
	HEAPOPT_HEAP_ADMIN,
	HEAPOPT_DEPTH,
	HEAPOPT_ALLOC_FN,
	HEAPOPT_IGNORE_FN,
	HEAPOPT_HEAP,
	HEAPOPT_STACKS,
	HEAPOPT_PAGES_AS_HEAP,
	HEAPOPT_TIMELINE,
	HEAPOPT_COUNT
};

/* massif's defaults, --tool=memcheck. */
void heapopts_default(struct heap_options *o);
/* Frees the lists (not o). */
void heapopts_release(struct heap_options *o);

/* One option (code - base, its value).  0, or -1 after printing a one-line
 * "leaktrace: ..." error. */
int heapopts_handle(struct heap_options *o, int which, const char *val);

/* After all options: the checks that need them all.  0 or -1 (printed). */
int heapopts_finish(struct heap_options *o);

#endif
