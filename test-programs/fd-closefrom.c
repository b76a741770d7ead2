/* fd-closefrom: three descriptors, closefrom() over the last two. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	int a = open("/dev/null", O_RDONLY);
	int b = open("/dev/zero", O_RDONLY);
	open("/dev/null", O_WRONLY);
	closefrom(b);
	printf("fd-closefrom: %d %d\n", a >= 0, b >= 0);
	return 0;
}
