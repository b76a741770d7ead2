/* unwind: the call stack of a thread stopped at an allocator entry.
 *
 * libdwfl unwinds with DWARF CFI (so -O2 code without frame pointers comes
 * out right) and falls back to frame pointers where a module has no CFI.
 * It asks for registers and memory through callbacks; we answer from the
 * registers we already hold and from a copy of the top of the stack read in
 * one process_vm_readv, so an unwind costs one or two syscalls, not one per
 * word as PTRACE_PEEKDATA would. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>

#include "leaktrace/hashslot.h"
#include "leaktrace/unwind.h"

#define STACK_CACHE 16384u
#define STACK_STEP  2048u

struct unwinder {
	Dwfl *dwfl;
	struct symbols *sym;
	const struct target_mem *tm;
	bool attached;

	/* the event being unwound */
	pid_t tid;
	const struct user_regs_struct *regs;
	uint64_t cache_base;
	size_t cache_len; /* bytes valid from cache_base */
	uint8_t cache[STACK_CACHE];

	const uint8_t *copy;	/* serve memory from this copy alone (cache_len bytes) */
	struct cfa_rule *rules; /* open addressing on pc */
	size_t nrules, rules_cap;
	uint64_t *pcs;
	unsigned n, max;
	uint64_t sps[512];
};

/* The CFI rule of one pc, in the shapes compiled code nearly always has:
 * CFA = rsp + k or rbp + k, the return address at CFA - 8, rbp unchanged or
 * saved at CFA + k.  Unwinding with these is a few loads per frame, where
 * libdwfl allocates and interprets on every frame: it was most of the
 * tracer's time per allocation.  Anything else (signal frames, expression
 * rules, other base registers) leaves the whole stack to libdwfl. */
enum rule_kind { RULE_FALLBACK = 1, RULE_SIMPLE, RULE_OUTERMOST };

struct cfa_rule {
	uint64_t pc;
	uint8_t kind;
	uint8_t cfa_rbp;   /* CFA based on rbp, not rsp */
	uint8_t rbp_saved; /* caller's rbp at CFA + rbp_off; else unchanged */
	int32_t cfa_off, rbp_off;
};

/* An "offset(N)" register rule as libdw spells it: CFA, CFA + N, CFA - N. */
static bool cfa_offset(const Dwarf_Op *ops, size_t nops, int64_t *off)
{
	if (nops >= 1 && ops[0].atom == DW_OP_call_frame_cfa) {
		if (nops == 1) {
			*off = 0;
			return true;
		}
		if (nops == 2 && ops[1].atom == DW_OP_plus_uconst) {
			*off = (int64_t)ops[1].number;
			return true;
		}
		if (nops == 3 && ops[1].atom == DW_OP_consts && ops[2].atom == DW_OP_plus) {
			*off = (int64_t)ops[1].number;
			return true;
		}
	}
	return false;
}

static void compute_rule(Dwfl *dwfl, uint64_t pc, struct cfa_rule *r)
{
	Dwfl_Module *m = dwfl_addrmodule(dwfl, pc);
	Dwarf_Addr bias;
	Dwarf_CFI *cfi = m ? dwfl_module_eh_cfi(m, &bias) : NULL;
	Dwarf_Frame *frame = NULL;
	Dwarf_Op mem[3], *ops;
	size_t nops;
	int64_t off;

	r->kind = RULE_FALLBACK;
	if (!cfi || dwarf_cfi_addrframe(cfi, pc - bias, &frame))
		return;
	Dwarf_Addr start, end;
	bool signal = false;
	if (dwarf_frame_info(frame, &start, &end, &signal) < 0 || signal)
		goto out;
	if (dwarf_frame_register(frame, 16, mem, &ops, &nops))
		goto out;
	if (nops == 0 && ops == mem) {
		r->kind = RULE_OUTERMOST; /* return address undefined: the end */
		goto out;
	}
	if (!cfa_offset(ops, nops, &off) || off != -8)
		goto out;
	if (dwarf_frame_cfa(frame, &ops, &nops) || nops != 1)
		goto out;
	/* libdw spells a register + offset CFA as DW_OP_bregN (offset in
	 * number) for an expression, and as DW_OP_bregx (register in number,
	 * offset in number2) for the common DW_CFA_def_cfa* rules */
	uint64_t reg, cfa_off;
	if (ops[0].atom == DW_OP_breg7 || ops[0].atom == DW_OP_breg6) {
		reg = ops[0].atom - DW_OP_breg0;
		cfa_off = ops[0].number;
	} else if (ops[0].atom == DW_OP_bregx) {
		reg = ops[0].number;
		cfa_off = ops[0].number2;
	} else {
		goto out;
	}
	if (reg != 6 && reg != 7)
		goto out;
	r->cfa_rbp = reg == 6;
	r->cfa_off = (int32_t)(int64_t)cfa_off;
	if (dwarf_frame_register(frame, 6, mem, &ops, &nops))
		goto out;
	if (nops == 0 && ops == NULL) {
		r->rbp_saved = 0; /* same value */
	} else if (cfa_offset(ops, nops, &off)) {
		r->rbp_saved = 1;
		r->rbp_off = (int32_t)off;
	} else {
		goto out;
	}
	r->kind = RULE_SIMPLE;
out:
	free(frame);
}

