/*
 * table: the terminal report of one analysis.
 *
 * Sections, in order: a header (input, lines, clock, dump verdict, boot
 * span), the phases of the map, the top functions by self time and by
 * total time (time in o->unit, three decimals for ms and us, % of boot,
 * calls, thread), the threads, frames open at dump time, unmatched EXITs,
 * EVENT records, the user-space processes, and the warnings (ordered by
 * input line). Events and warnings are cut after o->max_warnings lines.
 * Guest strings are printed as they are: the parser has already refused
 * control bytes in records.
 */
#ifndef BOOTLENS_TABLE_H
#define BOOTLENS_TABLE_H

#include <stdio.h>

#include "analyzer/analysis.h"
#include "reports/report.h"

/* Write the report to out. Returns 0, -ENOMEM or -EIO (a write failed). */
int table_write(FILE *out, const struct analysis *a, const struct report_options *o);

#endif
