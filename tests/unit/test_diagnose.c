/* Unit tests of the diagnosis rules (analyzer/diagnose.c) on real and
 * derived captures of tests/data (tests/data/diagnose/README.md): which
 * rules fire, on what evidence, with which knob; that no time counts for
 * two rules; that a clean capture gives none; the kernel inspection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diagnose.h"
#include "base/util.h"

#define DATA BOOTLENS_TEST_DATA "/diagnose"

struct fixture {
        struct run r;
        struct aggregate agg;
        struct diag_result res;
};

static void diagnose_file(struct fixture *fx, const char *path, const char *cmdline,
                          const struct diag_kernel *k)
{
        char *buf = NULL, *err = NULL;
        size_t len = 0;
        struct run_options ro = {0};

        memset(fx, 0, sizeof(*fx));
        assert_int_equal(util_read_file(path, &buf, &len), 0);
        assert_int_equal(run_analyse(&fx->r, path, buf, len, &ro, NULL, &err), 0);
        assert_int_equal(aggregate_add(&fx->agg, &fx->r, 1), 0);
        assert_int_equal(aggregate_finish(&fx->agg, 20), 0);
        assert_int_equal(diag_run(&(struct diag_input){.name = path,
                                                       .agg = &fx->agg,
                                                       .rep = &fx->r,
                                                       .rep_source = path,
                                                       .nruns = 1,
                                                       .cmdline = cmdline,
                                                       .host_tsc_khz = 2299840,
                                                       .kernel = k},
                                  &fx->res),
                         0);
}

static void fixture_free(struct fixture *fx)
{
        diag_result_free(&fx->res);
        aggregate_free(&fx->agg);
        run_free(&fx->r);
}

static const struct diag_finding *find(const struct diag_result *res, const char *id)
{
        for (size_t i = 0; i < res->n; i++)
                if (!strcmp(res->v[i].rule->id, id))
                        return &res->v[i];
        return NULL;
}

static void test_diagnose_rules_table_is_complete(void **state)
{
        (void)state;
        assert_true(diag_nrules >= 8);
        for (size_t i = 0; i < diag_nrules; i++) {
                const struct diag_rule *r = &diag_rules[i];
                assert_non_null(r->id);
                assert_non_null(r->title);
                assert_non_null(r->source);
                assert_non_null(r->threshold);
                assert_non_null(r->cause);
                assert_non_null(r->fix);
                assert_non_null(r->saving);
                assert_ptr_equal(diag_rule_find(r->id), r);
        }
        /* the general rule comes last: it reports what the others left */
        assert_int_equal(diag_rules[diag_nrules - 1].check, DIAG_CHECK_GENERAL);
        assert_null(diag_rule_find("nosuchrule"));
}

static void test_diagnose_freebsd_sinks_fire_bsd_rules_on_self_time(void **state)
{
        struct fixture fx;
        const struct diag_finding *f;

        (void)state;
        diagnose_file(&fx, DATA "/freebsd-sinks.txt", NULL, NULL);
        assert_false(fx.res.has_total);
        f = find(&fx.res, "calibration");
        assert_non_null(f);
        assert_string_equal(f->matched[0], "self:DELAY");
        assert_int_equal(f->log_lineno, 45);
        assert_true(fabs(f->median_ns - 1947000) < 1000);
        assert_null(f->knob); /* no command line to change on a BSD */
        f = find(&fx.res, "console-uart");
        assert_non_null(f);
        assert_string_equal(f->matched[0], "self:_vprintf");
        assert_non_null(find(&fx.res, "bus-enumeration"));
        f = find(&fx.res, "modules");
        assert_non_null(f);
        assert_string_equal(f->matched[0], "self:linker_load_file");
        /* Linux-only rules never fire on a tslog */
        assert_null(find(&fx.res, "printk-lag"));
        assert_null(find(&fx.res, "bzimage-pvh"));
        /* sorted by expected saving */
        for (size_t i = 1; i < fx.res.n; i++)
                assert_true(fx.res.v[i - 1].score >= fx.res.v[i].score);
        fixture_free(&fx);
}

