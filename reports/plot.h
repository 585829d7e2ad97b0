/*
 * plot: the figures of bootlens ("bootlens plot KIND INPUT...", and the
 * figures of "bootlens report"), drawn by gnuplot (reports/gnuplot.h,
 * docs/plot.md).
 *
 * plot_data_load() reads the inputs once: a session (every variant), a
 * session's variant (SESSION:VARIANT) or a capture FILE; each session's
 * ok runs are analysed through the one pipeline (run.h) and aggregated
 * per variant (sessreport.h with SESSREPORT_NONE, aggreport.h); a FILE is
 * one group of one run. An input that cannot be read at all is an error;
 * damage inside one (a run JSON that does not read, a capture that holds
 * nothing or cannot be read: sessreport's unreadable_failed, as in
 * "bootlens report") is a failed run of its group, unselected in the
 * runset (the timeline skips it), and the notes name each unreadable
 * capture. "bootlens analyze" stops at an unreadable capture instead.
 *
 * plot_draw() draws one figure KIND of the loaded data into out_path
 * (its terminal: the style's), writing OUT.gp and OUT.dat beside it
 * (OUT: out_path without its extension) and running gnuplot once on the
 * script. The same data and options give byte-identical .gp, .dat and
 * SVG.
 *
 *   phases:       one horizontal stacked bar per group (variant of a
 *                 session, or capture) of the median phase times, the 95%
 *                 CI of each phase's median as a whisker on its segment,
 *                 the total (median, host-timed) at the end of the bar.
 *                 Phases unavailable in a group are left out and named in
 *                 the note (res->note; also printed under the figure).
 *   distribution: one panel per metric (the total, then every phase),
 *                 each on its own scale, a row per group: Q1..Q3 box,
 *                 median line, whiskers to the furthest run within 1.5
 *                 IQR, the runs flagged as outliers (aggregate.h) marked.
 *   ecdf:         the empirical CDF of the total per group.
 *   timeline:     one boot (run o->run of the first input that is a
 *                 session, its first ok run without; a FILE is one run):
 *                 the phases on the top row on one time axis (host and
 *                 guest together where the clocks are stitched), the
 *                 functions below as a flame chart in time order
 *                 (reports/timeline.h).
 *   delta:        two inputs, sessions, as "bootlens compare BASE NEW":
 *                 the change per phase and top function with its CI,
 *                 coloured by verdict: every phase and the
 *                 PLOT_DELTA_FNS (10) functions of compare's top that
 *                 moved most.
 *
 * The sweep figures (docs/plot.md, "Sweeps") are drawn from what a sweep
 * saved (analyzer/savings.h: savings_analyse() of a sweep session) by
 * plot_savings_draw(), not from loaded plot_data:
 *
 *   waterfall:    a cumulative sweep: the baseline's median total as a
 *                 bar from the axis, then one floating bar per step from
 *                 its reference's median to its own, coloured by
 *                 compare's verdict for the total, the 95% CI of the
 *                 change as a whisker on the bar's moving end, labelled
 *                 "-312 ms" over "[-340, -290]" (U+2212 minus signs but
 *                 on dumb and cairolatex); a broken step a hatched marker
 *                 at the level it started from, "broken" and its verdict
 *                 counts, no bar; the last bar the final total. Knob names
 *                 are labels under the bars ("set label"). Host-timed
 *                 steps are no part of the chain: the note gives them.
 *                 An each sweep is refused (-EINVAL: err suggests
 *                 savings).
 *   savings:      each knob's saving against its reference (each: the
 *                 baseline; cumulative: the previous step), horizontal
 *                 bars sorted by saving, descending, with CI whiskers,
 *                 verdict colours and the zero line; a host-timed knob's
 *                 row says "(host-timed)"; steps not compared (a broken
 *                 reference) and then broken knobs at the bottom, as
 *                 "broken (5 of 5 crash)".
 *
 * Names of inputs, groups, phases and functions reach the script only
 * through gp_str(); rows are named by "set label", never by tic labels
 * (gnuplot formats those). The .dat holds numbers only. timeline_write()
 * is called after gp_head() (default size timeline_default_size()) with the .dat's
 * base name, which it quotes with gp_str() itself.
 *
 * Functions return 0 or a negative errno and never print; on error err
 * (errsize bytes) says why, naming the input or file.
 */
#ifndef BOOTLENS_PLOT_H
#define BOOTLENS_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/compare.h"
#include "analyzer/run.h"
#include "analyzer/savings.h"
#include "analyzer/runset.h"
#include "reports/aggreport.h"
#include "reports/gnuplot.h"

