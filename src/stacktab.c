/* stacktab: each distinct call stack stored once, named by a dense id.
 *
 * The PCs live in an arena of fixed-size chunks that are never reallocated,
 * so the pointer stacktab_get hands out stays valid for the table's
 * lifetime; a stack never straddles two chunks.  A per-id entry records
 * where its PCs are and a hash of them, and an open-addressing index of ids
 * (linear probing, grown at 1/2 load, never deleted from) finds an existing
 * stack: the stored hash rejects almost every non-match before the PCs are
 * compared.  Interning a known stack therefore costs one hash and one
 * memcmp and allocates nothing; a new stack costs an arena append and,
 * rarely, a doubling of the entry array or the index. */
#include "leaktrace/stacktab.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define STACKTAB_CHUNK_PCS 8192u /* 64 KiB: room for >= 128 full stacks */
#define STACKTAB_MIN_INDEX 256u

struct stacktab_entry {
	const uint64_t *pcs;
	uint32_t n;
	uint32_t hash;
};

struct stacktab_chunk {
	struct stacktab_chunk *next;
	size_t cap, used;
	uint64_t pcs[];
};

struct stacktab {
	struct stacktab_entry *entries;
	size_t count, entries_cap;
	uint32_t *index; /* ids; STACKTAB_NONE = empty */
	size_t index_mask;
	struct stacktab_chunk *chunk; /* newest; older ones linked behind */
	size_t chunk_bytes;
};

/* Returned for the empty stack, so that a stack pointer is never NULL. */
static const uint64_t stacktab_empty[1];

/* Two lanes, even and odd frames, so that the multiplies of a stack's
 * frames overlap instead of waiting for each other: interning is done for
 * every allocator event. */
static uint32_t stacktab_hash(const uint64_t *pcs, unsigned n)
{
	uint64_t h = 0x243f6a8885a308d3ULL ^ n, g = 0x13198a2e03707344ULL;
	unsigned i = 0;

	for (; i + 1 < n; i += 2) {
		h = (h ^ pcs[i]) * 0x9e3779b97f4a7c15ULL;
		g = (g ^ pcs[i + 1]) * 0xc2b2ae3d27d4eb4fULL;
		h ^= h >> 29;
		g ^= g >> 31;
	}
	if (i < n) {
		h = (h ^ pcs[i]) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	h = (h ^ (g * 0x94d049bb133111ebULL)) * 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (uint32_t)h;
}

static bool stacktab_same(const uint64_t *a, const uint64_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static uint32_t *stacktab_index_alloc(size_t cap)
{
	uint32_t *idx = malloc(cap * sizeof(*idx));

	if (idx)
		memset(idx, 0xff, cap * sizeof(*idx)); /* all STACKTAB_NONE */
	return idx;
}

struct stacktab *stacktab_new(void)
{
	struct stacktab *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->index = stacktab_index_alloc(STACKTAB_MIN_INDEX);
	if (!st->index) {
		free(st);
		return NULL;
	}
	st->index_mask = STACKTAB_MIN_INDEX - 1;
	return st;
}

void stacktab_free(struct stacktab *st)
{
	struct stacktab_chunk *c, *next;

	if (!st)
		return;
	for (c = st->chunk; c; c = next) {
		next = c->next;
		free(c);
	}
	free(st->entries);
	free(st->index);
	free(st);
}

/* The index slot holding a stack equal to pcs[0..n), or the empty slot
 * where it belongs. */
static size_t stacktab_probe(const struct stacktab *st, const uint64_t *pcs, unsigned n,
			     uint32_t hash)
{
	size_t i = hash & st->index_mask;

	for (;; i = (i + 1) & st->index_mask) {
		uint32_t id = st->index[i];
		const struct stacktab_entry *e;

		if (id == STACKTAB_NONE)
			return i;
		e = &st->entries[id];
		if (e->hash == hash && e->n == n && stacktab_same(e->pcs, pcs, n))
			return i;
	}
}

static int stacktab_grow_index(struct stacktab *st)
{
	size_t cap = (st->index_mask + 1) * 2;
	uint32_t *idx = stacktab_index_alloc(cap);

	if (!idx)
		return -1;
	free(st->index);
	st->index = idx;
	st->index_mask = cap - 1;
	for (size_t id = 0; id < st->count; id++) {
		size_t i = st->entries[id].hash & st->index_mask;

		while (idx[i] != STACKTAB_NONE)
			i = (i + 1) & st->index_mask;
		idx[i] = (uint32_t)id;
	}
	return 0;
}

/* Room for n PCs that will never move. */
static uint64_t *stacktab_arena_reserve(struct stacktab *st, unsigned n)
{
	struct stacktab_chunk *c = st->chunk;

	if (!c || c->cap - c->used < n) {
		size_t cap = n > STACKTAB_CHUNK_PCS ? n : STACKTAB_CHUNK_PCS;

		c = malloc(sizeof(*c) + cap * sizeof(c->pcs[0]));
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = st->chunk;
		st->chunk = c;
		st->chunk_bytes += sizeof(*c) + cap * sizeof(c->pcs[0]);
	}
	return &c->pcs[c->used];
}

uint32_t stacktab_intern(struct stacktab *st, const uint64_t *pcs, unsigned n)
{
	uint32_t hash = stacktab_hash(pcs, n);
	size_t slot = stacktab_probe(st, pcs, n, hash);
	const uint64_t *stored = stacktab_empty;

	if (st->index[slot] != STACKTAB_NONE)
		return st->index[slot];
	if (st->count >= STACKTAB_NONE - 1)
		return STACKTAB_NONE;

	/* Reserve everything first so that a failure leaves no trace. */
	if (st->count == st->entries_cap) {
		size_t cap = st->entries_cap ? st->entries_cap * 2 : 256;
		struct stacktab_entry *e = realloc(st->entries, cap * sizeof(*e));

		if (!e)
			return STACKTAB_NONE;
		st->entries = e;
		st->entries_cap = cap;
	}
	if ((st->count + 1) * 2 > st->index_mask + 1) {
		if (stacktab_grow_index(st) != 0)
			return STACKTAB_NONE;
		slot = stacktab_probe(st, pcs, n, hash);
	}
	if (n > 0) {
		uint64_t *dst = stacktab_arena_reserve(st, n);

		if (!dst)
			return STACKTAB_NONE;
		memcpy(dst, pcs, n * sizeof(*pcs));
		st->chunk->used += n;
		stored = dst;
	}

	uint32_t id = (uint32_t)st->count++;
	st->entries[id] = (struct stacktab_entry){ .pcs = stored, .n = n, .hash = hash };
	st->index[slot] = id;
	return id;
}

const uint64_t *stacktab_get(const struct stacktab *st, uint32_t id, unsigned *n)
{
	if (id >= st->count) {
		*n = 0;
		return NULL;
	}
	*n = st->entries[id].n;
	return st->entries[id].pcs;
}

size_t stacktab_count(const struct stacktab *st)
{
	return st->count;
}

size_t stacktab_memory(const struct stacktab *st)
{
	return sizeof(*st) + st->entries_cap * sizeof(*st->entries) +
	       (st->index_mask + 1) * sizeof(*st->index) + st->chunk_bytes;
}
