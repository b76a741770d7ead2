/* fd-none: opens descriptors and closes every one: nothing to report. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	int p[2];
	int f = open("/dev/null", O_RDONLY);
	pipe(p);
	close(p[0]);
	close(p[1]);
	close(f);
	printf("fd-none: closed\n");
	return 0;
}
