/* seccheck: whether a process's seccomp filters let through the system
 * calls leaktrace runs inside it.
 *
 * An attach injects mmap, memfd_create, close and munmap into the target.
 * Under a filter that kills on one of them, injecting would kill the very
 * service leaktrace meant to watch.  So before anything is changed the
 * filters are read (PTRACE_SECCOMP_GET_FILTER: CAP_SYS_ADMIN, a stopped
 * tracee) and run here, classic BPF as the kernel runs it, on each call as
 * leaktrace will make it; anything but ALLOW or LOG refuses the attach.  A
 * filter that cannot be read refuses it too: no guess is safe. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "leaktrace/procmaps.h"
#include "leaktrace/seccheck.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define MAX_INSNS 4096 /* BPF_MAXINSNS */

uint32_t seccheck_run(const struct sock_filter *prog, size_t n, const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	const uint8_t *data = (const uint8_t *)d;

	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &prog[pc];
		uint32_t k = f->k, src = BPF_SRC(f->code) == BPF_X ? x : k;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (BPF_MODE(f->code) == BPF_ABS && BPF_SIZE(f->code) == BPF_W &&
			    k % 4 == 0 && k + 4 <= sizeof *d)
				memcpy(&a, data + k, 4);
			else if (BPF_MODE(f->code) == BPF_IMM)
				a = k;
			else if (BPF_MODE(f->code) == BPF_MEM && k < BPF_MEMWORDS)
				a = mem[k];
			else if (BPF_MODE(f->code) == BPF_LEN)
				a = sizeof *d;
			else
				return SECCOMP_RET_KILL_PROCESS; /* the kernel rejects it */
			break;
		case BPF_LDX:
			if (BPF_MODE(f->code) == BPF_IMM)
				x = k;
			else if (BPF_MODE(f->code) == BPF_MEM && k < BPF_MEMWORDS)
				x = mem[k];
			else if (BPF_MODE(f->code) == BPF_LEN)
				x = sizeof *d;
			else
				return SECCOMP_RET_KILL_PROCESS;
			break;
		case BPF_ST:
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				return SECCOMP_RET_KILL_PROCESS;
			mem[k] = BPF_CLASS(f->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_ADD:
				a += src;
				break;
			case BPF_SUB:
				a -= src;
				break;
			case BPF_MUL:
				a *= src;
				break;
			case BPF_DIV:
				if (!src)
					return SECCOMP_RET_KILL_PROCESS;
				a /= src;
				break;
			case BPF_MOD:
				if (!src)
					return SECCOMP_RET_KILL_PROCESS;
				a %= src;
				break;
			case BPF_OR:
				a |= src;
				break;
			case BPF_AND:
				a &= src;
				break;
			case BPF_XOR:
				a ^= src;
				break;
			case BPF_LSH:
				a = src < 32 ? a << src : 0;
				break;
			case BPF_RSH:
				a = src < 32 ? a >> src : 0;
				break;
			case BPF_NEG:
				a = -a;
				break;
			default:
				return SECCOMP_RET_KILL_PROCESS;
			}
			break;
		case BPF_JMP: {
			bool taken;
			switch (BPF_OP(f->code)) {
			case BPF_JA:
				pc += k;
				continue;
			case BPF_JEQ:
				taken = a == src;
				break;
			case BPF_JGT:
				taken = a > src;
				break;
			case BPF_JGE:
				taken = a >= src;
				break;
			case BPF_JSET:
				taken = (a & src) != 0;
				break;
			default:
				return SECCOMP_RET_KILL_PROCESS;
			}
			pc += taken ? f->jt : f->jf;
			break;
		}
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_A ? a : k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	return SECCOMP_RET_KILL_PROCESS; /* fell off the end: the kernel rejects that */
}

