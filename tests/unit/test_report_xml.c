/* Unit test of report_xml: escaping, UTF-8 repair, CDATA splitting, and
 * whole synthetic reports compared with memcheck 3.19's XML for the same
 * programs (/work/shared/valgrind-xml-samples) and checked by xmllint when
 * it is installed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fake_symbols.h"
#include "leaktrace/report.h"
#include "leaktrace/report_xml.h"

#define VGPRELOAD "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so"

static const struct frame_info syms[] = {
	{ 0x48417B4, VGPRELOAD, "malloc", "malloc", NULL, NULL, 0 },
	{ 0x484499B, VGPRELOAD, "operator delete(void*, unsigned long)", "_ZdlPvm", NULL, NULL, 0 },
	{ 0x484320F, VGPRELOAD, "operator new[](unsigned long)", "_Znam", NULL, NULL, 0 },
	{ 0x109151, "/src/list", "push", "push", "/src", "list.c", 5 },
	{ 0x10919A, "/src/list", "main", "main", "/src", "list.c", 8 },
	{ 0x1091BA, "/src/list", "main", "main", "/src", "list.c", 10 },
	{ 0x10A370, "/src/s", "main", "main", "/src", "s.cc", 8 },
	{ 0x10A356, "/src/s", "main", "main", "/src", "s.cc", 8 },
	/* hostile names: markup characters, a space, invalid UTF-8, "]]>" */
	{ 0x5000, "/opt/my dir/lib\xff.so", "std::map<std::string, int>::operator[](A&&)",
	  "_Zweird]]>name", "/src/a&b", "x<y>.cc", 7 },
	{ 0x5001, NULL, "caf\xc3\xa9 \xe2\x82\xac \xc0\xaf \xed\xa0\x80 \x01", NULL, NULL, NULL,
	  0 },
};

static int fake_symbolize(void *ctx, uint64_t ip, struct frame_info *out)
{
	(void)ctx;
	return fake_lookup(syms, sizeof syms / sizeof syms[0], ip, out);
}

static char *escaped(const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	report_xml_escape(f, s, len);
	fclose(f);
	return buf;
}

#define ESCAPED(lit) escaped(lit, sizeof(lit) - 1)

