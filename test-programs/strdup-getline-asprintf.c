/* strdup-getline-asprintf: blocks allocated inside libc on the program's behalf:
 * strdup, strndup, getline (from a pipe the program writes itself), asprintf. All leaked. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	int fds[2];
	if (pipe(fds) != 0)
		return 2;
	const char text[] = "first line\nsecond line\n";
	if (write(fds[1], text, sizeof text - 1) != (ssize_t)(sizeof text - 1))
		return 2;
	close(fds[1]);
	FILE *f = fdopen(fds[0], "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	fclose(f);

	char *s = strdup("hello");
	char *t = strndup("abcdefgh", 3);
	char *u = NULL;
	int m = asprintf(&u, "%s-%s-%zd", s, t, n);
	printf("strdup-getline-asprintf: %s %d\n", u, m);
	line = s = t = u = NULL;
	return 0;
}
