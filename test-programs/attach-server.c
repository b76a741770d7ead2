/* attach-server: a long-running service for the -p and signal scenarios
 * (tests/scenarios/attach*.py).  Three worker threads allocate and free on a timer;
 * the main loop leaks one 100-byte block (through leak_one) every 5th iteration,
 * and prints "iter I leaks L" after each iteration.  With an argument N it stops
 * by itself after N iterations; SIGTERM makes it stop at the next iteration.
 * Either way it exits with status 0 after printing "done". */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void *keep[64];

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void *worker(void *arg)
{
	long id = (long)arg;

	while (!stop) {
		char *p = malloc(32 + (size_t)id);
		memset(p, (int)id, 32);
		keep[id] = realloc(keep[id], 64);
		usleep(1500);
		free(p);
	}
	return NULL;
}

static __attribute__((noinline)) void leak_one(void)
{
	char *p = malloc(100);
	memset(p, 'L', 100);
	p = NULL;
}

int main(int argc, char **argv)
{
	long limit = argc > 1 ? atol(argv[1]) : -1, leaks = 0;
	pthread_t t[3];

	signal(SIGTERM, on_term);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (long i = 1; !stop && (limit < 0 || i <= limit); i++) {
		if (i % 5 == 0) {
			leak_one();
			leaks++;
		}
		printf("iter %ld leaks %ld\n", i, leaks);
		usleep(2000);
	}
	stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("done\n");
	return 0;
}
