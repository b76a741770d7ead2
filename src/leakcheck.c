/* leakcheck: the leak check and the reports.
 *
 * With every thread stopped: the roots (registers, stacks, globals, other
 * memory, minus our own mappings and the allocator's metadata), the mark
 * scan (scan.c), the loss records (lossrec.c) with suppressions, and the
 * text, XML, descriptor and flame-graph reports.  Also --interval's growth
 * report. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>

#include "leaktrace/fdreport.h"
#include "leaktrace/flamegraph.h"
#include "leaktrace/lossrec.h"
#include "leaktrace/lostcheck.h"
#include "leaktrace/procmaps.h"
#include "leaktrace/report_text.h"
#include "leaktrace/report_xml.h"
#include "leaktrace/roots.h"
#include "leaktrace/scan.h"
#include "leaktrace/util.h"

#include "leaktrace/heapprof.h"
#include "leaktrace/outfile.h"

#include "session_int.h"

/* --flamegraph and --folded, from the final loss records. */
static void write_flamegraphs(struct session *s)
{
	const char *files[2] = { s->cfg->folded_file, s->cfg->flamegraph_file };

	for (int i = 0; i < 2; i++) {
		if (!files[i])
			continue;
		FILE *f = outfile_stream(files[i], -1, NULL, 0, s->pid);
		int err = f ? (i ? flamegraph_write_svg(f, &s->rep, FLAMEGRAPH_KINDS_DEFAULT, NULL)
				 : flamegraph_write_folded(f, &s->rep, FLAMEGRAPH_KINDS_DEFAULT))
			    : -errno;
		if (f && fclose(f) && !err)
			err = -errno;
		if (err)
			lt_error("cannot write %s: %s", files[i], strerror(-err));
	}
}

/* -v: what the run cost leaktrace, for scripts/bench. */
static void print_stats(struct session *s, size_t nblocks)
{
	size_t hm = s->lc.heap_bytes, sm = stacktab_memory(s->stacks);

	fprintf(s->log,
		"--%d-- leaktrace: %" PRIu64 " allocs, %" PRIu64 " frees traced; "
		"scan of %zu blocks took %.3f s\n",
		s->pid, s->ev.allocs, s->ev.frees, nblocks, s->lc.scan_seconds);
	fprintf(s->log,
		"--%d-- leaktrace: shadow heap %zu bytes (%.1f per live block), "
		"%zu stacks interned in %zu bytes\n",
		s->pid, hm, nblocks ? (double)hm / (double)nblocks : 0.0, stacktab_count(s->stacks),
		sm);
	fprintf(s->log,
		"--%d-- leaktrace: %" PRIu64 " fast-path records, stacks walked in %" PRIu64
		" (unwound live for %" PRIu64 ") and copied in %" PRIu64 "; %" PRIu64
		" stops, of which %" PRIu64 " ring full and %" PRIu64 " stack-copy faults; %" PRIu64
		" records abandoned\n",
		s->pid, s->fp.nrecords, s->fp.nwalked, s->fp.nlearned, s->fp.ncopied,
		s->life.nstops, s->fp.nfull, s->fp.nfaults, s->fp.nlost);
	struct timespec now;
	uint64_t ticks = __rdtsc() - s->fp.tsc0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (s->fp.nrecords && s->fp.tsc0 && ticks) {
		double ns = (double)session_us_between(&s->fp.mono0, &now) * 1e3 *
			    (double)s->fp.drain_ticks / (double)ticks;
		fprintf(s->log, "--%d-- leaktrace: records read in %.3f s, %.1f ns per record\n",
			s->pid, ns / 1e9, ns / (double)s->fp.nrecords);
	}
}

void leakcheck_final(struct session *s, struct thread *exiting)
{
	leakcheck_report(s, exiting, true);
}

/* What the scan starts from: the registers of every thread but the one
 * ending the process (memcheck's rule: its registers belong to the exit
 * path), and every thread's stack pointer (stacks are roots above it).
 * The ending thread's registers are kept apart, for --lost-check. */
struct thread_roots {
	uint64_t *words, *sps;
	size_t nwords, nsps;
	uint64_t exit_words[17];
	bool has_exit;
};

