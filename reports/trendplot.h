/*
 * trendplot: the figure of a history trend ("bootlens history trend
 * --plot FILE", the dashboard's figures; docs/history.md, docs/plot.md's
 * style): x the points in series order, y the metric in ms; per point its
 * median with the order-statistic CI as an error bar; per segment its
 * level (the median of its point medians) as a horizontal line; per
 * change point a vertical dashed line between the two points, with the
 * step and its CI written beside it ("+12.3 ms [+10.1, +14.0]"). Points
 * are named by their label (the --by value, else the session's created
 * date) with "set label" rotated under the axis, thinned to at most
 * TRENDPLOT_MAX_XLABELS evenly spaced names (the first and last always).
 *
 * As every figure (reports/gnuplot.h): FILE.gp draws it from FILE.dat,
 * both beside FILE, gp_run() runs gnuplot once, the terminal follows the
 * extension, every string goes through gp_str(), the .dat holds numbers
 * only. Functions return 0 or a negative errno and never print.
 */
#ifndef BOOTLENS_TRENDPLOT_H
#define BOOTLENS_TRENDPLOT_H

#include "analyzer/trend.h"
#include "reports/gnuplot.h"
#include "reports/plot.h"

#define TRENDPLOT_MAX_XLABELS 24

/*
 * Draw t into out_path with o's style and title (NULL: "METRIC by BY").
 * res as plot_draw's (plot_result_free it, also on error). Returns 0;
 * -ENODATA when t has no point (err says so); what gp_run() returns;
 * -errno of writing a file (err names it); -ENOMEM.
 */
int trendplot_draw(const struct trend *t, const char *by, const char *out_path,
                   const struct plot_options *o, struct plot_result *res, char *err,
                   size_t errsize);

#endif
