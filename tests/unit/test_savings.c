/* Unit tests of what each knob of a sweep saves (analyzer/savings.c) on
 * the fixture sweep sessions of tests/data/sweep (README.md there). */
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

#include "analyzer/savings.h"

#define MS    1e6 /* ns */
#define EACH  BOOTLENS_TEST_DATA "/sweep/each"
#define CUMUL BOOTLENS_TEST_DATA "/sweep/cumulative"

static void options(struct compare_options *o)
{
        memset(o, 0, sizeof(*o));
        stats_options_default(&o->stats);
        o->stats.B = 2000;
        o->top = 20;
}

/* The step's numbers are compare's on the same refs, to the bit. */
static void assert_same_as_compare(const struct savings_step *st, const char *base, const char *new,
                                   const struct compare_options *o)
{
        struct compare c;
        const struct compare_metric *t;
        char err[512];

        assert_int_equal(compare_sessions(&c, base, new, o, err, sizeof(err)), 0);
        t = compare_find(&c, "total");
        assert_non_null(t);
        assert_true(st->compared);
        assert_true(st->saving_ns == -t->c.diff);
        assert_true(st->saving_lo_ns == -t->c.ci.hi);
        assert_true(st->saving_hi_ns == -t->c.ci.lo);
        assert_true(st->median_ns == t->c.median_b);
        assert_true(st->p_holm == t->c.p_holm);
        assert_int_equal(st->verdict, t->c.verdict);
        assert_int_equal(st->cmp.n, c.n);
        compare_free(&c);
}

static void test_savings_each_compares_every_knob_with_the_baseline(void **state)
{
        struct compare_options o;
        struct savings s;
        char err[512];
        const struct savings_step *fast, *broken, *host;

        (void)state;
        options(&o);
        assert_int_equal(savings_analyse(&s, EACH, &o, err, sizeof(err)), 0);
        assert_int_equal(s.mode, SWEEP_EACH);
        assert_null(s.preset);
        assert_int_equal(s.nsteps, 4);
        assert_false(s.has_overall);
        assert_string_equal(s.steps[0].name, "base");
        assert_int_equal(s.steps[0].ok, 8);
        assert_false(s.steps[0].compared);
        assert_true(fabs(s.steps[0].median_ns - 3581.554 * MS) < 0.001 * MS);

        fast = &s.steps[1];
        assert_string_equal(fast->name, "fast");
        assert_string_equal(fast->spec, "append+=initcall_blacklist=init_kprobe_trace");
        assert_string_equal(fast->about, "init_kprobe_trace blacklisted");
        assert_int_equal(fast->against, 0);
        assert_int_equal(fast->recorded, 8);
        assert_int_equal(fast->ok, 8);
        assert_int_equal(fast->starved, 1);
        assert_false(fast->broken);
        /* 39.6 ms saved, significant, but under 2% of 3.58 s: "same" */
        assert_true(fast->saving_ns > 39 * MS && fast->saving_ns < 40 * MS);
        assert_true(fast->saving_lo_ns > 37 * MS && fast->saving_hi_ns < 43 * MS);
        assert_true(fast->saving_lo_ns < fast->saving_ns && fast->saving_ns < fast->saving_hi_ns);
        assert_true(fabs(fast->rel - fast->saving_ns / s.steps[0].median_ns) < 1e-12);
        assert_true(fast->p_holm < 0.01);
        assert_int_equal(fast->verdict, STATS_SAME);
        assert_string_equal(fast->phase.name, "initcalls");
        assert_null(fast->phase.phase);
        assert_int_equal(fast->phase.verdict, STATS_FASTER);
        assert_true(fast->phase.diff_ns < -39 * MS);
        assert_int_equal(fast->nfns, SAVINGS_TOP_FNS);
        assert_string_equal(fast->fns[0].name, "init_kprobe_trace");
        assert_string_equal(fast->fns[0].phase, "initcalls");
        assert_int_equal(fast->fns[0].verdict, STATS_FASTER);
        assert_same_as_compare(fast, EACH ":base", EACH ":fast", &o);

        broken = &s.steps[2];
        assert_string_equal(broken->name, "noconsole");
        assert_true(broken->broken);
        assert_false(broken->compared);
        assert_int_equal(broken->ok, 0);
        assert_int_equal(broken->crash, 8);
        assert_int_equal(broken->recorded, 8);
        assert_true(isnan(broken->saving_ns));
        assert_true(isnan(broken->median_ns));
        assert_string_equal(broken->failed_serial, EACH "/runs/0031.serial");
        assert_string_equal(broken->failed_reason, "QEMU exited with status 1 before a dump");

        host = &s.steps[3];
        assert_string_equal(host->name, "instrumentation");
        assert_true(host->host_timed);
        assert_true(host->compared);
        assert_int_equal(host->ok, 8);
        /* the host's spawn-to-exit: total alone, no phase or function */
        assert_int_equal(host->cmp.n, 1);
        assert_null(host->phase.name);
        assert_int_equal(host->nfns, 0);
        assert_true(host->saving_ns > 800 * MS);
        assert_int_equal(host->verdict, STATS_FASTER);
        assert_string_equal(host->cmp.base.ref, EACH ":base");
        assert_int_equal(host->cmp.new.used, 8);
        savings_free(&s);
}

