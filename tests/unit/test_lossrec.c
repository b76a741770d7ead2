/* Unit test of lossrec: hand-built blocks and scan results, checked
 * against the records memcheck would print: grouping, merging at low and
 * med resolution, indirect bytes, totals, and every tie of the sort. */
#include "check.h"
#include "leaktrace/lossrec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* memcheck's Reachedness order for records of equal size */
static int rank(enum leak_kind k)
{
	return k == LEAK_REACHABLE ? 0 : k == LEAK_POSSIBLE ? 1 : k == LEAK_INDIRECT ? 2 : 3;
}

enum {
	A = 0x401000,
	B = 0x402000,
	C = 0x403000,
	D = 0x404000,
	E = 0x405000,
	F = 0x406000,
	X = 0x407000,
	Y = 0x408000,
	Z = 0x409000
};

struct fixture {
	struct block blk[16];
	struct scan_block sb[16];
	size_t n;
};

static void add(struct fixture *f, uint64_t size, uint32_t stack, enum leak_kind state,
		uint64_t indirect, enum leak_heuristic h)
{
	size_t i = f->n++;

	f->blk[i] = (struct block){ .addr = 0x10000 + i * 0x100, .size = size, .stack_id = stack };
	f->sb[i] = (struct scan_block){ .addr = f->blk[i].addr,
					.size = size,
					.state = (uint8_t)state,
					.heuristic = (uint8_t)h,
					.indirect_bytes = indirect };
}

static int rec_is(const struct loss_record *r, enum leak_kind kind, uint32_t stack, uint64_t bytes,
		  uint64_t indirect, uint64_t blocks, unsigned number)
{
	return r->kind == kind && r->stack_id == stack && r->bytes == bytes &&
	       r->indirect_bytes == indirect && r->blocks == blocks && r->number == number &&
	       r->suppressed_by == NULL;
}

/* High resolution: one record per (kind, stack); ties in total size go by
 * kind, then block count, then stack age (not address order). */
