/* bpevents: the breakpoint front end of the event path.
 *
 * An int3 at an allocator's entry: read the registers and the return
 * address, hand the entry to events.c, and if the call is to be followed
 * redirect its return address to our return trap.  At the return trap: the
 * result goes to events.c and the thread on to the real return address. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "leaktrace/allocfns.h"

#include "session_int.h"

/* Frames unwound live from the stopped thread (ctx). */
static unsigned live_frames(struct session *s, void *ctx, const struct user_regs_struct *r,
			    uint64_t *pcs, uint64_t *sps, unsigned max)
{
	const struct thread *th = ctx;
	unsigned n;

	unwind_capture(s->uw, th->tid, r, pcs, max);
	const uint64_t *last = unwind_last_sps(s->uw, &n);
	memcpy(sps, last, (n < max ? n : max) * sizeof *sps);
	return n;
}

uint32_t bpevents_capture(struct session *s, struct thread *th, const struct user_regs_struct *r,
			  const struct op_marker *mk, const struct alloc_request *req)
{
	uint64_t pcs[MAX_FRAMES], sps[MAX_FRAMES];
	unsigned max = events_max_frames(s);
	struct frames f = { pcs, sps, live_frames(s, th, r, pcs, sps, max) };

	return events_stack(s, &f, max, r, mk, req);
}

/* Sends the thread back to its caller as if the function had returned. */
static int return_now(struct thread *th, struct user_regs_struct *r, uint64_t ret)
{
	r->rip = ret;
	r->rsp += 8;
	r->rax = 0;
	return tracee_setregs(th->tid, r);
}

/* What the fast path's stubs do (see hooks.c's zeroes_new): glibc's
 * usable bytes of the chunk at p, from its header; 0 when it is mmapped
 * (fresh pages, zero already) or cannot be read. */
static uint64_t usable_bytes(struct session *s, uint64_t p, bool mmapped_too)
{
	uint64_t hdr;

	if (target_read(&s->tm, p - 8, &hdr, 8) != 8 || ((hdr & 2) && !mmapped_too))
		return 0;
	hdr &= ~(uint64_t)7;
	return hdr > 8 ? hdr - 8 : 0;
}

/* A new block's bytes from from on zeroed, as the stubs zero them. */
static void zero_new_block(struct session *s, uint64_t p, uint64_t from)
{
	uint64_t n = usable_bytes(s, p, false);

	if (n > from && n - from <= FP_ZERO_MAX)
		target_fill(&s->tm, p + from, n - from, 0);
}

/* At the entry of a call whose new block is to be zeroed: from where.  A
 * realloc's: past both its old chunk's usable bytes (taken a little large
 * for an mmapped one, so that nothing the program wrote is zeroed) and the
 * new size asked, as the stubs do. */
static void zero_plan(struct session *s, struct pending_call *pc, const struct user_regs_struct *r)
{
	if (pc->fn < 0 || (unsigned)pc->fn >= s->hk.nfns || !s->hk.fns[pc->fn].zero_new)
		return;
	if (allocfn_table[s->hk.fns[pc->fn].afn].kind == AFN_REALLOC && r->rdi) {
		pc->zero_from = usable_bytes(s, r->rdi, true);
		if (!pc->zero_from)
			return; /* unreadable: zero nothing rather than what it copies */
		if (pc->zero_from > r->rsi)
			pc->zero_from = r->rsi;
	}
	pc->zero = true;
}

/* A free that goes on to glibc, held back as the fast path's stubs hold it
 * (fastpatch.h's fp_ring_set_hold), when only breakpoints see frees: the
 * chunk p takes the oldest held one's slot and the tcache_key in its second
 * word; that one, if any, goes to glibc in its place, else the call returns
 * at once.  In the fast path a free at a breakpoint (a trap) is not held:
 * the stubs change the ring's slots at the same time. */
