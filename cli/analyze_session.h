/*
 * analyze_session: "bootlens analyze SESSION[:VARIANT]", and the aggregate
 * that "bootlens demo" prints: opens the session's runs
 * (analyzer/runset.h), writes their report (reports/sessreport.h: the
 * aggregate of the ok runs of each variant, every ok run through the same
 * pipeline as a FILE, and with per_run each run's own report) on stdout,
 * and prints what went wrong on stderr.
 */
#ifndef BOOTLENS_ANALYZE_SESSION_H
#define BOOTLENS_ANALYZE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/run.h"
#include "reports/export.h"
#include "reports/folded.h"
#include "reports/hyperfine.h"
#include "reports/report.h"

struct analyze_session_opts {
        bool json;                           /* one JSON document instead of tables */
        size_t top;                          /* with report NULL: slowest initcalls per run */
        const struct report_options *report; /* NULL: the demo's brief table, in ms */
        const struct run_options *run;       /* NULL: detection and built-in maps */
        struct folded *folded;               /* not NULL: add each run's stacks here */
        bool per_run;                        /* table: each run's report after the aggregate */
        bool exclude_starved;                /* leave starved runs out of the aggregate */
        uint64_t seed;                       /* --seed, recorded in the aggregate */
        size_t nstarved;                     /* out: starved runs (left out or not) */
        struct export *export;               /* not NULL: add each ok run here (csv, md, chrome) */
        struct hyperfine_set *hyperfine;     /* not NULL: add each ok run here (hyperfine) */
        bool hyperfine_qualify;              /* hyperfine: commands DIR:VARIANT */
        size_t nwarnings;                    /* out: warnings over every analysed run */
        size_t nok;                          /* out: ok runs analysed */
        bool output_failed;                  /* out: writing the report failed (said) */
};

/* Analyse the session ref and print the report on stdout (errors on
 * stderr). Returns BL_EXIT_OK, BL_EXIT_FAIL when no ok run was found,
 * BL_EXIT_USAGE when the session cannot be read, the variant does not
 * exist or a run cannot be analysed. */
int analyze_session(const char *ref, struct analyze_session_opts *o);

#endif
