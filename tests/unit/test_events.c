/* Unit test of the event API (src/events.c), the one path both front ends
 * take: the nesting rule in each of its cases, the operator marker, the
 * frame limit, bad frees and reallocs, and the shadow heap's updates.
 *
 * events.c is linked with the real heap map, freed queue, stack table and
 * allocator table; what it asks of the rest of the tracer side (hooked
 * ranges, stubs, error records, target memory) is faked here. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "session_int.h"

/* ---- the fakes ---- */

/* Hooked functions, as hooks.c would have them: [addr, addr + 0x100). */
#define FN_MALLOC   0x10000
#define FN_FREE	    0x20000
#define FN_REALLOC  0x30000
#define FN_OPNEW    0x40000
#define TRAP_RET    0x50000
#define CALL_RETURN 0x60000 /* a stub's call to its original returns here */
#define PROGRAM	    0x70000 /* code of the program */
#define FN_CALLOC   0x80000 /* an FP_ALLOC function: one FP_CALL record per call */
#define CALL1_RET   0x90000 /* where its stub's call to it returns */

static enum free_verdict verdict = FREE_BAD;
static int errors_added, mismatches;

bool hooks_in_fn_range(const struct session *s, uint64_t pc, bool operators)
{
	(void)s;
	if (operators)
		return pc >= FN_OPNEW && pc < FN_OPNEW + 0x100;
	return (pc >= FN_MALLOC && pc < FN_MALLOC + 0x100) ||
	       (pc >= FN_FREE && pc < FN_FREE + 0x100) ||
	       (pc >= FN_REALLOC && pc < FN_REALLOC + 0x100);
}

uint64_t hooks_fn_addr(const struct session *s, const char *name)
{
	(void)s;
	return !strcmp(name, "malloc") ? FN_MALLOC : 0;
}

bool fastpatch_is_call_return(const struct session *s, uint64_t ret)
{
	(void)s;
	return ret == CALL_RETURN || ret == CALL1_RET;
}

bool fastpatch_in_one_call(const struct session *s, uint64_t ret)
{
	(void)s;
	return ret == CALL1_RET || (ret - 1 >= FN_CALLOC && ret - 1 < FN_CALLOC + 0x100);
}

enum free_verdict memerrors_judge_free(struct session *s, struct mem_error *e, uint64_t caller)
{
	(void)s;
	(void)e;
	(void)caller;
	return verdict;
}

void memerrors_add(struct session *s, struct thread *th, struct mem_error *e, uint32_t stack_id)
{
	(void)s;
	(void)th;
	(void)e;
	(void)stack_id;
	errors_added++;
}

void memerrors_mismatch(struct session *s, struct thread *th, const struct block *b, uint64_t ptr,
			uint8_t family, uint32_t stack_id)
{
	(void)s;
	(void)th;
	(void)ptr;
	(void)stack_id;
	mismatches += b->family != family;
}

struct report_stack session_stack(struct session *s, uint32_t id)
{
	struct report_stack rs;

	rs.pcs = stacktab_get(s->stacks, id, &rs.n);
	return rs;
}

ssize_t target_read(const struct target_mem *tm, uint64_t addr, void *buf, size_t len)
{
	(void)tm;
	(void)addr;
	memset(buf, 0, len);
	return (ssize_t)len;
}

static int fills;

int target_fill(const struct target_mem *tm, uint64_t addr, uint64_t len, int byte)
{
	(void)tm;
	(void)addr;
	(void)len;
	(void)byte;
	fills++;
	return 0;
}

/* ---- a session of the parts events.c uses ---- */

static struct config cfg;
static struct session *s;
static struct thread th;
static unsigned frames_max_seen, frames_calls;

