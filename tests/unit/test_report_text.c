/* Unit test of report_text: synthetic reports rendered and compared with
 * memcheck 3.19's own output for the same programs (list.c, mixed.cc and
 * errs.cc of /work/shared and test-programs, run with valgrind). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fake_symbols.h"
#include "leaktrace/report.h"
#include "leaktrace/report_text.h"

#define VGPRELOAD "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so"

static const struct frame_info syms[] = {
	{ 0x48417B4, VGPRELOAD, "malloc", "malloc", NULL, NULL, 0 },
	{ 0x484417B, VGPRELOAD, "free", "free", NULL, NULL, 0 },
	{ 0x484499B, VGPRELOAD, "operator delete(void*, unsigned long)", "_ZdlPvm", NULL, NULL, 0 },
	{ 0x484320F, VGPRELOAD, "operator new[](unsigned long)", "_Znam", NULL, NULL, 0 },
	{ 0x109151, "/src/list", "push", "push", "/src", "list.c", 5 },
	{ 0x10919A, "/src/list", "main", "main", "/src", "list.c", 8 },
	{ 0x1091BA, "/src/list", "main", "main", "/src", "list.c", 10 },
	{ 0x10A370, "/src/s", "main", "main", "/src", "mixed.cc", 8 },
	{ 0x10A356, "/src/s", "main", "main", "/src", "mixed.cc", 8 },
	{ 0x10A396, "/src/s", "main", "main", "/src", "mixed.cc", 9 },
	{ 0x10A38A, "/src/s", "main", "main", "/src", "mixed.cc", 9 },
	{ 0x10A37A, "/src/s", "main", "main", "/src", "mixed.cc", 9 },
	{ 0x1091E9, "/src/errs", "main", "main", "/src", "errs.cc", 6 },
	{ 0x109000, "/src/errs", "main", "main", "/src", "errs.cc", 3 },
	{ 0x7000, "/lib/libx.so", NULL, NULL, NULL, NULL, 0 },
	{ 0x7100, "/lib/evil\033[2J.so", "f\033]0;pwned\007", "f", "/src", "e\nvil.c", 3 },
	{ 0x7200, "/lib/evil\033[2J.so", NULL, NULL, NULL, NULL, 0 },
};

static int fake_symbolize(void *ctx, uint64_t ip, struct frame_info *out)
{
	(void)ctx;
	return fake_lookup(syms, sizeof syms / sizeof syms[0], ip, out);
}

static char *render(void (*fn)(FILE *, const struct report *), const struct report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, r);
	fclose(f);
	return buf;
}

static char *render_error(const struct report *r, const struct mem_error *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	report_text_error(f, r, e);
	fclose(f);
	return buf;
}

static const uint64_t list_s1[] = { 0x48417B4, 0x109151, 0x10919A };
static const uint64_t list_s3[] = { 0x48417B4, 0x1091BA };

static struct loss_record list_records[3];

/* The report memcheck made of /work/shared/valgrind-xml-samples/list.c. */
static void list_report(struct report *r)
{
	memset(r, 0, sizeof *r);
	r->pid = 6495;
	r->tool_name = "leaktrace";
	r->tool_version = "0.1";
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
	r->totals[LEAK_DEFINITE] = (struct kind_total){ 16, 1 };
	r->totals[LEAK_INDIRECT] = (struct kind_total){ 32, 2 };
	r->totals[LEAK_REACHABLE] = (struct kind_total){ 64, 1 };
	r->symbolize = fake_symbolize;
}

static void test_numbers(void)
{
	struct report r;
	char *s;

	list_report(&r);
	r.inuse_bytes = 1164;
	r.total_allocs = 1234567;
	r.total_bytes = 72882;
	r.leak_check = LEAK_CHECK_NO;
	s = render(report_text_final, &r);
	CHECK(strstr(s, "==6495==     in use at exit: 1,164 bytes in 4 blocks\n") != NULL);
	CHECK(strstr(s, "==6495==   total heap usage: 1,234,567 allocs, 0 frees, 72,882 bytes "
			"allocated\n") != NULL);
	CHECK(strstr(s, "==6495== For a detailed leak analysis, rerun with: "
			"--leak-check=full\n==6495== \n") != NULL);
	free(s);
}

