/*
 * aggreport: the aggregate of many runs, rendered: what "bootlens analyze
 * SESSION[:VARIANT]" prints by default, "analyze --aggregate FILE..."
 * too, and "bootlens demo" (docs/analyze.md, "Aggregate").
 *
 * One group per aggregate: a variant of a session, or the FILEs given.
 * Table: a heading per group ("aggregate of session DIR, variant V: N ok
 * runs of M recorded"), the failed runs (run, verdict, reason), the
 * starved runs, then one line per metric: the total, every phase, and the
 * top fn: (and self:) metrics, each with n (present/runs when it is
 * missing from some), median, IQR (q25..q75), p10..p90, min..max, the 95%
 * CI of the median (its true coverage after it when below 95%) and the
 * runs flagged as outliers. JSON: the groups as an array of objects
 * (docs/json-schema.md, "aggregates"). Times are in ms in the table, ns
 * (reals: a median may fall between two values) in JSON.
 */
#ifndef BOOTLENS_AGGREPORT_H
#define BOOTLENS_AGGREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/aggregate.h"
#include "reports/jsonw.h"

struct aggreport_run {
        unsigned run;        /* session run number; FILEs: the 1-based position */
        const char *file;    /* FILEs: the path; NULL for a session run */
        const char *verdict; /* session: its verdict; "ok" for a FILE analysed */
        const char *reason;  /* failed: why ("" when none) */
        bool failed;         /* not in the aggregate because it did not boot or analyse */
        bool starved;        /* docs/contention.md */
        bool excluded;       /* starved and left out (--exclude-starved) */
        uint64_t run_delay_ns, wall_ns;
};

struct aggreport_group {
        const char *variant; /* NULL: FILEs */
        struct aggregate agg;
        struct aggreport_run *runs; /* every run of the group, in run order (owned) */
        size_t nruns, cap;
        size_t nok, nfailed, nstarved, nexcluded;
        /* Its runs are host-timed (timing=host, run_host_only()): the table
         * says phases and functions are not available; JSON "host_timed":
         * true (absent otherwise). */
        bool host_timed;
};

struct aggreport {
        const char *session; /* NULL: FILEs */
        size_t top;          /* fn: and self: lines in the table (and CIs) */
        bool exclude_starved;
        uint64_t seed; /* --seed, recorded (the order-statistic CI needs none) */
        struct aggreport_group *groups;
        size_t ngroups;
};

/* The group of variant (NULL for FILEs), added when new. NULL: -ENOMEM. */
struct aggreport_group *aggreport_group(struct aggreport *r, const char *variant);
/* Append a run to g (copied; the strings must outlive r). Returns 0 or
 * -ENOMEM. */
int aggreport_add_run(struct aggreport_group *g, const struct aggreport_run *run);
/* aggregate_finish() every group. Returns 0 or -ENOMEM. */
int aggreport_finish(struct aggreport *r);

/* Whether m is one of the table's lines (the total, a phase, the first
 * top fn: and self: metrics): call it on a->v[] in order, *nfn and *nself
 * starting at 0. The CSV and Markdown exports list the same metrics. */
bool aggreport_in_table(const struct aggregate_metric *m, size_t top, size_t *nfn, size_t *nself);
/* Whether m's 95% CI of the median is shown: it has one and more than
 * one run gives it (one run has no interval: the table, CSV, Markdown
 * and the HTML report show "-"; the JSON keeps the computed interval
 * with its coverage, 0). */
bool aggreport_shows_ci(const struct aggregate_metric *m);
/* Why run u counts as starved, into buf: "run delay 400.000 ms of
 * 3558.603 ms, over 5% and 10 ms: docs/contention.md" (" of" the wall
 * time only when known). Returns snprintf's length. */
int aggreport_starved_why(char *buf, size_t size, const struct aggreport_run *u);
/* The table. Returns 0 or -EIO. */
int aggreport_table(FILE *out, const struct aggreport *r);
/* Open a report document: "{", schema_version (json.h), kind, tool. */
void aggreport_json_begin(struct jsonw *w, const char *kind);
/* The member "aggregates": [...] into the object w is in. */
void aggreport_json_members(struct jsonw *w, const struct aggreport *r);

void aggreport_free(struct aggreport *r); /* accepts a zeroed one */

#endif
