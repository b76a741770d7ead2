/* main-stack: a block pointed to only by a local of main that is still live when the
 * process exits, because main calls exit() instead of returning (still reachable). */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	void *volatile local = malloc(90);
	printf("main-stack: %d\n", local != NULL);
	fflush(stdout);
	exit(0);
}
