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
#include <stdbool.h>
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
        const double c = CP_SIGMA_REJECT;
        size_t m = n > 1 ? n - 1 : 0, keep = 0; /* the differences */
        double *d, med, scale, sum = 0, kappa;

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
                d[m + i] = fabs(d[i] - med);
        stats_sort(d + m, m);
        scale = 1.4826 * stats_quantile_sorted(d + m, m, 0.5);
        if (scale == 0) { /* more than half the differences equal: the mean AD */
                for (size_t i = 0; i < m; i++)
                        scale += d[m + i];
                scale = 1.2533 * scale / (double)m;
        }
        for (size_t i = 0; i < m; i++) {
                double e = d[i] - med;

                if (fabs(e) > c * scale)
                        continue;
                sum += e * e;
                keep++;
        }
        free(d);
        /* E[Z^2 | |Z| <= c] for a standard normal Z */
        kappa = 1 - 2 * c * exp(-c * c / 2) / sqrt(2 * M_PI) / (1 - 2 * stats_norm_sf(c));
        return keep ? sqrt(sum / (double)keep / kappa / 2) : 0;
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

/*
 * F(t) + C(y[t..s)), the cost of ending the last segment at s after the
 * best partition of y[0..t), from a = F(t) - S2(t) and b = S1(t): both
 * recursions below compute it through this one expression, so that
 * PELT's partition is optimal partitioning's to the bit.
 */
