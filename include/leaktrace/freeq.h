/* freeq: a bounded queue of recently freed blocks.
 *
 * Like memcheck's freed-blocks queue (--freelist-vol): when a free() names
 * an address that is not a live block, the queue tells whether it lies in a
 * block freed a moment ago, and with which stacks, so the error can say
 * "Address 0x.. is N bytes inside a block of size M free'd".  The oldest
 * entries are dropped once the queued bytes exceed the volume. */
#ifndef LEAKTRACE_FREEQ_H
#define LEAKTRACE_FREEQ_H

#include <stddef.h>
#include <stdint.h>

struct freed_block {
	uint64_t addr;
	uint64_t size;
	uint32_t alloc_stack;
	uint32_t free_stack;
	uint8_t family;
};

struct freeq;

/* volume: bytes of freed blocks to remember (memcheck's default is
 * 20,000,000); a block bigger than the volume is not remembered at all.
 * max_entries bounds the entry count whatever the sizes (entries removed by
 * freeq_forget keep their slot until they are the oldest); memory grows
 * with use up to 40 bytes per entry.  NULL on allocation failure or when
 * max_entries >= UINT32_MAX - 1. */
struct freeq *freeq_new(uint64_t volume, size_t max_entries);
void freeq_free(struct freeq *q);

/* Queues b as the newest entry, in O(1).  Older entries overlapping b stay
 * (memcheck's queue would still hold them); lookups prefer the newest. */
void freeq_push(struct freeq *q, const struct freed_block *b);

/* The most recently freed block that contains addr (addr in
 * [b.addr, b.addr + max(b.size, 1))), or NULL.  O(n), newest first: it is
 * asked only to describe a bad free.  Valid until the next push or forget. */
const struct freed_block *freeq_find(const struct freeq *q, uint64_t addr);

/* Forget any freed block overlapping [addr, addr+max(size, 1)), e.g. one
 * the allocator turns out to hold in use again.  O(n). */
void freeq_forget(struct freeq *q, uint64_t addr, uint64_t size);

#endif
