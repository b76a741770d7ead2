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
 * locks, no TLS writes, no syscalls: it is async-signal-safe and reentrant,
 * but see fastpath.h on a signal handler that interrupts a stub. */
#include <capstone/capstone.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <x86intrin.h>

#include "leaktrace/fastpath.h"

#define REC_HDR	    128u
#define FP_PREFETCH 4 /* records fp_consume loads ahead of the one it hands over */
#define FP_STR_(x)  #x
#define FP_STR(x)   FP_STR_(x)

_Static_assert(sizeof(struct fp_ring_hdr) == 128, "ring header layout");
_Static_assert(sizeof(struct fp_rec) == REC_HDR, "record layout");
_Static_assert(__builtin_offsetof(struct fp_ring_hdr, head) == 64, "head offset");
_Static_assert(__builtin_offsetof(struct fp_ring_hdr, drained) == 48, "drained offset");
_Static_assert(__builtin_offsetof(struct fp_ring_hdr, stack_end) == 56, "stack_end offset");
_Static_assert(__builtin_offsetof(struct fp_ring_hdr, rules_off) == 72 &&
		   __builtin_offsetof(struct fp_ring_hdr, max_frames) == 80 &&
		   __builtin_offsetof(struct fp_ring_hdr, rule_hash) == 88 &&
		   __builtin_offsetof(struct fp_ring_hdr, copy_off) == 104,
	       "walk and copy offsets");
_Static_assert(__builtin_offsetof(struct fp_rec, r15) == 120, "record offsets");
_Static_assert(__builtin_offsetof(struct fp_ring_hdr, alive_tsc) == 112 &&
		   __builtin_offsetof(struct fp_ring_hdr, stall_ticks) == 120,
	       "fail-safe offsets");

/* The rule table's hash shift and index mask as the stubs' code spells them */
#define RULE_SHIFT_ASM "48"
#define RULE_MASK_ASM  "65535"
_Static_assert(FP_RULE_BITS == 16 && FP_RULES - 1 == 65535, "RULE_*_ASM follow FP_RULE_BITS");

/* The templates.  Offsets into struct fp_ring_hdr: rec_size 12, capacity 16,
 * mask 24, stack_qwords 32, flags 40, drained 48, stack_end 56, head 64; into struct
 * fp_rec: seq 0, op/phase 8, tid 12, stack_len 16, tp 24, rdi 32 ... r15
 * 120, frames 128; rules_off 72, max_frames 80, rule_hash 88, copy_off 104.  Labels named *_ring, *_op, *_tid end the instruction
 * whose last 8/4/4 bytes are patched. */
