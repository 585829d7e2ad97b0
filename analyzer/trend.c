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
 * where o->cp leaves it NAN. */
static int detect(const double *x, size_t n, const struct trend_options *o, struct cp_result *r)
{
        struct cp_options cp = o->cp;

        memset(r, 0, sizeof(*r));
        if (isnan(cp.min_abs))
                cp.min_abs = o->stats.min_abs;
        if (isnan(cp.min_rel))
                cp.min_rel = o->stats.min_rel;
        if (n == 0)
                return 0;
        return cp_detect(x, n, &cp, r);
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

/* Append the run values of metric in the points s->v[first..end). */
static int pool_points(struct history *h, const struct history_series *s, size_t first, size_t end,
                       struct pool *p)
{
        for (size_t i = first; i < end; i++) {
                double *v = NULL;
                size_t n = 0;
                int rc = history_values(h, s->v[i].e.id, s->metric, &v, &n);

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
        }
        return 0;
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
        size_t w = window_of(o);
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
        if (rc == 0)
                rc = detect(x, t->s.n, o, &t->cp);
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

/* Keep s (owned, may be NULL: -ENOMEM) in c->labels. */
static int keep_label(struct trend_check *c, char *s, const char **out)
{
        char **grown;

        if (s == NULL)
                return -ENOMEM;
        grown = realloc(c->labels, (c->nlabels + 1) * sizeof(*grown));
        if (grown == NULL) {
                free(s);
                return -ENOMEM;
        }
        c->labels = grown;
        c->labels[c->nlabels++] = s;
        *out = s;
        return 0;
}

static int add_note(struct trend_check *c, char *s)
{
        char **grown;

        if (s == NULL)
                return -ENOMEM;
        grown = realloc(c->notes, (c->nnotes + 1) * sizeof(*grown));
        if (grown == NULL) {
                free(s);
                return -ENOMEM;
        }
        c->notes = grown;
        c->notes[c->nnotes++] = s;
        return 0;
}

/* The index of entry id in s, or s->n. */
static size_t find_entry(const struct history_series *s, int64_t id)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i].e.id == id)
                        return i;
        return s->n;
}

/* Where one metric's base lies in its series: points first..end. */
struct base_range {
        size_t first, end;
        size_t changes; /* confirmed change points before the newest */
        size_t tail;    /* points just before the newest on a level not yet
                         * confirmed (fewer than min_seg), left out */
};

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
 * tail's start (a change not yet confirmed). */
static size_t last_change(const double *x, size_t p, size_t c, size_t j, size_t min_seg)
{
        double best = sse(x, p, c) + sse(x, c, j);
        size_t at = c;

        for (size_t s = (j - c > min_seg ? j - min_seg : c) + 1; s < j; s++) {
                double q = sse(x, p, s) + sse(x, s, j);

                if (q < best) {
                        best = q;
                        at = s;
                }
        }
        return at;
}

/* The base of the newest point at index j of s: the last <= window
 * points of the last segment of s->v[0..j), less a tail not confirmed. */
static int base_range(const struct history_series *s, size_t j, const struct trend_options *o,
                      struct base_range *b)
{
        size_t w = window_of(o), min_seg = o->cp.min_seg ? o->cp.min_seg : CP_MIN_SEG_DEFAULT;
        size_t seg = 0, end = j;
        struct cp_result cp = {0};
        double *x;
        int rc;

        memset(b, 0, sizeof(*b));
        rc = medians(s, j, &x);
        if (rc == 0)
                rc = detect(x, j, o, &cp);
        if (rc < 0)
                goto out_free;
        b->changes = cp.n;
        if (cp.n > 0) {
                size_t p = cp.n > 1 ? cp.at[cp.n - 2] : 0, c = cp.at[cp.n - 1];
                size_t at = last_change(x, p, c, j, min_seg);

                if (at == c) {
                        seg = c;
                } else {
                        /* the change is in the tail: not confirmed yet */
                        seg = p;
                        end = at;
                        b->changes = cp.n - 1;
                }
        }
        b->tail = j - end;
        b->end = end;
        b->first = end - seg > w ? end - w : seg;
out_free:
        free(x);
        cp_result_free(&cp);
        return rc;
}

