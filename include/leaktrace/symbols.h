/* symbols: the target's modules through libdwfl: symbol lookup in binding
 * order, and pc -> function, object, file:line for reports. */
#ifndef LEAKTRACE_SYMBOLS_H
#define LEAKTRACE_SYMBOLS_H

#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "leaktrace/report.h"
#include "leaktrace/target.h"

struct symbols;

struct symbols *symbols_new(pid_t pid, const struct target_mem *tm);
void symbols_free(struct symbols *s);

/* Re-reads the modules from /proc/PID/maps.  0 or a negative errno. */
int symbols_refresh(struct symbols *s);

Dwfl *symbols_dwfl(struct symbols *s);

/* Modules in the order the dynamic linker searches them for a symbol: the
 * link map from r_debug when it is set up, else the executable first then
 * libraries by address. */
size_t symbols_modules(struct symbols *s, Dwfl_Module **out, size_t max);

/* A defined global function or object named name in mod: address and size.
 * 0 or -ENOENT. */
int symbols_module_lookup(Dwfl_Module *mod, const char *name, uint64_t *addr, uint64_t *size);

/* The definition the dynamic linker binds: the first module in search order
 * that defines name.  0 or -ENOENT; *mod may be NULL. */
int symbols_bind(struct symbols *s, const char *name, uint64_t *addr, uint64_t *size,
		 Dwfl_Module **mod);

/* pc is a function entry that starts stacks (an allocator function) and is
 * described as name (linkage name, static storage), where any other pc is
 * taken as a return address.  With name NULL, pc is an exact instruction
 * (where a signal struck) described by its own function and line. */
void symbols_mark_entry(struct symbols *s, uint64_t pc, const char *name);

/* The symbolize_fn of report.h; ctx is a struct symbols. */
int symbols_describe(void *ctx, uint64_t ip, struct frame_info *out);
/* The symbolize_all_fn of report.h: inlined functions expanded. */
unsigned symbols_describe_all(void *ctx, uint64_t ip, struct frame_info *out, unsigned max);

/* Any symbol (local ones too, from separate debug files) named name in the
 * module containing near.  0 or -ENOENT. */
int symbols_lookup_in_module_of(struct symbols *s, uint64_t near, const char *name, uint64_t *addr,
				uint64_t *size);

/* Whether pc lies in a function that is internal (only a local symbol, no
 * exported alias) to the module that contains same_module_as.  Needs the
 * module's full symbol table (a separate debug file for Debian's libc). */
bool symbols_in_local_function(struct symbols *s, uint64_t pc, uint64_t same_module_as);

/* A data object (local ones too) named name in any module: address and
 * size.  0 or -ENOENT. */
int symbols_find_object(struct symbols *s, const char *name, uint64_t *addr, uint64_t *size);

/* The section named name (an allocated one) of the module containing near:
 * its run-time address and size.  0 or -ENOENT. */
int symbols_find_section(struct symbols *s, uint64_t near, const char *name, uint64_t *addr,
			 uint64_t *size);

/* The entry address of the function containing ip, or 0. */
uint64_t symbols_function_entry(struct symbols *s, uint64_t ip);

/* The name of the data object (STT_OBJECT) containing addr and its start,
 * or NULL.  The name belongs to libdwfl and lives as long as s. */
const char *symbols_data_symbol(struct symbols *s, uint64_t addr, uint64_t *start);

/* Whether pc (a return address or an entry) is in a function named main,
 * or in one of libc's functions that call main (where memcheck's stacks end
 * in a program without a main symbol). */
bool symbols_is_main(struct symbols *s, uint64_t pc);
/* Whether a stack ends at pc's frame (a return address - 1, or an entry):
 * pc is in one of libc's functions that call main, and stacks are not shown
 * below main (--show-below-main=no).  Every report stops at the first frame
 * in main or in such a function, and what lies below one is libc's start-up,
 * the same for every stack of the main thread: the unwinder and the
 * fast path's walks stop there instead of reading it. */
bool symbols_ends_stack(struct symbols *s, uint64_t pc);
/* --show-below-main=yes: the functions that call main keep their names;
 * otherwise (the default) they are described as "(below main)". */
void symbols_set_show_below_main(struct symbols *s, bool show);

/* The address and path of the module containing addr, or false. */
bool symbols_module_of(struct symbols *s, uint64_t addr, uint64_t *low, uint64_t *high,
		       const char **path);

#endif
