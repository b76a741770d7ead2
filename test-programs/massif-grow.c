/* massif-grow: a heap that only grows until the end: a list of 1,000-byte
 * nodes and a buffer that doubles by realloc, all freed at exit (so massif
 * takes its peak snapshot at the first free). */
#include <stdlib.h>
#include <string.h>

struct node {
	struct node *next;
	char payload[992];
};

static struct node *push(struct node *head)
{
	struct node *n = malloc(sizeof *n);
	memset(n, 0, sizeof *n);
	n->next = head;
	return n;
}

static char *buffer_grow(char *buf, size_t *cap)
{
	*cap = *cap ? *cap * 2 : 64;
	buf = realloc(buf, *cap);
	memset(buf, 1, *cap);
	return buf;
}

int main(void)
{
	struct node *head = NULL;
	char *buf = NULL;
	size_t cap = 0;

	for (int i = 0; i < 300; i++) {
		head = push(head);
		if (i % 30 == 0)
			buf = buffer_grow(buf, &cap);
	}
	while (head) {
		struct node *next = head->next;
		free(head);
		head = next;
	}
	free(buf);
	return 0;
}
