/* Not a workload: scripts/bench runs every command through this, so that the command is
 * forked from a small process.  Linux starts a child's ru_maxrss at the resident size of
 * the process it was forked from (exec records the old mm's high-water mark), so forking
 * straight from python would put a ~16 MiB floor under every peak RSS we print.
 *
 * usage: rusage-run FD COMMAND [ARGS...]
 * writes "pid PID\n" to FD once COMMAND is forked, then "status WSTATUS SECONDS MAXRSS_KB\n"
 * when it has ended. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int fd = atoi(argv[1]);
	struct timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(fd);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	dprintf(fd, "pid %d\n", (int)pid);
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &end);
	double secs = (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
	dprintf(fd, "status %d %.6f %ld\n", status, secs, ru.ru_maxrss);
	return 0;
}
