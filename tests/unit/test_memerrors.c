/* Unit test of the bad-free judgement and the error records
 * (src/memerrors.c): which frees of blocks not in the heap map are
 * memcheck's InvalidFree, which belong to blocks allocated out of our
 * sight, how the address is described, and how errors are counted.
 *
 * memerrors.c is linked with the real heap map, freed queue, stack table,
 * suppressions and text reporter; glibc's bookkeeping, symbols, maps and
 * ptrace are faked here. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "session_int.h"

#define FN_FREE 0x20000
#define PROGRAM 0x70000

/* ---- the fakes ---- */

static uint64_t glibc_in_use[8], glibc_tcached[8];
static size_t n_in_use, n_tcached;

static bool listed(const uint64_t *v, size_t n, uint64_t ptr)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == ptr)
			return true;
	return false;
}

bool glibcheap_chunk_in_use(const struct session *s, uint64_t ptr)
{
	(void)s;
	return listed(glibc_in_use, n_in_use, ptr);
}

bool glibcheap_in_tcache(struct session *s, uint64_t ptr)
{
	(void)s;
	return listed(glibc_tcached, n_tcached, ptr);
}

uint64_t hooks_fn_addr(const struct session *s, const char *name)
{
	(void)s;
	return !strcmp(name, "free") ? FN_FREE : 0;
}

/* free's own module-local code: [FN_FREE, FN_FREE + 0x1000) */
bool symbols_in_local_function(struct symbols *sym, uint64_t pc, uint64_t same_module_as)
{
	(void)sym;
	(void)same_module_as;
	return pc >= FN_FREE && pc < FN_FREE + 0x1000;
}

uint64_t symbols_function_entry(struct symbols *sym, uint64_t ip)
{
	(void)sym;
	(void)ip;
	return 0;
}

const char *symbols_data_symbol(struct symbols *sym, uint64_t addr, uint64_t *start)
{
	(void)sym;
	if (addr >= 0x600000 && addr < 0x600100) {
		*start = 0x600000;
		return "a_global";
	}
	return NULL;
}

void symbols_mark_entry(struct symbols *sym, uint64_t pc, const char *name)
{
	(void)sym;
	(void)pc;
	(void)name;
}

bool symbols_module_of(struct symbols *sym, uint64_t addr, uint64_t *low, uint64_t *high,
		       const char **path)
{
	(void)sym;
	(void)addr;
	(void)low;
	(void)high;
	(void)path;
	return false;
}

int procmaps_read(pid_t pid, struct maps *m)
{
	(void)pid;
	(void)m;
	return -1;
}

void procmaps_free(struct maps *m)
{
	(void)m;
}

const struct mapping *procmaps_find(const struct maps *m, uint64_t addr)
{
	(void)m;
	(void)addr;
	return NULL;
}

unsigned long long procmaps_status_number(pid_t pid, const char *key, int base,
					  unsigned long long dflt)
{
	(void)pid;
	(void)key;
	(void)base;
	return dflt;
}

int tracee_getregs(pid_t tid, struct user_regs_struct *r)
{
	(void)tid;
	(void)r;
	return -1;
}

unsigned unwind_capture(struct unwinder *u, pid_t tid, const struct user_regs_struct *regs,
			uint64_t *pcs, unsigned max)
{
	(void)u;
	(void)tid;
	(void)regs;
	(void)pcs;
	(void)max;
	return 0;
}

void exitpath_clear_dead_stack(struct session *s, uint64_t sp)
{
	(void)s;
	(void)sp;
}

uint32_t events_intern(struct session *s, const uint64_t *pcs, unsigned n)
{
	uint32_t id = stacktab_intern(s->stacks, pcs, n);
	return id == STACKTAB_NONE ? 0 : id;
}

struct report_stack session_stack(struct session *s, uint32_t id)
{
	struct report_stack rs;

	rs.pcs = stacktab_get(s->stacks, id, &rs.n);
	return rs;
}

struct report_stack session_trim_below_main(struct session *s, struct report_stack st)
{
	(void)s;
	return st;
}

static int describe_fake(void *ctx, uint64_t ip, struct frame_info *out)
{
	(void)ctx;
	memset(out, 0, sizeof *out);
	out->ip = ip;
	return 0;
}

/* ---- a session ---- */

static struct config cfg;
static struct session *s;
static struct thread th;
static char logbuf[65536];

static void setup(void)
{
	if (s) {
		fclose(s->log);
		heapmap_free(s->heap);
		freeq_free(s->freed);
		stacktab_free(s->stacks);
		suppress_free(s->supp);
		free(s->err.v);
		free(s->err.stacks);
		free(s);
	}
	cfg.num_callers = 12;
	cfg.show_mismatched_frees = true;
	s = calloc(1, sizeof *s);
	s->cfg = &cfg;
	s->heap = heapmap_new();
	s->freed = freeq_new(1u << 20, 1u << 20);
	s->stacks = stacktab_new();
	s->supp = suppress_new();
	s->log = fmemopen(logbuf, sizeof logbuf, "w");
	s->pid = 42;
	s->rep.pid = 42;
	s->rep.symbolize = describe_fake;
	memset(&th, 0, sizeof th);
	th.num = 1;
	n_in_use = n_tcached = 0;
}

