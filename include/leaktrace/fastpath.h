/* fastpath: allocator events recorded inside the target, without a stop.
 *
 * A hooked function's first instructions are replaced by a 5-byte jmp to a
 * stub that leaktrace writes into a scratch mapping near the function.  The
 * stub appends a record (registers, return address, a copy of the top of
 * the stack) to a ring in the target's memory and runs the displaced
 * instructions out of line.  The ring is a memfd that the target and the
 * tracer both map: the tracer reads records straight from its own mapping
 * whenever it likes.  A ptrace stop happens only when the ring is full.
 *
 * Ring protocol.  Record indices are 64-bit and never reset; index i lives
 * in slot i & mask.  A writer claims i with lock xadd on hdr.head, writes
 * the record, and publishes it by storing seq = i + 1 last.  A writer may
 * use slot i only when i - hdr.drained < capacity; otherwise it executes an
 * int3 (at fp_stub.trap_full[]) and re-checks after the tracer resumes it,
 * keeping the index it already claimed.  The tracer consumes published
 * records (fp_consume, out of index order where a writer is slow) and
 * raises drained over the consumed prefix.
 * An FP_ALLOC stub claims its record at the entry and publishes it at the
 * return (phase FP_CALL), with the result and the ring's head at that
 * moment (ret_head): its place among the others is the return, and the
 * consumer hands it over there (fp_consume).  Between the two it keeps the
 * index + 1 in the word under the entry rsp.
 * Because indices are never reused, a thread stopped between claim and
 * publish is harmless: its slot cannot be handed out again until it has
 * published and been consumed, and the minimum unpublished index always
 * fits (it is >= drained), so some writer can always make progress.
 *
 * Rules for the tracer:
 *  - It writes hdr.drained with an atomic store into the shared mapping.
 *  - Reading records while threads run is fine, in two reads: a snapshot
 *    tells which records are published (fp_ring_published); a second read
 *    of those records is then consistent, because a published record does
 *    not change until drained passes it.  With all threads stopped one read
 *    is enough.
 *  - Detach: set FP_FLAG_DISABLED (stubs then record nothing and never
 *    trap), restore the entry bytes, and leave the stubs mapped: a thread
 *    inside malloc returns into its stub.
 *  - A SIGSEGV whose RIP equals fp_stub.copy_insn is the stack copy running
 *    off the end of a stack mapping: set RIP to copy_resume and suppress
 *    the signal; the record then carries the bytes copied so far.
 *  - Set hdr.stack_end to the end of the main thread's stack mapping (or
 *    leave it 0): a copy that starts below it stops there.  The main
 *    thread calls the allocator with main() a few hundred bytes below the
 *    end of its stack, and without the clip every such call would cost a
 *    fault and its stop.  Other threads' stacks (glibc puts the thread's
 *    descriptor above its stack, in the same mapping) seldom fault.
 *
 * Limitation: a slot claimed but never published blocks the ring for good
 * once it is a lap behind.  That happens only if the writer never returns
 * to the stub: a signal handler that interrupts the instructions
 * between claim and publish (dozens; hundreds for a long stack walk) and
 * then siglongjmps away, or that makes more
 * than a ring's worth of allocator calls itself (it then waits for its own
 * interrupted record).  The tracer can tell a writer in that window (RIP in
 * the stub between the xadd and the seq store; the index in rax, then r8,
 * r8 = index + 1 just before the store); when no thread holds the first
 * unpublished index and the ring stays stuck, it counts that record lost
 * and moves drained past it, all threads stopped (ringread.c's
 * ringread_check_hole); a thread inside an FP_ALLOC call holds its index in
 * that word (fastpatch_call_holds).  An FP_CALL record given up is not
 * published at the return (its index is below drained by then).
 *
 * Thread identity: the stub stores %fs:0 (the thread pointer, which the
 * x86-64 TLS ABI puts there for every libc; equal to the thread's fs_base,
 * which PTRACE_GETREGS reports) and the 32-bit word at %fs:tid_offset,
 * which is struct pthread's tid on glibc (0x2d0 on glibc 2.36 x86-64).  If
 * the tracer cannot confirm tid_offset (compare fs_base + offset with each
 * thread's tid at attach), it passes -1 and maps tp to tid itself. */
