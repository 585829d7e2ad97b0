/* Unit tests of user-space marks (analyzer/umarks.c): pairing the guest's
 * mark events with the collector's host stamps, and a real run whose
 * dumper exec'd a busybox init that printed marks (tests/data/
 * linux-session-userinit, its script beside it as init-real) through
 * the run model (analyzer/runset.c, run.c) and its table and JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyzer/run.h"
#include "analyzer/runset.h"
#include "analyzer/umarks.h"
#include "reports/json.h"
#include "reports/table.h"

#define SESSION BOOTLENS_TEST_DATA "/linux-session-userinit"

static void add_event(struct ev_trace *t, const char *name, uint64_t ts, uint32_t line)
{
        int64_t id = ev_intern(t, name, strlen(name));
        struct ev_record r = {.ts = ts, .name = (uint32_t)id, .line = line, .kind = EV_EVENT};

        assert_true(id > 0);
        assert_true(ev_add(t, &r) >= 0);
}

static void test_marks_come_in_line_order_paired_by_name(void **state)
{
        /* host list in console order; "a" twice, "lost" never stamped */
        const struct umarks_host host[] = {
            {"a", 1000 + 10}, {"b", 1000 + 20}, {"a", 1000 + 30}, {NULL, 0}, {"c", 500}};
        struct ev_trace t;
        struct umarks m;

        assert_int_equal(ev_trace_init(&t, "synthetic"), 0);
        add_event(&t, "kernel.run_init", 1, 1);
        add_event(&t, "mark.a", 300, 30); /* records out of line order */
        add_event(&t, "mark.a", 100, 10);
        add_event(&t, "mark.lost", 150, 15);
        add_event(&t, "mark.b", 200, 20);
        add_event(&t, "mark.c", 400, 40);
        assert_int_equal(umarks_collect(&t, host, 5, 1000, &m), 0);
        assert_int_equal(m.n, 5);
        assert_string_equal(m.v[0].name, "a");
        assert_int_equal(m.v[0].line, 10);
        assert_int_equal(m.v[0].guest_ns, 100);
        assert_true(m.v[0].has_host);
        assert_int_equal(m.v[0].host_ns, 10);
        assert_string_equal(m.v[1].name, "lost");
        assert_false(m.v[1].has_host);
        assert_string_equal(m.v[2].name, "b");
        assert_int_equal(m.v[2].host_ns, 20);
        assert_string_equal(m.v[3].name, "a");
        assert_int_equal(m.v[3].guest_ns, 300);
        assert_int_equal(m.v[3].host_ns, 30);
        assert_string_equal(m.v[4].name, "c");
        assert_false(m.v[4].has_host); /* stamped before spawn: not trusted */
        umarks_free(&m);
        assert_int_equal(umarks_collect(&t, NULL, 0, 0, &m), 0);
        assert_int_equal(m.n, 5);
        assert_false(m.v[0].has_host);
        umarks_free(&m);
        ev_trace_free(&t);
}

/* Guest bytes in a name: cut and made printable as the collector does, so
 * the name pairs with its stamp and is safe to print. */
static void test_names_are_made_safe_and_pair_as_stamped(void **state)
{
        char longname[100];
        const struct umarks_host host[] = {
            {"bad?name??", 1000 + 5},
            {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 1000 + 6}};
        struct ev_trace t;
        struct umarks m;

        memset(longname, 'x', sizeof(longname));
        memcpy(longname, "mark.", 5);
        longname[sizeof(longname) - 1] = '\0';
        assert_int_equal(ev_trace_init(&t, "synthetic"), 0);
        add_event(&t, "mark.bad\033name\377\t", 100, 1);
        add_event(&t, longname, 200, 2);
        assert_int_equal(umarks_collect(&t, host, 2, 1000, &m), 0);
        assert_int_equal(m.n, 2);
        assert_string_equal(m.v[0].name, "bad?name??");
        assert_true(m.v[0].has_host);
        assert_int_equal(strlen(m.v[1].name), UMARKS_NAME_MAX);
        assert_true(m.v[1].has_host);
        assert_int_equal(m.v[1].host_ns, 6);
        umarks_free(&m);
        ev_trace_free(&t);
}

