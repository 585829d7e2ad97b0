/*
 * stats: the statistics of many runs (docs/statistics.md has every
 * definition and its reference; DESIGN.md, "Statistics").
 *
 * Values are doubles in any one unit. Durations in nanoseconds are the
 * common input: a double holds every integer below 2^53 ns (104 days)
 * exactly, so pass (double)ns. Only the defaults of struct stats_options
 * (the minimum effect, 0.5 ms) assume nanoseconds.
 *
 * Pure C on libc and libm: no project header, so that any layer may use it.
 * Functions return 0, a count or a negative errno and never print. Arrays
 * are the caller's and are never kept; a "sorted" argument must be sorted
 * ascending (stats_sort) and hold no NaN, else the results are unspecified.
 * n = 0 is -EINVAL wherever a statistic needs a value. Functions that
 * allocate say so and return -ENOMEM when an allocation fails, leaving
 * their outputs unspecified.
 *
 * Randomness (the bootstrap) comes from xoshiro256** seeded through
 * splitmix64 from one 64-bit seed: the same input and seed give the same
 * output, bit for bit, on every run and machine with IEEE doubles.
 */
#ifndef BOOTLENS_STATS_H
#define BOOTLENS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- order and quantiles ---- */

/* Sort x[0..n) ascending in place (n = 0 is fine). NaNs are the caller's
 * to keep out. */
void stats_sort(double *x, size_t n);

/* The quantile p in [0, 1] of sorted[0..n), Hyndman-Fan type 7 (R's and
 * numpy's default): h = (n-1)p, x[floor h] + (h - floor h)(x[floor h + 1] -
 * x[floor h]), computed as numpy.quantile does, bit for bit. n = 1 gives
 * sorted[0]. n = 0 or p outside [0, 1] (or NaN): NaN. */
double stats_quantile_sorted(const double *sorted, size_t n, double p);

struct stats_summary {
        size_t n;
        double median, q25, q75, p10, p90, min, max; /* type-7 quantiles */
};

/* The summary of sorted[0..n). Returns 0; -EINVAL when n = 0 (s zeroed).
 * n = 1: every field is the value. */
int stats_summary_sorted(const double *sorted, size_t n, struct stats_summary *s);

/* The same for unsorted x (left untouched): sorts a copy. Returns 0,
 * -EINVAL when n = 0, -ENOMEM. */
int stats_summary(const double *x, size_t n, struct stats_summary *s);

/* ---- outliers: the modified z-score (Iglewicz & Hoaglin) ---- */

#define STATS_OUTLIER_Z 3.5

/* Flag the outliers of x[0..n) (any order): z_i = 0.6745 (x_i - median) /
 * MAD, MAD = median |x_i - median|; when MAD = 0, z_i = (x_i - median) /
 * (1.253314 meanAD), meanAD = mean |x_i - median|; when both are 0 (all
 * values equal) no value is an outlier (z_i = 0). A value is an outlier
 * when |z_i| > 3.5. flag[i] (required, n entries) says whether x[i] is one;
 * z (NULL or n entries) receives z_i. Nothing is dropped. Returns the
 * count of outliers (0 for n < 3 is typical, n = 0 gives 0), -ENOMEM. */
int stats_outliers(const double *x, size_t n, bool *flag, double *z);

/* The robust sigma of x[0..n) (any order, left untouched): 1.4826 MAD,
 * else (MAD 0) 1.2533 times the mean absolute deviation from the median,
 * 0 when all values are equal; what stats_compare's sigma_a and sigma_b
 * are. Allocates. Returns 0, -EINVAL when n = 0, -ENOMEM. */
int stats_robust_sigma(const double *x, size_t n, double *sigma);

/* ---- confidence intervals of the median ---- */

struct stats_ci {
        double lo, hi;
        /* the order-statistic interval's exact coverage (>= the level asked
         * unless n is too small, see below); the bootstrap's level asked */
        double coverage;
        size_t lo_rank, hi_rank; /* order statistics, 1-based (0: bootstrap) */
};

