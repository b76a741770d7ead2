/* Unit tests of timeline.c: sampling within bounds, series read back, and
 * the SVG: well-formed for xmllint, the growing stack named and marked as
 * the suspect, names with XML specials escaped. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fake_symbols.h"
#include "leaktrace/growth.h"
#include "leaktrace/timeline.h"

static const struct frame_info frames[] = {
	{ .ip = 0x1000, .fn = "malloc", .obj = "/lib/libc.so.6" },
	{ .ip = 0x1001, .fn = "operator new(unsigned long)", .obj = "/lib/libstdc++.so.6" },
	{ .ip = 0x2000, .fn = "cache_put", .file = "server.c", .line = 42 },
	{ .ip = 0x2100, .fn = "handle_burst", .file = "server.c", .line = 77 },
	{ .ip = 0x2200,
	  .fn = "std::vector<int, std::allocator<int> >::push_back",
	  .file = "v.h",
	  .line = 9 },
	{ .ip = 0x3000, .fn = "main", .file = "server.c", .line = 100 },
	{ .ip = 0x4000, .fn = "__libc_start_call_main", .obj = "/lib/libc.so.6" },
};

static int sym(void *ctx, uint64_t ip, struct frame_info *out)
{
	(void)ctx;
	return fake_lookup(frames, sizeof frames / sizeof frames[0], ip, out);
}

static double noise(unsigned i)
{
	unsigned x = i * 2654435761u + 7u;
	x ^= x >> 13;
	x *= 0x5bd1e995u;
	return (double)(x % 1001) / 1000.0;
}

static void test_bounds(void)
{
	struct timeline *tl = timeline_new(8, 0.5);
	uint64_t b[1] = { 0 };

	CHECK(timeline_due(tl, 0));
	for (unsigned i = 0; i < 100; i++) {
		b[0] = i;
		CHECK(timeline_sample(tl, i, b, 1) == 0);
	}
	CHECK(timeline_count(tl) <= 8 && timeline_count(tl) >= 4);
	double t[8], y[8];
	size_t n = timeline_series(tl, 0, t, y);
	CHECK(n == timeline_count(tl));
	CHECK(t[0] == 0 && t[n - 1] == 99 && y[n - 1] == 99);
	for (size_t i = 1; i < n; i++)
		CHECK(t[i] > t[i - 1] && y[i] == t[i]);
	CHECK(!timeline_due(tl, 99.5)); /* the period has doubled past 0.5 s */
	timeline_free(tl);
}

static void test_svg(void)
{
	struct stacktab *st = stacktab_new();
	uint64_t leak[] = { 0x1000, 0x2000, 0x3000, 0x4000 }, burst[] = { 0x1000, 0x2100, 0x3000 },
		 vec[] = { 0x1001, 0x2200, 0x3000 };
	uint32_t il = stacktab_intern(st, leak, 4), ib = stacktab_intern(st, burst, 3),
		 iv = stacktab_intern(st, vec, 3);
	struct timeline *tl = timeline_new(0, 0.01);
	struct report r = { .symbolize = sym };

	for (unsigned i = 0; i < 40; i++) {
		uint64_t b[3];
		b[il] = 5000 + 3000 * (uint64_t)i;
		b[ib] = (uint64_t)(200000 * noise(i));
		b[iv] = 64000;
		CHECK(timeline_sample(tl, 0.5 * i, b, 3) == 0);
	}
	/* which stacks are suspects, by growth's rule over the samples */
	struct timeline_mark marks[3];
	size_t nm = 0;
	double t[40], y[40];
	struct growth_rule rule;
	growth_rule_default(&rule);
	for (uint32_t id = 0; id < 3; id++) {
		struct growth_verdict v;
		size_t n = timeline_series(tl, id, t, y);
		growth_judge(&rule, t, y, n, &v);
		if (v.suspect)
			marks[nm++] = (struct timeline_mark){ id, v.rate, t[n - 1] - t[0] };
	}
	CHECK(nm == 1 && marks[0].id == il);

	char path[] = "/tmp/lt-timeline-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	CHECK(timeline_write_svg(tl, f, st, &r, marks, nm, "heap of server & co") == 0);
	fclose(f);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "xmllint --noout %s", path);
	CHECK(system(cmd) == 0);

	f = fopen(path, "r");
	char *svg = calloc(1, 1 << 20);
	size_t len = fread(svg, 1, (1 << 20) - 1, f);
	fclose(f);
	CHECK(len > 0);
	/* the leak's band is marked and named, its legend says how fast */
	const char *g = strstr(svg, "<g class=\"band suspect\" data-stack=\"0\"><title>suspected "
				    "leak: +5.9 KB/s for 20 s");
	CHECK(g != NULL);
	if (g) {
		CHECK(strstr(g, "cache_put (server.c:42)\nmain (server.c:100)\n</title>") != NULL);
	}
	CHECK(strstr(svg, "font-weight=\"bold\">cache_put (server.c:42)</text>") != NULL);
	CHECK(strstr(svg, "suspected leak: +5.9 KB/s for 20 s, peak 119.1 KB") != NULL);
	/* the others are drawn, unmarked, allocator frames skipped and escaped */
	CHECK(strstr(svg, "<g class=\"band\" data-stack=\"1\">") != NULL);
	CHECK(strstr(svg, "std::vector&lt;int, std::allocator&lt;int&gt; &gt;::push_back") != NULL);
	CHECK(strstr(svg, "operator new") == NULL);
	CHECK(strstr(svg, "heap of server &amp; co") != NULL);
	CHECK(strstr(svg, "http://www.w3.org/2000/svg") != NULL);
	CHECK(strstr(svg, "href") == NULL && strstr(svg, "<script") == NULL);
	free(svg);
	unlink(path);
	timeline_free(tl);
	stacktab_free(st);
}

int main(void)
{
	test_bounds();
	test_svg();
	return check_summary("timeline");
}
