/* Unit tests of the statistics (analyzer/stats.c) on cases worked by hand;
 * tests/cli/stats_scipy.sh checks the same functions against numpy/SciPy. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "analyzer/stats.h"

#define MS 1e6 /* ns */

static void test_stats_quantile_type7_edges(void **state)
{
        const double one[] = {7}, two[] = {1, 3}, ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

        assert_true(isnan(stats_quantile_sorted(one, 0, 0.5)));
        assert_true(isnan(stats_quantile_sorted(two, 2, -0.1)));
        assert_true(isnan(stats_quantile_sorted(two, 2, 1.1)));
        assert_true(isnan(stats_quantile_sorted(two, 2, NAN)));
        assert_true(stats_quantile_sorted(one, 1, 0) == 7);
        assert_true(stats_quantile_sorted(one, 1, 1) == 7);
        assert_true(stats_quantile_sorted(two, 2, 0.5) == 2);
        assert_true(stats_quantile_sorted(two, 2, 0.25) == 1.5);
        assert_true(stats_quantile_sorted(two, 2, 1) == 3);
        /* h = 9p: 0.1 -> 0.9 -> 1.9; 0.25 -> 2.25 -> 3.25 */
        assert_float_equal(stats_quantile_sorted(ten, 10, 0.1), 1.9, 1e-15);
        assert_float_equal(stats_quantile_sorted(ten, 10, 0.25), 3.25, 1e-15);
        assert_float_equal(stats_quantile_sorted(ten, 10, 0.5), 5.5, 1e-15);
        assert_float_equal(stats_quantile_sorted(ten, 10, 0.9), 9.1, 1e-15);
}

static void test_stats_summary_of_unsorted_input(void **state)
{
        const double x[] = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
        struct stats_summary s;

        assert_int_equal(stats_summary(x, 10, &s), 0);
        assert_int_equal(s.n, 10);
        assert_float_equal(s.median, 5.5, 1e-15);
        assert_float_equal(s.q25, 3.25, 1e-15);
        assert_float_equal(s.q75, 7.75, 1e-15);
        assert_float_equal(s.p10, 1.9, 1e-15);
        assert_float_equal(s.p90, 9.1, 1e-15);
        assert_true(s.min == 1 && s.max == 10);
        assert_true(x[0] == 10); /* left untouched */
}

static void test_stats_summary_of_zero_one_and_equal_values(void **state)
{
        const double one[] = {42}, same[] = {5, 5, 5, 5};
        struct stats_summary s;

        assert_int_equal(stats_summary(one, 0, &s), -EINVAL);
        assert_int_equal(s.n, 0);
        assert_int_equal(stats_summary(one, 1, &s), 0);
        assert_true(s.n == 1 && s.median == 42 && s.q25 == 42 && s.q75 == 42 && s.p10 == 42 &&
                    s.p90 == 42 && s.min == 42 && s.max == 42);
        assert_int_equal(stats_summary(same, 4, &s), 0);
        assert_true(s.median == 5 && s.q25 == 5 && s.p90 == 5);
}

/* 1.4826 MAD; with MAD 0, 1.2533 times the mean absolute deviation; 0
 * when all are equal; n = 0 refused. */
static void test_stats_robust_sigma_is_the_mad_else_the_mean_ad(void **state)
{
        const double x[] = {4, 1, 100, 3, 2}; /* median 3, deviations 1 2 97 0 1: MAD 1 */
        const double y[] = {5, 5, 5, 5, 9};   /* MAD 0, mean AD 0.8 */
        const double z[] = {7, 7, 7};
        double sigma = -1;

        (void)state;
        assert_int_equal(stats_robust_sigma(x, 5, &sigma), 0);
        assert_float_equal(sigma, 1.4826, 1e-12);
        assert_int_equal(stats_robust_sigma(y, 5, &sigma), 0);
        assert_float_equal(sigma, 1.2533141373155002512 * 0.8, 1e-12);
        assert_int_equal(stats_robust_sigma(z, 3, &sigma), 0);
        assert_float_equal(sigma, 0, 0);
        assert_int_equal(stats_robust_sigma(x, 0, &sigma), -EINVAL);
}

