/* massif: the heap over time as valgrind massif records it (see massif.h for
 * the policy).  The one idea: massif's heap tree at a snapshot is a function
 * of the live bytes per allocation stack, so the profile keeps one counter
 * per stacktab id and a detailed snapshot copies the non-empty counters;
 * the tree (frames merged by address at each depth, small subtrees folded
 * into "in N places, all below massif's threshold") is built only when the
 * file is written. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leaktrace/massif.h"

enum snap_kind { SNAP_UNUSED, SNAP_NORMAL, SNAP_PEAK };

struct stack_live {
	uint32_t id;
	uint64_t bytes;
};

struct snapshot {
	enum snap_kind kind;
	int64_t time;
	uint64_t heap, extra;
	bool detailed;
	struct stack_live *live; /* detailed: every counted stack seen so far */
	size_t nlive;
};

/* What the filtering made of one stack, decided at its first event. */
enum { ST_UNKNOWN = 0, ST_COUNTED, ST_IGNORED };
struct stack_sel {
	uint8_t state;
	uint16_t top, n; /* the frames kept: pcs[top .. top + n - 1] */
};

struct massif {
	struct massif_config c;
	const struct stacktab *st;
	const struct report *sym;
	massif_clock_fn clock;
	void *clock_ctx;
	uint64_t clock0;

	struct stack_sel *sel;
	uint64_t *live; /* bytes per stack id */
	size_t nsel;
	uint32_t *counted; /* ids of the counted stacks, first-seen order */
	size_t ncounted, counted_cap;

	uint64_t heap, extra;
	uint64_t events;      /* --time-unit=i */
	uint64_t alloc_bytes; /* --time-unit=B */

	struct snapshot *snaps;
	unsigned next;
	int64_t min_interval, earliest_next;
	unsigned since_detailed;
	uint64_t peak_total;
	bool oom; /* a detailed snapshot could not be stored */
};

/* massif's default list of allocation functions, as demangled names. */
static const char *const default_alloc_fns[] = {
	"malloc",
	"__builtin_new",
	"operator new(unsigned long)",
	"__builtin_vec_new",
	"operator new[](unsigned long)",
	"calloc",
	"aligned_alloc",
	"realloc",
	"memalign",
	"posix_memalign",
	"valloc",
	"operator new(unsigned long, std::nothrow_t const&)",
	"operator new[](unsigned long, std::nothrow_t const&)",
	"operator new(unsigned long, std::align_val_t)",
	"operator new[](unsigned long, std::align_val_t)",
	"operator new(unsigned long, std::align_val_t, std::nothrow_t const&)",
	"operator new[](unsigned long, std::align_val_t, std::nothrow_t const&)",
	NULL,
};

/* Where valgrind's stacks end with --show-below-main=no (symbols.c names
 * libc's three "(below main)" unless --show-below-main=yes). */
static const char *const main_fns[] = {
	"main", "__libc_start_main", "__libc_start_call_main", "generic_start_main", "(below main)",
	NULL,
};

void massif_config_default(struct massif_config *c)
{
	*c = (struct massif_config){ .time_unit = MASSIF_TIME_I,
				     .detailed_freq = 10,
				     .max_snapshots = 100,
				     .threshold = 1.0,
				     .peak_inaccuracy = 1.0,
				     .heap_admin = 8,
				     .depth = 30,
				     .align = 16 };
}

