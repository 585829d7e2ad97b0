/*
 * changepoint: PELT on a series of point medians (analyzer/changepoint.h,
 * docs/changepoints.md).
 *
 * The cost of a segment comes from cumulative sums of the standardised
 * values y_i = (x_i - mean) / sigma: C(y[s..t)) = S2 - S1^2 / (t - s).
 * Centring first matters: point medians in ns are ~3e9, and their squares
 * summed over thousands of points would leave no digits for a 1 ms step.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/changepoint.h"
#include "analyzer/stats.h"

void cp_options_default(struct cp_options *o)
{
        memset(o, 0, sizeof(*o));
        o->penalty = CP_PENALTY_DEFAULT;
        o->min_seg = CP_MIN_SEG_DEFAULT;
        o->sigma_floor = 250000;
        o->min_abs = 500000;
        o->min_rel = 0.02;
}

void cp_result_free(struct cp_result *r)
{
        if (!r)
                return;
        free(r->at);
        memset(r, 0, sizeof(*r));
}

static int all_finite(const double *x, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!isfinite(x[i]))
                        return 0;
        return 1;
}

/* The type-7 median of x[0..n), n >= 1, through scratch (n entries). */
static double median_of(const double *x, size_t n, double *scratch)
{
        memcpy(scratch, x, n * sizeof(*x));
        stats_sort(scratch, n);
        return stats_quantile_sorted(scratch, n, 0.5);
}

double cp_sigma_diff(const double *x, size_t n)
{
        size_t m = n > 1 ? n - 1 : 0; /* the differences */
        double *d, med, mad;

        if (!m)
                return 0;
        if (!all_finite(x, n) || m > SIZE_MAX / (2 * sizeof(*d)))
                return NAN;
        d = malloc(2 * m * sizeof(*d));
        if (!d)
                return NAN;
        for (size_t i = 0; i < m; i++)
                d[i] = x[i + 1] - x[i];
        med = median_of(d, m, d + m);
        for (size_t i = 0; i < m; i++)
                d[i] = fabs(d[i] - med);
        mad = median_of(d, m, d + m);
        free(d);
        return 1.4826 * mad / sqrt(2.0);
}

/* The cumulative sums of the standardised series. */
struct cp_sums {
        double *s1, *s2; /* n + 1 entries each: sums of y[0..i) and y[0..i)^2 */
};

static int sums_init(struct cp_sums *c, const double *x, size_t n, double sigma)
{
        double mean = 0;

        c->s1 = malloc(2 * (n + 1) * sizeof(*c->s1));
        if (!c->s1)
                return -ENOMEM;
        c->s2 = c->s1 + n + 1;
        for (size_t i = 0; i < n; i++)
                mean += x[i];
        mean /= (double)n;
        c->s1[0] = c->s2[0] = 0;
        for (size_t i = 0; i < n; i++) {
                double y = (x[i] - mean) / sigma;

                c->s1[i + 1] = c->s1[i] + y;
                c->s2[i + 1] = c->s2[i] + y * y;
        }
        return 0;
}

/* C(y[s..t)), t > s: the squared deviations from the segment's mean. */
static double sums_cost(const struct cp_sums *c, size_t s, size_t t)
{
        double a = c->s1[t] - c->s1[s], cost = c->s2[t] - c->s2[s] - a * a / (double)(t - s);

        return cost > 0 ? cost : 0; /* rounding may leave -1e-12 on a flat segment */
}

/* The change points from last[] (last[t]: the start of the segment that
 * ends at t in the optimal partition of y[0..t)). */
static int backtrack(const size_t *last, size_t n, size_t **at, size_t *nat)
{
        size_t k = 0, t = n, *out;

        while (t > 0 && last[t] > 0) {
                k++;
                t = last[t];
        }
        *at = NULL;
        *nat = k;
        if (!k)
                return 0;
        out = malloc(k * sizeof(*out));
        if (!out)
                return -ENOMEM;
        for (t = n; last[t] > 0; t = last[t])
                out[--k] = last[t];
        *at = out;
        return 0;
}

