/* Unit test of scan: memcheck's classification on synthetic heaps.
 *
 * Blocks live at made-up addresses in a fake address space of a few regions
 * (heap, data, a "file" mapping for vtables); the reader copies from them
 * and comes back short where a region ends, as process_vm_readv does at an
 * unmapped page.  Expected results are memcheck's, worked out from
 * mc_leakcheck.c and, for the first cases, checked against valgrind 3.19 on
 * equivalent programs.  With --bench it times a million 1 KiB blocks read
 * from this process's own memory. */
#include "check.h"
#include "leaktrace/scan.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HEAP	   0x10000000ull
#define HEAP_LEN   (1u << 20)
#define DATA	   0x20000000ull
#define DATA_LEN   (64u * 1024)
#define TEXT	   0x30000000ull /* file-backed, executable */
#define RODATA	   0x30010000ull /* file-backed, read-only: vtables */
#define ANON_RO	   0x40000000ull /* anonymous read-only */
#define MAP_LEN	   0x1000u
#define MAX_BLOCKS 256

struct region {
	uint64_t addr;
	size_t len;
	unsigned flags;
	unsigned char *data;
};

struct fixture {
	struct region r[8];
	size_t nr;
	struct scan_block b[MAX_BLOCKS];
	size_t nb;
	struct scan_range roots[4];
	size_t nroots;
	uint64_t regs[4];
	size_t nregs;
	unsigned heur;
	bool with_mapping;
};

static struct region *region_of(struct fixture *f, uint64_t addr)
{
	for (size_t i = 0; i < f->nr; i++)
		if (addr >= f->r[i].addr && addr - f->r[i].addr < f->r[i].len)
			return &f->r[i];
	return NULL;
}

static ssize_t fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fixture *f = ctx;
	size_t done = 0;
	while (done < len) {
		struct region *r = region_of(f, addr + done);
		if (!r)
			break;
		size_t off = (size_t)(addr + done - r->addr);
		size_t n = r->len - off < len - done ? r->len - off : len - done;
		memcpy((char *)buf + done, r->data + off, n);
		done += n;
	}
	if (done == 0) {
		errno = EFAULT;
		return -1;
	}
	return (ssize_t)done;
}

static int fake_mapping(void *ctx, uint64_t addr, struct scan_mapping *out)
{
	struct region *r = region_of(ctx, addr);
	if (!r)
		return -ENOENT;
	out->start = r->addr;
	out->end = r->addr + r->len;
	out->flags = r->flags;
	return 0;
}

static void fx_region(struct fixture *f, uint64_t addr, size_t len, unsigned flags)
{
	struct region *r = &f->r[f->nr++];
	r->addr = addr;
	r->len = len;
	r->flags = flags;
	r->data = calloc(1, len);
	if (!r->data)
		abort();
}

/* A heap, a data segment that is the only root, heuristics as memcheck's
 * default. */
static void fx_init(struct fixture *f)
{
	memset(f, 0, sizeof *f);
	fx_region(f, HEAP, HEAP_LEN, SCAN_MAP_READ | SCAN_MAP_WRITE);
	fx_region(f, DATA, DATA_LEN, SCAN_MAP_READ | SCAN_MAP_WRITE | SCAN_MAP_FILE);
	f->roots[f->nroots++] = (struct scan_range){ DATA, DATA + DATA_LEN };
	f->heur = HEUR_ALL;
	f->with_mapping = true;
}

static void fx_free(struct fixture *f)
{
	for (size_t i = 0; i < f->nr; i++)
		free(f->r[i].data);
}

static void poke(struct fixture *f, uint64_t addr, uint64_t v)
{
	struct region *r = region_of(f, addr);
	if (!r)
		abort();
	memcpy(r->data + (addr - r->addr), &v, sizeof v);
}

/* Adds a block; blocks must be added in address order. */
static uint64_t blk(struct fixture *f, uint64_t addr, uint64_t size)
{
	f->b[f->nb++] = (struct scan_block){ .addr = addr, .size = size };
	return addr;
}

static struct scan_block *at(struct fixture *f, uint64_t addr)
{
	for (size_t i = 0; i < f->nb; i++)
		if (f->b[i].addr == addr)
			return &f->b[i];
	abort();
}

static size_t index_of(struct fixture *f, uint64_t addr)
{
	return (size_t)(at(f, addr) - f->b);
}

static int run(struct fixture *f)
{
	struct scan_memory mem = { f, fake_read, f->with_mapping ? fake_mapping : NULL };
	struct scan_input in = {
		.blocks = f->b,
		.nblocks = f->nb,
		.roots = f->roots,
		.nroots = f->nroots,
		.root_words = f->regs,
		.nroot_words = f->nregs,
		.mem = &mem,
		.heuristics = f->heur,
	};
	return scan_run(&in);
}

/* ---- cases ------------------------------------------------------------- */

/* root -> A; A -> B, C; B -> D.  Then without the root: A definitely lost
 * holding B, C and D. */
static void test_tree(void)
{
	for (int rooted = 1; rooted >= 0; rooted--) {
		struct fixture f;
		fx_init(&f);
		uint64_t a = blk(&f, HEAP + 0x100, 32);
		uint64_t b = blk(&f, HEAP + 0x200, 40);
		uint64_t c = blk(&f, HEAP + 0x300, 48);
		uint64_t d = blk(&f, HEAP + 0x400, 100);
		poke(&f, a, b);
		poke(&f, a + 8, c);
		poke(&f, b + 16, d);
		if (rooted)
			poke(&f, DATA + 64, a);
		CHECK(run(&f) == 0);
		if (rooted) {
			for (size_t i = 0; i < 4; i++) {
				CHECK(f.b[i].state == LEAK_REACHABLE);
				CHECK(f.b[i].indirect_bytes == 0);
				CHECK(f.b[i].heuristic == HEUR_NONE);
			}
		} else {
			CHECK(at(&f, a)->state == LEAK_DEFINITE);
			CHECK(at(&f, a)->indirect_bytes == 40 + 48 + 100);
			CHECK(at(&f, a)->clique == index_of(&f, a));
			uint64_t ind[] = { b, c, d };
			for (size_t i = 0; i < 3; i++) {
				CHECK(at(&f, ind[i])->state == LEAK_INDIRECT);
				CHECK(at(&f, ind[i])->clique == index_of(&f, a));
				CHECK(at(&f, ind[i])->indirect_bytes == 0);
			}
		}
		fx_free(&f);
	}
}

