/* stale-realloc-growth: realloc grows a block in place over a freed neighbour, whose
 * bytes still hold the only pointer to a 10-byte block; and a block shrunk in place
 * keeps, past its new size, the only pointer to a 12-byte block, which glibc copies
 * along when the block grows again.  memcheck sees both words as undefined: both
 * blocks are definitely lost.  leaktrace zeroes the bytes realloc adds and the slack
 * past the size asked (--zero-new-blocks=yes), never the ones the program wrote: the
 * program checks its data across growing, moving and shrinking reallocs and exits 1
 * if any byte changed (issue 13, item 2). */
#include <stdlib.h>

void **keep, **keep2;

static int same(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 7 + 1))
			return 0;
	return 1;
}

int main(void)
{
	unsigned char *v = malloc(24), *s;
	void **b = malloc(2000);
	int ok = 1;

	for (size_t i = 0; i < 24; i++)
		v[i] = (unsigned char)(i * 7 + 1);
	b[100] = malloc(10);
	free(b);
	v = realloc(v, 1500); /* in place, over b's old bytes */
	ok &= same(v, 24);
	keep = (void **)v;

	keep2 = malloc(40);
	keep2[0] = keep2[2] = keep2[3] = keep2[4] = NULL;
	keep2[1] = malloc(12);
	keep2 = realloc(keep2, 8);   /* in place: keep2[1] is slack now */
	keep2 = realloc(keep2, 168); /* which glibc copies along */
	ok &= keep2[0] == NULL;

	s = malloc(1500);
	for (size_t i = 0; i < 1500; i++)
		s[i] = (unsigned char)(i * 7 + 1);
	s = realloc(s, 300000); /* moves to an mmapped chunk */
	ok &= same(s, 1500);
	s = realloc(s, 100); /* back to the heap */
	ok &= same(s, 100);
	free(s);
	return ok ? 0 : 1;
}