/* Three frames: the function, a program frame, main's caller. */
static unsigned fake_frames(struct session *ss, void *ctx, const struct user_regs_struct *r,
			    uint64_t *pcs, uint64_t *sps, unsigned max)
{
	(void)ss;
	(void)ctx;
	frames_max_seen = max;
	frames_calls++;
	pcs[0] = r->rip;
	pcs[1] = PROGRAM + 0x10;
	pcs[2] = PROGRAM + 0x20;
	sps[0] = r->rsp;
	sps[1] = r->rsp + 0x40;
	sps[2] = r->rsp + 0x80;
	return 3;
}

static unsigned fn_index(const char *name)
{
	for (unsigned i = 0; i < s->hk.nfns; i++)
		if (!strcmp(allocfn_table[s->hk.fns[i].afn].name, name))
			return i;
	abort();
}

static void hook(const char *name, uint64_t addr)
{
	for (unsigned i = 0; i < allocfn_count; i++)
		if (!strcmp(allocfn_table[i].name, name)) {
			s->hk.fns[s->hk.nfns++] =
			    (struct hooked_fn){ i, addr, 0x100, false, false };
			return;
		}
	abort();
}

static void setup(void)
{
	if (s) {
		heapmap_free(s->heap);
		freeq_free(s->freed);
		stacktab_free(s->stacks);
		free(s);
	}
	cfg.num_callers = 12;
	cfg.malloc_fill = cfg.free_fill = -1;
	s = calloc(1, sizeof *s);
	s->cfg = &cfg;
	s->heap = heapmap_new();
	s->freed = freeq_new(1u << 20, 1u << 20);
	s->stacks = stacktab_new();
	s->hk.trap_return = TRAP_RET;
	/* every return address is in the range fastpatch_in_one_call is asked
	 * for (the mock above decides) */
	s->fp.one_call_lo = 0;
	s->fp.one_call_hi = UINT64_MAX;
	hook("malloc", FN_MALLOC);
	hook("free", FN_FREE);
	hook("realloc", FN_REALLOC);
	hook("_Znwm", FN_OPNEW);
	memset(&th, 0, sizeof th);
	th.kind = TK_THREAD;
	th.num = 1;
	verdict = FREE_BAD;
	errors_added = mismatches = 0;
}

/* An entry of fn with the given argument registers and return address;
 * bp: as the breakpoint front end makes it, else as the ring's. */
static enum entry_verdict enter(const char *fn, uint64_t rdi, uint64_t rsi, uint64_t ret,
				uint64_t rsp, bool bp)
{
	unsigned i = fn_index(fn);
	struct user_regs_struct r = {
		.rip = s->hk.fns[i].addr, .rsp = rsp, .rdi = rdi, .rsi = rsi
	};
	struct call_entry e = { .fn = i,
				.regs = &r,
				.ret = ret,
				.frames = { .get = fake_frames, .ctx = NULL },
				.returns_seen = !bp,
				.can_reject = bp };
	return events_entry(s, &th, &e);
}

/* ---- tests ---- */

static void test_plain_malloc(void)
{
	setup();
	CHECK(enter("malloc", 24, 0, PROGRAM + 0x10, 0x7000, true) == ENTRY_PENDING);
	CHECK(th.ncalls == 1 && th.calls[0].req.size == 24 && !th.calls[0].ignore);
	CHECK(th.calls[0].ret == PROGRAM + 0x10 && th.calls[0].sp == 0x7000);
	struct pending_call pc = th.calls[--th.ncalls];
	events_return(s, &th, &pc, 0x1000);
	const struct block *b = heapmap_lookup(s->heap, 0x1000);
	CHECK(b && b->size == 24 && b->family == FAMILY_MALLOC);
	CHECK(s->ev.allocs == 1 && s->ev.bytes == 24);
	/* its stack: the allocator, then the program's frames */
	struct report_stack st = session_stack(s, b->stack_id);
	CHECK(st.n == 3 && st.pcs[0] == FN_MALLOC && st.pcs[1] == PROGRAM + 0x10);
	/* a NULL result is no block */
	CHECK(enter("malloc", 1ull << 50, 0, PROGRAM + 0x10, 0x7000, true) == ENTRY_PENDING);
	pc = th.calls[--th.ncalls];
	events_return(s, &th, &pc, 0);
	CHECK(s->ev.allocs == 1);
}

