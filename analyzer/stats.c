/*
 * stats: quantiles, outliers, CIs of the median, Mann-Whitney U, Holm and
 * the compare verdict (analyzer/stats.h; definitions in docs/statistics.md).
 * libc and libm only.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/stats.h"

#define SQRT_PI_2       1.2533141373155002512 /* sqrt(pi/2): meanAD -> sigma, SE of a median */
#define MAD_SIGMA       1.4826                /* 1/0.6745: MAD -> sigma */
#define RUNS_NEEDED_MAX 100000

/* ---- order and quantiles ---- */

static int cmp_double(const void *pa, const void *pb)
{
        double a = *(const double *)pa, b = *(const double *)pb;

        return (a > b) - (a < b);
}

void stats_sort(double *x, size_t n)
{
        if (n > 1)
                qsort(x, n, sizeof(*x), cmp_double);
}

/* numpy's _lerp: a + (b-a)t below t = 1/2, b - (b-a)(1-t) from it on. */
static double lerp(double a, double b, double t)
{
        double d = b - a;

        return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

double stats_quantile_sorted(const double *sorted, size_t n, double p)
{
        double h, fl;
        size_t lo;

        if (n == 0 || !(p >= 0 && p <= 1))
                return NAN;
        h = (double)(n - 1) * p;
        fl = floor(h);
        lo = (size_t)fl;
        if (lo >= n - 1)
                return sorted[n - 1];
        return lerp(sorted[lo], sorted[lo + 1], h - fl);
}

int stats_summary_sorted(const double *sorted, size_t n, struct stats_summary *s)
{
        memset(s, 0, sizeof(*s));
        if (n == 0)
                return -EINVAL;
        s->n = n;
        s->median = stats_quantile_sorted(sorted, n, 0.5);
        s->q25 = stats_quantile_sorted(sorted, n, 0.25);
        s->q75 = stats_quantile_sorted(sorted, n, 0.75);
        s->p10 = stats_quantile_sorted(sorted, n, 0.10);
        s->p90 = stats_quantile_sorted(sorted, n, 0.90);
        s->min = sorted[0];
        s->max = sorted[n - 1];
        return 0;
}

/* A sorted copy of x[0..n) (n > 0), or NULL. */
static double *sorted_copy(const double *x, size_t n)
{
        double *c = malloc(n * sizeof(*c));

        if (c == NULL)
                return NULL;
        memcpy(c, x, n * sizeof(*c));
        stats_sort(c, n);
        return c;
}

int stats_summary(const double *x, size_t n, struct stats_summary *s)
{
        double *c;
        int rc;

        if (n == 0)
                return stats_summary_sorted(x, 0, s);
        c = sorted_copy(x, n);
        if (c == NULL)
                return -ENOMEM;
        rc = stats_summary_sorted(c, n, s);
        free(c);
        return rc;
}

/* ---- spread ---- */

struct spread {
        double median, mad, mean_ad;
};

/* The median, MAD and mean absolute deviation of x[0..n) (n > 0). */
static int spread_of(const double *x, size_t n, struct spread *sp)
{
        double *d = sorted_copy(x, n), sum = 0;

        if (d == NULL)
                return -ENOMEM;
        sp->median = stats_quantile_sorted(d, n, 0.5);
        for (size_t i = 0; i < n; i++) {
                d[i] = fabs(x[i] - sp->median);
                sum += d[i];
        }
        stats_sort(d, n);
        sp->mad = stats_quantile_sorted(d, n, 0.5);
        sp->mean_ad = sum / (double)n;
        free(d);
        return 0;
}

/* A robust sigma: 1.4826 MAD, else 1.2533 meanAD (0 when all are equal). */
static double spread_sigma(const struct spread *sp)
{
        return sp->mad > 0 ? MAD_SIGMA * sp->mad : SQRT_PI_2 * sp->mean_ad;
}

int stats_outliers(const double *x, size_t n, bool *flag, double *z)
{
        struct spread sp;
        double scale;
        int count = 0, rc;

        if (n == 0)
                return 0;
        rc = spread_of(x, n, &sp);
        if (rc < 0)
                return rc;
        /* 0.6745 (x - m) / MAD, or (x - m) / (1.253314 meanAD) */
        scale = sp.mad > 0 ? sp.mad / 0.6745 : SQRT_PI_2 * sp.mean_ad;
        for (size_t i = 0; i < n; i++) {
                double zi = scale > 0 ? (x[i] - sp.median) / scale : 0;
                flag[i] = fabs(zi) > STATS_OUTLIER_Z;
                count += flag[i];
                if (z != NULL)
                        z[i] = zi;
        }
        return count;
}

/* ---- the normal distribution ---- */

double stats_norm_sf(double z)
{
        return 0.5 * erfc(z / M_SQRT2);
}

/* Acklam's rational approximation of the lower-tail inverse, polished by
 * two Newton steps on erfc (relative error near 1e-15). */
static double norm_ppf(double p)
{
        static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                   -2.759285104469687e+02, 1.383577518672690e+02,
                                   -3.066479806614716e+01, 2.506628277459239e+00};
        static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                   -1.556989798598866e+02, 6.680131188771972e+01,
                                   -1.328068155288572e+01};
        static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                   -2.400758277161838e+00, -2.549732539343734e+00,
                                   4.374664141464968e+00,  2.938163982698783e+00};
        static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                   2.445134137142996e+00, 3.754408661907416e+00};
        double q, r, x;

        if (p < 0.02425) {
                q = sqrt(-2 * log(p));
                x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        } else if (p > 1 - 0.02425) {
                q = sqrt(-2 * log1p(-p));
                x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        } else {
                q = p - 0.5;
                r = q * q;
                x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
                    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
        for (int k = 0; k < 2; k++) {
                double e = 0.5 * erfc(-x / M_SQRT2) - p;
                double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
                x = x - u / (1 + x * u / 2);
        }
        return x;
}

