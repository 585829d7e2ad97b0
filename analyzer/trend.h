/*
 * trend: a metric's series over the history with its change points
 * ("bootlens history trend"), and the CI gate ("bootlens history check"),
 * docs/history.md.
 *
 * trend_build(): the series (history_series(): entries matching the
 * filter, ordered by the --by label in version order, else by collection
 * time), the change points of its point medians (cp_detect(), with
 * compare's minimum effect), and per change point its step: the
 * difference of medians of the pooled runs of the window (at most
 * o->window points) just before and just after it, with its bootstrap CI
 * (stats_median_diff_ci_bootstrap, compare's B, level and seed), the
 * label (the --by value, else the session id) of the point where the new
 * level starts and that of the point before. A level that starts fewer
 * than min_seg points before the end cannot be a segment of PELT's own
 * (it would start the last segment early, with old points): the last
 * change is moved to where one change fits the medians best (least
 * squares) among where PELT put it and the starts of such a tail, so
 * that a step on the newest point is shown there (its last segment then
 * shorter than min_seg).
 *
 * trend_check(): the newest point (the last of the total's series, or
 * the last entry matching o->latest) against the last stable segment
 * before it. It looks at the span (o->span) points of the total's series
 * just before the newest, the points after it ignored: one
 * history_series() (the total's) and one history_entry_metrics() per
 * point looked at, whatever the history's length. For each metric judged
 * (the total and every phase the newest point has): its points among
 * those, their change points as trend_build finds them (with the penalty
 * of the whole series up to the newest, penalty * ln(points before it)),
 * and the base is the pooled runs of the points after the last change
 * point (at most o->window of them, the newest first). A level that
 * starts fewer than min_seg points before the newest is no segment yet:
 * PELT then starts the last segment early, with old points; the last
 * change is moved to where one change fits the medians best (least
 * squares) among where PELT put it and the starts of such a tail, and a
 * tail left after it (trend_check_base.tail) is left out of the base, as
 * not confirmed. The newest point's runs against that base with
 * compare's test (stats_compare) and Holm across the total and the
 * phases (compare_evaluate on c->gate): exit 1 ("regressed") when one got
 * significantly slower by more than the minimum effect. The newest
 * point's top functions (o->top of those it stored) are compared the
 * same way in c->fns (Holm among themselves: they name what moved, they
 * do not gate). With fewer than o->min_points base points for the total
 * (no history yet), nothing is judged: c->judged false and c->why says
 * so. A phase or function no point before the newest has is left out
 * (c->notes says so).
 *
 * Functions return 0 or a negative errno, never print; err receives a
 * line naming what failed.
 */
#ifndef BOOTLENS_TREND_H
#define BOOTLENS_TREND_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/changepoint.h"
#include "analyzer/compare.h"
#include "analyzer/history.h"
#include "analyzer/stats.h"

#define TREND_WINDOW_DEFAULT     20  /* points pooled each side of a step, and into check's base */
#define TREND_MIN_POINTS_DEFAULT 1   /* base points check needs to judge */
#define TREND_CHECK_SPAN_DEFAULT 200 /* points before the newest check looks at, at least */
#define TREND_SPREAD_K_DEFAULT   3.0 /* trend_check_options.spread_k */
#define TREND_SPREAD_MIN_POINTS  3   /* base points that give a spread */

struct trend_options {
        const struct history_filter *where; /* NULL: every entry */
        const char *by;                     /* label key ordering the series; NULL: created */
        struct cp_options cp;               /* cp_options_default(), but min_abs and min_rel
                                             * NAN: the minimum effect of stats (a number,
                                             * 0 included, is used as it is) */
        struct stats_options stats;         /* compare's: alpha, minimum effect, B, level, seed */
        size_t window;                      /* 0: TREND_WINDOW_DEFAULT */
};
/* where and by NULL, cp_options_default with min_abs and min_rel NAN (so
 * that the change points take stats' minimum effect, whatever the caller
 * sets there), stats_options_default, window TREND_WINDOW_DEFAULT. */
void trend_options_default(struct trend_options *o);

struct trend_change {
        size_t at;                /* index of the first point of the new level */
        const char *label_before; /* the by value (else session id) of point at-1 (borrowed) */
        const char *label_at;     /* of point at (borrowed) */
        double before, after;     /* medians of the pooled runs of the windows (ns) */
        double step;              /* after - before: > 0 slower */
        struct stats_ci ci;       /* bootstrap CI of step */
        size_t runs_before, runs_after;
        size_t points_before, points_after; /* pooled (<= window) */
};

