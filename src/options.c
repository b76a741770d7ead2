/* options: leaktrace's command line.
 *
 * Options use valgrind's names and value syntax (--leak-check=full,
 * --show-leak-kinds=definite,possible, ...) so that a command line written
 * for memcheck works unchanged.  Every option is declared once, in the table
 * `opts` below: its name, the form of its value, what it sets, and its line
 * in --help.  The parser, --help, --list-options (shell completion) and the
 * check that a value is well formed all read that table, so an option cannot
 * be accepted by one and unknown to another.  An entry without a setter is
 * one of valgrind's options that steers its simulated CPU: its value is
 * checked, then it has no effect.
 *
 * Options are read from ~/.leaktracerc, $LEAKTRACE_OPTS, ./.leaktracerc (only
 * when it is a regular file of ours that nobody else can write) and argv, in
 * that order, as valgrind reads .valgrindrc and $VALGRIND_OPTS.  Parsing of
 * argv stops at the first word that is not an option: that is the program,
 * and everything after it belongs to the program.  There are no abbreviated
 * long options (getopt's prefixes would make `--track=yes` mean something). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "leaktrace/options.h"
#include "leaktrace/outfile.h"

#include "options_int.h"

/* rc files are capped: an option file is a few lines */
#define RC_MAX_BYTES (64 * 1024)

static const char usage_head[] =
    "usage: leaktrace [options] PROGRAM [ARGS...]\n"
    "       leaktrace [options] -p PID\n"
    "\n"
    "Find memory leaks in an unmodified program with ptrace; the report reads\n"
    "like valgrind memcheck's.  Options are also read from ~/.leaktracerc,\n"
    "$LEAKTRACE_OPTS and ./.leaktracerc, in that order, before the command line.\n"
    "\n";

static void print_usage(FILE *out)
{
	fputs(usage_head, out);
	for (size_t i = 0; i < options_count; i++) {
		const struct optdef *d = &options_table[i];
		char lhs[64];

		if (!d->help)
			continue;
		if (d->short_name && strlen(d->name) == 1)
			snprintf(lhs, sizeof lhs, "-%c%s%s", d->short_name, d->arg ? " " : "",
				 d->arg && d->val != V_CHOICE ? (d->val == V_NUM ? "PID" : d->arg)
							      : "");
		else
			snprintf(lhs, sizeof lhs, "%s%c%s--%s%s%s", d->short_name ? "-" : "",
				 d->short_name ? d->short_name : ' ', d->short_name ? ", " : "",
				 d->name, d->arg ? "=" : "", d->arg ? d->arg : "");
		char *l = lhs[0] == ' ' ? lhs + 1 : lhs;
		if (strlen(l) > 28)
			fprintf(out, "  %s\n  %-28s  %s\n", l, "", d->help);
		else
			fprintf(out, "  %-28s  %s\n", l, d->help);
	}
	fputs("\nAccepted as valgrind spells them, with no effect on a ptrace tracer:\n", out);
	size_t col = 0;
	for (size_t i = 0; i < options_count; i++) {
		if (options_table[i].help || options_table[i].set == options_set_help)
			continue;
		size_t w = strlen(options_table[i].name) + 3;
		if (col + w > 78) {
			fputc('\n', out);
			col = 0;
		}
		fprintf(out, " --%s", options_table[i].name);
		col += w;
	}
	fputc('\n', out);
}

int options_set_help(struct config *c, const char *val, long num)
{
	(void)c;
	(void)val;
	(void)num;
	print_usage(stdout);
	return 1;
}

int options_set_version(struct config *c, const char *val, long num)
{
	(void)c;
	(void)val;
	(void)num;
	puts("leaktrace-" LEAKTRACE_VERSION);
	return 1;
}

void options_list(FILE *out)
{
	for (size_t i = 0; i < options_count; i++) {
		if (strlen(options_table[i].name) > 1)
			fprintf(out, "--%s%s%s\n", options_table[i].name,
				options_table[i].arg ? "=" : "",
				options_table[i].val == V_CHOICE ? options_table[i].arg : "");
		if (options_table[i].short_name)
			fprintf(out, "-%c\n", options_table[i].short_name);
	}
}

int options_set_list(struct config *c, const char *val, long num)
{
	(void)c;
	(void)val;
	(void)num;
	options_list(stdout);
	return 1;
}

