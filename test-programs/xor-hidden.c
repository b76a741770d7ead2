/* xor-hidden: the only copy of the pointer is XORed with a key, so no word in memory
 * looks like a pointer to the block: definitely lost, although the program could recover it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

uintptr_t hidden;

int main(void)
{
	hidden = (uintptr_t)malloc(40) ^ (uintptr_t)0x5a5a5a5a5a5a5a5aULL;
	printf("xor-hidden: %d\n", hidden != 0);
	return 0;
}
