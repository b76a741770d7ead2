/* realloc-fail: a realloc that fails (no memory for the size asked) returns NULL and
 * leaves the old block as it was: still allocated, with its own size and stack, and leaked
 * here.  memcheck counts the size asked for in "bytes allocated". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *volatile keep;

int main(void)
{
	keep = malloc(24);
	memset(keep, 'x', 24);
	char *q = realloc(keep, SIZE_MAX / 2); /* fails: the block stays */
	printf("realloc-fail: %s %c\n", q ? "moved" : "failed", keep[0]);
	keep = NULL; /* leaked: 24 bytes, the malloc's stack */

	char *r = malloc(100);
	free(r);
	return 0;
}
