/* reallocarray-overflow: reallocarray(p, 2^32, 2^32), whose size overflows, fails with
 * ENOMEM and leaves p alone (the product wraps to 0, which must not be taken for a
 * realloc(p, 0) that frees p); p is then freed normally. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	char *volatile p = malloc(32);
	volatile size_t n = (size_t)1 << 32;
	char *q = reallocarray(p, n, n);
	printf("reallocarray-overflow: %s\n", q ? "moved" : "failed");
	free(p);
	return 0;
}