/* ---- parsing ------------------------------------------------------------- */

static const struct optdef *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < options_count; i++)
		if (strlen(options_table[i].name) == len &&
		    !strncmp(options_table[i].name, name, len) &&
		    (len > 1 || !options_table[i].short_name))
			return &options_table[i];
	return NULL;
}

static const struct optdef *find_short(char c)
{
	for (size_t i = 0; i < options_count; i++)
		if (options_table[i].short_name == c)
			return &options_table[i];
	return NULL;
}

/* "--name" for messages: "-p" for the one-letter ones. */
static void show_name(const struct optdef *d, char *buf, size_t len)
{
	if (d->short_name && strlen(d->name) == 1)
		snprintf(buf, len, "-%c", d->short_name);
	else
		snprintf(buf, len, "--%s", d->name);
}

static int bad_value(const struct optdef *d, const char *val)
{
	char name[64];

	show_name(d, name, sizeof name);
	switch (d->val) {
	case V_CHOICE: {
		char words[128];
		size_t o = 0;
		for (const char *p = d->arg; *p && o + 4 < sizeof words; p++) {
			if (*p == '|') {
				const char *sep = strchr(p + 1, '|') ? ", " : " or ";
				memcpy(words + o, sep, strlen(sep));
				o += strlen(sep);
			} else {
				words[o++] = *p;
			}
		}
		words[o] = '\0';
		fprintf(stderr, "leaktrace: %s takes %s, not '%s'\n", name, words, val);
		break;
	}
	case V_NUM:
		if (d->short_name == 'p')
			fprintf(stderr, "leaktrace: -p takes a process ID, not '%s'\n", val);
		else
			fprintf(stderr, "leaktrace: %s takes a number from %ld to %ld, not '%s'\n",
				name, d->lo, d->hi, val);
		break;
	case V_HEX:
		fprintf(stderr,
			"leaktrace: %s takes a hexadecimal number from 0x%lx to 0x%lx, not '%s'\n",
			name, d->lo, d->hi, val);
		break;
	case V_SECONDS:
		fprintf(stderr, "leaktrace: %s takes a positive number of seconds, not '%s'\n",
			name, val);
		break;
	default:
		fprintf(stderr, "leaktrace: %s does not take '%s'\n", name, val);
	}
	return -1;
}

/* Checks val against d's form and calls its setter: 0, 1 (stop, exit 0) or
 * -1 after a message. */
static int apply(struct config *cfg, const struct optdef *d, const char *val)
{
	long num = 0;
	char *end;

	switch (d->val) {
	case V_NONE:
		break;
	case V_CHOICE: {
		const char *p = d->arg;
		size_t vlen = strlen(val);
		for (num = 0;; num++) {
			size_t len = strcspn(p, "|");
			if (len == vlen && !strncmp(p, val, len))
				break;
			if (!p[len])
				return bad_value(d, val);
			p += len + 1;
		}
		break;
	}
	case V_NUM:
	case V_HEX:
		errno = 0;
		num = strtol(val, &end, d->val == V_HEX ? 16 : 10);
		if (errno || end == val || *end || num < d->lo || num > d->hi || val[0] == '-' ||
		    val[0] == '+' || val[0] == ' ')
			return bad_value(d, val);
		break;
	case V_SECONDS: {
		errno = 0;
		double v = strtod(val, &end);
		if (errno || end == val || *end || !(v > 0) || v > 1e9)
			return bad_value(d, val);
		break;
	}
	case V_STR:
		break;
	}
	return d->set ? d->set(cfg, val, num) : 0;
}

char *options_own(struct config *cfg, char *p)
{
	char **v;

	if (!p || !(v = realloc(cfg->owned, (cfg->nowned + 1) * sizeof *v))) {
		free(p);
		fprintf(stderr, "leaktrace: out of memory\n");
		return NULL;
	}
	cfg->owned = v;
	cfg->owned[cfg->nowned++] = p;
	return p;
}

/* One "--..." word; *next is the word after it, which a value may take (then
 * *used is set).  Returns 0, 1 or -1 as apply. */
