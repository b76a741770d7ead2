/* thread-joined: a thread allocates two blocks, returns one through pthread_join (kept in
 * a global: reachable) and drops the other (definitely lost); main joins before exiting. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

void *from_thread;

static void *worker(void *arg)
{
	(void)arg;
	void *volatile dropped = malloc(19);
	*(char *)dropped = 0;
	dropped = NULL;
	return malloc(29);
}

int main(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, worker, NULL) != 0)
		return 2;
	pthread_join(t, &from_thread);
	printf("thread-joined: %d\n", from_thread != NULL);
	return 0;
}
