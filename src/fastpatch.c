/* fastpatch: the tracer side of the fast path's stubs.
 *
 * Sets up the ring (a memfd the target and leaktrace both map), patches
 * allocator entries with a jmp to a stub built by fastpath.c, and knows the
 * stubs' addresses afterwards: their ring-full traps, the free check's trap
 * and loads, the fault fixups of their stack copies and walks, and the
 * points where their calls to the original function return. */
#include <cpuid.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "leaktrace/allocfns.h"
#include "leaktrace/procmaps.h"

#include "session_int.h"

/* The TSC's ticks per second, measured over 10 ms against the monotonic
 * clock (the fail-safe stubs' clock). */
static int64_t tsc_per_second(void)
{
	struct timespec t0, t1, nap = { 0, 10 * 1000 * 1000 };

	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t c0 = __rdtsc();
	nanosleep(&nap, NULL);
	uint64_t c1 = __rdtsc();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	double per_s = ns > 0 ? (double)(c1 - c0) * 1e9 / ns : 0;
	return per_s > 1e6 ? (int64_t)per_s : 3000000000ll;
}

/* Whether the CPU has PREFETCHW (CPUID 0x80000001 ECX bit 8: the stubs
 * then use it, FP_FLAG_PREFETCHW). */
static bool has_prefetchw(void)
{
	unsigned a, b, c, d;

	return __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 8));
}

/* Whether rdtscp exists and its TSC_AUX is the CPU number, as Linux sets
 * it (in the low 12 bits): the stubs then tell whether they run on the
 * tracer's CPU (fastpath.h: polling).  Asked twice, in case we moved. */
static bool tsc_aux_is_cpu(void)
{
	unsigned a, b, c, d, aux;

	if (!__get_cpuid(0x80000001, &a, &b, &c, &d) || !(d & (1u << 27)))
		return false;
	for (int i = 0; i < 2; i++) {
		int cpu = sched_getcpu();
		__rdtscp(&aux);
		if (cpu >= 0 && (aux & 0xfff) == (unsigned)cpu && sched_getcpu() == cpu)
			return true;
	}
	return false;
}

/* A new ring: a memfd made in the target by thread tid (memory tm), mapped
 * there (at `at`, replacing what is there, or anywhere for 0) and here.
 * The target's descriptor is closed again, so it ends with one more mapping
 * and no more file descriptors.  0, or -1 with nothing left behind. */
static int ring_map(struct session *s, const struct target_mem *tm, pid_t tid, uint64_t at,
		    int *pending_sig, struct fp_ring_map *out)
{
	struct user_regs_struct r;
	uint64_t insn = inject_syscall_insn(s);
	long fd = -1, addr = -1, ret;
	static const char name[] = "leaktrace-ring";

	if (!insn || tracee_getregs(tid, &r))
		return -1;
	uint64_t name_at = (r.rsp - 512) & ~(uint64_t)15; /* dead stack, below the red zone */
	if (target_write(tm, name_at, name, sizeof name))
		return -1;
	long a1[6] = { (long)name_at, MFD_CLOEXEC, 0, 0, 0, 0 };
	if (tracee_inject_syscall(tid, insn, SYS_memfd_create, a1, &fd, pending_sig) || fd < 0)
		return -1;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd/%ld", (int)tid, fd);
	size_t size = fp_ring_size(RING_RECORDS, RING_STACK);
	int local_fd = open(path, O_RDWR | O_CLOEXEC);
	void *local = MAP_FAILED;
	if (local_fd >= 0 && !ftruncate(local_fd, (off_t)size))
		local = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, local_fd, 0);
	if (local != MAP_FAILED && !fp_ring_init_zeroed(local, RING_RECORDS, RING_STACK)) {
		long a2[6] = { (long)at,
			       (long)size,
			       PROT_READ | PROT_WRITE,
			       MAP_SHARED | (at ? MAP_FIXED : 0),
			       fd,
			       0 };
		if (tracee_inject_syscall(tid, insn, SYS_mmap, a2, &addr, pending_sig) ||
		    (addr < 0 && addr > -4096) || (at && (uint64_t)addr != at))
			addr = -1;
	}
	long a3[6] = { fd, 0, 0, 0, 0, 0 };
	tracee_inject_syscall(tid, insn, SYS_close, a3, &ret, pending_sig);
	if (addr == -1) {
		if (local != MAP_FAILED)
			munmap(local, size);
		if (local_fd >= 0)
			close(local_fd);
		return -1;
	}
	*out = (struct fp_ring_map){ local, size, local_fd, (uint64_t)addr };
	return 0;
}

