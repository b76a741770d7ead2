/* breakpoint: int3s that stay in place.
 *
 * The one idea: a thread that hits our int3 never needs the original byte
 * put back.  The displaced first instruction is copied, once, into a scratch
 * mapping in the target, followed by a jump back to the instruction after it;
 * a stopped thread is simply resumed at the copy.  So every thread sees the
 * int3 at all times, nothing is single-stepped, and a hit costs one stop.
 *
 * Copying an instruction elsewhere changes what a RIP-relative operand
 * points at; capstone tells where the displacement sits in the encoding and
 * it is rebased, which is why the scratch mapping is placed within +-2 GiB of
 * the code it serves.  First instructions that are no-ops for our purpose
 * (endbr64, nop) are skipped instead of copied, and a leading direct jmp is
 * followed.  Anything else that is relative to RIP (call, jcc, loop) is
 * refused: the caller then leaves that function unhooked and says so. */
#include <capstone/capstone.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaktrace/breakpoint.h"
#include "leaktrace/hashslot.h"

#define SCRATCH_LEN 65536u
#define SLOT_LEN    32u
#define TRAP_AREA   64u /* traps live at the start of the first scratch */
#define INT3	    0xcc

struct scratch {
	uint64_t base, len, used;
};

struct bptab {
	const struct target_mem *tm;
	bp_map_fn map;
	void *map_ctx;
	csh cs;
	bool cs_ok;

	struct breakpoint *slots; /* open addressing on addr; addr 0 = empty */
	size_t cap, count;

	struct scratch *scr;
	size_t nscr;

	struct ool {
		uint64_t slot, orig; /* where the copy is, what it copies */
		uint8_t len;	     /* bytes of the copied instruction */
	} * ools;
	size_t nools, ools_cap;
	uint64_t traps[TRAP_COUNT];
	char errmsg[256];
};

static size_t slot_of(uint64_t addr, size_t cap)
{
	return hashslot(addr, cap);
}

struct bptab *bptab_new(const struct target_mem *tm, bp_map_fn map, void *map_ctx)
{
	struct bptab *bt = calloc(1, sizeof *bt);

	if (!bt)
		return NULL;
	bt->tm = tm;
	bt->map = map;
	bt->map_ctx = map_ctx;
	bt->cap = 256;
	bt->slots = calloc(bt->cap, sizeof *bt->slots);
	if (!bt->slots) {
		free(bt);
		return NULL;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &bt->cs) == CS_ERR_OK) {
		cs_option(bt->cs, CS_OPT_DETAIL, CS_OPT_ON);
		bt->cs_ok = true;
	}
	return bt;
}

void bptab_free(struct bptab *bt)
{
	if (!bt)
		return;
	if (bt->cs_ok)
		cs_close(&bt->cs);
	free(bt->slots);
	free(bt->scr);
	free(bt->ools);
	free(bt);
}

const char *bptab_errmsg(const struct bptab *bt)
{
	return bt->errmsg;
}

static struct breakpoint *find_slot(const struct bptab *bt, uint64_t addr)
{
	size_t i = slot_of(addr, bt->cap);

	while (bt->slots[i].addr) {
		if (bt->slots[i].addr == addr)
			return &bt->slots[i];
		i = (i + 1) & (bt->cap - 1);
	}
	return NULL;
}

const struct breakpoint *bptab_lookup(const struct bptab *bt, uint64_t addr)
{
	return addr ? find_slot(bt, addr) : NULL;
}

static void put_slot(struct breakpoint *slots, size_t cap, const struct breakpoint *b)
{
	size_t i = slot_of(b->addr, cap);

	while (slots[i].addr)
		i = (i + 1) & (cap - 1);
	slots[i] = *b;
}

static int grow(struct bptab *bt)
{
	size_t ncap = bt->cap * 2;
	struct breakpoint *ns = calloc(ncap, sizeof *ns);

	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < bt->cap; i++)
		if (bt->slots[i].addr)
			put_slot(ns, ncap, &bt->slots[i]);
	free(bt->slots);
	bt->slots = ns;
	bt->cap = ncap;
	return 0;
}

static bool within_rel32(uint64_t from, uint64_t to)
{
	int64_t d = (int64_t)(to - from);
	return d >= INT32_MIN && d <= INT32_MAX;
}

