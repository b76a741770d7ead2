/* threads: stopping, holding and resuming the target's threads.
 *
 * A report, a detach or a ring check needs every thread stopped: each is
 * interrupted and the stop it reports first is held (an interrupt, a
 * signal, an int3 already hit, its exit), to be handled or delivered when
 * the threads are let go again. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "leaktrace/procmaps.h"

#include "session_int.h"

static bool is_thread(const struct thread *th)
{
	return th->kind == TK_THREAD && !th->dead;
}

struct thread **threads_live(struct session *s, size_t *n)
{
	size_t all;
	struct thread **v = tracee_list(s->tr, &all);

	*n = 0;
	for (size_t i = 0; i < all; i++)
		if (is_thread(v[i]))
			v[(*n)++] = v[i];
	return v;
}

size_t threads_live_count(struct session *s)
{
	size_t n;

	free(threads_live(s, &n));
	return n;
}

/* Lets go every thread threads_stop_all() held.  One that was held at an
 * int3 of ours is handled as that stop would have been. */
void threads_resume_held(struct session *s, struct thread *except)
{
	size_t n;
	struct thread **ths = threads_live(s, &n);

	for (size_t i = 0; i < n; i++) {
		struct thread *th = ths[i];
		if (th == except || th->state == TH_RUNNING)
			continue;
		int st = th->held_status;
		th->held_status = 0;
		/* a trap or a fault may be ours: handled as the stop would
		 * have been (a fault of the program's is delivered there) */
		if (WIFSTOPPED(st) && !(st >> 16) &&
		    (WSTOPSIG(st) == SIGTRAP || WSTOPSIG(st) == SIGSEGV)) {
			if (th->pending_sig == WSTOPSIG(st))
				th->pending_sig = 0;
			waitloop_dispatch(s, th, st);
			continue;
		}
		/* a fork event: the child is ours to handle, but from the
		 * wait loop (a copy of leaktrace may take it over) */
		int event = WIFSTOPPED(st) ? st >> 16 : 0;
		if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
		    event == PTRACE_EVENT_CLONE)
			children_note_fork(s, th, event);
		int sig = th->pending_sig;
		th->pending_sig = 0;
		tracee_cont(th, sig);
	}
	free(ths);
}

/* Stops every running thread and remembers the stop each one reports
 * first: an interrupt, a signal, an int3 already hit, or its exit. */
void threads_stop_all(struct session *s, struct thread *except)
{
	size_t n;
	struct thread **ths = threads_live(s, &n);

	for (size_t i = 0; i < n; i++) {
		struct thread *th = ths[i];
		int status;
		if (th == except || th->state != TH_RUNNING)
			continue;
		if (ptrace(PTRACE_INTERRUPT, th->tid, 0, 0)) {
			th->dead = true;
			continue;
		}
		for (;;) {
			pid_t r = waitpid(th->tid, &status, __WALL);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 || !WIFSTOPPED(status)) {
				th->dead = true; /* gone: nothing to scan */
				th->state = TH_EXITING;
				break;
			}
			th->held_status = status;
			th->state = (status >> 16) == PTRACE_EVENT_EXIT ? TH_EXITING : TH_STOPPED;
			if (!(status >> 16) && WSTOPSIG(status) != SIGTRAP &&
			    WSTOPSIG(status) != (SIGTRAP | 0x80))
				th->pending_sig = WSTOPSIG(status);
			break;
		}
	}
	free(ths);
}

pid_t threads_tgid(pid_t tid)
{
	return (pid_t)procmaps_status_number(tid, "Tgid", 10, (unsigned long long)-1);
}

/* Memory is read through a live thread: once the leader has gone (main
 * called pthread_exit) /proc/PID/mem of the leader reads nothing. */
void threads_switch_memory(struct session *s, struct thread *gone)
{
	size_t n;
	struct thread **ths = threads_live(s, &n);

	for (size_t i = 0; i < n && s->tm.pid == gone->tid; i++) {
		if (ths[i] == gone)
			continue;
		target_mem_close(&s->tm);
		if (!target_mem_open(&s->tm, ths[i]->tid))
			break;
	}
	free(ths);
}

/* A thread can hit an int3 of ours just as PTRACE_INTERRUPT stops it: the
 * interrupt is reported first and the SIGTRAP stays pending, to kill the
 * thread as soon as we detach (memleax's issue #39, delve's PR #1772).  So
 * a pending SIGTRAP is let in now: the thread stops again at once to
 * deliver it, which becomes its held stop, handled like any trap of ours. */
void threads_take_pending_trap(struct thread *th)
{
	unsigned long long pending = procmaps_status_number(th->tid, "SigPnd", 16, 0);
	int status;

	if (!(pending & (1ull << (SIGTRAP - 1))))
		return;
	int st = th->held_status;
	if (WIFSTOPPED(st) && !(st >> 16) && WSTOPSIG(st) == SIGTRAP)
		return; /* that trap is the stop we hold */
	if (ptrace(PTRACE_CONT, th->tid, 0, 0))
		return;
	for (;;) {
		pid_t r = waitpid(th->tid, &status, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == th->tid && WIFSTOPPED(status)) {
			th->held_status = status;
			if (!(status >> 16) && WSTOPSIG(status) != SIGTRAP)
				th->pending_sig = WSTOPSIG(status);
		} else {
			th->dead = true;
		}
		return;
	}
}
