/* symbols: the target's modules through libdwfl.
 *
 * libdwfl does the hard parts: it maps /proc/PID/maps to ELF files, finds
 * separate debug files (/usr/lib/debug/.build-id), reads DWARF line tables
 * and CFI.  This module adds what a leak checker needs on top: symbol
 * lookup in the dynamic linker's binding order (so a program that brings its
 * own malloc is traced through it), and a cache of pc -> frame descriptions,
 * because reports describe the same few thousand pcs over and over.
 * Demangling uses libstdc++'s __cxa_demangle, as elfutils' own tools do,
 * loaded with dlopen at the first C++ name a report prints: linked in,
 * libstdc++ cost every run ~0.5 ms of relocation and page faults before
 * main, most runs never print a C++ name. */
#include <dlfcn.h>
#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leaktrace/debugcache.h"
#include "leaktrace/hashslot.h"
#include "leaktrace/rangeset.h"
#include "leaktrace/symbols.h"

typedef char *(*demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

/* libstdc++'s __cxa_demangle, or NULL when it cannot be loaded (names then
 * stay mangled).  Loaded once per process and never unloaded. */
static demangle_fn cxa_demangle(void)
{
	static demangle_fn fn;
	static bool tried;

	if (!tried) {
		tried = true;
		void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
		if (h)
			*(void **)&fn = dlsym(h, "__cxa_demangle");
	}
	return fn;
}

struct entry {
	uint64_t pc;
	const char *name; /* static storage: the allocator table's */
};

#define MAX_INLINE 16

struct desc_entry {
	uint64_t ip;
	struct frame_info *fi; /* innermost inlined function first */
	unsigned n;
	bool used;
};

/* LEAKTRACE_CHECK_SYMBOLS=1: every name function_name gives is checked
 * against libdwfl's own lookup, and the count said at the end (the
 * symbol-lookup scenario runs real programs so). */
static int check_names = -1;
static unsigned long names_checked, names_differ;

struct symbols {
	pid_t pid;
	const struct target_mem *tm;
	Dwfl *dwfl;
	Dwfl_Callbacks cb;
	char *debuginfo_path;

	struct desc_entry *cache; /* open addressing on ip */
	size_t cache_cap, cache_n;

	struct entry *entries; /* function entries that start stacks */
	size_t nentries, entries_cap;
	bool show_below_main; /* --show-below-main=yes: libc's start-up named as it is */
};

/* The functions that call main, where memcheck's stacks end when no main
 * was found first (a stripped program); it names them "(below main)" unless
 * --show-below-main=yes. */
static const char *const below_main_fns[] = {
	"__libc_start_call_main",
	"__libc_start_main",
	"generic_start_main",
	NULL,
};

static bool is_below_main(const char *name)
{
	for (size_t i = 0; name && below_main_fns[i]; i++)
		if (!strcmp(name, below_main_fns[i]))
			return true;
	return false;
}

void symbols_set_show_below_main(struct symbols *s, bool show)
{
	s->show_below_main = show;
}

void symbols_mark_entry(struct symbols *s, uint64_t pc, const char *name)
{
	for (size_t i = 0; i < s->nentries; i++)
		if (s->entries[i].pc == pc)
			return;
	if (s->nentries == s->entries_cap) {
		size_t nc = s->entries_cap ? s->entries_cap * 2 : 64;
		struct entry *nv = realloc(s->entries, nc * sizeof *nv);
		if (!nv)
			return;
		s->entries = nv;
		s->entries_cap = nc;
	}
	s->entries[s->nentries++] = (struct entry){ pc, name };
	/* a description cached before this pc was known as an entry is stale */
	if (s->cache_cap) {
		size_t j = hashslot(pc, s->cache_cap);
		while (s->cache[j].used && s->cache[j].ip != pc)
			j = (j + 1) & (s->cache_cap - 1);
		if (s->cache[j].used)
			s->cache[j].ip = 0; /* unreachable key: a leak of one entry, rare */
	}
}

static const struct entry *find_entry(const struct symbols *s, uint64_t pc)
{
	for (size_t i = 0; i < s->nentries; i++)
		if (s->entries[i].pc == pc)
			return &s->entries[i];
	return NULL;
}

static int free_index(Dwfl_Module *m, void **ud, const char *name, Dwarf_Addr start, void *arg);

/* Separate debug files as dwfl_standard_find_debuginfo finds them (by build
 * id under /usr/lib/debug/.build-id, then by .gnu_debuglink next to the file,
 * in its .debug directory or under /usr/lib/debug), but debuginfod only when
 * DEBUGINFOD_URLS names a server.  elfutils 0.188's standard function loads
 * libdebuginfod, and with it libcurl, gnutls and some thirty libraries, at
 * the first module it finds no local debug file for, whether or not a
 * server is configured: ~10 ms of every run of a short program (`sort` of
 * 5,000 lines: 20 -> 10 ms).  So the standard function is called only when a
 * local debuglink file exists for it to find (or debuginfod is wanted). */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	if (urls && *urls)
		return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
						    debuglink_file, debuglink_crc,
						    debuginfo_file_name);
	const unsigned char *id;
	GElf_Addr id_vaddr;
	int id_len = dwfl_module_build_id(mod, &id, &id_vaddr);
	int fd = id_len > 0 ? debugcache_open(id, (size_t)id_len, debuginfo_file_name) : -1;
	if (fd >= 0)
		return fd;
	if (id_len > 1) {
		/* where dwfl_build_id_find_debuginfo would find it: made into a
		 * copy first, so that even this run reads it uncompressed (the
		 * libdwfl function would keep the original open itself) */
		char path[PATH_MAX], *p = path;
		p += sprintf(p, "/usr/lib/debug/.build-id/%02x/", id[0]);
		for (int i = 1; i < id_len && p < path + sizeof path - 8; i++)
			p += sprintf(p, "%02x", id[i]);
		strcpy(p, ".debug");
		if (access(path, R_OK) == 0) {
			debugcache_store(path, id, (size_t)id_len);
			fd = debugcache_open(id, (size_t)id_len, debuginfo_file_name);
			if (fd >= 0)
				return fd;
		}
	}
	fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
					  debuglink_crc, debuginfo_file_name);
	if (fd >= 0)
		return fd;
	if (!debuglink_file || !file_name || strchr(debuglink_file, '/'))
		return fd;
	const char *slash = strrchr(file_name, '/');
	int dirlen = slash ? (int)(slash - file_name) : 0;
	/* DIR/LINK, DIR/.debug/LINK, /usr/lib/debug/DIR/LINK */
	static const struct {
		const char *before, *after;
	} where[] = { { "", "/" }, { "", "/.debug/" }, { "/usr/lib/debug", "/" } };
	for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
		char path[PATH_MAX];
		int n = snprintf(path, sizeof path, "%s%.*s%s%s", where[i].before, dirlen,
				 file_name, where[i].after, debuglink_file);
		if (n > 0 && (size_t)n < sizeof path && access(path, R_OK) == 0)
			return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
							    debuglink_file, debuglink_crc,
							    debuginfo_file_name);
	}
	return -1;
}

