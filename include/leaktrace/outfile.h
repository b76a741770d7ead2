/* outfile: where leaktrace's reports go (--log-file, --xml-file, --flamegraph,
 * --folded, --log-socket, --xml-socket), opened safely when run as root. */
#ifndef LEAKTRACE_OUTFILE_H
#define LEAKTRACE_OUTFILE_H

#include <netinet/in.h>
#include <stdio.h>
#include <sys/types.h>

/* Expands %p (pid) and %q{VAR} (the environment variable VAR) in a file name
 * pattern, as valgrind's --log-file does.  Returns 0, or -ENAMETOOLONG, or
 * -EINVAL for a malformed %q. */
int outfile_expand(const char *pattern, pid_t pid, char *out, size_t len);

/* Opens path for writing, truncated (created 0644 if missing).  In a sticky
 * world-writable directory (/tmp) it follows the kernel's protected_symlinks
 * and protected_regular rules whatever the sysctls say: a symlink, or an
 * existing file, owned by neither us nor the directory's owner is refused
 * with -EACCES, and a name swapped in between the check and the open is
 * never followed.  Returns a descriptor (O_CLOEXEC) or a negative errno. */
int outfile_open(const char *path);

/* Checks, before the program runs, that outfile_open(path) would succeed:
 * an existing file is opened without being truncated, a missing one is
 * created and removed again.  Returns 0 or a negative errno. */
int outfile_check(const char *path);

/* "1.2.3.4[:PORT]" into *sa; default_port when there is no port.  Returns 0
 * or -EINVAL (valgrind takes numeric IPv4 addresses only). */
int outfile_parse_socket(const char *spec, int default_port, struct sockaddr_in *sa);

/* Connects a TCP socket to spec.  Returns a descriptor (O_CLOEXEC) or a
 * negative errno. */
int outfile_connect(const char *spec, int default_port);

/* The stream a report is written to: the socket when `sock` is set, else
 * the file named by `pattern` (expanded for pid, opened by outfile_open),
 * else a duplicate of fd.  NULL with errno set on failure. */
FILE *outfile_stream(const char *pattern, int fd, const char *sock, int default_port, pid_t pid);

#endif
