/* ringread: the fast path's front end of the event path.
 *
 * Consumes the ring's records as they are published and turns each into
 * the same entry/return calls of events.c a breakpoint stop makes, with the
 * frames the stub walked (or unwound here from the stack copy it carries,
 * teaching the stubs the rules as it goes).  Also the one hard case of a
 * shared ring: a record claimed and never published. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "leaktrace/allocfns.h"

#include "session_int.h"

/* Teaches the stubs the unwinding rules of the frames just unwound from a
 * stack copy, so that they walk such stacks themselves from now on. */
static void teach_rules(struct session *s, const uint64_t *pcs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct unwind_rule ur;
		uint64_t key = i ? pcs[i] - 1 : pcs[i];
		if (!unwind_rule(s->uw, key, &ur))
			return; /* the stubs stop walking at this frame anyway */
		if (ur.complex || ur.rbp_off < INT16_MIN || ur.rbp_off > INT16_MAX) {
			/* no rule a stub can follow: it copies the stack from
			 * this frame on, without asking again (FP_RULE_COPY) */
			struct fp_rule fr = { .key = key, .flags = FP_RULE_COPY };
			fp_rule_teach(s->fp.ring, &fr);
			return;
		}
		struct fp_rule fr = { .key = key,
				      .cfa_off = ur.cfa_off,
				      .rbp_off = (int16_t)ur.rbp_off,
				      .flags = (uint8_t)((ur.cfa_rbp ? FP_RULE_CFA_RBP : 0) |
							 (ur.rbp_saved ? FP_RULE_RBP_AT : 0) |
							 (ur.outermost ? FP_RULE_END : 0)) };
		if (!fp_rule_teach(s->fp.ring, &fr))
			return;
	}
}

struct record_ctx {
	struct thread *th;
	const struct fp_rec *rec;
	uint64_t index;
	unsigned memo_n; /* record_known: the frames it looked up (0: none) */
};

/* A walk that stopped at frame k >= 1 (fastpath.h, the rule table): frames
 * 0..k-1 as walked, the rest unwound from the copy, which starts at frame
 * k's sp, with frame k's return address and rbp. */
static unsigned walked_then_copied(struct session *s, const struct record_ctx *c, uint64_t *pcs,
				   uint64_t *sps, unsigned max)
{
	const struct fp_rec *rec = c->rec;
	unsigned k = rec->nframes - 1, n;
	uint64_t pc, sp, rbp, unused;

	fp_rec_frame(rec, k, &pc, &sp);
	fp_rec_frame(rec, k + 1, &rbp, &unused);
	n = unwind_capture_walked(s->uw, rec->frames, k < max ? k : max, pcs, max);
	const uint64_t *last = unwind_last_sps(s->uw, &n);
	memcpy(sps, last, n * sizeof *sps);
	if (n < k || n >= max)
		return n;
	/* frame k is a return address: the unwind looks its rule up at
	 * pc - 1, as for any caller (an unwind's first frame is taken as
	 * exact) */
	struct user_regs_struct r = { .rip = pc - 1, .rsp = sp, .rbp = rbp };
	unsigned m = unwind_capture_copy(s->uw, c->th->tid, &r, fp_ring_copy(s->fp.ring, c->index),
					 rec->stack_len, pcs + k, max - k);
	pcs[k] = pc;
	last = unwind_last_sps(s->uw, &m);
	memcpy(sps + k, last, (k + m < max ? m : max - k) * sizeof *sps);
	return k + m;
}

/* The memo slot of a record's first n frames. */
static size_t memo_slot(const struct fp_rec *rec, unsigned n)
{
	uint64_t pc1 = 0, pcn, sp;

	if (n > 1)
		fp_rec_frame(rec, 1, &pc1, &sp);
	fp_rec_frame(rec, n - 1, &pcn, &sp);
	uint64_t h = (pc1 * 0x9e3779b97f4a7c15ull) ^ (pcn * 0xc2b2ae3d27d4eb4full) ^
		     ((uint64_t)rec->op << 8) ^ n;
	return (size_t)((h * 0xbf58476d1ce4e5b9ull) >> 56) % STACK_MEMO_SLOTS;
}

/* frames_source.known: a walked record whose first n frames were seen
 * before.  The stack pointers as events_stack sets them: the entry rsp,
 * then the frames' (last_walk: read from the record only if an error asks,
 * while the record is consumed). */