#ifndef LEAKTRACE_FASTPATH_H
#define LEAKTRACE_FASTPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FP_RING_MAGIC	  0x31474e52504c544cull /* "LTLPRNG1" */
#define FP_RING_VERSION	  4
#define FP_FLAG_DISABLED  1u
/* A stub that finds the ring full never traps: it yields the CPU until the
 * tracer drains, and once the tracer has not looked at the ring for
 * stall_ticks of the TSC (FP_STALL_SECONDS: it died, or cannot run) sets
 * FP_FLAG_DISABLED and lets every call through unrecorded.  For -p, where
 * the program must outlive us.  Set stall_ticks and alive_tsc first. */
#define FP_FLAG_FAILSAFE  2u
/* The CPU has rdtscp and Linux's TSC_AUX (the CPU number in its low 12
 * bits): polling may hold the tracer's CPU + 1 (see polling). */
#define FP_FLAG_RDTSCP	  4u
#define FP_STALL_SECONDS  1
/* A walk that meets a pc without a rule traps (at fp_stub.learn_trap, the
 * record in r10, the frames walked so far in its nframes) instead of
 * copying the stack: the tracer unwinds the live stack, which no copy can
 * hold whole when frames are large, writes the frames and nframes into the
 * record, teaches their rules, and resumes the stub at learn_resume, which
 * publishes it.  Never with FP_FLAG_FAILSAFE.  Without it, the copy.  A
 * walked record carries no callee-saved registers: at the trap, rbp is the
 * entry's, and the others are on the stack from the trap's rsp up, where
 * the walk pushed them (enum fp_learn_saved). */
#define FP_FLAG_LEARN	  8u
/* The CPU has PREFETCHW: see FP_PREFETCHW_AHEAD */
#define FP_FLAG_PREFETCHW 16u
enum fp_learn_saved {
	FP_SAVED_R15,
	FP_SAVED_R14,
	FP_SAVED_R13,
	FP_SAVED_R12,
	FP_SAVED_RBX,
	FP_SAVED_N
};
#define FP_STUB_MAX	    2048u
/* New blocks with more new bytes than this are not zeroed (zero_new): as
 * glibc's default mmap threshold, such blocks mostly come from fresh
 * zero pages, and zeroing a large buffer the program never fills would
 * commit its pages */
#define FP_ZERO_MAX	    131072u
#define FP_TID_OFFSET_GLIBC 0x2d0 /* offsetof(struct pthread, tid), 2.36 */

/* Offsets are part of the stub's code: change them only with fastpath.c.
 * Four cache lines, by who writes them: line 0 and 1 are read-mostly (the
 * stubs read them at every call), head alone on line 2 (the writers' lock
 * xadd; the tracer reads it once per drain), drained and alive_tsc on line 3
 * (the tracer's stores).  With head beside the fields every stub reads, each
 * look of the tracer at head cost the next stub a miss on all of them. */