/* The ring is a memfd that the target maps and we map too: records are
 * read straight from our mapping, and "drained" is an atomic store the
 * target's stubs see at once. */
int fastpatch_setup(struct session *s)
{
	struct thread *th = tracee_thread(s->tr, s->hk.borrow_tid);
	struct user_regs_struct r;
	uint32_t tid = 0;
	struct fp_ring_map rm;

	if (!th || tracee_getregs(th->tid, &r))
		return -1;
	/* glibc keeps the kernel tid in its TCB: confirm the offset the stubs use */
	if (target_read(&s->tm, r.fs_base + FP_TID_OFFSET_GLIBC, &tid, 4) != 4 ||
	    tid != (uint32_t)th->tid)
		return -1;
	s->fp.tid_offset = FP_TID_OFFSET_GLIBC;
	if (ring_map(s, &s->tm, th->tid, 0, &th->pending_sig, &rm))
		return -1;
	s->fp.ring = rm.local;
	s->fp.ring_size = rm.size;
	s->fp.tsc0 = __rdtsc();
	clock_gettime(CLOCK_MONOTONIC, &s->fp.mono0);
	s->fp.ring_fd = rm.fd;
	s->fp.cons = (struct fp_consumer){ .ring = rm.local, .next = 0, .done = s->fp.done };
	if (s->fp.failsafe) {
		s->fp.ring->stall_ticks = tsc_per_second() * FP_STALL_SECONDS;
		__atomic_store_n(&s->fp.ring->alive_tsc, __rdtsc(), __ATOMIC_RELEASE);
		__atomic_or_fetch(&s->fp.ring->flags, FP_FLAG_FAILSAFE, __ATOMIC_RELEASE);
	} else {
		/* stacks the stubs cannot walk yet are unwound live, whole */
		__atomic_or_fetch(&s->fp.ring->flags, FP_FLAG_LEARN, __ATOMIC_RELEASE);
	}
	if (tsc_aux_is_cpu())
		__atomic_or_fetch(&s->fp.ring->flags, FP_FLAG_RDTSCP, __ATOMIC_RELEASE);
	if (has_prefetchw())
		__atomic_or_fetch(&s->fp.ring->flags, FP_FLAG_PREFETCHW, __ATOMIC_RELEASE);
	s->fp.ring_addr = rm.addr;
	fp_ring_set_walk(s->fp.ring, events_max_frames(s));
	if (!s->rep.attached) /* -p: a detach must leave no block held */
		for (unsigned t = 0; t < 2; t++)
			fp_ring_set_hold(s->fp.ring, t, session_hold_slots(s, t),
					 session_hold_cap(t));
	/* stack copies from main()'s frames would run off the end of the
	 * main stack, a fault and a stop each: the stubs stop there instead */
	struct maps maps;
	if (th->tid == s->pid && !procmaps_read(s->pid, &maps)) {
		const struct mapping *m = procmaps_find(&maps, r.rsp);
		if (m)
			__atomic_store_n(&s->fp.ring->stack_end, m->end, __ATOMIC_RELEASE);
		procmaps_free(&maps);
	}
	return 0;
}

/* A forked child's stubs write to the ring at the same address as its
 * parent's, and the mapping is shared: the child gets a ring of its own
 * there, set up as the parent's (walk depth, end of the main stack, the
 * fail-safe clock), before it runs an instruction. */
int fastpatch_ring_for_child(struct session *s, struct thread *ch, const struct target_mem *cm,
			     struct fp_ring_map *out)
{
	if (!s->fp.ring)
		return -1;
	if (ring_map(s, cm, ch->tid, s->fp.ring_addr, &ch->pending_sig, out))
		return -1;
	struct fp_ring_hdr *h = out->local, *p = s->fp.ring;
	h->stack_end = __atomic_load_n(&p->stack_end, __ATOMIC_ACQUIRE);
	h->stall_ticks = p->stall_ticks;
	h->alive_tsc = __atomic_load_n(&p->alive_tsc, __ATOMIC_ACQUIRE);
	h->flags = __atomic_load_n(&p->flags, __ATOMIC_ACQUIRE);
	fp_ring_set_walk(h, __atomic_load_n(&p->max_frames, __ATOMIC_ACQUIRE));
	/* the same hold-back, empty: the blocks the parent holds were freed
	 * by it, not necessarily before the fork */
	fp_ring_set_hold(h, 0, p->hold_cap ? p->hold_mask + 1 : 0, p->hold_cap);
	fp_ring_set_hold(h, 1, p->hold_big_cap ? p->hold_big_mask + 1 : 0, p->hold_big_cap);
	return 0;
}