struct symbols *symbols_new(pid_t pid, const struct target_mem *tm)
{
	struct symbols *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->pid = pid;
	s->tm = tm;
	s->cb.find_elf = dwfl_linux_proc_find_elf;
	s->cb.find_debuginfo = find_debuginfo;
	s->cb.debuginfo_path = &s->debuginfo_path;
	s->dwfl = dwfl_begin(&s->cb);
	if (!s->dwfl) {
		free(s);
		return NULL;
	}
	return s;
}

static void free_desc(struct frame_info *fi)
{
	free((char *)fi->obj);
	if (fi->mangled != fi->fn)
		free((char *)fi->mangled);
	free((char *)fi->fn);
	free((char *)fi->dir);
	free((char *)fi->file);
}

void symbols_free(struct symbols *s)
{
	if (!s)
		return;
	if (check_names > 0)
		fprintf(stderr, "leaktrace: symbol check: %lu names, %lu differ\n", names_checked,
			names_differ);
	for (size_t i = 0; i < s->cache_cap; i++)
		if (s->cache[i].used) {
			for (unsigned k = 0; k < s->cache[i].n; k++)
				free_desc(&s->cache[i].fi[k]);
			free(s->cache[i].fi);
		}
	free(s->cache);
	free(s->entries);
	dwfl_getmodules(s->dwfl, free_index, NULL, 0);
	dwfl_end(s->dwfl);
	free(s);
}

Dwfl *symbols_dwfl(struct symbols *s)
{
	return s->dwfl;
}

int symbols_refresh(struct symbols *s)
{
	dwfl_report_begin_add(s->dwfl);
	int r = dwfl_linux_proc_report(s->dwfl, s->pid);
	dwfl_report_end(s->dwfl, NULL, NULL);
	return r < 0 ? -EIO : r > 0 ? -r : 0;
}

/* A module's symbols, indexed once: by name (a hash of indexes) and by
 * address (sorted).  A lookup used to scan the whole table, and libc's,
 * from its separate debug file, has tens of thousands of entries: some 60
 * lookups at start-up and one per frame described added up to most of a
 * short program's run.  The index lives in libdwfl's user-data slot of the
 * module. */
struct symidx_ent {
	uint64_t value, size;
	const char *name;
	uint32_t ndx; /* index in the module's symbol table */
	uint8_t bind, type;
	bool defined;
};

/* Names are what start-up asks for (two dozen allocator and exit
 * functions, tcache_key), so the name hash is built at once; the address
 * order only when a report or an error first asks by address: sorting
 * libc's 10,000 symbols was half of the index's 1.6 ms, paid by every run. */
struct symidx {
	struct symidx_ent *ents;   /* in table order */
	struct symidx_ent *byaddr; /* sorted by value, then table index; NULL until asked */
	size_t n;
	uint32_t *hash; /* ents index + 1, open addressing on name */
	size_t hcap;
	struct rangeset mains;	/* where a stack ends: main and below (symbols_is_main) */
	struct rangeset belows; /* below main alone (symbols_ends_stack) */
	struct fnrange *fnr;	/* function_name's answers, sorted by lo */
	size_t nfnr, fnr_cap;
	/* sized_lookup's table: the sized symbols libdwfl's address lookup
	 * considers, by value, and the largest end among the first i + 1 */
	struct symidx_ent *sized;
	uint64_t *max_end;
	size_t nsized;
	int first_global; /* -1: not built; the table failed: 0 */
};

/* A function's range, [lo, hi), and the name function_name gave it. */
struct fnrange {
	uint64_t lo, hi;
	const char *name;
};

static uint64_t name_hash(const char *p)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	while (*p)
		h = (h ^ (uint8_t)*p++) * 1099511628211ull;
	return h;
}

static int cmp_ent(const void *a, const void *b)
{
	const struct symidx_ent *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return x->ndx < y->ndx ? -1 : x->ndx > y->ndx;
}

/* The ranges dwfl_module_addrinfo names "main": each defined function
 * symbol of that name over its size, or, sizeless, up to the next symbol
 * (as libdwfl takes the nearest sizeless symbol below an address).  Asked
 * for every frame of every loss record (trim_below_main): a libdwfl lookup
 * per frame walks the whole symbol table, 25 s of a cc1plus run. */
