/* fd-raw-syscall: a descriptor from syscall(SYS_openat), never closed, and one
 * closed by syscall(SYS_close). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	long closed = syscall(SYS_openat, AT_FDCWD, "/dev/zero", O_RDONLY);
	syscall(SYS_close, closed);
	long fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
	printf("fd-raw-syscall: %d\n", fd >= 0);
	return 0;
}