static void test_stats_outliers_flags_with_the_mad(void **state)
{
        /* median 12.5, |x - m| = 2.5 1.5 .5 .5 1.5 87.5, MAD 1.5 */
        const double x[] = {10, 11, 12, 13, 14, 100};
        bool flag[6];
        double z[6];

        assert_int_equal(stats_outliers(x, 6, flag, z), 1);
        assert_true(flag[5]);
        for (int i = 0; i < 5; i++)
                assert_false(flag[i]);
        assert_float_equal(z[5], 0.6745 * 87.5 / 1.5, 1e-12);
        assert_float_equal(z[0], -0.6745 * 2.5 / 1.5, 1e-12);
}

static void test_stats_outliers_when_the_mad_is_zero(void **state)
{
        /* median 1, MAD 0, meanAD (1 + 99) / 7: 100 is out, 2 is not */
        const double x[] = {1, 1, 100, 1, 1, 2, 1};
        const double same[] = {3, 3, 3};
        bool flag[7];
        double z[7];

        assert_int_equal(stats_outliers(x, 7, flag, z), 1);
        assert_true(flag[2]);
        assert_false(flag[5]);
        assert_float_equal(z[2], 99 / (1.2533141373155 * 100 / 7), 1e-9);
        /* all equal: nothing is an outlier, z = 0 */
        assert_int_equal(stats_outliers(same, 3, flag, z), 0);
        assert_true(z[0] == 0 && z[1] == 0 && z[2] == 0);
        /* n = 0 and n = 1 */
        assert_int_equal(stats_outliers(same, 0, flag, NULL), 0);
        assert_int_equal(stats_outliers(same, 1, flag, NULL), 0);
        assert_false(flag[0]);
}

static void test_stats_median_ci_order_exact_binomial(void **state)
{
        const double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        struct stats_ci ci;

        assert_int_equal(stats_median_ci_order(x, 0, 0.95, &ci), -EINVAL);
        assert_int_equal(stats_median_ci_order(x, 5, 1, &ci), -EINVAL);
        /* n = 1: [x, x], no coverage at all */
        assert_int_equal(stats_median_ci_order(x, 1, 0.95, &ci), 0);
        assert_true(ci.lo == 1 && ci.hi == 1 && ci.coverage == 0);
        /* n = 5: no 95% interval; [min, max] covers 1 - 2/32 */
        assert_int_equal(stats_median_ci_order(x, 5, 0.95, &ci), 0);
        assert_true(ci.lo_rank == 1 && ci.hi_rank == 5 && ci.lo == 1 && ci.hi == 5);
        assert_float_equal(ci.coverage, 0.9375, 1e-15);
        /* n = 6: [x(1), x(6)] covers 1 - 2/64 */
        assert_int_equal(stats_median_ci_order(x, 6, 0.95, &ci), 0);
        assert_true(ci.lo_rank == 1 && ci.hi_rank == 6);
        assert_float_equal(ci.coverage, 0.96875, 1e-15);
        /* n = 10: [x(2), x(9)] covers 1 - 2 (1 + 10) / 1024 */
        assert_int_equal(stats_median_ci_order(x, 10, 0.95, &ci), 0);
        assert_true(ci.lo_rank == 2 && ci.hi_rank == 9 && ci.lo == 2 && ci.hi == 9);
        assert_float_equal(ci.coverage, 1 - 22.0 / 1024, 1e-15);
}

