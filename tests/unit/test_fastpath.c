/* Unit test of fastpath, for real and in-process: stubs generated for
 * functions of this program whose first instructions copy glibc's
 * allocator prologues, entries patched, calls from several threads, every
 * record checked; then the ring-full trap (a SIGTRAP handler plays the
 * tracer), the stack-copy fault fixup, and finally glibc's own malloc and
 * free patched in this process, with timings. */
#include "check.h"
#include "leaktrace/fastpath.h"
#include "stub_memory.h"

#include <capstone/capstone.h>
#include <cpuid.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <x86intrin.h>

/* Checks inside signal handlers: no stdio there, the first failing line
 * is kept and printed later. */
static atomic_int q_fail, q_checks, q_first_line;
#define QCHECK(expr)                                                                               \
	do {                                                                                       \
		atomic_fetch_add(&q_checks, 1);                                                    \
		if (!(expr) && atomic_fetch_add(&q_fail, 1) == 0)                                  \
			q_first_line = __LINE__;                                                   \
	} while (0)

/* ---- the victims: first instructions as in glibc 2.36 ---- */

extern char tf_malloc_like[], tf_free_like[], tf_free8_like[], tf_memalign_like[], tf_opnew_like[],
    tf_victims_end[], lt_call_it_ret[];
extern long tf_free_nonnull, tf_free_null, tf_free_sum;
uint64_t lt_call_it(void *fn, uint64_t a, uint64_t b, uint64_t c);
uint64_t lt_call_on_stack(void *fn, uint64_t a, uint64_t b, uint64_t c, void *stack_top);
uint32_t lt_fs_tid(void);

#define CANARY	0x5a5a5a5aull
#define BADREGS 0xbad0bad0bad0bad0ull

__asm__(".section .text.fp_victims,\"ax\"\n"
	".balign 4096\n"
	/* malloc: push %r12; push %rbp; push %rbx; mov %rdi,%rbx.  Returns
	 * 3a + 5b + 7c + 11*rcx + 13*r8 + 17*r9, or -1 if the stack is not
	 * aligned as at a call. */
	".globl tf_malloc_like\n"
	"tf_malloc_like:\n"
	"	push %r12\n push %rbp\n push %rbx\n mov %rdi, %rbx\n"
	"	test $15, %spl\n"
	"	jnz 1f\n"
	"	lea (%rbx,%rbx,2), %rax\n"
	"	lea (%rsi,%rsi,4), %rbp\n add %rbp, %rax\n"
	"	imul $7, %rdx, %rbp\n add %rbp, %rax\n"
	"	imul $11, %rcx, %r12\n add %r12, %rax\n"
	"	imul $13, %r8, %rbx\n add %rbx, %rax\n"
	"	imul $17, %r9, %rbx\n add %rbx, %rax\n"
	"	pop %rbx\n pop %rbp\n pop %r12\n ret\n"
	"1:	mov $-1, %rax\n pop %rbx\n pop %rbp\n pop %r12\n ret\n"
	/* free: test %rdi,%rdi; je rel32 */
	".balign 16\n .globl tf_free_like\n"
	"tf_free_like:\n"
	"	test %rdi, %rdi\n"
	"	.byte 0x0f, 0x84\n .long 1f - . - 4\n"
	"	lock incq tf_free_nonnull(%rip)\n"
	"	lock add %rdi, tf_free_sum(%rip)\n"
	"	ret\n"
	"	.fill 64, 1, 0x90\n" /* so that the je is not rel8-able */
	"1:	lock incq tf_free_null(%rip)\n"
	"	ret\n"
	/* the same with je rel8: exactly 5 bytes displaced */
	".balign 16\n .globl tf_free8_like\n"
	"tf_free8_like:\n"
	"	test %rdi, %rdi\n"
	"	.byte 0x74\n .byte 1f - . - 1\n"
	"	lock incq tf_free_nonnull(%rip)\n"
	"	lock add %rdi, tf_free_sum(%rip)\n"
	"	ret\n"
	"1:	lock incq tf_free_null(%rip)\n"
	"	ret\n"
	/* memalign: cmpb $0x0, disp(%rip) first.  Returns a + b, or -1 if
	 * the byte compared was not the flag. */
	".balign 16\n .globl tf_memalign_like\n"
	"tf_memalign_like:\n"
	"	cmpb $0x0, tf_flag(%rip)\n"
	"	je 1f\n"
	"	mov $-1, %rax\n ret\n"
	"1:	lea (%rdi,%rsi), %rax\n ret\n"
	/* operator new: endbr64, then a jump into malloc */
	".balign 16\n .globl tf_opnew_like\n"
	"tf_opnew_like:\n"
	"	endbr64\n"
	"	.byte 0xe9\n .long tf_malloc_like - . - 4\n"
	".balign 16\n .globl tf_victims_end\n"
	"tf_victims_end:\n"

	/* lt_call_it(fn, a, b, c): fn(a, b, c, 7, 11, 13) with known values
	 * in the callee-saved registers and a canary above the return
	 * address; BADREGS if any callee-saved register changed. */
	".text\n .globl lt_call_it\n"
	"lt_call_it:\n"
	"	push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"	mov $0x11111111, %rbx\n mov $0x22222222, %rbp\n mov $0x33333333, %r12\n"
	"	mov $0x44444444, %r13\n mov $0x55555555, %r14\n mov $0x66666666, %r15\n"
	"	mov %rsi, %rax\n xor $0x5a5a5a5a, %rax\n push %rax\n"
	"	mov %rdi, %rax\n mov %rsi, %rdi\n mov %rdx, %rsi\n mov %rcx, %rdx\n"
	"	mov $7, %ecx\n mov $11, %r8d\n mov $13, %r9d\n"
	"	call *%rax\n"
	".globl lt_call_it_ret\n"
	"lt_call_it_ret:\n"
	"	pop %rcx\n"
	"	cmp $0x11111111, %rbx\n jne 1f\n cmp $0x22222222, %rbp\n jne 1f\n"
	"	cmp $0x33333333, %r12\n jne 1f\n cmp $0x44444444, %r13\n jne 1f\n"
	"	cmp $0x55555555, %r14\n jne 1f\n cmp $0x66666666, %r15\n jne 1f\n"
	"	jmp 2f\n"
	"1:	movabs $0xbad0bad0bad0bad0, %rax\n"
	"2:	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n ret\n"

	/* lt_call_on_stack(fn, a, b, c, top): fn(a, b, c) on another stack */
	".globl lt_call_on_stack\n"
	"lt_call_on_stack:\n"
	"	push %rbp\n mov %rsp, %rbp\n"
	"	mov %r8, %rsp\n"
	"	mov %rdi, %rax\n mov %rsi, %rdi\n mov %rdx, %rsi\n mov %rcx, %rdx\n"
	"	call *%rax\n"
	"	mov %rbp, %rsp\n pop %rbp\n ret\n"

	".globl lt_fs_tid\n"
	"lt_fs_tid:\n"
	"	mov %fs:0x2d0, %eax\n ret\n"

	".data\n"
	".globl tf_free_nonnull, tf_free_null, tf_free_sum\n"
	".balign 8\n"
	"tf_free_nonnull: .quad 0\n tf_free_null: .quad 0\n tf_free_sum: .quad 0\n"
	".fill 7, 1, 0xff\n tf_flag: .byte 0\n .fill 8, 1, 0xff\n"
	".previous\n");

