/*
 * dashboard: "bootlens history dashboard --db FILE -o DIR"
 * (docs/history.md): DIR/index.html, one static page that fetches
 * nothing and runs no script, like the report (reports/htmlreport.h):
 *   - a header: the database, how many entries, the newest, the filter;
 *   - the gate's verdict on the newest point (trend_check), when judged;
 *   - one trend figure for the total and one per phase (trendplot_draw
 *     into DIR/figures/NN-NAME.svg with its .gp and .dat, inlined as a
 *     data: URL), change points annotated, of the series' last
 *     DASHBOARD_MAX_POINTS points (a longer series is cut, and the page
 *     says so), each followed by all its change points as a table;
 *   - the latest o->latest entries in a table: label, session, created,
 *     runs, median total and per phase; each linked to its session's
 *     report when the session directory is still on disk (the report is
 *     written into DIR/sessions/ID/index.html with report_write_dir's
 *     renderer, htmlreport_build and htmlreport_write), else "not on disk".
 * Every string from the database is escaped (htmlreport_escape,
 * htmlreport_href). Functions return 0 or a negative errno and never print.
 */
#ifndef BOOTLENS_DASHBOARD_H
#define BOOTLENS_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/history.h"
#include "analyzer/trend.h"
#include "reports/gnuplot.h"

#define DASHBOARD_LATEST_DEFAULT 20
#define DASHBOARD_MAX_POINTS     500 /* drawn per figure: the series' last */

struct dashboard_options {
        const char *dir;                  /* output directory (created) */
        struct trend_check_options check; /* filter, by, statistics */
        size_t latest;                    /* 0: DASHBOARD_LATEST_DEFAULT */
        bool session_reports;             /* write the latest entries' reports */
        struct gp_style style;            /* the figures' (svg) */
};

struct dashboard_result {
        char *index;    /* DIR/index.html (owned) */
        char *notes;    /* lines to say (gnuplot warnings, sessions gone) (owned) */
        size_t figures; /* drawn */
        size_t reports; /* session reports written */
};
void dashboard_result_free(struct dashboard_result *r); /* accepts zeroed */

/* Write the dashboard. Returns 0; -ENOENT when the database holds no
 * entry matching the filter (err says so); -errno of writing (err names
 * the file); what gp_run returns; -ENOMEM. */
int dashboard_write(struct history *h, const struct dashboard_options *o,
                    struct dashboard_result *r, char *err, size_t errsize);

#endif