/* A -> B -> C -> A, nothing else: the lowest address leads. */
static void test_cycle(void)
{
	static struct fixture f;
	fx_init(&f);
	uint64_t a = blk(&f, HEAP + 0x100, 16);
	uint64_t b = blk(&f, HEAP + 0x200, 24);
	uint64_t c = blk(&f, HEAP + 0x300, 32);
	poke(&f, a, b);
	poke(&f, b, c);
	poke(&f, c, a);
	CHECK(run(&f) == 0);
	CHECK(f.b[0].state == LEAK_DEFINITE);
	CHECK(f.b[0].indirect_bytes == 24 + 32);
	CHECK(f.b[1].state == LEAK_INDIRECT && f.b[1].clique == 0);
	CHECK(f.b[2].state == LEAK_INDIRECT && f.b[2].clique == 0);

	/* a self-pointer alone does not make a block indirect */
	static struct fixture g;
	fx_init(&g);
	uint64_t s = blk(&g, HEAP + 0x100, 16);
	poke(&g, s, s);
	CHECK(run(&g) == 0);
	CHECK(g.b[0].state == LEAK_DEFINITE && g.b[0].indirect_bytes == 0);
	fx_free(&f);
	fx_free(&g);
}

/* Address order decides leaders, and a leader found later by another lost
 * block joins that clique with everything it held: X(0) <- Y(1) <- Z(2),
 * X -> W(3). */
static void test_clique_merge(void)
{
	static struct fixture f;
	fx_init(&f);
	uint64_t x = blk(&f, HEAP + 0x100, 10);
	uint64_t y = blk(&f, HEAP + 0x200, 20);
	uint64_t z = blk(&f, HEAP + 0x300, 30);
	uint64_t w = blk(&f, HEAP + 0x400, 40);
	poke(&f, y, x);
	poke(&f, z, y + 8); /* interior pointers count alike in cliques */
	poke(&f, x, w);
	CHECK(run(&f) == 0);
	CHECK(at(&f, z)->state == LEAK_DEFINITE);
	CHECK(at(&f, z)->indirect_bytes == 10 + 20 + 40);
	CHECK(at(&f, x)->state == LEAK_INDIRECT && at(&f, x)->indirect_bytes == 0);
	CHECK(at(&f, y)->state == LEAK_INDIRECT && at(&f, y)->indirect_bytes == 0);
	CHECK(at(&f, w)->state == LEAK_INDIRECT);
	for (size_t i = 0; i < 4; i++)
		if (f.b[i].state == LEAK_INDIRECT)
			CHECK(f.b[i].clique == index_of(&f, z));

	/* two lost blocks sharing a child: the first in address order gets it */
	static struct fixture g;
	fx_init(&g);
	uint64_t p = blk(&g, HEAP + 0x100, 8);
	uint64_t q = blk(&g, HEAP + 0x200, 8);
	uint64_t shared = blk(&g, HEAP + 0x300, 64);
	poke(&g, p, shared);
	poke(&g, q, shared);
	CHECK(run(&g) == 0);
	CHECK(at(&g, p)->state == LEAK_DEFINITE && at(&g, p)->indirect_bytes == 64);
	CHECK(at(&g, q)->state == LEAK_DEFINITE && at(&g, q)->indirect_bytes == 0);
	CHECK(at(&g, shared)->state == LEAK_INDIRECT && at(&g, shared)->clique == 0);
	fx_free(&f);
	fx_free(&g);
}

static void test_interior_and_start(void)
{
	static struct fixture f;
	fx_init(&f);
	f.heur = 0;
	uint64_t a = blk(&f, HEAP + 0x100, 64);
	uint64_t b = blk(&f, HEAP + 0x200, 64);
	uint64_t c = blk(&f, HEAP + 0x300, 64);
	uint64_t d = blk(&f, HEAP + 0x400, 64);
	poke(&f, DATA, a + 8);	     /* interior only */
	poke(&f, DATA + 8, b);	     /* start pointer */
	poke(&f, a, c);		     /* from a possible block: possible */
	f.regs[f.nregs++] = d;	     /* a register is a root */
	f.regs[f.nregs++] = 0x12345; /* noise */
	CHECK(run(&f) == 0);
	CHECK(at(&f, a)->state == LEAK_POSSIBLE);
	CHECK(at(&f, b)->state == LEAK_REACHABLE);
	CHECK(at(&f, c)->state == LEAK_POSSIBLE);
	CHECK(at(&f, d)->state == LEAK_REACHABLE);

	/* pointer one past the end is not a pointer to the block */
	static struct fixture g;
	fx_init(&g);
	uint64_t e = blk(&g, HEAP + 0x100, 64);
	poke(&g, DATA, e + 64);
	CHECK(run(&g) == 0);
	CHECK(g.b[0].state == LEAK_DEFINITE);
	fx_free(&f);
	fx_free(&g);
}

/* Zero-sized blocks cover one byte: a pointer to them is a start pointer. */
static void test_zero_size(void)
{
	struct fixture f;
	fx_init(&f);
	uint64_t z1 = blk(&f, HEAP + 0x100, 0);
	uint64_t z2 = blk(&f, HEAP + 0x110, 0);
	uint64_t z3 = blk(&f, HEAP + 0x120, 0);
	poke(&f, DATA, z1);
	poke(&f, DATA + 8, z2 + 1);
	CHECK(run(&f) == 0);
	CHECK(at(&f, z1)->state == LEAK_REACHABLE);
	CHECK(at(&f, z2)->state == LEAK_DEFINITE);
	CHECK(at(&f, z3)->state == LEAK_DEFINITE);
	fx_free(&f);
}

/* A long chain: no recursion, and a long lost chain is one clique. */
static void test_chain(void)
{
	enum { N = 200 };
	for (int rooted = 1; rooted >= 0; rooted--) {
		struct fixture f;
		fx_init(&f);
		for (size_t i = 0; i < N; i++)
			blk(&f, HEAP + 0x1000 + 0x100 * i, 24);
		/* linked backwards, so the walk has to go against address order */
		for (size_t i = 1; i < N; i++)
			poke(&f, f.b[i].addr, f.b[i - 1].addr);
		if (rooted)
			poke(&f, DATA + 800, f.b[N - 1].addr);
		CHECK(run(&f) == 0);
		size_t bad = 0;
		for (size_t i = 0; i < N; i++) {
			unsigned want = rooted	     ? LEAK_REACHABLE
					: i == N - 1 ? LEAK_DEFINITE
						     : LEAK_INDIRECT;
			bad += f.b[i].state != want;
			if (!rooted && i < N - 1)
				bad += f.b[i].clique != N - 1;
		}
		CHECK(bad == 0);
		if (!rooted)
			CHECK(f.b[N - 1].indirect_bytes == 24 * (N - 1));
		fx_free(&f);
	}
}

