/* Compute-bound: 3*10^8 loop iterations over data in 200 small heap blocks.
 * Allocator events are rare, so leaktrace should cost nearly nothing here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NBLOCKS 200
#define ITERS 300000000UL

int main(void)
{
	uint64_t *blocks[NBLOCKS];
	for (int i = 0; i < NBLOCKS; i++) {
		blocks[i] = malloc(64 * sizeof(uint64_t));
		if (!blocks[i])
			return 1;
		for (int j = 0; j < 64; j++)
			blocks[i][j] = (uint64_t)i * 64 + (uint64_t)j + 1;
	}
	uint64_t x = 88172645463325252ULL, acc = 0;
	for (unsigned long n = 0; n < ITERS; n++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		acc += blocks[(n >> 6) % NBLOCKS][n & 63] ^ x;
	}
	printf("%llu\n", (unsigned long long)acc);
	for (int i = 0; i < NBLOCKS; i++)
		free(blocks[i]);
	return 0;
}