static int check_args(const double *x, size_t n, double sigma, double beta, size_t min_seg,
                      size_t **at, size_t *nat)
{
        if (!at || !nat || (n && !x) || !min_seg || !(sigma > 0) || !isfinite(sigma) ||
            !(beta >= 0) || !isfinite(beta))
                return -EINVAL;
        *at = NULL;
        *nat = 0;
        if (!all_finite(x, n))
                return -EINVAL;
        return 0;
}

/* A feasible end of a prefix: the empty one, or one of min_seg points or more. */
static int feasible(size_t t, size_t min_seg)
{
        return t == 0 || t >= min_seg;
}

int cp_op(const double *x, size_t n, double sigma, double beta, size_t min_seg, size_t **at,
          size_t *nat)
{
        struct cp_sums c;
        double *F = NULL;
        size_t *last = NULL;
        int ret = check_args(x, n, sigma, beta, min_seg, at, nat);

        if (ret < 0 || n < 2 * min_seg)
                return ret;
        ret = sums_init(&c, x, n, sigma);
        if (ret < 0)
                return ret;
        F = malloc((n + 1) * sizeof(*F));
        last = calloc(n + 1, sizeof(*last));
        if (!F || !last) {
                ret = -ENOMEM;
                goto out_free;
        }
        F[0] = -beta;
        for (size_t s = min_seg; s <= n; s++) {
                double best = INFINITY;

                for (size_t t = 0; t + min_seg <= s; t++) {
                        double v;

                        if (!feasible(t, min_seg))
                                continue;
                        v = F[t] + sums_cost(&c, t, s) + beta;
                        if (v < best) {
                                best = v;
                                last[s] = t;
                        }
                }
                F[s] = best;
        }
        ret = backtrack(last, n, at, nat);
out_free:
        free(last);
        free(F);
        free(c.s1);
        return ret;
}

/*
 * PELT. The pruning rule (Killick et al., theorem 3.1, K = 0 for this
 * cost, which is superadditive): a candidate t with F(t) + C(t..s) > F(s)
 * is never again the optimal last change for an end T with a segment
 * s..T, that is for T >= s + min_seg. Before that, s is no cut for T, so
 * t stays a candidate until then (the delay keeps PELT exact with a least
 * segment length; pruning at once, as min_seg = 1 allows, is not).
 */
int cp_pelt(const double *x, size_t n, double sigma, double beta, size_t min_seg, size_t **at,
            size_t *nat)
{
        struct cp_sums c;
        double *F = NULL;
        size_t *last = NULL, *cand = NULL, *until = NULL, ncand = 0;
        int ret = check_args(x, n, sigma, beta, min_seg, at, nat);

        if (ret < 0 || n < 2 * min_seg)
                return ret;
        ret = sums_init(&c, x, n, sigma);
        if (ret < 0)
                return ret;
        F = malloc((n + 1) * sizeof(*F));
        last = calloc(n + 1, sizeof(*last));
        cand = malloc((n + 1) * sizeof(*cand));
        until = malloc((n + 1) * sizeof(*until)); /* pruned from this end on */
        if (!F || !last || !cand || !until) {
                ret = -ENOMEM;
                goto out_free;
        }
        F[0] = -beta;
        for (size_t s = min_seg; s <= n; s++) {
                double best = INFINITY;
                size_t keep = 0, t0 = s - min_seg;

                if (feasible(t0, min_seg)) {
                        until[t0] = SIZE_MAX;
                        cand[ncand++] = t0;
                }
                for (size_t i = 0; i < ncand; i++) {
                        size_t t = cand[i];
                        double v;

                        if (until[t] <= s)
                                continue;
                        cand[keep++] = t;
                        v = F[t] + sums_cost(&c, t, s) + beta;
                        if (v < best) {
                                best = v;
                                last[s] = t;
                        }
                }
                ncand = keep;
                F[s] = best;
                for (size_t i = 0; i < ncand; i++) {
                        size_t t = cand[i];

                        if (until[t] == SIZE_MAX && F[t] + sums_cost(&c, t, s) > F[s])
                                until[t] = s + min_seg;
                }
        }
        ret = backtrack(last, n, at, nat);
out_free:
        free(until);
        free(cand);
        free(last);
        free(F);
        free(c.s1);
        return ret;
}