static inline __attribute__((always_inline)) bool record_known(struct session *s, void *ctx,
							       unsigned n, uint32_t *id)
{
	struct record_ctx *c = ctx;
	const struct fp_rec *rec = c->rec;

	c->memo_n = 0;
	if (!rec->nframes || rec->stack_len)
		return false; /* not walked, or walked in part (walked_then_copied) */
	if (n > rec->nframes)
		n = rec->nframes;
	if (n > FP_MAX_WALK)
		n = FP_MAX_WALK;
	if (n > STACK_MEMO_PCS)
		return false;
	c->memo_n = n;
	const struct stack_memo *m = &s->fp.memo[memo_slot(rec, n)];
	if (m->n != n || m->op != rec->op)
		return false;
	for (unsigned i = 0; i < n; i++) {
		uint64_t pc, sp;
		fp_rec_frame(rec, i, &pc, &sp);
		if (pc != m->pcs[i])
			return false;
	}
	s->ev.last_sps[0] = rec->rsp;
	s->ev.last_walk = rec->frames;
	s->ev.last_nsps = n;
	*id = m->id;
	s->fp.nwalked++;
	return true;
}

static void record_learn(struct session *s, void *ctx, uint32_t id)
{
	const struct record_ctx *c = ctx;
	const struct fp_rec *rec = c->rec;
	unsigned n = c->memo_n;

	if (!n)
		return;
	struct stack_memo *m = &s->fp.memo[memo_slot(rec, n)];
	for (unsigned i = 0; i < n; i++) {
		uint64_t sp;
		fp_rec_frame(rec, i, &m->pcs[i], &sp);
	}
	m->id = id;
	m->op = rec->op;
	m->n = (uint16_t)n;
}

/* The frames of an entry record: walked by its stub (or by us, when the
 * stub met a pc without a rule: ringread_learn), or unwound here from the
 * stack copy it carries, from the entry or from where the walk stopped. */
static unsigned record_frames(struct session *s, void *ctx, const struct user_regs_struct *r,
			      uint64_t *pcs, uint64_t *sps, unsigned max)
{
	const struct record_ctx *c = ctx;
	const struct fp_rec *rec = c->rec;
	unsigned n;

	if (rec->nframes && rec->stack_len && rec->nframes < FP_MAX_WALK) {
		n = walked_then_copied(s, c, pcs, sps, max);
		s->fp.ncopied++;
		if (s->fp.ring->max_frames)
			teach_rules(s, pcs, n);
		return n;
	}
	if (rec->nframes) {
		n = rec->nframes < FP_MAX_WALK ? rec->nframes : FP_MAX_WALK;
		unwind_capture_walked(s->uw, rec->frames, n, pcs, max);
		s->fp.nwalked++;
	} else {
		n = unwind_capture_copy(s->uw, c->th->tid, r, fp_ring_copy(s->fp.ring, c->index),
					rec->stack_len, pcs, max);
		s->fp.ncopied++;
		if (s->fp.ring->max_frames)
			teach_rules(s, pcs, n);
	}
	const uint64_t *last = unwind_last_sps(s->uw, &n);
	memcpy(sps, last, (n < max ? n : max) * sizeof *sps);
	return n;
}

int ringread_learn(struct session *s, struct thread *th, const struct fast_patch *fp,
		   struct user_regs_struct *regs)
{
	const struct fp_ring_hdr *h = s->fp.ring;
	uint64_t first = s->fp.ring_addr + sizeof *h, at = regs->r10;

	/* the record's slot: anything else, and the stub publishes what it
	 * walked (nframes, written before the trap) */
	if (at >= first && at < first + h->capacity * h->rec_size &&
	    (at - first) % h->rec_size == 0) {
		struct fp_rec *rec =
		    (struct fp_rec *)((uint8_t *)s->fp.ring + (at - s->fp.ring_addr));
		unsigned max = h->max_frames < FP_MAX_WALK ? (unsigned)h->max_frames : FP_MAX_WALK;
		/* the callee-saved registers at the entry (fastpath.h,
		 * FP_FLAG_LEARN): rbp as it is, the others on the stub's stack */
		uint64_t saved[FP_SAVED_N] = { 0 };
		if (rec->op < s->hk.nfns && max &&
		    target_read(&s->tm, regs->rsp, saved, sizeof saved) == sizeof saved) {
			struct user_regs_struct r = { .rip = s->hk.fns[rec->op].addr,
						      .rsp = rec->rsp,
						      .rbx = saved[FP_SAVED_RBX],
						      .rbp = regs->rbp,
						      .r12 = saved[FP_SAVED_R12],
						      .r13 = saved[FP_SAVED_R13],
						      .r14 = saved[FP_SAVED_R14],
						      .r15 = saved[FP_SAVED_R15],
						      .rdi = rec->rdi,
						      .rsi = rec->rsi,
						      .rdx = rec->rdx };
			uint64_t pcs[FP_MAX_WALK];
			unsigned n = unwind_capture(s->uw, th->tid, &r, pcs, max), m;
			const uint64_t *sps = unwind_last_sps(s->uw, &m);
			for (unsigned i = 0; i < n; i++) {
				uint64_t sp = i < m ? sps[i] : 0;
				memcpy(rec->frames + 16 * (size_t)i, &pcs[i], 8);
				memcpy(rec->frames + 16 * (size_t)i + 8, &sp, 8);
			}
			rec->nframes = n;
			teach_rules(s, pcs, n);
			s->fp.nlearned++;
		}
	}
	regs->rip = fp->learn_resume;
	return tracee_setregs(th->tid, regs);
}

