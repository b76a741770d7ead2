/* fork-child: the child mallocs, prints and exits on its own while the parent waits.  As in
 * memcheck the child gets a report of its own (fork-child-default); with --child-silent-after-fork=yes
 * (fork-child) it runs untraced, untouched by our breakpoints and stubs, and only the parent is reported. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char *kept = malloc(10);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		char *q = malloc(77);
		q[0] = 'c';
		printf("fork-child: child %c\n", q[0]);
		return 3;
	}
	int st;
	waitpid(c, &st, 0);
	printf("fork-child: child exited %d\n", WEXITSTATUS(st));
	kept = NULL;
	return 0;
}