static void test_diagnose_no_function_counts_for_two_rules(void **state)
{
        struct fixture fx;

        (void)state;
        diagnose_file(&fx, BOOTLENS_SAMPLES "/freebsd15-firecracker-tslog-head.txt", NULL, NULL);
        for (size_t i = 0; i < fx.res.n; i++)
                for (size_t j = i + 1; j < fx.res.n; j++)
                        for (size_t a = 0; a < fx.res.v[i].nmatched_shown; a++)
                                for (size_t b = 0; b < fx.res.v[j].nmatched_shown; b++)
                                        assert_string_not_equal(fx.res.v[i].matched[a],
                                                                fx.res.v[j].matched[b]);
        /* _vprintf is the console's, the outsized rule reports another */
        assert_string_equal(find(&fx.res, "console-uart")->matched[0], "self:_vprintf");
        assert_string_equal(find(&fx.res, "outsized")->what, "self:xen_pvh_parse_preload_data");
        fixture_free(&fx);
}

static void test_diagnose_linux_calibration_timed_by_printk_with_lpj_knob(void **state)
{
        struct fixture fx;
        const struct diag_finding *f;

        (void)state;
        /* a command line with tsc_early_khz: the knob is lpj= from the log */
        diagnose_file(&fx, DATA "/linux-calibrate.log", "console=ttyS0 tsc_early_khz=2300000",
                      NULL);
        f = find(&fx.res, "calibration");
        assert_non_null(f);
        assert_int_equal(f->log_lineno, 97);
        assert_true(fabs(f->saving_ns - 770000) < 1);
        assert_string_equal(f->knob, "append+=lpj=9200000");
        fixture_free(&fx);
        /* without tsc_early_khz the host's rate is the knob */
        diagnose_file(&fx, DATA "/linux-calibrate.log", "console=ttyS0", NULL);
        assert_string_equal(find(&fx.res, "calibration")->knob, "append+=tsc_early_khz=2299840");
        fixture_free(&fx);
}

static void test_diagnose_console_knob_follows_quiet(void **state)
{
        struct fixture fx;

        (void)state;
        diagnose_file(&fx, DATA "/linux-calibrate.log", "console=ttyS0 quiet", NULL);
        assert_string_equal(find(&fx.res, "console-uart")->knob, "append+=8250.nr_uarts=1");
        fixture_free(&fx);
        diagnose_file(&fx, DATA "/linux-calibrate.log", "console=ttyS0", NULL);
        assert_string_equal(find(&fx.res, "console-uart")->knob, "append+=quiet");
        assert_non_null(find(&fx.res, "console-uart")->note);
        fixture_free(&fx);
}

static void test_diagnose_kernel_inspection(void **state)
{
        struct diag_kernel k;

        (void)state;
        diag_kernel_inspect(DATA "/pvh-bzimage.bin", &k);
        assert_true(k.inspected);
        assert_true(k.bzimage);
        assert_true(k.pvh);
        assert_string_equal(k.comp, "gzip");
        diag_kernel_inspect(DATA "/nopvh-bzimage.bin", &k);
        assert_true(k.inspected && k.bzimage);
        assert_false(k.pvh);
        diag_kernel_inspect(DATA "/no-such-kernel", &k);
        assert_false(k.inspected);
        assert_non_null(strstr(k.why, "No such file"));
}

static void test_diagnose_clean_capture_has_no_finding(void **state)
{
        struct fixture fx;

        (void)state;
        diagnose_file(&fx, BOOTLENS_TEST_DATA "/tslog/netbsd.txt", NULL, NULL);
        assert_int_equal(fx.res.n, 0);
        assert_false(diag_result_exceeds(&fx.res, 0));
        fixture_free(&fx);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_diagnose_rules_table_is_complete),
            cmocka_unit_test(test_diagnose_freebsd_sinks_fire_bsd_rules_on_self_time),
            cmocka_unit_test(test_diagnose_no_function_counts_for_two_rules),
            cmocka_unit_test(test_diagnose_linux_calibration_timed_by_printk_with_lpj_knob),
            cmocka_unit_test(test_diagnose_console_knob_follows_quiet),
            cmocka_unit_test(test_diagnose_kernel_inspection),
            cmocka_unit_test(test_diagnose_clean_capture_has_no_finding),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
