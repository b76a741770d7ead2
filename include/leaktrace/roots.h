/* roots: where the leak scan starts, read off a stopped target. */
#ifndef LEAKTRACE_ROOTS_H
#define LEAKTRACE_ROOTS_H

#include <stddef.h>
#include <stdint.h>

#include "leaktrace/heapmap.h"
#include "leaktrace/procmaps.h"
#include "leaktrace/scan.h"

struct roots_input {
	const struct maps *maps;
	const struct block *blocks; /* live blocks sorted by address */
	size_t nblocks;
	const uint64_t *thread_sps; /* stack pointer of every live thread */
	size_t nthreads;
	const struct scan_range *exclude; /* never roots: scratch, allocator state */
	size_t nexclude;
};

/* Fills *out (malloc'd, caller frees) with the memory ranges to scan as
 * roots, sorted and non-overlapping.  0 or -ENOMEM. */
int roots_collect(const struct roots_input *in, struct scan_range **out, size_t *nout);

/* Where the live part of mapping m begins: a stack holding one of the
 * threads' stack pointers is dead below the highest of them, less the red
 * zone; any other mapping is live from its start. */
uint64_t roots_live_from(const struct mapping *m, const uint64_t *sps, size_t nsps);

#endif
