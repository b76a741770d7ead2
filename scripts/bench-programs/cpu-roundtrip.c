/* How far apart the first two CPUs are: the time for a cache line to go from
 * a thread pinned on CPU 0 to one pinned on CPU 1 and back, median of 9
 * batches of 20,000 trips, in ns.  On a VM this changes with where the host
 * puts the two vCPUs (seen here: ~85 ns or ~400 ns), and every line the
 * tracer and the program share pays it: scripts/bench prints it beside each
 * workload.  Prints "-" with fewer than two CPUs. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define TRIPS	20000
#define BATCHES 9

static _Alignas(64) volatile long flag;

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof set, &set);
}

static void *echo(void *arg)
{
	(void)arg;
	if (pin(1))
		exit(1);
	for (long i = 0; i < (long)TRIPS * BATCHES; i++) {
		while (flag != 2 * i + 1)
			;
		flag = 2 * i + 2;
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(void)
{
	pthread_t t;
	double ns[BATCHES];

	if (pin(0) || pthread_create(&t, NULL, echo, NULL)) {
		puts("-");
		return 0;
	}
	for (int b = 0; b < BATCHES; b++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (long i = (long)b * TRIPS; i < (long)(b + 1) * TRIPS; i++) {
			flag = 2 * i + 1;
			while (flag != 2 * i + 2)
				;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns[b] =
		    ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
		    TRIPS;
	}
	pthread_join(t, NULL);
	qsort(ns, BATCHES, sizeof *ns, cmp);
	printf("%.0f\n", ns[BATCHES / 2]);
	return 0;
}