/* ---- the minimum effect ---- */

/* Merge the changes whose step is at most the minimum effect, smallest
 * first. at[0..*k) ascending; med[0..*k] the segments' medians. */
static void merge_small(const double *x, size_t n, size_t *at, size_t *k, double *med,
                        double *scratch, const struct cp_options *o, size_t *ndropped)
{
        for (;;) {
                size_t best = SIZE_MAX, lo, hi;
                double best_step = INFINITY;

                for (size_t i = 0; i < *k; i++) {
                        double step = fabs(med[i + 1] - med[i]);
                        double thr = fmax(o->min_abs, o->min_rel * fabs(med[i]));

                        if (step <= thr && step < best_step) {
                                best_step = step;
                                best = i;
                        }
                }
                if (best == SIZE_MAX)
                        return;
                /* segments best and best + 1 become one: x[lo..hi) */
                lo = best ? at[best - 1] : 0;
                hi = best + 1 < *k ? at[best + 1] : n;
                memmove(at + best, at + best + 1, (*k - best - 1) * sizeof(*at));
                memmove(med + best + 1, med + best + 2, (*k - best - 1) * sizeof(*med));
                (*k)--;
                med[best] = median_of(x + lo, hi - lo, scratch);
                (*ndropped)++;
        }
}

int cp_detect(const double *x, size_t n, const struct cp_options *o, struct cp_result *r)
{
        struct cp_options def;
        double sigma, penalty, *med = NULL, *scratch = NULL;
        size_t min_seg, k = 0, *at = NULL;
        int ret;

        if (!r)
                return -EINVAL;
        memset(r, 0, sizeof(*r));
        if (!o) {
                cp_options_default(&def);
                o = &def;
        }
        if ((n && !x) || !(o->penalty >= 0) || !(o->sigma >= 0) || !(o->sigma_floor >= 0) ||
            !(o->min_abs >= 0) || !(o->min_rel >= 0) || !isfinite(o->penalty) ||
            !isfinite(o->sigma) || !isfinite(o->sigma_floor) || !isfinite(o->min_abs) ||
            !isfinite(o->min_rel) || !all_finite(x, n))
                return -EINVAL;
        min_seg = o->min_seg ? o->min_seg : CP_MIN_SEG_DEFAULT;
        penalty = o->penalty > 0 ? o->penalty : CP_PENALTY_DEFAULT;

        sigma = o->sigma > 0 ? o->sigma : cp_sigma_diff(x, n);
        if (isnan(sigma))
                return -ENOMEM; /* x is finite: only the allocation can fail */
        if (sigma < o->sigma_floor)
                sigma = o->sigma_floor;
        if (!(sigma > 0)) {
                /* no floor and no noise: the mean absolute difference
                 * stands in; a constant series has no change */
                for (size_t i = 0; i + 1 < n; i++)
                        sigma += fabs(x[i + 1] - x[i]);
                sigma = n > 1 ? sigma / (double)(n - 1) / sqrt(2.0) : 0;
        }
        r->sigma = sigma;
        r->beta = n > 1 ? penalty * log((double)n) : 0;
        if (n < 2 * min_seg || !(sigma > 0))
                return 0;

        ret = cp_pelt(x, n, sigma, r->beta, min_seg, &at, &k);
        if (ret < 0 || !k)
                goto out;
        if (o->min_abs > 0 || o->min_rel > 0) {
                med = malloc((k + 1) * sizeof(*med));
                scratch = malloc(n * sizeof(*scratch));
                if (!med || !scratch) {
                        ret = -ENOMEM;
                        goto out;
                }
                for (size_t i = 0; i <= k; i++) {
                        size_t lo = i ? at[i - 1] : 0, hi = i < k ? at[i] : n;

                        med[i] = median_of(x + lo, hi - lo, scratch);
                }
                merge_small(x, n, at, &k, med, scratch, o, &r->ndropped);
        }
        if (!k) {
                free(at);
                at = NULL;
        }
        r->at = at;
        r->n = k;
        at = NULL;
out:
        free(scratch);
        free(med);
        free(at);
        return ret;
}
