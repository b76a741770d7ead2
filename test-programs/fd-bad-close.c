/* fd-bad-close: closes a descriptor twice; --track-fds reports the second close
 * ("File descriptor N was closed already"), which valgrind 3.19 does not, so this
 * program is checked by tests/scenarios/fd-bad-close.py, not against valgrind. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	int fd = open("/dev/null", O_RDONLY);
	close(fd);
	int again = close(fd);
	printf("fd-bad-close: second close %s\n", again ? "failed" : "worked");
	return 0;
}
