/*
 * table: the terminal report of one run (run.h), whatever its OS and
 * source.
 *
 * Sections, in order: a header (input, lines, clock, dump verdict, boot
 * span), the phases of the map (and the host's total, spawn to QEMU exit,
 * when known); for a Linux run the slowest initcalls, the clocks (their
 * stitching onto the host timeline) and the user-space marks; then the top
 * functions by self time and by total time (time in o->unit, three
 * decimals for ms and us, % of boot, calls, thread), the threads, frames
 * open at dump time, unmatched EXITs, EVENT records, the user-space
 * processes, and the warnings (ordered by input line, tied to no line
 * last). Events and warnings are cut after o->max_warnings lines. With
 * o->brief only the phases, the Linux sections and the warnings (when
 * there is any) are written (the demo's report). Guest strings are printed as they are: the
 * parsers have already refused control bytes in records.
 */
#ifndef BOOTLENS_TABLE_H
#define BOOTLENS_TABLE_H

#include <stdio.h>

#include "analyzer/run.h"
#include "reports/report.h"

/* Write the report to out. Returns 0, -ENOMEM or -EIO (a write failed). */
int table_write(FILE *out, const struct run *r, const struct report_options *o);

#endif