static void test_stats_bootstrap_edges_and_seed(void **state)
{
        const double one[] = {4}, two[] = {1, 3}, same[] = {2, 2, 2, 2};
        double x[50];
        struct stats_ci a, b, c;

        assert_int_equal(stats_median_ci_bootstrap(one, 0, 100, 0.95, 1, &a), -EINVAL);
        assert_int_equal(stats_median_ci_bootstrap(one, 1, 0, 0.95, 1, &a), -EINVAL);
        assert_int_equal(stats_median_ci_bootstrap(one, 1, 100, 0, 1, &a), -EINVAL);
        assert_int_equal(stats_median_ci_bootstrap(one, 1, 100, 0.95, 1, &a), 0);
        assert_true(a.lo == 4 && a.hi == 4);
        assert_int_equal(stats_median_ci_bootstrap(same, 4, 1000, 0.95, 1, &a), 0);
        assert_true(a.lo == 2 && a.hi == 2);
        /* medians of {1,3} resamples: 1, 2, 3 with odds 1/4, 1/2, 1/4 */
        assert_int_equal(stats_median_ci_bootstrap(two, 2, 10000, 0.95, 7, &a), 0);
        assert_true(a.lo == 1 && a.hi == 3);
        for (int i = 0; i < 50; i++)
                x[i] = 100 * MS + (double)((i * 37) % 50) * 0.1 * MS;
        stats_sort(x, 50);
        assert_int_equal(stats_median_ci_bootstrap(x, 50, 10000, 0.95, 42, &a), 0);
        assert_int_equal(stats_median_ci_bootstrap(x, 50, 10000, 0.95, 42, &b), 0);
        assert_memory_equal(&a, &b, sizeof(a));
        assert_true(a.lo <= 102.45 * MS && a.hi >= 102.45 * MS && a.lo < a.hi);
        assert_int_equal(stats_median_ci_bootstrap(x, 50, 10000, 0.95, 43, &c), 0);
        assert_true(c.lo <= 102.45 * MS && c.hi >= 102.45 * MS);
        /* the difference of a sample with itself is centred on 0 */
        assert_int_equal(stats_median_diff_ci_bootstrap(x, 50, x, 50, 10000, 0.95, 1, &a), 0);
        assert_true(a.lo < 0 && a.hi > 0);
        assert_int_equal(stats_median_diff_ci_bootstrap(same, 4, same, 4, 100, 0.95, 1, &a), 0);
        assert_true(a.lo == 0 && a.hi == 0);
        assert_int_equal(stats_median_diff_ci_bootstrap(same, 4, NULL, 4, 100, 0.95, 1, &a),
                         -EINVAL);
}

static void test_stats_mwu_small_exact_and_edges(void **state)
{
        const double a[] = {1, 2, 3}, b[] = {4, 5, 6, 7}, same[] = {5, 5, 5};
        double big[40], big2[40];
        struct stats_mwu r;

        assert_int_equal(stats_mwu(a, 0, b, 4, STATS_MWU_AUTO, &r), -EINVAL);
        assert_int_equal(stats_mwu(a, 3, b, 0, STATS_MWU_AUTO, &r), -EINVAL);
        /* complete separation: 2 / C(7, 3) */
        assert_int_equal(stats_mwu(a, 3, b, 4, STATS_MWU_AUTO, &r), 0);
        assert_true(r.exact && !r.ties && r.u == 0);
        assert_float_equal(r.p, 2.0 / 35, 1e-15);
        assert_int_equal(stats_mwu(b, 4, a, 3, STATS_MWU_AUTO, &r), 0);
        assert_true(r.u == 12);
        assert_float_equal(r.p, 2.0 / 35, 1e-15);
        /* n = 1 a side: p = 1 */
        assert_int_equal(stats_mwu(a, 1, b, 1, STATS_MWU_AUTO, &r), 0);
        assert_true(r.exact && r.p == 1);
        /* every value equal: no evidence, p = 1 (s = 0) */
        assert_int_equal(stats_mwu(same, 3, same, 3, STATS_MWU_AUTO, &r), 0);
        assert_true(!r.exact && r.ties && r.u == 4.5 && r.p == 1);
        /* exact forced past 2^63 arrangements */
        for (int i = 0; i < 40; i++) {
                big[i] = i;
                big2[i] = i + 0.5;
        }
        assert_int_equal(stats_mwu(big, 40, big2, 40, STATS_MWU_EXACT, &r), -ERANGE);
        assert_int_equal(stats_mwu(big, 40, big2, 40, STATS_MWU_AUTO, &r), 0);
        assert_false(r.exact);
        assert_true(r.p > 0.5 && r.p <= 1);
}

static void test_stats_holm_known_set(void **state)
{
        const double p[] = {0.01, 0.04, 0.03, 0.005};
        const double bad[] = {0.1, 1.5};
        double adj[4], nan_p[1] = {NAN};

        /* sorted .005 .01 .03 .04 times 4 3 2 1: .02 .03 .06 .04 -> .06 */
        assert_int_equal(stats_holm(p, 4, adj), 0);
        assert_float_equal(adj[3], 0.02, 1e-15);
        assert_float_equal(adj[0], 0.03, 1e-15);
        assert_float_equal(adj[2], 0.06, 1e-15);
        assert_float_equal(adj[1], 0.06, 1e-15);
        assert_int_equal(stats_holm(p, 0, adj), 0);
        assert_int_equal(stats_holm(bad, 2, adj), -EINVAL);
        assert_int_equal(stats_holm(nan_p, 1, adj), -EINVAL);
        /* capped at 1, in place */
        adj[0] = 0.6;
        adj[1] = 0.7;
        assert_int_equal(stats_holm(adj, 2, adj), 0);
        assert_true(adj[0] == 1 && adj[1] == 1);
}