static uint64_t monotonic_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool in_list(const char *const *list, const char *name)
{
	for (size_t i = 0; list && list[i]; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

bool massif_is_alloc_fn(const char *name)
{
	return name && in_list(default_alloc_fns, name);
}

static const char *fn_name(const struct massif *m, uint64_t pc)
{
	struct frame_info f = { .ip = pc };

	if (!m->sym || !m->sym->symbolize || m->sym->symbolize(m->sym->symbolize_ctx, pc, &f) < 0)
		return NULL;
	return f.fn;
}

static void select_frames(const struct massif *m, uint32_t id, struct stack_sel *out)
{
	unsigned n;
	const uint64_t *pcs = stacktab_get(m->st, id, &n);
	unsigned top = n ? 1 : 0, i;
	const char *name = NULL;

	for (; top < n; top++) {
		name = fn_name(m, pcs[top]);
		if (!name || !(in_list(default_alloc_fns, name) || in_list(m->c.alloc_fns, name)))
			break;
	}
	unsigned nsel = n - top;
	if (nsel && m->c.ignore_fns && m->c.ignore_fns[0]) {
		for (i = top; i < n && !name; i++)
			name = fn_name(m, pcs[i]);
		if (name && in_list(m->c.ignore_fns, name))
			nsel = 0;
	}
	for (i = top; i < n && i < top + m->c.depth && nsel; i++) {
		const char *f = fn_name(m, pcs[i]);
		if (f && in_list(main_fns, f)) {
			nsel = i - top + 1;
			break;
		}
	}
	if (nsel > m->c.depth)
		nsel = m->c.depth;
	out->top = (uint16_t)(top > UINT16_MAX ? UINT16_MAX : top);
	out->n = (uint16_t)(nsel > UINT16_MAX ? UINT16_MAX : nsel);
	out->state = nsel ? ST_COUNTED : ST_IGNORED;
}

/* The selection of stack id, decided now if new; NULL when the tables
 * cannot grow (the event is then not counted). */
static struct stack_sel *stack_sel(struct massif *m, uint32_t id)
{
	if (id >= m->nsel) {
		size_t n = m->nsel ? m->nsel : 1024;
		while (n <= id)
			n *= 2;
		struct stack_sel *s = realloc(m->sel, n * sizeof *s);
		if (!s)
			return NULL;
		m->sel = s;
		uint64_t *l = realloc(m->live, n * sizeof *l);
		if (!l)
			return NULL;
		m->live = l;
		memset(m->sel + m->nsel, 0, (n - m->nsel) * sizeof *s);
		memset(m->live + m->nsel, 0, (n - m->nsel) * sizeof *l);
		m->nsel = n;
	}
	struct stack_sel *s = &m->sel[id];
	if (s->state == ST_UNKNOWN) {
		select_frames(m, id, s);
		if (s->state == ST_COUNTED) {
			if (m->ncounted == m->counted_cap) {
				size_t cap = m->counted_cap ? 2 * m->counted_cap : 256;
				uint32_t *c = realloc(m->counted, cap * sizeof *c);
				if (!c) {
					s->state = ST_UNKNOWN;
					return NULL;
				}
				m->counted = c;
				m->counted_cap = cap;
			}
			m->counted[m->ncounted++] = id;
		}
	}
	return s;
}

static uint64_t slop(const struct massif *m, uint64_t size)
{
	uint64_t a = m->c.align ? m->c.align : 1;
	return (size + a - 1) / a * a - size;
}

static int64_t now(const struct massif *m)
{
	switch (m->c.time_unit) {
	case MASSIF_TIME_MS:
		return (int64_t)(m->clock(m->clock_ctx) - m->clock0);
	case MASSIF_TIME_B:
		return (int64_t)m->alloc_bytes;
	default:
		return (int64_t)m->events;
	}
}

static void heap_change(struct massif *m, int64_t dheap, int64_t dextra)
{
	int64_t d = dheap + dextra;

	m->heap = (uint64_t)((int64_t)m->heap + dheap);
	m->extra = (uint64_t)((int64_t)m->extra + dextra);
	m->alloc_bytes += (uint64_t)(d < 0 ? -d : d);
}

static void clear_snapshot(struct snapshot *s)
{
	free(s->live);
	*s = (struct snapshot){ .kind = SNAP_UNUSED };
}

static bool uncullable(const struct massif *m, unsigned i)
{
	return i == 0 || i == m->next - 1 || m->snaps[i].kind == SNAP_PEAK;
}

/* Removes half the snapshots, each time the one whose neighbours are
 * closest together, and returns the smallest gap left between two
 * snapshots that are not both uncullable: the new minimum interval. */
static int64_t cull(struct massif *m)
{
	unsigned max = m->c.max_snapshots;

	for (unsigned k = 0; k < max / 2; k++) {
		unsigned jp = 0, j = 1, jn, best = 0;
		int64_t best_span = INT64_MAX;
		while (j < max && m->snaps[j].kind == SNAP_UNUSED)
			j++;
		for (jn = j + 1; jn < max && m->snaps[jn].kind == SNAP_UNUSED; jn++)
			;
		while (jn < max) {
			int64_t span = m->snaps[jn].time - m->snaps[jp].time;
			if (m->snaps[j].kind != SNAP_PEAK && span < best_span) {
				best_span = span;
				best = j;
			}
			jp = j;
			j = jn;
			for (jn = j + 1; jn < max && m->snaps[jn].kind == SNAP_UNUSED; jn++)
				;
		}
		if (!best)
			break;
		clear_snapshot(&m->snaps[best]);
	}
	unsigned i = 0;
	for (unsigned j = 0; j < max; j++)
		if (m->snaps[j].kind != SNAP_UNUSED) {
			if (i != j) {
				m->snaps[i] = m->snaps[j];
				m->snaps[j] = (struct snapshot){ .kind = SNAP_UNUSED };
			}
			i++;
		}
	m->next = i;

	int64_t min = INT64_MAX;
	for (i = 1; i < m->next; i++) {
		if (uncullable(m, i) && uncullable(m, i - 1))
			continue;
		int64_t span = m->snaps[i].time - m->snaps[i - 1].time;
		if (span < min)
			min = span;
	}
	return min == INT64_MAX ? 0 : min;
}

static void take(struct massif *m, struct snapshot *s, enum snap_kind kind, int64_t t,
		 bool detailed)
{
	*s = (struct snapshot){ .kind = kind, .time = t, .heap = m->heap, .extra = m->extra };
	if (!detailed)
		return;
	s->detailed = true;
	if (!m->ncounted)
		return;
	s->live = malloc(m->ncounted * sizeof *s->live);
	if (!s->live) {
		m->oom = true;
		return;
	}
	for (size_t i = 0; i < m->ncounted; i++)
		s->live[i] = (struct stack_live){ m->counted[i], m->live[m->counted[i]] };
	s->nlive = m->ncounted;
}

static void snapshot_at(struct massif *m, enum snap_kind kind, int64_t t)
{
	bool detailed;

	if (kind == SNAP_NORMAL) {
		if (t < m->earliest_next)
			return;
		detailed = m->since_detailed + 1 == m->c.detailed_freq;
	} else {
		uint64_t total = m->heap + m->extra;
		uint64_t excess = (uint64_t)((double)m->peak_total * m->c.peak_inaccuracy / 100.0);
		if (total <= m->peak_total + excess)
			return;
		detailed = true;
	}
	struct snapshot *s = &m->snaps[m->next];
	take(m, s, kind, t, detailed);
	m->since_detailed = detailed ? 0 : m->since_detailed + 1;
	if (kind == SNAP_PEAK) {
		m->peak_total = s->heap + s->extra;
		for (unsigned i = 0; i < m->next; i++)
			if (m->snaps[i].kind == SNAP_PEAK)
				m->snaps[i].kind = SNAP_NORMAL;
	}
	if (++m->next == m->c.max_snapshots)
		m->min_interval = cull(m);
	m->earliest_next = t + m->min_interval;
}

static void maybe_snapshot(struct massif *m, enum snap_kind kind)
{
	snapshot_at(m, kind, now(m));
}

struct massif *massif_new(const struct massif_config *c, const struct stacktab *st,
			  const struct report *sym)
{
	struct massif *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	m->c = *c;
	if (m->c.max_snapshots < 10)
		m->c.max_snapshots = 10;
	if (!m->c.detailed_freq)
		m->c.detailed_freq = 1;
	if (!m->c.depth)
		m->c.depth = 1;
	m->st = st;
	m->sym = sym;
	m->clock = monotonic_ms;
	m->clock0 = monotonic_ms(NULL);
	m->snaps = calloc(m->c.max_snapshots, sizeof *m->snaps);
	if (!m->snaps) {
		free(m);
		return NULL;
	}
	/* snapshot 0 is the start, time 0 by definition: read off the clock,
	 * a millisecond that ticks between clock0 and now would make it 1 */
	snapshot_at(m, SNAP_NORMAL, 0);
	return m;
}

void massif_free(struct massif *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->c.max_snapshots; i++)
		free(m->snaps[i].live);
	free(m->snaps);
	free(m->sel);
	free(m->live);
	free(m->counted);
	free(m);
}

void massif_set_clock(struct massif *m, massif_clock_fn clock, void *ctx)
{
	m->clock = clock;
	m->clock_ctx = ctx;
	m->clock0 = clock(ctx);
}

void massif_alloc(struct massif *m, uint64_t size, uint32_t stack_id)
{
	struct stack_sel *s = stack_sel(m, stack_id);

	if (!s || s->state != ST_COUNTED)
		return;
	m->events++;
	m->live[stack_id] += size;
	heap_change(m, (int64_t)size, (int64_t)(m->c.heap_admin + slop(m, size)));
	maybe_snapshot(m, SNAP_NORMAL);
}

void massif_dealloc(struct massif *m, uint64_t size, uint32_t stack_id)
{
	if (stack_id >= m->nsel || m->sel[stack_id].state != ST_COUNTED)
		return;
	m->events++;
	maybe_snapshot(m, SNAP_PEAK);
	m->live[stack_id] -= size;
	heap_change(m, -(int64_t)size, -(int64_t)(m->c.heap_admin + slop(m, size)));
	maybe_snapshot(m, SNAP_NORMAL);
}

void massif_realloc(struct massif *m, uint64_t old_size, uint32_t old_stack, uint64_t new_size,
		    uint32_t new_stack)
{
	struct stack_sel *ns = stack_sel(m, new_stack);

	/* massif ignores a realloc of an ignored block, and leaves a block
	 * whose realloc comes from an ignored place where it was */
	if (old_stack >= m->nsel || m->sel[old_stack].state != ST_COUNTED || !ns ||
	    ns->state != ST_COUNTED)
		return;
	m->events++;
	if (new_size < old_size)
		maybe_snapshot(m, SNAP_PEAK);
	uint64_t old_slop = slop(m, old_size), new_slop;
	if (new_size <= old_size + old_slop)
		new_slop = old_size + old_slop - new_size; /* massif keeps the block */
	else
		new_slop = slop(m, new_size);
	m->live[old_stack] -= old_size;
	m->live[new_stack] += new_size;
	heap_change(m, (int64_t)new_size - (int64_t)old_size,
		    (int64_t)new_slop - (int64_t)old_slop);
	maybe_snapshot(m, SNAP_NORMAL);
}

uint64_t massif_heap_bytes(const struct massif *m)
{
	return m->heap;
}

uint64_t massif_peak_total(const struct massif *m)
{
	return m->peak_total;
}

unsigned massif_snapshot_count(const struct massif *m)
{
	return m->next;
}

/* ---- writing --------------------------------------------------------- */

/* One stack's frames as the tree sees them. */
struct entry {
	const uint64_t *pcs;
	unsigned n;
	uint64_t bytes;
};

/* Frames merged at one depth: entries [first, first + n) share pcs[depth];
 * an insignificant group (pooled small ones) has n_places > 0 instead. */
struct group {
	size_t first, n;
	uint64_t ip, total;
	unsigned n_places;
};

struct writer {
	FILE *out;
	const struct massif *m;
	struct entry *e;
	uint64_t sig;
	bool oom;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	for (unsigned i = 0; i < x->n && i < y->n; i++)
		if (x->pcs[i] != y->pcs[i])
			return x->pcs[i] < y->pcs[i] ? -1 : 1;
	return (x->n > y->n) - (x->n < y->n);
}

static int group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return (x->ip > y->ip) - (x->ip < y->ip);
}

