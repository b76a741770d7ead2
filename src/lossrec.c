/* lossrec: memcheck's loss records from classified blocks.
 *
 * memcheck walks its chunks in address order and files each one under the
 * key (state, allocation stack), where two stacks are "the same" when their
 * first 2 (low), 4 (med) or all (high) frames agree (VG_(eq_ExeContext):
 * a stack shorter than the compared depth matches only a stack of the same
 * length).  The first block filed under a key gives the record its stack,
 * which is the full stack that gets printed and the stack whose age breaks
 * the final ties.  We do the same with a hash table from key to record;
 * at high resolution the interned stack id is the key, since interning
 * already made equal stacks share an id.
 *
 * Sorting follows memcheck's cmp_LossRecords: total bytes (direct plus
 * indirect), then state, then block count, then the age of the record's
 * stack.  memcheck compares ExeContext addresses there, which grow with
 * age in practice; our stack ids are handed out in first-seen order, which
 * is that age exactly.
 *
 * Not reproduced: memcheck keeps its records in an OSet whose comparator
 * orders unequal keys by ExeContext address, which is not consistent with
 * the coarse equality of low/med resolution; in rare layouts it files two
 * blocks of one key into two records.  We always merge them. */
#include "leaktrace/lossrec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct lossrec_entry {
	struct loss_record rec;
	uint64_t hash;
	unsigned key_frames; /* frames of rec.stack that make the key */
};

struct lossrec_builder {
	struct lossrec_entry *e;
	size_t n, cap;
	uint32_t *index; /* entry numbers; UINT32_MAX = empty */
	size_t index_mask;
	unsigned resolution;
};

static uint64_t lossrec_mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 31);
}

static uint64_t lossrec_hash(unsigned state, uint32_t stack_id, const uint64_t *pcs,
			     unsigned key_frames, unsigned resolution)
{
	uint64_t h = lossrec_mix(0x6a09e667f3bcc909ULL, state);

	if (resolution == 0)
		return lossrec_mix(h, stack_id);
	h = lossrec_mix(h, key_frames);
	for (unsigned i = 0; i < key_frames; i++)
		h = lossrec_mix(h, pcs[i]);
	return h;
}

static int lossrec_same_key(const struct lossrec_builder *b, const struct lossrec_entry *e,
			    unsigned state, uint32_t stack_id, const uint64_t *pcs,
			    unsigned key_frames)
{
	if (e->rec.kind != (enum leak_kind)state)
		return 0;
	if (b->resolution == 0)
		return e->rec.stack_id == stack_id;
	return e->key_frames == key_frames &&
	       (key_frames == 0 || memcmp(e->rec.stack.pcs, pcs, key_frames * sizeof(*pcs)) == 0);
}

