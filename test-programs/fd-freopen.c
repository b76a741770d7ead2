/* fd-freopen: freopen of a stream (its old descriptor closed inside glibc, a new one
 * opened), the stream left open; then fclose'd one, and a dup left open. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	FILE *f = fopen("/dev/null", "r");
	FILE *g = freopen("/dev/zero", "r", f);
	FILE *h = fopen("/dev/null", "w");
	FILE *k = freopen("/dev/zero", "r", h);
	fclose(k);
	int d = dup(0);
	printf("fd-freopen: %d %d\n", g != NULL, d >= 0);
	return 0;
}