static int parse_long(struct config *cfg, const char *word, const char *next, bool *used)
{
	const char *name = word + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const char *colon = memchr(name, ':', len);

	/* valgrind's --TOOL:option: ours, or another tool's to ignore */
	if (colon) {
		size_t tlen = (size_t)(colon - name);
		if ((tlen == 8 && !strncmp(name, "memcheck", 8)) ||
		    (tlen == 9 && !strncmp(name, "leaktrace", 9))) {
			len -= tlen + 1;
			name = colon + 1;
		} else {
			bool tool = tlen > 0;
			for (size_t i = 0; i < tlen; i++)
				tool = tool && name[i] >= 'a' && name[i] <= 'z';
			if (tool)
				return 0;
		}
	}
	const struct optdef *d = find_long(name, len);
	if (!d) {
		fprintf(stderr, "leaktrace: unknown option '%.*s' (see leaktrace --help)\n",
			(int)(name + len - word), word);
		return -1;
	}
	if (d->val == V_NONE) {
		if (eq) {
			fprintf(stderr, "leaktrace: --%s takes no value ('%s')\n", d->name, word);
			return -1;
		}
		return apply(cfg, d, "");
	}
	const char *val = eq ? eq + 1 : next;
	if (!val) {
		fprintf(stderr, "leaktrace: --%s needs a value (--%s=%s)\n", d->name, d->name,
			d->arg);
		return -1;
	}
	*used = !eq;
	/* --error-markers cuts its value in place: give it a copy */
	char *copy = d->set == options_set_error_markers ? options_own(cfg, strdup(val)) : NULL;
	if (d->set == options_set_error_markers && !copy)
		return -1;
	return apply(cfg, d, copy ? copy : val);
}

/* One "-abc" word: flags, and -p with its value in the word or the next. */
static int parse_short(struct config *cfg, const char *word, const char *next, bool *used)
{
	for (const char *p = word + 1; *p; p++) {
		const struct optdef *d = find_short(*p);
		if (!d) {
			fprintf(stderr, "leaktrace: unknown option '-%c' (see leaktrace --help)\n",
				*p);
			return -1;
		}
		if (d->val == V_NONE) {
			int r = apply(cfg, d, "");
			if (r)
				return r;
			continue;
		}
		const char *val = p[1] ? p + 1 : next;
		if (!val) {
			fprintf(stderr, "leaktrace: -%c needs a value (-%c %s)\n", *p, *p,
				d->short_name == 'p' ? "PID" : d->arg);
			return -1;
		}
		*used = !p[1];
		return apply(cfg, d, val);
	}
	return 0;
}

/* Options in words[0..n).  With `program_follows`, stops at the first word
 * that is not an option and stores its index in *stop; otherwise every word
 * must be an option.  Returns 0, 1 (exit 0) or -1. */
static int parse_words(struct config *cfg, char **words, int n, bool program_follows,
		       const char *source, int *stop)
{
	int i;

	for (i = 0; i < n; i++) {
		const char *w = words[i];
		bool used = false;
		int r;

		if (!strcmp(w, "--") && program_follows) {
			i++;
			break;
		}
		if (w[0] != '-' || !w[1]) {
			if (program_follows)
				break;
			fprintf(stderr, "leaktrace: %s: '%s' is not an option\n", source, w);
			return -1;
		}
		const char *next = program_follows && i + 1 < n ? words[i + 1] : NULL;
		r = w[1] == '-' ? parse_long(cfg, w, next, &used)
				: parse_short(cfg, w, next, &used);
		if (r)
			return r;
		if (used)
			i++;
	}
	if (stop)
		*stop = i;
	return 0;
}

char **options_split(const char *text, char **storage, size_t *n)
{
	char *copy = strdup(text);
	size_t cap = 8, k = 0;
	char **v = malloc(cap * sizeof *v);

	if (!copy || !v) {
		free(copy);
		free(v);
		return NULL;
	}
	for (char *p = copy;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		if (k + 2 > cap) {
			char **nv = realloc(v, (cap *= 2) * sizeof *v);
			if (!nv) {
				free(copy);
				free(v);
				return NULL;
			}
			v = nv;
		}
		v[k++] = p;
		p += strcspn(p, " \t\n\r");
		if (*p)
			*p++ = '\0';
	}
	v[k] = NULL;
	*storage = copy;
	*n = k;
	return v;
}

