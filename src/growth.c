/* growth: the leak-suspect rule of --interval reports (see growth.h for the
 * statistic and why each test is there), and the ring of per-stack samples
 * it is applied to.  The ring holds the last `window` looks; each look is a
 * full column of live bytes per stack id, so judging a stack is reading one
 * row, and a stack interned after some looks simply had 0 bytes in them. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "leaktrace/growth.h"

void growth_rule_default(struct growth_rule *r)
{
	*r = (struct growth_rule){ .window = 10,
				   .min_samples = 4,
				   .min_rate = 1.0,
				   .min_rise = 1024,
				   .min_z = 2.326,
				   .min_r2 = 0.8,
				   .max_step_share = 0.5,
				   .min_recent_share = 0.25 };
}

void growth_judge(const struct growth_rule *r, const double *t, const double *y, size_t n,
		  struct growth_verdict *v)
{
	*v = (struct growth_verdict){ .why = "too few samples" };
	if (n > r->window) {
		t += n - r->window;
		y += n - r->window;
		n = r->window;
	}
	v->n = (unsigned)n;
	if (n < r->min_samples || n < 2)
		return;

	double mt = 0, my = 0;
	for (size_t i = 0; i < n; i++) {
		mt += t[i];
		my += y[i];
	}
	mt /= (double)n;
	my /= (double)n;
	double stt = 0, sty = 0, syy = 0;
	for (size_t i = 0; i < n; i++) {
		stt += (t[i] - mt) * (t[i] - mt);
		sty += (t[i] - mt) * (y[i] - my);
		syy += (y[i] - my) * (y[i] - my);
	}
	v->rate = stt > 0 ? sty / stt : 0;
	v->r2 = stt > 0 && syy > 0 ? (sty * sty) / (stt * syy) : 0;
	long s = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			s += (y[j] > y[i]) - (y[j] < y[i]);
	v->tau = (double)s / ((double)n * (double)(n - 1) / 2.0);
	double var = (double)n * (double)(n - 1) * (2.0 * (double)n + 5.0) / 18.0;
	double sd = sqrt(var);
	v->z = s > 0 ? ((double)s - 1.0) / sd : s < 0 ? ((double)s + 1.0) / sd : 0;
	v->rise = y[n - 1] - y[0];

	double up = 0, biggest = 0;
	for (size_t i = 1; i < n; i++) {
		double d = y[i] - y[i - 1];
		if (d > 0) {
			up += d;
			if (d > biggest)
				biggest = d;
		}
	}
	size_t mid = (n - 1) / 2;
	double recent = y[n - 1] - y[mid];

	if (v->rate < r->min_rate || v->rate <= 0 || v->rise < (double)r->min_rise)
		v->why = "no steady rise";
	else if (v->z < r->min_z)
		v->why = "no significant trend (Mann-Kendall)";
	else if (v->r2 < r->min_r2)
		v->why = "not linear (R^2)";
	else if (up <= 0 || biggest > r->max_step_share * up)
		v->why = "one step makes most of the rise";
	else if (recent < r->min_recent_share * v->rise)
		v->why = "the rise has stopped";
	else {
		v->why = NULL;
		v->suspect = true;
	}
}

struct growth {
	struct growth_rule r;
	double *t;	  /* [window] */
	uint64_t **cols;  /* [window][cap] */
	uint64_t *totals; /* [window] */
	size_t cap, nstacks;
	size_t count; /* looks so far */
	struct growth_verdict *v;
	double *since;
	struct growth_verdict vtotal;
};

struct growth *growth_new(const struct growth_rule *r)
{
	struct growth *g = calloc(1, sizeof *g);

	if (!g)
		return NULL;
	g->r = *r;
	if (g->r.window < 2)
		g->r.window = 2;
	g->t = calloc(g->r.window, sizeof *g->t);
	g->cols = calloc(g->r.window, sizeof *g->cols);
	g->totals = calloc(g->r.window, sizeof *g->totals);
	if (!g->t || !g->cols || !g->totals) {
		growth_free(g);
		return NULL;
	}
	return g;
}

void growth_free(struct growth *g)
{
	if (!g)
		return;
	for (unsigned i = 0; g->cols && i < g->r.window; i++)
		free(g->cols[i]);
	free(g->cols);
	free(g->t);
	free(g->totals);
	free(g->v);
	free(g->since);
	free(g);
}

static int grow_to(struct growth *g, size_t n)
{
	if (n <= g->cap)
		return 0;
	size_t cap = g->cap ? g->cap : 1024;
	while (cap < n)
		cap *= 2;
	for (unsigned i = 0; i < g->r.window; i++) {
		uint64_t *c = realloc(g->cols[i], cap * sizeof *c);
		if (!c)
			return -ENOMEM;
		memset(c + g->cap, 0, (cap - g->cap) * sizeof *c);
		g->cols[i] = c;
	}
	struct growth_verdict *v = realloc(g->v, cap * sizeof *v);
	if (!v)
		return -ENOMEM;
	g->v = v;
	double *s = realloc(g->since, cap * sizeof *s);
	if (!s)
		return -ENOMEM;
	g->since = s;
	for (size_t i = g->cap; i < cap; i++) {
		g->v[i] = (struct growth_verdict){ .why = "too few samples" };
		g->since[i] = -1;
	}
	g->cap = cap;
	return 0;
}

int growth_sample(struct growth *g, double t, const uint64_t *bytes, size_t n, uint64_t total)
{
	if (grow_to(g, n))
		return -ENOMEM;
	unsigned w = g->r.window, slot = (unsigned)(g->count % w);
	memcpy(g->cols[slot], bytes, n * sizeof *bytes);
	memset(g->cols[slot] + n, 0, (g->cap - n) * sizeof *bytes);
	g->t[slot] = t;
	g->totals[slot] = total;
	g->count++;
	if (n > g->nstacks)
		g->nstacks = n;

	unsigned k = g->count < w ? (unsigned)g->count : w;
	unsigned first = (unsigned)((g->count - k) % w);
	double *ts = malloc(2 * (size_t)k * sizeof *ts);
	if (!ts)
		return -ENOMEM;
	double *ys = ts + k;
	for (unsigned i = 0; i < k; i++) {
		unsigned s = (first + i) % w;
		ts[i] = g->t[s];
		ys[i] = (double)g->totals[s];
	}
	growth_judge(&g->r, ts, ys, k, &g->vtotal);
	for (size_t id = 0; id < g->nstacks; id++) {
		bool any = false;
		for (unsigned i = 0; i < k; i++) {
			ys[i] = (double)g->cols[(first + i) % w][id];
			any |= ys[i] != 0;
		}
		if (!any) {
			g->v[id] = (struct growth_verdict){ .why = "no steady rise", .n = k };
			g->since[id] = -1;
			continue;
		}
		growth_judge(&g->r, ts, ys, k, &g->v[id]);
		if (!g->v[id].suspect)
			g->since[id] = -1;
		else if (g->since[id] < 0)
			g->since[id] = ts[0];
	}
	free(ts);
	return 0;
}

void growth_stack(const struct growth *g, uint32_t id, struct growth_verdict *v, double *since)
{
	if (id >= g->nstacks) {
		*v = (struct growth_verdict){ .why = "too few samples" };
		*since = -1;
		return;
	}
	*v = g->v[id];
	*since = g->since[id];
}

void growth_total(const struct growth *g, struct growth_verdict *v)
{
	*v = g->vtotal;
}

size_t growth_samples(const struct growth *g)
{
	return g->count;
}
