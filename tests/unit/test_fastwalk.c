/* Differential test of the fast path's stack walk.  The stubs fastpath.c
 * generates run in this process, entered on fake stacks with random rules
 * taught to the ring, and every record is compared with what the tracer
 * would have got without the walk: the stack copied, and the copy unwound
 * by unwind.c's cached-rule unwinder (unwind_simple, modelled here in C).
 *
 * What it proves, for each stub kind (FP_ALLOC, FP_FREE, FP_FREE_CHECKED
 * with a pointer its checks pass -- or NULL, which it lets through
 * unrecorded --, FP_REALLOC_CHECKED with such a pointer or NULL,
 * FP_REALLOC):
 *  - a walked record holds exactly the (pc, sp) frames unwind_simple finds
 *    on the copy, with the same stops: max_frames (1 to FP_MAX_WALK), an
 *    outermost rule, a return address outside the window, a return
 *    address 0; rules based on rsp or rbp, with and without the caller's
 *    rbp saved, at aligned, unaligned and wild offsets;
 *  - a record holds a copy instead exactly when unwind_simple would hand
 *    the stack to libdwfl (a pc without a rule, the saved rbp outside the
 *    window) or when the walk is off (max_frames 0, or beyond FP_MAX_WALK,
 *    which fp_ring_set_walk turns into 0), and the copy (fp_ring_copy)
 *    holds the window's bytes: from the entry, or, when the walk stopped at
 *    frame k >= 1, the frames up to k, frame k's rbp, and the copy from
 *    frame k's sp (frames larger than the copy: walk windows of one to four
 *    copies, rules with CFA offsets up to 12 KiB); a rule marked
 *    FP_RULE_COPY copies from its frame; with FP_FLAG_LEARN, a pc without a
 *    rule or a saved rbp out of reach traps instead (never a marked rule),
 *    with the record in r10 and the frames walked so far, and the stub
 *    publishes what the trap handler (the tracer's part) wrote;
 *  - the window is the one fastpath.h describes: stack_qwords, clipped at
 *    hdr.stack_end when the stack pointer is below it, cut short by a
 *    PROT_NONE page above the stack; the faults there are exactly the ones
 *    the model predicts, each at copy_insn or at one of walk_loads[] and
 *    fixed up by a SIGSEGV handler (the tracer's part) as fastpath.h says;
 *  - the rest of the records (op, phase, thread pointer, arguments,
 *    callee-saved registers with a copy, entry rsp, return address;
 *    FP_ALLOC's result in its one record, the other call kinds' return
 *    record) and the registers as fastpath.c's header promises:
 *    the original sees every general register as the caller left it (but
 *    rax and rdx, the scratch registers of the checked kinds' pointer
 *    checks: neither carries an argument of free or realloc) with rsp = 8
 *    mod 16; the caller gets the original's rax and rdx and its own
 *    callee-saved registers back, and for the jmp kinds every register as
 *    the original left it; nothing above the entry rsp is written.
 * The generator has a fixed seed, so every run makes the same stacks and
 * rules; the counts at the end check that each case was exercised. */
#include "check.h"
#include "leaktrace/fastpath.h"
#include "stub_memory.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define ITERS_PER_KIND 20000

/* ---- the victim and the trampoline ---- */

/* Registers, in this order, in wt_in (loaded before the call), wt_entry
 * (seen by the original) and wt_out (after the return). */
enum {
	R_RAX,
	R_RBX,
	R_RCX,
	R_RDX,
	R_RSI,
	R_RDI,
	R_RBP,
	R_R8,
	R_R9,
	R_R10,
	R_R11,
	R_R12,
	R_R13,
	R_R14,
	R_R15,
	R_RSP,
	NREGS
};

static const char *const reg_names[NREGS] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
	"r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rsp"
};

uint64_t wt_in[NREGS], wt_entry[NREGS], wt_out[NREGS];
uint64_t wt_fn, wt_saved_rsp, wt_stack_top;

#define VICTIM_RAX 0x1357924680aceaceull
#define VICTIM_RDX 0x2468135799bdbdbdull

extern char wt_victim[], wt_tramp_ret[];
void wt_tramp(void);

/* wt_victim, the hooked function: stores the registers it is entered with
 * and returns two known values in rax and rdx; its first instruction is
 * RIP-relative, so the stub runs it relocated.  wt_tramp: wt_fn called
 * with rsp = wt_stack_top and the registers of wt_in, the registers after
 * its return stored in wt_out; an ordinary function to its C caller. */
