/* supp-targets: leaks from call chains that scripts/check-supp's suppression files aim
 * at with each wildcard form (fun: with '*' and '?', obj:, '...' at the start, middle
 * and end, match-leak-kinds:) and a double free for a Memcheck:Free suppression.
 * With an argument, first creates that file: a malformed suppression file must stop
 * leaktrace before the program runs, which check-supp sees by the file's absence. */
#include <stdio.h>
#include <stdlib.h>

void *keep_widget;

void *make_widget(size_t n)
{
	return malloc(n);
}

void *make_widgets(size_t n)
{
	return malloc(n);
}

static void *inner(size_t n)
{
	return malloc(n);
}

static void *middle(size_t n)
{
	return inner(n);
}

static void *outer(size_t n)
{
	return middle(n);
}

static void release(void *p)
{
	free(p);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		FILE *f = fopen(argv[1], "w");
		if (f)
			fclose(f);
	}
	void *lost = make_widget(10);         /* definitely lost */
	keep_widget = make_widget(10);        /* still reachable, same stack but the line */
	lost = make_widgets(20);              /* definitely lost */
	lost = outer(30);                     /* definitely lost, four frames deep */
	void *twice = malloc(5);
	release(twice);
	release(twice);                       /* InvalidFree */
	printf("supp-targets: done\n");
	lost = NULL;
	return 0;
}
