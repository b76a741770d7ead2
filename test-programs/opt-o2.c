/* opt-o2: built with -O2. The leak survives optimisation: the pointer is handed to an
 * opaque store through a volatile, and malloc is called from a noinline helper. */
#include <stdio.h>
#include <stdlib.h>

static void *volatile sink;

__attribute__((noinline)) static void *make(size_t n)
{
	void *p = malloc(n);
	sink = p;
	return p;
}

int main(int argc, char **argv)
{
	(void)argv;
	for (int i = 0; i < 3; i++)
		make((size_t)(argc + 30));
	sink = NULL;
	printf("opt-o2: done\n");
	return 0;
}