/* Possible first, then a start pointer: the block and what it points to
 * become reachable (the block is scanned again). */
static void test_upgrade(void)
{
	static struct fixture f;
	fx_init(&f);
	f.heur = 0;
	uint64_t a = blk(&f, HEAP + 0x100, 64);
	uint64_t b = blk(&f, HEAP + 0x200, 64);
	uint64_t c = blk(&f, HEAP + 0x300, 64);
	poke(&f, DATA, a + 16); /* interior first */
	poke(&f, a, b);
	poke(&f, b + 8, c + 4); /* interior from b: c only possible */
	f.regs[f.nregs++] = a;	/* start pointer, seen later */
	CHECK(run(&f) == 0);
	CHECK(at(&f, a)->state == LEAK_REACHABLE);
	CHECK(at(&f, b)->state == LEAK_REACHABLE);
	CHECK(at(&f, c)->state == LEAK_POSSIBLE);

	/* a possible block's start pointer to another block makes it possible */
	static struct fixture g;
	fx_init(&g);
	g.heur = 0;
	uint64_t p = blk(&g, HEAP + 0x100, 64);
	uint64_t q = blk(&g, HEAP + 0x200, 64);
	poke(&g, DATA, p + 8);
	poke(&g, p + 32, q);
	CHECK(run(&g) == 0);
	CHECK(at(&g, p)->state == LEAK_POSSIBLE);
	CHECK(at(&g, q)->state == LEAK_POSSIBLE);
	fx_free(&f);
	fx_free(&g);
}

/* Only aligned words count; a root range may start unaligned. */
static void test_alignment(void)
{
	struct fixture f;
	fx_init(&f);
	uint64_t a = blk(&f, HEAP + 0x100, 32);
	uint64_t b = blk(&f, HEAP + 0x200, 32);
	uint64_t c = blk(&f, HEAP + 0x300, 32);
	uint64_t d = blk(&f, HEAP + 0x400, 32);
	f.roots[0] = (struct scan_range){ DATA + 3, DATA + 0x100 + 7 };
	poke(&f, DATA, a); /* before the rounded-up start */
	/* a misaligned copy of b's address straddling two words */
	unsigned char *mem = region_of(&f, DATA)->data;
	memcpy(mem + 0x24, &b, sizeof b);
	poke(&f, DATA + 0x100, d); /* partial last word: not scanned */
	poke(&f, DATA + 8, c);	   /* first aligned word: scanned */
	CHECK(run(&f) == 0);
	CHECK(at(&f, a)->state == LEAK_DEFINITE);
	CHECK(at(&f, b)->state == LEAK_DEFINITE);
	CHECK(at(&f, c)->state == LEAK_REACHABLE);
	CHECK(at(&f, d)->state == LEAK_DEFINITE);
	fx_free(&f);
}

/* Unreadable pages in a root range are skipped, reading goes on after. */
static void test_unreadable_roots(void)
{
	struct fixture f;
	fx_init(&f);
	fx_region(&f, 0x50000000ull, 0x1000, SCAN_MAP_READ | SCAN_MAP_WRITE);
	fx_region(&f, 0x50003000ull, 0x2000, SCAN_MAP_READ | SCAN_MAP_WRITE);
	uint64_t a = blk(&f, HEAP + 0x100, 32);
	uint64_t b = blk(&f, HEAP + 0x200, 32);
	uint64_t c = blk(&f, HEAP + 0x300, 32);
	poke(&f, 0x50000ff8ull, a); /* last word before the hole */
	poke(&f, 0x50003000ull, b); /* first word after it */
	poke(&f, 0x50004ff8ull, c); /* the range's last word */
	f.roots[0] = (struct scan_range){ 0x50000000ull, 0x50005000ull };
	CHECK(run(&f) == 0);
	CHECK(at(&f, a)->state == LEAK_REACHABLE);
	CHECK(at(&f, b)->state == LEAK_REACHABLE);
	CHECK(at(&f, c)->state == LEAK_REACHABLE);

	/* a range that is entirely unreadable */
	f.roots[0] = (struct scan_range){ 0x60000000ull, 0x60100000ull };
	CHECK(run(&f) == 0);
	CHECK(at(&f, a)->state == LEAK_DEFINITE);
	fx_free(&f);
}

/* A block whose tail is unmapped: the readable part is scanned, and the
 * next block is still read. */
static void test_unreadable_block(void)
{
	struct fixture f;
	fx_init(&f);
	fx_region(&f, 0x70000000ull, 0x1000, SCAN_MAP_READ | SCAN_MAP_WRITE);
	fx_region(&f, 0x70002000ull, 0x1000, SCAN_MAP_READ | SCAN_MAP_WRITE);
	uint64_t big = blk(&f, 0x70000f00ull, 0x1200); /* spans the hole */
	uint64_t after = blk(&f, 0x70002200ull, 64);
	uint64_t a = blk(&f, 0x70002400ull, 16);
	uint64_t b = blk(&f, 0x70002500ull, 16);
	poke(&f, big, a);	    /* readable */
	poke(&f, 0x70002000ull, b); /* in big, after the hole */
	poke(&f, DATA, big);
	poke(&f, DATA + 8, after);
	CHECK(run(&f) == 0);
	CHECK(at(&f, big)->state == LEAK_REACHABLE);
	CHECK(at(&f, a)->state == LEAK_REACHABLE);
	CHECK(at(&f, b)->state == LEAK_REACHABLE);
	CHECK(at(&f, after)->state == LEAK_REACHABLE);
	fx_free(&f);
}

/* Root ranges never count words inside blocks: a lost block inside the data
 * range stays lost, and so does what it points to. */
