/* fd-attach-server: a service for the -p descriptor scenario
 * (tests/scenarios/attach-fds.py).  It opens /dev/null before anything else, then every
 * 20 ms opens and closes a stream (fopen/fclose) and, every 5th time, opens /dev/zero
 * and keeps it (at most 200), printing "iter I kept K" after each iteration.  SIGTERM
 * makes it stop at the next iteration; it then prints "done" and exits 0. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(void)
{
	int before = open("/dev/null", O_RDONLY);
	int kept = 0;

	signal(SIGTERM, on_term);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0; !stop; i++) {
		FILE *f = fopen("/dev/null", "r");
		if (f)
			fclose(f);
		if (i % 5 == 0 && kept < 200 && open("/dev/zero", O_RDONLY) >= 0)
			kept++;
		printf("iter %ld kept %d\n", i, kept);
		usleep(20000);
	}
	printf("done\n");
	return before >= 0 ? 0 : 1;
}
