/* Unit tests of the aggregate over runs (analyzer/aggregate.c);
 * tests/cli/aggregate_numpy.sh checks its quantiles against numpy. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "analyzer/aggregate.h"

static void add(struct aggregate *a, unsigned id, uint64_t total, uint64_t fa, uint64_t fb,
                bool has_b)
{
        struct metric m[] = {{"total", METRIC_TOTAL, NULL, total, true},
                             {"fn:a", METRIC_FN_TOTAL, "initcalls", fa, true},
                             {"fn:b", METRIC_FN_TOTAL, "initcalls", fb, has_b}};
        struct metric_list l = {m, 3};

        assert_int_equal(aggregate_add_list(a, &l, id), 0);
}

static const struct aggregate_metric *get(const struct aggregate *a, const char *name)
{
        for (size_t i = 0; i < a->n; i++)
                if (!strcmp(a->v[i].s->name, name))
                        return &a->v[i];
        return NULL;
}

static void test_aggregate_summary_ci_and_outliers_name_the_runs(void **state)
{
        struct aggregate a = {0};
        const struct aggregate_metric *m;
        /* ten runs, numbered 11..20; run 17's total is far off */
        static const uint64_t totals[] = {100, 102, 101, 99, 103, 100, 300, 98, 101, 100};

        for (unsigned i = 0; i < 10; i++)
                add(&a, 11 + i, totals[i], 10 + i, 5, i % 2 == 0);
        assert_int_equal(aggregate_finish(&a, 1), 0);
        m = get(&a, "total");
        assert_non_null(m);
        assert_int_equal(m->sum.n, 10);
        assert_true(m->sum.median == 100.5);
        assert_true(m->sum.min == 98 && m->sum.max == 300);
        /* n = 10: [x(2), x(9)], 97.85% */
        assert_true(m->has_ci);
        assert_int_equal(m->ci.lo_rank, 2);
        assert_int_equal(m->ci.hi_rank, 9);
        assert_true(m->ci.lo == 99 && m->ci.hi == 103);
        assert_float_equal(m->ci.coverage, 0.978515625, 1e-12);
        assert_int_equal(m->noutliers, 1);
        for (size_t k = 0; k < m->s->present; k++)
                if (m->outlier[k])
                        assert_int_equal(aggregate_run_id(&a, m, k), 17);
        /* fn:a (median 14.5) is the top function and has a CI; fn:b does not */
        m = get(&a, "fn:a");
        assert_true(m->has_ci);
        assert_true(m == &a.v[1]);
        m = get(&a, "fn:b");
        assert_false(m->has_ci);
        assert_int_equal(m->s->present, 5);
        assert_int_equal(m->s->n, 10);
        assert_int_equal(m->sum.n, 5);
        aggregate_free(&a);
        aggregate_free(&a);
}

static void test_aggregate_of_few_runs_shows_its_coverage(void **state)
{
        struct aggregate a = {0};
        const struct aggregate_metric *m;

        for (unsigned i = 0; i < 5; i++)
                add(&a, i + 1, 100 + i, 1, 1, true);
        assert_int_equal(aggregate_finish(&a, 20), 0);
        m = get(&a, "total");
        assert_true(m->ci.lo == 100 && m->ci.hi == 104);
        assert_float_equal(m->ci.coverage, 0.9375, 1e-12); /* 1 - 2^(1-5) */
        assert_true(m->ci.coverage < AGGREGATE_CI_LEVEL);
        assert_int_equal(m->noutliers, 0);
        aggregate_free(&a);
}

static void test_aggregate_of_a_metric_absent_everywhere(void **state)
{
        struct aggregate a = {0};
        const struct aggregate_metric *m;

        add(&a, 1, 100, 1, 0, false);
        assert_int_equal(aggregate_finish(&a, 20), 0);
        m = get(&a, "fn:b");
        assert_non_null(m);
        assert_int_equal(m->sum.n, 0);
        assert_false(m->has_ci);
        assert_null(m->outlier);
        assert_true(m == &a.v[a.n - 1]); /* no median: last */
        aggregate_free(&a);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_aggregate_summary_ci_and_outliers_name_the_runs),
            cmocka_unit_test(test_aggregate_of_few_runs_shows_its_coverage),
            cmocka_unit_test(test_aggregate_of_a_metric_absent_everywhere),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
