/* calloc: leaks one calloc'd array (10*12 bytes); frees another. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	int *keep = calloc(10, 12);
	int *tmp = calloc(3, 8);
	free(tmp);
	printf("calloc: %d\n", keep[5]);
	keep = NULL;
	return 0;
}
