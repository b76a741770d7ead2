/* tracee: the traced process and its threads.
 *
 * Starting a program the way strace does it: the child stops itself with
 * SIGSTOP before execve, the parent seizes it (PTRACE_SEIZE, so group-stops
 * are told apart from signal stops and job control keeps working) and wakes
 * it; the first thing it then reports is its own execve.  PTRACE_O_EXITKILL
 * makes sure that if leaktrace dies, the target dies with it instead of
 * being left stopped with our int3s in its code.
 *
 * Running code in the target (an mmap for the scratch page, a munmap in a
 * forked child) borrows a stopped thread: its registers are saved, pointed
 * at an existing syscall instruction and PTRACE_SYSCALL runs exactly one
 * syscall; nothing is written into the target's code. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "leaktrace/hashslot.h"
#include "leaktrace/procmaps.h"
#include "leaktrace/tracee.h"

struct tracee {
	struct thread **slots; /* open addressing on tid */
	size_t cap, count;
	struct thread *last; /* tracee_thread's last answer: records come in runs of one thread */
};

static size_t tid_slot(pid_t tid, size_t cap)
{
	return hashslot((uint64_t)tid, cap);
}

struct tracee *tracee_new(void)
{
	struct tracee *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->cap = 64;
	t->slots = calloc(t->cap, sizeof *t->slots);
	if (!t->slots) {
		free(t);
		return NULL;
	}
	return t;
}

void tracee_free(struct tracee *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i]);
	free(t->slots);
	free(t);
}

struct thread *tracee_thread(struct tracee *t, pid_t tid)
{
	if (t->last && t->last->tid == tid)
		return t->last;
	for (size_t i = tid_slot(tid, t->cap); t->slots[i]; i = (i + 1) & (t->cap - 1))
		if (t->slots[i]->tid == tid)
			return t->last = t->slots[i];
	return NULL;
}

static void put(struct thread **slots, size_t cap, struct thread *th)
{
	size_t i = tid_slot(th->tid, cap);

	while (slots[i])
		i = (i + 1) & (cap - 1);
	slots[i] = th;
}

struct thread *tracee_thread_add(struct tracee *t, pid_t tid)
{
	struct thread *th = tracee_thread(t, tid);

	if (th)
		return th;
	if ((t->count + 1) * 2 > t->cap) {
		size_t ncap = t->cap * 2;
		struct thread **ns = calloc(ncap, sizeof *ns);
		if (!ns)
			return NULL;
		for (size_t i = 0; i < t->cap; i++)
			if (t->slots[i])
				put(ns, ncap, t->slots[i]);
		free(t->slots);
		t->slots = ns;
		t->cap = ncap;
	}
	th = calloc(1, sizeof *th);
	if (!th)
		return NULL;
	th->tid = tid;
	put(t->slots, t->cap, th);
	t->count++;
	return th;
}

void tracee_thread_del(struct tracee *t, pid_t tid)
{
	size_t i = tid_slot(tid, t->cap);

	while (t->slots[i] && t->slots[i]->tid != tid)
		i = (i + 1) & (t->cap - 1);
	if (!t->slots[i])
		return;
	if (t->last == t->slots[i])
		t->last = NULL;
	free(t->slots[i]);
	t->slots[i] = NULL;
	t->count--;
	/* re-place the rest of the cluster */
	for (size_t j = (i + 1) & (t->cap - 1); t->slots[j]; j = (j + 1) & (t->cap - 1)) {
		struct thread *th = t->slots[j];
		t->slots[j] = NULL;
		put(t->slots, t->cap, th);
	}
}

size_t tracee_threads(struct tracee *t, struct thread **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i]) {
			if (n < max)
				out[n] = t->slots[i];
			n++;
		}
	return n;
}

struct thread **tracee_list(struct tracee *t, size_t *n)
{
	size_t count = tracee_threads(t, NULL, 0);
	struct thread **v = malloc((count ? count : 1) * sizeof *v);

	*n = v ? tracee_threads(t, v, count) : 0;
	return v;
}

unsigned long tracee_options(bool attached)
{
	/* fork/vfork/clone children are always seized: they inherit our int3s
	 * and must be cleaned before they run, traced or not.  A program we
	 * started dies with us rather than run on stopped or with int3s in its
	 * code; a process we attached to must outlive us (-p is fail-safe). */
	return (attached ? 0 : PTRACE_O_EXITKILL) | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC |
	       PTRACE_O_TRACEEXIT | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK;
}

