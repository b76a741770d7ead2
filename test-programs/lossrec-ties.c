/* lossrec-ties: loss records of equal total bytes (96), so that memcheck's later sort keys
 * decide their order: the leak kind, then the block count, then the age of the record's
 * allocation stack (the stack first seen sorts first).  Within each tie the allocations are
 * made in an order that differs from the order the keys give, and from the source order of
 * the allocating functions, so that only the right tie-break gives valgrind's order. */
#include <stdio.h>
#include <stdlib.h>

struct holder {
	void *p;
	long pad;
};

void *reachable;	   /* still reachable: 96 bytes */
char *possible;		   /* possibly lost: a pointer 8 bytes into 96 */
struct holder *possible_h; /* possibly lost 16 + 80 */

__attribute__((noinline)) static void *first_in_source(size_t n)
{
	return malloc(n);
}

__attribute__((noinline)) static void *second_in_source(size_t n)
{
	return malloc(n);
}

__attribute__((noinline)) static void *third_in_source(size_t n)
{
	return malloc(n);
}

__attribute__((noinline)) static void lose_pair(void)
{
	for (int i = 0; i < 2; i++)
		second_in_source(48); /* 2 blocks of 48 from one stack: 96 bytes */
}

__attribute__((noinline)) static void lose_triple(void)
{
	for (int i = 0; i < 3; i++)
		third_in_source(32); /* 3 blocks of 32 from one stack */
}

__attribute__((noinline)) static void lose_holder(void)
{
	/* 16 direct + 80 indirect = 96 in total */
	struct holder *h = first_in_source(sizeof *h);
	h->p = third_in_source(80);
}

int main(void)
{
	lose_triple();	      /* oldest stacks first: third_in_source's */
	third_in_source(96);  /* one block of 96 from a new stack, after the triple's */
	lose_pair();
	second_in_source(96); /* younger than the pair's stack */
	first_in_source(96);  /* the youngest single 96 */
	lose_holder();
	reachable = third_in_source(96);
	possible = (char *)second_in_source(96) + 8;
	possible_h = first_in_source(sizeof(struct holder));
	possible_h->p = first_in_source(80);
	possible_h = (struct holder *)((char *)possible_h + 8);
	printf("lossrec-ties: done\n");
	return 0;
}
