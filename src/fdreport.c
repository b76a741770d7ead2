/* fdreport: the open file descriptors of --track-fds, as memcheck 3.19
 * shows them at exit.
 *
 * The table keeps the open fds densely in one array (closing moves the last
 * entry into the hole) and finds them through a second array indexed by fd
 * number, four bytes per number up to the highest fd seen; memcheck's
 * listing order, newest first, comes from a sequence number given when an
 * fd starts being open.
 *
 * Describing a socket the way memcheck does needs its addresses, which
 * memcheck gets with getsockname/getpeername on its own copy of the fd.  A
 * tracer has no copy, but since Linux 5.6 pidfd_getfd(2) gives it one (the
 * tracer passes the ptrace access check it requires), and the same calls
 * then give the same answers.  When that is refused, the kernel's socket
 * tables in /proc/PID/net (looked up by the inode in "socket:[INODE]") and
 * the socket's "system.sockprotoname" xattr stand in for it. */
#include "leaktrace/fdreport.h"
#include "leaktrace/report_text.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "leaktrace/report_xml.h"
#include "leaktrace/util.h"

#define NO_SLOT UINT32_MAX

struct fd_rec {
	int fd;
	bool inherited;
	uint32_t stack_id;
	uint64_t seq;
	char *path;
	bool have_ident; /* dev and ino were noted (fdreport_remember) */
	uint64_t dev, ino;
};

struct fdtab {
	struct fd_rec *recs; /* the open fds, unordered */
	size_t n, cap;
	uint32_t *slot; /* fd -> index in recs, or NO_SLOT */
	size_t nslot;
	uint64_t next_seq;
};

struct fdtab *fdtab_new(void)
{
	return calloc(1, sizeof(struct fdtab));
}

void fdtab_free(struct fdtab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->recs[i].path);
	free(t->recs);
	free(t->slot);
	free(t);
}

static struct fd_rec *find(const struct fdtab *t, int fd)
{
	if (fd < 0 || (size_t)fd >= t->nslot || t->slot[fd] == NO_SLOT)
		return NULL;
	return &t->recs[t->slot[fd]];
}

static int record(struct fdtab *t, int fd, uint32_t stack_id, const char *path, bool inherited)
{
	struct fd_rec *rec;
	char *copy = NULL;

	if (fd < 0)
		return -EBADF;
	if (path && !(copy = strdup(path)))
		return -ENOMEM;
	if ((rec = find(t, fd))) {
		/* memcheck overwrites the record where it stands */
		free(rec->path);
		goto fill;
	}
	if ((size_t)fd >= t->nslot) {
		size_t n = t->nslot ? t->nslot : 64;
		uint32_t *slot;

		while (n <= (size_t)fd)
			n *= 2;
		if (!(slot = realloc(t->slot, n * sizeof *slot)))
			goto nomem;
		for (size_t i = t->nslot; i < n; i++)
			slot[i] = NO_SLOT;
		t->slot = slot;
		t->nslot = n;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct fd_rec *recs = realloc(t->recs, cap * sizeof *recs);

		if (!recs)
			goto nomem;
		t->recs = recs;
		t->cap = cap;
	}
	t->slot[fd] = (uint32_t)t->n;
	rec = &t->recs[t->n++];
	rec->fd = fd;
	rec->seq = t->next_seq++;
fill:
	rec->have_ident = false;
	rec->inherited = inherited;
	rec->stack_id = inherited ? STACKTAB_NONE : stack_id;
	rec->path = copy;
	return 0;
nomem:
	free(copy);
	return -ENOMEM;
}

int fdtab_open(struct fdtab *t, int fd, uint32_t stack_id, const char *path)
{
	return record(t, fd, stack_id, path, false);
}

int fdtab_inherit(struct fdtab *t, int fd, const char *path)
{
	return record(t, fd, STACKTAB_NONE, path, true);
}

int fdtab_close(struct fdtab *t, int fd)
{
	struct fd_rec *rec;
	size_t i;

	if (fd < 0)
		return -EBADF;
	if (!(rec = find(t, fd)))
		return 0;
	i = t->slot[fd];
	free(rec->path);
	t->slot[fd] = NO_SLOT;
	if (i != --t->n) {
		t->recs[i] = t->recs[t->n];
		t->slot[t->recs[i].fd] = (uint32_t)i;
	}
	return 1;
}

