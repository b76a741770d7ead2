/* 4 threads, each 250,000 malloc/free pairs of 32..256 bytes, with a few
 * blocks kept alive at a time so the threads' arenas interleave.  argv[1] overrides the
 * pairs per thread. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 4
#define KEEP 16

static long pairs = 250000;

static void *worker(void *arg)
{
	unsigned x = 777u + (unsigned)(size_t)arg;
	char *keep[KEEP] = { 0 };
	for (long i = 0; i < pairs; i++) {
		x = x * 1103515245u + 12345u;
		size_t size = 32 + (x >> 16) % 225;
		char *p = malloc(size);
		if (!p)
			return NULL;
		p[0] = (char)i;
		free(keep[i % KEEP]);
		keep[i % KEEP] = p;
	}
	for (int i = 0; i < KEEP; i++)
		free(keep[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		pairs = atol(argv[1]);
	pthread_t t[THREADS];
	for (size_t i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i))
			return 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	printf("done\n");
	return 0;
}