struct fp_ring_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t rec_size;     /* bytes per record, a multiple of 64 */
	uint64_t capacity;     /* records, a power of two */
	uint64_t mask;	       /* capacity - 1 */
	uint64_t stack_qwords; /* stack bytes copied at an entry / 8 */
	uint64_t flags;	       /* FP_FLAG_* */
	uint64_t pad0;
	uint64_t stack_end; /* written by the tracer: see below */
	uint64_t pad1;
	uint64_t rules_off;   /* offset of the rule table (FP_RULES entries) */
	uint64_t max_frames;  /* frames a stub walks; 0: stubs copy the stack */
	uint64_t rule_hash;   /* FP_RULE_HASH, read by the stubs */
	uint64_t rules_used;  /* entries taught (the tracer's count) */
	uint64_t copy_off;    /* offset of the stack copies, one per slot */
	uint64_t walk_qwords; /* how far above the entry rsp a walk may read / 8 */
	int64_t stall_ticks;  /* FP_FLAG_FAILSAFE: TSC ticks without a look before giving up */
	uint64_t head;	      /* claimed records; own cache line */
	/* how long a writer sleeps at most in one wait for room (a struct
	 * timespec: FUTEX_WAIT's timeout, read by the kernel) */
	int64_t wait_ts[2];
	/* the hold-back of freed blocks (fp_ring_set_hold), in two tiers by
	 * chunk size: at hold_off a count on a cache line of its own, then
	 * FP_HOLD_MAX slots, for chunks up to hold_cap; then the same for
	 * larger chunks up to hold_big_cap, FP_HOLD_BIG_MAX slots.  glibc's
	 * free in the stubs puts its block in slot count++ & mask of its tier
	 * and frees the one it takes out, if any */
	uint64_t hold_big_mask;
	uint64_t hold_mask;
	uint64_t hold_cap; /* chunks up to this size are held; 0: none */
	uint64_t hold_off; /* offset of the counts and the slots */
	uint64_t hold_big_cap;
	uint64_t drained;   /* written by the tracer: records consumed */
	uint64_t alive_tsc; /* FP_FLAG_FAILSAFE: TSC of the tracer's last look */
	/* written by the tracer: nonzero while it polls the ring (it drains
	 * within microseconds), 0 before it sleeps.  A writer that finds the
	 * ring full waits up to FP_SPIN_TICKS of the TSC (~100 us) for room
	 * while this is set, and traps only then: a trap is a stop of tens of
	 * microseconds for the writer and the tracer.  With FP_FLAG_RDTSCP it
	 * is the tracer's CPU + 1, and a writer on that CPU yields it instead
	 * of spinning (the tracer cannot drain while it spins) */
	uint64_t polling;
	/* writers asleep on the low word of drained (FUTEX_WAIT), waiting for
	 * room: the tracer wakes them when it moves drained, or stops polling */
	uint32_t waiters;
	uint32_t pad5;
	uint64_t pad4[4];
};
#define FP_SPIN_TICKS	    2097152
/* A writer that finds the ring full spins this many TSC ticks (~6 us) and
 * then sleeps until the tracer moves drained (FP_WAIT_NS at most in one
 * sleep), up to FP_SPIN_TICKS in all before it traps: a spinning writer
 * keeps its CPU from a tracer that the scheduler put behind it (more
 * program threads than CPUs), and a sleeping one gives it up. */
#define FP_SHORT_SPIN_TICKS 16384
#define FP_WAIT_NS	    50000

/* A writer asks for the first three cache lines of the slot this many
 * claims ahead of its own (prefetchw: for writing; only with
 * FP_FLAG_PREFETCHW, set where the CPU has the instruction).  The tracer read them a
 * lap ago, so each of the writer's stores to a slot would otherwise wait for
 * its line to come back from the tracer's CPU, and the lock xadd of the next
 * claim waits for all of them: 1,000,000 malloc/free pairs took twice as
 * long where the two CPUs are far apart on the host (~200 ns per line).  A
 * hint: a slot another thread is writing loses nothing but a line's trip. */
#define FP_PREFETCHW_AHEAD 8

/* The rule table: how to step from one frame to its caller at a given pc,
 * in the shapes compiled code nearly always has (CFA = rsp or rbp + k, the
 * return address at CFA - 8, rbp unchanged or saved at CFA + k).  The
 * tracer teaches a rule when it first unwinds a stack through that pc from
 * a copy (fp_rule_teach); a stub then walks the stack itself and records
 * only the frames, (pc, sp) pairs, instead of the 4 KiB copy, and falls
 * back to a copy at the first pc it has no rule for.  The walk makes
 * exactly the steps of unwind.c's cached-rule unwinder on the live stack:
 * the same rule per pc (pc itself for frame 0, pc - 1 above), the same
 * stops, within the walk's window (walk_qwords above the entry rsp,
 * clipped at stack_end like the copy's).
 *
 * The copy a walk falls back to starts at the frame it stopped at: frame 0
 * (the entry) when that has no rule -- nframes 0, the copy from the entry
 * rsp, as without a walk --, else frame k >= 1: nframes = k + 1 walked
 * frames, the last one the frame without a rule, the caller's rbp at that
 * frame in frames[k + 1]'s pc word, and the copy from frames[k]'s sp, at
 * most stack_qwords and no further than the walk's window.  The tracer
 * unwinds the copy from there, and so learns the rules of frames beyond
 * any one copy's reach (a 6 KiB frame above the allocator).
 *
 * Open addressing on (key * FP_RULE_HASH) >> (64 - FP_RULE_BITS), linear
 * probing, at most half full so that every probe ends at an empty slot.
 * 2^16 entries (1 MiB of the ring, touched only where used): doxygen's
 * stacks have more than the 8,192 distinct return addresses that half of
 * 2^14 held, and past that every stack through a new one was copied (and
 * unwound by the tracer) instead of walked: 834,000 of its 1.1M events.  Entries are never
 * removed while the program runs; a writer fills the rule and then stores
 * the key (release), a stub loads the key and then the rule. */