static void test_preamble(void)
{
	struct report r;
	char a0[] = "-l", a1[] = "a b";
	char *args[] = { a0, a1, NULL };
	char *s;

	list_report(&r);
	r.target_args = args;
	s = render(report_text_preamble, &r);
	CHECK_STR(s, "==6495== leaktrace-0.1, a ptrace-based leak analyzer\n"
		     "==6495== Command: ./list -l a b\n"
		     "==6495== \n");
	free(s);
}

static void test_list_full_all(void)
{
	struct report r;
	char *s;

	list_report(&r);
	s = render(report_text_final, &r);
	CHECK_STR(s, "==6495== \n"
		     "==6495== HEAP SUMMARY:\n"
		     "==6495==     in use at exit: 112 bytes in 4 blocks\n"
		     "==6495==   total heap usage: 4 allocs, 0 frees, 112 bytes allocated\n"
		     "==6495== \n"
		     "==6495== 32 bytes in 2 blocks are indirectly lost in loss record 1 of 3\n"
		     "==6495==    at 0x48417B4: malloc (in "
		     "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)\n"
		     "==6495==    by 0x109151: push (list.c:5)\n"
		     "==6495==    by 0x10919A: main (list.c:8)\n"
		     "==6495== \n"
		     "==6495== 48 (16 direct, 32 indirect) bytes in 1 blocks are definitely lost "
		     "in loss record 2 of 3\n"
		     "==6495==    at 0x48417B4: malloc (in "
		     "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)\n"
		     "==6495==    by 0x109151: push (list.c:5)\n"
		     "==6495==    by 0x10919A: main (list.c:8)\n"
		     "==6495== \n"
		     "==6495== 64 bytes in 1 blocks are still reachable in loss record 3 of 3\n"
		     "==6495==    at 0x48417B4: malloc (in "
		     "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)\n"
		     "==6495==    by 0x1091BA: main (list.c:10)\n"
		     "==6495== \n"
		     "==6495== LEAK SUMMARY:\n"
		     "==6495==    definitely lost: 16 bytes in 1 blocks\n"
		     "==6495==    indirectly lost: 32 bytes in 2 blocks\n"
		     "==6495==      possibly lost: 0 bytes in 0 blocks\n"
		     "==6495==    still reachable: 64 bytes in 1 blocks\n"
		     "==6495==         suppressed: 0 bytes in 0 blocks\n"
		     "==6495== \n"
		     "==6495== For lists of detected and suppressed errors, rerun with: -s\n"
		     "==6495== ERROR SUMMARY: 1 errors from 1 contexts (suppressed: 0 from 0)\n");
	free(s);
}

static const char list_tail_default[] = "==6495== LEAK SUMMARY:\n"
					"==6495==    definitely lost: 16 bytes in 1 blocks\n"
					"==6495==    indirectly lost: 32 bytes in 2 blocks\n"
					"==6495==      possibly lost: 0 bytes in 0 blocks\n"
					"==6495==    still reachable: 64 bytes in 1 blocks\n"
					"==6495==         suppressed: 0 bytes in 0 blocks\n";