/* The metric of series s judged for the newest entry (at index j of s):
 * its base's runs against the newest's, added to cmp; the base into
 * *base when base is not NULL. */
static int judge(struct history *h, const struct history_series *s, size_t j,
                 const struct base_range *br, const struct history_metric *m, struct compare *cmp,
                 struct trend_check *c, struct trend_check_base *base)
{
        const char *name = m->kind == COMPARE_TOTAL ? m->name : strchr(m->name, ':') + 1;
        const char *phase = m->kind == COMPARE_PHASE ? name : m->phase;
        struct pool a = {0}, b = {0};
        int rc;

        rc = pool_points(h, s, br->first, br->end, &a);
        if (rc == 0)
                rc = pool_points(h, s, j, j + 1, &b);
        if (rc == 0)
                rc = compare_add(cmp, m->kind, name, phase, a.v, a.n, a.n, b.v, b.n, b.n);
        if (rc < 0 || base == NULL)
                goto out_free;
        memset(base, 0, sizeof(*base));
        base->metric = cmp->m[cmp->n - 1].name;
        base->first = br->first;
        base->last = br->end - 1;
        base->points = br->end - br->first;
        base->runs = a.n;
        base->changes = br->changes;
        base->tail = br->tail;
        if (br->tail > 0)
                rc = add_note(c, dup_printf("%s: %zu point(s) before the newest (from %s) on a "
                                            "level not yet confirmed: left out of the base",
                                            s->metric, br->tail, point_label(&s->v[br->end])));
        if (rc == 0)
                rc = keep_label(c, strdup(point_label(&s->v[br->first])), &base->label_first);
        if (rc == 0)
                rc = keep_label(c, strdup(point_label(&s->v[br->end - 1])), &base->label_last);
out_free:
        pool_free(&a);
        pool_free(&b);
        return rc;
}

/* The series of metric m over the check's entries, with the newest's
 * index in it (s->n: not in it). */
static int series_of(struct history *h, const struct trend_check_options *o,
                     const struct history_metric *m, int64_t newest, struct history_series *s,
                     size_t *j, char *err, size_t errsize)
{
        int rc = history_series(h, m->name, o->trend.where, o->trend.by, s);

        if (rc < 0) {
                set_err(err, errsize, "history '%s': cannot read the series of '%s': %s",
                        history_path(h), m->name, strerror(-rc));
                return rc;
        }
        *j = find_entry(s, newest);
        return 0;
}

/* Every phase the newest entry has, into the gate (c->gate, c->base). */
static int judge_phases(struct history *h, const struct trend_check_options *o,
                        const struct history_metric *m, size_t nm, struct trend_check *c, char *err,
                        size_t errsize)
{
        int rc = 0;

        for (size_t i = 0; i < nm && rc == 0; i++) {
                struct history_series s;
                struct trend_check_base *grown;
                struct base_range br;
                size_t j;

                if (m[i].kind != COMPARE_PHASE)
                        continue;
                rc = series_of(h, o, &m[i], c->newest.id, &s, &j, err, errsize);
                if (rc < 0)
                        break;
                if (j == 0 || j == s.n) {
                        rc = add_note(c,
                                      dup_printf("%s: no earlier point: not compared", m[i].name));
                        history_series_free(&s);
                        continue;
                }
                grown = realloc(c->base, (c->gate.n + 1) * sizeof(*grown));
                rc = grown ? base_range(&s, j, &o->trend, &br) : -ENOMEM;
                if (grown)
                        c->base = grown;
                if (rc == 0)
                        rc = judge(h, &s, j, &br, &m[i], &c->gate, c, &c->base[c->gate.n]);
                if (rc < 0)
                        set_err(err, errsize, "history '%s': cannot compare '%s': %s",
                                history_path(h), m[i].name, strerror(-rc));
                history_series_free(&s);
        }
        return rc;
}