static const struct cfa_rule *rule_of(struct unwinder *u, uint64_t pc)
{
	if (u->nrules + 1 > u->rules_cap / 2) {
		size_t ncap = u->rules_cap ? u->rules_cap * 2 : 4096;
		struct cfa_rule *nr = calloc(ncap, sizeof *nr);
		if (!nr)
			return NULL;
		for (size_t i = 0; i < u->rules_cap; i++) {
			if (!u->rules[i].kind)
				continue;
			size_t j = hashslot(u->rules[i].pc, ncap);
			while (nr[j].kind)
				j = (j + 1) & (ncap - 1);
			nr[j] = u->rules[i];
		}
		free(u->rules);
		u->rules = nr;
		u->rules_cap = ncap;
	}
	size_t j = hashslot(pc, u->rules_cap);
	while (u->rules[j].kind && u->rules[j].pc != pc)
		j = (j + 1) & (u->rules_cap - 1);
	if (!u->rules[j].kind) {
		u->rules[j].pc = pc;
		compute_rule(u->dwfl, pc, &u->rules[j]);
		/* the stack ends here (libc's start-up below main): taught
		 * to the stubs as such too */
		if (symbols_ends_stack(u->sym, pc))
			u->rules[j].kind = RULE_OUTERMOST;
		u->nrules++;
	}
	return &u->rules[j];
}

static bool read_word(struct unwinder *u, uint64_t addr, uint64_t *w);

/* The stack by the cached rules; false when some frame needs libdwfl. */
static bool unwind_simple(struct unwinder *u)
{
	uint64_t pc = u->regs->rip, sp = u->regs->rsp, rbp = u->regs->rbp;

	for (unsigned n = 0; n < u->max && n < 512; n++) {
		u->pcs[n] = pc;
		u->sps[n] = sp;
		u->n = n + 1;
		if (u->n >= u->max)
			return true;
		const struct cfa_rule *r = rule_of(u, n ? pc - 1 : pc);
		if (!r || r->kind == RULE_FALLBACK)
			return false;
		if (r->kind == RULE_OUTERMOST)
			return true;
		uint64_t cfa = (r->cfa_rbp ? rbp : sp) + (uint64_t)(int64_t)r->cfa_off, ra;
		if (!read_word(u, cfa - 8, &ra))
			return true; /* libdwfl stops there too */
		if (r->rbp_saved && !read_word(u, cfa + (uint64_t)(int64_t)r->rbp_off, &rbp))
			return false;
		if (ra == 0)
			return true;
		pc = ra;
		sp = cfa;
	}
	return true;
}

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

	if (u->copy) {
		if (addr < u->cache_base || addr - u->cache_base > u->cache_len ||
		    u->cache_len - (addr - u->cache_base) < 8)
			return false;
		memcpy(result, u->copy + (addr - u->cache_base), 8);
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

static bool read_word(struct unwinder *u, uint64_t addr, uint64_t *w)
{
	Dwarf_Word v;

	if (!cb_memory_read(u->dwfl, addr, &v, u))
		return false;
	*w = v;
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
	u->sym = sym;
	u->tm = tm;
	return u;
}

void unwind_free(struct unwinder *u)
{
	if (u)
		free(u->rules);
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
	if (symbols_ends_stack(u->sym, u->n > 1 ? pc - 1 : pc))
		return DWARF_CB_ABORT; /* as rule_of's RULE_OUTERMOST */
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
	if (!u->copy) {
		u->cache_base = regs->rsp & ~(uint64_t)63;
		u->cache_len = 0;
	}
	u->pcs = pcs;
	u->n = 0;
	u->max = max;
	if (unwind_simple(u))
		goto done;
	u->n = 0;
	if (u->attached)
		dwfl_getthread_frames(u->dwfl, tid, frame_cb, u);
done:
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
	/* read in place: the unwinder touches a few words of the copy */
	u->copy = copy;
	u->cache_base = regs->rsp;
	u->cache_len = len;
	unsigned n = unwind_capture(u, tid, regs, pcs, max);
	u->copy = NULL;
	return n;
}

unsigned unwind_capture_walked(struct unwinder *u, const void *frames, unsigned n, uint64_t *pcs,
			       unsigned max)
{
	const uint8_t *f = frames;

	if (n > max)
		n = max;
	if (n > 512)
		n = 512;
	for (unsigned i = 0; i < n; i++) {
		memcpy(&pcs[i], f + 16 * i, 8);
		memcpy(&u->sps[i], f + 16 * i + 8, 8);
	}
	u->n = n;
	return n;
}

bool unwind_rule(struct unwinder *u, uint64_t key, struct unwind_rule *out)
{
	const struct cfa_rule *r = rule_of(u, key);

	if (!r)
		return false;
	if (r->kind != RULE_SIMPLE && r->kind != RULE_OUTERMOST) {
		*out = (struct unwind_rule){ .complex = true };
		return true;
	}
	*out = (struct unwind_rule){ .cfa_off = r->cfa_off,
				     .rbp_off = r->rbp_off,
				     .cfa_rbp = r->cfa_rbp,
				     .rbp_saved = r->rbp_saved,
				     .outermost = r->kind == RULE_OUTERMOST };
	return true;
}

const uint64_t *unwind_last_sps(const struct unwinder *u, unsigned *n)
{
	*n = u->n < 512 ? u->n : 512;
	return u->sps;
}