__asm__(".section .text.wt_victim,\"ax\"\n"
	".balign 4096\n"
	".globl wt_victim\n"
	"wt_victim:\n"
	"	mov %rax, wt_entry+0(%rip)\n mov %rbx, wt_entry+8(%rip)\n"
	"	mov %rcx, wt_entry+16(%rip)\n mov %rdx, wt_entry+24(%rip)\n"
	"	mov %rsi, wt_entry+32(%rip)\n mov %rdi, wt_entry+40(%rip)\n"
	"	mov %rbp, wt_entry+48(%rip)\n mov %r8, wt_entry+56(%rip)\n"
	"	mov %r9, wt_entry+64(%rip)\n mov %r10, wt_entry+72(%rip)\n"
	"	mov %r11, wt_entry+80(%rip)\n mov %r12, wt_entry+88(%rip)\n"
	"	mov %r13, wt_entry+96(%rip)\n mov %r14, wt_entry+104(%rip)\n"
	"	mov %r15, wt_entry+112(%rip)\n mov %rsp, wt_entry+120(%rip)\n"
	"	movabs $0x1357924680aceace, %rax\n"
	"	movabs $0x2468135799bdbdbd, %rdx\n"
	"	ret\n"

	".globl wt_tramp\n"
	"wt_tramp:\n"
	"	push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"	mov %rsp, wt_saved_rsp(%rip)\n"
	"	mov wt_stack_top(%rip), %rsp\n"
	"	mov wt_in+0(%rip), %rax\n mov wt_in+8(%rip), %rbx\n"
	"	mov wt_in+16(%rip), %rcx\n mov wt_in+24(%rip), %rdx\n"
	"	mov wt_in+32(%rip), %rsi\n mov wt_in+40(%rip), %rdi\n"
	"	mov wt_in+48(%rip), %rbp\n mov wt_in+56(%rip), %r8\n"
	"	mov wt_in+64(%rip), %r9\n mov wt_in+72(%rip), %r10\n"
	"	mov wt_in+80(%rip), %r11\n mov wt_in+88(%rip), %r12\n"
	"	mov wt_in+96(%rip), %r13\n mov wt_in+104(%rip), %r14\n"
	"	mov wt_in+112(%rip), %r15\n"
	"	call *wt_fn(%rip)\n"
	".globl wt_tramp_ret\n"
	"wt_tramp_ret:\n"
	"	mov %rax, wt_out+0(%rip)\n mov %rbx, wt_out+8(%rip)\n"
	"	mov %rcx, wt_out+16(%rip)\n mov %rdx, wt_out+24(%rip)\n"
	"	mov %rsi, wt_out+32(%rip)\n mov %rdi, wt_out+40(%rip)\n"
	"	mov %rbp, wt_out+48(%rip)\n mov %r8, wt_out+56(%rip)\n"
	"	mov %r9, wt_out+64(%rip)\n mov %r10, wt_out+72(%rip)\n"
	"	mov %r11, wt_out+80(%rip)\n mov %r12, wt_out+88(%rip)\n"
	"	mov %r13, wt_out+96(%rip)\n mov %r14, wt_out+104(%rip)\n"
	"	mov %r15, wt_out+112(%rip)\n mov %rsp, wt_out+120(%rip)\n"
	"	mov wt_saved_rsp(%rip), %rsp\n"
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
	"	ret\n"
	".balign 4096\n"
	".previous\n");

/* ---- plumbing ---- */

#define STACK_BYTES 4096u
#define WALK_MAX    (4 * STACK_BYTES) /* the largest walk window tried */
#define GUARD	    (WALK_MAX + 4096) /* PROT_NONE above the fake stack: no walk reads past it */
#define RING_CAP    16u
#define FAKE_STACK  65536u

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static struct fp_ring_hdr *ring;
static uint8_t *stack_lo; /* the fake stack: FAKE_STACK bytes, then PROT_NONE */
static uint64_t stack_hi;

/* ---- the tracer's fault fixups ---- */

enum { F_COPY, F_WALK_RA, F_WALK_RBP, NFAULTS };

static const struct fp_stub *cur_stub;
static volatile unsigned long faults[NFAULTS], faults_elsewhere;

/* FP_FLAG_LEARN's trap, as the tracer takes it: the record is in r10 with
 * the frames walked so far; the tracer's frames (here one marked frame)
 * replace them and the stub goes on at learn_resume. */
#define LEARNED_PC 0x1ea4edull
static volatile unsigned long learn_traps;
static volatile uint32_t learn_nframes; /* what the stub had walked */

static void on_sigtrap(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	(void)si;

	if (!cur_stub || rip - 1 != cur_stub->learn_trap) {
		signal(sig, SIG_DFL);
		return;
	}
	struct fp_rec *rec = (struct fp_rec *)(uintptr_t)uc->uc_mcontext.gregs[REG_R10];
	uint64_t pc = LEARNED_PC, sp = 0;
	learn_nframes = rec->nframes;
	memcpy(rec->frames, &pc, 8);
	memcpy(rec->frames + 8, &sp, 8);
	rec->nframes = 1;
	learn_traps++;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)cur_stub->learn_resume;
}

static void on_sigsegv(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	uint64_t addr = (uint64_t)si->si_addr;
	int k = -1;

	if (cur_stub && rip == cur_stub->copy_insn) {
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)cur_stub->copy_resume;
		k = F_COPY;
	} else if (cur_stub && rip == cur_stub->walk_loads[0]) {
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)cur_stub->walk_resume[0];
		k = F_WALK_RA;
	} else if (cur_stub && rip == cur_stub->walk_loads[1]) {
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)cur_stub->walk_resume[1];
		k = F_WALK_RBP;
	}
	if (k < 0) {
		static const char msg[] = "test_fastwalk: SIGSEGV outside the fixups\n";
		if (write(2, msg, sizeof msg - 1) < 0)
			_exit(2);
		signal(sig, SIG_DFL); /* not ours: crash for real */
		return;
	}
	faults[k]++;
	if (addr < stack_hi || addr >= stack_hi + GUARD)
		faults_elsewhere++;
}

/* ---- the rules: taught to the ring and kept here for the model ---- */

#define NPOOL 40 /* return addresses with a rule (or a missing one) */

struct mrule {
	bool taught;
	struct fp_rule r;
};

static struct mrule mrules[NPOOL + 1];
static int nmrules;
static uint64_t pool[NPOOL];

static const struct mrule *mrule_find(uint64_t key)
{
	for (int i = 0; i < nmrules; i++)
		if (mrules[i].r.key == key)
			return &mrules[i];
	return NULL;
}

