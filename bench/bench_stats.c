/*
 * bench_stats: how long the statistics of one `bootlens compare` take.
 *
 * Generates METRICS metrics of two sides of RUNS runs each (boot-time-like
 * durations in ns: a log-normal around 5..500 ms, rounded to 10 us so that
 * ties occur; NEW 8% slower on every third metric), then times, per
 * repetition: stats_compare on every metric (medians, a bootstrap CI of the
 * difference of B resamples a side, the U test) and stats_compare_verdicts
 * (Holm and verdicts); and, apart, a summary and the order-statistic and
 * bootstrap CIs of the median of every metric's side, as the aggregate
 * does. The target (issue 11): 30 metrics x 10,000 resamples x 2 sides of 50
 * runs in under 1 s.
 *
 *   bench_stats [--runs N] [--metrics N] [--samples N] [--resamples B]
 *   bench_stats --runs-needed
 *
 * --runs-needed checks the runs-needed estimate instead (docs/statistics.md,
 * "Runs needed"): for a few true shifts of a normal 100 ms metric (sd 3 ms,
 * threshold 2 ms), 200 comparisons of 8 runs a side, the median estimate of
 * the inconclusive ones, then how many of 200 comparisons at that many runs
 * a side settle (power asked: 0.8).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/stats.h"
#include "base/util.h"

static double ms_since(uint64_t t0)
{
        return (double)(util_now_ns() - t0) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

/* A standard normal from the stats PRNG (Box-Muller). */
static double gauss(struct stats_rng *r)
{
        double u = ((double)(stats_rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
        double v = (double)(stats_rng_next(r) >> 11) / 9007199254740992.0;

        return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static void generate(double *x, size_t n, double median, double scale, struct stats_rng *r)
{
        for (size_t i = 0; i < n; i++)
                x[i] = round(median * scale * exp(0.1 * gauss(r)) / 1e4) * 1e4;
}

static void fill_normal(double *x, size_t n, double mean, double sd, struct stats_rng *r)
{
        for (size_t i = 0; i < n; i++)
                x[i] = mean + sd * gauss(r);
}

static int cmp_size(const void *a, const void *b)
{
        size_t x = *(const size_t *)a, y = *(const size_t *)b;

        return x < y ? -1 : x > y;
}

/* One line per shift: the estimate at 8 runs a side, and the share of
 * comparisons it settles. */
static int check_runs_needed(void)
{
        static const double shifts_ms[] = {6, 4, 0.5, 0};
        enum { TRIALS = 200, MAXN = 2000 };
        double *a = calloc(MAXN, sizeof(*a)), *b = calloc(MAXN, sizeof(*b));
        size_t need[TRIALS];
        struct stats_options o;
        struct stats_rng rng;

        if (!a || !b)
                return 1;
        stats_options_default(&o);
        o.B = 2000;
        stats_rng_seed(&rng, 5);
        for (size_t s = 0; s < sizeof(shifts_ms) / sizeof(shifts_ms[0]); s++) {
                double shift = shifts_ms[s] * 1e6;
                size_t k = 0, n;
                int settled = 0, slower = 0;

                for (int t = 0; t < TRIALS; t++) {
                        struct stats_compare c;
                        fill_normal(a, 8, 100e6, 3e6, &rng);
                        fill_normal(b, 8, 100e6 + shift, 3e6, &rng);
                        if (stats_compare(a, 8, b, 8, &o, &c) < 0 ||
                            stats_compare_verdicts(&c, 1, &o) < 0)
                                return 1;
                        if (c.verdict == STATS_INCONCLUSIVE && c.runs_needed > 0)
                                need[k++] = c.runs_needed;
                }
                if (k == 0)
                        continue;
                qsort(need, k, sizeof(need[0]), cmp_size);
                n = need[k / 2] < MAXN ? need[k / 2] : MAXN;
                for (int t = 0; t < TRIALS; t++) {
                        struct stats_compare c;
                        fill_normal(a, n, 100e6, 3e6, &rng);
                        fill_normal(b, n, 100e6 + shift, 3e6, &rng);
                        if (stats_compare(a, n, b, n, &o, &c) < 0 ||
                            stats_compare_verdicts(&c, 1, &o) < 0)
                                return 1;
                        settled += c.verdict != STATS_INCONCLUSIVE;
                        slower += c.verdict == STATS_SLOWER;
                }
                printf(
                    "shift %.1f ms: %zu/%d inconclusive at 8 a side, median estimate %zu; at %zu "
                    "a side %d/%d settled (%d slower)\n",
                    shifts_ms[s], k, TRIALS, need[k / 2], n, settled, TRIALS, slower);
        }
        free(a);
        free(b);
        return 0;
}

static int parse_arg(int argc, char **argv, int *k, const char *name, size_t *out)
{
        uint64_t v;

        if (strcmp(argv[*k], name) != 0 || *k + 1 >= argc ||
            util_parse_u64(argv[*k + 1], 10, &v) != 0 || v == 0)
                return 0;
        *out = (size_t)v;
        (*k)++;
        return 1;
}

int main(int argc, char **argv)
{
        size_t runs = 5, metrics = 30, n = 50, B = STATS_BOOTSTRAP_B;
        enum { COMPARE, VERDICTS, TOTAL, AGGREGATE, NSTAGES };
        static const char *const stage_names[] = {"compare", "holm+verdicts", "total", "aggregate"};
        double *times[NSTAGES], *a, *b, *sorted;
        struct stats_compare *c;
        struct stats_options o;
        struct stats_rng rng;
        size_t verdicts[4] = {0};

        if (argc == 2 && strcmp(argv[1], "--runs-needed") == 0)
                return check_runs_needed();
        for (int k = 1; k < argc; k++) {
                if (!parse_arg(argc, argv, &k, "--runs", &runs) &&
                    !parse_arg(argc, argv, &k, "--metrics", &metrics) &&
                    !parse_arg(argc, argv, &k, "--samples", &n) &&
                    !parse_arg(argc, argv, &k, "--resamples", &B)) {
                        fprintf(stderr, "usage: bench_stats [--runs N] [--metrics N] "
                                        "[--samples N] [--resamples B] | --runs-needed\n");
                        return 2;
                }
        }
        a = calloc(metrics * n, sizeof(*a));
        b = calloc(metrics * n, sizeof(*b));
        sorted = calloc(n, sizeof(*sorted));
        c = calloc(metrics, sizeof(*c));
        for (int s = 0; s < NSTAGES; s++)
                times[s] = calloc(runs, sizeof(double));
        if (!a || !b || !sorted || !c || !times[0] || !times[1] || !times[2] || !times[3]) {
                fprintf(stderr, "bench_stats: out of memory\n");
                return 1;
        }
        stats_rng_seed(&rng, 2026);
        for (size_t m = 0; m < metrics; m++) {
                double median = 5e6 * pow(100, (double)m / (double)metrics);
                generate(a + m * n, n, median, 1, &rng);
                generate(b + m * n, n, median, m % 3 == 0 ? 1.08 : 1, &rng);
        }
        stats_options_default(&o);
        o.B = B;
        for (size_t r = 0; r < runs; r++) {
                uint64_t t0 = util_now_ns(), t1;

                o.seed = r;
                for (size_t m = 0; m < metrics; m++)
                        if (stats_compare(a + m * n, n, b + m * n, n, &o, &c[m]) < 0)
                                return 1;
                times[COMPARE][r] = ms_since(t0);
                t1 = util_now_ns();
                if (stats_compare_verdicts(c, metrics, &o) < 0)
                        return 1;
                times[VERDICTS][r] = ms_since(t1);
                times[TOTAL][r] = ms_since(t0);
                t1 = util_now_ns();
                for (size_t m = 0; m < 2 * metrics; m++) {
                        struct stats_summary sum;
                        struct stats_ci ci;
                        memcpy(sorted, (m < metrics ? a : b) + (m % metrics) * n,
                               n * sizeof(*sorted));
                        stats_sort(sorted, n);
                        if (stats_summary_sorted(sorted, n, &sum) < 0 ||
                            stats_median_ci_order(sorted, n, 0.95, &ci) < 0 ||
                            stats_median_ci_bootstrap(sorted, n, B, 0.95, r, &ci) < 0)
                                return 1;
                }
                times[AGGREGATE][r] = ms_since(t1);
        }
        for (size_t m = 0; m < metrics; m++)
                verdicts[c[m].verdict]++;
        printf("%zu metrics x %zu resamples x 2 sides of %zu runs; verdicts: %zu slower, %zu "
               "faster, %zu same, %zu inconclusive\n",
               metrics, B, n, verdicts[STATS_SLOWER], verdicts[STATS_FASTER], verdicts[STATS_SAME],
               verdicts[STATS_INCONCLUSIVE]);
        printf("%zu repetitions (ms: min / median / max)\n", runs);
        for (int s = 0; s < NSTAGES; s++) {
                qsort(times[s], runs, sizeof(double), cmp_double);
                printf("  %-16s %9.2f %9.2f %9.2f%s\n", stage_names[s], times[s][0],
                       times[s][runs / 2], times[s][runs - 1],
                       s == AGGREGATE ? "   (summary + both CIs of each side's median)" : "");
                free(times[s]);
        }
        free(a);
        free(b);
        free(sorted);
        free(c);
        return 0;
}
