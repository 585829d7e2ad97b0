/*
 * export: analyze's export formats (--format csv, md, chrome) over any
 * number of inputs: FILEs and the ok runs of sessions, one document on
 * one stream (docs/exports.md).
 *
 *  - csv: one header line, then the rows of each input: a FILE's rows; a
 *    session's (or the --aggregate FILEs') aggregate rows, after each
 *    run's rows with per_run (csv.h);
 *  - md: one section per FILE, per aggregate (each run's after it with
 *    per_run), separated by a blank line (md.h);
 *  - chrome: one trace, one process per run (chrome.h).
 *
 * A FILE is labelled by its path, a session run "run N (VARIANT)".
 * Functions return 0 or a negative errno and never print.
 */
#ifndef BOOTLENS_EXPORT_H
#define BOOTLENS_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/run.h"
#include "analyzer/runset.h"
#include "reports/aggreport.h"
#include "reports/csv.h"
#include "reports/report.h"

enum export_format {
        EXPORT_CSV = 0,
        EXPORT_MD,
        EXPORT_CHROME,
};

struct export; /* opaque */

/* A new export to out: times in unit (csv, md), at most top functions per
 * run (csv, md). NULL on -ENOMEM. */
struct export *export_new(FILE *out, enum export_format fmt, enum report_unit unit, size_t top);
void export_free(struct export *ex); /* accepts NULL */

/* Add one analysed run. Returns 0, -ENOMEM, -EIO, or (chrome) -EDOM when
 * the trace counts cycles with no known frequency (nothing written). */
int export_add_run(struct export *ex, const struct run *r, const struct csv_run_source *src);

/* What -EDOM means, for a message. */
#define EXPORT_NO_FREQ "no TSC frequency (give --tsc-freq HZ): --format chrome needs times"

/* Add an aggregate (csv, md; chrome: nothing). Returns 0, -ENOMEM, -EIO. */
int export_add_aggregate(struct export *ex, const struct aggreport *ar);

struct export_session_options {
        bool per_run;         /* csv, md: each run's rows too (chrome: always) */
        bool exclude_starved; /* the aggregate's (sessreport.h) */
        uint64_t seed;
};

/* Analyse and add every selected run of rs (runset_analyse(); a capture
 * with nothing to analyse is left out); csv and md: the session's
 * aggregate (sessreport.h), after the runs with eo->per_run. Returns 0 or what adding or
 * analysing failed with; *failed is then the run that failed to analyse
 * (0 for a write error) and *msg, on -EINVAL, the message (malloc'd, the
 * caller frees): the phase map's, or "run N: EXPORT_NO_FREQ" when a run
 * cannot be exported as chrome. */
int export_add_session(struct export *ex, struct runset *rs, const struct run_options *ro,
                       const struct export_session_options *eo, unsigned *failed, char **msg);

/* End the document and flush what is buffered. Returns 0 or the first
 * error (-EIO, -ENOMEM). */
int export_finish(struct export *ex);

#endif
