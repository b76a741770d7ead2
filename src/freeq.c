/* freeq: recently freed blocks, oldest dropped first.
 *
 * The entries sit in a ring in free order, so dropping the oldest is O(1)
 * and the byte volume is a running sum.  Lookups by address go through a
 * treap threaded through the same ring slots (left/right are slot indices,
 * the priority is a hash of the address, so no random state is kept): the
 * free of a bad pointer asks "which queued block contains addr", and every
 * allocation asks "which queued blocks does this new block overlap", both
 * in O(log n) however long the queue is.
 *
 * The queued blocks never overlap.  In memcheck they cannot, because its
 * allocator keeps queued memory out of circulation; here the real allocator
 * reuses memory at once, so when a block is pushed any older entry it
 * overlaps is dropped: that memory was evidently handed out again, and the
 * newer free is the one memcheck would describe.  Disjoint intervals sorted
 * by start are also sorted by end, which is what lets a plain ordered tree
 * answer the overlap question.
 *
 * An entry removed by freeq_forget leaves a dead slot in the ring until it
 * reaches the front, so max_entries bounds dead and live slots together.
 * The ring starts small and doubles up to max_entries.
 *
 * Not modelled: memcheck's --freelist-big-blocks, which releases blocks of
 * 1,000,000 bytes or more before smaller, older ones. */
#include "leaktrace/freeq.h"

#include <stdlib.h>
#include <string.h>

#define FREEQ_NIL     UINT32_MAX
#define FREEQ_DEAD    (UINT32_MAX - 1) /* in left: the slot is not in the tree */
#define FREEQ_MIN_CAP 1024u

struct freeq_slot {
	struct freed_block b;
	uint32_t left, right;
};

struct freeq {
	struct freeq_slot *slots;
	size_t cap; /* slots allocated */
	size_t max_entries;
	size_t head, count; /* ring: oldest at head, count slots in use */
	uint64_t volume, bytes;
	uint32_t root;
};

static uint64_t freeq_prio(uint64_t addr)
{
	addr ^= addr >> 33;
	addr *= 0xff51afd7ed558ccdULL;
	addr ^= addr >> 33;
	addr *= 0xc4ceb9fe1a85ec53ULL;
	addr ^= addr >> 33;
	return addr;
}

/* The last address of a block: a zero-size block still owns its start. */
static uint64_t freeq_last(uint64_t addr, uint64_t size)
{
	uint64_t len = size ? size : 1;

	return len - 1 > UINT64_MAX - addr ? UINT64_MAX : addr + (len - 1);
}

struct freeq *freeq_new(uint64_t volume, size_t max_entries)
{
	struct freeq *q;

	if (max_entries >= FREEQ_DEAD)
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
	q->root = FREEQ_NIL;
	return q;
}

void freeq_free(struct freeq *q)
{
	if (!q)
		return;
	free(q->slots);
	free(q);
}

/* Treap primitives.  Recursion depth is the tree depth, O(log n) expected
 * since priorities are a hash of distinct addresses. */

static void freeq_split(struct freeq_slot *s, uint32_t t, uint64_t key, uint32_t *lo, uint32_t *hi)
{
	if (t == FREEQ_NIL) {
		*lo = *hi = FREEQ_NIL;
	} else if (s[t].b.addr < key) {
		freeq_split(s, s[t].right, key, &s[t].right, hi);
		*lo = t;
	} else {
		freeq_split(s, s[t].left, key, lo, &s[t].left);
		*hi = t;
	}
}

/* Every key under a is below every key under b. */
static uint32_t freeq_merge(struct freeq_slot *s, uint32_t a, uint32_t b)
{
	if (a == FREEQ_NIL)
		return b;
	if (b == FREEQ_NIL)
		return a;
	if (freeq_prio(s[a].b.addr) > freeq_prio(s[b].b.addr)) {
		s[a].right = freeq_merge(s, s[a].right, b);
		return a;
	}
	s[b].left = freeq_merge(s, a, s[b].left);
	return b;
}

static void freeq_tree_insert(struct freeq *q, uint32_t i)
{
	uint32_t lo, hi;

	q->slots[i].left = q->slots[i].right = FREEQ_NIL;
	freeq_split(q->slots, q->root, q->slots[i].b.addr, &lo, &hi);
	q->root = freeq_merge(q->slots, freeq_merge(q->slots, lo, i), hi);
}

