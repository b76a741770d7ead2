/* spawn-children: children started by posix_spawn() and system(), which glibc runs
 * with clone(CLONE_VM | CLONE_VFORK) and exec.  With --trace-children=yes memcheck
 * reports each exec'd program as well as the parent; so must leaktrace (issue 13,
 * item 4).  The shell's heap grows with its environment and working directory: both
 * fixed (with the two variables valgrind adds to every traced child's). */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
	char *argv[] = { "/bin/true", NULL };
	pid_t pid;
	int st = -1;
	static char *fixed_env[] = { "PATH=/usr/bin:/bin", "LD_PRELOAD=",
				     "VALGRIND_LIB=/usr/libexec/valgrind", NULL };
	char *lost = malloc(21);
	if (chdir("/"))
		return 1;
	environ = fixed_env;
	if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) == 0)
		waitpid(pid, &st, 0);
	int rc = system("exit 4");
	printf("spawn-children: %d %d %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	       WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, lost != NULL);
	lost = NULL;
	return 0;
}