static void test_list_default_kinds(void)
{
	struct report r;
	char *s;

	/* --leak-check=full with the default definite,possible */
	list_report(&r);
	r.show_kinds = 1u << LEAK_DEFINITE | 1u << LEAK_POSSIBLE;
	s = render(report_text_final, &r);
	CHECK(strstr(s, "indirectly lost in loss record") == NULL);
	CHECK(strstr(s, "still reachable in loss record") == NULL);
	CHECK(strstr(s, "==6495== 48 (16 direct, 32 indirect) bytes in 1 blocks are definitely "
			"lost in loss record 2 of 3\n") != NULL);
	CHECK(strstr(s, list_tail_default) != NULL);
	CHECK(
	    strstr(s,
		   "         suppressed: 0 bytes in 0 blocks\n"
		   "==6495== Reachable blocks (those to which a pointer was found) are not shown.\n"
		   "==6495== To see them, rerun with: --leak-check=full --show-leak-kinds=all\n"
		   "==6495== \n"
		   "==6495== For lists of detected and suppressed errors, rerun with: -s\n"
		   "==6495== ERROR SUMMARY: 1 errors from 1 contexts (suppressed: 0 from 0)\n") !=
	    NULL);
	free(s);

	/* --leak-check=summary: no records, a hint, leaks are not errors */
	r.leak_check = LEAK_CHECK_SUMMARY;
	s = render(report_text_final, &r);
	CHECK(strstr(s, "loss record") == NULL);
	CHECK(strstr(s, "         suppressed: 0 bytes in 0 blocks\n"
			"==6495== Rerun with --leak-check=full to see details of leaked memory\n"
			"==6495== \n") != NULL);
	CHECK(strstr(s, "Reachable blocks") == NULL);
	CHECK(strstr(s, "ERROR SUMMARY: 0 errors from 0 contexts (suppressed: 0 from 0)\n") !=
	      NULL);
	free(s);
}

static void test_all_freed(void)
{
	struct report r;
	char *s;

	list_report(&r);
	r.inuse_bytes = r.inuse_blocks = 0;
	r.total_allocs = r.total_frees = 1;
	r.total_bytes = 10;
	r.nrecords = 0;
	memset(r.totals, 0, sizeof r.totals);
	s = render(report_text_final, &r);
	CHECK_STR(s, "==6495== \n"
		     "==6495== HEAP SUMMARY:\n"
		     "==6495==     in use at exit: 0 bytes in 0 blocks\n"
		     "==6495==   total heap usage: 1 allocs, 1 frees, 10 bytes allocated\n"
		     "==6495== \n"
		     "==6495== All heap blocks were freed -- no leaks are possible\n"
		     "==6495== \n"
		     "==6495== For lists of detected and suppressed errors, rerun with: -s\n"
		     "==6495== ERROR SUMMARY: 0 errors from 0 contexts (suppressed: 0 from 0)\n");
	free(s);
}

static void test_attached_and_heuristics(void)
{
	struct report r;
	char *s;

	list_report(&r);
	r.attached = true;
	r.reachable_via_heuristic[HEUR_STDSTRING] = (struct kind_total){ 45209, 1064 };
	r.reachable_via_heuristic[HEUR_MULTIPLEINHERITANCE] = (struct kind_total){ 423864, 246 };
	s = render(report_text_final, &r);
	CHECK(strstr(s, "==6495== HEAP SUMMARY (blocks allocated since attach):\n"
			"==6495==     in use: 112 bytes in 4 blocks\n"
			"==6495==   total heap usage since attach: 4 allocs, 0 frees, 112 bytes "
			"allocated\n") != NULL);
	CHECK(strstr(s, "==6495==    still reachable: 64 bytes in 1 blocks\n"
			"==6495==                       of which reachable via heuristic:\n"
			"==6495==                         stdstring          : 45,209 bytes in "
			"1,064 blocks\n"
			"==6495==                         multipleinheritance: 423,864 bytes in "
			"246 blocks\n"
			"==6495==         suppressed: 0 bytes in 0 blocks\n") != NULL);
	CHECK(strstr(s, "newarray") == NULL);
	free(s);
}

static const uint64_t mm_stack[] = { 0x484499B, 0x10A370 };
static const uint64_t mm_alloc[] = { 0x484320F, 0x10A356 };
static const uint64_t df_stack[] = { 0x484417B, 0x10A396 };
static const uint64_t df_free[] = { 0x484417B, 0x10A38A };
static const uint64_t df_alloc[] = { 0x48417B4, 0x10A37A };

