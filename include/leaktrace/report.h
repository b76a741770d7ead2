/* report: the data a finished (or interrupted) run hands to the reporters.
 *
 * The tracer fills these structures; report_text.c and report_xml.c turn them
 * into memcheck's text and XML.  Reporters never call ptrace and never look at
 * the target: every frame arrives already symbolized through the symbolize
 * callback, so they can be unit-tested with made-up data. */
#ifndef LEAKTRACE_REPORT_H
#define LEAKTRACE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "leaktrace/scan.h"

/* One symbolized frame.  Strings belong to the symbolizer and stay valid for
 * the whole report; NULL means unknown. */
struct frame_info {
	uint64_t ip;
	const char *obj;     /* path of the object file */
	const char *fn;	     /* demangled function name */
	const char *mangled; /* linkage name, for suppressions (== fn for C) */
	const char *dir;     /* source directory */
	const char *file;    /* source file name as memcheck prints it (no dir) */
	unsigned line;	     /* 0 = none */
};

/* Describes the pc of a stack frame.  Returns 0; on failure fills ip only. */
typedef int (*symbolize_fn)(void *ctx, uint64_t ip, struct frame_info *out);

/* Describes the pc of a stack frame with the functions inlined at it,
 * innermost first, as memcheck prints them (one line each, same ip).
 * Returns how many of max entries were filled (at least 1). */
typedef unsigned (*symbolize_all_fn)(void *ctx, uint64_t ip, struct frame_info *out, unsigned max);

/* A stack as reporters see it: stacktab ids are resolved by the caller. */
struct report_stack {
	const uint64_t *pcs;
	unsigned n;
};

/* One loss record: blocks of one kind allocated from one stack (at the
 * chosen --leak-resolution). */
struct loss_record {
	enum leak_kind kind;
	uint32_t stack_id;
	struct report_stack stack;
	uint64_t bytes;		 /* direct bytes */
	uint64_t indirect_bytes; /* held through definitely lost blocks */
	uint64_t blocks;
	unsigned number;	   /* 1-based "loss record N of M" */
	const char *suppressed_by; /* suppression name, or NULL */
};

enum mem_error_kind {
	ERR_INVALID_FREE,    /* "Invalid free() / delete / delete[] / realloc()" */
	ERR_MISMATCHED_FREE, /* "Mismatched free() / delete / delete []" */
	ERR_FD_NOT_CLOSED,   /* reserved for --track-fds */
};

/* What memcheck says of the address of a bad free. */
enum addr_desc_kind {
	ADDR_UNKNOWN,	  /* "Address 0x.. is not stack'd, malloc'd or (recently) free'd" */
	ADDR_FREED,	  /* "is N bytes inside a block of size M free'd" + free and alloc stacks */
	ADDR_ALLOCD,	  /* "is N bytes inside a block of size M alloc'd" + alloc stack */
	ADDR_STACK,	  /* "is on thread T's stack" */
	ADDR_DATA_SYMBOL, /* "is N bytes inside data symbol \"name\"" */
};

struct mem_error {
	enum mem_error_kind kind;
	unsigned tid;		   /* memcheck thread number */
	struct report_stack stack; /* where the bad call was made */
	uint64_t addr;
	enum addr_desc_kind desc;
	uint64_t block_addr, block_size;
	struct report_stack alloc_stack; /* ADDR_FREED, ADDR_ALLOCD */
	struct report_stack free_stack;	 /* ADDR_FREED */
	unsigned stack_tid;		 /* ADDR_STACK */
	const char *data_symbol;	 /* ADDR_DATA_SYMBOL; offset in block_addr's terms:
						   the symbol starts at block_addr */
	/* ADDR_STACK, optional: "in frame #N, created by FN (FILE:LINE)";
	 * stack_frame_ip is the entry of that frame's function. */
	bool stack_frame_known;
	unsigned stack_frame_no;
	uint64_t stack_frame_ip;
	unsigned unique; /* 0-based error context number */
	unsigned count;	 /* times seen (errorcounts) */
	const char *suppressed_by;
};

