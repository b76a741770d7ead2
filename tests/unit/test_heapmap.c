/* Unit test of heapmap: the table against a plain reference model under
 * random churn, sorting, and the memory bound.  With --bench it times a
 * million blocks instead. */
#include "check.h"
#include "leaktrace/heapmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* xorshift64*: a deterministic generator so a failure reproduces. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static struct block make_block(uint64_t addr, uint64_t size, uint32_t stack)
{
	struct block b = {
		.addr = addr, .size = size, .stack_id = stack, .family = FAMILY_NEW, .tid_index = 3
	};
	return b;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void test_basics(void)
{
	struct heapmap *h = heapmap_new();
	struct block b = make_block(0x4a5b040, 17, 9), out;
	const struct block *p;
	size_t n = 123;

	CHECK(h != NULL);
	if (!h)
		return;
	CHECK(heapmap_count(h) == 0);
	CHECK(heapmap_lookup(h, 0x4a5b040) == NULL);
	CHECK(heapmap_sorted(h, &n) == NULL && n == 0);
	CHECK(heapmap_remove(h, 0x4a5b040, &out) == -ENOENT);

	CHECK(heapmap_insert(h, &b) == 0);
	CHECK(heapmap_count(h) == 1);
	p = heapmap_lookup(h, 0x4a5b040);
	CHECK(p != NULL && p->size == 17 && p->stack_id == 9 && p->family == FAMILY_NEW &&
	      p->tid_index == 3);
	CHECK(heapmap_lookup(h, 0x4a5b050) == NULL);

	/* a second insert at the same address changes nothing */
	struct block dup = make_block(0x4a5b040, 99, 1);
	CHECK(heapmap_insert(h, &dup) == -EEXIST);
	CHECK(heapmap_count(h) == 1);
	CHECK(heapmap_lookup(h, 0x4a5b040)->size == 17);

	struct block zero = make_block(0, 8, 0);
	CHECK(heapmap_insert(h, &zero) == -EINVAL);
	CHECK(heapmap_lookup(h, 0) == NULL);
	CHECK(heapmap_remove(h, 0, NULL) == -ENOENT);

	memset(&out, 0xff, sizeof(out));
	CHECK(heapmap_remove(h, 0x4a5b040, &out) == 0);
	CHECK(out.addr == 0x4a5b040 && out.size == 17 && out.stack_id == 9);
	CHECK(heapmap_count(h) == 0);
	CHECK(heapmap_lookup(h, 0x4a5b040) == NULL);
	CHECK(heapmap_remove(h, 0x4a5b040, NULL) == -ENOENT);
	heapmap_free(h);
	heapmap_free(NULL);
}

/* Random inserts and removes of clustered, 16-aligned addresses (plus a
 * few odd and high ones), checked against a presence array after every
 * phase.  Dense clusters make long probe runs, so the backward shift of
 * remove is exercised hard. */
static void test_churn(void)
{
	enum { NADDR = 60000, OPS = 400000 };
	struct heapmap *h = heapmap_new();
	uint64_t *addrs = malloc(NADDR * sizeof(*addrs));
	unsigned char *live = calloc(NADDR, 1);
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	size_t nlive = 0;
	int bad = 0;

	CHECK(h && addrs && live);
	if (!h || !addrs || !live)
		goto out;
	for (size_t i = 0; i < NADDR; i++) {
		if (i % 1000 == 7)
			addrs[i] = 0x7f0000000000ULL + i * 0x21001; /* mmap'd, odd */
		else
			addrs[i] = 0x555555559000ULL + i * 16;
	}
	for (size_t op = 0; op < OPS; op++) {
		size_t i = rng_next(&seed) % NADDR;
		struct block b = make_block(addrs[i], i, (uint32_t)i), out;

		if (live[i]) {
			if (heapmap_remove(h, addrs[i], &out) != 0 || out.size != i)
				bad++;
			live[i] = 0;
			nlive--;
		} else {
			if (heapmap_insert(h, &b) != 0)
				bad++;
			live[i] = 1;
			nlive++;
		}
		if (op % 100000 == 99999) {
			for (size_t k = 0; k < NADDR; k++) {
				const struct block *p = heapmap_lookup(h, addrs[k]);
				if (live[k] ? !p || p->size != k || p->stack_id != k : p != NULL)
					bad++;
			}
			CHECK(heapmap_count(h) == nlive);
		}
	}
	CHECK(bad == 0);

	size_t n = 0;
	struct block *s = heapmap_sorted(h, &n);
	uint64_t *want = malloc(nlive * sizeof(*want));
	CHECK(s != NULL && n == nlive && want != NULL);
	if (s && want) {
		size_t k = 0;

		for (size_t i = 0; i < NADDR; i++)
			if (live[i])
				want[k++] = addrs[i];
		qsort(want, k, sizeof(*want), cmp_u64);
		bad = 0;
		for (size_t i = 0; i < n; i++)
			if (s[i].addr != want[i] || s[i].size >= NADDR ||
			    addrs[s[i].size] != s[i].addr)
				bad++;
		CHECK(bad == 0);
	}
	free(s);
	free(want);

	/* empty it completely: every remove must still find its block */
	bad = 0;
	for (size_t i = 0; i < NADDR; i++)
		if (live[i] && heapmap_remove(h, addrs[i], NULL) != 0)
			bad++;
	CHECK(bad == 0);
	CHECK(heapmap_count(h) == 0);
out:
	heapmap_free(h);
	free(addrs);
	free(live);
}

/* Sorting must order by the full 64-bit address, including bytes that
 * differ only between far-apart mappings. */
static void test_sorted_order(void)
{
	static const uint64_t addrs[] = {
		0x7ffff7a00010, 0x555555559010, 0x4,	     0xffffffffffff0000,
		0x555555559000, 0x7ffff7a00000, 0x100000001, 0x1ff,
	};
	static const uint64_t want[] = {
		0x4,
		0x1ff,
		0x100000001,
		0x555555559000,
		0x555555559010,
		0x7ffff7a00000,
		0x7ffff7a00010,
		0xffffffffffff0000,
	};
	struct heapmap *h = heapmap_new();
	struct heapmap *one = heapmap_new();
	size_t n = 0;

	CHECK(h && one);
	if (!h || !one)
		goto out;
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct block b = make_block(addrs[i], i + 1, 0);
		CHECK(heapmap_insert(h, &b) == 0);
	}
	struct block *s = heapmap_sorted(h, &n);
	CHECK(s != NULL && n == 8);
	for (size_t i = 0; s && i < n; i++) {
		CHECK(s[i].addr == want[i]);
		CHECK(addrs[s[i].size - 1] == s[i].addr);
	}
	free(s);

	/* a single block: the radix sort skips every byte */
	struct block b = make_block(0x1234560, 5, 2);
	CHECK(heapmap_insert(one, &b) == 0);
	s = heapmap_sorted(one, &n);
	CHECK(s != NULL && n == 1 && s[0].addr == 0x1234560 && s[0].size == 5);
	free(s);
out:
	heapmap_free(one);
	heapmap_free(h);
}

