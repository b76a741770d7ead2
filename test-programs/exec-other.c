/* exec-other: allocates, then execs another program (/bin/echo).  As with memcheck
 * without --trace-children=yes, the new program runs untraced and nothing is reported. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	char *p = malloc(40);
	p[0] = 0;
	printf("exec-other: before\n");
	fflush(stdout);
	execl("/bin/echo", "echo", "exec-other: echo ran", (char *)NULL);
	return 1;
}
