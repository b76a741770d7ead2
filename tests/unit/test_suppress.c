/* Unit test of suppress: parsing (with error line numbers), every pattern
 * form, "...", match-leak-kinds, counting, and generated suppressions that
 * parse back and match their own record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "leaktrace/suppress.h"

/* a function, not a macro: the arguments have side effects (counting) */
static int STREQ(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static struct suppress *load(const char *text, int *rc, char *err, size_t errlen)
{
	struct suppress *s = suppress_new();

	*rc = suppress_load_buffer(s, "t.supp", text, strlen(text), err, errlen);
	return s;
}

/* malloc <- push <- main, as in list.c; C++ frames with mangled names */
static const struct frame_info list_frames[] = {
	{ 0x48417B4, "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so", "malloc", "malloc",
	  NULL, NULL, 0 },
	{ 0x109151, "/src/list", "push", "push", "/src", "list.c", 5 },
	{ 0x10919A, "/src/list", "main", "main", "/src", "list.c", 8 },
};
static const struct frame_info cxx_frames[] = {
	{ 0x4841F2F, "/usr/lib/libstdc++.so.6", "operator new(unsigned long)", "_Znwm", NULL, NULL,
	  0 },
	{ 0x10A5EE, "/src/s", "Box<std::pair<int, char> >::Box()", "_ZN3BoxISt4pairIicEEC1Ev",
	  "/src", "s.cc", 4 },
	{ 0x2000, "/lib/libz.so.1", NULL, NULL, NULL, NULL, 0 },
	{ 0x3000, NULL, NULL, NULL, NULL, NULL, 0 },
	{ 0x10A340, "/src/s", "main", "main", "/src", "s.cc", 7 },
};

static const char *leak_match(const char *text, enum leak_kind k, const struct frame_info *f,
			      unsigned n)
{
	static char name[128];
	char err[256] = "";
	int rc;
	struct suppress *s = load(text, &rc, err, sizeof err);
	int i;

	if (rc < 0) {
		fprintf(stderr, "unexpected parse error: %s\n", err);
		suppress_free(s);
		return "PARSE-ERROR";
	}
	i = suppress_find_leak(s, k, f, n);
	snprintf(name, sizeof name, "%s", i >= 0 ? suppress_name(s, i) : "");
	suppress_free(s);
	return i >= 0 ? name : NULL;
}

#define LEAK(body) "{\n   n\n   Memcheck:Leak\n" body "}\n"

static void test_patterns(void)
{
	/* exact, prefix of the stack, too long */
	CHECK(STREQ(
	    leak_match(LEAK("fun:malloc\nfun:push\nfun:main\n"), LEAK_DEFINITE, list_frames, 3),
	    "n"));
	CHECK(STREQ(leak_match(LEAK("fun:malloc\n"), LEAK_DEFINITE, list_frames, 3), "n"));
	CHECK(leak_match(LEAK("fun:malloc\nfun:push\nfun:main\nfun:x\n"), LEAK_DEFINITE,
			 list_frames, 3) == NULL);
	CHECK(leak_match(LEAK("fun:push\n"), LEAK_DEFINITE, list_frames, 3) == NULL);
	/* wildcards */
	CHECK(
	    STREQ(leak_match(LEAK("fun:*alloc\nfun:p?sh\n"), LEAK_DEFINITE, list_frames, 3), "n"));
	CHECK(
	    STREQ(leak_match(LEAK("fun:*\nfun:*\nfun:m*n\n"), LEAK_DEFINITE, list_frames, 3), "n"));
	CHECK(leak_match(LEAK("fun:p??sh\n"), LEAK_DEFINITE, list_frames + 1, 2) == NULL);
	CHECK(STREQ(leak_match(LEAK("fun:*a*l*o*c*\n"), LEAK_DEFINITE, list_frames, 3), "n"));
	CHECK(leak_match(LEAK("fun:mall\n"), LEAK_DEFINITE, list_frames, 3) == NULL);
	CHECK(leak_match(LEAK("fun:malloc?\n"), LEAK_DEFINITE, list_frames, 3) == NULL);
	/* obj: and src: */
	CHECK(STREQ(leak_match(LEAK("obj:*/vgpreload_memcheck-*.so\nobj:/src/list\n"),
			       LEAK_DEFINITE, list_frames, 3),
		    "n"));
	CHECK(STREQ(leak_match(LEAK("fun:malloc\nsrc:list.c:5\nsrc:list.c\n"), LEAK_DEFINITE,
			       list_frames, 3),
		    "n"));
	CHECK(STREQ(leak_match(LEAK("fun:malloc\nsrc:l*.c:5\n"), LEAK_DEFINITE, list_frames, 3),
		    "n"));
	CHECK(leak_match(LEAK("fun:malloc\nsrc:list.c:6\n"), LEAK_DEFINITE, list_frames, 3) ==
	      NULL);
	/* "...": zero frames, several frames, at the end, at the start */
	CHECK(STREQ(leak_match(LEAK("fun:malloc\n...\nfun:push\n"), LEAK_DEFINITE, list_frames, 3),
		    "n"));
	CHECK(STREQ(leak_match(LEAK("fun:malloc\n...\nfun:main\n"), LEAK_DEFINITE, list_frames, 3),
		    "n"));
	CHECK(STREQ(leak_match(LEAK("...\nfun:main\n"), LEAK_DEFINITE, list_frames, 3), "n"));
	CHECK(STREQ(leak_match(LEAK("fun:malloc\n...\n"), LEAK_DEFINITE, list_frames, 3), "n"));
	CHECK(STREQ(leak_match(LEAK("...\n...\nfun:push\n...\n"), LEAK_DEFINITE, list_frames, 3),
		    "n"));
	CHECK(leak_match(LEAK("...\nfun:nothere\n"), LEAK_DEFINITE, list_frames, 3) == NULL);
	CHECK(leak_match(LEAK("fun:malloc\n...\nfun:push\nfun:push\n"), LEAK_DEFINITE, list_frames,
			 3) == NULL);
	/* C++: the mangled name matches, the demangled one does not (as memcheck) */
	CHECK(STREQ(leak_match(LEAK("fun:_Znwm\nfun:_ZN3Box*\n"), LEAK_DEFINITE, cxx_frames, 5),
		    "n"));
	CHECK(leak_match(LEAK("fun:operator new(unsigned long)\n"), LEAK_DEFINITE, cxx_frames, 5) ==
	      NULL);
	/* unsymbolized frames read as "???" */
	CHECK(STREQ(leak_match(LEAK("fun:_Znwm\nfun:*\nobj:/lib/libz.so*\nobj:*\nfun:main\n"),
			       LEAK_DEFINITE, cxx_frames, 5),
		    "n"));
	CHECK(STREQ(
	    leak_match(LEAK("...\nfun:\\?\\?\\?\nfun:main\n"), LEAK_DEFINITE, cxx_frames, 5), "n"));
	CHECK(leak_match(LEAK("...\nfun:\\?\\?\\?\nfun:main\n"), LEAK_DEFINITE, list_frames, 3) ==
	      NULL);
}

static void test_leak_kinds(void)
{
	const char *t = LEAK("match-leak-kinds: definite,possible\nfun:malloc\n");
	CHECK(STREQ(leak_match(t, LEAK_DEFINITE, list_frames, 3), "n"));
	CHECK(STREQ(leak_match(t, LEAK_POSSIBLE, list_frames, 3), "n"));
	CHECK(leak_match(t, LEAK_INDIRECT, list_frames, 3) == NULL);
	CHECK(leak_match(t, LEAK_REACHABLE, list_frames, 3) == NULL);
	t = LEAK("match-leak-kinds: all\nfun:malloc\n");
	CHECK(STREQ(leak_match(t, LEAK_REACHABLE, list_frames, 3), "n"));
	t = LEAK("match-leak-kinds: none\nfun:malloc\n");
	CHECK(leak_match(t, LEAK_DEFINITE, list_frames, 3) == NULL);
	/* without the line, every kind */
	t = LEAK("fun:malloc\n");
	for (unsigned k = 0; k < LEAK_KIND_COUNT; k++)
		CHECK(STREQ(leak_match(t, (enum leak_kind)k, list_frames, 3), "n"));
}

static const char file_text[] = "# a comment\n"
				"\n"
				"   # an indented comment\n"
				"{\n"
				"   other tool\n"
				"   Helgrind:Race\n"
				"   fun:malloc\n"
				"}\n"
				"{\n"
				"   param\n"
				"   Memcheck:Param\n"
				"   write(buf)\n"
				"   fun:malloc\n"
				"}\n"
				"{\n"
				"   free-in-main\n"
				"   Memcheck,Helgrind:Free\n"
				"   fun:free\n"
				"   fun:main\n"
				"}\n"
				"{\n"
				"  \tleak with spaces in its name  \n"
				"   Memcheck:Leak\n"
				"   match-leak-kinds: definite\n"
				"   fun:malloc\n"
				"   fun:push\n"
				"}\n"
				"  {  \n"
				"   second leak\n"
				"   Memcheck:Leak\n"
				"   fun:malloc\n"
				"}\n";

static void test_file_and_counts(void)
{
	static const struct frame_info free_frames[] = {
		{ 0x484417B, "/vg.so", "free", "free", NULL, NULL, 0 },
		{ 0x10A396, "/src/s", "main", "main", "/src", "s.cc", 9 },
	};
	char err[256] = "";
	int rc;
	struct suppress *s = load(file_text, &rc, err, sizeof err);
	struct suppression_use *used;
	long n;

	CHECK(rc == 0);
	if (rc != 0)
		fprintf(stderr, "parse error: %s\n", err);
	CHECK(suppress_count(s) == 4); /* Helgrind's is skipped, Param kept */
	CHECK(STREQ(suppress_match_error(s, ERR_INVALID_FREE, free_frames, 2), "free-in-main"));
	CHECK(STREQ(suppress_match_error(s, ERR_MISMATCHED_FREE, free_frames, 2), "free-in-main"));
	CHECK(suppress_match_error(s, ERR_FD_NOT_CLOSED, free_frames, 2) == NULL);
	CHECK(suppress_find_leak(s, LEAK_DEFINITE, free_frames, 2) < 0);
	CHECK(STREQ(suppress_match_leak(s, LEAK_DEFINITE, list_frames, 3, 48, 1),
		    "leak with spaces in its name"));
	CHECK(STREQ(suppress_match_leak(s, LEAK_INDIRECT, list_frames, 3, 32, 2), "second leak"));
	CHECK(STREQ(suppress_match_leak(s, LEAK_REACHABLE, list_frames, 3, 64, 1), "second leak"));
	CHECK(suppress_find_error(s, ERR_INVALID_FREE, list_frames, 3) < 0);

	n = suppress_used(s, &used);
	CHECK(n == 3);
	for (long i = 0; getenv("DUMP") && i < n; i++)
		fprintf(stderr, "%s %u %s:%u %d %lu %lu\n", used[i].name, used[i].count,
			used[i].file, used[i].line, used[i].leak, (unsigned long)used[i].bytes,
			(unsigned long)used[i].blocks);
	if (n == 3) {
		CHECK(STREQ(used[0].name, "free-in-main") && used[0].count == 2 && !used[0].leak);
		CHECK(STREQ(used[0].file, "t.supp") && used[0].line == 16);
		CHECK(STREQ(used[1].name, "leak with spaces in its name") && used[1].count == 1);
		CHECK(used[1].leak && used[1].bytes == 48 && used[1].blocks == 1 &&
		      used[1].line == 22);
		CHECK(STREQ(used[2].name, "second leak") && used[2].count == 2);
		CHECK(used[2].bytes == 96 && used[2].blocks == 3 && used[2].line == 29);
	}
	free(used);
	suppress_free(s);
}

/* A broken file: the error names the file and the right line. */
static void expect_error(const char *text, const char *want)
{
	char err[256] = "";
	int rc;
	struct suppress *s = load(text, &rc, err, sizeof err);

	CHECK(rc == -EINVAL);
	if (strncmp(err, want, strlen(want)) != 0) {
		failures++;
		fprintf(stderr, "%s:%d: error '%s' does not start with '%s'\n", __FILE__, __LINE__,
			err, want);
	}
	checks++;
	suppress_free(s);
}

static void test_errors(void)
{
	expect_error("# c\n\nfoo\n", "t.supp:3: expected '{'");
	expect_error("{\n}\n", "t.supp:2: unexpected '}'");
	expect_error("{\n  n\n  Memcheck\n  fun:x\n}\n", "t.supp:3: expected 'Tool:Kind'");
	expect_error("{\n  n\n  Memcheck:Bogus\n  fun:x\n}\n",
		     "t.supp:3: unknown Memcheck suppression kind 'Bogus'");
	expect_error("{\n  n\n  Memcheck:Leak\n  match-leak-kinds: definite,lost\n  fun:x\n}\n",
		     "t.supp:4: bad leak kinds");
	expect_error("{\n  n\n  Memcheck:Leak\n\n  fun:x\n  fn:y\n}\n",
		     "t.supp:6: expected 'fun:'");
	expect_error("{\n  n\n  Memcheck:Leak\n  fun:x\n", "t.supp:4: unexpected end of file");
	expect_error("{\n  n\n  Memcheck:Leak\n}\n", "t.supp:4: suppression 'n' has no frames");
	expect_error("{\n  n\n  Memcheck:Leak\n  src:a.c:x\n}\n", "t.supp:4: bad line number");
	/* the error from a real file carries its path */
	char err[256] = "";
	struct suppress *s = suppress_new();
	CHECK(suppress_load_file(s, "/nonexistent/x.supp", err, sizeof err) == -ENOENT);
	CHECK(strncmp(err, "/nonexistent/x.supp: ", 21) == 0);
	suppress_free(s);
}

static void test_generate_roundtrip(void)
{
	struct supp_head h;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char err[256] = "";
	int rc;

	suppress_head_leak(LEAK_INDIRECT, &h);
	suppress_gen_write(f, &h, cxx_frames, 5);
	fclose(f);
	CHECK(STREQ(buf, "{\n"
			 "   <insert_a_suppression_name_here>\n"
			 "   Memcheck:Leak\n"
			 "   match-leak-kinds: indirect\n"
			 "   fun:_Znwm\n"
			 "   fun:_ZN3BoxISt4pairIicEEC1Ev\n"
			 "   obj:/lib/libz.so.1\n"
			 "   obj:*\n"
			 "   fun:main\n"
			 "}\n"));
	struct suppress *s = load(buf, &rc, err, sizeof err);
	CHECK(rc == 0);
	CHECK(STREQ(suppress_match_leak(s, LEAK_INDIRECT, cxx_frames, 5, 24, 1),
		    "<insert_a_suppression_name_here>"));
	CHECK(suppress_find_leak(s, LEAK_DEFINITE, cxx_frames, 5) < 0);
	suppress_free(s);
	free(buf);

	suppress_head_error(ERR_MISMATCHED_FREE, &h);
	CHECK(STREQ(h.skind, "Memcheck:Free") && h.skaux[0] == '\0');
	buf = NULL;
	f = open_memstream(&buf, &len);
	suppress_gen_write(f, &h, list_frames, 3);
	fclose(f);
	s = load(buf, &rc, err, sizeof err);
	CHECK(rc == 0);
	CHECK(suppress_find_error(s, ERR_MISMATCHED_FREE, list_frames, 3) == 0);
	suppress_free(s);
	free(buf);
}

/* Files that are not suppression files: a device that never ends, a FIFO
 * nobody writes, a directory, a huge file; raw bytes in messages and names
 * come out escaped. */
static void test_file_safety(void)
{
	char dir[] = "/tmp/lt-supp.XXXXXX", p[64], err[512];
	struct suppress *s = suppress_new();

	CHECK(mkdtemp(dir) != NULL);
	CHECK(suppress_load_file(s, "/dev/null", err, sizeof err) == 0); /* empty, as valgrind */
	CHECK(suppress_load_file(s, "/dev/zero", err, sizeof err) == -EINVAL);
	CHECK(strstr(err, "not a regular file") != NULL);
	CHECK(suppress_load_file(s, dir, err, sizeof err) == -EINVAL);
	snprintf(p, sizeof p, "%s/fifo", dir);
	CHECK(mkfifo(p, 0600) == 0);
	CHECK(suppress_load_file(s, p, err, sizeof err) == -EINVAL); /* and no hang */
	snprintf(p, sizeof p, "%s/huge.supp", dir);
	FILE *f = fopen(p, "w");
	CHECK(f && ftruncate(fileno(f), (off_t)SUPPRESS_MAX_FILE + 1) == 0);
	if (f)
		fclose(f);
	CHECK(suppress_load_file(s, p, err, sizeof err) == -EFBIG);
	CHECK(strstr(err, "larger than") != NULL);

	/* an escape sequence in a bad line, and in a name */
	snprintf(p, sizeof p, "%s/esc.supp", dir);
	f = fopen(p, "w");
	CHECK(f && fputs("{\n  n\033[31m\\x\n  Memcheck:Leak\n  fun:main\n}\n"
			 "{\n  m\n  Memcheck:Bad\033]0;title\007\n}\n",
			 f) >= 0);
	if (f)
		fclose(f);
	CHECK(suppress_load_file(s, p, err, sizeof err) == -EINVAL);
	CHECK(strstr(err, "'Bad\\x1b]0;title\\x07'") != NULL);
	CHECK(strchr(err, '\033') == NULL && strchr(err, '\007') == NULL);
	CHECK(suppress_count(s) == 1);
	if (suppress_count(s) == 1)
		CHECK(STREQ(suppress_name(s, 0), "n\\x1b[31m\\x5cx"));
	suppress_free(s);
	char cmd[64];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	test_file_safety();
	test_patterns();
	test_leak_kinds();
	test_file_and_counts();
	test_errors();
	test_generate_roundtrip();
	return check_summary("test_suppress");
}