static uint32_t freeq_tree_delete(struct freeq_slot *s, uint32_t t, uint64_t key)
{
	if (t == FREEQ_NIL)
		return FREEQ_NIL;
	if (key < s[t].b.addr) {
		s[t].left = freeq_tree_delete(s, s[t].left, key);
		return t;
	}
	if (key > s[t].b.addr) {
		s[t].right = freeq_tree_delete(s, s[t].right, key);
		return t;
	}
	return freeq_merge(s, s[t].left, s[t].right);
}

/* The entry with the greatest start <= key, or FREEQ_NIL. */
static uint32_t freeq_floor(const struct freeq *q, uint64_t key)
{
	uint32_t t = q->root, best = FREEQ_NIL;

	while (t != FREEQ_NIL) {
		if (q->slots[t].b.addr <= key) {
			best = t;
			t = q->slots[t].right;
		} else {
			t = q->slots[t].left;
		}
	}
	return best;
}

static void freeq_kill(struct freeq *q, uint32_t i)
{
	q->root = freeq_tree_delete(q->slots, q->root, q->slots[i].b.addr);
	q->slots[i].left = FREEQ_DEAD;
	q->bytes -= q->slots[i].b.size;
}

static void freeq_drop_oldest(struct freeq *q)
{
	if (q->slots[q->head].left != FREEQ_DEAD)
		freeq_kill(q, (uint32_t)q->head);
	q->head = (q->head + 1) % q->cap;
	q->count--;
}

/* Doubles the ring (up to max_entries), unwrapping it so that the oldest
 * entry lands in slot 0; tree links are slot indices, so they move too. */
static int freeq_grow(struct freeq *q)
{
	size_t cap = q->cap * 2 < q->max_entries ? q->cap * 2 : q->max_entries;
	struct freeq_slot *s = malloc(cap * sizeof(*s));

	if (!s)
		return -1;
	for (size_t k = 0; k < q->count; k++)
		s[k] = q->slots[(q->head + k) % q->cap];
	for (size_t k = 0; k < q->count; k++) {
		if (s[k].left == FREEQ_DEAD)
			continue;
		if (s[k].left != FREEQ_NIL)
			s[k].left = (uint32_t)((s[k].left + q->cap - q->head) % q->cap);
		if (s[k].right != FREEQ_NIL)
			s[k].right = (uint32_t)((s[k].right + q->cap - q->head) % q->cap);
	}
	if (q->root != FREEQ_NIL)
		q->root = (uint32_t)((q->root + q->cap - q->head) % q->cap);
	free(q->slots);
	q->slots = s;
	q->cap = cap;
	q->head = 0;
	return 0;
}

void freeq_forget(struct freeq *q, uint64_t addr, uint64_t size)
{
	uint64_t last = freeq_last(addr, size);

	for (;;) {
		uint32_t i = freeq_floor(q, last);

		if (i == FREEQ_NIL || freeq_last(q->slots[i].b.addr, q->slots[i].b.size) < addr)
			return;
		freeq_kill(q, i);
	}
}

void freeq_push(struct freeq *q, const struct freed_block *b)
{
	size_t tail;

	freeq_forget(q, b->addr, b->size);
	/* memcheck releases a block bigger than the whole volume at once */
	if (b->size > q->volume || q->max_entries == 0)
		return;
	if (q->count == q->cap && q->cap < q->max_entries)
		(void)freeq_grow(q); /* on failure, just remember less */
	if (q->count == q->cap)
		freeq_drop_oldest(q);
	tail = (q->head + q->count) % q->cap;
	q->slots[tail].b = *b;
	freeq_tree_insert(q, (uint32_t)tail);
	q->count++;
	q->bytes += b->size;
	while (q->bytes > q->volume)
		freeq_drop_oldest(q);
}

const struct freed_block *freeq_find(const struct freeq *q, uint64_t addr)
{
	uint32_t i = freeq_floor(q, addr);

	if (i == FREEQ_NIL || freeq_last(q->slots[i].b.addr, q->slots[i].b.size) < addr)
		return NULL;
	return &q->slots[i].b;
}
