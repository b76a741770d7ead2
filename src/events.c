/* events: the one event API of the tracer side.
 *
 * Both front ends (bpevents.c for breakpoint stops, ringread.c for ring
 * records) translate what they saw into an entry (struct call_entry) and a
 * return, and everything else is decided here, once: the operator-new/delete
 * marker, the nesting rule, the frame limit, the stack as memcheck shows it,
 * bad frees and reallocs, and the shadow heap's updates. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "leaktrace/allocfns.h"

#include "leaktrace/heapprof.h"
#include "leaktrace/procmaps.h"

#include "session_int.h"

uint32_t events_intern(struct session *s, const uint64_t *pcs, unsigned n)
{
	uint32_t id = stacktab_intern(s->stacks, pcs, n);
	return id == STACKTAB_NONE ? 0 : id;
}

uint32_t events_stack(struct session *s, const struct frames *f, unsigned max,
		      const struct user_regs_struct *r, const struct op_marker *mk,
		      const struct alloc_request *req)
{
	uint64_t out[MAX_FRAMES];
	const uint64_t *pcs = f->pcs, *sps = f->sps;
	unsigned n, k = 0, i = 1, nsps = f->n;

	n = nsps < max ? nsps : max;
	s->ev.last_sps[0] = r->rsp;
	s->ev.last_walk = NULL;
	if (mk) {
		out[k++] = mk->op_addr;
		while (i < n && hooks_in_fn_range(s, pcs[i] - 1, true))
			i++;
	} else {
		/* The first frames as memcheck's replacements nest: its
		 * realloc(NULL, n) is its malloc, its aligned_alloc and valloc
		 * are its memalign, and its posix_memalign calls its memalign.
		 * Suppression files written against memcheck name these. */
		uint64_t first = pcs[0], a;
		if ((req->kind == AFN_REALLOC || req->kind == AFN_REALLOCARRAY) && !req->old_ptr &&
		    (a = hooks_fn_addr(s, "malloc")))
			first = a;
		else if ((req->kind == AFN_MEMALIGN || req->kind == AFN_VALLOC ||
			  req->kind == AFN_POSIX_MEMALIGN) &&
			 (a = hooks_fn_addr(s, "memalign")))
			first = a;
		out[k++] = first;
		if (req->kind == AFN_POSIX_MEMALIGN && first != pcs[0] && k < s->cfg->num_callers)
			out[k++] = pcs[0];
	}
	for (; i < n && k < s->cfg->num_callers; i++) {
		s->ev.last_sps[k] = i < nsps ? sps[i] : 0;
		out[k++] = pcs[i];
	}
	s->ev.last_nsps = k;
	return events_intern(s, out, k);
}

static bool marker_applies(const struct session *s, const struct op_marker *mk,
			   const struct user_regs_struct *r, uint64_t ret)
{
	if (!mk->valid)
		return false;
	if (r->rsp == mk->sp && ret == mk->ret)
		return true; /* reached by tail calls from the operator */
	return hooks_in_fn_range(s, ret - 1, true) && mk->sp > r->rsp && mk->sp - r->rsp <= 512;
}

/* The shadow heap's door out: every block that leaves it is also told to
 * the heap profile (--tool=massif, --interval, --timeline). */
static int heap_take(struct session *s, uint64_t addr, struct block *out)
{
	struct block b;
	int rc = heapmap_remove(s->heap, addr, &b);

	if (!rc) {
		if (s->prof)
			heapprof_dealloc(s->prof, b.size, b.stack_id);
		if (out)
			*out = b;
	}
	return rc;
}

/* A pointer freed (or a realloc's old one) that is no block of ours: true
 * for memcheck's InvalidFree (counted and reported), false for a block
 * allocated out of our sight (a realloc of it is then a fresh allocation). */
static bool judge_unknown_free(struct session *s, struct thread *th, uint64_t ptr,
			       uint32_t stack_id, uint64_t caller)
{
	struct mem_error e = { .kind = ERR_INVALID_FREE,
			       .addr = ptr,
			       .stack = session_stack(s, stack_id) };

	if (memerrors_judge_free(s, &e, caller) == FREE_UNSEEN) {
		s->ev.unseen_frees++;
		return false;
	}
	s->ev.frees++;
	memerrors_add(s, th, &e, stack_id);
	return true;
}

