/* Unit test of flamegraph: folded lines and SVG frames of a synthetic report
 * (fake symbolizer), checked for totals, merging, escaping of C++ names and
 * well-formed XML (a small checker here, and xmllint when installed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fake_symbols.h"
#include "leaktrace/flamegraph.h"

static const struct frame_info syms[] = {
	{ 0x1000, "/lib/vgpreload.so", "malloc", "malloc", NULL, NULL, 0 },
	{ 0x1100, "/lib/vgpreload.so", "operator new(unsigned long)", "_Znwm", NULL, NULL, 0 },
	{ 0x2000, "/src/a", "push", "push", "/src", "a.c", 5 },
	{ 0x2010, "/src/a", "push", "push", "/src", "a.c", 6 },
	{ 0x3000, "/src/a", "main", "main", "/src", "a.c", 20 },
	{ 0x3010, "/src/a", "main", "main", "/src", "a.c", 21 },
	{ 0x4000, "/src/a", "std::vector<int, std::allocator<int> >::push_back(int&&)",
	  "_ZNSt6vector", NULL, NULL, 0 },
	{ 0x4100, "/src/a", "f<A&B>;x", "f", NULL, NULL, 0 },
	{ 0x5000, "/lib/libx.so", NULL, NULL, NULL, NULL, 0 },
};

static int fake_symbolize(void *ctx, uint64_t ip, struct frame_info *out)
{
	(void)ctx;
	return fake_lookup(syms, sizeof syms / sizeof syms[0], ip, out);
}

static const uint64_t st_push1[] = { 0x1000, 0x2000, 0x3000 };
static const uint64_t st_push2[] = { 0x1000, 0x2010, 0x3010 }; /* same names as st_push1 */
static const uint64_t st_vec[] = { 0x1100, 0x4000, 0x3000 };
static const uint64_t st_odd[] = { 0x1000, 0x4100, 0x5000, 0x9999, 0x3000 };
static const uint64_t st_main[] = { 0x1000, 0x3000 };

#define STK(a)                                                                                     \
	{                                                                                          \
		a, sizeof a / sizeof a[0]                                                          \
	}

static struct loss_record recs[] = {
	{ .kind = LEAK_DEFINITE,
	  .stack = STK(st_push1),
	  .bytes = 48,
	  .indirect_bytes = 100,
	  .blocks = 3 },
	{ .kind = LEAK_DEFINITE, .stack = STK(st_push2), .bytes = 16, .blocks = 1 },
	{ .kind = LEAK_INDIRECT, .stack = STK(st_vec), .bytes = 100, .blocks = 2 },
	{ .kind = LEAK_POSSIBLE, .stack = STK(st_odd), .bytes = 7, .blocks = 1 },
	{ .kind = LEAK_DEFINITE,
	  .stack = STK(st_main),
	  .bytes = 1000,
	  .blocks = 1,
	  .suppressed_by = "mysupp" },
	{ .kind = LEAK_REACHABLE, .stack = STK(st_main), .bytes = 500, .blocks = 5 },
	{ .kind = LEAK_DEFINITE, .stack = { NULL, 0 }, .bytes = 3, .blocks = 1 },
	{ .kind = LEAK_POSSIBLE, .stack = STK(st_main), .bytes = 0, .blocks = 0 },
};

static struct report make_report(void)
{
	struct report r = { .pid = 1,
			    .records = recs,
			    .nrecords = sizeof recs / sizeof recs[0],
			    .symbolize = fake_symbolize };
	return r;
}

typedef int (*writer)(FILE *, const struct report *, unsigned);

static int svg_default(FILE *f, const struct report *r, unsigned mask)
{
	return flamegraph_write_svg(f, r, mask, "Leaks of <a&b>");
}

static char *render(writer fn, const struct report *r, unsigned mask)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(fn(f, r, mask) == 0);
	fclose(f);
	return buf;
}

/* ---- a minimal XML well-formedness checker ---- */

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == ':' || c == '.';
}

/* Valid references only: the five predefined entities and numeric ones. */
static bool check_ref(const char **pp)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	const char *p = *pp;

	for (size_t i = 0; i < 5; i++)
		if (strncmp(p, ents[i], strlen(ents[i])) == 0) {
			*pp = p + strlen(ents[i]);
			return true;
		}
	if (p[1] == '#') {
		const char *q = p + 2;

		while (*q && *q != ';' && *q != '<')
			q++;
		if (*q == ';' && q > p + 2) {
			*pp = q + 1;
			return true;
		}
	}
	return false;
}

