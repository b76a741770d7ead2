/* thread-leak-exit: a thread leaks a block and ends with pthread_exit while main waits
 * for it; the block is definitely lost, the thread's own bookkeeping is freed. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *leaker(void *arg)
{
	(void)arg;
	char *p = malloc(123);
	strcpy(p, "lost");
	p = NULL;
	pthread_exit(NULL);
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, leaker, NULL);
	pthread_join(t, NULL);
	printf("thread-leak-exit: joined\n");
	return 0;
}