bool options_rc_trusted(const struct stat *st, uid_t uid)
{
	return S_ISREG(st->st_mode) && st->st_uid == uid && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* Reads an rc file (at most RC_MAX_BYTES; lines starting with '#' are
 * comments).  Returns its text in malloc'd memory, NULL when there is none
 * to read; *st is filled from the open file. */
static char *read_rc(const char *path, bool nofollow, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
	char *buf = NULL;
	size_t n = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, st) || !S_ISREG(st->st_mode) || !(buf = malloc(RC_MAX_BYTES + 1))) {
		close(fd);
		return NULL;
	}
	for (ssize_t r; n < RC_MAX_BYTES && (r = read(fd, buf + n, RC_MAX_BYTES - n)) > 0;)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	/* '#' comments to the end of the line */
	for (char *p = buf; (p = strchr(p, '#'));) {
		size_t len = strcspn(p, "\n");
		memset(p, ' ', len);
		p += len;
	}
	return buf;
}

static int parse_text(struct config *cfg, const char *text, const char *source)
{
	char *storage;
	size_t n;
	char **words = options_split(text, &storage, &n);

	if (!words || !options_own(cfg, storage)) {
		free(words);
		fprintf(stderr, "leaktrace: out of memory\n");
		return -1;
	}
	int r = parse_words(cfg, words, (int)n, false, source, NULL);
	free(words);
	return r;
}

/* ~/.leaktracerc, $LEAKTRACE_OPTS, ./.leaktracerc. */
static int parse_defaults(struct config *cfg)
{
	const char *home = getenv("HOME"), *env = getenv("LEAKTRACE_OPTS");
	struct stat home_st = { 0 }, here_st;
	char path[PATH_MAX];
	char *text;
	int r;

	if (home && *home && snprintf(path, sizeof path, "%s/.leaktracerc", home) < PATH_MAX &&
	    (text = read_rc(path, false, &home_st))) {
		r = options_own(cfg, text) ? parse_text(cfg, text, "~/.leaktracerc") : -1;
		if (r)
			return r;
	}
	if (env && (r = parse_text(cfg, env, "$LEAKTRACE_OPTS")))
		return r;
	if ((text = read_rc(".leaktracerc", true, &here_st))) {
		bool same = home_st.st_ino == here_st.st_ino && home_st.st_dev == here_st.st_dev;
		if (same || !options_rc_trusted(&here_st, geteuid())) {
			free(text); /* read already, or not ours to trust */
			return 0;
		}
		r = options_own(cfg, text) ? parse_text(cfg, text, "./.leaktracerc") : -1;
		if (r)
			return r;
	}
	return 0;
}

#ifndef LEAKTRACE_SUPP_DIR
#define LEAKTRACE_SUPP_DIR "/usr/local/share/leaktrace"
#endif

/* The default suppressions: next to the binary (the build tree), in
 * ../share/leaktrace from its directory (an installed tree, wherever it was
 * moved), or in the directory it was configured for.  NULL when none is a
 * regular file.  Malloc'd. */
static char *find_default_supp(void)
{
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	struct stat st;

	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(cand, sizeof cand, "%s/default.supp", exe);
			if (!stat(cand, &st) && S_ISREG(st.st_mode))
				return strdup(cand);
			snprintf(cand, sizeof cand, "%s/../share/leaktrace/default.supp", exe);
			if (!stat(cand, &st) && S_ISREG(st.st_mode))
				return strdup(cand);
		}
	}
	snprintf(cand, sizeof cand, "%s/default.supp", LEAKTRACE_SUPP_DIR);
	if (!stat(cand, &st) && S_ISREG(st.st_mode))
		return strdup(cand);
	return NULL;
}

/* --default-suppressions=yes: the file goes first, as valgrind's does. */
static int add_default_supp(struct config *cfg)
{
	char *path = find_default_supp();
	size_t n = 0;

	if (!path)
		return 0; /* not installed: nothing to suppress with */
	if (!options_own(cfg, path))
		return -1;
	while (cfg->supp_files && cfg->supp_files[n])
		n++;
	const char **v = realloc(cfg->supp_files, (n + 2) * sizeof *v);
	if (!v) {
		fprintf(stderr, "leaktrace: out of memory\n");
		return -1;
	}
	memmove(v + 1, v, n * sizeof *v);
	v[0] = path;
	v[n + 1] = NULL;
	cfg->supp_files = v;
	return 0;
}

