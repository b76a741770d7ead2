/* suppress: Valgrind suppression files — parse, match, count, generate.
 *
 * A suppression is kept as its kind, its leak-kind set and a list of
 * location patterns.  Matching walks the patterns against the stack from the
 * innermost frame; "..." is the only construct that needs backtracking, and
 * it is handled by trying every possible number of skipped frames, which is
 * cheap because real suppressions have a handful of "..." and stacks are at
 * most --num-callers deep.  Frames are compared on the same strings
 * memcheck uses: the mangled function name, the object path, and the source
 * file name without its directory; a missing one reads as "???" so that
 * "fun:*" or "obj:*" still match an unsymbolized frame. */
#include "leaktrace/suppress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "leaktrace/util.h"

enum loc_type { LOC_FUN, LOC_OBJ, LOC_SRC, LOC_DOTS };

struct loc {
	enum loc_type type;
	char *patt;    /* NULL for LOC_DOTS */
	unsigned line; /* LOC_SRC: 0 = any line */
};

/* Only the kinds leaktrace can report need telling apart. */
enum supp_kind { SK_LEAK, SK_FREE, SK_OTHER };

struct supp {
	char *name;
	enum supp_kind kind;
	unsigned leak_kinds; /* bit (1 << enum leak_kind) */
	struct loc *locs;
	unsigned nlocs;
	const char *file; /* one of suppress.files */
	unsigned line;
	unsigned count;
	uint64_t bytes, blocks;
};

struct suppress {
	struct supp *v;
	size_t n, cap;
	char **files;
	size_t nfiles;
};

#define ALL_LEAK_KINDS ((1u << LEAK_KIND_COUNT) - 1)

/* memcheck's recognised kinds that leaktrace never reports: accepted so a
 * suppression file written for valgrind loads unchanged. */
static const char *const other_kinds[] = {
	"Param",  "User",    "CoreMem", "Addr1",  "Addr2",   "Addr4",	   "Addr8",
	"Addr16", "Addr32",  "Jump",	"Value0", "Value1",  "Value2",	   "Value4",
	"Value8", "Value16", "Value32", "Cond",	  "Overlap", "FishyValue", "ReallocZero",
};

struct suppress *suppress_new(void)
{
	return calloc(1, sizeof(struct suppress));
}

static void supp_clear(struct supp *sp)
{
	for (unsigned i = 0; i < sp->nlocs; i++)
		free(sp->locs[i].patt);
	free(sp->locs);
	free(sp->name);
}

void suppress_free(struct suppress *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		supp_clear(&s->v[i]);
	free(s->v);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	free(s);
}

size_t suppress_count(const struct suppress *s)
{
	return s->n;
}

/* ---- parsing ---- */

struct parser {
	const char *fname;
	const char *p, *end;
	unsigned lineno; /* of the line last returned */
	char line[4096];
	char *err;
	size_t errlen;
};

/* s with every byte that is not printable ASCII written as \\xNN (a
 * backslash too, so the result reads back unambiguously), into out (at most
 * len bytes, NUL included).  A suppression file's bytes reach the terminal
 * in messages and in -s output: an escape sequence in it must not. */
static void escape_into(char *out, size_t len, const char *str)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)str; *p && o + 5 < len; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", *p);
	}
	if (len)
		out[o < len ? o : len - 1] = '\0';
}

static bool needs_escape(const char *str)
{
	for (const unsigned char *p = (const unsigned char *)str; *p; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '\\')
			return true;
	return false;
}

__attribute__((format(printf, 2, 3))) static int perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	if (!ps->err || ps->errlen == 0)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int off = snprintf(ps->err, ps->errlen, "%s:%u: ", ps->fname, ps->lineno);
	if (off >= 0 && (size_t)off < ps->errlen)
		escape_into(ps->err + off, ps->errlen - (size_t)off, msg);
	return -EINVAL;
}

/* The next line that is neither blank nor a comment, trimmed of surrounding
 * whitespace, in ps->line; NULL at end of input. */
