/* symbols: the target's modules through libdwfl.
 *
 * libdwfl does the hard parts: it maps /proc/PID/maps to ELF files, finds
 * separate debug files (/usr/lib/debug/.build-id), reads DWARF line tables
 * and CFI.  This module adds what a leak checker needs on top: symbol
 * lookup in the dynamic linker's binding order (so a program that brings its
 * own malloc is traced through it), and a cache of pc -> frame descriptions,
 * because reports describe the same few thousand pcs over and over.
 * Demangling uses libstdc++'s __cxa_demangle, as elfutils' own tools do. */
#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leaktrace/symbols.h"

char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

struct desc_entry {
	uint64_t ip;
	struct frame_info fi;
	bool used;
};

struct symbols {
	pid_t pid;
	const struct target_mem *tm;
	Dwfl *dwfl;
	Dwfl_Callbacks cb;
	char *debuginfo_path;

	struct desc_entry *cache;	/* open addressing on ip */
	size_t cache_cap, cache_n;

	uint64_t *entries;		/* function entries that start stacks */
	size_t nentries, entries_cap;
};

void symbols_mark_entry(struct symbols *s, uint64_t pc)
{
	for (size_t i = 0; i < s->nentries; i++)
		if (s->entries[i] == pc)
			return;
	if (s->nentries == s->entries_cap) {
		size_t nc = s->entries_cap ? s->entries_cap * 2 : 64;
		uint64_t *nv = realloc(s->entries, nc * sizeof *nv);
		if (!nv)
			return;
		s->entries = nv;
		s->entries_cap = nc;
	}
	s->entries[s->nentries++] = pc;
}

static bool is_entry(const struct symbols *s, uint64_t pc)
{
	for (size_t i = 0; i < s->nentries; i++)
		if (s->entries[i] == pc)
			return true;
	return false;
}

struct symbols *symbols_new(pid_t pid, const struct target_mem *tm)
{
	struct symbols *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->pid = pid;
	s->tm = tm;
	s->cb.find_elf = dwfl_linux_proc_find_elf;
	s->cb.find_debuginfo = dwfl_standard_find_debuginfo;
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
	for (size_t i = 0; i < s->cache_cap; i++)
		if (s->cache[i].used)
			free_desc(&s->cache[i].fi);
	free(s->cache);
	free(s->entries);
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

int symbols_module_lookup(Dwfl_Module *mod, const char *name, uint64_t *addr, uint64_t *size)
{
	int n = dwfl_module_getsymtab(mod);

	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr value;
		const char *sn = dwfl_module_getsym_info(mod, i, &sym, &value, NULL, NULL, NULL);
		if (!sn || strcmp(sn, name))
			continue;
		if (sym.st_shndx == SHN_UNDEF)
			continue;
		int bind = GELF_ST_BIND(sym.st_info), type = GELF_ST_TYPE(sym.st_info);
		if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE)
			continue;
		if (type != STT_FUNC && type != STT_OBJECT && type != STT_GNU_IFUNC)
			continue;
		*addr = value;
		*size = sym.st_size;
		return 0;
	}
	return -ENOENT;
}

struct mod_list {
	Dwfl_Module **v;
	size_t n, max;
	Dwfl_Module *exe;
};

static int collect_module(Dwfl_Module *mod, void **ud, const char *name, Dwarf_Addr start, void *arg)
{
	struct mod_list *ml = arg;
	(void)ud;
	(void)start;

	if (name && name[0] == '[')	/* [vdso] and friends define no allocator */
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
		uint64_t f[4];	/* l_addr, l_name, l_ld, l_next */
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

/* memcheck prints the file name alone and the directory apart (XML <dir>). */
static void split_path(const char *path, const char *compdir, char **dir, char **file)
{
	const char *slash = strrchr(path, '/');

	if (slash) {
		*file = strdup(slash + 1);
		*dir = strndup(path, (size_t)(slash - path));
	} else {
		*file = strdup(path);
		*dir = xstrdup_or_null(compdir);
	}
}

static void describe_uncached(struct symbols *s, uint64_t pc, struct frame_info *fi)
{
	/* a return address: the call is the instruction before it */
	uint64_t ip = is_entry(s, pc) ? pc : pc - 1;
	Dwfl_Module *m = dwfl_addrmodule(s->dwfl, ip);

	memset(fi, 0, sizeof *fi);
	fi->ip = pc;
	if (!m)
		return;
	const char *mainfile = NULL;
	const char *modname = dwfl_module_info(m, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
	fi->obj = xstrdup_or_null(mainfile ? mainfile : modname);

	GElf_Off off;
	GElf_Sym sym;
	const char *name = dwfl_module_addrinfo(m, ip, &off, &sym, NULL, NULL, NULL);
	if (name) {
		int status = -1;
		char *dem = name[0] == '_' && name[1] == 'Z' ? __cxa_demangle(name, NULL, NULL, &status) : NULL;
		fi->mangled = strdup(name);
		fi->fn = dem && status == 0 ? dem : fi->mangled;
		if (fi->fn != dem)
			free(dem);
	}
	Dwfl_Line *line = dwfl_module_getsrc(m, ip);
	if (line) {
		int lineno = 0;
		const char *src = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
		if (src && lineno > 0) {
			const char *compdir = dwfl_line_comp_dir(line);
			char *d = NULL, *f = NULL;
			split_path(src, compdir, &d, &f);
			fi->dir = d;
			fi->file = f;
			fi->line = (unsigned)lineno;
		}
	}
}

/* Frames other than the first hold return addresses: the call is the
 * instruction before, so the name and line are those of ip - 1, while ip
 * itself is what is printed, as memcheck does.  First frames are the
 * function entries marked with symbols_mark_entry. */
int symbols_describe(void *ctx, uint64_t ip, struct frame_info *out)
{
	struct symbols *s = ctx;

	if (s->cache_n + 1 > s->cache_cap / 2) {
		size_t ncap = s->cache_cap ? s->cache_cap * 2 : 1024;
		struct desc_entry *nc = calloc(ncap, sizeof *nc);
		if (nc) {
			for (size_t i = 0; i < s->cache_cap; i++) {
				if (!s->cache[i].used)
					continue;
				size_t j = (size_t)(s->cache[i].ip * 0x9e3779b97f4a7c15ull >> 17) & (ncap - 1);
				while (nc[j].used)
					j = (j + 1) & (ncap - 1);
				nc[j] = s->cache[i];
			}
			free(s->cache);
			s->cache = nc;
			s->cache_cap = ncap;
		}
	}
	if (!s->cache_cap) {
		describe_uncached(s, ip, out);	/* leaks the strings; only on ENOMEM */
		return 0;
	}
	size_t j = (size_t)(ip * 0x9e3779b97f4a7c15ull >> 17) & (s->cache_cap - 1);
	while (s->cache[j].used && s->cache[j].ip != ip)
		j = (j + 1) & (s->cache_cap - 1);
	if (!s->cache[j].used) {
		s->cache[j].used = true;
		s->cache[j].ip = ip;
		describe_uncached(s, ip, &s->cache[j].fi);
		s->cache_n++;
	}
	*out = s->cache[j].fi;
	return 0;
}

bool symbols_is_main(struct symbols *s, uint64_t pc)
{
	Dwfl_Module *m = dwfl_addrmodule(s->dwfl, pc);
	GElf_Off off;
	GElf_Sym sym;

	if (!m)
		return false;
	const char *name = dwfl_module_addrinfo(m, pc, &off, &sym, NULL, NULL, NULL);
	return name && !strcmp(name, "main");
}
