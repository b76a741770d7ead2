/* static-binary: linked with -static.  memcheck cannot see a static binary's malloc at
 * all; leaktrace can, and must report the program's own leak (22 bytes from main) and
 * nothing of glibc's: a static glibc has no __libc_freeres, so leaktrace calls its parts
 * (issue 13, item 5), and stdio's buffer is freed as memcheck's freeres frees it.  Its expectation is written by hand: see static-binary.expect. */
#include <stdio.h>
#include <stdlib.h>

void *keep;

int main(void)
{
	char *lost = malloc(22);
	keep = malloc(11);
	printf("static-binary: %d\n", lost != NULL);
	lost = NULL;
	return 0;
}