/* n values around centre with a deterministic spread of +-width/2. */
static void fill(double *x, size_t n, double centre, double width, unsigned salt)
{
        for (size_t i = 0; i < n; i++)
                x[i] = centre + width * ((double)((i * 7919 + salt * 104729) % 1000) / 1000 - 0.5);
}

static void test_stats_compare_verdicts(void **state)
{
        enum { N = 30 };
        double base[N], slower[N], faster[N], aa[N], tiny[N], noisy_a[5], noisy_b[5];
        struct stats_compare c[5];
        struct stats_options o;

        stats_options_default(&o);
        o.seed = 11;
        fill(base, N, 100 * MS, 2 * MS, 1);
        fill(slower, N, 110 * MS, 2 * MS, 2);
        fill(faster, N, 90 * MS, 2 * MS, 3);
        fill(aa, N, 100 * MS, 2 * MS, 4);
        fill(tiny, N, 100.3 * MS, 0.1 * MS, 5); /* significant, below 2 ms (2%) */
        fill(noisy_a, 5, 100 * MS, 30 * MS, 6);
        fill(noisy_b, 5, 103 * MS, 30 * MS, 7);
        assert_int_equal(stats_compare(base, N, slower, N, &o, &c[0]), 0);
        assert_int_equal(stats_compare(base, N, faster, N, &o, &c[1]), 0);
        assert_int_equal(stats_compare(base, N, aa, N, &o, &c[2]), 0);
        assert_int_equal(stats_compare(base, N, tiny, N, &o, &c[3]), 0);
        assert_int_equal(stats_compare(noisy_a, 5, noisy_b, 5, &o, &c[4]), 0);
        assert_int_equal(stats_compare_verdicts(c, 5, &o), 0);

        assert_int_equal(c[0].verdict, STATS_SLOWER);
        assert_true(c[0].diff > 9 * MS && c[0].ci.lo > 0 && c[0].p_holm < 0.01);
        assert_float_equal(c[0].threshold, 0.02 * c[0].median_a, 1e-6);
        assert_int_equal(c[1].verdict, STATS_FASTER);
        assert_int_equal(c[2].verdict, STATS_SAME);
        assert_int_equal(c[3].verdict, STATS_SAME);
        assert_int_equal(c[4].verdict, STATS_INCONCLUSIVE);
        assert_true(c[4].runs_needed > 5);
        assert_int_equal(c[0].runs_needed, 0);
        assert_string_equal(stats_verdict_name(c[4].verdict), "inconclusive");
        assert_string_equal(stats_verdict_name(STATS_SLOWER), "slower");
        assert_float_equal(c[0].rel, c[0].diff / c[0].median_a, 1e-12);

        /* a function absent from the base (0 there): no ratio, not +0.0% */
        {
                double zero[N] = {0};
                struct stats_compare z;

                assert_int_equal(stats_compare(zero, N, slower, N, &o, &z), 0);
                assert_true(z.median_a == 0 && z.diff > 100 * MS);
                assert_true(isnan(z.rel));
        }

        /* same seed, same answer; bad options refused */
        assert_int_equal(stats_compare(base, N, slower, N, &o, &c[1]), 0);
        assert_true(c[1].ci.lo == c[0].ci.lo && c[1].ci.hi == c[0].ci.hi);
        o.alpha = 0;
        assert_int_equal(stats_compare(base, N, slower, N, &o, &c[1]), -EINVAL);
        assert_int_equal(stats_compare_verdicts(c, 1, &o), -EINVAL);
        stats_options_default(&o);
        assert_int_equal(stats_compare(base, 0, slower, N, &o, &c[1]), -EINVAL);
        assert_int_equal(stats_compare_verdicts(c, 0, &o), 0);
}

static void test_stats_compare_of_single_runs(void **state)
{
        const double a[] = {100 * MS}, b[] = {150 * MS};
        struct stats_compare c;
        struct stats_options o;

        stats_options_default(&o);
        assert_int_equal(stats_compare(a, 1, b, 1, &o, &c), 0);
        assert_true(c.diff == 50 * MS && c.ci.lo == 50 * MS && c.ci.hi == 50 * MS);
        assert_int_equal(stats_compare_verdicts(&c, 1, &o), 0);
        /* p = 1 with one run a side: never significant, no spread to size */
        assert_int_equal(c.verdict, STATS_INCONCLUSIVE);
        assert_int_equal(c.runs_needed, 0);
}

