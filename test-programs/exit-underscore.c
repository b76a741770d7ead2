/* exit-underscore: _exit(3) with a live block in a global (reachable) and one lost;
 * no atexit handlers, no stdio flush (so stdout is flushed by hand). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void *global_keep;

int main(void)
{
	global_keep = malloc(48);
	void *lost = malloc(33);
	printf("exit-underscore: %d\n", lost != NULL);
	fflush(stdout);
	lost = NULL;
	_exit(3);
}