struct trend {
        struct history_series s; /* the points (owned) */
        struct cp_result cp;     /* the change points of the point medians (owned) */
        struct trend_change *c;  /* one per cp.at[i] (owned) */
        size_t nc;
        size_t *segment; /* per point, the index of its segment, 0-based (owned) */
};

/* The trend of metric (as history_series names it) into t (overwritten;
 * trend_free it, also on error). A size (history_metric_is_size()) has no
 * noise: its change points are every point whose median differs from the
 * one before, without a minimum effect (cp.sigma and cp.beta 0). Returns
 * 0 (t->s.n may be 0), what history_series or cp_detect returns, -ENOMEM. */
int trend_build(struct history *h, const char *metric, const struct trend_options *o,
                struct trend *t, char *err, size_t errsize);
void trend_free(struct trend *t); /* accepts zeroed */

struct trend_check_options {
        struct trend_options trend;
        const struct history_label *latest; /* NULL: the newest point; else the last entry with
                                             * this label */
        size_t min_points;                  /* 0: TREND_MIN_POINTS_DEFAULT */
        size_t top;                         /* functions compared (0: HISTORY_TOP_FNS) */
        size_t span; /* points before the newest looked at (0: 10 windows, at least
                      * TREND_CHECK_SPAN_DEFAULT) */
        /* the sessions' own spread (see trend_check_base.spread): a gate
         * metric is called slower or faster only when its change exceeds
         * spread_k times the spread of its base points' medians; 0: no
         * such condition (runs alone decide). TREND_SPREAD_K_DEFAULT. */
        double spread_k;
};
void trend_check_options_default(struct trend_check_options *o);

/* The base of one judged metric: which points were pooled. */
struct trend_check_base {
        const char *metric;      /* borrowed from the gate's metric */
        size_t first, last;      /* indices into the total's series (inclusive) */
        const char *label_first; /* their labels (owned by the check) */
        const char *label_last;
        size_t points, runs;
        size_t changes; /* confirmed change points among the points looked at */
        size_t tail;    /* the points just before the newest on a new level not yet
                         * confirmed (fewer than the change points' min_seg): left out */
        /* how much the base's sessions differ among themselves: the robust
         * sigma (1.4826 MAD, else 1.2533 mean absolute deviation) of the
         * base points' medians, ns; NAN with fewer than
         * TREND_SPREAD_MIN_POINTS points */
        double spread;
        /* points of a transient left out: a short excursion between the
         * last segment and a level before it that it equals (within the
         * minimum effect), one slow session as PELT sees it; the base then
         * holds both levels' points (first..last, less these) */
        size_t transient;
        /* the runs' test called it slower or faster, but the change is
         * within spread_k * spread: a session as far off as the base's own
         * sessions are: made inconclusive (a note says so) */
        bool within_spread;
};

/* A function new among the stored ones (trend_check.fresh). */
struct trend_check_fresh {
        char *name;        /* "fn:NAME" (owned) */
        char *phase;       /* its phase in the newest point, or NULL (owned) */
        double median_new; /* ns, the newest point's median */
        double below;      /* ns: at most this in each base point (the largest of
                            * their smallest stored functions) */
};

struct trend_check {
        bool judged;                   /* false: too few points (why says so) */
        char *why;                     /* (owned) NULL when judged */
        struct history_entry newest;   /* (owned) */
        const char *newest_label;      /* its by value, else its session id (borrowed) */
        size_t points;                 /* of the total's series up to the newest, included */
        struct compare gate;           /* total and phases: base = stable segment, new = newest */
        struct trend_check_base *base; /* per gate metric, gate.m order (owned) */
        struct compare fns;            /* the functions, informational */
        bool regressed;                /* compare_any_slower(&gate) */
        /* functions of the newest point's top that no base point stored:
         * each was at most `below` in every base point (a point stores
         * its top functions, so one it lacks ran for no longer than its
         * smallest stored one), and it moved by more than the minimum
         * effect over that bound; by median_new descending (owned) */
        struct trend_check_fresh *fresh;
        size_t nfresh;
        char **notes; /* what was left out and why, one line each, e.g.
                       * "phase:NAME: no earlier point: not compared" (owned) */
        size_t nnotes;
        char **labels; /* internal: strings base[] points at */
        size_t nlabels;
};

/* The gate (c overwritten; trend_check_free it, also on error). Returns
 * 0 (judged or not); -ENOENT when no entry matches (err says so) or none
 * matches o->latest; what reading or comparing returns. */
int trend_check(struct history *h, const struct trend_check_options *o, struct trend_check *c,
                char *err, size_t errsize);
void trend_check_free(struct trend_check *c); /* accepts zeroed */

#endif