static void random_rule(struct fp_rule *r)
{
	switch (rnd() % 4) {
	case 0: /* now and then a frame larger than the copy (GNU make has them) */
		r->cfa_off = (int32_t)(rnd() % 8 ? rnd() % 80 : 512 + rnd() % 1024) * 8;
		break;
	case 1:
		r->cfa_off = (int32_t)(rnd() % 40) - 20; /* unaligned, or below sp */
		break;
	case 2:
		r->cfa_off = (int32_t)(rnd() % 12) * 8;
		break;
	default:
		r->cfa_off = rnd() % 4 ? (int32_t)(rnd() % 8) * 8 + 16 : (int32_t)rnd(); /* wild */
		break;
	}
	switch (rnd() % 5) {
	case 0:
		r->rbp_off = (int16_t)((int)(rnd() % 80) - 40);
		break;
	case 1:
		r->rbp_off = (int16_t)rnd();
		break;
	default:
		r->rbp_off = (int16_t)(((int)(rnd() % 48) - 32) * 8);
		break;
	}
	r->flags =
	    (uint8_t)((rnd() % 2 ? FP_RULE_CFA_RBP : 0) | (rnd() % 2 ? FP_RULE_RBP_AT : 0) |
		      (rnd() % 25 == 0 ? FP_RULE_END : 0) | (rnd() % 20 == 0 ? FP_RULE_COPY : 0));
	r->pad = 0;
}

/* The victim's rule, and one for each return address of the pool (the
 * first is the trampoline's), a tenth of them left untaught. */
static bool make_rules(void)
{
	fp_rules_clear(ring);
	nmrules = 0;
	for (int i = -1; i < NPOOL; i++) {
		uint64_t key;
		if (i < 0) {
			key = (uint64_t)wt_victim;
		} else if (i == 0) {
			pool[i] = (uint64_t)wt_tramp_ret;
			key = pool[i] - 1;
		} else {
			do
				pool[i] = (rnd() & 0x7fffffffffffull) | 1;
			while (pool[i] == 1 || mrule_find(pool[i] - 1));
			key = pool[i] - 1;
		}
		struct mrule *m = &mrules[nmrules++];
		m->r.key = key;
		random_rule(&m->r);
		m->taught = rnd() % 10 != 0;
		if (m->taught && !fp_rule_teach(ring, &m->r))
			return false;
	}
	return true;
}

/* ---- the model: unwind_simple on the copy ---- */

/* The window the stub may read, [lo, lo + len), and the end of the
 * readable memory (the copy stops there). */
struct window {
	uint64_t lo, len, mapped_end;
	uint64_t walk_len;    /* the walk's window, [lo, lo + walk_len) */
	const uint8_t *bytes; /* from lo up to the end of the walk's window */
};

static uint64_t copy_len(const struct window *w)
{
	uint64_t n = w->mapped_end - w->lo;
	return w->len < n ? w->len : n;
}

enum read_result { RD_OK, RD_OUT, RD_FAULT };

/* unwind.c's cb_memory_read on the copy, and whether the stub's load of
 * the word faults instead (it is in its window, not in the copy). */
static enum read_result win_read(const struct window *w, uint64_t a, uint64_t *v)
{
	if (a < w->lo || a - w->lo > w->walk_len || w->walk_len - (a - w->lo) < 8)
		return RD_OUT;
	if (a + 8 > w->mapped_end)
		return RD_FAULT;
	memcpy(v, w->bytes + (a - w->lo), 8);
	return RD_OK;
}

enum stop {
	STOP_MAX,     /* walked: max_frames */
	STOP_END,     /* walked: outermost rule */
	STOP_RA_OUT,  /* walked: the return address outside the window */
	STOP_RA_ZERO, /* walked: return address 0 */
	COPY_OFF,     /* copied: the walk is off */
	COPY_NO_RULE, /* copied: a pc without a rule */
	COPY_RBP_OUT, /* copied: the saved rbp outside the window */
	COPY_COMPLEX, /* copied: a rule that says so (FP_RULE_COPY) */
	NSTOPS
};

static const char *const stop_names[NSTOPS] = { "max_frames", "outermost", "ra out",  "ra 0",
						"walk off",   "no rule",   "rbp out", "copy rule" };

struct expect {
	int nframes; /* -1: the copy from the entry */
	enum stop stop;
	/* nframes >= 2 and a copy: the walk stopped at frame nframes - 1, and
	 * the copy starts at its sp, with its rbp */
	bool copy;
	uint64_t copy_lo, copy_len, copy_rbp;
	uint32_t walked;  /* frames walked where the walk stopped for a copy */
	uint64_t stop_sp; /* and the sp of the frame it stopped at */
	uint64_t pcs[FP_MAX_WALK], sps[FP_MAX_WALK];
	unsigned faults[NFAULTS];
};

static void model(const struct window *w, uint64_t rbp, uint64_t max, struct expect *e)
{
	uint64_t pc = (uint64_t)wt_victim, sp = w->lo;

	memset(e, 0, sizeof *e);
	if (max == 0) {
		e->stop = COPY_OFF;
		goto copy;
	}
	for (unsigned n = 0;; n++) {
		e->pcs[n] = pc;
		e->sps[n] = sp;
		e->nframes = (int)n + 1;
		if (n + 1 >= max) {
			e->stop = STOP_MAX;
			return;
		}
		const struct mrule *m = mrule_find(n ? pc - 1 : pc);
		if (!m || !m->taught) {
			e->stop = COPY_NO_RULE;
			goto copy_from_frame;
		}
		const struct fp_rule *r = &m->r;
		if (r->flags & FP_RULE_END) {
			e->stop = STOP_END;
			return;
		}
		if (r->flags & FP_RULE_COPY) {
			e->stop = COPY_COMPLEX;
			goto copy_from_frame;
		}
		uint64_t cfa =
		    ((r->flags & FP_RULE_CFA_RBP) ? rbp : sp) + (uint64_t)(int64_t)r->cfa_off;
		uint64_t ra;
		enum read_result rd = win_read(w, cfa - 8, &ra);
		if (rd != RD_OK) {
			e->faults[F_WALK_RA] = rd == RD_FAULT;
			e->stop = STOP_RA_OUT;
			return;
		}
		if (r->flags & FP_RULE_RBP_AT) {
			rd = win_read(w, cfa + (uint64_t)(int64_t)r->rbp_off, &rbp);
			if (rd != RD_OK) {
				e->faults[F_WALK_RBP] = rd == RD_FAULT;
				e->stop = COPY_RBP_OUT;
				goto copy_from_frame;
			}
		}
		if (ra == 0) {
			e->stop = STOP_RA_ZERO;
			return;
		}
		pc = ra;
		sp = cfa;
	}
copy_from_frame:
	e->walked = (uint32_t)e->nframes;
	e->stop_sp = sp;
	if (e->nframes >= 2) {
		/* at most stack_qwords, within the walk's window, as far as mapped */
		uint64_t want = w->lo + w->walk_len - sp;
		if (want > ring->stack_qwords * 8)
			want = ring->stack_qwords * 8;
		e->copy = true;
		e->copy_lo = sp;
		e->copy_rbp = rbp;
		want &= ~(uint64_t)7; /* whole qwords (sp need not be aligned) */
		uint64_t mapped = (w->mapped_end - sp) & ~(uint64_t)7;
		e->copy_len = mapped < want ? mapped : want;
		e->faults[F_COPY] = e->copy_len < want;
		return;
	}
copy:
	e->nframes = -1;
	e->faults[F_COPY] = copy_len(w) < w->len;
}

