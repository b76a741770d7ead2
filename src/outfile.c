/* outfile: opening the files and sockets leaktrace's reports go to.
 *
 * leaktrace is often run as root (-p on a daemon), with output files in /tmp.
 * There, anyone can plant a symlink named like the report (/tmp/leak.log ->
 * /etc/shadow) or a hard link to a file only root may write, and a plain
 * open(O_CREAT|O_TRUNC) as root would overwrite the target.  The kernel
 * refuses this when fs.protected_symlinks and fs.protected_regular are set;
 * this module applies the same rule itself, so that the sysctls do not
 * matter: in a sticky world-writable directory, a name owned by neither us
 * nor the directory's owner is not followed and not written.  The check and
 * the open cannot be raced: the open never follows a symlink there
 * (O_NOFOLLOW, unless the symlink seen is one that only its trusted owner can
 * replace), never truncates before the opened file has been checked, and the
 * file is judged by fstat of the descriptor actually opened. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leaktrace/outfile.h"

int outfile_expand(const char *pattern, pid_t pid, char *out, size_t len)
{
	size_t o = 0;

	for (const char *p = pattern; *p; p++) {
		char piece[32];
		const char *add = piece;
		size_t alen;

		if (p[0] == '%' && p[1] == 'p') {
			snprintf(piece, sizeof piece, "%d", (int)pid);
			alen = strlen(piece);
			p++;
		} else if (p[0] == '%' && p[1] == 'q' && p[2] == '{') {
			const char *close = strchr(p + 3, '}');
			char var[256];
			if (!close || close == p + 3 || (size_t)(close - p - 3) >= sizeof var)
				return -EINVAL;
			memcpy(var, p + 3, (size_t)(close - p - 3));
			var[close - p - 3] = '\0';
			add = getenv(var);
			if (!add)
				add = "";
			alen = strlen(add);
			p = close;
		} else if (p[0] == '%' && p[1] == '%') {
			add = "%";
			alen = 1;
			p++;
		} else {
			add = p;
			alen = 1;
		}
		if (o + alen >= len)
			return -ENAMETOOLONG;
		memcpy(out + o, add, alen);
		o += alen;
	}
	if (o >= len)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return 0;
}

/* The directory part of path opened O_PATH, and the last component. */
static int open_parent(const char *path, char *base, size_t blen)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];

	if (!*path)
		return -ENOENT;
	if (!slash) {
		strcpy(dir, ".");
		slash = path - 1;
	} else if ((size_t)(slash - path) >= sizeof dir) {
		return -ENAMETOOLONG;
	} else if (slash == path) {
		strcpy(dir, "/");
	} else {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	if (strlen(slash + 1) >= blen)
		return -ENAMETOOLONG;
	strcpy(base, slash + 1);
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return -EISDIR;
	int d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return d < 0 ? -errno : d;
}

static bool trusted_owner(uid_t owner, const struct stat *dir)
{
	return owner == geteuid() || owner == dir->st_uid;
}

/* Opens base in dirfd for writing without truncating; `create` allows a new
 * file.  The safety rules of the file comment apply. */
