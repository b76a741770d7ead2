/* exitpath: what happens when the program calls exit().
 *
 * At exit() everything below the stack pointer is dead: cleared, so that no
 * stale pointer there keeps a lost block alive.  At _exit the freeres
 * functions memcheck runs (libstdc++'s and libc's) are called inside the
 * target, one after the other, before the process ends; in a static
 * binary, which has no __libc_freeres, the parts that function is made of. */
#include <errno.h>

#include "leaktrace/procmaps.h"
#include "leaktrace/symbols.h"

#include "session_int.h"

/* A static glibc has no __libc_freeres (nothing links it in), but it has
 * the pieces that function calls, in its order: the NSS freeres functions,
 * _IO_cleanup, the functions listed in the section __libc_subfreeres
 * (buffer_free there frees the stdio buffers _IO_cleanup set aside), libdl's
 * and libpthread's, then free() of each pointer in __libc_freeres_ptrs.
 * Those not linked in are skipped.  Call number i of that sequence: fn and
 * its one argument; false past the end.  Entries are read from the target,
 * so a static-pie's relocated pointers are right. */
static bool static_freeres_call(struct session *s, unsigned i, uint64_t *fn, uint64_t *arg)
{
	static const char *const before[] = { "__nss_module_freeres", "__nss_action_freeres",
					      "__nss_database_freeres", "_IO_cleanup" };
	static const char *const after[] = { "__libdl_freeres", "__libpthread_freeres" };
	uint64_t cleanup, size, sec, len, fr;

	if (hooks_bind(s, "_IO_cleanup", &cleanup, &size))
		return false; /* no static glibc */
	*arg = 0;
	for (size_t k = 0; k < sizeof before / sizeof *before; k++)
		if (!hooks_bind(s, before[k], fn, &size) && i-- == 0)
			return true;
	if (!symbols_find_section(s->sym, cleanup, "__libc_subfreeres", &sec, &len)) {
		for (uint64_t a = sec; a + 8 <= sec + len; a += 8) {
			if (target_read(&s->tm, a, fn, 8) != 8)
				return false;
			if (*fn && i-- == 0)
				return true;
		}
	}
	for (size_t k = 0; k < sizeof after / sizeof *after; k++)
		if (!hooks_bind(s, after[k], fn, &size) && i-- == 0)
			return true;
	if (symbols_find_section(s->sym, cleanup, "__libc_freeres_ptrs", &sec, &len) ||
	    hooks_bind(s, "free", &fr, &size))
		return false;
	for (uint64_t a = sec; a + 8 <= sec + len; a += 8) {
		uint64_t p;
		if (target_read(&s->tm, a, &p, 8) != 8)
			return false;
		if (p && i-- == 0) {
			*fn = fr;
			*arg = p;
			return true;
		}
	}
	return false;
}

/* Calls the next freeres function in the target, or returns false when
 * none is left.  The thread runs it like any code: its frees are counted. */
static bool inject_next_call(struct session *s, struct thread *th)
{
	uint64_t fn = 0, arg = 0;
	unsigned i = th->inject_next++;

	if (s->cfg->run_cxx_freeres && s->hk.cxx_freeres && i-- == 0)
		fn = s->hk.cxx_freeres;
	else if (s->cfg->run_libc_freeres && s->hk.libc_freeres && i-- == 0)
		fn = s->hk.libc_freeres;
	else if (s->cfg->run_libc_freeres && !s->hk.libc_freeres &&
		 !static_freeres_call(s, i, &fn, &arg))
		return false;
	if (!fn)
		return false;
	struct user_regs_struct r = th->inject_saved;
	uint64_t trap = bptab_trap(s->bt, TRAP_INJECT);
	r.rsp = ((r.rsp - 256) & ~(uint64_t)15) - 8; /* below the red zone, ABI-aligned */
	if (target_write(&s->tm, r.rsp, &trap, 8))
		return false;
	r.rip = fn;
	r.rdi = arg;
	r.rax = 0;
	r.orig_rax = (unsigned long long)-1;
	if (tracee_setregs(th->tid, &r))
		return false;
	return true;
}

/* At exit() everything below the stack pointer is dead.  memcheck sees the
 * frames the exit path then builds there as undefined except what they
 * write, so the stale pointers of earlier, deeper calls that linger in
 * those frames never count.  Clearing the dead stack now gives the scan
 * the same view; no correct program can tell, as it never reads stack it
 * did not write. */
void exitpath_clear_dead_stack(struct session *s, uint64_t sp)
{
	static const uint8_t zero[16384];
	struct maps m;

	if (procmaps_read(s->tm.pid, &m))
		return;
	const struct mapping *mp = procmaps_find(&m, sp);
	if (mp && mp->w) {
		uint64_t from = mp->start;
		for (uint64_t a = from; a < sp; a += sizeof zero) {
			size_t len = sp - a < sizeof zero ? (size_t)(sp - a) : sizeof zero;
			if (target_write(&s->tm, a, zero, len))
				break;
		}
	}
	procmaps_free(&m);
}

int exitpath_on_exit(struct session *s, struct thread *th, const struct breakpoint *bp,
		     struct user_regs_struct *r)
{
	s->life.group_exiting = true;
	s->life.exit_tid = th->tid;
	th->inject_saved = *r;
	th->inject_resume = bp->resume;
	th->inject_next = 0;
	th->in_inject = true;
	if (inject_next_call(s, th))
		return 0;
	th->in_inject = false;
	r->rip = bp->resume;
	return tracee_setregs(th->tid, r);
}

int exitpath_inject_done(struct session *s, struct thread *th)
{
	if (!th->in_inject)
		return -EFAULT;
	if (inject_next_call(s, th))
		return 0;
	th->in_inject = false;
	struct user_regs_struct r = th->inject_saved;
	r.rip = th->inject_resume;
	return tracee_setregs(th->tid, &r);
}

/* A thread inside an injected freeres call (or at the trap it returns to)
 * when we detach: it goes back to where it was stopped at _exit's entry
 * (the out-of-line copy of _exit's first instruction, which the caller
 * translates back to _exit itself), and ends the process from there. */
void exitpath_abandon(struct thread *th, struct user_regs_struct *r)
{
	*r = th->inject_saved;
	r->rip = th->inject_resume;
	th->in_inject = false;
}
