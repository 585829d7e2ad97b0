/*
 * compreport: the reports of "bootlens compare" (analyzer/compare.h;
 * every format is described in docs/compare.md).
 *
 *  - table: a header (the sides, their runs, what was compared and how),
 *    the environment's differences when forced, one line per metric in
 *    compare_order() (the total, each phase followed by the functions that
 *    ran in it), and one summary line counting the metrics per verdict;
 *    colour (slower red, faster green) only when asked;
 *  - json: one document, kind "bootlens-compare", schema_version
 *    COMPREPORT_SCHEMA_VERSION;
 *  - csv: one row per metric under a header line (RFC 4180, CRLF);
 *  - md: a Markdown table for a pull-request comment;
 *  - folded: FlameGraph's difffolded.pl input, "STACK BASE NEW" a line:
 *    the stacks PHASE;FUNCTION of every function seen (its median over
 *    each side's runs, absent as 0) and PHASE alone for what of the
 *    phase's median its functions' medians leave, in us; with o->side
 *    one side's "STACK VALUE" only (the collapsed-stack format that
 *    flamegraph.pl and speedscope read);
 *  - hyperfine: JSON shaped as "hyperfine --export-json" writes it, one
 *    result per side for one metric (reports/hyperfine.h's writer).
 *
 * Guest text (phase and function names) goes through o->put_text in the
 * table (the command's terminal escaping), through the JSON writer's
 * escaping in json and hyperfine, through reports/csv.h's csv_field() in
 * csv and through reports/md.h's md_escape() in md (the Markdown table is
 * written here, not with md_table: its cells carry markup, the &nbsp;
 * indentation and the bold verdicts, that md_table would escape).
 * Functions return 0, -ENOMEM or -EIO (a failed write) and never print
 * anything else.
 */
#ifndef BOOTLENS_COMPREPORT_H
#define BOOTLENS_COMPREPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analyzer/compare.h"

#define COMPREPORT_SCHEMA_VERSION 1
#define COMPREPORT_KIND           "bootlens-compare"

struct compreport_options {
        bool colour; /* table: ANSI colours for the verdicts */
        bool forced; /* the environments differ and --force was given */
        /* folded: 0 both sides (difffolded), 1 BASE only, 2 NEW only */
        int side;
        /* table: writes guest text (NULL: fputs) */
        void (*put_text)(FILE *out, const char *s);
};

int compreport_table(FILE *out, const struct compare *c, const struct compreport_options *o);
int compreport_json(FILE *out, const struct compare *c, const struct compreport_options *o);
int compreport_csv(FILE *out, const struct compare *c, const struct compreport_options *o);
int compreport_md(FILE *out, const struct compare *c, const struct compreport_options *o);
int compreport_folded(FILE *out, const struct compare *c, const struct compreport_options *o);
/* m: one of c's metrics (compare_find()). The environment's differences,
 * when forced, are in each result's "bootlens_environment_differences"
 * (an extra key: readers of hyperfine's JSON ignore what they do not
 * know). */
int compreport_hyperfine(FILE *out, const struct compare *c, const struct compare_metric *m,
                         const struct compreport_options *o);

#endif
