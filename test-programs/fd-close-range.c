/* fd-close-range: five descriptors, close_range() over three of them; the two
 * outside the range stay open. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	int fd[5];
	for (int i = 0; i < 5; i++)
		fd[i] = open("/dev/null", O_RDONLY);
	int r = close_range((unsigned)fd[1], (unsigned)fd[3], 0);
	printf("fd-close-range: %d\n", r);
	return 0;
}
