/* fdfns: the libc functions that create and close file descriptors.
 *
 * --track-fds hooks these entry points like the allocator: at the entry the
 * stack is taken, at the return (through the same return trap) the new
 * descriptor is read from the result or from the int[2] the caller passed.
 * Names that are aliases of one address (open, open64, __open) are hooked
 * once, under the first name found.  Descriptors made without libc (a raw
 * syscall) are not seen until the exit-time listing, where they show with no
 * stack. */
#include "leaktrace/fdfns.h"

const struct fdfn fdfn_table[] = {
	{ "open", FDF_RET, 0, -1 },	      { "open64", FDF_RET, 0, -1 },
	{ "openat", FDF_RET, 1, -1 },	      { "openat64", FDF_RET, 1, -1 },
	{ "creat", FDF_RET, 0, -1 },	      { "creat64", FDF_RET, 0, -1 },
	{ "socket", FDF_RET, -1, -1 },	      { "accept", FDF_RET, -1, -1 },
	{ "accept4", FDF_RET, -1, -1 },	      { "socketpair", FDF_PAIR, -1, 3 },
	{ "pipe", FDF_PAIR, -1, 0 },	      { "pipe2", FDF_PAIR, -1, 0 },
	{ "dup", FDF_RET, -1, -1 },	      { "dup2", FDF_RET, -1, -1 },
	{ "dup3", FDF_RET, -1, -1 },	      { "fcntl", FDF_FCNTL, -1, -1 },
	{ "fcntl64", FDF_FCNTL, -1, -1 },     { "eventfd", FDF_RET, -1, -1 },
	{ "epoll_create", FDF_RET, -1, -1 },  { "epoll_create1", FDF_RET, -1, -1 },
	{ "memfd_create", FDF_RET, -1, -1 },  { "timerfd_create", FDF_RET, -1, -1 },
	{ "signalfd", FDF_RET, -1, -1 },      { "inotify_init", FDF_RET, -1, -1 },
	{ "inotify_init1", FDF_RET, -1, -1 }, { "close", FDF_CLOSE, -1, -1 },
};

const unsigned fdfn_count = sizeof fdfn_table / sizeof fdfn_table[0];