enum plot_kind {
        PLOT_PHASES = 0,
        PLOT_DISTRIBUTION,
        PLOT_ECDF,
        PLOT_TIMELINE,
        PLOT_DELTA,
        PLOT_WATERFALL, /* a sweep's: plot_savings_draw() */
        PLOT_SAVINGS,
};
#define PLOT_NKINDS       7
#define PLOT_SWEEP_KIND_0 PLOT_WATERFALL /* kinds from here on draw a sweep */
#define PLOT_DELTA_FNS    10             /* delta: the functions drawn */

/* "phases", "distribution", "ecdf", "timeline", "delta", "waterfall",
 * "savings". */
const char *plot_kind_name(enum plot_kind k);
int plot_kind_parse(const char *name, enum plot_kind *k); /* 0 or -EINVAL */

struct plot_input {
        char *arg;            /* as given (owned) */
        bool is_session;      /* else a capture FILE */
        struct runset rs;     /* sessions (the aggreport's strings point into it) */
        struct aggreport agg; /* one group per variant; a FILE: one group, one run */
        char *damage;         /* a FILE's truncated dump, as analyze says it (owned), or NULL */
};

struct plot_data {
        struct plot_input *in;
        size_t n;
        struct run_options ro; /* how runs were analysed (timeline re-analyses one) */
        size_t top;            /* functions with a CI in each aggregate */
        bool exclude_starved;  /* starved runs left out (delta: of the comparison too) */
};

struct plot_load_options {
        const struct run_options *run; /* NULL: detection and built-in maps */
        size_t top;                    /* 0: COMPARE_TOP_DEFAULT */
        bool exclude_starved;
};

/* Read and analyse inputs[0..n) into d (overwritten; plot_data_free it,
 * also on error). Returns 0; -ENOENT (err: the input) when an input is
 * neither a session nor a readable file; -ENODATA when a FILE holds
 * nothing to analyse; -EINVAL for a bad phase map; -ENOMEM. */
int plot_data_load(struct plot_data *d, const char *const *inputs, size_t n,
                   const struct plot_load_options *o, char *err, size_t errsize);
void plot_data_free(struct plot_data *d); /* accepts a zeroed one */

struct plot_options {
        struct gp_style style;
        bool has_run;                          /* timeline: --run N (a session's) */
        unsigned run;                          /* a session run number */
        const char *title;                     /* NULL: made from the inputs */
        const struct compare_options *compare; /* delta; NULL: compare's defaults */
};

struct plot_result {
        char *note;   /* lines to show under the figure ("" when none; owned) */
        char **files; /* what was written: the figure (and .tex/.pdf), .gp, .dat (owned) */
        size_t nfiles;
};

/*
 * Draw figure k of d into out_path. res is overwritten (plot_result_free
 * it, also on error). Returns 0; -EINVAL when k does not fit the data
 * (delta without two session inputs, timeline --run N of no ok run or of
 * a FILE, a sweep kind: plot_savings_draw() draws those; err says which); -ENODATA when there is
 * nothing to draw (no total for an ecdf of FILEs: err says so); what gp_run() returns when gnuplot
 * fails (the .gp and .dat are written first); -errno of writing a file (err names it); -ENOMEM.
 */
int plot_draw(const struct plot_data *d, enum plot_kind k, const char *out_path,
              const struct plot_options *o, struct plot_result *res, char *err, size_t errsize);
void plot_result_free(struct plot_result *res); /* accepts a zeroed one */

/*
 * Draw sweep figure k (PLOT_WATERFALL or PLOT_SAVINGS) of s into out_path,
 * as plot_draw() draws (OUT.gp, OUT.dat beside it, one gnuplot run; the
 * style, title and result as there; o->compare is not used: s is
 * compared already). The title names s->session by its last component.
 * Returns 0; -EINVAL when k is no sweep kind, waterfall of an each sweep
 * (err: "waterfall: ... try 'bootlens plot savings ...'"); -ENODATA when
 * there is no step to draw (err says so); what gp_run() returns; -errno
 * of writing a file (err names it); -ENOMEM.
 */
int plot_savings_draw(const struct savings *s, enum plot_kind k, const char *out_path,
                      const struct plot_options *o, struct plot_result *res, char *err,
                      size_t errsize);

/* Append why step st is broken, as the sweep figures say it: "5 of 5
 * crash", "3 of 5 crash, 2 of 5 timeout", "no ok run of 5". Returns 0 or
 * -ENOMEM. */
int plot_broken_why(struct sbuf *sb, const struct savings_step *st);

#endif
