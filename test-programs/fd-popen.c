/* fd-popen: popen + pclose (a pipe and its other end in the child, all closed
 * inside glibc), then a socketpair left open. */
#include <stdio.h>
#include <sys/socket.h>

int main(void)
{
	FILE *p = popen("true", "r");
	int st = pclose(p);
	int sv[2];
	int r = socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	printf("fd-popen: %d %d\n", st, r == 0);
	return 0;
}
