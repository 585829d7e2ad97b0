/* Unit tests of the analysis's clock range (analyzer/analysis.c) and of
 * what the run and the renderers make of times at its ends (issue 10 bug
 * 1): no arithmetic wraps, a difference that cannot be represented is
 * unavailable, never a wrong number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/run.h"
#include "reports/json.h"
#include "reports/report.h"
#include "reports/table.h"

static void test_analysis_span_sub_point_at_the_ends_of_int64(void **state)
{
        uint64_t d;
        int64_t s, p;

        assert_true(analysis_span(INT64_MIN, INT64_MAX, &d));
        assert_true(d == UINT64_MAX);
        assert_true(analysis_span(-EV_CLOCK_MAX, EV_CLOCK_MAX, &d));
        assert_true(d == UINT64_MAX - 1);
        assert_true(analysis_span(5, 5, &d) && d == 0);
        assert_false(analysis_span(1, 0, &d));
        assert_true(analysis_sub(INT64_MAX, 0, &s) && s == INT64_MAX);
        assert_false(analysis_sub(INT64_MAX, -1, &s));
        assert_false(analysis_sub(INT64_MIN, 1, &s));
        assert_true(analysis_sub(-1, INT64_MAX, &s) && s == INT64_MIN);
        assert_true(analysis_point(EV_CLOCK_MAX, &p) && p == INT64_MAX);
        assert_false(analysis_point((uint64_t)EV_CLOCK_MAX + 1, &p));
        assert_false(analysis_point(UINT64_MAX, &p));
}

static char *render(const struct run *r, bool json)
{
        struct report_options o = {.unit = REPORT_CYCLES, .top = 5, .max_warnings = 50};
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        assert_non_null(f);
        if (json)
                assert_int_equal(json_write(f, r, 5), 0);
        else
                assert_int_equal(table_write(f, r, &o), 0);
        fclose(f);
        return text;
}

static const struct phase_result *result(const struct run *r, const char *name)
{
        for (size_t k = 0; k < r->phases->nresults; k++)
                if (strcmp(r->phases->results[k].def->name, name) == 0)
                        return &r->phases->results[k];
        fail_msg("no phase %s", name);
        return NULL;
}

/* Phase points at -EV_CLOCK_MAX and EV_CLOCK_MAX: the boot span and the
 * phase are 2^64 - 2 cycles, exactly, in the table; JSON cannot hold that
 * in an int64 and says null, never a clamped or negative number. */
static void test_points_at_the_ends_of_the_range_are_exact_or_null(void **state)
{
        static const char map[] = "wide: lo -> hi\nhalf: kernel.zero -> hi\n";
        char *in = strdup("0x1 1000 ENTER a\n0x1 2000 EXIT a\n");
        struct run_options o = {.os = EV_OS_FREEBSD, .map = map, .map_len = sizeof(map) - 1};
        struct run r;
        json_error_t jerr;
        json_t *j, *ph;
        char *text;

        assert_int_equal(run_analyse(&r, "t", in, strlen(in), &o, NULL, NULL), 0);
        assert_int_equal(phases_set_point(r.phases, "lo", -EV_CLOCK_MAX), 0);
        assert_int_equal(phases_set_point(r.phases, "hi", EV_CLOCK_MAX), 0);
        assert_int_equal(phases_set_point(r.phases, "kernel.zero", 0), 0);
        analysis_free(&r.analysis);
        assert_int_equal(analysis_run(&r.analysis, &r.trace, r.phases), 0);
        assert_true(r.analysis.has_boot);
        assert_true(analysis_boot_span(&r.analysis) == UINT64_MAX - 1);
        assert_true(result(&r, "wide")->available);
        text = render(&r, false);
        assert_non_null(strstr(text, "boot     18446744073709551614 cycles"));
        assert_non_null(strstr(text, "  wide "));
        assert_non_null(strstr(text, " 18446744073709551614   100.0\n"));
        assert_non_null(strstr(text, " 9223372036854775807    50.0\n")); /* half */
        assert_null(strstr(text, "18446744073709551616"));
        free(text);
        text = render(&r, true);
        j = json_loads(text, 0, &jerr);
        assert_non_null(j);
        assert_true(json_is_null(json_object_get(json_object_get(j, "boot"), "span_cycles")));
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(j, "boot"), "start_cycles")),
            -EV_CLOCK_MAX);
        ph = json_array_get(json_object_get(j, "phases"), 0);
        assert_true(json_is_true(json_object_get(ph, "available")));
        assert_true(json_is_null(json_object_get(ph, "duration_cycles")));
        ph = json_array_get(json_object_get(j, "phases"), 1);
        assert_int_equal(json_integer_value(json_object_get(ph, "duration_cycles")), INT64_MAX);
        json_decref(j);
        free(text);
        run_free(&r);
}

