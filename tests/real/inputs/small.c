/* A small C translation unit for cc1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node { struct node *next; char name[32]; };

static struct node *push(struct node *head, const char *name)
{
	struct node *n = calloc(1, sizeof *n);
	if (!n) exit(1);
	snprintf(n->name, sizeof n->name, "%s", name);
	n->next = head;
	return n;
}

int main(int argc, char **argv)
{
	struct node *h = NULL;
	for (int i = 0; i < argc; i++) h = push(h, argv[i]);
	for (; h; h = h->next) puts(h->name);
	return strlen(argv[0]) > 100;
}
