/* heapopts: the options of --tool=massif and of the heap over time
 * (--timeline), kept apart from options.c's table so that they read as one
 * unit: options.c puts HEAPOPTS_TABLE into its getopt_long table, hands
 * every code from OPT_HEAP_FIRST on to heapopts_handle, and prints
 * HEAPOPTS_USAGE in --help.  Names, ranges and defaults are massif's. */
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

/* getopt_long entries, codes base + HEAPOPT_*. */
#define HEAPOPTS_TABLE(base)                                                                       \
	{ "tool", required_argument, NULL, (base) + HEAPOPT_TOOL },                                \
	    { "massif-out-file", required_argument, NULL, (base) + HEAPOPT_MASSIF_OUT_FILE },      \
	    { "time-unit", required_argument, NULL, (base) + HEAPOPT_TIME_UNIT },                  \
	    { "detailed-freq", required_argument, NULL, (base) + HEAPOPT_DETAILED_FREQ },          \
	    { "max-snapshots", required_argument, NULL, (base) + HEAPOPT_MAX_SNAPSHOTS },          \
	    { "threshold", required_argument, NULL, (base) + HEAPOPT_THRESHOLD },                  \
	    { "peak-inaccuracy", required_argument, NULL, (base) + HEAPOPT_PEAK_INACCURACY },      \
	    { "heap-admin", required_argument, NULL, (base) + HEAPOPT_HEAP_ADMIN },                \
	    { "depth", required_argument, NULL, (base) + HEAPOPT_DEPTH },                          \
	    { "alloc-fn", required_argument, NULL, (base) + HEAPOPT_ALLOC_FN },                    \
	    { "ignore-fn", required_argument, NULL, (base) + HEAPOPT_IGNORE_FN },                  \
	    { "heap", required_argument, NULL, (base) + HEAPOPT_HEAP },                            \
	    { "stacks", required_argument, NULL, (base) + HEAPOPT_STACKS },                        \
	    { "pages-as-heap", required_argument, NULL, (base) + HEAPOPT_PAGES_AS_HEAP },          \
	{                                                                                          \
		"timeline", required_argument, NULL, (base) + HEAPOPT_TIMELINE                     \
	}

#define HEAPOPTS_USAGE                                                                             \
	"  --tool=memcheck|massif      leak check, or massif's heap profile [memcheck]\n"          \
	"  --timeline=FILE.svg         the heap over time by stack, suspects marked\n"             \
	"  massif's options (with --tool=massif):\n"                                               \
	"  --massif-out-file=FILE      where the profile goes [massif.out.%p]\n"                   \
	"  --time-unit=i|ms|B          i: allocator calls (not instructions), ms, or\n"            \
	"                              bytes allocated+freed [i]\n"                                \
	"  --detailed-freq=N           every Nth snapshot is detailed [10]\n"                      \
	"  --max-snapshots=N           snapshots kept, 10..1000 [100]\n"                           \
	"  --threshold=PCT             tree entries below PCT% are merged [1.0]\n"                 \
	"  --peak-inaccuracy=PCT       a new peak is PCT% above the last [1.0]\n"                  \
	"  --heap-admin=BYTES          admin bytes counted per block [8]\n"                        \
	"  --depth=N                   frames in the tree, 1..200 [30]\n"                          \
	"  --alloc-fn=NAME             treat NAME as an allocator (repeatable)\n"                  \
	"  --ignore-fn=NAME            leave out allocations from NAME (repeatable)\n"

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
