/* fd-threads: four threads open and close descriptors at once (open/close,
 * fopen/fclose, pipe, socket), so that numbers are closed and reused by another
 * thread right away; after the joins one descriptor is left open. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static void *churn(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < 300; i++) {
		int fd = open("/dev/null", O_RDONLY);
		FILE *f = fopen("/dev/zero", "r");
		int p[2];
		if (pipe(p) == 0) {
			close(p[0]);
			close(p[1]);
		}
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (f)
			fclose(f);
		close(fd);
		close(s);
	}
	return (void *)id;
}

int main(void)
{
	pthread_t t[4];

	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, churn, (void *)i);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	int kept = open("/dev/null", O_RDONLY);
	printf("fd-threads: %d\n", kept >= 0);
	return 0;
}
