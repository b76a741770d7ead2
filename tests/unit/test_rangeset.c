/* Unit test of rangeset: empty sets, edges of a range, merging of
 * overlapping and touching ranges, adds after a query, and a random run
 * against a naive model (a linear walk over the ranges as added). */
#include "check.h"
#include "leaktrace/rangeset.h"

#include <stdlib.h>

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void test_empty(void)
{
	struct rangeset rs;

	rangeset_init(&rs);
	CHECK(!rangeset_contains(&rs, 0));
	CHECK(!rangeset_contains(&rs, 0x1000));
	CHECK(rangeset_add(&rs, 10, 10) == 0); /* empty range: ignored */
	CHECK(rangeset_add(&rs, 10, 5) == 0);
	CHECK(!rangeset_contains(&rs, 10));
	CHECK(rs.n == 0);
	rangeset_clear(&rs);
}

static void test_edges_and_merge(void)
{
	struct rangeset rs = { 0 };

	CHECK(rangeset_add(&rs, 0x500, 0x600) == 0);
	CHECK(rangeset_add(&rs, 0x100, 0x200) == 0);
	CHECK(rangeset_add(&rs, 0x180, 0x280) == 0); /* overlaps the second */
	CHECK(rangeset_add(&rs, 0x280, 0x300) == 0); /* touches the merged one */
	CHECK(rangeset_add(&rs, 0x520, 0x530) == 0); /* inside the first */
	CHECK(!rangeset_contains(&rs, 0xff));
	CHECK(rangeset_contains(&rs, 0x100));
	CHECK(rangeset_contains(&rs, 0x2ff));
	CHECK(!rangeset_contains(&rs, 0x300));
	CHECK(!rangeset_contains(&rs, 0x4ff));
	CHECK(rangeset_contains(&rs, 0x5ff));
	CHECK(!rangeset_contains(&rs, 0x600));
	CHECK(!rangeset_contains(&rs, UINT64_MAX));
	CHECK(rs.n == 2);
	/* an add after a query is seen by the next query */
	CHECK(rangeset_add(&rs, 0x300, 0x301) == 0);
	CHECK(rangeset_contains(&rs, 0x300));
	CHECK(rs.n == 2);
	CHECK(rangeset_add(&rs, UINT64_MAX - 1, UINT64_MAX) == 0);
	CHECK(rangeset_contains(&rs, UINT64_MAX - 1));
	CHECK(!rangeset_contains(&rs, UINT64_MAX));
	rangeset_clear(&rs);
	CHECK(!rangeset_contains(&rs, 0x100));
}

static void test_random(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	struct range model[64];

	for (int round = 0; round < 200; round++) {
		struct rangeset rs = { 0 };
		size_t n = rng_next(&seed) % 64;
		for (size_t i = 0; i < n; i++) {
			uint64_t lo = rng_next(&seed) % 4096, len = rng_next(&seed) % 200;
			model[i] = (struct range){ lo, lo + len };
			CHECK(rangeset_add(&rs, lo, lo + len) == 0);
		}
		for (uint64_t pc = 0; pc < 4400; pc += 1 + rng_next(&seed) % 5) {
			bool want = false;
			for (size_t i = 0; i < n; i++)
				want |= pc >= model[i].lo && pc < model[i].hi;
			if (rangeset_contains(&rs, pc) != want) {
				CHECK(!"rangeset_contains agrees with the model");
				break;
			}
		}
		for (size_t i = 1; i < rs.n; i++)
			CHECK(rs.v[i - 1].hi < rs.v[i].lo);
		rangeset_clear(&rs);
	}
}

int main(void)
{
	test_empty();
	test_edges_and_merge();
	test_random();
	return check_summary("rangeset");
}