/* The groups of entries [first, first + n) at depth, sorted biggest first,
 * the insignificant ones pooled into one; NULL with *ng == 0 for none. */
static struct group *make_groups(struct writer *w, size_t first, size_t n, unsigned depth,
				 size_t *ng)
{
	struct group *g = NULL;
	size_t cnt = 0, cap = 0, insig = SIZE_MAX;

	*ng = 0;
	for (size_t i = first; i < first + n; i++) {
		if (w->e[i].n <= depth)
			continue;
		if (cnt && g[cnt - 1].ip == w->e[i].pcs[depth] &&
		    g[cnt - 1].first + g[cnt - 1].n == i) {
			g[cnt - 1].n++;
			g[cnt - 1].total += w->e[i].bytes;
			continue;
		}
		if (cnt == cap) {
			cap = cap ? 2 * cap : 8;
			struct group *bigger = realloc(g, cap * sizeof *g);
			if (!bigger) {
				free(g);
				w->oom = true;
				return NULL;
			}
			g = bigger;
		}
		g[cnt++] = (struct group){ i, 1, w->e[i].pcs[depth], w->e[i].bytes, 0 };
	}
	size_t k = 0;
	for (size_t i = 0; i < cnt; i++) {
		if (g[i].total < w->sig) {
			if (insig == SIZE_MAX) {
				insig = k;
				g[k++] = (struct group){ 0, 0, 0, g[i].total, 1 };
			} else {
				g[insig].total += g[i].total;
				g[insig].n_places++;
			}
		} else {
			g[k++] = g[i];
		}
	}
	if (k > 1)
		qsort(g, k, sizeof *g, group_cmp);
	*ng = k;
	return g;
}

