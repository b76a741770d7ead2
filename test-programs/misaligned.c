/* misaligned: the only copy of a pointer is stored at an address that is not 8-byte
 * aligned; memcheck scans aligned words only, so the block is definitely lost.
 * A second block's pointer stored aligned in the same buffer stays reachable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Alignas(8) unsigned char area[32];

int main(void)
{
	void *a = malloc(52), *b = malloc(60);
	memcpy(area + 3, &a, sizeof a);
	memcpy(area + 16, &b, sizeof b);
	a = b = NULL;
	printf("misaligned: %d\n", area[3] != 0 || area[4] != 0);
	return 0;
}
