/* leak-resolution: leaks whose allocation stacks agree on their first 2 frames but not on
 * the 3rd, or on their first 4 but not on the 5th, so that --leak-resolution=low (2 frames),
 * med (4) and high (all) each merge them into a different number of loss records
 * (leak-resolution.expect, -low and -med).  Blocks of one key are allocated in turn from
 * its stacks, so that the record keeps the stack of its first block. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static void *leaf(size_t n)
{
	return malloc(n);
}

/* differ at the 3rd frame: malloc, leaf, via_a or via_b */
__attribute__((noinline)) static void *via_a(size_t n)
{
	return leaf(n);
}

__attribute__((noinline)) static void *via_b(size_t n)
{
	return leaf(n);
}

/* differ at the 5th frame: malloc, leaf, mid, common, top_a or top_b */
__attribute__((noinline)) static void *mid(size_t n)
{
	return leaf(n);
}

__attribute__((noinline)) static void *common(size_t n)
{
	return mid(n);
}

__attribute__((noinline)) static void *top_a(size_t n)
{
	return common(n);
}

__attribute__((noinline)) static void *top_b(size_t n)
{
	return common(n);
}

int main(void)
{
	for (int i = 0; i < 3; i++) {
		via_b(40);
		via_a(40);
		via_a(40);
	}
	for (int i = 0; i < 2; i++) {
		top_a(24);
		top_b(24);
		top_b(24);
	}
	leaf(8);
	printf("leak-resolution: done\n");
	return 0;
}
