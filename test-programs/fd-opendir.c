/* fd-opendir: opendir/readdir/closedir (glibc's own open and close), then one
 * directory left open. */
#include <dirent.h>
#include <stdio.h>

int main(void)
{
	DIR *d = opendir("/");
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	DIR *kept = opendir("/dev");
	printf("fd-opendir: %d %d\n", n > 0, kept != NULL);
	return 0;
}
