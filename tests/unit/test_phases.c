/* Unit tests of the phase maps (analyzer/phases.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/events.h"
#include "analyzer/phases.h"
#include "analyzer/tslog.h"
#include "base/util.h"

#define HEAD BOOTLENS_SAMPLES "/freebsd15-firecracker-tslog-head.txt"

static void parse(struct ev_trace *t, const char *s)
{
        assert_int_equal(ev_trace_init(t, "test"), 0);
        assert_int_equal(tslog_parse(t, s, strlen(s), NULL, NULL), 0);
}

static const struct phase_result *result(const struct phases *p, const char *name)
{
        for (size_t k = 0; k < p->nresults; k++)
                if (strcmp(p->results[k].def->name, name) == 0)
                        return &p->results[k];
        fail_msg("no phase %s", name);
        return NULL;
}

static void test_phases_freebsd_default_on_the_head_sample(void **state)
{
        struct phases *p = phases_new();
        struct ev_trace t;
        char *buf;
        size_t len;
        const struct phase_result *r;

        assert_int_equal(util_read_file(HEAD, &buf, &len), 0);
        assert_int_equal(ev_trace_init(&t, "head"), 0);
        assert_int_equal(tslog_parse(&t, buf, len, NULL, NULL), 0);
        assert_int_equal(phases_load_default(p, t.os), 0);
        assert_string_equal(p->source, "builtin:freebsd");
        assert_int_equal(phases_set_point(p, "guest.tsc0", 0), 0);
        assert_int_equal(phases_compute(p, &t), 0);
        assert_int_equal(p->nresults, 6);
        r = result(p, "vmm");
        assert_false(r->available);
        assert_string_equal(r->missing, "host.spawn");
        r = result(p, "firmware");
        assert_true(r->available);
        assert_int_equal(r->end - r->start, 14119002);
        assert_int_equal(r->end_line, 9);
        r = result(p, "early");
        assert_true(r->available);
        assert_int_equal(r->end - r->start, 27997272 - 14119002);
        r = result(p, "sysinit");
        assert_false(r->available);
        assert_string_equal(r->missing, "ENTER start_init");
        assert_true(r->has_start);
        r = result(p, "userland");
        assert_false(r->available);
        phases_free(p);
        ev_trace_free(&t);
        free(buf);
}

static void test_phases_map_syntax_comments_and_arguments(void **state)
{
        static const char map[] = "# a comment line\n"
                                  "\n"
                                  "apic:  ENTER SYSINIT apic_init -> EXIT SYSINIT apic_init  # x\n"
                                  "any sysinit: ENTER SYSINIT -> host.ready\n"
                                  "back: EXIT f -> ENTER f\n";
        struct phases *p = phases_new();
        struct ev_trace t;
        char *err = NULL;
        const struct phase_result *r;

        parse(&t, "0xa 100 ENTER SYSINIT other\n0xa 150 EXIT SYSINIT other\n"
                  "0xa 200 ENTER SYSINIT apic_init\n0xa 260 EXIT SYSINIT apic_init\n"
                  "0xa 300 ENTER f\n0xa 400 EXIT f\n");
        assert_int_equal(phases_load_map(p, map, strlen(map), "m.map", &err), 0);
        assert_null(err);
        assert_int_equal(p->ndefs, 3);
        assert_string_equal(p->defs[0].from.text, "ENTER SYSINIT apic_init");
        assert_int_equal(p->defs[0].line, 3);
        assert_int_equal(p->defs[1].to.kind, PHASE_POINT);
        assert_int_equal(phases_set_point(p, "host.ready", 1000), 0);
        assert_int_equal(phases_set_point(p, "host.ready", 700), 0); /* the last value wins */
        assert_int_equal(phases_compute(p, &t), 0);
        r = result(p, "apic");
        assert_true(r->available);
        assert_int_equal(r->start, 200);
        assert_int_equal(r->end, 260);
        r = result(p, "any sysinit"); /* without an argument, any argument matches */
        assert_true(r->available);
        assert_int_equal(r->start, 100);
        assert_int_equal(r->end, 700);
        r = result(p, "back");
        assert_false(r->available);
        assert_true(r->inverted);
        assert_null(r->missing);
        phases_free(p);
        ev_trace_free(&t);
}

static void expect_error(const char *map, const char *want)
{
        struct phases *p = phases_new();
        char *err = NULL;

        assert_int_equal(phases_load_map(p, map, strlen(map), "bad.map", &err), -EINVAL);
        assert_non_null(err);
        if (strncmp(err, want, strlen(want)) != 0)
                fail_msg("error '%s' does not start with '%s'", err, want);
        free(err);
        phases_free(p);
}

static void test_phases_map_errors_name_file_and_line(void **state)
{
        expect_error("ok: a.b -> c.d\nno arrow: ENTER x\n", "bad.map:2: expected");
        expect_error("# c\n\nx: ENTER -> c.d\n", "bad.map:3: ENTER or EXIT needs");
        expect_error("x: two words -> c.d\n", "bad.map:1: an event is");
        expect_error("x: a.b -> c.d\nx: a.b -> c.d\n", "bad.map:2: phase defined twice");
        expect_error(": a.b -> c.d\n", "bad.map:1: phase without a name");
        expect_error("# nothing\n", "bad.map: no phase");
        expect_error("x: a$b -> c\n", "bad.map:1: a point name");
}

static void test_phases_defaults_exist_for_the_bsds(void **state)
{
        struct phases *p = phases_new();

        assert_non_null(phases_default_map(EV_OS_FREEBSD));
        assert_non_null(phases_default_map(EV_OS_NETBSD));
        assert_int_equal(phases_load_default(p, EV_OS_NETBSD), 0);
        assert_string_equal(p->defs[1].to.text, "ENTER main");
        assert_int_equal(phases_load_default(p, EV_OS_UNKNOWN), -ENOENT);
        phases_free(p);
}

static void test_phases_negative_points(void **state)
{
        static const char map[] = "vmm: host.spawn -> guest.tsc0\n";
        struct phases *p = phases_new();
        struct ev_trace t;

        parse(&t, "0xa 1 ENTER f\n");
        assert_int_equal(phases_load_map(p, map, strlen(map), "m", NULL), 0);
        assert_int_equal(phases_set_point(p, "host.spawn", -5000), 0);
        assert_int_equal(phases_set_point(p, "guest.tsc0", 0), 0);
        assert_int_equal(phases_compute(p, &t), 0);
        assert_true(p->results[0].available);
        assert_int_equal(p->results[0].end - p->results[0].start, 5000);
        phases_free(p);
        ev_trace_free(&t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_phases_freebsd_default_on_the_head_sample),
            cmocka_unit_test(test_phases_map_syntax_comments_and_arguments),
            cmocka_unit_test(test_phases_map_errors_name_file_and_line),
            cmocka_unit_test(test_phases_defaults_exist_for_the_bsds),
            cmocka_unit_test(test_phases_negative_points),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
