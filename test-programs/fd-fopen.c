/* fd-fopen: fopen + fclose (glibc opens and closes through its internal
 * __open_nocancel / __close_nocancel), then open() left open: only that one is
 * listed, under the number the fclose freed. */
#include <fcntl.h>
#include <stdio.h>

int main(void)
{
	FILE *f = fopen("/dev/null", "r");
	fclose(f);
	int fd = open("/dev/zero", O_RDONLY);
	printf("fd-fopen: %d\n", fd >= 0);
	return 0;
}
