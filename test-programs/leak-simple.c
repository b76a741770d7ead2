/* leak-simple: 100 bytes leaked through a helper (definitely lost, one record),
 * two blocks malloc'd and freed, argv[0] read so the program uses its arguments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *make_buffer(size_t n)
{
	char *p = malloc(n);
	memset(p, 'x', n);
	return p;
}

int main(int argc, char **argv)
{
	char *a = malloc(32), *b = malloc(64);
	char *leak = make_buffer(100);
	snprintf(a, 32, "%d", argc);
	free(a);
	free(b);
	leak = NULL;
	printf("leak-simple: argc=%d name=%s\n", argc, strrchr(argv[0], '/') ? "ok" : "?");
	return leak != NULL;
}
