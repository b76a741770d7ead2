/* thread-underscore-exit: a second thread ends the whole process with _exit(3) while
 * main is blocked in pthread_join; exit status 3, the leak report as at any exit. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *ender(void *arg)
{
	(void)arg;
	char *p = malloc(55);
	p[0] = 1;
	p = NULL;
	printf("thread-underscore-exit: leaving\n");
	fflush(stdout);
	_exit(3);
}

int main(void)
{
	pthread_t t;
	char *q = malloc(21);
	q[0] = 0;
	pthread_create(&t, NULL, ender, NULL);
	pthread_join(t, NULL);
	return 0;
}