static enum free_verdict judge(uint64_t ptr, uint64_t caller, struct mem_error *e)
{
	*e = (struct mem_error){ .kind = ERR_INVALID_FREE, .addr = ptr };
	return memerrors_judge_free(s, e, caller);
}

static uint32_t a_stack(uint64_t pc)
{
	uint64_t pcs[2] = { FN_FREE, pc };
	return events_intern(s, pcs, 2);
}

static void test_judgements(void)
{
	struct mem_error e;

	setup();
	/* a pointer nobody knows, that glibc does not hold in use: bad */
	CHECK(judge(0x4440, PROGRAM, &e) == FREE_BAD && e.desc == ADDR_UNKNOWN);
	/* glibc holds it in use: allocated where we could not see it */
	glibc_in_use[n_in_use++] = 0x4440;
	CHECK(judge(0x4440, PROGRAM, &e) == FREE_UNSEEN);
	/* free's own bookkeeping (a dying thread's tcache): never an error */
	n_in_use = 0;
	CHECK(judge(0x4440, FN_FREE + 0x10, &e) == FREE_UNSEEN);

	/* inside a live block: bad, described by the block */
	heapmap_insert(s->heap, &(struct block){ .addr = 0x5000, .size = 32 });
	CHECK(judge(0x5008, PROGRAM, &e) == FREE_BAD);
	CHECK(e.desc == ADDR_ALLOCD && e.block_addr == 0x5000 && e.block_size == 32);

	/* freed a moment ago (a double free), and glibc agrees it is free */
	struct freed_block fb = { 0x6000, 48, a_stack(PROGRAM + 1), a_stack(PROGRAM + 2), 0 };
	freeq_push(s->freed, &fb);
	CHECK(judge(0x6000, PROGRAM, &e) == FREE_BAD);
	CHECK(e.desc == ADDR_FREED && e.block_addr == 0x6000 && e.block_size == 48);
	/* in glibc's tcache: still free, still a double free */
	glibc_in_use[n_in_use++] = 0x6000;
	glibc_tcached[n_tcached++] = 0x6000;
	CHECK(judge(0x6000, PROGRAM, &e) == FREE_BAD);
	/* glibc handed the chunk out again where we could not see it: no
	 * error, and the queue forgets the block */
	n_tcached = 0;
	CHECK(judge(0x6000, PROGRAM, &e) == FREE_UNSEEN);
	CHECK(freeq_find(s->freed, 0x6000) == NULL);

	/* inside a freed block, not at its start: bad whatever glibc says */
	fb.addr = 0x7000;
	freeq_push(s->freed, &fb);
	glibc_in_use[n_in_use++] = 0x7010;
	CHECK(judge(0x7010, PROGRAM, &e) == FREE_BAD && e.desc == ADDR_FREED);

	/* a global: described by its symbol */
	CHECK(judge(0x600010, PROGRAM, &e) == FREE_BAD);
	CHECK(e.desc == ADDR_DATA_SYMBOL && e.block_addr == 0x600000);
	CHECK(!strcmp(e.data_symbol, "a_global"));
}

static void test_records(void)
{
	setup();
	uint32_t st1 = a_stack(PROGRAM + 1), st2 = a_stack(PROGRAM + 2);
	struct mem_error e = { .kind = ERR_INVALID_FREE,
			       .addr = 0x10,
			       .stack = session_stack(s, st1) };
	memerrors_add(s, &th, &e, st1);
	e.stack = session_stack(s, st1);
	memerrors_add(s, &th, &e, st1);
	/* the same kind and stack is one error, counted twice */
	CHECK(s->err.n == 1 && s->err.v[0].count == 2);
	e.stack = session_stack(s, st2);
	memerrors_add(s, &th, &e, st2);
	CHECK(s->err.n == 2 && s->err.v[1].unique == 2);
	/* printed as it happens, as memcheck does */
	fflush(s->log);
	CHECK(strstr(logbuf, "Invalid free() / delete / delete[] / realloc()") != NULL);

	/* a mismatched free: a new'd block freed with free */
	struct block b = { .addr = 0x8000, .size = 8, .family = FAMILY_NEW, .stack_id = st1 };
	memerrors_mismatch(s, &th, &b, 0x8000, FAMILY_MALLOC, st2);
	CHECK(s->err.n == 3 && s->err.v[2].kind == ERR_MISMATCHED_FREE);
	CHECK(s->err.v[2].desc == ADDR_ALLOCD && s->err.v[2].block_addr == 0x8000);
	memerrors_mismatch(s, &th, &b, 0x8000, FAMILY_NEW, st2);
	CHECK(s->err.n == 3);
	/* --show-mismatched-frees=no */
	cfg.show_mismatched_frees = false;
	memerrors_mismatch(s, &th, &b, 0x8000, FAMILY_MALLOC, st1);
	CHECK(s->err.n == 3);
}

int main(void)
{
	test_judgements();
	test_records();
	return check_summary("memerrors");
}