static void test_escape(void)
{
	char *s;

	s = ESCAPED("a&b<c>d\"e'f");
	CHECK_STR(s, "a&amp;b&lt;c&gt;d\"e'f");
	free(s);
	s = ESCAPED("std::map<std::string, int>::operator[]");
	CHECK_STR(s, "std::map&lt;std::string, int&gt;::operator[]");
	free(s);
	/* valid multi-byte UTF-8 passes unchanged */
	s = ESCAPED("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	CHECK_STR(s, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	free(s);
	/* stray byte, overlong '/', surrogate, truncated sequence, control chars, NUL */
	s = ESCAPED("a\xff"
		    "b\xc0\xaf"
		    "c\xed\xa0\x80"
		    "d\x01\x1b\t\n"
		    "e\xe2\x82");
	CHECK_STR(s, "a\xEF\xBF\xBD"
		     "b\xEF\xBF\xBD\xEF\xBF\xBD"
		     "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
		     "d\xEF\xBF\xBD\xEF\xBF\xBD\t\n"
		     "e\xEF\xBF\xBD\xEF\xBF\xBD");
	free(s);
	s = ESCAPED("x\0y");
	CHECK_STR(s, "x\xEF\xBF\xBDy");
	free(s);
}

static const uint64_t list_s1[] = { 0x48417B4, 0x109151, 0x10919A };
static const uint64_t list_s3[] = { 0x48417B4, 0x1091BA };
static struct loss_record list_records[3];

static void list_report(struct report *r)
{
	static char a0[] = "--leak-check=full", a1[] = "--show-leak-kinds=all", a2[] = "--xml=yes",
		    a3[] = "--xml-file=list.xml";
	static char *tool_args[] = { a0, a1, a2, a3, NULL };

	memset(r, 0, sizeof *r);
	r->pid = 6494;
	r->ppid = 6485;
	r->tool_name = "leaktrace";
	r->tool_version = "0.1";
	r->tool_exe = "/usr/bin/valgrind.bin";
	r->tool_args = tool_args;
	r->target_exe = "./list";
	r->inuse_bytes = 112;
	r->inuse_blocks = 4;
	r->total_allocs = 4;
	r->total_bytes = 112;
	r->leak_check = LEAK_CHECK_FULL;
	r->show_kinds = 0xf;
	r->errors_for_kinds = 1u << LEAK_DEFINITE | 1u << LEAK_POSSIBLE;
	list_records[0] = (struct loss_record){ .kind = LEAK_INDIRECT,
						.stack = { list_s1, 3 },
						.bytes = 32,
						.blocks = 2,
						.number = 1 };
	list_records[1] = (struct loss_record){ .kind = LEAK_DEFINITE,
						.stack = { list_s1, 3 },
						.bytes = 16,
						.indirect_bytes = 32,
						.blocks = 1,
						.number = 2 };
	list_records[2] = (struct loss_record){ .kind = LEAK_REACHABLE,
						.stack = { list_s3, 2 },
						.bytes = 64,
						.blocks = 1,
						.number = 3 };
	r->records = list_records;
	r->nrecords = 3;
	r->symbolize = fake_symbolize;
}

/* Everything memcheck wrote to list.xml from the first <status> on. */
static const char list_xml_tail[] =
    "<status>\n  <state>RUNNING</state>\n  <time>00:00:00:00.021 </time>\n</status>\n\n\n"
    "<status>\n  <state>FINISHED</state>\n  <time>00:00:00:00.338 </time>\n</status>\n\n"
    "<error>\n  <unique>0x0</unique>\n  <tid>1</tid>\n  <kind>Leak_IndirectlyLost</kind>\n"
    "  <xwhat>\n    <text>32 bytes in 2 blocks are indirectly lost in loss record 1 of 3</text>\n"
    "    <leakedbytes>32</leakedbytes>\n    <leakedblocks>2</leakedblocks>\n  </xwhat>\n"
    "  <stack>\n"
    "    <frame>\n      <ip>0x48417B4</ip>\n      <obj>" VGPRELOAD
    "</obj>\n      <fn>malloc</fn>\n    </frame>\n"
    "    <frame>\n      <ip>0x109151</ip>\n      <obj>/src/list</obj>\n      <fn>push</fn>\n      "
    "<dir>/src</dir>\n      <file>list.c</file>\n      <line>5</line>\n    </frame>\n"
    "    <frame>\n      <ip>0x10919A</ip>\n      <obj>/src/list</obj>\n      <fn>main</fn>\n      "
    "<dir>/src</dir>\n      <file>list.c</file>\n      <line>8</line>\n    </frame>\n"
    "  </stack>\n</error>\n\n"
    "<error>\n  <unique>0x1</unique>\n  <tid>1</tid>\n  <kind>Leak_DefinitelyLost</kind>\n"
    "  <xwhat>\n    <text>48 (16 direct, 32 indirect) bytes in 1 blocks are definitely lost in "
    "loss record 2 of 3</text>\n"
    "    <leakedbytes>48</leakedbytes>\n    <leakedblocks>1</leakedblocks>\n  </xwhat>\n"
    "  <stack>\n"
    "    <frame>\n      <ip>0x48417B4</ip>\n      <obj>" VGPRELOAD
    "</obj>\n      <fn>malloc</fn>\n    </frame>\n"
    "    <frame>\n      <ip>0x109151</ip>\n      <obj>/src/list</obj>\n      <fn>push</fn>\n      "
    "<dir>/src</dir>\n      <file>list.c</file>\n      <line>5</line>\n    </frame>\n"
    "    <frame>\n      <ip>0x10919A</ip>\n      <obj>/src/list</obj>\n      <fn>main</fn>\n      "
    "<dir>/src</dir>\n      <file>list.c</file>\n      <line>8</line>\n    </frame>\n"
    "  </stack>\n</error>\n\n"
    "<error>\n  <unique>0x2</unique>\n  <tid>1</tid>\n  <kind>Leak_StillReachable</kind>\n"
    "  <xwhat>\n    <text>64 bytes in 1 blocks are still reachable in loss record 3 of 3</text>\n"
    "    <leakedbytes>64</leakedbytes>\n    <leakedblocks>1</leakedblocks>\n  </xwhat>\n"
    "  <stack>\n"
    "    <frame>\n      <ip>0x48417B4</ip>\n      <obj>" VGPRELOAD
    "</obj>\n      <fn>malloc</fn>\n    </frame>\n"
    "    <frame>\n      <ip>0x1091BA</ip>\n      <obj>/src/list</obj>\n      <fn>main</fn>\n      "
    "<dir>/src</dir>\n      <file>list.c</file>\n      <line>10</line>\n    </frame>\n"
    "  </stack>\n</error>\n\n"
    "<errorcounts>\n</errorcounts>\n\n<suppcounts>\n</suppcounts>\n\n</valgrindoutput>\n\n";

static char *render_list(const struct report *r, const struct mem_error *errs, size_t nerrs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	report_xml_preamble(f, r, 21);
	for (size_t i = 0; i < nerrs; i++)
		report_xml_error(f, r, &errs[i]);
	report_xml_final(f, r, 338);
	fclose(f);
	return buf;
}

static void test_list(void)
{
	struct report r;
	char *s;

	list_report(&r);
	s = render_list(&r, NULL, 0);
	static const char head[] =
	    "<?xml version=\"1.0\"?>\n\n<valgrindoutput>\n\n<protocolversion>4</protocolversion>\n"
	    "<protocoltool>memcheck</protocoltool>\n\n<preamble>\n"
	    "  <line>leaktrace-0.1, a ptrace-based leak analyzer</line>\n"
	    "  <line>Command: ./list</line>\n</preamble>\n\n"
	    "<pid>6494</pid>\n<ppid>6485</ppid>\n<tool>memcheck</tool>\n\n"
	    "<args>\n  <vargv>\n    <exe>/usr/bin/valgrind.bin</exe>\n"
	    "    <arg>--leak-check=full</arg>\n    <arg>--show-leak-kinds=all</arg>\n"
	    "    <arg>--xml=yes</arg>\n    <arg>--xml-file=list.xml</arg>\n  </vargv>\n"
	    "  <argv>\n    <exe>./list</exe>\n  </argv>\n</args>\n\n";
	CHECK(strncmp(s, head, sizeof head - 1) == 0);
	const char *status = strstr(s, "<status>");
	CHECK(status != NULL);
	if (status)
		CHECK_STR(status, list_xml_tail);
	free(s);
}

static const uint64_t mm_stack[] = { 0x484499B, 0x10A370 };
static const uint64_t mm_alloc[] = { 0x484320F, 0x10A356 };

/* The MismatchedFree of mixed.xml with --gen-suppressions=all: the
 * suppression inside the error and memcheck's copy after it. */
static const char mixed_error0[] =
    "<error>\n  <unique>0x0</unique>\n  <tid>1</tid>\n  <kind>MismatchedFree</kind>\n"
    "  <what>Mismatched free() / delete / delete []</what>\n"
    "  <stack>\n"
    "    <frame>\n      <ip>0x484499B</ip>\n      <obj>" VGPRELOAD
    "</obj>\n      <fn>operator delete(void*, unsigned long)</fn>\n    </frame>\n"
    "    <frame>\n      <ip>0x10A370</ip>\n      <obj>/src/s</obj>\n      <fn>main</fn>\n      "
    "<dir>/src</dir>\n      <file>s.cc</file>\n      <line>8</line>\n    </frame>\n"
    "  </stack>\n"
    "  <auxwhat>Address 0x4d6fd30 is 0 bytes inside a block of size 16 alloc'd</auxwhat>\n"
    "  <stack>\n"
    "    <frame>\n      <ip>0x484320F</ip>\n      <obj>" VGPRELOAD
    "</obj>\n      <fn>operator new[](unsigned long)</fn>\n    </frame>\n"
    "    <frame>\n      <ip>0x10A356</ip>\n      <obj>/src/s</obj>\n      <fn>main</fn>\n      "
    "<dir>/src</dir>\n      <file>s.cc</file>\n      <line>8</line>\n    </frame>\n"
    "  </stack>\n"
    "  <suppression>\n    <sname>insert_a_suppression_name_here</sname>\n    "
    "<skind>Memcheck:Free</skind>\n"
    "    <sframe> <fun>_ZdlPvm</fun> </sframe>\n    <sframe> <fun>main</fun> </sframe>\n"
    "    <rawtext>\n<![CDATA[\n{\n   <insert_a_suppression_name_here>\n   Memcheck:Free\n   "
    "fun:_ZdlPvm\n   fun:main\n}\n]]>\n    </rawtext>\n"
    "  </suppression>\n"
    "</error>\n\n"
    "  <suppression>\n    <sname>insert_a_suppression_name_here</sname>\n    "
    "<skind>Memcheck:Free</skind>\n"
    "    <sframe> <fun>_ZdlPvm</fun> </sframe>\n    <sframe> <fun>main</fun> </sframe>\n"
    "    <rawtext>\n<![CDATA[\n{\n   <insert_a_suppression_name_here>\n   Memcheck:Free\n   "
    "fun:_ZdlPvm\n   fun:main\n}\n]]>\n    </rawtext>\n"
    "  </suppression>\n";

static void test_mixed_error(void)
{
	struct report r;
	struct mem_error e = { .kind = ERR_MISMATCHED_FREE,
			       .tid = 1,
			       .stack = { mm_stack, 2 },
			       .addr = 0x4d6fd30,
			       .desc = ADDR_ALLOCD,
			       .block_addr = 0x4d6fd30,
			       .block_size = 16,
			       .alloc_stack = { mm_alloc, 2 },
			       .count = 1 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	list_report(&r);
	r.gen_suppressions = GEN_SUPP_ALL;
	f = open_memstream(&buf, &len);
	report_xml_error(f, &r, &e);
	fclose(f);
	CHECK_STR(buf, mixed_error0);
	free(buf);

	e.suppressed_by = "x";
	buf = NULL;
	f = open_memstream(&buf, &len);
	report_xml_error(f, &r, &e);
	fclose(f);
	CHECK(len == 0);
	free(buf);
}

/* Counts occurrences of needle in s. */
static int count(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static int xmllint_ok(const char *doc)
{
	char path[] = "/tmp/leaktrace-xml-XXXXXX";
	int fd = mkstemp(path), rc;
	char cmd[128];

	if (fd < 0)
		return -1;
	if (write(fd, doc, strlen(doc)) != (ssize_t)strlen(doc)) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	if (!check_tool("xmllint")) {
		unlink(path);
		return -1; /* not installed: structure checks only (a failure under CI=true) */
	}
	snprintf(cmd, sizeof cmd, "xmllint --noout %s", path);
	rc = system(cmd);
	unlink(path);
	return rc == 0;
}

static void test_hostile_wellformed(void)
{
	static const uint64_t st[] = { 0x484320F, 0x5000, 0x5001, 0x9999 };
	static char t0[] = "a b", t1[] = "<&>", t2[] = "\xff\xfe";
	static char *targs[] = { t0, t1, t2, NULL };
	static const struct suppression_use used[] = { { .name = "supp <&> \xff", .count = 2 } };
	struct report r;
	struct mem_error e[2] = {
		{ .kind = ERR_INVALID_FREE,
		  .tid = 1,
		  .stack = { st, 4 },
		  .addr = 0x10,
		  .desc = ADDR_UNKNOWN,
		  .unique = 0,
		  .count = 2 },
		{ .kind = ERR_MISMATCHED_FREE,
		  .tid = 2,
		  .stack = { st, 4 },
		  .addr = 0x10,
		  .desc = ADDR_FREED,
		  .block_addr = 0x10,
		  .block_size = 1000,
		  .free_stack = { st, 2 },
		  .alloc_stack = { st, 3 },
		  .unique = 2,
		  .count = 1 },
	};
	char *s;

	list_report(&r);
	r.target_exe = "/opt/my dir/a&b";
	r.target_args = targs;
	r.gen_suppressions = GEN_SUPP_ALL;
	list_records[1].stack = (struct report_stack){ st, 4 };
	r.supp_used = used;
	r.nsupp_used = 1;
	r.errors = e;
	r.nerrors = 2;
	s = render_list(&r, e, 2);

	/* structure: balanced elements, one root, counts as expected */
	CHECK(count(s, "<valgrindoutput>") == 1 && count(s, "</valgrindoutput>") == 1);
	CHECK(count(s, "<error>") == 5 && count(s, "</error>") == 5);
	CHECK(count(s, "<stack>") == count(s, "</stack>"));
	CHECK(count(s, "<frame>") == count(s, "</frame>"));
	CHECK(count(s, "<suppression>") == 10 && count(s, "</suppression>") == 10);
	CHECK(count(s, "<![CDATA[") == count(s, "]]>") - 0);
	CHECK(count(s, "<state>RUNNING</state>") == 1 && count(s, "<state>FINISHED</state>") == 1);
	CHECK(strstr(s, "<fn>std::map&lt;std::string, int&gt;::operator[](A&amp;&amp;)</fn>") !=
	      NULL);
	CHECK(strstr(s, "<obj>/opt/my dir/lib\xEF\xBF\xBD.so</obj>") != NULL);
	CHECK(strstr(s, "<dir>/src/a&amp;b</dir>\n      <file>x&lt;y&gt;.cc</file>\n      "
			"<line>7</line>") != NULL);
	CHECK(strstr(s, "<fn>caf\xc3\xa9 \xe2\x82\xac \xEF\xBF\xBD\xEF\xBF\xBD "
			"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD</fn>") != NULL);
	/* a frame without symbol: just <ip> */
	CHECK(strstr(s, "    <frame>\n      <ip>0x9999</ip>\n    </frame>\n") != NULL);
	/* "]]>" in a mangled name: escaped in <fun>, split in the CDATA */
	CHECK(strstr(s, "<sframe> <fun>_Zweird]]&gt;name</fun> </sframe>") != NULL);
	CHECK(strstr(s, "   fun:_Zweird]]]]><![CDATA[>name\n") != NULL);
	CHECK(strstr(s, "<line>Command: /opt/my dir/a&amp;b a b &lt;&amp;&gt; "
			"\xEF\xBF\xBD\xEF\xBF\xBD</line>") != NULL);
	CHECK(
	    strstr(
		s,
		"<auxwhat>Address 0x10 is not stack'd, malloc'd or (recently) free'd</auxwhat>") !=
	    NULL);
	CHECK(
	    strstr(
		s,
		"<auxwhat>Address 0x10 is 0 bytes inside a block of size 1,000 free'd</auxwhat>") !=
	    NULL);
	/* leak uniques continue after the last error occurrence (0x2 + 1) */
	CHECK(
	    strstr(s, "<unique>0x3</unique>\n  <tid>1</tid>\n  <kind>Leak_IndirectlyLost</kind>") !=
	    NULL);
	CHECK(strstr(s, "<errorcounts>\n  <pair>\n    <count>1</count>\n    <unique>0x2</unique>\n "
			" </pair>\n"
			"  <pair>\n    <count>2</count>\n    <unique>0x0</unique>\n  "
			"</pair>\n</errorcounts>\n") != NULL);
	CHECK(strstr(s, "<suppcounts>\n  <pair>\n    <count>2</count>\n    <name>supp "
			"&lt;&amp;&gt; \xEF\xBF\xBD</name>\n  </pair>\n</suppcounts>\n") != NULL);

	if (getenv("DUMP"))
		fputs(s, stdout);
	int lint = xmllint_ok(s);
	CHECK(lint != 0);
	if (lint < 0)
		printf("test_report_xml: xmllint not available, well-formedness checked by "
		       "structure only\n");
	free(s);
	list_records[1].stack = (struct report_stack){ list_s1, 3 };
}

static void test_summary_mode(void)
{
	struct report r;
	char *s;

	list_report(&r);
	r.leak_check = LEAK_CHECK_SUMMARY;
	s = render_list(&r, NULL, 0);
	CHECK(strstr(s, "<error>") == NULL);
	CHECK(xmllint_ok(s) != 0);
	free(s);
}

/* --xml-user-comment (verbatim, after <tool>) and --demangle=no */
static void test_user_comment_and_mangled(void)
{
	struct report r;
	char *s;

	list_report(&r);
	r.xml_user_comment = "<ci job=\"7\"/>";
	s = render_list(&r, NULL, 0);
	CHECK(strstr(s, "<tool>memcheck</tool>\n<usercomment><ci job=\"7\"/></usercomment>\n\n"
			"<args>") != NULL);
	free(s);
	r.xml_user_comment = NULL;
	s = render_list(&r, NULL, 0);
	CHECK(strstr(s, "<usercomment>") == NULL);
	free(s);
}

/* --track-fds: protocol 5, and what goes between the FINISHED status and the
 * leak records (fdreport's FdNotClosed errors) moves the leaks' uniques on. */
static void test_protocol5(void)
{
	struct report r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	list_report(&r);
	r.xml_protocol = 5;
	f = open_memstream(&buf, &len);
	report_xml_preamble(f, &r, 21);
	unsigned base = report_xml_unique_base(&r);
	report_xml_finished(f, 338);
	fprintf(f, "<error>\n  <unique>0x%x</unique>\n  <kind>FdNotClosed</kind>\n</error>\n\n",
		base);
	report_xml_close(f, &r, 1);
	fclose(f);
	CHECK(base == 0);
	CHECK(strstr(buf, "<protocolversion>5</protocolversion>\n") != NULL);
	const char *fin = strstr(buf, "<state>FINISHED</state>");
	const char *fd = strstr(buf, "<kind>FdNotClosed</kind>");
	const char *leak = strstr(buf, "<kind>Leak_");
	CHECK(fin && fd && leak && fin < fd && fd < leak);
	CHECK(leak && strstr(buf, "<unique>0x1</unique>\n  <tid>1</tid>\n  <kind>Leak_") != NULL);
	CHECK(strstr(buf, "<unique>0x0</unique>\n  <tid>1</tid>\n  <kind>Leak_") == NULL);
	free(buf);

	/* a core error (FdBadClose) moves the base on and has its <pair> */
	static const struct core_error_count core[] = { { 0, 2 } };
	list_report(&r);
	r.core_errors = core;
	r.ncore_errors = 1;
	CHECK(report_xml_unique_base(&r) == 2);
	buf = NULL;
	f = open_memstream(&buf, &len);
	report_xml_close(f, &r, 0);
	fclose(f);
	CHECK(strstr(buf,
		     "<errorcounts>\n  <pair>\n    <count>2</count>\n    <unique>0x0</unique>\n"
		     "  </pair>\n</errorcounts>") != NULL);
	CHECK(strstr(buf, "<unique>0x2</unique>\n  <tid>1</tid>\n  <kind>Leak_") != NULL);
	free(buf);

	/* 0 (a report filled by hand) and 4 both write protocol 4 */
	list_report(&r);
	char *s = render_list(&r, NULL, 0);
	CHECK(strstr(s, "<protocolversion>4</protocolversion>\n") != NULL);
	free(s);
}

int main(void)
{
	test_protocol5();
	test_user_comment_and_mangled();
	test_escape();
	test_list();
	test_mixed_error();
	test_hostile_wellformed();
	test_summary_mode();
	return check_summary("test_report_xml");
}
