/* sigsegv: dies by SIGSEGV (a real fault: a store to a read-only mapping, which memcheck
 * does not report as an error) with a leaked block and a reachable one. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

void *global_keep;

int main(void)
{
	global_keep = malloc(20);
	void *lost = malloc(44);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("sigsegv: %d\n", lost != NULL);
	fflush(stdout);
	lost = NULL;
	ro[0] = 1;
	return 0;
}