/* The 17 words of a thread's registers that may hold pointers. */
static void regs_words(const struct user_regs_struct *r, uint64_t w[17])
{
	uint64_t v[17] = { r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->rsp, r->r8,
			   r->r9,  r->r10, r->r11, r->r12, r->r13, r->r14, r->r15, r->rip };
	memcpy(w, v, sizeof v);
}

static void thread_roots(struct session *s, pid_t exiting, struct thread_roots *tr)
{
	size_t n;
	struct thread **ths = threads_live(s, &n);

	*tr = (struct thread_roots){ 0 };
	tr->words = calloc(n * 17 + 1, sizeof *tr->words);
	tr->sps = calloc(n + 1, sizeof *tr->sps);
	for (size_t i = 0; i < n && tr->words && tr->sps; i++) {
		struct user_regs_struct r;
		if (tracee_getregs(ths[i]->tid, &r))
			continue;
		tr->sps[tr->nsps++] = r.rsp;
		if (ths[i]->tid == exiting) {
			regs_words(&r, tr->exit_words);
			tr->has_exit = true;
			continue;
		}
		regs_words(&r, tr->words + tr->nwords);
		tr->nwords += 17;
	}
	free(ths);
}

/* The live blocks, sorted by address.  At the end of the session the
 * sorted copy holds all the table did, and the process is ending: the
 * table's memory goes before the scan needs its own. */
static struct block *take_blocks(struct session *s, bool last, size_t *n)
{
	struct heapmap *empty;
	struct block *blocks = heapmap_sorted(s->heap, n);

	s->lc.heap_bytes = heapmap_memory(s->heap); /* for -v */
	if (last && blocks && (empty = heapmap_new())) {
		heapmap_free(s->heap);
		s->heap = empty;
	}
	return blocks;
}

/* Memory that is ours or the allocator's, never a root: our scratch pages
 * and ring (whose records hold the pointers malloc returned), and libc's
 * arena; sorted, as roots_collect wants them. */
/* Our own memory in the target: the scratch pages and the fast path's ring
 * (whose records hold the pointers malloc returned).  At most 33 ranges. */
static size_t our_ranges(struct session *s, struct scan_range *ex)
{
	uint64_t starts[32], lens[32];
	size_t nex = 0, nscr = bptab_scratch(s->bt, starts, lens, 32);

	for (size_t i = 0; i < nscr && i < 32; i++)
		ex[nex++] = (struct scan_range){ starts[i], starts[i] + lens[i] };
	if (s->fp.ring)
		ex[nex++] =
		    (struct scan_range){ s->fp.ring_addr, s->fp.ring_addr + s->fp.ring_size };
	return nex;
}

static size_t exclusions(struct session *s, struct scan_range *ex)
{
	size_t nex = our_ranges(s, ex);

	glibcheap_exclusions(s, ex, &nex);
	for (size_t i = 1; i < nex; i++)
		for (size_t j = i; j > 0 && ex[j].start < ex[j - 1].start; j--) {
			struct scan_range t = ex[j];
			ex[j] = ex[j - 1];
			ex[j - 1] = t;
		}
	return nex;
}

struct scan_ctx {
	const struct target_mem *tm;
	const struct maps *maps;
};

static ssize_t scan_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct scan_ctx *c = ctx;
	return target_read(c->tm, addr, buf, len);
}

static int scan_mapping(void *ctx, uint64_t addr, struct scan_mapping *out)
{
	const struct scan_ctx *c = ctx;
	const struct mapping *m = procmaps_find(c->maps, addr);

	if (!m)
		return -ENOENT;
	out->start = m->start;
	out->end = m->end;
	out->flags = (m->r ? SCAN_MAP_READ : 0) | (m->w ? SCAN_MAP_WRITE : 0) |
		     (m->x ? SCAN_MAP_EXEC : 0) | (m->path[0] == '/' ? SCAN_MAP_FILE : 0);
	return 0;
}

