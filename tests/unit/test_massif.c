/* Unit tests of massif.c: synthetic event streams, the snapshot policy and
 * the file format.  The first case replays the allocations of a small
 * program whose massif.out valgrind 3.19 wrote (test-programs/massif-sizes.c
 * under --time-unit=B --detailed-freq=1): times, heap and extra bytes must
 * be valgrind's, snapshot for snapshot.  Files are also read by ms_print
 * (Debian's valgrind package), which must accept them and find the peak. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fake_symbols.h"
#include "leaktrace/massif.h"

static const struct frame_info frames[] = {
	{ .ip = 0x1000, .fn = "malloc", .obj = "/lib/libc.so.6" },
	{ .ip = 0x1100, .fn = "xmalloc", .file = "util.c", .line = 4 },
	{ .ip = 0x2000, .fn = "grow", .file = "prog.c", .line = 10 },
	{ .ip = 0x2100, .fn = "keep", .file = "prog.c", .line = 20 },
	{ .ip = 0x2200, .fn = "noisy", .file = "prog.c", .line = 30 },
	{ .ip = 0x3000, .fn = "main", .file = "prog.c", .line = 40 },
	{ .ip = 0x4000, .fn = "__libc_start_call_main", .obj = "/lib/libc.so.6" },
};

static int sym(void *ctx, uint64_t ip, struct frame_info *out)
{
	(void)ctx;
	return fake_lookup(frames, sizeof frames / sizeof frames[0], ip, out);
}

static const struct report symr = { .symbolize = sym };

static uint64_t fake_ms;
static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_ms;
}

static char *write_to_string(struct massif *m, const char *cmd)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(f != NULL);
	CHECK(massif_write(m, f, cmd) == 0);
	fclose(f);
	return buf;
}

/* ms_print's output for text (a massif.out), or NULL when ms_print is
 * missing or failed. */
static char *ms_print(const char *text)
{
	char path[] = "/tmp/lt-massif-XXXXXX";
	int fd = mkstemp(path);
	char cmd[256], *out = NULL;
	size_t len = 0;

	if (fd < 0)
		return NULL;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		unlink(path);
		return NULL;
	}
	close(fd);
	snprintf(cmd, sizeof cmd, "ms_print %s 2>&1", path);
	FILE *p = popen(cmd, "r");
	if (p) {
		FILE *o = open_memstream(&out, &len);
		char line[4096];
		while (fgets(line, sizeof line, p))
			fputs(line, o);
		fclose(o);
		if (pclose(p) != 0) {
			fprintf(stderr, "ms_print failed:\n%s\n", out);
			free(out);
			out = NULL;
		}
	}
	unlink(path);
	return out;
}

/* valgrind --tool=massif --time-unit=B --detailed-freq=1 on a program that
 * mallocs 0, 1, 16, 17, 24 and 100 bytes from one line, then frees them in
 * the same order. */
static void test_valgrind_sizes(void)
{
	static const int64_t want[][3] = {
		{ 0, 0, 0 },	  { 8, 0, 8 },	    { 32, 1, 31 },    { 56, 17, 39 },
		{ 96, 34, 62 },	  { 136, 58, 78 },  { 256, 158, 98 }, { 256, 158, 98 },
		{ 264, 158, 90 }, { 288, 157, 67 }, { 312, 141, 59 }, { 352, 124, 36 },
		{ 392, 100, 20 }, { 512, 0, 0 },
	};
	static const uint64_t sizes[] = { 0, 1, 16, 17, 24, 100 };
	static const char *const desc[] = { "--time-unit=B", "--detailed-freq=1", NULL };
	struct stacktab *st = stacktab_new();
	uint64_t pcs[] = { 0x1000, 0x3000, 0x4000 };
	uint32_t id = stacktab_intern(st, pcs, 3);
	struct massif_config c;

	massif_config_default(&c);
	c.time_unit = MASSIF_TIME_B;
	c.detailed_freq = 1;
	c.desc_args = desc;
	struct massif *m = massif_new(&c, st, &symr);
	for (int i = 0; i < 6; i++)
		massif_alloc(m, sizes[i], id);
	for (int i = 0; i < 6; i++)
		massif_dealloc(m, sizes[i], id);
	CHECK(massif_snapshot_count(m) == 14);
	CHECK(massif_peak_total(m) == 256);

	char *text = write_to_string(m, "./sizes");
	char *p = text;
	for (unsigned i = 0; i < 14; i++) {
		char exp[160];
		snprintf(exp, sizeof exp,
			 "snapshot=%u\n#-----------\ntime=%" PRId64 "\nmem_heap_B=%" PRId64
			 "\nmem_heap_extra_B=%" PRId64 "\nmem_stacks_B=0\n",
			 i, want[i][0], want[i][1], want[i][2]);
		char *q = p ? strstr(p, exp) : NULL;
		CHECK(q != NULL);
		if (!q)
			fprintf(stderr, "snapshot %u not as valgrind's:\n%s\n", i, exp);
		p = q;
	}
	CHECK(!strncmp(text, "desc: --time-unit=B --detailed-freq=1\ncmd: ./sizes\ntime_unit: B\n",
		       62));
	/* snapshot 1: the 0-byte block, a stack below the threshold */
	CHECK(strstr(text, "n1: 0 (heap allocation functions) malloc/new/new[], --alloc-fns, "
			   "etc.\n n0: 0 in 1 place, below massif's threshold (1.00%)\n") != NULL);
	/* the peak: main's line, nothing below main */
	CHECK(strstr(text, "heap_tree=peak\nn1: 158 (heap allocation functions) "
			   "malloc/new/new[], --alloc-fns, etc.\n n0: 158 0x3000: main "
			   "(prog.c:40)\n") != NULL);
	char *ms = ms_print(text);
	CHECK(ms != NULL);
	if (ms) {
		CHECK(strstr(ms,
			     "Detailed snapshots: [0, 1, 2, 3, 4, 5, 6, 7 (peak), 8, 9, 10, 11, "
			     "12, 13]") != NULL);
		CHECK(strstr(ms, "61.72% (158B) (heap allocation functions)") != NULL);
		CHECK(strstr(ms, "->61.72% (158B) 0x3000: main (prog.c:40)") != NULL);
	}
	free(ms);
	free(text);
	massif_free(m);
	stacktab_free(st);
}

