/* waitloop: the wait loop, every stop classified once and dispatched.
 *
 * A wait status is one of the kinds of enum stop_kind (a ptrace event, a
 * group-stop, an int3 or trap of ours, a fault in a stub, a signal for the
 * program, an exit); the loop reads the fast path's ring at every stop, so
 * that the heap map is current before any stop is handled. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>

#include "leaktrace/childfilter.h"

#include "session_int.h"

static bool is_group_stop(int status)
{
	int sig = WSTOPSIG(status);
	return (status >> 16) == PTRACE_EVENT_STOP &&
	       (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU);
}

/* A SIGSEGV is ours when it is a stub's load: the stack copy or walk ran
 * off the end of a stack, or the free check read through a wild pointer. */
static void classify_fault(struct session *s, struct stop *st)
{
	uint64_t rip = st->regs.rip;

	st->kind = STOP_SIGNAL;
	if (!s->fp.npatch)
		return;
	if ((st->resume = fastpatch_fault_resume(s, rip)))
		st->kind = STOP_STUB_FAULT;
	else if ((st->patch = fastpatch_free_check(s, rip, true)))
		st->kind = STOP_FREE_FAULT;
}

/* A SIGTRAP is ours when rip - 1 is one of our int3s. */
static void classify_trap(struct session *s, struct stop *st)
{
	uint64_t at = st->regs.rip - 1;

	if (fastpatch_ring_full_trap(s, at)) {
		st->kind = STOP_RING_FULL;
	} else if ((st->patch = fastpatch_learn_trap(s, at))) {
		st->kind = STOP_LEARN;
	} else if ((st->patch = fastpatch_free_check(s, at, false))) {
		st->kind = STOP_FREE_CHECK;
	} else if ((st->bp = bptab_lookup(s->bt, at))) {
		st->kind = STOP_ENTRY;
	} else {
		switch (bptab_which_trap(s->bt, at)) {
		case TRAP_RETURN:
			st->kind = STOP_RETURN;
			break;
		case TRAP_INJECT:
			st->kind = STOP_INJECTED;
			break;
		default:
			st->kind = STOP_FOREIGN_TRAP;
			break;
		}
	}
}

void waitloop_classify(struct session *s, pid_t tid, int status, struct stop *st)
{
	*st = (struct stop){ .status = status };
	if (!WIFSTOPPED(status)) {
		st->kind = STOP_GONE;
		return;
	}
	st->event = status >> 16;
	st->sig = WSTOPSIG(status);
	if (st->event == PTRACE_EVENT_STOP) {
		st->kind = is_group_stop(status) ? STOP_GROUP : STOP_INTERRUPT;
	} else if (st->event) {
		st->kind = STOP_EVENT;
	} else if (st->sig == (SIGTRAP | 0x80)) {
		st->kind = STOP_SYSCALL;
	} else if (st->sig != SIGTRAP && st->sig != SIGSEGV) {
		st->kind = STOP_SIGNAL;
	} else if (tracee_getregs(tid, &st->regs)) {
		st->kind = st->sig == SIGTRAP ? STOP_FOREIGN_TRAP : STOP_SIGNAL;
	} else {
		st->have_regs = true;
		if (st->sig == SIGSEGV)
			classify_fault(s, st);
		else
			classify_trap(s, st);
	}
}

/* An int3 of the breakpoint table: an allocator's entry, or one of the
 * other functions hooked (the loader's notification, exit, _exit, the
 * descriptor functions). */
static int on_entry(struct session *s, struct thread *th, struct stop *st)
{
	const struct breakpoint *bp = st->bp;
	struct user_regs_struct *r = &st->regs;

	switch (bp->tag) {
	case TAG_DLSTATE: {
		int32_t state = -1;
		if (s->hk.rdebug)
			target_read(&s->tm, s->hk.rdebug + 24, &state, 4);
		if (state == RT_CONSISTENT)
			hooks_install(s);
		r->rip = bp->resume;
		return tracee_setregs(th->tid, r);
	}
	case TAG_EXIT:
		return exitpath_on_exit(s, th, bp, r);
	case TAG_EXIT_CALL:
		exitpath_clear_dead_stack(s, r->rsp);
		r->rip = bp->resume;
		return tracee_setregs(th->tid, r);
	case TAG_MAIN:
		s->ev.before_main = false;
		r->rip = bp->resume;
		return tracee_setregs(th->tid, r);
	default:
		if (bp->tag >= TAG_FD_BASE)
			return fdevents_entry(s, th, bp, r);
		return bpevents_entry(s, th, bp, r);
	}
}

/* A trap or fault of ours: handled, and the thread resumed (or killed, when
 * it cannot safely go on). */
