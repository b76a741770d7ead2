/* lossrec: group classified blocks into memcheck's loss records.
 *
 * Blocks of the same kind allocated from the same stack (compared on the
 * first 2, 4 or all frames for --leak-resolution=low, med, high) form one
 * record.  Records are sorted exactly as memcheck sorts them: by total bytes
 * (direct + indirect), then kind, then block count, then stack age (the
 * stacktab id), and numbered 1..M. */
#ifndef LEAKTRACE_LOSSREC_H
#define LEAKTRACE_LOSSREC_H

#include <stddef.h>

#include "leaktrace/heapmap.h"
#include "leaktrace/report.h"
#include "leaktrace/scan.h"
#include "leaktrace/stacktab.h"

/* blocks[i] and sb[i] describe the same block (sb as left by scan_run).
 * resolution_frames: frames compared (2 = low, 4 = med, 0 = all).
 * Fills *out (malloc'd array, the caller frees it; each record's stack
 * points into st) and *nout, and totals[kind] (bytes and blocks per kind,
 * direct bytes only, as memcheck's LEAK SUMMARY counts them) and
 * heur[h] (blocks still reachable only through heuristic h).
 * 0 or -ENOMEM. */
int lossrec_build(const struct block *blocks, const struct scan_block *sb, size_t n,
		  const struct stacktab *st, unsigned resolution_frames, struct loss_record **out,
		  size_t *nout, struct kind_total totals[LEAK_KIND_COUNT],
		  struct kind_total heur[HEUR_COUNT]);

#endif
