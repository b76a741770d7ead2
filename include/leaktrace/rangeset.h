/* rangeset: a set of address ranges [lo, hi), prepared once and then asked
 * "is pc in one of them?" per event with a binary search. */
#ifndef LEAKTRACE_RANGESET_H
#define LEAKTRACE_RANGESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct range {
	uint64_t lo, hi; /* [lo, hi) */
};

struct rangeset {
	struct range *v; /* after rangeset_prepare: sorted, disjoint, not adjacent */
	size_t n, cap;
	bool prepared;
};

/* An empty set: rangeset_init, or a zeroed struct. */
void rangeset_init(struct rangeset *rs);
/* Frees the table (the struct itself is the caller's). */
void rangeset_clear(struct rangeset *rs);

/* Adds [lo, hi); an empty range (hi <= lo) is ignored.  0 or -ENOMEM.
 * The set must be prepared again before the next query. */
int rangeset_add(struct rangeset *rs, uint64_t lo, uint64_t hi);

/* Sorts and merges overlapping or touching ranges. */
void rangeset_prepare(struct rangeset *rs);

/* Whether pc lies in a range: a binary search on the prepared set (one
 * that was not prepared since the last add is prepared first). */
bool rangeset_contains(struct rangeset *rs, uint64_t pc);

#endif
