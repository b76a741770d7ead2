/* fastpath: allocator events recorded by stubs inside the target.
 *
 * The one idea: instead of stopping the target at every allocator call,
 * leaktrace redirects each hooked function's entry (a 5-byte jmp) to a
 * stub that writes what the tracer would have read at the stop -- argument
 * and callee-saved registers, the return address, the top of the stack --
 * into a ring in the target's own memory, and for the malloc family calls
 * the original so that its return comes back into the stub and is recorded
 * too.  The protocol of the ring is described in fastpath.h.
 *
 * The stubs are assembled here, once, by the assembler (the templates
 * below), and copied with a few patched immediates: the ring's address, the
 * op/phase word and the %fs offset of the tid.  The displaced instructions
 * of the function's entry are appended after the template, relocated like
 * breakpoint.c's out-of-line copies, with one addition glibc's free needs:
 * relative jumps (jcc/jmp rel8 or rel32) are rewritten as rel32 jumps to
 * the same absolute target.
 *
 * What a stub guarantees: every general register is as the caller left it
 * when the original runs (the status flags are not: the ABI does not carry
 * them across a call, and DF is never set); the original sees rsp = 8 mod
 * 16 as at any entry; after an FP_ALLOC original returns, rax and rdx are
 * kept and only call-clobbered registers (rcx, rsi, rdi, r8-r11) change.
 * Nothing is written below the entry rsp except the stub's own pushes
 * (entry is a call boundary: the red zone there is the callee's).  No
 * locks, no TLS writes, no syscalls but sched_yield and futex while it waits
 * for room in the ring: it is async-signal-safe and reentrant, but see fastpath.h on
 * a signal handler that interrupts a stub. */
#include <capstone/capstone.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <x86intrin.h>

#include "leaktrace/fastpath.h"

#define RING_HDR	 256u /* sizeof(struct fp_ring_hdr): the records start there */
#define REC_FRAMES	 80u  /* offsetof(struct fp_rec, frames) */
#define FP_PREFETCH	 4    /* records fp_consume loads ahead of the one it hands over */
#define FP_LATE		 64   /* unpublished records fp_consume looks at again in one pass */
#define FP_DRAINED_EVERY 64   /* records between two stores of "drained" in one pass */
#define FP_STR_(x)	 #x
#define FP_STR(x)	 FP_STR_(x)

_Static_assert(sizeof(struct fp_ring_hdr) == RING_HDR, "ring header layout");
_Static_assert(sizeof(struct fp_rec) == 1024, "record layout");
_Static_assert(__builtin_offsetof(struct fp_ring_hdr, head) == 128, "head offset");
_Static_assert(__builtin_offsetof(struct fp_ring_hdr, drained) == 192, "drained offset");
_Static_assert(__builtin_offsetof(struct fp_ring_hdr, stack_end) == 56, "stack_end offset");
_Static_assert(__builtin_offsetof(struct fp_ring_hdr, rules_off) == 72 &&
		   __builtin_offsetof(struct fp_ring_hdr, max_frames) == 80 &&
		   __builtin_offsetof(struct fp_ring_hdr, rule_hash) == 88 &&
		   __builtin_offsetof(struct fp_ring_hdr, copy_off) == 104,
	       "walk and copy offsets");
_Static_assert(__builtin_offsetof(struct fp_rec, rdi) == 24 &&
		   __builtin_offsetof(struct fp_rec, rax) == 48 &&
		   __builtin_offsetof(struct fp_rec, ret) == 56 &&
		   __builtin_offsetof(struct fp_rec, rsp) == 64 &&
		   __builtin_offsetof(struct fp_rec, tp) == 72 &&
		   __builtin_offsetof(struct fp_rec, frames) == REC_FRAMES &&
		   __builtin_offsetof(struct fp_rec, rbx) == 976,
	       "record offsets");
_Static_assert(__builtin_offsetof(struct fp_ring_hdr, polling) == 208, "polling offset");
_Static_assert(__builtin_offsetof(struct fp_ring_hdr, alive_tsc) == 200 &&
		   __builtin_offsetof(struct fp_ring_hdr, stall_ticks) == 120,
	       "fail-safe offsets");
_Static_assert(__builtin_offsetof(struct fp_ring_hdr, walk_qwords) == 112, "walk span offset");
_Static_assert(__builtin_offsetof(struct fp_ring_hdr, hold_big_mask) == 152 &&
		   __builtin_offsetof(struct fp_ring_hdr, hold_mask) == 160 &&
		   __builtin_offsetof(struct fp_ring_hdr, hold_cap) == 168 &&
		   __builtin_offsetof(struct fp_ring_hdr, hold_off) == 176 &&
		   __builtin_offsetof(struct fp_ring_hdr, hold_big_cap) == 184,
	       "hold-back offsets");

/* FP_HOLD_BYTES as the stubs' code spells it */
#define HOLD_BYTES_ASM "524352"
_Static_assert(FP_HOLD_BYTES == 524352, "HOLD_BYTES_ASM");

/* FP_ZERO_MAX as the stubs' code spells it */
#define ZERO_MAX_ASM "131072"
_Static_assert(FP_ZERO_MAX == 131072, "ZERO_MAX_ASM follows FP_ZERO_MAX");

/* FP_PREFETCHW_AHEAD as the stubs' code spells it */
#define PREFETCHW_AHEAD_ASM "8"
_Static_assert(FP_PREFETCHW_AHEAD == 8, "PREFETCHW_AHEAD_ASM follows FP_PREFETCHW_AHEAD");

/* FP_SPIN_TICKS as the stubs' code spells it */
#define SPIN_TICKS_ASM "2097152"
_Static_assert(FP_SPIN_TICKS == 2097152, "SPIN_TICKS_ASM follows FP_SPIN_TICKS");
/* FP_SPIN_TICKS - FP_SHORT_SPIN_TICKS as the stubs' code spells it: the
 * deadline still this far away, a writer spins, else it sleeps */
#define SPIN_LEFT_ASM "2080768"
_Static_assert(FP_SPIN_TICKS - FP_SHORT_SPIN_TICKS == 2080768,
	       "SPIN_LEFT_ASM follows FP_SPIN_TICKS and FP_SHORT_SPIN_TICKS");
_Static_assert(__builtin_offsetof(struct fp_ring_hdr, wait_ts) == 136 &&
		   __builtin_offsetof(struct fp_ring_hdr, waiters) == 216,
	       "wait_ts, waiters offsets");

/* The rule table's hash shift and index mask as the stubs' code spells them */
#define RULE_SHIFT_ASM "48"
#define RULE_MASK_ASM  "65535"
_Static_assert(FP_RULE_BITS == 16 && FP_RULES - 1 == 65535, "RULE_*_ASM follow FP_RULE_BITS");

/* The templates.  Offsets into struct fp_ring_hdr: rec_size 12, capacity 16,
 * mask 24, stack_qwords 32, flags 40, stack_end 56, rules_off 72,
 * max_frames 80, rule_hash 88, copy_off 104, stall_ticks 120, head 128,
 * drained 192, alive_tsc 200, polling 208, records 256; into struct fp_rec: seq 0,
 * op/phase 8, tid 12, stack_len 16, nframes 20, rdi 24, rsi 32, rdx 40,
 * rax 48, ret 56, rsp 64, tp 72, frames 80, rbx 976 ... r15 1016.  Labels named *_ring, *_op, *_tid end the instruction
 * whose last 8/4/4 bytes are patched. */