static const char *next_line(struct parser *ps)
{
	while (ps->p < ps->end) {
		const char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
		const char *e = nl ? nl : ps->end;
		const char *b = ps->p;

		ps->p = nl ? nl + 1 : ps->end;
		ps->lineno++;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (b == e || *b == '#')
			continue;
		size_t len = (size_t)(e - b);
		if (len >= sizeof ps->line)
			len = sizeof ps->line - 1;
		memcpy(ps->line, b, len);
		ps->line[len] = '\0';
		return ps->line;
	}
	return NULL;
}

static int parse_leak_kinds(const char *set, unsigned *out)
{
	*out = 0;
	if (strcmp(set, "all") == 0) {
		*out = ALL_LEAK_KINDS;
		return 0;
	}
	if (strcmp(set, "none") == 0)
		return 0;
	while (*set) {
		size_t len = strcspn(set, ",");
		bool found = false;

		for (unsigned k = 0; k < LEAK_KIND_COUNT; k++) {
			const char *w = util_leak_kind_supp((enum leak_kind)k);
			if (strlen(w) == len && strncmp(set, w, len) == 0) {
				*out |= 1u << k;
				found = true;
			}
		}
		if (!found)
			return -EINVAL;
		set += len;
		if (*set == ',')
			set++;
	}
	return 0;
}

static int add_loc(struct supp *sp, enum loc_type t, const char *patt, unsigned line)
{
	struct loc *nl = realloc(sp->locs, (sp->nlocs + 1) * sizeof *nl);

	if (!nl)
		return -ENOMEM;
	sp->locs = nl;
	nl[sp->nlocs].type = t;
	nl[sp->nlocs].line = line;
	nl[sp->nlocs].patt = NULL;
	if (patt && !(nl[sp->nlocs].patt = strdup(patt)))
		return -ENOMEM;
	sp->nlocs++;
	return 0;
}

/* A frame line in ps->line; -EINVAL if it is not one. */
static int parse_loc(struct parser *ps, struct supp *sp)
{
	const char *l = ps->line;

	if (strcmp(l, "...") == 0)
		return add_loc(sp, LOC_DOTS, NULL, 0);
	if (strncmp(l, "fun:", 4) == 0)
		return add_loc(sp, LOC_FUN, l + 4, 0);
	if (strncmp(l, "obj:", 4) == 0)
		return add_loc(sp, LOC_OBJ, l + 4, 0);
	if (strncmp(l, "src:", 4) == 0) {
		char file[sizeof ps->line];
		const char *colon = strrchr(l + 4, ':');
		unsigned line = 0;

		snprintf(file, sizeof file, "%s", l + 4);
		if (colon) {
			char *endp;
			unsigned long v = strtoul(colon + 1, &endp, 10);
			if (colon[1] == '\0' || *endp != '\0' || v == 0 || v > UINT32_MAX)
				return perr(ps, "bad line number in '%s'", l);
			line = (unsigned)v;
			file[colon - (l + 4)] = '\0';
		}
		return add_loc(sp, LOC_SRC, file, line);
	}
	return perr(ps, "expected 'fun:', 'obj:', 'src:', '...' or '}', found '%s'", l);
}

static enum supp_kind kind_of(const char *k, bool *known)
{
	*known = true;
	if (strcmp(k, "Leak") == 0)
		return SK_LEAK;
	if (strcmp(k, "Free") == 0)
		return SK_FREE;
	for (size_t i = 0; i < sizeof other_kinds / sizeof other_kinds[0]; i++)
		if (strcmp(k, other_kinds[i]) == 0)
			return SK_OTHER;
	*known = false;
	return SK_OTHER;
}

/* Whether the comma-separated tool list before ':' names memcheck. */
static bool for_memcheck(const char *tools, size_t len)
{
	while (len > 0) {
		size_t n = 0;
		while (n < len && tools[n] != ',')
			n++;
		if (n == 8 && strncmp(tools, "Memcheck", 8) == 0)
			return true;
		tools += n;
		len -= n;
		if (len > 0) {
			tools++;
			len--;
		}
	}
	return false;
}