/* Whether an action lets the call run as it would unfiltered. */
static bool allows(uint32_t action)
{
	uint32_t act = action & SECCOMP_RET_ACTION_FULL;
	return act == SECCOMP_RET_ALLOW || act == SECCOMP_RET_LOG;
}

static const char *action_name(uint32_t action)
{
	switch (action & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_KILL_PROCESS:
		return "kill the process";
	case SECCOMP_RET_KILL_THREAD:
		return "kill the thread";
	case SECCOMP_RET_TRAP:
		return "raise SIGSYS";
	case SECCOMP_RET_ERRNO:
		return "fail";
	case SECCOMP_RET_USER_NOTIF:
		return "wait for a supervisor";
	case SECCOMP_RET_TRACE:
		return "stop for another tracer";
	default:
		return "refuse";
	}
}

/* The calls an attach makes, with the arguments it gives them. */
static size_t injected_calls(uint64_t ip, struct seccomp_data *out, const char **names)
{
	static const struct {
		const char *name;
		int nr;
		uint64_t args[6];
	} calls[] = {
		{ "mmap",
		  SYS_mmap,
		  { 0, 65536, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, (uint64_t)-1, 0 } },
		{ "mmap",
		  SYS_mmap,
		  { 0, 65536, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1,
		    0 } },
		{ "memfd_create", SYS_memfd_create, { 0, MFD_CLOEXEC, 0, 0, 0, 0 } },
		{ "mmap", SYS_mmap, { 0, 1 << 24, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 0 } },
		{ "close", SYS_close, { 3, 0, 0, 0, 0, 0 } },
		{ "munmap", SYS_munmap, { 0, 65536, 0, 0, 0, 0 } },
		/* run by the fail-safe stubs themselves, waiting for room in the ring */
		{ "sched_yield", SYS_sched_yield, { 0, 0, 0, 0, 0, 0 } },
	};
	size_t n = sizeof calls / sizeof calls[0];

	for (size_t i = 0; i < n; i++) {
		out[i] = (struct seccomp_data){ .nr = calls[i].nr,
						.arch = AUDIT_ARCH_X86_64,
						.instruction_pointer = ip };
		memcpy(out[i].args, calls[i].args, sizeof out[i].args);
		names[i] = calls[i].name;
	}
	return n;
}

int seccheck_attach(pid_t pid, pid_t tid, uint64_t ip, char *why, size_t len)
{
	(void)pid;
	/* filters are per thread (one installed without TSYNC binds only its
	 * own): /proc/TID/status is the thread's */
	unsigned long long mode = procmaps_status_number(tid, "Seccomp", 10, 0);
	struct seccomp_data calls[10];
	const char *names[10];
	size_t ncalls = injected_calls(ip, calls, names);
	struct sock_filter *prog = malloc(MAX_INSNS * sizeof *prog);

	if (!mode)
		goto ok;
	if (mode == SECCOMP_MODE_STRICT) {
		snprintf(why, len, "it runs in seccomp strict mode, where mmap kills it");
		free(prog);
		return -1;
	}
	if (!prog) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	for (unsigned long idx = 0;; idx++) {
		long n = ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)idx, NULL);
		if (n < 0 && errno == ENOENT)
			break;
		if (n <= 0 || n > MAX_INSNS ||
		    ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)idx, prog) != n) {
			snprintf(why, len,
				 "it runs under a seccomp filter that cannot be read (%s), and "
				 "the system calls leaktrace must run in it might kill it",
				 n < 0 ? strerror(errno) : "bad length");
			free(prog);
			return -1;
		}
		for (size_t c = 0; c < ncalls; c++) {
			uint32_t action = seccheck_run(prog, (size_t)n, &calls[c]);
			if (!allows(action)) {
				snprintf(why, len,
					 "its seccomp filter would %s on %s, a system call "
					 "leaktrace must run in it",
					 action_name(action), names[c]);
				free(prog);
				return -1;
			}
		}
	}
ok:
	free(prog);
	return 0;
}