static int open_checked(int dirfd, const char *base, bool create, bool *created)
{
	struct stat dst, st;
	bool sticky, follow = true;

	*created = false;
	if (fstat(dirfd, &dst))
		return -errno;
	sticky = (dst.st_mode & S_ISVTX) && (dst.st_mode & S_IWOTH);
	if (sticky) {
		follow = false;
		if (!fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode)) {
			if (!trusted_owner(st.st_uid, &dst))
				return -EACCES; /* protected_symlinks */
			follow = true;		/* only its owner or the directory's can swap it */
		}
	}
	/* O_NONBLOCK: a FIFO nobody reads fails (ENXIO) instead of hanging */
	int flags = O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW);
	int fd = openat(dirfd, base, flags);
	if (fd < 0 && errno == ENOENT && create) {
		fd = openat(dirfd, base, flags | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
		*created = fd >= 0;
		if (fd < 0 && errno == EEXIST) /* appeared meanwhile: judge it as existing */
			fd = openat(dirfd, base, flags);
		/* a dangling symlink of ours (or anywhere outside sticky
		 * directories): created through, as open(2) would; not "created"
		 * here, so a check does not remove the symlink */
		if (fd < 0 && errno == ENOENT && follow)
			fd = openat(dirfd, base, flags | O_CREAT, 0644);
	}
	if (fd < 0)
		return errno == ELOOP && !follow ? -EACCES : -errno;
	if (fstat(fd, &st)) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (sticky && !*created && S_ISREG(st.st_mode) && !trusted_owner(st.st_uid, &dst)) {
		close(fd); /* protected_regular: someone else's file, or a link to one */
		return -EACCES;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int outfile_open(const char *path)
{
	char base[NAME_MAX + 1];
	bool created;
	int dirfd = open_parent(path, base, sizeof base);

	if (dirfd < 0)
		return dirfd;
	int fd = open_checked(dirfd, base, true, &created);
	close(dirfd);
	if (fd < 0)
		return fd;
	struct stat st;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size && ftruncate(fd, 0)) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

int outfile_check(const char *path)
{
	char base[NAME_MAX + 1];
	bool created;
	int dirfd = open_parent(path, base, sizeof base);

	if (dirfd < 0)
		return dirfd;
	int fd = open_checked(dirfd, base, true, &created);
	if (fd >= 0) {
		if (created)
			unlinkat(dirfd, base, 0);
		close(fd);
		fd = 0;
	}
	close(dirfd);
	return fd;
}

int outfile_parse_socket(const char *spec, int default_port, struct sockaddr_in *sa)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strchr(spec, ':');
	size_t hlen = colon ? (size_t)(colon - spec) : strlen(spec);
	long port = default_port;

	if (hlen == 0 || hlen >= sizeof host)
		return -EINVAL;
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	if (colon) {
		char *end;
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno || end == colon + 1 || *end || colon[1] == '-' || colon[1] == '+' ||
		    port < 1 || port > 65535)
			return -EINVAL;
	}
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -EINVAL;
	return 0;
}

int outfile_connect(const char *spec, int default_port)
{
	struct sockaddr_in sa;
	int r = outfile_parse_socket(spec, default_port, &sa);

	if (r)
		return r;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
		if (errno == EINTR)
			continue;
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

FILE *outfile_stream(const char *pattern, int fd, const char *sock, int default_port, pid_t pid)
{
	char name[PATH_MAX];
	int d, e;

	if (sock)
		d = outfile_connect(sock, default_port);
	else if (pattern)
		d = (e = outfile_expand(pattern, pid, name, sizeof name)) ? e : outfile_open(name);
	else if ((d = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0)
		d = -errno;
	if (d < 0) {
		errno = -d;
		return NULL;
	}
	FILE *f = fdopen(d, "w");
	if (!f) {
		e = errno;
		close(d);
		errno = e;
	}
	return f;
}

FILE *outfile_report_stream(const struct config *cfg, bool xml, pid_t pid, char *warn,
			    size_t warnlen)
{
	const char *sock = xml ? cfg->xml_socket : cfg->log_socket;
	const char *file = xml ? cfg->xml_file : cfg->log_file;
	int fd = xml ? cfg->xml_fd : cfg->log_fd;
	int port = xml ? OPTIONS_XML_PORT : OPTIONS_LOG_PORT;

	if (warn && warnlen)
		warn[0] = '\0';
	if (sock) {
		FILE *f = outfile_stream(NULL, -1, sock, port, pid);
		if (f)
			return f;
		if (warn && warnlen)
			snprintf(warn, warnlen,
				 "Failed to connect to %s server '%s' (%s); the %s goes to stderr "
				 "instead.",
				 xml ? "XML" : "logging", sock, strerror(errno),
				 xml ? "XML" : "report");
		return outfile_stream(NULL, 2, NULL, 0, pid);
	}
	if (file)
		return outfile_stream(file, -1, NULL, 0, pid);
	if (fd < 0) {
		errno = EINVAL;
		return NULL;
	}
	return outfile_stream(NULL, fd, NULL, 0, pid);
}

int outfile_check_outputs(const struct config *cfg, char *err, size_t errlen)
{
	const char *files[] = { cfg->flamegraph_file, cfg->folded_file,
				cfg->log_socket ? NULL : cfg->log_file,
				cfg->xml && !cfg->xml_socket ? cfg->xml_file : NULL };

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (!files[i] || strchr(files[i], '%'))
			continue; /* %p: known once the program runs */
		int e = outfile_check(files[i]);
		if (e) {
			snprintf(err, errlen, "cannot write %s: %s%s", files[i], strerror(-e),
				 e == -EACCES
				     ? " (another user's file or link in a shared directory "
				       "is never written)"
				     : "");
			return e;
		}
	}
	return 0;
}
