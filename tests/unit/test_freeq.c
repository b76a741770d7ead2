/* Unit test of freeq: containment (the newest free wins), volume and count
 * limits, forgetting, and a random run against a naive model of the same
 * rules. */
#include "check.h"
#include "leaktrace/freeq.h"

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

static void push(struct freeq *q, uint64_t addr, uint64_t size, uint32_t tag)
{
	struct freed_block b = { .addr = addr,
				 .size = size,
				 .alloc_stack = tag,
				 .free_stack = tag + 1000,
				 .family = 1 };
	freeq_push(q, &b);
}

/* alloc_stack of the block containing addr, or 0 for none */
static uint32_t found(const struct freeq *q, uint64_t addr)
{
	const struct freed_block *b = freeq_find(q, addr);
	return b ? b->alloc_stack : 0;
}

static void test_contains(void)
{
	struct freeq *q = freeq_new(20000000, 1000);
	const struct freed_block *b;

	CHECK(q != NULL);
	if (!q)
		return;
	CHECK(freeq_find(q, 0x1000) == NULL);
	push(q, 0x1000, 32, 1);
	push(q, 0x2000, 0, 2);
	push(q, 0x3000, 100, 3);
	b = freeq_find(q, 0x1010);
	CHECK(b && b->addr == 0x1000 && b->size == 32 && b->alloc_stack == 1 &&
	      b->free_stack == 1001 && b->family == 1);
	CHECK(found(q, 0x1000) == 1);
	CHECK(found(q, 0x101f) == 1);
	CHECK(found(q, 0x1020) == 0);
	CHECK(found(q, 0x0fff) == 0);
	CHECK(found(q, 0x2000) == 2); /* a zero-size block owns its start */
	CHECK(found(q, 0x2001) == 0);
	CHECK(found(q, 0x1fff) == 0);
	CHECK(found(q, 0x3063) == 3);
	CHECK(found(q, 0x3064) == 0);
	CHECK(found(q, UINT64_MAX) == 0);

	/* the same address freed again: the newer free wins where it reaches */
	push(q, 0x1000, 16, 4);
	CHECK(found(q, 0x1000) == 4);
	CHECK(found(q, 0x100f) == 4);
	CHECK(found(q, 0x1018) == 1); /* beyond it the older 32-byte block is still queued */

	/* a new free inside an old one: the old one still covers the rest */
	push(q, 0x3010, 8, 5);
	CHECK(found(q, 0x3000) == 3);
	CHECK(found(q, 0x3014) == 5);
	CHECK(found(q, 0x3018) == 3);

	/* a block reaching the top of the address space */
	push(q, UINT64_MAX - 15, 100, 6);
	CHECK(found(q, UINT64_MAX) == 6);
	CHECK(found(q, UINT64_MAX - 16) == 0);
	freeq_free(q);
	freeq_free(NULL);
}

static void test_limits(void)
{
	struct freeq *q = freeq_new(100, 1000);

	CHECK(q != NULL);
	if (!q)
		return;
	push(q, 0x1000, 40, 1);
	push(q, 0x2000, 40, 2);
	CHECK(found(q, 0x1000) == 1 && found(q, 0x2000) == 2);
	push(q, 0x3000, 40, 3); /* 120 > 100: the oldest goes */
	CHECK(found(q, 0x1000) == 0);
	CHECK(found(q, 0x2000) == 2 && found(q, 0x3000) == 3);
	push(q, 0x4000, 101, 4); /* bigger than the volume: not kept */
	CHECK(found(q, 0x4000) == 0);
	CHECK(found(q, 0x2000) == 2 && found(q, 0x3000) == 3);
	push(q, 0x5000, 20, 5); /* exactly 100: all stay */
	CHECK(found(q, 0x2000) == 2 && found(q, 0x5000) == 5);
	push(q, 0x6000, 100, 6); /* == volume: kept, pushes out all */
	CHECK(found(q, 0x6000) == 6);
	CHECK(found(q, 0x2000) == 0 && found(q, 0x3000) == 0 && found(q, 0x5000) == 0);
	freeq_free(q);

	/* the entry count bound, whatever the sizes */
	q = freeq_new(1000000, 3);
	CHECK(q != NULL);
	if (!q)
		return;
	for (uint32_t i = 1; i <= 5; i++)
		push(q, 0x1000 * i, 0, i);
	CHECK(found(q, 0x1000) == 0 && found(q, 0x2000) == 0);
	CHECK(found(q, 0x3000) == 3 && found(q, 0x4000) == 4 && found(q, 0x5000) == 5);
	freeq_free(q);

	q = freeq_new(1000, 0); /* remembers nothing, but works */
	CHECK(q != NULL);
	if (!q)
		return;
	push(q, 0x1000, 8, 1);
	CHECK(found(q, 0x1000) == 0);
	freeq_forget(q, 0x1000, 8);
	freeq_free(q);
	CHECK(freeq_new(1000, (size_t)UINT32_MAX) == NULL);
}

