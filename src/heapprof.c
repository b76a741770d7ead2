/* heapprof: the session's one door to the heap-over-time tools (see
 * heapprof.h).  It keeps the live bytes and blocks per stack id, which the
 * growth ring and the timeline sample, and forwards every event to the
 * massif profile.  The --interval report is written here, so the session
 * only says when. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leaktrace/heapprof.h"
#include "leaktrace/memlimit.h"
#include "leaktrace/report_text.h"
#include "leaktrace/timeline.h"
#include "leaktrace/util.h"

#define TOP_GROWTH   5
#define TOP_SUSPECTS 5

struct heapprof {
	struct heapprof_config c;
	const struct stacktab *st;
	const struct report *rep;
	double (*clock)(void *ctx);
	void *clock_ctx;
	double t0;

	/* Stacks that differ only in their allocator frame (the same call site
	 * seen through a breakpoint and through the fast path, whose frame 0
	 * may differ) are one stack here: each id is aliased to the first id
	 * with the same callers, and everything below is indexed by that id. */
	struct stacktab *callers; /* stacks without frame 0 */
	uint32_t *alias;	  /* stack id -> representative id, or STACKTAB_NONE */
	uint32_t *first;	  /* callers id -> representative id */
	size_t nalias, nfirst;

	uint64_t *bytes, *blocks; /* per representative stack id */
	uint64_t *prev;		  /* bytes at the last interval report */
	size_t n, cap, nprev;
	uint64_t total, total_blocks;

	struct massif *massif;
	struct growth *growth;
	struct timeline *tl;
	unsigned tick; /* events since the last look at the clock */
};