/* ---- the stacks ---- */

static uint64_t plausible_fp(uint64_t rsp)
{
	return rsp - 64 + (rnd() % 600) * 8;
}

/* The chain builder's marks: words of the stack already chosen. */
static bool chosen[WALK_MAX / 8 + 1];

/* Whether the word at a, in [rsp + 8, end), is still free to choose (and
 * if so, marks it chosen). */
static bool choose(uint64_t rsp, uint64_t end, uint64_t a)
{
	if (a < rsp + 8 || a > end || end - a < 8)
		return false;
	uint64_t q = (a - rsp) / 8, q2 = (a + 7 - rsp) / 8;
	if (chosen[q] || chosen[q2])
		return false;
	chosen[q] = chosen[q2] = true;
	return true;
}

/* A return address of the pool whose rule lets the walk go on: taught,
 * not outermost, and a CFA a little above sp, or based on an rbp that the
 * caller can still choose. */
static uint64_t next_ra(bool rbp_free)
{
	uint64_t ra = pool[1 + rnd() % (NPOOL - 1)];

	for (int tries = 0; tries < 16; tries++) {
		const struct mrule *m = mrule_find(ra - 1);
		const struct fp_rule *r = &m->r;
		if (m->taught && !(r->flags & (FP_RULE_END | FP_RULE_COPY)) &&
		    ((r->flags & FP_RULE_CFA_RBP)
			 ? rbp_free
			 : r->cfa_off >= 8 && (r->cfa_off <= 128 ||
					       (r->cfa_off <= 12288 && r->cfa_off % 8 == 0))) &&
		    (!(r->flags & FP_RULE_RBP_AT) || (r->rbp_off >= -64 && r->rbp_off <= 64)))
			break;
		ra = pool[1 + rnd() % (NPOOL - 1)];
	}
	return ra;
}

/* Random words above rsp up to end: return addresses of the pool, stack
 * pointers, zeros, noise.  Half the time, then, a chain: the model's walk
 * followed from the entry, and each word it reads that is not chosen yet
 * chosen to let it go on (a return address whose rule continues, the
 * caller's rbp such that its CFA is a little above), so that deep walks,
 * through frame pointers too, are common. */
static void fill_stack(uint64_t rsp, uint64_t rbp, uint64_t end)
{
	*(uint64_t *)rsp = (uint64_t)wt_tramp_ret; /* what the call will write */
	for (uint64_t a = rsp + 8; a + 8 <= end; a += 8) {
		uint64_t v;
		switch (rnd() % 6) {
		case 0:
		case 1:
			v = pool[rnd() % NPOOL];
			break;
		case 2:
			v = plausible_fp(rsp);
			break;
		case 3:
			v = 0;
			break;
		default:
			v = rnd();
			break;
		}
		*(uint64_t *)a = v;
	}
	if (rnd() % 2)
		return;
	memset(chosen, 0, sizeof chosen);
	chosen[0] = true;
	uint64_t pc = (uint64_t)wt_victim, sp = rsp;
	for (unsigned n = 0; n < FP_MAX_WALK; n++) {
		const struct mrule *m = mrule_find(n ? pc - 1 : pc);
		if (!m || !m->taught || (m->r.flags & (FP_RULE_END | FP_RULE_COPY)))
			return;
		bool rbp_at = m->r.flags & FP_RULE_RBP_AT;
		uint64_t cfa =
		    ((m->r.flags & FP_RULE_CFA_RBP) ? rbp : sp) + (uint64_t)(int64_t)m->r.cfa_off;
		uint64_t ra_at = cfa - 8, rbp_at_addr = cfa + (uint64_t)(int64_t)m->r.rbp_off;
		if (ra_at < rsp || ra_at > end || end - ra_at < 8)
			return;
		if (rbp_at && (rbp_at_addr < rsp || rbp_at_addr > end || end - rbp_at_addr < 8))
			return;
		/* can the rbp slot still be chosen (it is not the ra's)? */
		bool rbp_free = false;
		if (rbp_at) {
			uint64_t a = rbp_at_addr;
			rbp_free = a >= rsp + 8 && !chosen[(a - rsp) / 8] &&
				   !chosen[(a + 7 - rsp) / 8] && (a + 8 <= ra_at || a >= ra_at + 8);
		}
		uint64_t ra;
		if (choose(rsp, end, ra_at)) {
			ra = next_ra(rbp_free);
			memcpy((void *)ra_at, &ra, 8);
		}
		memcpy(&ra, (void *)ra_at, 8);
		if (rbp_at && choose(rsp, end, rbp_at_addr)) {
			const struct mrule *next = mrule_find(ra - 1);
			uint64_t v = plausible_fp(rsp);
			if (next && (next->r.flags & FP_RULE_CFA_RBP))
				v = cfa + 8 * (2 + rnd() % 8) - (uint64_t)(int64_t)next->r.cfa_off;
			memcpy((void *)rbp_at_addr, &v, 8);
		}
		if (rbp_at)
			memcpy(&rbp, (void *)rbp_at_addr, 8);
		pc = ra;
		sp = cfa;
	}
}