static uint64_t malloc_like_result(uint64_t a, uint64_t b, uint64_t c)
{
	return 3 * a + 5 * b + 7 * c + 11 * 7 + 13 * 11 + 17 * 13;
}

/* ---- plumbing ---- */

enum { OP_MALLOC = 1, OP_FREE, OP_FREE8, OP_MEMALIGN, OP_OPNEW, OP_GMALLOC, OP_GFREE };

#define STACK_BYTES  256u
#define RING_CAP_MAX (1u << 16)

static struct fp_ring_hdr *ring;
static size_t ring_len;

struct hook {
	void *func;
	uint8_t *stub;
	struct fp_stub s;
	uint8_t saved[5];
};

#define MAX_HOOKS 8
static struct hook hooks[MAX_HOOKS];
static int nhooks;

/* Generates a stub at *next (advanced) and patches func's entry. */
static struct hook *hook(void *func, enum fp_kind kind, uint16_t op, uint8_t **next)
{
	struct hook *h = &hooks[nhooks];
	struct fp_stub_req req = {
		.func = (uint64_t)func,
		.code = func,
		.code_len = 32,
		.stub = (uint64_t)*next,
		.ring = (uint64_t)ring,
		.kind = kind,
		.op = op,
		.tid_offset = FP_TID_OFFSET_GLIBC,
	};
	int err = fp_stub_build(&req, &h->s);

	if (err) {
		fprintf(stderr, "fp_stub_build(%p): %s: %s\n", func, strerror(-err), h->s.why);
		return NULL;
	}
	h->func = func;
	h->stub = *next;
	memcpy(h->stub, h->s.code, h->s.code_len);
	*next += (h->s.code_len + 63) & ~(size_t)63;
	memcpy(h->saved, func, 5);
	if (write_code(func, h->s.entry_patch, 5))
		return NULL;
	nhooks++;
	return h;
}

static void unhook_all(void)
{
	for (int i = 0; i < nhooks; i++)
		write_code(hooks[i].func, hooks[i].saved, 5);
	nhooks = 0;
}

static bool is_full_trap(uint64_t addr)
{
	for (int i = 0; i < nhooks; i++)
		if (addr == hooks[i].s.trap_full[0] || (addr && addr == hooks[i].s.trap_full[1]))
			return true;
	return false;
}

/* ---- the checker: what the tracer would do with the records ---- */

#define NTHREADS 4
#define NCALLS	 100000

struct tstate {
	uint32_t tid;
	uint64_t tp;
	uint64_t next; /* iteration expected */
	int step;      /* 0 malloc entry, 1 malloc return, 2 free entry */
	uint64_t entry_rsp;
};

static struct tstate ts[NTHREADS];
static atomic_flag drain_lock = ATOMIC_FLAG_INIT;
static atomic_long full_traps, drained_records;
static atomic_long op_count[16][4]; /* by op and phase */
static fp_rec_fn checker;

static uint64_t arg_a(int t, uint64_t i)
{
	return (uint64_t)t << 32 | i;
}
static uint64_t arg_b(uint64_t i)
{
	return i * 3 + 1;
}
static uint64_t arg_free(int t, uint64_t i)
{
	return i % 3 ? arg_a(t, i) + 1 : 0;
}

static void check_callee_saved(const struct fp_rec *r)
{
	QCHECK(r->rbx == 0x11111111 && r->rbp == 0x22222222 && r->r12 == 0x33333333 &&
	       r->r13 == 0x44444444 && r->r14 == 0x55555555 && r->r15 == 0x66666666);
}

static int check_mt(const struct fp_rec *r, uint64_t index, void *ctx)
{
	(void)ctx;
	int t = (int)(r->rdi >> 32);
	if (r->op == OP_FREE && r->rdi == 0)
		t = -1;
	if (t < 0) { /* find the thread by tid */
		for (int k = 0; k < NTHREADS; k++)
			if (ts[k].tid == r->tid)
				t = k;
	}
	QCHECK(t >= 0 && t < NTHREADS);
	if (t < 0 || t >= NTHREADS)
		return 0;
	struct tstate *s = &ts[t];
	uint64_t i = s->next;
	QCHECK(r->tid == s->tid);
	/* an FP_CALL record has the ring's head at the return instead: past
	 * its own index, not past what is claimed now */
	QCHECK(r->phase == FP_CALL
		   ? r->ret_head > index &&
			 r->ret_head <= __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE)
		   : r->tp == s->tp);
	QCHECK(r->ret == (uint64_t)lt_call_it_ret);
	switch (s->step) {
	case 0: /* the malloc's one record: entry and result */
		QCHECK(r->op == OP_MALLOC && r->phase == FP_CALL);
		QCHECK(r->rdi == arg_a(t, i) && r->rsi == arg_b(i) && r->rdx == (uint64_t)t + 5);
		QCHECK(r->rsp % 16 == 8);
		QCHECK(r->stack_len == STACK_BYTES);
		uint64_t w[2];
		memcpy(w, fp_ring_copy(ring, index), sizeof w);
		QCHECK(w[0] == r->ret && w[1] == (arg_a(t, i) ^ CANARY));
		check_callee_saved(r);
		QCHECK(r->rax == malloc_like_result(arg_a(t, i), arg_b(i), (uint64_t)t + 5));
		s->step = 2;
		break;
	case 2:
		QCHECK(r->op == OP_FREE && r->phase == FP_ENTRY);
		QCHECK(r->rdi == arg_free(t, i));
		QCHECK(r->rsp % 16 == 8 && r->stack_len == STACK_BYTES);
		check_callee_saved(r);
		s->step = 0;
		s->next++;
		break;
	}
	return 0;
}

