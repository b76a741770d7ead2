/* fdreport: --track-fds=yes|all, the file descriptors still open at exit,
 * in memcheck 3.19's words.
 *
 * Three parts, used at three moments:
 *   - struct fdtab, fed by the tracer as syscalls return (open, socket,
 *     pipe, dup... open an fd; close closes it), remembers each open fd's
 *     creation stack and, when memcheck would print one, its name;
 *   - fdreport_describe / fdreport_collect, at the exit stop (the tracee's
 *     fds are still open there: PTRACE_EVENT_EXIT comes before the kernel
 *     closes them), turn each fd into memcheck's description line;
 *   - fdreport_write_text / fdreport_write_xml print the result.
 *
 * Where memcheck's names come from, which the tracer must copy to match it:
 *   - open/openat/openat2/creat: the pathname argument exactly as the
 *     program passed it (so "rel.txt", not "/cwd/rel.txt");
 *   - dup/dup2/dup3/fcntl(F_DUPFD*) and inherited fds: readlink of
 *     /proc/PID/fd/N at that moment, kept only when it starts with '/'
 *     (fdreport_resolve_path), so "/tmp/x (deleted)" but never "pipe:[..]";
 *   - everything else (pipe, socket, socketpair, accept, eventfd, memfd,
 *     epoll, signalfd, timerfd...): no name.  At exit a nameless socket is
 *     described from its addresses ("Open AF_INET socket 5: 127.0.0.1:80 <->
 *     127.0.0.1:4000"), any other nameless fd as "Open file descriptor N:".
 * dup2 onto an fd that is already open replaces its record but keeps its
 * place in the list, as memcheck does. */
#ifndef LEAKTRACE_FDREPORT_H
#define LEAKTRACE_FDREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "leaktrace/report.h"
#include "leaktrace/stacktab.h"

/* ---- the table of open fds ---- */

struct fdtab;

/* One open fd as fdtab_list returns it.  path belongs to the table and is
 * valid until the fd is opened or closed again or the table is freed. */
struct fd_entry {
	int fd;
	bool inherited;	   /* open before the program started: no stack */
	uint32_t stack_id; /* stacktab id of the creating call (STACKTAB_NONE if inherited) */
	const char *path;  /* memcheck's name for it, or NULL (see above) */
};

/* NULL on allocation failure.  Free with fdtab_free. */
struct fdtab *fdtab_new(void);
void fdtab_free(struct fdtab *t);

/* The program created fd at stack_id (path copied; NULL for none).  An fd
 * already open is replaced in place.  0, -EBADF for fd < 0, or -ENOMEM. */
int fdtab_open(struct fdtab *t, int fd, uint32_t stack_id, const char *path);

/* fd was open when the program started (memcheck: "<inherited from
 * parent>").  Same results as fdtab_open. */
int fdtab_inherit(struct fdtab *t, int fd, const char *path);

/* 1 when fd was open and is now closed; 0 when it was not open, which the
 * caller may report (memcheck 3.19 itself says nothing; 3.22 and later print
 * "File descriptor N was closed already"); -EBADF for fd < 0. */
int fdtab_close(struct fdtab *t, int fd);

/* close_range(2): closes every open fd in [first, last]; how many were. */
size_t fdtab_close_range(struct fdtab *t, unsigned first, unsigned last);

bool fdtab_is_open(const struct fdtab *t, int fd);
size_t fdtab_count(const struct fdtab *t);

/* The open fds in memcheck's order, the most recently opened first (so the
 * inherited ones come last, highest number first).  Fills up to max
 * entries and returns how many fds are open. */
size_t fdtab_list(const struct fdtab *t, struct fd_entry *out, size_t max);

/* ---- what an fd is ---- */

/* memcheck's name for fd of process pid: the target of /proc/PID/fd/FD
 * when it starts with '/', else none.  Returns the length written into buf
 * (NUL-terminated), or -ENOENT when there is no such name, -ERANGE when buf
 * is too small, or the negative errno of readlink. */
int fdreport_resolve_path(pid_t pid, int fd, char *buf, size_t len);

/* Whether fd is open in process pid, by the kernel's /proc/PID/fd. */
bool fdreport_kernel_has(pid_t pid, int fd);

/* Records every fd of pid that is open now as inherited, with its
 * resolved name, in ascending order as memcheck reads /proc/self/fd.  Call
 * at the stop after the target's execve.  0 or a negative errno. */
int fdreport_scan_inherited(struct fdtab *t, pid_t pid);

/* Notes which file fd of pid is now (device and inode, through
 * /proc/PID/fd/FD), so that fdreport_sync can tell a number closed and
 * reused out of sight from the descriptor recorded.  0 or -errno. */
int fdreport_remember(struct fdtab *t, pid_t pid, int fd);

/* Makes the table the kernel's own at the end (/proc/PID/fd): a descriptor
 * closed where leaktrace could not see it (glibc's internal close, a raw
 * close_range) leaves it, and one opened so (an inline system call) joins
 * it without a creation stack, and so does one whose number now names
 * another file than fdreport_remember noted (closed and reopened out of
 * sight: the stack recorded is not its own).  0 or -errno. */
int fdreport_sync(struct fdtab *t, pid_t pid);