static void test_savings_cumulative_compares_each_step_with_the_one_before(void **state)
{
        struct compare_options o;
        struct savings s;
        char err[512];

        (void)state;
        options(&o);
        assert_int_equal(savings_analyse(&s, CUMUL, &o, err, sizeof(err)), 0);
        assert_int_equal(s.mode, SWEEP_CUMULATIVE);
        assert_int_equal(s.nsteps, 5);
        assert_int_equal(s.steps[1].against, 0);
        assert_int_equal(s.steps[2].against, 1);
        assert_same_as_compare(&s.steps[1], CUMUL ":base", CUMUL ":fast", &o);
        assert_same_as_compare(&s.steps[2], CUMUL ":fast", CUMUL ":tsc", &o);
        /* a broken step, and the one compared against it */
        assert_true(s.steps[3].broken);
        assert_false(s.steps[3].against_broken);
        assert_false(s.steps[4].broken);
        assert_true(s.steps[4].against_broken);
        assert_false(s.steps[4].compared);
        assert_true(isnan(s.steps[4].saving_ns));
        /* its median is still known: the step against itself */
        assert_true(fabs(s.steps[4].median_ns - s.steps[1].median_ns) < 1);
        /* overall: the last unbroken step against the baseline */
        assert_true(s.has_overall);
        assert_string_equal(s.overall.name, "overall");
        assert_string_equal(s.overall.variant, "after");
        assert_same_as_compare(&s.overall, CUMUL ":base", CUMUL ":after", &o);
        assert_true(s.baseline_ns == s.steps[0].median_ns);
        assert_true(s.final_ns == s.steps[4].median_ns);
        savings_free(&s);
}

static void test_savings_leaves_starved_runs_out_on_request(void **state)
{
        struct compare_options o;
        struct savings s;
        char err[512];

        (void)state;
        options(&o);
        o.exclude_starved = true;
        assert_int_equal(savings_analyse(&s, EACH, &o, err, sizeof(err)), 0);
        assert_int_equal(s.steps[1].left_out, 1);
        assert_int_equal(s.steps[1].cmp.new.used, 7);
        assert_same_as_compare(&s.steps[1], EACH ":base", EACH ":fast", &o);
        savings_free(&s);
}

static void test_savings_by_cpu_compares_qemu_cpu_time(void **state)
{
        struct compare_options o;
        struct savings s;
        char err[512];
        const struct savings_step *fast, *host;

        (void)state;
        options(&o);
        assert_int_equal(savings_analyse_by(&s, EACH, &o, SAVINGS_BY_CPU, err, sizeof(err)), 0);
        assert_int_equal(s.basis, SAVINGS_BY_CPU);
        /* the fixture's runs all have the template's QEMU CPU time:
         * 2066.784 ms user + 217.140 ms system */
        assert_true(fabs(s.steps[0].median_ns - 2283.924 * MS) < 1);
        fast = &s.steps[1];
        assert_true(fast->compared);
        assert_int_equal(fast->cmp.n, 1); /* the one metric */
        assert_true(fast->saving_ns == 0);
        assert_int_equal(fast->verdict, STATS_SAME);
        /* what moved still comes from the dumps */
        assert_string_equal(fast->phase.name, "initcalls");
        assert_string_equal(fast->fns[0].name, "init_kprobe_trace");
        host = &s.steps[3];
        assert_true(host->compared);
        assert_int_equal(host->cmp.n, 1);
        assert_true(fabs(host->median_ns - 2283.924 * MS) < 1);
        assert_true(s.steps[2].broken);
        savings_free(&s);
}

static int by_value(const void *pa, const void *pb)
{
        double a = *(const double *)pa, b = *(const double *)pb;

        return a < b ? -1 : a > b;
}

/* The median of the uptime_ns= of the dump begin lines of runs first,
 * first + step, ... (up to last) of the fixture dir, read as text: not
 * through the analyzer. */
