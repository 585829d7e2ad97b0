/* Unit tests of the change points of a series (analyzer/changepoint.c):
 * PELT against optimal partitioning, then cp_detect on series shaped like
 * a history's point medians (ns, ~3 s, ~1 ms of noise). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analyzer/changepoint.h"
#include "analyzer/stats.h"

#define MS    1e6 /* ns */
#define LEVEL 3e9 /* a 3 s boot */

/* A standard normal from the stats PRNG (Box-Muller). */
static double gauss(struct stats_rng *r)
{
        double u = ((double)(stats_rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
        double v = (double)(stats_rng_next(r) >> 11) / 9007199254740992.0;

        return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* x[i] = LEVEL + sd * noise, plus step from index at on. */
static void noise(double *x, size_t n, double sd, uint64_t seed)
{
        struct stats_rng r;

        stats_rng_seed(&r, seed);
        for (size_t i = 0; i < n; i++)
                x[i] = LEVEL + sd * gauss(&r);
}

static void add_step(double *x, size_t n, size_t at, double step)
{
        for (size_t i = at; i < n; i++)
                x[i] += step;
}

/* The defaults without the relative minimum effect (2% of 3 s, 60 ms,
 * would drop every step of these tests; it has its own below). */
static void options(struct cp_options *o)
{
        cp_options_default(o);
        o->min_rel = 0;
}

static void assert_same_partition(const double *x, size_t n, double sigma, double beta,
                                  size_t min_seg)
{
        size_t *a = NULL, *b = NULL, *f = NULL, na = 0, nb = 0, nf = 0;

        assert_int_equal(cp_pelt(x, n, sigma, beta, min_seg, &a, &na), 0);
        assert_int_equal(cp_op(x, n, sigma, beta, min_seg, &b, &nb), 0);
        assert_int_equal(cp_fpop(x, n, sigma, beta, min_seg, &f, &nf), 0);
        if (na != nb || nf != nb || (na && memcmp(a, b, na * sizeof(*a))) ||
            (nf && memcmp(f, b, nf * sizeof(*f)))) {
                fprintf(stderr,
                        "n %zu sigma %g beta %g min_seg %zu: pelt %zu changes, fpop %zu, op %zu\n",
                        n, sigma, beta, min_seg, na, nf, nb);
                fail();
        }
        for (size_t i = 0; i < na; i++) {
                assert_true(a[i] >= min_seg && a[i] + min_seg <= n);
                assert_true(i == 0 || a[i] - a[i - 1] >= min_seg);
        }
        free(a);
        free(b);
        free(f);
}

static void test_cp_pelt_and_fpop_give_the_partition_of_optimal_partitioning(void **state)
{
        static const size_t min_segs[] = {1, 2, 3, 5};
        static const double betas[] = {0.5, 1, 2, 4}; /* times ln n */
        struct stats_rng r;
        double x[160];

        (void)state;
        stats_rng_seed(&r, 14);
        for (unsigned k = 0; k < 400; k++) {
                size_t n = 8 + stats_rng_below(&r, 150), nsteps = stats_rng_below(&r, 4);
                size_t min_seg = min_segs[k % 4];
                double beta = betas[(k / 4) % 4] * log((double)n);

                noise(x, n, MS, 1000 + k);
                for (size_t j = 0; j < nsteps; j++)
                        add_step(x, n, stats_rng_below(&r, n),
                                 ((double)stats_rng_below(&r, 9) - 4) * MS);
                assert_same_partition(x, n, MS, beta, min_seg);
        }
        /* longer series, and values rounded to a tenth of sigma (ties) */
        for (unsigned k = 0; k < 40; k++) {
                static double y[1000];
                size_t n = k % 2 ? 1000 : 400, nsteps = k % 5;

                noise(y, n, MS, 5000 + k);
                for (size_t j = 0; j < nsteps; j++)
                        add_step(y, n, stats_rng_below(&r, n), 3 * MS);
                if (k % 4 == 3)
                        for (size_t i = 0; i < n; i++)
                                y[i] = round(y[i] / (0.1 * MS)) * 0.1 * MS;
                assert_same_partition(y, n, MS, betas[k % 4] * log((double)n), min_segs[k % 4]);
        }
        /* beta 0: every split that lowers the cost at all */
        noise(x, 60, MS, 7);
        assert_same_partition(x, 60, MS, 0, 3);
}

/* The penalised cost of the partition of x[0..n) whose changes are the set
 * bits of mask (bit i: a change at i), computed directly: two passes per
 * segment, no cumulative sums; INFINITY when a segment is shorter than
 * min_seg. */
static double brute_cost(const double *x, size_t n, unsigned mask, double sigma, double beta,
                         size_t min_seg)
{
        double total = 0;
        size_t lo = 0;

        for (size_t hi = 1; hi <= n; hi++) {
                double mean = 0;

                if (hi < n && !(mask & (1u << hi)))
                        continue;
                if (hi - lo < min_seg)
                        return INFINITY;
                for (size_t i = lo; i < hi; i++)
                        mean += x[i] / (double)(hi - lo);
                for (size_t i = lo; i < hi; i++)
                        total += (x[i] - mean) * (x[i] - mean) / (sigma * sigma);
                if (hi < n)
                        total += beta;
                lo = hi;
        }
        return total;
}

static void test_cp_op_is_the_optimum_of_every_partition(void **state)
{
        struct stats_rng r;
        double x[14];

        (void)state;
        stats_rng_seed(&r, 15);
        for (unsigned k = 0; k < 60; k++) {
                size_t n = 6 + stats_rng_below(&r, 9), min_seg = 1 + k % 3, *at = NULL, nat = 0;
                double beta = (0.5 + k % 4) * log((double)n), best = INFINITY, got;
                unsigned mask = 0;

                noise(x, n, MS, 3000 + k);
                add_step(x, n, stats_rng_below(&r, n), 4 * MS);
                for (unsigned m = 0; m < 1u << n; m += 2) { /* bit 0: no change at 0 */
                        double c = brute_cost(x, n, m, MS, beta, min_seg);

                        if (c < best)
                                best = c;
                }
                assert_int_equal(cp_op(x, n, MS, beta, min_seg, &at, &nat), 0);
                for (size_t i = 0; i < nat; i++)
                        mask |= 1u << at[i];
                got = brute_cost(x, n, mask, MS, beta, min_seg);
                assert_true(fabs(got - best) <= 1e-9 * fmax(1, fabs(best)));
                free(at);
        }
}

static void test_cp_pelt_finds_nothing_below_two_segments(void **state)
{
        double x[4] = {1, 1, 100, 100};
        size_t *at = (size_t *)1, nat = 9;

        (void)state;
        assert_int_equal(cp_pelt(x, 3, 1, 1, 2, &at, &nat), 0);
        assert_null(at);
        assert_int_equal(nat, 0);
        assert_int_equal(cp_pelt(x, 4, 1, 1, 2, &at, &nat), 0);
        assert_int_equal(nat, 1);
        assert_int_equal(at[0], 2);
        free(at);
}

static void test_cp_pelt_and_op_refuse_bad_arguments(void **state)
{
        double x[6] = {1, 2, 3, NAN, 5, 6};
        size_t *at, nat;

        (void)state;
        assert_int_equal(cp_pelt(x, 6, 1, 1, 1, &at, &nat), -EINVAL);
        assert_int_equal(cp_op(x, 6, 1, 1, 1, &at, &nat), -EINVAL);
        x[3] = INFINITY;
        assert_int_equal(cp_pelt(x, 6, 1, 1, 1, &at, &nat), -EINVAL);
        x[3] = 4;
        assert_int_equal(cp_pelt(x, 6, 0, 1, 1, &at, &nat), -EINVAL);  /* sigma */
        assert_int_equal(cp_pelt(x, 6, 1, -1, 1, &at, &nat), -EINVAL); /* beta */
        assert_int_equal(cp_op(x, 6, 1, 1, 0, &at, &nat), -EINVAL);    /* min_seg */
        assert_int_equal(cp_pelt(x, 6, 1, 1, 1, NULL, &nat), -EINVAL);
}

static void test_cp_sigma_diff_estimates_the_noise_despite_steps(void **state)
{
        double *x = malloc(2000 * sizeof(*x));
        double two[2] = {5, 9};

        (void)state;
        assert_non_null(x);
        noise(x, 2000, 2 * MS, 3);
        add_step(x, 2000, 500, 50 * MS);
        add_step(x, 2000, 1500, -80 * MS);
        assert_true(fabs(cp_sigma_diff(x, 2000) - 2 * MS) < 0.1 * 2 * MS);
        /* a step every 6 points, 20 sigma each: a sixth of the differences */
        noise(x, 60, 2 * MS, 4);
        for (size_t at = 6; at < 60; at += 6)
                add_step(x, 60, at, 40 * MS);
        assert_true(fabs(cp_sigma_diff(x, 60) - 2 * MS) < 0.25 * 2 * MS);
        /* most differences 0 (a coarse clock): the mean AD stands in for the MAD */
        for (size_t i = 0; i < 40; i++)
                x[i] = i % 4 == 3 ? 1 : 0;
        assert_true(cp_sigma_diff(x, 40) > 0.3 && cp_sigma_diff(x, 40) < 1);
        assert_true(cp_sigma_diff(x, 1) == 0);
        assert_true(cp_sigma_diff(two, 2) == 0); /* one difference: MAD 0 */
        x[7] = NAN;
        assert_true(isnan(cp_sigma_diff(x, 2000)));
        free(x);
}

static void test_cp_detect_finds_one_step_at_its_index(void **state)
{
        struct cp_options o;
        struct cp_result r;
        double x[40];

        (void)state;
        options(&o);
        noise(x, 40, MS, 21);
        add_step(x, 40, 20, 6 * MS);
        assert_int_equal(cp_detect(x, 40, &o, &r), 0);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.at[0], 20);
        assert_int_equal(r.ndropped, 0);
        assert_true(r.sigma > 0.7 * MS && r.sigma < 1.4 * MS);
        assert_true(fabs(r.beta - CP_PENALTY_DEFAULT * log(40.0)) < 1e-12);
        cp_result_free(&r);
        cp_result_free(&r); /* zeroed: fine */
}

static void test_cp_detect_finds_two_steps(void **state)
{
        struct cp_options o;
        struct cp_result r;
        double x[60];

        (void)state;
        options(&o);
        noise(x, 60, MS, 22);
        add_step(x, 60, 18, 7 * MS);
        add_step(x, 60, 41, -5 * MS);
        assert_int_equal(cp_detect(x, 60, &o, &r), 0);
        assert_int_equal(r.n, 2);
        assert_int_equal(r.at[0], 18);
        assert_int_equal(r.at[1], 41);
        cp_result_free(&r);
}

static void test_cp_detect_constant_series_uses_the_floor_and_finds_none(void **state)
{
        struct cp_options o;
        struct cp_result r;
        double x[30];

        (void)state;
        cp_options_default(&o);
        for (size_t i = 0; i < 30; i++)
                x[i] = LEVEL;
        assert_int_equal(cp_detect(x, 30, &o, &r), 0);
        assert_int_equal(r.n, 0);
        assert_null(r.at);
        assert_true(r.sigma == o.sigma_floor);
        cp_result_free(&r);

        /* no floor either: a constant series still has no change */
        o.sigma_floor = 0;
        assert_int_equal(cp_detect(x, 30, &o, &r), 0);
        assert_int_equal(r.n, 0);
        cp_result_free(&r);

        /* deterministic with one step (-icount): found, on the floor's sigma */
        options(&o);
        add_step(x, 30, 12, 2 * MS);
        assert_int_equal(cp_detect(x, 30, &o, &r), 0);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.at[0], 12);
        cp_result_free(&r);
}

static void test_cp_detect_noise_without_step_gives_none(void **state)
{
        struct cp_result r;
        double x[200];

        (void)state;
        noise(x, 200, MS, 23);
        assert_int_equal(cp_detect(x, 200, NULL, &r), 0);
        assert_int_equal(r.n, 0);
        assert_int_equal(r.ndropped, 0);
        cp_result_free(&r);
}

static void test_cp_detect_drops_a_step_under_the_minimum_effect(void **state)
{
        struct cp_options o;
        struct cp_result r;
        double x[40];

        (void)state;
        cp_options_default(&o);
        o.sigma_floor = 0;
        noise(x, 40, 0.02 * MS, 24); /* very quiet: a 0.3 ms step is 15 sigma */
        add_step(x, 40, 20, 0.3 * MS);
        assert_int_equal(cp_detect(x, 40, &o, &r), 0); /* under 0.5 ms */
        assert_int_equal(r.n, 0);
        assert_int_equal(r.ndropped, 1);
        cp_result_free(&r);

        o.min_abs = 0;
        o.min_rel = 0;
        assert_int_equal(cp_detect(x, 40, &o, &r), 0);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.at[0], 20);
        assert_int_equal(r.ndropped, 0);
        cp_result_free(&r);

        /* relative: 2% of 3 s is 60 ms; a 40 ms step goes, a 70 ms one stays */
        cp_options_default(&o);
        noise(x, 40, MS, 25);
        add_step(x, 40, 10, 40 * MS);
        add_step(x, 40, 30, 70 * MS);
        assert_int_equal(cp_detect(x, 40, &o, &r), 0);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.at[0], 30);
        assert_int_equal(r.ndropped, 1);
        cp_result_free(&r);
}