/* The mark scan: sb[i].state for each of the blocks. */
static void mark(struct session *s, const struct block *blocks, struct scan_block *sb, size_t n,
		 const struct thread_roots *tr)
{
	struct maps m;
	struct scan_range ex[64], *roots = NULL;
	size_t nex = exclusions(s, ex), nroots = 0;

	if (procmaps_read(s->tm.pid > 0 ? s->tm.pid : s->pid, &m))
		m = (struct maps){ 0 };
	struct roots_input ri = { &m, blocks, n, tr->sps, tr->nsps, ex, nex };
	if (roots_collect(&ri, &roots, &nroots))
		roots = NULL, nroots = 0;
	if (s->rep.attached)
		glibcheap_unseen_chunks(s, &m, &roots, &nroots);
	struct scan_ctx sc = { &s->tm, &m };
	struct scan_memory mem = { &sc, scan_read, scan_mapping };
	struct scan_input in = { sb,	    n,		roots, nroots,
				 tr->words, tr->nwords, &mem,  s->cfg->heuristics };
	struct timespec t1, t2;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (scan_run(&in))
		lt_error("out of memory in the leak scan; every block is reported as reachable");
	clock_gettime(CLOCK_MONOTONIC, &t2);
	s->lc.scan_seconds =
	    (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9;
	procmaps_free(&m);
	free(roots);
}

/* Loss records from the classified blocks, suppressions applied (LEAK
 * SUMMARY moves suppressed records to "suppressed:"), and the totals. */
static void build_records(struct session *s, const struct block *blocks,
			  const struct scan_block *sb, size_t n)
{
	struct report *rep = &s->rep;

	memset(rep->totals, 0, sizeof rep->totals);
	free(rep->records); /* a report asked for earlier (SIGUSR1 in -p mode) */
	rep->records = NULL;
	rep->nrecords = 0;
	if (n && sb && blocks)
		lossrec_build(blocks, sb, n, s->stacks, s->cfg->leak_resolution, &rep->records,
			      &rep->nrecords, rep->totals, rep->reachable_via_heuristic);
	memset(&rep->suppressed, 0, sizeof rep->suppressed);
	for (size_t i = 0; i < rep->nrecords; i++) {
		struct loss_record *lr = &rep->records[i];
		lr->stack = session_trim_below_main(s, lr->stack);
		lr->suppressed_by = memerrors_suppression(
		    s, &lr->stack, lr->kind, 0, lr->bytes + lr->indirect_bytes, lr->blocks);
		if (lr->suppressed_by) {
			rep->totals[lr->kind].bytes -= lr->bytes;
			rep->totals[lr->kind].blocks -= lr->blocks;
			rep->suppressed.bytes += lr->bytes;
			rep->suppressed.blocks += lr->blocks;
		}
	}
	if (s->supp) {
		free(s->supp_used);
		s->supp_used = NULL;
		long nu = suppress_used(s->supp, &s->supp_used);
		rep->supp_used = s->supp_used;
		rep->nsupp_used = nu > 0 ? (size_t)nu : 0;
	}
	rep->inuse_blocks = n;
	rep->inuse_bytes = 0;
	for (size_t i = 0; i < n; i++)
		rep->inuse_bytes += blocks[i].size;
	rep->total_allocs = s->ev.allocs;
	rep->total_frees = s->ev.frees;
	rep->total_bytes = s->ev.bytes;
	rep->errors = s->err.v;
	rep->nerrors = s->err.n;
}

/* --lost-check: where a word that points into a lost block lies. */
static void describe_word(const struct maps *m, const struct scan_block *sb, size_t n,
			  const struct thread_roots *tr, uint64_t at, char *buf, size_t len)
{
	const struct mapping *mp = procmaps_find(m, at);
	const char *where = !mp		  ? "unmapped memory"
			    : mp->path[0] ? mp->path
					  : "an anonymous mapping";
	size_t lo = 0, hi = n;

	if (!at) {
		snprintf(buf, len, "a register");
		return;
	}
	while (lo < hi) { /* the block holding at, if any */
		size_t mid = lo + (hi - lo) / 2;
		if (sb[mid].addr <= at)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && at < sb[lo - 1].addr + sb[lo - 1].size) {
		snprintf(buf, len, "a %s block of %" PRIu64 " bytes at %#" PRIx64 " in %s",
			 util_leak_kind_words(sb[lo - 1].state), sb[lo - 1].size, sb[lo - 1].addr,
			 where);
		return;
	}
	for (size_t i = 0; mp && i < tr->nsps; i++)
		if (at < tr->sps[i] && tr->sps[i] >= mp->start && tr->sps[i] < mp->end) {
			snprintf(buf, len, "%s, below a thread's stack pointer %#" PRIx64, where,
				 tr->sps[i]);
			return;
		}
	snprintf(buf, len, "%s, outside any block", where);
}

struct heap_feed {
	struct lostcheck *lc;
	const uint8_t *buf;
	uint64_t start;
};

/* A chunk of the main heap: its words, counted apart when it is free. */
static void feed_chunk(void *ctx, uint64_t user, uint64_t n, bool freed)
{
	struct heap_feed *f = ctx;

	lostcheck_words(f->lc, user, (const uint64_t *)(const void *)(f->buf + (user - f->start)),
			n / 8, freed);
}

/* Words at addr, those inside the allocator's own state (main_arena, whose
 * bins point at chunk headers, i.e. at the last word of the block before)
 * counted as free memory. */
static void feed_words(struct lostcheck *lc, uint64_t addr, const uint64_t *w, size_t nw,
		       const struct scan_range *alloc, size_t nalloc)
{
	uint64_t end = addr + 8 * nw;

	for (size_t i = 0; i < nalloc && addr < end; i++) {
		uint64_t xs = alloc[i].start & ~7ULL, xe = (alloc[i].end + 7) & ~7ULL;
		if (xe <= addr || xs >= end)
			continue;
		if (xs > addr) {
			lostcheck_words(lc, addr, w, (size_t)(xs - addr) / 8, false);
			w += (xs - addr) / 8, addr = xs;
		}
		uint64_t stop = xe < end ? xe : end;
		lostcheck_words(lc, addr, w, (size_t)(stop - addr) / 8, true);
		w += (stop - addr) / 8, addr = stop;
	}
	if (addr < end)
		lostcheck_words(lc, addr, w, (size_t)(end - addr) / 8, false);
}

/* A mapping's words; the main heap chunk by chunk.  The reads are as large
 * as the buffer; an unreadable page is skipped. */
static void feed_mapping(struct session *s, const struct mapping *mp, struct lostcheck *lc,
			 const struct scan_range *alloc, size_t nalloc,
			 const struct thread_roots *tr)
{
	static uint64_t buf[1 << 17];
	size_t len = (size_t)(mp->end - mp->start);
	/* a stack: dead below its pointer, less the red zone, as for the scan */
	uint64_t live = roots_live_from(mp, tr->sps, tr->nsps) & ~7ULL;

	if (!strcmp(mp->path, "[heap]") && len <= (1ull << 30)) {
		uint8_t *heap = malloc(len);
		if (heap && target_read(&s->tm, mp->start, heap, len) == (ssize_t)len) {
			struct heap_feed f = { lc, heap, mp->start };
			glibcheap_walk_main(s, heap, mp->start, len, feed_chunk, &f);
			free(heap);
			return;
		}
		free(heap);
	}
	for (uint64_t a = mp->start; a < mp->end;) {
		size_t want = mp->end - a < sizeof buf ? (size_t)(mp->end - a) : sizeof buf;
		ssize_t got = target_read(&s->tm, a, buf, want);
		if (got < 8) {
			a = (a | 4095) + 1;
			continue;
		}
		size_t nw = (size_t)got / 8, ndead = 0;
		if (a < live)
			ndead = live - a < 8 * (uint64_t)nw ? (size_t)(live - a) / 8 : nw;
		lostcheck_words(lc, a, buf, ndead, true);
		feed_words(lc, a + 8 * ndead, buf + ndead, nw - ndead, alloc, nalloc);
		a += (uint64_t)got & ~7ULL;
	}
}

/* Every register and every readable mapping but ours, word by word. */
static void lost_check_memory(struct session *s, const struct maps *m, struct lostcheck *lc,
			      const struct thread_roots *tr)
{
	struct scan_range ours[33], alloc[8];
	size_t nours = our_ranges(s, ours), nalloc = 0;

	glibcheap_exclusions(s, alloc, &nalloc);
	for (size_t k = 0; k < tr->nwords; k++)
		lostcheck_register(lc, tr->words[k]);
	for (size_t k = 0; tr->has_exit && k < 17; k++)
		lostcheck_register(lc, tr->exit_words[k]);
	for (size_t i = 0; i < m->n; i++) {
		const struct mapping *mp = &m->v[i];
		bool mine = false;
		for (size_t k = 0; k < nours; k++)
			mine |= mp->start < ours[k].end && ours[k].start < mp->end;
		if (!mine && mp->r && strcmp(mp->path, "[vvar]") && strcmp(mp->path, "[vsyscall]"))
			feed_mapping(s, mp, lc, alloc, nalloc, tr);
	}
}

/* --lost-check: the lost blocks that some word outside them points into,
 * by loss record, after the report. */
static void lost_check(struct session *s, const struct block *blocks, const struct scan_block *sb,
		       size_t n, const struct thread_roots *tr)
{
	struct lostcheck lc;
	struct maps m;
	char b1[UTIL_NUM_BUFSZ], b2[UTIL_NUM_BUFSZ], b3[UTIL_NUM_BUFSZ], b4[UTIL_NUM_BUFSZ];
	char where[256];

	if (lostcheck_init(&lc, sb, n) || procmaps_read(s->tm.pid > 0 ? s->tm.pid : s->pid, &m)) {
		lt_error("--lost-check: out of memory or no memory map; no check made");
		lostcheck_free(&lc);
		return;
	}
	lost_check_memory(s, &m, &lc, tr);
	uint64_t npointed = 0, nfreed = 0;
	for (size_t j = 0; j < lc.nlost; j++) {
		npointed += lc.hits[j].count != 0;
		nfreed += !lc.hits[j].count && lc.hits[j].dead;
	}
	fprintf(s->log,
		"--%d-- lost-check: %s blocks lost; no word outside them points into %s (%s "
		"of them pointed at only from dead memory: freed, the allocator's, below a stack "
		"pointer), %s are pointed at\n",
		s->pid, util_fmt_num(b1, lc.nlost), util_fmt_num(b2, lc.nlost - npointed),
		util_fmt_num(b3, nfreed), util_fmt_num(b4, npointed));
	for (size_t r = 0; npointed && r < s->rep.nrecords; r++) {
		const struct loss_record *lr = &s->rep.records[r];
		uint64_t k = 0, total = 0;
		const struct lostcheck_hit *first = NULL;
		size_t first_i = 0;
		if (lr->kind != LEAK_DEFINITE && lr->kind != LEAK_INDIRECT)
			continue;
		for (size_t j = 0; j < lc.nlost; j++) {
			size_t i = lc.lost[j];
			if (sb[i].state != lr->kind || blocks[i].stack_id != lr->stack_id)
				continue;
			total++;
			if (lc.hits[j].count && !k++)
				first = &lc.hits[j], first_i = i;
		}
		if (!k)
			continue;
		describe_word(&m, sb, n, tr, first->from, where, sizeof where);
		fprintf(s->log,
			"--%d-- lost-check: loss record %s (%s): %s of %s blocks pointed at, e.g. "
			"%#" PRIx64 "+%" PRIu64 " (of %" PRIu64 " bytes) by the word at %#" PRIx64
			" in %s\n",
			s->pid, util_fmt_num(b1, lr->number), util_leak_kind_words(lr->kind),
			util_fmt_num(b2, k), util_fmt_num(b3, total), sb[first_i].addr,
			first->value - sb[first_i].addr, sb[first_i].size, first->from, where);
	}
	procmaps_free(&m);
	lostcheck_free(&lc);
}

/* --tool=massif's file and --timeline's picture, while the target still
 * exists: their frames are named now. */
static void finish_profile(struct session *s)
{
	const struct report *rep = &s->rep;
	char cmd[4096], err[512];
	size_t len = (size_t)snprintf(cmd, sizeof cmd, "%s", rep->target_exe);

	for (size_t i = 0; rep->target_args && rep->target_args[i] && len < sizeof cmd; i++)
		len += (size_t)snprintf(cmd + len, sizeof cmd - len, " %s", rep->target_args[i]);
	if (heapprof_finish(s->prof, s->pid, cmd, err, sizeof err))
		lt_error("%s", err);
}

/* The descriptors (at the end), the text and XML reports, -v's figures,
 * the flame graphs. */
static void write_reports(struct session *s, bool last, size_t nblocks)
{
	struct report *rep = &s->rep;
	struct fdreport_entry *fde = NULL;
	struct fdreport fr = { 0 };
	bool text = !s->cfg->xml || s->cfg->log_file;

	if (last && s->fds)
		fdreport_sync(s->fds, s->tm.pid); /* the kernel's list is the truth */
	if (last && s->fds && !fdreport_collect(s->fds, s->stacks, s->tm.pid, 0, &fde, &fr.n)) {
		fr.entries = fde;
		fr.all = s->cfg->track_fds_all;
		fr.quiet = s->cfg->quiet;
		fr.attached = rep->attached;
		fr.summary_follows = true;
		if (text)
			fdreport_write_text(s->log, rep, &fr);
	}
	if (text)
		report_text_final(s->log, rep);
	if (s->cfg->verbose)
		print_stats(s, nblocks);
	if (last)
		write_flamegraphs(s);
	if (last && s->prof)
		finish_profile(s);
	if (s->xml) {
		/* protocol 5: the descriptors after the FINISHED status, before
		 * the leak records, as valgrind 3.23 */
		unsigned base = report_xml_unique_base(rep);
		report_xml_finished(s->xml, session_elapsed_ms(s));
		unsigned next = fr.entries ? fdreport_write_xml(s->xml, rep, &fr, base) : base;
		report_xml_close(s->xml, rep, next - base);
	}
	fdreport_entries_free(fde, fr.n);
	fflush(s->log);
	if (s->xml)
		fflush(s->xml);
}

/* The scan and the report, with every thread stopped.  last: the session
 * ends here (the process exits, or we detach); otherwise (a report asked
 * for with SIGUSR1 in -p mode) the threads run on afterwards. */
void leakcheck_report(struct session *s, struct thread *exiting, bool last)
{
	struct thread_roots tr;
	size_t n = 0;

	if (last)
		s->life.final_done = true;
	threads_stop_all(s, exiting);
	ringread_drain(s);
	if (s->cfg->heap.tool == TOOL_MASSIF) {
		/* as valgrind's massif: the profile, and no leak report */
		if (last && s->prof)
			finish_profile(s);
		if (!s->life.detaching)
			threads_resume_held(s, exiting);
		return;
	}
	/* the thread that called exit() ends the process, whichever thread's
	 * exit is reported first (exit_group kills the others) */
	pid_t ender = s->life.exit_tid ? s->life.exit_tid : exiting ? exiting->tid : 0;
	thread_roots(s, ender, &tr);
	struct block *blocks = take_blocks(s, last, &n);
	struct scan_block *sb = calloc(n + 1, sizeof *sb);
	for (size_t i = 0; sb && i < n; i++) {
		sb[i].addr = blocks[i].addr;
		sb[i].size = blocks[i].size;
		sb[i].state = LEAK_REACHABLE; /* unless the scan says otherwise */
	}
	if (s->cfg->leak_check != LEAK_CHECK_NO && n && sb && tr.words && tr.sps)
		mark(s, blocks, sb, n, &tr);
	build_records(s, blocks, sb, n);
	write_reports(s, last, n);
	if (s->cfg->lost_check && s->cfg->leak_check != LEAK_CHECK_NO && n && sb && tr.sps)
		lost_check(s, blocks, sb, n, &tr);
	free(tr.words);
	free(tr.sps);
	free(sb);
	free(blocks);
	if (!s->life.detaching)
		threads_resume_held(s, exiting);
}

/* Errors as memcheck's ERROR SUMMARY counts them, for --error-exitcode. */
unsigned long memerrors_count(const struct session *s)
{
	struct report_counts c;

	report_text_count_errors(&s->rep, &c);
	return c.errors;
}

/* --interval: the stacks whose live bytes grew most, the suspected leaks and the
 * memory limit (heapprof.c; the profile exists whenever --interval is given). */
void leakcheck_growth(struct session *s, double seconds)
{
	if (s->prof)
		heapprof_interval(s->prof, s->log, s->pid, seconds);
}