static void test_roots_skip_blocks(void)
{
	struct fixture f;
	fx_init(&f);
	uint64_t a = blk(&f, HEAP + 0x100, 32);
	uint64_t inside = blk(&f, DATA + 0x400, 64); /* e.g. a big mmap'd block */
	poke(&f, inside + 8, a);
	CHECK(run(&f) == 0);
	CHECK(at(&f, inside)->state == LEAK_DEFINITE);
	CHECK(at(&f, a)->state == LEAK_INDIRECT);
	CHECK(at(&f, inside)->indirect_bytes == 32);

	poke(&f, DATA + 0x500, inside); /* root after the block */
	CHECK(run(&f) == 0);
	CHECK(at(&f, inside)->state == LEAK_REACHABLE);
	CHECK(at(&f, a)->state == LEAK_REACHABLE);
	fx_free(&f);
}

/* ---- heuristics -------------------------------------------------------- */

/* Every heuristic case: a block reached only through ptr from a root. */
struct heur_case {
	unsigned heur;
	uint64_t size;
	uint64_t w0, w1;
	unsigned ptr_off;
	unsigned want_state, want_heur;
};

static void heur_run(const struct heur_case *hc, int line)
{
	struct fixture f;
	fx_init(&f);
	f.heur = hc->heur;
	uint64_t a = blk(&f, HEAP + 0x100, hc->size);
	poke(&f, a, hc->w0);
	poke(&f, a + 8, hc->w1);
	poke(&f, DATA, a + hc->ptr_off);
	CHECK(run(&f) == 0);
	if (f.b[0].state != hc->want_state || f.b[0].heuristic != hc->want_heur)
		fprintf(stderr, "  (case at line %d: state %u heuristic %u)\n", line, f.b[0].state,
			f.b[0].heuristic);
	CHECK(f.b[0].state == hc->want_state);
	CHECK(f.b[0].heuristic == hc->want_heur);
	fx_free(&f);
}

