/* report_xml: memcheck's XML output, protocol version 4.
 *
 * The element order, indentation and blank lines copy memcheck 3.19's files
 * (see /work/shared/valgrind-xml-samples), including two of its quirks that
 * consumers tolerate: with --gen-suppressions the <suppression> of an error
 * is printed inside the <error> and once more after it, and leak records get
 * <unique> numbers that continue the counter of the memory errors, one per
 * loss record whether shown or not.  Text never goes out raw: every string
 * passes through the escaper, which also repairs invalid UTF-8 because a
 * single stray byte in a symbol name would make the whole file unreadable. */
#include "leaktrace/report_xml.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "leaktrace/suppress.h"
#include "leaktrace/util.h"

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Length of the valid UTF-8 sequence at s (at most len bytes) encoding a
 * character XML 1.0 allows, or 0. */
static size_t valid_char(const unsigned char *s, size_t len)
{
	unsigned c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') ? 1 : 0;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	/* overlong forms, surrogates, beyond U+10FFFF, and U+FFFE/U+FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xD800 && cp <= 0xDFFF) ||
	    cp > 0x10FFFF || cp == 0xFFFE || cp == 0xFFFF)
		return 0;
	return n;
}

/* Writes s[0..len) as valid XML characters, escaping markup unless raw
 * (CDATA content). */
static void put_chars(FILE *out, const char *s, size_t len, bool raw)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = valid_char(p + i, len - i);

		if (n == 0) {
			fputs(replacement, out);
			i++;
			continue;
		}
		if (!raw && n == 1 && (p[i] == '&' || p[i] == '<' || p[i] == '>')) {
			fputs(p[i] == '&' ? "&amp;" : p[i] == '<' ? "&lt;" : "&gt;", out);
		} else {
			fwrite(p + i, 1, n, out);
		}
		i += n;
	}
}

void report_xml_escape(FILE *out, const char *s, size_t len)
{
	put_chars(out, s, len, false);
}

static void esc(FILE *out, const char *s)
{
	put_chars(out, s, strlen(s), false);
}

/* "<indent><tag>escaped text</tag>\n" */
static void elem(FILE *out, const char *indent, const char *tag, const char *text)
{
	fprintf(out, "%s<%s>", indent, tag);
	esc(out, text);
	fprintf(out, "</%s>\n", tag);
}

/* CDATA content: a "]]>" inside it would end the section, so the section
 * is closed between "]]" and ">" and a new one opened; a parser still reads
 * the original text. */
static void cdata_body(FILE *out, const char *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i + 3 <= len; i++) {
		if (memcmp(s + i, "]]>", 3) != 0)
			continue;
		put_chars(out, s + start, i + 2 - start, true);
		fputs("]]><![CDATA[", out);
		start = i + 2;
	}
	put_chars(out, s + start, len - start, true);
}

static void print_frame(FILE *out, const struct frame_info *f, bool mangled)
{
	char buf[32];

	fputs("    <frame>\n", out);
	fprintf(out, "      <ip>0x%llX</ip>\n", (unsigned long long)f->ip);
	if (f->obj)
		elem(out, "      ", "obj", f->obj);
	if (f->fn)
		elem(out, "      ", "fn", mangled && f->mangled ? f->mangled : f->fn);
	if (f->file && f->line) {
		if (f->dir)
			elem(out, "      ", "dir", f->dir);
		elem(out, "      ", "file", f->file);
		snprintf(buf, sizeof buf, "%u", f->line);
		elem(out, "      ", "line", buf);
	}
	fputs("    </frame>\n", out);
}

static void print_stack(FILE *out, const struct report *r, const struct report_stack *st)
{
	unsigned n;
	struct frame_info *f = util_symbolize_stack(r, st, &n);

	fputs("  <stack>\n", out);
	for (unsigned i = 0; i < n; i++)
		print_frame(out, &f[i], r->mangled_names);
	fputs("  </stack>\n", out);
	free(f);
}

