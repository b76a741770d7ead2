/* fd-getgrgid: a group lookup (opened and closed inside glibc), then open left open. */
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>

int main(void)
{
	struct group *gr = getgrgid(0);
	int fd = open("/dev/null", O_RDONLY);
	printf("fd-getgrgid: %d %d\n", gr != NULL, fd >= 0);
	return 0;
}
