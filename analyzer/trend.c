/*
 * trend: series, change points and the CI gate (analyzer/trend.h,
 * docs/history.md "Trends" and "The CI gate").
 *
 * Cost: one history_series() per metric (summaries only), one
 * cp_detect() on its point medians, and run values (history_values())
 * only for the points pooled: at most 2 * window per change point in
 * trend_build, window + 1 per metric in trend_check. Nothing is
 * allocated per point but the one array of medians.
 */
#include "analyzer/trend.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_err(char *err, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errsize, const char *fmt, ...)
{
        va_list ap;

        if (err == NULL || errsize == 0)
                return;
        va_start(ap, fmt);
        vsnprintf(err, errsize, fmt, ap);
        va_end(ap);
}

void trend_options_default(struct trend_options *o)
{
        memset(o, 0, sizeof(*o));
        cp_options_default(&o->cp);
        /* the minimum effect of the change points: stats' (see trend.h) */
        o->cp.min_abs = NAN;
        o->cp.min_rel = NAN;
        stats_options_default(&o->stats);
        o->window = TREND_WINDOW_DEFAULT;
}

void trend_check_options_default(struct trend_check_options *o)
{
        memset(o, 0, sizeof(*o));
        trend_options_default(&o->trend);
        o->min_points = TREND_MIN_POINTS_DEFAULT;
        o->top = HISTORY_TOP_FNS;
        o->spread_k = TREND_SPREAD_K_DEFAULT;
}

static size_t window_of(const struct trend_options *o)
{
        return o->window ? o->window : TREND_WINDOW_DEFAULT;
}

/* A point's label: the --by value, else the session id. */
static const char *point_label(const struct history_point *p)
{
        return p->by ? p->by : p->e.session_id;
}