/* A return record: the call on top of the thread's pending calls, after
 * those a longjmp abandoned (their slots lie below). */
static void on_return_record(struct session *s, struct thread *th, const struct fp_rec *rec)
{
	while (th->ncalls && th->calls[th->ncalls - 1].sp < rec->rsp)
		th->ncalls--;
	if (!th->ncalls || th->calls[th->ncalls - 1].sp != rec->rsp)
		return;
	/* by pointer: the slot stays as it is until the next entry */
	const struct pending_call *pc = &th->calls[--th->ncalls];
	if (!pc->ignore)
		events_return(s, th, pc, rec->rax);
}

static void on_generic_record(struct session *s, struct thread *th, const struct fp_rec *rec,
			      uint64_t index);

/* One fast-path record, translated into the event API as a breakpoint stop
 * would be, with the registers and frames the record carries.  A recorded
 * free passed its stub's checks and has happened: it is accounted, and
 * reported if bad, but cannot be stopped. */
static int on_record(const struct fp_rec *rec, uint64_t index, void *ctx)
{
	struct session *s = ctx;
	struct thread *th = tracee_thread(s->tr, (pid_t)rec->tid);

	if (!th || th->kind != TK_THREAD || rec->op >= s->hk.nfns)
		return 0; /* a vfork child on our memory: not ours to count */
	if (rec->phase == FP_RETURN) {
		on_return_record(s, th, rec);
		return 0;
	}
	/* the common record, with a stack seen before: events.c's short way */
	if (events_plain_applies(s, th, rec->op, rec->ret, rec->phase == FP_CALL)) {
		struct record_ctx rc = { th, rec, index, 0 };
		struct plain_call pc = { rec->op, rec->rdi, rec->rsi, rec->ret, rec->rax, 0 };
		if (record_known(s, &rc, events_known_frames(s), &pc.stack_id)) {
			events_plain(s, th, &pc);
			return 0;
		}
	}
	on_generic_record(s, th, rec, index);
	return 0;
}

/* Any other entry record, through events_entry (and events_return for an
 * FP_CALL record).  Apart from on_record, whose common case then needs
 * none of this frame. */
static __attribute__((noinline)) void on_generic_record(struct session *s, struct thread *th,
							const struct fp_rec *rec, uint64_t index)
{
	/* the registers a record has, the rest 0: s->fp.regs was cleared once
	 * (clearing a struct user_regs_struct at every record was a tenth of
	 * the tracer's time per record) */
	struct user_regs_struct *r = &s->fp.regs;
	r->rip = s->hk.fns[rec->op].addr;
	r->rsp = rec->rsp;
	r->rdi = rec->rdi;
	r->rsi = rec->rsi;
	r->rdx = rec->rdx;
	/* the unwinder's start on a stack copy; a walked record has no use for
	 * them (and its stub did not write them): 0, cleared once */
	if (!rec->nframes || s->fp.regs_saved) {
		bool copied = !rec->nframes;
		r->rbx = copied ? rec->rbx : 0;
		r->rbp = copied ? rec->rbp : 0;
		r->r12 = copied ? rec->r12 : 0;
		r->r13 = copied ? rec->r13 : 0;
		r->r14 = copied ? rec->r14 : 0;
		r->r15 = copied ? rec->r15 : 0;
		s->fp.regs_saved = copied;
	}
	struct record_ctx rc = { th, rec, index, 0 };
	struct call_entry e = { .fn = rec->op,
				.regs = r,
				.ret = rec->ret,
				.frames = { record_frames, &rc, record_known, record_learn },
				.returns_seen = true,
				.can_reject = false };
	enum entry_verdict v = events_entry(s, th, &e);
	/* an FP_CALL record is its call's return too: the call just entered,
	 * if it was followed, is on top (where on_return_record would find
	 * it) */
	if (rec->phase == FP_CALL && v == ENTRY_PENDING)
		events_return(s, th, &th->calls[--th->ncalls], rec->rax);
	else if (rec->phase == FP_CALL)
		on_return_record(s, th, rec);
}