/* A record beyond EV_CLOCK_MAX that a parser let through (built by hand:
 * the parsers refuse it): no boot span rather than a wrapped one, and a
 * warning on its line. The function's duration stays exact in the table. */
static void test_a_record_beyond_the_range_leaves_the_boot_span_unavailable(void **state)
{
        struct ev_trace t;
        struct analysis a;
        struct ev_record rec = {.ts = 1000, .thread = 1, .line = 1, .kind = EV_ENTER};

        assert_int_equal(ev_trace_init(&t, "t"), 0);
        rec.name = (uint32_t)ev_intern(&t, "a", 1);
        assert_true(ev_add(&t, &rec) >= 0);
        rec.ts = (uint64_t)EV_CLOCK_MAX + 1001; /* 2^63 + 1000 */
        rec.kind = EV_EXIT;
        rec.line = 2;
        assert_true(ev_add(&t, &rec) >= 0);
        assert_int_equal(analysis_run(&a, &t, NULL), 0);
        assert_false(a.has_boot);
        assert_int_equal(analysis_boot_span(&a), 0);
        assert_int_equal(t.nwarns, 1);
        assert_int_equal(t.warns[0].line, 2);
        assert_non_null(strstr(t.warns[0].msg, "beyond the analyzer's clock range"));
        analysis_free(&a);
        ev_trace_free(&t);
}

/* tsc_now=2^64-1 on a FreeBSD dump: dump.begin is not placed at -1 (the
 * userland phase does not "end before it starts"), and a warning says
 * why, whichever layer (the parser or the run) refuses it. */
static void test_tsc_now_beyond_the_range_places_no_dump_begin(void **state)
{
        static const char map[] = "userland: EXIT a -> dump.begin\n";
        char *in = strdup("@@bootlens v1 begin os=freebsd tsc_freq=1000000000 "
                          "tsc_now=18446744073709551615\n0x1 1000 ENTER a\n0x1 2000 EXIT a\n");
        struct run_options o = {.os = EV_OS_FREEBSD, .map = map, .map_len = sizeof(map) - 1};
        struct run r;
        int64_t at;
        bool warned = false;

        assert_int_equal(run_analyse(&r, "t", in, strlen(in), &o, NULL, NULL), 0);
        assert_false(phases_get_point(r.phases, "dump.begin", &at));
        assert_false(result(&r, "userland")->inverted);
        assert_false(result(&r, "userland")->available);
        for (size_t k = 0; k < r.trace.nwarns; k++)
                warned |= strstr(r.trace.warns[k].msg, "tsc_now") != NULL;
        assert_true(warned);
        assert_true(r.analysis.has_boot);
        assert_int_equal(analysis_boot_span(&r.analysis), 2000);
        run_free(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_analysis_span_sub_point_at_the_ends_of_int64),
            cmocka_unit_test(test_points_at_the_ends_of_the_range_are_exact_or_null),
            cmocka_unit_test(test_a_record_beyond_the_range_leaves_the_boot_span_unavailable),
            cmocka_unit_test(test_tsc_now_beyond_the_range_places_no_dump_begin),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