void fastpatch_ring_unmap(struct fp_ring_map *rm)
{
	if (rm->local)
		munmap(rm->local, rm->size);
	if (rm->fd >= 0)
		close(rm->fd);
	*rm = (struct fp_ring_map){ .fd = -1 };
}

/* Our view of the ring is dropped (the target's mapping is its business:
 * gone with an exec, or the parent's in a copy of leaktrace), and with it
 * every stub: a new image is hooked from scratch. */
void fastpatch_forget(struct session *s)
{
	struct fp_ring_map rm = { s->fp.ring, s->fp.ring_size, s->fp.ring_fd, s->fp.ring_addr };

	fastpatch_ring_unmap(&rm);
	s->fp.ring = NULL;
	s->fp.ring_fd = -1;
	s->fp.ring_addr = 0;
	s->fp.cons = (struct fp_consumer){ 0 };
	s->fp.npatch = 0;
	s->fp.failed = false;
	s->fp.hole = 0;
	s->fp.hole_check = false;
	s->fp.gave_up_seen = false;
	memset(s->fp.done, 0, sizeof s->fp.done);
	/* the last capture's frames may be a record in the ring just unmapped */
	s->ev.last_walk = NULL;
	s->ev.last_nsps = 0;
}

/* A copy of leaktrace that traces a forked child: the parent's ring is
 * left alone (its "drained" is the parent's tracer's to move), and the
 * child's, made by fastpatch_ring_for_child, is read instead. */
void fastpatch_adopt_ring(struct session *s, struct fp_ring_map *rm)
{
	uint64_t addr = s->fp.ring_addr;
	unsigned npatch = s->fp.npatch;

	fastpatch_forget(s);
	s->fp.npatch = npatch; /* the child has the parent's stubs */
	s->fp.nrecords = s->fp.nwalked = s->fp.ncopied = s->fp.nfull = s->fp.nfaults = 0;
	s->fp.nlost = 0; /* -v: the child's own figures */
	s->fp.ring = rm->local;
	s->fp.ring_size = rm->size;
	s->fp.ring_fd = rm->fd;
	s->fp.ring_addr = addr;
	s->fp.cons = (struct fp_consumer){ .ring = rm->local, .next = 0, .done = s->fp.done };
	*rm = (struct fp_ring_map){ .fd = -1 };
}

/* Whether a thread is stopped inside the first len bytes of func, which a
 * patch is about to replace (-p: threads stop anywhere). */
static bool thread_inside(struct session *s, uint64_t func, size_t len)
{
	size_t n;
	struct thread **ths = threads_live(s, &n);
	bool inside = false;

	for (size_t i = 0; i < n && !inside; i++) {
		struct user_regs_struct r;
		inside = !tracee_getregs(ths[i]->tid, &r) && r.rip > func && r.rip < func + len;
	}
	free(ths);
	return inside;
}

/* Whether f's body jumps back into the bytes a patch would replace (read
 * up to BODY_MAX bytes; the symbol's size says how many). */
#define BODY_MAX (64u << 10)

static bool body_branches_into(struct session *s, const struct hooked_fn *f, size_t patched)
{
	size_t len = f->size && f->size < BODY_MAX ? (size_t)f->size : 0;
	uint8_t *body = len ? malloc(len) : NULL;
	bool into = false;

	if (body && target_read(&s->tm, f->addr, body, len) == (ssize_t)len)
		into = fp_body_branches_into(body, len, f->addr, patched);
	free(body);
	return into;
}

/* Patches the entry of s->hk.fns[idx] with a jmp to a stub of the given kind.
 * 0, or -1 to fall back to a breakpoint. */