static bool xml_well_formed(const char *s)
{
	const char *stack[256];
	size_t stack_lens[256];
	int depth = 0, roots = 0;
	const char *p = s;

	while (*p) {
		if (strncmp(p, "<?", 2) == 0) {
			if (!(p = strstr(p, "?>")))
				return false;
			p += 2;
		} else if (strncmp(p, "<!--", 4) == 0) {
			if (!(p = strstr(p, "-->")))
				return false;
			p += 3;
		} else if (strncmp(p, "<![CDATA[", 9) == 0) {
			if (depth == 0 || !(p = strstr(p, "]]>")))
				return false;
			p += 3;
		} else if (strncmp(p, "</", 2) == 0) {
			const char *n = p + 2;
			size_t len = 0;

			while (is_name_char(n[len]))
				len++;
			if (depth == 0 || len != stack_lens[depth - 1] ||
			    strncmp(n, stack[depth - 1], len) != 0 || n[len] != '>')
				return false;
			depth--;
			p = n + len + 1;
		} else if (*p == '<') {
			const char *n = p + 1;
			size_t len = 0;

			while (is_name_char(n[len]))
				len++;
			if (len == 0 || depth == 256 || (depth == 0 && roots++ > 0))
				return false;
			p = n + len;
			for (;;) { /* attributes */
				while (*p == ' ' || *p == '\n' || *p == '\t')
					p++;
				if (*p == '>' || strncmp(p, "/>", 2) == 0)
					break;
				if (!is_name_char(*p))
					return false;
				while (is_name_char(*p))
					p++;
				if (*p++ != '=' || (*p != '"' && *p != '\''))
					return false;
				char q = *p++;

				while (*p && *p != q) {
					if (*p == '<' || (*p == '&' && !check_ref(&p)))
						return false;
					if (*p != q && *p != '&')
						p++;
				}
				if (*p++ != q)
					return false;
			}
			if (*p == '>') {
				stack[depth] = n;
				stack_lens[depth++] = len;
				p++;
			} else {
				p += 2;
			}
		} else if (*p == '&') {
			if (depth == 0 || !check_ref(&p))
				return false;
		} else if (*p == '>') {
			return false; /* legal, but our writer never leaves one raw */
		} else {
			if (depth == 0 && *p != '\n' && *p != ' ')
				return false;
			p++;
		}
	}
	return depth == 0 && roots == 1;
}

static void check_xmllint(const char *doc)
{
	FILE *f;
	int rc;

	if (!check_tool("xmllint"))
		return;
	f = popen("xmllint --noout - 2>&1", "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(doc, f);
	rc = pclose(f);
	CHECK(rc == 0);
}

/* ---- parsing our own frames back ---- */

struct gframe {
	unsigned d;
	unsigned long long v;
	double x, w, rect_w;
	char name[256];
};

static size_t parse_frames(const char *svg, struct gframe *out, size_t max)
{
	size_t n = 0;

	for (const char *p = svg; (p = strstr(p, "<g class=\"f\"")) && n < max; p++) {
		struct gframe *g = &out[n];
		const char *r, *nm;

		if (sscanf(p,
			   "<g class=\"f\" data-d=\"%u\" data-v=\"%llu\" data-x=\"%lf\" "
			   "data-w=\"%lf\"",
			   &g->d, &g->v, &g->x, &g->w) != 4)
			break;
		r = strstr(p, "<rect ");
		if (!r || sscanf(strstr(r, "width=\""), "width=\"%lf\"", &g->rect_w) != 1)
			break;
		nm = strstr(p, "data-n=\"") + 8;
		snprintf(g->name, sizeof g->name, "%.*s", (int)(strchr(nm, '"') - nm), nm);
		n++;
	}
	return n;
}

static double fabs_(double v)
{
	return v < 0 ? -v : v;
}

/* ---- tests ---- */

static void test_folded(void)
{
	struct report r = make_report();
	char *out = render(flamegraph_write_folded, &r, FLAMEGRAPH_KINDS_DEFAULT);
	unsigned long long sum = 0;
	unsigned lines = 0;

	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char *sp = strrchr(line, ' ');

		CHECK(sp != NULL);
		if (!sp)
			continue;
		sum += strtoull(sp + 1, NULL, 10);
		lines++;
	}
	/* 48 + 16 + 3 definite, 100 indirect, 7 possible; not the suppressed
	 * 1000, not the reachable 500, not the indirect_bytes again */
	CHECK(sum == 174);
	CHECK(lines == 4);
	free(out);

	out = render(flamegraph_write_folded, &r, FLAMEGRAPH_KINDS_DEFAULT);
	/* two records whose stacks differ only in lines merge, sorted order */
	CHECK(
	    strcmp(out,
		   "definitely lost 3\n"
		   "definitely lost;main;push;malloc 64\n"
		   "indirectly lost;main;std::vector<int, std::allocator<int> >::push_back(int&&);"
		   "operator new(unsigned long) 100\n"
		   "possibly lost;main;???;??? (in /lib/libx.so);f<A&B>:x;malloc 7\n") == 0);
	if (strstr(out, "possibly") == NULL)
		fprintf(stderr, "%s", out);
	free(out);

	out = render(flamegraph_write_folded, &r, FLAMEGRAPH_KINDS_ALL);
	CHECK(strstr(out, "still reachable;main;malloc 500\n") != NULL);
	free(out);

	out = render(flamegraph_write_folded, &r, 1u << LEAK_INDIRECT);
	CHECK(strncmp(out, "indirectly lost;", 16) == 0 && strchr(out, '\n') == strrchr(out, '\n'));
	free(out);
}

