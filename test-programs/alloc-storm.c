/* alloc-storm: six threads call malloc, realloc and free as fast as they can for two
 * seconds, so that the fast path's ring is full again and again and threads are often
 * stopped at its ring-full trap or inside a stub.  Scenario tracer-term-storm ends
 * leaktrace in the middle: the program must go on, untraced, and print its last line. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile int stop;

static void *work(void *arg)
{
	unsigned long n = 0;
	(void)arg;
	while (!stop) {
		char *p = malloc(16 + n % 200);
		char *q = realloc(p, 32 + n % 300);
		free(q);
		n++;
	}
	return NULL;
}

int main(void)
{
	pthread_t t[6];
	struct timespec two = { 2, 0 };

	for (int i = 0; i < 6; i++)
		if (pthread_create(&t[i], NULL, work, NULL))
			return 1;
	printf("alloc-storm: running\n");
	fflush(stdout);
	nanosleep(&two, NULL);
	stop = 1;
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	printf("alloc-storm: survived\n");
	return 0;
}