int fastpatch_hook(struct session *s, unsigned idx, enum fp_kind kind)
{
	const struct hooked_fn *f = &s->hk.fns[idx];
	uint8_t code[32];
	struct fp_stub st;

	if (s->fp.npatch == MAX_FNS ||
	    target_read(&s->tm, f->addr, code, sizeof code) != sizeof code)
		return -1;
	uint64_t stub = bptab_scratch_alloc(s->bt, f->addr, FP_STUB_MAX);
	if (!stub)
		return -1;
	uint64_t key = 0, size;
	if ((kind == FP_FREE_CHECKED || kind == FP_REALLOC_CHECKED) &&
	    symbols_lookup_in_module_of(s->sym, f->addr, "tcache_key", &key, &size))
		return -1; /* no glibc symbols: free stays on a breakpoint */
	struct fp_stub_req req = { f->addr, code,	   sizeof code,	     stub, s->fp.ring_addr,
				   kind,    (uint16_t)idx, s->fp.tid_offset, key,  f->zero_new };
	if (fp_stub_build(&req, &st)) {
		if (s->cfg->verbose)
			lt_error("note: %s stays on a breakpoint: %s", allocfn_table[f->afn].name,
				 st.why);
		return -1;
	}
	if (body_branches_into(s, f, st.displaced)) {
		if (s->cfg->verbose)
			lt_error("note: %s stays on a breakpoint: its code jumps back into its "
				 "first instructions",
				 allocfn_table[f->afn].name);
		return -1;
	}
	if (s->rep.attached && thread_inside(s, f->addr, st.displaced)) {
		if (s->cfg->verbose)
			lt_error("note: %s stays on a breakpoint: a thread is stopped inside "
				 "its first instructions",
				 allocfn_table[f->afn].name);
		return -1;
	}
	if (target_write(&s->tm, stub, st.code, st.code_len))
		return -1;
	struct fast_patch *fp = &s->fp.patch[s->fp.npatch];
	fp->func = f->addr;
	fp->len = st.displaced < sizeof fp->orig ? st.displaced : sizeof fp->orig;
	memcpy(fp->orig, code, fp->len);
	memcpy(fp->trap_full, st.trap_full, sizeof fp->trap_full);
	fp->copy_insn = st.copy_insn;
	fp->copy_resume = st.copy_resume;
	memcpy(fp->walk_loads, st.walk_loads, sizeof fp->walk_loads);
	memcpy(fp->walk_resume, st.walk_resume, sizeof fp->walk_resume);
	fp->learn_trap = st.learn_trap;
	fp->learn_resume = st.learn_resume;
	fp->call_return = st.call_return;
	fp->one_call = kind == FP_ALLOC;
	if (fp->one_call) {
		/* the bound covers the function and its stub's return point */
		uint64_t lo = f->addr < st.call_return ? f->addr : st.call_return;
		uint64_t hi = f->addr + (f->size ? f->size : 1);
		if (st.call_return >= hi)
			hi = st.call_return + 1;
		if (!s->fp.one_call_hi || lo < s->fp.one_call_lo)
			s->fp.one_call_lo = lo;
		if (hi > s->fp.one_call_hi)
			s->fp.one_call_hi = hi;
	}
	fp->check_trap = st.check_trap;
	memcpy(fp->check_loads, st.check_loads, sizeof fp->check_loads);
	fp->fn = idx;
	fp->stub = stub;
	fp->stub_len = st.code_len;
	if (target_write(&s->tm, f->addr, st.entry_patch, sizeof st.entry_patch))
		return -1;
	s->fp.npatch++;
	return 0;
}

bool fastpatch_patched(const struct session *s, uint64_t addr)
{
	for (unsigned i = 0; i < s->fp.npatch; i++)
		if (s->fp.patch[i].func == addr)
			return true;
	return false;
}

/* Whether the fast path takes this function: the allocating ones, the
 * operator markers, and free and realloc through stubs that trap on the old
 * blocks glibc might abort on, so that those are judged before they reach
 * glibc.  posix_memalign stays on a breakpoint (its result lies in the
 * caller's memory, which may have changed by the time a record is read), and
 * so does reallocarray (its third argument is in rdx, the checks' scratch).
 *
 * failsafe (-p): no stub may trap, so free and realloc are recorded
 * unchecked (a free of a block allocated before the attach is no error
 * there anyway), and reallocarray, unchecked, is an ordinary allocation. */