char *tracee_find_program(const char *name)
{
	if (strchr(name, '/')) {
		if (access(name, F_OK))
			return NULL;
		return strdup(name);
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;;) {
		size_t len = strcspn(p, ":");
		char *cand;
		if (asprintf(&cand, "%.*s%s%s", (int)len, p, len ? "/" : "", name) < 0)
			return NULL;
		struct stat st;
		if (!stat(cand, &st) && S_ISREG(st.st_mode) && !access(cand, X_OK))
			return cand;
		free(cand);
		if (!p[len])
			break;
		p += len + 1;
	}
	errno = ENOENT;
	return NULL;
}

int tracee_spawn(char *const argv[], pid_t *pidp, int *exec_err_fd, char *err, size_t errlen)
{
	int pipefd[2], status;

	/* the child reports a failed execve through a close-on-exec pipe */
	if (pipe2(pipefd, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot fork: %s", strerror(e));
		close(pipefd[0]);
		close(pipefd[1]);
		return -e;
	}
	if (pid == 0) {
		close(pipefd[0]);
		raise(SIGSTOP);
		execvp(argv[0], argv);
		int e = errno;
		ssize_t w = write(pipefd[1], &e, sizeof e);
		(void)w;
		_exit(127);
	}
	close(pipefd[1]);
	if (waitpid(pid, &status, WSTOPPED) != pid || !WIFSTOPPED(status)) {
		snprintf(err, errlen, "the child did not stop before exec");
		close(pipefd[0]);
		return -ECHILD;
	}
	if (ptrace(PTRACE_SEIZE, pid, 0, (void *)tracee_options(false))) {
		int e = errno;
		snprintf(err, errlen, "cannot trace the program: %s%s", strerror(e),
			 e == EPERM
			     ? " (is ptrace restricted by /proc/sys/kernel/yama/ptrace_scope, "
			       "or are we ourselves traced?)"
			     : "");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(pipefd[0]);
		return -e;
	}
	*pidp = pid;
	*exec_err_fd = pipefd[0];
	return 0;
}

int tracee_release_spawned(pid_t pid)
{
	return kill(pid, SIGCONT) ? -errno : 0;
}

int tracee_thread_cpu(pid_t pid, pid_t tid)
{
	uint64_t cpu;

	return procmaps_stat_field(pid, tid, 39, &cpu) ? -1 : (int)cpu;
}

bool tracee_leave_cpu(int cpu)
{
	cpu_set_t mask, others;

	if (sched_getaffinity(0, sizeof mask, &mask))
		return false;
	others = mask;
	CPU_CLR(cpu, &others);
	if (!CPU_COUNT(&others) || sched_setaffinity(0, sizeof others, &others))
		return false;
	/* the move is made when the call returns: the mask goes back */
	(void)sched_setaffinity(0, sizeof mask, &mask);
	return sched_getcpu() != cpu;
}

int tracee_getregs(pid_t tid, struct user_regs_struct *r)
{
	return ptrace(PTRACE_GETREGS, tid, 0, r) ? -errno : 0;
}

int tracee_setregs(pid_t tid, const struct user_regs_struct *r)
{
	return ptrace(PTRACE_SETREGS, tid, 0, r) ? -errno : 0;
}

int tracee_cont(struct thread *th, int sig)
{
	th->state = TH_RUNNING;
	return ptrace(PTRACE_CONT, th->tid, 0, (void *)(long)sig) ? -errno : 0;
}

/* Waits for the next stop of tid alone; other threads' stops stay queued. */
static int wait_stop(pid_t tid, int *status)
{
	for (;;) {
		pid_t r = waitpid(tid, status, __WALL);
		if (r == tid)
			return WIFSTOPPED(*status) ? 0 : -ESRCH;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

int tracee_finish_syscall(pid_t tid, int *pending_sig)
{
	int status, err;

	for (;;) {
		if (ptrace(PTRACE_SYSCALL, tid, 0, 0))
			return -errno;
		if ((err = wait_stop(tid, &status)))
			return err;
		if (WSTOPSIG(status) == (SIGTRAP | 0x80))
			return 0;
		if (!(status >> 16) && WSTOPSIG(status) != SIGTRAP && pending_sig && !*pending_sig)
			*pending_sig = WSTOPSIG(status);
	}
}

/* A thread stopped inside a system call that a signal or PTRACE_INTERRUPT
 * broke off holds -ERESTART* in rax; the kernel restarts the call when the
 * thread goes back to user mode from that stop.  Running another syscall in
 * between consumes that chance, so the restart is made by hand, as the
 * kernel would: rax back to the call's number, rip back onto the syscall
 * instruction.  Without this, glibc sees -512 from futex and aborts. */
static void restart_interrupted_syscall(struct user_regs_struct *r)
{
	long rax = (long)r->rax;

	if ((long)r->orig_rax < 0)
		return;
	if (rax == -512 || rax == -513 || rax == -514) { /* ERESTARTSYS, NOINTR, NOHAND */
		r->rax = r->orig_rax;
		r->rip -= 2;
	} else if (rax == -516) { /* ERESTART_RESTARTBLOCK */
		r->rax = SYS_restart_syscall;
		r->rip -= 2;
	}
}

int tracee_inject_syscall(pid_t tid, uint64_t syscall_insn, long nr, const long args[6], long *ret,
			  int *pending_sig)
{
	struct user_regs_struct saved, r;
	int status, err, phase = 0;

	if ((err = tracee_getregs(tid, &saved)))
		return err;
	r = saved;
	r.rip = syscall_insn;
	r.rax = (unsigned long long)nr;
	r.orig_rax = (unsigned long long)-1; /* not in a syscall: no restart logic */
	r.rdi = (unsigned long long)args[0];
	r.rsi = (unsigned long long)args[1];
	r.rdx = (unsigned long long)args[2];
	r.r10 = (unsigned long long)args[3];
	r.r8 = (unsigned long long)args[4];
	r.r9 = (unsigned long long)args[5];
	if ((err = tracee_setregs(tid, &r)))
		return err;
	while (phase < 2) {
		if (ptrace(PTRACE_SYSCALL, tid, 0, 0))
			return -errno;
		if ((err = wait_stop(tid, &status)))
			return err;
		int sig = WSTOPSIG(status);
		if (sig == (SIGTRAP | 0x80)) {
			phase++;
			continue;
		}
		if (status >> 16) /* an event stop (e.g. PTRACE_EVENT_STOP): go on */
			continue;
		/* a signal arrived first: keep it for later, run the syscall */
		if (sig != SIGTRAP && pending_sig && !*pending_sig)
			*pending_sig = sig;
	}
	if ((err = tracee_getregs(tid, &r)))
		return err;
	*ret = (long)r.rax;
	restart_interrupted_syscall(&saved);
	return tracee_setregs(tid, &saved);
}

int tracee_check_program(const char *name, char **path, char *err, size_t errlen)
{
	unsigned char hdr[20];
	struct stat st;

	*path = tracee_find_program(name);
	if (!*path) {
		int e = errno;
		if (!strchr(name, '/') && e == ENOENT)
			snprintf(err, errlen, "cannot run '%s': command not found", name);
		else
			snprintf(err, errlen, "cannot run '%s': %s", name, strerror(e));
		return e == ENOENT || e == ENOTDIR ? 127 : 126;
	}
	if (!stat(*path, &st) && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cannot run '%s': %s", name, strerror(EISDIR));
		return 126;
	}
	if (access(*path, X_OK)) {
		snprintf(err, errlen, "cannot run '%s': %s", name, strerror(errno));
		return 126;
	}
	int fd = open(*path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", *path, strerror(errno));
		return 126;
	}
	ssize_t n = read(fd, hdr, sizeof hdr);
	close(fd);
	if (n >= 2 && hdr[0] == '#' && hdr[1] == '!')
		return 0; /* a script: its interpreter is what gets traced */
	if (n < 20 || memcmp(hdr, ELFMAG, SELFMAG)) {
		snprintf(err, errlen, "'%s' is not an executable program (not ELF)", *path);
		return 126;
	}
	if (hdr[EI_CLASS] != ELFCLASS64 || (hdr[18] | hdr[19] << 8) != EM_X86_64) {
		snprintf(err, errlen, "'%s' is not an x86-64 program; leaktrace traces x86-64 only",
			 *path);
		return 126;
	}
	return 0;
}