#define FP_RULE_BITS	16
#define FP_RULES	(1u << FP_RULE_BITS)
#define FP_RULE_HASH	0x9e3779b97f4a7c15ull
#define FP_MAX_WALK	56u /* frames that fit a record: more, and stubs always copy */
/* How far above its entry rsp a stub's walk may read (hdr.walk_qwords):
 * a frame may be larger than the stack copy (GNU make's are), and the walk
 * reads the live stack, so it is bounded only by the default stack size
 * and, on the main thread, stack_end.  A load that faults is fixed up like
 * the copy's (walk_loads). */
#define FP_WALK_BYTES	(8u << 20)
#define FP_RULE_CFA_RBP 1u /* CFA = rbp + cfa_off, else rsp + cfa_off */
#define FP_RULE_RBP_AT	2u /* the caller's rbp is at CFA + rbp_off */
#define FP_RULE_END	4u /* the return address is undefined: the outermost frame */
/* No rule of these shapes (libdwfl must unwind this frame): the walk stops
 * here and the stack is copied from this frame on, as for a pc without a
 * rule, but never with FP_FLAG_LEARN's trap: the tracer knows already */
#define FP_RULE_COPY	8u

struct fp_rule {
	uint64_t key; /* pc (frame 0) or return address - 1; 0 = empty */
	int32_t cfa_off;
	int16_t rbp_off;
	uint8_t flags;
	uint8_t pad;
};

enum fp_kind {
	/* entry, original runs, return (rax): one record, claimed at the entry
	 * and published at the return (phase FP_CALL) */
	FP_ALLOC,
	FP_FREE,	 /* entry, then the original */
	FP_MARKER,	 /* same as FP_FREE; named for operator new/delete */
	FP_FREE_CHECKED, /* glibc's free: suspect calls trap, the rest as FP_FREE */
	/* glibc's realloc: as FP_ALLOC, but an old block that FP_FREE_CHECKED
	 * would find suspect traps (the tracer then takes the whole call as
	 * at a breakpoint) */
	FP_REALLOC_CHECKED,
	/* as FP_ALLOC, but the entry is published at the entry and the return
	 * is a record of its own: a realloc must be seen at its entry (its old
	 * block leaves the heap map there) */
	FP_REALLOC,
};

/* FP_CALL: an FP_ALLOC record, entry and return (rax) in one. */
enum fp_phase { FP_ENTRY = 1, FP_RETURN = 2, FP_CALL = 3 };

/* A record.  What the tracer reads at every event comes first, then the
 * frames, so that a walked record of a few frames is two or three cache
 * lines; the callee-saved registers (for the tracer's unwinder, when the
 * stub copied the stack instead of walking it) are written and read only
 * with a copy, at the end of the slot. */
struct fp_rec {
	uint64_t seq;  /* index + 1 once published */
	uint16_t op;   /* the caller's number for the hooked function */
	uint8_t phase; /* enum fp_phase */
	uint8_t pad0;
	uint32_t tid;		/* kernel tid, 0 when tid_offset < 0 */
	uint32_t stack_len;	/* bytes in the slot's stack copy (fp_ring_copy) */
	uint32_t nframes;	/* frames[] holds this many (pc, sp) pairs; with
				 * stack_len too, see the rule table */
	uint64_t rdi, rsi, rdx; /* arguments (entry) */
	uint64_t rax;		/* result (return) */
	uint64_t ret;		/* the return address, [rsp] at entry */
	uint64_t rsp;		/* rsp at entry: points at the return address */
	union {
		uint64_t tp; /* thread pointer, %fs:0 */
		/* FP_CALL: the ring's head when the call returned, instead:
		 * the record's place in claim order (see fp_consume) */
		uint64_t ret_head;
	};
	uint8_t frames[16 * FP_MAX_WALK];      /* (pc, sp) pairs */
	uint64_t rbx, rbp, r12, r13, r14, r15; /* at entry; with a stack copy only */
};

/* Frame i of a walked record: its pc and stack pointer. */
static inline void fp_rec_frame(const struct fp_rec *r, uint32_t i, uint64_t *pc, uint64_t *sp)
{
	__builtin_memcpy(pc, r->frames + 16 * (size_t)i, 8);
	__builtin_memcpy(sp, r->frames + 16 * (size_t)i + 8, 8);
}

