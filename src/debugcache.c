/* debugcache: uncompressed copies of separate debug files (see the header).
 *
 * A copy is made as eu-elfcompress -t none would make it: the file is
 * copied under a temporary name, every SHF_COMPRESSED section inflated in
 * place with elf_compress, the layout rewritten by elf_update, and the
 * result renamed to <build id>.debug, so that concurrent runs never see a
 * half-written copy.  Any failure leaves the original file in use. */
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

/* The cache directory, created if need be; false when there is none. */
static bool cache_dir(char *out, size_t len)
{
	const char *dir = getenv("LEAKTRACE_CACHE_DIR");
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	struct stat st;

	if (dir)
		n = snprintf(out, len, "%s", dir);
	else if (xdg && *xdg)
		n = snprintf(out, len, "%s/leaktrace", xdg);
	else if (home && *home && !stat(home, &st) && st.st_uid == geteuid())
		/* not someone else's home (sudo keeping HOME): a directory
		 * made there would be ours, and in their way */
		n = snprintf(out, len, "%s/.cache/leaktrace", home);
	else
		return false;
	if (n <= 0 || (size_t)n >= len)
		return false;
	/* the parent of the default directory may not exist yet */
	char *slash = strrchr(out, '/');
	if (slash && slash != out && !dir) {
		*slash = '\0';
		mkdir(out, 0700);
		*slash = '/';
	}
	return mkdir(out, 0700) == 0 || errno == EEXIST;
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

/* <dir>/<build id>.debug into out; false when there is no cache. */
static bool cache_name(char *out, size_t len, const unsigned char *id, size_t id_len)
{
	char dir[PATH_MAX], hex[129];

	if (id_len == 0 || id_len > 64 || elf_version(EV_CURRENT) == EV_NONE ||
	    !cache_dir(dir, sizeof dir))
		return false;
	for (size_t i = 0; i < id_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	int n = snprintf(out, len, "%s/%s.debug", dir, hex);
	return n > 0 && (size_t)n < len;
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
	char name[PATH_MAX];

	if (!cache_name(name, sizeof name, id, id_len))
		return -1;
	int fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
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
			unlink(name);
		return -1;
	}
	free(*path);
	*path = dup;
	return fd;
}

void debugcache_store(const char *path, const unsigned char *id, size_t id_len)
{
	char name[PATH_MAX], tmp[PATH_MAX + 16];

	if (!path || !cache_name(name, sizeof name, id, id_len))
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	bool compressed = elf && has_compressed(elf);
	if (elf)
		elf_end(elf);
	int t = -1;
	if (compressed) {
		snprintf(tmp, sizeof tmp, "%s.XXXXXX", name);
		t = mkstemp(tmp);
	}
	if (t >= 0) {
		bool ok = copy_file(fd, t) && inflate_all(t);
		close(t);
		if (!ok || rename(tmp, name))
			unlink(tmp);
	}
	close(fd);
}
