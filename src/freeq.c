/* freeq: recently freed blocks, oldest dropped first.
 *
 * The entries sit in a ring in free order, so dropping the oldest is O(1)
 * and the byte volume is a running sum.  Nothing is done per allocation:
 * the queue is only read when a free names an address that is not a live
 * block, to describe it, and then it is searched newest first, as memcheck
 * searches its own queue linearly when it describes an address.
 *
 * In memcheck queued blocks never overlap, because its allocator keeps
 * queued memory out of circulation.  Here the real allocator reuses memory
 * at once, so a queued block's memory may since have been allocated again,
 * and freed again (a newer entry, found first) or not (then the address is
 * a live block, which the caller looks up before the queue).  The newest
 * entry containing an address is the free memcheck would describe, and the
 * volume counts every queued byte, as memcheck's does.  (Earlier versions
 * kept the queue disjoint with a treap, dropping entries that later
 * allocations overlapped: that cost two tree operations per allocator call
 * for an answer needed only on errors.)
 *
 * An entry removed by freeq_forget leaves a dead slot in the ring until it
 * reaches the front, so max_entries bounds dead and live slots together.
 * The ring starts small and doubles up to max_entries.
 *
 * Not modelled: memcheck's --freelist-big-blocks, which releases blocks of
 * 1,000,000 bytes or more before smaller, older ones. */
#include "leaktrace/freeq.h"

#include <stdbool.h>
#include <stdlib.h>

#define FREEQ_MIN_CAP 1024u

struct freeq_slot {
	struct freed_block b;
	bool dead;
};

struct freeq {
	struct freeq_slot *slots;
	size_t cap; /* slots allocated */
	size_t max_entries;
	size_t head, count; /* ring: oldest at head, count slots in use */
	uint64_t volume, bytes;
};

/* The last address of a block: a zero-size block still owns its start. */
static uint64_t freeq_last(uint64_t addr, uint64_t size)
{
	uint64_t len = size ? size : 1;

	return len - 1 > UINT64_MAX - addr ? UINT64_MAX : addr + (len - 1);
}

struct freeq *freeq_new(uint64_t volume, size_t max_entries)
{
	struct freeq *q;

	if (max_entries >= UINT32_MAX - 1)
		return NULL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->cap = max_entries < FREEQ_MIN_CAP ? max_entries : FREEQ_MIN_CAP;
	if (q->cap) {
		q->slots = malloc(q->cap * sizeof(*q->slots));
		if (!q->slots) {
			free(q);
			return NULL;
		}
	}
	q->max_entries = max_entries;
	q->volume = volume;
	return q;
}

void freeq_free(struct freeq *q)
{
	if (!q)
		return;
	free(q->slots);
	free(q);
}

/* Slot k of the ring (k < cap), without a division: pushed at every free. */
static struct freeq_slot *freeq_at(const struct freeq *q, size_t k)
{
	size_t i = q->head + k;

	return &q->slots[i >= q->cap ? i - q->cap : i];
}

static void freeq_drop_oldest(struct freeq *q)
{
	struct freeq_slot *s = freeq_at(q, 0);

	if (!s->dead)
		q->bytes -= s->b.size;
	q->head = q->head + 1 == q->cap ? 0 : q->head + 1;
	q->count--;
}

/* Doubles the ring (up to max_entries), unwrapping it so that the oldest
 * entry lands in slot 0. */
static int freeq_grow(struct freeq *q)
{
	size_t cap = q->cap * 2 < q->max_entries ? q->cap * 2 : q->max_entries;
	struct freeq_slot *s = malloc(cap * sizeof(*s));

	if (!s)
		return -1;
	for (size_t k = 0; k < q->count; k++)
		s[k] = *freeq_at(q, k);
	free(q->slots);
	q->slots = s;
	q->cap = cap;
	q->head = 0;
	return 0;
}

static bool freeq_overlaps(const struct freed_block *b, uint64_t addr, uint64_t last)
{
	return b->addr <= last && addr <= freeq_last(b->addr, b->size);
}

void freeq_forget(struct freeq *q, uint64_t addr, uint64_t size)
{
	uint64_t last = freeq_last(addr, size);

	for (size_t k = 0; k < q->count; k++) {
		struct freeq_slot *s = freeq_at(q, k);
		if (!s->dead && freeq_overlaps(&s->b, addr, last)) {
			s->dead = true;
			q->bytes -= s->b.size;
		}
	}
}

/* freeq_push when the ring is full (or has no room at all), or the block
 * is bigger than the volume: out of the way of every other free. */
static __attribute__((noinline)) bool freeq_make_room(struct freeq *q, const struct freed_block *b)
{
	/* memcheck releases a block bigger than the whole volume at once */
	if (b->size > q->volume || q->max_entries == 0)
		return false;
	if (q->count == q->cap && q->cap < q->max_entries)
		(void)freeq_grow(q); /* on failure, just remember less */
	if (q->count == q->cap)
		freeq_drop_oldest(q);
	return true;
}

void freeq_push(struct freeq *q, const struct freed_block *b)
{
	if ((b->size > q->volume || q->count == q->cap) && !freeq_make_room(q, b))
		return;
	*freeq_at(q, q->count) = (struct freeq_slot){ *b, false };
	q->count++;
	q->bytes += b->size;
	while (q->bytes > q->volume)
		freeq_drop_oldest(q);
}

const struct freed_block *freeq_find(const struct freeq *q, uint64_t addr)
{
	for (size_t k = q->count; k-- > 0;) {
		const struct freeq_slot *s = freeq_at(q, k);
		if (!s->dead && freeq_overlaps(&s->b, addr, addr))
			return &s->b;
	}
	return NULL;
}
