/*
 * sessreport: the report of a session's runs ("bootlens analyze
 * SESSION[:VARIANT]", and what "bootlens demo" prints): every selected run
 * (analyzer/runset.h) analysed through the one pipeline of run.h and
 * aggregated (analyzer/aggregate.h, rendered by aggreport.h), one
 * aggregate per variant; with per_run, each run rendered by the same
 * renderers as a FILE too: its table (table.h) or its JSON object
 * (json.h).
 *
 * Which runs: an ok run of the variant asked for (of every variant when
 * none is) is analysed; a run whose capture holds nothing to analyse, a
 * run of another verdict than ok or warmup and an unreadable run are
 * failed runs, counted and listed in the aggregate of their variant
 * (unreadable ones in the variant asked for, else the first), never
 * averaged in; warm-up runs are left out silently. With
 * unreadable_failed, an ok run whose capture cannot be read (the -errno
 * of run_read_input(): gone, a directory, beyond the input limit) is a
 * failed run too (reason SESSREPORT_UNREADABLE ": " and strerror; the
 * run is unselected and its rs->v[] reason replaced, so later readers of
 * rs skip it); without, it is the error of the call. A starved run (the
 * final attempt's session_attempt_starved(), docs/contention.md) is
 * flagged and counted, or left out of the aggregate with exclude_starved.
 *
 * Table: the aggregate (aggreport_table), then with per_run "session DIR:
 * N runs recorded[, variant V]" and per run a line "run N (VARIANT):
 * ok[, after a retry][, starved]" and the run's table, or "run N
 * (VARIANT): VERDICT[: REASON], skipped". JSON: one document
 * {schema_version, kind "bootlens-session-analysis", tool, session,
 * variant, runs: [{run, variant, verdict, attempts, starved, in_aggregate,
 * <the run's report members>}], skipped: [{run, variant, verdict, reason}],
 * ok_runs, warning_count, aggregates} (docs/json-schema.md): every run's
 * own analysis is always there. Folded: the stacks of every run in the
 * aggregate are added to the caller's profile (a median profile:
 * folded.h).
 */
#ifndef BOOTLENS_SESSREPORT_H
#define BOOTLENS_SESSREPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/run.h"
#include "analyzer/runset.h"
#include "reports/folded.h"
#include "reports/report.h"

enum sessreport_format {
        SESSREPORT_TABLE = 0,
        SESSREPORT_JSON,
        SESSREPORT_FOLDED,
        SESSREPORT_NONE, /* write nothing: for each_run and keep (export.h) */
};

struct aggreport;

/* The reason of a failed run whose capture cannot be read, before ": "
 * and strerror (unreadable_failed). */
#define SESSREPORT_UNREADABLE "cannot read its capture"

struct sessreport_options {
        enum sessreport_format fmt;
        bool per_run;         /* table: each run's own report after the aggregate */
        bool exclude_starved; /* leave starved runs out of the aggregate */
        uint64_t seed;        /* recorded in the aggregate */
        size_t top;           /* aggregate: fn: and self: lines (and CIs) */
        /* When set, called with every analysed ok run, in run order (also
         * one left out with exclude_starved); a non-zero return stops. */
        int (*each_run)(void *ctx, const struct runset_run *e, const struct run *r);
        void *ctx;
        /* An unreadable capture is a failed run, not an error (above):
         * "bootlens report" and "bootlens plot" */
        bool unreadable_failed;
        /* When set, the finished aggregate is moved there (the caller
         * aggreport_free()s it; its strings point into rs) on success. */
        struct aggreport *keep;
};

struct sessreport_result {
        unsigned failed; /* on an analysis error (not a write error): the run */
        char *msg;       /* on -EINVAL: the phase map's message (malloc'd, the caller frees) */
};

/*
 * Analyse the selected runs of rs and write their report to out (folded:
 * add them to fo instead). -ENOMEM also when the aggregate cannot be
 * built (res->failed 0). Returns 0 (rs->nanalysed and rs->nwarnings say
 * how many runs were analysed and their warnings: no run is for the
 * caller to judge), -EIO when a write failed, or the error of
 * analysing run res->failed (-ENOMEM, -EINVAL for a bad phase map, the
 * -errno of reading its capture unless unreadable_failed; -ENODATA when it holds no record, as
 * run_analyse). res is overwritten.
 */
int sessreport_write(FILE *out, struct runset *rs, const struct sessreport_options *so,
                     const struct run_options *ro, const struct report_options *o,
                     struct folded *fo, struct sessreport_result *res);

#endif