static void describe(FILE *out, const struct frame_info *f)
{
	fprintf(out, "0x%" PRIX64 ": %s", f->ip, f->fn ? f->fn : "???");
	if (f->file && f->line)
		fprintf(out, " (%s:%u)", f->file, f->line);
	else if (f->file)
		fprintf(out, " (%s)", f->file);
	else if (f->obj)
		fprintf(out, " (in %s)", f->obj);
}

#define MAX_INLINE 16

static void write_group(struct writer *w, unsigned depth, unsigned indent, const struct group *g)
{
	FILE *out = w->out;

	if (g->n_places) {
		fprintf(out, "%*sn0: %" PRIu64 " in %u place%s below massif's threshold (%.2f%%)\n",
			(int)indent + 1, "", g->total, g->n_places,
			g->n_places == 1 ? "," : "s, all", w->m->c.threshold);
		return;
	}
	size_t ng;
	struct group *sub = make_groups(w, g->first, g->n, depth + 1, &ng);
	struct frame_info f[MAX_INLINE];
	unsigned nf = 1;
	const struct report *r = w->m->sym;

	memset(f, 0, sizeof f);
	f[0].ip = g->ip;
	if (r && r->symbolize_all)
		nf = r->symbolize_all(r->symbolize_ctx, g->ip, f, MAX_INLINE);
	else if (r && r->symbolize && r->symbolize(r->symbolize_ctx, g->ip, &f[0]) < 0)
		f[0] = (struct frame_info){ .ip = g->ip };
	if (!nf)
		nf = 1;
	/* inlined functions first, each one more space in and with one child */
	for (unsigned i = 0; i < nf; i++) {
		fprintf(out, "%*sn%zu: %" PRIu64 " ", (int)(indent + i) + 1, "",
			i + 1 < nf ? (size_t)1 : ng, g->total);
		if (!f[i].ip)
			f[i].ip = g->ip;
		describe(out, &f[i]);
		fputc('\n', out);
	}
	for (size_t i = 0; i < ng; i++)
		write_group(w, depth + 1, indent + nf, &sub[i]);
	free(sub);
}