/* Bytes of one record (the same whatever the stack copy's size), and of a
 * whole ring: header, records, a stack copy of stack_bytes (rounded up to
 * 8) per slot, the rule table.  The copies are apart from the records so
 * that the records, which are read at every event, sit close together:
 * interleaved, each record had a 4 KiB page of its own, and reading the
 * records' frames was half of the tracer's time. */
size_t fp_rec_size(uint32_t stack_bytes);
size_t fp_ring_size(uint64_t capacity, uint32_t stack_bytes);

/* The slot of the record at index i. */
const struct fp_rec *fp_ring_rec(const void *buf, uint64_t i);

/* Asks the CPU to start loading the record at index i (its header and
 * first frames) into the cache.  A consumer on another CPU than the
 * writer misses the cache on every record it reads (the writer's CPU holds
 * the lines); prefetching a few records ahead overlaps those misses with
 * the work on the current record.  A hint only: any index is safe. */
void fp_ring_prefetch(const void *buf, uint64_t i);

/* The stack copy of the record at index i (stack_len bytes of it). */
const uint8_t *fp_ring_copy(const void *buf, uint64_t i);

/* Formats an empty ring in buf (fp_ring_size bytes), to be copied into the
 * target.  capacity must be a power of two.  0 or -EINVAL. */
int fp_ring_init(void *buf, uint64_t capacity, uint32_t stack_bytes);

/* The same for memory known to be zero already (a fresh memfd): only the
 * header is written, so the ring's pages are not all touched at once. */
int fp_ring_init_zeroed(void *buf, uint64_t capacity, uint32_t stack_bytes);

/* Lets the stubs walk up to max_frames frames (at most FP_MAX_WALK and
 * what fits the record's stack area), or not at all (0). */
void fp_ring_set_walk(void *buf, uint64_t max_frames);

/* The hold-back: memcheck keeps freed blocks from reuse for a while
 * (--freelist-vol), so a pointer the program kept to a block it freed points
 * at freed memory there, not at the next block glibc hands out at that
 * address.  The stubs of glibc's free hold the last n freed chunks of up to
 * cap bytes in tier 0, and the last n of the larger ones up to cap bytes in
 * tier 1 (n a power of two, at most FP_HOLD_MAX or FP_HOLD_BIG_MAX; 0:
 * none), and free each when n more of its tier came after it.  A held chunk
 * has glibc's tcache_key in its second word, so that a second free of it
 * traps as a double free. */
#define FP_HOLD_MAX	  65536u
#define FP_HOLD_BYTES	  (64 + FP_HOLD_MAX * 8)
#define FP_HOLD_BIG_MAX	  4096u
#define FP_HOLD_BIG_BYTES (64 + FP_HOLD_BIG_MAX * 8)
void fp_ring_set_hold(void *buf, unsigned tier, uint64_t n, uint64_t cap);

/* Sets how far above the entry rsp a walk may read (rounded down to 8;
 * fp_ring_init sets FP_WALK_BYTES). */
void fp_ring_set_walk_span(void *buf, uint64_t bytes);

/* Adds a rule to the ring's table unless its key is there already.  false
 * when the table is half full (the stubs then copy the stack there). */
bool fp_rule_teach(void *buf, const struct fp_rule *r);

/* Empties the table (keys only: a stub reading an entry meanwhile still
 * sees a consistent old rule), e.g. when code has been unmapped. */
void fp_rules_clear(void *buf);

/* Checks a header read from the target; 0 or -EINVAL. */
int fp_ring_check(const void *buf, size_t len);

/* Number of records published from index from on, in order, in a
 * snapshot of the ring (header + records). */
uint64_t fp_ring_published(const void *buf, size_t len, uint64_t from);

typedef int (*fp_rec_fn)(const struct fp_rec *r, uint64_t index, void *ctx);

/* The tracer's side of a ring.  Records are taken as soon as they are
 * published, even past an earlier index that another thread has claimed
 * and not yet published (it is in the middle of its stub): waiting for it
 * would leave that thread's own earlier malloc unseen by its free.  Out of
 * index order is safe: one thread's records are in its own order, and no
 * thread can act on a block before the record of its allocation is
 * published.  "drained" only moves over the consumed prefix. */
