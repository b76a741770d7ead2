/* detach: leaving the target as if we had never been there.
 *
 * Every thread stopped and moved off our traps and out-of-line copies, the
 * return addresses we redirected put back, the int3s and stubs removed, the
 * scratch unmapped, then PTRACE_DETACH with the signal each thread had
 * pending. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "session_int.h"

/* Leaves the process as if we had never been there: every thread stopped
 * and moved off our traps and out-of-line copies, the return addresses we
 * redirected put back, the int3s removed, the scratch unmapped, then
 * PTRACE_DETACH with the signal each thread had pending.  A thread held at
 * an int3 it has just hit is rewound to the breakpoint address, so that
 * after the original byte is back it runs the real instruction. */
/* Moves a held thread off whatever of ours it is stopped at, so that once
 * our code is gone it runs what it would have run untraced. */
static void release_held_stop(struct session *s, struct thread *th, struct user_regs_struct *r)
{
	struct stop st;

	waitloop_classify(s, th->tid, th->held_status, &st);
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
	bptab_remove_all(s->bt);
	/* the stubs record nothing from now on and the entries are put back;
	 * unless a thread is still inside one (in malloc, called from its
	 * stub, it returns there), stubs and ring are unmapped with the rest */
	bool unmap = true;
	if (s->fp.ring) {
		ringread_drain(s);
		__atomic_or_fetch(&s->fp.ring->flags, FP_FLAG_DISABLED, __ATOMIC_RELEASE);
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
	__atomic_or_fetch(&s->fp.ring->flags, FP_FLAG_DISABLED, __ATOMIC_RELEASE);
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
		fprintf(s->log,
			"==%d== leaktrace: interrupted by signal %d (%s); the report covers "
			"what ran until now, and the program runs on untraced\n",
			s->pid, sig, strsignal(sig));
		s->life.detaching = true;
		leakcheck_final(s, NULL);
	}
	if (!s->life.detached && detach_quiesce_stubs(s))
		detach_all(s);
}
