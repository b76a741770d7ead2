/* dangling-reuse: pointers the program keeps to blocks it freed.  glibc
 * hands a freed chunk to the next malloc of its size at once; memcheck
 * holds freed blocks back, so there a dangling pointer points at freed
 * memory and the new block, leaked, is definitely lost.  leaktrace holds
 * freed chunks back too (--hold-freed): the same report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
	struct node *next;
	char name[24];
};

static char *dangling;		/* a freed string */
static struct node *stale_list; /* a freed list */

__attribute__((noinline)) static void leak_one(size_t n)
{
	char *p = malloc(n); /* glibc: the chunk just freed */
	memset(p, 'x', n);
}

int main(void)
{
	dangling = malloc(16);
	strcpy(dangling, "gone");
	free(dangling);
	leak_one(16); /* 16 bytes definitely lost */

	for (int i = 0; i < 3; i++) {
		struct node *n = malloc(sizeof *n);
		n->next = stale_list;
		snprintf(n->name, sizeof n->name, "node %d", i);
		stale_list = n;
	}
	for (struct node *n = stale_list, *next; n; n = next) {
		next = n->next;
		free(n);
	}
	for (int i = 0; i < 3; i++)
		leak_one(sizeof(struct node)); /* 3 x 32 bytes definitely lost */
	printf("%d\n", dangling != NULL && stale_list != NULL);
	return 0;
}
