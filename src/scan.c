/* scan: memcheck's leak classification, done the way memcheck does it.
 *
 * memcheck marks from the roots with an explicit mark stack, upgrading
 * blocks Unreached -> Possible -> Reachable as start or interior pointers
 * are found, then gathers the still-unreached blocks into cliques in
 * address order.  Which block leads a clique, and which heuristic a block
 * keeps, depend on the exact order of that walk, so it is reproduced step by
 * step (LIFO stack, "pending" bit, roots before registers).
 *
 * The one idea that makes it fast on a traced process: every target read is
 * a system call, so block contents are read once, in address order, in
 * 64 KiB reads that cover many neighbouring blocks, and only the words that
 * point into some block are kept, as a compact edge list per block.  Both
 * walks then run on that list without touching the target again.  A word is
 * matched to its block through a per-cluster page table (a cluster is a run
 * of blocks without big holes), so a lookup is a range check, a table load
 * and usually one comparison, not a binary search over a million blocks. */
#include "leaktrace/scan.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define WORD_BYTES	 8u
#define PAGE_BYTES	 4096u
#define CHUNK_BYTES	 (64u * 1024)
/* A hole between blocks larger than this starts a new cluster, so a sparse
 * address space (brk heap, thread arenas, mmap'd chunks) costs no table
 * entries for the space in between. */
#define CLUSTER_GAP	 (64u * 1024)
/* A block this large gets a cluster of its own and no table. */
#define BIG_BLOCK	 (4u << 20)
/* Holes up to this size are read through rather than starting a new read:
 * a hole smaller than a page shares its pages with blocks, so it is
 * readable whenever they are. */
#define READ_GAP	 2048u
/* memcheck's VTABLE_MAX_CHECK: words examined after a vtable candidate. */
#define VTABLE_MAX_CHECK 20u
#define VTCACHE_SIZE	 1024u

/* Per-block flags, one byte so the hot path touches little memory. */
#define F_STATE	     0x03u
#define F_PENDING    0x04u
#define F_HEUR_SHIFT 3
#define F_HEUR	     (0x07u << F_HEUR_SHIFT)
#define F_HEAD0	     0x40u /* head[2i] holds the block's first word */
#define F_HEAD1	     0x80u /* head[2i+1] holds its second word */

/* An edge is the index of the block a word points to; an interior pointer
 * has this bit set and is followed by the pointer's value in two words,
 * because the heuristics need it. */
#define EDGE_INTERIOR 0x80000000u
#define MAX_BLOCKS    EDGE_INTERIOR
#define NO_TABLE      SIZE_MAX
#define NO_BLOCK      (-1L)

struct cluster {
	uint64_t lo, hi;      /* first block's start, last block's end */
	uint64_t base;	      /* lo rounded down to a bucket boundary */
	uint32_t first, last; /* block indexes, inclusive */
	unsigned shift;	      /* log2 of the bucket size */
	size_t table;	      /* offset in scan.table, or NO_TABLE */
};

struct vtcache_entry {
	uint64_t addr;
	uint8_t used, is_vtable;
};

struct scan {
	const struct scan_input *in;
	struct scan_block *b;
	size_t n;
	uint64_t *start; /* copies of b[i].addr, dense for lookups */
	uint64_t *end;	 /* start + max(size, 1): memcheck counts a
				 * pointer to a 0-byte block as pointing at it */
	uint8_t *flags;
	uint32_t *stack;
	size_t top;

	struct cluster *clusters;
	size_t nclusters;
	uint32_t *table;   /* per bucket: first block ending after it */
	uint64_t lo, span; /* every block lies in [lo, lo + span) */

	uint32_t *edges;
	size_t nedges, cap_edges;
	size_t *edge_start; /* block i's edges: [edge_start[i], edge_start[i+1]) */
	uint64_t *head;	    /* first two words of each block, for heuristics */

	uint64_t *buf; /* CHUNK_BYTES */
	bool gone;     /* the target vanished: read nothing more */
	struct vtcache_entry vtcache[VTCACHE_SIZE];
};

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) & ~(to - 1);
}

static uint64_t round_down(uint64_t v, uint64_t to)
{
	return v & ~(to - 1);
}

/* Reads [addr, addr + len) into buf; returns the bytes read from addr on. */
static size_t scan_read(struct scan *s, uint64_t addr, void *buf, size_t len)
{
	if (s->gone || len == 0)
		return 0;
	ssize_t got = s->in->mem->read(s->in->mem->ctx, addr, buf, len);
	if (got < 0) {
		if (errno == ESRCH)
			s->gone = true;
		return 0;
	}
	return (size_t)got > len ? len : (size_t)got;
}