/* The nesting rule, each case, for both front ends. */
static void test_nesting(void)
{
	for (int bp = 0; bp < 2; bp++) {
		/* no call under way: a return address in an allocator's range
		 * is not nesting (a call from libc's own code, say) */
		setup();
		CHECK(enter("malloc", 8, 0, FN_REALLOC + 0x20, 0x7000, bp) == ENTRY_PENDING);
		CHECK(!events_nested(s, &th, FN_REALLOC + 0x20) || th.ncalls);

		/* called from inside an allocator function under way */
		setup();
		CHECK(enter("realloc", 0, 64, PROGRAM + 0x10, 0x7000, bp) == ENTRY_PENDING);
		CHECK(events_nested(s, &th, FN_REALLOC + 0x21));
		CHECK(enter("malloc", 64, 0, FN_REALLOC + 0x21, 0x6f00, bp) == ENTRY_NESTED);
		/* the ring sees the nested call's return: it waits, ignored */
		CHECK(th.ncalls == (bp ? 1u : 2u));
		if (!bp)
			CHECK(th.calls[1].ignore && th.calls[1].sp == 0x6f00);

		/* a tail call from a call under way at a breakpoint: it finds
		 * our return trap where its return address should be */
		setup();
		CHECK(enter("realloc", 0, 64, PROGRAM + 0x10, 0x7000, bp) == ENTRY_PENDING);
		CHECK(enter("malloc", 64, 0, TRAP_RET, 0x7000, bp) == ENTRY_NESTED);

		/* a tail call from a stub's call of its original */
		setup();
		CHECK(enter("realloc", 0, 64, PROGRAM + 0x10, 0x7000, bp) == ENTRY_PENDING);
		CHECK(enter("malloc", 64, 0, CALL_RETURN, 0x6f00, bp) == ENTRY_NESTED);
		CHECK(th.ncalls == (bp ? 1u : 2u));

		/* a free inside an allocator call is part of it, and a free's
		 * return is never awaited */
		setup();
		CHECK(enter("realloc", 0, 64, PROGRAM + 0x10, 0x7000, bp) == ENTRY_PENDING);
		CHECK(enter("free", 0x1234, 0, FN_REALLOC + 0x30, 0x6f00, bp) == ENTRY_NESTED);
		CHECK(th.ncalls == 1 && errors_added == 0);

		/* from the program, the same call is not nested */
		CHECK(!events_nested(s, &th, PROGRAM + 0x40));

		/* inside an FP_ALLOC call, whose one record comes at its
		 * return, after the nested call's: nested with nothing pending */
		setup();
		CHECK(enter("malloc", 64, 0, FN_CALLOC + 0x21, 0x6f00, bp) == ENTRY_NESTED);
		CHECK(th.ncalls == (bp ? 0u : 1u) && s->ev.allocs == 0);
		setup();
		CHECK(enter("malloc", 64, 0, CALL1_RET, 0x6f00, bp) == ENTRY_NESTED);
		CHECK(enter("free", 0x1234, 0, FN_CALLOC + 0x30, 0x6e00, bp) == ENTRY_NESTED);
		CHECK(errors_added == 0);
	}
}

/* A call abandoned by a longjmp (its slot now below the stack pointer) is
 * dropped at the next entry: it neither fills the pending calls nor makes a
 * later call look nested. */