static int count_only(const struct fp_rec *r, uint64_t index, void *ctx)
{
	(void)index;
	(void)ctx;
	if (r->op < 16 && r->phase >= FP_ENTRY && r->phase <= FP_CALL)
		atomic_fetch_add_explicit(&op_count[r->op][r->phase], 1, memory_order_relaxed);
	return 0;
}

/* The tracer's part, with the tracer's consumer: take what is published,
 * then raise drained. */
static uint64_t cons_done[RING_CAP_MAX];
static struct fp_consumer cons;

static void drain_ring(void)
{
	while (atomic_flag_test_and_set_explicit(&drain_lock, memory_order_acquire))
		;
	drained_records += (long)fp_consume(&cons, checker, NULL);
	atomic_flag_clear_explicit(&drain_lock, memory_order_release);
}

/* The consumer starts over with the ring (fp_ring_init) or where it is. */
static void reset_consumer(void)
{
	memset(cons_done, 0, sizeof cons_done);
	cons = (struct fp_consumer){ .ring = ring, .next = ring->drained, .done = cons_done };
}

static void on_sigtrap(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];

	(void)sig;
	(void)si;
	QCHECK(is_full_trap(rip - 1));
	full_traps++;
	drain_ring();
	/* The stub keeps its claimed index in rax at the int3.  If a record
	 * before it is still unpublished (its writer preempted), resuming now
	 * would only trap again: park, as the tracer would keep the thread
	 * stopped, until the index fits. */
	uint64_t idx = (uint64_t)uc->uc_mcontext.gregs[REG_RAX];
	while (idx - __atomic_load_n(&ring->drained, __ATOMIC_ACQUIRE) >= ring->capacity) {
		sched_yield();
		drain_ring();
	}
}

static atomic_long copy_fixups;

static void on_sigsegv(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];

	for (int i = 0; i < nhooks; i++) {
		if (rip == hooks[i].s.copy_insn) {
			uc->uc_mcontext.gregs[REG_RIP] = (greg_t)hooks[i].s.copy_resume;
			copy_fixups++;
			return;
		}
	}
	(void)si;
	signal(sig, SIG_DFL); /* not ours: crash for real */
}

static void reset_ring(uint64_t capacity)
{
	if (fp_ring_init(ring, capacity, STACK_BYTES))
		abort();
	ring_len = fp_ring_size(capacity, STACK_BYTES);
	reset_consumer();
	memset(op_count, 0, sizeof op_count);
	drained_records = 0;
	full_traps = 0;
}

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* ---- tests ---- */

/* For test_ring_pure: the order records are handed over in; at record 7,
 * record 6 gets published, as by a writer on another CPU. */
static uint64_t order[16];
static unsigned norder;
static uint8_t *late_buf;

static int publish_6_at_7(const struct fp_rec *r, uint64_t index, void *ctx)
{
	(void)r;
	(void)ctx;
	if (norder < 16)
		order[norder++] = index;
	if (index == 7) {
		struct fp_ring_hdr *h = (void *)late_buf;
		((struct fp_rec *)(late_buf + sizeof *h + 6 * h->rec_size))->seq = 7;
	}
	return 0;
}