/* ---- one kind ---- */

struct tally {
	unsigned long walked, copied, stops[NSTOPS], depth[FP_MAX_WALK + 1];
	unsigned long faults[NFAULTS], clipped, unrecorded, from_frame, beyond, learned;
};

static const uint64_t tcache_key_value = 0x5eed5eed5eed5eedull;
static uint64_t chunk[64] __attribute__((aligned(16)));
static uint8_t snap[WALK_MAX];

/* A block glibc's free would take without a second look: 16-aligned, a
 * size of 48 with PREV_INUSE, no tcache key, the next chunk's PREV_INUSE
 * set. */
static uint64_t good_block(void)
{
	memset(chunk, 0, sizeof chunk);
	chunk[1] = 0x31;
	chunk[3] = 0;
	chunk[7] = 0x21;
	return (uint64_t)&chunk[2];
}

/* The kinds that call their original (the rest jump to it). */
static bool is_call_kind(enum fp_kind kind)
{
	return kind == FP_ALLOC || kind == FP_REALLOC || kind == FP_REALLOC_CHECKED;
}

/* The kinds with a return record of its own; FP_ALLOC's return is in its
 * entry's record (phase FP_CALL). */
static bool is_two_record_kind(enum fp_kind kind)
{
	return kind == FP_REALLOC || kind == FP_REALLOC_CHECKED;
}

static const struct fp_rec *rec_at(uint64_t i)
{
	return (const void *)((const uint8_t *)(ring + 1) + (i & ring->mask) * ring->rec_size);
}

