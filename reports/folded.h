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
 * A Linux boot's stacks start from its phases (analysis.phases): a
 * top-level frame's stack begins with the phase that holds its first
 * ENTER (the first available phase of the map, in map order, whose
 * [start, end) holds it), then the thread label unless it is the boot
 * thread ("initcalls;acpi_init", "initcalls;thread 0x4f;mod_init [mod]");
 * a frame in no available phase keeps the thread label as root. Each
 * available phase is a stack of its own ("qemu", "initcalls") whose self
 * time is the phase's duration less the totals of the boot thread's
 * top-level frames that began in it (no stack when that is 0 or less), so
 * the flame graph shows the whole boot, phase by phase. tslog stacks start
 * from the thread label as above.
 *
 * Several analyses can be added. folded_new() merges them into one
 * profile by adding their self times (FILEs analysed one after another);
 * folded_new_median() takes each folded_add() as one run and writes, per
 * stack, the median (type 7, stats.h) of its self time over every run
 * added, a run without that stack counting as 0 (so a stack seen in fewer
 * than half the runs has median 0 and is left out like any stack that
 * rounds to 0).
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
/* A new, empty profile of the median over runs (above); NULL on -ENOMEM. */
struct folded *folded_new_median(void);
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