static void test_ring_pure(void)
{
	static uint8_t buf[sizeof(struct fp_ring_hdr) + 8 * (sizeof(struct fp_rec) + 64) +
			   FP_RULES * sizeof(struct fp_rule) + FP_HOLD_BYTES + FP_HOLD_BIG_BYTES];
	const size_t hdr = sizeof(struct fp_ring_hdr);
	CHECK(fp_ring_init(buf, 6, 64) == -EINVAL);
	CHECK(fp_ring_init(buf, 8, 64) == 0);
	size_t len = fp_ring_size(8, 64);
	CHECK(len == sizeof buf);
	CHECK(fp_ring_check(buf, len) == 0);
	CHECK(fp_ring_check(buf, len - 1) == -EINVAL);
	struct fp_ring_hdr *h = (void *)buf;
	/* publish 0, 1, 3: only 0 and 1 are drainable */
	for (uint64_t i = 0; i < 4; i++) {
		struct fp_rec *r = (void *)(buf + hdr + i * h->rec_size);
		if (i != 2)
			r->seq = i + 1;
	}
	CHECK(fp_ring_published(buf, len, 0) == 2);
	checker = count_only;
	memset(op_count, 0, sizeof op_count);
	/* the tracer's consumer takes 0, 1 and 3 (out of order: 2 is claimed
	 * and not published yet), and "drained" stops before 2 */
	uint64_t done[8] = { 0 };
	struct fp_consumer c = { .ring = h, .next = 0, .done = done };
	h->head = 4;
	CHECK(fp_consume(&c, count_only, NULL) == 3);
	CHECK(c.next == 2 && h->drained == 2);
	CHECK(fp_consume(&c, count_only, NULL) == 0); /* nothing new */
	/* 2 is published: taken, and drained passes everything */
	((struct fp_rec *)(buf + hdr + 2 * h->rec_size))->seq = 3;
	CHECK(fp_consume(&c, count_only, NULL) == 1);
	CHECK(c.next == 4 && h->drained == 4);
	/* 4 claimed and never published, 5 published: giving 4 up lets
	 * drained pass both */
	h->head = 6;
	((struct fp_rec *)(buf + hdr + 5 * h->rec_size))->seq = 6;
	CHECK(fp_consume(&c, count_only, NULL) == 1);
	CHECK(h->drained == 4);
	fp_consume_give_up(&c, 4);
	CHECK(c.next == 6 && h->drained == 6);
	/* 6 unpublished, 7 and 8 published; 6 is published while 7 is handed
	 * over (its writer ran on): 6 goes before 8, which may depend on it */
	h->head = 9;
	((struct fp_rec *)(buf + hdr + 7 * h->rec_size))->seq = 8;
	((struct fp_rec *)(buf + hdr + 0 * h->rec_size))->seq = 9;
	late_buf = buf;
	norder = 0;
	CHECK(fp_consume(&c, publish_6_at_7, NULL) == 3);
	CHECK(norder == 3 && order[0] == 7 && order[1] == 6 && order[2] == 8);
	CHECK(c.next == 9 && h->drained == 9);
	/* an FP_CALL record goes where its call returned: 9 returned when
	 * the head was 12 (10 and 11 claimed meanwhile, a free of the block
	 * it got back among them, say), so 10, 11, 9, 12 */
	h->head = 13;
	for (uint64_t i = 9; i < 13; i++) {
		struct fp_rec *r = (void *)(buf + hdr + (i & 7) * h->rec_size);
		r->phase = i == 9 ? FP_CALL : FP_ENTRY;
		r->ret_head = i == 9 ? 12 : 0;
		r->seq = i + 1;
	}
	norder = 0;
	CHECK(fp_consume(&c, publish_6_at_7, NULL) == 4);
	CHECK(norder == 4 && order[0] == 10 && order[1] == 11 && order[2] == 9 && order[3] == 12 &&
	      h->drained == 13);
	/* one whose place lies past the records claimed so far waits for the
	 * next pass; past the ring's window, the pass's end is its place */
	h->head = 15;
	struct fp_rec *r13 = (void *)(buf + hdr + (13 & 7) * h->rec_size);
	struct fp_rec *r14 = (void *)(buf + hdr + (14 & 7) * h->rec_size);
	r13->phase = FP_CALL;
	r13->ret_head = 16;
	r13->seq = 14;
	r14->phase = FP_ENTRY;
	r14->seq = 15;
	CHECK(fp_consume(&c, publish_6_at_7, NULL) == 1);
	CHECK(norder == 5 && order[4] == 14 && h->drained == 13);
	/* 15..21 claimed (21 waits for room: it cannot be written while 13
	 * is not consumed), 13 returned after all that */
	h->head = 22;
	r13->ret_head = 22;
	CHECK(fp_consume(&c, publish_6_at_7, NULL) == 1);
	CHECK(norder == 6 && order[5] == 13 && h->drained == 15);
	h->head = 0;
	h->drained = 0;
	/* a stale record of an earlier lap is not published for this one */
	((struct fp_rec *)(buf + hdr))->seq = 1;
	CHECK(fp_ring_published(buf, len, 8) == 0);
	/* fp_ring_prefetch touches the first 192 bytes of a slot: for any
	 * index, inside the ring's records */
	for (uint64_t i = 0; i < 9; i++) {
		const uint8_t *r = (const uint8_t *)fp_ring_rec(buf, UINT64_MAX - i);
		CHECK(r >= buf + hdr && r + 192 <= buf + hdr + 8 * h->rec_size);
		fp_ring_prefetch(buf, UINT64_MAX - i);
	}
}

/* fp_body_branches_into as it was written with capstone's details: the
 * oracle for the one that reads the targets from the bytes. */
static bool detailed_branches_into(const uint8_t *body, size_t len, uint64_t func, size_t patched)
{
	csh cs;
	cs_insn *insn;
	bool into = false;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return true;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	size_t n = cs_disasm(cs, body, len, func, 0, &insn);
	for (size_t i = 0; i < n && !into; i++) {
		const cs_detail *d = insn[i].detail;
		bool branch = false;
		for (int g = 0; g < d->groups_count; g++)
			branch |= d->groups[g] == CS_GRP_JUMP || d->groups[g] == CS_GRP_CALL ||
				  d->groups[g] == CS_GRP_BRANCH_RELATIVE;
		const cs_x86 *xd = &d->x86;
		if (branch && xd->op_count == 1 && xd->operands[0].type == X86_OP_IMM) {
			uint64_t target = (uint64_t)xd->operands[0].imm;
			into = target > func && target < func + patched;
		}
	}
	if (n)
		cs_free(insn, n);
	cs_close(&cs);
	return into;
}

/* A body that loops back into its first bytes cannot take the 5-byte jmp. */
static void test_body_branches(void)
{
	/* xor %eax,%eax; 1: inc %eax; cmp $5,%eax; jb 1b; ret */
	static const uint8_t loops[] = {
		0x31, 0xc0, 0xff, 0xc0, 0x83, 0xf8, 0x05, 0x72, 0xf9, 0xc3
	};
	/* push %rbx; mov %rdi,%rbx; 1: dec %rbx; jnz 1b; pop %rbx; ret (loop at +4) */
	static const uint8_t fine[] = { 0x53, 0x48, 0x89, 0xfb, 0x48, 0xff,
					0xcb, 0x75, 0xfb, 0x5b, 0xc3 };
	CHECK(fp_body_branches_into(loops, sizeof loops, 0x1000, 5));
	CHECK(!fp_body_branches_into(fine, sizeof fine, 0x1000, 4));
	CHECK(fp_body_branches_into(fine, sizeof fine, 0x1000, 5));
	/* rel32 forms: jmp, call, jne, each back to +2 */
	static const uint8_t far[][8] = {
		{ 0x90, 0x90, 0x90, 0xe9, 0xfa, 0xff, 0xff, 0xff },
		{ 0x90, 0x90, 0x90, 0xe8, 0xfa, 0xff, 0xff, 0xff },
		{ 0x90, 0x90, 0x0f, 0x85, 0xfa, 0xff, 0xff, 0xff },
	};
	for (size_t i = 0; i < 3; i++) {
		CHECK(fp_body_branches_into(far[i], 8, 0x1000, 5));
		CHECK(!fp_body_branches_into(far[i], 8, 0x1000, 2));
	}
	/* the same answers as capstone's detailed decode (jump, call and
	 * relative-branch groups with an immediate target), on this libc's
	 * allocator bodies and on random bytes */
	static const char *const fns[] = { "malloc",   "free",	 "calloc", "realloc",
					   "memalign", "valloc", "pvalloc" };
	uint8_t rnd_body[4096];
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < sizeof rnd_body; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		rnd_body[i] = (uint8_t)x;
	}
	for (size_t i = 0; i <= sizeof fns / sizeof fns[0]; i++) {
		const uint8_t *b =
		    i < sizeof fns / sizeof fns[0] ? dlsym(RTLD_DEFAULT, fns[i]) : rnd_body;
		if (!b)
			continue;
		for (size_t len = 64; len <= 2048; len *= 2)
			for (size_t patched = 2; patched <= 16; patched++)
				CHECK(fp_body_branches_into(b, len, (uint64_t)b, patched) ==
				      detailed_branches_into(b, len, (uint64_t)b, patched));
	}
}