static double monotonic_s(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(const struct heapprof *hp)
{
	return hp->clock(hp->clock_ctx) - hp->t0;
}

static uint64_t massif_ms(void *ctx)
{
	const struct heapprof *hp = ctx;
	double t = now(hp);

	return t > 0 ? (uint64_t)(t * 1000.0) : 0;
}

void heapprof_config_default(struct heapprof_config *c)
{
	memset(c, 0, sizeof *c);
	massif_config_default(&c->mc);
	growth_rule_default(&c->rule);
}

struct heapprof *heapprof_new(const struct heapprof_config *c, const struct stacktab *st,
			      const struct report *rep)
{
	struct heapprof *hp = calloc(1, sizeof *hp);

	if (!hp)
		return NULL;
	hp->c = *c;
	hp->st = st;
	hp->rep = rep;
	hp->clock = monotonic_s;
	hp->t0 = monotonic_s(NULL);
	hp->growth = growth_new(&c->rule);
	hp->callers = stacktab_new();
	if (!hp->growth || !hp->callers)
		goto fail;
	if (c->massif) {
		hp->massif = massif_new(&c->mc, st, rep);
		if (!hp->massif)
			goto fail;
		massif_set_clock(hp->massif, massif_ms, hp);
	}
	if (c->timeline_file) {
		hp->tl = timeline_new(0, 0.01);
		if (!hp->tl)
			goto fail;
	}
	return hp;
fail:
	heapprof_free(hp);
	return NULL;
}

void heapprof_free(struct heapprof *hp)
{
	if (!hp)
		return;
	massif_free(hp->massif);
	growth_free(hp->growth);
	timeline_free(hp->tl);
	stacktab_free(hp->callers);
	free(hp->alias);
	free(hp->first);
	free(hp->bytes);
	free(hp->blocks);
	free(hp->prev);
	free(hp);
}

void heapprof_set_clock(struct heapprof *hp, double (*clock)(void *ctx), void *ctx)
{
	hp->clock = clock;
	hp->clock_ctx = ctx;
	hp->t0 = clock(ctx);
	if (hp->massif)
		massif_set_clock(hp->massif, massif_ms, hp);
}

/* Grows *a (of *n entries) to hold index i, new entries STACKTAB_NONE. */
static int grow_ids(uint32_t **a, size_t *n, uint32_t i)
{
	if (i < *n)
		return 0;
	size_t cap = *n ? *n : 1024;
	while (cap <= i)
		cap *= 2;
	uint32_t *b = realloc(*a, cap * sizeof *b);
	if (!b)
		return -ENOMEM;
	for (size_t k = *n; k < cap; k++)
		b[k] = STACKTAB_NONE;
	*a = b;
	*n = cap;
	return 0;
}

/* The representative of stack id; STACKTAB_NONE on allocation failure. */
static uint32_t alias_of(struct heapprof *hp, uint32_t id)
{
	if (id < hp->nalias && hp->alias[id] != STACKTAB_NONE)
		return hp->alias[id];
	unsigned n;
	const uint64_t *pcs = stacktab_get(hp->st, id, &n);
	uint32_t cid = stacktab_intern(hp->callers, n ? pcs + 1 : pcs, n ? n - 1 : 0);
	if (cid == STACKTAB_NONE || grow_ids(&hp->first, &hp->nfirst, cid) ||
	    grow_ids(&hp->alias, &hp->nalias, id))
		return STACKTAB_NONE;
	if (hp->first[cid] == STACKTAB_NONE)
		hp->first[cid] = id;
	hp->alias[id] = hp->first[cid];
	return hp->alias[id];
}

static int room_for(struct heapprof *hp, uint32_t id)
{
	if (id < hp->cap)
		return 0;
	size_t cap = hp->cap ? hp->cap : 1024;
	while (cap <= id)
		cap *= 2;
	uint64_t *b = realloc(hp->bytes, cap * sizeof *b);
	if (!b)
		return -ENOMEM;
	hp->bytes = b;
	uint64_t *k = realloc(hp->blocks, cap * sizeof *k);
	if (!k)
		return -ENOMEM;
	hp->blocks = k;
	memset(hp->bytes + hp->cap, 0, (cap - hp->cap) * sizeof *b);
	memset(hp->blocks + hp->cap, 0, (cap - hp->cap) * sizeof *k);
	hp->cap = cap;
	return 0;
}

/* The timeline looks at the clock every 8 events: a clock read (vDSO, some
 * 25 ns) per event would cost more than it tells. */
static void maybe_sample(struct heapprof *hp)
{
	if (!hp->tl || ++hp->tick < 8)
		return;
	hp->tick = 0;
	double t = now(hp);
	if (timeline_due(hp->tl, t))
		timeline_sample(hp->tl, t, hp->bytes, hp->n);
}

static void add(struct heapprof *hp, uint64_t size, uint32_t id)
{
	id = alias_of(hp, id);
	if (id == STACKTAB_NONE || room_for(hp, id))
		return;
	hp->bytes[id] += size;
	hp->blocks[id]++;
	hp->total += size;
	hp->total_blocks++;
	if (id >= hp->n)
		hp->n = (size_t)id + 1;
}

static void sub(struct heapprof *hp, uint64_t size, uint32_t id)
{
	id = alias_of(hp, id);
	/* a block allocated before the attach is no block of ours: the caller
	 * only passes blocks it saw allocated, so the counts cannot go under */
	if (id >= hp->n || hp->bytes[id] < size || !hp->blocks[id])
		return;
	hp->bytes[id] -= size;
	hp->blocks[id]--;
	hp->total -= size;
	hp->total_blocks--;
}

void heapprof_alloc(struct heapprof *hp, uint64_t size, uint32_t stack_id)
{
	add(hp, size, stack_id);
	if (hp->massif)
		massif_alloc(hp->massif, size, stack_id);
	maybe_sample(hp);
}

void heapprof_dealloc(struct heapprof *hp, uint64_t size, uint32_t stack_id)
{
	sub(hp, size, stack_id);
	if (hp->massif)
		massif_dealloc(hp->massif, size, stack_id);
	maybe_sample(hp);
}

void heapprof_realloc(struct heapprof *hp, uint64_t old_size, uint32_t old_stack, uint64_t new_size,
		      uint32_t new_stack)
{
	sub(hp, old_size, old_stack);
	add(hp, new_size, new_stack);
	if (hp->massif)
		massif_realloc(hp->massif, old_size, old_stack, new_size, new_stack);
	maybe_sample(hp);
}

uint64_t heapprof_stack_bytes(const struct heapprof *hp, uint32_t id)
{
	id = id < hp->nalias ? hp->alias[id] : STACKTAB_NONE;
	return id < hp->n ? hp->bytes[id] : 0;
}

/* ---- the --interval report --------------------------------------------- */

static bool is_main(const struct report *r, uint64_t pc)
{
	struct frame_info f = { .ip = pc };

	return r->symbolize && r->symbolize(r->symbolize_ctx, pc, &f) >= 0 && f.fn &&
	       !strcmp(f.fn, "main");
}

/* The stack as memcheck prints it, ending at main. */
static void print_stack(const struct heapprof *hp, FILE *out, uint32_t id)
{
	struct report_stack s;

	s.pcs = stacktab_get(hp->st, id, &s.n);
	for (unsigned i = 0; i < s.n; i++)
		if (is_main(hp->rep, s.pcs[i])) {
			s.n = i + 1;
			break;
		}
	report_text_stack(out, hp->rep, &s);
}

/* The memory-limit lines.  The rate that will exhaust memory is the sum of
 * the suspects' rates (the rest of the heap comes and goes), else the
 * heap's own when it grows steadily; anything else foresees nothing. */
static void limit_line(struct heapprof *hp, FILE *out, int pid, double suspect_rate)
{
	struct memlimit ml;
	struct growth_verdict v;
	char a[32], b[32], c[32], d[32];
	const char *proc = hp->c.proc_root ? hp->c.proc_root : "/proc";
	const char *cg = hp->c.cgroup_root ? hp->c.cgroup_root : "/sys/fs/cgroup";

	if (memlimit_read(proc, cg, pid, &ml) || ml.kind == MEMLIMIT_NONE) {
		fprintf(out, "==%d== memory limit: unknown (cannot read /proc/%d)\n", pid, pid);
		return;
	}
	growth_total(hp->growth, &v);
	memlimit_fmt_bytes(a, (double)ml.limit);
	memlimit_fmt_bytes(b, (double)ml.used);
	if (ml.kind == MEMLIMIT_CGROUP)
		fprintf(out, "==%d== memory limit: %s %s of cgroup %s, %s in use\n", pid,
			memlimit_kind_name(ml.kind), a, ml.cgroup, b);
	else if (ml.kind == MEMLIMIT_AVAILABLE)
		fprintf(out,
			"==%d== memory limit: none set; %s of the machine's memory available\n",
			pid, memlimit_fmt_bytes(c, (double)(ml.limit - ml.used)));
	else
		fprintf(out, "==%d== memory limit: %s %s, %s in use\n", pid,
			memlimit_kind_name(ml.kind), a, b);

	const char *what = NULL;
	double rate = 0;
	if (suspect_rate > 0) {
		rate = suspect_rate;
		what = "the suspected leaks' growth";
	} else if (v.suspect) {
		rate = v.rate;
		what = "the heap's steady growth";
	}
	if (v.n < hp->c.rule.min_samples)
		fprintf(out, "==%d== out of memory: not enough looks yet to measure growth\n", pid);
	else if (!what)
		fprintf(out,
			"==%d== out of memory: not foreseen (no steady growth over the last %u "
			"looks)\n",
			pid, v.n);
	else {
		double eta = memlimit_eta(rate, ml.used, ml.limit);
		memlimit_fmt_bytes(c, rate);
		fprintf(out,
			"==%d== out of memory: at %s of %s/s, the limit is reached in about %s\n",
			pid, what, c,
			eta <= 0 ? "no time (it is reached)" : memlimit_fmt_seconds(d, eta));
	}
	if (ml.rss) {
		memlimit_fmt_bytes(a, (double)hp->total);
		memlimit_fmt_bytes(b, (double)ml.rss);
		fprintf(out, "==%d== the traced heap (%s) is %.0f%% of its RSS (%s)\n", pid, a,
			100.0 * (double)hp->total / (double)ml.rss, b);
	}
}

void heapprof_interval(struct heapprof *hp, FILE *out, int pid, double seconds)
{
	double t = now(hp);
	char num[UTIL_NUM_BUFSZ], a[32], b[32];
	uint32_t picked[TOP_GROWTH] = { 0 };
	unsigned npicked = 0;

	growth_sample(hp->growth, t, hp->bytes, hp->n, hp->total);
	if (hp->tl)
		timeline_sample(hp->tl, t, hp->bytes, hp->n);

	fprintf(out,
		"==%d== growth over the last %g s (live now: %s bytes in %" PRIu64 " blocks):\n",
		pid, seconds, util_fmt_num(num, hp->total), hp->total_blocks);
	for (int k = 0; k < TOP_GROWTH; k++) {
		size_t best = SIZE_MAX;
		int64_t bestd = 0;
		for (size_t i = 0; i < hp->n; i++) {
			int64_t d =
			    (int64_t)hp->bytes[i] - (int64_t)(i < hp->nprev ? hp->prev[i] : 0);
			bool taken = false;
			for (unsigned j = 0; j < npicked; j++)
				taken |= picked[j] == i;
			if (!taken && d > bestd) {
				bestd = d;
				best = i;
			}
		}
		if (best == SIZE_MAX)
			break;
		picked[npicked++] = (uint32_t)best;
		fprintf(out,
			"==%d== +%" PRId64 " bytes, now %" PRIu64 " bytes in %" PRIu64
			" blocks, allocated at\n",
			pid, bestd, hp->bytes[best], hp->blocks[best]);
		print_stack(hp, out, (uint32_t)best);
	}

	/* the suspects, fastest first */
	uint32_t sus[TOP_SUSPECTS];
	struct growth_verdict sv[TOP_SUSPECTS];
	double since[TOP_SUSPECTS];
	unsigned ns = 0, nall = 0;
	double rate_sum = 0;
	for (size_t i = 0; i < hp->n; i++) {
		struct growth_verdict v;
		double s;
		growth_stack(hp->growth, (uint32_t)i, &v, &s);
		if (!v.suspect)
			continue;
		nall++;
		rate_sum += v.rate;
		unsigned at = ns < TOP_SUSPECTS ? ns++ : TOP_SUSPECTS;
		while (at > 0 && sv[at - 1].rate < v.rate) {
			if (at < TOP_SUSPECTS) {
				sus[at] = sus[at - 1];
				sv[at] = sv[at - 1];
				since[at] = since[at - 1];
			}
			at--;
		}
		if (at < TOP_SUSPECTS) {
			sus[at] = (uint32_t)i;
			sv[at] = v;
			since[at] = s;
		}
	}
	for (unsigned k = 0; k < ns; k++) {
		memlimit_fmt_bytes(a, sv[k].rate);
		memlimit_fmt_seconds(b, t - since[k]);
		fprintf(out,
			"==%d== suspected leak: +%s/s for %s (%u looks, Mann-Kendall tau %.2f, "
			"R^2 %.2f), now %s bytes in %" PRIu64 " blocks, allocated at\n",
			pid, a, b, sv[k].n, sv[k].tau, sv[k].r2,
			util_fmt_num(num, hp->bytes[sus[k]]), hp->blocks[sus[k]]);
		print_stack(hp, out, sus[k]);
	}
	if (nall > ns)
		fprintf(out, "==%d== and %u more suspected leaks\n", pid, nall - ns);
	if (!nall && growth_samples(hp->growth) >= hp->c.rule.min_samples)
		fprintf(
		    out,
		    "==%d== no suspected leak: no stack grew steadily over the last %zu looks\n",
		    pid,
		    growth_samples(hp->growth) < hp->c.rule.window ? growth_samples(hp->growth)
								   : (size_t)hp->c.rule.window);
	limit_line(hp, out, pid, rate_sum);
	fflush(out);

	uint64_t *p = realloc(hp->prev, (hp->n ? hp->n : 1) * sizeof *p);
	if (p) {
		memcpy(p, hp->bytes, hp->n * sizeof *p);
		hp->prev = p;
		hp->nprev = hp->n;
	}
}

/* ---- the end ------------------------------------------------------------- */

/* The suspects of the whole run for the picture: growth's verdicts when
 * --interval gave enough looks, else the rule over the timeline's samples
 * (the whole run as one window). */
static size_t run_suspects(struct heapprof *hp, struct timeline_mark *m, size_t max)
{
	size_t k = 0;
	double t = now(hp);

	if (growth_samples(hp->growth) >= hp->c.rule.min_samples) {
		for (size_t i = 0; i < hp->n && k < max; i++) {
			struct growth_verdict v;
			double s;
			growth_stack(hp->growth, (uint32_t)i, &v, &s);
			if (v.suspect)
				m[k++] = (struct timeline_mark){ (uint32_t)i, v.rate, t - s };
		}
		return k;
	}
	size_t ns = timeline_count(hp->tl);
	double *ts = malloc((ns + 1) * sizeof *ts), *ys = malloc((ns + 1) * sizeof *ys);
	struct growth_rule r = hp->c.rule;
	r.window = (unsigned)(ns ? ns : 1);
	for (size_t i = 0; ts && ys && i < hp->n && k < max; i++) {
		if (!hp->bytes[i])
			continue;
		struct growth_verdict v;
		size_t n = timeline_series(hp->tl, (uint32_t)i, ts, ys);
		growth_judge(&r, ts, ys, n, &v);
		if (v.suspect)
			m[k++] = (struct timeline_mark){ (uint32_t)i, v.rate, ts[n - 1] - ts[0] };
	}
	free(ts);
	free(ys);
	return k;
}

int heapprof_finish(struct heapprof *hp, int pid, const char *cmd, char *err, size_t errlen)
{
	int rc = 0;

	if (hp->massif) {
		char *name =
		    massif_out_name(hp->c.massif_out ? hp->c.massif_out : "massif.out.%p", pid);
		FILE *f = name ? fopen(name, "w") : NULL;
		if (!f) {
			snprintf(err, errlen, "cannot write %s: %s",
				 name ? name : "the massif file", strerror(name ? errno : ENOMEM));
			rc = -1;
		} else {
			int w = massif_write(hp->massif, f, cmd);
			if (fclose(f) || w) {
				snprintf(err, errlen, "cannot write %s: %s", name,
					 strerror(w ? -w : errno));
				rc = -1;
			}
		}
		free(name);
	}
	if (hp->tl && rc == 0) {
		struct timeline_mark marks[8];
		timeline_sample(hp->tl, now(hp), hp->bytes, hp->n);
		size_t nm = run_suspects(hp, marks, 8);
		FILE *f = fopen(hp->c.timeline_file, "w");
		char title[512];
		snprintf(title, sizeof title, "Heap over time: %s (pid %d)", cmd ? cmd : "", pid);
		if (!f) {
			snprintf(err, errlen, "cannot write %s: %s", hp->c.timeline_file,
				 strerror(errno));
			return -1;
		}
		int w = timeline_write_svg(hp->tl, f, hp->st, hp->rep, marks, nm, title);
		if (fclose(f) || w) {
			snprintf(err, errlen, "cannot write %s: %s", hp->c.timeline_file,
				 strerror(w ? -w : errno));
			rc = -1;
		}
	}
	return rc;
}