/* The point medians of s->v[0..n) into *x (malloc'd; NULL when n is 0). */
static int medians(const struct history_series *s, size_t n, double **x)
{
        *x = NULL;
        if (n == 0)
                return 0;
        *x = malloc(n * sizeof(**x));
        if (*x == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                (*x)[i] = s->v[i].s.median;
        return 0;
}

/* The change points of x[0..n), with the minimum effect from o->stats
 * where o->cp leaves it NAN. beta_n > n: the penalty of a series of
 * beta_n points, penalty * ln(beta_n), for a part of one (0: n's own). */
static int detect(const double *x, size_t n, size_t beta_n, const struct trend_options *o,
                  struct cp_result *r)
{
        struct cp_options cp = o->cp;

        memset(r, 0, sizeof(*r));
        if (isnan(cp.min_abs))
                cp.min_abs = o->stats.min_abs;
        if (isnan(cp.min_rel))
                cp.min_rel = o->stats.min_rel;
        if (beta_n > n && n >= 2)
                cp.penalty = (cp.penalty > 0 ? cp.penalty : CP_PENALTY_DEFAULT) *
                             log((double)beta_n) / log((double)n);
        if (n == 0)
                return 0;
        return cp_detect(x, n, &cp, r);
}

/* A kernel's size (kernel:*) is no sample with noise: it changes where it
 * changes, by however many bytes. Every point whose median differs from
 * the one before starts a segment. */
static int exact_changes(const double *x, size_t n, struct cp_result *r)
{
        memset(r, 0, sizeof(*r));
        for (size_t i = 1; i < n; i++)
                r->n += x[i] != x[i - 1];
        if (r->n == 0)
                return 0;
        r->at = calloc(r->n, sizeof(*r->at));
        if (!r->at) {
                r->n = 0;
                return -ENOMEM;
        }
        for (size_t i = 1, k = 0; i < n; i++)
                if (x[i] != x[i - 1])
                        r->at[k++] = i;
        return 0;
}

/* Run values pooled over points. */
struct pool {
        double *v;
        size_t n, cap;
};

static void pool_free(struct pool *p)
{
        free(p->v);
        memset(p, 0, sizeof(*p));
}

/* Append the run values of metric in entry id. */
static int pool_add(struct history *h, int64_t id, const char *metric, struct pool *p)
{
        double *v = NULL;
        size_t n = 0;
        int rc = history_values(h, id, metric, &v, &n);

        if (rc < 0)
                return rc;
        if (p->n + n > p->cap) {
                size_t cap = p->cap ? 2 * p->cap : 64;
                double *grown;

                while (cap < p->n + n)
                        cap *= 2;
                grown = realloc(p->v, cap * sizeof(*grown));
                if (grown == NULL) {
                        free(v);
                        return -ENOMEM;
                }
                p->v = grown;
                p->cap = cap;
        }
        if (n)
                memcpy(p->v + p->n, v, n * sizeof(*v));
        p->n += n;
        free(v);
        return 0;
}

/* Append the run values of the points s->v[first..end). */
static int pool_points(struct history *h, const struct history_series *s, size_t first, size_t end,
                       struct pool *p)
{
        int rc = 0;

        for (size_t i = first; i < end && rc == 0; i++)
                rc = pool_add(h, s->v[i].e.id, s->metric, p);
        return rc;
}

/* The sum of squared deviations from the mean of x[a..b). */
static double sse(const double *x, size_t a, size_t b)
{
        double mean = 0, q = 0;

        for (size_t i = a; i < b; i++)
                mean += x[i];
        mean /= (double)(b - a);
        for (size_t i = a; i < b; i++)
                q += (x[i] - mean) * (x[i] - mean);
        return q;
}

/* Where the last change of x[p..j) fits best: at c, where cp_detect put
 * it, or at the start of a tail shorter than min_seg. A segment holds at
 * least min_seg points, so a level that starts fewer than min_seg points
 * before the end cannot be a segment of its own: PELT then starts the
 * last segment early, mixing the old level with the new. Returns c or the
 * tail's start (a change not yet confirmed by min_seg points): trend
 * shows the change there, check leaves the tail out of its base. */
static size_t last_change(const double *x, size_t p, size_t c, size_t j, size_t min_seg)
{
        double best = sse(x, p, c) + sse(x, c, j);
        size_t at = c;

        /* only a last segment of exactly min_seg points can have been
         * started early; a longer one is a level PELT confirmed, and
         * moving its change onto a noisy last point would lose it */
        if (j - c != min_seg)
                return c;
        for (size_t s = c + 1; s < j; s++) {
                double q = sse(x, p, s) + sse(x, s, j);

                if (q < best) {
                        best = q;
                        at = s;
                }
        }
        return at;
}

/* ---- trend_build ---- */

/* The step of change point k of t: the pooled runs of at most w points
 * each side, within the two segments it separates. */
static int step_of(struct history *h, const struct trend *t, size_t k, size_t w,
                   const struct stats_options *so, struct trend_change *c)
{
        size_t at = t->cp.at[k];
        size_t lo = k > 0 ? t->cp.at[k - 1] : 0;
        size_t hi = k + 1 < t->cp.n ? t->cp.at[k + 1] : t->s.n;
        size_t first = at - lo > w ? at - w : lo;
        size_t end = hi - at > w ? at + w : hi;
        struct pool a = {0}, b = {0};
        int rc;

        memset(c, 0, sizeof(*c));
        c->at = at;
        c->label_before = point_label(&t->s.v[at - 1]);
        c->label_at = point_label(&t->s.v[at]);
        c->points_before = at - first;
        c->points_after = end - at;
        rc = pool_points(h, &t->s, first, at, &a);
        if (rc == 0)
                rc = pool_points(h, &t->s, at, end, &b);
        if (rc < 0)
                goto out_free;
        c->runs_before = a.n;
        c->runs_after = b.n;
        if (a.n == 0 || b.n == 0) {
                c->before = c->after = c->step = NAN;
                c->ci.lo = c->ci.hi = NAN;
                goto out_free;
        }
        stats_sort(a.v, a.n);
        stats_sort(b.v, b.n);
        c->before = stats_quantile_sorted(a.v, a.n, 0.5);
        c->after = stats_quantile_sorted(b.v, b.n, 0.5);
        c->step = c->after - c->before;
        rc = stats_median_diff_ci_bootstrap(a.v, a.n, b.v, b.n, so->B, so->level, so->seed, &c->ci);
out_free:
        pool_free(&a);
        pool_free(&b);
        return rc;
}

int trend_build(struct history *h, const char *metric, const struct trend_options *o,
                struct trend *t, char *err, size_t errsize)
{
        size_t w = window_of(o), min_seg = o->cp.min_seg ? o->cp.min_seg : CP_MIN_SEG_DEFAULT;
        double *x = NULL;
        int rc;

        memset(t, 0, sizeof(*t));
        rc = history_series(h, metric, o->where, o->by, &t->s);
        if (rc < 0) {
                set_err(err, errsize, "history '%s': cannot read the series of '%s': %s",
                        history_path(h), metric, strerror(-rc));
                return rc;
        }
        if (t->s.n == 0)
                return 0;
        rc = medians(&t->s, t->s.n, &x);
        if (rc == 0 && history_metric_is_size(metric))
                rc = exact_changes(x, t->s.n, &t->cp);
        else if (rc == 0)
                rc = detect(x, t->s.n, 0, o, &t->cp);
        if (rc == 0 && t->cp.n > 0 && !history_metric_is_size(metric)) {
                /* a new level on the last point(s): where it starts */
                size_t *at = &t->cp.at[t->cp.n - 1];

                *at = last_change(x, t->cp.n > 1 ? at[-1] : 0, *at, t->s.n, min_seg);
        }
        free(x);
        if (rc < 0) {
                set_err(err, errsize, "history '%s': change points of '%s': %s", history_path(h),
                        metric, strerror(-rc));
                return rc;
        }
        t->segment = calloc(t->s.n, sizeof(*t->segment));
        t->c = calloc(t->cp.n ? t->cp.n : 1, sizeof(*t->c));
        if (t->segment == NULL || t->c == NULL) {
                set_err(err, errsize, "history '%s': the trend of '%s': %s", history_path(h),
                        metric, strerror(ENOMEM));
                return -ENOMEM;
        }
        for (size_t i = 0, seg = 0; i < t->s.n; i++) {
                if (seg < t->cp.n && t->cp.at[seg] == i)
                        seg++;
                t->segment[i] = seg;
        }
        for (size_t k = 0; k < t->cp.n; k++) {
                rc = step_of(h, t, k, w, &o->stats, &t->c[k]);
                if (rc < 0) {
                        set_err(err, errsize, "history '%s': the step of '%s' at %s: %s",
                                history_path(h), metric, point_label(&t->s.v[t->cp.at[k]]),
                                strerror(-rc));
                        return rc;
                }
                t->nc++;
        }
        return 0;
}

void trend_free(struct trend *t)
{
        if (t == NULL)
                return;
        history_series_free(&t->s);
        cp_result_free(&t->cp);
        free(t->c);
        free(t->segment);
        memset(t, 0, sizeof(*t));
}

/* ---- trend_check ---- */

static char *dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *dup_printf(const char *fmt, ...)
{
        va_list ap;
        char *s;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        return n < 0 ? NULL : s;
}

/* Append s (owned; NULL: -ENOMEM) to the array *v of *n. */
static int keep_string(char ***v, size_t *n, char *s)
{
        char **grown;

        if (s == NULL)
                return -ENOMEM;
        grown = realloc(*v, (*n + 1) * sizeof(*grown));
        if (grown == NULL) {
                free(s);
                return -ENOMEM;
        }
        *v = grown;
        (*v)[(*n)++] = s;
        return 0;
}

static int keep_label(struct trend_check *c, const char *s, const char **out)
{
        int rc = keep_string(&c->labels, &c->nlabels, strdup(s));

        if (rc == 0)
                *out = c->labels[c->nlabels - 1];
        return rc;
}

static int add_note(struct trend_check *c, char *s)
{
        return keep_string(&c->notes, &c->nnotes, s);
}

/*
 * What the check looks at: the last points of the total's series before
 * the newest, tot->v[lo..k) (k the newest), each with its metrics (one
 * history_entry_metrics() a point). A metric's points are the entries
 * among them that have it, in the same order.
 */
struct view {
        const struct history_series *tot;
        size_t lo, k;
        struct history_metric **m; /* per point, k - lo (owned) */
        size_t *nm;
};

static void view_free(struct view *v)
{
        for (size_t i = 0; v->m && v->nm && i < v->k - v->lo; i++)
                history_metrics_free(v->m[i], v->nm[i]);
        free(v->m);
        free(v->nm);
        memset(v, 0, sizeof(*v));
}

static size_t span_of(const struct trend_check_options *o)
{
        size_t w = window_of(&o->trend);

        if (o->span)
                return o->span;
        return 10 * w > TREND_CHECK_SPAN_DEFAULT ? 10 * w : TREND_CHECK_SPAN_DEFAULT;
}

static int view_open(struct history *h, const struct history_series *tot, size_t k, size_t span,
                     struct view *v)
{
        size_t n;
        int rc = 0;

        memset(v, 0, sizeof(*v));
        v->tot = tot;
        v->k = k;
        v->lo = k > span ? k - span : 0;
        n = k - v->lo;
        v->m = calloc(n ? n : 1, sizeof(*v->m));
        v->nm = calloc(n ? n : 1, sizeof(*v->nm));
        if (v->m == NULL || v->nm == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = history_entry_metrics(h, tot->v[v->lo + i].e.id, &v->m[i], &v->nm[i]);
        return rc;
}

/* One metric's points in the view: at[] indices into tot, x[] medians. */
struct mseries {
        size_t n;
        size_t *at;
        double *x;
};

static void mseries_free(struct mseries *s)
{
        free(s->at);
        free(s->x);
        memset(s, 0, sizeof(*s));
}

static int mseries_of(const struct view *v, const char *metric, struct mseries *s)
{
        size_t n = v->k - v->lo;

        memset(s, 0, sizeof(*s));
        s->at = malloc((n ? n : 1) * sizeof(*s->at));
        s->x = malloc((n ? n : 1) * sizeof(*s->x));
        if (s->at == NULL || s->x == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                for (size_t q = 0; q < v->nm[i]; q++) {
                        const struct history_metric *m = &v->m[i][q];

                        if (m->s.n == 0 || strcmp(m->name, metric) != 0)
                                continue;
                        s->at[s->n] = v->lo + i;
                        s->x[s->n++] = m->s.median;
                        break;
                }
        }
        return 0;
}

/* Where one metric's base lies in its points (struct mseries): first..end,
 * less skip_first..skip_end (a transient). */
struct base_range {
        size_t first, end;
        size_t skip_first, skip_end; /* left out inside first..end (none: equal) */
        size_t changes;              /* confirmed change points among the points */
        size_t tail;                 /* points just before the newest on a level not yet
                                      * confirmed (fewer than min_seg), left out */
};

/* The median of x[a..b) (b > a); NAN on -ENOMEM. */
static double median_of(const double *x, size_t a, size_t b)
{
        struct stats_summary sum;

        return stats_summary(x + a, b - a, &sum) == 0 ? sum.median : NAN;
}

/* A transient before the last segment [seg, end): the segment before it,
 * [prev, seg), at most 2 * min_seg points long, between two levels that
 * do not differ by the minimum effect (one slow session, PELT needing
 * min_seg points a segment, makes two change points, up and down). Then
 * the base reaches back over it into the level before, [before, prev),
 * and leaves it out. Returns whether it did (b updated). */
static bool base_transient(const struct mseries *s, const struct cp_result *cp, size_t ci,
                           const struct trend_options *o, size_t min_seg, size_t seg, size_t end,
                           struct base_range *b)
{
        size_t prev, before;
        double lq, ll, thr, min_abs = o->cp.min_abs, min_rel = o->cp.min_rel;

        /* cp->at[ci] is seg, the last confirmed change */
        if (ci == 0)
                return false;
        prev = cp->at[ci - 1];
        before = ci >= 2 ? cp->at[ci - 2] : 0;
        if (seg - prev > 2 * min_seg || prev - before < min_seg)
                return false;
        if (isnan(min_abs))
                min_abs = o->stats.min_abs;
        if (isnan(min_rel))
                min_rel = o->stats.min_rel;
        lq = median_of(s->x, before, prev);
        ll = median_of(s->x, seg, end);
        thr = fmax(min_abs, min_rel * fabs(lq));
        if (!(fabs(ll - lq) <= thr))
                return false;
        b->skip_first = prev;
        b->skip_end = seg;
        b->first = before;
        return true;
}

/* The base among the n points of s (all before the newest): the last
 * <= window points of the last segment, less a tail not confirmed. The
 * change points take the penalty of a series of beta_n points. */
static int base_range(const struct mseries *s, size_t beta_n, const struct trend_options *o,
                      struct base_range *b)
{
        size_t w = window_of(o), min_seg = o->cp.min_seg ? o->cp.min_seg : CP_MIN_SEG_DEFAULT;
        size_t seg = 0, end = s->n;
        struct cp_result cp;
        int rc;

        memset(b, 0, sizeof(*b));
        rc = detect(s->x, s->n, beta_n, o, &cp);
        if (rc < 0)
                return rc;
        b->changes = cp.n;
        if (cp.n > 0) {
                size_t p = cp.n > 1 ? cp.at[cp.n - 2] : 0, c = cp.at[cp.n - 1];
                size_t at = last_change(s->x, p, c, s->n, min_seg);

                if (at == c) {
                        seg = c;
                } else {
                        /* the change is in the tail: not confirmed yet */
                        seg = p;
                        end = at;
                        b->changes = cp.n - 1;
                }
        }
        b->tail = s->n - end;
        b->end = end;
        b->first = end - seg > w ? end - w : seg;
        b->skip_first = b->skip_end = b->first;
        /* a short last segment after a transient: the level before it too */
        if (end - seg < w && b->changes > 0 &&
            base_transient(s, &cp, b->changes - 1, o, min_seg, seg, end, b)) {
                size_t kept = (end - seg) + (b->skip_first - b->first);

                if (kept > w)
                        b->first += kept - w;
        }
        cp_result_free(&cp);
        return 0;
}

/* The robust sigma of the base points' medians, x[first..end) less the
 * transient (trend_check_base.spread, stats_robust_sigma); NAN with
 * fewer than TREND_SPREAD_MIN_POINTS, and on -ENOMEM (no spread known). */
static double spread_of(const double *x, const struct base_range *br)
{
        size_t n = 0;
        double *d, sigma = NAN;

        if (br->end - br->first - (br->skip_end - br->skip_first) < TREND_SPREAD_MIN_POINTS)
                return NAN;
        d = malloc((br->end - br->first) * sizeof(*d));
        if (d == NULL)
                return NAN;
        for (size_t i = br->first; i < br->end; i++)
                if (i < br->skip_first || i >= br->skip_end)
                        d[n++] = x[i];
        if (stats_robust_sigma(d, n, &sigma) < 0)
                sigma = NAN;
        free(d);
        return sigma;
}

/* After the gate's verdicts: a metric called slower or faster whose
 * change is within o->spread_k times its base's spread is made
 * inconclusive (trend_check_base.within_spread), with a note. */
static int spread_guard(const struct trend_check_options *o, struct trend_check *c)
{
        int rc = 0;

        if (!(o->spread_k > 0))
                return 0;
        for (size_t i = 0; i < c->gate.n && rc == 0; i++) {
                struct compare_metric *m = &c->gate.m[i];
                struct trend_check_base *b = &c->base[i];
                enum stats_verdict v = m->c.verdict;

                if ((v != STATS_SLOWER && v != STATS_FASTER) || !isfinite(b->spread) ||
                    fabs(m->c.diff) > o->spread_k * b->spread)
                        continue;
                b->within_spread = true;
                m->c.verdict = STATS_INCONCLUSIVE;
                c->gate.verdicts[v]--;
                c->gate.verdicts[STATS_INCONCLUSIVE]++;
                rc = add_note(c, dup_printf("%s: %+.1f ms is within %g times the spread of the "
                                            "base's own sessions (%.1f ms over %zu points): "
                                            "not called %s",
                                            b->metric, m->c.diff / 1e6, o->spread_k,
                                            b->spread / 1e6, b->points, stats_verdict_name(v)));
        }
        return rc;
}

/* Metric m of the newest entry judged: the runs of its base (br among
 * the points s of the view) against the newest's, added to cmp; the
 * base described in *base when base is not NULL. */
static int judge(struct history *h, const struct view *v, const struct mseries *s,
                 const struct base_range *br, const struct history_metric *m, struct compare *cmp,
                 struct trend_check *c, struct trend_check_base *base)
{
        const char *colon = strchr(m->name, ':');
        const char *name = m->kind != COMPARE_TOTAL && colon ? colon + 1 : m->name;
        const char *phase = m->kind == COMPARE_PHASE ? name : m->phase;
        const struct history_point *pt = v->tot->v;
        struct pool a = {0}, b = {0};
        int rc = 0;

        for (size_t i = br->first; i < br->end && rc == 0; i++)
                if (i < br->skip_first || i >= br->skip_end)
                        rc = pool_add(h, pt[s->at[i]].e.id, m->name, &a);
        if (rc == 0)
                rc = pool_add(h, c->newest.id, m->name, &b);
        if (rc == 0)
                rc = compare_add(cmp, m->kind, name, phase, a.v, a.n, a.n, b.v, b.n, b.n);
        if (rc < 0 || base == NULL)
                goto out_free;
        memset(base, 0, sizeof(*base));
        base->metric = cmp->m[cmp->n - 1].name;
        base->first = s->at[br->first];
        base->last = s->at[br->end - 1];
        base->points = br->end - br->first - (br->skip_end - br->skip_first);
        base->transient = br->skip_end - br->skip_first;
        base->runs = a.n;
        base->changes = br->changes;
        base->tail = br->tail;
        base->spread = spread_of(s->x, br);
        if (base->transient > 0)
                rc = add_note(c, dup_printf("%s: %zu point(s) from %s, off the level before and "
                                            "after them, left out of the base (a transient)",
                                            m->name, base->transient,
                                            point_label(&pt[s->at[br->skip_first]])));
        if (rc == 0 && br->tail > 0)
                rc = add_note(c, dup_printf("%s: %zu point(s) before the newest (from %s) on a "
                                            "level not yet confirmed: left out of the base",
                                            m->name, br->tail, point_label(&pt[s->at[br->end]])));
        if (rc == 0)
                rc = keep_label(c, point_label(&pt[base->first]), &base->label_first);
        if (rc == 0)
                rc = keep_label(c, point_label(&pt[base->last]), &base->label_last);
out_free:
        pool_free(&a);
        pool_free(&b);
        return rc;
}

/* Metric m judged into cmp (and c->base when gate), or left out when no
 * earlier point has it (*compared false). */
static int judge_metric(struct history *h, const struct trend_check_options *o,
                        const struct view *v, const struct history_metric *m, struct compare *cmp,
                        bool gate, struct trend_check *c, bool *compared)
{
        struct trend_check_base *grown;
        struct base_range br;
        struct mseries s;
        int rc;

        *compared = false;
        rc = mseries_of(v, m->name, &s);
        if (rc < 0 || s.n == 0)
                goto out_free;
        rc = base_range(&s, v->k, &o->trend, &br);
        if (rc < 0)
                goto out_free;
        if (gate) {
                grown = realloc(c->base, (cmp->n + 1) * sizeof(*grown));
                if (grown == NULL) {
                        rc = -ENOMEM;
                        goto out_free;
                }
                c->base = grown;
        }
        rc = judge(h, v, &s, &br, m, cmp, c, gate ? &c->base[cmp->n] : NULL);
        *compared = rc == 0;
out_free:
        mseries_free(&s);
        return rc;
}

/* Function m of the newest point, which no base point stored, into
 * c->fresh when it moved by more than the minimum effect over the
 * bound the base points give (trend_check.fresh). */
static int fresh_add(const struct trend_check_options *o, const struct view *v,
                     const struct history_metric *m, struct trend_check *c)
{
        const struct trend_check_base *b = &c->base[0];
        const struct stats_options *so = &o->trend.stats;
        struct trend_check_fresh *grown, *f;
        double below = 0, thr;

        for (size_t i = b->first; i <= b->last; i++) {
                double least = INFINITY;

                if (i < v->lo || i >= v->k)
                        continue;
                for (size_t q = 0; q < v->nm[i - v->lo]; q++) {
                        const struct history_metric *pm = &v->m[i - v->lo][q];

                        if (pm->kind == COMPARE_FN && pm->s.n > 0 && pm->s.median < least)
                                least = pm->s.median;
                }
                if (isfinite(least) && least > below)
                        below = least;
        }
        thr = fmax(so->min_abs, so->min_rel * below);
        if (!(m->s.median - below > thr))
                return 0;
        grown = realloc(c->fresh, (c->nfresh + 1) * sizeof(*grown));
        if (grown == NULL)
                return -ENOMEM;
        c->fresh = grown;
        f = &c->fresh[c->nfresh];
        memset(f, 0, sizeof(*f));
        f->name = strdup(m->name);
        f->phase = m->phase ? strdup(m->phase) : NULL;
        f->median_new = m->s.median;
        f->below = below;
        c->nfresh++;
        if (f->name == NULL || (m->phase && f->phase == NULL))
                return -ENOMEM;
        return 0;
}

/* The phases of the newest entry into the gate, its top functions (m is
 * by median descending) into c->fns. */
static int judge_rest(struct history *h, const struct trend_check_options *o, const struct view *v,
                      const struct history_metric *m, size_t nm, struct trend_check *c, char *err,
                      size_t errsize)
{
        size_t top = o->top ? o->top : HISTORY_TOP_FNS, fns = 0, fresh = 0;
        int rc = 0;

        for (size_t i = 0; i < nm && rc == 0; i++) {
                bool fn = m[i].kind == COMPARE_FN, compared;

                if (m[i].kind == COMPARE_TOTAL || (fn && fns++ >= top))
                        continue;
                rc = judge_metric(h, o, v, &m[i], fn ? &c->fns : &c->gate, !fn, c, &compared);
                if (rc == 0 && !compared && fn)
                        fresh++;
                if (rc < 0)
                        set_err(err, errsize, "history '%s': cannot compare '%s': %s",
                                history_path(h), m[i].name, strerror(-rc));
                else if (!compared && fn)
                        rc = fresh_add(o, v, &m[i], c);
                else if (!compared && v->lo == 0)
                        rc = add_note(c,
                                      dup_printf("%s: no earlier point: not compared", m[i].name));
                else if (!compared)
                        rc = add_note(c, dup_printf("%s: none of the %zu points before the "
                                                    "newest has it: not compared",
                                                    m[i].name, v->k - v->lo));
        }
        if (rc == 0 && fresh > 0)
                rc = add_note(c, dup_printf("%zu function(s) with no earlier point: not compared "
                                            "(%zu of them moved beyond the minimum effect over "
                                            "what the base points could have had: listed)",
                                            fresh, c->nfresh));
        return rc;
}

/* The newest point of the total's series: the last, or the last with
 * o->latest's label. tot->n when none. */
static size_t newest_of(const struct history_series *tot, const struct history_label *latest)
{
        if (latest == NULL)
                return tot->n - 1;
        for (size_t i = tot->n; i-- > 0;) {
                const char *v = history_entry_label(&tot->v[i].e, latest->key);

                if (v && strcmp(v, latest->value) == 0)
                        return i;
        }
        return tot->n;
}

/* The total: judged, or c->why says why not. */
static int judge_total(struct history *h, const struct trend_check_options *o, const struct view *v,
                       const struct history_metric *m, struct trend_check *c)
{
        size_t min_points = o->min_points ? o->min_points : TREND_MIN_POINTS_DEFAULT;
        struct base_range br = {0};
        struct mseries s;
        int rc;

        rc = mseries_of(v, m->name, &s);
        if (rc == 0 && s.n > 0)
                rc = base_range(&s, v->k, &o->trend, &br);
        if (rc < 0)
                goto out_free;
        if (br.end - br.first < min_points) {
                if (br.end - br.first == v->k)
                        c->why = dup_printf("only %zu earlier point(s) of total: nothing to "
                                            "compare with",
                                            v->k);
                else
                        c->why = dup_printf("only %zu point(s) of total since its last change "
                                            "(%zu earlier): fewer than %zu to compare with",
                                            br.end - br.first, v->k, min_points);
                rc = c->why ? 0 : -ENOMEM;
                goto out_free;
        }
        c->base = calloc(1, sizeof(*c->base));
        rc = c->base ? judge(h, v, &s, &br, m, &c->gate, c, &c->base[0]) : -ENOMEM;
        if (rc == 0)
                c->judged = true;
out_free:
        mseries_free(&s);
        return rc;
}

/* The gate's sides, named for the reports: the total's base points and
 * the newest point. */
static int name_sides(struct trend_check *c)
{
        const struct trend_check_base *b = &c->base[0];

        if (strcmp(b->label_first, b->label_last) == 0)
                c->gate.base.ref = strdup(b->label_first);
        else
                c->gate.base.ref = dup_printf("%s..%s", b->label_first, b->label_last);
        c->gate.new.ref = strdup(c->newest_label);
        c->gate.base.used = b->runs;
        c->gate.new.used = c->gate.m[0].nb;
        c->gate.new.recorded = c->newest.runs_recorded;
        c->gate.new.ok = c->newest.runs_ok;
        c->gate.new.left_out = c->newest.runs_left_out;
        if (c->gate.base.ref == NULL || c->gate.new.ref == NULL)
                return -ENOMEM;
        return 0;
}

int trend_check(struct history *h, const struct trend_check_options *o, struct trend_check *c,
                char *err, size_t errsize)
{
        static const struct history_metric total = {.name = "total", .kind = COMPARE_TOTAL};
        struct history_series tot;
        struct history_metric *m = NULL;
        struct view v = {0};
        size_t nm = 0, k;
        int rc;

        memset(c, 0, sizeof(*c));
        rc = history_series(h, "total", o->trend.where, o->trend.by, &tot);
        if (rc < 0) {
                set_err(err, errsize, "history '%s': cannot read the series of 'total': %s",
                        history_path(h), strerror(-rc));
                return rc;
        }
        if (tot.n == 0) {
                set_err(err, errsize, "history '%s': no entry%s%s%s to check", history_path(h),
                        o->trend.where && o->trend.where->nwhere ? " matches the filter" : "",
                        o->trend.by ? " with the label " : "", o->trend.by ? o->trend.by : "");
                rc = -ENOENT;
                goto out_free;
        }
        k = newest_of(&tot, o->latest);
        if (k == tot.n) {
                set_err(err, errsize, "history '%s': no entry with %s=%s%s%s", history_path(h),
                        o->latest->key, o->latest->value, o->trend.by ? " and the label " : "",
                        o->trend.by ? o->trend.by : "");
                rc = -ENOENT;
                goto out_free;
        }
        /* the newest entry moves into c; its slot in tot keeps its id */
        c->newest = tot.v[k].e;
        memset(&tot.v[k].e, 0, sizeof(tot.v[k].e));
        tot.v[k].e.id = c->newest.id;
        c->newest_label = o->trend.by ? history_entry_label(&c->newest, o->trend.by) : NULL;
        if (c->newest_label == NULL)
                c->newest_label = c->newest.session_id;
        tot.v[k].by = c->newest_label;
        c->points = k + 1;
        rc = view_open(h, &tot, k, span_of(o), &v);
        if (rc == 0)
                rc = judge_total(h, o, &v, &total, c);
        if (rc < 0) {
                set_err(err, errsize, "history '%s': cannot compare 'total': %s", history_path(h),
                        strerror(-rc));
                goto out_free;
        }
        if (!c->judged)
                goto out_free;
        rc = history_entry_metrics(h, c->newest.id, &m, &nm);
        if (rc < 0) {
                set_err(err, errsize, "history '%s': cannot read the metrics of entry %lld: %s",
                        history_path(h), (long long)c->newest.id, strerror(-rc));
                goto out_free;
        }
        rc = judge_rest(h, o, &v, m, nm, c, err, errsize);
        if (rc < 0)
                goto out_free;
        rc = name_sides(c);
        if (rc == 0)
                rc = compare_evaluate(&c->gate, &o->trend.stats);
        if (rc == 0)
                rc = spread_guard(o, c);
        if (rc == 0)
                rc = compare_evaluate(&c->fns, &o->trend.stats);
        if (rc < 0) {
                set_err(err, errsize, "history '%s': cannot compare: %s", history_path(h),
                        strerror(-rc));
                goto out_free;
        }
        c->regressed = compare_any_slower(&c->gate);
out_free:
        view_free(&v);
        history_metrics_free(m, nm);
        history_series_free(&tot);
        return rc;
}

void trend_check_free(struct trend_check *c)
{
        if (c == NULL)
                return;
        free(c->why);
        history_entry_free(&c->newest);
        compare_free(&c->gate);
        compare_free(&c->fns);
        free(c->base);
        for (size_t i = 0; i < c->nlabels; i++)
                free(c->labels[i]);
        free(c->labels);
        for (size_t i = 0; i < c->nnotes; i++)
                free(c->notes[i]);
        free(c->notes);
        for (size_t i = 0; i < c->nfresh; i++) {
                free(c->fresh[i].name);
                free(c->fresh[i].phase);
        }
        free(c->fresh);
        memset(c, 0, sizeof(*c));
}
