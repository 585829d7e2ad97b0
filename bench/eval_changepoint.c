/*
 * eval_changepoint: how often cp_detect finds a step, and how often it
 * raises a false alarm, on synthetic series shaped like a history
 * (docs/changepoints.md prints its tables).
 *
 * Each point of a series is the median of RUNS (10) runs, as a stored
 * session's point is. A run's value is its level plus gaussian noise of
 * sd sigma_run; with the heavy tail ("tail"), 5% of runs are starved
 * boots and get +U(5, 20) sigma_run on top. Steps are given in units of
 * the point sigma, the sd of one point (a median of 10 runs), measured
 * here by simulation for each noise model.
 *
 * Scenarios, each over SEEDS series (1000) per cell, lengths 30 and 200,
 * penalties 1, 2, 3, 4 x ln n, steps of 1, 2, 3, 5 point sigmas:
 *   one step     a single series (3 s, sigma_run 60 ms), the step at a
 *                uniform index in [5, n-5]
 *   two steps    the same with two steps at least 5 points apart, each
 *                up or down at random
 *   one phase    six phases (50..1500 ms, each with its own sigma_run),
 *                the total the sum of the phases plus QEMU's own noise;
 *                the step in "early kernel" only: is it found in that
 *                phase's series, in the total's; false alarms in the
 *                other five phases
 *   no step      noise only (gaussian, and with the tail)
 * A true change is detected when a change point lies within +-1 point of
 * it; every change point matched to no true change is spurious. The
 * minimum effect is off (min_abs = min_rel = 0) so that the rates are the
 * detector's, in sigma units, whatever the scale; the last table puts
 * compare's minimum effect (0.5 ms, 2%) back on the phase scenario at its
 * real scale. Last, the time of cp_detect on 10,000 points.
 *
 *   eval_changepoint [--seeds N] [--seed S] [--only TABLE]
 *
 * Deterministic: the same --seeds and --seed print the same tables.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/changepoint.h"
#include "analyzer/stats.h"
#include "base/util.h"

#define RUNS     10
#define MS       1e6
#define NPEN     4
#define NSTEP    4
#define MAXN     200
#define TAIL_P   0.05
#define EDGE     5 /* least points between a true step and an end or another step */
#define PHASES   6
#define STEPPED  2         /* the phase with the step: early kernel */
#define QEMU_SD  (20 * MS) /* the total's noise outside the phases, per run */
#define LEVEL    (3000 * MS)
#define LEVEL_SD (60 * MS)

static const double penalties[NPEN] = {1, 2, 3, 4};
static const double steps[NSTEP] = {1, 2, 3, 5};
static const size_t lengths[] = {30, 200};

static const struct phase {
        const char *name;
        double level, sd; /* ns, of one run */
} phases[PHASES] = {
    {"qemu", 50 * MS, 3 * MS},           {"firmware+entry", 450 * MS, 15 * MS},
    {"early kernel", 340 * MS, 10 * MS}, {"initcalls", 1500 * MS, 60 * MS},
    {"late init", 125 * MS, 5 * MS},     {"user space", 320 * MS, 15 * MS},
};

