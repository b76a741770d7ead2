/* util: number formatting and the fixed words of memcheck's outputs.
 *
 * The tables below are indexed by the enums of scan.h and report.h; a value
 * outside them gets "?" rather than a crash, because a reporter must finish
 * the report even when handed a corrupt record. */
#include "leaktrace/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *util_fmt_num(char buf[UTIL_NUM_BUFSZ], uint64_t v)
{
	char digits[24];
	int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
	char *p = buf;

	for (int i = 0; i < n; i++) {
		/* a separator before every group of three counted from the right */
		if (i > 0 && (n - i) % 3 == 0)
			*p++ = ',';
		*p++ = digits[i];
	}
	*p = '\0';
	return buf;
}

char *util_fmt_elapsed(char buf[UTIL_TIME_BUFSZ], uint64_t ms)
{
	unsigned long long s = ms / 1000, m = s / 60, h = m / 60, d = h / 24;

	snprintf(buf, UTIL_TIME_BUFSZ, "%02llu:%02llu:%02llu:%02llu.%03llu", d, h % 24, m % 60,
		 s % 60, (unsigned long long)(ms % 1000));
	return buf;
}

static const char *pick(const char *const *table, size_t n, unsigned i)
{
	return i < n && table[i] ? table[i] : "?";
}

#define PICK(table, i) pick(table, sizeof table / sizeof table[0], (unsigned)(i))

const char *util_leak_kind_words(enum leak_kind k)
{
	static const char *const words[] = {
		[LEAK_DEFINITE] = "definitely lost",
		[LEAK_INDIRECT] = "indirectly lost",
		[LEAK_POSSIBLE] = "possibly lost",
		[LEAK_REACHABLE] = "still reachable",
	};
	return PICK(words, k);
}

const char *util_leak_kind_xml(enum leak_kind k)
{
	static const char *const words[] = {
		[LEAK_DEFINITE] = "Leak_DefinitelyLost",
		[LEAK_INDIRECT] = "Leak_IndirectlyLost",
		[LEAK_POSSIBLE] = "Leak_PossiblyLost",
		[LEAK_REACHABLE] = "Leak_StillReachable",
	};
	return PICK(words, k);
}

const char *util_leak_kind_supp(enum leak_kind k)
{
	static const char *const words[] = {
		[LEAK_DEFINITE] = "definite",
		[LEAK_INDIRECT] = "indirect",
		[LEAK_POSSIBLE] = "possible",
		[LEAK_REACHABLE] = "reachable",
	};
	return PICK(words, k);
}

const char *util_heuristic_name(enum leak_heuristic h)
{
	static const char *const words[] = {
		[HEUR_STDSTRING] = "stdstring",
		[HEUR_LENGTH64] = "length64",
		[HEUR_NEWARRAY] = "newarray",
		[HEUR_MULTIPLEINHERITANCE] = "multipleinheritance",
	};
	if (h == HEUR_NONE || (unsigned)h >= HEUR_COUNT)
		return NULL;
	return PICK(words, h);
}

const char *util_mem_error_what(enum mem_error_kind k)
{
	static const char *const words[] = {
		[ERR_INVALID_FREE] = "Invalid free() / delete / delete[] / realloc()",
		[ERR_MISMATCHED_FREE] = "Mismatched free() / delete / delete []",
		[ERR_FD_NOT_CLOSED] = "File descriptor not closed",
	};
	return PICK(words, k);
}

const char *util_mem_error_xml_kind(enum mem_error_kind k)
{
	static const char *const words[] = {
		[ERR_INVALID_FREE] = "InvalidFree",
		[ERR_MISMATCHED_FREE] = "MismatchedFree",
		[ERR_FD_NOT_CLOSED] = "FdNotClosed",
	};
	return PICK(words, k);
}

const char *util_mem_error_supp_kind(enum mem_error_kind k)
{
	/* memcheck suppresses both free errors with one kind, "Free" */
	static const char *const words[] = {
		[ERR_INVALID_FREE] = "Free",
		[ERR_MISMATCHED_FREE] = "Free",
		[ERR_FD_NOT_CLOSED] = "FdNotClosed",
	};
	return PICK(words, k);
}

void util_symbolize(const struct report *r, uint64_t ip, struct frame_info *out)
{
	memset(out, 0, sizeof *out);
	out->ip = ip;
	if (r->symbolize && r->symbolize(r->symbolize_ctx, ip, out) < 0) {
		memset(out, 0, sizeof *out);
		out->ip = ip;
	}
}

#define MAX_INLINE 16

struct frame_info *util_symbolize_stack(const struct report *r, const struct report_stack *st,
					unsigned *nframes)
{
	struct frame_info *f;
	unsigned n = 0;

	*nframes = 0;
	if (st->n == 0 || !(f = calloc((size_t)st->n * MAX_INLINE, sizeof *f)))
		return NULL;
	for (unsigned i = 0; i < st->n; i++) {
		if (r->symbolize_all) {
			n += r->symbolize_all(r->symbolize_ctx, st->pcs[i], f + n, MAX_INLINE);
		} else {
			util_symbolize(r, st->pcs[i], &f[n]);
			n++;
		}
	}
	*nframes = n;
	return f;
}

void util_block_addr(const struct mem_error *e, const char *state, char *buf, size_t len)
{
	char a[UTIL_NUM_BUFSZ], b[UTIL_NUM_BUFSZ];
	const char *where = "inside";
	uint64_t delta = e->addr - e->block_addr;

	if (e->addr < e->block_addr) {
		where = "before";
		delta = e->block_addr - e->addr;
	} else if (e->addr >= e->block_addr + e->block_size && e->block_size > 0) {
		where = "after";
		delta = e->addr - (e->block_addr + e->block_size);
	}
	snprintf(buf, len, "Address %#llx is %s bytes %s a block of size %s %s",
		 (unsigned long long)e->addr, util_fmt_num(a, delta), where,
		 util_fmt_num(b, e->block_size), state);
}

int util_push_string(const char ***list, const char *s)
{
	size_t n = 0;

	while (*list && (*list)[n])
		n++;
	const char **v = realloc(*list, (n + 2) * sizeof *v);
	if (!v) {
		fprintf(stderr, "leaktrace: out of memory\n");
		return -1;
	}
	v[n] = s;
	v[n + 1] = NULL;
	*list = v;
	return 0;
}
