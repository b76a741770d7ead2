/* main-pthread-exit: main leaves with pthread_exit while a worker runs on, allocates,
 * and ends the process by returning; the report comes at the worker's exit. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *worker(void *arg)
{
	(void)arg;
	usleep(100000);
	char *p = malloc(66);
	p[0] = 0;
	p = NULL;
	printf("main-pthread-exit: worker done\n");
	exit(0);
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, worker, NULL);
	pthread_exit(NULL);
}
