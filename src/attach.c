/* attach: taking hold of a running process, every thread of it.
 *
 * PTRACE_SEIZE does not stop anything; PTRACE_INTERRUPT then stops each
 * thread in a PTRACE_EVENT_STOP that the program cannot observe.  Threads
 * created while we go through /proc/PID/task are caught either because
 * their creator was already seized (PTRACE_O_TRACECLONE attaches them
 * automatically) or because the next reading of the task list shows them;
 * the list is read until two readings agree.  Whatever goes wrong midway,
 * the threads already seized are detached again, so a failed attach never
 * leaves the process stopped. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "leaktrace/attach.h"
#include "leaktrace/procmaps.h"

void attach_comm(pid_t pid, char *buf, size_t len)
{
	char fn[64];
	FILE *f;

	snprintf(fn, sizeof fn, "/proc/%d/comm", (int)pid);
	buf[0] = '\0';
	if ((f = fopen(fn, "re"))) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

bool attach_is_kernel_thread(pid_t pid)
{
	uint64_t flags;

	return !procmaps_stat_field(pid, 0, 9, &flags) && (flags & 0x00200000u); /* PF_KTHREAD */
}

int attach_check(pid_t pid, char *err, size_t errlen)
{
	char buf[256], fn[64];

	if (pid == getpid()) {
		snprintf(err, errlen, "cannot attach to %d: that is leaktrace itself", (int)pid);
		return -1;
	}
	if (kill(pid, 0) && errno == ESRCH) {
		snprintf(err, errlen, "cannot attach to %d: no such process", (int)pid);
		return -1;
	}
	if (procmaps_status_field(pid, "State", buf, sizeof buf) == 0 && buf[0] == 'Z') {
		snprintf(err, errlen,
			 "cannot attach to %d: it is a zombie (it has exited and "
			 "waits for its parent)",
			 (int)pid);
		return -1;
	}
	if (attach_is_kernel_thread(pid)) {
		char comm[64];
		attach_comm(pid, comm, sizeof comm);
		snprintf(err, errlen,
			 "cannot attach to %d: it is a kernel thread (%s), with no user "
			 "memory to trace",
			 (int)pid, comm[0] ? comm : "?");
		return -1;
	}
	if (procmaps_status_field(pid, "TracerPid", buf, sizeof buf) == 0 && atoi(buf) != 0) {
		char comm[64];
		attach_comm(atoi(buf), comm, sizeof comm);
		snprintf(err, errlen,
			 "cannot attach to %d: it is already traced by process %s (%s)", (int)pid,
			 buf, comm[0] ? comm : "?");
		return -1;
	}
	snprintf(fn, sizeof fn, "/proc/%d/exe", (int)pid);
	int fd = open(fn, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		unsigned char hdr[20];
		ssize_t n = read(fd, hdr, sizeof hdr);
		close(fd);
		if (n == (ssize_t)sizeof hdr && !memcmp(hdr, ELFMAG, SELFMAG) &&
		    (hdr[EI_CLASS] != ELFCLASS64 || (hdr[18] | hdr[19] << 8) != EM_X86_64)) {
			snprintf(err, errlen,
				 "cannot attach to %d: it is not an x86-64 process "
				 "(leaktrace traces x86-64 only)",
				 (int)pid);
			return -1;
		}
	}
	return 0;
}

static void release_all(struct tracee *t)
{
	size_t n;
	struct thread **ths = tracee_list(t, &n);

	for (size_t i = 0; i < n; i++) {
		int sig = 0, st = ths[i]->held_status;
		if (WIFSTOPPED(st) && !(st >> 16) && WSTOPSIG(st) != SIGTRAP)
			sig = WSTOPSIG(st);
		ptrace(PTRACE_DETACH, ths[i]->tid, 0, (void *)(long)sig);
	}
	free(ths);
}

static const char *perm_hint(int e)
{
	return e == EPERM ? " (is it another user's, or is ptrace restricted by "
			    "/proc/sys/kernel/yama/ptrace_scope?)"
			  : "";
}

/* Seizes and stops one thread; -errno, or 0 (ESRCH for a thread that has
 * just exited is no failure: *gone is set). */
static int seize_one(struct tracee *t, pid_t tid, unsigned long options, unsigned *numbered,
		     bool *gone)
{
	int status;

	*gone = false;
	if (ptrace(PTRACE_SEIZE, tid, 0, (void *)options)) {
		if (errno == ESRCH) {
			*gone = true;
			return 0;
		}
		return -errno;
	}
	struct thread *th = tracee_thread_add(t, tid);
	if (!th)
		return -ENOMEM;
	th->kind = TK_THREAD;
	th->num = ++*numbered;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0)) {
		th->dead = true;
		return 0;
	}
	for (;;) {
		pid_t r = waitpid(tid, &status, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || !WIFSTOPPED(status)) {
			th->dead = true;
			*gone = true;
			return 0;
		}
		th->state = TH_STOPPED;
		th->held_status = status;
		if (!(status >> 16) && WSTOPSIG(status) != SIGTRAP)
			th->pending_sig = WSTOPSIG(status);
		return 0;
	}
}

int attach_seize_all(struct tracee *t, pid_t pid, unsigned long options, unsigned *numbered,
		     char *err, size_t errlen)
{
	char dir[64];
	bool changed = true, gone;
	int e;

	/* the leader first, so it is thread 1 */
	if ((e = seize_one(t, pid, options, numbered, &gone)) || gone) {
		snprintf(err, errlen, "cannot attach to %d: %s%s", (int)pid,
			 gone ? "it exited" : strerror(-e), gone ? "" : perm_hint(-e));
		release_all(t);
		return -1;
	}
	snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
	for (int pass = 0; changed && pass < 1000; pass++) {
		DIR *d = opendir(dir);
		struct dirent *de;
		if (!d) {
			snprintf(err, errlen, "cannot attach to %d: it exited during the attach",
				 (int)pid);
			release_all(t);
			return -1;
		}
		changed = false;
		while ((de = readdir(d))) {
			pid_t tid = atoi(de->d_name);
			if (tid <= 0 || tracee_thread(t, tid))
				continue;
			changed = true;
			if ((e = seize_one(t, tid, options, numbered, &gone))) {
				closedir(d);
				snprintf(err, errlen, "cannot attach to thread %d of %d: %s%s",
					 (int)tid, (int)pid, strerror(-e), perm_hint(-e));
				release_all(t);
				return -1;
			}
		}
		closedir(d);
	}
	return 0;
}
