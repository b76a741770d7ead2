/* seccomp-server N: a service under a seccomp filter that kills the process on mmap,
 * which an attach would inject.  Allocates and frees small blocks (from the brk heap, no
 * mmap once warmed up) and prints "iter I" after each of N iterations, then "done". */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof f / sizeof f[0], f };
	long n = argc > 1 ? atol(argv[1]) : 100;

	setvbuf(stdout, NULL, _IOLBF, 0);
	free(malloc(100000)); /* the heap grows by brk now, never by mmap later */
	printf("warm\n");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp");
		return 2;
	}
	for (long i = 1; i <= n; i++) {
		for (int k = 0; k < 100; k++)
			free(malloc(32 + (size_t)k));
		printf("iter %ld\n", i);
		usleep(10000);
	}
	printf("done\n");
	return 0;
}