static void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->leak_check = LEAK_CHECK_SUMMARY;
	cfg->show_kinds = 1u << LEAK_DEFINITE | 1u << LEAK_POSSIBLE;
	cfg->errors_for_kinds = 1u << LEAK_DEFINITE | 1u << LEAK_POSSIBLE;
	cfg->leak_resolution = 0;
	cfg->heuristics = HEUR_ALL;
	cfg->num_callers = 12;
	cfg->run_libc_freeres = true;
	cfg->run_cxx_freeres = true;
	cfg->zero_new = true;
	cfg->log_fd = 2;
	cfg->xml_fd = -1;
	cfg->freelist_vol = 20000000;
	cfg->hold_freed = 1024;
	cfg->malloc_fill = -1;
	cfg->free_fill = -1;
	cfg->demangle = true;
	cfg->error_limit = true;
	cfg->default_suppressions = true;
	cfg->show_mismatched_frees = true;
	heapopts_default(&cfg->heap);
}

int options_parse(int argc, char **argv, struct config *cfg)
{
	int stop = 1, r;

	config_defaults(cfg);
	cfg->self_exe = argv[0];
	struct timespec now;
	if (!clock_gettime(CLOCK_MONOTONIC, &now))
		cfg->start_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	if ((r = parse_defaults(cfg)))
		return r;
	if ((r = parse_words(cfg, argv + 1, argc - 1, true, "command line", &stop)))
		return r;
	int first_arg = stop + 1;
	if (cfg->attach_pid) {
		if (first_arg < argc) {
			fprintf(stderr,
				"leaktrace: -p and a program to run cannot go together ('%s')\n",
				argv[first_arg]);
			return -1;
		}
	} else {
		if (first_arg >= argc) {
			fprintf(stderr, "leaktrace: no program to run (usage: leaktrace [options] "
					"PROGRAM [ARGS...], or -p PID)\n");
			return -1;
		}
		cfg->target_argv = argv + first_arg;
	}
	if (cfg->exit_on_first_error && !cfg->error_exitcode) {
		fprintf(stderr, "leaktrace: --exit-on-first-error=yes needs a non-zero "
				"--error-exitcode=N\n");
		return -1;
	}
	if (cfg->duration && !cfg->attach_pid) {
		fprintf(stderr, "leaktrace: --duration goes with -p PID\n");
		return -1;
	}
	if (heapopts_finish(&cfg->heap))
		return -1;
	if (cfg->default_suppressions && add_default_supp(cfg))
		return -1;
	/* leaktrace's own options alone, NULL-terminated, for the XML <vargv> */
	size_t nself = (size_t)stop;
	cfg->self_args = calloc(nself + 1, sizeof *cfg->self_args);
	if (!cfg->self_args) {
		fprintf(stderr, "leaktrace: out of memory\n");
		return -1;
	}
	memcpy(cfg->self_args, argv + 1, nself * sizeof *argv);
	return 0;
}

void options_fill_report(const struct config *cfg, struct report *rep)
{
	rep->leak_check = cfg->leak_check;
	rep->show_kinds = cfg->show_kinds;
	rep->errors_for_kinds = cfg->errors_for_kinds;
	rep->gen_suppressions = cfg->gen_suppressions;
	rep->show_error_list = cfg->show_error_list;
	rep->time_stamp = cfg->time_stamp;
	rep->start_ns = cfg->start_ns;
	rep->mangled_names = !cfg->demangle;
	rep->fullpath_after = cfg->fullpath_after;
	rep->error_marker_begin = cfg->error_marker_begin;
	rep->error_marker_end = cfg->error_marker_end;
	rep->xml_user_comment = cfg->xml ? cfg->xml_user_comment : NULL;
	rep->xml_protocol = cfg->track_fds ? 5 : 4;
}

void options_free(struct config *cfg)
{
	heapopts_release(&cfg->heap);
	free(cfg->self_args);
	free(cfg->supp_files);
	free(cfg->fullpath_after);
	for (size_t i = 0; i < cfg->nowned; i++)
		free(cfg->owned[i]);
	free(cfg->owned);
	cfg->self_args = cfg->owned = NULL;
	cfg->supp_files = cfg->fullpath_after = NULL;
	cfg->nowned = 0;
}
