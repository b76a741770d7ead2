/* Unit test of stacktab: ids dense in first-seen order, equal stacks share
 * an id, stored PCs never move, known stacks cost no memory. */
#include "check.h"
#include "leaktrace/stacktab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void test_basics(void)
{
	struct stacktab *st = stacktab_new();
	uint64_t a[] = { 0x401136, 0x401150, 0x7ffff7829d90 };
	uint64_t b[] = { 0x401136, 0x401150, 0x7ffff7829d91 };
	const uint64_t *p;
	unsigned n = 99;

	CHECK(st != NULL);
	if (!st)
		return;
	CHECK(stacktab_count(st) == 0);
	CHECK(stacktab_get(st, 0, &n) == NULL && n == 0);

	CHECK(stacktab_intern(st, a, 3) == 0);
	CHECK(stacktab_intern(st, b, 3) == 1);
	CHECK(stacktab_intern(st, a, 2) == 2); /* a prefix is another stack */
	CHECK(stacktab_intern(st, a, 0) == 3); /* the empty stack */
	CHECK(stacktab_intern(st, NULL, 0) == 3);
	CHECK(stacktab_intern(st, a, 1) == 4);
	CHECK(stacktab_count(st) == 5);

	CHECK(stacktab_intern(st, b, 3) == 1);
	CHECK(stacktab_intern(st, a, 3) == 0);
	CHECK(stacktab_intern(st, a, 2) == 2);
	CHECK(stacktab_count(st) == 5);

	/* the table keeps its own copy */
	uint64_t c[] = { 0x401136, 0x401150, 0x7ffff7829d90 };
	CHECK(stacktab_intern(st, c, 3) == 0);
	c[2] = 0xdead;
	p = stacktab_get(st, 0, &n);
	CHECK(p != NULL && n == 3 && p[0] == 0x401136 && p[2] == 0x7ffff7829d90);
	CHECK(stacktab_intern(st, c, 3) == 5);

	p = stacktab_get(st, 2, &n);
	CHECK(p != NULL && n == 2 && p[1] == 0x401150);
	p = stacktab_get(st, 3, &n);
	CHECK(p != NULL && n == 0);
	CHECK(stacktab_get(st, 6, &n) == NULL && n == 0);
	CHECK(stacktab_get(st, STACKTAB_NONE, &n) == NULL);
	stacktab_free(st);
	stacktab_free(NULL);
}

/* Many stacks of 0..64 frames drawn from a small PC pool (so stacks share
 * prefixes and suffixes, like real ones): every id must keep answering with
 * the same PCs at the same address while the table grows around it. */
static void test_many(void)
{
	enum { N = 40000, MAXF = 64 };
	struct stacktab *st = stacktab_new();
	uint64_t(*stacks)[MAXF] = malloc(N * sizeof(*stacks));
	unsigned *lens = malloc(N * sizeof(*lens));
	const uint64_t **ptrs = malloc(N * sizeof(*ptrs));
	uint64_t seed = 7;
	int bad = 0;

	CHECK(st && stacks && lens && ptrs);
	if (!st || !stacks || !lens || !ptrs)
		goto out;
	for (size_t i = 0; i < N; i++) {
		lens[i] = i == 0 ? MAXF : (unsigned)(rng_next(&seed) % (MAXF + 1));
		if (i % 50 == 49)
			lens[i] = 1 + (unsigned)(i % 3);
		for (unsigned f = 0; f < lens[i]; f++)
			stacks[i][f] = 0x400000 + (rng_next(&seed) % 64) * 4;
		/* make every stack distinct through its first frame, except the
		 * few short ones that repeat on purpose */
		if (lens[i] > 3)
			stacks[i][0] = 0x10000000 + i;
	}
	uint32_t next = 0;
	uint32_t *ids = malloc(N * sizeof(*ids));
	if (!ids)
		goto out;
	for (size_t i = 0; i < N; i++) {
		uint32_t id = stacktab_intern(st, stacks[i], lens[i]);
		unsigned n;

		if (id == next) {
			next++;
		} else if (id > next) {
			bad++; /* ids must be dense */
		}
		ids[i] = id;
		ptrs[i] = stacktab_get(st, id, &n);
		if (!ptrs[i] || n != lens[i])
			bad++;
	}
	CHECK(bad == 0);
	CHECK(stacktab_count(st) == next);
	CHECK(next > N / 2 && next < N); /* the short ones were shared */

	/* interning known stacks again: same ids, no memory at all */
	size_t mem = stacktab_memory(st);
	bad = 0;
	for (size_t i = 0; i < N; i++)
		if (stacktab_intern(st, stacks[i], lens[i]) != ids[i])
			bad++;
	CHECK(bad == 0);
	CHECK(stacktab_memory(st) == mem);
	CHECK(stacktab_count(st) == next);

	bad = 0;
	for (size_t i = 0; i < N; i++) {
		unsigned n;
		const uint64_t *p = stacktab_get(st, ids[i], &n);

		if (p != ptrs[i] || n != lens[i] ||
		    (n && memcmp(p, stacks[i], n * sizeof(*p)) != 0))
			bad++;
	}
	CHECK(bad == 0);
	/* a full stack is 512 bytes; the table must not cost much more */
	CHECK(mem < (size_t)next * (MAXF * 8 + 64));
	free(ids);
out:
	stacktab_free(st);
	free(stacks);
	free(lens);
	free(ptrs);
}

/* A stack longer than a chunk still gets one contiguous, stable copy. */
static void test_huge(void)
{
	enum { BIG = 20000 };
	struct stacktab *st = stacktab_new();
	uint64_t *big = malloc(BIG * sizeof(*big));
	uint64_t small[] = { 1, 2 };
	unsigned n;

	if (!st || !big) {
		CHECK(0);
		goto out;
	}
	for (size_t i = 0; i < BIG; i++)
		big[i] = i * 3;
	CHECK(stacktab_intern(st, small, 2) == 0);
	CHECK(stacktab_intern(st, big, BIG) == 1);
	CHECK(stacktab_intern(st, small, 1) == 2);
	const uint64_t *p = stacktab_get(st, 1, &n);
	CHECK(p && n == BIG && p[BIG - 1] == (BIG - 1) * 3);
	p = stacktab_get(st, 0, &n);
	CHECK(p && n == 2 && p[0] == 1 && p[1] == 2);
	CHECK(stacktab_intern(st, big, BIG) == 1);
out:
	free(big);
	stacktab_free(st);
}

int main(void)
{
	test_basics();
	test_many();
	test_huge();
	return check_summary("test_stacktab");
}