/* A scratch slot of len bytes within +-2 GiB of near (if need_near). */
static uint64_t scratch_alloc(struct bptab *bt, uint64_t near, size_t len, bool need_near)
{
	int err = 0;

	for (size_t i = 0; i < bt->nscr; i++) {
		struct scratch *s = &bt->scr[i];
		if (s->used + len > s->len)
			continue;
		if (need_near &&
		    (!within_rel32(s->base, near) || !within_rel32(s->base + s->len, near)))
			continue;
		uint64_t a = s->base + s->used;
		s->used += len;
		return a;
	}
	struct scratch *ns = realloc(bt->scr, (bt->nscr + 1) * sizeof *ns);
	if (!ns)
		return 0;
	bt->scr = ns;
	uint64_t base = bt->map(bt->map_ctx, near, SCRATCH_LEN, &err);
	if (!base) {
		snprintf(bt->errmsg, sizeof bt->errmsg,
			 "cannot map a scratch page in the target: %s", strerror(-err));
		return 0;
	}
	if (need_near && !within_rel32(base, near)) {
		snprintf(bt->errmsg, sizeof bt->errmsg,
			 "no free address space within 2 GiB of 0x%llx for a scratch page",
			 (unsigned long long)near);
		return 0;
	}
	bt->scr[bt->nscr++] = (struct scratch){ base, SCRATCH_LEN, len };
	return base;
}

uint64_t bptab_scratch_alloc(struct bptab *bt, uint64_t near, size_t len)
{
	return scratch_alloc(bt, near, (len + 15) & ~(size_t)15, true);
}

int bptab_ensure_traps(struct bptab *bt, uint64_t near)
{
	uint8_t code[TRAP_AREA];

	if (bt->traps[TRAP_RETURN])
		return 0;
	uint64_t a = scratch_alloc(bt, near, TRAP_AREA, false);
	if (!a)
		return -ENOMEM;
	memset(code, INT3, sizeof code);
	code[16 * TRAP_PARK] = 0xeb; /* jmp . */
	code[16 * TRAP_PARK + 1] = 0xfe;
	int err = target_write(bt->tm, a, code, sizeof code);
	if (err)
		return err;
	for (int t = 0; t < TRAP_COUNT; t++)
		bt->traps[t] = a + 16u * (unsigned)t;
	return 0;
}

uint64_t bptab_trap(const struct bptab *bt, enum bp_trap trap)
{
	return bt->traps[trap];
}

int bptab_which_trap(const struct bptab *bt, uint64_t addr)
{
	for (int t = 0; t < TRAP_COUNT; t++)
		if (bt->traps[t] && bt->traps[t] == addr)
			return t;
	return -1;
}

size_t bptab_scratch(const struct bptab *bt, uint64_t *starts, uint64_t *lens, size_t max)
{
	size_t n = bt->nscr < max ? bt->nscr : max;

	for (size_t i = 0; i < n; i++) {
		starts[i] = bt->scr[i].base;
		lens[i] = bt->scr[i].len;
	}
	return bt->nscr;
}

/* Builds the out-of-line copy of insn (originally at from) for address to:
 * the relocated instruction, then a jump back to from + size. */
static int build_ool(struct bptab *bt, const cs_insn *insn, uint64_t to, uint8_t *out,
		     size_t *outlen)
{
	const cs_x86 *x = &insn->detail->x86;
	uint64_t from = insn->address, next = from + insn->size;
	size_t n = insn->size;

	memcpy(out, insn->bytes, n);
	for (int i = 0; i < x->op_count; i++) {
		if (x->operands[i].type != X86_OP_MEM || x->operands[i].mem.base != X86_REG_RIP)
			continue;
		if (x->encoding.disp_size != 4 || !x->encoding.disp_offset)
			return -ENOTSUP;
		/* the operand's target is next + disp; from the copy it must be the same */
		int64_t target = (int64_t)next + x->disp;
		int64_t ndisp = target - (int64_t)(to + n);
		if (ndisp < INT32_MIN || ndisp > INT32_MAX)
			return -ERANGE;
		int32_t d32 = (int32_t)ndisp;
		memcpy(out + x->encoding.disp_offset, &d32, 4);
	}
	if (within_rel32(to + n + 5, next)) {
		int32_t rel = (int32_t)((int64_t)next - (int64_t)(to + n + 5));
		out[n++] = 0xe9;
		memcpy(out + n, &rel, 4);
		n += 4;
	} else {
		/* jmp *0(%rip); .quad next */
		static const uint8_t jabs[6] = { 0xff, 0x25, 0, 0, 0, 0 };
		memcpy(out + n, jabs, 6);
		n += 6;
		memcpy(out + n, &next, 8);
		n += 8;
	}
	*outlen = n;
	(void)bt;
	return 0;
}

static bool is_relative_branch(const cs_insn *insn)
{
	const cs_detail *d = insn->detail;

	for (int i = 0; i < d->groups_count; i++)
		if (d->groups[i] == CS_GRP_BRANCH_RELATIVE)
			return true;
	return false;
}

