/* Unit tests of per-run metrics and their series over runs
 * (analyzer/metrics.c). */
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

#include "analyzer/metrics.h"

/* 1 GHz: one cycle is 1 ns. Thread A recurses into f, calls SYSINIT with
 * two arguments; thread B runs f too. */
static const char tslog_text[] = "TEST_TSLOG_META tsc_freq=1000000000 ncpu=2\n"
                                 "TEST_TSLOG_BEGIN\n"
                                 "0xa 1000 ENTER hammer_time\n"
                                 "0xa 3000 EXIT hammer_time\n"
                                 "0xa 3100 ENTER mi_startup\n"
                                 "0xa 3200 ENTER f\n"
                                 "0xa 3300 ENTER f\n"
                                 "0xa 3500 EXIT f\n"
                                 "0xa 3600 EXIT f\n"
                                 "0xa 3700 ENTER SYSINIT x\n"
                                 "0xa 3900 EXIT SYSINIT x\n"
                                 "0xa 4000 ENTER SYSINIT y\n"
                                 "0xa 4050 EXIT SYSINIT y\n"
                                 "0xb 4100 ENTER f\n"
                                 "0xb 4200 EXIT f\n"
                                 "0xa 4600 ENTER start_init\n"
                                 "0xa 5000 EXIT start_init\n"
                                 "TEST_TSLOG_END\n";

static void analyse(struct run *r, const char *text)
{
        struct run_options o = {0};
        char *in = strdup(text);

        assert_non_null(in);
        assert_int_equal(run_analyse(r, "t", in, strlen(in), &o, NULL, NULL), 0);
}

static const struct metric *find(const struct metric_list *l, const char *name)
{
        for (size_t i = 0; i < l->n; i++)
                if (!strcmp(l->v[i].name, name))
                        return &l->v[i];
        return NULL;
}

static void test_metrics_extract_tslog_merges_threads_and_keeps_arguments(void **state)
{
        struct metric_list l;
        const struct metric *m;
        struct run r;

        analyse(&r, tslog_text);
        assert_int_equal(metrics_extract(&r, &l), 0);
        /* total first, absent for a FILE */
        assert_string_equal(l.v[0].name, "total");
        assert_int_equal(l.v[0].kind, METRIC_TOTAL);
        assert_false(l.v[0].present);
        /* then the phases in map order */
        assert_string_equal(l.v[1].name, "phase:vmm");
        assert_false(l.v[1].present); /* no host.spawn for a FILE */
        m = find(&l, "phase:early");
        assert_non_null(m);
        assert_true(m->present);
        assert_int_equal(m->value_ns, 2100); /* ENTER hammer_time -> ENTER mi_startup */
        assert_string_equal(m->phase, "early");
        /* f: outer 400 on A (recursion counted once) + 100 on B */
        m = find(&l, "fn:f");
        assert_non_null(m);
        assert_int_equal(m->kind, METRIC_FN_TOTAL);
        assert_int_equal(m->value_ns, 500);
        assert_string_equal(m->phase, "sysinit");
        m = find(&l, "self:f");
        assert_non_null(m);
        assert_int_equal(m->kind, METRIC_FN_SELF);
        assert_int_equal(m->value_ns, 500); /* the inner f's time is f's self time too */
        /* one metric per argument */
        m = find(&l, "fn:SYSINIT x");
        assert_non_null(m);
        assert_int_equal(m->value_ns, 200);
        m = find(&l, "fn:SYSINIT y");
        assert_non_null(m);
        assert_int_equal(m->value_ns, 50);
        assert_null(find(&l, "fn:SYSINIT"));
        /* hammer_time began before any phase with a known start: none */
        m = find(&l, "fn:hammer_time");
        assert_non_null(m);
        assert_string_equal(m->phase, "early");
        /* functions by value descending: mi_startup (1500) before f */
        for (size_t i = 1; i < l.n; i++)
                if (l.v[i].kind == l.v[i - 1].kind && l.v[i].kind >= METRIC_FN_TOTAL)
                        assert_true(l.v[i].value_ns <= l.v[i - 1].value_ns);
        metrics_list_free(&l);
        run_free(&r);
}

static void test_metrics_extract_without_frequency_has_no_functions(void **state)
{
        struct metric_list l;
        struct run r;
        static const char text[] = "0xa 1000 ENTER a\n0xa 2000 EXIT a\n";

        analyse(&r, text);
        assert_int_equal(metrics_extract(&r, &l), 0);
        assert_null(find(&l, "fn:a"));
        assert_string_equal(l.v[0].name, "total");
        metrics_list_free(&l);
        run_free(&r);
}

