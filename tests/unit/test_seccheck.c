/* Unit test of seccheck_run: classic BPF seccomp filters run as the kernel
 * runs them, on the system calls an attach injects. */
#include <linux/audit.h>
#include <stddef.h>
#include <sys/syscall.h>

#include "check.h"
#include "leaktrace/seccheck.h"

#define NR  offsetof(struct seccomp_data, nr)
#define ARC offsetof(struct seccomp_data, arch)
#define A2  offsetof(struct seccomp_data, args[2])

static struct seccomp_data call(int nr, uint64_t arg2)
{
	return (struct seccomp_data){ .nr = nr, .arch = AUDIT_ARCH_X86_64, .args = { 0, 0, arg2 } };
}

#define RUN(prog, d) seccheck_run(prog, sizeof prog / sizeof prog[0], &(d))

int main(void)
{
	struct seccomp_data mmap_rx = call(SYS_mmap, 5), memfd = call(SYS_memfd_create, 0),
			    getpid_ = call(SYS_getpid, 0);

	/* allow everything */
	struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	CHECK(RUN(allow, mmap_rx) == SECCOMP_RET_ALLOW);

	/* the usual shape: check the arch, then kill one call */
	struct sock_filter kill_mmap[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARC),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	CHECK(RUN(kill_mmap, mmap_rx) == SECCOMP_RET_KILL_PROCESS);
	CHECK(RUN(kill_mmap, getpid_) == SECCOMP_RET_ALLOW);
	struct seccomp_data i386 = getpid_;
	i386.arch = AUDIT_ARCH_I386;
	CHECK(RUN(kill_mmap, i386) == SECCOMP_RET_KILL_PROCESS);

	/* an argument test: errno for mmap with PROT_EXEC (bit 2 of args[2]) */
	struct sock_filter no_exec[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, A2),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 4, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	CHECK(RUN(no_exec, mmap_rx) == (SECCOMP_RET_ERRNO | 1));
	struct seccomp_data mmap_rw = call(SYS_mmap, 3);
	CHECK(RUN(no_exec, mmap_rw) == SECCOMP_RET_ALLOW);
	CHECK(RUN(no_exec, memfd) == SECCOMP_RET_ALLOW);

	/* ALU, scratch memory, X, return A */
	struct sock_filter alu[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
		BPF_STMT(BPF_ST, 3),
		BPF_STMT(BPF_LDX | BPF_MEM, 3),
		BPF_STMT(BPF_LD | BPF_IMM, SECCOMP_RET_TRACE),
		BPF_STMT(BPF_ALU | BPF_OR | BPF_X, 0),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	CHECK(RUN(alu, memfd) == (SECCOMP_RET_TRACE | SYS_memfd_create));

	/* falling off the end, or a load out of bounds: the kernel would have
	 * refused such a filter; never taken as an allow */
	struct sock_filter bad[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 1000) };
	CHECK(RUN(bad, getpid_) == SECCOMP_RET_KILL_PROCESS);
	struct sock_filter noret[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR) };
	CHECK(RUN(noret, getpid_) == SECCOMP_RET_KILL_PROCESS);
	return check_summary("seccheck");
}