static void test_tid_offset(void)
{
	CHECK(lt_fs_tid() == (uint32_t)gettid());
	uint64_t tp;
	__asm__("mov %%fs:0, %0" : "=r"(tp));
	CHECK(tp == (uint64_t)pthread_self());
}

static void test_refusals(uint8_t *stub_area)
{
	struct fp_stub s;
	struct fp_stub_req req = { .func = (uint64_t)stub_area + 0x10000,
				   .stub = (uint64_t)stub_area,
				   .ring = 0x1000,
				   .kind = FP_FREE,
				   .tid_offset = -1 };
	static const uint8_t call_first[] = { 0xe8, 0, 0, 0, 0, 0xc3 };
	static const uint8_t short_fn[] = { 0x31, 0xc0, 0xc3, 0xcc, 0xcc, 0xcc };
	static const uint8_t loop_first[] = { 0xe2, 0xfe, 0x90, 0x90, 0x90, 0x90 };
	static const uint8_t into_patch[] = { 0x90, 0x74, 0xfd, 0x90, 0x90, 0x90 };  /* je func+0 */
	static const uint8_t into_patch2[] = { 0x90, 0x90, 0x74, 0xfd, 0x90, 0x90 }; /* je func+1 */

	req.code = call_first, req.code_len = sizeof call_first;
	CHECK(fp_stub_build(&req, &s) == -ENOTSUP);
	req.code = short_fn, req.code_len = sizeof short_fn;
	CHECK(fp_stub_build(&req, &s) == -ENOTSUP);
	req.code = loop_first, req.code_len = sizeof loop_first;
	CHECK(fp_stub_build(&req, &s) == -ENOTSUP);
	req.code = into_patch, req.code_len = sizeof into_patch;
	CHECK(fp_stub_build(&req, &s) == 0); /* to func itself: allowed, goes through the hook */
	req.code = into_patch2, req.code_len = sizeof into_patch2;
	CHECK(fp_stub_build(&req, &s) == -ENOTSUP);
	req.code = short_fn;
	req.stub = req.func + (3ull << 30);
	CHECK(fp_stub_build(&req, &s) == -ERANGE);
}

static pthread_barrier_t barrier;

static void *worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	long bad = 0;

	ts[t].tid = (uint32_t)gettid();
	ts[t].tp = (uint64_t)pthread_self();
	pthread_barrier_wait(&barrier);
	for (uint64_t i = 0; i < NCALLS; i++) {
		uint64_t r = lt_call_it(tf_malloc_like, arg_a(t, i), arg_b(i), (uint64_t)t + 5);
		if (r != malloc_like_result(arg_a(t, i), arg_b(i), (uint64_t)t + 5))
			bad++;
		if (lt_call_it(tf_free_like, arg_free(t, i), 0, 0) == BADREGS)
			bad++;
	}
	return (void *)bad;
}

static void run_threads(uint64_t capacity, uint64_t flags, const char *what)
{
	pthread_t th[NTHREADS];
	long bad = 0;

	reset_ring(capacity);
	ring->flags |= flags;
	checker = check_mt;
	memset(ts, 0, sizeof ts);
	tf_free_nonnull = tf_free_null = tf_free_sum = 0;
	pthread_barrier_init(&barrier, NULL, NTHREADS);
	double t0 = now_ns();
	for (int t = 0; t < NTHREADS; t++)
		pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t);
	for (int t = 0; t < NTHREADS; t++) {
		void *r;
		pthread_join(th[t], &r);
		bad += (long)r;
	}
	double t1 = now_ns();
	drain_ring();
	pthread_barrier_destroy(&barrier);
	CHECK(bad == 0);
	CHECK(drained_records == NTHREADS * NCALLS * 2L);
	CHECK(ring->head == ring->drained);
	for (int t = 0; t < NTHREADS; t++)
		CHECK(ts[t].next == NCALLS && ts[t].step == 0);
	long nonnull = 0;
	for (uint64_t i = 0; i < NCALLS; i++)
		nonnull += arg_free(0, i) != 0;
	CHECK(tf_free_nonnull == NTHREADS * nonnull);
	CHECK(tf_free_null == NTHREADS * (NCALLS - nonnull));
	printf("  %s: %d threads x %d (malloc_like+free_like), ring of %llu: %.0f ms wall,"
	       " %.0f ns per call pair per thread, %ld ring-full traps\n",
	       what, NTHREADS, NCALLS, (unsigned long long)capacity, (t1 - t0) / 1e6,
	       (t1 - t0) / NCALLS, full_traps);
}