/* The promise in heapmap.c: at most 64 bytes of table per live block
 * once the table is past its minimum size. */
static void test_memory(void)
{
	struct heapmap *h = heapmap_new();
	size_t worst_x100 = 0;
	int bad = 0;

	CHECK(h != NULL);
	if (!h)
		return;
	CHECK(heapmap_memory(h) >= 1024 * sizeof(struct block));
	for (uint64_t i = 1; i <= 200000; i++) {
		struct block b = make_block(0x10000 + i * 48, 40, 0);
		if (heapmap_insert(h, &b) != 0)
			bad++;
		if (i >= 1000) {
			size_t per = heapmap_memory(h) * 100 / i;
			if (per > worst_x100)
				worst_x100 = per;
		}
	}
	CHECK(bad == 0);
	CHECK(worst_x100 <= 6400 + 100); /* + the struct header */
	CHECK(heapmap_memory(h) < 200000 * 64);
	heapmap_free(h);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_block(const void *a, const void *b)
{
	uint64_t x = ((const struct block *)a)->addr, y = ((const struct block *)b)->addr;
	return (x > y) - (x < y);
}

static int bench(void)
{
	enum { N = 1000000 };
	struct heapmap *h = heapmap_new();
	uint64_t *addrs = malloc(N * sizeof(*addrs));
	uint64_t seed = 42, a = 0x555555559000ULL;
	double t0, t1;
	size_t found = 0, n = 0;

	if (!h || !addrs)
		return 1;
	/* a bump allocator with mixed sizes, as a fresh glibc heap looks */
	for (size_t i = 0; i < N; i++) {
		addrs[i] = a;
		a += 16 * (2 + rng_next(&seed) % 16);
	}
	t0 = now_ns();
	for (size_t i = 0; i < N; i++) {
		struct block b = make_block(addrs[i], 24, (uint32_t)(i & 1023));
		if (heapmap_insert(h, &b) != 0)
			return 1;
	}
	t1 = now_ns();
	printf("insert   %7.1f ns/op  (%zu blocks, %.1f bytes/block)\n", (t1 - t0) / N,
	       heapmap_count(h), (double)heapmap_memory(h) / N);
	/* look up in an order unrelated to insertion */
	t0 = now_ns();
	for (size_t i = 0; i < N; i++)
		found += heapmap_lookup(h, addrs[(i * 7919) % N]) != NULL;
	t1 = now_ns();
	printf("lookup   %7.1f ns/op  (%zu found)\n", (t1 - t0) / N, found);
	t0 = now_ns();
	for (size_t i = 0; i < N; i += 2)
		if (heapmap_remove(h, addrs[i], NULL) != 0)
			return 1;
	t1 = now_ns();
	printf("remove   %7.1f ns/op  (%zu left, %.1f bytes/live block)\n", (t1 - t0) / (N / 2),
	       heapmap_count(h), (double)heapmap_memory(h) / heapmap_count(h));
	/* inserts into a table that no longer has to grow */
	t0 = now_ns();
	for (size_t i = 0; i < N; i += 2) {
		struct block b = make_block(addrs[i], 24, 0);
		if (heapmap_insert(h, &b) != 0)
			return 1;
	}
	t1 = now_ns();
	printf("reinsert %7.1f ns/op  (no growth)\n", (t1 - t0) / (N / 2));
	for (size_t i = 0; i < N; i += 2)
		if (heapmap_remove(h, addrs[i], NULL) != 0)
			return 1;
	t0 = now_ns();
	struct block *s = heapmap_sorted(h, &n);
	t1 = now_ns();
	if (!s)
		return 1;
	printf("sorted   %7.1f ns/block (%zu blocks, radix sort)\n", (t1 - t0) / n, n);
	/* the same copy sorted with qsort, to justify the radix sort */
	for (size_t i = 0; i < n; i++)
		s[i] = *heapmap_lookup(h, addrs[2 * i + 1]);
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rng_next(&seed) % (i + 1);
		struct block t = s[i];
		s[i] = s[j];
		s[j] = t;
	}
	t0 = now_ns();
	qsort(s, n, sizeof(*s), cmp_block);
	t1 = now_ns();
	printf("qsort    %7.1f ns/block (for comparison)\n", (t1 - t0) / n);
	free(s);
	free(addrs);
	heapmap_free(h);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--bench") == 0)
		return bench();
	test_basics();
	test_churn();
	test_sorted_order();
	test_memory();
	return check_summary("test_heapmap");
}
