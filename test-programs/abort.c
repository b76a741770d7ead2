/* abort: dies by abort() (SIGABRT) with a leaked block and a reachable one. */
#include <stdio.h>
#include <stdlib.h>

void *global_keep;

int main(void)
{
	global_keep = malloc(12);
	void *lost = malloc(56);
	printf("abort: %d\n", lost != NULL);
	fflush(stdout);  /* abort() does not flush stdio since glibc 2.27 */
	lost = NULL;
	abort();
}
