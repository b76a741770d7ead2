/* fork-ring: a parent and its forked child allocate and free thousands of blocks at the
 * same time (through the fast path's stubs by default).  Each process's report counts its
 * own calls only: the child's records must not reach the parent's shadow heap, nor the
 * parent's the child's, and the child starts from the heap it inherited. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void churn(int rounds, size_t size)
{
	void *v[500];
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < 500; i++)
			v[i] = malloc(size + (size_t)i % 7);
		for (int i = 0; i < 500; i++)
			free(v[i]);
	}
}

int main(void)
{
	void **keep = malloc(1000 * sizeof *keep);
	for (int i = 0; i < 1000; i++)
		keep[i] = malloc(16 + (size_t)i % 64);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		churn(40, 24);
		char *lost = malloc(40);
		lost[0] = 1;
		for (int i = 0; i < 1000; i += 2)
			free(keep[i]);
		return 0;
	}
	churn(40, 100);
	int st = 0;
	waitpid(c, &st, 0);
	for (int i = 0; i < 1000; i++)
		free(keep[i]);
	free(keep);
	char *lost = malloc(50);
	lost[0] = 2;
	printf("fork-ring: child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