bool fastpatch_kind(enum afn_kind k, bool failsafe, enum fp_kind *out)
{
	switch (k) {
	case AFN_FREE:
		*out = failsafe ? FP_FREE : FP_FREE_CHECKED;
		return true;
	case AFN_REALLOC:
		*out = failsafe ? FP_REALLOC : FP_REALLOC_CHECKED;
		return true;
	case AFN_REALLOCARRAY:
		*out = FP_REALLOC;
		return failsafe;
	case AFN_MALLOC:
	case AFN_CALLOC:
	case AFN_MEMALIGN:
	case AFN_VALLOC:
	case AFN_PVALLOC:
		*out = FP_ALLOC;
		return true;
	case AFN_OP_NEW:
	case AFN_OP_DELETE:
		*out = FP_MARKER;
		return true;
	default:
		return false;
	}
}

/* A thread that faulted copying the top of its stack into a record ran
 * off the end of its stack mapping: the stub takes what it has. */
uint64_t fastpatch_fault_resume(const struct session *s, uint64_t rip)
{
	for (unsigned i = 0; i < s->fp.npatch; i++) {
		const struct fast_patch *fp = &s->fp.patch[i];
		if (fp->copy_insn && rip == fp->copy_insn)
			return fp->copy_resume;
		for (int k = 0; k < 2; k++)
			if (fp->walk_loads[k] && rip == fp->walk_loads[k])
				return fp->walk_resume[k];
	}
	return 0;
}

bool fastpatch_is_call_return(const struct session *s, uint64_t ret)
{
	for (unsigned i = 0; i < s->fp.npatch; i++)
		if (s->fp.patch[i].call_return && ret == s->fp.patch[i].call_return)
			return true;
	return false;
}

bool fastpatch_in_one_call(const struct session *s, uint64_t ret)
{
	uint64_t pc = ret - 1;

	if (pc < s->fp.one_call_lo || pc >= s->fp.one_call_hi)
		return false;
	for (unsigned i = 0; i < s->fp.npatch; i++) {
		const struct fast_patch *fp = &s->fp.patch[i];
		const struct hooked_fn *f = &s->hk.fns[fp->fn];
		if (fp->one_call && (ret == fp->call_return ||
				     (pc >= f->addr && pc - f->addr < (f->size ? f->size : 1))))
			return true;
	}
	return false;
}

/* The stub keeps the record's index + 1 in the word its call to the original
 * returns to (FP_CALL1 in fastpath.c), so that a frame whose pc is that return
 * point has it at its stack pointer.  In the stub itself (past its entry
 * record, in the displaced instructions, back from the call) that word is
 * one of the top few of the stack. */
bool fastpatch_call_holds(struct session *s, struct thread *t, const struct user_regs_struct *r,
			  uint64_t index)
{
	if (fastpatch_in_stub(s, r->rip)) {
		uint64_t top[8];
		if (target_read(&s->tm, r->rsp, top, sizeof top) != (ssize_t)sizeof top)
			return true; /* unreadable: as if it did */
		for (size_t k = 0; k < 8; k++)
			if (top[k] == index + 1)
				return true;
	}
	uint64_t pcs[64];
	unsigned n = unwind_capture(s->uw, t->tid, r, pcs, 64), nsps;
	const uint64_t *sps = unwind_last_sps(s->uw, &nsps);

	for (unsigned i = 1; i < n && i < nsps; i++) {
		for (unsigned k = 0; k < s->fp.npatch; k++) {
			const struct fast_patch *fp = &s->fp.patch[k];
			uint64_t held;
			if (!fp->one_call || pcs[i] != fp->call_return)
				continue;
			if (target_read(&s->tm, sps[i], &held, 8) != 8 || held == index + 1)
				return true; /* unreadable: as if it did */
		}
	}
	return false;
}

/* A suspect free that trapped in its stub (at the int3, or faulting on a
 * wild pointer in one of the stub's loads): the breakpoint path's entry,
 * with "resume" after the int3, where the stub goes on into glibc's free. */
const struct fast_patch *fastpatch_free_check(const struct session *s, uint64_t rip, bool fault)
{
	for (unsigned i = 0; i < s->fp.npatch; i++) {
		const struct fast_patch *fp = &s->fp.patch[i];
		if (!fp->check_trap)
			continue;
		if (fault ? (rip == fp->check_loads[0] || rip == fp->check_loads[1] ||
			     rip == fp->check_loads[2])
			  : rip == fp->check_trap)
			return fp;
	}
	return NULL;
}

