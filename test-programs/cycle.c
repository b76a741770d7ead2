/* cycle: three blocks pointing at each other in a ring, no outside pointer.
 * memcheck: one is reported definitely lost and the other two indirectly lost. */
#include <stdio.h>
#include <stdlib.h>

struct ring { struct ring *next; char pad[24]; };

static struct ring *alloc_ring(void)
{
	return malloc(sizeof(struct ring));
}

int main(void)
{
	struct ring *a = alloc_ring(), *b = alloc_ring(), *c = alloc_ring();
	a->next = b;
	b->next = c;
	c->next = a;
	printf("cycle: %d\n", a->next->next->next == a);
	a = b = c = NULL;
	return 0;
}
