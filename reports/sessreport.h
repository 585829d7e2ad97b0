/*
 * sessreport: the report of a session's runs ("bootlens analyze
 * SESSION[:VARIANT]", and what "bootlens demo" prints): every selected run
 * (analyzer/runset.h) analysed through the one pipeline of run.h and
 * rendered by the same renderers as a FILE: its table (table.h), its JSON
 * object (json.h) or its folded stacks (folded.h).
 *
 * Table: "session DIR: N runs recorded[, variant V]", then per run a line
 * "run N (VARIANT): ok[, after a retry]" and the run's table, or "run N
 * (VARIANT): VERDICT[: REASON], skipped" for a run that is not selected.
 * JSON: one document {schema_version, kind "bootlens-session-analysis",
 * tool, session, variant, runs: [{run, variant, verdict, attempts, <the
 * run's report members>}], skipped: [{run, variant, verdict, reason}],
 * ok_runs, warning_count} (docs/json-schema.md). Folded: the stacks of
 * every selected run are added to the caller's profile.
 */
#ifndef BOOTLENS_SESSREPORT_H
#define BOOTLENS_SESSREPORT_H

#include <stdio.h>

#include "analyzer/run.h"
#include "analyzer/runset.h"
#include "reports/folded.h"
#include "reports/report.h"

enum sessreport_format {
        SESSREPORT_TABLE = 0,
        SESSREPORT_JSON,
        SESSREPORT_FOLDED,
};

struct sessreport_result {
        unsigned failed; /* on an analysis error (not a write error): the run */
        char *msg;       /* on -EINVAL: the phase map's message (malloc'd, the caller frees) */
};

/*
 * Analyse the selected runs of rs and write their report to out (folded:
 * add them to fo instead). Returns 0 (rs->nanalysed and rs->nwarnings say
 * how many runs were analysed and their warnings: no run is for the
 * caller to judge), -EIO when a write failed, or the error of
 * analysing run res->failed (-ENOMEM, -EINVAL for a bad phase map, the
 * -errno of reading its capture; -ENODATA when it holds no record, as
 * run_analyse). res is overwritten.
 */
int sessreport_write(FILE *out, struct runset *rs, enum sessreport_format fmt,
                     const struct run_options *ro, const struct report_options *o,
                     struct folded *fo, struct sessreport_result *res);

#endif