/* One suppression after its "{".  *sp is zeroed by the caller; on success
 * *keep says whether it is for memcheck. */
static int parse_one(struct parser *ps, struct supp *sp, bool *keep)
{
	const char *l;
	int rc;

	*keep = false;
	if (!(l = next_line(ps)))
		return perr(ps, "unexpected end of file, expected a suppression name");
	if (strcmp(l, "}") == 0)
		return perr(ps, "unexpected '}', expected a suppression name");
	sp->line = ps->lineno; /* memcheck names a suppression by its name's line */
	if (needs_escape(l)) { /* names are printed (-s, XML): never raw bytes */
		size_t len = 4 * sizeof ps->line + 1;
		if ((sp->name = malloc(len)))
			escape_into(sp->name, len, l);
	} else {
		sp->name = strdup(l);
	}
	if (!sp->name)
		return -ENOMEM;

	if (!(l = next_line(ps)))
		return perr(ps, "unexpected end of file, expected 'Tool:Kind'");
	const char *colon = strchr(l, ':');
	if (!colon || colon == l || colon[1] == '\0' || strchr(l, ' '))
		return perr(ps, "expected 'Tool:Kind', found '%s'", l);
	if (!for_memcheck(l, (size_t)(colon - l))) {
		/* another tool's suppression: skip its body unread */
		while ((l = next_line(ps)) && strcmp(l, "}") != 0)
			;
		if (!l)
			return perr(ps, "unexpected end of file, expected '}'");
		return 0;
	}
	/* ps->line is reused by next_line(): keep the kind */
	char kind[64];
	bool known;
	snprintf(kind, sizeof kind, "%s", colon + 1);
	sp->kind = kind_of(kind, &known);
	if (!known)
		return perr(ps, "unknown Memcheck suppression kind '%s'", kind);
	sp->leak_kinds = ALL_LEAK_KINDS;

	bool first = true;
	while ((l = next_line(ps))) {
		if (strcmp(l, "}") == 0) {
			if (sp->nlocs == 0)
				return perr(ps, "suppression '%s' has no frames", sp->name);
			*keep = true;
			return 0;
		}
		if (first && strcmp(kind, "Param") == 0) {
			/* Param's mandatory extra line names the parameter */
			first = false;
			continue;
		}
		if (first && sp->kind == SK_LEAK && strncmp(l, "match-leak-kinds:", 17) == 0) {
			const char *set = l + 17;
			while (*set == ' ' || *set == '\t')
				set++;
			if (parse_leak_kinds(set, &sp->leak_kinds) < 0)
				return perr(ps,
					    "bad leak kinds in '%s' (want definite, indirect, "
					    "possible, reachable, all or none)",
					    l);
			first = false;
			continue;
		}
		first = false;
		if ((rc = parse_loc(ps, sp)) < 0)
			return rc;
	}
	return perr(ps, "unexpected end of file, expected '}'");
}

static const char *intern_file(struct suppress *s, const char *fname)
{
	for (size_t i = 0; i < s->nfiles; i++)
		if (strcmp(s->files[i], fname) == 0)
			return s->files[i];
	char **nf = realloc(s->files, (s->nfiles + 1) * sizeof *nf);
	if (!nf)
		return NULL;
	s->files = nf;
	if (!(nf[s->nfiles] = strdup(fname)))
		return NULL;
	return nf[s->nfiles++];
}

