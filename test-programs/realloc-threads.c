/* realloc-threads: four threads grow, shrink and free blocks with realloc while they
 * malloc and free others, all in one glibc arena (M_ARENA_MAX 1), so that the chunk one
 * thread's realloc gives back is often handed to another thread before the realloc
 * returns.  Each thread leaks its last block (a fixed size, so the report does not
 * depend on scheduling). */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 4
#define ROUNDS	20000

static void *worker(void *arg)
{
	unsigned x = 2024u + (unsigned)(size_t)arg;
	char *p = NULL;
	for (int i = 0; i < ROUNDS; i++) {
		x = x * 1103515245u + 12345u;
		p = realloc(p, 16 + (x >> 16) % 2000);
		p[0] = (char)i;
		char *q = malloc(16 + (x >> 8) % 300);
		q[0] = 1;
		free(q);
		if (i % 50 == 49) {
			p = realloc(p, 0); /* glibc frees it and returns NULL */
		}
	}
	free(p);
	p = realloc(NULL, 1000 + (size_t)arg); /* leaked */
	p[0] = 1;
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	mallopt(M_ARENA_MAX, 1);
	for (size_t i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i))
			return 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	printf("realloc-threads: done\n");
	return 0;
}
