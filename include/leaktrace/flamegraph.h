/* flamegraph: leaked bytes by allocation stack, as folded stacks and as an
 * interactive SVG (--folded=FILE, --flamegraph=FILE.svg).
 *
 * Both outputs are built from one tree.  Its root is "all"; the root's
 * children are the leak kinds, named with memcheck's words ("definitely
 * lost", "indirectly lost", ...); below a kind come the frames of the
 * allocation stacks from the outermost (main, or _start) to the innermost,
 * the allocation function itself (malloc, operator new) being the leaf.
 * Putting the kind at the root keeps every node inside one kind, so each
 * node has exactly one colour, and it lets a viewer zoom into one kind.
 *
 * What a loss record weighs: its direct bytes (loss_record.bytes) only.  The
 * bytes a definitely lost block holds indirectly are not added to it,
 * because the indirectly lost blocks have loss records of their own (under
 * "indirectly lost") and would otherwise be counted twice.  So the graph's
 * total for a kind is exactly the "definitely lost: N bytes" (etc.) figure
 * of LEAK SUMMARY, less what suppressions hid: records with suppressed_by
 * set are left out.
 *
 * A frame is named by its function ("push", "operator new(unsigned long)"),
 * else "??? (in OBJ)", else "???"; frames of one function merge whatever
 * their line, as flame graph tools do.  Inlined functions are frames of
 * their own when the report has symbolize_all.  Because ';' separates
 * frames and newlines separate stacks in the folded format, a ';' in a name
 * becomes ':' and control characters become ' '. */
#ifndef LEAKTRACE_FLAMEGRAPH_H
#define LEAKTRACE_FLAMEGRAPH_H

#include <stdio.h>

#include "leaktrace/report.h"

/* Bit (1 << enum leak_kind) per kind to draw, like report.show_kinds. */
#define FLAMEGRAPH_KINDS_DEFAULT                                                                   \
	((1u << LEAK_DEFINITE) | (1u << LEAK_INDIRECT) | (1u << LEAK_POSSIBLE))
#define FLAMEGRAPH_KINDS_ALL (FLAMEGRAPH_KINDS_DEFAULT | (1u << LEAK_REACHABLE))

/* One line per distinct stack, "definitely lost;main;push;malloc 48\n",
 * the stack's bytes at the end; lines in the order of a depth-first walk
 * with siblings sorted by name (what flamegraph.pl, inferno and speedscope
 * read).  Stacks with identical names are merged into one line.  Nothing is
 * written when no selected record has bytes.  Returns 0, -ENOMEM, or -EIO
 * when writing failed. */
int flamegraph_write_folded(FILE *out, const struct report *r, unsigned kinds_mask);

/* A self-contained SVG 1.1 document: no external references; an inline
 * script zooms into a frame on click and back out with "Reset Zoom", and
 * each frame's <title> (the hover tooltip) gives its name, bytes and share
 * of the total.  Frames are drawn root at the bottom, width proportional to
 * bytes; reds for definitely lost, oranges for indirectly, yellows for
 * possibly, greens for still reachable.  title NULL means "Leaked bytes".
 * Each frame is a <g class="f"> carrying data-d (depth: 0 for "all", 1 for
 * a kind), data-v (bytes), data-x and data-w (position and width as
 * fractions of the total) and data-n (the name), which the script uses and
 * tests can check.  An empty selection gives a valid document saying "No
 * leaks".  Returns 0, -ENOMEM, or -EIO when writing failed. */
int flamegraph_write_svg(FILE *out, const struct report *r, unsigned kinds_mask, const char *title);

#endif
