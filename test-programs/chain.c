/* chain: a linked list of 5 blocks. List A hangs off a global (5 reachable);
 * list B has its head dropped (1 definitely lost + 4 indirectly lost). */
#include <stdio.h>
#include <stdlib.h>

struct link { struct link *next; long v; };

struct link *list_a;

static struct link *make_list(int n)
{
	struct link *head = NULL;
	for (int i = 0; i < n; i++) {
		struct link *l = malloc(sizeof *l);
		l->v = i;
		l->next = head;
		head = l;
	}
	return head;
}

int main(void)
{
	list_a = make_list(5);
	struct link *list_b = make_list(5);
	printf("chain: %ld %ld\n", list_a->v, list_b->v);
	list_b = NULL;
	return 0;
}