/* A heap that grows to a peak through two stacks and then shrinks: the peak
 * snapshot holds the tree at the top, biggest stack first, and --alloc-fn
 * frames are skipped. */
static void test_peak_tree(void)
{
	static const char *const afns[] = { "xmalloc", NULL };
	struct stacktab *st = stacktab_new();
	uint64_t a[] = { 0x1000, 0x1100, 0x2000, 0x3000, 0x4000 };
	uint64_t b[] = { 0x1000, 0x2100, 0x3000, 0x4000 };
	uint32_t ia = stacktab_intern(st, a, 5), ib = stacktab_intern(st, b, 4);
	struct massif_config c;

	massif_config_default(&c);
	c.alloc_fns = afns;
	struct massif *m = massif_new(&c, st, &symr);
	for (int i = 0; i < 30; i++)
		massif_alloc(m, 4000, ia);
	for (int i = 0; i < 10; i++)
		massif_alloc(m, 2000, ib);
	for (int i = 0; i < 30; i++)
		massif_dealloc(m, 4000, ia);
	/* peak: 120,000 + 20,000 useful, 40 blocks of 8 admin + slop 0 */
	CHECK(massif_peak_total(m) == 140000 + 40 * 8);
	CHECK(massif_heap_bytes(m) == 20000);

	char *text = write_to_string(m, "./peak");
	CHECK(strstr(text, "desc: (none)\ndesc: (leaktrace: time unit i counts allocator calls, "
			   "not instructions)\ncmd: ./peak\ntime_unit: i\n") != NULL);
	const char *pk = strstr(text, "heap_tree=peak\n");
	CHECK(pk != NULL);
	const char *want = "heap_tree=peak\n"
			   "n2: 140000 (heap allocation functions) malloc/new/new[], --alloc-fns, "
			   "etc.\n"
			   " n1: 120000 0x2000: grow (prog.c:10)\n"
			   "  n0: 120000 0x3000: main (prog.c:40)\n"
			   " n1: 20000 0x2100: keep (prog.c:20)\n"
			   "  n0: 20000 0x3000: main (prog.c:40)\n";
	if (pk)
		CHECK(!strncmp(pk, want, strlen(want)));
	char *ms = ms_print(text);
	CHECK(ms != NULL);
	if (ms) {
		CHECK(strstr(ms, " (peak)") != NULL);
		CHECK(strstr(ms, "->85.52% (120,000B) 0x2000: grow (prog.c:10)") != NULL);
	}
	free(ms);
	free(text);
	massif_free(m);
	stacktab_free(st);
}