static void test_abandoned(void)
{
	for (int bp = 0; bp < 2; bp++) {
		setup();
		for (unsigned i = 0; i < MAX_NEST; i++)
			CHECK(enter("malloc", 8, 0, PROGRAM + 0x10, 0x6000 - 64 * i, bp) ==
			      ENTRY_PENDING);
		/* longjmp'd back above all of them */
		CHECK(enter("realloc", 0, 8, FN_MALLOC + 0x10, 0x7000, bp) == ENTRY_PENDING);
		CHECK(th.ncalls == 1 && th.calls[0].sp == 0x7000);
		/* a tail call at the same slot is still nested */
		CHECK(enter("malloc", 8, 0, TRAP_RET, 0x7000, bp) == ENTRY_NESTED);
		/* a siglongjmp out of a handler that ran at the call's entry,
		 * back to a loop that calls again from the same frame: the new
		 * call enters at the abandoned one's slot, from the program */
		th.ncalls = 0;
		for (int k = 0; k < 40; k++)
			CHECK(enter("malloc", 8, 0, PROGRAM + 0x10, 0x7000, bp) == ENTRY_PENDING);
		CHECK(th.ncalls == 1);
	}
}

static void test_full(void)
{
	setup();
	for (unsigned i = 0; i < MAX_NEST; i++)
		CHECK(enter("malloc", 8, 0, PROGRAM + 0x10, 0x7000 - 64 * i, true) ==
		      ENTRY_PENDING);
	CHECK(enter("malloc", 8, 0, PROGRAM + 0x10, 0x6000, true) == ENTRY_FULL);
	CHECK(th.ncalls == MAX_NEST);
	/* a free needs no slot */
	heapmap_insert(s->heap, &(struct block){ .addr = 0x9000, .size = 4 });
	CHECK(enter("free", 0x9000, 0, PROGRAM + 0x10, 0x6000, true) == ENTRY_DONE);
	CHECK(!heapmap_lookup(s->heap, 0x9000));
}

static void test_marker(void)
{
	setup();
	/* operator new called by the program, its malloc called by it */
	CHECK(enter("_Znwm", 40, 0, PROGRAM + 0x10, 0x7000, false) == ENTRY_MARKER);
	CHECK(th.marker.valid && th.marker.op_addr == FN_OPNEW);
	CHECK(enter("malloc", 40, 0, FN_OPNEW + 0x8, 0x6ff0, false) == ENTRY_PENDING);
	CHECK(!th.marker.valid && th.calls[0].family == FAMILY_NEW);
	struct pending_call pc = th.calls[--th.ncalls];
	events_return(s, &th, &pc, 0x2000);
	const struct block *b = heapmap_lookup(s->heap, 0x2000);
	CHECK(b && b->family == FAMILY_NEW);
	struct report_stack st = session_stack(s, b->stack_id);
	/* the stack starts at the operator, as memcheck's replacement would */
	CHECK(st.n >= 1 && st.pcs[0] == FN_OPNEW);
	/* a marker too far up the stack does not apply */
	CHECK(enter("_Znwm", 40, 0, PROGRAM + 0x10, 0x8000, false) == ENTRY_MARKER);
	CHECK(enter("malloc", 40, 0, FN_OPNEW + 0x8, 0x6000, false) == ENTRY_PENDING);
	CHECK(th.calls[0].family == FAMILY_MALLOC);
	/* free of a new'd block: mismatched */
	th.ncalls = 0;
	CHECK(enter("free", 0x2000, 0, PROGRAM + 0x10, 0x7000, false) == ENTRY_DONE);
	CHECK(mismatches == 1 && s->ev.frees == 1);
}

static void test_frame_limit(void)
{
	setup();
	cfg.num_callers = 4;
	frames_calls = 0;
	enter("malloc", 8, 0, PROGRAM + 0x10, 0x7000, true);
	CHECK(frames_calls == 1 && frames_max_seen == 7);
	cfg.num_callers = 600;
	enter("malloc", 8, 0, PROGRAM + 0x10, 0x7000, false);
	CHECK(frames_max_seen == MAX_FRAMES);
	/* nested and marker entries are never unwound */
	frames_calls = 0;
	enter("malloc", 8, 0, FN_MALLOC + 0x10, 0x6000, false);
	enter("_Znwm", 8, 0, PROGRAM + 0x10, 0x6000, false);
	CHECK(frames_calls == 0);
}

