/*
 * Unit tests of host-timed runs in the analyzer and reports, on the
 * fixture session tests/data/host-timed (PROVENANCE.md there): variant
 * base (real dumps) and variant bare (timing=host: no dump, the host's
 * spawn to exit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/compare.h"
#include "analyzer/runset.h"
#include "reports/sessreport.h"

#define SESSION BOOTLENS_TEST_DATA "/host-timed"

static void test_runset_marks_host_timed_runs(void **state)
{
        struct runset rs;
        char err[256];

        assert_int_equal(runset_open(SESSION, &rs, err, sizeof(err)), 0);
        assert_int_equal(rs.n, 6);
        assert_int_equal(rs.nselected, 6);
        for (size_t i = 0; i < rs.n; i++) {
                assert_true(rs.v[i].selected);
                assert_int_equal(rs.v[i].host_timed, strcmp(rs.v[i].variant, "bare") == 0);
        }
        runset_free(&rs);
}

static void test_runset_analyse_gives_the_host_total_alone(void **state)
{
        static const struct run_options ro;
        struct runset rs;
        struct run r;
        uint64_t total;
        char err[256], *msg = NULL;

        assert_int_equal(runset_open(SESSION ":bare", &rs, err, sizeof(err)), 0);
        assert_int_equal(rs.nselected, 3);
        assert_string_equal(rs.v[1].variant, "bare");
        assert_int_equal(runset_analyse(&rs, 1, &ro, &r, &msg), 0);
        assert_null(msg);
        assert_true(r.host_timed);
        assert_string_equal(r.kind_name, "host");
        assert_true(run_total_ns(&r, &total));
        assert_int_equal(total, 2912345678ull);
        assert_int_equal(r.phases->nresults, 0);
        assert_int_equal(r.analysis.forest.nfuncs, 0);
        assert_int_equal(r.trace.nwarns, 0);
        run_free(&r);
        /* a base run of the same session is a whole analysis */
        runset_free(&rs);
        assert_int_equal(runset_open(SESSION ":base", &rs, err, sizeof(err)), 0);
        assert_int_equal(runset_analyse(&rs, 0, &ro, &r, &msg), 0);
        assert_false(r.host_timed);
        assert_true(r.phases->nresults > 0);
        run_free(&r);
        assert_int_equal(rs.nanalysed, 1);
        runset_free(&rs);
}

static void test_run_host_only_needs_a_spawn(void **state)
{
        struct run_host h = {0};
        struct run r;

        assert_int_equal(run_host_only(&r, "x", &h), -ENODATA);
        run_free(&r);
}

/* The report of every variant, as "bootlens analyze SESSION" writes it. */
static char *session_report(const char *ref, enum sessreport_format fmt)
{
        static const struct run_options ro;
        struct report_options o = {.unit = REPORT_MS, .top = 5, .max_warnings = 10, .brief = true};
        struct sessreport_options so = {.fmt = fmt, .top = 5};
        struct sessreport_result res = {0};
        struct runset rs;
        char err[256], *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);

        assert_non_null(mem);
        assert_int_equal(runset_open(ref, &rs, err, sizeof(err)), 0);
        assert_int_equal(sessreport_write(mem, &rs, &so, &ro, &o, NULL, &res), 0);
        assert_int_equal(rs.nanalysed, rs.nselected);
        fclose(mem);
        free(res.msg);
        runset_free(&rs);
        return buf;
}

static void test_sessreport_says_phases_are_not_available(void **state)
{
        char *t = session_report(SESSION, SESSREPORT_TABLE), *bare;

        bare = strstr(t, "variant bare: 3 ok runs");
        assert_non_null(bare);
        assert_non_null(strstr(bare, "host-timed (timing=host): the total is QEMU's spawn to exit; "
                                     "phases and functions are not available"));
        assert_non_null(strstr(bare, "\ntotal        3   2950.000"));
        assert_null(strstr(bare, "phase:"));
        /* base keeps its phases, and is not called host-timed */
        assert_non_null(strstr(t, "phase:initcalls"));
        assert_true(strstr(t, "host-timed (timing=host)") > bare);
        free(t);
        t = session_report(SESSION ":bare", SESSREPORT_JSON);
        assert_non_null(strstr(t, "\"host_timed\": true"));
        assert_non_null(strstr(t, "\"kind\": \"host\""));
        free(t);
        t = session_report(SESSION ":base", SESSREPORT_JSON);
        assert_null(strstr(t, "host_timed"));
        free(t);
}

static const struct compare_metric *find(const struct compare *c, enum compare_kind k)
{
        for (size_t i = 0; i < c->n; i++)
                if (c->m[i].kind == k)
                        return &c->m[i];
        return NULL;
}

static void test_compare_base_with_host_timed_compares_the_total(void **state)
{
        struct compare_options o = {.top = 5};
        const struct compare_metric *m;
        struct compare c;
        char err[256];

        stats_options_default(&o.stats);
        if (compare_sessions(&c, SESSION ":base", SESSION ":bare", &o, err, sizeof(err)) != 0)
                fail_msg("compare_sessions: %s", err);
        m = find(&c, COMPARE_TOTAL);
        assert_non_null(m);
        assert_int_equal(m->na, 3);
        assert_int_equal(m->nb, 3);
        assert_true(m->c.median_b < m->c.median_a);
        assert_true(m->c.median_b == 2950000000.0);
        for (size_t i = 0; i < c.n; i++) {
                if (c.m[i].kind == COMPARE_TOTAL)
                        continue;
                /* phases and functions: base's only, none as 0 ns on bare */
                assert_int_equal(c.m[i].nb, 0);
                assert_int_equal(c.m[i].present_b, 0);
                assert_true(c.m[i].na > 0);
                assert_int_equal(c.m[i].c.verdict, STATS_INCONCLUSIVE);
        }
        assert_non_null(find(&c, COMPARE_FN));
        assert_non_null(find(&c, COMPARE_PHASE));
        compare_free(&c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_runset_marks_host_timed_runs),
            cmocka_unit_test(test_runset_analyse_gives_the_host_total_alone),
            cmocka_unit_test(test_run_host_only_needs_a_spawn),
            cmocka_unit_test(test_sessreport_says_phases_are_not_available),
            cmocka_unit_test(test_compare_base_with_host_timed_compares_the_total),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