static void print_suppression(FILE *out, const struct supp_head *h, const struct frame_info *frames,
			      unsigned n)
{
	char *raw = NULL;
	size_t rawlen = 0;
	FILE *mem;

	fputs("  <suppression>\n", out);
	elem(out, "    ", "sname", "insert_a_suppression_name_here");
	elem(out, "    ", "skind", h->skind);
	if (h->skaux[0])
		elem(out, "    ", "skaux", h->skaux);
	for (unsigned i = 0; i < n; i++) {
		const char *type, *name;

		suppress_gen_frame(&frames[i], &type, &name);
		fprintf(out, "    <sframe> <%s>", type);
		esc(out, name);
		fprintf(out, "</%s> </sframe>\n", type);
	}
	fputs("    <rawtext>\n<![CDATA[\n", out);
	/* the very text the text report prints, so either can be pasted */
	if ((mem = open_memstream(&raw, &rawlen))) {
		suppress_gen_write(mem, h, frames, n);
		if (fclose(mem) == 0)
			cdata_body(out, raw, rawlen);
		free(raw);
	}
	fputs("]]>\n    </rawtext>\n  </suppression>\n", out);
}

/* The <suppression> inside the error, and memcheck's copy after it. */
static void gen_suppression(FILE *out, const struct report *r, const struct supp_head *h,
			    const struct report_stack *st, bool *copy_pending, char **copy,
			    size_t *copylen)
{
	unsigned nf;
	struct frame_info *frames = util_symbolize_stack(r, st, &nf);
	FILE *mem;

	*copy_pending = false;
	if (st->n > 0 && !frames)
		return;
	print_suppression(out, h, frames, nf);
	if ((mem = open_memstream(copy, copylen))) {
		print_suppression(mem, h, frames, nf);
		*copy_pending = fclose(mem) == 0;
	}
	free(frames);
}

static void end_error(FILE *out, bool copy_pending, char *copy, size_t copylen)
{
	fputs("</error>\n\n", out);
	if (copy_pending)
		fwrite(copy, 1, copylen, out);
	free(copy);
}