static void mixed_errors(struct mem_error e[2])
{
	memset(e, 0, 2 * sizeof *e);
	e[0] = (struct mem_error){ .kind = ERR_MISMATCHED_FREE,
				   .tid = 1,
				   .stack = { mm_stack, 2 },
				   .addr = 0x4d6fd30,
				   .desc = ADDR_ALLOCD,
				   .block_addr = 0x4d6fd30,
				   .block_size = 16,
				   .alloc_stack = { mm_alloc, 2 },
				   .unique = 0,
				   .count = 1 };
	e[1] = (struct mem_error){ .kind = ERR_INVALID_FREE,
				   .tid = 1,
				   .stack = { df_stack, 2 },
				   .addr = 0x4d6fd80,
				   .desc = ADDR_FREED,
				   .block_addr = 0x4d6fd80,
				   .block_size = 10,
				   .alloc_stack = { df_alloc, 2 },
				   .free_stack = { df_free, 2 },
				   .unique = 1,
				   .count = 1 };
}

static void test_errors(void)
{
	struct report r;
	struct mem_error e[2];
	char *s;

	list_report(&r);
	r.pid = 10314;
	r.gen_suppressions = GEN_SUPP_ALL;
	mixed_errors(e);
	s = render_error(&r, &e[0]);
	CHECK_STR(s, "==10314== Mismatched free() / delete / delete []\n"
		     "==10314==    at 0x484499B: operator delete(void*, unsigned long) (in "
		     "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)\n"
		     "==10314==    by 0x10A370: main (mixed.cc:8)\n"
		     "==10314==  Address 0x4d6fd30 is 0 bytes inside a block of size 16 alloc'd\n"
		     "==10314==    at 0x484320F: operator new[](unsigned long) (in "
		     "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)\n"
		     "==10314==    by 0x10A356: main (mixed.cc:8)\n"
		     "==10314== \n"
		     "{\n"
		     "   <insert_a_suppression_name_here>\n"
		     "   Memcheck:Free\n"
		     "   fun:_ZdlPvm\n"
		     "   fun:main\n"
		     "}\n");
	free(s);
	s = render_error(&r, &e[1]);
	CHECK_STR(s, "==10314== Invalid free() / delete / delete[] / realloc()\n"
		     "==10314==    at 0x484417B: free (in "
		     "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)\n"
		     "==10314==    by 0x10A396: main (mixed.cc:9)\n"
		     "==10314==  Address 0x4d6fd80 is 0 bytes inside a block of size 10 free'd\n"
		     "==10314==    at 0x484417B: free (in "
		     "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)\n"
		     "==10314==    by 0x10A38A: main (mixed.cc:9)\n"
		     "==10314==  Block was alloc'd at\n"
		     "==10314==    at 0x48417B4: malloc (in "
		     "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)\n"
		     "==10314==    by 0x10A37A: main (mixed.cc:9)\n"
		     "==10314== \n"
		     "{\n"
		     "   <insert_a_suppression_name_here>\n"
		     "   Memcheck:Free\n"
		     "   fun:free\n"
		     "   fun:main\n"
		     "}\n");
	free(s);

	/* a suppressed error prints nothing */
	e[0].suppressed_by = "mine";
	s = render_error(&r, &e[0]);
	CHECK_STR(s, "");
	free(s);
}