static void test_sort(void)
{
	struct stacktab *st = stacktab_new();
	const uint64_t s0[] = { A, B, C, D, E }, s1[] = { A, B, C, D, F }, s2[] = { A, B, X },
		       s3[] = { A }, s4[] = { Z, Y };
	struct fixture f = { .n = 0 };
	struct loss_record *r = NULL;
	struct kind_total tot[LEAK_KIND_COUNT], heur[HEUR_COUNT];
	size_t n = 0;

	CHECK(st != NULL);
	if (!st)
		return;
	CHECK(stacktab_intern(st, s0, 5) == 0);
	CHECK(stacktab_intern(st, s1, 5) == 1);
	CHECK(stacktab_intern(st, s2, 3) == 2);
	CHECK(stacktab_intern(st, s3, 1) == 3);
	CHECK(stacktab_intern(st, s4, 2) == 4);
	CHECK(stacktab_intern(st, NULL, 0) == 5);

	add(&f, 40, 3, LEAK_DEFINITE, 0, HEUR_NONE);	   /* Rb */
	add(&f, 10, 1, LEAK_DEFINITE, 30, HEUR_NONE);	   /* Ra, holds Rd */
	add(&f, 30, 4, LEAK_INDIRECT, 0, HEUR_NONE);	   /* Rd */
	add(&f, 20, 0, LEAK_REACHABLE, 0, HEUR_NONE);	   /* Re */
	add(&f, 40, 2, LEAK_POSSIBLE, 999, HEUR_LENGTH64); /* Rc: junk ignored */
	add(&f, 20, 0, LEAK_DEFINITE, 0, HEUR_NONE);	   /* Rg */
	add(&f, 10, 0, LEAK_REACHABLE, 0, HEUR_STDSTRING); /* Re */
	add(&f, 40, 5, LEAK_REACHABLE, 0, HEUR_NONE);	   /* Rf */
	add(&f, 20, 0, LEAK_DEFINITE, 0, HEUR_NONE);	   /* Rg */
	add(&f, 10, 0, LEAK_REACHABLE, 0, HEUR_NEWARRAY);  /* Re */
	memset(tot, 0xaa, sizeof(tot));
	memset(heur, 0xaa, sizeof(heur));

	CHECK(lossrec_build(f.blk, f.sb, f.n, st, 0, &r, &n, tot, heur) == 0);
	CHECK(r != NULL && n == 7);
	if (r && n == 7) {
		CHECK(rec_is(&r[0], LEAK_INDIRECT, 4, 30, 0, 1, 1));
		/* equal totals: memcheck's Reachedness order, reachable first */
		CHECK(rec_is(&r[1], LEAK_REACHABLE, 5, 40, 0, 1, 2));
		CHECK(rec_is(&r[2], LEAK_REACHABLE, 0, 40, 0, 3, 3));
		CHECK(rec_is(&r[3], LEAK_POSSIBLE, 2, 40, 0, 1, 4));
		CHECK(rec_is(&r[4], LEAK_DEFINITE, 1, 10, 30, 1, 5));
		CHECK(rec_is(&r[5], LEAK_DEFINITE, 3, 40, 0, 1, 6));
		CHECK(rec_is(&r[6], LEAK_DEFINITE, 0, 40, 0, 2, 7));
		unsigned k;
		const uint64_t *p = stacktab_get(st, 1, &k);
		CHECK(r[4].stack.pcs == p && r[4].stack.n == 5 && k == 5);
		p = stacktab_get(st, 5, &k);
		CHECK(r[1].stack.pcs == p && r[1].stack.n == 0);
	}
	CHECK(tot[LEAK_DEFINITE].bytes == 90 && tot[LEAK_DEFINITE].blocks == 4);
	CHECK(tot[LEAK_INDIRECT].bytes == 30 && tot[LEAK_INDIRECT].blocks == 1);
	CHECK(tot[LEAK_POSSIBLE].bytes == 40 && tot[LEAK_POSSIBLE].blocks == 1);
	CHECK(tot[LEAK_REACHABLE].bytes == 80 && tot[LEAK_REACHABLE].blocks == 4);
	CHECK(heur[HEUR_NONE].bytes == 0 && heur[HEUR_NONE].blocks == 0);
	CHECK(heur[HEUR_STDSTRING].bytes == 10 && heur[HEUR_STDSTRING].blocks == 1);
	CHECK(heur[HEUR_NEWARRAY].bytes == 10 && heur[HEUR_NEWARRAY].blocks == 1);
	/* memcheck counts the heuristic whatever the final state */
	CHECK(heur[HEUR_LENGTH64].bytes == 40 && heur[HEUR_LENGTH64].blocks == 1);
	CHECK(heur[HEUR_MULTIPLEINHERITANCE].blocks == 0);
	free(r);
	stacktab_free(st);
}

/* Merging at --leak-resolution=med (4 frames) and low (2): the record
 * takes the full stack of its lowest-addressed block, and a stack shorter
 * than the compared depth matches only one of the same length. */
