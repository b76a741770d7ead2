/* fdfns: the libc functions that create and close file descriptors, for
 * --track-fds, and where each one keeps its result. */
#ifndef LEAKTRACE_FDFNS_H
#define LEAKTRACE_FDFNS_H

enum fdfn_kind {
	FDF_RET,   /* the result is the new fd */
	FDF_PAIR,  /* two fds written to the int[2] in argument pair_arg */
	FDF_FCNTL, /* fcntl: a new fd when cmd is F_DUPFD or F_DUPFD_CLOEXEC */
	FDF_CLOSE, /* close */
};

struct fdfn {
	const char *name;
	enum fdfn_kind kind;
	int path_arg; /* argument holding the path (open, openat, creat), or -1 */
	int pair_arg; /* FDF_PAIR: argument holding the int[2] */
};

extern const struct fdfn fdfn_table[];
extern const unsigned fdfn_count;

#endif