static void test_forget(void)
{
	struct freeq *q = freeq_new(100, 1000);

	CHECK(q != NULL);
	if (!q)
		return;
	push(q, 0x1000, 64, 1);
	push(q, 0x2000, 16, 2);
	freeq_forget(q, 0x1fff, 1); /* ends right before 0x2000 */
	CHECK(found(q, 0x2000) == 2);
	freeq_forget(q, 0x1040, 0x100); /* starts right after block 1 */
	CHECK(found(q, 0x1000) == 1);
	freeq_forget(q, 0x1030, 8); /* carved from the middle */
	CHECK(found(q, 0x1000) == 0 && found(q, 0x1030) == 0);
	CHECK(found(q, 0x2000) == 2);
	freeq_forget(q, 0x2008, 0); /* malloc(0) inside it */
	CHECK(found(q, 0x2000) == 0);

	/* forgotten bytes no longer count against the volume */
	push(q, 0x3000, 60, 3);
	push(q, 0x4000, 30, 4);
	CHECK(found(q, 0x3000) == 3 && found(q, 0x4000) == 4);

	/* one new block spanning several queued ones */
	push(q, 0x5000, 4, 5);
	push(q, 0x5010, 4, 6);
	freeq_forget(q, 0x2ff0, 0x1100);
	CHECK(found(q, 0x3000) == 0 && found(q, 0x4000) == 0);
	CHECK(found(q, 0x5000) == 5 && found(q, 0x5010) == 6);
	freeq_free(q);
}

/* The naive model: every push in order, dead or alive, the live window
 * starting at head. */
struct model {
	struct freed_block *b;
	unsigned char *alive;
	size_t n, head, max;
	uint64_t bytes, volume;
};

static int overlaps(const struct freed_block *b, uint64_t addr, uint64_t size)
{
	uint64_t e1 = b->addr + (b->size ? b->size : 1);
	uint64_t e2 = addr + (size ? size : 1);
	return b->addr < e2 && addr < e1;
}

static void model_forget(struct model *m, uint64_t addr, uint64_t size)
{
	for (size_t i = m->head; i < m->n; i++)
		if (m->alive[i] && overlaps(&m->b[i], addr, size)) {
			m->alive[i] = 0;
			m->bytes -= m->b[i].size;
		}
}

static void model_drop(struct model *m)
{
	if (m->alive[m->head])
		m->bytes -= m->b[m->head].size;
	m->alive[m->head++] = 0;
}

static void model_push(struct model *m, const struct freed_block *b)
{
	if (b->size > m->volume)
		return;
	if (m->n - m->head == m->max)
		model_drop(m);
	m->b[m->n] = *b;
	m->alive[m->n++] = 1;
	m->bytes += b->size;
	while (m->bytes > m->volume)
		model_drop(m);
}

static uint32_t model_find(const struct model *m, uint64_t addr)
{
	for (size_t i = m->n; i-- > m->head;)
		if (m->alive[i] && overlaps(&m->b[i], addr, 1))
			return m->b[i].alloc_stack;
	return 0;
}

/* The first third frees big blocks, so the volume drops entries and the
 * ring's head moves; then tiny ones, so the ring fills, grows while
 * wrapped, and finally hits max_entries. */
static void test_random(void)
{
	enum { OPS = 60000, MAX = 3000, SPAN = 0x40000 };
	struct model m = { .max = MAX, .volume = 40000 };
	struct freeq *q = freeq_new(m.volume, MAX);
	uint64_t seed = 12345;
	int bad = 0;

	m.b = malloc(OPS * sizeof(*m.b));
	m.alive = calloc(OPS, 1);
	if (!q || !m.b || !m.alive) {
		CHECK(0);
		goto out;
	}
	for (uint32_t op = 1; op <= OPS; op++) {
		uint64_t r = rng_next(&seed);
		uint64_t addr = 0x10000 + (r % SPAN) / 16 * 16;
		uint64_t size = op < OPS / 3 ? (r >> 40) % 1024 : (r >> 40) % 9;

		if (r % 10 < 6) {
			struct freed_block b = { .addr = addr, .size = size, .alloc_stack = op };
			freeq_push(q, &b);
			model_push(&m, &b);
		} else {
			freeq_forget(q, addr, size);
			model_forget(&m, addr, size);
		}
		for (int k = 0; k < 4; k++) {
			uint64_t a = 0x10000 + rng_next(&seed) % (SPAN + 0x1000);
			if (found(q, a) != model_find(&m, a))
				bad++;
		}
	}
	CHECK(bad == 0);
	CHECK(m.head > 0); /* the volume and count limits did drop entries */
	/* a full sweep at the end */
	bad = 0;
	for (uint64_t a = 0x10000; a < 0x10000 + SPAN + 0x1000; a += 4)
		if (found(q, a) != model_find(&m, a))
			bad++;
	CHECK(bad == 0);
out:
	freeq_free(q);
	free(m.b);
	free(m.alive);
}

int main(void)
{
	test_contains();
	test_limits();
	test_forget();
	test_random();
	return check_summary("test_freeq");
}