static void index_main_named(struct symidx *x, struct rangeset *set, const char *name)
{
	for (size_t j = (size_t)name_hash(name) & (x->hcap - 1); x->hash[j];
	     j = (j + 1) & (x->hcap - 1)) {
		const struct symidx_ent *e = &x->ents[x->hash[j] - 1];
		if (!e->defined || (e->type != STT_FUNC && e->type != STT_GNU_IFUNC) ||
		    strcmp(e->name, name))
			continue;
		uint64_t hi = e->value + e->size;
		if (!e->size) {
			hi = UINT64_MAX; /* the next symbol above, if any */
			for (size_t k = 0; k < x->n; k++)
				if (x->ents[k].value > e->value && x->ents[k].value < hi)
					hi = x->ents[k].value;
			if (hi == UINT64_MAX)
				hi = e->value + 1;
		}
		rangeset_add(set, e->value, hi);
	}
}

/* ... and where a stack ends: main, or what calls main (below_main_fns). */
static void index_mains(struct symidx *x)
{
	rangeset_init(&x->mains);
	rangeset_init(&x->belows);
	index_main_named(x, &x->mains, "main");
	for (size_t i = 0; below_main_fns[i]; i++) {
		index_main_named(x, &x->mains, below_main_fns[i]);
		index_main_named(x, &x->belows, below_main_fns[i]);
	}
	rangeset_prepare(&x->mains);
	rangeset_prepare(&x->belows);
}

/* The entries in address order (sorted at the first call), or NULL. */
static const struct symidx_ent *by_address(struct symidx *x)
{
	if (!x->byaddr && x->n) {
		x->byaddr = malloc(x->n * sizeof *x->byaddr);
		if (!x->byaddr)
			return NULL;
		memcpy(x->byaddr, x->ents, x->n * sizeof *x->byaddr);
		qsort(x->byaddr, x->n, sizeof *x->byaddr, cmp_ent);
	}
	return x->byaddr;
}

static struct symidx *module_index(Dwfl_Module *m)
{
	void **ud = NULL;

	dwfl_module_info(m, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
	if (!ud)
		return NULL;
	struct symidx *x = *ud;
	if (x)
		return x;
	x = calloc(1, sizeof *x);
	if (x)
		x->first_global = -1;
	int n = dwfl_module_getsymtab(m);
	if (!x)
		return NULL;
	x->ents = calloc(n > 0 ? (size_t)n : 1, sizeof *x->ents);
	if (!x->ents) {
		free(x);
		return NULL;
	}
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr value;
		const char *name = dwfl_module_getsym_info(m, i, &sym, &value, NULL, NULL, NULL);
		if (!name || !*name)
			continue;
		x->ents[x->n++] = (struct symidx_ent){ value,
						       sym.st_size,
						       name,
						       (uint32_t)i,
						       (uint8_t)GELF_ST_BIND(sym.st_info),
						       (uint8_t)GELF_ST_TYPE(sym.st_info),
						       sym.st_shndx != SHN_UNDEF };
	}
	x->hcap = 16;
	while (x->hcap < x->n * 2)
		x->hcap *= 2;
	x->hash = calloc(x->hcap, sizeof *x->hash);
	if (!x->hash) {
		free(x->ents);
		free(x);
		return NULL;
	}
	for (size_t i = 0; i < x->n; i++) {
		size_t j = (size_t)name_hash(x->ents[i].name) & (x->hcap - 1);
		while (x->hash[j])
			j = (j + 1) & (x->hcap - 1);
		x->hash[j] = (uint32_t)(i + 1);
	}
	index_mains(x);
	*ud = x;
	return x;
}

static int free_index(Dwfl_Module *m, void **ud, const char *name, Dwarf_Addr start, void *arg)
{
	struct symidx *x = *ud;
	(void)m;
	(void)name;
	(void)start;
	(void)arg;
	if (x) {
		free(x->ents);
		free(x->byaddr);
		free(x->hash);
		free(x->fnr);
		free(x->sized);
		free(x->max_end);
		rangeset_clear(&x->mains);
		rangeset_clear(&x->belows);
		free(x);
		*ud = NULL;
	}
	return DWARF_CB_OK;
}

typedef bool (*sym_pred)(const struct symidx_ent *e);

/* The symbol named name satisfying ok that comes first in the table. */
static const struct symidx_ent *find_named(Dwfl_Module *m, const char *name, sym_pred ok)
{
	struct symidx *x = module_index(m);
	const struct symidx_ent *best = NULL;

	if (!x)
		return NULL;
	for (size_t j = (size_t)name_hash(name) & (x->hcap - 1); x->hash[j];
	     j = (j + 1) & (x->hcap - 1)) {
		const struct symidx_ent *e = &x->ents[x->hash[j] - 1];
		if (!strcmp(e->name, name) && ok(e) && (!best || e->ndx < best->ndx))
			best = e;
	}
	return best;
}

/* The first of n entries sorted by value whose value is >= value (n if
 * none). */
static size_t ents_lower_bound(const struct symidx_ent *v, size_t n, uint64_t value)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].value < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The same in by_address(x), which must not be NULL. */
static size_t lower_bound(const struct symidx *x, uint64_t value)
{
	return ents_lower_bound(x->byaddr, x->n, value);
}

static bool is_exported_def(const struct symidx_ent *e)
{
	return e->defined &&
	       (e->bind == STB_GLOBAL || e->bind == STB_WEAK || e->bind == STB_GNU_UNIQUE) &&
	       (e->type == STT_FUNC || e->type == STT_OBJECT || e->type == STT_GNU_IFUNC);
}

static bool is_def(const struct symidx_ent *e)
{
	return e->defined;
}

