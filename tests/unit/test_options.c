/* Unit test of options (the table-driven parser, rc files and
 * $LEAKTRACE_OPTS with valgrind's precedence and trust rules), childfilter
 * (--trace-children-skip patterns) and outfile (safe opening of report files
 * in sticky world-writable directories, socket addresses). */
#include "check.h"
#include "leaktrace/childfilter.h"
#include "leaktrace/options.h"
#include "leaktrace/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static char home[64], work[64];

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

/* options_parse on a NULL-terminated list of words after "leaktrace";
 * stderr goes to /dev/null so that expected errors stay quiet. */
static int parse(struct config *cfg, const char *const *words)
{
	static char *argv[64]; /* target_argv points into it */
	int argc = 0;

	argv[argc++] = (char *)"leaktrace";
	for (; *words && argc < 63; words++)
		argv[argc++] = (char *)*words;
	argv[argc] = NULL;
	fflush(stderr);
	int saved = dup(2), null = open("/dev/null", O_WRONLY);
	dup2(null, 2);
	close(null);
	int r = options_parse(argc, argv, cfg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	return r;
}

#define WORDS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_parse(void)
{
	struct config c;

	CHECK(parse(&c, WORDS("--leak-check=full", "--error-limit=no", "--time-stamp=yes",
			      "--xml-user-comment=<hi/>",
			      "--fullpath-after=", "--fullpath-after=src/", "--show-below-main=yes",
			      "--demangle=no", "--show-error-list=yes", "--exit-on-first-error=yes",
			      "--error-exitcode=3", "--error-markers=BEGIN,END",
			      "--default-suppressions=no", "--trace-children-skip=*/sh,*python*",
			      "--child-silent-after-fork=yes", "--log-socket=127.0.0.1",
			      "--xml-socket=10.0.0.1:4000", "--malloc-fill=0xAB", "--free-fill=cd",
			      "--soname-synonyms=somalloc=NONE", "--track-origins=yes",
			      "--vex-iropt-level=1", "--smc-check=all-non-file", "prog", "--x")) ==
	      0);
	CHECK(c.leak_check == LEAK_CHECK_FULL);
	CHECK(!c.error_limit && c.time_stamp && c.show_below_main && !c.demangle);
	CHECK(c.show_error_list && c.exit_on_first_error && !c.default_suppressions);
	CHECK_STR(c.xml_user_comment, "<hi/>");
	CHECK(c.fullpath_after && !strcmp(c.fullpath_after[0], "") &&
	      !strcmp(c.fullpath_after[1], "src/") && !c.fullpath_after[2]);
	CHECK(c.error_marker_begin && !strcmp(c.error_marker_begin, "BEGIN"));
	CHECK(c.error_marker_end && !strcmp(c.error_marker_end, "END"));
	CHECK_STR(c.trace_children_skip, "*/sh,*python*");
	CHECK(c.child_silent_after_fork);
	CHECK_STR(c.log_socket, "127.0.0.1");
	CHECK_STR(c.xml_socket, "10.0.0.1:4000");
	CHECK(c.malloc_fill == 0xab && c.free_fill == 0xcd && c.breakpoint_mode);
	CHECK_STR(c.soname_synonyms, "somalloc=NONE");
	CHECK(c.target_argv && !strcmp(c.target_argv[0], "prog") &&
	      !strcmp(c.target_argv[1], "--x"));
	CHECK(c.self_args && !strcmp(c.self_args[0], "--leak-check=full"));
	struct report rep = { 0 };
	options_fill_report(&c, &rep);
	CHECK(rep.leak_check == LEAK_CHECK_FULL && rep.time_stamp && rep.mangled_names);
	CHECK(rep.start_ns == c.start_ns && c.start_ns > 0);
	CHECK(rep.error_marker_end && !strcmp(rep.error_marker_end, "END"));
	CHECK(rep.fullpath_after == (const char *const *)c.fullpath_after);
	CHECK(!rep.xml_user_comment); /* no --xml=yes */
	options_free(&c);

	/* defaults */
	CHECK(parse(&c, WORDS("prog")) == 0);
	CHECK(c.error_limit && c.demangle && c.default_suppressions && !c.time_stamp);
	CHECK(c.malloc_fill == -1 && c.free_fill == -1 && !c.breakpoint_mode);
	CHECK(c.self_args && !c.self_args[0]);
	options_free(&c);

	/* short options, joined and apart */
	CHECK(parse(&c, WORDS("-qvs", "-p", "42")) == 0);
	CHECK(c.quiet && c.verbose == 1 && c.show_error_list && c.attach_pid == 42);
	options_free(&c);
	CHECK(parse(&c, WORDS("-p42")) == 0 && c.attach_pid == 42);
	options_free(&c);
	/* --memcheck: is ours, another tool's prefix is ignored */
	CHECK(parse(&c, WORDS("--memcheck:leak-check=no", "--massif:depth=3", "prog")) == 0);
	CHECK(c.leak_check == LEAK_CHECK_NO);
	options_free(&c);
	/* the last of a repeated option wins */
	CHECK(parse(&c, WORDS("--num-callers=5", "--num-callers=7", "prog")) == 0);
	CHECK(c.num_callers == 7);
	options_free(&c);

	/* errors */
	const char *const *bad[] = {
		WORDS("--no-such-option", "prog"),
		WORDS("--leak=full", "prog"),
		WORDS("--track-origins=maybe", "prog"),
		WORDS("--vex-iropt-level=3", "prog"),
		WORDS("-p", "0"),
		WORDS("-p"),
		WORDS("--help=foo"),
		WORDS("--p=3"),
		WORDS("--malloc-fill=100", "prog"),
		WORDS("--log-socket=host:1500", "prog"),
		WORDS("--xml-socket=1.2.3.4:0", "prog"),
		WORDS("--soname-synonyms=somalloc", "prog"),
		WORDS("--duration=1", "prog"),
		WORDS("--tool=helgrind", "prog"),
		WORDS("--exit-on-first-error=yes", "prog"),
		WORDS("--num-callers=-1", "prog"),
		WORDS("--quiet=yes", "prog"),
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = parse(&c, bad[i]);
		if (r != -1)
			fprintf(stderr, "accepted: %s\n", bad[i][0]);
		CHECK(r == -1);
		options_free(&c);
	}
	CHECK(parse(&c, WORDS("--track-origins=yes", "--version")) == 1);
	options_free(&c);
}

/* valgrind's order: ~/.leaktracerc, $LEAKTRACE_OPTS, ./.leaktracerc, argv;
 * ./.leaktracerc only when ours, regular and not writable by others. */
static void test_rc(void)
{
	struct config c;
	char path[128];

	setenv("HOME", home, 1);
	CHECK(chdir(work) == 0);
	snprintf(path, sizeof path, "%s/.leaktracerc", home);
	write_file(path, "# home\n--num-callers=3 --leak-check=full\n--fullpath-after=h\n", 0644);
	setenv("LEAKTRACE_OPTS", "--num-callers=4 --time-stamp=yes", 1);
	write_file(".leaktracerc", "--num-callers=5\n", 0644);
	CHECK(parse(&c, WORDS("prog")) == 0);
	CHECK(c.num_callers == 5 && c.leak_check == LEAK_CHECK_FULL && c.time_stamp);
	options_free(&c);
	CHECK(parse(&c, WORDS("--num-callers=6", "prog")) == 0);
	CHECK(c.num_callers == 6);
	options_free(&c);

	/* ./.leaktracerc writable by others, or not a regular file: ignored */
	chmod(".leaktracerc", 0666);
	CHECK(parse(&c, WORDS("prog")) == 0 && c.num_callers == 4);
	options_free(&c);
	unlink(".leaktracerc");
	CHECK(symlink(path, ".leaktracerc") == 0);
	CHECK(parse(&c, WORDS("prog")) == 0 && c.num_callers == 4);
	CHECK(c.fullpath_after && c.fullpath_after[0] && !c.fullpath_after[1]);
	options_free(&c);
	unlink(".leaktracerc");
	if (geteuid() == 0) { /* someone else's */
		write_file(".leaktracerc", "--num-callers=9\n", 0644);
		CHECK(chown(".leaktracerc", 65534, 65534) == 0);
		CHECK(parse(&c, WORDS("prog")) == 0 && c.num_callers == 4);
		options_free(&c);
		unlink(".leaktracerc");
	}
	/* the home directory as the current one: read once */
	CHECK(chdir(home) == 0);
	CHECK(parse(&c, WORDS("prog")) == 0);
	CHECK(c.fullpath_after && c.fullpath_after[0] && !c.fullpath_after[1]);
	options_free(&c);

	/* a bad option in an rc file or the variable is an error */
	setenv("LEAKTRACE_OPTS", "--bogus", 1);
	CHECK(parse(&c, WORDS("prog")) == -1);
	options_free(&c);
	setenv("LEAKTRACE_OPTS", "prog", 1);
	CHECK(parse(&c, WORDS("prog")) == -1);
	options_free(&c);
	unsetenv("LEAKTRACE_OPTS");
	unlink(path);
	CHECK(chdir("/") == 0);
}

static void test_childfilter(void)
{
	struct config c = { 0 };
	char *argv[] = { (char *)"python3", (char *)"-c", (char *)"/opt/tool.py", NULL };

	CHECK(childfilter_match("*/sh", "/bin/sh"));
	CHECK(!childfilter_match("*/sh", "/bin/bash"));
	CHECK(childfilter_match("a,*/ba?h", "/bin/bash"));
	CHECK(childfilter_match("*", ""));
	CHECK(!childfilter_match("", "x"));
	CHECK(!childfilter_match(NULL, "x"));
	CHECK(childfilter_match("*a*b*c", "xxaxxbxxc"));
	CHECK(!childfilter_match("*a*b*c", "xxaxxbxxcd"));
	CHECK(childfilter_match("/usr/*/python*", "/usr/bin/python3.11"));
	CHECK(!childfilter_match("?", "ab"));
	/* no exponential blow-up on many stars */
	CHECK(!childfilter_match("*a*a*a*a*a*a*a*a*a*a*a*a*b",
				 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));

	c.trace_children_skip = "*/python3*";
	CHECK(childfilter_skip(&c, "/usr/bin/python3.11", argv));
	CHECK(!childfilter_skip(&c, "/usr/bin/perl", NULL));
	c.trace_children_skip = "python3"; /* argv[0] stands in for the execve name */
	CHECK(childfilter_skip(&c, "/usr/bin/python3.11", argv));
	c.trace_children_skip = NULL;
	c.trace_children_skip_by_arg = "*.py";
	CHECK(childfilter_skip(&c, "/usr/bin/python3.11", argv));
	c.trace_children_skip_by_arg = "python3"; /* arguments only, not argv[0] */
	CHECK(!childfilter_skip(&c, "/usr/bin/python3.11", argv));
	c.trace_children_skip_by_arg = NULL;
	CHECK(!childfilter_skip_pid(&c, getpid()));
	c.trace_children_skip = "*unit-options*";
	CHECK(childfilter_skip_pid(&c, getpid()));
}

static void test_outfile(void)
{
	char dir[128], secret[128], p[160], buf[64];
	struct sockaddr_in sa;
	int fd;

	CHECK(outfile_expand("log.%p.%q{LT_TEST_VAR}.%%", 42, buf, sizeof buf) == 0);
	setenv("LT_TEST_VAR", "v", 1);
	CHECK(outfile_expand("log.%p.%q{LT_TEST_VAR}.%%", 42, buf, sizeof buf) == 0);
	CHECK_STR(buf, "log.42.v.%");
	CHECK(outfile_expand("%q{", 1, buf, sizeof buf) == -EINVAL);
	CHECK(outfile_expand("0123456789", 1, buf, 5) == -ENAMETOOLONG);

	CHECK(outfile_parse_socket("127.0.0.1", 1500, &sa) == 0 && ntohs(sa.sin_port) == 1500);
	CHECK(outfile_parse_socket("127.0.0.1:77", 1500, &sa) == 0 && ntohs(sa.sin_port) == 77);
	CHECK(outfile_parse_socket("localhost", 1500, &sa) == -EINVAL);
	CHECK(outfile_parse_socket("1.2.3.4:", 1500, &sa) == -EINVAL);
	CHECK(outfile_parse_socket(":80", 1500, &sa) == -EINVAL);
	CHECK(outfile_parse_socket("1.2.3.4:65536", 1500, &sa) == -EINVAL);

	/* a sticky world-writable directory, like /tmp */
	snprintf(dir, sizeof dir, "%s/sticky", work);
	snprintf(secret, sizeof secret, "%s/secret", work);
	CHECK(mkdir(dir, 0777) == 0);
	CHECK(chmod(dir, 01777) == 0);
	write_file(secret, "keep me", 0600);

	/* a new file: created; an existing file of ours: truncated */
	snprintf(p, sizeof p, "%s/new.log", dir);
	CHECK(outfile_check(p) == 0);
	CHECK(access(p, F_OK) != 0); /* the check leaves nothing behind */
	fd = outfile_open(p);
	CHECK(fd >= 0 && write(fd, "abc", 3) == 3);
	close(fd);
	fd = outfile_open(p);
	struct stat st;
	CHECK(fd >= 0 && !fstat(fd, &st) && st.st_size == 0);
	close(fd);
	/* our own symlink there is followed */
	snprintf(p, sizeof p, "%s/mine.log", dir);
	CHECK(symlink(secret, p) == 0);
	CHECK(outfile_check(p) == 0);
	if (geteuid() == 0) {
		/* a symlink planted by another user: refused, the target untouched */
		snprintf(p, sizeof p, "%s/planted.log", dir);
		CHECK(symlink(secret, p) == 0);
		CHECK(lchown(p, 65534, 65534) == 0);
		CHECK(outfile_check(p) == -EACCES);
		CHECK(outfile_open(p) == -EACCES);
		fd = open(secret, O_RDONLY);
		CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 7);
		close(fd);
		/* another user's regular file (or a hard link to one) */
		snprintf(p, sizeof p, "%s/theirs.log", dir);
		write_file(p, "theirs", 0666);
		CHECK(chown(p, 65534, 65534) == 0);
		CHECK(outfile_open(p) == -EACCES);
		CHECK(stat(p, &st) == 0 && st.st_size == 6);
	} else {
		printf("not root: the planted-symlink checks need another user's files\n");
	}
	/* outside sticky directories, symlinks are followed as usual */
	snprintf(p, sizeof p, "%s/link.log", work);
	CHECK(symlink("secret2", p) == 0);
	CHECK(outfile_check(p) == 0);
	/* what cannot be written is known before the program runs */
	CHECK(outfile_check("/nonexistent-dir/x.svg") == -ENOENT);
	CHECK(outfile_check(dir) == -EISDIR);
	CHECK(outfile_check("/") == -EISDIR);
	/* a FIFO nobody reads does not hang */
	snprintf(p, sizeof p, "%s/fifo", work);
	CHECK(mkfifo(p, 0600) == 0);
	CHECK(outfile_open(p) == -ENXIO);
	/* a stream for a descriptor */
	FILE *f = outfile_stream(NULL, 1, NULL, 0, 1);
	CHECK(f != NULL);
	if (f)
		fclose(f);
	f = outfile_stream(NULL, 1, "127.0.0.1:1", 1500, 1);
	CHECK(f == NULL && errno == ECONNREFUSED);
}

int main(void)
{
	snprintf(home, sizeof home, "/tmp/lt-opt-home.XXXXXX");
	snprintf(work, sizeof work, "/tmp/lt-opt-work.XXXXXX");
	if (!mkdtemp(home) || !mkdtemp(work)) {
		perror("mkdtemp");
		return 1;
	}
	unsetenv("LEAKTRACE_OPTS");
	setenv("HOME", home, 1);
	test_parse();
	test_rc();
	test_childfilter();
	test_outfile();
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", home, work);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s, %s\n", home, work);
	return check_summary("options");
}