size_t fdtab_close_range(struct fdtab *t, unsigned first, unsigned last)
{
	size_t closed = 0;

	/* walk the open fds rather than the range, which may be [3, ~0U] */
	for (size_t i = 0; i < t->n;) {
		unsigned fd = (unsigned)t->recs[i].fd;

		if (fd >= first && fd <= last && fdtab_close(t, (int)fd) == 1)
			closed++; /* the last entry moved into i */
		else
			i++;
	}
	return closed;
}

bool fdtab_is_open(const struct fdtab *t, int fd)
{
	return find(t, fd) != NULL;
}

size_t fdtab_count(const struct fdtab *t)
{
	return t->n;
}

static int newest_first(const void *a, const void *b)
{
	const struct fd_rec *x = *(const struct fd_rec *const *)a;
	const struct fd_rec *y = *(const struct fd_rec *const *)b;

	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

size_t fdtab_list(const struct fdtab *t, struct fd_entry *out, size_t max)
{
	const struct fd_rec **order;

	if (max == 0 || t->n == 0)
		return t->n;
	if (!(order = malloc(t->n * sizeof *order))) {
		/* unsorted rather than nothing */
		for (size_t i = 0; i < t->n && i < max; i++)
			out[i] = (struct fd_entry){ t->recs[i].fd, t->recs[i].inherited,
						    t->recs[i].stack_id, t->recs[i].path };
		return t->n;
	}
	for (size_t i = 0; i < t->n; i++)
		order[i] = &t->recs[i];
	qsort(order, t->n, sizeof *order, newest_first);
	for (size_t i = 0; i < t->n && i < max; i++)
		out[i] = (struct fd_entry){ order[i]->fd, order[i]->inherited, order[i]->stack_id,
					    order[i]->path };
	free(order);
	return t->n;
}

/* ---- naming fds ---- */

/* readlink of /proc/PID/fd/FD, NUL-terminated; length or negative errno. */
static int fd_link(pid_t pid, int fd, char *buf, size_t len)
{
	char proc[64];
	ssize_t n;

	snprintf(proc, sizeof proc, "/proc/%d/fd/%d", (int)pid, fd);
	if (len == 0)
		return -ERANGE;
	if ((n = readlink(proc, buf, len)) < 0)
		return -errno;
	if ((size_t)n >= len)
		return -ERANGE;
	buf[n] = '\0';
	return (int)n;
}

bool fdreport_kernel_has(pid_t pid, int fd)
{
	char buf[64];

	return fd_link(pid, fd, buf, sizeof buf) != -ENOENT;
}

int fdreport_resolve_path(pid_t pid, int fd, char *buf, size_t len)
{
	int n = fd_link(pid, fd, buf, len);

	if (n < 0)
		return n;
	if (buf[0] != '/') {
		buf[0] = '\0';
		return -ENOENT;
	}
	return n;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The descriptors open in process pid, by the kernel's /proc/PID/fd,
 * sorted: a malloc'd array in *out (the caller frees it).  0 or -errno. */
static int kernel_fds(pid_t pid, int **out, size_t *n)
{
	char dir[64];
	int *fds = NULL, err = 0;
	size_t cap = 0;
	struct dirent *d;
	DIR *dp;

	*n = 0;
	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
	if (!(dp = opendir(dir)))
		return -errno;
	while ((d = readdir(dp))) {
		char *end;
		long fd = strtol(d->d_name, &end, 10);

		if (d->d_name[0] < '0' || d->d_name[0] > '9' || *end || fd > INT32_MAX)
			continue;
		if (pid == getpid() && fd == dirfd(dp))
			continue; /* our own listing of ourselves */
		if (*n == cap) {
			int *more = realloc(fds, (cap = cap ? cap * 2 : 32) * sizeof *fds);

			if (!more) {
				err = -ENOMEM;
				break;
			}
			fds = more;
		}
		fds[(*n)++] = (int)fd;
	}
	closedir(dp);
	if (err) {
		free(fds);
		*n = 0;
		return err;
	}
	qsort(fds, *n, sizeof *fds, cmp_int);
	*out = fds;
	return 0;
}

int fdreport_scan_inherited(struct fdtab *t, pid_t pid)
{
	char path[4096];
	int *fds = NULL, err;
	size_t n;

	if ((err = kernel_fds(pid, &fds, &n)))
		return err;
	for (size_t i = 0; i < n && err == 0; i++) {
		err = fdtab_inherit(
		    t, fds[i],
		    fdreport_resolve_path(pid, fds[i], path, sizeof path) >= 0 ? path : NULL);
		if (!err)
			fdreport_remember(t, pid, fds[i]);
	}
	free(fds);
	return err;
}

/* The device and inode of fd of pid. */
static int fd_ident(pid_t pid, int fd, uint64_t *dev, uint64_t *ino)
{
	char proc[64];
	struct stat sb;

	snprintf(proc, sizeof proc, "/proc/%d/fd/%d", (int)pid, fd);
	if (stat(proc, &sb) < 0)
		return -errno;
	*dev = sb.st_dev;
	*ino = sb.st_ino;
	return 0;
}

/* Whether fd's number names another file now than when it was recorded. */
static bool stale(struct fdtab *t, pid_t pid, int fd)
{
	struct fd_rec *rec = find(t, fd);
	uint64_t dev = 0, ino = 0;

	return rec && rec->have_ident && !fd_ident(pid, fd, &dev, &ino) &&
	       (dev != rec->dev || ino != rec->ino);
}

int fdreport_remember(struct fdtab *t, pid_t pid, int fd)
{
	struct fd_rec *rec = find(t, fd);
	int err;

	if (!rec)
		return -EBADF;
	if ((err = fd_ident(pid, fd, &rec->dev, &rec->ino)))
		return err;
	rec->have_ident = true;
	return 0;
}

int fdreport_sync(struct fdtab *t, pid_t pid)
{
	char path[4096];
	int *fds = NULL, err;
	size_t n, count = fdtab_count(t);

	if ((err = kernel_fds(pid, &fds, &n)))
		return err;
	struct fd_entry *list = calloc(count + 1, sizeof *list);
	if (!list) {
		free(fds);
		return -ENOMEM;
	}
	fdtab_list(t, list, count);
	for (size_t i = 0; i < count; i++)
		if (!bsearch(&list[i].fd, fds, n, sizeof *fds, cmp_int))
			fdtab_close(t, list[i].fd); /* closed where we could not see it */
		else if (stale(t, pid, list[i].fd))
			fdtab_close(t, list[i].fd); /* and reopened: made new below */
	for (size_t i = 0; i < n && err == 0; i++)
		if (!fdtab_is_open(t, fds[i])) /* opened where we could not see it */
			err = fdtab_open(t, fds[i], STACKTAB_NONE,
					 fdreport_resolve_path(pid, fds[i], path, sizeof path) >= 0
					     ? path
					     : NULL);
	free(list);
	free(fds);
	return err;
}

/* ---- describing sockets ---- */

/* A bounded writer in the manner of snprintf: keeps the would-be length. */
struct sbuf {
	char *buf;
	size_t len, used;
};

static void sb_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	size_t room = sb->used < sb->len ? sb->len - sb->used : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? sb->buf + sb->used : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->used += (size_t)n;
}

/* memcheck's inet_to_name / inet6_to_name; have is 0 for "no address". */
static void inet_name(char *out, size_t len, const struct sockaddr_in *sa, bool have)
{
	if (!have) {
		snprintf(out, len, "<unknown>");
	} else if (sa->sin_port == 0) {
		snprintf(out, len, "<unbound>");
	} else {
		uint32_t a = ntohl(sa->sin_addr.s_addr);

		snprintf(out, len, "%u.%u.%u.%u:%u", a >> 24 & 0xFF, a >> 16 & 0xFF, a >> 8 & 0xFF,
			 a & 0xFF, ntohs(sa->sin_port));
	}
}

/* memcheck's inet6_format, including its own way of compressing zeros:
 * the first zero group (even a single one) starts the "::", and zeros after
 * it are printed, so 2001:db8:0:1::1 comes out "2001:db8::1:0:0:0:1". */
static void inet6_format(char *s, const unsigned char ip[16])
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	bool compressing = false, compressed = false;
	size_t len = 0;

	if (memcmp(ip, v4mapped, 12) == 0) {
		sprintf(s, "::ffff:%u.%u.%u.%u", ip[12], ip[13], ip[14], ip[15]);
		return;
	}
	for (int i = 0; i < 16; i += 2) {
		unsigned word = (unsigned)ip[i] << 8 | ip[i + 1];

		if (word == 0 && !compressed) {
			compressing = true;
		} else {
			if (compressing) {
				compressing = false;
				compressed = true;
				s[len++] = ':';
			}
			if (i > 0)
				s[len++] = ':';
			len += (size_t)sprintf(s + len, "%x", word);
		}
	}
	if (compressing) {
		s[len++] = ':';
		s[len++] = ':';
	}
	s[len] = '\0';
}