__asm__(".section .rodata.fp_tpl,\"a\"\n"

	/* Claims a slot: \sfx names the labels.  In: r11 = ring.  Out: r8 =
	 * index, r10 = record.  Clobbers rax, rcx.  A full ring traps to the
	 * tracer, which drains it; detached meanwhile (a ring-full stop held
	 * when the tracer let go), the claim is dropped and the caller's "9:"
	 * skips the record. */
	".macro FP_CLAIM sfx\n"
	"	mov $1, %eax\n"
	"	lock xadd %rax, 64(%r11)\n"
	"1:	mov %rax, %rcx\n"
	"	sub 48(%r11), %rcx\n"
	"	cmp 16(%r11), %rcx\n"
	"	jb 2f\n"
	"	testb $2, 40(%r11)\n"
	"	jnz 3f\n"
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
	/* the tracer's last look at the ring (TSC at 112), against the
	 * ticks it allowed (120); signed: another CPU's TSC may run ahead */
	"	rdtsc\n"
	"	shl $32, %rdx\n"
	"	or %rdx, %rax\n"
	"	sub 112(%r11), %rax\n"
	"	cmp 120(%r11), %rax\n"
	"	mov %r8, %rax\n"
	"	jl 1b\n"
	"	lock orq $1, 40(%r11)\n"
	"	jmp 9f\n"
	"2:	mov %rax, %r8\n"
	"	and 24(%r11), %rax\n"
	"	mov 12(%r11), %ecx\n"
	"	imul %rcx, %rax\n"
	"	lea 128(%r11,%rax), %r10\n"
	"	movl $0x7fff0000, 8(%r10)\n"
	"fp_tpl_\\sfx\\()_op:\n"
	"	mov %fs:0x2d0, %ecx\n"
	"fp_tpl_\\sfx\\()_tid:\n"
	"	mov %ecx, 12(%r10)\n"
	"	mov %fs:0, %rcx\n"
	"	mov %rcx, 24(%r10)\n"
	"	mov %rbx, 80(%r10)\n"
	"	mov %rbp, 88(%r10)\n"
	"	mov %r12, 96(%r10)\n"
	"	mov %r13, 104(%r10)\n"
	"	mov %r14, 112(%r10)\n"
	"	mov %r15, 120(%r10)\n"
	".endm\n"

	/* Entry record.  Saves every argument/scratch register. */
	".macro FP_ENTRY sfx\n"
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
	"	mov %rcx, 32(%r10)\n"
	"	mov 40(%rsp), %rcx\n"
	"	mov %rcx, 40(%r10)\n"
	"	mov 48(%rsp), %rcx\n"
	"	mov %rcx, 48(%r10)\n"
	"	movq $0, 56(%r10)\n"
	"	lea 72(%rsp), %rsi\n"
	"	mov %rsi, 64(%r10)\n"
	"	mov (%rsi), %rcx\n"
	"	mov %rcx, 72(%r10)\n"
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
	 * rbp, rcx frames, rdi out, r14 key, r12 table, r13 window end. */
	"	push %rbx\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"	mov 72(%r11), %r12\n"
	"	add %r11, %r12\n"
	"	lea (%rsi,%rcx,8), %r13\n"
	"	movabs $0x1122334455667788, %rax\n"
	"fp_tpl_\\sfx\\()_func:\n"
	"	mov %rax, %r14\n"
	"	mov %rbp, %rdx\n"
	"	lea 128(%r10), %rdi\n"
	"	xor %ecx, %ecx\n"
	"11:	mov %rax, (%rdi)\n"
	"	mov %rsi, 8(%rdi)\n"
	"	add $16, %rdi\n"
	"	inc %ecx\n"
	"	cmp 80(%r11), %rcx\n"
	"	jae 18f\n"
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
	"19:	mov %r13, %r9\n"
	"	sub 64(%r10), %r9\n"
	"	shr $3, %r9\n"
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbx\n"
	"	lea 72(%rsp), %rsi\n"
	/* the copy goes to this slot's place in the copy area */
	"20:	mov %r8, %rdi\n"
	"	and 24(%r11), %rdi\n"
	"	imul 32(%r11), %rdi\n"
	"	shl $3, %rdi\n"
	"	add 104(%r11), %rdi\n"
	"	add %r11, %rdi\n"
	"	mov %r9, %rcx\n"
	"fp_tpl_\\sfx\\()_copy:\n"
	"	rep movsq\n"
	"fp_tpl_\\sfx\\()_copied:\n"
	"	mov %r9, %rdx\n"
	"	sub %rcx, %rdx\n"
	"	shl $3, %edx\n"
	"	mov %edx, 16(%r10)\n"
	"21:\n"
	/* fast-string stores are not ordered among themselves: fence them
	 * before the publishing store */
	"	sfence\n"
	"	inc %r8\n"
	"	mov %r8, (%r10)\n"
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
	"	xor %eax, %eax\n"
	"	rep stosb\n"
	"	mov 8(%rsp), %rax\n"
	"8:\n"
	".endif\n"
	"	FP_CLAIM \\sfx\\()_r\n"
	"	movq $0, 16(%r10)\n"
	"	xor %ecx, %ecx\n"
	"	mov %rcx, 32(%r10)\n"
	"	mov %rcx, 40(%r10)\n"
	"	mov %rcx, 48(%r10)\n"
	"	mov 8(%rsp), %rcx\n"
	"	mov %rcx, 56(%r10)\n"
	"	lea 24(%rsp), %rcx\n"
	"	mov %rcx, 64(%r10)\n"
	"	mov (%rcx), %rcx\n"
	"	mov %rcx, 72(%r10)\n"
	"	inc %r8\n"
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
	"	jmp .Lfp_free_end\n"
	".globl fp_tpl_free_check\n .hidden fp_tpl_free_check\n"
	"fp_tpl_free_check:\n"
	"	int3\n"
	"	jmp .Lfp_free_end\n"
	".globl fp_tpl_free_end\n .hidden fp_tpl_free_end\n"
	"fp_tpl_free_end:\n"
	".Lfp_free_end:\n"

	/* ALLOC: entry record, call the original, return record. */
	".globl fp_tpl_call_start\n .hidden fp_tpl_call_start\n"
	"fp_tpl_call_start:\n"
	"	FP_CALL call, .Lfp_call_end, 1\n"
	".globl fp_tpl_call_end\n .hidden fp_tpl_call_end\n"
	"fp_tpl_call_end:\n"
	".Lfp_call_end:\n"

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
	".purgem FP_CALL\n .purgem FP_CHECKS\n .purgem FP_ENTRY\n .purgem "
	"FP_CLAIM\n"
	".previous\n");