/* A core error of valgrind's protocol 5 (FdBadClose), as <errorcounts>
 * lists it: written to the XML when it happened, counted here. */
struct core_error_count {
	unsigned unique;
	unsigned count;
};

/* Totals of one kind, for LEAK SUMMARY. */
struct kind_total {
	uint64_t bytes, blocks;
};

enum leak_check_mode { LEAK_CHECK_NO, LEAK_CHECK_SUMMARY, LEAK_CHECK_FULL };
enum gen_supp_mode { GEN_SUPP_NO, GEN_SUPP_YES, GEN_SUPP_ALL };

struct suppression_use {
	const char *name;
	unsigned count;
	/* for -s "used_suppression:" lines (suppress_used fills them) */
	const char *file;	/* where it is defined */
	unsigned line;		/* line of its "{" */
	bool leak;		/* Memcheck:Leak: bytes and blocks are shown */
	uint64_t bytes, blocks; /* suppressed by it (leaks only) */
};

/* A signal that killed the program (memcheck: "Process terminating with
 * default action of signal N"). */
struct fatal_signal {
	bool present;
	int signo, sicode;
	uint64_t siaddr;
	const char *event; /* "Bad permissions for mapped region", or NULL */
	unsigned tid;
	struct report_stack stack;
};

/* The whole run as the final report needs it. */
struct report {
	/* identity */
	int pid, ppid;
	const char *tool_name;	  /* "leaktrace" */
	const char *tool_version; /* "0.1" */
	const char *tool_exe;	  /* argv[0] of leaktrace */
	char *const *tool_args;	  /* leaktrace's options, NULL-terminated */
	const char *target_exe;
	char *const *target_args; /* the target's arguments after argv[0], NULL-terminated */
	bool attached;		  /* -p mode: blocks counted since attach */

	/* HEAP SUMMARY */
	uint64_t inuse_bytes, inuse_blocks;
	uint64_t total_allocs, total_frees, total_bytes;

	/* leak check result; records sorted as memcheck sorts them */
	enum leak_check_mode leak_check;
	unsigned show_kinds;	   /* bit (1 << enum leak_kind) per kind shown */
	unsigned errors_for_kinds; /* kinds that count as errors */
	struct loss_record *records;
	size_t nrecords;
	struct kind_total totals[LEAK_KIND_COUNT];
	struct kind_total suppressed;
	struct kind_total reachable_via_heuristic[HEUR_COUNT];

	/* memory errors, in the order found */
	const struct mem_error *errors;
	size_t nerrors;

	const struct suppression_use *supp_used;
	size_t nsupp_used;
	enum gen_supp_mode gen_suppressions;
	bool show_error_list; /* -s / -v: list errors again at the end */

	struct fatal_signal fatal;

	bool incomplete;	/* leaktrace was interrupted */
	const char *end_reason; /* e.g. "killed by signal 11" or NULL */

	symbolize_fn symbolize;
	symbolize_all_fn symbolize_all; /* optional: inlined frames too */
	void *symbolize_ctx;

	/* presentation, from the options (options_fill_report) */
	bool time_stamp;		   /* --time-stamp=yes: "==dd:hh:mm:ss.mmm PID== " */
	uint64_t start_ns;		   /* CLOCK_MONOTONIC at the start, for time_stamp */
	bool mangled_names;		   /* --demangle=no */
	const char *const *fullpath_after; /* --fullpath-after prefixes, NULL-terminated */
	const char *error_marker_begin;	   /* --error-markers, or NULL */
	const char *error_marker_end;
	const char *xml_user_comment; /* --xml-user-comment, copied verbatim */
	/* <protocolversion>: 5 with --track-fds (its FdNotClosed errors exist
	 * only there, as valgrind 3.23 writes them), else 4; 0 reads as 4 */
	unsigned xml_protocol;
	const struct core_error_count *core_errors; /* protocol 5's, for <errorcounts> */
	size_t ncore_errors;
};

#endif
