/* static-binary: linked with -static.  memcheck cannot see a static binary's malloc at
 * all; leaktrace can, and must report the program's own leak (22 bytes from main) and
 * nothing of glibc's start-up (_dl_find_object_init, _dl_init_paths, _dl_new_object:
 * issue 13, item 5).  Its expectation is written by hand: see static-binary.expect. */
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