#define TPL_SYM(name) extern const uint8_t name[] __attribute__((visibility("hidden")))
/* The labels of one template, p: its bounds; FP_ENTRY's (p_e_*); FP_CALL's
 * return part (p_r_*, p_ret); FP_CHECKS' (p_*). */
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
	TPL_SYM(fp_tpl_##p##_e_wcopy)
#define TPL_RETURN_SYMS(p)                                                                         \
	TPL_SYM(fp_tpl_##p##_ret);                                                                 \
	TPL_SYM(fp_tpl_##p##_r_ring);                                                              \
	TPL_SYM(fp_tpl_##p##_r_trap);                                                              \
	TPL_SYM(fp_tpl_##p##_r_op);                                                                \
	TPL_SYM(fp_tpl_##p##_r_tid)
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
TPL_BOUNDS(call);
TPL_ENTRY_SYMS(call);
TPL_RETURN_SYMS(call);
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
	size_t func, wload[2], wresume[2]; /* the walk */
	size_t key, check, load[3], ring0; /* FP_FREE_CHECKED, FP_REALLOC_CHECKED */
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
	.wresume = { OFF(fp_tpl_##p##_e_wdone), OFF(fp_tpl_##p##_e_wcopy) }
#define TPL_RECORDS(p, ret_ring, ret_trap, ret_op, ret_tid)                                        \
	.ring = { OFF(fp_tpl_##p##_e_ring), ret_ring },                                            \
	.trap = { OFF(fp_tpl_##p##_e_trap), ret_trap }, .op = { OFF(fp_tpl_##p##_e_op), ret_op },  \
	.tid = { OFF(fp_tpl_##p##_e_tid), ret_tid }
#define TPL_ONE_RECORD(p) TPL_RECORDS(p, 0, 0, 0, 0)
#define TPL_TWO_RECORDS(p)                                                                         \
	TPL_RECORDS(p, OFF(fp_tpl_##p##_r_ring), OFF(fp_tpl_##p##_r_trap), OFF(fp_tpl_##p##_r_op), \
		    OFF(fp_tpl_##p##_r_tid)),                                                      \
	    .call_ret = OFF(fp_tpl_##p##_ret)
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
		*t = (struct tpl){ TPL_ENTRY(call), TPL_TWO_RECORDS(call),
				   .fill = OFF(fp_tpl_call_fill) };
		break;
	case FP_REALLOC_CHECKED:
		s = fp_tpl_realloc_start;
		*t = (struct tpl){ TPL_ENTRY(realloc), TPL_TWO_RECORDS(realloc),
				   TPL_CHECKS(realloc), .fill = OFF(fp_tpl_realloc_fill) };
		break;
	case FP_FREE_CHECKED:
		s = fp_tpl_free_start;
		*t = (struct tpl){ TPL_ENTRY(free), TPL_ONE_RECORD(free), TPL_CHECKS(free) };
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
	return REC_HDR + 16 * FP_MAX_WALK;
}

static size_t copy_size(uint32_t stack_bytes)
{
	return ((size_t)stack_bytes + 7) & ~(size_t)7;
}

size_t fp_ring_size(uint64_t capacity, uint32_t stack_bytes)
{
	return sizeof(struct fp_ring_hdr) +
	       capacity * (fp_rec_size(stack_bytes) + copy_size(stack_bytes)) +
	       FP_RULES * sizeof(struct fp_rule);
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
	h->version = 1;
	h->rec_size = (uint32_t)fp_rec_size(stack_bytes);
	h->capacity = capacity;
	h->mask = capacity - 1;
	h->stack_qwords = ((uint64_t)stack_bytes + 7) / 8;
	h->copy_off = sizeof *h + capacity * h->rec_size;
	h->rules_off = h->copy_off + capacity * copy_size(stack_bytes);
	h->rule_hash = FP_RULE_HASH;
	return 0;
}

void fp_ring_set_walk(void *buf, uint64_t max_frames)
{
	struct fp_ring_hdr *h = buf;

	if (max_frames > FP_MAX_WALK)
		max_frames = 0;
	__atomic_store_n(&h->max_frames, max_frames, __ATOMIC_RELEASE);
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

	if (len < sizeof *h || h->magic != FP_RING_MAGIC || h->version != 1 || !h->capacity ||
	    (h->capacity & h->mask) || h->mask != h->capacity - 1 ||
	    h->rec_size != fp_rec_size((uint32_t)(h->stack_qwords * 8)) ||
	    h->copy_off != sizeof *h + h->capacity * h->rec_size ||
	    h->rules_off != h->copy_off + h->capacity * h->stack_qwords * 8 ||
	    len < h->rules_off + FP_RULES * sizeof(struct fp_rule))
		return -EINVAL;
	return 0;
}

const struct fp_rec *fp_ring_rec(const void *buf, uint64_t i)
{
	const struct fp_ring_hdr *h = buf;

	return (const void *)((const uint8_t *)(h + 1) + (i & h->mask) * h->rec_size);
}

void fp_ring_prefetch(const void *buf, uint64_t i)
{
	const uint8_t *r = (const uint8_t *)fp_ring_rec(buf, i);

	/* the header (seq, arguments, registers) and the first 8 frames */
	for (unsigned k = 0; k < 256; k += 64)
		__builtin_prefetch(r + k, 0, 3);
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

static void consumer_advance(struct fp_consumer *c, uint64_t head)
{
	struct fp_ring_hdr *h = c->ring;

	while (c->next < head && c->done[c->next & h->mask] == c->next + 1)
		c->next++;
	__atomic_store_n(&h->drained, c->next, __ATOMIC_RELEASE);
}

uint64_t fp_consume(struct fp_consumer *c, fp_rec_fn fn, void *ctx)
{
	struct fp_ring_hdr *h = c->ring;
	uint64_t n = 0;

	if (!h)
		return 0;
	uint64_t head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
	for (uint64_t i = c->next; i < head && i < c->next + h->capacity; i++) {
		uint64_t slot = i & h->mask;
		/* the program's CPU has just written these lines: load ahead */
		if (i + FP_PREFETCH < head)
			fp_ring_prefetch(h, i + FP_PREFETCH);
		if (c->done[slot] == i + 1 || !published(h, i))
			continue; /* consumed already, or claimed and not yet published */
		fn(fp_ring_rec(h, i), i, ctx);
		n++;
		c->done[slot] = i + 1;
	}
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
	if (!req->code || req->code_len < 5 || req->kind > FP_REALLOC_CHECKED ||
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
		uint32_t opw = req->op | (uint32_t)(k ? FP_RETURN : FP_ENTRY) << 16;
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
	if (t.fill)
		put32(out->code + t.fill - 4, req->zero_new);
	memcpy(out->code + t.func - 8, &req->func, 8);
	out->copy_insn = req->stub + t.copy;
	for (int k = 0; k < 2; k++) {
		out->walk_loads[k] = req->stub + t.wload[k];
		out->walk_resume[k] = req->stub + t.wresume[k];
	}
	out->copy_resume = req->stub + t.copied;
	out->call_return = t.call_ret ? req->stub + t.call_ret : 0;
	if (checked) {
		memcpy(out->code + t.key - 8, &req->tcache_key, 8);
		memcpy(out->code + t.ring0 - 8, &req->ring, 8);
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

bool fp_body_branches_into(const uint8_t *body, size_t len, uint64_t func, size_t patched)
{
	csh cs;
	cs_insn *insn;
	bool into = false;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return true; /* cannot tell: as if it did */
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	size_t n = cs_disasm(cs, body, len, func, 0, &insn);
	for (size_t i = 0; i < n && !into; i++) {
		const cs_detail *d = insn[i].detail;
		bool branch = false;
		for (int g = 0; g < d->groups_count; g++)
			branch |= d->groups[g] == CS_GRP_JUMP || d->groups[g] == CS_GRP_CALL ||
				  d->groups[g] == CS_GRP_BRANCH_RELATIVE;
		const cs_x86 *x = &d->x86;
		if (branch && x->op_count == 1 && x->operands[0].type == X86_OP_IMM) {
			uint64_t target = (uint64_t)x->operands[0].imm;
			into = target > func && target < func + patched;
		}
	}
	if (n)
		cs_free(insn, n);
	cs_close(&cs);
	return into;
}