/* Many small stacks under 1% are pooled into one "in N places" line. */
static void test_threshold(void)
{
	struct stacktab *st = stacktab_new();
	struct massif_config c;

	massif_config_default(&c);
	c.detailed_freq = 1;
	struct massif *m = massif_new(&c, st, &symr);
	uint64_t big[] = { 0x1000, 0x2000, 0x3000 };
	massif_alloc(m, 100000, stacktab_intern(st, big, 3));
	for (uint64_t i = 0; i < 20; i++) {
		uint64_t pcs[] = { 0x1000, 0x2200, 0x5000 + i };
		massif_alloc(m, 32, stacktab_intern(st, pcs, 3));
	}
	char *text = write_to_string(m, "x");
	/* the last snapshot: grow's 100,000 and noisy's 640 in 20 places, noisy
	 * itself under 1% of 100,640 + 21 * 8 */
	const char *last = strstr(text, "snapshot=21\n");
	CHECK(last != NULL);
	if (last)
		CHECK(strstr(last,
			     "n2: 100640 (heap allocation functions) malloc/new/new[], "
			     "--alloc-fns, etc.\n"
			     " n1: 100000 0x2000: grow (prog.c:10)\n"
			     "  n0: 100000 0x3000: main (prog.c:40)\n"
			     " n0: 640 in 1 place, below massif's threshold (1.00%)\n") != NULL);
	massif_free(m);
	free(text);

	/* --threshold=0.1: noisy is shown, its 20 callers pooled */
	c.threshold = 0.1;
	m = massif_new(&c, st, &symr);
	massif_alloc(m, 100000, 0);
	for (uint32_t i = 1; i <= 20; i++)
		massif_alloc(m, 32, i);
	text = write_to_string(m, "x");
	CHECK(strstr(text,
		     " n1: 640 0x2200: noisy (prog.c:30)\n"
		     "  n0: 640 in 20 places, all below massif's threshold (0.10%)\n") != NULL);
	char *ms = ms_print(text);
	CHECK(ms != NULL);
	free(ms);
	free(text);
	massif_free(m);
	stacktab_free(st);
}

/* --max-snapshots: the array never overflows, culling keeps the first and
 * the peak, times stay ordered and the interval grows. */
static void test_culling(void)
{
	struct stacktab *st = stacktab_new();
	uint64_t pcs[] = { 0x1000, 0x2000, 0x3000 };
	uint32_t id = stacktab_intern(st, pcs, 3);
	struct massif_config c;

	massif_config_default(&c);
	c.max_snapshots = 10;
	c.time_unit = MASSIF_TIME_MS;
	struct massif *m = massif_new(&c, st, &symr);
	massif_set_clock(m, fake_clock, NULL);
	for (int i = 0; i < 5000; i++) {
		fake_ms += 3;
		if (i == 2500)
			for (int k = 0; k < 2500; k++)
				massif_dealloc(m, 100, id);
		massif_alloc(m, 100, id);
	}
	CHECK(massif_snapshot_count(m) < 10);
	CHECK(massif_peak_total(m) == 2500 * (100 + 8 + 12));
	char *text = write_to_string(m, "x");
	CHECK(strstr(text, "snapshot=0\n#-----------\ntime=0\n") != NULL);
	CHECK(strstr(text, "heap_tree=peak") != NULL);
	int64_t prev = -1;
	unsigned n = 0;
	for (const char *p = text; (p = strstr(p, "\ntime=")); p++, n++) {
		int64_t t = strtoll(p + 6, NULL, 10);
		CHECK(t >= prev);
		prev = t;
	}
	CHECK(n == massif_snapshot_count(m));
	CHECK(prev > 7500); /* snapshots reach the end of the run */
	char *ms = ms_print(text);
	CHECK(ms != NULL);
	if (ms)
		CHECK(strstr(ms, "(peak)") != NULL);
	free(ms);
	free(text);
	massif_free(m);
	stacktab_free(st);
}

/* --ignore-fn: the stack is not counted, its frees neither; --depth cuts. */
static void test_ignore_depth(void)
{
	static const char *const ign[] = { "noisy", NULL };
	struct stacktab *st = stacktab_new();
	uint64_t a[] = { 0x1000, 0x2200, 0x3000 };
	uint64_t b[] = { 0x1000, 0x2000, 0x2100, 0x3000 };
	uint32_t ia = stacktab_intern(st, a, 3), ib = stacktab_intern(st, b, 4);
	struct massif_config c;

	massif_config_default(&c);
	c.ignore_fns = ign;
	c.depth = 1;
	c.detailed_freq = 1;
	struct massif *m = massif_new(&c, st, &symr);
	massif_alloc(m, 500, ia);
	massif_alloc(m, 300, ib);
	massif_dealloc(m, 500, ia);
	massif_realloc(m, 300, ib, 600, ib);
	CHECK(massif_heap_bytes(m) == 600);
	char *text = write_to_string(m, "x");
	CHECK(strstr(text, "n1: 600 (heap allocation functions) malloc/new/new[], --alloc-fns, "
			   "etc.\n n0: 600 0x2000: grow (prog.c:10)\n") != NULL);
	CHECK(strstr(text, "noisy") == NULL);
	free(text);
	massif_free(m);
	stacktab_free(st);
}

static void test_out_name(void)
{
	char *s = massif_out_name("massif.out.%p", 42);
	CHECK_STR(s, "massif.out.42");
	free(s);
	setenv("LT_TEST_VAR", "abc", 1);
	s = massif_out_name("m.%q{LT_TEST_VAR}.%%", 1);
	CHECK_STR(s, "m.abc.%");
	free(s);
}

int main(void)
{
	test_valgrind_sizes();
	test_peak_tree();
	test_threshold();
	test_culling();
	test_ignore_depth();
	test_out_name();
	return check_summary("massif");
}