/* docs/statistics.md: fewer than 2 runs on either side is inconclusive,
 * even where the CI of the difference lies inside +-T (it would say
 * "same" from the other side's spread alone). */
static void test_stats_compare_one_run_is_never_same(void **state)
{
        enum { N = 30 };
        const double one[] = {100 * MS}, same_one[] = {100 * MS};
        double many[N];
        struct stats_compare c[3];
        struct stats_options o;

        stats_options_default(&o);
        o.seed = 5;
        fill(many, N, 100 * MS, 1 * MS, 8);
        assert_int_equal(stats_compare(one, 1, many, N, &o, &c[0]), 0);
        assert_int_equal(stats_compare(many, N, one, 1, &o, &c[1]), 0);
        assert_int_equal(stats_compare(one, 1, same_one, 1, &o, &c[2]), 0);
        /* the CIs alone would say "same" */
        for (size_t i = 0; i < 3; i++)
                assert_true(-2 * MS <= c[i].ci.lo && c[i].ci.hi <= 2 * MS);
        assert_int_equal(stats_compare_verdicts(c, 3, &o), 0);
        for (size_t i = 0; i < 3; i++)
                assert_int_equal(c[i].verdict, STATS_INCONCLUSIVE);
        /* the one-run side borrows the other's spread for the estimate */
        assert_true(c[0].runs_needed > N && c[1].runs_needed > N);
        assert_int_equal(c[2].runs_needed, 0); /* no spread anywhere */
        /* with 2 runs a side "same" is possible again */
        assert_int_equal(stats_compare(many, 2, many + 2, 2, &o, &c[0]), 0);
        assert_int_equal(stats_compare_verdicts(c, 1, &o), 0);
        assert_int_equal(c[0].verdict, STATS_SAME);
}

static void test_stats_normal_tail_and_inverse(void **state)
{
        assert_float_equal(stats_norm_isf(0.025), 1.959963984540054, 1e-12);
        assert_float_equal(stats_norm_isf(0.2), 0.8416212335729143, 1e-12);
        assert_float_equal(stats_norm_isf(1e-10), 6.361340902404056, 1e-9);
        assert_float_equal(stats_norm_sf(1.959963984540054), 0.025, 1e-15);
        assert_true(isnan(stats_norm_isf(0)) && isnan(stats_norm_isf(1)));
}

static void test_stats_rng_is_splitmix_seeded_xoshiro(void **state)
{
        struct stats_rng r, s;
        unsigned hist[10] = {0};

        /* splitmix64's first output from 0 is 0xe220a8397b1dcdaf */
        stats_rng_seed(&r, 0);
        assert_true(r.s[0] == 0xe220a8397b1dcdafULL);
        stats_rng_seed(&s, 0);
        for (int i = 0; i < 1000; i++)
                assert_true(stats_rng_next(&r) == stats_rng_next(&s));
        for (int i = 0; i < 100000; i++) {
                uint64_t v = stats_rng_below(&r, 10);
                assert_true(v < 10);
                hist[v]++;
        }
        for (int i = 0; i < 10; i++)
                assert_true(hist[i] > 9500 && hist[i] < 10500);
        assert_true(stats_rng_below(&r, 1) == 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stats_quantile_type7_edges),
            cmocka_unit_test(test_stats_summary_of_unsorted_input),
            cmocka_unit_test(test_stats_summary_of_zero_one_and_equal_values),
            cmocka_unit_test(test_stats_robust_sigma_is_the_mad_else_the_mean_ad),
            cmocka_unit_test(test_stats_outliers_flags_with_the_mad),
            cmocka_unit_test(test_stats_outliers_when_the_mad_is_zero),
            cmocka_unit_test(test_stats_median_ci_order_exact_binomial),
            cmocka_unit_test(test_stats_bootstrap_edges_and_seed),
            cmocka_unit_test(test_stats_mwu_small_exact_and_edges),
            cmocka_unit_test(test_stats_holm_known_set),
            cmocka_unit_test(test_stats_compare_verdicts),
            cmocka_unit_test(test_stats_compare_of_single_runs),
            cmocka_unit_test(test_stats_compare_one_run_is_never_same),
            cmocka_unit_test(test_stats_normal_tail_and_inverse),
            cmocka_unit_test(test_stats_rng_is_splitmix_seeded_xoshiro),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
