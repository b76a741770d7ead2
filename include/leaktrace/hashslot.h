/* hashslot: the home slot of a key in an open-addressing table of 2^k
 * slots (linear probing), as every such table of leaktrace keyed by an
 * address or a tid finds it.  Fibonacci hashing: the key times 2^64/phi
 * spreads nearby keys (addresses 16 bytes apart, consecutive tids) over the
 * table; bits from the middle of the product are taken, which are well
 * mixed for tables of up to 2^44 slots.  The heap map takes the top bits
 * of its own hash instead (heapmap.c says why). */
#ifndef LEAKTRACE_HASHSLOT_H
#define LEAKTRACE_HASHSLOT_H

#include <stddef.h>
#include <stdint.h>

static inline size_t hashslot(uint64_t key, size_t cap)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

static inline size_t hashslot_next(size_t i, size_t cap)
{
	return (i + 1) & (cap - 1);
}

#endif
