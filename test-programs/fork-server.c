/* fork-server: a service whose three worker threads fork children continuously; each
 * child allocates, frees and exits with status 7, and the worker checks that status.
 * Prints "iter I harmed H" every 10 ms (H: children that did not exit with 7, e.g.
 * killed), "done harmed H" on SIGTERM, and exits 0. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static volatile long harmed, forks;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void *worker(void *arg)
{
	(void)arg;
	while (!stop) {
		pid_t c = fork();
		if (c == 0) {
			free(malloc(64));
			_exit(7);
		}
		int st = 0;
		if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 7) {
			__atomic_add_fetch(&harmed, 1, __ATOMIC_RELAXED);
			fprintf(stderr, "fork-server: child %d: status %#x\n", (int)c, st);
		}
		__atomic_add_fetch(&forks, 1, __ATOMIC_RELAXED);
		free(malloc(32));
		usleep(1000);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[3];

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_term);
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (long i = 1; !stop; i++) {
		printf("iter %ld harmed %ld forks %ld\n", i, harmed, forks);
		usleep(10000);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("done harmed %ld\n", harmed);
	return 0;
}