static void inet6_name(char *out, size_t len, const struct sockaddr_in6 *sa, bool have)
{
	char addr[64];

	if (!have) {
		snprintf(out, len, "<unknown>");
	} else if (sa->sin6_port == 0) {
		snprintf(out, len, "<unbound>");
	} else {
		inet6_format(addr, sa->sin6_addr.s6_addr);
		snprintf(out, len, "[%s]:%u", addr, ntohs(sa->sin6_port));
	}
}

union any_addr {
	struct sockaddr a;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_un un;
};

/* What memcheck's getsockdetails prints, from the socket's family, local
 * address and (when getpeername succeeded) peer address. */
static void socket_line(struct sbuf *sb, int fd, const union any_addr *local, socklen_t llen,
			const union any_addr *peer, bool connected)
{
	char l[128], p[128];

	switch (local->a.sa_family) {
	case AF_INET:
		inet_name(l, sizeof l, &local->in, llen > 0);
		if (connected)
			inet_name(p, sizeof p, &peer->in, true);
		sb_printf(sb, "Open AF_INET socket %d: %s <-> %s", fd, l,
			  connected ? p : "unbound");
		break;
	case AF_INET6:
		inet6_name(l, sizeof l, &local->in6, llen > 0);
		if (connected)
			inet6_name(p, sizeof p, &peer->in6, true);
		sb_printf(sb, "Open AF_INET6 socket %d: %s <-> %s", fd, l,
			  connected ? p : "unbound");
		break;
	case AF_UNIX:
		if (llen == 0 || local->un.sun_path[0] == '\0')
			sb_printf(sb, "Open AF_UNIX socket %d: <unknown>", fd);
		else
			sb_printf(sb, "Open AF_UNIX socket %d: %.*s", fd,
				  (int)sizeof local->un.sun_path, local->un.sun_path);
		break;
	default:
		sb_printf(sb, "Open pf-%d socket %d:", local->a.sa_family, fd);
		break;
	}
}

