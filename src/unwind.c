/* unwind: the call stack of a thread stopped at an allocator entry.
 *
 * libdwfl unwinds with DWARF CFI (so -O2 code without frame pointers comes
 * out right) and falls back to frame pointers where a module has no CFI.
 * It asks for registers and memory through callbacks; we answer from the
 * registers we already hold and from a copy of the top of the stack read in
 * one process_vm_readv, so an unwind costs one or two syscalls, not one per
 * word as PTRACE_PEEKDATA would. */
#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>

#include "leaktrace/unwind.h"

#define STACK_CACHE 16384u
#define STACK_STEP  2048u

struct unwinder {
	Dwfl *dwfl;
	const struct target_mem *tm;
	bool attached;

	/* the event being unwound */
	pid_t tid;
	const struct user_regs_struct *regs;
	uint64_t cache_base;
	size_t cache_len; /* bytes valid from cache_base */
	uint8_t cache[STACK_CACHE];

	bool copy_only; /* serve memory from the cache alone */
	uint64_t *pcs;
	unsigned n, max;
	uint64_t sps[512];
};

static pid_t cb_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl;
	(void)arg;
	(void)thread_argp;
	return 0; /* threads are named explicitly, never enumerated */
}

static bool cb_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	struct unwinder *u = arg;
	(void)dwfl;

	*thread_argp = u;
	return tid == u->tid;
}

static bool fill_cache(struct unwinder *u, uint64_t upto)
{
	while (u->cache_base + u->cache_len < upto && u->cache_len < STACK_CACHE) {
		size_t want = STACK_STEP;
		if (u->cache_len + want > STACK_CACHE)
			want = STACK_CACHE - u->cache_len;
		ssize_t n =
		    target_read(u->tm, u->cache_base + u->cache_len, u->cache + u->cache_len, want);
		if (n <= 0)
			return false;
		u->cache_len += (size_t)n;
		if ((size_t)n < want)
			return u->cache_base + u->cache_len >= upto;
	}
	return u->cache_base + u->cache_len >= upto;
}

static bool cb_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unwinder *u = arg;
	(void)dwfl;

	if (u->copy_only) {
		if (addr < u->cache_base || addr + 8 > u->cache_base + u->cache_len)
			return false;
		memcpy(result, u->cache + (addr - u->cache_base), 8);
		return true;
	}
	if (addr >= u->cache_base && addr + 8 <= u->cache_base + STACK_CACHE &&
	    fill_cache(u, addr + 8)) {
		memcpy(result, u->cache + (addr - u->cache_base), 8);
		return true;
	}
	uint64_t w;
	if (target_read(u->tm, addr, &w, 8) != 8)
		return false;
	*result = w;
	return true;
}

static bool cb_set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct unwinder *u = arg;
	const struct user_regs_struct *r = u->regs;
	/* DWARF register numbers 0..16 of x86-64 */
	Dwarf_Word regs[17] = {
		r->rax, r->rdx, r->rcx, r->rbx, r->rsi, r->rdi, r->rbp, r->rsp, r->r8,
		r->r9,	r->r10, r->r11, r->r12, r->r13, r->r14, r->r15, r->rip,
	};

	if (!dwfl_thread_state_registers(thread, 0, 17, regs))
		return false;
	dwfl_thread_state_register_pc(thread, r->rip);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = cb_next_thread,
	.get_thread = cb_get_thread,
	.memory_read = cb_memory_read,
	.set_initial_registers = cb_set_initial_registers,
};

struct unwinder *unwind_new(struct symbols *sym, const struct target_mem *tm)
{
	struct unwinder *u = calloc(1, sizeof *u);

	if (!u)
		return NULL;
	u->dwfl = symbols_dwfl(sym);
	u->tm = tm;
	return u;
}

void unwind_free(struct unwinder *u)
{
	free(u);
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct unwinder *u = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	if (u->n > 0 && pc == 0)
		return DWARF_CB_ABORT;
	Dwarf_Word sp = 0;
	if (u->n < 512)
		u->sps[u->n] = dwfl_frame_reg(state, 7, &sp) == 0 ? sp : 0;
	u->pcs[u->n++] = pc;
	return u->n >= u->max ? DWARF_CB_ABORT : DWARF_CB_OK;
}

unsigned unwind_capture(struct unwinder *u, pid_t tid, const struct user_regs_struct *regs,
			uint64_t *pcs, unsigned max)
{
	if (!u->attached) {
		/* once per Dwfl: the modules reported later are picked up too */
		if (dwfl_attach_state(u->dwfl, NULL, tid, &thread_callbacks, u))
			u->attached = true;
	}
	u->tid = tid;
	u->regs = regs;
	if (!u->copy_only) {
		u->cache_base = regs->rsp & ~(uint64_t)63;
		u->cache_len = 0;
	}
	u->pcs = pcs;
	u->n = 0;
	u->max = max;
	if (u->attached)
		dwfl_getthread_frames(u->dwfl, tid, frame_cb, u);
	if (u->n == 0) {
		u->sps[0] = regs->rsp;
		pcs[u->n++] = regs->rip;
	}
	u->sps[0] = regs->rsp;
	return u->n;
}

unsigned unwind_capture_copy(struct unwinder *u, pid_t tid, const struct user_regs_struct *regs,
			     const void *copy, size_t len, uint64_t *pcs, unsigned max)
{
	if (len > STACK_CACHE)
		len = STACK_CACHE;
	memcpy(u->cache, copy, len);
	u->cache_base = regs->rsp;
	u->cache_len = len;
	u->copy_only = true;
	unsigned n = unwind_capture(u, tid, regs, pcs, max);
	u->copy_only = false;
	return n;
}

const uint64_t *unwind_last_sps(const struct unwinder *u, unsigned *n)
{
	*n = u->n < 512 ? u->n : 512;
	return u->sps;
}
