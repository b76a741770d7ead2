/* signals-rt: a real-time signal queued three times with values (sigqueue), and a
 * SIGUSR2 sent to one particular thread (pthread_kill); every one must reach the
 * handler exactly as without tracing. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t rt_sum, usr2_in_worker;
static pthread_t worker_id;
static pthread_barrier_t ready;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	rt_sum += si->si_value.sival_int;
}

static void on_usr2(int sig)
{
	(void)sig;
	usr2_in_worker = pthread_equal(pthread_self(), worker_id) ? 1 : -1;
}

static void *worker(void *arg)
{
	(void)arg;
	char *p = malloc(21);	/* leaked */
	p[0] = 0;
	pthread_barrier_wait(&ready);
	while (!usr2_in_worker)
		usleep(1000);
	return NULL;
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_rt, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGRTMIN + 1, &sa, NULL);
	signal(SIGUSR2, on_usr2);
	for (int i = 1; i <= 3; i++)
		sigqueue(getpid(), SIGRTMIN + 1, (union sigval){ .sival_int = i * 10 });
	pthread_barrier_init(&ready, NULL, 2);
	pthread_create(&worker_id, NULL, worker, NULL);
	pthread_barrier_wait(&ready);
	pthread_kill(worker_id, SIGUSR2);
	pthread_join(worker_id, NULL);
	printf("signals-rt: rt sum %d, usr2 in worker %d\n", (int)rt_sum, (int)usr2_in_worker);
	return 0;
}