static void write_tree(struct writer *w, const struct snapshot *s)
{
	size_t n = 0;
	uint64_t top = 0;

	w->e = s->nlive ? malloc(s->nlive * sizeof *w->e) : NULL;
	if (s->nlive && !w->e) {
		w->oom = true;
		return;
	}
	for (size_t i = 0; i < s->nlive; i++) {
		const struct stack_sel *sel = &w->m->sel[s->live[i].id];
		unsigned np;
		const uint64_t *pcs = stacktab_get(w->m->st, s->live[i].id, &np);
		if (sel->state != ST_COUNTED || !pcs)
			continue;
		w->e[n++] = (struct entry){ pcs + sel->top, sel->n, s->live[i].bytes };
		top += s->live[i].bytes;
	}
	if (n > 1)
		qsort(w->e, n, sizeof *w->e, entry_cmp);
	if (top == 0 && w->m->c.threshold != 0)
		w->sig = 1;
	else
		w->sig = (uint64_t)((double)(top + s->extra) * w->m->c.threshold / 100.0);
	size_t ng;
	struct group *g = make_groups(w, 0, n, 0, &ng);
	fprintf(w->out,
		"n%zu: %" PRIu64
		" (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n",
		ng, top);
	for (size_t i = 0; i < ng; i++)
		write_group(w, 0, 0, &g[i]);
	free(g);
	free(w->e);
	w->e = NULL;
}

