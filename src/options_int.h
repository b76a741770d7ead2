/* options_int.h: what options.c (the parser) and options_table.c (the
 * table of every option and its setters) share. */
#ifndef LEAKTRACE_OPTIONS_INT_H
#define LEAKTRACE_OPTIONS_INT_H

#include <stddef.h>
#include <stdio.h>

#include "leaktrace/options.h"

/* How an option's value is written. */
enum optval {
	V_NONE,	   /* no value: --help, -q */
	V_CHOICE,  /* one word of arg ("no|yes"); the setter gets its index */
	V_NUM,	   /* a decimal integer in [lo, hi] */
	V_HEX,	   /* a hexadecimal integer in [lo, hi] (0x optional) */
	V_SECONDS, /* a positive decimal number */
	V_STR,	   /* any text (the setter may check it) */
};

struct optdef;
typedef int (*opt_set_fn)(struct config *c, const char *val, long num);

struct optdef {
	const char *name; /* without the leading "--" */
	char short_name;  /* -X alias, or 0 */
	enum optval val;
	const char *arg;  /* V_CHOICE: the words; otherwise the name shown in --help */
	long lo, hi;	  /* V_NUM, V_HEX */
	opt_set_fn set;	  /* NULL: accepted for valgrind's sake, no effect */
	const char *help; /* --help line; NULL for no-effect options */
};

/* Every option, once (options_table.c). */
extern const struct optdef options_table[];
extern const size_t options_count;

/* Setters the parser knows by name (options.c): --help, --version,
 * --list-options; --error-markers needs a writable copy of its value. */
int options_set_help(struct config *c, const char *val, long num);
int options_set_version(struct config *c, const char *val, long num);
int options_set_list(struct config *c, const char *val, long num);
int options_set_error_markers(struct config *c, const char *val, long num);

/* Keeps p (malloc'd) with the config, freed by options_free; p, or NULL if
 * p is NULL or cannot be kept. */
char *options_own(struct config *cfg, char *p);

#endif
