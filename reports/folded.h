/*
 * folded: FlameGraph's folded stacks (flamegraph.pl, speedscope, inferno).
 *
 * One line per distinct stack:  ROOT;FRAME;...;FRAME SELF\n
 *  - ROOT is "kernel" for the boot thread, else the thread's THREAD name,
 *    else "thread 0x<id>";
 *  - a FRAME is "name" or "name arg" (spaces allowed: readers split the
 *    count off at the last space);
 *  - a ';' inside a root or frame becomes '_'; a name or argument longer
 *    than FOLDED_NAME_MAX bytes is cut there and ends in "..." (every
 *    stack repeats its parents' names);
 *  - SELF is the stack's self time in the unit asked for (us by default),
 *    an integer rounded to nearest (half away from zero).
 * Frames deeper than FOLDED_MAX_DEPTH are not shown one by one: their
 * self time goes to one frame FOLDED_DEEPER at that depth (a hostile dump
 * nesting 100k frames would otherwise make output and memory quadratic).
 * Stacks that end up with the same text (two threads of one name, a name
 * that differed only by ';') are merged by adding their self times before
 * rounding; lines are sorted by stack text (bytewise). A stack whose self
 * time rounds to 0 is left out (its frames still show as parents of the
 * stacks below them); ask for ns or cycles to keep short frames. Frames
 * open at dump time have no completed time and are not shown.
 *
 * Several analyses (one per input file) can be added: their stacks are
 * merged into one profile.
 */
#ifndef BOOTLENS_FOLDED_H
#define BOOTLENS_FOLDED_H

#include <stdbool.h>
#include <stdio.h>

#include "analyzer/analysis.h"
#include "reports/report.h"

#define FOLDED_MAX_DEPTH 128
#define FOLDED_DEEPER    "[deeper frames]"
#define FOLDED_NAME_MAX  256

struct folded; /* opaque */

/* A new, empty profile; NULL on -ENOMEM. */
struct folded *folded_new(void);
/* Release it; accepts NULL. */
void folded_free(struct folded *fo);

/* Add the stacks of a (every node with self time). Returns 0 or -ENOMEM. */
int folded_add(struct folded *fo, const struct analysis *a);

/* The unit the profile can be written in when u is asked: u, or cycles
 * when some added trace has no frequency (ns for a profile made only of
 * ns traces when cycles are asked). */
enum report_unit folded_unit_for(const struct folded *fo, enum report_unit u);

/* Write the merged, sorted stacks in unit u (use folded_unit_for()).
 * A stack whose cycles add up beyond 64 bits (merged hostile inputs) is
 * left out rather than written wrapped. Returns the count of stacks left
 * out (0 normally), -ENOMEM or -EIO. */
int folded_write(FILE *out, struct folded *fo, enum report_unit u);

#endif