static const char *unit_name(enum massif_time_unit u)
{
	return u == MASSIF_TIME_MS ? "ms" : u == MASSIF_TIME_B ? "B" : "i";
}

int massif_write(struct massif *m, FILE *out, const char *cmd)
{
	struct writer w = { .out = out, .m = m };

	fputs("desc:", out);
	if (m->c.desc_args && m->c.desc_args[0])
		for (size_t i = 0; m->c.desc_args[i]; i++)
			fprintf(out, " %s", m->c.desc_args[i]);
	else
		fputs(" (none)", out);
	fputc('\n', out);
	if (m->c.time_unit == MASSIF_TIME_I)
		fputs("desc: (leaktrace: time unit i counts allocator calls, not instructions)\n",
		      out);
	fprintf(out, "cmd: %s\ntime_unit: %s\n", cmd ? cmd : "", unit_name(m->c.time_unit));
	for (unsigned i = 0; i < m->next; i++) {
		const struct snapshot *s = &m->snaps[i];
		fprintf(out,
			"#-----------\nsnapshot=%u\n#-----------\ntime=%" PRId64
			"\nmem_heap_B=%" PRIu64 "\nmem_heap_extra_B=%" PRIu64
			"\nmem_stacks_B=0\nheap_tree=%s\n",
			i, s->time, s->heap, s->extra,
			!s->detailed	       ? "empty"
			: s->kind == SNAP_PEAK ? "peak"
					       : "detailed");
		if (s->detailed)
			write_tree(&w, s);
	}
	if (w.oom || m->oom)
		return -ENOMEM;
	return fflush(out) || ferror(out) ? -EIO : 0;
}

char *massif_out_name(const char *pattern, int pid)
{
	size_t cap = strlen(pattern) + 64, len = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	for (const char *p = pattern; *p; p++) {
		char buf[32];
		const char *add = buf;
		size_t addn;
		if (p[0] == '%' && p[1] == 'p') {
			snprintf(buf, sizeof buf, "%d", pid);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			strcpy(buf, "%");
			p++;
		} else if (p[0] == '%' && p[1] == 'q' && p[2] == '{' && strchr(p + 3, '}')) {
			const char *end = strchr(p + 3, '}');
			char name[256];
			size_t nl = (size_t)(end - (p + 3));
			if (nl >= sizeof name)
				nl = sizeof name - 1;
			memcpy(name, p + 3, nl);
			name[nl] = 0;
			add = getenv(name);
			if (!add)
				add = "";
			p = end;
		} else {
			buf[0] = *p;
			buf[1] = 0;
		}
		addn = strlen(add);
		if (len + addn + 1 > cap) {
			cap = 2 * (len + addn + 1);
			char *t = realloc(s, cap);
			if (!t) {
				free(s);
				return NULL;
			}
			s = t;
		}
		memcpy(s + len, add, addn);
		len += addn;
	}
	s[len] = 0;
	return s;
}
