/* tls: a block reachable only through a __thread variable of the main thread, which
 * lives in the static TLS area set up by ld.so (still reachable). */
#include <stdio.h>
#include <stdlib.h>

__thread void *tls_ptr;

int main(void)
{
	tls_ptr = malloc(36);
	printf("tls: %d\n", tls_ptr != NULL);
	return 0;
}
