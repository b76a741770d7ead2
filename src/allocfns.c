/* allocfns: the allocator functions leaktrace hooks.
 *
 * One table: the linkage names memcheck replaces, with what each one does.
 * The C++ operators are only marked at their entry: libstdc++'s operator
 * new[] and delete are tail calls (a jmp to operator new, to free), so the
 * caller's address cannot tell new[] from new; a marker left at the
 * operator's entry and consumed by the malloc or free it leads to can.
 * Their returns are never hooked, so an exception thrown out of operator
 * new unwinds through untouched frames. */
#include "leaktrace/allocfns.h"

const struct allocfn allocfn_table[] = {
	{ "malloc", AFN_MALLOC, FAMILY_MALLOC },
	{ "calloc", AFN_CALLOC, FAMILY_MALLOC },
	{ "realloc", AFN_REALLOC, FAMILY_MALLOC },
	/* not reallocarray: glibc's is a tail call of realloc (through the PLT),
	 * whose entry then counts it, named realloc as memcheck names it */
	{ "free", AFN_FREE, FAMILY_MALLOC },
	{ "posix_memalign", AFN_POSIX_MEMALIGN, FAMILY_MALLOC },
	/* before aligned_alloc: glibc gives both one address, and memcheck
	 * names both memalign */
	{ "memalign", AFN_MEMALIGN, FAMILY_MALLOC },
	{ "aligned_alloc", AFN_MEMALIGN, FAMILY_MALLOC },
	{ "valloc", AFN_VALLOC, FAMILY_MALLOC },
	{ "pvalloc", AFN_PVALLOC, FAMILY_MALLOC },

	{ "_Znwm", AFN_OP_NEW, FAMILY_NEW },
	{ "_ZnwmRKSt9nothrow_t", AFN_OP_NEW, FAMILY_NEW },
	{ "_ZnwmSt11align_val_t", AFN_OP_NEW, FAMILY_NEW },
	{ "_ZnwmSt11align_val_tRKSt9nothrow_t", AFN_OP_NEW, FAMILY_NEW },
	{ "_Znam", AFN_OP_NEW, FAMILY_NEW_ARRAY },
	{ "_ZnamRKSt9nothrow_t", AFN_OP_NEW, FAMILY_NEW_ARRAY },
	{ "_ZnamSt11align_val_t", AFN_OP_NEW, FAMILY_NEW_ARRAY },
	{ "_ZnamSt11align_val_tRKSt9nothrow_t", AFN_OP_NEW, FAMILY_NEW_ARRAY },

	{ "_ZdlPv", AFN_OP_DELETE, FAMILY_NEW },
	{ "_ZdlPvm", AFN_OP_DELETE, FAMILY_NEW },
	{ "_ZdlPvRKSt9nothrow_t", AFN_OP_DELETE, FAMILY_NEW },
	{ "_ZdlPvSt11align_val_t", AFN_OP_DELETE, FAMILY_NEW },
	{ "_ZdlPvmSt11align_val_t", AFN_OP_DELETE, FAMILY_NEW },
	{ "_ZdlPvSt11align_val_tRKSt9nothrow_t", AFN_OP_DELETE, FAMILY_NEW },
	{ "_ZdaPv", AFN_OP_DELETE, FAMILY_NEW_ARRAY },
	{ "_ZdaPvm", AFN_OP_DELETE, FAMILY_NEW_ARRAY },
	{ "_ZdaPvRKSt9nothrow_t", AFN_OP_DELETE, FAMILY_NEW_ARRAY },
	{ "_ZdaPvSt11align_val_t", AFN_OP_DELETE, FAMILY_NEW_ARRAY },
	{ "_ZdaPvmSt11align_val_t", AFN_OP_DELETE, FAMILY_NEW_ARRAY },
	{ "_ZdaPvSt11align_val_tRKSt9nothrow_t", AFN_OP_DELETE, FAMILY_NEW_ARRAY },
};

const unsigned allocfn_count = sizeof allocfn_table / sizeof allocfn_table[0];

static uint64_t mul_checked(uint64_t a, uint64_t b, bool *overflow)
{
	uint64_t r;

	*overflow = __builtin_mul_overflow(a, b, &r);
	return r;
}

void allocfn_read_args(enum afn_kind k, const struct user_regs_struct *r, struct alloc_request *req)
{
	*req = (struct alloc_request){ .kind = k };
	switch (k) {
	case AFN_MALLOC:
	case AFN_VALLOC:
		req->size = r->rdi;
		break;
	case AFN_PVALLOC:
		req->size = (r->rdi + 4095) & ~(uint64_t)4095;
		if (req->size == 0)
			req->size = 4096;
		break;
	case AFN_CALLOC:
		req->size = mul_checked(r->rdi, r->rsi, &req->overflow);
		break;
	case AFN_REALLOC:
		req->old_ptr = r->rdi;
		req->size = r->rsi;
		break;
	case AFN_REALLOCARRAY:
		req->old_ptr = r->rdi;
		req->size = mul_checked(r->rsi, r->rdx, &req->overflow);
		break;
	case AFN_FREE:
	case AFN_OP_DELETE:
		req->old_ptr = r->rdi;
		break;
	case AFN_POSIX_MEMALIGN:
		req->out_ptr = r->rdi;
		req->size = r->rdx;
		break;
	case AFN_MEMALIGN:
		req->size = r->rsi;
		break;
	case AFN_OP_NEW:
		req->size = r->rdi;
		break;
	}
}
