/* fork-exec: a forked child leaks a block, then execs a shell that exits 5.  memcheck stops
 * following the child at the exec without --trace-children=yes (no report for it: the
 * block is gone with the old image), and with it reports the exec'd program on its own
 * (fork-exec-traced).  Either way the child's exit status reaches the parent unchanged.
 * The shell's heap depends on its environment and directory: both fixed, with the two
 * variables valgrind adds to a traced child's environment. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char *kept = malloc(12);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		char *lost = malloc(13);
		lost[0] = 1;
		static char *env[] = { "PATH=/usr/bin:/bin", "LD_PRELOAD=",
				       "VALGRIND_LIB=/usr/libexec/valgrind", NULL };
		if (chdir("/") == 0)
			execle("/bin/sh", "sh", "-c", "exit 5", (char *)NULL, env);
		_exit(127);
	}
	int st = 0;
	waitpid(c, &st, 0);
	printf("fork-exec: child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	kept[0] = 0;
	return 0;
}