static int lossrec_grow(struct lossrec_builder *b)
{
	size_t cap = b->cap ? b->cap * 2 : 64;
	size_t icap = cap * 2;
	struct lossrec_entry *e = realloc(b->e, cap * sizeof(*e));
	uint32_t *idx;

	if (!e)
		return -ENOMEM;
	b->e = e;
	b->cap = cap;
	idx = malloc(icap * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	memset(idx, 0xff, icap * sizeof(*idx));
	free(b->index);
	b->index = idx;
	b->index_mask = icap - 1;
	for (size_t r = 0; r < b->n; r++) {
		size_t i = b->e[r].hash & b->index_mask;

		while (idx[i] != UINT32_MAX)
			i = (i + 1) & b->index_mask;
		idx[i] = (uint32_t)r;
	}
	return 0;
}

/* Files one block; -ENOMEM leaves the builder as it was. */
static int lossrec_add(struct lossrec_builder *b, const struct block *blk,
		       const struct scan_block *sb, const struct stacktab *st)
{
	unsigned np, key_frames;
	const uint64_t *pcs = stacktab_get(st, blk->stack_id, &np);
	uint64_t indirect = sb->state == LEAK_DEFINITE ? sb->indirect_bytes : 0;
	uint64_t hash;
	size_t i;

	key_frames = b->resolution && np > b->resolution ? b->resolution : np;
	hash = lossrec_hash(sb->state, blk->stack_id, pcs, key_frames, b->resolution);
	for (i = hash & b->index_mask; b->index[i] != UINT32_MAX; i = (i + 1) & b->index_mask) {
		struct lossrec_entry *e = &b->e[b->index[i]];

		if (e->hash == hash &&
		    lossrec_same_key(b, e, sb->state, blk->stack_id, pcs, key_frames)) {
			e->rec.bytes += blk->size;
			e->rec.indirect_bytes += indirect;
			e->rec.blocks++;
			return 0;
		}
	}
	if (b->n == b->cap) {
		int err = lossrec_grow(b);

		if (err)
			return err;
		for (i = hash & b->index_mask; b->index[i] != UINT32_MAX;
		     i = (i + 1) & b->index_mask)
			;
	}
	b->e[b->n] = (struct lossrec_entry){
		.rec = {
			.kind = (enum leak_kind)sb->state,
			.stack_id = blk->stack_id,
			.stack = { .pcs = pcs, .n = np },
			.bytes = blk->size,
			.indirect_bytes = indirect,
			.blocks = 1,
		},
		.hash = hash,
		.key_frames = key_frames,
	};
	b->index[i] = (uint32_t)b->n++;
	return 0;
}

/* memcheck's Reachedness order (Reachable, Possible, IndirectLeak,
 * Unreached) decides between records of equal size; our enum is ordered
 * the other way round for the scan's convenience. */
static int memcheck_rank(enum leak_kind k)
{
	switch (k) {
	case LEAK_REACHABLE:
		return 0;
	case LEAK_POSSIBLE:
		return 1;
	case LEAK_INDIRECT:
		return 2;
	default:
		return 3;
	}
}

static int lossrec_cmp(const void *pa, const void *pb)
{
	const struct loss_record *a = pa, *b = pb;
	uint64_t ta = a->bytes + a->indirect_bytes, tb = b->bytes + b->indirect_bytes;

	if (ta != tb)
		return ta < tb ? -1 : 1;
	if (a->kind != b->kind)
		return memcheck_rank(a->kind) < memcheck_rank(b->kind) ? -1 : 1;
	if (a->blocks != b->blocks)
		return a->blocks < b->blocks ? -1 : 1;
	if (a->stack_id != b->stack_id)
		return a->stack_id < b->stack_id ? -1 : 1;
	return 0;
}

int lossrec_build(const struct block *blocks, const struct scan_block *sb, size_t n,
		  const struct stacktab *st, unsigned resolution_frames, struct loss_record **out,
		  size_t *nout, struct kind_total totals[LEAK_KIND_COUNT],
		  struct kind_total heur[HEUR_COUNT])
{
	struct lossrec_builder b = { .resolution = resolution_frames };
	struct loss_record *recs = NULL;
	int err = 0;

	*out = NULL;
	*nout = 0;
	memset(totals, 0, LEAK_KIND_COUNT * sizeof(*totals));
	memset(heur, 0, HEUR_COUNT * sizeof(*heur));
	for (size_t i = 0; i < n; i++)
		if (sb[i].state >= LEAK_KIND_COUNT)
			return -EINVAL;
	if (n == 0)
		return 0;
	err = lossrec_grow(&b);
	for (size_t i = 0; i < n && !err; i++)
		err = lossrec_add(&b, &blocks[i], &sb[i], st);
	if (!err) {
		recs = malloc(b.n * sizeof(*recs));
		if (!recs)
			err = -ENOMEM;
	}
	if (err) {
		free(b.e);
		free(b.index);
		return err;
	}
	for (size_t r = 0; r < b.n; r++)
		recs[r] = b.e[r].rec;
	free(b.e);
	free(b.index);
	qsort(recs, b.n, sizeof(*recs), lossrec_cmp);
	for (size_t r = 0; r < b.n; r++)
		recs[r].number = (unsigned)(r + 1);

	/* LEAK SUMMARY counts direct bytes only: indirect blocks have their
	 * own kind.  A block is "reachable via heuristic" only if the
	 * heuristic is what made it reachable. */
	for (size_t i = 0; i < n; i++) {
		totals[sb[i].state].bytes += blocks[i].size;
		totals[sb[i].state].blocks++;
		if (sb[i].heuristic != HEUR_NONE && sb[i].heuristic < HEUR_COUNT) {
			heur[sb[i].heuristic].bytes += blocks[i].size;
			heur[sb[i].heuristic].blocks++;
		}
	}
	*out = recs;
	*nout = b.n;
	return 0;
}
