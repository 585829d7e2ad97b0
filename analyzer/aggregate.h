/*
 * aggregate: the statistics of many runs of one variant (or of several
 * FILEs of one OS), metric by metric (metrics.h): for every series, over
 * the runs where it is present, the summary of stats.h (n, median, IQR as
 * Q(1/4) and Q(3/4), p10, p90, min, max; type-7 quantiles), the outliers
 * by the modified z-score (flagged, never dropped) and, for the total,
 * every phase and the top functions, the order-statistic 95% CI of the
 * median with its exact coverage (docs/statistics.md says why this one:
 * distribution-free, coverage guaranteed rather than asymptotic, and no
 * randomness, so no seed changes it).
 *
 * "Top functions": the first top fn: series and the first top self:
 * series in the table's order (by median, descending).
 *
 * Use: aggregate_add() per run (in run order), aggregate_finish() once,
 * then read a->v[] (in the table's order, metrics.h). The aggregate owns
 * everything; functions return 0 or -ENOMEM and never print.
 */
#ifndef BOOTLENS_AGGREGATE_H
#define BOOTLENS_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/metrics.h"
#include "analyzer/run.h"
#include "analyzer/stats.h"

#define AGGREGATE_CI_LEVEL 0.95

struct aggregate_metric {
        const struct metric_series *s; /* in the aggregate's table */
        struct stats_summary sum;      /* over s->values; n = 0 when none is present */
        bool has_ci;                   /* the total, a phase, or a top function */
        struct stats_ci ci;            /* of the median, order statistics */
        size_t noutliers;
        bool *outlier; /* s->present flags, one per value (owned); NULL when n = 0 */
};

struct aggregate {
        struct metric_table table;
        unsigned *ids; /* the caller's id of each run added (a session run number) */
        size_t nids, capids;
        struct aggregate_metric *v; /* after finish: table.n entries, table order */
        size_t n;
};

/* Add run r as the next run, named id in the outliers' lists. Returns 0
 * or -ENOMEM. */
int aggregate_add(struct aggregate *a, const struct run *r, unsigned id);
/* Add a metric list already extracted (metrics_extract). */
int aggregate_add_list(struct aggregate *a, const struct metric_list *l, unsigned id);
/* Compute every metric's statistics; top: how many fn: (and self:) series
 * get a CI. Call once. Returns 0 or -ENOMEM. */
int aggregate_finish(struct aggregate *a, size_t top);
/* The id of the run that gave value k of m. */
unsigned aggregate_run_id(const struct aggregate *a, const struct aggregate_metric *m, size_t k);
void aggregate_free(struct aggregate *a); /* accepts a zeroed aggregate */

#endif
