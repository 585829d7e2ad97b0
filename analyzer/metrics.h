/*
 * metrics: the numbers one run gives statistics over runs, whatever the
 * guest OS, and the series of each number over many runs.
 *
 * metrics_extract() reads one analysed run (run.h) into a list:
 *
 *  - "total": the host's spawn-to-exit span (run_total_ns); present only
 *    when the host knew it (a session run), absent for a FILE.
 *  - "phase:NAME" for every phase of the run's map, in map order
 *    (run_phase_ns); absent when the phase is unavailable.
 *  - "fn:NAME": a function's total time, in ns. A Linux run gives its
 *    initcalls (the ct_funcs of run_slowest_initcalls: driver probes and
 *    function_graph threads left out). A tslog run gives every call-tree
 *    function. NAME is the frame as the reports print it: the name, and
 *    its argument after a space when it has one ("SYSINIT vm_mem"; a Linux
 *    module initcall keeps its " [MOD]"). Merged per NAME across the run:
 *    the calltree's per-function aggregates (one per thread, name and
 *    argument; total over outermost activations only) are summed over
 *    every thread, so recursion is never counted twice but the same
 *    function run on two threads adds up.
 *  - "self:NAME" (tslog runs only): the self time of that function, summed
 *    the same way over every activation and thread.
 *
 * A function's phase is where "the time moved": the first phase of the
 * map (in map order) whose available span [start, end) holds the
 * function's earliest ENTER record (any thread); for a Linux
 * run with none, "initcalls" when the map has that phase; else NULL.
 * Function metrics are present and listed only when the run has them (and,
 * for a cycle trace, a known TSC frequency); they come after the phases,
 * fn: before self:, each by value descending, ties by name.
 *
 * A metric_table gathers the series over many runs: metrics_collect()
 * once per run (in run order), metrics_table_finish() once, then
 * metrics_table_find() or the table's v[]. Ordering after finish: total,
 * then phases in map order (the order of the first run that named them;
 * phases a later run adds come after, in first-seen order), then fn:
 * series by median descending, then self: series by median descending,
 * ties by name (bytewise).
 *
 * Ownership: a metric_list owns its names and points into nothing of the
 * run except phase (a phase name of the run's map: valid while the run
 * lives). A metric_table owns everything in it, names and phases copied.
 * Functions return 0 or a negative errno (-ENOMEM) and never print; on
 * error the list or table stays valid (to free), its content unspecified.
 */
#ifndef BOOTLENS_METRICS_H
#define BOOTLENS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/run.h"

enum metric_kind {
        METRIC_TOTAL = 0,
        METRIC_PHASE,
        METRIC_FN_TOTAL,
        METRIC_FN_SELF,
};

/* "total", "phase", "fn_total", "fn_self": static strings. */
const char *metric_kind_name(enum metric_kind k);

struct metric {
        char *name; /* "total", "phase:NAME", "fn:NAME", "self:NAME" (owned) */
        enum metric_kind kind;
        const char *phase; /* see above; for a phase metric its own name; NULL: none */
        uint64_t value_ns; /* when present */
        bool present;
};

struct metric_list {
        struct metric *v;
        size_t n;
};

/* The metrics of r into l (overwritten; metrics_list_free it, also on
 * error). Returns 0 or -ENOMEM. */
int metrics_extract(const struct run *r, struct metric_list *l);
void metrics_list_free(struct metric_list *l); /* accepts a zeroed list */

struct metric_series {
        char *name; /* as in struct metric (owned) */
        enum metric_kind kind;
        char *phase;     /* the phase of the first run that had it (owned); NULL: none */
        double *values;  /* ns, one per run where present, in collection order */
        size_t *runs;    /* values[i] came from the runs[i]-th collected run (0-based) */
        size_t present;  /* entries of values and runs */
        size_t n;        /* runs collected into the table (present <= n) */
        double median;   /* of values, after finish (NaN when present = 0) */
        size_t map_rank; /* phases: order of first sight (internal) */
        size_t cap;      /* internal */
};

struct metric_table {
        struct metric_series *v;
        size_t n, cap;
        size_t nruns;   /* metrics_collect calls */
        size_t *slots;  /* internal: the name hash, 1 + index, 0 = free */
        size_t nslots;  /* a power of two */
        size_t nphases; /* internal */
};
#define METRIC_TABLE_INIT                                                                          \
        {                                                                                          \
                0                                                                                  \
        }

/* Add run r's metrics (metrics_extract) to t as the next run. A series
 * first seen now has present < n. Returns 0 or -ENOMEM. */
int metrics_collect(struct metric_table *t, const struct run *r);
/* Add a list already extracted (what metrics_collect does after
 * extraction). Returns 0 or -ENOMEM. */
int metrics_collect_list(struct metric_table *t, const struct metric_list *l);
/* Set every series' n and median and order t->v as documented above. Call
 * once, after the last collect. Returns 0 or -ENOMEM. */
int metrics_table_finish(struct metric_table *t);
/* The series named name, or NULL. Valid before and after finish. */
const struct metric_series *metrics_table_find(const struct metric_table *t, const char *name);
void metrics_table_free(struct metric_table *t); /* accepts a zeroed table */

#endif