static void test_bad_free(void)
{
	setup();
	/* at a breakpoint a bad free is kept from the allocator */
	CHECK(enter("free", 0x4444, 0, PROGRAM + 0x10, 0x7000, true) == ENTRY_REJECT);
	CHECK(errors_added == 1 && s->ev.frees == 1);
	/* a free of a block allocated out of our sight is no error */
	verdict = FREE_UNSEEN;
	CHECK(enter("free", 0x4444, 0, PROGRAM + 0x10, 0x7000, true) == ENTRY_DONE);
	CHECK(errors_added == 1 && s->ev.unseen_frees == 1 && s->ev.frees == 1);
	/* free(NULL) is nothing */
	CHECK(enter("free", 0, 0, PROGRAM + 0x10, 0x7000, true) == ENTRY_DONE);
	CHECK(s->ev.frees == 1);
}

static void test_realloc(void)
{
	/* an unknown old pointer judged bad: rejected at a breakpoint,
	 * counted as memcheck counts it */
	setup();
	CHECK(enter("realloc", 0x4444, 32, PROGRAM + 0x10, 0x7000, true) == ENTRY_REJECT);
	CHECK(errors_added == 1 && s->ev.allocs == 1 && s->ev.bytes == 32 && s->ev.frees == 1);
	/* from a record the call has gone on: its result is a fresh block */
	setup();
	CHECK(enter("realloc", 0x4444, 32, PROGRAM + 0x10, 0x7000, false) == ENTRY_PENDING);
	CHECK(th.calls[0].req.old_ptr == 0);
	struct pending_call pc = th.calls[--th.ncalls];
	events_return(s, &th, &pc, 0x3000);
	CHECK(heapmap_lookup(s->heap, 0x3000) && s->ev.allocs == 1);

	/* a live old block leaves the heap map at the entry */
	setup();
	heapmap_insert(s->heap, &(struct block){ .addr = 0x5000, .size = 16 });
	CHECK(enter("realloc", 0x5000, 64, PROGRAM + 0x10, 0x7000, true) == ENTRY_PENDING);
	CHECK(!heapmap_lookup(s->heap, 0x5000) && th.calls[0].old_taken && s->ev.frees == 1);
	/* and comes back if the call fails */
	pc = th.calls[--th.ncalls];
	events_return(s, &th, &pc, 0);
	CHECK(heapmap_lookup(s->heap, 0x5000) && s->ev.allocs == 1 && s->ev.frees == 1);
	/* moved: the new block replaces it */
	CHECK(enter("realloc", 0x5000, 64, PROGRAM + 0x10, 0x7000, true) == ENTRY_PENDING);
	pc = th.calls[--th.ncalls];
	events_return(s, &th, &pc, 0x6000);
	CHECK(!heapmap_lookup(s->heap, 0x5000) && heapmap_lookup(s->heap, 0x6000));
	CHECK(heapmap_lookup(s->heap, 0x6000)->size == 64);
	/* a return that cannot be caught: the call is taken back whole */
	CHECK(enter("realloc", 0x6000, 8, PROGRAM + 0x10, 0x7000, true) == ENTRY_PENDING);
	CHECK(!heapmap_lookup(s->heap, 0x6000));
	uint64_t frees = s->ev.frees;
	events_cancel(s, &th);
	CHECK(th.ncalls == 0 && heapmap_lookup(s->heap, 0x6000) && s->ev.frees == frees - 1);
	/* realloc(p, 0) frees p */
	CHECK(enter("realloc", 0x6000, 0, PROGRAM + 0x10, 0x7000, true) == ENTRY_PENDING);
	pc = th.calls[--th.ncalls];
	events_return(s, &th, &pc, 0);
	CHECK(!heapmap_lookup(s->heap, 0x6000));
}

/* --malloc-fill and --free-fill: new blocks (not calloc's), a realloc's new
 * part only, freed blocks */