static void auxwhat(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void auxwhat(FILE *out, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	elem(out, "  ", "auxwhat", buf);
}

static void block_auxwhat(FILE *out, const struct mem_error *e, const char *state)
{
	char text[256];

	util_block_addr(e, state, text, sizeof text);
	auxwhat(out, "%s", text);
}

void report_xml_error(FILE *out, const struct report *r, const struct mem_error *e)
{
	char *copy = NULL;
	size_t copylen = 0;
	bool copy_pending = false;

	if (e->suppressed_by)
		return;
	fputs("<error>\n", out);
	fprintf(out, "  <unique>0x%x</unique>\n", e->unique);
	fprintf(out, "  <tid>%u</tid>\n", e->tid);
	elem(out, "  ", "kind", util_mem_error_xml_kind(e->kind));
	elem(out, "  ", "what", util_mem_error_what(e->kind));
	print_stack(out, r, &e->stack);
	switch (e->desc) {
	case ADDR_FREED:
		block_auxwhat(out, e, "free'd");
		print_stack(out, r, &e->free_stack);
		elem(out, "  ", "auxwhat", "Block was alloc'd at");
		print_stack(out, r, &e->alloc_stack);
		break;
	case ADDR_ALLOCD:
		block_auxwhat(out, e, "alloc'd");
		print_stack(out, r, &e->alloc_stack);
		break;
	case ADDR_STACK:
		auxwhat(out, "Address %#llx is on thread %u's stack", (unsigned long long)e->addr,
			e->stack_tid);
		if (e->stack_frame_known) {
			struct frame_info f;
			char where[256] = "";

			util_symbolize(r, e->stack_frame_ip, &f);
			if (f.file && f.line)
				snprintf(where, sizeof where, " (%s:%u)", f.file, f.line);
			else if (f.obj)
				snprintf(where, sizeof where, " (in %s)", f.obj);
			auxwhat(out, "in frame #%u, created by %s%s", e->stack_frame_no,
				f.fn ? f.fn : "???", where);
		}
		break;
	case ADDR_DATA_SYMBOL:
		auxwhat(out, "Address %#llx is %llu bytes inside data symbol \"%s\"",
			(unsigned long long)e->addr, (unsigned long long)(e->addr - e->block_addr),
			e->data_symbol ? e->data_symbol : "???");
		break;
	case ADDR_UNKNOWN:
	default:
		auxwhat(out, "Address %#llx is not stack'd, malloc'd or (recently) free'd",
			(unsigned long long)e->addr);
		break;
	}
	if (r->gen_suppressions != GEN_SUPP_NO) {
		struct supp_head h = { 0 };

		suppress_head_error(e->kind, &h);
		gen_suppression(out, r, &h, &e->stack, &copy_pending, &copy, &copylen);
	}
	end_error(out, copy_pending, copy, copylen);
}

static void status(FILE *out, const char *state, uint64_t elapsed_ms)
{
	char t[UTIL_TIME_BUFSZ];

	fprintf(out, "<status>\n  <state>%s</state>\n  <time>%s </time>\n</status>\n", state,
		util_fmt_elapsed(t, elapsed_ms));
}

void report_xml_preamble(FILE *out, const struct report *r, uint64_t elapsed_ms)
{
	char buf[256];

	fputs("<?xml version=\"1.0\"?>\n\n<valgrindoutput>\n\n", out);
	fprintf(out, "<protocolversion>%u</protocolversion>\n",
		r->xml_protocol ? r->xml_protocol : 4);
	fputs("<protocoltool>memcheck</protocoltool>\n\n", out);
	fputs("<preamble>\n", out);
	snprintf(buf, sizeof buf, "%s-%s, a ptrace-based leak analyzer",
		 r->tool_name ? r->tool_name : "leaktrace", r->tool_version ? r->tool_version : "");
	elem(out, "  ", "line", buf);
	fputs("  <line>Command: ", out);
	esc(out, r->target_exe ? r->target_exe : "");
	for (char *const *a = r->target_args; a && *a; a++) {
		fputc(' ', out);
		esc(out, *a);
	}
	fputs("</line>\n</preamble>\n\n", out);
	fprintf(out, "<pid>%d</pid>\n<ppid>%d</ppid>\n<tool>memcheck</tool>\n", r->pid, r->ppid);
	/* verbatim, as valgrind: the user answers for its being XML */
	if (r->xml_user_comment)
		fprintf(out, "<usercomment>%s</usercomment>\n", r->xml_user_comment);
	fputc('\n', out);
	fputs("<args>\n  <vargv>\n", out);
	elem(out, "    ", "exe", r->tool_exe ? r->tool_exe : "leaktrace");
	for (char *const *a = r->tool_args; a && *a; a++)
		elem(out, "    ", "arg", *a);
	fputs("  </vargv>\n  <argv>\n", out);
	elem(out, "    ", "exe", r->target_exe ? r->target_exe : "");
	for (char *const *a = r->target_args; a && *a; a++)
		elem(out, "    ", "arg", *a);
	fputs("  </argv>\n</args>\n\n", out);
	status(out, "RUNNING", elapsed_ms);
	fputc('\n', out);
}

static void print_record(FILE *out, const struct report *r, const struct loss_record *lr,
			 unsigned unique)
{
	char t[UTIL_NUM_BUFSZ], d[UTIL_NUM_BUFSZ], i[UTIL_NUM_BUFSZ], b[UTIL_NUM_BUFSZ];
	char n[UTIL_NUM_BUFSZ], m[UTIL_NUM_BUFSZ], text[256];
	char *copy = NULL;
	size_t copylen = 0;
	bool copy_pending = false;

	util_fmt_num(b, lr->blocks);
	util_fmt_num(n, lr->number);
	util_fmt_num(m, r->nrecords);
	if (lr->indirect_bytes > 0)
		snprintf(
		    text, sizeof text,
		    "%s (%s direct, %s indirect) bytes in %s blocks are %s in loss record %s of %s",
		    util_fmt_num(t, lr->bytes + lr->indirect_bytes), util_fmt_num(d, lr->bytes),
		    util_fmt_num(i, lr->indirect_bytes), b, util_leak_kind_words(lr->kind), n, m);
	else
		snprintf(text, sizeof text, "%s bytes in %s blocks are %s in loss record %s of %s",
			 util_fmt_num(t, lr->bytes), b, util_leak_kind_words(lr->kind), n, m);

	fputs("<error>\n", out);
	fprintf(out, "  <unique>0x%x</unique>\n", unique);
	fputs("  <tid>1</tid>\n", out);
	elem(out, "  ", "kind", util_leak_kind_xml(lr->kind));
	fputs("  <xwhat>\n", out);
	elem(out, "    ", "text", text);
	fprintf(out, "    <leakedbytes>%llu</leakedbytes>\n",
		(unsigned long long)(lr->bytes + lr->indirect_bytes));
	fprintf(out, "    <leakedblocks>%llu</leakedblocks>\n", (unsigned long long)lr->blocks);
	fputs("  </xwhat>\n", out);
	print_stack(out, r, &lr->stack);
	if (r->gen_suppressions != GEN_SUPP_NO) {
		struct supp_head h = { 0 };

		suppress_head_leak(lr->kind, &h);
		gen_suppression(out, r, &h, &lr->stack, &copy_pending, &copy, &copylen);
	}
	end_error(out, copy_pending, copy, copylen);
}

unsigned report_xml_unique_base(const struct report *r)
{
	/* memcheck's counter moves on for every occurrence of an error, so
	 * what is written at the end continues after the last one used */
	unsigned base = 0;

	for (size_t i = 0; i < r->nerrors; i++) {
		unsigned next = r->errors[i].unique + (r->errors[i].count ? r->errors[i].count : 1);
		if (next > base)
			base = next;
	}
	for (size_t i = 0; i < r->ncore_errors; i++)
		if (r->core_errors[i].unique + r->core_errors[i].count > base)
			base = r->core_errors[i].unique + r->core_errors[i].count;
	return base;
}

static void count_pair(FILE *out, unsigned count, unsigned unique)
{
	fprintf(out, "  <pair>\n    <count>%u</count>\n    <unique>0x%x</unique>\n  </pair>\n",
		count, unique);
}

void report_xml_finished(FILE *out, uint64_t elapsed_ms)
{
	fputc('\n', out);
	status(out, "FINISHED", elapsed_ms);
	fputc('\n', out);
}

void report_xml_final(FILE *out, const struct report *r, uint64_t elapsed_ms)
{
	report_xml_finished(out, elapsed_ms);
	report_xml_close(out, r, 0);
}

void report_xml_close(FILE *out, const struct report *r, unsigned skip)
{
	unsigned base = report_xml_unique_base(r) + skip;

	if (r->leak_check == LEAK_CHECK_FULL) {
		for (size_t i = 0; i < r->nrecords; i++) {
			const struct loss_record *lr = &r->records[i];

			if ((r->show_kinds & (1u << lr->kind)) && !lr->suppressed_by)
				print_record(out, r, lr,
					     base + (lr->number ? lr->number - 1 : (unsigned)i));
		}
	}

	/* newest context first, as memcheck walks its error list; the memory
	 * errors and the core ones (FdBadClose) are both in unique order */
	fputs("<errorcounts>\n", out);
	size_t ne = r->nerrors, nc = r->ncore_errors;
	while (ne > 0 || nc > 0) {
		if (nc > 0 &&
		    (ne == 0 || r->core_errors[nc - 1].unique > r->errors[ne - 1].unique)) {
			nc--;
			count_pair(out, r->core_errors[nc].count, r->core_errors[nc].unique);
			continue;
		}
		const struct mem_error *e = &r->errors[--ne];
		if (!e->suppressed_by && e->count)
			count_pair(out, e->count, e->unique);
	}
	fputs("</errorcounts>\n\n", out);

	fputs("<suppcounts>\n", out);
	for (size_t i = 0; i < r->nsupp_used; i++) {
		fprintf(out, "  <pair>\n    <count>%u</count>\n", r->supp_used[i].count);
		elem(out, "    ", "name", r->supp_used[i].name ? r->supp_used[i].name : "");
		fputs("  </pair>\n", out);
	}
	fputs("</suppcounts>\n\n</valgrindoutput>\n\n", out);
}

void report_xml_fatal(FILE *out, const struct report *r)
{
	const struct fatal_signal *f = &r->fatal;
	char buf[32];

	if (!f->present)
		return;
	fputs("<fatal_signal>\n", out);
	snprintf(buf, sizeof buf, "%u", f->tid);
	elem(out, "  ", "tid", buf);
	snprintf(buf, sizeof buf, "%d", f->signo);
	elem(out, "  ", "signo", buf);
	snprintf(buf, sizeof buf, "SIG%s", sigabbrev_np(f->signo) ? sigabbrev_np(f->signo) : "?");
	elem(out, "  ", "signame", buf);
	snprintf(buf, sizeof buf, "%d", f->sicode);
	elem(out, "  ", "sicode", buf);
	if (f->event) {
		elem(out, "  ", "event", f->event);
		snprintf(buf, sizeof buf, "%#llx", (unsigned long long)f->siaddr);
		elem(out, "  ", "siaddr", buf);
	}
	print_stack(out, r, &f->stack);
	fputs("</fatal_signal>\n\n", out);
}