int symbols_module_lookup(Dwfl_Module *mod, const char *name, uint64_t *addr, uint64_t *size)
{
	const struct symidx_ent *e = find_named(mod, name, is_exported_def);

	if (!e)
		return -ENOENT;
	*addr = e->value;
	*size = e->size;
	return 0;
}

struct mod_list {
	Dwfl_Module **v;
	size_t n, max;
	Dwfl_Module *exe;
};

static int collect_module(Dwfl_Module *mod, void **ud, const char *name, Dwarf_Addr start,
			  void *arg)
{
	struct mod_list *ml = arg;
	(void)ud;
	(void)start;

	if (name && name[0] == '[') /* [vdso] and friends define no allocator */
		return DWARF_CB_OK;
	if (ml->n < ml->max)
		ml->v[ml->n++] = mod;
	return DWARF_CB_OK;
}

/* r_debug's link map gives the real search order; reading it needs
 * _r_debug from the dynamic linker. */
static size_t link_map_order(struct symbols *s, Dwfl_Module **all, size_t nall, Dwfl_Module **out,
			     size_t max)
{
	uint64_t rdebug = 0, sz;
	size_t n = 0;

	for (size_t i = 0; i < nall && !rdebug; i++)
		if (symbols_module_lookup(all[i], "_r_debug", &rdebug, &sz))
			rdebug = 0;
	if (!rdebug)
		return 0;
	uint64_t lm = 0;
	if (target_read(s->tm, rdebug + 8, &lm, 8) != 8)
		return 0;
	for (int guard = 0; lm && guard < 4096 && n < max; guard++) {
		uint64_t f[4]; /* l_addr, l_name, l_ld, l_next */
		if (target_read(s->tm, lm, f, sizeof f) != sizeof f)
			break;
		Dwfl_Module *m = f[2] ? dwfl_addrmodule(s->dwfl, f[2]) : NULL;
		bool dup = false;
		for (size_t j = 0; j < n; j++)
			dup |= out[j] == m;
		if (m && !dup)
			out[n++] = m;
		lm = f[3];
	}
	/* modules the link map does not name (none normally) go last */
	for (size_t i = 0; i < nall && n < max; i++) {
		bool seen = false;
		for (size_t j = 0; j < n; j++)
			seen |= out[j] == all[i];
		if (!seen)
			out[n++] = all[i];
	}
	return n;
}

