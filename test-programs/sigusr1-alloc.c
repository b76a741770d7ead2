/* sigusr1-alloc: a SIGUSR1 handler that allocates (and leaks) each time it runs; the
 * signal is raised three times, and must reach the handler exactly as without tracing. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static volatile sig_atomic_t runs;
static void *last;

static void on_usr1(int sig)
{
	(void)sig;
	last = malloc(48);	/* only the last one stays reachable */
	runs++;
}

int main(void)
{
	signal(SIGUSR1, on_usr1);
	for (int i = 0; i < 3; i++)
		raise(SIGUSR1);
	printf("sigusr1-alloc: handler ran %d times\n", (int)runs);
	return 0;
}