static void test_fill(void)
{
	setup();
	cfg.malloc_fill = 0xab;
	cfg.free_fill = 0xcd;
	fills = 0;
	CHECK(enter("malloc", 24, 0, PROGRAM + 0x10, 0x7000, true) == ENTRY_PENDING);
	struct pending_call pc = th.calls[--th.ncalls];
	events_return(s, &th, &pc, 0x1000);
	CHECK(fills == 1);
	/* growing 24 -> 64: the 40 new bytes; shrinking: nothing */
	CHECK(enter("realloc", 0x1000, 64, PROGRAM + 0x10, 0x7000, true) == ENTRY_PENDING);
	pc = th.calls[--th.ncalls];
	events_return(s, &th, &pc, 0x2000);
	CHECK(fills == 2);
	CHECK(enter("realloc", 0x2000, 8, PROGRAM + 0x10, 0x7000, true) == ENTRY_PENDING);
	pc = th.calls[--th.ncalls];
	events_return(s, &th, &pc, 0x2000);
	CHECK(fills == 2);
	CHECK(enter("free", 0x2000, 0, PROGRAM + 0x10, 0x7000, true) == ENTRY_DONE);
	CHECK(fills == 3);
	cfg.malloc_fill = cfg.free_fill = -1;
}

/* What one session's heap, counters and freed queue say, for comparing the
 * generic path with events_plain. */
struct outcome {
	uint64_t allocs, frees, bytes;
	int errors, mismatches, fills;
	struct block b[4];
	struct freed_block f[2];
};

static struct outcome outcome(const uint64_t *addrs, const uint64_t *freed)
{
	struct outcome o;

	memset(&o, 0, sizeof o);
	o.allocs = s->ev.allocs;
	o.frees = s->ev.frees;
	o.bytes = s->ev.bytes;
	o.errors = errors_added;
	o.mismatches = mismatches;
	o.fills = fills;
	for (int i = 0; i < 4; i++) {
		const struct block *b = heapmap_lookup(s->heap, addrs[i]);
		if (b)
			o.b[i] = *b;
	}
	for (int i = 0; i < 2; i++) {
		const struct freed_block *f = freeq_find(s->freed, freed[i]);
		if (f)
			o.f[i] = *f;
	}
	return o;
}

/* Field by field: the structs' padding is whatever it was. */
static bool same_outcome(const struct outcome *x, const struct outcome *y)
{
	bool same = x->allocs == y->allocs && x->frees == y->frees && x->bytes == y->bytes &&
		    x->errors == y->errors && x->mismatches == y->mismatches &&
		    x->fills == y->fills;
	for (int i = 0; i < 4; i++)
		same = same && x->b[i].addr == y->b[i].addr && x->b[i].size == y->b[i].size &&
		       x->b[i].stack_id == y->b[i].stack_id && x->b[i].family == y->b[i].family &&
		       x->b[i].tid_index == y->b[i].tid_index;
	for (int i = 0; i < 2; i++)
		same = same && x->f[i].addr == y->f[i].addr && x->f[i].size == y->f[i].size &&
		       x->f[i].alloc_stack == y->f[i].alloc_stack &&
		       x->f[i].free_stack == y->f[i].free_stack && x->f[i].family == y->f[i].family;
	return same;
}

/* events_plain: which records take it, and the same outcome as
 * events_entry + events_return for them (ring front end, --malloc-fill on so
 * that fills count too). */
