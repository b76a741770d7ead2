/* flamegraph: folded stacks and an SVG flame graph of the leaked bytes.
 *
 * The loss records are merged into a prefix tree (root "all", then the leak
 * kind, then frames from main down to malloc), each node weighing the bytes
 * of every record below it.  Nodes live in one array and are found through
 * an open-addressing table keyed by (parent, name), so building costs one
 * hash probe per frame however wide the tree gets; children are sorted by
 * name afterwards, which gives both outputs a stable order.  The SVG is
 * drawn from that tree the way flamegraph.pl draws it (root at the bottom,
 * one 16-pixel row per depth), and its script only rescales what is already
 * in the document, so the file needs nothing from outside. */
#include "leaktrace/flamegraph.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leaktrace/report_xml.h"
#include "leaktrace/util.h"

#define NO_NODE UINT32_MAX

struct fg_node {
	char *name;
	uint64_t value; /* bytes of the whole subtree */
	uint32_t parent;
	uint32_t *kids;
	uint32_t nkids, capkids;
	unsigned depth;
	enum leak_kind kind; /* of the subtree; meaningless at the root */
};

struct fg_tree {
	struct fg_node *nodes;
	uint32_t n, cap;
	uint32_t *slots; /* node index or NO_NODE; capacity a power of 2 */
	uint32_t nslots;
	unsigned maxdepth;
};

