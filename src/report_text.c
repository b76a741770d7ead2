/* report_text: memcheck's text output, line for line.
 *
 * The layout rules come from running memcheck 3.19 on small programs: each
 * block (an error, a loss record, a summary) ends with an empty prefixed
 * line; generated suppressions follow that empty line unprefixed; the hints
 * after LEAK SUMMARY depend on --leak-check and on which kinds were hidden.
 * Everything printed here is derived from struct report alone, so a report
 * can be rendered again (or tested) without a tracee. */
#include "leaktrace/report_text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leaktrace/errlimit.h"
#include "leaktrace/suppress.h"
#include "leaktrace/util.h"

void report_text_prefix(FILE *out, const struct report *r)
{
	struct timespec now;
	char t[UTIL_TIME_BUFSZ];

	if (!r->time_stamp || clock_gettime(CLOCK_MONOTONIC, &now)) {
		fprintf(out, "==%d== ", r->pid);
		return;
	}
	uint64_t ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	uint64_t ms = ns > r->start_ns ? (ns - r->start_ns) / 1000000u : 0;
	fprintf(out, "==%s %d== ", util_fmt_elapsed(t, ms), r->pid);
}

static void line(FILE *out, const struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void line(FILE *out, const struct report *r, const char *fmt, ...)
{
	va_list ap;

	report_text_prefix(out, r);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

static void blank(FILE *out, const struct report *r)
{
	report_text_prefix(out, r);
	fputc('\n', out);
}

/* --error-markers: the begin or end line around an error or loss record */
static void marker(FILE *out, const struct report *r, const char *text)
{
	if (text)
		line(out, r, "%s", text);
}

/* A name from the program's symbol table or debug information: a corrupt
 * or hostile one must not reach the terminal as control characters (an
 * escape sequence could rewrite what the user sees), so those are printed
 * as \\xNN; other bytes, UTF-8 included, as they are, as memcheck does. */
static void put_name(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
}

/* The source file as printed: its name alone, or with --fullpath-after the
 * whole path (dir/file) cut after the first prefix found in it, or whole
 * when no prefix is found. */
static void print_file(FILE *out, const struct report *r, const struct frame_info *f)
{
	char full[4096];

	if (!r->fullpath_after || !r->fullpath_after[0] || !f->dir) {
		put_name(out, f->file);
		return;
	}
	snprintf(full, sizeof full, "%s/%s", f->dir, f->file);
	for (const char *const *p = r->fullpath_after; *p; p++) {
		const char *at = strstr(full, *p);
		if (at) {
			put_name(out, at + strlen(*p));
			return;
		}
	}
	put_name(out, full);
}

/* "fn (file:line)", "fn (in obj)", "??? (in obj)", "???" as memcheck's
 * describe_IP; --demangle=no prints linkage names. */
static void describe_frame(FILE *out, const struct report *r, const struct frame_info *f)
{
	const char *fn = r->mangled_names && f->mangled ? f->mangled : f->fn;

	put_name(out, fn ? fn : "???");
	if (f->file) {
		fputs(" (", out);
		print_file(out, r, f);
		if (f->line)
			fprintf(out, ":%u", f->line);
		fputc(')', out);
	} else if (f->obj) {
		fputs(" (in ", out);
		put_name(out, f->obj);
		fputc(')', out);
	}
}

void report_text_stack(FILE *out, const struct report *r, const struct report_stack *st)
{
	unsigned n;
	struct frame_info *f = util_symbolize_stack(r, st, &n);

	for (unsigned i = 0; i < n; i++) {
		report_text_prefix(out, r);
		fprintf(out, "   %s 0x%llX: ", i == 0 ? "at" : "by", (unsigned long long)f[i].ip);
		describe_frame(out, r, &f[i]);
		fputc('\n', out);
	}
	free(f);
}

static void gen_suppression(FILE *out, const struct report *r, const struct supp_head *h,
			    const struct report_stack *st)
{
	unsigned nf;
	struct frame_info *frames = util_symbolize_stack(r, st, &nf);

	if (st->n > 0 && !frames)
		return;
	suppress_gen_write(out, h, frames, nf);
	free(frames);
}

/* " Address 0x.. is N bytes inside a block of size M free'd" and friends;
 * before/after when the pointer lies outside the block. */
static void print_block_addr(FILE *out, const struct report *r, const struct mem_error *e,
			     const char *state)
{
	char text[256];

	util_block_addr(e, state, text, sizeof text);
	line(out, r, " %s", text);
}

static void print_error_body(FILE *out, const struct report *r, const struct mem_error *e)
{
	line(out, r, "%s", util_mem_error_what(e->kind));
	report_text_stack(out, r, &e->stack);
	switch (e->desc) {
	case ADDR_FREED:
		print_block_addr(out, r, e, "free'd");
		report_text_stack(out, r, &e->free_stack);
		line(out, r, " Block was alloc'd at");
		report_text_stack(out, r, &e->alloc_stack);
		break;
	case ADDR_ALLOCD:
		print_block_addr(out, r, e, "alloc'd");
		report_text_stack(out, r, &e->alloc_stack);
		break;
	case ADDR_STACK:
		line(out, r, " Address %#llx is on thread %u's stack", (unsigned long long)e->addr,
		     e->stack_tid);
		if (e->stack_frame_known) {
			struct frame_info f;

			util_symbolize(r, e->stack_frame_ip, &f);
			report_text_prefix(out, r);
			fprintf(out, " in frame #%u, created by ", e->stack_frame_no);
			describe_frame(out, r, &f);
			fputc('\n', out);
		}
		break;
	case ADDR_DATA_SYMBOL: {
		char a[UTIL_NUM_BUFSZ];
		line(out, r, " Address %#llx is %s bytes inside data symbol \"%s\"",
		     (unsigned long long)e->addr, util_fmt_num(a, e->addr - e->block_addr),
		     e->data_symbol ? e->data_symbol : "???");
		break;
	}
	case ADDR_UNKNOWN:
	default:
		line(out, r, " Address %#llx is not stack'd, malloc'd or (recently) free'd",
		     (unsigned long long)e->addr);
		break;
	}
	blank(out, r);
}

void report_text_error_limit(FILE *out, const struct report *r, const struct errlimit *l,
			     enum errlimit_notice notice)
{
	if (notice == ERRLIMIT_SAY_COARSE) {
		blank(out, r);
		line(out, r, "More than %d errors detected.  Subsequent errors",
		     ERRLIMIT_SHOWN_IN_DETAIL);
		line(out, r, "will still be recorded, but in less detail than before.");
	} else if (notice == ERRLIMIT_SAY_STOP) {
		blank(out, r);
		if (l->shown >= ERRLIMIT_MAX_SHOWN)
			line(out, r,
			     "More than %d different errors detected.  I'm not reporting any more.",
			     ERRLIMIT_MAX_SHOWN);
		else
			line(out, r,
			     "More than %lu total errors detected.  I'm not reporting any more.",
			     ERRLIMIT_MAX_FOUND);
		line(out, r, "Final error counts will be inaccurate.  Go fix your program!");
		line(out, r, "Rerun with --error-limit=no to disable this cutoff.  Note");
		line(out, r, "that errors may occur in your program without prior warning from");
		line(out, r, "Valgrind, because errors are no longer being displayed.");
		blank(out, r);
	}
}

void report_text_preamble(FILE *out, const struct report *r)
{
	line(out, r, "%s-%s, a ptrace-based leak analyzer", r->tool_name, r->tool_version);
	report_text_prefix(out, r);
	fprintf(out, "Command: %s", r->target_exe ? r->target_exe : "");
	for (char *const *a = r->target_args; a && *a; a++)
		fprintf(out, " %s", *a);
	fputc('\n', out);
	blank(out, r);
}

void report_text_error(FILE *out, const struct report *r, const struct mem_error *e)
{
	if (e->suppressed_by)
		return;
	marker(out, r, r->error_marker_begin);
	print_error_body(out, r, e);
	marker(out, r, r->error_marker_end);
	if (r->gen_suppressions != GEN_SUPP_NO) {
		struct supp_head h = { 0 };

		suppress_head_error(e->kind, &h);
		gen_suppression(out, r, &h, &e->stack);
	}
}

static bool record_counts(const struct report *r, const struct loss_record *lr)
{
	return r->leak_check == LEAK_CHECK_FULL && (r->errors_for_kinds & (1u << lr->kind));
}

static bool record_shown(const struct report *r, const struct loss_record *lr)
{
	return r->leak_check == LEAK_CHECK_FULL && (r->show_kinds & (1u << lr->kind)) &&
	       !lr->suppressed_by;
}

void report_text_count_errors(const struct report *r, struct report_counts *c)
{
	*c = (struct report_counts){ 0 };
	for (size_t i = 0; i < r->nerrors; i++) {
		const struct mem_error *e = &r->errors[i];
		if (e->suppressed_by) {
			c->supp_errors += e->count;
			c->supp_contexts++;
		} else {
			c->errors += e->count;
			c->contexts++;
		}
	}
	for (size_t i = 0; i < r->nrecords; i++) {
		const struct loss_record *lr = &r->records[i];
		if (!record_counts(r, lr))
			continue;
		if (lr->suppressed_by) {
			c->supp_errors++;
			c->supp_contexts++;
		} else {
			c->errors++;
			c->contexts++;
		}
	}
}

static void print_record(FILE *out, const struct report *r, const struct loss_record *lr)
{
	char t[UTIL_NUM_BUFSZ], d[UTIL_NUM_BUFSZ], i[UTIL_NUM_BUFSZ], b[UTIL_NUM_BUFSZ];
	char n[UTIL_NUM_BUFSZ], m[UTIL_NUM_BUFSZ];

	marker(out, r, r->error_marker_begin);
	util_fmt_num(b, lr->blocks);
	util_fmt_num(n, lr->number);
	util_fmt_num(m, r->nrecords);
	if (lr->indirect_bytes > 0)
		line(
		    out, r,
		    "%s (%s direct, %s indirect) bytes in %s blocks are %s in loss record %s of %s",
		    util_fmt_num(t, lr->bytes + lr->indirect_bytes), util_fmt_num(d, lr->bytes),
		    util_fmt_num(i, lr->indirect_bytes), b, util_leak_kind_words(lr->kind), n, m);
	else
		line(out, r, "%s bytes in %s blocks are %s in loss record %s of %s",
		     util_fmt_num(t, lr->bytes), b, util_leak_kind_words(lr->kind), n, m);
	report_text_stack(out, r, &lr->stack);
	blank(out, r);
	marker(out, r, r->error_marker_end);
	if (r->gen_suppressions != GEN_SUPP_NO) {
		struct supp_head h = { 0 };

		suppress_head_leak(lr->kind, &h);
		gen_suppression(out, r, &h, &lr->stack);
	}
}

static void summary_line(FILE *out, const struct report *r, const char *label,
			 const struct kind_total *kt)
{
	char a[UTIL_NUM_BUFSZ], b[UTIL_NUM_BUFSZ];

	line(out, r, "%s: %s bytes in %s blocks", label, util_fmt_num(a, kt->bytes),
	     util_fmt_num(b, kt->blocks));
}

static void print_leak_summary(FILE *out, const struct report *r)
{
	bool any_heur = false;

	line(out, r, "LEAK SUMMARY:");
	summary_line(out, r, "   definitely lost", &r->totals[LEAK_DEFINITE]);
	summary_line(out, r, "   indirectly lost", &r->totals[LEAK_INDIRECT]);
	summary_line(out, r, "     possibly lost", &r->totals[LEAK_POSSIBLE]);
	summary_line(out, r, "   still reachable", &r->totals[LEAK_REACHABLE]);
	for (unsigned h = 1; h < HEUR_COUNT; h++)
		any_heur |= r->reachable_via_heuristic[h].blocks > 0;
	if (any_heur) {
		line(out, r, "                      of which reachable via heuristic:");
		for (unsigned h = 1; h < HEUR_COUNT; h++) {
			char label[64];

			if (r->reachable_via_heuristic[h].blocks == 0)
				continue;
			snprintf(label, sizeof label, "                        %-19s",
				 util_heuristic_name((enum leak_heuristic)h));
			summary_line(out, r, label, &r->reachable_via_heuristic[h]);
		}
	}
	summary_line(out, r, "        suppressed", &r->suppressed);

	uint64_t blocks = 0;
	for (unsigned k = 0; k < LEAK_KIND_COUNT; k++)
		blocks += r->totals[k].blocks;
	if (r->leak_check != LEAK_CHECK_FULL && blocks > 0)
		line(out, r, "Rerun with --leak-check=full to see details of leaked memory");
	if (r->leak_check == LEAK_CHECK_FULL && r->totals[LEAK_REACHABLE].blocks > 0 &&
	    !(r->show_kinds & (1u << LEAK_REACHABLE))) {
		line(out, r,
		     "Reachable blocks (those to which a pointer was found) are not shown.");
		line(out, r, "To see them, rerun with: --leak-check=full --show-leak-kinds=all");
	}
	blank(out, r);
}

static void print_heap_summary(FILE *out, const struct report *r)
{
	char a[UTIL_NUM_BUFSZ], b[UTIL_NUM_BUFSZ], c[UTIL_NUM_BUFSZ];

	blank(out, r);
	if (r->attached) {
		line(out, r, "HEAP SUMMARY (blocks allocated since attach):");
		line(out, r, "    in use: %s bytes in %s blocks", util_fmt_num(a, r->inuse_bytes),
		     util_fmt_num(b, r->inuse_blocks));
		line(out, r,
		     "  total heap usage since attach: %s allocs, %s frees, %s bytes allocated",
		     util_fmt_num(a, r->total_allocs), util_fmt_num(b, r->total_frees),
		     util_fmt_num(c, r->total_bytes));
	} else {
		line(out, r, "HEAP SUMMARY:");
		line(out, r, "    in use at exit: %s bytes in %s blocks",
		     util_fmt_num(a, r->inuse_bytes), util_fmt_num(b, r->inuse_blocks));
		line(out, r, "  total heap usage: %s allocs, %s frees, %s bytes allocated",
		     util_fmt_num(a, r->total_allocs), util_fmt_num(b, r->total_frees),
		     util_fmt_num(c, r->total_bytes));
	}
	blank(out, r);
}

static void print_error_summary(FILE *out, const struct report *r, const struct report_counts *c)
{
	line(out, r, "ERROR SUMMARY: %lu errors from %lu contexts (suppressed: %lu from %lu)",
	     c->errors, c->contexts, c->supp_errors, c->supp_contexts);
}

/* The order of -s: fewest occurrences first, memcheck breaking ties in
 * favour of the most recently found context. */
static int cmp_by_count(const void *a, const void *b)
{
	const struct mem_error *x = *(const struct mem_error *const *)a;
	const struct mem_error *y = *(const struct mem_error *const *)b;

	if (x->count != y->count)
		return x->count < y->count ? -1 : 1;
	return x->unique > y->unique ? -1 : x->unique < y->unique;
}

/* Returns the number of contexts listed. */
static size_t print_error_list(FILE *out, const struct report *r, const struct report_counts *c)
{
	const struct mem_error **v;
	size_t n = 0;

	if (r->nerrors == 0 || !(v = calloc(r->nerrors, sizeof *v)))
		return 0;
	for (size_t i = 0; i < r->nerrors; i++)
		if (!r->errors[i].suppressed_by)
			v[n++] = &r->errors[i];
	qsort(v, n, sizeof *v, cmp_by_count);
	for (size_t i = 0; i < n; i++) {
		blank(out, r);
		line(out, r, "%u errors in context %zu of %lu:", v[i]->count, i + 1, c->contexts);
		print_error_body(out, r, v[i]);
	}
	free(v);
	return n;
}

static void print_used_suppressions(FILE *out, const struct report *r)
{
	char a[UTIL_NUM_BUFSZ], b[UTIL_NUM_BUFSZ];

	fprintf(out, "--%d-- \n", r->pid);
	for (size_t i = 0; i < r->nsupp_used; i++) {
		const struct suppression_use *u = &r->supp_used[i];

		fprintf(out, "--%d-- used_suppression: %6u %s %s:%u", r->pid, u->count, u->name,
			u->file ? u->file : "?", u->line);
		if (u->leak)
			fprintf(out, " suppressed: %s bytes in %s blocks",
				util_fmt_num(a, u->bytes), util_fmt_num(b, u->blocks));
		fputc('\n', out);
	}
	blank(out, r);
}

void report_text_final(FILE *out, const struct report *r)
{
	struct report_counts c;

	print_heap_summary(out, r);
	if (r->leak_check == LEAK_CHECK_NO) {
		line(out, r, "For a detailed leak analysis, rerun with: --leak-check=full");
		blank(out, r);
	} else if (r->inuse_blocks == 0) {
		line(out, r, "All heap blocks were freed -- no leaks are possible");
		blank(out, r);
	} else {
		for (size_t i = 0; i < r->nrecords; i++)
			if (record_shown(r, &r->records[i]))
				print_record(out, r, &r->records[i]);
		print_leak_summary(out, r);
	}

	report_text_count_errors(r, &c);
	if (!r->show_error_list) {
		line(out, r, "For lists of detected and suppressed errors, rerun with: -s");
		print_error_summary(out, r, &c);
		return;
	}
	print_error_summary(out, r, &c);
	size_t listed = print_error_list(out, r, &c);
	if (r->nsupp_used > 0)
		print_used_suppressions(out, r);
	if (listed > 0 || r->nsupp_used > 0)
		print_error_summary(out, r, &c);
}

void report_text_fatal(FILE *out, const struct report *r)
{
	const struct fatal_signal *f = &r->fatal;

	if (!f->present)
		return;
	line(out, r, "%s", "");
	line(out, r, "Process terminating with default action of signal %d (SIG%s)", f->signo,
	     sigabbrev_np(f->signo) ? sigabbrev_np(f->signo) : "?");
	if (f->event)
		line(out, r, " %s at address %#llx", f->event, (unsigned long long)f->siaddr);
	report_text_stack(out, r, &f->stack);
}
