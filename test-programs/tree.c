/* tree: a binary tree of 7 nodes whose root pointer is dropped:
 * the root is definitely lost, its 6 descendants indirectly lost. */
#include <stdio.h>
#include <stdlib.h>

struct node { struct node *left, *right; int depth; };

static struct node *build(int depth)
{
	struct node *n = malloc(sizeof *n);
	n->depth = depth;
	n->left = depth < 2 ? build(depth + 1) : NULL;
	n->right = depth < 2 ? build(depth + 1) : NULL;
	return n;
}

int main(void)
{
	struct node *root = build(0);
	printf("tree: %d\n", root->left->right->depth);
	root = NULL;
	return 0;
}
