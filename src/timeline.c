/* timeline: --timeline=FILE.svg, the heap over time stacked by allocation
 * stack (see timeline.h).  Samples are stored as runs of (stack, bytes)
 * pairs in one growing array; halving the samples compacts that array in
 * place, so memory stays proportional to the samples kept. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "leaktrace/massif.h"
#include "leaktrace/timeline.h"

struct pair {
	uint32_t id;
	uint64_t bytes;
};

struct sample {
	double t;
	uint64_t total;
	size_t first, n; /* pairs[first .. first + n - 1], ids ascending */
};

struct timeline {
	unsigned max;
	double period;
	struct sample *s;
	size_t ns;
	struct pair *p;
	size_t np, pcap;
};

struct timeline *timeline_new(unsigned max_samples, double period)
{
	struct timeline *tl = calloc(1, sizeof *tl);

	if (!tl)
		return NULL;
	tl->max = max_samples ? max_samples : 512;
	if (tl->max < 4)
		tl->max = 4;
	tl->period = period > 0 ? period : 0.01;
	tl->s = calloc(tl->max, sizeof *tl->s);
	if (!tl->s) {
		free(tl);
		return NULL;
	}
	return tl;
}

void timeline_free(struct timeline *tl)
{
	if (!tl)
		return;
	free(tl->s);
	free(tl->p);
	free(tl);
}

bool timeline_due(const struct timeline *tl, double t)
{
	return tl->ns == 0 || t - tl->s[tl->ns - 1].t >= tl->period;
}

size_t timeline_count(const struct timeline *tl)
{
	return tl->ns;
}

/* Keeps samples 0, 2, 4, ... and the last; the period doubles. */
static void halve(struct timeline *tl)
{
	size_t k = 0, np = 0;

	for (size_t i = 0; i < tl->ns; i++) {
		if (i % 2 && i != tl->ns - 1)
			continue;
		struct sample s = tl->s[i];
		memmove(tl->p + np, tl->p + s.first, s.n * sizeof *tl->p);
		s.first = np;
		np += s.n;
		tl->s[k++] = s;
	}
	tl->ns = k;
	tl->np = np;
	tl->period *= 2;
}

int timeline_sample(struct timeline *tl, double t, const uint64_t *bytes, size_t n)
{
	size_t nz = 0;
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		nz += bytes[i] != 0;
	if (tl->ns == tl->max)
		halve(tl);
	if (tl->np + nz > tl->pcap) {
		size_t cap = tl->pcap ? tl->pcap : 1024;
		while (cap < tl->np + nz)
			cap *= 2;
		struct pair *p = realloc(tl->p, cap * sizeof *p);
		if (!p)
			return -ENOMEM;
		tl->p = p;
		tl->pcap = cap;
	}
	struct sample *s = &tl->s[tl->ns++];
	*s = (struct sample){ .t = t, .first = tl->np, .n = nz };
	for (size_t i = 0; i < n; i++)
		if (bytes[i]) {
			tl->p[tl->np++] = (struct pair){ (uint32_t)i, bytes[i] };
			total += bytes[i];
		}
	s->total = total;
	return 0;
}

static uint64_t bytes_at(const struct timeline *tl, const struct sample *s, uint32_t id)
{
	size_t lo = s->first, hi = s->first + s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tl->p[mid].id == id)
			return tl->p[mid].bytes;
		if (tl->p[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

size_t timeline_series(const struct timeline *tl, uint32_t id, double *t, double *y)
{
	for (size_t i = 0; i < tl->ns; i++) {
		t[i] = tl->s[i].t;
		y[i] = (double)bytes_at(tl, &tl->s[i], id);
	}
	return tl->ns;
}

/* ---- the picture ----------------------------------------------------- */

#define TOP 8
#define W   1200
#define H   560
#define PX0 90.0
#define PX1 780.0
#define PY0 60.0
#define PY1 500.0

struct band {
	uint32_t id; /* UINT32_MAX: all other stacks */
	uint64_t peak;
	const struct timeline_mark *mark;
};

static void xml_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n')
				fputc(*s, out);
		}
	}
}

/* Writes pc's "fn (file:line)"; true when fn is main, where stacks end. */
static bool frame_text(FILE *out, const struct report *sym, uint64_t pc)
{
	struct frame_info f = { .ip = pc };

	if (!sym || !sym->symbolize || sym->symbolize(sym->symbolize_ctx, pc, &f) < 0)
		f = (struct frame_info){ .ip = pc };
	if (f.fn)
		xml_text(out, f.fn);
	else
		fprintf(out, "0x%" PRIx64, pc);
	if (f.file && f.line) {
		fputs(" (", out);
		xml_text(out, f.file);
		fprintf(out, ":%u)", f.line);
	} else if (f.obj) {
		fputs(" (in ", out);
		xml_text(out, f.obj);
		fputc(')', out);
	}
	return f.fn && !strcmp(f.fn, "main");
}