/* Returns true when the call must not reach the allocator (a bad free). */
static inline __attribute__((always_inline)) bool events_free(struct session *s, struct thread *th,
							      uint64_t ptr, uint8_t family,
							      uint32_t stack_id, uint64_t caller)
{
	struct block b;

	if (!ptr)
		return false;
	if (!heap_take(s, ptr, &b)) {
		s->ev.frees++;
		if (s->cfg->free_fill >= 0)
			target_fill(&s->tm, b.addr, b.size, s->cfg->free_fill);
		memerrors_mismatch(s, th, &b, ptr, family, stack_id);
		struct freed_block fb = { b.addr, b.size, b.stack_id, stack_id, b.family };
		freeq_push(s->freed, &fb);
		return false;
	}
	return judge_unknown_free(s, th, ptr, stack_id, caller);
}

static inline __attribute__((always_inline)) void events_alloc(struct session *s, struct thread *th,
							       uint64_t addr, uint64_t size,
							       uint32_t stack_id, uint8_t family,
							       const struct block *was)
{
	struct block b = { .addr = addr,
			   .size = size,
			   .stack_id = stack_id,
			   .family = family,
			   .tid_index = (uint8_t)(th->num > 255 ? 255 : th->num) };

	s->ev.allocs++;
	s->ev.bytes += size;
	if (heapmap_insert(s->heap, &b) == -EEXIST) {
		/* a block we missed the free of: the allocator reused it */
		heap_take(s, addr, NULL);
		heapmap_insert(s->heap, &b);
	}
	if (s->prof && was) /* a realloc reaches the profile once, at its return */
		heapprof_realloc(s->prof, was->size, was->stack_id, size, stack_id);
	else if (s->prof)
		heapprof_alloc(s->prof, size, stack_id);
}

/* A realloc's old block leaves the heap map at the call's entry, not at its
 * return: glibc releases the old chunk inside the call, and another thread
 * may be handed that memory and have its allocation seen first (its return
 * trap, or its record, before ours); removed at our return, the old block's
 * removal would take the other thread's block with it.  realloc_returned
 * puts the block back if the call fails. */
static void take_old_block(struct session *s, struct pending_call *pc)
{
	if (heapmap_remove(s->heap, pc->req.old_ptr, &pc->old))
		return;
	pc->old_taken = true;
	s->ev.frees++;
	struct freed_block fb = { pc->old.addr, pc->old.size, pc->old.stack_id, pc->stack_id,
				  pc->old.family };
	freeq_push(s->freed, &fb);
}

/* Whether a and b (a below b) lie on one stack: a handler running on a
 * sigaltstack above the interrupted stack has not abandoned the calls under
 * way there.  Near addresses are taken as one stack without looking; the
 * maps are read only for the rare far ones. */
static bool same_stack(const struct session *s, uint64_t a, uint64_t b)
{
	struct maps m;

	if (b - a <= (64u << 10))
		return true;
	if (procmaps_read(s->tm.pid, &m))
		return true;
	const struct mapping *ma = procmaps_find(&m, a), *mb = procmaps_find(&m, b);
	bool same = !ma || !mb || ma == mb;
	procmaps_free(&m);
	return same;
}

bool events_nested(const struct session *s, const struct thread *th, uint64_t ret)
{
	return (th->ncalls && (hooks_in_fn_range(s, ret - 1, false) || ret == s->hk.trap_return ||
			       fastpatch_is_call_return(s, ret))) ||
	       fastpatch_in_one_call(s, ret);
}

/* operator new, new[], delete, delete[]: in a tail-call chain (new[] ->
 * new) the outermost operator wins. */
static void note_marker(struct thread *th, uint8_t family, const struct call_entry *e)
{
	struct op_marker *mk = &th->marker;
	uint64_t sp = e->regs->rsp;

	if (!(mk->valid && mk->sp == sp && mk->ret == e->ret))
		*mk = (struct op_marker){ true, family, sp, e->ret, e->regs->rip };
}

enum entry_verdict events_entry(struct session *s, struct thread *th, const struct call_entry *e)
{
	const struct allocfn *a = &allocfn_table[s->hk.fns[e->fn].afn];
	bool is_free = a->kind == AFN_FREE;

	if (s->ev.before_main)
		return ENTRY_NESTED; /* no call is followed: its return finds none */

