/*
 * sweepreport: the result table of "bootlens sweep" (analyzer/savings.h;
 * every format is described in docs/sweep.md), in compare's formats:
 *
 *  - table: a header (session, mode, runs per step, statistics), one line
 *    per step: name, ok runs, median total, the saving against its
 *    reference with its CI and relative size, the verdict, the phase and
 *    the functions that moved most; a broken step says "broken" with its
 *    verdict counts and names its serial capture; a host-timed step says
 *    "(host-timed)". Cumulative: a last line, the whole campaign.
 *  - json: one document, kind "bootlens-sweep-result", schema_version
 *    SWEEPREPORT_SCHEMA_VERSION;
 *  - csv: one row per step (RFC 4180, CRLF, reports/csv.h);
 *  - md: a Markdown table (reports/md.h's md_escape()).
 *
 * Guest and user text (knob names and specs, phase and function names)
 * goes through o->put_text in the table, the JSON writer's escaping,
 * csv_field() and md_escape(). Functions return 0, -ENOMEM or -EIO (a
 * failed write) and never print anything else.
 */
#ifndef BOOTLENS_SWEEPREPORT_H
#define BOOTLENS_SWEEPREPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analyzer/savings.h"

#define SWEEPREPORT_SCHEMA_VERSION 1
#define SWEEPREPORT_KIND           "bootlens-sweep-result"

struct sweepreport_options {
        bool colour;                                /* table: verdict colours */
        void (*put_text)(FILE *out, const char *s); /* table: guest text (NULL: fputs) */
};

int sweepreport_table(FILE *out, const struct savings *s, const struct sweepreport_options *o);
int sweepreport_json(FILE *out, const struct savings *s, const struct sweepreport_options *o);
int sweepreport_csv(FILE *out, const struct savings *s, const struct sweepreport_options *o);
int sweepreport_md(FILE *out, const struct savings *s, const struct sweepreport_options *o);

#endif
