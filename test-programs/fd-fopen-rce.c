/* fd-fopen-rce: fopen(path, "rce") never closed: glibc opens it with
 * __open_nocancel, not with open. */
#include <stdio.h>

int main(void)
{
	FILE *f = fopen("/dev/null", "rce");
	printf("fd-fopen-rce: %d\n", f != NULL);
	return 0;
}