/* Do not duplicate the socket with pidfd_getfd(2) to ask the kernel for its
 * addresses; read /proc/PID/net and the socket's xattr instead.  Without
 * this flag /proc is the fallback when pidfd_getfd is unavailable (Linux
 * before 5.6, seccomp) or refused. */
#define FDREPORT_NO_PIDFD	 1u
/* Name a nameless fd by fdreport_resolve_path at exit, for tracers that do
 * not record names as fds are created (not memcheck's behaviour). */
#define FDREPORT_RESOLVE_AT_EXIT 2u

/* memcheck's description of fd of process pid (a thread group id), given
 * the name recorded for it (NULL: none), without the "==PID== " prefix:
 *   "Open file descriptor 4: /tmp/x"
 *   "Open file descriptor 3:"                        (pipes, eventfds, ...)
 *   "Open AF_INET socket 5: 127.0.0.1:5555 <-> 127.0.0.1:40000"
 *   "Open AF_INET socket 6: 127.0.0.1:5555 <-> unbound"   (not connected)
 *   "Open AF_INET6 socket 7: [::1]:80 <-> unbound"
 *   "Open AF_UNIX socket 8: /tmp/sock"   or "...: <unknown>" (no name)
 *   "Open pf-16 socket 9:"   and, when nothing is known, "Open socket 9:".
 * Through /proc alone two details can differ from memcheck: a TCP socket
 * that is bound but neither listening nor connected is not listed by the
 * kernel and comes out "<unbound>", and other families come out "Open
 * socket N:".  Returns the length of the text (truncated to fit len, like
 * snprintf) or a negative errno when len is 0. */
int fdreport_describe(pid_t pid, int fd, const char *path, unsigned flags, char *buf, size_t len);

/* ---- the report ---- */

/* One open fd as the writers print it. */
struct fdreport_entry {
	int fd;
	bool inherited;
	struct report_stack stack; /* creation stack (empty when inherited) */
	const char *what;	   /* fdreport_describe's line */
	const char *path;	   /* the recorded name, or NULL (XML <path>) */
};

struct fdreport {
	const struct fdreport_entry *entries; /* in fdtab_list's order */
	size_t n;
	bool all;   /* --track-fds=all: show 0, 1 and 2 too */
	bool quiet; /* -q */
	/* The text block's closing empty line is left to the next writer:
	 * report_text_final starts with an empty line, which in memcheck's
	 * output is this block's last line. */
	bool summary_follows;
	/* -p: a descriptor open before the attach is "<open before leaktrace
	 * attached>" rather than "<inherited from parent>" */
	bool attached;
};

/* Describes every fd of t open in pid and resolves its stack in st: a
 * malloc'd array of fdtab_count(t) entries in fdtab_list's order, freed
 * with fdreport_entries_free.  Call at the exit stop.  0 or -ENOMEM. */
int fdreport_collect(const struct fdtab *t, const struct stacktab *st, pid_t pid, unsigned flags,
		     struct fdreport_entry **out, size_t *n);
void fdreport_entries_free(struct fdreport_entry *e, size_t n);

/* memcheck 3.19's block, every line "==PID== "-prefixed:
 *   (empty line, unless quiet)
 *   FILE DESCRIPTORS: 20 open (3 std) at exit.
 *   Open file descriptor 3: /tmp/x
 *      at 0x4955011: open (open64.c:41)
 *      by 0x109261: main (fds.c:12)
 *   (empty line)
 *   Open file descriptor 10: /dev/null
 *      <inherited from parent>
 *   (empty line)
 *   (empty line, unless summary_follows)
 * fds 0-2 are counted as "std" and listed only with all.  With quiet,
 * nothing at all when no fd is open, or only std ones without all.  Goes
 * right before report_text_final. */
void fdreport_write_text(FILE *out, const struct report *r, const struct fdreport *fr);

/* memcheck 3.19 writes no XML for --track-fds (only stray <stack> elements
 * after FINISHED).  valgrind 3.23 and later write one FdNotClosed error per
 * fd the text lists, in an output of <protocolversion>5 (valgrind's
 * docs/internals/xml-output-protocol5.txt), after the FINISHED status:
 *   <error>
 *     <unique>0x5</unique>
 *     <tid>1</tid>
 *     <kind>FdNotClosed</kind>
 *     <fd>4</fd>
 *     <path>/tmp/x</path>                  (when there is a name)
 *     <what>Open file descriptor 4: /tmp/x</what>
 *     <stack>...</stack>                   (none for an inherited fd)
 *   </error>
 * followed by an empty line.  unique numbers start at first_unique; the
 * caller continues its error counter from the returned next number.
 * Write them between report_xml_finished and report_xml_close. */
unsigned fdreport_write_xml(FILE *out, const struct report *r, const struct fdreport *fr,
			    unsigned first_unique);

/* A close of a descriptor that is not open, as valgrind 3.23 writes it
 * (protocol 5) when it happens:
 *   <error>
 *     <unique>0x2</unique>
 *     <tid>1</tid>
 *     <kind>FdBadClose</kind>
 *     <fd>3</fd>
 *     <what>File descriptor 3 was closed already</what>
 *     <stack>...</stack>                   (the close)
 *   </error>
 * valgrind adds "Previously closed" and "Originally opened" with their
 * stacks; leaktrace does not keep them. */
void fdreport_write_bad_close_xml(FILE *out, const struct report *r, unsigned unique, unsigned tid,
				  int fd, const struct report_stack *stack);

#endif
