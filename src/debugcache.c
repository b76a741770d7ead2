/* debugcache: uncompressed copies of separate debug files (see the header).
 *
 * A copy is made as eu-elfcompress -t none would make it: the file is
 * copied under a temporary name, every SHF_COMPRESSED section inflated in
 * place with elf_compress, the layout rewritten by elf_update, and the
 * result renamed to <build id>.debug, so that concurrent runs never see a
 * half-written copy.  Any failure leaves the original file in use.
 *
 * A planted copy would change leaktrace's verdicts (a libc debug file whose
 * symbols lie sends a double free to glibc), and root must not leave its
 * files in a user's home: the cache is used only when its directory is a
 * real directory (not a symlink) owned by us that nobody else can write, is
 * made only inside such a directory, and every file in it is reached through
 * the descriptor of the directory that was checked. */
#include "leaktrace/debugcache.h"

#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

/* A directory we may keep files in: owned by us and writable by nobody else
 * (neither another user nor a group).  With nofollow, the last component
 * must not be a symlink.  An open descriptor of it, or -1. */
static int trusted_dir(const char *path, bool nofollow)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* mkdir path (0700) when its parent directory is a trusted one. */
static void make_dir(const char *path)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path || (size_t)(slash - path) >= sizeof parent)
		return;
	memcpy(parent, path, (size_t)(slash - path));
	parent[slash - path] = '\0';
	int pfd = trusted_dir(parent, false);
	if (pfd < 0)
		return;
	mkdirat(pfd, slash + 1, 0700);
	close(pfd);
}

int debugcache_dir(char *out, size_t len)
{
	const char *dir = getenv("LEAKTRACE_CACHE_DIR");
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (dir)
		n = *dir ? snprintf(out, len, "%s", dir) : 0;
	else if (xdg && *xdg)
		n = snprintf(out, len, "%s/leaktrace", xdg);
	else if (home && *home)
		n = snprintf(out, len, "%s/.cache/leaktrace", home);
	else
		return -1;
	if (n <= 0 || (size_t)n >= len)
		return -1;
	/* missing directories are made only inside trusted ones: under sudo -E,
	 * HOME and XDG_CACHE_HOME are the user's, and root leaves nothing there */
	if (!dir && !xdg) {
		char *slash = strrchr(out, '/');
		*slash = '\0';
		make_dir(out); /* ~/.cache */
		*slash = '/';
	}
	make_dir(out);
	return trusted_dir(out, true);
}

static bool has_compressed(Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_COMPRESSED))
			return true;
	return false;
}

static bool copy_file(int from, int to)
{
	struct stat st;
	off_t off = 0;

	if (fstat(from, &st))
		return false;
	while (off < st.st_size) {
		ssize_t n = sendfile(to, from, &off, (size_t)(st.st_size - off));
		if (n <= 0)
			return false;
	}
	return true;
}

/* Inflates every compressed section of the file open at fd, in place. */
static bool inflate_all(int fd)
{
	Elf *elf = elf_begin(fd, ELF_C_RDWR, NULL);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	bool ok = elf != NULL;

	while (ok && (scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			ok = false;
		else if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
			ok = false;
	}
	ok = ok && elf_update(elf, ELF_C_WRITE) >= 0;
	if (elf)
		elf_end(elf);
	return ok;
}

/* The cache directory's descriptor, the file's name in it (<build id>.debug)
 * and its whole path; -1 when there is no cache. */
static int cache_name(char *path, size_t len, char base[140], const unsigned char *id,
		      size_t id_len)
{
	char dir[PATH_MAX];

	if (id_len == 0 || id_len > 64 || elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	int dfd = debugcache_dir(dir, sizeof dir);
	if (dfd < 0)
		return -1;
	for (size_t i = 0; i < id_len; i++)
		snprintf(base + 2 * i, 3, "%02x", id[i]);
	strcpy(base + 2 * id_len, ".debug");
	int n = snprintf(path, len, "%s/%s", dir, base);
	if (n <= 0 || (size_t)n >= len) {
		close(dfd);
		return -1;
	}
	return dfd;
}

/* A whole copy: section headers readable, every section's bytes within
 * the file (a copy cut short by a full disk or a crash is not), and DWARF
 * in it. */
static bool whole_copy(Elf *elf, int fd)
{
	struct stat st;
	size_t nsec, shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	bool dwarf = false;

	if (fstat(fd, &st) || elf_getshdrnum(elf, &nsec) || nsec == 0 ||
	    elf_getshdrstrndx(elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			return false;
		if (sh.sh_type != SHT_NOBITS && (sh.sh_offset > (uint64_t)st.st_size ||
						 sh.sh_size > (uint64_t)st.st_size - sh.sh_offset))
			return false;
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".debug_info"))
			dwarf = true;
	}
	return dwarf;
}

int debugcache_open(const unsigned char *id, size_t id_len, char **path)
{
	char name[PATH_MAX], base[140];
	struct stat st;
	int dfd = cache_name(name, sizeof name, base, id, id_len);

	if (dfd < 0)
		return -1;
	/* a regular file of ours: the directory is trusted, this is in case it
	 * was not always */
	int fd = openat(dfd, base, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid())) {
		close(fd);
		close(dfd);
		return -1;
	}
	if (fd < 0) {
		close(dfd);
		return -1;
	}
	/* only a copy with the right build id: libdwfl would reject another
	 * and the module would go without debug info */
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	const void *got = NULL;
	ssize_t got_len = elf ? dwelf_elf_gnu_build_id(elf, &got) : -1;
	bool ok = got_len == (ssize_t)id_len && !memcmp(got, id, id_len) && whole_copy(elf, fd) &&
		  !has_compressed(elf);
	if (elf)
		elf_end(elf);
	char *dup = ok ? strdup(name) : NULL;
	if (!dup) {
		close(fd);
		if (!ok)
			unlinkat(dfd, base, 0);
		close(dfd);
		return -1;
	}
	close(dfd);
	free(*path);
	*path = dup;
	return fd;
}

void debugcache_store(const char *path, const unsigned char *id, size_t id_len)
{
	char name[PATH_MAX], base[140], tmp[160];

	if (!path)
		return;
	int dfd = cache_name(name, sizeof name, base, id, id_len);
	if (dfd < 0)
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		close(dfd);
		return;
	}
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	bool compressed = elf && has_compressed(elf);
	if (elf)
		elf_end(elf);
	int t = -1;
	if (compressed) {
		snprintf(tmp, sizeof tmp, "%s.%d.tmp", base, (int)getpid());
		t = openat(dfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (t >= 0) {
		bool ok = copy_file(fd, t) && inflate_all(t);
		close(t);
		if (!ok || renameat(dfd, tmp, dfd, base))
			unlinkat(dfd, tmp, 0);
	}
	close(fd);
	close(dfd);
}