static void test_svg(void)
{
	struct report r = make_report();
	char *svg = render(svg_default, &r, FLAMEGRAPH_KINDS_DEFAULT);
	static struct gframe fr[64]; /* 19 KiB: off the stack */
	size_t n = parse_frames(svg, fr, 64);
	unsigned long long kids = 0;
	double kid_w = 0;

	CHECK(xml_well_formed(svg));
	check_xmllint(svg);
	CHECK(strncmp(svg, "<?xml ", 6) == 0);
	CHECK(strstr(svg, "<script") != NULL && strstr(svg, "http://www.w3.org/2000/svg") != NULL);
	CHECK(strstr(svg, "href") == NULL); /* nothing external */

	/* all, 3 kinds, main/push/malloc, main/vector/new, main/???/???/f/malloc */
	CHECK(n == 1 + 3 + 3 + 3 + 5);
	CHECK(n > 0 && fr[0].d == 0 && fr[0].v == 174 && strcmp(fr[0].name, "all") == 0);
	for (size_t i = 0; i < n; i++) {
		if (fr[i].d != 1)
			continue;
		kids += fr[i].v;
		kid_w += fr[i].rect_w;
	}
	CHECK(kids == fr[0].v);
	CHECK(fabs_(kid_w - fr[0].rect_w) < 0.05);
	CHECK(fabs_(fr[0].rect_w - 1180.0) < 0.01);
	/* children never outweigh their parent: every frame at depth d > 0
	 * lies inside the range of the previous frame at depth d - 1 */
	for (size_t i = 1; i < n; i++) {
		size_t p = i;

		while (p-- > 0 && fr[p].d != fr[i].d - 1)
			;
		CHECK(fr[i].x >= fr[p].x - 1e-9 && fr[i].x + fr[i].w <= fr[p].x + fr[p].w + 1e-9);
		CHECK(fabs_(fr[i].w - (double)fr[i].v / 174.0) < 1e-8);
	}

	/* escaping of C++ names and the title, in text and attributes */
	CHECK(strstr(
		  svg,
		  "std::vector&lt;int, std::allocator&lt;int&gt; &gt;::push_back(int&amp;&amp;)") !=
	      NULL);
	CHECK(strstr(svg, "data-n=\"f&lt;A&amp;B&gt;:x\"") != NULL);
	CHECK(strstr(svg, "Leaks of &lt;a&amp;b&gt;") != NULL);
	CHECK(strstr(svg, "<int") == NULL && strstr(svg, "A&B") == NULL);
	CHECK(strstr(svg, "<title>definitely lost (67 bytes, 38.51%)</title>") != NULL);
	CHECK(strstr(svg, "rgb(") != NULL);
	free(svg);

	svg = render(svg_default, &r, FLAMEGRAPH_KINDS_ALL);
	n = parse_frames(svg, fr, 64);
	CHECK(xml_well_formed(svg));
	CHECK(n > 0 && fr[0].v == 674);
	free(svg);
}