static void test_heuristics_simple(void)
{
	const unsigned S = HEUR_MASK(HEUR_STDSTRING), L = HEUR_MASK(HEUR_LENGTH64),
		       N = HEUR_MASK(HEUR_NEWARRAY);
	const struct heur_case cases[] = {
		/* std::string rep: length 5, capacity 15, 3 words + 15 + 1 */
		{ S, 24 + 15 + 1, 5, 15, 24, LEAK_REACHABLE, HEUR_STDSTRING },
		{ S, 24 + 15 + 1, 16, 15, 24, LEAK_POSSIBLE, HEUR_NONE }, /* length > capacity */
		{ S, 24 + 15 + 2, 5, 15, 24, LEAK_POSSIBLE, HEUR_NONE },  /* wrong size */
		{ S, 24 + 15 + 1, 5, 15, 16, LEAK_POSSIBLE, HEUR_NONE },  /* wrong offset */
		{ HEUR_ALL, 24 + 15 + 1, 5, 15, 24, LEAK_REACHABLE, HEUR_STDSTRING },
		{ 0, 24 + 15 + 1, 5, 15, 24, LEAK_POSSIBLE, HEUR_NONE }, /* disabled */
		/* length64: the first word is the size of the rest */
		{ L, 8 + 100, 100, 0, 8, LEAK_REACHABLE, HEUR_LENGTH64 },
		{ L, 8 + 100, 99, 0, 8, LEAK_POSSIBLE, HEUR_NONE },
		{ L, 8 + 100, 0, 0, 8, LEAK_POSSIBLE, HEUR_NONE },
		{ L, 8 + 100, 100, 0, 16, LEAK_POSSIBLE, HEUR_NONE },
		/* with all of them on, length64 is tried before newarray */
		{ HEUR_ALL, 8 + 100, 100, 0, 8, LEAK_REACHABLE, HEUR_LENGTH64 },
		/* new[]: element count, then elements of equal size */
		{ N, 8 + 3 * 16, 3, 0, 8, LEAK_REACHABLE, HEUR_NEWARRAY },
		{ N, 8 + 3 * 16, 5, 0, 8, LEAK_POSSIBLE, HEUR_NONE },
		{ N, 8 + 3 * 16, 0, 0, 8, LEAK_POSSIBLE, HEUR_NONE },
		{ HEUR_ALL & ~N, 8 + 3 * 16, 3, 0, 8, LEAK_POSSIBLE, HEUR_NONE },
		{ HEUR_ALL, 8 + 3 * 16, 3, 0, 8, LEAK_REACHABLE, HEUR_NEWARRAY },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		heur_run(&cases[i], __LINE__);
}

/* Lays out two vtables in RODATA pointing at functions in TEXT. */
static void vtables(struct fixture *f, unsigned rodata_flags)
{
	fx_region(f, TEXT, MAP_LEN, SCAN_MAP_READ | SCAN_MAP_EXEC | SCAN_MAP_FILE);
	fx_region(f, RODATA, MAP_LEN, rodata_flags);
	fx_region(f, ANON_RO, MAP_LEN, SCAN_MAP_READ);
	/* vtable 1 at RODATA+0x10: offset-to-top/typeinfo words are not in
	 * the scanned part; a NULL slot is skipped */
	poke(f, RODATA + 0x10, TEXT + 0x100);
	poke(f, RODATA + 0x18, 0);
	poke(f, RODATA + 0x20, TEXT + 0x140);
	/* vtable 2 at RODATA+0x80 */
	poke(f, RODATA + 0x80, TEXT + 0x200);
	poke(f, RODATA + 0x88, TEXT + 0x240);
	/* not a vtable: second slot points to writable anonymous memory */
	poke(f, RODATA + 0x100, TEXT + 0x300);
	poke(f, RODATA + 0x108, HEAP + 0x10);
	/* looks like one but lives in anonymous memory */
	poke(f, ANON_RO, TEXT + 0x100);
	poke(f, ANON_RO + 8, TEXT + 0x140);
}

static void test_multiple_inheritance(void)
{
	const unsigned M = HEUR_MASK(HEUR_MULTIPLEINHERITANCE);
	struct {
		unsigned rodata_flags;
		uint64_t vptr1, vptr2;
		unsigned ptr_off;
		bool mapping;
		unsigned want_state, want_heur;
	} cases[] = {
		{ SCAN_MAP_READ | SCAN_MAP_FILE, RODATA + 0x10, RODATA + 0x80, 16, true,
		  LEAK_REACHABLE, HEUR_MULTIPLEINHERITANCE },
		{ SCAN_MAP_READ | SCAN_MAP_FILE, RODATA + 0x10, RODATA + 0x80, 8, true,
		  LEAK_REACHABLE, HEUR_MULTIPLEINHERITANCE },
		/* no mapping callback: never matches */
		{ SCAN_MAP_READ | SCAN_MAP_FILE, RODATA + 0x10, RODATA + 0x80, 16, false,
		  LEAK_POSSIBLE, HEUR_NONE },
		/* vtables in anonymous memory */
		{ SCAN_MAP_READ, RODATA + 0x10, RODATA + 0x80, 16, true, LEAK_POSSIBLE, HEUR_NONE },
		{ SCAN_MAP_READ | SCAN_MAP_FILE, ANON_RO, RODATA + 0x80, 16, true, LEAK_POSSIBLE,
		  HEUR_NONE },
		/* second vptr's table points outside code */
		{ SCAN_MAP_READ | SCAN_MAP_FILE, RODATA + 0x10, RODATA + 0x100, 16, true,
		  LEAK_POSSIBLE, HEUR_NONE },
		/* misaligned interior pointer */
		{ SCAN_MAP_READ | SCAN_MAP_FILE, RODATA + 0x10, RODATA + 0x80, 12, true,
		  LEAK_POSSIBLE, HEUR_NONE },
		/* a vtable pointer at the last, partial word of the block */
		{ SCAN_MAP_READ | SCAN_MAP_FILE, RODATA + 0x10, RODATA + 0x80, 40, true,
		  LEAK_POSSIBLE, HEUR_NONE },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fixture f;
		fx_init(&f);
		f.heur = M;
		f.with_mapping = cases[i].mapping;
		vtables(&f, cases[i].rodata_flags);
		uint64_t a = blk(&f, HEAP + 0x100, 44);
		poke(&f, a, cases[i].vptr1);
		poke(&f, a + (cases[i].ptr_off & ~7u), cases[i].vptr2);
		poke(&f, DATA, a + cases[i].ptr_off);
		CHECK(run(&f) == 0);
		if (f.b[0].state != cases[i].want_state || f.b[0].heuristic != cases[i].want_heur)
			fprintf(stderr, "  (multipleinheritance case %zu)\n", i);
		CHECK(f.b[0].state == cases[i].want_state);
		CHECK(f.b[0].heuristic == cases[i].want_heur);
		fx_free(&f);
	}
}

/* memcheck's bookkeeping of .heuristic: cleared by a start pointer that
 * reaches an already reachable block, kept when the start pointer is what
 * made it reachable, and set even on a block that stays possible. */
static void test_heuristic_field(void)
{
	const unsigned N = HEUR_MASK(HEUR_NEWARRAY);
	static struct fixture f;
	fx_init(&f);
	f.heur = N;
	uint64_t a = blk(&f, HEAP + 0x100, 8 + 32);
	poke(&f, a, 4);
	poke(&f, DATA, a + 8); /* heuristic: reachable via newarray */
	CHECK(run(&f) == 0);
	CHECK(f.b[0].state == LEAK_REACHABLE && f.b[0].heuristic == HEUR_NEWARRAY);
	poke(&f, DATA + 8, a); /* a start pointer afterwards clears it */
	CHECK(run(&f) == 0);
	CHECK(f.b[0].state == LEAK_REACHABLE && f.b[0].heuristic == HEUR_NONE);
	poke(&f, DATA, a); /* start pointer first: never set */
	poke(&f, DATA + 8, a + 8);
	CHECK(run(&f) == 0);
	CHECK(f.b[0].state == LEAK_REACHABLE && f.b[0].heuristic == HEUR_NONE);

	/* P is possible (interior from the root); P's word points at X+8 with X
	 * new[]-shaped: X stays possible (prior not definite) but memcheck
	 * still records the heuristic. */
	static struct fixture g;
	fx_init(&g);
	g.heur = N;
	uint64_t p = blk(&g, HEAP + 0x100, 64);
	uint64_t x = blk(&g, HEAP + 0x200, 8 + 32);
	poke(&g, p, 0);
	poke(&g, p + 16, x + 8);
	poke(&g, x, 4);
	poke(&g, DATA, p + 24);
	CHECK(run(&g) == 0);
	CHECK(at(&g, p)->state == LEAK_POSSIBLE && at(&g, p)->heuristic == HEUR_NONE);
	CHECK(at(&g, x)->state == LEAK_POSSIBLE);
	CHECK(at(&g, x)->heuristic == HEUR_NEWARRAY);

	/* ...and when a start pointer from a definite block R is seen after
	 * that, X becomes reachable but keeps the heuristic (memcheck only
	 * clears it on a block that was already reachable).  Roots push R then
	 * P; the LIFO walk scans P first. */
	static struct fixture h;
	fx_init(&h);
	h.heur = N;
	uint64_t p2 = blk(&h, HEAP + 0x100, 64);
	uint64_t x2 = blk(&h, HEAP + 0x200, 8 + 32);
	uint64_t r2 = blk(&h, HEAP + 0x300, 16);
	poke(&h, p2 + 16, x2 + 8);
	poke(&h, x2, 4);
	poke(&h, r2, x2);
	poke(&h, DATA, r2);
	poke(&h, DATA + 8, p2 + 24);
	CHECK(run(&h) == 0);
	CHECK(at(&h, p2)->state == LEAK_POSSIBLE);
	CHECK(at(&h, r2)->state == LEAK_REACHABLE);
	CHECK(at(&h, x2)->state == LEAK_REACHABLE);
	CHECK(at(&h, x2)->heuristic == HEUR_NEWARRAY);
	/* the other order of roots: R's start pointer comes first */
	poke(&h, DATA, p2 + 24);
	poke(&h, DATA + 8, r2);
	CHECK(run(&h) == 0);
	CHECK(at(&h, x2)->state == LEAK_REACHABLE);
	CHECK(at(&h, x2)->heuristic == HEUR_NONE);
	fx_free(&h);
	fx_free(&f);
	fx_free(&g);
}

/* The heap of a small program run under valgrind 3.19 with
 * --leak-check=full --show-leak-kinds=all, which reported:
 *    definitely lost: 88 bytes in 3 blocks
 *    indirectly lost: 244 bytes in 5 blocks
 *      possibly lost: 168 bytes in 3 blocks
 *    still reachable: 40 bytes in 1 blocks
 *                       of which reachable via heuristic:
 *                         newarray           : 40 bytes in 1 blocks
 * and the records "220 (32 direct, 188 indirect)" and "72 (16 direct, 56
 * indirect)".  Note the heuristic total counts X, a possibly lost block. */
static void test_valgrind_crosscheck(void)
{
	struct fixture f;
	fx_init(&f);
	uint64_t h = HEAP + 0x1000;
	/* tree(): a -> b, c; b -> d */
	uint64_t a = blk(&f, h, 32), b = blk(&f, h + 0x40, 40);
	uint64_t c = blk(&f, h + 0x80, 48), d = blk(&f, h + 0xc0, 100);
	poke(&f, a, b);
	poke(&f, a + 8, c);
	poke(&f, b + 8, d);
	/* cycle(): x -> y -> z -> x */
	uint64_t x = blk(&f, h + 0x140, 16), y = blk(&f, h + 0x160, 24);
	uint64_t z = blk(&f, h + 0x180, 32);
	poke(&f, x, y);
	poke(&f, y, z);
	poke(&f, z, x);
	/* interior(), reach40(), lost40() */
	uint64_t in = blk(&f, h + 0x1c0, 64);
	uint64_t r40 = blk(&f, h + 0x200, 40);
	uint64_t l40 = blk(&f, h + 0x240, 40);
	poke(&f, DATA, in + 8);
	poke(&f, DATA + 8, r40);
	/* quirk(): P possible, P[2] = X + 8, X new[]-shaped */
	uint64_t p = blk(&f, h + 0x280, 64), xa = blk(&f, h + 0x2c0, 40);
	poke(&f, xa, 4);
	poke(&f, p + 16, xa + 8);
	poke(&f, DATA + 16, p + 24);
	CHECK(run(&f) == 0);

	uint64_t bytes[LEAK_KIND_COUNT] = { 0 }, blocks[LEAK_KIND_COUNT] = { 0 };
	uint64_t heur_bytes[HEUR_COUNT] = { 0 };
	for (size_t i = 0; i < f.nb; i++) {
		bytes[f.b[i].state] += f.b[i].size;
		blocks[f.b[i].state]++;
		if (f.b[i].heuristic)
			heur_bytes[f.b[i].heuristic] += f.b[i].size;
	}
	CHECK(bytes[LEAK_DEFINITE] == 88 && blocks[LEAK_DEFINITE] == 3);
	CHECK(bytes[LEAK_INDIRECT] == 244 && blocks[LEAK_INDIRECT] == 5);
	CHECK(bytes[LEAK_POSSIBLE] == 168 && blocks[LEAK_POSSIBLE] == 3);
	CHECK(bytes[LEAK_REACHABLE] == 40 && blocks[LEAK_REACHABLE] == 1);
	CHECK(heur_bytes[HEUR_NEWARRAY] == 40);
	CHECK(at(&f, a)->indirect_bytes == 188);
	CHECK(at(&f, x)->indirect_bytes == 56);
	CHECK(at(&f, l40)->state == LEAK_DEFINITE && at(&f, l40)->indirect_bytes == 0);
	CHECK(at(&f, xa)->state == LEAK_POSSIBLE);
	fx_free(&f);
}

/* Sparse heaps: blocks spread over clusters, big blocks, many small blocks
 * in one page; every block found by start and interior pointers. */
static void test_lookup_layouts(void)
{
	struct fixture f;
	fx_init(&f);
	fx_region(&f, 0x100000000ull, 0x200000, SCAN_MAP_READ | SCAN_MAP_WRITE);
	fx_region(&f, 0x7f0000000000ull, 0x10000, SCAN_MAP_READ | SCAN_MAP_WRITE);
	/* 64 tiny blocks in one page */
	for (uint64_t i = 0; i < 64; i++)
		blk(&f, HEAP + 16 * i, 16);
	/* scattered blocks with holes of 100 KiB */
	for (uint64_t i = 0; i < 8; i++)
		blk(&f, HEAP + 0x10000 + 100000 * i, 24);
	blk(&f, 0x100000000ull, 0x180000); /* a big block */
	blk(&f, 0x7f0000000000ull + 0x100, 0);
	blk(&f, 0x7f0000000000ull + 0x200, 40);
	size_t n = f.nb;
	/* even blocks by start pointer, odd ones by interior pointer */
	for (size_t i = 0; i < n; i++) {
		uint64_t off = i % 2 && f.b[i].size > 1 ? f.b[i].size - 1 : 0;
		poke(&f, DATA + 8 * i, f.b[i].addr + off);
	}
	/* near misses: just before the first block, in holes, after the last */
	poke(&f, DATA + 0x800, HEAP - 1);
	poke(&f, DATA + 0x808, HEAP + 0x10000 + 24);
	poke(&f, DATA + 0x810, 0x7f0000000000ull + 0x200 + 40);
	CHECK(run(&f) == 0);
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned want = i % 2 && f.b[i].size > 1 ? LEAK_POSSIBLE : LEAK_REACHABLE;
		if (f.b[i].state != want) {
			fprintf(stderr, "  block %zu at %#llx: state %u, want %u\n", i,
				(unsigned long long)f.b[i].addr, f.b[i].state, want);
			bad++;
		}
	}
	CHECK(bad == 0);
	fx_free(&f);
}