size_t symbols_modules(struct symbols *s, Dwfl_Module **out, size_t max)
{
	Dwfl_Module *all[1024];
	struct mod_list ml = { all, 0, 1024, NULL };

	dwfl_getmodules(s->dwfl, collect_module, &ml, 0);
	size_t n = link_map_order(s, all, ml.n, out, max);
	if (n)
		return n;
	/* before the link map exists: the executable (lowest AT_ENTRY-holding
	 * module is not known here, so: the one whose file is /proc/PID/exe) */
	char exe[4096], fn[64];
	snprintf(fn, sizeof fn, "/proc/%d/exe", (int)s->pid);
	ssize_t l = readlink(fn, exe, sizeof exe - 1);
	exe[l > 0 ? l : 0] = '\0';
	for (size_t i = 0; i < ml.n; i++) {
		const char *mainfile = NULL;
		dwfl_module_info(all[i], NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
		if (mainfile && !strcmp(mainfile, exe) && n < max)
			out[n++] = all[i];
	}
	for (size_t i = 0; i < ml.n && n < max; i++)
		if (n == 0 || out[0] != all[i])
			out[n++] = all[i];
	return n;
}

int symbols_bind(struct symbols *s, const char *name, uint64_t *addr, uint64_t *size,
		 Dwfl_Module **mod)
{
	Dwfl_Module *order[1024];
	size_t n = symbols_modules(s, order, 1024);

	for (size_t i = 0; i < n; i++) {
		if (!symbols_module_lookup(order[i], name, addr, size)) {
			if (mod)
				*mod = order[i];
			return 0;
		}
	}
	return -ENOENT;
}

bool symbols_module_of(struct symbols *s, uint64_t addr, uint64_t *low, uint64_t *high,
		       const char **path)
{
	Dwfl_Module *m = dwfl_addrmodule(s->dwfl, addr);
	Dwarf_Addr lo, hi;

	if (!m)
		return false;
	const char *name = dwfl_module_info(m, NULL, &lo, &hi, NULL, NULL, path, NULL);
	if (path && !*path)
		*path = name;
	*low = lo;
	*high = hi;
	return true;
}

static char *xstrdup_or_null(const char *p)
{
	return p ? strdup(p) : NULL;
}

/* memcheck prints the file name alone and the directory apart (XML <dir>);
 * a relative name is relative to the compilation directory. */
static void split_path(const char *path, const char *compdir, char **dir, char **file)
{
	const char *slash = strrchr(path, '/');

	*file = strdup(slash ? slash + 1 : path);
	if (path[0] == '/' || !compdir) {
		*dir = slash ? strndup(path, (size_t)(slash - path)) : xstrdup_or_null(compdir);
		return;
	}
	if (!slash) {
		*dir = strdup(compdir);
		return;
	}
	if (asprintf(dir, "%s/%.*s", compdir, (int)(slash - path), path) < 0)
		*dir = NULL;
}

/* valgrind's choice among aliases of one address range: the shortest name
 * not counting a version suffix, on equal length the versioned one, then
 * the alphabetically first.  So glibc's strdup is "strdup", not
 * "__strdup", as in memcheck's reports and suppression files. */
static bool prefer_name(const char *a, const char *b)
{
	const char *va = strchr(a, '@'), *vb = strchr(b, '@');
	size_t la = va ? (size_t)(va - a) : strlen(a), lb = vb ? (size_t)(vb - b) : strlen(b);

	if (la != lb)
		return la < lb;
	if (!va != !vb)
		return va != NULL;
	return strcmp(a, b) < 0;
}

/* valgrind's name for the function libdwfl named best: its preferred alias
 * among the function symbols of the same start and size. */
static const char *alias_name(const struct symidx *x, uint64_t start, uint64_t size,
			      const char *best)
{
	for (size_t i = lower_bound(x, start); i < x->n && x->byaddr[i].value == start; i++) {
		const struct symidx_ent *e = &x->byaddr[i];
		if (e->size == size && (e->type == STT_FUNC || e->type == STT_GNU_IFUNC) &&
		    prefer_name(e->name, best))
			best = e->name;
	}
	return best;
}

/* The remembered range holding ip, or NULL. */
static const struct fnrange *fnrange_find(const struct symidx *x, uint64_t ip)
{
	size_t lo = 0, hi = x->nfnr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->fnr[mid].lo <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && ip < x->fnr[lo - 1].hi ? &x->fnr[lo - 1] : NULL;
}

/* Remembers a function's range and name, unless another symbol starts
 * inside it: then an address further in may be named after that one, and
 * each is asked of libdwfl. */
static void fnrange_add(struct symidx *x, uint64_t lo, uint64_t hi, const char *name)
{
	size_t i = lower_bound(x, lo + 1);

	if (i < x->n && x->byaddr[i].value < hi)
		return;
	if (x->nfnr == x->fnr_cap) {
		size_t ncap = x->fnr_cap ? 2 * x->fnr_cap : 64;
		struct fnrange *nv = realloc(x->fnr, ncap * sizeof *nv);
		if (!nv)
			return;
		x->fnr = nv;
		x->fnr_cap = ncap;
	}
	size_t at = x->nfnr;
	while (at > 0 && x->fnr[at - 1].lo > lo)
		at--;
	memmove(&x->fnr[at + 1], &x->fnr[at], (x->nfnr - at) * sizeof *x->fnr);
	x->fnr[at] = (struct fnrange){ lo, hi, name };
	x->nfnr++;
}

static int bind_rank(const struct symidx_ent *e)
{
	switch (e->bind) {
	case STB_GLOBAL:
		return 3;
	case STB_WEAK:
		return 2;
	case STB_LOCAL:
		return 1;
	default:
		return 0;
	}
}

/* libdwfl's preference between the symbol it holds and the next one in
 * table order, both sized and holding the address (dwfl_module_addrsym.c's
 * search_table): the nearer start, else the better binding, else at one
 * start the smaller size unless its binding is worse. */
static bool sized_better(const struct symidx_ent *held, const struct symidx_ent *e)
{
	if (!held || held->value < e->value || bind_rank(held) < bind_rank(e))
		return true;
	return held->value == e->value &&
	       ((held->size > e->size && bind_rank(held) <= bind_rank(e)) ||
		(held->size >= e->size && bind_rank(held) < bind_rank(e)));
}

static int cmp_ndx(const void *a, const void *b)
{
	const struct symidx_ent *const *x = a, *const *y = b;

	return (*x)->ndx < (*y)->ndx ? -1 : (*x)->ndx > (*y)->ndx;
}

/* A symbol libdwfl's address lookup considers. */
static bool qualifies(const struct symidx_ent *e)
{
	return e->defined && e->type != STT_SECTION && e->type != STT_FILE && e->type != STT_TLS;
}

static bool build_sized(Dwfl_Module *m, struct symidx *x)
{
	x->first_global = 0;
	x->sized = malloc((x->n ? x->n : 1) * sizeof *x->sized);
	x->max_end = malloc((x->n ? x->n : 1) * sizeof *x->max_end);
	if (!x->sized || !x->max_end || !by_address(x))
		return false;
	for (size_t i = 0; i < x->n; i++) {
		const struct symidx_ent *e = &x->byaddr[i];
		if (e->size && qualifies(e))
			x->sized[x->nsized++] = *e;
	}
	uint64_t end = 0;
	for (size_t i = 0; i < x->nsized; i++) {
		uint64_t e = x->sized[i].value + x->sized[i].size;
		end = e > end ? e : end;
		x->max_end[i] = end;
	}
	int fg = dwfl_module_getsymtab_first_global(m);
	x->first_global = fg > 0 ? fg : 1;
	return true;
}

/* No name at ip (sized_lookup's answer when libdwfl would give none). */
static const struct symidx_ent no_name;

/* What dwfl_module_addrinfo answers at ip when a sized symbol holds it, from
 * the index instead of a walk over the whole symbol table: the globals in
 * table order, then, if none holds ip and no sizeless global starts at ip,
 * the locals; &no_name when none holds ip and no sizeless symbol (which
 * libdwfl takes only above every sized one below ip) lies in between.
 * NULL where libdwfl must be asked (such a sizeless symbol, or more
 * overlapping symbols than looked at). */
static const struct symidx_ent *sized_lookup(Dwfl_Module *m, struct symidx *x, uint64_t ip)
{
	const struct symidx_ent *cand[64], *held = NULL;
	size_t nc = 0;

	if (x->first_global < 0 && !build_sized(m, x))
		return NULL;
	if (!x->first_global)
		return NULL;
	/* the sized symbols starting at or below ip: [0, lo) */
	size_t lo = ents_lower_bound(x->sized, x->nsized, ip + 1);
	for (size_t j = lo; j-- > 0 && x->max_end[j] > ip;) {
		if (ip - x->sized[j].value >= x->sized[j].size)
			continue;
		if (nc == sizeof cand / sizeof cand[0])
			return NULL;
		cand[nc++] = &x->sized[j];
	}
	qsort(cand, nc, sizeof *cand, cmp_ndx);
	for (size_t k = 0; k < nc; k++)
		if ((int)cand[k]->ndx >= x->first_global && sized_better(held, cand[k]))
			held = cand[k];
	if (held)
		return held;
	for (size_t i = lower_bound(x, ip); i < x->n && x->byaddr[i].value == ip; i++) {
		const struct symidx_ent *e = &x->byaddr[i];
		if (!e->size && (int)e->ndx >= x->first_global && qualifies(e))
			return NULL; /* a global label at ip: libdwfl's own rules */
	}
	for (size_t k = 0; k < nc; k++)
		if ((int)cand[k]->ndx < x->first_global && sized_better(held, cand[k]))
			held = cand[k];
	if (held || nc)
		return held;
	uint64_t below = lo ? x->max_end[lo - 1] : 0;
	for (size_t i = lower_bound(x, ip + 1); i-- > 0 && x->byaddr[i].value >= below;)
		if (!x->byaddr[i].size && qualifies(&x->byaddr[i]))
			return NULL;
	return &no_name;
}

/* libdwfl names nothing at ip (a stripped static function): neither does it
 * anywhere in the gap around ip where no symbol starts and none below
 * reaches, within ip's section, which is remembered with no name. */
static void unnamed_gap(Dwfl_Module *m, struct symidx *x, uint64_t ip)
{
	Dwarf_Addr rel = ip, bias;
	Elf_Scn *scn = dwfl_module_address_section(m, &rel, &bias);
	GElf_Shdr mem, *sh = scn ? gelf_getshdr(scn, &mem) : NULL;

	if (!sh || ip < rel)
		return;
	uint64_t sec_lo = ip - rel, sec_hi = sec_lo + sh->sh_size, lo = sec_lo, hi = sec_hi;
	size_t i = lower_bound(x, ip + 1);
	if (i < x->n && x->byaddr[i].value < hi)
		hi = x->byaddr[i].value;
	for (size_t k = 0; k < i; k++) {
		const struct symidx_ent *e = &x->byaddr[k];
		uint64_t end = e->value + (e->size ? e->size : 1);
		if (end > lo)
			lo = end;
	}
	if (lo <= ip && ip < hi)
		fnrange_add(x, lo, hi, NULL);
}

/* The function at ip as memcheck names it: function_name_ref's answer
 * without its cost.  libdwfl's lookup walks the whole symbol table, and
 * every frame of every reported stack asks (with cc1plus's complete
 * stacks, half of a run's time): a sized symbol is found in the index
 * (sized_lookup), and each answer is kept for the rest of the function's
 * range, or of the gap without a name. */
static const char *function_name_fast(Dwfl_Module *m, uint64_t ip)
{
	GElf_Off off;
	GElf_Sym sym;
	struct symidx *x = module_index(m);
	const struct fnrange *known = x && by_address(x) ? fnrange_find(x, ip) : NULL;

	if (known)
		return known->name; /* NULL too: unnamed_gap */
	const struct symidx_ent *se = x && by_address(x) ? sized_lookup(m, x, ip) : NULL;
	const char *best;
	if (se == &no_name) {
		best = NULL;
	} else if (se) {
		best = se->name;
		off = ip - se->value;
		sym.st_size = se->size;
	} else {
		best = dwfl_module_addrinfo(m, ip, &off, &sym, NULL, NULL, NULL);
	}
	if (!best && x && by_address(x))
		unnamed_gap(m, x, ip);
	if (!best || !x || !by_address(x))
		return best;
	uint64_t start = ip - off;
	best = alias_name(x, start, sym.st_size, best);
	if (sym.st_size && off < sym.st_size)
		fnrange_add(x, start, start + sym.st_size, best);
	return best;
}

/* The same by libdwfl's lookup alone, which walks the whole symbol table. */
static const char *function_name_ref(Dwfl_Module *m, uint64_t ip)
{
	GElf_Off off;
	GElf_Sym sym;
	const char *best = dwfl_module_addrinfo(m, ip, &off, &sym, NULL, NULL, NULL);
	struct symidx *x = module_index(m);
	if (!best || !x || !by_address(x))
		return best;
	uint64_t start = ip - off;
	best = alias_name(x, start, sym.st_size, best);
	return best;
}

static const char *function_name(Dwfl_Module *m, uint64_t ip)
{
	const char *a = function_name_fast(m, ip);

	if (check_names < 0) {
		const char *e = getenv("LEAKTRACE_CHECK_SYMBOLS");
		check_names = e && *e == '1';
	}
	if (check_names) {
		const char *b = function_name_ref(m, ip);
		names_checked++;
		if (a != b && (!a || !b || strcmp(a, b))) {
			names_differ++;
			fprintf(stderr,
				"leaktrace: symbol check: %#" PRIx64 " is %s, libdwfl says %s\n",
				ip, a ? a : "(none)", b ? b : "(none)");
		}
	}
	return a;
}

static void set_name(struct frame_info *fi, const char *name)
{
	int status = -1;
	demangle_fn dm = name[0] == '_' && name[1] == 'Z' ? cxa_demangle() : NULL;
	char *dem = dm ? dm(name, NULL, NULL, &status) : NULL;

	fi->mangled = strdup(name);
	fi->fn = dem && status == 0 ? dem : fi->mangled;
	if (fi->fn != dem)
		free(dem);
}

static void set_source(struct frame_info *fi, const char *path, int line, const char *compdir)
{
	char *d = NULL, *f = NULL;

	if (!path || line <= 0)
		return;
	split_path(path, compdir, &d, &f);
	fi->dir = d;
	fi->file = f;
	fi->line = (unsigned)line;
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name = NULL;

	/* DW_AT_name, as valgrind's inline reader uses: glibc's linkage
	 * names are internal aliases (__GI__IO_doallocbuf) */
	if (dwarf_attr_integrate(die, DW_AT_name, &attr))
		name = dwarf_formstring(&attr);
	if (!name && (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
		      dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr)))
		name = dwarf_formstring(&attr);
	return name;
}