static int bad_symbolize(void *ctx, uint64_t ip, struct frame_info *out)
{
	static const struct frame_info bad = { 0x7777, "/x", "q\"uo'te\x01\xff<]]>;\n", NULL, NULL,
					       NULL,   0 };

	(void)ctx;
	*out = bad;
	out->ip = ip;
	return 0;
}

static void test_hostile_symbols(void)
{
	static const uint64_t st[] = { 0x7777, 0x7778 };
	struct loss_record rec = {
		.kind = LEAK_DEFINITE, .stack = STK(st), .bytes = 5, .blocks = 1
	};
	struct report r = { .pid = 1, .records = &rec, .nrecords = 1, .symbolize = bad_symbolize };
	char *svg = render(svg_default, &r, FLAMEGRAPH_KINDS_DEFAULT);
	char *fold = render(flamegraph_write_folded, &r, FLAMEGRAPH_KINDS_DEFAULT);

	CHECK(xml_well_formed(svg));
	check_xmllint(svg);
	CHECK(strstr(svg, "data-n=\"q&quot;uo'te") != NULL);
	/* one line, two frames, ';' and '\n' defused */
	CHECK(strcmp(fold, "definitely lost;q\"uo'te \xff<]]>: ;q\"uo'te \xff<]]>:  5\n") == 0);
	free(svg);
	free(fold);
}

static void test_empty(void)
{
	struct report r = { .pid = 1, .symbolize = fake_symbolize };
	char *svg = render(svg_default, &r, FLAMEGRAPH_KINDS_DEFAULT);
	char *fold = render(flamegraph_write_folded, &r, FLAMEGRAPH_KINDS_DEFAULT);

	CHECK(xml_well_formed(svg));
	check_xmllint(svg);
	CHECK(strstr(svg, "No leaks") != NULL);
	CHECK(strstr(svg, "<g class=\"f\"") == NULL);
	CHECK(fold != NULL && fold[0] == '\0');
	free(svg);
	free(fold);

	/* records exist but none selected */
	r = make_report();
	svg = render(svg_default, &r, 0);
	CHECK(xml_well_formed(svg) && strstr(svg, "No leaks") != NULL);
	free(svg);
}

static char many_names[3000][16];

static int many_symbolize(void *ctx, uint64_t ip, struct frame_info *out)
{
	(void)ctx;
	memset(out, 0, sizeof *out);
	out->ip = ip;
	if (ip >= 0x100000 && ip < 0x100000 + 3000) {
		snprintf(many_names[ip - 0x100000], sizeof many_names[0], "fn%u",
			 (unsigned)(ip - 0x100000));
		out->fn = many_names[ip - 0x100000];
	} else {
		out->fn = "main";
	}
	return 0;
}

static void test_many(void)
{
	/* enough distinct frames to rehash the node table several times */
	enum { N = 3000 };
	static uint64_t pcs[N][2];
	static struct loss_record many[N];
	struct report r = { .pid = 1, .records = many, .nrecords = N, .symbolize = many_symbolize };
	unsigned long long sum = 0;
	unsigned lines = 0;
	char *fold;

	for (unsigned i = 0; i < N; i++) {
		pcs[i][0] = 0x100000 + i;
		pcs[i][1] = 0x3000;
		many[i] = (struct loss_record){ .kind = (enum leak_kind)(i % 3),
						.stack = { pcs[i], 2 },
						.bytes = i + 1,
						.blocks = 1 };
	}
	fold = render(flamegraph_write_folded, &r, FLAMEGRAPH_KINDS_DEFAULT);
	for (char *line = strtok(fold, "\n"); line; line = strtok(NULL, "\n"))
		sum += strtoull(strrchr(line, ' ') + 1, NULL, 10), lines++;
	CHECK(sum == (unsigned long long)N * (N + 1) / 2);
	CHECK(lines == N);
	free(fold);
}

int main(void)
{
	test_folded();
	test_svg();
	test_hostile_symbols();
	test_empty();
	test_many();
	return check_summary("test_flamegraph");
}