static void test_empty(void)
{
	struct fixture f;
	fx_init(&f);
	CHECK(run(&f) == 0);
	fx_free(&f);
}

/* xorshift64*: deterministic, so a failure reproduces. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* ---- a word-by-word model of memcheck, for random heaps ---------------- */

/* mc_leakcheck.c's walk written the plain way: every word read on its own,
 * blocks found by linear search, no edge list.  The fast scan must agree on
 * every field. */
struct model {
	struct fixture *f;
	uint8_t state[MAX_BLOCKS], heur[MAX_BLOCKS], pending[MAX_BLOCKS];
	uint64_t indirect[MAX_BLOCKS];
	uint32_t leader[MAX_BLOCKS];
	uint32_t stack[MAX_BLOCKS];
	size_t top;
};

static long model_find(const struct fixture *f, uint64_t p)
{
	for (size_t i = 0; i < f->nb; i++) {
		uint64_t sz = f->b[i].size ? f->b[i].size : 1;
		if (p >= f->b[i].addr && p - f->b[i].addr < sz)
			return (long)i;
	}
	return -1;
}

static bool model_word(struct fixture *f, uint64_t addr, uint64_t *v)
{
	return fake_read(f, addr, v, 8) == 8;
}

static void model_push(struct model *m, size_t i)
{
	if (!m->pending[i]) {
		m->pending[i] = 1;
		m->stack[m->top++] = (uint32_t)i;
	}
}