/* The functions inlined at ip, innermost first, each with the source line
 * it is at: the line table's for the innermost, the call site recorded in
 * DW_AT_call_file/line for each one outside it.  The last frame is the
 * real function, named from the symbol table as valgrind names it.
 * Returns the count, 0 when there is no DWARF for ip. */
static unsigned describe_inlined(Dwfl_Module *m, uint64_t ip, const char *obj,
				 struct frame_info *out, unsigned max)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(m, ip, &bias), *scopes = NULL;
	Dwfl_Line *line = dwfl_module_getsrc(m, ip);
	const char *file = NULL, *compdir = NULL;
	int lineno = 0;
	unsigned n = 0;

	if (!cu)
		return 0;
	if (line) {
		file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
		compdir = dwfl_line_comp_dir(line);
	}
	int ns = dwarf_getscopes(cu, ip - bias, &scopes);
	Dwarf_Files *files = NULL;
	size_t nfiles = 0;
	for (int i = 0; i < ns && n + 1 < max; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag != DW_TAG_inlined_subroutine)
			continue;
		const char *name = die_name(&scopes[i]);
		struct frame_info *fi = &out[n++];
		memset(fi, 0, sizeof *fi);
		fi->ip = 0;
		fi->obj = xstrdup_or_null(obj);
		if (name)
			set_name(fi, name);
		set_source(fi, file, lineno, compdir);
		/* the enclosing function is at the call site */
		Dwarf_Attribute attr;
		Dwarf_Word cf = 0, cl = 0;
		if (!files)
			dwarf_getsrcfiles(cu, &files, &nfiles);
		file = NULL;
		lineno = 0;
		if (dwarf_attr(&scopes[i], DW_AT_call_file, &attr) &&
		    !dwarf_formudata(&attr, &cf) &&
		    dwarf_attr(&scopes[i], DW_AT_call_line, &attr) &&
		    !dwarf_formudata(&attr, &cl) && files && cf < nfiles) {
			file = dwarf_filesrc(files, cf, NULL, NULL);
			lineno = (int)cl;
		}
	}
	free(scopes);
	struct frame_info *fi = &out[n++];
	memset(fi, 0, sizeof *fi);
	fi->obj = xstrdup_or_null(obj);
	const char *name = function_name(m, ip);
	if (name)
		set_name(fi, name);
	set_source(fi, file, lineno, compdir);
	return n;
}