/* Returns false when the iteration failed a check. */
static bool one_call(enum fp_kind kind, uint16_t op, uint64_t tp, struct tally *t)
{
	int failed0 = failures;

	bool taught = make_rules();
	CHECK(taught); /* fp_rule_teach took every rule */
	if (!taught)
		return false;

	/* where the stub is entered: near the PROT_NONE page a quarter of the
	 * time, else well inside the stack */
	uint64_t top;
	if (rnd() % 4 == 0)
		top = stack_hi - 16 * (rnd() % 256);
	else
		top = (uint64_t)stack_lo + 8192 + 16 * (rnd() % 1000);
	uint64_t rsp = top - 8; /* the call pushes the return address */

	/* registers */
	for (int k = 0; k < R_RSP; k++)
		wt_in[k] = rnd();
	wt_in[R_RBP] = rnd() % 3 ? plausible_fp(rsp) : rnd();
	if (kind == FP_FREE_CHECKED)
		wt_in[R_RDI] = rnd() % 16 ? good_block() : 0;
	else if (kind == FP_REALLOC_CHECKED)
		wt_in[R_RDI] = rnd() % 4 ? good_block() : 0;
	bool recorded = !(kind == FP_FREE_CHECKED && wt_in[R_RDI] == 0);
	bool checks_ran = (kind == FP_FREE_CHECKED || kind == FP_REALLOC_CHECKED) && wt_in[R_RDI];

	/* the walk: off, beyond FP_MAX_WALK (which is off too), 1 to
	 * FP_MAX_WALK frames, or FP_MAX_WALK, the tracer's usual choice */
	uint64_t max, r = rnd() % 32;
	if (r == 0)
		max = 0;
	else if (r == 1)
		max = FP_MAX_WALK + 1 + rnd() % 4;
	else if (r < 8)
		max = FP_MAX_WALK;
	else
		max = 1 + rnd() % FP_MAX_WALK;
	fp_ring_set_walk(ring, max);
	if (max > FP_MAX_WALK)
		max = 0;
	CHECK(ring->max_frames == max);

	/* stack_end: inside the window, below rsp (ignored), none, or the end
	 * of the stack's mapping as the tracer sets it */
	uint64_t send;
	switch (rnd() % 4) {
	case 0:
		send = rsp + (rnd() % 600) * 8;
		break;
	case 1:
		send = rsp - 8 * (1 + rnd() % 8);
		break;
	case 2:
		send = 0;
		break;
	default:
		send = stack_hi;
		break;
	}
	__atomic_store_n(&ring->stack_end, send, __ATOMIC_RELEASE);

	/* the walk's window: as large as the copy's, or up to four times */
	uint64_t span = STACK_BYTES * (1 + rnd() % 4);
	fp_ring_set_walk_span(ring, span);
	struct window w = {
		.lo = rsp, .len = ring->stack_qwords * 8, .mapped_end = stack_hi, .walk_len = span
	};
	uint64_t lim = (send - rsp) >> 3;
	if (lim < ring->stack_qwords) {
		w.len = lim * 8;
		t->clipped++;
	}
	if (lim < span / 8)
		w.walk_len = lim * 8;
	/* the stack the stub may see (and a little more when the window is
	 * clipped), kept to check the record and that nothing in it changes */
	uint64_t fill_end = stack_hi - rsp < WALK_MAX ? stack_hi : rsp + WALK_MAX;
	fill_stack(rsp, wt_in[R_RBP], fill_end);
	memcpy(snap, (void *)rsp, fill_end - rsp);
	w.bytes = snap;

	struct expect e;
	model(&w, wt_in[R_RBP], max, &e);
	/* a quarter of the calls as the tracer sets it up outside -p: a pc
	 * without a rule (or a saved rbp out of reach) traps instead of copying */
	bool learn = rnd() % 4 == 0;
	if (learn)
		__atomic_or_fetch(&ring->flags, FP_FLAG_LEARN, __ATOMIC_RELEASE);
	else
		__atomic_and_fetch(&ring->flags, ~(uint64_t)FP_FLAG_LEARN, __ATOMIC_RELEASE);
	bool trap = learn && recorded && (e.stop == COPY_NO_RULE || e.stop == COPY_RBP_OUT) &&
		    (w.lo + w.walk_len - e.stop_sp) / 8 > ring->stack_qwords;
	if (trap)
		e.faults[F_COPY] = 0;
	unsigned long traps0 = learn_traps;

	unsigned long f0[NFAULTS];
	for (int k = 0; k < NFAULTS; k++)
		f0[k] = faults[k];
	uint64_t h0 = ring->head;
	wt_fn = (uint64_t)wt_victim;
	wt_stack_top = top;
	wt_tramp();

	/* registers where the original starts and after the return */
	for (int k = 0; k < R_RSP; k++) {
		if (checks_ran && (k == R_RAX || k == R_RDX))
			continue;
		if (wt_entry[k] != wt_in[k]) {
			CHECK(wt_entry[k] == wt_in[k]);
			fprintf(stderr, "  %s at the original's entry\n", reg_names[k]);
		}
	}
	CHECK(wt_entry[R_RSP] == rsp - (is_call_kind(kind) ? 16 : 0));
	CHECK(wt_entry[R_RSP] % 16 == 8);
	CHECK(wt_out[R_RAX] == VICTIM_RAX && wt_out[R_RDX] == VICTIM_RDX);
	CHECK(wt_out[R_RSP] == top);
	for (int k = 0; k < R_RSP; k++) {
		bool callee_saved = k == R_RBX || k == R_RBP || k >= R_R12;
		if (k == R_RAX || k == R_RDX || (is_call_kind(kind) && !callee_saved))
			continue;
		if (wt_out[k] != wt_in[k]) {
			CHECK(wt_out[k] == wt_in[k]);
			fprintf(stderr, "  %s after the return\n", reg_names[k]);
		}
	}
	CHECK(memcmp((void *)rsp, snap, fill_end - rsp) == 0);

	/* the faults */
	for (int k = 0; k < NFAULTS; k++) {
		unsigned long d = faults[k] - f0[k];
		t->faults[k] += d;
		CHECK(d == (recorded ? e.faults[k] : 0));
	}

	/* the records */
	CHECK(ring->head == h0 + (!recorded ? 0 : is_two_record_kind(kind) ? 2 : 1));
	if (!recorded) {
		t->unrecorded++;
		goto out;
	}
	const struct fp_rec *rec = rec_at(h0);
	CHECK(rec->seq == h0 + 1 && rec->op == op &&
	      rec->phase == (kind == FP_ALLOC ? FP_CALL : FP_ENTRY));
	/* an FP_CALL record has the ring's head at the return in tp's place */
	CHECK(kind == FP_ALLOC ? rec->ret_head == h0 + 1 : rec->tp == tp);
	CHECK(rec->rdi == wt_in[R_RDI] && rec->rsi == wt_in[R_RSI]);
	CHECK(checks_ran || rec->rdx == wt_in[R_RDX]); /* else the checks' scratch */
	CHECK(rec->rax == (kind == FP_ALLOC ? VICTIM_RAX : 0));
	CHECK(rec->rsp == rsp && rec->ret == (uint64_t)wt_tramp_ret);
	t->stops[e.stop]++;
	CHECK(learn_traps - traps0 == trap);
	if (trap) {
		uint64_t pc, sp;
		t->learned++;
		fp_rec_frame(rec, 0, &pc, &sp);
		CHECK(learn_nframes == e.walked);
		CHECK(rec->nframes == 1 && pc == LEARNED_PC && rec->stack_len == 0);
		goto calls;
	}
	if (e.copy) {
		t->copied++;
		t->from_frame++;
		CHECK(rec->nframes == (uint32_t)e.nframes);
		if (rec->nframes != (uint32_t)e.nframes)
			fprintf(stderr, "  %u frames, model %d then the copy\n", rec->nframes,
				e.nframes);
		for (uint32_t i = 0; rec->nframes == (uint32_t)e.nframes && i < rec->nframes; i++) {
			uint64_t pc, sp;
			fp_rec_frame(rec, i, &pc, &sp);
			if (pc != e.pcs[i] || sp != e.sps[i]) {
				CHECK(pc == e.pcs[i] && sp == e.sps[i]);
				fprintf(stderr, "  frame %u of %d, then the copy\n", i, e.nframes);
				break;
			}
		}
		uint64_t rbp, unused;
		fp_rec_frame(rec, (uint32_t)e.nframes, &rbp, &unused);
		CHECK(rbp == e.copy_rbp);
		CHECK(rec->stack_len == e.copy_len);
		if (rec->stack_len != e.copy_len)
			fprintf(stderr, "  copy %u bytes, model %llu from +%llu\n", rec->stack_len,
				(unsigned long long)e.copy_len,
				(unsigned long long)(e.copy_lo - rsp));
		if (rec->stack_len == e.copy_len)
			CHECK(memcmp(fp_ring_copy(ring, h0), snap + (e.copy_lo - rsp),
				     e.copy_len) == 0);
	} else if (e.nframes < 0) {
		t->copied++;
		/* the tracer's unwinder starts from them on the copy */
		CHECK(rec->rbx == wt_in[R_RBX] && rec->rbp == wt_in[R_RBP] &&
		      rec->r12 == wt_in[R_R12] && rec->r13 == wt_in[R_R13] &&
		      rec->r14 == wt_in[R_R14] && rec->r15 == wt_in[R_R15]);
		CHECK(rec->nframes == 0);
		CHECK(rec->stack_len == copy_len(&w));
		if (rec->stack_len == copy_len(&w))
			CHECK(memcmp(fp_ring_copy(ring, h0), snap, copy_len(&w)) == 0);
	} else {
		t->walked++;
		t->depth[e.nframes]++;
		t->beyond += e.sps[e.nframes - 1] - rsp >= STACK_BYTES;
		CHECK(rec->stack_len == 0);
		CHECK(rec->nframes == (uint32_t)e.nframes);
		for (uint32_t i = 0; rec->nframes == (uint32_t)e.nframes && i < rec->nframes; i++) {
			uint64_t pc, sp;
			fp_rec_frame(rec, i, &pc, &sp);
			if (pc != e.pcs[i] || sp != e.sps[i]) {
				CHECK(pc == e.pcs[i] && sp == e.sps[i]);
				fprintf(stderr, "  frame %u of %d\n", i, e.nframes);
				break;
			}
		}
	}
calls:
	if (is_two_record_kind(kind)) {
		const struct fp_rec *ret = rec_at(h0 + 1);
		CHECK(ret->seq == h0 + 2 && ret->op == op && ret->phase == FP_RETURN);
		CHECK(ret->rax == VICTIM_RAX && ret->tp == tp);
		CHECK(ret->rsp == rsp && ret->ret == (uint64_t)wt_tramp_ret);
		CHECK(ret->stack_len == 0 && ret->nframes == 0);
	}
out:
	__atomic_store_n(&ring->drained, ring->head, __ATOMIC_RELEASE);
	if (failures != failed0) {
		fprintf(
		    stderr,
		    "  kind %d: rsp %#llx (%llu below the guard page) rbp %#llx, max_frames %llu,"
		    " stack_end %#llx, window %llu bytes (%llu readable); model: %d frames, %s\n",
		    kind, (unsigned long long)rsp, (unsigned long long)(stack_hi - rsp),
		    (unsigned long long)wt_in[R_RBP], (unsigned long long)max,
		    (unsigned long long)send, (unsigned long long)w.len,
		    (unsigned long long)copy_len(&w), e.nframes, stop_names[e.stop]);
		return false;
	}
	return true;
}

