/* Unit tests of the JSON report (reports/json.c): it parses back, carries
 * schema_version, and holds the numbers of the real samples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/tslog.h"
#include "base/util.h"
#include "reports/json.h"

#define HEAD BOOTLENS_SAMPLES "/freebsd15-firecracker-tslog-head.txt"
#define TAIL BOOTLENS_SAMPLES "/freebsd15-firecracker-tslog-tail.txt"

/* Analyse buf, write the report and parse it back. */
static json_t *report_of(const char *buf, size_t len)
{
        struct ev_trace t;
        struct analysis a;
        struct phases *ph = phases_new();
        json_error_t jerr;
        json_t *j;
        char *text = NULL;
        size_t tlen = 0;
        FILE *f = open_memstream(&text, &tlen);

        assert_non_null(f);
        assert_int_equal(ev_trace_init(&t, "sample"), 0);
        assert_int_equal(tslog_parse(&t, buf, len, NULL, NULL), 0);
        assert_int_equal(phases_load_default(ph, t.os), 0);
        assert_int_equal(phases_set_point(ph, "guest.tsc0", 0), 0);
        assert_int_equal(analysis_run(&a, &t, ph), 0);
        assert_int_equal(json_write(f, &a), 0);
        fclose(f);
        j = json_loads(text, 0, &jerr);
        if (!j)
                fail_msg("report does not parse: %s (line %d)", jerr.text, jerr.line);
        free(text);
        analysis_free(&a);
        phases_free(ph);
        ev_trace_free(&t);
        return j;
}

static json_t *report_of_file(const char *path)
{
        char *buf;
        size_t len;
        json_t *j;

        assert_int_equal(util_read_file(path, &buf, &len), 0);
        j = report_of(buf, len);
        free(buf);
        return j;
}

static void test_json_head_sample(void **state)
{
        json_t *j = report_of_file(HEAD), *fn, *v;
        size_t k;
        bool found = false;

        assert_int_equal(json_integer_value(json_object_get(j, "schema_version")),
                         JSON_SCHEMA_VERSION);
        assert_true(json_is_true(json_object_get(json_object_get(j, "dump"), "truncated")));
        assert_int_equal(json_array_size(json_object_get(json_object_get(j, "dump"), "reasons")),
                         2);
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(j, "input"), "freq_hz")),
            2445431964LL);
        json_array_foreach(json_object_get(j, "functions"), k, fn)
        {
                if (strcmp(json_string_value(json_object_get(fn, "name")), "hammer_time") != 0)
                        continue;
                found = true;
                assert_int_equal(json_integer_value(json_object_get(fn, "total_cycles")), 13877804);
                v = json_object_get(fn, "total_ns");
                assert_true(json_is_integer(v));
                assert_int_equal(json_integer_value(v), 5674991); /* 5.675 ms */
        }
        assert_true(found);
        /* flat nodes: every parent id precedes its children */
        v = json_object_get(json_array_get(json_object_get(j, "threads"), 0), "nodes");
        assert_true(json_array_size(v) > 50);
        assert_true(json_is_null(json_object_get(json_array_get(v, 0), "parent")));
        json_decref(j);
}

static void test_json_tail_sample(void **state)
{
        json_t *j = report_of_file(TAIL), *p;
        size_t k, children = 0;

        assert_int_equal(json_array_size(json_object_get(j, "unmatched_exits")), 4);
        assert_int_equal(json_array_size(json_object_get(j, "open_at_dump")), 2);
        assert_int_equal(json_array_size(json_object_get(j, "processes")), 31);
        json_array_foreach(json_object_get(j, "processes"), k, p)
        {
                if (json_integer_value(json_object_get(p, "ppid")) == 15)
                        children++;
                if (json_integer_value(json_object_get(p, "pid")) == 15)
                        assert_string_equal(json_string_value(json_object_get(p, "name")),
                                            "/etc/rc");
        }
        assert_int_equal(children, 16);
        /* no frequency: cycles only */
        assert_true(json_is_null(json_object_get(json_object_get(j, "input"), "freq_hz")));
        p = json_array_get(json_object_get(j, "functions"), 0);
        assert_non_null(json_object_get(p, "self_cycles"));
        assert_null(json_object_get(p, "self_ns"));
        json_decref(j);
}

static void test_json_replaces_bad_utf8(void **state)
{
        static const char dump[] = "0xa 1 ENTER caf\xe9\n0xa 2 EXIT caf\xe9\n";
        json_t *j = report_of(dump, strlen(dump));
        json_t *fn = json_array_get(json_object_get(j, "functions"), 0);

        assert_string_equal(json_string_value(json_object_get(fn, "name")), "caf\xef\xbf\xbd");
        json_decref(j);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_json_head_sample),
            cmocka_unit_test(test_json_tail_sample),
            cmocka_unit_test(test_json_replaces_bad_utf8),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
