/* lostcheck: does any word outside the lost blocks point into one?  See
 * include/leaktrace/lostcheck.h.  The lost blocks are sorted and do not
 * overlap, so both questions a word raises (is it inside a lost block, does
 * its value point into one) are a binary search, after a range test that
 * rejects almost every word. */
#include <errno.h>
#include <stdlib.h>

#include "leaktrace/lostcheck.h"

static int is_lost(unsigned state)
{
	return state == LEAK_DEFINITE || state == LEAK_INDIRECT;
}

/* The end of sb[i] as a target of pointers: a block of size 0 is pointed at
 * by its start. */
static uint64_t target_end(const struct scan_block *b)
{
	return b->addr + (b->size ? b->size : 1);
}

int lostcheck_init(struct lostcheck *lc, const struct scan_block *sb, size_t n)
{
	size_t nlost = 0;

	*lc = (struct lostcheck){ .sb = sb, .lo = UINT64_MAX };
	for (size_t i = 0; i < n; i++)
		nlost += is_lost(sb[i].state);
	lc->lost = calloc(nlost + 1, sizeof *lc->lost);
	lc->hits = calloc(nlost + 1, sizeof *lc->hits);
	if (!lc->lost || !lc->hits) {
		lostcheck_free(lc);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (!is_lost(sb[i].state))
			continue;
		lc->lost[lc->nlost++] = (uint32_t)i;
		if (sb[i].addr < lc->lo)
			lc->lo = sb[i].addr;
		if (target_end(&sb[i]) > lc->hi)
			lc->hi = target_end(&sb[i]);
	}
	return 0;
}

/* The lost block that holds v, as an index into lc->lost, or -1. */
static long find(const struct lostcheck *lc, uint64_t v)
{
	size_t lo = 0, hi = lc->nlost;

	if (v < lc->lo || v >= lc->hi)
		return -1;
	while (lo < hi) { /* the first block starting above v */
		size_t mid = lo + (hi - lo) / 2;
		if (lc->sb[lc->lost[mid]].addr <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	const struct scan_block *b = &lc->sb[lc->lost[lo - 1]];
	return v < target_end(b) ? (long)(lo - 1) : -1;
}

static void hit(struct lostcheck *lc, long j, uint64_t from, uint64_t value, bool dead)
{
	struct lostcheck_hit *h = &lc->hits[j];

	if (dead) {
		h->dead++;
	} else if (!h->count++) {
		h->from = from;
		h->value = value;
	}
}

void lostcheck_words(struct lostcheck *lc, uint64_t addr, const uint64_t *w, size_t nw, bool dead)
{
	for (size_t k = 0; k < nw; k++) {
		long j = find(lc, w[k]);
		if (j >= 0 && find(lc, addr + 8 * k) < 0)
			hit(lc, j, addr + 8 * k, w[k], dead);
	}
}

void lostcheck_register(struct lostcheck *lc, uint64_t value)
{
	long j = find(lc, value);

	if (j >= 0)
		hit(lc, j, 0, value, false);
}

const struct lostcheck_hit *lostcheck_hit_of(const struct lostcheck *lc, size_t i)
{
	size_t lo = 0, hi = lc->nlost;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (lc->lost[mid] < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < lc->nlost && lc->lost[lo] == i ? &lc->hits[lo] : NULL;
}

void lostcheck_free(struct lostcheck *lc)
{
	free(lc->lost);
	free(lc->hits);
	*lc = (struct lostcheck){ 0 };
}