static unsigned describe_uncached(struct symbols *s, uint64_t pc, struct frame_info *out,
				  unsigned max)
{
	/* a return address: the call is the instruction before it */
	const struct entry *e = find_entry(s, pc);
	uint64_t ip = e ? pc : pc - 1; /* entries with no name: a faulting pc */
	Dwfl_Module *m = dwfl_addrmodule(s->dwfl, ip);
	unsigned n = 0;

	memset(out, 0, sizeof *out);
	if (m) {
		const char *mainfile = NULL;
		const char *modname =
		    dwfl_module_info(m, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
		const char *obj = mainfile ? mainfile : modname;
		if (e && e->name) {
			/* An allocator entry is named by the function that was
			 * hooked (libdwfl would pick any alias, e.g.
			 * __libc_malloc) and, like memcheck's replacements, has
			 * no source line of interest. */
			out->obj = xstrdup_or_null(obj);
			set_name(out, e->name);
			n = 1;
		} else {
			n = describe_inlined(m, ip, obj, out, max);
		}
		if (!n) {
			out->obj = xstrdup_or_null(obj);
			const char *name = function_name(m, ip);
			if (name)
				set_name(out, name);
			Dwfl_Line *line = dwfl_module_getsrc(m, ip);
			if (line) {
				int lineno = 0;
				const char *src =
				    dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
				set_source(out, src, lineno, dwfl_line_comp_dir(line));
			}
			n = 1;
		}
	} else {
		n = 1;
	}
	for (unsigned i = 0; i < n; i++) {
		out[i].ip = pc;
		if (!s->show_below_main && is_below_main(out[i].fn)) {
			if (out[i].mangled != out[i].fn)
				free((char *)out[i].mangled);
			free((char *)out[i].fn);
			set_name(&out[i], "(below main)");
		}
	}
	return n;
}

static struct desc_entry *cache_slot(struct symbols *s, uint64_t ip)
{
	if (s->cache_n + 1 > s->cache_cap / 2) {
		size_t ncap = s->cache_cap ? s->cache_cap * 2 : 1024;
		struct desc_entry *nc = calloc(ncap, sizeof *nc);
		if (!nc)
			return NULL;
		for (size_t i = 0; i < s->cache_cap; i++) {
			if (!s->cache[i].used)
				continue;
			size_t j = hashslot(s->cache[i].ip, ncap);
			while (nc[j].used)
				j = (j + 1) & (ncap - 1);
			nc[j] = s->cache[i];
		}
		free(s->cache);
		s->cache = nc;
		s->cache_cap = ncap;
	}
	size_t j = hashslot(ip, s->cache_cap);
	while (s->cache[j].used && s->cache[j].ip != ip)
		j = (j + 1) & (s->cache_cap - 1);
	return &s->cache[j];
}

/* Frames other than the first hold return addresses: the call is the
 * instruction before, so the name and line are those of ip - 1, while ip
 * itself is what is printed, as memcheck does.  First frames are the
 * function entries marked with symbols_mark_entry. */
unsigned symbols_describe_all(void *ctx, uint64_t ip, struct frame_info *out, unsigned max)
{
	struct symbols *s = ctx;
	struct desc_entry *d = cache_slot(s, ip);

	if (!d || !max) {
		memset(out, 0, sizeof *out);
		out->ip = ip;
		return 1;
	}
	if (!d->used) {
		struct frame_info tmp[MAX_INLINE];
		unsigned n = describe_uncached(s, ip, tmp, MAX_INLINE);
		d->fi = malloc(n * sizeof *d->fi);
		if (!d->fi) {
			*out = tmp[n - 1];
			return 1;
		}
		memcpy(d->fi, tmp, n * sizeof *tmp);
		d->n = n;
		d->ip = ip;
		d->used = true;
		s->cache_n++;
	}
	unsigned n = d->n < max ? d->n : max;
	memcpy(out, d->fi + (d->n - n), n * sizeof *out);
	return n;
}

/* One frame per pc: the real function (the outermost of the inlined ones). */
int symbols_describe(void *ctx, uint64_t ip, struct frame_info *out)
{
	struct frame_info all[MAX_INLINE];
	unsigned n = symbols_describe_all(ctx, ip, all, MAX_INLINE);

	*out = all[n - 1];
	return 0;
}

bool symbols_is_main(struct symbols *s, uint64_t pc)
{
	Dwfl_Module *m = dwfl_addrmodule(s->dwfl, pc);
	struct symidx *x = m ? module_index(m) : NULL;

	return x && rangeset_contains(&x->mains, pc);
}

bool symbols_ends_stack(struct symbols *s, uint64_t pc)
{
	if (s->show_below_main)
		return false;
	Dwfl_Module *m = dwfl_addrmodule(s->dwfl, pc);
	struct symidx *x = m ? module_index(m) : NULL;

	return x && rangeset_contains(&x->belows, pc);
}

uint64_t symbols_function_entry(struct symbols *s, uint64_t ip)
{
	Dwfl_Module *m = dwfl_addrmodule(s->dwfl, ip);
	GElf_Off off;
	GElf_Sym sym;

	if (!m || !dwfl_module_addrinfo(m, ip, &off, &sym, NULL, NULL, NULL))
		return 0;
	return ip - off;
}

const char *symbols_data_symbol(struct symbols *s, uint64_t addr, uint64_t *start)
{
	Dwfl_Module *m = dwfl_addrmodule(s->dwfl, addr);
	struct symidx *x = m ? module_index(m) : NULL;
	const char *best = NULL;

	if (!x || !by_address(x))
		return NULL;
	/* objects starting at or below addr, nearest first */
	size_t i = lower_bound(x, addr + 1);
	for (size_t k = 0; i-- > 0 && k < 4096; k++) {
		const struct symidx_ent *e = &x->byaddr[i];
		if (e->type != STT_OBJECT)
			continue;
		if (addr < e->value + (e->size ? e->size : 1) &&
		    (!best || prefer_name(e->name, best))) {
			best = e->name;
			*start = e->value;
		}
	}
	return best;
}

int symbols_lookup_in_module_of(struct symbols *s, uint64_t near, const char *name, uint64_t *addr,
				uint64_t *size)
{
	Dwfl_Module *m = dwfl_addrmodule(s->dwfl, near);
	const struct symidx_ent *e = m ? find_named(m, name, is_def) : NULL;

	if (!e)
		return -ENOENT;
	*addr = e->value;
	*size = e->size;
	return 0;
}

bool symbols_in_local_function(struct symbols *s, uint64_t pc, uint64_t same_module_as)
{
	Dwfl_Module *m = dwfl_addrmodule(s->dwfl, pc);
	GElf_Off off;
	GElf_Sym sym;

	if (!m || m != dwfl_addrmodule(s->dwfl, same_module_as))
		return false;
	if (!dwfl_module_addrinfo(m, pc, &off, &sym, NULL, NULL, NULL))
		return false;
	if (GELF_ST_BIND(sym.st_info) != STB_LOCAL)
		return false;
	/* a local alias of an exported function is no internal function */
	uint64_t start = pc - off;
	struct symidx *x = module_index(m);
	if (x && !by_address(x))
		x = NULL;
	for (size_t i = x ? lower_bound(x, start) : 0; x && i < x->n && x->byaddr[i].value == start;
	     i++)
		if (x->byaddr[i].bind != STB_LOCAL && x->byaddr[i].type == STT_FUNC)
			return false;
	return true;
}

int symbols_find_object(struct symbols *s, const char *name, uint64_t *addr, uint64_t *size)
{
	Dwfl_Module *mods[1024];
	size_t n = symbols_modules(s, mods, 1024);

	for (size_t i = 0; i < n; i++) {
		const struct symidx_ent *e = find_named(mods[i], name, is_def);
		if (e && e->type == STT_OBJECT && e->size) {
			*addr = e->value;
			*size = e->size;
			return 0;
		}
	}
	return -ENOENT;
}

int symbols_find_section(struct symbols *s, uint64_t near, const char *name, uint64_t *addr,
			 uint64_t *size)
{
	Dwfl_Module *m = dwfl_addrmodule(s->dwfl, near);
	Dwarf_Addr bias;
	Elf *elf = m ? dwfl_module_getelf(m, &bias) : NULL;
	size_t shstrndx;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		return -ENOENT;
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr sh;
		const char *n;
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC))
			continue;
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (n && !strcmp(n, name)) {
			*addr = sh.sh_addr + bias;
			*size = sh.sh_size;
			return 0;
		}
	}
	return -ENOENT;
}
