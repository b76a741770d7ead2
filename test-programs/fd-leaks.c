/* fd-leaks: descriptors left open at exit, each made a different way: open, a
 * socket, a pipe and a dup; plus one opened and closed properly (not reported). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	int f = open("/dev/null", O_RDONLY);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int p[2];
	pipe(p);
	int d = dup(f);
	int closed = open("/dev/zero", O_RDONLY);
	close(closed);
	printf("fd-leaks: %d %d %d %d %d %d\n", f >= 0, s >= 0, p[0] >= 0, p[1] >= 0, d >= 0,
	       closed >= 0);
	return 0;
}
