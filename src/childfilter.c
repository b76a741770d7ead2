/* childfilter: which exec'd children --trace-children=yes follows.
 *
 * valgrind decides at the execve whether the new program is traced, by
 * matching the executable's name against --trace-children-skip and its
 * arguments against --trace-children-skip-by-arg.  A ptrace tracer sees the
 * exec after the fact (PTRACE_EVENT_EXEC), when the file name given to execve
 * is gone: the resolved /proc/PID/exe and argv[0] stand in for it, and a
 * pattern matching either skips the child.  The matcher itself is pure. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leaktrace/childfilter.h"

/* Glob of pattern [p, pend) against all of s: '*' and '?', nothing else.
 * Iterative with one backtrack point, so no pattern can make it exponential. */
static bool glob_match(const char *p, const char *pend, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (p < pend && (*p == '?' || *p == *s) && *p != '*') {
			p++;
			s++;
		} else if (p < pend && *p == '*') {
			star = ++p;
			resume = s;
		} else if (star) {
			p = star;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (p < pend && *p == '*')
		p++;
	return p == pend;
}

bool childfilter_match(const char *patterns, const char *s)
{
	if (!patterns || !s)
		return false;
	for (const char *p = patterns; *p;) {
		size_t len = strcspn(p, ",");
		if (len && glob_match(p, p + len, s))
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

bool childfilter_skip(const struct config *cfg, const char *exe, char *const *argv)
{
	if (childfilter_match(cfg->trace_children_skip, exe))
		return true;
	if (argv && argv[0] && childfilter_match(cfg->trace_children_skip, argv[0]))
		return true;
	for (size_t i = 1; argv && argv[0] && argv[i]; i++)
		if (childfilter_match(cfg->trace_children_skip_by_arg, argv[i]))
			return true;
	return false;
}

bool childfilter_skip_pid(const struct config *cfg, pid_t pid)
{
	char fn[64], exe[PATH_MAX], *buf, **argv;
	ssize_t n;
	int fd;

	if (!cfg->trace_children_skip && !cfg->trace_children_skip_by_arg)
		return false;
	snprintf(fn, sizeof fn, "/proc/%d/exe", (int)pid);
	n = readlink(fn, exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	snprintf(fn, sizeof fn, "/proc/%d/cmdline", (int)pid);
	if ((fd = open(fn, O_RDONLY | O_CLOEXEC)) < 0 || !(buf = malloc(65536))) {
		if (fd >= 0)
			close(fd);
		return childfilter_skip(cfg, exe, NULL);
	}
	n = read(fd, buf, 65535);
	close(fd);
	size_t len = n > 0 ? (size_t)n : 0, count = 0;
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		count += buf[i] == '\0';
	bool skip;
	if ((argv = calloc(count + 2, sizeof *argv))) {
		size_t k = 0;
		for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
			argv[k++] = buf + i;
		skip = childfilter_skip(cfg, exe, argv);
		free(argv);
	} else {
		skip = childfilter_skip(cfg, exe, NULL);
	}
	free(buf);
	return skip;
}