__asm__(".section .rodata.fp_tpl,\"a\"\n"

	/* Claims a slot: \sfx names the labels.  In: r11 = ring.  Out: r8 =
	 * index, r10 = record.  Clobbers rax, rcx.  A full ring traps to the
	 * tracer, which drains it, unless the tracer polls (208) and makes
	 * room within FP_SPIN_TICKS of the TSC (r10: the deadline, r8 the
	 * index while rdtsc has rax; rdx is saved by every caller): it spins
	 * FP_SHORT_SPIN_TICKS, then sleeps on drained (futex), at once when
	 * the tracer polls on our own CPU (FP_FLAG_RDTSCP: 208 holds its CPU
	 * + 1), which it cannot drain while we spin.  Detached meanwhile (a ring-full stop held
	 * when the tracer let go), the claim is dropped and the caller's "9:"
	 * skips the record. */
	".macro FP_CLAIM sfx\n"
	"	mov $1, %eax\n"
	"	lock xadd %rax, 128(%r11)\n"
	"1:	mov %rax, %rcx\n"
	"	sub 192(%r11), %rcx\n"
	"	cmp 16(%r11), %rcx\n"
	"	jb 2f\n"
	"	testb $2, 40(%r11)\n"
	"	jnz 3f\n"
	"	cmpq $0, 208(%r11)\n"
	"	je 5f\n"
	"	mov %rax, %r8\n"
	"	rdtsc\n"
	"	shl $32, %rdx\n"
	"	or %rdx, %rax\n"
	"	lea " SPIN_TICKS_ASM "(%rax), %r10\n"
	"4:	testb $4, 40(%r11)\n"
	"	jz 7f\n"
	"	rdtscp\n"
	"	and $0xfff, %ecx\n"
	"	inc %ecx\n"
	"	cmp 208(%r11), %rcx\n"
	"	je 31f\n"
	/* spin FP_SHORT_SPIN_TICKS, then sleep */
	"7:	rdtsc\n"
	"	shl $32, %rdx\n"
	"	or %rdx, %rax\n"
	"	mov %r10, %rcx\n"
	"	sub %rax, %rcx\n"
	"	cmp $" SPIN_LEFT_ASM ", %rcx\n"
	"	jle 31f\n"
	"	pause\n"
	"	jmp 8f\n"
	/* asleep on drained's low word until the tracer moves it (it wakes
	 * the waiters it counts), FP_WAIT_NS at most: registered as a waiter
	 * first, then drained read again (a drain that made room meanwhile is
	 * seen here, or makes the futex word differ from rdx), the syscall's
	 * argument registers kept on the stack */
	"31:	push %rdi\n"
	"	push %rsi\n"
	"	push %r10\n"
	"	push %r11\n"
	"	lock incl 216(%r11)\n"
	"	mov 192(%r11), %rdx\n"
	"	mov %r8, %rcx\n"
	"	sub %rdx, %rcx\n"
	"	cmp 16(%r11), %rcx\n"
	"	jb 32f\n"
	"	lea 192(%r11), %rdi\n"
	"	xor %esi, %esi\n"
	"	lea 136(%r11), %r10\n"
	"	mov $202, %eax\n"
	"	syscall\n"
	"32:	mov (%rsp), %r11\n"
	"	lock decl 216(%r11)\n"
	"	pop %r11\n"
	"	pop %r10\n"
	"	pop %rsi\n"
	"	pop %rdi\n"
	/* detached meanwhile: no trap, the record is dropped */
	"8:	testb $1, 40(%r11)\n"
	"	jnz 9f\n"
	"	mov %r8, %rcx\n"
	"	sub 192(%r11), %rcx\n"
	"	cmp 16(%r11), %rcx\n"
	"	jb 6f\n"
	"	cmpq $0, 208(%r11)\n"
	"	je 6f\n"
	"	rdtsc\n"
	"	shl $32, %rdx\n"
	"	or %rdx, %rax\n"
	"	cmp %r10, %rax\n"
	"	jb 4b\n"
	"6:	mov %r8, %rax\n"
	"	mov %rax, %rcx\n"
	"	sub 192(%r11), %rcx\n"
	"	cmp 16(%r11), %rcx\n"
	"	jb 2f\n"
	"5:\n"
	"fp_tpl_\\sfx\\()_trap:\n"
	"	int3\n"
	"	testb $1, 40(%r11)\n"
	"	jnz 9f\n"
	"	jmp 1b\n"
	/* FP_FLAG_FAILSAFE: no int3, for no tracer may be there to catch it;
	 * wait for room yielding the CPU (sched_yield clobbers rcx and r11),
	 * and once FP_STALL_LIMIT waits have passed with no drain (the
	 * tracer is gone, or far behind), stop recording for good */
	"3:	mov %rax, %r8\n"
	"	mov %r11, %r10\n"
	"	mov $24, %eax\n"
	"	syscall\n"
	"	mov %r10, %r11\n"
	"	testb $1, 40(%r11)\n"
	"	jnz 9f\n"
	/* the tracer's last look at the ring (TSC at 200), against the
	 * ticks it allowed (120); signed: another CPU's TSC may run ahead */
	"	rdtsc\n"
	"	shl $32, %rdx\n"
	"	or %rdx, %rax\n"
	"	sub 200(%r11), %rax\n"
	"	cmp 120(%r11), %rax\n"
	"	mov %r8, %rax\n"
	"	jl 1b\n"
	"	lock orq $1, 40(%r11)\n"
	"	jmp 9f\n"
	"2:	mov %rax, %r8\n"
	"	and 24(%r11), %rax\n"
	"	mov 12(%r11), %ecx\n"
	"	imul %rcx, %rax\n"
	"	lea 256(%r11,%rax), %r10\n"
	/* the lines of the slot FP_PREFETCHW_AHEAD claims on, for writing */
	"	testb $16, 40(%r11)\n"
	"	jz 10f\n"
	"	lea " PREFETCHW_AHEAD_ASM "(%r8), %rax\n"
	"	and 24(%r11), %rax\n"
	"	imul %rcx, %rax\n"
	"	prefetchw 256(%r11,%rax)\n"
	"	prefetchw 320(%r11,%rax)\n"
	"	prefetchw 384(%r11,%rax)\n"
	"10:\n"
	"	movl $0x7fff0000, 8(%r10)\n"
	"fp_tpl_\\sfx\\()_op:\n"
	"	mov %fs:0x2d0, %ecx\n"
	"fp_tpl_\\sfx\\()_tid:\n"
	"	mov %ecx, 12(%r10)\n"
	"	mov %fs:0, %rcx\n"
	"	mov %rcx, 72(%r10)\n"
	".endm\n"

	/* Entry record.  Saves every argument/scratch register.  base: bytes
	 * the template pushed below the entry rsp before it; keep: leave the
	 * record unpublished and put its index + 1 in the word just below the
	 * entry rsp (FP_CALL1 publishes it at the return); a record not
	 * claimed leaves that word alone. */
	".macro FP_ENTRY sfx, base=0, keep=0\n"
	"	endbr64\n"
	"	push %rax\n"
	"	push %rcx\n"
	"	push %rdx\n"
	"	push %rsi\n"
	"	push %rdi\n"
	"	push %r8\n"
	"	push %r9\n"
	"	push %r10\n"
	"	push %r11\n"
	"	movabs $0x1122334455667788, %r11\n"
	"fp_tpl_\\sfx\\()_ring:\n"
	"	testb $1, 40(%r11)\n"
	"	jnz 9f\n"
	"	FP_CLAIM \\sfx\n"
	"	mov 32(%rsp), %rcx\n"
	"	mov %rcx, 24(%r10)\n"
	"	mov 40(%rsp), %rcx\n"
	"	mov %rcx, 32(%r10)\n"
	"	mov 48(%rsp), %rcx\n"
	"	mov %rcx, 40(%r10)\n"
	"	movq $0, 48(%r10)\n"
	"	lea 72+\\base(%rsp), %rsi\n"
	"	mov %rsi, 64(%r10)\n"
	"	mov (%rsi), %rcx\n"
	"	mov %rcx, 56(%r10)\n"
	"	movl $0, 20(%r10)\n"
	/* the window of stack the unwinder may read: [rsp, rsp + stack
	 * bytes), no further than stack_end when it starts below it (unsigned:
	 * a window above it, or stack_end 0, is left alone) */
	"	mov 32(%r11), %rcx\n"
	"	mov 56(%r11), %rdx\n"
	"	sub %rsi, %rdx\n"
	"	shr $3, %rdx\n"
	"	cmp %rdx, %rcx\n"
	"	cmova %rdx, %rcx\n"
	"	mov %rcx, %r9\n"
	"	cmpq $0, 80(%r11)\n"
	"	je 20f\n"
	/* The walk (see fastpath.h: the rule table).  rax pc, rsi sp, rdx
	 * rbp, rcx frames, rdi out, r14 key, r12 table, r13 window end.
	 * The pushes are where the learn trap's tracer finds the entry's
	 * registers (fastpath.h, enum fp_learn_saved). */
	"	push %rbx\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"	mov 72(%r11), %r12\n"
	"	add %r11, %r12\n"
	/* the walk's window: walk_qwords, clipped at stack_end as above */
	"	mov 112(%r11), %r13\n"
	"	cmp %rdx, %r13\n"
	"	cmova %rdx, %r13\n"
	"	lea (%rsi,%r13,8), %r13\n"
	"	movabs $0x1122334455667788, %rax\n"
	"fp_tpl_\\sfx\\()_func:\n"
	"	mov %rax, %r14\n"
	"	mov %rbp, %rdx\n"
	"	lea 80(%r10), %rdi\n"
	"	xor %ecx, %ecx\n"
	"11:	mov %rax, (%rdi)\n"
	"	mov %rsi, 8(%rdi)\n"
	"	add $16, %rdi\n"
	"	inc %ecx\n"
	"	cmp 80(%r11), %rcx\n"
	"	jae 18f\n"
	/* key 0 (a return address of 1) is an empty slot's: no rule */
	"	test %r14, %r14\n"
	"	jz 19f\n"
	"	mov %r14, %r9\n"
	"	imul 88(%r11), %r9\n"
	"	shr $" RULE_SHIFT_ASM ", %r9\n"
	"12:	mov %r9, %rbx\n"
	"	shl $4, %rbx\n"
	"	add %r12, %rbx\n"
	"	mov (%rbx), %r15\n"
	"	cmp %r14, %r15\n"
	"	je 13f\n"
	"	test %r15, %r15\n"
	"	jz 19f\n" /* no rule: copy the stack instead */
	"	inc %r9\n"
	"	and $" RULE_MASK_ASM ", %r9\n"
	"	jmp 12b\n"
	"13:	mov 8(%rbx), %rbx\n"
	"	mov %rbx, %r15\n"
	"	shr $48, %r15\n"
	"	test $4, %r15b\n"
	"	jnz 18f\n"
	"	test $8, %r15b\n"
	"	jnz 24f\n"
	"	movslq %ebx, %r9\n"
	"	test $1, %r15b\n"
	"	jz 14f\n"
	"	add %rdx, %r9\n"
	"	jmp 15f\n"
	"14:	add %rsi, %r9\n"
	/* r9 = CFA.  The return address at CFA - 8, if in the window */
	"15:	lea -8(%r9), %rax\n"
	"	cmp 64(%r10), %rax\n"
	"	jb 18f\n"
	"	cmp %r13, %r9\n"
	"	ja 18f\n"
	"	cmp %rax, %r9\n"
	"	jb 18f\n"
	"fp_tpl_\\sfx\\()_wra:\n"
	"	mov (%rax), %rax\n"
	"	test $2, %r15b\n"
	"	jz 17f\n"
	/* the caller's rbp at CFA + rbp_off: out of the window, the
	 * unwinder hands the stack to libdwfl, so copy it */
	"	shr $32, %rbx\n"
	"	movswq %bx, %rbx\n"
	"	add %r9, %rbx\n"
	"	cmp 64(%r10), %rbx\n"
	"	jb 19f\n"
	"	lea 8(%rbx), %r15\n"
	"	cmp %rbx, %r15\n"
	"	jb 19f\n"
	"	cmp %r13, %r15\n"
	"	ja 19f\n"
	"fp_tpl_\\sfx\\()_wbp:\n"
	"	mov (%rbx), %rdx\n"
	"17:	test %rax, %rax\n"
	"	jz 18f\n"
	"	mov %r9, %rsi\n"
	"	lea -1(%rax), %r14\n"
	"	jmp 11b\n"
	"fp_tpl_\\sfx\\()_wdone:\n"
	"18:	mov %ecx, 20(%r10)\n"
	"	movl $0, 16(%r10)\n"
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbx\n"
	"	jmp 21f\n"
	"fp_tpl_\\sfx\\()_wcopy:\n"
	/* frame k = ecx - 1 has no rule (or its saved rbp is out of reach):
	 * k >= 1, the frames so far, frame k's rbp after them, and the copy
	 * from frame k's sp (rsi); k = 0, the copy from the entry */
	"19:	testb $8, 40(%r11)\n"
	"	jz 24f\n"
	/* ... unless a copy from here reaches the end of the window (the
	 * stack's end, on the main thread): the copy then holds it all */
	"	mov %r13, %r9\n"
	"	sub %rsi, %r9\n"
	"	shr $3, %r9\n"
	"	cmp 32(%r11), %r9\n"
	"	jbe 24f\n"
	/* FP_FLAG_LEARN: the tracer unwinds the live stack, writes the
	 * frames and nframes into the record (r10), teaches the rules, and
	 * resumes at _learned */
	"	mov %ecx, 20(%r10)\n"
	"fp_tpl_\\sfx\\()_learn:\n"
	"	int3\n"
	"fp_tpl_\\sfx\\()_learned:\n"
	"	movl $0, 16(%r10)\n"
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbx\n"
	"	jmp 21f\n"
	"24:	cmp $2, %ecx\n"
	"	jb 22f\n"
	"	mov %rdx, (%rdi)\n"
	"	mov %ecx, 20(%r10)\n"
	"	jmp 23f\n"
	"22:	mov 64(%r10), %rsi\n"
	"23:	mov %r13, %r9\n"
	"	sub %rsi, %r9\n"
	"	shr $3, %r9\n"
	"	mov 32(%r11), %rcx\n"
	"	cmp %rcx, %r9\n"
	"	cmova %rcx, %r9\n"
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbx\n"
	/* the copy goes to this slot's place in the copy area, with the
	 * callee-saved registers the tracer's unwinder starts from */
	"20:	mov %rbx, 976(%r10)\n"
	"	mov %rbp, 984(%r10)\n"
	"	mov %r12, 992(%r10)\n"
	"	mov %r13, 1000(%r10)\n"
	"	mov %r14, 1008(%r10)\n"
	"	mov %r15, 1016(%r10)\n"
	"	mov %r8, %rdi\n"
	"	and 24(%r11), %rdi\n"
	"	imul 32(%r11), %rdi\n"
	"	shl $3, %rdi\n"
	"	add 104(%r11), %rdi\n"
	"	add %r11, %rdi\n"
	"	mov %r9, %rcx\n"
	"fp_tpl_\\sfx\\()_copy:\n"
	"	rep movsq\n"
	"fp_tpl_\\sfx\\()_copied:\n"
	/* fast-string stores are not ordered among themselves: fence them
	 * before the publishing store */
	"	sfence\n"
	"	mov %r9, %rdx\n"
	"	sub %rcx, %rdx\n"
	"	shl $3, %edx\n"
	"	mov %edx, 16(%r10)\n"
	"21:\n"
	"	inc %r8\n"
	"	.if \\keep\n"
	"	mov %r8, 64+\\base(%rsp)\n"
	"	.else\n"
	"	mov %r8, (%r10)\n"
	"	.endif\n"
	"9:	pop %r11\n"
	"	pop %r10\n"
	"	pop %r9\n"
	"	pop %r8\n"
	"	pop %rdi\n"
	"	pop %rsi\n"
	"	pop %rdx\n"
	"	pop %rcx\n"
	"	pop %rax\n"
	".endm\n"

	/* FREE and MARKER: entry record, then the original. */
	".globl fp_tpl_jmp_start\n .hidden fp_tpl_jmp_start\n"
	"fp_tpl_jmp_start:\n"
	"	FP_ENTRY jmp_e\n"
	"	jmp .Lfp_jmp_end\n"
	".globl fp_tpl_jmp_end\n .hidden fp_tpl_jmp_end\n"
	"fp_tpl_jmp_end:\n"
	".Lfp_jmp_end:\n"

	/* The checks on a pointer glibc's free would be given (rdi, not 0):
	 * a suspect one jumps to fp_tpl_\sfx\()_check; detached, straight to
	 * \end, the original.  rax and rdx are scratch. */
	".macro FP_CHECKS sfx, end\n"
	"	movabs $0x1122334455667788, %rdx\n"
	".globl fp_tpl_\\sfx\\()_ring0\n .hidden fp_tpl_\\sfx\\()_ring0\n"
	"fp_tpl_\\sfx\\()_ring0:\n"
	"	testb $1, 40(%rdx)\n"
	"	jnz \\end\n"
	"	test $15, %dil\n"
	"	jnz fp_tpl_\\sfx\\()_check\n"
	".globl fp_tpl_\\sfx\\()_load\n .hidden fp_tpl_\\sfx\\()_load\n"
	"fp_tpl_\\sfx\\()_load:\n"
	"	mov -8(%rdi), %rax\n"
	"	test $2, %al\n"
	"	jnz fp_tpl_\\sfx\\()_check\n"
	"	and $-8, %rax\n"
	"	cmp $32, %rax\n"
	"	jb fp_tpl_\\sfx\\()_check\n"
	"	movabs $0x1122334455667788, %rdx\n"
	".globl fp_tpl_\\sfx\\()_key\n .hidden fp_tpl_\\sfx\\()_key\n"
	"fp_tpl_\\sfx\\()_key:\n"
	"	mov (%rdx), %rdx\n"
	".globl fp_tpl_\\sfx\\()_key2\n .hidden fp_tpl_\\sfx\\()_key2\n"
	"fp_tpl_\\sfx\\()_key2:\n"
	"	cmp %rdx, 8(%rdi)\n"
	"	je fp_tpl_\\sfx\\()_check\n"
	".globl fp_tpl_\\sfx\\()_next\n .hidden fp_tpl_\\sfx\\()_next\n"
	"fp_tpl_\\sfx\\()_next:\n"
	"	testb $1, -8(%rdi,%rax)\n"
	"	jz fp_tpl_\\sfx\\()_check\n"
	".endm\n"

	/* The zero fill of FP_CALL and FP_CALL1 (see FP_CALL), after the
	 * original returned and rax and rdx were pushed: the new block in rax,
	 * rax again at 8(%rsp), for fill 2 the bytes to keep at 16(%rsp).
	 * Clobbers rcx and rdi. */
	".macro FP_FILL sfx, fill\n"
	"	mov $0x11223344, %ecx\n"
	".globl fp_tpl_\\sfx\\()_fill\n .hidden fp_tpl_\\sfx\\()_fill\n"
	"fp_tpl_\\sfx\\()_fill:\n"
	"	test %ecx, %ecx\n"
	"	jz 8f\n"
	"	test %rax, %rax\n"
	"	jz 8f\n"
	"	mov -8(%rax), %rcx\n"
	"	test $2, %cl\n"
	"	jnz 8f\n"
	"	and $-8, %rcx\n"
	"	sub $8, %rcx\n"
	".if \\fill == 2\n"
	"	mov 16(%rsp), %rdi\n"
	"	cmp %rdi, %rcx\n"
	"	jbe 8f\n"
	"	sub %rdi, %rcx\n"
	"	add %rax, %rdi\n"
	".else\n"
	"	jbe 8f\n"
	"	mov %rax, %rdi\n"
	".endif\n"
	"	cmp $" ZERO_MAX_ASM ", %rcx\n"
	"	ja 8f\n"
	"	xor %eax, %eax\n"
	"	rep stosb\n"
	"	mov 8(%rsp), %rax\n"
	"8:\n"
	".endm\n"

	/* Entry record, the original called (\end), return record.  With
	 * fill, a new block of glibc's malloc is zeroed first when the patched
	 * flag (fp_tpl_\sfx\()_fill) says so: its usable bytes, from the chunk
	 * header before it, unless the chunk is mmapped (fresh pages, zero
	 * already).  Stale pointers an earlier owner left there then keep
	 * nothing alive, as memcheck, which sees those bytes as undefined,
	 * never counts them.  fill 2 (realloc): only the bytes past both the
	 * old chunk's usable size and the new size asked (rsi), which the
	 * entry keeps in the alignment slot: what realloc adds, and the slack
	 * past the new size, where glibc may have copied or kept old bytes
	 * memcheck does not copy.  The old usable size is taken a little large
	 * for an mmapped chunk, so that nothing the program wrote is zeroed.
	 * rep stosb clobbers rdi and rcx only; rax is reloaded. */
	".macro FP_CALL sfx, end, fill\n"
	"	FP_ENTRY \\sfx\\()_e\n"
	"	sub $8, %rsp\n" /* rsp was 8 mod 16, as at any entry */
	".if \\fill == 2\n"
	"	push %rax\n"
	"	xor %eax, %eax\n"
	"	test %rdi, %rdi\n"
	"	jz 7f\n"
	"	mov -8(%rdi), %rax\n"
	"	and $-8, %rax\n"
	"	sub $8, %rax\n"
	"	cmp %rsi, %rax\n"
	"	cmova %rsi, %rax\n"
	"7:	mov %rax, 8(%rsp)\n"
	"	pop %rax\n"
	".endif\n"
	"	call \\end\n"
	".globl fp_tpl_\\sfx\\()_ret\n .hidden fp_tpl_\\sfx\\()_ret\n"
	"fp_tpl_\\sfx\\()_ret:\n"
	"	push %rax\n"
	"	push %rdx\n"
	"	movabs $0x1122334455667788, %r11\n"
	"fp_tpl_\\sfx\\()_r_ring:\n"
	"	testb $1, 40(%r11)\n"
	"	jnz 9f\n"
	".if \\fill\n"
	"	FP_FILL \\sfx, \\fill\n"
	".endif\n"
	"	FP_CLAIM \\sfx\\()_r\n"
	"	movq $0, 16(%r10)\n"
	"	xor %ecx, %ecx\n"
	"	mov %rcx, 24(%r10)\n"
	"	mov %rcx, 32(%r10)\n"
	"	mov %rcx, 40(%r10)\n"
	"	mov 8(%rsp), %rcx\n"
	"	mov %rcx, 48(%r10)\n"
	"	lea 24(%rsp), %rcx\n"
	"	mov %rcx, 64(%r10)\n"
	"	mov (%rcx), %rcx\n"
	"	mov %rcx, 56(%r10)\n"
	"	inc %r8\n"
	"	mov %r8, (%r10)\n"
	"9:	pop %rdx\n"
	"	pop %rax\n"
	"	add $8, %rsp\n"
	"	ret\n"
	".endm\n"

	/* Entry, the original called (\\end), and the return in the entry's
	 * record (rax, and the ring's head then in place of tp): one record per
	 * call.  The slot under the entry rsp holds the
	 * record's index + 1 across the call (0: none claimed).  A record the
	 * tracer gave up meanwhile (index below drained: see fastpath.h's
	 * abandoned records) is not published. */
	".macro FP_CALL1 sfx, end\n"
	"	sub $8, %rsp\n" /* rsp was 8 mod 16, as at any entry */
	"	movq $0, (%rsp)\n"
	"	FP_ENTRY \\sfx\\()_e, 8, 1\n"
	"	call \\end\n"
	".globl fp_tpl_\\sfx\\()_ret\n .hidden fp_tpl_\\sfx\\()_ret\n"
	"fp_tpl_\\sfx\\()_ret:\n"
	"	push %rax\n"
	"	push %rdx\n"
	"	mov 16(%rsp), %r8\n"
	"	test %r8, %r8\n"
	"	jz 9f\n"
	"	movabs $0x1122334455667788, %r11\n"
	"fp_tpl_\\sfx\\()_r_ring:\n"
	"	testb $1, 40(%r11)\n"
	"	jnz 9f\n"
	"	FP_FILL \\sfx, 1\n"
	"	lea -1(%r8), %rax\n"
	"	cmp 192(%r11), %rax\n"
	"	jb 9f\n"
	"	and 24(%r11), %rax\n"
	"	mov 12(%r11), %ecx\n"
	"	imul %rcx, %rax\n"
	"	lea 256(%r11,%rax), %r10\n"
	"	mov 8(%rsp), %rcx\n"
	"	mov %rcx, 48(%r10)\n"
	"	mov 128(%r11), %rcx\n"
	"	mov %rcx, 72(%r10)\n"
	"	mov %r8, (%r10)\n"
	"9:	pop %rdx\n"
	"	pop %rax\n"
	"	add $8, %rsp\n"
	"	ret\n"
	".endm\n"

	/* FREE_CHECKED: a free glibc might abort on traps to the tracer, which
	 * judges it as a breakpoint would and either returns from free for the
	 * program or resumes after the int3; any other free is recorded and goes
	 * on.  Suspect: a misaligned pointer, a chunk size below 32 or marked
	 * mmapped, glibc's tcache_key in the chunk (it sits in the tcache), or
	 * the next chunk's PREV_INUSE clear.  The three loads (the chunk's
	 * header, the word after the pointer, the next chunk's header) may
	 * fault on a wild pointer; the tracer takes that fault for the same
	 * trap. */
	".globl fp_tpl_free_start\n .hidden fp_tpl_free_start\n"
	"fp_tpl_free_start:\n"
	"	test %rdi, %rdi\n"
	"	jz .Lfp_free_end\n"
	"	FP_CHECKS free, .Lfp_free_end\n"
	"	FP_ENTRY free_e\n"
	/* the hold-back (fp_ring_set_hold): rax is the chunk's size, rdx
	 * glibc's tcache_key, from the checks; rcx is kept.  The count is
	 * moved without a lock: two threads that take the same slot at once
	 * only shorten a hold, the xchg still hands each chunk out once */
	"	push %rcx\n"
	"	movabs $0x1122334455667788, %rcx\n"
	".globl fp_tpl_free_hold\n .hidden fp_tpl_free_hold\n"
	"fp_tpl_free_hold:\n"
	"	testb $1, 40(%rcx)\n"
	"	jnz 2f\n"
	"	cmp 168(%rcx), %rax\n"
	"	jbe 3f\n"
	"	cmp 184(%rcx), %rax\n"
	"	ja 2f\n"
	"	mov %rdx, 8(%rdi)\n"
	"	mov 152(%rcx), %rdx\n"
	"	add 176(%rcx), %rcx\n"
	"	add $" HOLD_BYTES_ASM ", %rcx\n"
	"	jmp 4f\n"
	"3:	mov %rdx, 8(%rdi)\n"
	"	mov 160(%rcx), %rdx\n"
	"	add 176(%rcx), %rcx\n"
	"4:\n"
	"	mov (%rcx), %rax\n"
	"	inc %rax\n"
	"	mov %rax, (%rcx)\n"
	"	and %rdx, %rax\n"
	"	lea 64(%rcx,%rax,8), %rax\n"
	"	pop %rcx\n"
	"	xchg %rdi, (%rax)\n"
	"	test %rdi, %rdi\n"
	"	jz 1f\n"
	"	movq $0, 8(%rdi)\n"
	"	jmp .Lfp_free_end\n"
	"1:	ret\n"
	"2:	pop %rcx\n"
	"	jmp .Lfp_free_end\n"
	".globl fp_tpl_free_check\n .hidden fp_tpl_free_check\n"
	"fp_tpl_free_check:\n"
	"	int3\n"
	"	jmp .Lfp_free_end\n"
	".globl fp_tpl_free_end\n .hidden fp_tpl_free_end\n"
	"fp_tpl_free_end:\n"
	".Lfp_free_end:\n"

	/* ALLOC: entry, call the original, the return in the same record. */
	".globl fp_tpl_call_start\n .hidden fp_tpl_call_start\n"
	"fp_tpl_call_start:\n"
	"	FP_CALL1 call, .Lfp_call_end\n"
	".globl fp_tpl_call_end\n .hidden fp_tpl_call_end\n"
	"fp_tpl_call_end:\n"
	".Lfp_call_end:\n"

	/* REALLOC (unchecked): entry record, call the original, return record. */
	".globl fp_tpl_call2_start\n .hidden fp_tpl_call2_start\n"
	"fp_tpl_call2_start:\n"
	"	FP_CALL call2, .Lfp_call2_end, 0\n"
	".globl fp_tpl_call2_end\n .hidden fp_tpl_call2_end\n"
	"fp_tpl_call2_end:\n"
	".Lfp_call2_end:\n"

	/* REALLOC_CHECKED: realloc (rdi old block, rsi size; rdx is scratch).
	 * realloc(NULL, n), and a realloc whose old block passes free's checks,
	 * are recorded as ALLOC is; a suspect old block traps as free does, and
	 * the tracer takes the call as at a breakpoint, its return included. */
	".globl fp_tpl_realloc_start\n .hidden fp_tpl_realloc_start\n"
	"fp_tpl_realloc_start:\n"
	"	test %rdi, %rdi\n"
	"	jz .Lfp_realloc_rec\n"
	"	FP_CHECKS realloc, .Lfp_realloc_end\n"
	".Lfp_realloc_rec:\n"
	"	FP_CALL realloc, .Lfp_realloc_end, 2\n"
	".globl fp_tpl_realloc_check\n .hidden fp_tpl_realloc_check\n"
	"fp_tpl_realloc_check:\n"
	"	int3\n"
	"	jmp .Lfp_realloc_end\n"
	".globl fp_tpl_realloc_end\n .hidden fp_tpl_realloc_end\n"
	"fp_tpl_realloc_end:\n"
	".Lfp_realloc_end:\n"
	".purgem FP_CALL1\n .purgem FP_CALL\n .purgem FP_FILL\n .purgem FP_CHECKS\n .purgem "
	"FP_ENTRY\n .purgem "
	"FP_CLAIM\n"
	".previous\n");