static double gauss(struct stats_rng *r)
{
        double u = ((double)(stats_rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
        double v = (double)(stats_rng_next(r) >> 11) / 9007199254740992.0;

        return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static double uniform(struct stats_rng *r)
{
        return (double)(stats_rng_next(r) >> 11) / 9007199254740992.0;
}

/* The extra of one run in units of sigma_run: 0, or U(5, 20) when starved. */
static double starve(struct stats_rng *r, bool tail)
{
        return tail && uniform(r) < TAIL_P ? 5 + 15 * uniform(r) : 0;
}

static double median10(double *v)
{
        stats_sort(v, RUNS);
        return stats_quantile_sorted(v, RUNS, 0.5);
}

/* One point: the median of RUNS runs of level + sd (noise + tail). */
static double point(double level, double sd, bool tail, struct stats_rng *r)
{
        double v[RUNS];

        for (int k = 0; k < RUNS; k++)
                v[k] = level + sd * (gauss(r) + starve(r, tail));
        return median10(v);
}

/* The sd of one point in units of sigma_run, by simulation. */
static double point_sigma(bool tail)
{
        struct stats_rng r;
        const int m = 200000;
        double s = 0, s2 = 0;

        stats_rng_seed(&r, tail ? 2 : 1);
        for (int i = 0; i < m; i++) {
                double p = point(0, 1, tail, &r);

                s += p;
                s2 += p * p;
        }
        return sqrt((s2 - s * s / m) / (m - 1));
}

/* Match the change points to the true ones (+-1): found[j] for each true
 * change, returns the spurious count. */
static size_t score(const struct cp_result *c, const size_t *truth, size_t nt, bool *found)
{
        size_t spurious = 0;

        for (size_t j = 0; j < nt; j++)
                found[j] = false;
        for (size_t i = 0; i < c->n; i++) {
                bool matched = false;

                for (size_t j = 0; j < nt && !matched; j++)
                        if (!found[j] && c->at[i] + 1 >= truth[j] && c->at[i] <= truth[j] + 1)
                                found[j] = matched = true;
                spurious += !matched;
        }
        return spurious;
}

/* The tallies of one cell. */
struct tally {
        size_t series, truths, found, all_found, alarmed, spurious, points;
};

/* sigma: the point sigma given to cp_detect; 0: estimated by it. */
/* cp_detect with o on x, scored against truth[0..nt) into t. */
static void detect_with(const double *x, size_t n, const struct cp_options *o, const size_t *truth,
                        size_t nt, struct tally *t)
{
        struct cp_result c;
        bool found[2];
        size_t sp, nf = 0;

        if (cp_detect(x, n, o, &c) < 0) {
                fprintf(stderr, "eval_changepoint: cp_detect failed\n");
                exit(1);
        }
        sp = score(&c, truth, nt, found);
        for (size_t j = 0; j < nt; j++)
                nf += found[j];
        t->series++;
        t->truths += nt;
        t->found += nf;
        t->all_found += nf == nt;
        t->alarmed += sp > 0;
        t->spurious += sp;
        t->points += n;
        cp_result_free(&c);
}

static void detect_sigma(const double *x, size_t n, double penalty, bool min_effect,
                         const size_t *truth, size_t nt, double sigma, struct tally *t)
{
        struct cp_options o;

        cp_options_default(&o);
        o.penalty = penalty;
        o.sigma = sigma;
        if (!min_effect)
                o.min_abs = o.min_rel = 0;
        detect_with(x, n, &o, truth, nt, t);
}

static void detect(const double *x, size_t n, double penalty, bool min_effect, const size_t *truth,
                   size_t nt, struct tally *t)
{
        detect_sigma(x, n, penalty, min_effect, truth, nt, 0, t);
}

static double pct(size_t a, size_t b)
{
        return b ? 100.0 * (double)a / (double)b : 0;
}

static double per100(const struct tally *t)
{
        return t->points ? 100.0 * (double)t->spurious / (double)t->points : 0;
}

/* A true step index in [lo, hi]. */
static size_t pick(struct stats_rng *r, size_t lo, size_t hi)
{
        return lo + (size_t)stats_rng_below(r, hi - lo + 1);
}

static double sign(struct stats_rng *r)
{
        return stats_rng_below(r, 2) ? 1 : -1;
}

/* ---- one step, two steps, no step: one series ---- */

static void series(double *x, size_t n, const size_t *truth, const double *dstep, size_t nt,
                   bool tail, struct stats_rng *r)
{
        for (size_t i = 0; i < n; i++) {
                double level = LEVEL;

                for (size_t j = 0; j < nt; j++)
                        if (i >= truth[j])
                                level += dstep[j];
                x[i] = point(level, LEVEL_SD, tail, r);
        }
}

static void one_step(size_t nseeds, uint64_t seed, const double *psig)
{
        printf("## One step (detection %%: a change point within +-1 of the step)\n\n");
        printf("| n | noise | penalty | 1 sigma | 2 sigma | 3 sigma | 5 sigma | series with a "
               "spurious change (3 sigma) | spurious per 100 points (3 sigma) |\n");
        printf("|---|---|---|---|---|---|---|---|---|\n");
        for (size_t li = 0; li < 2; li++) {
                for (int tail = 0; tail < 2; tail++) {
                        struct tally t[NPEN][NSTEP];
                        size_t n = lengths[li];
                        double x[MAXN];

                        memset(t, 0, sizeof(t));
                        for (size_t si = 0; si < NSTEP; si++) {
                                for (size_t s = 0; s < nseeds; s++) {
                                        struct stats_rng r;
                                        size_t at;
                                        double d;

                                        stats_rng_seed(&r, seed + 1000000 * (li * 2 + tail) +
                                                               10000 * si + s);
                                        at = pick(&r, EDGE, n - EDGE);
                                        d = sign(&r) * steps[si] * psig[tail] * LEVEL_SD;
                                        series(x, n, &at, &d, 1, tail, &r);
                                        for (size_t p = 0; p < NPEN; p++)
                                                detect(x, n, penalties[p], false, &at, 1,
                                                       &t[p][si]);
                                }
                        }
                        for (size_t p = 0; p < NPEN; p++)
                                printf("| %zu | %s | %g ln n | %.1f | %.1f | %.1f | %.1f | %.1f | "
                                       "%.2f |\n",
                                       n, tail ? "tail" : "gauss", penalties[p],
                                       pct(t[p][0].found, t[p][0].truths),
                                       pct(t[p][1].found, t[p][1].truths),
                                       pct(t[p][2].found, t[p][2].truths),
                                       pct(t[p][3].found, t[p][3].truths),
                                       pct(t[p][2].alarmed, t[p][2].series), per100(&t[p][2]));
                }
        }
        printf("\n");
}

static void two_steps(size_t nseeds, uint64_t seed, const double *psig)
{
        printf("## Two steps (detection %% of the steps; both: %% of series with both found)\n\n");
        printf("| n | penalty | 1 sigma | 2 sigma | 3 sigma | 5 sigma | both (3 sigma) | "
               "series with a spurious change (3 sigma) |\n");
        printf("|---|---|---|---|---|---|---|---|\n");
        for (size_t li = 0; li < 2; li++) {
                struct tally t[NPEN][NSTEP];
                size_t n = lengths[li];
                double x[MAXN];

                memset(t, 0, sizeof(t));
                for (size_t si = 0; si < NSTEP; si++) {
                        for (size_t s = 0; s < nseeds; s++) {
                                struct stats_rng r;
                                size_t at[2];
                                double d[2];

                                stats_rng_seed(&r, seed + 5000000 + 1000000 * li + 10000 * si + s);
                                at[0] = pick(&r, EDGE, n - 2 * EDGE);
                                at[1] = pick(&r, at[0] + EDGE, n - EDGE);
                                d[0] = sign(&r) * steps[si] * psig[0] * LEVEL_SD;
                                d[1] = sign(&r) * steps[si] * psig[0] * LEVEL_SD;
                                series(x, n, at, d, 2, false, &r);
                                for (size_t p = 0; p < NPEN; p++)
                                        detect(x, n, penalties[p], false, at, 2, &t[p][si]);
                        }
                }
                for (size_t p = 0; p < NPEN; p++)
                        printf("| %zu | %g ln n | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n", n,
                               penalties[p], pct(t[p][0].found, t[p][0].truths),
                               pct(t[p][1].found, t[p][1].truths),
                               pct(t[p][2].found, t[p][2].truths),
                               pct(t[p][3].found, t[p][3].truths),
                               pct(t[p][2].all_found, t[p][2].series),
                               pct(t[p][2].alarmed, t[p][2].series));
        }
        printf("\n");
}

static void no_step(size_t nseeds, uint64_t seed, const double *psig)
{
        (void)psig;
        printf("## No step (false alarms)\n\n");
        printf("| n | noise | penalty | series with a spurious change | spurious per 100 points "
               "|\n");
        printf("|---|---|---|---|---|\n");
        for (size_t li = 0; li < 2; li++) {
                for (int tail = 0; tail < 2; tail++) {
                        struct tally t[NPEN];
                        size_t n = lengths[li];
                        double x[MAXN];

                        memset(t, 0, sizeof(t));
                        for (size_t s = 0; s < nseeds; s++) {
                                struct stats_rng r;

                                stats_rng_seed(&r, seed + 8000000 + 1000000 * (li * 2 + tail) + s);
                                series(x, n, NULL, NULL, 0, tail, &r);
                                for (size_t p = 0; p < NPEN; p++)
                                        detect(x, n, penalties[p], false, NULL, 0, &t[p]);
                        }
                        for (size_t p = 0; p < NPEN; p++)
                                printf("| %zu | %s | %g ln n | %.1f | %.2f |\n", n,
                                       tail ? "tail" : "gauss", penalties[p],
                                       pct(t[p].alarmed, t[p].series), per100(&t[p]));
                }
        }
        printf("\n");
}

/* Candidate: the trimmed mean of the squared differences (the smallest
 * 90%), made consistent for the normal. */
static double sigma_trimmed(const double *x, size_t n)
{
        double d[MAXN], sum = 0, f, c, kappa;
        size_t m = n - 1, keep = (size_t)ceil(0.9 * (double)m);

        for (size_t i = 0; i < m; i++)
                d[i] = (x[i + 1] - x[i]) * (x[i + 1] - x[i]);
        stats_sort(d, m);
        for (size_t i = 0; i < keep; i++)
                sum += d[i];
        f = (double)keep / (double)m;
        c = f < 1 ? stats_norm_isf((1 - f) / 2) : INFINITY;
        kappa = f < 1 ? (f - 2 * c * exp(-c * c / 2) / sqrt(2 * M_PI)) / f : 1;
        return sqrt(sum / (double)keep / (2 * kappa));
}

/* The MAD of the differences alone, 1.4826 MAD(d) / sqrt(2) (Fryzlewicz's
 * estimate, and cp_sigma_diff's first step). */
static double sigma_mad(const double *x, size_t n)
{
        double d[MAXN], med;
        size_t m = n - 1;

        for (size_t i = 0; i < m; i++)
                d[i] = x[i + 1] - x[i];
        stats_sort(d, m);
        med = stats_quantile_sorted(d, m, 0.5);
        for (size_t i = 0; i < m; i++)
                d[i] = fabs(d[i] - med);
        stats_sort(d, m);
        return 1.4826 * stats_quantile_sorted(d, m, 0.5) / sqrt(2.0);
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

/* The sigma estimates compared: 0 the MAD alone, 1 the trimmed mean, 2
 * cp_sigma_diff, 3 the true point sigma. */
#define NEST 4
static double estimate(int e, const double *x, size_t n, double truth)
{
        switch (e) {
        case 0:
                return sigma_mad(x, n);
        case 1:
                return sigma_trimmed(x, n);
        case 2:
                return cp_sigma_diff(x, n);
        default:
                return truth;
        }
}

/* The median of sigma-hat / sigma on 30 points with k steps of 8 sigma. */
static void sigma_robustness(size_t nseeds, uint64_t seed, const double *psig)
{
        static const size_t ks[] = {0, 1, 3, 6};
        const double sd = psig[0] * LEVEL_SD;
        const size_t n = 30;
        double *ratio[3];

        for (int e = 0; e < 3; e++) {
                ratio[e] = malloc(nseeds * sizeof(double));
                if (!ratio[e])
                        exit(1);
        }
        printf("Median of sigma-hat / sigma over the seeds, 30 points with k steps of 8 sigma "
               "(at 4, 8, ..., up or down):\n\n");
        printf("| k | MAD | trimmed | cp_sigma_diff |\n|---|---|---|---|\n");
        for (size_t ki = 0; ki < 4; ki++) {
                for (size_t s = 0; s < nseeds; s++) {
                        struct stats_rng r;
                        size_t at[6];
                        double d[6], x[MAXN];

                        stats_rng_seed(&r, seed + 70000000 + 1000000 * ki + s);
                        for (size_t j = 0; j < ks[ki]; j++) {
                                at[j] = 4 * (j + 1);
                                d[j] = sign(&r) * 8 * sd;
                        }
                        series(x, n, at, d, ks[ki], false, &r);
                        for (int e = 0; e < 3; e++)
                                ratio[e][s] = estimate(e, x, n, sd) / sd;
                }
                printf("| %zu |", ks[ki]);
                for (int e = 0; e < 3; e++) {
                        qsort(ratio[e], nseeds, sizeof(double), cmp_double);
                        printf(" %.3f |", stats_quantile_sorted(ratio[e], nseeds, 0.5));
                }
                printf("\n");
        }
        printf("\n");
        for (int e = 0; e < 3; e++)
                free(ratio[e]);
}

static void sigma_estimate(size_t nseeds, uint64_t seed, const double *psig)
{
        const double sd = psig[0] * LEVEL_SD;

        printf("## The sigma estimate (gaussian): the MAD of the differences alone, their "
               "10%%-trimmed mean square, cp_sigma_diff (rejection at %.1f robust sigmas, then "
               "the root mean square), and the true point sigma given (o.sigma)\n\n",
               CP_SIGMA_REJECT);
        printf("| n | penalty | no step, spurious: MAD | trimmed | cp_sigma_diff | given | "
               "2 sigma step, found: MAD | trimmed | cp_sigma_diff | given |\n");
        printf("|---|---|---|---|---|---|---|---|---|---|\n");
        for (size_t li = 0; li < 2; li++) {
                struct tally t[NPEN][2][NEST];
                size_t n = lengths[li];
                double x[MAXN];

                memset(t, 0, sizeof(t));
                for (size_t s = 0; s < nseeds; s++) {
                        struct stats_rng r;
                        size_t at;
                        double d;

                        stats_rng_seed(&r, seed + 60000000 + 1000000 * li + s);
                        series(x, n, NULL, NULL, 0, false, &r);
                        for (size_t p = 0; p < NPEN; p++)
                                for (int e = 0; e < NEST; e++)
                                        detect_sigma(x, n, penalties[p], false, NULL, 0,
                                                     estimate(e, x, n, sd), &t[p][0][e]);
                        at = pick(&r, EDGE, n - EDGE);
                        d = sign(&r) * 2 * sd;
                        series(x, n, &at, &d, 1, false, &r);
                        for (size_t p = 0; p < NPEN; p++)
                                for (int e = 0; e < NEST; e++)
                                        detect_sigma(x, n, penalties[p], false, &at, 1,
                                                     estimate(e, x, n, sd), &t[p][1][e]);
                }
                for (size_t p = 0; p < NPEN; p++) {
                        printf("| %zu | %g ln n |", n, penalties[p]);
                        for (int e = 0; e < NEST; e++)
                                printf(" %.1f |", pct(t[p][0][e].alarmed, t[p][0][e].series));
                        for (int e = 0; e < NEST; e++)
                                printf(" %.1f |", pct(t[p][1][e].found, t[p][1][e].truths));
                        printf("\n");
                }
        }
        printf("\n");
        sigma_robustness(nseeds, seed, psig);
}

/* min_seg 1, 2, 3: false alarms without a step, detection of a 3 sigma step. */
static void min_segment(size_t nseeds, uint64_t seed, const double *psig)
{
        printf("## The least segment (min_seg), penalty %g ln n\n\n", CP_PENALTY_DEFAULT);
        printf("| n | noise | no step, spurious: min_seg 1 | 2 | 3 | 2 sigma step, found: "
               "min_seg 1 | 2 | 3 |\n");
        printf("|---|---|---|---|---|---|---|---|\n");
        for (size_t li = 0; li < 2; li++) {
                for (int tail = 0; tail < 2; tail++) {
                        struct tally t[2][3];
                        size_t n = lengths[li];
                        double x[MAXN];

                        memset(t, 0, sizeof(t));
                        for (size_t s = 0; s < nseeds; s++) {
                                struct stats_rng r;
                                struct cp_options o;
                                size_t at;
                                double d;

                                stats_rng_seed(&r, seed + 80000000 + 1000000 * (li * 2 + tail) + s);
                                cp_options_default(&o);
                                o.min_abs = o.min_rel = 0;
                                series(x, n, NULL, NULL, 0, tail, &r);
                                for (size_t m = 0; m < 3; m++) {
                                        o.min_seg = m + 1;
                                        detect_with(x, n, &o, NULL, 0, &t[0][m]);
                                }
                                at = pick(&r, EDGE, n - EDGE);
                                d = sign(&r) * 2 * psig[tail] * LEVEL_SD;
                                series(x, n, &at, &d, 1, tail, &r);
                                for (size_t m = 0; m < 3; m++) {
                                        o.min_seg = m + 1;
                                        detect_with(x, n, &o, &at, 1, &t[1][m]);
                                }
                        }
                        printf("| %zu | %s |", n, tail ? "tail" : "gauss");
                        for (size_t m = 0; m < 3; m++)
                                printf(" %.1f |", pct(t[0][m].alarmed, t[0][m].series));
                        for (size_t m = 0; m < 3; m++)
                                printf(" %.1f |", pct(t[1][m].found, t[1][m].truths));
                        printf("\n");
                }
        }
        printf("\n");
}

/* ---- a step in one phase ---- */

/* The phases' and the total's series: x[p][i], x[PHASES][i] the total. */
static void phase_series(double x[PHASES + 1][MAXN], size_t n, size_t at, double d, bool tail,
                         struct stats_rng *r)
{
        for (size_t i = 0; i < n; i++) {
                double v[PHASES + 1][RUNS];

                for (int k = 0; k < RUNS; k++) {
                        double f = starve(r, tail), total = QEMU_SD * gauss(r);

                        for (int p = 0; p < PHASES; p++) {
                                double level = phases[p].level + (p == STEPPED && i >= at ? d : 0);

                                v[p][k] = level + phases[p].sd * (gauss(r) + f);
                                total += v[p][k];
                        }
                        v[PHASES][k] = total;
                }
                for (int p = 0; p <= PHASES; p++)
                        x[p][i] = median10(v[p]);
        }
}

/* t[0]: the stepped phase, t[1]: the total, t[2]: the other phases. */
static void phase_cell(size_t n, double step_sigmas, bool min_effect, size_t nseeds, uint64_t seed,
                       double penalty_only, struct tally t[NPEN][3], const double *psig)
{
        double x[PHASES + 1][MAXN];

        for (size_t s = 0; s < nseeds; s++) {
                struct stats_rng r;
                size_t at;
                double d;

                stats_rng_seed(&r, seed + s);
                at = pick(&r, EDGE, n - EDGE);
                d = sign(&r) * step_sigmas * psig[0] * phases[STEPPED].sd;
                phase_series(x, n, at, d, false, &r);
                for (size_t p = 0; p < NPEN; p++) {
                        if (penalty_only > 0 && penalties[p] != penalty_only)
                                continue;
                        detect(x[STEPPED], n, penalties[p], min_effect, &at, 1, &t[p][0]);
                        detect(x[PHASES], n, penalties[p], min_effect, &at, 1, &t[p][1]);
                        for (int q = 0; q < PHASES; q++)
                                if (q != STEPPED)
                                        detect(x[q], n, penalties[p], min_effect, NULL, 0,
                                               &t[p][2]);
                }
        }
}

static void one_phase(size_t nseeds, uint64_t seed, const double *psig)
{
        printf("## A step in one phase (early kernel: 340 ms, sigma_run 10 ms; detection %% "
               "in that phase's series / in the total's)\n\n");
        printf("| n | penalty | 1 sigma | 2 sigma | 3 sigma | 5 sigma | other phases' series "
               "with a spurious change (3 sigma) |\n");
        printf("|---|---|---|---|---|---|---|\n");
        for (size_t li = 0; li < 2; li++) {
                struct tally t[NSTEP][NPEN][3];
                size_t n = lengths[li];

                memset(t, 0, sizeof(t));
                for (size_t si = 0; si < NSTEP; si++)
                        phase_cell(n, steps[si], false, nseeds,
                                   seed + 20000000 + 1000000 * li + 10000 * si, 0, t[si], psig);
                for (size_t p = 0; p < NPEN; p++) {
                        printf("| %zu | %g ln n |", n, penalties[p]);
                        for (size_t si = 0; si < NSTEP; si++)
                                printf(" %.1f / %.1f |", pct(t[si][p][0].found, t[si][p][0].truths),
                                       pct(t[si][p][1].found, t[si][p][1].truths));
                        printf(" %.1f |\n", pct(t[2][p][2].alarmed, t[2][p][2].series));
                }
        }
        printf("\n");
}

static void one_phase_min_effect(size_t nseeds, uint64_t seed, const double *psig)
{
        const double pen = CP_PENALTY_DEFAULT;
        const double sd = psig[0] * phases[STEPPED].sd;

        printf(
            "## The same with compare's minimum effect (0.5 ms, 2%%: 6.8 ms of early kernel, "
            "56 ms of the total), penalty %g ln n; the point sigma of early kernel is %.2f ms\n\n",
            pen, sd / MS);
        printf("| n | step | step (ms) | phase: off | phase: on | total: on | other phases: "
               "spurious, on |\n");
        printf("|---|---|---|---|---|---|---|\n");
        for (size_t li = 0; li < 2; li++) {
                for (size_t si = 0; si < NSTEP; si++) {
                        struct tally off[NPEN][3], on[NPEN][3];
                        size_t n = lengths[li], p = 0;
                        uint64_t sd_seed = seed + 40000000 + 1000000 * li + 10000 * si;

                        while (penalties[p] != pen)
                                p++;
                        memset(off, 0, sizeof(off));
                        memset(on, 0, sizeof(on));
                        phase_cell(n, steps[si], false, nseeds, sd_seed, pen, off, psig);
                        phase_cell(n, steps[si], true, nseeds, sd_seed, pen, on, psig);
                        printf("| %zu | %g sigma | %.1f | %.1f | %.1f | %.1f | %.1f |\n", n,
                               steps[si], steps[si] * sd / MS,
                               pct(off[p][0].found, off[p][0].truths),
                               pct(on[p][0].found, on[p][0].truths),
                               pct(on[p][1].found, on[p][1].truths),
                               pct(on[p][2].alarmed, on[p][2].series));
                }
        }
        printf("\n");
}

/* ---- time ---- */

static double cpu_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The wall time of one cp_detect in ms (mean of reps), its CPU time in *cpu. */
static double time_detect(const double *x, size_t n, int reps, size_t *nfound, double *cpu)
{
        struct cp_options o;
        struct cp_result c;
        uint64_t t0;
        double c0;

        cp_options_default(&o);
        o.min_rel = 0;
        c0 = cpu_ms();
        t0 = util_now_ns();
        for (int k = 0; k < reps; k++) {
                if (cp_detect(x, n, &o, &c) < 0) {
                        fprintf(stderr, "eval_changepoint: cp_detect failed\n");
                        exit(1);
                }
                *nfound = c.n;
                cp_result_free(&c);
        }
        *cpu = (cpu_ms() - c0) / reps;
        return (double)(util_now_ns() - t0) / 1e6 / reps;
}

static void timing(size_t nseeds, uint64_t seed, const double *psig)
{
        const size_t n = 10000;
        static const size_t every[] = {0, 1000, 100};
        double *x = malloc(n * sizeof(*x));
        struct stats_rng r;

        (void)nseeds, (void)psig;
        if (!x)
                exit(1);
        printf("## Time of cp_detect on %zu points (mean of 5)\n\n", n);
        printf("| series | change points found | wall ms | CPU ms |\n|---|---|---|---|\n");
        for (size_t e = 0; e < sizeof(every) / sizeof(every[0]); e++) {
                size_t found = 0;
                double ms, cpu;

                stats_rng_seed(&r, seed + 90000000 + e);
                for (size_t i = 0; i < n; i++)
                        x[i] = LEVEL + 5 * MS * gauss(&r) +
                               (every[e] && (i / every[e]) % 2 ? 40 * MS : 0);
                ms = time_detect(x, n, 5, &found, &cpu);
                if (every[e])
                        printf("| a 40 ms step every %zu points | %zu | %.1f | %.1f |\n", every[e],
                               found, ms, cpu);
                else
                        printf("| noise only | %zu | %.1f | %.1f |\n", found, ms, cpu);
        }
        /* PELT's rule alone and optimal partitioning, on the last noise-only series */
        for (size_t e = 0; e < 2; e++) {
                double sigma, beta = CP_PENALTY_DEFAULT * log((double)n), c0;
                size_t *at = NULL, nat = 0;
                uint64_t t0;

                stats_rng_seed(&r, seed + 90000000);
                for (size_t i = 0; i < n; i++)
                        x[i] = LEVEL + 5 * MS * gauss(&r);
                sigma = cp_sigma_diff(x, n);
                c0 = cpu_ms();
                t0 = util_now_ns();
                if ((e ? cp_op : cp_pelt)(x, n, sigma, beta, CP_MIN_SEG_DEFAULT, &at, &nat) < 0)
                        exit(1);
                printf("| noise only, %s (once) | %zu | %.1f | %.1f |\n",
                       e ? "cp_op: optimal partitioning" : "cp_pelt: PELT's rule alone", nat,
                       (double)(util_now_ns() - t0) / 1e6, cpu_ms() - c0);
                free(at);
        }
        printf("\n");
        free(x);
}

static void usage(FILE *f)
{
        fprintf(f, "usage: eval_changepoint [--seeds N] [--seed S] [--only "
                   "one-step|two-steps|one-phase|no-step|sigma|min-seg|min-effect|time]\n");
}

int main(int argc, char **argv)
{
        static const struct table {
                const char *name;
                void (*fn)(size_t nseeds, uint64_t seed, const double *psig);
        } tables[] = {
            {"one-step", one_step},
            {"two-steps", two_steps},
            {"one-phase", one_phase},
            {"no-step", no_step},
            {"sigma", sigma_estimate},
            {"min-seg", min_segment},
            {"min-effect", one_phase_min_effect},
            {"time", timing},
        };
        size_t nseeds = 1000;
        uint64_t seed = 14;
        const char *only = NULL;
        double psig[2];

        for (int i = 1; i < argc; i++) {
                char *end;

                if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                        usage(stdout);
                        return 0;
                }
                if (i + 1 < argc && !strcmp(argv[i], "--seeds")) {
                        nseeds = strtoul(argv[++i], &end, 10);
                        if (*end || !nseeds)
                                goto bad;
                } else if (i + 1 < argc && !strcmp(argv[i], "--only")) {
                        only = argv[++i];
                } else if (i + 1 < argc && !strcmp(argv[i], "--seed")) {
                        seed = strtoull(argv[++i], &end, 10);
                        if (*end)
                                goto bad;
                } else {
                        goto bad;
                }
        }
        psig[0] = point_sigma(false);
        psig[1] = point_sigma(true);
        printf("eval_changepoint: %zu series per cell, seed %llu; a point is the median of %d "
               "runs; point sigma = %.4f sigma_run (gaussian), %.4f sigma_run (5%% tail)\n\n",
               nseeds, (unsigned long long)seed, RUNS, psig[0], psig[1]);
        for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
                if (!only || !strcmp(only, tables[t].name))
                        tables[t].fn(nseeds, seed, psig);
        return 0;
bad:
        usage(stderr);
        return 2;
}