static void test_no_marks_is_empty(void **state)
{
        struct ev_trace t;
        struct umarks m;

        assert_int_equal(ev_trace_init(&t, "synthetic"), 0);
        add_event(&t, "kernel.run_init", 1, 1);
        add_event(&t, "marked", 2, 2); /* not "mark." */
        assert_int_equal(umarks_collect(&t, NULL, 0, 0, &m), 0);
        assert_int_equal(m.n, 0);
        assert_null(m.v);
        umarks_free(&m);
        ev_trace_free(&t);
}

static void load(struct run *r, const char *map)
{
        struct run_options o = {.map = map, .map_len = map ? strlen(map) : 0};
        struct runset rs;
        char msg[256], *err = NULL;

        assert_int_equal(runset_open(SESSION, &rs, msg, sizeof(msg)), 0);
        assert_int_equal(runset_analyse(&rs, 0, &o, r, &err), 0);
        assert_null(err);
        runset_free(&rs);
}

/* The run's JSON report, parsed back. */
static json_t *report(const struct run *r)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        json_t *j;

        assert_non_null(f);
        assert_int_equal(json_write(f, r, 20), 0);
        fclose(f);
        j = json_loads(text, 0, NULL);
        assert_non_null(j);
        free(text);
        return j;
}

/* The run's marks: the dumper's exec-init, then the script's three. */
static void test_real_run_marks_on_both_clocks(void **state)
{
        static const struct {
                const char *name;
                int64_t since, host_since;
        } want[] = {{"exec-init", 220649309, 219671559},
                    {"rc-start", 287272562, 286283177},
                    {"mounted", 320201537, 326072500},
                    {"slept", 546774442, 545779150}};
        struct run r;
        json_t *doc, *j;

        load(&r, NULL);
        assert_int_equal(r.marks.n, 4);
        doc = report(&r);
        j = json_object_get(doc, "marks");
        assert_int_equal(json_array_size(j), 4);
        for (size_t i = 0; i < 4; i++) {
                json_t *o = json_array_get(j, i);

                assert_string_equal(json_string_value(json_object_get(o, "name")), want[i].name);
                assert_int_equal(json_integer_value(json_object_get(o, "since_run_init_ns")),
                                 want[i].since);
                assert_int_equal(json_integer_value(json_object_get(o, "host_since_run_init_ns")),
                                 want[i].host_since);
                assert_true(json_is_true(json_object_get(o, "after_dump")));
        }
        /* the script's "sleep 0.2" between mounted and slept, on both clocks */
        assert_true(want[3].since - want[2].since >= 200000000);
        assert_true(want[3].host_since - want[2].host_since >= 200000000);
        json_decref(doc);
        run_free(&r);
}

static void test_real_run_marks_table(void **state)
{
        struct report_options o = {.unit = REPORT_MS, .top = 5, .max_warnings = 10, .brief = true};
        struct run r;
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        assert_non_null(f);
        load(&r, NULL);
        assert_int_equal(table_write(f, &r, &o), 0);
        fclose(f);
        assert_non_null(strstr(text, "  user space marks (ms since Run /init)\n"));
        assert_non_null(strstr(text, "  exec-init                    220.649     219.672           "
                                     "-           -  (after the dump)\n"));
        assert_non_null(strstr(text, "  slept                        546.774     545.779     "
                                     "226.573     219.707\n"));
        assert_non_null(strstr(text, "  user space ran after the dump (bootlens.init): the "
                                     "power-off phase includes it\n"));
        free(text);
        run_free(&r);
}

/* mark.NAME is a phase point a map can name. */
static void test_phase_map_names_marks(void **state)
{
        const char *map = "dumper: kernel.run_init -> mark.exec-init\n"
                          "sleep: mark.mounted -> mark.slept\n"
                          "nope: mark.nosuch -> mark.slept\n";
        struct run r;
        const struct phases *ph;

        load(&r, map);
        ph = r.analysis.phases;
        assert_int_equal(ph->nresults, 3);
        assert_true(ph->results[0].available);
        assert_int_equal(ph->results[0].end - ph->results[0].start, 220649309);
        assert_true(ph->results[1].available);
        assert_int_equal(ph->results[1].end - ph->results[1].start, 546774442 - 320201537);
        assert_false(ph->results[2].available);
        run_free(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_marks_come_in_line_order_paired_by_name),
            cmocka_unit_test(test_names_are_made_safe_and_pair_as_stamped),
            cmocka_unit_test(test_no_marks_is_empty),
            cmocka_unit_test(test_real_run_marks_on_both_clocks),
            cmocka_unit_test(test_real_run_marks_table),
            cmocka_unit_test(test_phase_map_names_marks),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