int bptab_insert(struct bptab *bt, uint64_t addr, int tag)
{
	uint8_t code[16], ool[SLOT_LEN];
	struct breakpoint b = { .addr = addr, .tag = tag };
	cs_insn *insn = NULL;
	size_t ooln = 0;
	int err;

	bt->errmsg[0] = '\0';
	if (find_slot(bt, addr))
		return -EEXIST;
	if (!bt->cs_ok) {
		snprintf(bt->errmsg, sizeof bt->errmsg, "capstone could not be opened");
		return -ENOTSUP;
	}
	ssize_t got = target_read(bt->tm, addr, code, sizeof code);
	if (got <= 0) {
		snprintf(bt->errmsg, sizeof bt->errmsg, "cannot read code at 0x%llx",
			 (unsigned long long)addr);
		return -EFAULT;
	}
	if (cs_disasm(bt->cs, code, (size_t)got, addr, 1, &insn) != 1) {
		snprintf(bt->errmsg, sizeof bt->errmsg, "cannot decode the instruction at 0x%llx",
			 (unsigned long long)addr);
		return -ENOTSUP;
	}
	b.orig = code[0];
	if (insn->id == X86_INS_ENDBR64 || insn->id == X86_INS_NOP) {
		b.resume = addr + insn->size;
	} else if (insn->id == X86_INS_JMP && insn->detail->x86.op_count == 1 &&
		   insn->detail->x86.operands[0].type == X86_OP_IMM) {
		b.resume = (uint64_t)insn->detail->x86.operands[0].imm;
	} else if (is_relative_branch(insn) || insn->id == X86_INS_CALL) {
		snprintf(bt->errmsg, sizeof bt->errmsg,
			 "the first instruction at 0x%llx (%s %s) cannot run out of line",
			 (unsigned long long)addr, insn->mnemonic, insn->op_str);
		cs_free(insn, 1);
		return -ENOTSUP;
	} else {
		uint64_t slot = scratch_alloc(bt, addr, SLOT_LEN, true);
		if (!slot) {
			cs_free(insn, 1);
			return -ENOMEM;
		}
		err = build_ool(bt, insn, slot, ool, &ooln);
		if (err) {
			snprintf(bt->errmsg, sizeof bt->errmsg,
				 "cannot relocate the first instruction at 0x%llx (%s %s)",
				 (unsigned long long)addr, insn->mnemonic, insn->op_str);
			cs_free(insn, 1);
			return err;
		}
		err = target_write(bt->tm, slot, ool, ooln);
		if (err) {
			cs_free(insn, 1);
			return err;
		}
		if (bt->nools == bt->ools_cap) {
			size_t nc = bt->ools_cap ? bt->ools_cap * 2 : 64;
			struct ool *nv = realloc(bt->ools, nc * sizeof *nv);
			if (!nv) {
				cs_free(insn, 1);
				return -ENOMEM;
			}
			bt->ools = nv;
			bt->ools_cap = nc;
		}
		bt->ools[bt->nools++] = (struct ool){ slot, addr, (uint8_t)insn->size };
		b.resume = slot;
	}
	cs_free(insn, 1);
	if (bt->count + 1 > bt->cap * 7 / 10 && (err = grow(bt)))
		return err;
	uint8_t int3 = INT3;
	err = target_write(bt->tm, addr, &int3, 1);
	if (err) {
		snprintf(bt->errmsg, sizeof bt->errmsg, "cannot write a breakpoint at 0x%llx: %s",
			 (unsigned long long)addr, strerror(-err));
		return err;
	}
	put_slot(bt->slots, bt->cap, &b);
	bt->count++;
	return 0;
}

int bptab_restore_into(const struct bptab *bt, const struct target_mem *other)
{
	int err = 0;

	for (size_t i = 0; i < bt->cap; i++) {
		if (!bt->slots[i].addr)
			continue;
		int e = target_write(other, bt->slots[i].addr, &bt->slots[i].orig, 1);
		if (e && !err)
			err = e;
	}
	return err;
}

/* A thread can only be stopped at an instruction boundary of the copy:
 * its start (the displaced instruction has not run) or the jump back (it
 * has). */
bool bptab_translate_ool(const struct bptab *bt, uint64_t rip, uint64_t *orig)
{
	for (size_t i = 0; i < bt->nools; i++) {
		const struct ool *o = &bt->ools[i];
		if (rip == o->slot) {
			*orig = o->orig;
			return true;
		}
		if (rip == o->slot + o->len) {
			*orig = o->orig + o->len;
			return true;
		}
	}
	return false;
}

int bptab_remove_all(struct bptab *bt)
{
	int err = 0;

	for (size_t i = 0; i < bt->cap; i++) {
		if (!bt->slots[i].addr)
			continue;
		int e = target_write(bt->tm, bt->slots[i].addr, &bt->slots[i].orig, 1);
		if (e && !err)
			err = e;
		bt->slots[i].addr = 0;
	}
	bt->count = 0;
	return err;
}