static void test_resolution(void)
{
	struct stacktab *st = stacktab_new();
	const uint64_t s0[] = { A, B, C, D, E }, s1[] = { A, B, C, D, F }, s2[] = { A, B, X },
		       s3[] = { A }, s4[] = { A, B }, s5[] = { A, B, C, D };
	struct fixture f = { .n = 0 };
	struct loss_record *r = NULL;
	struct kind_total tot[LEAK_KIND_COUNT], heur[HEUR_COUNT];
	size_t n = 0;
	unsigned k;

	CHECK(st != NULL);
	if (!st)
		return;
	CHECK(stacktab_intern(st, s0, 5) == 0);
	CHECK(stacktab_intern(st, s1, 5) == 1);
	CHECK(stacktab_intern(st, s2, 3) == 2);
	CHECK(stacktab_intern(st, s3, 1) == 3);
	CHECK(stacktab_intern(st, s4, 2) == 4);
	CHECK(stacktab_intern(st, s5, 4) == 5);
	add(&f, 8, 1, LEAK_DEFINITE, 0, HEUR_NONE);
	add(&f, 8, 0, LEAK_DEFINITE, 0, HEUR_NONE);
	add(&f, 8, 2, LEAK_DEFINITE, 0, HEUR_NONE);
	add(&f, 8, 3, LEAK_DEFINITE, 0, HEUR_NONE);
	add(&f, 8, 4, LEAK_DEFINITE, 0, HEUR_NONE);
	add(&f, 8, 5, LEAK_DEFINITE, 0, HEUR_NONE);
	add(&f, 8, 0, LEAK_REACHABLE, 0, HEUR_NONE); /* another kind: never merged */

	CHECK(lossrec_build(f.blk, f.sb, f.n, st, 0, &r, &n, tot, heur) == 0);
	CHECK(n == 7);
	if (n == 7) { /* all 8 bytes, 1 block: REACHABLE, then DEFINITE by stack age */
		CHECK(rec_is(&r[0], LEAK_REACHABLE, 0, 8, 0, 1, 1));
		for (unsigned i = 0; i < 6; i++)
			CHECK(rec_is(&r[i + 1], LEAK_DEFINITE, i, 8, 0, 1, i + 2));
	}
	free(r);

	CHECK(lossrec_build(f.blk, f.sb, f.n, st, 4, &r, &n, tot, heur) == 0);
	CHECK(n == 5);
	if (n == 5) {
		CHECK(rec_is(&r[0], LEAK_REACHABLE, 0, 8, 0, 1, 1));
		CHECK(rec_is(&r[1], LEAK_DEFINITE, 2, 8, 0, 1, 2));
		CHECK(rec_is(&r[2], LEAK_DEFINITE, 3, 8, 0, 1, 3));
		CHECK(rec_is(&r[3], LEAK_DEFINITE, 4, 8, 0, 1, 4));
		/* s1, s0 and s5 share 4 frames; s1's block comes first */
		CHECK(rec_is(&r[4], LEAK_DEFINITE, 1, 24, 0, 3, 5));
		CHECK(r[4].stack.pcs == stacktab_get(st, 1, &k) && r[4].stack.n == 5);
		CHECK(r[4].stack.pcs[4] == F);
	}
	free(r);

	CHECK(lossrec_build(f.blk, f.sb, f.n, st, 2, &r, &n, tot, heur) == 0);
	CHECK(n == 3);
	if (n == 3) {
		CHECK(rec_is(&r[0], LEAK_REACHABLE, 0, 8, 0, 1, 1));
		CHECK(rec_is(&r[1], LEAK_DEFINITE, 3, 8, 0, 1, 2)); /* {A} alone */
		CHECK(rec_is(&r[2], LEAK_DEFINITE, 1, 40, 0, 5, 3));
		CHECK(r[2].stack.n == 5 && r[2].stack.pcs[4] == F);
	}
	CHECK(tot[LEAK_DEFINITE].bytes == 48 && tot[LEAK_DEFINITE].blocks == 6);
	CHECK(tot[LEAK_REACHABLE].bytes == 8 && tot[LEAK_REACHABLE].blocks == 1);
	CHECK(tot[LEAK_INDIRECT].blocks == 0 && tot[LEAK_POSSIBLE].blocks == 0);
	free(r);

	/* indirect bytes add up over the merged clique leaders */
	f.sb[0].indirect_bytes = 100;
	f.sb[5].indirect_bytes = 1000;
	CHECK(lossrec_build(f.blk, f.sb, f.n, st, 2, &r, &n, tot, heur) == 0);
	CHECK(n == 3 && rec_is(&r[2], LEAK_DEFINITE, 1, 40, 1100, 5, 3));
	free(r);
	stacktab_free(st);
}