/* Where reading resumes after a read of addr came back short: memcheck skips
 * the rest of the unreadable page. */
static uint64_t skip_unreadable(uint64_t bad)
{
	return round_down(bad, PAGE_BYTES) + PAGE_BYTES;
}

/* ---- the pointer -> block index ---------------------------------------- */

static size_t cluster_buckets(uint64_t lo, uint64_t hi, unsigned shift)
{
	uint64_t base = round_down(lo, (uint64_t)1 << shift);
	return (size_t)(((hi - 1 - base) >> shift) + 1);
}

static bool is_big(const struct scan *s, size_t i)
{
	return s->b[i].size >= BIG_BLOCK;
}

static bool starts_cluster(const struct scan *s, size_t i)
{
	return i == 0 || is_big(s, i) || is_big(s, i - 1) ||
	       s->start[i] - s->end[i - 1] > CLUSTER_GAP;
}

static int index_build(struct scan *s)
{
	size_t n = s->n, nc = 0, total = 0;

	for (size_t i = 0; i < n; i++)
		nc += starts_cluster(s, i);
	s->clusters = malloc(nc * sizeof *s->clusters);
	if (!s->clusters)
		return -ENOMEM;
	s->nclusters = nc;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct cluster *cur;
		if (starts_cluster(s, i)) {
			cur = &s->clusters[k++];
			cur->lo = s->start[i];
			cur->first = (uint32_t)i;
			cur->table = is_big(s, i) ? NO_TABLE : 0;
		} else {
			cur = &s->clusters[k - 1];
		}
		cur->hi = s->end[i];
		cur->last = (uint32_t)i;
	}

	/* Buckets are pages unless that would cost more than a few entries
	 * per block; then they grow, and a lookup binary-searches a bucket. */
	for (k = 0; k < nc; k++) {
		struct cluster *c = &s->clusters[k];
		if (c->table == NO_TABLE)
			continue;
		size_t limit = 4 * (size_t)(c->last - c->first + 1) + 64;
		c->shift = 12;
		while (cluster_buckets(c->lo, c->hi, c->shift) + 1 > limit)
			c->shift++;
		c->base = round_down(c->lo, (uint64_t)1 << c->shift);
		c->table = total;
		total += cluster_buckets(c->lo, c->hi, c->shift) + 1;
	}
	s->table = malloc((total ? total : 1) * sizeof *s->table);
	if (!s->table)
		return -ENOMEM;
	for (k = 0; k < nc; k++) {
		const struct cluster *c = &s->clusters[k];
		if (c->table == NO_TABLE)
			continue;
		size_t nb = cluster_buckets(c->lo, c->hi, c->shift);
		uint32_t *t = s->table + c->table;
		uint32_t i = c->first;
		for (size_t q = 0; q <= nb; q++) {
			uint64_t bucket = c->base + ((uint64_t)q << c->shift);
			while (i <= c->last && s->end[i] <= bucket)
				i++;
			t[q] = i;
		}
	}
	s->lo = s->start[0];
	s->span = s->clusters[nc - 1].hi - s->lo;
	return 0;
}

/* The block containing p, or NO_BLOCK. */
static inline long index_find(const struct scan *s, uint64_t p)
{
	if (p - s->lo >= s->span)
		return NO_BLOCK;
	const struct cluster *c = s->clusters;
	if (s->nclusters > 1) {
		size_t lo = 0, hi = s->nclusters - 1;
		while (lo < hi) {
			size_t mid = lo + (hi - lo + 1) / 2;
			if (s->clusters[mid].lo <= p)
				lo = mid;
			else
				hi = mid - 1;
		}
		c = &s->clusters[lo];
	}
	if (p >= c->hi)
		return NO_BLOCK;
	if (c->table == NO_TABLE)
		return c->first;

	const uint32_t *t = s->table + c->table;
	size_t q = (size_t)((p - c->base) >> c->shift);
	uint32_t lo = t[q], hi = t[q + 1];
	if (hi > c->last)
		hi = c->last;
	/* Candidates are lo..hi: lo is the first block not wholly before the
	 * bucket, and blocks after hi start past the bucket's end. */
	if (p < s->start[lo])
		return NO_BLOCK;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;
		if (s->start[mid] <= p)
			lo = mid;
		else
			hi = mid - 1;
	}
	return p < s->end[lo] ? (long)lo : NO_BLOCK;
}

