/* rate-server THREADS RATE SECONDS: a service whose THREADS threads make malloc/free pairs
 * (32..256 bytes) at RATE pairs/s in all (0: as fast as they can), for SECONDS seconds.
 * Every 100 ms it prints "MS PAIRS": the milliseconds since its start and the pairs made
 * so far, for scripts/bench's -p workload. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long per_thread_rate;
static double seconds;
static long total;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(long)arg;
	double t0 = now(), next = t0;
	while (now() - t0 < seconds) {
		for (int i = 0; i < 100; i++) {
			void *p = malloc(32 + rand_r(&seed) % 225);
			__asm__ volatile("" : : "r"(p) : "memory");
			free(p);
		}
		__atomic_add_fetch(&total, 100, __ATOMIC_RELAXED);
		if (per_thread_rate) {
			next += 100.0 / (double)per_thread_rate;
			double wait = next - now();
			if (wait > 0) {
				struct timespec ts = { (time_t)wait, (long)((wait - (long)wait) * 1e9) };
				nanosleep(&ts, NULL);
			}
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 6;
	long rate = argc > 2 ? atol(argv[2]) : 0;
	pthread_t t[64];

	seconds = argc > 3 ? atof(argv[3]) : 6;
	if (nthreads < 1 || nthreads > 64)
		return 2;
	per_thread_rate = rate / nthreads;
	setvbuf(stdout, NULL, _IOLBF, 0);
	double t0 = now();
	for (long i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	while (now() - t0 < seconds) {
		struct timespec ts = { 0, 100000000 };
		nanosleep(&ts, NULL);
		printf("%ld %ld\n", (long)((now() - t0) * 1000), __atomic_load_n(&total, __ATOMIC_RELAXED));
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	return 0;
}