/* The socket itself, through a duplicate made with pidfd_getfd.  0, or a
 * negative errno when no duplicate could be had. */
static int describe_dup(struct sbuf *sb, pid_t pid, int fd)
{
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
	union any_addr local, peer;
	socklen_t llen = sizeof local, plen = sizeof peer;
	int pidfd, dup, err = 0;

	if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0)
		return -errno;
	dup = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (dup < 0)
		err = -errno;
	close(pidfd);
	if (err)
		return err;
	memset(&local, 0, sizeof local);
	memset(&peer, 0, sizeof peer);
	if (getsockname(dup, &local.a, &llen) < 0) {
		sb_printf(sb, "Open socket %d:", fd);
	} else {
		bool connected = getpeername(dup, &peer.a, &plen) == 0;

		if (llen > sizeof local)
			llen = sizeof local;
		socket_line(sb, fd, &local, llen, &peer, connected);
	}
	close(dup);
	return 0;
#else
	(void)sb, (void)pid, (void)fd;
	return -ENOSYS;
#endif
}

/* One row of /proc/PID/net/{tcp,udp,raw,...}[6]: addresses as the kernel
 * prints them, each 32-bit word of the network-order address in host order
 * ("0100007F" for 127.0.0.1 on x86), the port in host order. */
static bool parse_hex_addr(const char *hex, unsigned char *out, size_t bytes)
{
	if (strlen(hex) != bytes * 2)
		return false;
	for (size_t w = 0; w < bytes / 4; w++) {
		char word[9];
		uint32_t v;

		memcpy(word, hex + w * 8, 8);
		word[8] = '\0';
		v = (uint32_t)strtoul(word, NULL, 16);
		memcpy(out + w * 4, &v, 4);
	}
	return true;
}