static void test_cp_detect_short_series_gives_none(void **state)
{
        struct cp_result r;
        double x[3] = {LEVEL, LEVEL + 100 * MS, LEVEL + 100 * MS};

        (void)state;
        assert_int_equal(cp_detect(x, 3, NULL, &r), 0); /* n < 2 * min_seg */
        assert_int_equal(r.n, 0);
        cp_result_free(&r);
        assert_int_equal(cp_detect(NULL, 0, NULL, &r), 0);
        assert_int_equal(r.n, 0);
        cp_result_free(&r);
}

static void test_cp_detect_refuses_nan_and_bad_options(void **state)
{
        struct cp_options o;
        struct cp_result r;
        double x[20];

        (void)state;
        noise(x, 20, MS, 26);
        x[11] = NAN;
        assert_int_equal(cp_detect(x, 20, NULL, &r), -EINVAL);
        assert_int_equal(r.n, 0);
        assert_null(r.at);
        cp_result_free(&r);
        x[11] = LEVEL;
        cp_options_default(&o);
        o.penalty = -1;
        assert_int_equal(cp_detect(x, 20, &o, &r), -EINVAL);
        cp_options_default(&o);
        o.sigma = NAN;
        assert_int_equal(cp_detect(x, 20, &o, &r), -EINVAL);
        assert_int_equal(cp_detect(x, 20, NULL, NULL), -EINVAL);
}