/* A stub of kind for wt_victim, written at stub_at. */
static struct fp_stub_req victim_req(enum fp_kind kind, uint16_t op, uint8_t *stub_at)
{
	struct fp_stub_req req = {
		.func = (uint64_t)wt_victim,
		.code = (const uint8_t *)wt_victim,
		.code_len = 32,
		.stub = (uint64_t)stub_at,
		.ring = (uint64_t)ring,
		.kind = kind,
		.op = op,
		.tid_offset = FP_TID_OFFSET_GLIBC,
		.tcache_key = (uint64_t)&tcache_key_value,
	};
	return req;
}

static void run_kind(enum fp_kind kind, const char *name, uint8_t *stub_at, long iters,
		     struct tally *all)
{
	struct fp_stub s;
	uint16_t op = (uint16_t)(100 + kind);
	struct fp_stub_req req = victim_req(kind, op, stub_at);
	int err = fp_stub_build(&req, &s);
	CHECK(err == 0);
	if (err) {
		fprintf(stderr, "fp_stub_build(%s): %s: %s\n", name, strerror(-err), s.why);
		return;
	}
	CHECK(s.displaced == 7); /* the RIP-relative mov */
	memcpy(stub_at, s.code, s.code_len);
	uint8_t saved[5];
	memcpy(saved, wt_victim, 5);
	CHECK(write_code(wt_victim, s.entry_patch, 5) == 0);
	CHECK(fp_ring_init(ring, RING_CAP, STACK_BYTES) == 0);
	cur_stub = &s;

	uint64_t tp;
	__asm__("mov %%fs:0, %0" : "=r"(tp));
	struct tally t = { 0 };
	long bad = 0, it;
	for (it = 0; it < iters && bad < 5; it++)
		bad += !one_call(kind, op, tp, &t);
	CHECK(bad == 0);

	cur_stub = NULL;
	CHECK(write_code(wt_victim, saved, 5) == 0);
	unsigned long deep = 0;
	for (unsigned d = 8; d <= FP_MAX_WALK; d++)
		deep += t.depth[d];
	printf("  %-18s %ld calls: %lu walked (%lu of 8 frames or more, %lu of %u), %lu copied"
	       " (%lu after walked frames), %lu unrecorded; fixups: %lu copy, %lu walk ra, %lu "
	       "walk rbp\n",
	       name, it, t.walked, deep, t.depth[FP_MAX_WALK], FP_MAX_WALK, t.copied, t.from_frame,
	       t.unrecorded, t.faults[F_COPY], t.faults[F_WALK_RA], t.faults[F_WALK_RBP]);
	CHECK(t.walked > 0 && t.copied > 0 && t.from_frame > 0);
	all->walked += t.walked;
	all->copied += t.copied;
	all->clipped += t.clipped;
	all->beyond += t.beyond;
	all->learned += t.learned;
	for (int k = 0; k < NSTOPS; k++)
		all->stops[k] += t.stops[k];
	for (int k = 0; k < NFAULTS; k++)
		all->faults[k] += t.faults[k];
	for (unsigned d = 0; d <= FP_MAX_WALK; d++)
		all->depth[d] += t.depth[d];
}

/* The hold-back (fp_ring_set_hold) of FP_FREE_CHECKED's stub, 4 slots: the
 * first 4 frees return at once with the tcache key in their chunk's second
 * word; each later one goes to the original with the block freed 4 before
 * it, whose key word is cleared; a chunk above the cap and any free with the
 * hold off go straight to the original with their own block; every free is
 * recorded. */
