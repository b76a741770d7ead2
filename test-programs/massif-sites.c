/* massif-sites: several allocation sites of different weights, some through
 * a shared helper (xmalloc, for --alloc-fn), some under massif's 1%
 * threshold, with calloc, realloc, strdup and posix_memalign. */
#include <stdlib.h>
#include <string.h>

void *xmalloc(size_t n);
void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		abort();
	memset(p, 0, n);
	return p;
}

static void *table(void)
{
	return calloc(4000, 25); /* 100,000 */
}

static void *cache_entry(void)
{
	return xmalloc(600);
}

static void *name(int i)
{
	char buf[32];
	memset(buf, 'a' + i % 26, 31);
	buf[31] = 0;
	return strdup(buf);
}

static void *aligned(void)
{
	void *p = NULL;
	if (posix_memalign(&p, 64, 8192))
		abort();
	return p;
}

static void *tiny(int k)
{
	return malloc(40 + (size_t)k);
}

static void level3(void **out)
{
	*out = xmalloc(20000);
}

static void level2(void **out)
{
	level3(out);
}

static void level1(void **out)
{
	level2(out);
}

int main(void)
{
	void *t = table();
	void *c[60], *n[20], *a[3], *s[5], *deep;
	for (int i = 0; i < 60; i++)
		c[i] = cache_entry();
	for (int i = 0; i < 20; i++)
		n[i] = name(i);
	for (int i = 0; i < 3; i++)
		a[i] = aligned();
	s[0] = tiny(1);
	s[1] = tiny(2);
	s[2] = tiny(3);
	s[3] = tiny(4);
	s[4] = tiny(5);
	level1(&deep);
	void *r = NULL;
	for (int i = 1; i <= 10; i++)
		r = realloc(r, (size_t)i * 1000);
	free(t);
	for (int i = 0; i < 60; i++)
		free(c[i]);
	for (int i = 0; i < 20; i++)
		free(n[i]);
	for (int i = 0; i < 3; i++)
		free(a[i]);
	for (int i = 0; i < 5; i++)
		free(s[i]);
	free(deep);
	free(r);
	return 0;
}
