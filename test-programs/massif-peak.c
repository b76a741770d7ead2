/* massif-peak: a peak of 2,000 blocks of 1,000 bytes from build_peak(),
 * all freed, then a smaller steady state from steady() that stays to the
 * end: the peak snapshot must hold build_peak's 2,000,000 bytes. */
#include <stdlib.h>
#include <string.h>

#define NPEAK 2000

static void **build_peak(void)
{
	void **v = calloc(NPEAK, sizeof *v);
	for (int i = 0; i < NPEAK; i++) {
		v[i] = malloc(1000);
		memset(v[i], 0, 1000);
	}
	return v;
}

static void *steady(size_t n)
{
	void *p = malloc(n);
	memset(p, 2, n);
	return p;
}

int main(void)
{
	void **v = build_peak();
	for (int i = 0; i < NPEAK; i++)
		free(v[i]);
	free(v);
	void *keep[100];
	for (int i = 0; i < 100; i++)
		keep[i] = steady(500);
	for (int i = 0; i < 100; i++)
		free(keep[i]);
	return 0;
}
