/* fd-fdopen: open + fdopen + fclose (the close is glibc's), then open left open. */
#include <fcntl.h>
#include <stdio.h>

int main(void)
{
	int fd = open("/dev/null", O_RDONLY);
	FILE *f = fdopen(fd, "r");
	fclose(f);
	int again = open("/dev/zero", O_RDONLY);
	printf("fd-fdopen: %d\n", again >= 0);
	return 0;
}