static void test_single(void)
{
	reset_ring(RING_CAP_MAX);
	checker = count_only;
	uint64_t r = lt_call_it(tf_memalign_like, 64, 100, 0);
	CHECK(r == 164);
	r = lt_call_it(tf_opnew_like, 1, 2, 3);
	CHECK(r == malloc_like_result(1, 2, 3));
	tf_free_null = tf_free_nonnull = 0;
	lt_call_it(tf_free8_like, 0, 0, 0);
	lt_call_it(tf_free8_like, 42, 0, 0);
	CHECK(tf_free_null == 1 && tf_free_nonnull == 1);
	/* records: memalign C, opnew E, malloc C, free8 E E (C: entry and
	 * return in one record) */
	static const uint8_t want_op[] = { OP_MEMALIGN, OP_OPNEW, OP_MALLOC, OP_FREE8, OP_FREE8 };
	static const uint8_t want_ph[] = { FP_CALL, FP_ENTRY, FP_CALL, FP_ENTRY, FP_ENTRY };
	CHECK(fp_ring_published(ring, ring_len, 0) == 5);
	for (uint64_t i = 0; i < 5; i++) {
		const struct fp_rec *rec = (void *)((uint8_t *)(ring + 1) + i * ring->rec_size);
		CHECK(rec->op == want_op[i] && rec->phase == want_ph[i]);
		CHECK(rec->tid == (uint32_t)gettid());
	}
	const struct fp_rec *rec = (void *)((uint8_t *)(ring + 1) + 0 * ring->rec_size);
	CHECK(rec->rax == 164 && rec->rdi == 64 && rec->rsi == 100);
	rec = (void *)((uint8_t *)(ring + 1) + 1 * ring->rec_size);
	const struct fp_rec *mrec = (void *)((uint8_t *)(ring + 1) + 2 * ring->rec_size);
	CHECK(rec->rdi == 1 && mrec->rdi == 1 && rec->rsp == mrec->rsp);
	CHECK(mrec->rax == malloc_like_result(1, 2, 3));
	rec = (void *)((uint8_t *)(ring + 1) + 4 * ring->rec_size);
	CHECK(rec->rdi == 42);
	ring->drained = ring->head;
	reset_consumer();

	/* disabled: nothing recorded, calls still work */
	uint64_t head = ring->head;
	ring->flags |= FP_FLAG_DISABLED;
	CHECK(lt_call_it(tf_malloc_like, 1, 2, 3) == malloc_like_result(1, 2, 3));
	CHECK(ring->head == head);
	ring->flags &= ~(uint64_t)FP_FLAG_DISABLED;
}

static void test_ring_full(void)
{
	/* with FP_FLAG_PREFETCHW too: the slot prefetched wraps around */
	for (int pfw = 0; pfw < 2; pfw++) {
		reset_ring(8);
		ring->flags |= pfw ? FP_FLAG_PREFETCHW : 0;
		checker = count_only;
		for (uint64_t i = 0; i < 100; i++)
			CHECK(lt_call_it(tf_malloc_like, i, 1, 2) == malloc_like_result(i, 1, 2));
		drain_ring();
		CHECK(op_count[OP_MALLOC][FP_CALL] == 100 && op_count[OP_MALLOC][FP_ENTRY] == 0);
		CHECK(full_traps >= 100 / 8 - 1);
		CHECK(ring->drained == 100);
		printf("  ring of 8%s: 100 calls, %ld ring-full traps, all 100 records drained "
		       "in order\n",
		       pfw ? " (prefetchw)" : "", full_traps);
	}
	ring->flags = 0;

	/* a tracer that says it polls (nobody drains here): the stubs wait
	 * FP_SPIN_TICKS, spinning and then asleep (at once when the polling
	 * word names their own CPU), and trap after all; registers and records as before */
	cpu_set_t one, all;
	CHECK(sched_getaffinity(0, sizeof all, &all) == 0);
	int cpu = sched_getcpu();
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	CHECK(cpu >= 0 && sched_setaffinity(0, sizeof one, &one) == 0);
	unsigned aux;
	__rdtscp(&aux);
	for (int yield = 0; yield < 2; yield++) {
		reset_ring(8);
		checker = count_only;
		ring->polling = yield ? (uint64_t)(aux & 0xfff) + 1 : 1;
		if (yield)
			ring->flags |= FP_FLAG_RDTSCP;
		for (uint64_t i = 0; i < 40; i++)
			CHECK(lt_call_it(tf_malloc_like, i, 1, 2) == malloc_like_result(i, 1, 2));
		drain_ring();
		CHECK(op_count[OP_MALLOC][FP_CALL] == 40);
		CHECK(full_traps >= 40 / 8 - 1);
		CHECK(ring->drained == 40);
		ring->polling = 0;
		ring->flags = 0;
	}
	CHECK(sched_setaffinity(0, sizeof all, &all) == 0);
	printf("  ring of 8, the tracer said to poll: the stubs spin and sleep, then trap\n");
}

static void *drainer(void *arg)
{
	atomic_int *stop = arg;
	while (!atomic_load(stop)) {
		drain_ring();
		sched_yield();
	}
	return NULL;
}

static void *slow_drainer(void *arg)
{
	atomic_int *stop = arg;
	while (!atomic_load(stop)) {
		drain_ring();
		usleep(200);
	}
	return NULL;
}

/* A tracer that polls but drains only every 200 us: a writer that finds the
 * ring full spins a little, then sleeps on drained (futex) until a drain
 * wakes it; every record arrives, and no writer is left counted asleep.
 * That it slept, not spun, shows in its voluntary context switches. */
static void test_ring_sleep(void)
{
	struct rusage r0, r1;
	atomic_int stop = 0;
	pthread_t t;

	reset_ring(8);
	checker = count_only;
	ring->polling = 1;
	CHECK(getrusage(RUSAGE_THREAD, &r0) == 0);
	CHECK(pthread_create(&t, NULL, slow_drainer, &stop) == 0);
	for (uint64_t i = 0; i < 200; i++)
		CHECK(lt_call_it(tf_malloc_like, i, 1, 2) == malloc_like_result(i, 1, 2));
	CHECK(getrusage(RUSAGE_THREAD, &r1) == 0);
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	drain_ring();
	CHECK(op_count[OP_MALLOC][FP_CALL] == 200);
	CHECK(ring->drained == 200);
	CHECK(ring->waiters == 0);
	CHECK(r1.ru_nvcsw > r0.ru_nvcsw);
	printf("  ring of 8 drained every 200 us: 200 records, %ld sleeps, %ld ring-full traps\n",
	       r1.ru_nvcsw - r0.ru_nvcsw, (long)full_traps);
	ring->polling = 0;
}