/* Looks inode up in /proc/PID/net/NAME; fills local/peer of family. */
static bool inet_table_find(pid_t pid, const char *name, int family, unsigned long inode,
			    union any_addr *local, union any_addr *peer, bool *connected)
{
	char path[64], line[512];
	size_t bytes = family == AF_INET ? 4 : 16;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/net/%s", (int)pid, name);
	if (!(f = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof line, f)) {
		char la[40], ra[40];
		unsigned lport, rport, st;
		unsigned long ino;
		unsigned char lb[16], rb[16];

		if (sscanf(line,
			   " %*u: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x %*x:%*x %*x:%*x %*x %*u "
			   "%*d %lu",
			   la, &lport, ra, &rport, &st, &ino) != 6 ||
		    ino != inode)
			continue;
		if (!parse_hex_addr(la, lb, bytes) || !parse_hex_addr(ra, rb, bytes))
			continue;
		memset(local, 0, sizeof *local);
		memset(peer, 0, sizeof *peer);
		local->a.sa_family = peer->a.sa_family = (sa_family_t)family;
		if (family == AF_INET) {
			memcpy(&local->in.sin_addr, lb, 4);
			memcpy(&peer->in.sin_addr, rb, 4);
			local->in.sin_port = htons((uint16_t)lport);
			peer->in.sin_port = htons((uint16_t)rport);
		} else {
			memcpy(&local->in6.sin6_addr, lb, 16);
			memcpy(&peer->in6.sin6_addr, rb, 16);
			local->in6.sin6_port = htons((uint16_t)lport);
			peer->in6.sin6_port = htons((uint16_t)rport);
		}
		/* getpeername fails (ENOTCONN) without a peer port, or in
		 * TCP_CLOSE (7) or TCP_SYN_SENT (2) */
		*connected = rport != 0 && st != 7 && st != 2;
		found = true;
	}
	fclose(f);
	return found;
}

static bool unix_table_find(pid_t pid, unsigned long inode, union any_addr *local)
{
	char path[64], line[4096];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/net/unix", (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof line, f)) {
		unsigned long ino;
		int end = 0;
		char *name;

		if (sscanf(line, "%*[0-9a-fA-F]: %*x %*x %*x %*x %*x %lu%n", &ino, &end) != 1 ||
		    ino != inode)
			continue;
		name = line + end;
		name += strspn(name, " ");
		name[strcspn(name, "\n")] = '\0';
		memset(local, 0, sizeof *local);
		local->un.sun_family = AF_UNIX;
		/* "@name" is an abstract address: sun_path[0] == '\0' */
		if (name[0] != '@')
			snprintf(local->un.sun_path, sizeof local->un.sun_path, "%s", name);
		found = true;
	}
	fclose(f);
	return found;
}

static const char *const inet4_tables[] = { "tcp", "udp", "udplite", "raw", "icmp", NULL };
static const char *const inet6_tables[] = { "tcp6", "udp6", "udplite6", "raw6", "icmp6", NULL };

static bool inet_tables_find(pid_t pid, int family, unsigned long inode, union any_addr *local,
			     union any_addr *peer, bool *connected)
{
	const char *const *t = family == AF_INET ? inet4_tables : inet6_tables;

	for (; *t; t++)
		if (inet_table_find(pid, *t, family, inode, local, peer, connected))
			return true;
	return false;
}

/* The family of a socket from its protocol's name ("TCP", "UDPv6",
 * "UNIX-STREAM"), or -1. */
static int proto_family(pid_t pid, int fd)
{
	static const struct {
		const char *name;
		int family;
	} protos[] = {
		{ "TCP", AF_INET },	   { "UDP", AF_INET },	      { "UDP-Lite", AF_INET },
		{ "RAW", AF_INET },	   { "PING", AF_INET },	      { "MPTCP", AF_INET },
		{ "SCTP", AF_INET },	   { "DCCP", AF_INET },	      { "TCPv6", AF_INET6 },
		{ "UDPv6", AF_INET6 },	   { "UDPLITEv6", AF_INET6 }, { "RAWv6", AF_INET6 },
		{ "PINGv6", AF_INET6 },	   { "MPTCPv6", AF_INET6 },   { "SCTPv6", AF_INET6 },
		{ "DCCPv6", AF_INET6 },	   { "UNIX", AF_UNIX },	      { "UNIX-STREAM", AF_UNIX },
		{ "NETLINK", AF_NETLINK }, { "PACKET", AF_PACKET },
	};
	char path[64], name[64];
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, fd);
	if ((n = getxattr(path, "system.sockprotoname", name, sizeof name - 1)) <= 0)
		return -1;
	name[n] = '\0'; /* the kernel may or may not count a NUL */
	for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
		if (strcmp(name, protos[i].name) == 0)
			return protos[i].family;
	return -1;
}

