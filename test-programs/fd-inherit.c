/* fd-inherit: started plainly, it opens /dev/null without close-on-exec and execs
 * itself; the new image (traced with --trace-children=yes) inherits that descriptor
 * and reports it as "<inherited from parent>". */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd != 3)
			dup2(fd, 3);
		fflush(stdout);
		execl(argv[0], argv[0], "inherited", (char *)NULL);
		return 1;
	}
	printf("fd-inherit: %s fd 3 %s\n", argv[1], fcntl(3, F_GETFD) >= 0 ? "open" : "closed");
	return 0;
}