static int on_ours(struct session *s, struct thread *th, struct stop *st)
{
	int err = 0;

	s->hk.borrow_tid = th->tid;
	/* the ring was drained when this stop was reaped (waitloop_run), or by
	 * the report that held the thread: the heap map is current */
	switch (st->kind) {
	case STOP_RING_FULL:
		s->fp.nfull++;
		ringread_check_hole(s, th, st->regs.rax);
		break; /* drained: the stub claims its slot again */
	case STOP_LEARN:
		err = ringread_learn(s, th, st->patch, &st->regs);
		break;
	case STOP_FREE_CHECK:
	case STOP_FREE_FAULT:
		err = bpevents_suspect_free(s, th, st->patch, &st->regs);
		break;
	case STOP_STUB_FAULT:
		s->fp.nfaults++;
		st->regs.rip = st->resume;
		err = tracee_setregs(th->tid, &st->regs);
		break;
	case STOP_ENTRY:
		err = on_entry(s, th, st);
		break;
	case STOP_RETURN:
		err = bpevents_return(s, th, &st->regs);
		break;
	case STOP_INJECTED:
		err = exitpath_inject_done(s, th);
		break;
	default:
		break;
	}
	if (err == -EFAULT) {
		kill(th->tid, SIGKILL);
		return 0;
	}
	return tracee_cont(th, 0);
}

static int handle_event(struct session *s, struct thread *th, int status)
{
	int event = status >> 16;
	unsigned long msg = 0;

	switch (event) {
	case PTRACE_EVENT_EXEC:
		if (!s->life.exec_seen) {
			s->life.exec_seen = true;
			if (hooks_setup_after_exec(s, th->tid)) {
				lt_error("cannot trace %s; it runs on untraced",
					 s->cfg->target_argv[0]);
				ptrace(PTRACE_DETACH, th->tid, 0, 0);
				s->life.detached = true;
				return -1;
			}
			return tracee_cont(th, 0);
		}
		/* a new program: as memcheck, no report is written for the old
		 * one; without --trace-children=yes it runs untraced */
		if (s->cfg->trace_children && !childfilter_skip_pid(s->cfg, th->tid) &&
		    !children_restart_for_exec(s, th))
			return tracee_cont(th, 0);
		s->life.final_done = true;
		ptrace(PTRACE_DETACH, th->tid, 0, 0);
		s->life.detached = true;
		return 0;
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		if (children_on_fork(s, th, event))
			return 0; /* a copy of leaktrace now: th is no longer ours */
		return tracee_cont(th, 0);
	case PTRACE_EVENT_EXIT: {
		ptrace(PTRACE_GETEVENTMSG, th->tid, 0, &msg);
		size_t live = threads_live_count(s);
		bool killed = WIFSIGNALED((int)msg);
		if (s->err.exit_now && !s->life.final_done) {
			/* --exit-on-first-error: as memcheck, no leak check */
			s->life.final_done = true;
			session_say(s, "%s", "");
			session_say(s, "Exit program on first error (--exit-on-first-error=yes)");
		}
		if (!s->life.final_done && (s->life.group_exiting || killed || live <= 1)) {
			th->state = TH_EXITING;
			leakcheck_final(s, th);
		} else {
			/* one thread leaves (pthread_exit): the process runs on */
			threads_switch_memory(s, th);
			th->dead = true;
		}
		return tracee_cont(th, 0);
	}
	case PTRACE_EVENT_STOP:
		if (is_group_stop(status)) {
			th->state = TH_RUNNING;
			return ptrace(PTRACE_LISTEN, th->tid, 0, 0) ? -errno : 0;
		}
		return tracee_cont(th, 0);
	default:
		return tracee_cont(th, 0);
	}
}

/* What the ring's polling word says while we poll: our CPU + 1 when the
 * stubs can tell theirs (FP_FLAG_RDTSCP), else 1. */
static uint64_t polling_value(const struct session *s)
{
	int cpu;

	if (!s->fp.ring || !(s->fp.ring->flags & FP_FLAG_RDTSCP) || (cpu = sched_getcpu()) < 0)
		return 1;
	return (uint64_t)cpu + 1;
}

/* After a drain that caught up with the program: let the next records pile
 * up for BATCH_US before we look again.  Every look at the ring's head takes
 * its cache line from the program's next claim, and reading records at the
 * edge takes the lines the program is still writing (an FP_CALL record is
 * published at its call's return): each such line then crosses between the
 * two CPUs twice.  Where that crossing is slow (the two vCPUs far apart on
 * the host: ~200 ns one way measured here, against ~45 ns at other times),
 * a tracer that polled as fast as it could made 1,000,000 malloc/free pairs
 * run 3x slower than in the fast placement.  Read in batches, most lines
 * cross once.  A program thread on our own CPU gets the CPU instead. */