/* The newest entry's top functions (m is by median descending), into c->fns. */
static int judge_fns(struct history *h, const struct trend_check_options *o,
                     const struct history_metric *m, size_t nm, struct trend_check *c, char *err,
                     size_t errsize)
{
        size_t top = o->top ? o->top : HISTORY_TOP_FNS, seen = 0, fresh = 0;
        int rc = 0;

        for (size_t i = 0; i < nm && seen < top && rc == 0; i++) {
                struct history_series s;
                struct base_range br;
                size_t j;

                if (m[i].kind != COMPARE_FN)
                        continue;
                seen++;
                rc = series_of(h, o, &m[i], c->newest.id, &s, &j, err, errsize);
                if (rc < 0)
                        break;
                if (j == 0 || j == s.n) {
                        fresh++;
                        history_series_free(&s);
                        continue;
                }
                rc = base_range(&s, j, &o->trend, &br);
                if (rc == 0)
                        rc = judge(h, &s, j, &br, &m[i], &c->fns, c, NULL);
                if (rc < 0)
                        set_err(err, errsize, "history '%s': cannot compare '%s': %s",
                                history_path(h), m[i].name, strerror(-rc));
                history_series_free(&s);
        }
        if (rc == 0 && fresh > 0)
                rc = add_note(
                    c, dup_printf("%zu function(s) with no earlier point: not compared", fresh));
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
static int judge_total(struct history *h, const struct trend_check_options *o,
                       const struct history_series *tot, size_t k, const struct history_metric *m,
                       struct trend_check *c)
{
        size_t min_points = o->min_points ? o->min_points : TREND_MIN_POINTS_DEFAULT;
        struct base_range br = {0};
        int rc = 0;

        if (k > 0)
                rc = base_range(tot, k, &o->trend, &br);
        if (rc < 0)
                return rc;
        if (br.end - br.first < min_points) {
                if (br.end - br.first == k)
                        c->why = dup_printf("only %zu earlier point(s) of total: nothing to "
                                            "compare with",
                                            k);
                else
                        c->why = dup_printf("only %zu point(s) of total since its last change "
                                            "point (%zu earlier): fewer than %zu to compare with",
                                            br.end - br.first, k, min_points);
                return c->why ? 0 : -ENOMEM;
        }
        c->base = calloc(1, sizeof(*c->base));
        if (c->base == NULL)
                return -ENOMEM;
        rc = judge(h, tot, k, &br, m, &c->gate, c, &c->base[0]);
        if (rc == 0)
                c->judged = true;
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
        /* the newest entry moves into c; its slot in tot is left empty */
        c->newest = tot.v[k].e;
        memset(&tot.v[k].e, 0, sizeof(tot.v[k].e));
        tot.v[k].e.id = c->newest.id;
        c->newest_label = o->trend.by ? history_entry_label(&c->newest, o->trend.by) : NULL;
        if (c->newest_label == NULL)
                c->newest_label = c->newest.session_id;
        tot.v[k].by = c->newest_label;
        c->points = k + 1;
        rc = judge_total(h, o, &tot, k, &total, c);
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
        rc = judge_phases(h, o, m, nm, c, err, errsize);
        if (rc == 0)
                rc = name_sides(c);
        if (rc == 0)
                rc = compare_evaluate(&c->gate, &o->trend.stats);
        if (rc < 0) {
                set_err(err, errsize, "history '%s': the gate: %s", history_path(h), strerror(-rc));
                goto out_free;
        }
        rc = judge_fns(h, o, m, nm, c, err, errsize);
        if (rc == 0) {
                rc = compare_evaluate(&c->fns, &o->trend.stats);
                if (rc < 0)
                        set_err(err, errsize, "history '%s': the functions: %s", history_path(h),
                                strerror(-rc));
        }
        if (rc == 0)
                c->regressed = compare_any_slower(&c->gate);
out_free:
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
        memset(c, 0, sizeof(*c));
}
