/* Unit test of debugcache's choice of directory: only a real directory of
 * ours that nobody else can write is used, and one is made only inside such
 * a directory, so that root under `sudo -E` leaves nothing in the user's
 * home and nobody can plant a debug file for root to read. */
#include "check.h"
#include "leaktrace/debugcache.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[64];

static int cache_fd(void)
{
	char path[4096];
	int fd = debugcache_dir(path, sizeof path);

	if (fd >= 0)
		close(fd);
	return fd;
}

static void path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", top, name);
}

static void mkdir_mode(const char *p, mode_t mode)
{
	CHECK(mkdir(p, mode) == 0);
	CHECK(chmod(p, mode) == 0);
}

int main(void)
{
	char good[128], p[160], q[200];
	struct stat st;
	bool root = geteuid() == 0;

	snprintf(top, sizeof top, "/tmp/lt-dcache.XXXXXX");
	if (!mkdtemp(top))
		return 1;
	unsetenv("XDG_CACHE_HOME");
	path_of(good, sizeof good, "good");
	mkdir_mode(good, 0700);

	setenv("LEAKTRACE_CACHE_DIR", "", 1);
	CHECK(cache_fd() < 0); /* off */
	setenv("LEAKTRACE_CACHE_DIR", good, 1);
	CHECK(cache_fd() >= 0);

	/* a symlink to a good directory: not used */
	path_of(p, sizeof p, "link");
	CHECK(symlink(good, p) == 0);
	setenv("LEAKTRACE_CACHE_DIR", p, 1);
	CHECK(cache_fd() < 0);

	/* writable by others, or by a group */
	path_of(p, sizeof p, "open");
	mkdir_mode(p, 0777);
	setenv("LEAKTRACE_CACHE_DIR", p, 1);
	CHECK(cache_fd() < 0);
	path_of(p, sizeof p, "group");
	mkdir_mode(p, 0770);
	setenv("LEAKTRACE_CACHE_DIR", p, 1);
	CHECK(cache_fd() < 0);

	/* missing: made inside a directory of ours */
	snprintf(q, sizeof q, "%s/new", good);
	setenv("LEAKTRACE_CACHE_DIR", q, 1);
	CHECK(cache_fd() >= 0);
	CHECK(stat(q, &st) == 0 && (st.st_mode & 0777) == 0700);

	/* missing inside a world-writable directory: not made */
	path_of(p, sizeof p, "open/new");
	setenv("LEAKTRACE_CACHE_DIR", p, 1);
	CHECK(cache_fd() < 0);
	CHECK(stat(p, &st) != 0);

	if (root) {
		/* another user's directory */
		path_of(p, sizeof p, "theirs");
		mkdir_mode(p, 0700);
		CHECK(chown(p, 65534, 65534) == 0);
		setenv("LEAKTRACE_CACHE_DIR", p, 1);
		CHECK(cache_fd() < 0);

		/* sudo -E: HOME and XDG_CACHE_HOME are the user's */
		unsetenv("LEAKTRACE_CACHE_DIR");
		path_of(p, sizeof p, "home");
		mkdir_mode(p, 0755);
		CHECK(chown(p, 65534, 65534) == 0);
		setenv("HOME", p, 1);
		CHECK(cache_fd() < 0);
		snprintf(q, sizeof q, "%s/.cache", p);
		CHECK(stat(q, &st) != 0); /* nothing of root's left there */
		mkdir_mode(q, 0700);
		CHECK(chown(q, 65534, 65534) == 0);
		setenv("XDG_CACHE_HOME", q, 1);
		CHECK(cache_fd() < 0);
		snprintf(q, sizeof q, "%s/.cache/leaktrace", p);
		CHECK(stat(q, &st) != 0);
		/* the user's own cache directory, made by them: not root's to use */
		mkdir_mode(q, 0700);
		CHECK(chown(q, 65534, 65534) == 0);
		CHECK(cache_fd() < 0);
		unsetenv("XDG_CACHE_HOME");

		/* a debug file planted in a good directory by someone else */
		static const unsigned char id[4] = { 0xde, 0xad, 0xbe, 0xef };
		char *path = NULL;
		snprintf(q, sizeof q, "%s/deadbeef.debug", good);
		int fd = open(q, O_WRONLY | O_CREAT, 0644);
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
		CHECK(chown(q, 65534, 65534) == 0);
		setenv("LEAKTRACE_CACHE_DIR", good, 1);
		CHECK(debugcache_open(id, sizeof id, &path) < 0 && path == NULL);
	} else {
		printf("not root: the other-user cases need chown\n");
	}
	/* HOME of ours, nothing there yet: ~/.cache/leaktrace is made */
	unsetenv("LEAKTRACE_CACHE_DIR");
	path_of(p, sizeof p, "myhome");
	mkdir_mode(p, 0755);
	setenv("HOME", p, 1);
	CHECK(cache_fd() >= 0);
	snprintf(q, sizeof q, "%s/.cache/leaktrace", p);
	CHECK(stat(q, &st) == 0 && S_ISDIR(st.st_mode));

	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
	CHECK(system(cmd) == 0);
	return check_summary("debugcache");
}