static uint64_t hash_key(uint32_t parent, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull ^ parent;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static int tree_rehash(struct fg_tree *t, uint32_t nslots)
{
	uint32_t *slots = malloc((size_t)nslots * sizeof *slots);

	if (!slots)
		return -ENOMEM;
	for (uint32_t i = 0; i < nslots; i++)
		slots[i] = NO_NODE;
	for (uint32_t i = 1; i < t->n; i++) { /* the root is never looked up */
		uint32_t s =
		    (uint32_t)hash_key(t->nodes[i].parent, t->nodes[i].name) & (nslots - 1);

		while (slots[s] != NO_NODE)
			s = (s + 1) & (nslots - 1);
		slots[s] = i;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	return 0;
}

/* Appends a node; takes ownership of name (freed on failure). */
static uint32_t tree_add(struct fg_tree *t, uint32_t parent, char *name, enum leak_kind kind)
{
	struct fg_node *nd;

	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 64;
		struct fg_node *nodes = realloc(t->nodes, (size_t)cap * sizeof *nodes);

		if (!nodes)
			goto fail;
		t->nodes = nodes;
		t->cap = cap;
	}
	if (parent != NO_NODE) {
		struct fg_node *p = &t->nodes[parent];

		if (p->nkids == p->capkids) {
			uint32_t cap = p->capkids ? p->capkids * 2 : 4;
			uint32_t *kids = realloc(p->kids, (size_t)cap * sizeof *kids);

			if (!kids)
				goto fail;
			p->kids = kids;
			p->capkids = cap;
		}
		p->kids[p->nkids++] = t->n;
	}
	nd = &t->nodes[t->n];
	memset(nd, 0, sizeof *nd);
	nd->name = name;
	nd->parent = parent;
	nd->kind = kind;
	nd->depth = parent == NO_NODE ? 0 : t->nodes[parent].depth + 1;
	if (nd->depth > t->maxdepth)
		t->maxdepth = nd->depth;
	return t->n++;
fail:
	free(name);
	return NO_NODE;
}

/* The child of parent called name, created if new; name is the caller's. */
static uint32_t tree_child(struct fg_tree *t, uint32_t parent, const char *name,
			   enum leak_kind kind)
{
	uint32_t s, idx;
	char *copy;

	if ((t->n + 1) * 2 > t->nslots && tree_rehash(t, t->nslots ? t->nslots * 2 : 256) < 0)
		return NO_NODE;
	s = (uint32_t)hash_key(parent, name) & (t->nslots - 1);
	for (; t->slots[s] != NO_NODE; s = (s + 1) & (t->nslots - 1)) {
		const struct fg_node *nd = &t->nodes[t->slots[s]];

		if (nd->parent == parent && strcmp(nd->name, name) == 0)
			return t->slots[s];
	}
	if (!(copy = strdup(name)))
		return NO_NODE;
	idx = tree_add(t, parent, copy, kind);
	if (idx != NO_NODE)
		t->slots[s] = idx;
	return idx;
}

static void tree_free(struct fg_tree *t)
{
	for (uint32_t i = 0; i < t->n; i++) {
		free(t->nodes[i].name);
		free(t->nodes[i].kids);
	}
	free(t->nodes);
	free(t->slots);
	memset(t, 0, sizeof *t);
}

/* The frame's name as it appears in the graph (malloc'd), made safe for
 * the folded format. */
static char *frame_name(const struct frame_info *f)
{
	char *s;

	if (f->fn)
		s = strdup(f->fn);
	else if (f->obj) {
		if (asprintf(&s, "??? (in %s)", f->obj) < 0)
			s = NULL;
	} else
		s = strdup("???");
	for (char *p = s; p && *p; p++) {
		if (*p == ';')
			*p = ':';
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	return s;
}

static int tree_add_record(struct fg_tree *t, const struct report *r, const struct loss_record *rec)
{
	unsigned nf = 0;
	struct frame_info *f = util_symbolize_stack(r, &rec->stack, &nf);
	uint32_t cur;
	int err = 0;

	if (rec->stack.n > 0 && !f)
		return -ENOMEM;
	t->nodes[0].value += rec->bytes;
	cur = tree_child(t, 0, util_leak_kind_words(rec->kind), rec->kind);
	if (cur == NO_NODE) {
		err = -ENOMEM;
		goto out;
	}
	t->nodes[cur].value += rec->bytes;
	for (unsigned i = nf; i-- > 0;) {
		char *name = frame_name(&f[i]);

		cur = name ? tree_child(t, cur, name, rec->kind) : NO_NODE;
		free(name);
		if (cur == NO_NODE) {
			err = -ENOMEM;
			goto out;
		}
		t->nodes[cur].value += rec->bytes;
	}
out:
	free(f);
	return err;
}

static int cmp_kids(const void *a, const void *b, void *ctx)
{
	const struct fg_tree *t = ctx;

	return strcmp(t->nodes[*(const uint32_t *)a].name, t->nodes[*(const uint32_t *)b].name);
}

static int tree_build(struct fg_tree *t, const struct report *r, unsigned kinds_mask)
{
	char *root = strdup("all");
	int err;

	memset(t, 0, sizeof *t);
	if (!root || tree_add(t, NO_NODE, root, LEAK_DEFINITE) == NO_NODE)
		return -ENOMEM;
	for (size_t i = 0; i < r->nrecords; i++) {
		const struct loss_record *rec = &r->records[i];

		if (!(kinds_mask & (1u << rec->kind)) || rec->suppressed_by || rec->bytes == 0)
			continue;
		if ((err = tree_add_record(t, r, rec)) < 0) {
			tree_free(t);
			return err;
		}
	}
	for (uint32_t i = 0; i < t->n; i++)
		if (t->nodes[i].nkids > 1)
			qsort_r(t->nodes[i].kids, t->nodes[i].nkids, sizeof(uint32_t), cmp_kids, t);
	return 0;
}

static uint64_t self_bytes(const struct fg_tree *t, uint32_t i)
{
	uint64_t v = t->nodes[i].value;

	for (uint32_t k = 0; k < t->nodes[i].nkids; k++)
		v -= t->nodes[t->nodes[i].kids[k]].value;
	return v;
}

/* ---- folded stacks ---- */

static void folded_walk(FILE *out, const struct fg_tree *t, uint32_t i, uint32_t *path)
{
	const struct fg_node *nd = &t->nodes[i];
	uint64_t self = self_bytes(t, i);

	path[nd->depth] = i;
	if (nd->depth > 0 && self > 0) {
		for (unsigned d = 1; d <= nd->depth; d++) {
			if (d > 1)
				fputc(';', out);
			fputs(t->nodes[path[d]].name, out);
		}
		fprintf(out, " %llu\n", (unsigned long long)self);
	}
	for (uint32_t k = 0; k < nd->nkids; k++)
		folded_walk(out, t, nd->kids[k], path);
}

int flamegraph_write_folded(FILE *out, const struct report *r, unsigned kinds_mask)
{
	struct fg_tree t;
	uint32_t *path;
	int err = tree_build(&t, r, kinds_mask);

	if (err < 0)
		return err;
	if (!(path = calloc(t.maxdepth + 1, sizeof *path))) {
		tree_free(&t);
		return -ENOMEM;
	}
	folded_walk(out, &t, 0, path);
	free(path);
	tree_free(&t);
	return ferror(out) ? -EIO : 0;
}

/* ---- SVG ---- */

#define SVG_WIDTH     1200.0
#define SVG_PAD	      10.0
#define SVG_TOP	      60.0 /* title, legend and the zoom button */
#define SVG_BOTTOM    30.0 /* the details line */
#define SVG_ROW	      16.0
#define SVG_FONT      12.0
#define SVG_CHAR      (SVG_FONT * 0.59) /* average glyph width of Verdana */
#define SVG_MIN_WIDTH 0.1		/* narrower frames are hidden until zoomed */

/* Text for an attribute value in double quotes: report_xml_escape's
 * output, which leaves '"' alone, with '"' escaped too. */
static void put_attr(FILE *out, const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	if (!mem) {
		fputs("???", out);
		return;
	}
	report_xml_escape(mem, s, strlen(s));
	if (fclose(mem) != 0) {
		free(buf);
		fputs("???", out);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '"')
			fputs("&quot;", out);
		else
			fputc(buf[i], out);
	}
	free(buf);
}

static void put_text(FILE *out, const char *s)
{
	report_xml_escape(out, s, strlen(s));
}

/* The label that fits in width pixels: name, or a prefix of it ending in
 * "..", or nothing.  The cut never splits a UTF-8 sequence. */
static void put_label(FILE *out, const char *name, double width)
{
	size_t fit = width > 6 ? (size_t)((width - 6) / SVG_CHAR) : 0;
	size_t len = strlen(name), cut;

	if (fit < 3)
		return;
	if (len <= fit) {
		put_text(out, name);
		return;
	}
	cut = fit - 2;
	while (cut > 0 && ((unsigned char)name[cut] & 0xC0) == 0x80)
		cut--;
	report_xml_escape(out, name, cut);
	fputs("..", out);
}

/* Per-kind palettes (reds, oranges, yellows, greens), varied per name so
 * that neighbouring frames can be told apart, as flamegraph.pl does. */
static void node_colour(const struct fg_tree *t, uint32_t i, unsigned rgb[3])
{
	static const unsigned base[LEAK_KIND_COUNT][3] = {
		[LEAK_DEFINITE] = { 200, 40, 40 },
		[LEAK_INDIRECT] = { 230, 120, 20 },
		[LEAK_POSSIBLE] = { 220, 195, 40 },
		[LEAK_REACHABLE] = { 60, 165, 60 },
	};
	static const unsigned span[LEAK_KIND_COUNT][3] = {
		[LEAK_DEFINITE] = { 55, 60, 30 },
		[LEAK_INDIRECT] = { 25, 50, 40 },
		[LEAK_POSSIBLE] = { 35, 45, 50 },
		[LEAK_REACHABLE] = { 60, 60, 50 },
	};
	const struct fg_node *nd = &t->nodes[i];
	uint64_t h = hash_key(0, nd->name);

	if (nd->depth == 0) {
		rgb[0] = rgb[1] = rgb[2] = 200;
		return;
	}
	for (int c = 0; c < 3; c++)
		rgb[c] = base[nd->kind][c] + (unsigned)((h >> (c * 16)) % (span[nd->kind][c] + 1));
}

static void svg_node(FILE *out, const struct fg_tree *t, uint32_t i, double x, double height)
{
	const struct fg_node *nd = &t->nodes[i];
	double total = (double)t->nodes[0].value;
	double w = (double)nd->value / total;
	double span = SVG_WIDTH - 2 * SVG_PAD;
	double px = SVG_PAD + x * span, pw = w * span;
	double y = height - SVG_BOTTOM - (nd->depth + 1) * SVG_ROW;
	char num[UTIL_NUM_BUFSZ];
	unsigned rgb[3];
	double kx = x;

	node_colour(t, i, rgb);
	fprintf(out,
		"<g class=\"f\" data-d=\"%u\" data-v=\"%llu\" data-x=\"%.9f\" data-w=\"%.9f\" "
		"data-n=\"",
		nd->depth, (unsigned long long)nd->value, x, w);
	put_attr(out, nd->name);
	fprintf(out, "\"%s>\n<title>", pw < SVG_MIN_WIDTH ? " style=\"display:none\"" : "");
	put_text(out, nd->name);
	fprintf(out, " (%s bytes, %.2f%%)</title>\n", util_fmt_num(num, nd->value),
		100.0 * (double)nd->value / total);
	fprintf(out,
		"<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" rx=\"2\" ry=\"2\" "
		"fill=\"rgb(%u,%u,%u)\"/>\n",
		px, y, pw, SVG_ROW - 1, rgb[0], rgb[1], rgb[2]);
	fprintf(out, "<text x=\"%.2f\" y=\"%.1f\">", px + 3, y + SVG_ROW - 4.5);
	put_label(out, nd->name, pw);
	fputs("</text>\n</g>\n", out);
	for (uint32_t k = 0; k < nd->nkids; k++) {
		uint32_t c = nd->kids[k];

		svg_node(out, t, c, kx, height);
		kx += (double)t->nodes[c].value / total;
	}
}

/* Zoom: a clicked frame fills the width; its ancestors span the width,
 * faded; everything outside its range is hidden.  Positions come from the
 * data-x/data-w fractions written with each frame, so zooming never drifts. */
static const char svg_script[] =
    "(function () {\n"
    "  var frames = document.getElementsByClassName('f');\n"
    "  var details = document.getElementById('details');\n"
    "  var unzoom = document.getElementById('unzoom');\n"
    "  function num(g, a) { return parseFloat(g.getAttribute(a)); }\n"
    "  function label(g, w) {\n"
    "    var t = g.getElementsByTagName('text')[0], n = g.getAttribute('data-n');\n"
    "    var fit = Math.floor((w - 6) / CH);\n"
    "    t.textContent = fit < 3 ? '' : n.length <= fit ? n : n.substring(0, fit - 2) + '..';\n"
    "  }\n"
    "  function place(g, x, w, fade) {\n"
    "    if (w < MINW) { g.style.display = 'none'; return; }\n"
    "    g.style.display = '';\n"
    "    g.style.opacity = fade ? '0.5' : '';\n"
    "    var r = g.getElementsByTagName('rect')[0], t = g.getElementsByTagName('text')[0];\n"
    "    r.setAttribute('x', x.toFixed(2)); r.setAttribute('width', w.toFixed(2));\n"
    "    t.setAttribute('x', (x + 3).toFixed(2));\n"
    "    label(g, w);\n"
    "  }\n"
    "  function zoom(z) {\n"
    "    var zx = num(z, 'data-x'), zw = num(z, 'data-w'), zd = num(z, 'data-d');\n"
    "    var span = W - 2 * P, eps = 1e-9;\n"
    "    for (var i = 0; i < frames.length; i++) {\n"
    "      var g = frames[i], x = num(g, 'data-x'), w = num(g, 'data-w'), d = num(g, 'data-d');\n"
    "      if (d < zd)\n"
    "        place(g, P, x <= zx + eps && x + w >= zx + zw - eps ? span : 0, zd > 0);\n"
    "      else if (x >= zx - eps && x + w <= zx + zw + eps)\n"
    "        place(g, P + (x - zx) / zw * span, w / zw * span, false);\n"
    "      else\n"
    "        place(g, 0, 0, false);\n"
    "    }\n"
    "    unzoom.style.display = zd > 0 ? '' : 'none';\n"
    "  }\n"
    "  for (var i = 0; i < frames.length; i++) {\n"
    "    frames[i].addEventListener('click', function () { zoom(this); });\n"
    "    frames[i].addEventListener('mouseover', function () {\n"
    "      details.textContent = this.getElementsByTagName('title')[0].textContent;\n"
    "    });\n"
    "    frames[i].addEventListener('mouseout', function () { details.textContent = ' '; });\n"
    "  }\n"
    "  unzoom.addEventListener('click', function () { if (frames.length) zoom(frames[0]); });\n"
    "})();\n"
    "]]></script>\n";

static void svg_legend(FILE *out, const struct fg_tree *t)
{
	double x = SVG_PAD;
	char num[UTIL_NUM_BUFSZ];
	const struct fg_node *root = &t->nodes[0];

	for (uint32_t k = 0; k < root->nkids; k++) {
		const struct fg_node *nd = &t->nodes[root->kids[k]];
		unsigned rgb[3];

		node_colour(t, root->kids[k], rgb);
		fprintf(out,
			"<rect x=\"%.1f\" y=\"34\" width=\"12\" height=\"12\" "
			"fill=\"rgb(%u,%u,%u)\"/>\n",
			x, rgb[0], rgb[1], rgb[2]);
		fprintf(out, "<text x=\"%.1f\" y=\"44\">", x + 16);
		put_text(out, nd->name);
		fprintf(out, ": %s bytes</text>\n", util_fmt_num(num, nd->value));
		x += 16 + (strlen(nd->name) + strlen(num) + 9) * SVG_CHAR + 20;
	}
}

int flamegraph_write_svg(FILE *out, const struct report *r, unsigned kinds_mask, const char *title)
{
	struct fg_tree t;
	double height;
	int err = tree_build(&t, r, kinds_mask);

	if (err < 0)
		return err;
	height = SVG_TOP + (t.maxdepth + 1) * SVG_ROW + SVG_BOTTOM;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n", out);
	fprintf(out,
		"<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n",
		SVG_WIDTH, height, SVG_WIDTH, height);
	fprintf(out,
		"<style type=\"text/css\">\n"
		"text { font-family: Verdana, sans-serif; font-size: %.0fpx; fill: #000; }\n"
		"g.f { cursor: pointer; }\n"
		"g.f:hover rect { stroke: #000; stroke-width: 0.5; }\n"
		"#title { font-size: 17px; text-anchor: middle; }\n"
		"#unzoom { cursor: pointer; }\n"
		"</style>\n",
		SVG_FONT);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#f8f8f8\"/>\n",
		SVG_WIDTH, height);
	fprintf(out, "<text id=\"title\" x=\"%.1f\" y=\"22\">", SVG_WIDTH / 2);
	put_text(out, title ? title : "Leaked bytes");
	if (t.nodes[0].value > 0) {
		char num[UTIL_NUM_BUFSZ];

		fprintf(out, " (%s bytes)", util_fmt_num(num, t.nodes[0].value));
	}
	fputs("</text>\n", out);
	fprintf(
	    out,
	    "<text id=\"unzoom\" x=\"%.1f\" y=\"22\" style=\"display:none\">Reset Zoom</text>\n",
	    SVG_PAD);
	fprintf(out, "<text id=\"details\" x=\"%.1f\" y=\"%.1f\"> </text>\n", SVG_PAD,
		height - SVG_BOTTOM / 2 + 4);
	if (t.nodes[0].value == 0) {
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">No leaks</text>\n", SVG_PAD,
			height - SVG_BOTTOM - 4);
	} else {
		svg_legend(out, &t);
		svg_node(out, &t, 0, 0.0, height);
		fputs("<script type=\"text/ecmascript\"><![CDATA[\n", out);
		fprintf(out, "var W = %.1f, P = %.1f, CH = %.3f, MINW = %.2f;\n", SVG_WIDTH,
			SVG_PAD, SVG_CHAR, SVG_MIN_WIDTH);
		fputs(svg_script, out);
	}
	fputs("</svg>\n", out);
	tree_free(&t);
	return ferror(out) ? -EIO : 0;
}
