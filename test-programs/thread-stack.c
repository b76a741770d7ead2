/* thread-stack: a second thread allocates a block, keeps the only pointer in a local,
 * tells main through a barrier, and parks in pause(). main then exits while the thread
 * is still alive, so its stack is a root: still reachable. The thread's DTV block from
 * pthread_create (allocate_dtv) shows up as possibly lost, as in memcheck. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_barrier_t ready;

static void *worker(void *arg)
{
	void *volatile mine = malloc(77);
	(void)arg;
	pthread_barrier_wait(&ready);
	for (;;)
		pause();
	return mine;
}

int main(void)
{
	pthread_t t;
	pthread_barrier_init(&ready, NULL, 2);
	if (pthread_create(&t, NULL, worker, NULL) != 0)
		return 2;
	pthread_barrier_wait(&ready);
	printf("thread-stack: parked\n");
	return 0;
}