static inline double last_cost(double a, double b, double t, double S1, double S2, double s)
{
        double d = S1 - b;

        return a + S2 - d * d / (s - t);
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

/* What both recursions keep: the sums, F(t) (the optimal cost of
 * y[0..t), F(0) = -beta) and last[t]. */
struct cp_dp {
        struct cp_sums c;
        double *F;
        size_t *last;
};

static void dp_free(struct cp_dp *d)
{
        free(d->last);
        free(d->F);
        free(d->c.s1);
}

static int dp_init(struct cp_dp *d, const double *x, size_t n, double sigma, double beta)
{
        memset(d, 0, sizeof(*d));
        if (sums_init(&d->c, x, n, sigma) < 0)
                return -ENOMEM;
        d->F = malloc((n + 1) * sizeof(*d->F));
        d->last = calloc(n + 1, sizeof(*d->last));
        if (!d->F || !d->last)
                return -ENOMEM;
        d->F[0] = -beta;
        return 0;
}

int cp_op(const double *x, size_t n, double sigma, double beta, size_t min_seg, size_t **at,
          size_t *nat)
{
        struct cp_dp d;
        double *F;
        int ret = check_args(x, n, sigma, beta, min_seg, at, nat);

        if (ret < 0 || n < 2 * min_seg)
                return ret;
        ret = dp_init(&d, x, n, sigma, beta);
        if (ret < 0)
                goto out_free;
        F = d.F;
        for (size_t s = min_seg; s <= n; s++) {
                double best = INFINITY;

                for (size_t t = 0; t + min_seg <= s; t++) {
                        double w;

                        if (!feasible(t, min_seg))
                                continue;
                        w = last_cost(F[t] - d.c.s2[t], d.c.s1[t], (double)t, d.c.s1[s], d.c.s2[s],
                                      (double)s);
                        if (w < best) {
                                best = w;
                                d.last[s] = t;
                        }
                }
                F[s] = best + beta;
        }
        ret = backtrack(d.last, n, at, nat);
out_free:
        dp_free(&d);
        return ret;
}

/* PELT's candidates for the last change, ascending, in arrays that the
 * inner loop reads in order. */
struct cp_cands {
        size_t n;
        size_t *t, *until;      /* the index; pruned for the ends from until on */
        double *td, *a, *b, *w; /* t as a double, last_cost's a and b, its value now */
        double *lo, *hi;        /* functional pruning: the means where t may still win */
};

/*
 * PELT. The pruning rule (Killick et al., theorem 3.1, K = 0 for this
 * cost, which is superadditive): a candidate t with F(t) + C(t..s) > F(s)
 * is never again the optimal last change for an end T with a segment
 * s..T, that is for T >= s + min_seg. Before that, s is no cut for T, so
 * t stays a candidate until then (the delay keeps PELT exact with a least
 * segment length; pruning at once, as min_seg = 1 allows, is not).
 *
 * functional adds FPOP's rule (Maidstone, Hocking, Rigaill & Fearnhead,
 * Statistics and Computing 2017). As a function of the last segment's
 * mean mu, candidate t costs q_t(mu) = F(t) + beta + sum (y_i - mu)^2 over
 * its segment so far; at s, q_t(mu) <= F(s) + beta (the new candidate s,
 * which has no data yet) exactly on the interval
 *     |mu - mean(y[t..s))| <= sqrt((F(s) - F(t) - C(t..s)) / (s - t)),
 * and data after s adds the same terms to both sides. Outside it s is at
 * least as good as t for ever, so t keeps the intersection of these
 * intervals and is pruned (with the same delay) when it is empty. PELT's
 * rule is the case of an empty interval; with no change in a long series
 * PELT prunes nothing (quadratic time) while FPOP keeps a few candidates.
 */
static int pelt_run(const double *x, size_t n, double sigma, double beta, size_t min_seg,
                    bool functional, size_t **at, size_t *nat)
{
        struct cp_dp d;
        struct cp_cands k = {0};
        const struct cp_sums *c = &d.c;
        double *F;
        int ret = check_args(x, n, sigma, beta, min_seg, at, nat);

        if (ret < 0 || n < 2 * min_seg)
                return ret;
        ret = dp_init(&d, x, n, sigma, beta);
        if (ret < 0)
                goto out_free;
        F = d.F;
        k.t = malloc(2 * (n + 1) * sizeof(*k.t));
        k.td = malloc(6 * (n + 1) * sizeof(*k.td));
        if (!k.t || !k.td) {
                ret = -ENOMEM;
                goto out_free;
        }
        k.until = k.t + n + 1;
        k.a = k.td + n + 1;
        k.b = k.a + n + 1;
        k.w = k.b + n + 1;
        k.lo = k.w + n + 1;
        k.hi = k.lo + n + 1;
        for (size_t s = min_seg; s <= n; s++) {
                const double S1 = c->s1[s], S2 = c->s2[s], sd = (double)s;
                double best = INFINITY;
                size_t t0 = s - min_seg, arg = 0, keep = 0;

                if (feasible(t0, min_seg)) {
                        k.t[k.n] = t0;
                        k.until[k.n] = SIZE_MAX;
                        k.td[k.n] = (double)t0;
                        k.a[k.n] = F[t0] - c->s2[t0];
                        k.b[k.n] = c->s1[t0];
                        k.lo[k.n] = -INFINITY;
                        k.hi[k.n] = INFINITY;
                        k.n++;
                }
                for (size_t i = 0; i < k.n; i++) {
                        double w = last_cost(k.a[i], k.b[i], k.td[i], S1, S2, sd);

                        k.w[i] = w;
                        if (w < best) {
                                best = w;
                                arg = i;
                        }
                }
                F[s] = best + beta;
                d.last[s] = k.t[arg];
                /* prune, and drop the candidates no longer valid at s + 1 */
                for (size_t i = 0; i < k.n; i++) {
                        size_t until = k.until[i];

                        if (until == SIZE_MAX && k.w[i] > F[s])
                                until = s + min_seg;
                        if (until == SIZE_MAX && functional) {
                                double m = sd - k.td[i], mean = (S1 - k.b[i]) / m;
                                double r = sqrt((F[s] - k.w[i]) / m);

                                k.lo[i] = fmax(k.lo[i], mean - r);
                                k.hi[i] = fmin(k.hi[i], mean + r);
                                if (k.lo[i] > k.hi[i])
                                        until = s + min_seg;
                        }
                        if (until <= s + 1)
                                continue;
                        k.until[i] = until;
                        if (keep < i) {
                                k.t[keep] = k.t[i];
                                k.until[keep] = until;
                                k.td[keep] = k.td[i];
                                k.a[keep] = k.a[i];
                                k.b[keep] = k.b[i];
                                k.lo[keep] = k.lo[i];
                                k.hi[keep] = k.hi[i];
                        }
                        keep++;
                }
                k.n = keep;
        }
        ret = backtrack(d.last, n, at, nat);
out_free:
        free(k.td);
        free(k.t);
        dp_free(&d);
        return ret;
}

int cp_pelt(const double *x, size_t n, double sigma, double beta, size_t min_seg, size_t **at,
            size_t *nat)
{
        return pelt_run(x, n, sigma, beta, min_seg, false, at, nat);
}

int cp_fpop(const double *x, size_t n, double sigma, double beta, size_t min_seg, size_t **at,
            size_t *nat)
{
        return pelt_run(x, n, sigma, beta, min_seg, true, at, nat);
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

        ret = cp_fpop(x, n, sigma, r->beta, min_seg, &at, &k);
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
