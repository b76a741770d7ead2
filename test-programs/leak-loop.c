/* leak-loop: 10 blocks of 24 bytes from one call site -> one loss record of 10 blocks. */
#include <stdio.h>
#include <stdlib.h>

static void *node(int i)
{
	int *p = malloc(24);
	*p = i;
	return p;
}

int main(void)
{
	for (int i = 0; i < 10; i++)
		node(i);
	printf("leak-loop: done\n");
	return 0;
}
