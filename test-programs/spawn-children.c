/* spawn-children: children started by posix_spawn() and system(), which glibc runs
 * with clone(CLONE_VM | CLONE_VFORK) and exec.  With --trace-children=yes memcheck
 * reports each exec'd program as well as the parent; so must leaktrace (issue 13,
 * item 4). */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char **environ;

int main(void)
{
	char *argv[] = { "/bin/true", NULL };
	pid_t pid;
	int st = -1;
	char *lost = malloc(21);
	if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) == 0)
		waitpid(pid, &st, 0);
	int rc = system("exit 4");
	printf("spawn-children: %d %d %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	       WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, lost != NULL);
	lost = NULL;
	return 0;
}