static void describe_procfs(struct sbuf *sb, pid_t pid, int fd, unsigned long inode)
{
	union any_addr local, peer;
	bool connected = false;
	int family = proto_family(pid, fd);

	memset(&local, 0, sizeof local);
	memset(&peer, 0, sizeof peer);
	if (family < 0) {
		/* no xattr: whichever table lists the inode */
		if (unix_table_find(pid, inode, &local))
			family = AF_UNIX;
		else if (inet_tables_find(pid, AF_INET, inode, &local, &peer, &connected))
			family = AF_INET;
		else if (inet_tables_find(pid, AF_INET6, inode, &local, &peer, &connected))
			family = AF_INET6;
		else {
			sb_printf(sb, "Open socket %d:", fd);
			return;
		}
	} else if (family == AF_UNIX) {
		unix_table_find(pid, inode, &local);
	} else if (family == AF_INET || family == AF_INET6) {
		/* unlisted: created but never bound, so port 0 */
		inet_tables_find(pid, family, inode, &local, &peer, &connected);
	}
	local.a.sa_family = (sa_family_t)family;
	socket_line(sb, fd, &local, sizeof local, &peer, connected);
}

int fdreport_describe(pid_t pid, int fd, const char *path, unsigned flags, char *buf, size_t len)
{
	struct sbuf sb = { buf, len, 0 };
	char link[4096];
	unsigned long inode;

	if (len == 0)
		return -EINVAL;
	buf[0] = '\0';
	if (path) {
		sb_printf(&sb, "Open file descriptor %d: %s", fd, path);
		return (int)sb.used;
	}
	if (fd_link(pid, fd, link, sizeof link) >= 0 && sscanf(link, "socket:[%lu]", &inode) == 1) {
		if ((flags & FDREPORT_NO_PIDFD) || describe_dup(&sb, pid, fd) < 0)
			describe_procfs(&sb, pid, fd, inode);
		return (int)sb.used;
	}
	if ((flags & FDREPORT_RESOLVE_AT_EXIT) &&
	    fdreport_resolve_path(pid, fd, link, sizeof link) >= 0)
		sb_printf(&sb, "Open file descriptor %d: %s", fd, link);
	else
		sb_printf(&sb, "Open file descriptor %d:", fd);
	return (int)sb.used;
}

/* ---- collecting and writing ---- */

void fdreport_entries_free(struct fdreport_entry *e, size_t n)
{
	if (!e)
		return;
	for (size_t i = 0; i < n; i++) {
		free((char *)e[i].what);
		free((char *)e[i].path);
	}
	free(e);
}

int fdreport_collect(const struct fdtab *t, const struct stacktab *st, pid_t pid, unsigned flags,
		     struct fdreport_entry **out, size_t *n)
{
	size_t count = fdtab_count(t);
	struct fd_entry *list;
	struct fdreport_entry *e;
	char what[4096 + 64];

	*out = NULL;
	*n = 0;
	if (count == 0)
		return 0;
	list = calloc(count, sizeof *list);
	e = calloc(count, sizeof *e);
	if (!list || !e) {
		free(list);
		free(e);
		return -ENOMEM;
	}
	fdtab_list(t, list, count);
	for (size_t i = 0; i < count; i++) {
		e[i].fd = list[i].fd;
		e[i].inherited = list[i].inherited;
		if (!list[i].inherited && st && list[i].stack_id != STACKTAB_NONE)
			e[i].stack.pcs = stacktab_get(st, list[i].stack_id, &e[i].stack.n);
		fdreport_describe(pid, list[i].fd, list[i].path, flags, what, sizeof what);
		e[i].what = strdup(what);
		e[i].path = list[i].path ? strdup(list[i].path) : NULL;
		if (!e[i].what || (list[i].path && !e[i].path)) {
			fdreport_entries_free(e, i + 1);
			free(list);
			return -ENOMEM;
		}
	}
	free(list);
	*out = e;
	*n = count;
	return 0;
}

static bool shown(const struct fdreport *fr, const struct fdreport_entry *e)
{
	return e->fd > 2 || fr->all;
}

static void blank(FILE *out, const struct report *r)
{
	report_text_prefix(out, r);
	fputc('\n', out);
}

