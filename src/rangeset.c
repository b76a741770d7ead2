/* rangeset: address ranges asked about once per allocator event.
 *
 * Questions such as "is this return address inside main?" or "inside
 * operator new?" used to be answered with a symbol lookup per frame, which
 * libdwfl does by a linear walk of the symbol table (31,000 entries for
 * cc1plus): most of a big program's run.  The answer depends only on a few
 * functions' address ranges, known once a module is loaded, so they are
 * collected once into a sorted table of disjoint ranges and each question
 * is a binary search over it. */
#include <errno.h>
#include <stdlib.h>

#include "leaktrace/rangeset.h"

void rangeset_init(struct rangeset *rs)
{
	*rs = (struct rangeset){ 0 };
}

void rangeset_clear(struct rangeset *rs)
{
	free(rs->v);
	rangeset_init(rs);
}

int rangeset_add(struct rangeset *rs, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return 0;
	if (rs->n == rs->cap) {
		size_t nc = rs->cap ? rs->cap * 2 : 8;
		struct range *nv = realloc(rs->v, nc * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		rs->v = nv;
		rs->cap = nc;
	}
	rs->v[rs->n++] = (struct range){ lo, hi };
	rs->prepared = false;
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

void rangeset_prepare(struct rangeset *rs)
{
	size_t k = 0;

	if (rs->n > 1)
		qsort(rs->v, rs->n, sizeof *rs->v, cmp_range);
	for (size_t i = 0; i < rs->n; i++) {
		if (k && rs->v[i].lo <= rs->v[k - 1].hi) {
			if (rs->v[i].hi > rs->v[k - 1].hi)
				rs->v[k - 1].hi = rs->v[i].hi;
		} else {
			rs->v[k++] = rs->v[i];
		}
	}
	rs->n = k;
	rs->prepared = true;
}

bool rangeset_contains(struct rangeset *rs, uint64_t pc)
{
	size_t lo = 0, hi;

	if (!rs->prepared)
		rangeset_prepare(rs);
	hi = rs->n;
	/* the last range starting at or below pc is the only candidate */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rs->v[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && pc < rs->v[lo - 1].hi;
}
