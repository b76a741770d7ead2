/* cross-thread-free: two producers malloc blocks and hand them through a queue to two
 * consumers that free them (every 50th is dropped instead: definitely lost).  Checks
 * that allocations and frees recorded by different threads meet in the right order. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEMS 20000
#define QSIZE 64

static void *queue[QSIZE];
static int head, tail, count, producers_left = 2;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITEMS; i++) {
		char *p = malloc(24 + i % 40);
		memset(p, i % 50 == 0 ? 'L' : 'x', 24);
		pthread_mutex_lock(&lock);
		while (count == QSIZE)
			pthread_cond_wait(&not_full, &lock);
		queue[tail] = p;
		tail = (tail + 1) % QSIZE;
		count++;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	producers_left--;
	pthread_cond_broadcast(&not_empty);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *consumer(void *arg)
{
	long *freed = arg;

	for (;;) {
		pthread_mutex_lock(&lock);
		while (count == 0 && producers_left)
			pthread_cond_wait(&not_empty, &lock);
		if (count == 0) {
			pthread_mutex_unlock(&lock);
			return NULL;
		}
		char *p = queue[head];
		head = (head + 1) % QSIZE;
		count--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&lock);
		if (p[0] == 'L')
			continue;	/* dropped: lost */
		free(p);
		(*freed)++;
	}
}

int main(void)
{
	pthread_t t[4];
	long freed[2] = { 0, 0 };

	pthread_create(&t[0], NULL, producer, NULL);
	pthread_create(&t[1], NULL, producer, NULL);
	pthread_create(&t[2], NULL, consumer, &freed[0]);
	pthread_create(&t[3], NULL, consumer, &freed[1]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	/* which slots still name a dropped block depends on scheduling */
	memset(queue, 0, sizeof queue);
	printf("cross-thread-free: %ld freed\n", freed[0] + freed[1]);
	return 0;
}