double stats_norm_isf(double q)
{
        if (!(q > 0 && q < 1))
                return NAN;
        return -norm_ppf(q);
}

/* ---- the order-statistic CI ---- */

int stats_median_ci_order(const double *sorted, size_t n, double level, struct stats_ci *ci)
{
        double lbinom = 0, tail = 0, need;
        size_t l = 0;

        memset(ci, 0, sizeof(*ci));
        if (n == 0 || !(level > 0 && level < 1))
                return -EINVAL;
        /* the largest l with 2 P(K <= l-1) <= 1 - level, K ~ Bin(n, 1/2);
         * pmf(k) = C(n,k) 2^-n, walked up from k = 0 in logs */
        need = (1 - level) / 2;
        for (size_t k = 0; k < n / 2; k++) {
                double pk;
                if (k > 0)
                        lbinom += log((double)(n - k + 1)) - log((double)k);
                pk = exp(lbinom - (double)n * M_LN2);
                /* a relative slack, so that an exact boundary (rare) counts */
                if (tail + pk > need * (1 + 1e-12))
                        break;
                tail += pk;
                l = k + 1;
        }
        if (l == 0) {
                /* no interval reaches the level: [min, max] */
                ci->lo_rank = 1;
                ci->hi_rank = n;
                ci->coverage = 1 - ldexp(1, 1 - (int)(n < 2000 ? n : 2000));
        } else {
                ci->lo_rank = l;
                ci->hi_rank = n + 1 - l;
                ci->coverage = 1 - 2 * tail;
        }
        ci->lo = sorted[ci->lo_rank - 1];
        ci->hi = sorted[ci->hi_rank - 1];
        return 0;
}

/* ---- the PRNG ---- */

