/* allocfns: the allocator functions leaktrace hooks, and how to read their
 * arguments and results. */
#ifndef LEAKTRACE_ALLOCFNS_H
#define LEAKTRACE_ALLOCFNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/user.h>

#include "leaktrace/heapmap.h"

enum afn_kind {
	AFN_MALLOC,	    /* size = rdi */
	AFN_CALLOC,	    /* size = rdi * rsi */
	AFN_REALLOC,	    /* old = rdi, size = rsi */
	AFN_REALLOCARRAY,   /* old = rdi, size = rsi * rdx */
	AFN_FREE,	    /* ptr = rdi */
	AFN_POSIX_MEMALIGN, /* *rdi = result, size = rdx; returns 0 */
	AFN_MEMALIGN,	    /* align = rdi, size = rsi (memalign, aligned_alloc) */
	AFN_VALLOC,	    /* size = rdi */
	AFN_PVALLOC,	    /* size = rdi rounded up to a page */
	AFN_OP_NEW,	    /* operator new/new[]: entry marker only */
	AFN_OP_DELETE,	    /* operator delete/delete[]: entry marker only */
};

struct allocfn {
	const char *name; /* linkage name */
	enum afn_kind kind;
	enum alloc_family family; /* for the operators */
};

extern const struct allocfn allocfn_table[];
extern const unsigned allocfn_count;

/* The request an entry describes. */
struct alloc_request {
	enum afn_kind kind;
	uint64_t old_ptr; /* realloc, free */
	uint64_t size;
	uint64_t out_ptr; /* posix_memalign's result slot */
	bool overflow;	  /* calloc/reallocarray: nmemb * size overflows */
};

void allocfn_read_args(enum afn_kind k, const struct user_regs_struct *r,
		       struct alloc_request *req);

#endif
