/* 1,000,000 live blocks of about 1 KiB (about 1 GiB) for the leak scan:
 * every block is reachable from a heap array, and every other block also
 * holds a pointer to the previous one, so the scan finds pointers inside
 * blocks as well as in the array.  Nothing is freed: the program exits
 * with everything still reachable. */
#include <stdio.h>
#include <stdlib.h>

#define NBLOCKS 1000000
#define SIZE 1024

struct node {
	struct node *next;
	char payload[SIZE - sizeof(struct node *)];
};

static struct node **all;

int main(void)
{
	all = malloc(NBLOCKS * sizeof *all);
	if (!all)
		return 1;
	struct node *list = NULL;
	for (int i = 0; i < NBLOCKS; i++) {
		struct node *n = malloc(SIZE + (i & 7) * 8);
		if (!n)
			return 1;
		n->next = NULL;
		n->payload[0] = (char)i;
		if (i & 1) {
			n->next = list;
			list = n;
		}
		all[i] = n;
	}
	size_t len = 0;
	for (struct node *n = list; n; n = n->next)
		len++;
	printf("%zu blocks, %zu in the list\n", (size_t)NBLOCKS, len);
	return 0;
}
