/* free-reuse: frees a 16-byte block and asks for another, 6,000 times over
 * three seconds, and says how often glibc did not hand the freed one back.
 * Natively and with leaktrace -p: never (-p must hold nothing back, a detach
 * must leave glibc as it was); traced from the start: each time
 * (--hold-freed keeps freed blocks from reuse). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	unsigned long other = 0, n = 0;

	for (int t = 0; t < 30; t++) {
		for (int i = 0; i < 200; i++) {
			void *p = malloc(16);
			free(p);
			void *q = malloc(16);
			free(q);
			other += p != q;
			n++;
		}
		usleep(100000);
	}
	printf("%lu of %lu not reused\n", other, n);
	return 0;
}