struct fp_consumer {
	struct fp_ring_hdr *ring;
	uint64_t next;	/* first record not yet consumed */
	uint64_t *done; /* per slot (capacity of them): index + 1 of the record consumed there */
	uint64_t alive_said; /* FP_FLAG_FAILSAFE: the TSC last written to alive_tsc */
	uint64_t polling;    /* the value last written to polling */
};

/* Hands every published record not consumed yet to fn (the record pointer
 * is valid during the call only), then moves "drained" on.  Returns the
 * number handed over. */
uint64_t fp_consume(struct fp_consumer *c, fp_rec_fn fn, void *ctx);

/* Wakes the writers asleep on a full ring (hdr.waiters): they look at
 * drained, the flags and polling again. */
void fp_ring_wake(struct fp_ring_hdr *h);

/* Tells the writers whether the tracer is polling the ring: 0 (not), or
 * its CPU + 1 (FP_FLAG_RDTSCP), or 1 (see fp_ring_hdr.polling).  Stores
 * only a change. */
void fp_consume_polling(struct fp_consumer *c, uint64_t polling);

/* Gives up record index, claimed by a writer that will never publish it
 * (fastpath.h's "abandoned records"): counted as consumed, and "drained"
 * moves on past it. */
void fp_consume_give_up(struct fp_consumer *c, uint64_t index);

struct fp_stub_req {
	uint64_t func;	     /* entry of the hooked function in the target */
	const uint8_t *code; /* bytes read at func; 32 are plenty */
	size_t code_len;
	uint64_t stub; /* where the stub will be written, +-2 GiB of func */
	uint64_t ring; /* address of the ring's header in the target */
	enum fp_kind kind;
	uint16_t op;
	int32_t tid_offset;  /* FP_TID_OFFSET_GLIBC, or -1 */
	uint64_t tcache_key; /* FP_*_CHECKED: address of glibc's tcache_key */
	bool zero_new;	     /* glibc's malloc, realloc: zero each new block's new bytes */
};

struct fp_stub {
	uint8_t code[FP_STUB_MAX]; /* write at req.stub */
	size_t code_len;
	uint8_t entry_patch[5];		 /* write at req.func, all threads stopped */
	uint8_t displaced;		 /* bytes of whole instructions moved out */
	uint64_t trap_full[2];		 /* addresses of the ring-full int3s (0 = none) */
	uint64_t copy_insn, copy_resume; /* stack-copy fault fixup */
	/* the walk's two loads: a fault in the first ends the walk there
	 * (walk_resume[0]), in the second falls back to the copy ([1]) */
	uint64_t walk_loads[2], walk_resume[2];
	/* FP_FLAG_LEARN: the int3 where a walk meets a pc without a rule, and
	 * where the tracer resumes the stub once it has filled the record */
	uint64_t learn_trap, learn_resume;
	uint64_t call_return; /* FP_ALLOC: the return address the original sees */
	/* FP_FREE_CHECKED: the int3 of a suspect free (the thread's registers
	 * are those of free's entry; resuming after it runs the original), and
	 * the three loads that may fault on a wild pointer (the same case) */
	uint64_t check_trap;
	uint64_t check_loads[3];
	/* instruction boundaries: func + orig_off[i] runs at stub + new_off[i] */
	uint8_t ninsn;
	uint8_t orig_off[8];
	uint16_t new_off[8];
	char why[160]; /* set when fp_stub_build fails */
};

/* Generates the stub and the entry patch.  0, -ENOTSUP (an instruction in
 * the first 5 bytes cannot be moved: why says which), -ERANGE (the stub is
 * too far from func), or -EINVAL.  Assumes that nothing jumps into the
 * first 5 bytes of func other than at func itself: true of compiled
 * prologues in practice, and the same assumption uprobes and Dyninst make
 * for out-of-line execution; it cannot be checked in general. */
int fp_stub_build(const struct fp_stub_req *req, struct fp_stub *out);

/* Whether some instruction of a function's body (len bytes at func) branches
 * or calls into its first `patched` bytes, past the entry, which the patch's
 * 5-byte jmp replaces: such a function cannot be patched.  The first bytes
 * are decoded (as far as they decode); past the reach of a rel8 branch,
 * any bytes that read as a rel32 branch or call into them count (at most
 * 24 patched bytes). */
bool fp_body_branches_into(const uint8_t *body, size_t len, uint64_t func, size_t patched);

#endif
