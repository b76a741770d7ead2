/* threads-churn: 4 threads x 10,000 allocations each, every other one freed at once,
 * the rest dropped: one loss record of 20,000 definitely lost blocks.  Run 20 times
 * by tests/scenarios/repeat-20.py, the report must be the same every time. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *churn(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10000; i++) {
		char *p = malloc(16);
		p[0] = (char)i;
		if (i % 2)
			free(p);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[4];

	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, churn, (void *)i);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("threads-churn: done\n");
	return 0;
}