static int hold_free(struct session *s, struct thread *th, struct user_regs_struct *r, uint64_t ret)
{
	uint64_t p = r->rdi, hdr, key, old, zero = 0, size;
	unsigned t;

	if (!p || s->fp.ring || target_read(&s->tm, p - 8, &hdr, 8) != 8 || (hdr & 2) ||
	    !(key = glibcheap_tcache_key(s)))
		return tracee_setregs(th->tid, r);
	size = hdr & ~(uint64_t)7;
	t = size > session_hold_cap(0);
	uint64_t n = session_hold_slots(s, t);
	if (!n || size > session_hold_cap(t))
		return tracee_setregs(th->tid, r);
	if (!s->hk.hold[t] && !(s->hk.hold[t] = calloc(n, sizeof *s->hk.hold[t])))
		return tracee_setregs(th->tid, r);
	if (target_write(&s->tm, p + 8, &key, 8))
		return tracee_setregs(th->tid, r);
	uint64_t *slot = &s->hk.hold[t][s->hk.hold_head[t]++ & (n - 1)];
	old = *slot;
	*slot = p;
	if (!old)
		return return_now(th, r, ret);
	target_write(&s->tm, old + 8, &zero, 8);
	r->rdi = old;
	return tracee_setregs(th->tid, r);
}

int bpevents_entry(struct session *s, struct thread *th, const struct breakpoint *bp,
		   struct user_regs_struct *r)
{
	uint64_t ret = 0;

	r->rip = bp->resume;
	if (target_read(&s->tm, r->rsp, &ret, 8) != 8)
		return tracee_setregs(th->tid, r);
	struct user_regs_struct at_entry = *r;
	at_entry.rip = bp->addr;
	struct call_entry e = { .fn = (unsigned)bp->tag,
				.regs = &at_entry,
				.ret = ret,
				.frames = { .get = live_frames, .ctx = th },
				.returns_seen = false,
				.can_reject = true };

	switch (events_entry(s, th, &e)) {
	case ENTRY_REJECT:
		return return_now(th, r, ret);
	case ENTRY_PENDING:
		if (target_write(&s->tm, r->rsp, &s->hk.trap_return, 8))
			events_cancel(s, th); /* its return cannot be caught */
		else if (th->ncalls)
			zero_plan(s, &th->calls[th->ncalls - 1], &at_entry);
		break;
	default:
		if (bp->tag >= 0 && (unsigned)bp->tag < s->hk.nfns && s->hk.fns[bp->tag].hold)
			return hold_free(s, th, r, ret);
		break;
	}
	return tracee_setregs(th->tid, r);
}

int bpevents_suspect_free(struct session *s, struct thread *th, const struct fast_patch *fp,
			  struct user_regs_struct *r)
{
	struct breakpoint bp = { .addr = fp->func,
				 .resume = fp->check_trap + 1,
				 .tag = (int)fp->fn };

	return bpevents_entry(s, th, &bp, r);
}

int bpevents_return(struct session *s, struct thread *th, struct user_regs_struct *r)
{
	/* after the ret, rsp is one slot above the entry's: drop calls that a
	 * longjmp abandoned (their slots lie below) */
	while (th->ncalls && th->calls[th->ncalls - 1].sp + 8 < r->rsp)
		th->ncalls--;
	if (!th->ncalls || th->calls[th->ncalls - 1].sp + 8 != r->rsp) {
		lt_error("internal error: thread %d returned to the trap from an unknown call; "
			 "killing it to avoid running on at a wrong address",
			 th->tid);
		return -EFAULT;
	}
	struct pending_call pc = th->calls[--th->ncalls];
	uint64_t res = r->rax;

	if (pc.fdfn >= 0) {
		fdevents_return(s, &pc, (int64_t)res);
		r->rip = pc.ret;
		return tracee_setregs(th->tid, r);
	}

	if (res && pc.zero)
		zero_new_block(s, res, pc.zero_from);
	events_return(s, th, &pc, res);
	r->rip = pc.ret;
	return tracee_setregs(th->tid, r);
}
