/* fdfns: the libc functions that create and close file descriptors.
 *
 * --track-fds hooks these entry points like the allocator: at the entry the
 * stack is taken, at the return (through the same return trap) the new
 * descriptor is read from the result or from the int[2] the caller passed.
 * Names that are aliases of one address (open, open64, __open) are hooked
 * once, under the first name found.  glibc itself opens and closes through
 * its own entry points (fopen, opendir, the nss and locale code: the
 * _nocancel functions; closefrom: close_range), so those are hooked too, and
 * syscall() is decoded by its number.  Descriptors made by an inline system
 * call (glibc's __close_nocancel_nostatus, a static program, assembly) are
 * not seen until the exit-time listing, which is the kernel's own. */
#include "leaktrace/fdfns.h"

#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>

const struct fdfn fdfn_table[] = {
	{ "open", FDF_RET, 0, -1 },
	{ "open64", FDF_RET, 0, -1 },
	{ "openat", FDF_RET, 1, -1 },
	{ "openat64", FDF_RET, 1, -1 },
	{ "creat", FDF_RET, 0, -1 },
	{ "creat64", FDF_RET, 0, -1 },
	{ "socket", FDF_RET, -1, -1 },
	{ "accept", FDF_RET, -1, -1 },
	{ "accept4", FDF_RET, -1, -1 },
	{ "socketpair", FDF_PAIR, -1, 3 },
	{ "pipe", FDF_PAIR, -1, 0 },
	{ "pipe2", FDF_PAIR, -1, 0 },
	{ "dup", FDF_RET, -1, -1 },
	{ "dup2", FDF_RET, -1, -1 },
	{ "dup3", FDF_RET, -1, -1 },
	/* fcntl's body and __fcntl64_nocancel's (local: libc's debug file),
	 * where the system call is, as valgrind's stack starts there; when
	 * it is found, the three below it are not hooked (fdfn_inner_fcntl) */
	{ "__fcntl64_nocancel_adjusted", FDF_FCNTL, -1, -1 },
	{ "fcntl", FDF_FCNTL, -1, -1 },
	{ "fcntl64", FDF_FCNTL, -1, -1 },
	{ "eventfd", FDF_RET, -1, -1 },
	{ "epoll_create", FDF_RET, -1, -1 },
	{ "epoll_create1", FDF_RET, -1, -1 },
	{ "memfd_create", FDF_RET, -1, -1 },
	{ "timerfd_create", FDF_RET, -1, -1 },
	{ "signalfd", FDF_RET, -1, -1 },
	{ "inotify_init", FDF_RET, -1, -1 },
	{ "inotify_init1", FDF_RET, -1, -1 },
	{ "pidfd_open", FDF_RET, -1, -1 },
	{ "pidfd_getfd", FDF_RET, -1, -1 },
	{ "fanotify_init", FDF_RET, -1, -1 },
	{ "close", FDF_CLOSE, -1, -1 },
	{ "close_range", FDF_CLOSE_RANGE, -1, -1 },
	{ "recvmsg", FDF_RECVMSG, -1, -1 },
	/* glibc's own, GLIBC_PRIVATE or local (found through the symbol table
	 * of libc's debug file): fopen, opendir, nss, locale, iconv, syslog */
	{ "__open_nocancel", FDF_RET, 0, -1 },
	{ "__open64_nocancel", FDF_RET, 0, -1 },
	{ "__openat_nocancel", FDF_RET, 1, -1 },
	{ "__openat64_nocancel", FDF_RET, 1, -1 },
	{ "__close_nocancel", FDF_CLOSE, -1, -1 },
	{ "__fcntl64_nocancel", FDF_FCNTL, -1, -1 },
	{ "syscall", FDF_SYSCALL, -1, -1 },
};

const unsigned fdfn_count = sizeof fdfn_table / sizeof fdfn_table[0];

static int fdfn_index(const char *name)
{
	for (unsigned i = 0; i < fdfn_count; i++)
		if (!strcmp(fdfn_table[i].name, name))
			return (int)i;
	return -1;
}

int fdfn_for_syscall(long nr)
{
	static const struct {
		long nr;
		const char *fn; /* in fdfn_table */
	} map[] = {
		{ SYS_open, "open" },
		{ SYS_openat, "openat" },
		{ SYS_openat2, "openat" },
		{ SYS_creat, "creat" },
		{ SYS_socket, "socket" },
		{ SYS_accept, "accept" },
		{ SYS_accept4, "accept4" },
		{ SYS_socketpair, "socketpair" },
		{ SYS_pipe, "pipe" },
		{ SYS_pipe2, "pipe2" },
		{ SYS_dup, "dup" },
		{ SYS_dup2, "dup2" },
		{ SYS_dup3, "dup3" },
		{ SYS_fcntl, "fcntl" },
		{ SYS_eventfd, "eventfd" },
		{ SYS_eventfd2, "eventfd" },
		{ SYS_epoll_create, "epoll_create" },
		{ SYS_epoll_create1, "epoll_create1" },
		{ SYS_memfd_create, "memfd_create" },
		{ SYS_timerfd_create, "timerfd_create" },
		{ SYS_signalfd, "signalfd" },
		{ SYS_signalfd4, "signalfd" },
		{ SYS_inotify_init, "inotify_init" },
		{ SYS_inotify_init1, "inotify_init1" },
		{ SYS_pidfd_open, "pidfd_open" },
		{ SYS_pidfd_getfd, "pidfd_getfd" },
		{ SYS_fanotify_init, "fanotify_init" },
		{ SYS_close, "close" },
		{ SYS_close_range, "close_range" },
		{ SYS_recvmsg, "recvmsg" },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].nr == nr)
			return fdfn_index(map[i].fn);
	return -1;
}
