/* double-free: blocks freed twice. Natively glibc aborts at the first one ("free(): double
 * free detected in tcache 2"); memcheck and leaktrace report InvalidFree with the stack of
 * the first free and of the allocation, drop the second call and the program runs to its
 * end. The loop repeats one error context: shown once, counted three times. */
#include <stdio.h>
#include <stdlib.h>

static char *make(size_t n)
{
	return malloc(n);
}

static void release(char *p)
{
	free(p);
}

int main(void)
{
	char *p = make(24);
	release(p);
	release(p);
	for (int i = 0; i < 3; i++) {
		char *q = make(16);
		release(q);
		release(q);
	}
	void *lost = malloc(13);
	printf("double-free: survived %d\n", lost != NULL);
	lost = NULL;
	return 0;
}