static void test_cp_detect_runs_on_ten_thousand_points(void **state)
{
        const size_t n = 10000;
        struct cp_options o;
        struct cp_result r;
        double *x = malloc(n * sizeof(*x));
        size_t found = 0;

        (void)state;
        options(&o);
        assert_non_null(x);
        noise(x, n, MS, 27);
        for (size_t at = 500; at < n; at += 500) /* 19 steps of +-8 ms */
                add_step(x, n, at, (at / 500) % 2 ? 8 * MS : -8 * MS);
        assert_int_equal(cp_detect(x, n, &o, &r), 0);
        for (size_t i = 0; i < r.n; i++)
                if (r.at[i] % 500 <= 1 || r.at[i] % 500 >= 499)
                        found++;
        assert_int_equal(found, 19);
        assert_int_equal(r.n, 19);
        cp_result_free(&r);
        free(x);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_cp_pelt_and_fpop_give_the_partition_of_optimal_partitioning),
            cmocka_unit_test(test_cp_op_is_the_optimum_of_every_partition),
            cmocka_unit_test(test_cp_pelt_finds_nothing_below_two_segments),
            cmocka_unit_test(test_cp_pelt_and_op_refuse_bad_arguments),
            cmocka_unit_test(test_cp_sigma_diff_estimates_the_noise_despite_steps),
            cmocka_unit_test(test_cp_detect_finds_one_step_at_its_index),
            cmocka_unit_test(test_cp_detect_finds_two_steps),
            cmocka_unit_test(test_cp_detect_constant_series_uses_the_floor_and_finds_none),
            cmocka_unit_test(test_cp_detect_noise_without_step_gives_none),
            cmocka_unit_test(test_cp_detect_drops_a_step_under_the_minimum_effect),
            cmocka_unit_test(test_cp_detect_short_series_gives_none),
            cmocka_unit_test(test_cp_detect_refuses_nan_and_bad_options),
            cmocka_unit_test(test_cp_detect_runs_on_ten_thousand_points),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
