/* roots: where the leak scan starts.
 *
 * memcheck scans every readable and writable client mapping except its own
 * heap, and each thread's stack only from the stack pointer up.  We see the
 * target's address space as the kernel does, so glibc's heap is just more
 * writable memory and has to be recognised: [heap] (the brk heap), the
 * heaps of glibc's other arenas, which start 64 MiB-aligned and end where
 * their unused PROT_NONE tail begins, and glibc's mmap'd large chunks.
 * Free chunks in there hold stale pointers, so scanning them as roots would
 * keep leaked blocks alive.  The kernel merges adjacent anonymous mappings
 * with the same protections into one line of /proc/PID/maps, so a mapping
 * is no unit of ownership: an mmap'd chunk may share its line with the
 * program's own mmap'd memory (CPython's arenas), an arena heap with
 * whatever lies below it.  So what is left out is exact address ranges:
 * from a 64 MiB boundary to the PROT_NONE tail, and each mmap'd chunk's own
 * pages (its 16-byte header's page to the page end after the block); the
 * rest of the line stays a root.  Allocator state
 * outside the heap (main_arena in libc's .data, whose bin and top pointers
 * point at chunk headers, i.e. into the neighbouring live block) is passed
 * in as an exclusion. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "leaktrace/roots.h"

#define RED_ZONE    128u
#define ARENA_ALIGN (64ull << 20)

/* Index of the first block with addr >= start. */
static size_t first_block(const struct roots_input *in, uint64_t start)
{
	size_t lo = 0, hi = in->nblocks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (in->blocks[mid].addr < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool holds_block(const struct roots_input *in, uint64_t start, uint64_t end)
{
	size_t i = first_block(in, start);
	return i < in->nblocks && in->blocks[i].addr < end;
}

/* Where an arena heap begins inside anonymous mapping i, or m->end if none.
 * glibc reserves each heap as 64 MiB at a 64 MiB boundary, the part not in
 * use PROT_NONE: so the mapping's last boundary starts one when the
 * PROT_NONE mapping right after it reaches the end of that reservation (a
 * thread's stack that merely crosses a boundary, followed by the guard page
 * of the next stack, does not), or when the mapping ends exactly there and
 * holds blocks (a heap grown to its full size). */
static uint64_t arena_start(const struct roots_input *in, size_t i)
{
	const struct mapping *m = &in->maps->v[i];
	uint64_t a = (m->end - 1) & ~(ARENA_ALIGN - 1);

	if (a < m->start)
		return m->end;
	if (i + 1 < in->maps->n) {
		const struct mapping *next = &in->maps->v[i + 1];
		if (next->start == m->end && !next->r && !next->w && !next->x && !next->path[0] &&
		    next->end >= a + ARENA_ALIGN)
			return a;
	}
	if (m->end - a == ARENA_ALIGN && holds_block(in, a, m->end))
		return a;
	return m->end;
}

struct range_vec {
	struct scan_range *v;
	size_t n, cap;
};

static int push(struct range_vec *rv, uint64_t start, uint64_t end)
{
	if (start >= end)
		return 0;
	if (rv->n == rv->cap) {
		size_t nc = rv->cap ? rv->cap * 2 : 64;
		struct scan_range *nv = realloc(rv->v, nc * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		rv->v = nv;
		rv->cap = nc;
	}
	rv->v[rv->n++] = (struct scan_range){ start, end };
	return 0;
}

/* Adds [start, end) minus the excluded ranges. */
static int push_minus(struct range_vec *rv, const struct roots_input *in, uint64_t start,
		      uint64_t end)
{
	for (size_t i = 0; i < in->nexclude && start < end; i++) {
		const struct scan_range *x = &in->exclude[i];
		if (x->end <= start || x->start >= end)
			continue;
		if (x->start > start) {
			int err = push_minus(rv, in, start, x->start);
			if (err)
				return err;
		}
		start = x->end;
	}
	return push(rv, start, end);
}

/* Adds [start, end) of an anonymous mapping minus the pages of the mmap'd
 * chunks in it: a chunk's mapping runs from the page of its header (16
 * bytes before the block) to the page end after the block; for an aligned
 * chunk it begins earlier, in bytes that are never written. */
static int push_minus_chunks(struct range_vec *rv, const struct roots_input *in, uint64_t start,
			     uint64_t end)
{
	const uint64_t page = 4096;
	uint64_t cur = start;
	size_t i = first_block(in, start);

	if (i > 0) { /* a block starting below may reach in */
		const struct block *b = &in->blocks[i - 1];
		if (b->addr + b->size > start)
			cur = (b->addr + b->size + page - 1) & ~(page - 1);
	}
	for (; i < in->nblocks && in->blocks[i].addr < end; i++) {
		const struct block *b = &in->blocks[i];
		uint64_t cs = (b->addr - 16) & ~(page - 1);
		uint64_t ce = (b->addr + b->size + page - 1) & ~(page - 1);
		if (cs > cur) {
			int err = push_minus(rv, in, cur, cs < end ? cs : end);
			if (err)
				return err;
		}
		if (ce > cur)
			cur = ce;
	}
	return cur < end ? push_minus(rv, in, cur, end) : 0;
}

uint64_t roots_live_from(const struct mapping *m, const uint64_t *sps, size_t nsps)
{
	uint64_t start = m->start;

	for (size_t t = 0; t < nsps; t++) {
		uint64_t sp = sps[t];
		if (sp >= m->start && sp < m->end) {
			uint64_t from = sp > m->start + RED_ZONE ? sp - RED_ZONE : m->start;
			if (from > start)
				start = from;
		}
	}
	return start;
}

int roots_collect(const struct roots_input *in, struct scan_range **out, size_t *nout)
{
	struct range_vec rv = { 0 };
	int err = 0;

	for (size_t i = 0; i < in->maps->n && !err; i++) {
		const struct mapping *m = &in->maps->v[i];

		if (!m->r || !m->w)
			continue;
		if (!strncmp(m->path, "/dev/", 5) || !strcmp(m->path, "[vvar]") ||
		    !strcmp(m->path, "[vsyscall]"))
			continue;
		if (!strcmp(m->path, "[heap]"))
			continue;
		/* a stack: only from the stack pointer (less the red zone) up */
		uint64_t start = roots_live_from(m, in->thread_sps, in->nthreads);
		if (m->path[0])
			err = push_minus(&rv, in, start, m->end);
		else
			err = push_minus_chunks(&rv, in, start, arena_start(in, i));
	}
	if (err) {
		free(rv.v);
		return err;
	}
	*out = rv.v;
	*nout = rv.n;
	return 0;
}
