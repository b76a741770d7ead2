/* interior: the only pointer to a block points into its middle (possibly lost);
 * a second block is reached by a pointer to its start (still reachable). */
#include <stdio.h>
#include <stdlib.h>

char *inner;
char *start;

int main(void)
{
	char *p = malloc(64);
	inner = p + 10;
	start = malloc(16);
	p = NULL;
	printf("interior: %d\n", inner != NULL);
	return 0;
}