static unsigned model_heur(struct model *m, size_t i, uint64_t ptr)
{
	struct fixture *f = m->f;
	uint64_t data = f->b[i].addr, size = f->b[i].size, w0, w1;
	unsigned set = f->heur;
	if ((set & HEUR_MASK(HEUR_STDSTRING)) && ptr == data + 24 && size >= 16 &&
	    model_word(f, data + 8, &w1) && 24 + w1 + 1 == size && model_word(f, data, &w0) &&
	    w0 <= w1)
		return HEUR_STDSTRING;
	if ((set & HEUR_MASK(HEUR_LENGTH64)) && ptr == data + 8 && size >= 8 &&
	    model_word(f, data, &w0) && w0 > 0 && size - 8 == w0)
		return HEUR_LENGTH64;
	if ((set & HEUR_MASK(HEUR_NEWARRAY)) && ptr == data + 8 && size >= 8 &&
	    model_word(f, data, &w0) && w0 > 0 && (size - 8) % w0 == 0)
		return HEUR_NEWARRAY;
	return HEUR_NONE;
}

static void model_found(struct model *m, uint64_t ptr, bool definite, long clique)
{
	long i = model_find(m->f, ptr);
	if (i < 0)
		return;
	bool start = ptr == m->f->b[i].addr;
	if (clique >= 0) {
		if (m->state[i] == LEAK_DEFINITE && i != clique) {
			model_push(m, (size_t)i);
			m->indirect[clique] += m->f->b[i].size + m->indirect[i];
			m->indirect[i] = 0;
			m->state[i] = LEAK_INDIRECT;
			m->leader[i] = (uint32_t)clique;
		}
		return;
	}
	if (m->state[i] == LEAK_REACHABLE) {
		if (m->heur[i] && start)
			m->heur[i] = HEUR_NONE;
		return;
	}
	bool reach = start;
	if (!start && m->f->heur) {
		m->heur[i] = (uint8_t)model_heur(m, (size_t)i, ptr);
		reach = m->heur[i] != HEUR_NONE;
	}
	if (reach && definite) {
		m->state[i] = LEAK_REACHABLE;
		model_push(m, (size_t)i);
	} else if (m->state[i] == LEAK_DEFINITE) {
		m->state[i] = LEAK_POSSIBLE;
		model_push(m, (size_t)i);
	}
}

static void model_scan(struct model *m, uint64_t from, uint64_t to, bool definite, long clique,
		       bool skip_blocks)
{
	for (uint64_t a = (from + 7) & ~7ull; a + 8 <= to; a += 8) {
		uint64_t v;
		if (skip_blocks) {
			long b = model_find(m->f, a);
			if (b >= 0 && m->f->b[b].size)
				continue;
		}
		if (model_word(m->f, a, &v))
			model_found(m, v, definite, clique);
	}
}

static void model_process(struct model *m, long clique)
{
	while (m->top) {
		size_t i = m->stack[--m->top];
		m->pending[i] = 0;
		model_scan(m, m->f->b[i].addr, m->f->b[i].addr + m->f->b[i].size,
			   m->state[i] != LEAK_POSSIBLE, clique, false);
	}
}

static void model_run(struct model *m, struct fixture *f)
{
	memset(m, 0, sizeof *m);
	m->f = f;
	for (size_t r = 0; r < f->nroots; r++)
		model_scan(m, f->roots[r].start, f->roots[r].end, true, -1, true);
	for (size_t r = 0; r < f->nregs; r++)
		model_found(m, f->regs[r], true, -1);
	model_process(m, -1);
	for (size_t i = 0; i < f->nb; i++) {
		if (m->state[i] == LEAK_DEFINITE) {
			model_push(m, i);
			model_process(m, (long)i);
		}
	}
	for (size_t i = 0; i < f->nb; i++) {
		if (m->state[i] != LEAK_INDIRECT) {
			m->leader[i] = (uint32_t)i;
			continue;
		}
		uint32_t l = m->leader[i];
		while (m->state[l] == LEAK_INDIRECT)
			l = m->leader[l];
		m->leader[i] = l;
	}
}

/* A word for a random heap: mostly pointers to starts and insides of
 * blocks, some of them shaped for the heuristics. */
static uint64_t random_word(struct fixture *f, uint64_t *seed)
{
	uint64_t r = rng_next(seed);
	const struct scan_block *b = &f->b[r % f->nb];
	switch ((r >> 20) % 8) {
	case 0:
	case 1:
	case 2:
		return b->addr;
	case 3:
		return b->addr + 8;
	case 4:
		return b->addr + 24;
	case 5:
		return b->addr + ((r >> 32) % (b->size + 2));
	case 6:
		return (r >> 40) % 64;
	default:
		return 0;
	}
}