bool fastpatch_ring_full_trap(const struct session *s, uint64_t at)
{
	for (unsigned i = 0; i < s->fp.npatch; i++)
		if (at && (s->fp.patch[i].trap_full[0] == at || s->fp.patch[i].trap_full[1] == at))
			return true;
	return false;
}

bool fastpatch_in_stub(const struct session *s, uint64_t rip)
{
	for (unsigned i = 0; i < s->fp.npatch; i++)
		if (rip >= s->fp.patch[i].stub &&
		    rip - s->fp.patch[i].stub < s->fp.patch[i].stub_len)
			return true;
	return false;
}

/* Whether a signal handler runs on top of a stub in this thread: a frame
 * below the top one is in a stub, other than the return point of a stub's
 * call to its original (a thread inside malloc holds no claim).  Its claim,
 * if it made one, is in the signal frame's saved registers, out of sight:
 * assume it holds the hole. */
bool fastpatch_stub_interrupted(struct session *s, struct thread *t,
				const struct user_regs_struct *r)
{
	uint64_t pcs[64];
	unsigned n = unwind_capture(s->uw, t->tid, r, pcs, 64);

	for (unsigned i = 1; i < n; i++) {
		if (!fastpatch_in_stub(s, pcs[i]))
			continue;
		if (!fastpatch_is_call_return(s, pcs[i]))
			return true;
	}
	return false;
}

void fastpatch_restore_into(const struct session *s, const struct target_mem *tm)
{
	for (unsigned i = 0; i < s->fp.npatch; i++)
		target_write(tm, s->fp.patch[i].func, s->fp.patch[i].orig, s->fp.patch[i].len);
}

/* Whether no thread can still run stub code: none is inside a stub, and no
 * stack holds an address in a stub (where a stub's call to its original
 * returns: a thread inside malloc called from its stub; or the pc saved in a
 * signal frame: a handler that interrupted a stub).  Stacks are read from rsp up
 * to the end of their mapping, at most STUB_STACK_SCAN bytes: an allocator
 * call does not nest deeper.  Any doubt keeps the stubs. */
#define STUB_STACK_SCAN (1u << 20)

bool fastpatch_stubs_idle(struct session *s, struct thread **ths, size_t n)
{
	struct maps m;
	bool idle = !procmaps_read(s->tm.pid, &m);
	uint64_t *buf = idle ? malloc(STUB_STACK_SCAN) : NULL;

	idle = idle && buf;
	for (size_t i = 0; i < n && idle; i++) {
		struct user_regs_struct r;
		if (tracee_getregs(ths[i]->tid, &r) || fastpatch_in_stub(s, r.rip)) {
			idle = false;
			break;
		}
		/* a thread on another stack than its own (a handler on a
		 * sigaltstack, a coroutine) may have left a stub on the one not
		 * scanned: its own is [stack] for the leader, and the mapping
		 * glibc put its descriptor (fs_base) at the top of for others */
		const struct mapping *mp = procmaps_find(&m, r.rsp);
		const struct mapping *home =
		    ths[i]->tid == s->pid ? mp : procmaps_find(&m, r.fs_base);
		if (!mp || mp != home || (ths[i]->tid == s->pid && strcmp(mp->path, "[stack]"))) {
			idle = false;
			break;
		}
		uint64_t from = r.rsp & ~(uint64_t)7;
		uint64_t len = mp ? mp->end - from : 0;
		if (len > STUB_STACK_SCAN)
			len = STUB_STACK_SCAN;
		ssize_t got = len ? target_read(&s->tm, from, buf, len) : 0;
		if (got < 0 || (uint64_t)got < len) {
			idle = false;
			break;
		}
		/* any stub address: a call-return point, or the pc a signal
		 * frame saved when a handler interrupted a stub */
		for (size_t k = 0; k < len / 8 && idle; k++)
			idle = !fastpatch_in_stub(s, buf[k]);
	}
	free(buf);
	procmaps_free(&m); /* m.v is NULL when the read failed */
	return idle;
}

const struct fast_patch *fastpatch_learn_trap(const struct session *s, uint64_t at)
{
	for (unsigned i = 0; i < s->fp.npatch; i++)
		if (at && s->fp.patch[i].learn_trap == at)
			return &s->fp.patch[i];
	return NULL;
}