/* FP_FLAG_FAILSAFE (-p): a full ring never traps.  With a tracer draining
 * from another thread every record arrives; with none looking for longer
 * than stall_ticks, the stubs disable the ring and let every call through. */
static void test_ring_failsafe(void)
{
	reset_ring(8);
	checker = count_only;
	ring->stall_ticks = (int64_t)1 << 40; /* minutes: only a dead tracer */
	ring->alive_tsc = __rdtsc();
	ring->flags |= FP_FLAG_FAILSAFE;
	atomic_int stop = 0;
	pthread_t t;
	CHECK(pthread_create(&t, NULL, drainer, &stop) == 0);
	for (uint64_t i = 0; i < 1000; i++)
		CHECK(lt_call_it(tf_malloc_like, i, 1, 2) == malloc_like_result(i, 1, 2));
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	drain_ring();
	CHECK(full_traps == 0 && !(ring->flags & FP_FLAG_DISABLED));
	CHECK(op_count[OP_MALLOC][FP_CALL] == 1000);
	CHECK(ring->drained == 1000);

	/* nobody has looked for longer than allowed: the first call to find
	 * the ring full gives up, and nothing is recorded any more */
	reset_ring(8);
	ring->stall_ticks = 1000;
	ring->alive_tsc = __rdtsc() - 1000000;
	ring->flags |= FP_FLAG_FAILSAFE;
	for (uint64_t i = 0; i < 100; i++)
		CHECK(lt_call_it(tf_malloc_like, i, 1, 2) == malloc_like_result(i, 1, 2));
	CHECK(full_traps == 0 && (ring->flags & FP_FLAG_DISABLED));
	CHECK(ring->head <= 9); /* 8 records and the claim given up */
	/* a tracer's clock ahead of ours (another CPU's TSC) is no reason */
	reset_ring(8);
	ring->stall_ticks = 1000000;
	ring->alive_tsc = __rdtsc() + ((uint64_t)1 << 40);
	ring->flags |= FP_FLAG_FAILSAFE;
	/* and the drainer keeps it there (it writes a new look only once its
	 * clock passes the last one it wrote): the stubs must wait however
	 * late the drainer runs on a loaded machine, not give up after 1e6
	 * ticks of it descheduled */
	cons.alive_said = ring->alive_tsc;
	atomic_store(&stop, 0);
	CHECK(pthread_create(&t, NULL, drainer, &stop) == 0);
	for (uint64_t i = 0; i < 100; i++)
		CHECK(lt_call_it(tf_malloc_like, i, 1, 2) == malloc_like_result(i, 1, 2));
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	CHECK(!(ring->flags & FP_FLAG_DISABLED));
	printf("  fail-safe ring of 8: 1,000 calls drained by a thread, no trap; unread for "
	       "too long, disabled itself\n");
	ring->flags = 0;
}

static void test_stack_fault(void)
{
	uint8_t *st = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(st != MAP_FAILED);
	munmap(st + 4096, 4096);
	reset_ring(16);
	checker = count_only;
	/* the return address goes at top - 8: 8 bytes to copy, then a hole */
	uint64_t r = lt_call_on_stack(tf_malloc_like, 5, 6, 7, st + 4096);
	(void)r;
	const struct fp_rec *rec = (void *)(ring + 1);
	CHECK(copy_fixups == 1);
	CHECK(rec->seq == 1 && rec->stack_len == 8);
	CHECK(rec->rsp == (uint64_t)st + 4096 - 8);
	CHECK(rec->phase == FP_CALL && rec->rax == r);
	CHECK(fp_ring_published(ring, ring_len, 0) == 1);
	ring->drained = ring->head;
	reset_consumer();
	munmap(st, 4096);
}

static uint64_t bench_calls(void *fn, long n)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		lt_call_it(fn, (uint64_t)i, 1, 2);
	return (uint64_t)((now_ns() - t0) / (double)n);
}

static void *(*volatile vmalloc)(size_t) = malloc;
static void (*volatile vfree)(void *) = free;

static double bench_malloc(long n)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		vfree(vmalloc(32 + (size_t)(i & 7) * 28));
	return (now_ns() - t0) / (double)n;
}

/* Every allocator entry of this system's libc and libstdc++ must be
 * hookable (built, not patched). */
static void test_all_entries(void)
{
	static const char *const names[] = {
		"malloc",
		"free",
		"calloc",
		"realloc",
		"reallocarray",
		"memalign",
		"aligned_alloc",
		"posix_memalign",
		"valloc",
		"pvalloc",
		"_Znwm",
		"_Znam",
		"_ZdlPv",
		"_ZdaPv",
		"_ZdlPvm",
		"_ZnwmRKSt9nothrow_t",
		"_ZnwmSt11align_val_t",
		"_ZdlPvSt11align_val_t",
	};
	void *cxx = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_GLOBAL);
	uint8_t *area = map_near((uint64_t)malloc, 4096);

	CHECK(area != NULL);
	for (size_t i = 0; area && i < sizeof names / sizeof names[0]; i++) {
		void *f = dlsym(RTLD_DEFAULT, names[i]);
		if (!f) {
			printf("    %-24s not found%s\n", names[i], cxx ? "" : " (no libstdc++)");
			continue;
		}
		struct fp_stub s;
		struct fp_stub_req req = { .func = (uint64_t)f,
					   .code = f,
					   .code_len = 32,
					   .stub = (uint64_t)area,
					   .ring = (uint64_t)ring,
					   .kind = FP_ALLOC,
					   .tid_offset = FP_TID_OFFSET_GLIBC };
		int err = fp_stub_build(&req, &s);
		CHECK(err == 0);
		if (err)
			printf("    %-24s %s: %s\n", names[i], strerror(-err), s.why);
		else
			printf("    %-24s %u bytes displaced, stub of %zu bytes\n", names[i],
			       s.displaced, s.code_len);
	}
	if (area)
		munmap(area, 4096);
}