static void test_stack_and_unknown_frames(void)
{
	static const uint64_t st[] = { 0x484417B, 0x1091E9, 0x7000, 0x1234 };
	struct report r;
	struct mem_error e = { .kind = ERR_INVALID_FREE,
			       .tid = 1,
			       .stack = { st, 4 },
			       .addr = 0x1fff0004dc,
			       .desc = ADDR_STACK,
			       .stack_tid = 1,
			       .stack_frame_known = true,
			       .stack_frame_no = 1,
			       .stack_frame_ip = 0x109000,
			       .count = 1 };
	char *s;

	list_report(&r);
	r.pid = 4332;
	s = render_error(&r, &e);
	CHECK_STR(s, "==4332== Invalid free() / delete / delete[] / realloc()\n"
		     "==4332==    at 0x484417B: free (in "
		     "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)\n"
		     "==4332==    by 0x1091E9: main (errs.cc:6)\n"
		     "==4332==    by 0x7000: ??? (in /lib/libx.so)\n"
		     "==4332==    by 0x1234: ???\n"
		     "==4332==  Address 0x1fff0004dc is on thread 1's stack\n"
		     "==4332==  in frame #1, created by main (errs.cc:3)\n"
		     "==4332== \n");
	free(s);

	e.desc = ADDR_UNKNOWN;
	e.addr = 0x1234;
	s = render_error(&r, &e);
	CHECK(
	    strstr(s, "==4332==  Address 0x1234 is not stack'd, malloc'd or (recently) free'd\n") !=
	    NULL);
	free(s);

	/* generated suppression: obj: for a frame without a name, obj:* for nothing */
	r.gen_suppressions = GEN_SUPP_ALL;
	s = render_error(&r, &e);
	CHECK(strstr(s, "   fun:free\n   fun:main\n   obj:/lib/libx.so\n   obj:*\n}\n") != NULL);
	free(s);
}

static void test_error_summary_and_list(void)
{
	struct report r;
	struct mem_error e[2];
	struct suppression_use used[2] = {
		{ .name = "srcsupp",
		  .count = 1,
		  .file = "s1.supp",
		  .line = 9,
		  .leak = true,
		  .bytes = 24,
		  .blocks = 1 },
		{ .name = "freesupp", .count = 1, .file = "s1.supp", .line = 16 },
	};
	struct report_counts c;
	char *s;

	list_report(&r);
	r.pid = 4309;
	mixed_errors(e);
	e[0].count = 3;
	e[1].suppressed_by = "freesupp";
	r.errors = e;
	r.nerrors = 2;
	list_records[0].suppressed_by = "srcsupp"; /* indirect: not an error kind */
	report_text_count_errors(&r, &c);
	CHECK(c.errors == 4 && c.contexts == 2);
	CHECK(c.supp_errors == 1 && c.supp_contexts == 1);

	r.show_error_list = true;
	r.supp_used = used;
	r.nsupp_used = 2;
	s = render(report_text_final, &r);
	CHECK(strstr(s, "indirectly lost in loss record") == NULL);
	CHECK(strstr(s, "==4309== \n"
			"==4309== ERROR SUMMARY: 4 errors from 2 contexts (suppressed: 1 from 1)\n"
			"==4309== \n"
			"==4309== 3 errors in context 1 of 2:\n"
			"==4309== Mismatched free() / delete / delete []\n") != NULL);
	CHECK(strstr(s,
		     "==4309==    by 0x10A356: main (mixed.cc:8)\n"
		     "==4309== \n"
		     "--4309-- \n"
		     "--4309-- used_suppression:      1 srcsupp s1.supp:9 suppressed: 24 bytes in "
		     "1 blocks\n"
		     "--4309-- used_suppression:      1 freesupp s1.supp:16\n"
		     "==4309== \n"
		     "==4309== ERROR SUMMARY: 4 errors from 2 contexts (suppressed: 1 from 1)\n") !=
	      NULL);
	CHECK(strstr(s, "For lists of detected") == NULL);
	free(s);
	list_records[0].suppressed_by = NULL;

	/* -s with nothing to list prints the summary once */
	list_report(&r);
	r.show_error_list = true;
	s = render(report_text_final, &r);
	{
		const char *first = strstr(s, "ERROR SUMMARY");
		CHECK(first && strstr(first + 1, "ERROR SUMMARY") == NULL);
	}
	free(s);
}

static void test_gen_leak_suppression(void)
{
	struct report r;
	char *s;

	list_report(&r);
	r.gen_suppressions = GEN_SUPP_ALL;
	s = render(report_text_final, &r);
	CHECK(strstr(s,
		     "==6495==    by 0x10919A: main (list.c:8)\n"
		     "==6495== \n"
		     "{\n"
		     "   <insert_a_suppression_name_here>\n"
		     "   Memcheck:Leak\n"
		     "   match-leak-kinds: definite\n"
		     "   fun:malloc\n"
		     "   fun:push\n"
		     "   fun:main\n"
		     "}\n"
		     "==6495== 64 bytes in 1 blocks are still reachable in loss record 3 of 3\n") !=
	      NULL);
	free(s);
}