/* The first frame of a stack that is no allocation function. */
static unsigned first_user_frame(const struct report *sym, const uint64_t *pcs, unsigned n)
{
	unsigned i = n > 1 ? 1 : 0;

	for (; i + 1 < n; i++) {
		struct frame_info f = { .ip = pcs[i] };
		if (!sym || !sym->symbolize || sym->symbolize(sym->symbolize_ctx, pcs[i], &f) < 0 ||
		    !massif_is_alloc_fn(f.fn))
			break;
	}
	return i;
}

static void fmt_bytes(char *buf, size_t len, double b)
{
	static const char *const unit[] = { "B", "KB", "MB", "GB", "TB" };
	int u = 0;

	while (b >= 1024 && u < 4) {
		b /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
}

static int band_cmp(const void *a, const void *b)
{
	const struct band *x = a, *y = b;

	if (!!x->mark != !!y->mark)
		return x->mark ? -1 : 1;
	return (x->peak < y->peak) - (x->peak > y->peak);
}

static const char *const palette[] = { "#4e79a7", "#59a14f", "#edc948", "#b07aa1",
				       "#76b7b2", "#9c755f", "#f28e2b", "#86bcb6" };
static const char *const reds[] = { "#d62728", "#ff6b6b", "#a50f15", "#fb6a4a" };

int timeline_write_svg(const struct timeline *tl, FILE *out, const struct stacktab *st,
		       const struct report *sym, const struct timeline_mark *marks, size_t nmarks,
		       const char *title)
{
	size_t nst = stacktab_count(st);
	uint64_t *peak = calloc(nst + 1, sizeof *peak);
	struct band b[TOP + 1];
	size_t nb = 0;

	if (!peak)
		return -ENOMEM;
	for (size_t i = 0; i < tl->ns; i++)
		for (size_t k = 0; k < tl->s[i].n; k++) {
			const struct pair *p = &tl->p[tl->s[i].first + k];
			if (p->id < nst && p->bytes > peak[p->id])
				peak[p->id] = p->bytes;
		}
	/* the suspects first, then the biggest stacks */
	for (size_t m = 0; m < nmarks && nb < TOP; m++)
		if (marks[m].id < nst)
			b[nb++] = (struct band){ marks[m].id, peak[marks[m].id], &marks[m] };
	for (size_t k = nb; k < TOP; k++) {
		uint32_t best = UINT32_MAX;
		for (size_t id = 0; id < nst; id++) {
			bool taken = false;
			for (size_t j = 0; j < nb; j++)
				taken |= b[j].id == id;
			if (!taken && peak[id] && (best == UINT32_MAX || peak[id] > peak[best]))
				best = (uint32_t)id;
		}
		if (best == UINT32_MAX)
			break;
		b[nb++] = (struct band){ best, peak[best], NULL };
	}
	free(peak);
	qsort(b, nb, sizeof *b, band_cmp);
	b[nb++] = (struct band){ UINT32_MAX, 0, NULL };

	double t0 = tl->ns ? tl->s[0].t : 0, t1 = tl->ns ? tl->s[tl->ns - 1].t : 1;
	uint64_t ymax = 0;
	for (size_t i = 0; i < tl->ns; i++)
		if (tl->s[i].total > ymax)
			ymax = tl->s[i].total;
	if (t1 <= t0)
		t1 = t0 + 1;
	if (!ymax)
		ymax = 1;
	char buf[64];

	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"Verdana, sans-serif\" "
		"font-size=\"12\">\n",
		W, H, W, H);
	fputs(
	    "<defs><pattern id=\"hatch\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
	    "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#d62728\"/>"
	    "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#7f0000\" stroke-width=\"3\"/>"
	    "</pattern></defs>\n",
	    out);
	fprintf(out,
		"<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n<text x=\"%d\" y=\"30\" "
		"font-size=\"18\" text-anchor=\"middle\">",
		W, H, W / 2);
	xml_text(out, title ? title : "Heap over time");
	fputs("</text>\n", out);

	/* axes and ticks */
	fprintf(out,
		"<g stroke=\"#000\" fill=\"none\"><line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" "
		"y2=\"%.0f\"/><line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/></g>\n",
		PX0, PY1, PX1, PY1, PX0, PY0, PX0, PY1);
	for (int k = 0; k <= 4; k++) {
		double y = PY1 - (PY1 - PY0) * k / 4.0, x = PX0 + (PX1 - PX0) * k / 4.0;
		fmt_bytes(buf, sizeof buf, (double)ymax * k / 4.0);
		fprintf(out, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", PX0 - 6,
			y + 4, buf);
		fprintf(out,
			"<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			PX0, y, PX1, y);
		fprintf(out, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%.1f s</text>\n",
			x, PY1 + 18, t0 + (t1 - t0) * k / 4.0);
	}
	fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">time</text>\n",
		(PX0 + PX1) / 2, PY1 + 40);

	/* the areas, bottom band first */
	double *lo = calloc(tl->ns + 1, sizeof *lo), *hi = calloc(tl->ns + 1, sizeof *hi);
	if (!lo || !hi) {
		free(lo);
		free(hi);
		return -ENOMEM;
	}
	unsigned nred = 0, nblue = 0;
	const char *colour[TOP + 1] = { NULL };
	for (size_t k = 0; k < nb; k++) {
		colour[k] = b[k].id == UINT32_MAX ? "#bab0ac"
			    : b[k].mark		  ? (nred++ ? reds[nred % 4] : "url(#hatch)")
						  : palette[nblue++ % 8];
		for (size_t i = 0; i < tl->ns; i++) {
			uint64_t v;
			if (b[k].id == UINT32_MAX) {
				v = tl->s[i].total;
				for (size_t j = 0; j + 1 < nb; j++)
					v -= bytes_at(tl, &tl->s[i], b[j].id);
			} else {
				v = bytes_at(tl, &tl->s[i], b[k].id);
			}
			hi[i] = lo[i] + (double)v;
		}
		fprintf(out, "<g class=\"band%s\" data-stack=\"%" PRId64 "\"><title>",
			b[k].mark ? " suspect" : "", b[k].id == UINT32_MAX ? -1 : (int64_t)b[k].id);
		if (b[k].id == UINT32_MAX) {
			fputs("all other stacks", out);
		} else {
			unsigned n;
			const uint64_t *pcs = stacktab_get(st, b[k].id, &n);
			if (b[k].mark) {
				fmt_bytes(buf, sizeof buf, b[k].mark->rate);
				fprintf(out, "suspected leak: +%s/s for %.0f s\n", buf,
					b[k].mark->since);
			}
			fmt_bytes(buf, sizeof buf, (double)b[k].peak);
			fprintf(out, "peak %s, allocated at\n", buf);
			for (unsigned f = first_user_frame(sym, pcs, n), shown = 0;
			     f < n && shown < 12; f++, shown++) {
				bool is_main = frame_text(out, sym, pcs[f]);
				fputc('\n', out);
				if (is_main)
					break;
			}
		}
		fprintf(out,
			"</title><polygon fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\" points=\"",
			colour[k], b[k].mark ? "#7f0000" : "#ffffff", b[k].mark ? "2" : "0.5");
		for (size_t i = 0; i < tl->ns; i++)
			fprintf(out, "%.1f,%.1f ",
				PX0 + (PX1 - PX0) * (tl->s[i].t - t0) / (t1 - t0),
				PY1 - (PY1 - PY0) * hi[i] / (double)ymax);
		for (size_t i = tl->ns; i-- > 0;)
			fprintf(out, "%.1f,%.1f ",
				PX0 + (PX1 - PX0) * (tl->s[i].t - t0) / (t1 - t0),
				PY1 - (PY1 - PY0) * lo[i] / (double)ymax);
		fputs("\"/></g>\n", out);
		memcpy(lo, hi, tl->ns * sizeof *lo);
	}
	free(lo);
	free(hi);

	/* the legend, top band first as the areas stack */
	double ly = PY0;
	for (size_t k = nb; k-- > 0; ly += 44) {
		fprintf(out,
			"<rect x=\"800\" y=\"%.0f\" width=\"14\" height=\"14\" fill=\"%s\"/>\n", ly,
			colour[k]);
		fprintf(out, "<text x=\"820\" y=\"%.0f\"%s>", ly + 12,
			b[k].mark ? " fill=\"#a50f15\" font-weight=\"bold\"" : "");
		if (b[k].id == UINT32_MAX) {
			fputs("all other stacks</text>\n", out);
			continue;
		}
		unsigned n;
		const uint64_t *pcs = stacktab_get(st, b[k].id, &n);
		if (n)
			frame_text(out, sym, pcs[first_user_frame(sym, pcs, n)]);
		fputs("</text>\n", out);
		fmt_bytes(buf, sizeof buf, (double)b[k].peak);
		fprintf(out, "<text x=\"820\" y=\"%.0f\" font-size=\"11\"%s>", ly + 28,
			b[k].mark ? " fill=\"#a50f15\"" : " fill=\"#555\"");
		if (b[k].mark) {
			char rate[64];
			fmt_bytes(rate, sizeof rate, b[k].mark->rate);
			fprintf(out, "suspected leak: +%s/s for %.0f s, peak %s", rate,
				b[k].mark->since, buf);
		} else {
			fprintf(out, "peak %s", buf);
		}
		fputs("</text>\n", out);
	}
	fputs("</svg>\n", out);
	return fflush(out) || ferror(out) ? -EIO : 0;
}
