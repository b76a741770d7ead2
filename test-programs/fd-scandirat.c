/* fd-scandirat: scandirat opens its directory with glibc's hidden
 * __openat64_nocancel (a local symbol, found in libc's debug symbols); the filter
 * exits while the directory is open, so the descriptor is listed with that stack. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

static int leave(const struct dirent *d)
{
	(void)d;
	printf("fd-scandirat: in the filter\n");
	exit(0);
}

int main(void)
{
	struct dirent **list;
	return scandirat(AT_FDCWD, "/", &list, leave, alphasort) < 0;
}