/* First block whose end is above addr (n if none). */
static size_t index_first_ending_after(const struct scan *s, uint64_t addr)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->end[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- block contents -> edges ------------------------------------------- */

static int edge_add(struct scan *s, uint32_t e)
{
	if (s->nedges == s->cap_edges) {
		size_t cap = 2 * s->cap_edges;
		uint32_t *v = realloc(s->edges, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		s->edges = v;
		s->cap_edges = cap;
	}
	s->edges[s->nedges++] = e;
	return 0;
}

/* Heuristics look at a block's first two words; keep them as they go by. */
static void head_keep(struct scan *s, size_t blk, uint64_t addr, const uint64_t *w, size_t nw)
{
	uint64_t first = s->start[blk];
	for (size_t k = 0; k < 2; k++) {
		uint64_t at = first + k * WORD_BYTES;
		if (at >= addr && (at - addr) / WORD_BYTES < nw) {
			s->head[2 * blk + k] = w[(at - addr) / WORD_BYTES];
			s->flags[blk] |= k ? F_HEAD1 : F_HEAD0;
		}
	}
}

static int edges_from_words(struct scan *s, size_t blk, uint64_t addr, const uint64_t *w, size_t nw)
{
	if (s->head && addr < s->start[blk] + 2 * WORD_BYTES)
		head_keep(s, blk, addr, w, nw);
	uint64_t lo = s->lo, span = s->span;
	for (size_t k = 0; k < nw; k++) {
		/* Most words are not heap addresses: reject them eight at a
		 * time, in a loop the compiler can vectorise. */
		if (k % 8 == 0 && nw - k >= 8) {
			unsigned hit = 0;
			for (size_t j = 0; j < 8; j++)
				hit |= w[k + j] - lo < span;
			if (!hit) {
				k += 7;
				continue;
			}
		}
		uint64_t v = w[k];
		if (v - lo >= span)
			continue;
		long t = index_find(s, v);
		if (t == NO_BLOCK)
			continue;
		int err;
		if (v == s->start[t]) {
			err = edge_add(s, (uint32_t)t);
		} else {
			err = edge_add(s, (uint32_t)t | EDGE_INTERIOR);
			if (!err)
				err = edge_add(s, (uint32_t)v);
			if (!err)
				err = edge_add(s, (uint32_t)(v >> 32));
		}
		if (err)
			return err;
	}
	return 0;
}

/* One read window over the heap, refilled as the blocks go by in address
 * order.  After a short read, [bad, resume) is known unreadable. */
struct window {
	uint64_t addr;
	size_t len;
	uint64_t bad, resume;
};

/* Fills the window from p, which lies in block i: as far as the following
 * blocks go while holes stay small, at most CHUNK_BYTES. */
static void window_fill(struct scan *s, struct window *w, size_t i, uint64_t p)
{
	uint64_t stop = round_down(s->b[i].addr + s->b[i].size, WORD_BYTES);
	for (size_t j = i + 1; j < s->n && stop - p < CHUNK_BYTES; j++) {
		uint64_t next_end = round_down(s->b[j].addr + s->b[j].size, WORD_BYTES);
		if (s->b[j].addr > stop + READ_GAP || next_end <= stop)
			break;
		stop = next_end;
	}
	size_t want = stop - p < CHUNK_BYTES ? (size_t)(stop - p) : CHUNK_BYTES;
	w->addr = p;
	w->len = round_down(scan_read(s, p, s->buf, want), WORD_BYTES);
	w->bad = w->resume = 0;
	if (w->len < want) {
		w->bad = p + w->len;
		w->resume = skip_unreadable(w->bad);
	}
}

static int edges_build(struct scan *s)
{
	struct window w = { 0 };

	s->edge_start = malloc((s->n + 1) * sizeof *s->edge_start);
	if (!s->edge_start)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		s->edge_start[i] = s->nedges;
		uint64_t p = round_up(s->b[i].addr, WORD_BYTES);
		uint64_t e = round_down(s->b[i].addr + s->b[i].size, WORD_BYTES);
		while (p < e) {
			if (p >= w.addr && p < w.addr + w.len) {
				uint64_t to = w.addr + w.len < e ? w.addr + w.len : e;
				int err =
				    edges_from_words(s, i, p, s->buf + (p - w.addr) / WORD_BYTES,
						     (size_t)(to - p) / WORD_BYTES);
				if (err)
					return err;
				p = to;
			} else if (w.bad && p >= w.bad && p < w.resume) {
				p = w.resume;
			} else {
				window_fill(s, &w, i, p);
			}
		}
	}
	s->edge_start[s->n] = s->nedges;
	return 0;
}

/* ---- heuristics -------------------------------------------------------- */

/* memcheck's aligned_ptr_above_page0_is_vtable_addr: addr lies in a
 * file-backed readable mapping, and among the 21 words from addr on, NULLs
 * skipped, two point into file-backed executable mappings before any word
 * that does not. */
static bool is_vtable(struct scan *s, uint64_t addr)
{
	const struct scan_memory *m = s->in->mem;
	struct vtcache_entry *ce = &s->vtcache[(addr >> 3) % VTCACHE_SIZE];
	if (ce->used && ce->addr == addr)
		return ce->is_vtable;

	bool yes = false;
	struct scan_mapping map;
	if (m->mapping && m->mapping(m->ctx, addr, &map) == 0 && (map.flags & SCAN_MAP_FILE) &&
	    (map.flags & SCAN_MAP_READ) && map.end >= 2 * WORD_BYTES) {
		/* memcheck's bound, from its inclusive segment end: the
		 * mapping's last word is never looked at. */
		uint64_t max = addr + VTABLE_MAX_CHECK * WORD_BYTES;
		if (max > map.end - 1 - WORD_BYTES)
			max = map.end - 1 - WORD_BYTES;
		uint64_t fn[VTABLE_MAX_CHECK + 1];
		size_t nw = max >= addr ? (size_t)((max - addr) / WORD_BYTES) + 1 : 0;
		nw = scan_read(s, addr, fn, nw * WORD_BYTES) / WORD_BYTES;
		unsigned found = 0;
		for (size_t k = 0; k < nw && !yes; k++) {
			if (fn[k] == 0)
				continue;
			if (m->mapping(m->ctx, fn[k], &map) != 0 || !(map.flags & SCAN_MAP_FILE) ||
			    !(map.flags & SCAN_MAP_EXEC))
				break;
			yes = ++found == 2;
		}
	}
	ce->used = 1;
	ce->addr = addr;
	ce->is_vtable = yes;
	return yes;
}

static bool plausible_vptr(uint64_t v)
{
	return v % WORD_BYTES == 0 && v >= PAGE_BYTES;
}

/* memcheck's heuristic_reachedness for an interior pointer ptr into block
 * i.  Every test is a pure function of target memory, so the cheap ones
 * run first; the result is the one memcheck computes. */
static unsigned heuristic_match(struct scan *s, size_t i, uint64_t ptr)
{
	unsigned set = s->in->heuristics;
	uint64_t data = s->start[i], size = s->b[i].size;
	bool has0 = s->flags[i] & F_HEAD0, has1 = s->flags[i] & F_HEAD1;
	uint64_t w0 = s->head[2 * i], w1 = s->head[2 * i + 1];

	/* length, capacity, refcount, then the characters ptr points at */
	if ((set & HEUR_MASK(HEUR_STDSTRING)) && ptr == data + 3 * WORD_BYTES && has1 &&
	    3 * WORD_BYTES + w1 + 1 == size && has0 && w0 <= w1)
		return HEUR_STDSTRING;
	/* sqlite: a 64-bit count of the bytes that follow it */
	if ((set & HEUR_MASK(HEUR_LENGTH64)) && ptr == data + WORD_BYTES && has0 && w0 > 0 &&
	    size - WORD_BYTES == w0)
		return HEUR_LENGTH64;
	/* new[] of objects with a destructor: the element count comes first */
	if ((set & HEUR_MASK(HEUR_NEWARRAY)) && ptr == data + WORD_BYTES && has0 && w0 > 0 &&
	    (size - WORD_BYTES) % w0 == 0)
		return HEUR_NEWARRAY;
	/* a secondary base class: both the object's first word and the word
	 * at ptr are vtable pointers */
	if ((set & HEUR_MASK(HEUR_MULTIPLEINHERITANCE)) && ptr % WORD_BYTES == 0 &&
	    ptr + WORD_BYTES <= data + size && has0 && plausible_vptr(w0) && is_vtable(s, w0)) {
		uint64_t inner = w1;
		bool ok = ptr == data + WORD_BYTES
			      ? has1
			      : scan_read(s, ptr, &inner, sizeof inner) == sizeof inner;
		if (ok && plausible_vptr(inner) && is_vtable(s, inner))
			return HEUR_MULTIPLEINHERITANCE;
	}
	return HEUR_NONE;
}

/* ---- marking from the roots -------------------------------------------- */

static unsigned state_of(const struct scan *s, size_t i)
{
	return s->flags[i] & F_STATE;
}

static void set_state(struct scan *s, size_t i, unsigned st)
{
	s->flags[i] = (uint8_t)((s->flags[i] & ~F_STATE) | st);
}

static void set_heuristic(struct scan *s, size_t i, unsigned h)
{
	s->flags[i] = (uint8_t)((s->flags[i] & ~F_HEUR) | (h << F_HEUR_SHIFT));
}

static void stack_push(struct scan *s, size_t i)
{
	if (s->flags[i] & F_PENDING)
		return;
	s->flags[i] |= F_PENDING;
	s->stack[s->top++] = (uint32_t)i;
}

static bool stack_pop(struct scan *s, size_t *i)
{
	if (s->top == 0)
		return false;
	*i = s->stack[--s->top];
	s->flags[*i] &= (uint8_t)~F_PENDING;
	return true;
}

/* memcheck's lc_push_without_clique_if_a_chunk_ptr: ptr points into block
 * i (at its start when via_start), found in a root (prior_definite) or in a
 * block being scanned. */
static void mark_found(struct scan *s, size_t i, uint64_t ptr, bool via_start, bool prior_definite)
{
	unsigned st = state_of(s, i);
	if (st == LEAK_REACHABLE) {
		if (via_start)
			set_heuristic(s, i, HEUR_NONE);
		return;
	}

	if (!via_start && s->in->heuristics) {
		unsigned h = heuristic_match(s, i, ptr);
		set_heuristic(s, i, h);
		via_start = h != HEUR_NONE;
	}
	/* A block whose state improves is scanned again, so that what it
	 * points to improves too. */
	if (via_start && prior_definite) {
		set_state(s, i, LEAK_REACHABLE);
		stack_push(s, i);
	} else if (st == LEAK_DEFINITE) {
		set_state(s, i, LEAK_POSSIBLE);
		stack_push(s, i);
	}
}

static void mark_root_memory(struct scan *s, uint64_t from, uint64_t to)
{
	uint64_t p = round_up(from, WORD_BYTES), end = round_down(to, WORD_BYTES);
	while (p < end && !s->gone) {
		size_t want = end - p < CHUNK_BYTES ? (size_t)(end - p) : CHUNK_BYTES;
		size_t got = round_down(scan_read(s, p, s->buf, want), WORD_BYTES);
		for (size_t k = 0; k < got / WORD_BYTES; k++) {
			long t = index_find(s, s->buf[k]);
			if (t != NO_BLOCK)
				mark_found(s, (size_t)t, s->buf[k], s->buf[k] == s->start[t], true);
		}
		p = got == want ? p + want : skip_unreadable(p + got);
	}
}

/* Scans [from, to) as a root, leaving out the blocks inside it. */
static void mark_root_range(struct scan *s, uint64_t from, uint64_t to)
{
	size_t j = index_first_ending_after(s, from);
	uint64_t p = from;
	while (p < to) {
		uint64_t stop = j < s->n && s->start[j] < to ? s->start[j] : to;
		if (p < stop)
			mark_root_memory(s, p, stop);
		if (stop == to)
			break;
		uint64_t after = s->b[j].addr + s->b[j].size;
		if (after > p)
			p = after;
		j++;
	}
}

/* memcheck's lc_process_markstack(-1). */
static void mark_process(struct scan *s)
{
	size_t i;
	while (stack_pop(s, &i)) {
		bool definite = state_of(s, i) != LEAK_POSSIBLE;
		const uint32_t *e = s->edges + s->edge_start[i];
		const uint32_t *e_end = s->edges + s->edge_start[i + 1];
		while (e < e_end) {
			uint32_t t = *e++;
			if (t & EDGE_INTERIOR) {
				t &= ~EDGE_INTERIOR;
				uint64_t ptr = e[0] | (uint64_t)e[1] << 32;
				e += 2;
				mark_found(s, t, ptr, false, definite);
			} else {
				mark_found(s, t, 0, true, definite);
			}
		}
	}
}

/* ---- cliques of lost blocks -------------------------------------------- */

/* memcheck's clique pass: every still-unreached block, in address order,
 * leads a clique of the unreached blocks it reaches (start or interior
 * pointer alike); a former leader joins with everything it held. */
static void cliques_gather(struct scan *s)
{
	for (size_t leader = 0; leader < s->n; leader++) {
		if (state_of(s, leader) != LEAK_DEFINITE)
			continue;
		stack_push(s, leader);
		size_t i;
		while (stack_pop(s, &i)) {
			const uint32_t *e = s->edges + s->edge_start[i];
			const uint32_t *e_end = s->edges + s->edge_start[i + 1];
			while (e < e_end) {
				uint32_t t = *e++;
				if (t & EDGE_INTERIOR) {
					t &= ~EDGE_INTERIOR;
					e += 2;
				}
				if (state_of(s, t) != LEAK_DEFINITE || t == leader)
					continue;
				stack_push(s, t);
				s->b[leader].indirect_bytes +=
				    s->b[t].size + s->b[t].indirect_bytes;
				s->b[t].indirect_bytes = 0;
				s->b[t].clique = (uint32_t)leader;
				set_state(s, t, LEAK_INDIRECT);
			}
		}
	}
}

/* A block absorbed with its clique still names its old leader; point every
 * indirect block at the leader that ended up definite. */
static void cliques_resolve(struct scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->b[i].state != LEAK_INDIRECT)
			continue;
		uint32_t root = s->b[i].clique;
		while (s->b[root].state == LEAK_INDIRECT)
			root = s->b[root].clique;
		for (uint32_t k = (uint32_t)i; s->b[k].clique != root;) {
			uint32_t next = s->b[k].clique;
			s->b[k].clique = root;
			k = next;
		}
	}
}