/* --error-markers, --fullpath-after, --demangle=no, --time-stamp=yes */
static void test_presentation_options(void)
{
	static const uint64_t st[] = { 0x484499B, 0x1091E9 };
	static const char *const cut[] = { "nomatch", "sr", NULL };
	static const char *const whole[] = { "", NULL };
	struct report r;
	struct mem_error e = {
		.kind = ERR_INVALID_FREE, .stack = { st, 2 }, .addr = 0x1234, .count = 1
	};
	char *s;

	list_report(&r);
	r.pid = 7;
	r.error_marker_begin = "BEGIN";
	r.error_marker_end = "END";
	r.mangled_names = true;
	r.fullpath_after = cut;
	s = render_error(&r, &e);
	CHECK_STR(s, "==7== BEGIN\n"
		     "==7== Invalid free() / delete / delete[] / realloc()\n"
		     "==7==    at 0x484499B: _ZdlPvm (in "
		     "/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)\n"
		     "==7==    by 0x1091E9: main (c/errs.cc:6)\n"
		     "==7==  Address 0x1234 is not stack'd, malloc'd or (recently) free'd\n"
		     "==7== \n"
		     "==7== END\n");
	free(s);
	/* loss records get the markers too; "" keeps the whole path */
	r.fullpath_after = whole;
	s = render(report_text_final, &r);
	CHECK(strstr(s, "==7== BEGIN\n==7== 48 (16 direct, 32 indirect) bytes in 1 blocks are "
			"definitely lost in loss record 2 of 3\n") != NULL);
	CHECK(strstr(s, "main (/src/list.c:8)\n==7== \n==7== END\n") != NULL);
	free(s);

	r.error_marker_begin = r.error_marker_end = NULL;
	r.time_stamp = true;
	r.start_ns = 0; /* CLOCK_MONOTONIC since boot: any elapsed time will do */
	s = render_error(&r, &e);
	int dd, hh, mm, ss, ms, pid, n = 0;
	CHECK(sscanf(s, "==%d:%d:%d:%d.%d %d== Invalid free()%n", &dd, &hh, &mm, &ss, &ms, &pid,
		     &n) == 6 &&
	      n > 0 && pid == 7 && hh < 24 && mm < 60 && ss < 60 && ms < 1000);
	CHECK(strncmp(s, "==", 2) == 0 && s[13] == '.' && s[17] == ' ');
	free(s);
}

/* a corrupt symbol table's bytes: control characters escaped */
static void test_hostile_names(void)
{
	static const uint64_t st[] = { 0x7100, 0x7200 };
	struct report r;
	struct mem_error e = {
		.kind = ERR_INVALID_FREE, .stack = { st, 2 }, .addr = 1, .count = 1
	};
	char *s;

	list_report(&r);
	r.pid = 5;
	s = render_error(&r, &e);
	CHECK(strstr(s, "==5==    at 0x7100: f\\x1b]0;pwned\\x07 (e\\x0avil.c:3)\n") != NULL);
	CHECK(strstr(s, "==5==    by 0x7200: ??? (in /lib/evil\\x1b[2J.so)\n") != NULL);
	CHECK(strchr(s, '\033') == NULL && strchr(s, '\007') == NULL);
	free(s);
}

int main(void)
{
	test_hostile_names();
	test_presentation_options();
	test_numbers();
	test_preamble();
	test_list_full_all();
	test_list_default_kinds();
	test_all_freed();
	test_attached_and_heuristics();
	test_errors();
	test_stack_and_unknown_frames();
	test_error_summary_and_list();
	test_gen_leak_suppression();
	return check_summary("test_report_text");
}
