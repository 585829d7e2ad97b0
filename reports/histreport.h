/*
 * histreport: what "bootlens history" prints (docs/history.md describes
 * every format): the entries (list), one entry (show), a metric's trend
 * with its change points (trend) and the CI gate's verdict (check).
 *
 *  - table: aligned text for a terminal; times in ms with one decimal
 *    (microseconds below 10 ms: "%.3f");
 *  - json: one document per call, kind HISTREPORT_KIND_* and
 *    schema_version HISTREPORT_SCHEMA_VERSION; times in ns (numbers),
 *    labels as an object;
 *  - csv: one row per entry / point (RFC 4180, CRLF, reports/csv.h);
 *  - md (check only): a pull-request comment: a first line with the
 *    verdict, then the total and the phases that moved (a table: metric,
 *    base median, new median, change with its CI, p after Holm, verdict),
 *    the base (which points, their labels) and, under the slower phase,
 *    the functions that moved most (from c->fns).
 *
 * Guest and user text (labels, phase and function names, paths) goes
 * through o->put_text in the table, the JSON writer's escaping,
 * csv_field() and md_escape(). Functions return 0, -ENOMEM or -EIO (a
 * failed write) and never print anything else.
 */
#ifndef BOOTLENS_HISTREPORT_H
#define BOOTLENS_HISTREPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analyzer/history.h"
#include "analyzer/trend.h"

#define HISTREPORT_SCHEMA_VERSION 1
#define HISTREPORT_KIND_LIST      "bootlens-history-list"
#define HISTREPORT_KIND_SHOW      "bootlens-history-entry"
#define HISTREPORT_KIND_TREND     "bootlens-history-trend"
#define HISTREPORT_KIND_CHECK     "bootlens-history-check"
#define HISTREPORT_MD_FNS         5 /* functions a pull-request comment names */

enum histreport_format {
        HISTREPORT_TABLE = 0,
        HISTREPORT_JSON,
        HISTREPORT_CSV,
        HISTREPORT_MD,
};
/* "table", "json", "csv", "md": 0 or -EINVAL. */
int histreport_format_parse(const char *s, enum histreport_format *f);

struct histreport_options {
        enum histreport_format format;
        bool colour;                                /* table: verdict colours */
        void (*put_text)(FILE *out, const char *s); /* table: guest text (NULL: fputs) */
        const char *db;                             /* the database's path, for headers */
};

/* list: one line per entry: id, session id, variant, created, runs used,
 * the median total (totals[i], NAN: none), labels. table, json, csv. */
int histreport_list(FILE *out, const struct history_entry *v, size_t n, const double *totals,
                    const struct histreport_options *o);
/* show: the entry, its environment and labels, then every metric with
 * its summary (n, median, CI, IQR). table, json. */
int histreport_show(FILE *out, const struct history_entry *e, const struct history_metric *m,
                    size_t nm, const struct histreport_options *o);
/* trend: the header (metric, by, points, sigma, beta), one line per point
 * (index, label, session, created, n, median, CI, segment; a change point
 * marked where a segment starts), then the change points (at, labels,
 * before, after, step with CI). table, json, csv (points only). */
int histreport_trend(FILE *out, const struct trend *t, const struct trend_options *to,
                     const struct histreport_options *o);
/* check: the verdict line ("regressed", "ok", "not judged: WHY"), the
 * newest point, then the gate's metrics as above, each one's base (its
 * points, their labels, the unconfirmed tail left out), c->notes and the
 * functions (table, json: all of c->fns by |diff|; md: the
 * HISTREPORT_MD_FNS that moved most in the phase the first line names).
 * table, json, md. */
int histreport_check(FILE *out, const struct trend_check *c, const struct histreport_options *o);
/* The gate metric a verdict names (the md's first line, the dashboard's):
 * the index into c->gate.m of the slower phase whose median moved most,
 * else of the total when it is slower; -1 when none is slower (or c is
 * not judged). */
long histreport_check_worst(const struct trend_check *c);

#endif