/* ---- driver ------------------------------------------------------------ */

static void scan_release(struct scan *s)
{
	free(s->start);
	free(s->end);
	free(s->flags);
	free(s->stack);
	free(s->clusters);
	free(s->table);
	free(s->edges);
	free(s->edge_start);
	free(s->head);
	free(s->buf);
	free(s);
}

static int scan_prepare(struct scan *s)
{
	size_t n = s->n;
	s->start = malloc(n * sizeof *s->start);
	s->end = malloc(n * sizeof *s->end);
	s->flags = calloc(n, 1);
	s->stack = malloc(n * sizeof *s->stack);
	s->buf = malloc(CHUNK_BYTES);
	s->cap_edges = 1024;
	s->edges = malloc(s->cap_edges * sizeof *s->edges);
	if (s->in->heuristics)
		s->head = malloc(2 * n * sizeof *s->head);
	if (!s->start || !s->end || !s->flags || !s->stack || !s->buf || !s->edges ||
	    (s->in->heuristics && !s->head))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		s->start[i] = s->b[i].addr;
		s->end[i] = s->b[i].addr + (s->b[i].size ? s->b[i].size : 1);
		s->b[i].state = LEAK_DEFINITE;
		s->b[i].heuristic = HEUR_NONE;
		s->b[i].clique = (uint32_t)i;
		s->b[i].indirect_bytes = 0;
	}
	return index_build(s);
}