static void test_hold(uint8_t *stub_at)
{
	static uint64_t chunks[12][8] __attribute__((aligned(16)));
	struct fp_stub s;
	struct fp_stub_req req = victim_req(FP_FREE_CHECKED, 7, stub_at);
	CHECK(fp_stub_build(&req, &s) == 0);
	memcpy(stub_at, s.code, s.code_len);
	uint8_t saved[5];
	memcpy(saved, wt_victim, 5);
	CHECK(write_code(wt_victim, s.entry_patch, 5) == 0);
	CHECK(fp_ring_init(ring, RING_CAP, STACK_BYTES) == 0);
	fp_ring_set_walk(ring, 0);
	cur_stub = &s;

	uint64_t got[12], head0 = ring->head;
	for (int i = 0; i < 12; i++) {
		memset(chunks[i], 0, sizeof chunks[i]);
		chunks[i][1] = 0x31; /* 48 bytes */
		chunks[i][7] = 0x21; /* the next chunk: PREV_INUSE */
		if (i == 0) {
			fp_ring_set_hold(ring, 0, 4, 4096);
		} else if (i == 9) { /* a cap below the chunk's size */
			fp_ring_set_hold(ring, 0, 4, 16);
		} else if (i == 10) { /* off */
			fp_ring_set_hold(ring, 0, 0, 0);
		} else if (i == 11) { /* above the first tier: the second */
			fp_ring_set_hold(ring, 0, 4, 16);
			fp_ring_set_hold(ring, 1, 2, 4096);
		}
		for (int k = 0; k < R_RSP; k++)
			wt_in[k] = 0x1000 + (uint64_t)k;
		wt_in[R_RDI] = (uint64_t)&chunks[i][2];
		wt_entry[R_RDI] = 0;
		wt_fn = (uint64_t)wt_victim;
		wt_stack_top = (uint64_t)stack_lo + 8192;
		wt_tramp();
		got[i] = wt_entry[R_RDI];
		ring->drained = ring->head; /* the tracer's part */
		if (i < 4) {
			CHECK(got[i] == 0);			 /* held, nothing freed */
			CHECK(chunks[i][3] == tcache_key_value); /* the key, while held */
		} else if (i < 9) {
			CHECK(got[i] == (uint64_t)&chunks[i - 4][2]);
			CHECK(chunks[i - 4][3] == 0);
			CHECK(chunks[i][3] == tcache_key_value);
		} else if (i < 11) {
			CHECK(got[i] == (uint64_t)&chunks[i][2]); /* not held */
			CHECK(chunks[i][3] == 0);
		} else {
			CHECK(got[i] == 0);
			CHECK(chunks[i][3] == tcache_key_value);
		}
	}
	CHECK(ring->head - head0 == 12);			     /* every free recorded */
	CHECK(*(uint64_t *)((uint8_t *)ring + ring->hold_off) == 9); /* the counts */
	CHECK(*(uint64_t *)((uint8_t *)ring + ring->hold_off + FP_HOLD_BYTES) == 1);
	CHECK(*(uint64_t *)((uint8_t *)ring + ring->hold_off + FP_HOLD_BYTES + 64 + 8) ==
	      (uint64_t)&chunks[11][2]);

	cur_stub = NULL;
	CHECK(write_code(wt_victim, saved, 5) == 0);
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : ITERS_PER_KIND;

	setvbuf(stdout, NULL, _IOLBF, 0);

	/* the handler runs on a stack of its own: the fake stacks have room
	 * for the stub's pushes, not for a signal frame */
	static uint8_t altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
	CHECK(sigaltstack(&ss, NULL) == 0);
	struct sigaction sa = { .sa_sigaction = on_sigsegv, .sa_flags = SA_SIGINFO | SA_ONSTACK };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	sa.sa_sigaction = on_sigtrap;
	CHECK(sigaction(SIGTRAP, &sa, NULL) == 0);

	size_t ring_len = fp_ring_size(RING_CAP, STACK_BYTES);
	ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	stack_lo = mmap(NULL, FAKE_STACK + GUARD, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *area = map_near((uint64_t)wt_victim, 5 * 2048);
	CHECK(ring != MAP_FAILED && stack_lo != MAP_FAILED && area != NULL);
	if (ring == MAP_FAILED || stack_lo == MAP_FAILED || !area)
		return check_summary("test_fastwalk");
	stack_hi = (uint64_t)stack_lo + FAKE_STACK;
	CHECK(mprotect((void *)stack_hi, GUARD, PROT_NONE) == 0);

	static const struct {
		enum fp_kind kind;
		const char *name;
	} kinds[] = {
		{ FP_ALLOC, "FP_ALLOC" },
		{ FP_FREE, "FP_FREE" },
		{ FP_FREE_CHECKED, "FP_FREE_CHECKED" },
		{ FP_REALLOC_CHECKED, "FP_REALLOC_CHECKED" },
		{ FP_REALLOC, "FP_REALLOC" },
	};
	struct tally all = { 0 };
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		run_kind(kinds[i].kind, kinds[i].name, area + i * 2048, iters, &all);
	test_hold(area);

	printf("  stops:");
	for (int k = 0; k < NSTOPS; k++)
		printf(" %s %lu%s", stop_names[k], all.stops[k], k + 1 < NSTOPS ? "," : "\n");
	printf("  windows clipped at stack_end: %lu; walks past the copy's reach: %lu\n",
	       all.clipped, all.beyond);
	CHECK(all.beyond > 0);
	printf("  FP_FLAG_LEARN traps: %lu\n", all.learned);
	CHECK(all.learned > 0);
	/* every case of the model came up, and every fixup */
	for (int k = 0; k < NSTOPS; k++)
		CHECK(all.stops[k] > 0);
	for (int k = 0; k < NFAULTS; k++)
		CHECK(all.faults[k] > 0);
	CHECK(all.depth[FP_MAX_WALK] > 0);
	CHECK(all.clipped > 0);
	CHECK(faults_elsewhere == 0);

	munmap(area, 5 * 2048);
	munmap(stack_lo, FAKE_STACK + GUARD);
	munmap(ring, ring_len);
	return check_summary("test_fastwalk");
}
