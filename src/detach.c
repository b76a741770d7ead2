/* detach: leaving the target as if we had never been there.
 *
 * Every thread stopped and moved off our traps and out-of-line copies, the
 * return addresses we redirected put back, the int3s and stubs removed, the
 * scratch unmapped, then PTRACE_DETACH with the signal each thread had
 * pending. */
#include <errno.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "session_int.h"

/* Leaves the process as if we had never been there: every thread stopped
 * and moved off our traps and out-of-line copies, the return addresses we
 * redirected put back, the int3s removed, the scratch unmapped, then
 * PTRACE_DETACH with the signal each thread had pending.  A thread held at
 * an int3 it has just hit is rewound to the breakpoint address, so that
 * after the original byte is back it runs the real instruction. */
/* The children our threads forked that are still ours: held before their
 * parent's fork event came, or stopping only now (forked while we
 * detached).  Each carries copies of our int3s: cleaned and let go, or it
 * would die at its first allocator call once we are gone.  A child sharing
 * our memory (vfork, CLONE_VM) was cleaned with it. */
static void release_children(struct session *s)
{
	struct timespec t0, quiet, now;
	bool pending;
	size_t n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	quiet = t0;
	do {
		int st;
		pid_t tid = waitpid(-1, &st, __WALL | WNOHANG);
		if (tid > 0 && WIFSTOPPED(st)) {
			struct thread *ch = tracee_thread(s->tr, tid);
			if (!ch && (ch = tracee_thread_add(s->tr, tid)))
				ch->kind = TK_UNKNOWN;
			if (ch) {
				ch->state = TH_STOPPED;
				ch->held_status = st;
			}
			clock_gettime(CLOCK_MONOTONIC, &quiet); /* another may follow */
		} else if (tid > 0) {
			tracee_thread_del(s->tr, tid);
		}
		pending = false;
		struct thread **all = tracee_list(s->tr, &n);
		for (size_t i = 0; i < n; i++) {
			struct thread *ch = all[i];
			if (ch->kind == TK_THREAD)
				continue;
			if (ch->state != TH_STOPPED) {
				pending = true; /* announced by a fork event, not stopped yet */
				continue;
			}
			bool shares =
			    syscall(SYS_kcmp, (long)s->pid, (long)ch->tid, KCMP_VM, 0L, 0L) == 0;
			if (shares) {
				ptrace(PTRACE_DETACH, ch->tid, 0, 0);
				tracee_thread_del(s->tr, ch->tid);
			} else {
				children_release(s, ch);
			}
		}
		free(all);
		if (tid <= 0) {
			struct timespec nap = { 0, 500 * 1000 };
			nanosleep(&nap, NULL);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((pending || session_us_between(&quiet, &now) < CHILD_WAIT_MS * 1000) &&
		 session_us_between(&t0, &now) < CHILD_GIVE_UP_MS * 1000);
}

/* A thread held at its fork, vfork or clone event: the child it made is
 * ours too, and must be waited for and let go with the others. */
static void note_forked_child(struct session *s, struct thread *th, const struct stop *st)
{
	unsigned long msg = 0;

	if (st->kind != STOP_EVENT ||
	    (st->event != PTRACE_EVENT_FORK && st->event != PTRACE_EVENT_VFORK &&
	     st->event != PTRACE_EVENT_CLONE) ||
	    ptrace(PTRACE_GETEVENTMSG, th->tid, 0, &msg) || !msg ||
	    threads_tgid((pid_t)msg) == s->pid)
		return;
	struct thread *ch = tracee_thread(s->tr, (pid_t)msg);
	if (!ch && (ch = tracee_thread_add(s->tr, (pid_t)msg))) {
		ch->kind = TK_FORK_CHILD;
		ch->state = TH_RUNNING;
	}
}

/* Moves a held thread off whatever of ours it is stopped at, so that once
 * our code is gone it runs what it would have run untraced. */
static void release_held_stop(struct session *s, struct thread *th, struct user_regs_struct *r)
{
	struct stop st;

	waitloop_classify(s, th->tid, th->held_status, &st);
	note_forked_child(s, th, &st);
	switch (st.kind) {
	case STOP_ENTRY:
		r->rip = st.bp->addr; /* the original byte is put back */
		break;
	case STOP_RETURN:
		/* the call whose slot held the trap: one slot below rsp */
		while (th->ncalls > 1 && th->calls[th->ncalls - 1].sp + 8 != r->rsp)
			th->ncalls--;
		if (th->ncalls)
			r->rip = th->calls[--th->ncalls].ret;
		break;
	case STOP_RING_FULL:
		/* resumed after its int3, the claim loop finds the ring
		 * disabled and drops its record */
		break;
	case STOP_LEARN:
		/* resumed after its int3, the stub publishes what it walked,
		 * into a ring nobody reads any more */
		break;
	case STOP_FREE_CHECK:
	case STOP_FREE_FAULT:
		r->rip = st.patch->func; /* the call starts afresh */
		if (th->pending_sig == SIGSEGV)
			th->pending_sig = 0;
		break;
	case STOP_STUB_FAULT:
		r->rip = st.resume; /* the stub takes what it has, as in the loop */
		if (th->pending_sig == SIGSEGV)
			th->pending_sig = 0;
		break;
	case STOP_FOREIGN_TRAP:
		th->pending_sig = SIGTRAP; /* the program's own */
		break;
	default:
		break; /* STOP_INJECTED: below, with any stop inside freeres */
	}
	if (th->in_inject)
		exitpath_abandon(th, r);
}

void detach_all(struct session *s)
{
	uint64_t starts[32], lens[32];
	size_t n;

	threads_stop_all(s, NULL);
	struct thread **ths = threads_live(s, &n);
	for (size_t i = 0; i < n; i++) {
		struct thread *th = ths[i];
		struct user_regs_struct r;
		if (th->state == TH_RUNNING)
			continue;
		threads_take_pending_trap(th);
		if (tracee_getregs(th->tid, &r))
			continue;
		release_held_stop(s, th, &r);
		uint64_t orig;
		if (bptab_translate_ool(s->bt, r.rip, &orig))
			r.rip = orig;
		tracee_setregs(th->tid, &r);
		/* allocator calls still under way return to their real caller:
		 * only where our trap is in the slot (a fast-path call never had
		 * its return address moved, and a call already returned has
		 * left a slot the thread may use for something else by now) */
		uint64_t trap = bptab_trap(s->bt, TRAP_RETURN);
		while (th->ncalls) {
			struct pending_call *pc = &th->calls[--th->ncalls];
			uint64_t cur = 0;
			if (target_read(&s->tm, pc->sp, &cur, 8) == 8 && cur == trap)
				target_write(&s->tm, pc->sp, &pc->ret, 8);
		}
	}
	/* with every thread held no new child can appear, and the table that
	 * says which bytes to put back in a child's copy is still whole */
	release_children(s);
	bptab_remove_all(s->bt);
	/* the stubs record nothing from now on and the entries are put back;
	 * unless a thread is still inside one (in malloc, called from its
	 * stub, it returns there), stubs and ring are unmapped with the rest */
	bool unmap = true;
	if (s->fp.ring) {
		ringread_drain(s);
		__atomic_or_fetch(&s->fp.ring->flags, FP_FLAG_DISABLED, __ATOMIC_SEQ_CST);
		fp_ring_wake(s->fp.ring);
		fastpatch_restore_into(s, &s->tm);
		unmap = fastpatch_stubs_idle(s, ths, n);
		if (!unmap && s->cfg->verbose)
			fprintf(
			    s->log,
			    "--%d-- leaktrace: a thread is inside an allocator call made from a "
			    "stub: stubs and ring stay mapped, disabled\n",
			    s->pid);
	}
	size_t ns = unmap ? bptab_scratch(s->bt, starts, lens, 32) : 0;
	for (size_t i = 0; i < ns && i < 32 && n && s->hk.syscall_insn; i++) {
		long ret, args[6] = { (long)starts[i], (long)lens[i], 0, 0, 0, 0 };
		tracee_inject_syscall(ths[0]->tid, s->hk.syscall_insn, SYS_munmap, args, &ret,
				      &ths[0]->pending_sig);
	}
	if (unmap && s->fp.ring && n && s->hk.syscall_insn) {
		long ret, args[6] = { (long)s->fp.ring_addr, (long)s->fp.ring_size, 0, 0, 0, 0 };
		tracee_inject_syscall(ths[0]->tid, s->hk.syscall_insn, SYS_munmap, args, &ret,
				      &ths[0]->pending_sig);
	}
	for (size_t i = 0; i < n; i++) {
		int sig = ths[i]->pending_sig;
		ptrace(PTRACE_DETACH, ths[i]->tid, 0, (void *)(long)sig);
		ths[i]->state = TH_RUNNING;
	}
	free(ths);
	s->life.detached = true;
}

bool detach_quiesce_stubs(struct session *s)
{
	if (!s->fp.ring || s->life.exited)
		return !s->life.exited;
	threads_stop_all(s, NULL);
	ringread_drain(s);
	__atomic_or_fetch(&s->fp.ring->flags, FP_FLAG_DISABLED, __ATOMIC_SEQ_CST);
	fp_ring_wake(s->fp.ring);
	fastpatch_restore_into(s, &s->tm);
	for (int i = 0; i < QUIESCE_TRIES; i++) {
		size_t n;
		struct thread **ths = threads_live(s, &n);
		bool idle = fastpatch_stubs_idle(s, ths, n);
		free(ths);
		if (idle)
			return true;
		threads_resume_held(s, NULL);
		if (!waitloop_run_for(s, 5))
			return false;
		threads_stop_all(s, NULL);
	}
	return true;
}

/* leaktrace itself was asked to stop: report what we have, leave the
 * program running untouched. */
void detach_interrupted(struct session *s, int sig)
{
	if (!s->life.final_done && s->life.exec_seen) {
		s->rep.incomplete = true;
		session_say(s,
			    "leaktrace: interrupted by signal %d (%s); the report covers "
			    "what ran until now, and the program runs on untraced",
			    sig, strsignal(sig));
		s->life.detaching = true;
		leakcheck_final(s, NULL);
	}
	if (!s->life.detached && detach_quiesce_stubs(s))
		detach_all(s);
}