int scan_run(const struct scan_input *in)
{
	if (in->nblocks == 0)
		return 0;
	if (in->nblocks >= MAX_BLOCKS)
		return -ENOMEM;

	struct scan *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->in = in;
	s->b = in->blocks;
	s->n = in->nblocks;

	int err = scan_prepare(s);
	if (!err)
		err = edges_build(s);
	if (err) {
		scan_release(s);
		return err;
	}

	/* memcheck's order: memory roots, then registers, then the walk. */
	for (size_t r = 0; r < in->nroots; r++)
		mark_root_range(s, in->roots[r].start, in->roots[r].end);
	for (size_t r = 0; r < in->nroot_words; r++) {
		long t = index_find(s, in->root_words[r]);
		if (t != NO_BLOCK)
			mark_found(s, (size_t)t, in->root_words[r],
				   in->root_words[r] == s->start[t], true);
	}
	mark_process(s);
	cliques_gather(s);

	for (size_t i = 0; i < s->n; i++) {
		s->b[i].state = (uint8_t)state_of(s, i);
		s->b[i].heuristic = (uint8_t)((s->flags[i] & F_HEUR) >> F_HEUR_SHIFT);
		if (s->b[i].state != LEAK_DEFINITE)
			s->b[i].indirect_bytes = 0;
		if (s->b[i].state != LEAK_INDIRECT)
			s->b[i].clique = (uint32_t)i;
	}
	cliques_resolve(s);
	scan_release(s);
	return 0;
}