static void test_random_against_model(void)
{
	uint64_t seed = 7;
	size_t mismatches = 0;
	for (int iter = 0; iter < 3000 && mismatches < 5; iter++) {
		struct fixture f;
		fx_init(&f);
		f.heur =
		    (unsigned)(rng_next(&seed) % 2
				   ? HEUR_ALL & ~HEUR_MASK(HEUR_MULTIPLEINHERITANCE)
				   : rng_next(&seed) % 16 & ~HEUR_MASK(HEUR_MULTIPLEINHERITANCE));
		size_t n = 1 + rng_next(&seed) % 40;
		uint64_t addr = HEAP + 0x1000;
		for (size_t i = 0; i < n; i++) {
			uint64_t size = rng_next(&seed) % 6 == 0 ? 0 : rng_next(&seed) % 72;
			blk(&f, addr, size);
			addr += ((size + 15) & ~15ull) + 16 * (1 + rng_next(&seed) % 3);
		}
		/* some blocks in a second, sparse cluster */
		for (size_t i = 0; i < 3 && f.nb < MAX_BLOCKS; i++)
			blk(&f, HEAP + 0x80000 + 0x20000 * i, 8 + rng_next(&seed) % 64);
		for (size_t i = 0; i < f.nb; i++) {
			for (uint64_t o = 0; o + 8 <= f.b[i].size; o += 8)
				poke(&f, f.b[i].addr + o,
				     rng_next(&seed) % 3 ? 0 : random_word(&f, &seed));
			if (f.b[i].size >= 16 && rng_next(&seed) % 4 == 0) /* new[] / length64 */
				poke(&f, f.b[i].addr, rng_next(&seed) % 2 ? f.b[i].size - 8 : 2);
			if (f.b[i].size == 40 && rng_next(&seed) % 2) { /* std::string rep */
				poke(&f, f.b[i].addr, 3);
				poke(&f, f.b[i].addr + 8, 15);
			}
		}
		size_t nroot = rng_next(&seed) % 6;
		for (size_t k = 0; k < nroot; k++)
			poke(&f, DATA + 8 * (rng_next(&seed) % 64), random_word(&f, &seed));
		f.nregs = rng_next(&seed) % 3;
		for (size_t k = 0; k < f.nregs; k++)
			f.regs[k] = random_word(&f, &seed);
		f.roots[0].start = DATA + rng_next(&seed) % 8;

		struct model m;
		model_run(&m, &f);
		CHECK(run(&f) == 0);
		for (size_t i = 0; i < f.nb; i++) {
			if (f.b[i].state == m.state[i] && f.b[i].heuristic == m.heur[i] &&
			    f.b[i].clique == m.leader[i] &&
			    f.b[i].indirect_bytes ==
				(m.state[i] == LEAK_DEFINITE ? m.indirect[i] : 0))
				continue;
			fprintf(stderr,
				"  iter %d block %zu: state %u/%u heur %u/%u clique %u/%u "
				"indirect %llu/%llu\n",
				iter, i, f.b[i].state, m.state[i], f.b[i].heuristic, m.heur[i],
				f.b[i].clique, m.leader[i],
				(unsigned long long)f.b[i].indirect_bytes,
				(unsigned long long)m.indirect[i]);
			mismatches++;
			break;
		}
		fx_free(&f);
	}
	CHECK(mismatches == 0);
}

/* ---- benchmark --------------------------------------------------------- */

static ssize_t self_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	memcpy(buf, (const void *)(uintptr_t)addr, len);
	return (ssize_t)len;
}

/* The reader leaktrace uses, on a forked copy of this process. */
static ssize_t child_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	pid_t pid = *(const pid_t *)ctx;
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	return process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench_fill(const struct scan_block *b, size_t n)
{
	uint64_t seed = 42;
	for (size_t i = 0; i < n; i++) {
		uint64_t *w = (uint64_t *)(uintptr_t)b[i].addr;
		size_t nw = b[i].size / 8;
		for (size_t k = 0; k < nw; k++) {
			uint64_t r = rng_next(&seed);
			w[k] = k % 4 == 0 ? r : k % 4 == 1 ? r % 1000 : 0;
		}
		w[0] = i + 1 < n && i != n / 2 ? b[i + 1].addr : 0;
		if (i % 4 == 0)
			w[1] = b[rng_next(&seed) % n].addr + 8 * (1 + rng_next(&seed) % 8);
	}
}

/* A glibc-like heap: 1,000,000 blocks of 1000..1048 bytes, 16-byte headers
 * between them.  Each block links to the next, a quarter also hold an
 * interior pointer to a random block, and the rest is a mix of zeros, small
 * integers and random 64-bit values.  The list is cut in the middle, so half
 * of it is reachable and half is one lost clique. */
static int bench(void)
{
	enum { N = 1000000 };
	size_t total = 0;
	for (size_t i = 0; i < N; i++)
		total += 16 + 1000 + 8 * (i % 7);
	unsigned char *mem =
	    mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct scan_block *b = calloc(N, sizeof *b);
	if (mem == MAP_FAILED || !b) {
		fprintf(stderr, "bench: out of memory\n");
		return 1;
	}
	uint64_t off = 0;
	for (size_t i = 0; i < N; i++) {
		b[i].addr = (uint64_t)(uintptr_t)mem + off + 16;
		b[i].size = 1000 + 8 * (i % 7);
		off += 16 + b[i].size;
	}
	uint64_t root[2] = { b[0].addr, 0 };
	struct scan_range roots[] = {
		{ (uint64_t)(uintptr_t)root, (uint64_t)(uintptr_t)(root + 2) },
	};
	/* The child writes its own copy of the heap, so that its pages are its
	 * own as a traced program's are, not shared copy-on-write. */
	int ready[2];
	if (pipe(ready) != 0)
		return 1;
	pid_t child = fork();
	if (child == 0) {
		bench_fill(b, N);
		if (write(ready[1], "", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	bench_fill(b, N);
	char c;
	if (child > 0 && read(ready[0], &c, 1) != 1)
		child = -1;
	close(ready[0]);
	close(ready[1]);
	struct scan_memory self = { NULL, self_read, NULL };
	struct scan_memory other = { &child, child_read, NULL };
	int rc = 0;
	for (int rep = 0; rep < 4; rep++) {
		struct scan_input in = {
			.blocks = b,
			.nblocks = N,
			.roots = roots,
			.nroots = 1,
			.mem = rep < 2 || child < 0 ? &self : &other,
			.heuristics = HEUR_ALL,
		};
		double t0 = now();
		int err = scan_run(&in);
		double t1 = now();
		size_t count[LEAK_KIND_COUNT] = { 0 };
		for (size_t i = 0; i < N; i++)
			count[b[i].state]++;
		printf("%-17s %zu blocks, %.0f MiB: %.3f s  (definite %zu, indirect %zu, "
		       "possible %zu, reachable %zu)\n",
		       in.mem == &self ? "memcpy" : "process_vm_readv", (size_t)N,
		       (double)total / 1048576.0, t1 - t0, count[LEAK_DEFINITE],
		       count[LEAK_INDIRECT], count[LEAK_POSSIBLE], count[LEAK_REACHABLE]);
		if (err || count[LEAK_REACHABLE] != N / 2 + 1)
			rc = 1;
	}
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	munmap(mem, total);
	free(b);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--bench") == 0)
		return bench();

	test_empty();
	test_tree();
	test_cycle();
	test_clique_merge();
	test_interior_and_start();
	test_zero_size();
	test_chain();
	test_upgrade();
	test_alignment();
	test_unreadable_roots();
	test_unreadable_block();
	test_roots_skip_blocks();
	test_heuristics_simple();
	test_multiple_inheritance();
	test_heuristic_field();
	test_lookup_layouts();
	test_valgrind_crosscheck();
	test_random_against_model();

	return check_summary("test_scan");
}
