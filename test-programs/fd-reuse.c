/* fd-reuse: a number closed inside glibc (fclose) and made again by glibc
 * (opendir), left open: listed with opendir's stack, not with the open() that
 * first had the number. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>

int main(void)
{
	int fd = open("/dev/null", O_RDONLY);
	FILE *f = fdopen(fd, "r");
	fclose(f);
	DIR *d = opendir("/dev");
	printf("fd-reuse: %d %d\n", fd >= 0, d != NULL);
	return 0;
}