static void test_plain_short_way(void)
{
	static const uint64_t addrs[4] = { 0x1000, 0x2000, 0x3000, 0x4000 };
	static const uint64_t freed[2] = { 0x1000, 0x3000 };
	struct outcome o[2];

	for (int way = 0; way < 2; way++) {
		setup();
		hook("calloc", FN_CALLOC);
		cfg.malloc_fill = 0xab;
		fills = 0;
		unsigned m = fn_index("malloc"), c = fn_index("calloc"), f = fn_index("free");
		/* the stack fake_frames gives, as ringread's memo would know it */
		uint64_t pcs[3] = { FN_MALLOC, PROGRAM + 0x10, PROGRAM + 0x20 };
		uint32_t id = events_intern(s, pcs, 3);
		pcs[0] = FN_CALLOC;
		uint32_t cid = events_intern(s, pcs, 3);
		pcs[0] = FN_FREE;
		uint32_t fid = events_intern(s, pcs, 3);
		/* malloc 24 at 0x1000, calloc 3 x 8 at 0x2000, malloc 40 at 0x3000,
		 * a NULL malloc, an overflowing calloc; free 0x1000, free 0x3000,
		 * free an unknown 0x9000 (an error), free NULL */
		struct plain_call calls[] = {
			{ m, 24, 0, PROGRAM + 0x10, 0x1000, id },
			{ c, 3, 8, PROGRAM + 0x10, 0x2000, cid },
			{ m, 40, 0, PROGRAM + 0x10, 0x3000, id },
			{ m, 1ull << 50, 0, PROGRAM + 0x10, 0, id },
			{ c, 1ull << 40, 1ull << 40, PROGRAM + 0x10, 0, cid },
			{ f, 0x1000, 0, PROGRAM + 0x10, 0, fid },
			{ f, 0x3000, 0, PROGRAM + 0x10, 0, fid },
			{ f, 0x9000, 0, PROGRAM + 0x10, 0, fid },
			{ f, 0, 0, PROGRAM + 0x10, 0, fid },
		};
		for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
			const struct plain_call *pc = &calls[i];
			bool is_free = pc->fn == f;
			CHECK(events_plain_applies(s, &th, pc->fn, pc->ret, !is_free));
			if (way) {
				events_plain(s, &th, pc);
				continue;
			}
			const char *name = allocfn_table[s->hk.fns[pc->fn].afn].name;
			enum entry_verdict v =
			    enter(name, pc->rdi, pc->rsi, pc->ret, 0x7000, false);
			if (is_free) {
				CHECK(v == ENTRY_DONE || v == ENTRY_REJECT);
				continue;
			}
			CHECK(v == ENTRY_PENDING);
			struct pending_call p = th.calls[--th.ncalls];
			events_return(s, &th, &p, pc->res);
		}
		o[way] = outcome(addrs, freed);
	}
	CHECK(o[0].allocs == 3 && o[0].frees == 3 && o[0].bytes == 24 + 24 + 40);
	CHECK(o[0].errors == 1 && o[0].fills == 2 && o[0].b[1].size == 24);
	CHECK(o[0].f[0].size == 24 && o[0].f[1].size == 40);
	CHECK(same_outcome(&o[0], &o[1]));

	/* who takes it: only with no call under way, no marker, after main,
	 * not from inside an allocator, and a malloc only with its result */
	setup();
	hook("calloc", FN_CALLOC);
	unsigned m = fn_index("malloc");
	CHECK(events_plain_applies(s, &th, m, PROGRAM + 0x10, true));
	CHECK(!events_plain_applies(s, &th, m, PROGRAM + 0x10, false));
	CHECK(!events_plain_applies(s, &th, fn_index("realloc"), PROGRAM + 0x10, true));
	CHECK(!events_plain_applies(s, &th, fn_index("_Znwm"), PROGRAM + 0x10, true));
	CHECK(!events_plain_applies(s, &th, m, CALL1_RET, true));
	th.ncalls = 1;
	CHECK(!events_plain_applies(s, &th, m, PROGRAM + 0x10, true));
	th.ncalls = 0;
	th.marker.valid = true;
	CHECK(!events_plain_applies(s, &th, m, PROGRAM + 0x10, true));
	th.marker.valid = false;
	s->ev.before_main = true;
	CHECK(!events_plain_applies(s, &th, m, PROGRAM + 0x10, true));
	s->ev.before_main = false;
	cfg.malloc_fill = -1;
}

int main(void)
{
	test_plain_malloc();
	test_nesting();
	test_full();
	test_abandoned();
	test_marker();
	test_frame_limit();
	test_bad_free();
	test_realloc();
	test_fill();
	test_plain_short_way();
	heapmap_free(s->heap);
	freeq_free(s->freed);
	stacktab_free(s->stacks);
	free(s);
	return check_summary("events");
}