	/* calls whose return slot lies below this entry's stack pointer were
	 * abandoned (a longjmp, a siglongjmp out of a handler that interrupted
	 * the allocator): a call under way is always above what runs inside
	 * it, and a tail call from it enters at its very slot */
	while (th->ncalls && th->calls[th->ncalls - 1].sp < e->regs->rsp &&
	       same_stack(s, th->calls[th->ncalls - 1].sp, e->regs->rsp))
		th->ncalls--;
	if (a->kind == AFN_OP_NEW || a->kind == AFN_OP_DELETE) {
		note_marker(th, a->family, e);
		return ENTRY_MARKER;
	}
	bool nested = events_nested(s, th, e->ret);
	/* at the very slot of a call under way only a tail call of it enters
	 * (nested: the slot holds our trap or a stub's return point); any
	 * other entry there finds that call abandoned */
	while (!nested && th->ncalls && th->calls[th->ncalls - 1].sp == e->regs->rsp) {
		th->ncalls--;
		nested = events_nested(s, th, e->ret);
	}
	if (!is_free && th->ncalls == MAX_NEST)
		return ENTRY_FULL;
	if (nested) {
		if (!e->returns_seen || is_free)
			return ENTRY_NESTED;
		/* its return will be seen: it must find its call, to drop it */
		th->calls[th->ncalls++] = (struct pending_call){ .sp = e->regs->rsp,
								 .ret = e->ret,
								 .fn = (int)e->fn,
								 .fdfn = -1,
								 .ignore = true };
		return ENTRY_NESTED;
	}

	struct alloc_request req;
	allocfn_read_args(a->kind, e->regs, &req);
	bool marked = marker_applies(s, &th->marker, e->regs, e->ret);
	uint8_t family = marked ? th->marker.family : FAMILY_MALLOC;
	uint64_t pcs[MAX_FRAMES], sps[MAX_FRAMES];
	unsigned max = events_max_frames(s);
	struct frames f = { pcs, sps, 0 };
	uint32_t stack_id;
	/* events_stack puts the frames' first pc first and keeps num_callers
	 * of them (at least that one), unless a marker or the kinds below
	 * change the first frames */
	bool plain = !marked && a->kind != AFN_REALLOC && a->kind != AFN_REALLOCARRAY &&
		     a->kind != AFN_MEMALIGN && a->kind != AFN_VALLOC &&
		     a->kind != AFN_POSIX_MEMALIGN;
	if (!plain || !e->frames.known ||
	    !e->frames.known(s, e->frames.ctx, events_known_frames(s), &stack_id)) {
		f.n = e->frames.get(s, e->frames.ctx, e->regs, pcs, sps, max);
		stack_id = events_stack(s, &f, max, e->regs, marked ? &th->marker : NULL, &req);
		if (plain && e->frames.learn)
			e->frames.learn(s, e->frames.ctx, stack_id);
	}
	th->marker.valid = false;
	s->ev.last_thread = th;

	if (is_free)
		return events_free(s, th, req.old_ptr, family, stack_id, e->ret) ? ENTRY_REJECT
										 : ENTRY_DONE;
	bool old_live = false;
	if ((a->kind == AFN_REALLOC || a->kind == AFN_REALLOCARRAY) && req.old_ptr) {
		old_live = heapmap_lookup(s->heap, req.old_ptr) != NULL;
		if (!old_live && judge_unknown_free(s, th, req.old_ptr, stack_id, e->ret) &&
		    e->can_reject) {
			/* an InvalidFree returns NULL without reaching the
			 * allocator; memcheck counts any realloc of a non-NULL
			 * pointer as an allocation of the size asked and a free,
			 * before it checks */
			s->ev.allocs++;
			s->ev.bytes += req.size;
			return ENTRY_REJECT;
		}
		if (!old_live)
			req.old_ptr = 0; /* a block out of our sight: a fresh allocation */
	}
	/* field by field: a compound literal would clear the whole struct,
	 * the fd functions' arguments too, at every allocation */
	struct pending_call *pc = &th->calls[th->ncalls++];
	pc->req = req;
	pc->sp = e->regs->rsp;
	pc->ret = e->ret;
	pc->stack_id = stack_id;
	pc->family = family;
	pc->fn = (int)e->fn;
	pc->fdfn = -1; /* args unused */
	pc->ignore = false;
	pc->old_taken = false;
	pc->old = (struct block){ 0 };
	if (old_live)
		take_old_block(s, pc);
	return ENTRY_PENDING;
}

void events_cancel(struct session *s, struct thread *th)
{
	struct pending_call *pc = &th->calls[--th->ncalls];

	if (!pc->old_taken)
		return;
	s->ev.frees--;
	freeq_forget(s->freed, pc->old.addr, pc->old.size ? pc->old.size : 1);
	heapmap_insert(s->heap, &pc->old);
}

/* A realloc that failed (NULL for a size > 0) left its old block alone;
 * memcheck still counts the call as one allocation of the size asked for and
 * one free, as it counts every realloc of a block before trying it. */