/* The distribution-free interval [x_(l), x_(n+1-l)] of the median of
 * sorted[0..n), l the largest rank whose exact binomial coverage
 * P(l <= K <= n-l), K ~ Binomial(n, 1/2), is at least level (0 < level <
 * 1). When no l reaches the level (n <= 5 for 95%), the interval is
 * [min, max] and coverage (1 - 2^(1-n)) says how far it falls short;
 * n = 1 gives [x, x] with coverage 0. Returns 0, -EINVAL (n = 0, level). */
int stats_median_ci_order(const double *sorted, size_t n, double level, struct stats_ci *ci);

#define STATS_BOOTSTRAP_B 10000

/* The percentile bootstrap interval of the median of sorted[0..n): B
 * resamples of n values drawn with replacement (xoshiro256**, seeded by
 * splitmix64(seed)), the type-7 median of each, and the type-7 quantiles
 * (1-level)/2 and (1+level)/2 of the B medians. n = 1 gives [x, x].
 * Allocates one scratch buffer for the whole run. Returns 0, -EINVAL (n = 0,
 * B = 0, level outside (0, 1)), -ENOMEM. */
int stats_median_ci_bootstrap(const double *sorted, size_t n, size_t B, double level, uint64_t seed,
                              struct stats_ci *ci);

/* The bootstrap of the difference of medians median(b) - median(a): each
 * resample draws n_a values from a and then n_b values from b, with
 * replacement, independently, from one xoshiro256** stream seeded by
 * splitmix64(seed). Same contract as stats_median_ci_bootstrap. */
int stats_median_diff_ci_bootstrap(const double *sorted_a, size_t na, const double *sorted_b,
                                   size_t nb, size_t B, double level, uint64_t seed,
                                   struct stats_ci *ci);

/* ---- Mann-Whitney U ---- */

enum stats_mwu_method {
        STATS_MWU_AUTO,       /* exact when no ties and min(n_a, n_b) <= 8 */
        STATS_MWU_EXACT,      /* the exact null distribution (no tie correction) */
        STATS_MWU_ASYMPTOTIC, /* normal, tie and continuity corrected */
};

#define STATS_MWU_EXACT_MAX_N 8

struct stats_mwu {
        double u;   /* U of a: the pairs (a_i, b_j) with a_i > b_j, ties 1/2 */
        double p;   /* two-sided p-value, in [0, 1] */
        double z;   /* the standardised statistic (asymptotic only; else 0) */
        bool exact; /* which method gave p */
        bool ties;  /* whether a ∪ b holds equal values */
};

/* The two-sided Mann-Whitney U test of a[0..na) against b[0..nb) (any
 * order), with SciPy's definitions (scipy.stats.mannwhitneyu, use_continuity
 * = True): U = max(U_a, n_a n_b - U_a); exact p = 2 P(U' >= U) under the null
 * (with ties, which the exact method does not model, U is truncated to an
 * integer as SciPy does); asymptotic p = 2 sf((U - n_a n_b/2 - 1/2) / s),
 * s^2 = n_a n_b/12 ((N+1) - sum(t^3-t)/(N(N-1))), and p = 1 when s = 0 (all
 * values equal); p is capped at 1. Allocates. Returns 0; -EINVAL when n_a or
 * n_b is 0; -ERANGE when the exact method is forced on samples whose
 * C(n_a+n_b, n_a) exceeds 2^63 (auto never does); -ENOMEM. */
int stats_mwu(const double *a, size_t na, const double *b, size_t nb, enum stats_mwu_method method,
              struct stats_mwu *r);

/* ---- Holm-Bonferroni ---- */

/* Holm's step-down adjusted p-values of p[0..m) into adj[0..m) (may be p):
 * with p sorted ascending, adj_(i) = min(1, max_{j<=i} (m-j+1) p_(j)), as
 * statsmodels' multipletests(method="holm") defines them. Allocates.
 * Returns 0 (m = 0 is fine), -EINVAL when a p is outside [0, 1] or NaN,
 * -ENOMEM. */
