/* roots: where the leak scan starts.
 *
 * memcheck scans every readable and writable client mapping except its own
 * heap, and each thread's stack only from the stack pointer up.  We see the
 * target's address space as the kernel does, so glibc's heap is just more
 * writable memory and has to be recognised: [heap] (the brk heap), any
 * anonymous mapping holding a live block (mmap'd large chunks), and the
 * heaps of glibc's other arenas, which are 64 MiB-aligned mappings whose
 * unused tail is PROT_NONE.  Free chunks in there hold stale pointers, so
 * scanning them as roots would keep leaked blocks alive.  Allocator state
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

static bool holds_block(const struct roots_input *in, uint64_t start, uint64_t end)
{
	size_t lo = 0, hi = in->nblocks;

	while (lo < hi) { /* first block with addr >= start */
		size_t mid = lo + (hi - lo) / 2;
		if (in->blocks[mid].addr < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < in->nblocks && in->blocks[lo].addr < end;
}

static bool is_heap(const struct roots_input *in, size_t i)
{
	const struct mapping *m = &in->maps->v[i];

	if (!strcmp(m->path, "[heap]"))
		return true;
	if (m->path[0])
		return false;
	if (holds_block(in, m->start, m->end))
		return true;
	if (m->start % ARENA_ALIGN == 0 && i + 1 < in->maps->n) {
		const struct mapping *next = &in->maps->v[i + 1];
		if (next->start == m->end && !next->r && !next->w && !next->path[0] &&
		    next->end - m->start <= ARENA_ALIGN)
			return true;
	}
	return false;
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

int roots_collect(const struct roots_input *in, struct scan_range **out, size_t *nout)
{
	struct range_vec rv = { 0 };
	int err = 0;

	for (size_t i = 0; i < in->maps->n && !err; i++) {
		const struct mapping *m = &in->maps->v[i];
		uint64_t start = m->start;

		if (!m->r || !m->w)
			continue;
		if (!strncmp(m->path, "/dev/", 5) || !strcmp(m->path, "[vvar]") ||
		    !strcmp(m->path, "[vsyscall]"))
			continue;
		if (is_heap(in, i))
			continue;
		/* a stack: only from the stack pointer (less the red zone) up */
		for (size_t t = 0; t < in->nthreads; t++) {
			uint64_t sp = in->thread_sps[t];
			if (sp >= m->start && sp < m->end) {
				uint64_t from = sp > m->start + RED_ZONE ? sp - RED_ZONE : m->start;
				if (from > start)
					start = from;
			}
		}
		err = push_minus(&rv, in, start, m->end);
	}
	if (err) {
		free(rv.v);
		return err;
	}
	*out = rv.v;
	*nout = rv.n;
	return 0;
}