void fdreport_write_text(FILE *out, const struct report *r, const struct fdreport *fr)
{
	size_t non_std = 0;

	for (size_t i = 0; i < fr->n; i++)
		if (fr->entries[i].fd > 2)
			non_std++;
	if (fr->quiet && (fr->n == 0 || (non_std == 0 && !fr->all)))
		return;
	if (!fr->quiet)
		blank(out, r);
	report_text_prefix(out, r);
	fprintf(out, "FILE DESCRIPTORS: %zu open (%zu std) at exit.\n", fr->n, fr->n - non_std);
	for (size_t i = 0; i < fr->n; i++) {
		const struct fdreport_entry *e = &fr->entries[i];

		if (!shown(fr, e))
			continue;
		report_text_prefix(out, r);
		fprintf(out, "%s\n", e->what ? e->what : "");
		if (e->inherited) {
			report_text_prefix(out, r);
			fputs(fr->attached ? "   <open before leaktrace attached>\n"
					   : "   <inherited from parent>\n",
			      out);
		} else {
			report_text_stack(out, r, &e->stack);
		}
		blank(out, r);
	}
	if (!fr->summary_follows)
		blank(out, r);
}

static void xml_elem(FILE *out, const char *tag, const char *text)
{
	fprintf(out, "  <%s>", tag);
	report_xml_escape(out, text, strlen(text));
	fprintf(out, "</%s>\n", tag);
}

static void xml_frame_elem(FILE *out, const char *tag, const char *text)
{
	fprintf(out, "      <%s>", tag);
	report_xml_escape(out, text, strlen(text));
	fprintf(out, "</%s>\n", tag);
}

/* the <stack> of report_xml */
static void xml_stack(FILE *out, const struct report *r, const struct report_stack *st)
{
	unsigned n;
	struct frame_info *f = util_symbolize_stack(r, st, &n);
	char num[16];

	fputs("  <stack>\n", out);
	for (unsigned i = 0; i < n; i++) {
		fputs("    <frame>\n", out);
		fprintf(out, "      <ip>0x%llX</ip>\n", (unsigned long long)f[i].ip);
		if (f[i].obj)
			xml_frame_elem(out, "obj", f[i].obj);
		if (f[i].fn)
			xml_frame_elem(out, "fn", f[i].fn);
		if (f[i].file && f[i].line) {
			if (f[i].dir)
				xml_frame_elem(out, "dir", f[i].dir);
			xml_frame_elem(out, "file", f[i].file);
			snprintf(num, sizeof num, "%u", f[i].line);
			xml_frame_elem(out, "line", num);
		}
		fputs("    </frame>\n", out);
	}
	fputs("  </stack>\n", out);
	free(f);
}

unsigned fdreport_write_xml(FILE *out, const struct report *r, const struct fdreport *fr,
			    unsigned first_unique)
{
	unsigned unique = first_unique;

	for (size_t i = 0; i < fr->n; i++) {
		const struct fdreport_entry *e = &fr->entries[i];

		if (!shown(fr, e))
			continue;
		fputs("<error>\n", out);
		fprintf(out, "  <unique>0x%x</unique>\n", unique++);
		fputs("  <tid>1</tid>\n", out);
		xml_elem(out, "kind", util_mem_error_xml_kind(ERR_FD_NOT_CLOSED));
		fprintf(out, "  <fd>%d</fd>\n", e->fd);
		if (e->path)
			xml_elem(out, "path", e->path);
		xml_elem(out, "what", e->what ? e->what : "");
		/* an inherited descriptor (or one made out of sight) has none */
		if (!e->inherited && e->stack.n)
			xml_stack(out, r, &e->stack);
		fputs("</error>\n\n", out);
	}
	return unique;
}

void fdreport_write_bad_close_xml(FILE *out, const struct report *r, unsigned unique, unsigned tid,
				  int fd, const struct report_stack *stack)
{
	char what[64];

	snprintf(what, sizeof what, "File descriptor %d was closed already", fd);
	fputs("<error>\n", out);
	fprintf(out, "  <unique>0x%x</unique>\n", unique);
	fprintf(out, "  <tid>%u</tid>\n", tid);
	xml_elem(out, "kind", "FdBadClose");
	fprintf(out, "  <fd>%d</fd>\n", fd);
	xml_elem(out, "what", what);
	if (stack->n)
		xml_stack(out, r, stack);
	fputs("</error>\n\n", out);
}