static uint64_t splitmix64(uint64_t *x)
{
        uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

void stats_rng_seed(struct stats_rng *r, uint64_t seed)
{
        for (int k = 0; k < 4; k++)
                r->s[k] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
        return (x << k) | (x >> (64 - k));
}

uint64_t stats_rng_next(struct stats_rng *r)
{
        uint64_t *s = r->s;
        uint64_t result = rotl(s[1] * 5, 7) * 9;
        uint64_t t = s[1] << 17;

        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        return result;
}

uint64_t stats_rng_below(struct stats_rng *r, uint64_t n)
{
        unsigned __int128 m = (unsigned __int128)stats_rng_next(r) * n;
        uint64_t low = (uint64_t)m;

        if (low < n) {
                uint64_t t = -n % n;
                while (low < t) {
                        m = (unsigned __int128)stats_rng_next(r) * n;
                        low = (uint64_t)m;
                }
        }
        return (uint64_t)(m >> 64);
}

/* ---- the bootstrap ---- */

/* The type-7 median of one resample of sorted[0..n) drawn with
 * replacement: count the draws per rank, then walk the counts to the
 * middle order statistics. count[0..n) is zero on entry and on return. */
static double resample_median(const double *sorted, size_t n, uint32_t *count, struct stats_rng *r)
{
        size_t k1 = (n - 1) / 2, k2 = n / 2, seen = 0, i = 0;
        double a, b;

        for (size_t k = 0; k < n; k++)
                count[stats_rng_below(r, n)]++;
        while (seen + count[i] <= k1) {
                seen += count[i];
                count[i++] = 0;
        }
        a = sorted[i];
        while (seen + count[i] <= k2) {
                seen += count[i];
                count[i++] = 0;
        }
        b = sorted[i];
        for (; i < n; i++)
                count[i] = 0;
        return k1 == k2 ? a : lerp(a, b, 0.5);
}

/* The percentile interval of the B statistics in t (sorted here). */
static void percentile_ci(double *t, size_t B, double level, struct stats_ci *ci)
{
        stats_sort(t, B);
        ci->lo = stats_quantile_sorted(t, B, (1 - level) / 2);
        ci->hi = stats_quantile_sorted(t, B, (1 + level) / 2);
        ci->coverage = level;
        ci->lo_rank = ci->hi_rank = 0;
}

static int bootstrap(const double *sa, size_t na, const double *sb, size_t nb, size_t B,
                     double level, uint64_t seed, struct stats_ci *ci)
{
        size_t nmax = na > nb ? na : nb;
        struct stats_rng r;
        uint32_t *count;
        double *t;

        memset(ci, 0, sizeof(*ci));
        if (na == 0 || (sb != NULL && nb == 0) || B == 0 || !(level > 0 && level < 1))
                return -EINVAL;
        if (nmax > UINT32_MAX || B > (SIZE_MAX / sizeof(double) - nmax) / 2)
                return -EINVAL;
        /* the one scratch buffer: B statistics, then the n counts */
        t = calloc(B + (nmax * sizeof(uint32_t) + sizeof(double) - 1) / sizeof(double),
                   sizeof(double));
        if (t == NULL)
                return -ENOMEM;
        count = (uint32_t *)(t + B);
        stats_rng_seed(&r, seed);
        for (size_t k = 0; k < B; k++) {
                double ma = resample_median(sa, na, count, &r);
                t[k] = sb == NULL ? ma : resample_median(sb, nb, count, &r) - ma;
        }
        percentile_ci(t, B, level, ci);
        free(t);
        return 0;
}

int stats_median_ci_bootstrap(const double *sorted, size_t n, size_t B, double level, uint64_t seed,
                              struct stats_ci *ci)
{
        return bootstrap(sorted, n, NULL, 0, B, level, seed, ci);
}

int stats_median_diff_ci_bootstrap(const double *sorted_a, size_t na, const double *sorted_b,
                                   size_t nb, size_t B, double level, uint64_t seed,
                                   struct stats_ci *ci)
{
        if (sorted_b == NULL)
                return -EINVAL;
        return bootstrap(sorted_a, na, sorted_b, nb, B, level, seed, ci);
}

/* ---- Mann-Whitney U ---- */

struct tagged {
        double v;
        int side; /* 0: a, 1: b */
};

static int cmp_tagged(const void *pa, const void *pb)
{
        const struct tagged *a = pa, *b = pb;

        return (a->v > b->v) - (a->v < b->v);
}

/* P(U' >= u) under the null for sizes m, n without ties: the counts of
 * U' = k are the coefficients of the Gaussian binomial [m+n choose m]_q =
 * prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i), computed in uint64_t modulo 2^64,
 * exact because the true counts sum to C(m+n, m) < 2^63. */
static int mwu_exact_sf(size_t m, size_t n, double u, double *p)
{
        uint64_t *c, total = 1, above = 0;
        size_t deg = 0, mn, ku;

        if (m > n) {
                size_t t = m;
                m = n;
                n = t;
        }
        /* C(m+n, m) by the multiplicative formula, refusing past 2^63 */
        for (size_t i = 1; i <= m; i++) {
                unsigned __int128 t = (unsigned __int128)total * (n + i);
                if (t / i > (uint64_t)1 << 63)
                        return -ERANGE;
                total = (uint64_t)(t / i);
        }
        mn = m * n;
        c = calloc(mn + 1, sizeof(*c));
        if (c == NULL)
                return -ENOMEM;
        c[0] = 1;
        for (size_t i = 1; i <= m; i++) {
                size_t a = n + i;
                for (size_t k = deg + a; k >= a; k--)
                        if (k <= mn)
                                c[k] -= c[k - a];
                /* up to deg + a, so that the terms past the quotient's
                 * degree deg + n come back to 0 */
                for (size_t k = i; k <= deg + a && k <= mn; k++)
                        c[k] += c[k - i];
                deg += n;
        }
        /* u is truncated to an integer, as SciPy's exact method does */
        ku = u < 0 ? 0 : (size_t)u;
        for (size_t k = ku; k <= mn; k++)
                above += c[k];
        free(c);
        *p = (double)above / (double)total;
        return 0;
}

int stats_mwu(const double *a, size_t na, const double *b, size_t nb, enum stats_mwu_method method,
              struct stats_mwu *r)
{
        size_t N = na + nb;
        struct tagged *v;
        double ra = 0, tie_term = 0, ua, mu, s, dn = (double)N;
        int rc = 0;

        memset(r, 0, sizeof(*r));
        if (na == 0 || nb == 0)
                return -EINVAL;
        v = malloc(N * sizeof(*v));
        if (v == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < na; i++)
                v[i] = (struct tagged){a[i], 0};
        for (size_t j = 0; j < nb; j++)
                v[na + j] = (struct tagged){b[j], 1};
        qsort(v, N, sizeof(*v), cmp_tagged);
        /* mid-ranks: a run of t equal values at 0-based i..i+t-1 ranks i+(t+1)/2 */
        for (size_t i = 0; i < N;) {
                size_t j = i + 1, ina = 0;
                double t, rank;
                while (j < N && v[j].v == v[i].v)
                        j++;
                t = (double)(j - i);
                rank = (double)i + (t + 1) / 2;
                for (size_t k = i; k < j; k++)
                        ina += v[k].side == 0;
                ra += rank * (double)ina;
                tie_term += t * t * t - t;
                if (j - i > 1)
                        r->ties = true;
                i = j;
        }
        free(v);
        ua = ra - (double)na * ((double)na + 1) / 2;
        r->u = ua;
        mu = (double)na * (double)nb / 2;
        ua = fmax(ua, (double)na * (double)nb - ua);
        if (method == STATS_MWU_AUTO)
                method = !r->ties && (na <= STATS_MWU_EXACT_MAX_N || nb <= STATS_MWU_EXACT_MAX_N)
                             ? STATS_MWU_EXACT
                             : STATS_MWU_ASYMPTOTIC;
        if (method == STATS_MWU_EXACT) {
                rc = mwu_exact_sf(na, nb, ua, &r->p);
                if (rc < 0)
                        return rc;
                r->p *= 2;
                r->exact = true;
        } else {
                s = sqrt((double)na * (double)nb / 12 * ((dn + 1) - tie_term / (dn * (dn - 1))));
                if (!(s > 0)) {
                        r->p = 1; /* every value equal: no evidence at all */
                } else {
                        r->z = (ua - mu - 0.5) / s;
                        r->p = 2 * stats_norm_sf(r->z);
                }
        }
        if (r->p > 1)
                r->p = 1;
        return 0;
}

/* ---- Holm ---- */

struct ranked {
        double p;
        size_t i;
};

static int cmp_ranked(const void *pa, const void *pb)
{
        const struct ranked *a = pa, *b = pb;

        if (a->p != b->p)
                return (a->p > b->p) - (a->p < b->p);
        return (a->i > b->i) - (a->i < b->i);
}

int stats_holm(const double *p, size_t m, double *adj)
{
        struct ranked *o;
        double run = 0;

        for (size_t i = 0; i < m; i++)
                if (!(p[i] >= 0 && p[i] <= 1))
                        return -EINVAL;
        if (m == 0)
                return 0;
        o = malloc(m * sizeof(*o));
        if (o == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < m; i++)
                o[i] = (struct ranked){p[i], i};
        qsort(o, m, sizeof(*o), cmp_ranked);
        for (size_t k = 0; k < m; k++) {
                double v = (double)(m - k) * o[k].p;
                run = fmax(run, v);
                adj[o[k].i] = fmin(run, 1);
        }
        free(o);
        return 0;
}

/* ---- compare ---- */

const char *stats_verdict_name(enum stats_verdict v)
{
        switch (v) {
        case STATS_SAME:
                return "same";
        case STATS_FASTER:
                return "faster";
        case STATS_SLOWER:
                return "slower";
        case STATS_INCONCLUSIVE:
                break;
        }
        return "inconclusive";
}

void stats_options_default(struct stats_options *o)
{
        *o = (struct stats_options){
            .alpha = 0.01,
            .min_abs = 500000,
            .min_rel = 0.02,
            .level = 0.95,
            .B = STATS_BOOTSTRAP_B,
            .seed = 0,
            .power = 0.8,
            .method = STATS_MWU_AUTO,
        };
}

static bool options_valid(const struct stats_options *o)
{
        return o->alpha > 0 && o->alpha < 1 && o->min_abs >= 0 && o->min_rel >= 0 && o->level > 0 &&
               o->level < 1 && o->B > 0 && o->power > 0 && o->power < 1 &&
               (o->method == STATS_MWU_AUTO || o->method == STATS_MWU_EXACT ||
                o->method == STATS_MWU_ASYMPTOTIC);
}

int stats_robust_sigma(const double *x, size_t n, double *sigma)
{
        struct spread sp;
        int rc;

        if (n == 0)
                return -EINVAL;
        rc = spread_of(x, n, &sp);
        if (rc < 0)
                return rc;
        *sigma = spread_sigma(&sp);
        return 0;
}

int stats_compare(const double *a, size_t na, const double *b, size_t nb,
                  const struct stats_options *o, struct stats_compare *c)
{
        double *sa = NULL, *sb = NULL;
        int rc;

        memset(c, 0, sizeof(*c));
        if (na == 0 || nb == 0 || !options_valid(o))
                return -EINVAL;
        rc = -ENOMEM;
        sa = sorted_copy(a, na);
        sb = sorted_copy(b, nb);
        if (sa == NULL || sb == NULL)
                goto out_free;
        c->na = na;
        c->nb = nb;
        c->median_a = stats_quantile_sorted(sa, na, 0.5);
        c->median_b = stats_quantile_sorted(sb, nb, 0.5);
        c->diff = c->median_b - c->median_a;
        c->rel = c->median_a != 0 ? c->diff / fabs(c->median_a) : NAN;
        rc = stats_median_diff_ci_bootstrap(sa, na, sb, nb, o->B, o->level, o->seed, &c->ci);
        if (rc < 0)
                goto out_free;
        rc = stats_mwu(a, na, b, nb, o->method, &c->mwu);
        if (rc < 0)
                goto out_free;
        /* the spreads, for the runs-needed estimate */
        rc = stats_robust_sigma(a, na, &c->sigma_a);
        if (rc < 0)
                goto out_free;
        rc = stats_robust_sigma(b, nb, &c->sigma_b);
out_free:
        free(sa);
        free(sb);
        return rc;
}

/* The runs per side that would settle an inconclusive comparison: the SE
 * of a median is sqrt(pi/2) sigma / sqrt(n) (normal data), so the
 * difference's is sqrt(pi/2) S / sqrt(n), S^2 = sigma_a^2 + sigma_b^2.
 * A difference beyond the threshold needs a level alpha/m two-sided test
 * with the power asked: n = ((z_{alpha/2m} + z_power) sqrt(pi/2) S / |d|)^2.
 * A difference within it needs the CI inside +-threshold, with the same
 * power: n = ((z_{(1-level)/2} + z_power) sqrt(pi/2) S / (threshold - |d|))^2. */
static size_t runs_needed(const struct stats_compare *c, size_t m, const struct stats_options *o)
{
        /* a side of one run shows no spread: assume the other side's */
        double sa = c->na < 2 ? c->sigma_b : c->sigma_a, sb = c->nb < 2 ? c->sigma_a : c->sigma_b;
        double S = hypot(sa, sb), d = fabs(c->diff), z, margin, n;
        size_t have = c->na > c->nb ? c->na : c->nb;

        if (!(S > 0))
                return 0;
        if (d > c->threshold) {
                z = stats_norm_isf(o->alpha / (2 * (double)m)) + stats_norm_isf(1 - o->power);
                margin = d;
        } else {
                z = stats_norm_isf((1 - o->level) / 2) + stats_norm_isf(1 - o->power);
                margin = c->threshold - d;
        }
        if (!(margin > 0))
                return 0;
        n = ceil(pow(z * SQRT_PI_2 * S / margin, 2));
        if (!(n < RUNS_NEEDED_MAX))
                return RUNS_NEEDED_MAX;
        return (size_t)n > have ? (size_t)n : have + 1;
}

int stats_compare_verdicts(struct stats_compare *c, size_t m, const struct stats_options *o)
{
        double *p;
        int rc;

        if (!options_valid(o))
                return -EINVAL;
        if (m == 0)
                return 0;
        p = malloc(m * sizeof(*p));
        if (p == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < m; i++)
                p[i] = c[i].mwu.p;
        rc = stats_holm(p, m, p);
        for (size_t i = 0; rc == 0 && i < m; i++) {
                struct stats_compare *x = &c[i];
                x->p_holm = p[i];
                x->threshold = fmax(o->min_abs, o->min_rel * fabs(x->median_a));
                x->runs_needed = 0;
                if (x->na < 2 || x->nb < 2) {
                        /* one run on a side: no spread there, nothing is
                         * supported, not even "same" (its CI is blind to
                         * that side's run-to-run variation) */
                        x->verdict = STATS_INCONCLUSIVE;
                        x->runs_needed = runs_needed(x, m, o);
                } else if (x->p_holm < o->alpha && fabs(x->diff) > x->threshold)
                        x->verdict = x->diff > 0 ? STATS_SLOWER : STATS_FASTER;
                else if (-x->threshold <= x->ci.lo && x->ci.hi <= x->threshold)
                        x->verdict = STATS_SAME;
                else {
                        x->verdict = STATS_INCONCLUSIVE;
                        x->runs_needed = runs_needed(x, m, o);
                }
        }
        free(p);
        return rc;
}
