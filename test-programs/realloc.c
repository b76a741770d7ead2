/* realloc: grow (moves), shrink, realloc(NULL, n) as malloc, realloc(p, 0) as free.
 * Leaks the grown-then-shrunk block and the realloc(NULL) block. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	char *p = malloc(16);
	memset(p, 'a', 16);
	p = realloc(p, 4000);   /* grow */
	p = realloc(p, 40);     /* shrink: leaked, 40 bytes, stack of this realloc */
	char *q = realloc(NULL, 77);  /* leaked */
	char *r = malloc(50);
	r = realloc(r, 0);      /* glibc frees and returns NULL */
	printf("realloc: %d %d %d\n", p[0], q != NULL, r == NULL);
	p = q = NULL;
	return 0;
}