uint64_t ringread_drain(struct session *s)
{
	uint64_t t0 = __rdtsc();
	uint64_t n = fp_consume(&s->fp.cons, on_record, s);
	s->fp.drain_ticks += __rdtsc() - t0; /* -v: the tracer's time per record */

	s->fp.nrecords += n;
	if (s->fp.failsafe && !s->fp.gave_up_seen && !s->life.detaching && s->fp.ring &&
	    (__atomic_load_n(&s->fp.ring->flags, __ATOMIC_ACQUIRE) & FP_FLAG_DISABLED)) {
		/* a fail-safe stub waited too long for room and stopped recording */
		s->fp.gave_up_seen = true;
		s->rep.incomplete = true;
		session_say(s,
			    "Warning: the program waited too long for leaktrace to read its "
			    "allocations; nothing is recorded from now on, and the report covers "
			    "what came before");
	}
	return n;
}

/* A ring-full trap that cannot end by itself: the oldest unconsumed record
 * was claimed by a writer that will never publish it (it left its stub by a
 * longjmp from a signal handler, or died in it), so "drained" cannot pass
 * it and every writer a lap further on waits for good.  Once the ring has
 * been stuck at the same index for HOLE_MS of such traps, all threads are
 * stopped, the ring drained once more (the writer may just have been slow),
 * and their registers read: a writer between its claim and its publish
 * holds its index in rax or r8 (r8 is index + 1 for the last instruction),
 * and a writer a signal handler interrupted has a stub frame under it (it
 * is given HOLE_HANDLER_MS: a handler that blocks for longer, e.g. until
 * another thread's allocations, would otherwise hang the program).  If
 * none holds this one, the record is given up (counted, and reported once)
 * and the ring goes on.  The trapping thread itself is not asked: if it is a
 * handler on top of its own claim, it waits for itself, and giving the
 * record up is the only way on (its stub, resumed later, then writes into a
 * slot of a later lap: see ARCHITECTURE.md). */
void ringread_check_hole(struct session *s, struct thread *th, uint64_t want)
{
	struct fp_ring_hdr *h = s->fp.ring;
	struct timespec now;

	/* want: an index a writer waits to use (in the trap loop, rax) */
	if (s->fp.hole_check || want - h->drained < h->capacity || s->fp.cons.next >= want)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (s->fp.hole != s->fp.cons.next + 1) {
		s->fp.hole = s->fp.cons.next + 1;
		s->fp.hole_since = now;
		return;
	}
	long stuck_ms = session_us_between(&s->fp.hole_since, &now) / 1000;
	if (stuck_ms < HOLE_MS)
		return;
	s->fp.hole_check = true;
	threads_stop_all(s, th);
	/* the writer may have published since the last drain: then there is
	 * no hole, and its record must be read, not given up */
	ringread_drain(s);
	uint64_t hole = s->fp.cons.next;
	bool held = hole + 1 != s->fp.hole || hole >= __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
	size_t n;
	struct thread **ths = threads_live(s, &n);
	for (size_t i = 0; i < n && !held; i++) {
		struct user_regs_struct tr;
		if (ths[i] != th && !ths[i]->dead && !tracee_getregs(ths[i]->tid, &tr))
			held = (fastpatch_in_stub(s, tr.rip) &&
				(tr.rax == hole || tr.r8 == hole || tr.r8 == hole + 1)) ||
			       fastpatch_call_holds(s, ths[i], &tr, hole) ||
			       (stuck_ms < HOLE_HANDLER_MS &&
				fastpatch_stub_interrupted(s, ths[i], &tr));
	}
	free(ths);
	if (!held) {
		fp_consume_give_up(&s->fp.cons, hole);
		if (!s->fp.nlost++)
			session_say(s,
				    "Warning: an allocator call was left in the middle of its "
				    "record (longjmp out of a signal handler, or a thread killed "
				    "in it); its event is lost");
		s->fp.hole = 0;
	}
	threads_resume_held(s, th);
	s->fp.hole_check = false;
}