static void test_metrics_extract_linux_initcalls_without_probes(void **state)
{
        static const char text[] = "[    0.000000] Linux version 6.1.0\n"
                                   "[    0.100000] calling  a_init+0x0/0x20 @ 1\n"
                                   "[    0.100500] probe of dev0 returned 0 after 300 usecs\n"
                                   "[    0.101000] initcall a_init+0x0/0x20 returned 0 after 1000 "
                                   "usecs\n"
                                   "[    0.102000] calling  b_init+0x0/0x20 [mod] @ 1\n"
                                   "[    0.104000] initcall b_init+0x0/0x20 [mod] returned 0 "
                                   "after 2000 usecs\n"
                                   "[    0.200000] Run /init as init process\n";
        struct metric_list l;
        const struct metric *m;
        struct run r;

        analyse(&r, text);
        assert_int_equal(r.kind, RUN_LINUX);
        assert_int_equal(metrics_extract(&r, &l), 0);
        m = find(&l, "fn:b_init [mod]");
        assert_non_null(m);
        assert_int_equal(m->value_ns, 2000000);
        assert_string_equal(m->phase, "initcalls");
        m = find(&l, "fn:a_init");
        assert_non_null(m);
        assert_int_equal(m->value_ns, 1000000);
        for (size_t i = 0; i < l.n; i++) {
                assert_true(strncmp(l.v[i].name, "fn:probe", 8) != 0);
                assert_true(strncmp(l.v[i].name, "self:", 5) != 0); /* Linux: totals only */
        }
        /* fn:b_init before fn:a_init */
        assert_true(find(&l, "fn:b_init [mod]") < find(&l, "fn:a_init"));
        metrics_list_free(&l);
        run_free(&r);
}

static struct metric mk(const char *name, enum metric_kind kind, uint64_t ns, bool present)
{
        struct metric m = {(char *)name, kind, NULL, ns, present};

        return m;
}

static void test_metrics_table_orders_series_and_counts_presence(void **state)
{
        struct metric_table t = METRIC_TABLE_INIT;
        struct metric r1[] = {
            mk("total", METRIC_TOTAL, 100, true), mk("phase:b", METRIC_PHASE, 10, true),
            mk("phase:a", METRIC_PHASE, 0, false), mk("fn:x", METRIC_FN_TOTAL, 5, true),
            mk("self:x", METRIC_FN_SELF, 5, true)};
        struct metric r2[] = {
            mk("total", METRIC_TOTAL, 120, true), mk("phase:b", METRIC_PHASE, 14, true),
            mk("phase:a", METRIC_PHASE, 3, true), mk("phase:c", METRIC_PHASE, 1, true),
            mk("fn:y", METRIC_FN_TOTAL, 9, true), mk("fn:z", METRIC_FN_TOTAL, 9, true),
            mk("fn:x", METRIC_FN_TOTAL, 7, true)};
        struct metric_list l1 = {r1, 5}, l2 = {r2, 7};
        const struct metric_series *s;
        static const char *order[] = {"total", "phase:b", "phase:a", "phase:c",
                                      "fn:y",  "fn:z",    "fn:x",    "self:x"};

        assert_int_equal(metrics_collect_list(&t, &l1), 0);
        assert_int_equal(metrics_collect_list(&t, &l2), 0);
        assert_int_equal(metrics_table_finish(&t), 0);
        assert_int_equal(t.nruns, 2);
        assert_int_equal(t.n, 8);
        for (size_t i = 0; i < 8; i++)
                assert_string_equal(t.v[i].name, order[i]);
        s = metrics_table_find(&t, "total");
        assert_non_null(s);
        assert_int_equal(s->present, 2);
        assert_int_equal(s->n, 2);
        assert_true(s->median == 110);
        s = metrics_table_find(&t, "phase:a");
        assert_int_equal(s->present, 1);
        assert_int_equal(s->runs[0], 1);
        assert_true(s->values[0] == 3);
        s = metrics_table_find(&t, "fn:y");
        assert_int_equal(s->present, 1);
        assert_int_equal(s->runs[0], 1);
        assert_true(s->median == 9);
        s = metrics_table_find(&t, "fn:x");
        assert_true(s->median == 6);
        assert_null(metrics_table_find(&t, "fn:nope"));
        metrics_table_free(&t);
        metrics_table_free(&t); /* a zeroed table is fine */
}

static void test_metrics_table_grows_past_its_hash(void **state)
{
        struct metric_table t = METRIC_TABLE_INIT;
        struct metric m[1];
        struct metric_list l = {m, 1};
        char name[32];

        for (int run = 0; run < 3; run++)
                for (int i = 0; i < 1000; i++) {
                        snprintf(name, sizeof(name), "fn:f%d", i);
                        m[0] = mk(name, METRIC_FN_TOTAL, (uint64_t)(i * 10 + run), true);
                        assert_int_equal(metrics_collect_list(&t, &l), 0);
                }
        assert_int_equal(metrics_table_finish(&t), 0);
        assert_int_equal(t.n, 1000);
        assert_string_equal(t.v[0].name, "fn:f999");
        assert_int_equal(metrics_table_find(&t, "fn:f5")->present, 3);
        metrics_table_free(&t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_metrics_extract_tslog_merges_threads_and_keeps_arguments),
            cmocka_unit_test(test_metrics_extract_without_frequency_has_no_functions),
            cmocka_unit_test(test_metrics_extract_linux_initcalls_without_probes),
            cmocka_unit_test(test_metrics_table_orders_series_and_counts_presence),
            cmocka_unit_test(test_metrics_table_grows_past_its_hash),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