static void batch_wait(struct session *s, const struct timespec *from)
{
	struct timespec now;

	if (s->fp.cpu_shared) {
		sched_yield();
		return;
	}
	do {
		for (int k = 0; k < 16; k++)
			__builtin_ia32_pause();
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (session_us_between(from, &now) < BATCH_US);
}

/* Moves the tracer off CPU cpu, which it shares with the program, when it
 * may run on another: the two then run side by side again.  Sharing is a
 * trap the scheduler does not get them out of: each yields to the other
 * while it waits (the tracer for records, a stub for room in the ring), so
 * both look cache-hot and lightly loaded, and load balancing leaves them
 * together.  A million malloc/free pairs spent up to a third of their time
 * that way (400-500 context switches where a run side by side makes
 * 60-150).  Only while the program has fewer threads than we have CPUs.
 * The program is not touched: its CPU mask is part of what it sees. */
static bool leave_cpu(struct session *s, int cpu)
{
	cpu_set_t mask;

	/* with as many program threads as CPUs, we share one with some
	 * thread wherever we go */
	if (sched_getaffinity(0, sizeof mask, &mask) ||
	    tracee_threads(s->tr, NULL, 0) >= (size_t)CPU_COUNT(&mask))
		return false;
	return tracee_leave_cpu(cpu);
}

/* The next stop of any tracee.  Events come in bursts (an allocator call
 * is an entry stop and a return stop microseconds apart), and a sleeping
 * tracer costs each stop a wake-up of its CPU, the bulk of a stop's price in
 * a VM (FACTS.md: ~50 us asleep, ~15 us spinning).  So the tracer polls for a
 * short while before it sleeps, and consumes the fast path's records
 * meanwhile; when the program computes for longer, it sleeps as before and
 * costs nothing.  A poll that finds nothing yields the CPU: a program thread
 * the scheduler put on the same CPU then runs at once instead of waiting for
 * the end of our time slice (1,000,000 malloc/free pairs with tracer and
 * program pinned to one CPU: 0.9 s -> 0.6 s). */
static pid_t wait_next(struct session *s, int *status)
{
	struct timespec t0, now, waited;
	pid_t r;
	int yield = -1; /* unknown until the first quiet YIELD_US */
	bool first = true;
	uint64_t n;

	clock_gettime(CLOCK_MONOTONIC, &t0); /* the last time something came */
	now = waited = t0;
	for (;;) {
		/* a stub that finds the ring full waits for us while we poll,
		 * rather than trap, or yields us our CPU if it shares it
		 * (fastpath.h: polling) */
		fp_consume_polling(&s->fp.cons, polling_value(s));
		/* with a ring, stops are looked for every WAIT_BUSY_US, not at
		 * every look at the ring: a waitpid is a system call, and a
		 * drain may be a handful of records (a million pairs made
		 * 24,000 of them) */
		if (first || !s->fp.ring || session_us_between(&waited, &now) >= WAIT_BUSY_US) {
			r = waitpid(-1, status, __WALL | WNOHANG);
			if (r != 0)
				return r;
			waited = now;
			first = false;
		}
		/* the ring is shared memory: consume it while the program runs,
		 * so that it seldom fills and stops the program */
		if (s->fp.ring &&
		    __atomic_load_n(&s->fp.ring->head, __ATOMIC_ACQUIRE) > s->fp.cons.next &&
		    (n = ringread_drain(s))) {
			clock_gettime(CLOCK_MONOTONIC, &t0); /* busy: keep polling */
			now = t0;
			yield = -1;
			if (n < BATCH_RECORDS)
				batch_wait(s, &t0);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		long quiet = session_us_between(&t0, &now);
		if (quiet > SPIN_US)
			break;
		/* yield only to a program thread that shares our CPU: with
		 * another process there, a yield would give it a whole slice.
		 * Asked at most once a millisecond (a read of /proc) */
		if (quiet > YIELD_US && yield < 0) {
			if (!s->fp.cpu_asked.tv_sec ||
			    session_us_between(&s->fp.cpu_asked, &now) > 1000) {
				int cpu = sched_getcpu();
				s->fp.cpu_shared = cpu >= 0 &&
						   tracee_thread_cpu(s->pid, s->pid) == cpu &&
						   !leave_cpu(s, cpu);
				s->fp.cpu_asked = now;
			}
			yield = s->fp.cpu_shared;
		}
		if (yield > 0) {
			sched_yield();
		} else if (s->fp.ring) {
			/* a look at the ring's head takes its line from the
			 * program's next claim: look about once a microsecond */
			for (int k = 0; k < 16; k++)
				__builtin_ia32_pause();
		} else {
			__builtin_ia32_pause();
		}
	}
	if (s->fp.failsafe && s->fp.ring) {
		/* fail-safe stubs never stop for a full ring: poll it, and look
		 * for a hole when it stays full.  0 lets the loop look at its
		 * timers and flags before it comes back */
		uint64_t head = __atomic_load_n(&s->fp.ring->head, __ATOMIC_ACQUIRE);
		if (head - s->fp.ring->drained >= s->fp.ring->capacity)
			ringread_check_hole(s, NULL, head);
		struct timespec nap = { 0, POLL_US * 1000 };
		nanosleep(&nap, NULL);
		return 0;
	}
	fp_consume_polling(&s->fp.cons, 0);
	if (s->prof && s->fp.ring) {
		/* the heap over time (--timeline, massif) is sampled as records
		 * are read: asleep until the next stop, we would read a program
		 * that allocates a little now and then in a few big batches, at
		 * a few instants (a ring fills every hundred ticks of the
		 * slow-leak server), and its growth would not show */
		struct timespec nap = { 0, PROF_POLL_US * 1000 };
		nanosleep(&nap, NULL);
		return 0;
	}
	return waitpid(-1, status, __WALL);
}

int waitloop_dispatch(struct session *s, struct thread *th, int status)
{
	struct stop st;

	waitloop_classify(s, th->tid, status, &st);
	switch (st.kind) {
	case STOP_GONE:
		return 0;
	case STOP_EVENT:
	case STOP_GROUP:
	case STOP_INTERRUPT:
		return handle_event(s, th, status);
	case STOP_SYSCALL:
		return tracee_cont(th, 0);
	case STOP_SIGNAL:
		/* a signal for the program: deliver it unchanged */
		if (s->life.exec_seen)
			memerrors_fatal_signal(s, th, st.sig);
		return tracee_cont(th, st.sig);
	case STOP_FOREIGN_TRAP:
		return tracee_cont(th, SIGTRAP);
	default:
		return on_ours(s, th, &st);
	}
}

/* One wait result: 1 when the leader has exited (the session is over), -1
 * when the program could not be traced at its exec, else 0. */
static int on_wait_result(struct session *s, pid_t tid, int status)
{
	/* a thread's records are all published before it can stop or exit:
	 * take them while it is still known.  Every stop is handled after
	 * this, so this is where they see a current heap map. */
	ringread_drain(s);
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		tracee_thread_del(s->tr, tid);
		if (tid != s->pid)
			return 0;
		s->life.exit_status = status;
		s->life.exited = true;
		return 1;
	}
	s->life.nstops++;
	struct thread *th = tracee_thread(s->tr, tid);
	if (!th) {
		/* a thread or a child reporting before it was announced */
		th = tracee_thread_add(s->tr, tid);
		if (!th) {
			ptrace(PTRACE_CONT, tid, 0, 0);
			return 0;
		}
		if (threads_tgid(tid) == s->pid) {
			th->kind = TK_THREAD;
			th->num = ++s->life.threads_seen;
		} else {
			th->kind = TK_UNKNOWN;
		}
	}
	if (th->kind != TK_THREAD) {
		children_on_stop(s, th, status);
		return 0;
	}
	th->state = TH_STOPPED;
	if (waitloop_dispatch(s, th, status) < 0 && !s->life.exec_seen)
		return -1;
	return 0;
}

bool waitloop_run_for(struct session *s, long ms)
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		int status;
		pid_t tid = waitpid(-1, &status, __WALL | WNOHANG);
		if (tid > 0) {
			if (on_wait_result(s, tid, status))
				return false;
			continue;
		}
		if (tid < 0 && errno != EINTR)
			return false;
		ringread_drain(s);
		struct timespec nap = { 0, 200 * 1000 };
		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (session_us_between(&t0, &now) < ms * 1000);
	return true;
}

int waitloop_run(struct session *s)
{
	for (;;) {
		int status;

		int stop_sig = ownsignals_stop_requested();
		if (stop_sig && !s->life.detached) {
			if (s->rep.attached) {
				attached_end(s);
				return 0;
			}
			detach_interrupted(s, stop_sig);
			s->life.stopped_by = stop_sig;
			return 0;
		}
		if ((s->rep.attached || s->cfg->interval) && s->life.exec_seen &&
		    !s->life.final_done && attached_timers(s))
			return 0;
		if (s->life.children_held && children_take_held(s))
			continue; /* a copy of leaktrace now */
		pid_t tid = wait_next(s, &status);
		if (tid == 0)
			continue;
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				return 0;
			return -errno;
		}
		int r = on_wait_result(s, tid, status);
		if (r)
			return r > 0 ? 0 : -1;
	}
}
