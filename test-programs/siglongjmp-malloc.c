/* siglongjmp-malloc [program]: a timer's handler siglongjmps out of the allocation loop
 * thousands of times, out of allocator calls too as far as a tracer is concerned: it
 * jumps whenever the interrupted instruction is not in libc, i.e. in the program or
 * (traced) at a breakpoint's out-of-line copy, where glibc's state is consistent; with
 * the argument "program" only from the program's own code.  Every allocation that
 * completed is kept and freed at the end.  A tracer must lose none of the completed calls
 * (their frees would then look invalid) and report no error.  Prints how many completed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <ucontext.h>

int main(int argc, char **argv);

#define N 20000

static sigjmp_buf env;
static volatile sig_atomic_t armed;
static int program_only;

static void on_alarm(int sig, siginfo_t *si, void *uc)
{
	Dl_info info, self;
	void *rip = (void *)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];

	(void)sig;
	(void)si;
	if (!armed)
		return;
	if (program_only ? !(dladdr(rip, &info) && dladdr((void *)main, &self) &&
			     info.dli_fbase == self.dli_fbase)
			 : (dladdr(rip, &info) && info.dli_fname && strstr(info.dli_fname, "libc.so")))
		return;
	siglongjmp(env, 1);
}

int main(int argc, char **argv)
{
	static void *keep[N];
	static volatile long done, jumps;
	struct sigaction sa = { .sa_sigaction = on_alarm, .sa_flags = SA_SIGINFO };
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };

	program_only = argc > 1 && !strcmp(argv[1], "program");
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	if (sigsetjmp(env, 1))
		jumps++;
	while (done < N) {
		armed = 1;
		void *p = malloc(16 + (size_t)(done % 64));
		armed = 0;
		keep[done] = p;
		done++;
	}
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	for (long i = 0; i < N; i++)
		free(keep[i]);
	printf("siglongjmp-malloc: %ld completed, %s\n", (long)done, jumps ? "jumped" : "no jump");
	return 0;
}
