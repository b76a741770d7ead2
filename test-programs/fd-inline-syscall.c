/* fd-inline-syscall: descriptors made and closed by a syscall instruction of the
 * program's own (as a static or Go program, or glibc's inline system calls, do):
 * /dev/zero opened by open(), closed inline, its number reopened inline on
 * /dev/null and left open.  valgrind sees the system calls; a tracer of libc's
 * functions sees neither, and must at least not list the number under open()'s
 * stale stack. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static long raw3(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

int main(void)
{
	int fd = open("/dev/zero", O_RDONLY);
	raw3(SYS_close, fd, 0, 0);
	long again = raw3(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDONLY);
	printf("fd-inline-syscall: %d %d\n", fd >= 0, again == fd);
	return 0;
}
