/* fork-threads: four threads fork twenty children each; every child mallocs, leaks and
 * exits with status 7, one child at a time.  With --trace-children=yes every child must run to completion
 * and be reported (issue 13, item 4: children forked by several threads were SIGKILLed). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 4
#define CHILDREN 20

/* every thread is alive through every fork, so each child starts from the same heap;
 * one child lives at a time, so that the children's reports follow one another */
static pthread_barrier_t start, stop;
static pthread_mutex_t one_child = PTHREAD_MUTEX_INITIALIZER;

static void *forker(void *arg)
{
	long ok = 0;
	(void)arg;
	pthread_barrier_wait(&start);
	for (int i = 0; i < CHILDREN; i++) {
		pthread_mutex_lock(&one_child);
		pid_t c = fork();
		if (c == 0) {
			char *p = malloc(33);
			p[0] = 1;
			_exit(7);
		}
		int st;
		if (c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 7)
			ok++;
		pthread_mutex_unlock(&one_child);
	}
	pthread_barrier_wait(&stop);
	return (void *)ok;
}

int main(void)
{
	pthread_t t[THREADS];
	long ok = 0;
	pthread_barrier_init(&start, NULL, THREADS);
	pthread_barrier_init(&stop, NULL, THREADS);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, forker, NULL);
	for (int i = 0; i < THREADS; i++) {
		void *r;
		pthread_join(t[i], &r);
		ok += (long)r;
	}
	printf("fork-threads: %ld of %d children exited 7\n", ok, THREADS * CHILDREN);
	return 0;
}
