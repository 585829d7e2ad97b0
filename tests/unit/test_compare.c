/* Unit tests of the comparison core (analyzer/compare.c) on arrays, and of
 * the sides read from the fixture sessions of tests/data/compare
 * (PROVENANCE.md there). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "analyzer/compare.h"

#define MS 1e6 /* ns */

static void options(struct stats_options *o)
{
        stats_options_default(o);
        o->B = 2000;
}

/* 12 runs a side, every value distinct: new 10% slower, clearly */
static void fill(double *x, size_t n, double base, double step)
{
        for (size_t i = 0; i < n; i++)
                x[i] = base + step * (double)i;
}

static void test_compare_calls_a_clear_shift_slower_and_noise_same(void **state)
{
        double a[12], b[12], c1[12], c2[12];
        struct stats_options o;
        struct compare c = {0};

        (void)state;
        options(&o);
        fill(a, 12, 100 * MS, 0.1 * MS);
        fill(b, 12, 110 * MS, 0.1 * MS);
        fill(c1, 12, 50 * MS, 0.01 * MS);
        fill(c2, 12, 50 * MS + 0.005 * MS, 0.01 * MS);
        assert_int_equal(compare_add(&c, COMPARE_TOTAL, "total", NULL, a, 12, 12, b, 12, 12), 0);
        assert_int_equal(
            compare_add(&c, COMPARE_PHASE, "initcalls", "initcalls", c1, 12, 12, c2, 12, 12), 0);
        assert_int_equal(compare_evaluate(&c, &o), 0);
        assert_int_equal(c.n, 2);
        assert_int_equal(c.nphases, 1);
        assert_int_equal(c.m[0].c.verdict, STATS_SLOWER);
        assert_true(c.m[0].c.diff > 9.9 * MS && c.m[0].c.diff < 10.1 * MS);
        assert_int_equal(c.m[1].c.verdict, STATS_SAME);
        assert_int_equal(c.verdicts[STATS_SLOWER], 1);
        assert_int_equal(c.verdicts[STATS_SAME], 1);
        assert_true(compare_any_slower(&c));
        assert_ptr_equal(compare_find(&c, "total"), &c.m[0]);
        assert_ptr_equal(compare_find(&c, "phase:initcalls"), &c.m[1]);
        assert_null(compare_find(&c, "fn:initcalls"));
        assert_null(compare_find(&c, "initcalls"));
        compare_free(&c);
}

static void test_compare_metric_one_side_lacks_is_inconclusive(void **state)
{
        double a[5] = {1 * MS, 2 * MS, 3 * MS, 4 * MS, 5 * MS};
        struct stats_options o;
        struct compare c = {0};

        (void)state;
        options(&o);
        assert_int_equal(compare_add(&c, COMPARE_PHASE, "rootfs", "rootfs", a, 5, 5, NULL, 0, 0),
                         0);
        assert_int_equal(compare_evaluate(&c, &o), 0);
        assert_int_equal(c.m[0].c.verdict, STATS_INCONCLUSIVE);
        assert_int_equal(c.m[0].c.runs_needed, 0);
        assert_true(isnan(c.m[0].c.median_b));
        assert_false(compare_any_slower(&c));
        compare_free(&c);
}

/* total first; phases by |diff| descending, each followed by its
 * functions by |diff|; then the functions of no phase */
static void test_compare_order_groups_functions_under_their_phase(void **state)
{
        static const struct {
                enum compare_kind kind;
                const char *name, *phase;
                double shift;
        } ms[] = {
            {COMPARE_FN, "orphan", NULL, 9},          {COMPARE_PHASE, "early", "early", 1},
            {COMPARE_FN, "small_in_late", "late", 1}, {COMPARE_TOTAL, "total", NULL, 0},
            {COMPARE_PHASE, "late", "late", 5},       {COMPARE_FN, "big_in_late", "late", 4},
            {COMPARE_FN, "in_early", "early", 0.5},
        };
        static const char *const want[] = {"total", "late",     "big_in_late", "small_in_late",
                                           "early", "in_early", "orphan"};
        struct stats_options o;
        struct compare c = {0};
        size_t order[7];

        (void)state;
        options(&o);
        for (size_t k = 0; k < 7; k++) {
                double a[6], b[6];

                fill(a, 6, 100 * MS, 1 * MS);
                fill(b, 6, (100 + ms[k].shift) * MS, 1 * MS);
                assert_int_equal(
                    compare_add(&c, ms[k].kind, ms[k].name, ms[k].phase, a, 6, 6, b, 6, 6), 0);
        }
        assert_int_equal(compare_evaluate(&c, &o), 0);
        assert_int_equal(compare_order(&c, order), 0);
        for (size_t k = 0; k < 7; k++)
                assert_string_equal(c.m[order[k]].name, want[k]);
        compare_free(&c);
}

static void test_compare_sessions_reads_the_fixture(void **state)
{
        struct compare_options o = {.top = 3};
        struct compare c;
        const struct compare_metric *k;
        char err[512];

        (void)state;
        stats_options_default(&o.stats);
        o.stats.B = 2000;
        assert_int_equal(compare_sessions(&c, BOOTLENS_TEST_DATA "/compare/ab:base",
                                          BOOTLENS_TEST_DATA "/compare/ab:new", &o, err,
                                          sizeof(err)),
                         0);
        assert_int_equal(c.base.ok, 8);
        assert_int_equal(c.base.starved, 1);
        assert_int_equal(c.base.used, 8);
        assert_int_equal(c.nfns, 3);
        assert_int_equal(c.nenvdiff, 0);
        k = compare_find(&c, "fn:init_kprobe_trace");
        assert_non_null(k);
        assert_string_equal(k->phase, "initcalls");
        assert_int_equal(k->c.verdict, STATS_SLOWER);
        assert_true(compare_any_slower(&c));
        compare_free(&c);

        o.exclude_starved = true;
        assert_int_equal(compare_sessions(&c, BOOTLENS_TEST_DATA "/compare/ab:base",
                                          BOOTLENS_TEST_DATA "/compare/other-qemu", &o, err,
                                          sizeof(err)),
                         0);
        assert_int_equal(c.base.left_out, 1);
        assert_int_equal(c.base.used, 7);
        assert_int_equal(c.nenvdiff, 2);
        assert_string_equal(c.envdiff[0].what, "QEMU version");
        assert_string_equal(c.envdiff[1].what, "accelerator");
        assert_string_equal(c.envdiff[1].new, "kvm");
        compare_free(&c);

        assert_int_equal(compare_sessions(&c, BOOTLENS_TEST_DATA "/compare/ab:nope",
                                          BOOTLENS_TEST_DATA "/compare/ab:new", &o, err,
                                          sizeof(err)),
                         -ESRCH);
        assert_non_null(strstr(err, "no variant 'nope'"));
        compare_free(&c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_compare_calls_a_clear_shift_slower_and_noise_same),
            cmocka_unit_test(test_compare_metric_one_side_lacks_is_inconclusive),
            cmocka_unit_test(test_compare_order_groups_functions_under_their_phase),
            cmocka_unit_test(test_compare_sessions_reads_the_fixture),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