static void test_glibc(void)
{
#ifdef __SANITIZE_ADDRESS__
	/* AddressSanitizer's malloc replaces glibc's in this process: there is
	 * no glibc malloc/free on the path to patch */
	printf("  glibc malloc/free: skipped under AddressSanitizer\n");
	return;
#endif
	void *m = dlsym(RTLD_DEFAULT, "malloc"), *f = dlsym(RTLD_DEFAULT, "free");
	uint8_t *area = map_near((uint64_t)m, 1 << 16), *next = area;
	const long N = 1000000;

	CHECK(area != NULL);
	if (!area)
		return;
	reset_ring(RING_CAP_MAX);
	checker = count_only;
	bench_malloc(N / 10);
	double plain = bench_malloc(N);
	struct hook *hm = hook(m, FP_ALLOC, OP_GMALLOC, &next);
	struct hook *hf = hook(f, FP_FREE, OP_GFREE, &next);
	CHECK(hm && hf);
	if (!hm || !hf) {
		unhook_all();
		return;
	}
	CHECK(hf->s.displaced == 9); /* test + je rel32, as in FACTS.md */
	CHECK(hm->s.displaced == 7); /* push r12; push rbp; push rbx; mov rdi,rbx */
	double hooked = bench_malloc(N);
	long traps = full_traps;
	drain_ring();
	CHECK(op_count[OP_GMALLOC][FP_CALL] >= N);
	CHECK(op_count[OP_GMALLOC][FP_ENTRY] == 0 && op_count[OP_GMALLOC][FP_RETURN] == 0);
	CHECK(op_count[OP_GFREE][FP_ENTRY] >= N);
	long recs = drained_records;
	/* the stubs read capacity and stack size from the header: sweep them */
	static const struct {
		uint64_t cap;
		uint32_t stack;
	} sweep[] = {
		{ 1024, 0 },   { 1024, 256 },  { 4096, 256 },
		{ 4096, 512 }, { 4096, 1024 }, { 65536, 256 },
	};
	double swept[sizeof sweep / sizeof sweep[0]];
	long swept_traps[sizeof sweep / sizeof sweep[0]];
	for (size_t k = 0; k < sizeof sweep / sizeof sweep[0]; k++) {
		if (fp_ring_init(ring, sweep[k].cap, sweep[k].stack))
			abort();
		ring_len = fp_ring_size(sweep[k].cap, sweep[k].stack);
		reset_consumer();
		full_traps = 0;
		swept[k] = bench_malloc(N);
		swept_traps[k] = full_traps;
		drain_ring();
	}
	unhook_all();
	printf("  glibc malloc/free, %ld pairs: %.1f ns/pair plain, %.1f ns/pair hooked"
	       " (%ld records, %ld ring-full traps)\n",
	       N, plain, hooked, recs, traps);
	for (size_t k = 0; k < sizeof sweep / sizeof sweep[0]; k++)
		printf("    ring %5llu records, stack copy %4u bytes: %.1f ns/pair hooked, %ld "
		       "traps\n",
		       (unsigned long long)sweep[k].cap, sweep[k].stack, swept[k], swept_traps[k]);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct sigaction sa = { .sa_sigaction = on_sigtrap, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTRAP, &sa, NULL);
	static uint8_t altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
	sigaltstack(&ss, NULL);
	sa.sa_sigaction = on_sigsegv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);

	test_ring_pure();
	test_body_branches();
	test_tid_offset();

	ring_len = fp_ring_size(RING_CAP_MAX, STACK_BYTES);
	ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *area = map_near((uint64_t)tf_malloc_like, 1 << 16), *next = area;
	CHECK(ring != MAP_FAILED && area != NULL);
	if (ring == MAP_FAILED || !area)
		return 1;
	reset_ring(RING_CAP_MAX);
	test_refusals(area + (1 << 15));

	uint64_t plain_ns = bench_calls(tf_malloc_like, 1000000);
	uint64_t plain_free_ns = bench_calls(tf_free_like, 1000000);
	CHECK(hook(tf_malloc_like, FP_ALLOC, OP_MALLOC, &next));
	CHECK(hook(tf_free_like, FP_FREE, OP_FREE, &next));
	CHECK(hook(tf_free8_like, FP_FREE, OP_FREE8, &next));
	CHECK(hook(tf_memalign_like, FP_ALLOC, OP_MEMALIGN, &next));
	CHECK(hook(tf_opnew_like, FP_MARKER, OP_OPNEW, &next));
	if (failures)
		return 1;
	CHECK(hooks[1].s.displaced == 9 && hooks[2].s.displaced == 5 && hooks[3].s.displaced == 7 &&
	      hooks[4].s.displaced == 9);

	test_single();
	test_ring_full();
	test_ring_sleep();
	test_ring_failsafe();
	test_stack_fault();

	reset_ring(RING_CAP_MAX);
	checker = count_only;
	uint64_t hooked_ns = bench_calls(tf_malloc_like, 1000000);
	uint64_t hooked_free_ns = bench_calls(tf_free_like, 1000000);
	drain_ring();
	printf("  single thread, per call: malloc_like %llu ns plain, %llu ns stubbed (2 records);"
	       " free_like %llu ns plain, %llu ns stubbed (1 record)\n",
	       (unsigned long long)plain_ns, (unsigned long long)hooked_ns,
	       (unsigned long long)plain_free_ns, (unsigned long long)hooked_free_ns);

	run_threads(RING_CAP_MAX, 0, "big ring");
	run_threads(1024, 0, "small ring");
	/* the claims' prefetchw of a slot ahead: a hint, whoever writes it */
	unsigned a, b, c, d;
	if (__get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 8)))
		run_threads(1024, FP_FLAG_PREFETCHW, "small ring, prefetchw");
	unhook_all();

	test_all_entries();
	test_glibc();

	if (q_fail)
		fprintf(stderr, "%d of %d checks in handlers failed, first at line %d\n",
			(int)q_fail, (int)q_checks, (int)q_first_line);
	printf("test_fastpath: %d checks (+%d in handlers), %d failed\n", checks, (int)q_checks,
	       failures + (int)q_fail);
	return failures != 0 || q_fail != 0;
}