static double uptime_median(const char *dir, unsigned first, unsigned step, unsigned last)
{
        double v[64];
        size_t n = 0;

        for (unsigned run = first; run <= last; run += step) {
                char path[512], line[4096];
                FILE *f;
                const char *u = NULL;

                snprintf(path, sizeof(path), "%s/runs/%04u.console", dir, run);
                f = fopen(path, "r");
                assert_non_null(f);
                while (!u && fgets(line, sizeof(line), f))
                        if (!strncmp(line, "@@bootlens v1 begin ", 20))
                                u = strstr(line, " uptime_ns=");
                fclose(f);
                assert_non_null(u);
                v[n++] = strtod(u + strlen(" uptime_ns="), NULL);
        }
        qsort(v, n, sizeof(*v), by_value);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void test_savings_by_guest_compares_the_guest_clock_at_the_dump(void **state)
{
        struct compare_options o;
        struct savings s, total;
        char err[512];
        const struct savings_step *base, *fast, *host;
        /* each/: run 1 + 4k is base's, 2 + 4k fast's (README.md there) */
        double mb = uptime_median(EACH, 1, 4, 32), mf = uptime_median(EACH, 2, 4, 32);

        (void)state;
        options(&o);
        assert_int_equal(savings_analyse_by(&s, EACH, &o, SAVINGS_BY_GUEST, err, sizeof(err)), 0);
        assert_int_equal(s.basis, SAVINGS_BY_GUEST);
        base = &s.steps[0];
        fast = &s.steps[1];
        assert_true(fabs(mb - 2332.656 * MS) < 0.001 * MS);
        assert_true(base->median_ns == mb);
        assert_true(fast->median_ns == mf);
        assert_true(fast->compared);
        assert_int_equal(fast->cmp.n, 1); /* the one metric */
        assert_string_equal(fast->cmp.m[0].name, "total");
        assert_int_equal(fast->cmp.base.used, 8);
        assert_int_equal(fast->cmp.new.used, 8);
        assert_true(fabs(fast->saving_ns - (mb - mf)) < 1);
        assert_true(fabs(fast->rel - (mb - mf) / mb) < 1e-9);
        assert_true(fast->saving_lo_ns <= fast->saving_ns && fast->saving_ns <= fast->saving_hi_ns);
        assert_true(fast->p_holm < 0.01);
        assert_int_equal(fast->verdict, STATS_SAME); /* 39.6 ms, under 2% */
        /* what moved still comes from the dumps */
        assert_string_equal(fast->phase.name, "initcalls");
        assert_string_equal(fast->fns[0].name, "init_kprobe_trace");
        assert_true(s.steps[2].broken);
        /* a host-timed step (no dump) stays compared by the host's total */
        host = &s.steps[3];
        assert_int_equal(savings_analyse(&total, EACH, &o, err, sizeof(err)), 0);
        assert_true(host->compared);
        assert_int_equal(host->cmp.n, 1);
        assert_true(host->saving_ns == total.steps[3].saving_ns);
        assert_true(host->median_ns == total.steps[3].median_ns);
        assert_int_equal(host->verdict, total.steps[3].verdict);
        savings_free(&total);
        savings_free(&s);

        /* a starved run left out is left out of the guest's values too */
        o.exclude_starved = true;
        assert_int_equal(savings_analyse_by(&s, EACH, &o, SAVINGS_BY_GUEST, err, sizeof(err)), 0);
        assert_int_equal(s.steps[1].cmp.new.used, 7);
        assert_int_equal(s.steps[1].left_out, 1);
        savings_free(&s);

        /* cumulative: tsc against fast, and the overall line */
        o.exclude_starved = false;
        assert_int_equal(savings_analyse_by(&s, CUMUL, &o, SAVINGS_BY_GUEST, err, sizeof(err)), 0);
        assert_true(s.steps[2].median_ns == uptime_median(CUMUL, 3, 5, 40));
        assert_true(fabs(s.steps[2].saving_ns -
                         (uptime_median(CUMUL, 2, 5, 40) - uptime_median(CUMUL, 3, 5, 40))) < 1);
        assert_true(s.has_overall && s.overall.compared);
        assert_true(fabs(s.overall.saving_ns - (mb - uptime_median(CUMUL, 5, 5, 40))) < 1);
        savings_free(&s);
}

static void test_savings_refuses_a_session_that_is_no_sweep(void **state)
{
        struct compare_options o;
        struct savings s;
        char err[512];

        (void)state;
        options(&o);
        assert_int_equal(
            savings_analyse(&s, BOOTLENS_TEST_DATA "/compare/ab", &o, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, "sweep.json"));
        assert_non_null(strstr(err, "not a sweep session"));
        savings_free(&s);
        assert_int_equal(
            savings_analyse(&s, BOOTLENS_TEST_DATA "/no-such-dir", &o, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, "not a bootlens session"));
        savings_free(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_savings_each_compares_every_knob_with_the_baseline),
            cmocka_unit_test(test_savings_cumulative_compares_each_step_with_the_one_before),
            cmocka_unit_test(test_savings_leaves_starved_runs_out_on_request),
            cmocka_unit_test(test_savings_by_cpu_compares_qemu_cpu_time),
            cmocka_unit_test(test_savings_by_guest_compares_the_guest_clock_at_the_dump),
            cmocka_unit_test(test_savings_refuses_a_session_that_is_no_sweep),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
