/* Unit test of roots.c: what is left out of the root set is exact address
 * ranges (glibc's heaps and mmap'd chunks), never a whole line of
 * /proc/PID/maps, which the kernel merges from neighbouring mappings. */
#include <stdlib.h>

#include "check.h"
#include "leaktrace/roots.h"

#define MIB (1ull << 20)

/* Whether addr lies in one of the ranges. */
static int covered(const struct scan_range *r, size_t n, uint64_t addr)
{
	for (size_t i = 0; i < n; i++)
		if (addr >= r[i].start && addr < r[i].end)
			return 1;
	return 0;
}

static void collect(struct mapping *v, size_t nmaps, const struct block *b, size_t nb,
		    struct scan_range **out, size_t *n)
{
	struct maps m = { v, nmaps };
	struct roots_input in = { &m, b, nb, NULL, 0, NULL, 0 };
	CHECK(roots_collect(&in, out, n) == 0);
}

/* An mmap'd chunk (block at page + 16, 200,000 bytes) merged with the
 * program's own anonymous region above it: the chunk's pages are left
 * out, the region stays a root. */
static void test_merged_chunk(void)
{
	const uint64_t base = 0x7f0000000000ull;
	const uint64_t chunk_end = base + 200704; /* 49 pages */
	struct mapping v[] = { { base, chunk_end + MIB, 0, 0, 1, 1, 0, 0, (char *)"" } };
	struct block b[] = { { base + 16, 200000, 0, 0, 1, 0 } };
	struct scan_range *r = NULL;
	size_t n = 0;

	collect(v, 1, b, 1, &r, &n);
	CHECK(!covered(r, n, base));
	CHECK(!covered(r, n, base + 16));
	CHECK(!covered(r, n, chunk_end - 8));
	CHECK(covered(r, n, chunk_end));
	CHECK(covered(r, n, chunk_end + MIB - 8));
	free(r);
}

/* The region below the chunk, and two chunks with a root page between. */
static void test_chunks_and_gaps(void)
{
	const uint64_t base = 0x7f0000000000ull;
	struct mapping v[] = { { base, base + 64 * 4096, 0, 0, 1, 1, 0, 0, (char *)"" } };
	struct block b[] = { { base + 4 * 4096 + 16, 8000, 0, 0, 1, 0 },
			     { base + 7 * 4096 + 16, 4000, 0, 0, 1, 0 } };
	struct scan_range *r = NULL;
	size_t n = 0;

	collect(v, 1, b, 2, &r, &n);
	CHECK(covered(r, n, base));
	CHECK(covered(r, n, base + 4 * 4096 - 8));
	CHECK(!covered(r, n, base + 4 * 4096));
	CHECK(!covered(r, n, base + 6 * 4096 - 8));
	CHECK(covered(r, n, base + 6 * 4096));	      /* between the chunks */
	CHECK(!covered(r, n, base + 7 * 4096 + 100)); /* the second chunk */
	CHECK(covered(r, n, base + 8 * 4096));
	free(r);
}

/* An arena heap (64 MiB-aligned, PROT_NONE tail) merged with an anonymous
 * mapping below it: the heap is left out from its boundary, the part below
 * stays a root. */
static void test_merged_arena(void)
{
	const uint64_t heap = 0x7f0004000000ull; /* 64 MiB-aligned */
	struct mapping v[] = { { heap - MIB, heap + 132 * 1024, 0, 0, 1, 1, 0, 0, (char *)"" },
			       { heap + 132 * 1024, heap + 64 * MIB, 0, 0, 0, 0, 0, 0,
				 (char *)"" } };
	struct block b[] = { { heap + 0x8a0, 100, 0, 0, 1, 0 } };
	struct scan_range *r = NULL;
	size_t n = 0;

	collect(v, 2, b, 1, &r, &n);
	CHECK(covered(r, n, heap - MIB));
	CHECK(covered(r, n, heap - 8));
	CHECK(!covered(r, n, heap));
	CHECK(!covered(r, n, heap + 0x1000)); /* free chunks of the arena */
	free(r);
}

/* A thread's stack that crosses a 64 MiB boundary, followed by the guard
 * page of the stack above it: no arena, all of it from the stack pointer up
 * is a root. */
static void test_stack_across_boundary(void)
{
	const uint64_t b = 0x7f0004000000ull; /* 64 MiB-aligned */
	struct mapping v[] = { { b - 4 * MIB, b + 4 * MIB, 0, 0, 1, 1, 0, 0, (char *)"" },
			       { b + 4 * MIB, b + 4 * MIB + 4096, 0, 0, 0, 0, 0, 0, (char *)"" },
			       { b + 4 * MIB + 4096, b + 12 * MIB, 0, 0, 1, 1, 0, 0, (char *)"" } };
	uint64_t sp = b - 1000;
	struct maps m = { v, 3 };
	struct roots_input in = { &m, NULL, 0, &sp, 1, NULL, 0 };
	struct scan_range *r = NULL;
	size_t n = 0;

	CHECK(roots_collect(&in, &r, &n) == 0);
	CHECK(!covered(r, n, b - 4 * MIB));
	CHECK(covered(r, n, sp));
	CHECK(covered(r, n, b + 1000));
	CHECK(covered(r, n, b + 4 * MIB - 8));
	free(r);
}

/* [heap] is never a root; a file mapping holding no block is. */
static void test_brk_heap(void)
{
	struct mapping v[] = { { 0x555555560000ull, 0x555555581000ull, 0, 0, 1, 1, 0, 0,
				 (char *)"[heap]" },
			       { 0x7f0000000000ull, 0x7f0000001000ull, 0, 1, 1, 1, 0, 0,
				 (char *)"/usr/lib/x86_64-linux-gnu/libc.so.6" } };
	struct block b[] = { { 0x5555555602a0ull, 64, 0, 0, 1, 0 } };
	struct scan_range *r = NULL;
	size_t n = 0;

	collect(v, 2, b, 1, &r, &n);
	CHECK(!covered(r, n, 0x555555560000ull));
	CHECK(covered(r, n, 0x7f0000000000ull));
	free(r);
}

int main(void)
{
	test_merged_chunk();
	test_chunks_and_gaps();
	test_merged_arena();
	test_stack_across_boundary();
	test_brk_heap();
	return check_summary("roots");
}
