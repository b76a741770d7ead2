/* fd-getpwnam: a passwd lookup (nscd socket, /etc/passwd opened and closed inside
 * glibc), then open left open. */
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>

int main(void)
{
	struct passwd *pw = getpwnam("root");
	int fd = open("/dev/null", O_RDONLY);
	printf("fd-getpwnam: %d %d\n", pw != NULL, fd >= 0);
	return 0;
}
