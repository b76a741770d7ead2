/* seccheck: whether a process's seccomp filters let through the system
 * calls leaktrace runs inside it (mmap, memfd_create, close, munmap). */
#ifndef LEAKTRACE_SECCHECK_H
#define LEAKTRACE_SECCHECK_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Runs a classic BPF seccomp filter on d, as the kernel would: the action
 * it returns (SECCOMP_RET_*, with its data).  A program the kernel would
 * have rejected gives SECCOMP_RET_KILL_PROCESS. */
uint32_t seccheck_run(const struct sock_filter *prog, size_t n, const struct seccomp_data *d);

/* Whether leaktrace may run its system calls in process pid (tid: one of
 * its threads, ptrace-stopped; ip: the syscall instruction it will use).
 * 0, or -1 with the reason in why ("its seccomp filter would kill the
 * process on mmap, ..."): then nothing must be injected. */
int seccheck_attach(pid_t pid, pid_t tid, uint64_t ip, char *why, size_t len);

#endif
