/*
 * bench_compare: how long "bootlens compare" takes once the runs are
 * analysed: its compare path (analyzer/compare.h: compare_add of every
 * metric, compare_evaluate, i.e. stats_compare with its bootstrap CI and
 * U test per metric, then Holm and the verdicts, and compare_order for
 * the reports).
 *
 * Input generator: METRICS metrics of two sides of RUNS runs each, in ns:
 * metric k's base median 5 ms + k * 15 ms, each run uniform within +-10%
 * of it, rounded to 10 us (ties occur, as with real clocks); NEW 8%
 * slower on every third metric. Seeded: the same input every time.
 * The target (issue 11): 30 metrics x 10,000 resamples x 2 sides of 50
 * runs in under 1 s. Prints MIN MEDIAN MAX over the repetitions.
 *
 *   bench_compare [--runs N] [--metrics N] [--resamples B] [--reps N]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/compare.h"
#include "base/util.h"

static void generate(double *x, size_t n, double median, struct stats_rng *r)
{
        for (size_t i = 0; i < n; i++) {
                double u = (double)stats_rng_below(r, 1000001) / 1e6; /* [0, 1] */

                x[i] = (double)(long long)(median * (0.9 + 0.2 * u) / 1e4) * 1e4;
        }
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static int arg_size(const char *s, size_t *v)
{
        uint64_t u;

        if (util_parse_u64(s, 10, &u) < 0 || u == 0 || u > 10000000)
                return -EINVAL;
        *v = (size_t)u;
        return 0;
}

int main(int argc, char **argv)
{
        size_t runs = 50, metrics = 30, B = STATS_BOOTSTRAP_B, reps = 7;
        struct stats_options o;
        struct stats_rng rng;
        double *a, *b, *ms;
        size_t *order;
        int rc = 0;

        for (int i = 1; i < argc; i++) {
                size_t *dst = strcmp(argv[i], "--runs") == 0        ? &runs
                              : strcmp(argv[i], "--metrics") == 0   ? &metrics
                              : strcmp(argv[i], "--resamples") == 0 ? &B
                              : strcmp(argv[i], "--reps") == 0      ? &reps
                                                                    : NULL;

                if (!dst || i + 1 >= argc || arg_size(argv[++i], dst) < 0) {
                        fprintf(stderr, "usage: bench_compare [--runs N] [--metrics N] "
                                        "[--resamples B] [--reps N]\n");
                        return 2;
                }
        }
        stats_options_default(&o);
        o.B = B;
        a = malloc(metrics * runs * sizeof(*a));
        b = malloc(metrics * runs * sizeof(*b));
        ms = malloc(reps * sizeof(*ms));
        order = malloc(metrics * sizeof(*order));
        if (!a || !b || !ms || !order) {
                fprintf(stderr, "bench_compare: out of memory\n");
                return 2;
        }
        stats_rng_seed(&rng, 11);
        for (size_t k = 0; k < metrics; k++) {
                double med = 5e6 + (double)k * 15e6;

                generate(a + k * runs, runs, med, &rng);
                generate(b + k * runs, runs, k % 3 == 0 ? med * 1.08 : med, &rng);
        }
        for (size_t r = 0; r < reps && rc == 0; r++) {
                struct compare c = {0};
                uint64_t t0 = util_now_ns();
                char name[32];

                for (size_t k = 0; k < metrics && rc == 0; k++) {
                        snprintf(name, sizeof(name), "m%zu", k);
                        rc = compare_add(&c, k ? COMPARE_FN : COMPARE_TOTAL, name, NULL,
                                         a + k * runs, runs, runs, b + k * runs, runs, runs);
                }
                if (rc == 0)
                        rc = compare_evaluate(&c, &o);
                if (rc == 0)
                        rc = compare_order(&c, order);
                ms[r] = (double)(util_now_ns() - t0) / 1e6;
                if (rc == 0 && r == 0)
                        printf("verdicts: %zu slower, %zu faster, %zu same, %zu inconclusive\n",
                               c.verdicts[STATS_SLOWER], c.verdicts[STATS_FASTER],
                               c.verdicts[STATS_SAME], c.verdicts[STATS_INCONCLUSIVE]);
                compare_free(&c);
        }
        if (rc < 0) {
                fprintf(stderr, "bench_compare: %s\n", strerror(-rc));
                return 2;
        }
        qsort(ms, reps, sizeof(*ms), cmp_double);
        printf("compare: %zu metrics x %zu resamples x 2 sides of %zu runs, %zu reps: "
               "MIN %.1f ms MEDIAN %.1f ms MAX %.1f ms (target < 1000 ms)\n",
               metrics, B, runs, reps, ms[0], ms[reps / 2], ms[reps - 1]);
        rc = ms[reps / 2] < 1000 ? 0 : 1;
        free(a);
        free(b);
        free(ms);
        free(order);
        return rc;
}