static void realloc_failed(struct session *s, const struct pending_call *pc)
{
	s->ev.allocs++;
	s->ev.bytes += pc->req.size;
	if (!pc->old_taken)
		s->ev.frees++; /* the fast path counted it at the entry */
}

/* Its return record: the new block, or the old one back if the call failed;
 * realloc(p, 0) freed it, as free(p) would have. */
static void realloc_returned(struct session *s, struct thread *th, const struct pending_call *pc,
			     uint64_t res)
{
	if (res) {
		events_alloc(s, th, res, pc->req.size, pc->stack_id, pc->family, &pc->old);
	} else if (pc->req.size || pc->req.overflow) {
		if (pc->req.overflow)
			s->ev
			    .frees--; /* reallocarray failed before any realloc: nothing to count */
		else
			realloc_failed(s, pc);
		freeq_forget(s->freed, pc->old.addr, pc->old.size ? pc->old.size : 1);
		heapmap_insert(s->heap, &pc->old);
	} else {
		if (s->prof)
			heapprof_dealloc(s->prof, pc->old.size, pc->old.stack_id);
		memerrors_mismatch(s, th, &pc->old, pc->req.old_ptr, FAMILY_MALLOC, pc->stack_id);
	}
}

/* --malloc-fill: a new block's bytes, from byte from on (a realloc's new
 * part), as memcheck fills them; calloc's are zeroes already. */
static void fill_new(struct session *s, const struct pending_call *pc, uint64_t addr, uint64_t from)
{
	if (s->cfg->malloc_fill < 0 || !addr || pc->req.kind == AFN_CALLOC || from >= pc->req.size)
		return;
	target_fill(&s->tm, addr + from, pc->req.size - from, s->cfg->malloc_fill);
}

/* An allocator call's result, from a return trap or a fast-path record. */
void events_return(struct session *s, struct thread *th, const struct pending_call *pc,
		   uint64_t res)
{
	uint64_t ptr = 0;

	switch (pc->req.kind) {
	case AFN_POSIX_MEMALIGN:
		if (res == 0 && target_read(&s->tm, pc->req.out_ptr, &ptr, 8) == 8) {
			events_alloc(s, th, ptr, pc->req.size, pc->stack_id, pc->family, NULL);
			fill_new(s, pc, ptr, 0);
		}
		break;
	case AFN_REALLOC:
	case AFN_REALLOCARRAY:
		fill_new(s, pc, res, pc->old_taken ? pc->old.size : 0);
		if (pc->old_taken) {
			realloc_returned(s, th, pc, res);
		} else if (!pc->req.old_ptr) {
			if (res)
				events_alloc(s, th, res, pc->req.size, pc->stack_id, pc->family,
					     NULL);
		} else if (res) {
			struct block b;
			s->ev.frees++;
			bool had = !heapmap_remove(s->heap, pc->req.old_ptr, &b);
			if (had) {
				struct freed_block fb = { b.addr, b.size, b.stack_id, pc->stack_id,
							  b.family };
				freeq_push(s->freed, &fb);
			}
			events_alloc(s, th, res, pc->req.size, pc->stack_id, pc->family,
				     had ? &b : NULL);
		} else if (pc->req.size == 0 && !pc->req.overflow) {
			events_free(s, th, pc->req.old_ptr, FAMILY_MALLOC, pc->stack_id, pc->ret);
		} else {
			realloc_failed(s, pc);
		}
		break;
	default:
		if (res)
			events_alloc(s, th, res, pc->req.size, pc->stack_id, pc->family, NULL);
		fill_new(s, pc, res, 0);
		break;
	}
}

void events_plain(struct session *s, struct thread *th, const struct plain_call *c)
{
	enum afn_kind k = allocfn_table[s->hk.fns[c->fn].afn].kind;

	s->ev.last_thread = th;
	if (k == AFN_FREE) {
		events_free(s, th, c->rdi, FAMILY_MALLOC, c->stack_id, c->ret);
		return;
	}
	/* the size as allocfn_read_args takes it (a calloc that overflows
	 * returns NULL: no block) */
	uint64_t size = c->rdi;
	if (k == AFN_CALLOC)
		(void)__builtin_mul_overflow(c->rdi, c->rsi, &size);
	if (!c->res)
		return;
	events_alloc(s, th, c->res, size, c->stack_id, FAMILY_MALLOC, NULL);
	if (s->cfg->malloc_fill >= 0 && k != AFN_CALLOC && size)
		target_fill(&s->tm, c->res, size, s->cfg->malloc_fill);
}