#define TPL_SYM(name) extern const uint8_t name[] __attribute__((visibility("hidden")))
/* The labels of one template, p: its bounds; FP_ENTRY's (p_e_*); FP_CALL's
 * return part (p_r_*, p_ret), FP_CALL1's (p_r_ring, p_ret); FP_CHECKS' (p_*). */
#define TPL_BOUNDS(p)                                                                              \
	TPL_SYM(fp_tpl_##p##_start);                                                               \
	TPL_SYM(fp_tpl_##p##_end)
#define TPL_ENTRY_SYMS(p)                                                                          \
	TPL_SYM(fp_tpl_##p##_e_ring);                                                              \
	TPL_SYM(fp_tpl_##p##_e_trap);                                                              \
	TPL_SYM(fp_tpl_##p##_e_op);                                                                \
	TPL_SYM(fp_tpl_##p##_e_tid);                                                               \
	TPL_SYM(fp_tpl_##p##_e_copy);                                                              \
	TPL_SYM(fp_tpl_##p##_e_copied);                                                            \
	TPL_SYM(fp_tpl_##p##_e_func);                                                              \
	TPL_SYM(fp_tpl_##p##_e_wra);                                                               \
	TPL_SYM(fp_tpl_##p##_e_wbp);                                                               \
	TPL_SYM(fp_tpl_##p##_e_wdone);                                                             \
	TPL_SYM(fp_tpl_##p##_e_wcopy);                                                             \
	TPL_SYM(fp_tpl_##p##_e_learn);                                                             \
	TPL_SYM(fp_tpl_##p##_e_learned)
#define TPL_RETURN_SYMS(p)                                                                         \
	TPL_SYM(fp_tpl_##p##_ret);                                                                 \
	TPL_SYM(fp_tpl_##p##_r_ring);                                                              \
	TPL_SYM(fp_tpl_##p##_r_trap);                                                              \
	TPL_SYM(fp_tpl_##p##_r_op);                                                                \
	TPL_SYM(fp_tpl_##p##_r_tid)
#define TPL_CALL1_SYMS(p)                                                                          \
	TPL_SYM(fp_tpl_##p##_ret);                                                                 \
	TPL_SYM(fp_tpl_##p##_r_ring)
#define TPL_CHECK_SYMS(p)                                                                          \
	TPL_SYM(fp_tpl_##p##_ring0);                                                               \
	TPL_SYM(fp_tpl_##p##_load);                                                                \
	TPL_SYM(fp_tpl_##p##_key);                                                                 \
	TPL_SYM(fp_tpl_##p##_key2);                                                                \
	TPL_SYM(fp_tpl_##p##_next);                                                                \
	TPL_SYM(fp_tpl_##p##_check)

TPL_BOUNDS(jmp);
TPL_ENTRY_SYMS(jmp);
TPL_BOUNDS(free);
TPL_ENTRY_SYMS(free);
TPL_CHECK_SYMS(free);
TPL_SYM(fp_tpl_free_hold);
TPL_BOUNDS(call);
TPL_ENTRY_SYMS(call);
TPL_CALL1_SYMS(call);
TPL_BOUNDS(call2);
TPL_ENTRY_SYMS(call2);
TPL_RETURN_SYMS(call2);
TPL_SYM(fp_tpl_call_fill);
TPL_SYM(fp_tpl_realloc_fill);
TPL_BOUNDS(realloc);
TPL_ENTRY_SYMS(realloc);
TPL_RETURN_SYMS(realloc);
TPL_CHECK_SYMS(realloc);

/* A template's patch points, as offsets from its start (0 = none). */
struct tpl {
	const uint8_t *start, *end;
	size_t ring[2], trap[2], op[2], tid[2], copy, copied, call_ret;
	size_t ring_ret;		   /* FP_CALL1: the return part's ring address */
	bool one_call;			   /* FP_CALL1: the entry's record is the call's */
	size_t func, wload[2], wresume[2]; /* the walk */
	size_t learn, learned;		   /* FP_FLAG_LEARN's trap */
	size_t key, check, load[3], ring0; /* FP_FREE_CHECKED, FP_REALLOC_CHECKED */
	size_t hold;			   /* FP_FREE_CHECKED: the hold-back's ring */
	size_t fill;			   /* FP_ALLOC, FP_REALLOC_CHECKED: zero-fill flag */
};

/* Offsets of the template labels.  They are addresses within one assembled
 * region, but to C each is an object of its own: subtracting the pointers
 * would be undefined, subtracting the addresses is not. */
#define OFF(label) ((size_t)((uintptr_t)(label) - (uintptr_t)s))

/* The fields of struct tpl each part of a template fills. */
#define TPL_ENTRY(p)                                                                               \
	.start = s, .end = fp_tpl_##p##_end, .copy = OFF(fp_tpl_##p##_e_copy),                     \
	.copied = OFF(fp_tpl_##p##_e_copied), .func = OFF(fp_tpl_##p##_e_func),                    \
	.wload = { OFF(fp_tpl_##p##_e_wra), OFF(fp_tpl_##p##_e_wbp) },                             \
	.wresume = { OFF(fp_tpl_##p##_e_wdone), OFF(fp_tpl_##p##_e_wcopy) },                       \
	.learn = OFF(fp_tpl_##p##_e_learn), .learned = OFF(fp_tpl_##p##_e_learned)
#define TPL_RECORDS(p, ret_ring, ret_trap, ret_op, ret_tid)                                        \
	.ring = { OFF(fp_tpl_##p##_e_ring), ret_ring },                                            \
	.trap = { OFF(fp_tpl_##p##_e_trap), ret_trap }, .op = { OFF(fp_tpl_##p##_e_op), ret_op },  \
	.tid = { OFF(fp_tpl_##p##_e_tid), ret_tid }
#define TPL_ONE_RECORD(p) TPL_RECORDS(p, 0, 0, 0, 0)
#define TPL_TWO_RECORDS(p)                                                                         \
	TPL_RECORDS(p, OFF(fp_tpl_##p##_r_ring), OFF(fp_tpl_##p##_r_trap), OFF(fp_tpl_##p##_r_op), \
		    OFF(fp_tpl_##p##_r_tid)),                                                      \
	    .call_ret = OFF(fp_tpl_##p##_ret)
#define TPL_ONE_CALL(p)                                                                            \
	TPL_RECORDS(p, 0, 0, 0, 0), .call_ret = OFF(fp_tpl_##p##_ret),                             \
				    .ring_ret = OFF(fp_tpl_##p##_r_ring), .one_call = true
#define TPL_CHECKS(p)                                                                              \
	.key = OFF(fp_tpl_##p##_key), .check = OFF(fp_tpl_##p##_check),                            \
	.load = { OFF(fp_tpl_##p##_load), OFF(fp_tpl_##p##_next), OFF(fp_tpl_##p##_key2) },        \
	.ring0 = OFF(fp_tpl_##p##_ring0)

static void tpl_get(enum fp_kind kind, struct tpl *t)
{
	const uint8_t *s;

	switch (kind) {
	case FP_ALLOC:
		s = fp_tpl_call_start;
		*t = (struct tpl){ TPL_ENTRY(call), TPL_ONE_CALL(call),
				   .fill = OFF(fp_tpl_call_fill) };
		break;
	case FP_REALLOC:
		s = fp_tpl_call2_start;
		/* no fill: its entry would read the old chunk's header before
		 * glibc has looked at the pointer (unchecked, in -p) */
		*t = (struct tpl){ TPL_ENTRY(call2), TPL_TWO_RECORDS(call2) };
		break;
	case FP_REALLOC_CHECKED:
		s = fp_tpl_realloc_start;
		*t = (struct tpl){ TPL_ENTRY(realloc), TPL_TWO_RECORDS(realloc),
				   TPL_CHECKS(realloc), .fill = OFF(fp_tpl_realloc_fill) };
		break;
	case FP_FREE_CHECKED:
		s = fp_tpl_free_start;
		*t = (struct tpl){ TPL_ENTRY(free), TPL_ONE_RECORD(free), TPL_CHECKS(free),
				   .hold = OFF(fp_tpl_free_hold) };
		break;
	default:
		s = fp_tpl_jmp_start;
		*t = (struct tpl){ TPL_ENTRY(jmp), TPL_ONE_RECORD(jmp) };
		break;
	}
}

/* ---- ring ---- */

size_t fp_rec_size(uint32_t stack_bytes)
{
	(void)stack_bytes;
	return sizeof(struct fp_rec);
}

static size_t copy_size(uint32_t stack_bytes)
{
	return ((size_t)stack_bytes + 7) & ~(size_t)7;
}

size_t fp_ring_size(uint64_t capacity, uint32_t stack_bytes)
{
	return sizeof(struct fp_ring_hdr) +
	       capacity * (fp_rec_size(stack_bytes) + copy_size(stack_bytes)) +
	       FP_RULES * sizeof(struct fp_rule) + FP_HOLD_BYTES + FP_HOLD_BIG_BYTES;
}

const uint8_t *fp_ring_copy(const void *buf, uint64_t i)
{
	const struct fp_ring_hdr *h = buf;

	return (const uint8_t *)buf + h->copy_off + (i & h->mask) * h->stack_qwords * 8;
}

int fp_ring_init(void *buf, uint64_t capacity, uint32_t stack_bytes)
{
	if (!capacity || (capacity & (capacity - 1)))
		return -EINVAL;
	memset(buf, 0, fp_ring_size(capacity, stack_bytes));
	return fp_ring_init_zeroed(buf, capacity, stack_bytes);
}

int fp_ring_init_zeroed(void *buf, uint64_t capacity, uint32_t stack_bytes)
{
	struct fp_ring_hdr *h = buf;

	if (!capacity || (capacity & (capacity - 1)))
		return -EINVAL;
	h->magic = FP_RING_MAGIC;
	h->version = FP_RING_VERSION;
	h->walk_qwords = FP_WALK_BYTES / 8;
	h->rec_size = (uint32_t)fp_rec_size(stack_bytes);
	h->capacity = capacity;
	h->mask = capacity - 1;
	h->stack_qwords = ((uint64_t)stack_bytes + 7) / 8;
	h->copy_off = sizeof *h + capacity * h->rec_size;
	h->rules_off = h->copy_off + capacity * copy_size(stack_bytes);
	h->rule_hash = FP_RULE_HASH;
	h->hold_off = h->rules_off + FP_RULES * sizeof(struct fp_rule);
	h->wait_ts[0] = 0;
	h->wait_ts[1] = FP_WAIT_NS;
	return 0;
}

void fp_ring_set_walk(void *buf, uint64_t max_frames)
{
	struct fp_ring_hdr *h = buf;

	if (max_frames > FP_MAX_WALK)
		max_frames = 0;
	__atomic_store_n(&h->max_frames, max_frames, __ATOMIC_RELEASE);
}

void fp_ring_set_hold(void *buf, unsigned tier, uint64_t n, uint64_t cap)
{
	struct fp_ring_hdr *h = buf;
	uint64_t max = tier ? FP_HOLD_BIG_MAX : FP_HOLD_MAX;

	if (!n || n > max || (n & (n - 1)))
		n = 0;
	if (tier) {
		h->hold_big_mask = n ? n - 1 : 0;
		__atomic_store_n(&h->hold_big_cap, n ? cap : 0, __ATOMIC_RELEASE);
	} else {
		h->hold_mask = n ? n - 1 : 0;
		__atomic_store_n(&h->hold_cap, n ? cap : 0, __ATOMIC_RELEASE);
	}
}

void fp_ring_set_walk_span(void *buf, uint64_t bytes)
{
	struct fp_ring_hdr *h = buf;

	__atomic_store_n(&h->walk_qwords, bytes / 8, __ATOMIC_RELEASE);
}

static struct fp_rule *rules_of(void *buf)
{
	struct fp_ring_hdr *h = buf;

	return (struct fp_rule *)((uint8_t *)buf + h->rules_off);
}

bool fp_rule_teach(void *buf, const struct fp_rule *r)
{
	struct fp_ring_hdr *h = buf;
	struct fp_rule *t = rules_of(buf);

	if (!r->key)
		return false;
	size_t i = (size_t)((r->key * FP_RULE_HASH) >> (64 - FP_RULE_BITS)) & (FP_RULES - 1);
	for (;; i = (i + 1) & (FP_RULES - 1)) {
		uint64_t k = __atomic_load_n(&t[i].key, __ATOMIC_RELAXED);
		if (k == r->key)
			return true;
		if (!k)
			break;
	}
	if (h->rules_used >= FP_RULES / 2) /* entries in use */
		return false;
	t[i].cfa_off = r->cfa_off;
	t[i].rbp_off = r->rbp_off;
	t[i].flags = r->flags;
	t[i].pad = 0;
	__atomic_store_n(&t[i].key, r->key, __ATOMIC_RELEASE);
	h->rules_used++;
	return true;
}

void fp_rules_clear(void *buf)
{
	struct fp_ring_hdr *h = buf;
	struct fp_rule *t = rules_of(buf);

	for (size_t i = 0; i < FP_RULES; i++)
		__atomic_store_n(&t[i].key, 0, __ATOMIC_RELEASE);
	h->rules_used = 0;
}

int fp_ring_check(const void *buf, size_t len)
{
	const struct fp_ring_hdr *h = buf;

	if (len < sizeof *h || h->magic != FP_RING_MAGIC || h->version != FP_RING_VERSION ||
	    !h->capacity || (h->capacity & h->mask) || h->mask != h->capacity - 1 ||
	    h->rec_size != fp_rec_size((uint32_t)(h->stack_qwords * 8)) ||
	    h->copy_off != sizeof *h + h->capacity * h->rec_size ||
	    h->rules_off != h->copy_off + h->capacity * h->stack_qwords * 8 ||
	    h->hold_off != h->rules_off + FP_RULES * sizeof(struct fp_rule) ||
	    h->hold_mask >= FP_HOLD_MAX || h->hold_big_mask >= FP_HOLD_BIG_MAX ||
	    len < h->hold_off + FP_HOLD_BYTES + FP_HOLD_BIG_BYTES)
		return -EINVAL;
	return 0;
}

const struct fp_rec *fp_ring_rec(const void *buf, uint64_t i)
{
	const struct fp_ring_hdr *h = buf;

	return (const void *)((const uint8_t *)(h + 1) + (i & h->mask) * h->rec_size);
}

/* the header (seq, arguments, registers) and the first 7 frames */
static inline void prefetch_rec(const void *rec)
{
	for (unsigned k = 0; k < 192; k += 64)
		__builtin_prefetch((const uint8_t *)rec + k, 0, 3);
}

void fp_ring_prefetch(const void *buf, uint64_t i)
{
	prefetch_rec(fp_ring_rec(buf, i));
}

/* The seq word is loaded with acquire: the ring may be live memory (the
 * in-process case, or a mapping shared with the tracer). */
static bool published(const struct fp_ring_hdr *h, uint64_t i)
{
	return __atomic_load_n(&fp_ring_rec(h, i)->seq, __ATOMIC_ACQUIRE) == i + 1;
}

uint64_t fp_ring_published(const void *buf, size_t len, uint64_t from)
{
	const struct fp_ring_hdr *h = buf;
	uint64_t n = 0;

	if (fp_ring_check(buf, len))
		return 0;
	while (n < h->capacity && published(h, from + n))
		n++;
	return n;
}

void fp_ring_wake(struct fp_ring_hdr *h)
{
	/* the futex word is drained's low half: wake every writer asleep on it */
	(void)syscall(SYS_futex, (uint32_t *)&h->drained, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* The store of drained and the look at waiters are ordered (sequentially
 * consistent) against the writer's count of itself and its read of
 * drained: either it sees the room we made, or we see it waiting. */
static void consumer_advance(struct fp_consumer *c, uint64_t head)
{
	struct fp_ring_hdr *h = c->ring;

	while (c->next < head && c->done[c->next & h->mask] == c->next + 1)
		c->next++;
	__atomic_store_n(&h->drained, c->next, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&h->waiters, __ATOMIC_SEQ_CST))
		fp_ring_wake(h);
}

/* Hands over record i (r), published and not consumed yet. */
static inline void consume_one(struct fp_consumer *c, const struct fp_rec *r, uint64_t i,
			       fp_rec_fn fn, void *ctx)
{
	fn(r, i, ctx);
	c->done[i & c->ring->mask] = i + 1;
}

/* One pass of fp_consume over the ring.
 *
 * Index order is claim order, and a record's place among the others is
 * where its event happened: a free's is its claim (it is published before
 * glibc frees anything), an FP_CALL record's is its call's return, which it
 * records as ret_head, the ring's head then.  So an FP_CALL record waits
 * until the pass has looked at every index below its ret_head: a free
 * claimed meanwhile by another thread may be of the very block this malloc
 * got back from glibc, and must go first; a free claimed after ret_head
 * cannot be of the block before it.  Records found unpublished (late) are
 * looked at again before a later record is handed over: a record that may
 * depend on one was published after it. */
struct pass {
	struct fp_consumer *c;
	fp_rec_fn fn;
	void *ctx;
	uint64_t n;
	uint64_t limit; /* the window's end: where no record can wait beyond */
	uint64_t late[FP_LATE];
	unsigned nlate;
	struct {
		uint64_t index, at; /* at: its ret_head */
	} wait[FP_LATE];
	unsigned nwait;
};

/* Record i (r), published: handed over, or made to wait while the pass has
 * not looked at every index below its ret_head (pos: the first it has not). */
static inline void pass_take(struct pass *p, const struct fp_rec *r, uint64_t i, uint64_t pos)
{
	/* past the window, claims wait for room until this record is
	 * consumed: their events come after it */
	uint64_t at = r->ret_head < p->limit ? r->ret_head : p->limit;

	if (r->phase == FP_CALL && at > pos && p->nwait < FP_LATE) {
		p->wait[p->nwait].index = i;
		p->wait[p->nwait++].at = at;
		return;
	}
	consume_one(p->c, r, i, p->fn, p->ctx);
	p->n++;
}

/* The waiting records whose place has come (ret_head <= pos), in that
 * order. */
static void pass_release(struct pass *p, uint64_t pos)
{
	while (p->nwait) {
		unsigned best = p->nwait;
		for (unsigned k = 0; k < p->nwait; k++)
			if (p->wait[k].at <= pos &&
			    (best == p->nwait || p->wait[k].at < p->wait[best].at ||
			     (p->wait[k].at == p->wait[best].at &&
			      p->wait[k].index < p->wait[best].index)))
				best = k;
		if (best == p->nwait)
			return;
		uint64_t i = p->wait[best].index;
		consume_one(p->c, fp_ring_rec(p->c->ring, i), i, p->fn, p->ctx);
		p->n++;
		p->wait[best] = p->wait[--p->nwait];
	}
}

/* Late records published since, in index order (pos: as pass_take's). */
static void pass_late(struct pass *p, uint64_t pos)
{
	unsigned keep = 0;

	for (unsigned k = 0; k < p->nlate; k++) {
		if (published(p->c->ring, p->late[k]))
			pass_take(p, fp_ring_rec(p->c->ring, p->late[k]), p->late[k], pos);
		else
			p->late[keep++] = p->late[k];
	}
	p->nlate = keep;
}

uint64_t fp_consume(struct fp_consumer *c, fp_rec_fn fn, void *ctx)
{
	struct fp_ring_hdr *h = c->ring;
	struct pass p = { .c = c, .fn = fn, .ctx = ctx };

	if (!h)
		return 0;
	p.limit = c->next + h->capacity;
	uint64_t head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
	uint64_t end = head - c->next > h->capacity ? c->next + h->capacity : head;
	uint64_t since = 0;
	/* more than half the ring to read: writers may wait for room before
	 * this pass ends.  Otherwise drained is stored once, at its end: each
	 * store takes its line from every writer, whose next claim reads it
	 * (~400 ns there and back where the host puts the two vCPUs far apart;
	 * a million pairs there, 11 runs, 3 series: 69.7-71.1 -> 65.7-67.3 ms) */
	const bool crowded = end - c->next > h->capacity / 2;
	/* the records' addresses computed here once per index (every record
	 * costs the tracer its share of a few hundred instructions) */
	const uint8_t *recs = (const uint8_t *)(h + 1);
	const uint64_t mask = h->mask;
	const size_t rec_size = h->rec_size;
	for (uint64_t i = c->next; i < end; i++) {
		uint64_t slot = i & mask;
		const struct fp_rec *r = (const void *)(recs + slot * rec_size);
		/* the program's CPU has just written these lines: load ahead */
		if (i + FP_PREFETCH < end)
			prefetch_rec(recs + ((i + FP_PREFETCH) & mask) * rec_size);
		if (p.nwait)
			pass_release(&p, i);
		if (c->done[slot] == i + 1)
			continue; /* consumed already */
		if (__atomic_load_n(&r->seq, __ATOMIC_ACQUIRE) != i + 1) {
			/* claimed and not yet published (an FP_CALL record is
			 * published at its call's return) */
			if (p.nlate < FP_LATE)
				p.late[p.nlate++] = i;
			continue;
		}
		if (p.nlate)
			pass_late(&p, i);
		pass_take(&p, r, i, i + 1);
		/* room for the writers now, not at the end of a long pass,
		 * when they may be short of it */
		if (p.n - since >= FP_DRAINED_EVERY && crowded) {
			since = p.n;
			consumer_advance(c, i + 1);
		}
	}
	if (p.nwait)
		pass_release(&p, end);
	uint64_t n = p.n;
	consumer_advance(c, head);
	/* fail-safe stubs give up when the tracer stops looking: say we look,
	 * a few hundred times per allowed stall (not at every call: the line
	 * is the one the writers claim slots on) */
	if (__atomic_load_n(&h->flags, __ATOMIC_RELAXED) & FP_FLAG_FAILSAFE) {
		uint64_t now = __rdtsc();
		if ((int64_t)(now - c->alive_said) > h->stall_ticks / 256) {
			__atomic_store_n(&h->alive_tsc, now, __ATOMIC_RELEASE);
			c->alive_said = now;
		}
	}
	return n;
}

void fp_consume_polling(struct fp_consumer *c, uint64_t polling)
{
	if (c->ring && c->polling != polling) {
		__atomic_store_n(&c->ring->polling, polling, __ATOMIC_SEQ_CST);
		c->polling = polling;
		/* no more drains: a sleeping writer traps instead */
		if (!polling && __atomic_load_n(&c->ring->waiters, __ATOMIC_SEQ_CST))
			fp_ring_wake(c->ring);
	}
}

void fp_consume_give_up(struct fp_consumer *c, uint64_t index)
{
	c->done[index & c->ring->mask] = index + 1;
	consumer_advance(c, __atomic_load_n(&c->ring->head, __ATOMIC_ACQUIRE));
}

/* ---- stubs ---- */

static bool within_rel32(uint64_t from, uint64_t to)
{
	int64_t d = (int64_t)(to - from);
	return d >= INT32_MIN && d <= INT32_MAX;
}

static void put32(uint8_t *p, int64_t v)
{
	int32_t v32 = (int32_t)v;
	memcpy(p, &v32, 4);
}

__attribute__((format(printf, 2, 3))) static int refuse(struct fp_stub *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof s->why, fmt, ap);
	va_end(ap);
	return -ENOTSUP;
}

/* Length of the legacy/REX prefixes of an instruction. */
static size_t prefix_len(const uint8_t *b, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = b[i];
		if (c == 0x66 || c == 0x67 || c == 0xf2 || c == 0xf3 || c == 0x2e || c == 0x3e ||
		    c == 0x26 || c == 0x36 || c == 0x64 || c == 0x65 || (c >= 0x40 && c <= 0x4f))
			i++;
		else
			break;
	}
	return i;
}

/* Relocates one displaced instruction from insn->address to `to`, into out.
 * Returns its new length, or a negative errno with s->why set.  *ends is set
 * when control never falls through it (jmp, ret). */
static int relocate(struct fp_stub *s, const cs_insn *insn, uint64_t to, uint8_t *out,
		    uint64_t func, bool *ends)
{
	const cs_x86 *x = &insn->detail->x86;
	uint64_t next = insn->address + insn->size;
	size_t p = prefix_len(insn->bytes, insn->size);
	const uint8_t *op = insn->bytes + p;
	int64_t target = 0;
	uint8_t cc = 0;
	enum { PLAIN, JCC, JMP } form = PLAIN;

	*ends = false;
	if (p < insn->size) {
		if (op[0] >= 0x70 && op[0] <= 0x7f) {
			form = JCC;
			cc = op[0] & 0xf;
		} else if (op[0] == 0x0f && p + 1 < insn->size && op[1] >= 0x80 && op[1] <= 0x8f) {
			form = JCC;
			cc = op[1] & 0xf;
		} else if (op[0] == 0xeb || op[0] == 0xe9) {
			form = JMP;
		} else if (op[0] == 0xe8) {
			return refuse(s, "a call (%s %s) in the first 5 bytes at 0x%llx",
				      insn->mnemonic, insn->op_str,
				      (unsigned long long)insn->address);
		} else if (op[0] >= 0xe0 && op[0] <= 0xe3) {
			return refuse(s, "%s (rel8 only) in the first 5 bytes at 0x%llx",
				      insn->mnemonic, (unsigned long long)insn->address);
		}
	}
	if (form != PLAIN) {
		if (x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
			return refuse(s, "cannot read the target of %s %s", insn->mnemonic,
				      insn->op_str);
		target = x->operands[0].imm;
		if ((uint64_t)target > func && (uint64_t)target < func + 5)
			return refuse(s, "%s at 0x%llx jumps into the patched bytes",
				      insn->mnemonic, (unsigned long long)insn->address);
		size_t n = form == JCC ? 6 : 5;
		if (!within_rel32(to + n, (uint64_t)target))
			return -ERANGE;
		if (form == JCC) {
			out[0] = 0x0f;
			out[1] = (uint8_t)(0x80 | cc);
		} else {
			out[0] = 0xe9;
			*ends = true;
		}
		put32(out + n - 4, target - (int64_t)(to + n));
		return (int)n;
	}
	for (int i = 0; i < insn->detail->groups_count; i++) {
		uint8_t g = insn->detail->groups[i];
		if (g == CS_GRP_RET || g == CS_GRP_IRET)
			*ends = true;
		if (g == CS_GRP_BRANCH_RELATIVE || g == CS_GRP_CALL)
			return refuse(s, "%s %s at 0x%llx cannot be moved", insn->mnemonic,
				      insn->op_str, (unsigned long long)insn->address);
	}
	if (insn->id == X86_INS_JMP || insn->id == X86_INS_UD2 || insn->id == X86_INS_INT3 ||
	    insn->id == X86_INS_HLT)
		*ends = true;
	memcpy(out, insn->bytes, insn->size);
	for (int i = 0; i < x->op_count; i++) {
		if (x->operands[i].type != X86_OP_MEM || x->operands[i].mem.base != X86_REG_RIP)
			continue;
		if (x->encoding.disp_size != 4 || !x->encoding.disp_offset)
			return refuse(s, "unexpected RIP-relative encoding of %s %s",
				      insn->mnemonic, insn->op_str);
		int64_t abs = (int64_t)next + x->disp;
		int64_t nd = abs - (int64_t)(to + insn->size);
		if (nd < INT32_MIN || nd > INT32_MAX)
			return -ERANGE;
		put32(out + x->encoding.disp_offset, nd);
	}
	return (int)insn->size;
}

int fp_stub_build(const struct fp_stub_req *req, struct fp_stub *out)
{
	struct tpl t;
	csh cs;
	cs_insn *insn = NULL;
	int err = 0;

	memset(out, 0, sizeof *out);
	bool checked = req->kind == FP_FREE_CHECKED || req->kind == FP_REALLOC_CHECKED;
	if (!req->code || req->code_len < 5 || req->kind > FP_REALLOC ||
	    (checked && !req->tcache_key))
		return -EINVAL;
	if (!within_rel32(req->func + 5, req->stub)) {
		snprintf(out->why, sizeof out->why, "stub 0x%llx is beyond 2 GiB of 0x%llx",
			 (unsigned long long)req->stub, (unsigned long long)req->func);
		return -ERANGE;
	}
	tpl_get(req->kind, &t);
	size_t n = (size_t)((uintptr_t)t.end - (uintptr_t)t.start);
	memcpy(out->code, t.start, n);

	for (int k = 0; k < 2; k++) {
		if (!t.ring[k])
			continue;
		memcpy(out->code + t.ring[k] - 8, &req->ring, 8);
		uint32_t phase = k ? FP_RETURN : t.one_call ? FP_CALL : FP_ENTRY;
		uint32_t opw = req->op | phase << 16;
		memcpy(out->code + t.op[k] - 4, &opw, 4);
		if (req->tid_offset >= 0) {
			put32(out->code + t.tid[k] - 4, req->tid_offset);
		} else {
			/* xor %ecx,%ecx; 6-byte nop, over the 8-byte %fs load */
			static const uint8_t zero[8] = { 0x31, 0xc9, 0x66, 0x0f, 0x1f, 0x44, 0, 0 };
			memcpy(out->code + t.tid[k] - 8, zero, 8);
		}
		out->trap_full[k] = req->stub + t.trap[k];
	}
	if (t.ring_ret)
		memcpy(out->code + t.ring_ret - 8, &req->ring, 8);
	if (t.fill)
		put32(out->code + t.fill - 4, req->zero_new);
	memcpy(out->code + t.func - 8, &req->func, 8);
	out->copy_insn = req->stub + t.copy;
	for (int k = 0; k < 2; k++) {
		out->walk_loads[k] = req->stub + t.wload[k];
		out->walk_resume[k] = req->stub + t.wresume[k];
	}
	out->copy_resume = req->stub + t.copied;
	out->learn_trap = req->stub + t.learn;
	out->learn_resume = req->stub + t.learned;
	out->call_return = t.call_ret ? req->stub + t.call_ret : 0;
	if (checked) {
		memcpy(out->code + t.key - 8, &req->tcache_key, 8);
		memcpy(out->code + t.ring0 - 8, &req->ring, 8);
		if (t.hold)
			memcpy(out->code + t.hold - 8, &req->ring, 8);
		out->check_trap = req->stub + t.check;
		for (int k = 0; k < 3; k++)
			out->check_loads[k] = req->stub + t.load[k];
	}

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return refuse(out, "capstone could not be opened");
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	size_t ninsn = cs_disasm(cs, req->code, req->code_len, req->func, 8, &insn);
	size_t covered = 0, i = 0;
	bool ends = false;
	for (; i < ninsn && covered < 5; i++) {
		if (ends) {
			err = refuse(out, "the function at 0x%llx ends within its first 5 bytes",
				     (unsigned long long)req->func);
			break;
		}
		if (n + 16 + 14 > FP_STUB_MAX) {
			err = refuse(out, "the displaced instructions do not fit the stub");
			break;
		}
		out->orig_off[i] = (uint8_t)covered;
		out->new_off[i] = (uint16_t)n;
		int len = relocate(out, &insn[i], req->stub + n, out->code + n, req->func, &ends);
		if (len < 0) {
			err = len;
			if (err == -ERANGE)
				snprintf(out->why, sizeof out->why,
					 "a relocated operand at 0x%llx does not reach from 0x%llx",
					 (unsigned long long)insn[i].address,
					 (unsigned long long)req->stub);
			break;
		}
		n += (size_t)len;
		covered += insn[i].size;
	}
	if (!err && covered < 5)
		err = refuse(out, "cannot decode 5 bytes of instructions at 0x%llx",
			     (unsigned long long)req->func);
	if (insn)
		cs_free(insn, ninsn);
	cs_close(&cs);
	if (err)
		return err;
	out->ninsn = (uint8_t)i;
	out->displaced = (uint8_t)covered;

	uint64_t back = req->func + covered, at = req->stub + n;
	if (!ends) {
		if (within_rel32(at + 5, back)) {
			out->code[n] = 0xe9;
			put32(out->code + n + 1, (int64_t)back - (int64_t)(at + 5));
			n += 5;
		} else {
			static const uint8_t jabs[6] = { 0xff, 0x25, 0, 0, 0, 0 };
			memcpy(out->code + n, jabs, 6);
			memcpy(out->code + n + 6, &back, 8);
			n += 14;
		}
	}
	out->code_len = n;
	out->entry_patch[0] = 0xe9;
	put32(out->entry_patch + 1, (int64_t)req->stub - (int64_t)(req->func + 5));
	return 0;
}

/* The target of a direct branch or call (jcc, jmp, call, loop, jrcxz,
 * xbegin: the only x86-64 instructions with a pc-relative target), read from
 * its bytes; false for any other instruction. */
static bool direct_target(const cs_insn *insn, uint64_t *target)
{
	size_t p = prefix_len(insn->bytes, insn->size);
	const uint8_t *op = insn->bytes + p;
	size_t left = insn->size - p;
	int64_t rel;

	if (left == 2 && ((op[0] >= 0x70 && op[0] <= 0x7f) || op[0] == 0xeb ||
			  (op[0] >= 0xe0 && op[0] <= 0xe3))) {
		rel = (int8_t)op[1];
	} else if (left == 5 && (op[0] == 0xe8 || op[0] == 0xe9)) {
		int32_t r;
		memcpy(&r, op + 1, 4);
		rel = r;
	} else if (left == 6 && ((op[0] == 0x0f && op[1] >= 0x80 && op[1] <= 0x8f) ||
				 (op[0] == 0xc7 && op[1] == 0xf8))) {
		int32_t r;
		memcpy(&r, op + 2, 4);
		rel = r;
	} else {
		return false;
	}
	*target = insn->address + insn->size + (uint64_t)rel;
	return true;
}

/* Only the first BODY_DECODED bytes are decoded, without capstone's details:
 * decoding the whole of malloc's, free's, realloc's... bodies was most of the
 * fast path's setup time, at every start.  A rel8 branch cannot reach back
 * into the first 16 bytes from further on, so beyond that only the rel32
 * forms matter (e8, e9, 0f 8x, c7 f8 and four bytes of displacement), and
 * they are looked for at every byte: an instruction that is one is found
 * whatever the instructions around it; bytes that merely look like one
 * (inside another instruction, with a displacement that lands in the
 * patched bytes: ~1e-9 per byte) refuse the patch, which is safe. */
#define BODY_DECODED 160

bool fp_body_branches_into(const uint8_t *body, size_t len, uint64_t func, size_t patched)
{
	csh cs;
	bool into = false;

	if (patched > 24 || cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return true; /* cannot tell: as if it did */
	cs_insn *insn = cs_malloc(cs);
	const uint8_t *code = body;
	size_t left = len < BODY_DECODED ? len : BODY_DECODED;
	uint64_t addr = func, target;
	while (insn && !into && code - body < BODY_DECODED &&
	       cs_disasm_iter(cs, &code, &left, &addr, insn))
		into = direct_target(insn, &target) && target > func && target < func + patched;
	if (insn)
		cs_free(insn, 1);
	else
		into = true;
	cs_close(&cs);
	for (size_t o = (size_t)(code - body); !into && o + 5 <= len; o++) {
		const uint8_t *b = body + o;
		size_t end;
		int32_t d;
		if (b[0] == 0xe8 || b[0] == 0xe9) {
			memcpy(&d, b + 1, 4);
			end = o + 5;
		} else if (o + 6 <= len && ((b[0] == 0x0f && (b[1] & 0xf0) == 0x80) ||
					    (b[0] == 0xc7 && b[1] == 0xf8))) {
			memcpy(&d, b + 2, 4);
			end = o + 6;
		} else {
			continue;
		}
		target = func + end + (uint64_t)(int64_t)d;
		into = target > func && target < func + patched;
	}
	return into;
}