static void test_edges(void)
{
	struct stacktab *st = stacktab_new();
	struct fixture f = { .n = 0 };
	struct loss_record *r = (struct loss_record *)&f;
	struct kind_total tot[LEAK_KIND_COUNT], heur[HEUR_COUNT];
	size_t n = 99;

	CHECK(st != NULL);
	if (!st)
		return;
	memset(tot, 0xaa, sizeof(tot));
	CHECK(lossrec_build(f.blk, f.sb, 0, st, 0, &r, &n, tot, heur) == 0);
	CHECK(r == NULL && n == 0);
	CHECK(tot[LEAK_DEFINITE].bytes == 0 && tot[LEAK_REACHABLE].blocks == 0);

	CHECK(stacktab_intern(st, NULL, 0) == 0);
	add(&f, 1, 0, LEAK_DEFINITE, 0, HEUR_NONE);
	f.sb[0].state = LEAK_KIND_COUNT;
	CHECK(lossrec_build(f.blk, f.sb, 1, st, 0, &r, &n, tot, heur) == -EINVAL);
	CHECK(r == NULL && n == 0);
	stacktab_free(st);
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static int same_key(const struct stacktab *st, uint32_t a, uint32_t b, unsigned res)
{
	unsigned na, nb;
	const uint64_t *pa = stacktab_get(st, a, &na), *pb = stacktab_get(st, b, &nb);

	if (res == 0)
		return a == b;
	if (na > res)
		na = res;
	if (nb > res)
		nb = res;
	return na == nb && (na == 0 || memcmp(pa, pb, na * sizeof(*pa)) == 0);
}

/* Random blocks against brute force: every record holds exactly the
 * blocks of its key, the first of which gave its stack; the order is
 * strict. */
static void test_random(void)
{
	enum { NB = 3000, NS = 60 };
	static const unsigned res[] = { 0, 2, 4 };
	struct stacktab *st = stacktab_new();
	struct block *blk = malloc(NB * sizeof(*blk));
	struct scan_block *sb = malloc(NB * sizeof(*sb));
	uint64_t seed = 99;
	int bad = 0;

	if (!st || !blk || !sb) {
		CHECK(0);
		goto out;
	}
	for (unsigned s = 0; s < NS; s++) {
		uint64_t pcs[6];
		unsigned len = (unsigned)(rng_next(&seed) % 7);

		for (unsigned i = 0; i < len; i++)
			pcs[i] = 0x400000 + rng_next(&seed) % 3;
		stacktab_intern(st, pcs, len);
	}
	for (size_t i = 0; i < NB; i++) {
		uint64_t r = rng_next(&seed);

		blk[i] = (struct block){ .addr = 0x1000 + i * 16,
					 .size = r % 50,
					 .stack_id = (uint32_t)((r >> 8) % stacktab_count(st)) };
		sb[i] = (struct scan_block){ .addr = blk[i].addr,
					     .size = blk[i].size,
					     .state = (uint8_t)((r >> 20) % 4),
					     .indirect_bytes = (r >> 30) % 7 };
	}
	for (unsigned ri = 0; ri < 3; ri++) {
		struct loss_record *r = NULL;
		struct kind_total tot[LEAK_KIND_COUNT], heur[HEUR_COUNT];
		size_t n = 0, nblocks = 0;

		if (lossrec_build(blk, sb, NB, st, res[ri], &r, &n, tot, heur) != 0) {
			CHECK(0);
			continue;
		}
		for (size_t j = 0; j < n; j++) {
			uint64_t bytes = 0, ind = 0, cnt = 0;
			uint32_t first = STACKTAB_NONE;

			for (size_t i = 0; i < NB; i++) {
				if (sb[i].state != r[j].kind ||
				    !same_key(st, blk[i].stack_id, r[j].stack_id, res[ri]))
					continue;
				if (first == STACKTAB_NONE)
					first = blk[i].stack_id;
				bytes += blk[i].size;
				ind += sb[i].state == LEAK_DEFINITE ? sb[i].indirect_bytes : 0;
				cnt++;
			}
			if (first != r[j].stack_id || bytes != r[j].bytes ||
			    ind != r[j].indirect_bytes || cnt != r[j].blocks ||
			    r[j].number != j + 1)
				bad++;
			nblocks += r[j].blocks;
			if (j > 0) {
				const struct loss_record *p = &r[j - 1], *q = &r[j];
				uint64_t tp = p->bytes + p->indirect_bytes;
				uint64_t tq = q->bytes + q->indirect_bytes;
				int ordered = tp != tq		   ? tp < tq
					      : p->kind != q->kind ? rank(p->kind) < rank(q->kind)
					      : p->blocks != q->blocks ? p->blocks < q->blocks
								       : p->stack_id < q->stack_id;
				if (!ordered)
					bad++;
			}
		}
		CHECK(nblocks == NB);
		CHECK(n > 4);
		free(r);
	}
	CHECK(bad == 0);
out:
	free(blk);
	free(sb);
	stacktab_free(st);
}

int main(void)
{
	test_sort();
	test_resolution();
	test_edges();
	test_random();
	return check_summary("test_lossrec");
}