int suppress_load_buffer(struct suppress *s, const char *fname, const char *text, size_t len,
			 char *err, size_t errlen)
{
	struct parser ps = {
		.fname = fname, .p = text, .end = text + len, .err = err, .errlen = errlen
	};
	const char *file = intern_file(s, fname);
	const char *l;

	if (!file)
		return -ENOMEM;
	while ((l = next_line(&ps))) {
		struct supp sp = { 0 };
		bool keep;
		int rc;

		if (strcmp(l, "{") != 0)
			return perr(&ps, "expected '{', found '%s'", l);
		sp.file = file;
		sp.line = ps.lineno;
		rc = parse_one(&ps, &sp, &keep);
		if (rc == -ENOMEM && err && errlen)
			snprintf(err, errlen, "%s: %s", fname, strerror(ENOMEM));
		if (rc < 0 || !keep) {
			supp_clear(&sp);
			if (rc < 0)
				return rc;
			continue;
		}
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 16;
			struct supp *nv = realloc(s->v, cap * sizeof *nv);
			if (!nv) {
				supp_clear(&sp);
				return -ENOMEM;
			}
			s->v = nv;
			s->cap = cap;
		}
		s->v[s->n++] = sp;
	}
	return 0;
}

int suppress_load_file(struct suppress *s, const char *path, char *err, size_t errlen)
{
	/* O_NONBLOCK: a FIFO is refused below instead of hanging the open */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int rc;

	if (fd < 0)
		goto io_error;
	if (fstat(fd, &st))
		goto io_error;
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) {
		close(fd); /* /dev/null: no suppressions, as valgrind reads it */
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		if (err && errlen)
			snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	/* the size is read as it is now, and never more than the cap: a file
	 * that grows while being read cannot make this loop run away */
	if (st.st_size > SUPPRESS_MAX_FILE) {
		if (err && errlen)
			snprintf(err, errlen, "%s: larger than %d MiB, not a suppression file",
				 path, SUPPRESS_MAX_FILE >> 20);
		close(fd);
		return -EFBIG;
	}
	size_t want = (size_t)st.st_size;
	if (!(buf = malloc(want + 1))) {
		errno = ENOMEM;
		goto io_error;
	}
	while (len < want) {
		ssize_t got = read(fd, buf + len, want - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto io_error;
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	rc = suppress_load_buffer(s, path, buf, len, err, errlen);
	free(buf);
	return rc;

io_error:
	rc = -errno;
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/* ---- matching ---- */

/* Glob match with '*' (any run), '?' (any one char) and '\' quoting the
 * next character.  Iterative: on a mismatch, retry from the last '*' with
 * one more character swallowed, which is linear for one star and never
 * exponential. */
static bool glob_match(const char *pat, const char *str)
{
	const char *star = NULL, *resume = NULL;

	while (*str) {
		if (*pat == '*') {
			star = ++pat;
			resume = str;
			continue;
		}
		if (*pat == '?' || (*pat == '\\' && pat[1] && pat[1] == *str) ||
		    (*pat != '\\' && *pat && *pat == *str)) {
			pat += *pat == '\\' ? 2 : 1;
			str++;
			continue;
		}
		if (!star)
			return false;
		pat = star;
		str = ++resume;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

static const char *or_unknown(const char *s)
{
	return s ? s : "???";
}

static bool loc_matches(const struct loc *l, const struct frame_info *f)
{
	switch (l->type) {
	case LOC_FUN:
		return glob_match(l->patt, or_unknown(f->mangled ? f->mangled : f->fn));
	case LOC_OBJ:
		return glob_match(l->patt, or_unknown(f->obj));
	case LOC_SRC:
		return glob_match(l->patt, or_unknown(f->file)) &&
		       (l->line == 0 || l->line == f->line);
	case LOC_DOTS:
		return true;
	}
	return false;
}

static bool locs_match(const struct loc *l, unsigned nl, const struct frame_info *f, unsigned nf)
{
	while (nl > 0) {
		if (l->type == LOC_DOTS) {
			while (nl > 0 && l->type == LOC_DOTS) {
				l++;
				nl--;
			}
			if (nl == 0)
				return true;
			for (unsigned skip = 0; skip <= nf; skip++)
				if (locs_match(l, nl, f + skip, nf - skip))
					return true;
			return false;
		}
		if (nf == 0 || !loc_matches(l, f))
			return false;
		l++, nl--, f++, nf--;
	}
	return true;
}

int suppress_find_leak(const struct suppress *s, enum leak_kind k, const struct frame_info *frames,
		       unsigned n)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct supp *sp = &s->v[i];
		if (sp->kind == SK_LEAK && (sp->leak_kinds & (1u << k)) &&
		    locs_match(sp->locs, sp->nlocs, frames, n))
			return (int)i;
	}
	return -1;
}

int suppress_find_error(const struct suppress *s, enum mem_error_kind k,
			const struct frame_info *frames, unsigned n)
{
	if (k != ERR_INVALID_FREE && k != ERR_MISMATCHED_FREE)
		return -1;
	for (size_t i = 0; i < s->n; i++) {
		const struct supp *sp = &s->v[i];
		if (sp->kind == SK_FREE && locs_match(sp->locs, sp->nlocs, frames, n))
			return (int)i;
	}
	return -1;
}

const char *suppress_name(const struct suppress *s, int idx)
{
	if (idx < 0 || (size_t)idx >= s->n)
		return NULL;
	return s->v[idx].name;
}

void suppress_add_use(struct suppress *s, int idx, unsigned count, uint64_t bytes, uint64_t blocks)
{
	if (idx < 0 || (size_t)idx >= s->n)
		return;
	s->v[idx].count += count;
	s->v[idx].bytes += bytes;
	s->v[idx].blocks += blocks;
}

const char *suppress_match_leak(struct suppress *s, enum leak_kind k,
				const struct frame_info *frames, unsigned n, uint64_t bytes,
				uint64_t blocks)
{
	int i = suppress_find_leak(s, k, frames, n);

	suppress_add_use(s, i, 1, bytes, blocks);
	return suppress_name(s, i);
}

const char *suppress_match_error(struct suppress *s, enum mem_error_kind k,
				 const struct frame_info *frames, unsigned n)
{
	int i = suppress_find_error(s, k, frames, n);

	suppress_add_use(s, i, 1, 0, 0);
	return suppress_name(s, i);
}

long suppress_used(const struct suppress *s, struct suppression_use **out)
{
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < s->n; i++)
		n += s->v[i].count > 0;
	if (n == 0)
		return 0;
	if (!(*out = calloc(n, sizeof **out)))
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct supp *sp = &s->v[i];
		if (sp->count == 0)
			continue;
		(*out)[n++] = (struct suppression_use){
			.name = sp->name,
			.count = sp->count,
			.file = sp->file,
			.line = sp->line,
			.leak = sp->kind == SK_LEAK,
			.bytes = sp->bytes,
			.blocks = sp->blocks,
		};
	}
	return (long)n;
}

/* ---- generation ---- */

void suppress_head_leak(enum leak_kind k, struct supp_head *h)
{
	snprintf(h->skind, sizeof h->skind, "Memcheck:Leak");
	snprintf(h->skaux, sizeof h->skaux, "match-leak-kinds: %s", util_leak_kind_supp(k));
}

void suppress_head_error(enum mem_error_kind k, struct supp_head *h)
{
	snprintf(h->skind, sizeof h->skind, "Memcheck:%s", util_mem_error_supp_kind(k));
	h->skaux[0] = '\0';
}

void suppress_gen_frame(const struct frame_info *f, const char **type, const char **name)
{
	const char *fn = f->mangled ? f->mangled : f->fn;

	if (fn) {
		*type = "fun";
		*name = fn;
	} else {
		*type = "obj";
		*name = f->obj ? f->obj : "*";
	}
}

void suppress_gen_write(FILE *out, const struct supp_head *h, const struct frame_info *frames,
			unsigned n)
{
	fputs("{\n   <insert_a_suppression_name_here>\n", out);
	fprintf(out, "   %s\n", h->skind);
	if (h->skaux[0])
		fprintf(out, "   %s\n", h->skaux);
	for (unsigned i = 0; i < n; i++) {
		const char *type, *name;
		suppress_gen_frame(&frames[i], &type, &name);
		fprintf(out, "   %s:%s\n", type, name);
	}
	fputs("}\n", out);
}