int stats_holm(const double *p, size_t m, double *adj);

/* ---- A/B comparison and its verdict ---- */

enum stats_verdict {
        STATS_INCONCLUSIVE,
        STATS_SAME,
        STATS_FASTER,
        STATS_SLOWER,
};

/* "inconclusive", "same", "faster", "slower". */
const char *stats_verdict_name(enum stats_verdict v);

struct stats_options {
        double alpha;   /* significance after Holm (0.01) */
        double min_abs; /* minimum effect, in the data's unit (500000: 0.5 ms in ns) */
        double min_rel; /* minimum effect relative to base's median (0.02) */
        double level;   /* of the bootstrap CI of the difference (0.95) */
        size_t B;       /* bootstrap resamples (10000) */
        uint64_t seed;  /* the bootstrap's seed */
        double power;   /* of the runs-needed estimate (0.8) */
        enum stats_mwu_method method; /* STATS_MWU_AUTO */
};

/* The defaults above, seed 0. */
void stats_options_default(struct stats_options *o);

struct stats_compare {
        size_t na, nb;
        double median_a, median_b;
        double diff;        /* median_b - median_a: > 0 means b (NEW) is slower */
        double rel;         /* diff / |median_a| (NAN when median_a = 0: no ratio) */
        struct stats_ci ci; /* bootstrap CI of diff */
        struct stats_mwu mwu;
        double sigma_a, sigma_b; /* robust sigmas: 1.4826 MAD, else 1.2533 meanAD */
        /* set by stats_compare_verdicts: */
        double p_holm;
        double threshold; /* max(min_abs, min_rel |median_a|) */
        enum stats_verdict verdict;
        size_t runs_needed; /* inconclusive: estimated runs per side; else 0 */
};

/* Compare base a[0..na) with new b[0..nb) (any order, left untouched):
 * medians, their difference with its bootstrap CI (o->B, o->level,
 * o->seed), and the U test (o->method). The verdict fields stay zero
 * (inconclusive) until stats_compare_verdicts. Allocates. Returns 0,
 * -EINVAL (na or nb = 0, bad options), -ENOMEM, -ERANGE (forced exact U). */
int stats_compare(const double *a, size_t na, const double *b, size_t nb,
                  const struct stats_options *o, struct stats_compare *c);

/* Holm over the m metrics' U p-values, then each one's verdict:
 *   inconclusive:  when either side has fewer than 2 runs (no spread
 *                  there: neither a change nor "same" is supported);
 *   slower/faster: p_holm < alpha and |diff| > threshold (the point
 *                  estimate exceeds both minimum effects), by diff's sign;
 *   same:          otherwise, when -threshold <= ci.lo and ci.hi <= threshold;
 *   inconclusive:  otherwise, with runs_needed, a normal-approximation
 *                  estimate of the runs per side that would settle it
 *                  (docs/statistics.md, "Runs needed"); 0 when the spread
 *                  gives no estimate.
 * Returns 0, -EINVAL (bad options), -ENOMEM. */
int stats_compare_verdicts(struct stats_compare *c, size_t m, const struct stats_options *o);

/* ---- building blocks, exposed for tests and reuse ---- */

/* The standard normal's upper tail P(Z > z) and its inverse (0 < q < 1). */
double stats_norm_sf(double z);
double stats_norm_isf(double q);

/* The PRNG: xoshiro256** (Blackman & Vigna), state from splitmix64(seed). */
struct stats_rng {
        uint64_t s[4];
};
void stats_rng_seed(struct stats_rng *r, uint64_t seed);
uint64_t stats_rng_next(struct stats_rng *r);
/* Uniform in [0, n), n >= 1, unbiased (Lemire's multiply-and-reject). */
uint64_t stats_rng_below(struct stats_rng *r, uint64_t n);

#endif
