/* outfile: where leaktrace's reports go (--log-file, --xml-file, --flamegraph,
 * --folded, --log-socket, --xml-socket), opened safely when run as root. */
#ifndef LEAKTRACE_OUTFILE_H
#define LEAKTRACE_OUTFILE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "leaktrace/options.h"

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

/* The stream of the text report (xml false) or of the XML (xml true), as
 * cfg says: --log-socket / --xml-socket, else --log-file / --xml-file
 * (expanded for pid), else --log-fd / --xml-fd.  A socket nobody listens on
 * gives, as in valgrind, a duplicate of stderr and a warning in warn (the
 * caller prints it); otherwise warn is "".  NULL with errno set when
 * nothing can be opened, or (EINVAL) for XML with no destination. */
FILE *outfile_report_stream(const struct config *cfg, bool xml, pid_t pid, char *warn,
			    size_t warnlen);

/* Before the program runs: every output file the options name that can be
 * checked now (--flamegraph, --folded, and --log-file / --xml-file without
 * %p) can be written, safely (outfile_check).  0, or -errno with "cannot
 * write FILE: reason" in err. */
int outfile_check_outputs(const struct config *cfg, char *err, size_t errlen);

#endif
