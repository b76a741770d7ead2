/* fdfns: the libc functions that create and close file descriptors, for
 * --track-fds, and where each one keeps its result. */
#ifndef LEAKTRACE_FDFNS_H
#define LEAKTRACE_FDFNS_H

enum fdfn_kind {
	FDF_RET,	 /* the result is the new fd */
	FDF_PAIR,	 /* two fds written to the int[2] in argument pair_arg */
	FDF_FCNTL,	 /* fcntl: a new fd when cmd is F_DUPFD or F_DUPFD_CLOEXEC */
	FDF_CLOSE,	 /* close */
	FDF_CLOSE_RANGE, /* close_range(first, last, flags): 0 closed them (or set CLOEXEC) */
	FDF_RECVMSG,	 /* recvmsg(fd, msghdr, flags): descriptors passed as SCM_RIGHTS */
	FDF_SYSCALL,	 /* syscall(NR, ...): the entry of fdfn_for_syscall(NR), if any */
};

struct fdfn {
	const char *name;
	enum fdfn_kind kind;
	int path_arg; /* argument holding the path (open, openat, creat), or -1 */
	int pair_arg; /* FDF_PAIR: argument holding the int[2] */
};

extern const struct fdfn fdfn_table[];
extern const unsigned fdfn_count;

/* The index in fdfn_table of the function that does what system call nr
 * does (SYS_openat: "openat"), for a call of syscall(nr, ...); -1 when nr
 * neither makes nor closes a descriptor. */
int fdfn_for_syscall(long nr);

#endif
