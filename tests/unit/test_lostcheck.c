/* Unit test of lostcheck.c: which lost blocks a word outside the lost blocks
 * points into, at the start or inside; words inside lost blocks (a lost
 * block pointing at another) and pointers to blocks that are not lost do
 * not count; freed memory and registers are told apart; and a random run
 * against a naive model (every block tested for every word). */
#include <stdlib.h>

#include "check.h"
#include "leaktrace/lostcheck.h"

static struct scan_block blk(uint64_t addr, uint64_t size, unsigned state)
{
	struct scan_block b = { .addr = addr, .size = size, .state = (uint8_t)state };
	return b;
}

static void test_basic(void)
{
	struct scan_block sb[] = {
		blk(0x1000, 32, LEAK_DEFINITE),	 /* pointed at from outside */
		blk(0x1040, 16, LEAK_INDIRECT),	 /* only from 0x1000, a lost block */
		blk(0x1080, 64, LEAK_REACHABLE), /* not lost: never reported */
		blk(0x1100, 0, LEAK_DEFINITE),	 /* size 0: its start counts */
		blk(0x1200, 8, LEAK_DEFINITE),	 /* only from freed memory */
		blk(0x1300, 8, LEAK_DEFINITE),	 /* only from a register */
		blk(0x1400, 8, LEAK_DEFINITE),	 /* from nothing */
	};
	struct lostcheck lc;
	uint64_t lost_words[4] = { 0x1040, 0x1048, 0, 0x1000 };	  /* at 0x1000 */
	uint64_t outside[4] = { 0x1010, 0x1090, 0x1100, 0x1101 }; /* at 0x9000 */
	uint64_t freed[2] = { 0x1204, 0x1200 };			  /* at 0xa000 */

	CHECK(lostcheck_init(&lc, sb, 7) == 0);
	CHECK(lc.nlost == 6);
	lostcheck_words(&lc, 0x1000, lost_words, 4, false);
	lostcheck_words(&lc, 0x9000, outside, 4, false);
	lostcheck_words(&lc, 0xa000, freed, 2, true);
	lostcheck_register(&lc, 0x1307);
	lostcheck_register(&lc, 0x1308); /* one past its end */

	const struct lostcheck_hit *h = lostcheck_hit_of(&lc, 0);
	CHECK(h && h->count == 1 && h->from == 0x9000 && h->value == 0x1010 && !h->dead);
	h = lostcheck_hit_of(&lc, 1);
	CHECK(h && h->count == 0 && h->dead == 0); /* the lost block's own words */
	CHECK(lostcheck_hit_of(&lc, 2) == NULL);
	h = lostcheck_hit_of(&lc, 3);
	CHECK(h && h->count == 1 && h->from == 0x9010); /* 0x1101 is past a 0-byte block */
	h = lostcheck_hit_of(&lc, 4);
	CHECK(h && h->count == 0 && h->dead == 2);
	h = lostcheck_hit_of(&lc, 5);
	CHECK(h && h->count == 1 && h->from == 0 && h->value == 0x1307);
	h = lostcheck_hit_of(&lc, 6);
	CHECK(h && h->count == 0 && h->dead == 0);
	lostcheck_free(&lc);
}

static void test_nothing_lost(void)
{
	struct scan_block sb[] = { blk(0x1000, 32, LEAK_REACHABLE), blk(0x2000, 8, LEAK_POSSIBLE) };
	struct lostcheck lc;
	uint64_t w[2] = { 0x1000, 0x2000 };

	CHECK(lostcheck_init(&lc, sb, 2) == 0);
	CHECK(lc.nlost == 0);
	lostcheck_words(&lc, 0x5000, w, 2, false);
	lostcheck_register(&lc, 0x1000);
	CHECK(lostcheck_hit_of(&lc, 0) == NULL && lostcheck_hit_of(&lc, 1) == NULL);
	lostcheck_free(&lc);
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* Random blocks of random kinds, random words at random places, against
 * the definition tested block by block. */
static void test_random(void)
{
	enum { NB = 300, NW = 4000 };
	static struct scan_block sb[NB];
	static uint64_t words[NW], model[NB];
	uint64_t seed = 0x1234567, addr = 0x10000;
	struct lostcheck lc;

	for (size_t i = 0; i < NB; i++) {
		uint64_t size = rng_next(&seed) % 64;
		sb[i] = blk(addr, size, (unsigned)(rng_next(&seed) % 4));
		addr += size + 8 * (rng_next(&seed) % 4);
	}
	for (size_t k = 0; k < NW; k++)
		words[k] = 0x10000 - 64 + rng_next(&seed) % (addr - 0x10000 + 128);
	/* the words lie at [0x10000, 0x10000 + 8 NW): over the blocks and past them */
	CHECK(lostcheck_init(&lc, sb, NB) == 0);
	lostcheck_words(&lc, 0x10000, words, NW, false);
	for (size_t k = 0; k < NW; k++) {
		uint64_t at = 0x10000 + 8 * k;
		int inside_lost = 0;
		for (size_t i = 0; i < NB; i++)
			if ((sb[i].state == LEAK_DEFINITE || sb[i].state == LEAK_INDIRECT) &&
			    at >= sb[i].addr && at < sb[i].addr + (sb[i].size ? sb[i].size : 1))
				inside_lost = 1;
		for (size_t i = 0; !inside_lost && i < NB; i++)
			if (words[k] >= sb[i].addr &&
			    words[k] < sb[i].addr + (sb[i].size ? sb[i].size : 1))
				model[i]++;
	}
	size_t mismatches = 0;
	for (size_t i = 0; i < NB; i++) {
		const struct lostcheck_hit *h = lostcheck_hit_of(&lc, i);
		int lost = sb[i].state == LEAK_DEFINITE || sb[i].state == LEAK_INDIRECT;
		if (lost != (h != NULL) || (h && h->count != model[i]))
			mismatches++;
	}
	CHECK(mismatches == 0);
	lostcheck_free(&lc);
}

int main(void)
{
	test_basic();
	test_nothing_lost();
	test_random();
	return check_summary("lostcheck");
}
