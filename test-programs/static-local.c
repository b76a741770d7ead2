/* static-local: a block reachable only through a function's static local (still reachable). */
#include <stdio.h>
#include <stdlib.h>

static char *cache(void)
{
	static char *buf;
	if (!buf)
		buf = malloc(128);
	return buf;
}

int main(void)
{
	cache()[0] = 'c';
	printf("static-local: %c\n", cache()[0]);
	return 0;
}
