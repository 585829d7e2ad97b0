/* Unit tests of the JSON report (reports/json.c): it parses back, carries
 * schema_version, and holds the numbers of the real samples; and of the
 * streaming writer under it (reports/jsonw.c): jansson's layout, escaping,
 * bad UTF-8, sticky errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyzer/run.h"
#include "base/util.h"
#include "reports/json.h"
#include "reports/jsonw.h"

#define HEAD BOOTLENS_SAMPLES "/freebsd15-firecracker-tslog-head.txt"
#define TAIL BOOTLENS_SAMPLES "/freebsd15-firecracker-tslog-tail.txt"

/* Analyse buf and write the report; *text is malloc'd. */
static void report_text(const char *buf, size_t len, char **text)
{
        struct run_options o = {0};
        struct run r;
        char *copy = malloc(len);
        size_t tlen = 0;
        FILE *f = open_memstream(text, &tlen);

        assert_non_null(f);
        assert_non_null(copy);
        memcpy(copy, buf, len);
        assert_int_equal(run_analyse(&r, "sample", copy, len, &o, NULL, NULL), 0);
        assert_int_equal(json_write(f, &r, 20), 0);
        fclose(f);
        run_free(&r);
}

/* Analyse buf, write the report and parse it back. */
static json_t *report_of(const char *buf, size_t len)
{
        json_error_t jerr;
        json_t *j;
        char *text = NULL;

        report_text(buf, len, &text);
        j = json_loads(text, 0, &jerr);
        if (!j)
                fail_msg("report does not parse: %s (line %d)", jerr.text, jerr.line);
        free(text);
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

/* The writer's text of a small document with every kind of value. */
static char *small_doc(FILE *(*open)(char **, size_t *), int *err)
{
        struct jsonw *w = malloc(sizeof(*w));
        char *text = NULL;
        size_t len = 0;
        FILE *f = open(&text, &len);

        assert_non_null(w);
        assert_non_null(f);
        jsonw_init(w, f);
        jsonw_obj_begin(w);
        jsonw_key(w, "a");
        jsonw_int(w, INT64_MIN);
        jsonw_key(w, "b");
        jsonw_arr_begin(w);
        jsonw_uint(w, UINT64_MAX);
        jsonw_real(w, 2.0);
        jsonw_real(w, 0.1);
        jsonw_bool(w, true);
        jsonw_null(w);
        jsonw_str(w, NULL);
        jsonw_obj_begin(w);
        jsonw_obj_end(w);
        jsonw_arr_begin(w);
        jsonw_arr_end(w);
        jsonw_arr_end(w);
        jsonw_key(w, "s\n");
        jsonw_str(
            w, "q\"b\\c\x01\x1f\t\r\n\b\f\x7f \xc3\xa9 \xe9 \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 "
               "\xe2\x82");
        jsonw_obj_end(w);
        *err = jsonw_finish(w);
        fclose(f);
        free(w);
        return text;
}

static FILE *memstream(char **text, size_t *len)
{
        return open_memstream(text, len);
}

static void test_jsonw_writes_what_jansson_writes(void **state)
{
        int err;
        char *text = small_doc(memstream, &err), *again;
        json_error_t jerr;
        json_t *j;

        assert_int_equal(err, 0);
        j = json_loads(text, 0, &jerr);
        if (!j)
                fail_msg("does not parse: %s: %s", jerr.text, text);
        /* the same layout as jansson's JSON_INDENT(2), byte for byte */
        again = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        assert_string_equal(text, again);
        assert_int_equal(json_integer_value(json_object_get(j, "a")), INT64_MIN);
        /* beyond INT64_MAX a reader cannot hold it: null, not a clamped
         * (wrong) number (issue 10 bug 1) */
        assert_true(json_is_null(json_array_get(json_object_get(j, "b"), 0)));
        assert_true(json_real_value(json_array_get(json_object_get(j, "b"), 2)) == 0.1);
        /* control bytes escaped, valid UTF-8 kept, each bad byte U+FFFD */
        assert_string_equal(json_string_value(json_object_get(j, "s\n")),
                            "q\"b\\c\x01\x1f\t\r\n\b\f\x7f \xc3\xa9 \xef\xbf\xbd "
                            "\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
                            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
                            "\xef\xbf\xbd\xef\xbf\xbd");
        assert_non_null(strstr(text, "\\u0001\\u001F\\t\\r\\n\\b\\f"));
        json_decref(j);
        free(again);
        free(text);
}

/* A whole real report, streamed, is what jansson writes of the same
 * values (schema 1 was built with jansson): byte for byte. */
static void test_json_report_is_laid_out_as_jansson_does(void **state)
{
        char *buf, *text = NULL, *again;
        size_t len;
        json_t *j;

        assert_int_equal(util_read_file(TAIL, &buf, &len), 0);
        report_text(buf, len, &text);
        free(buf);
        j = json_loads(text, 0, NULL);
        assert_non_null(j);
        again = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        assert_non_null(again);
        assert_int_equal(strlen(text), strlen(again) + 1); /* + the final newline */
        assert_memory_equal(text, again, strlen(again));
        free(again);
        free(text);
        json_decref(j);
}

/* A tslog run's phases in ns, as statistics see them, are the report's. */
static void test_run_phase_ns_of_a_cycle_trace(void **state)
{
        struct run_options o = {0};
        struct run r;
        char *buf;
        size_t len, navailable = 0;
        json_t *j = report_of_file(HEAD), *phases = json_object_get(j, "phases");

        assert_int_equal(util_read_file(HEAD, &buf, &len), 0);
        assert_int_equal(run_analyse(&r, "sample", buf, len, &o, NULL, NULL), 0);
        assert_int_equal(r.kind, RUN_TSLOG);
        for (size_t k = 0; k < r.phases->nresults; k++) {
                json_t *ns = json_object_get(json_array_get(phases, k), "duration_ns");
                uint64_t v;

                assert_int_equal(run_phase_ns(&r, k, &v), ns != NULL);
                if (ns) {
                        assert_int_equal(v, json_integer_value(ns));
                        navailable++;
                }
        }
        assert_true(navailable > 0);
        run_free(&r);
        json_decref(j);
}

static FILE *full_device(char **text, size_t *len)
{
        *text = NULL;
        *len = 0;
        return fopen("/dev/full", "w");
}

static void test_jsonw_write_error_is_sticky(void **state)
{
        int err;

        free(small_doc(full_device, &err));
        assert_int_equal(err, -EIO);
}

static void test_jsonw_refuses_ill_formed_documents(void **state)
{
        struct jsonw *w = malloc(sizeof(*w));
        FILE *f = fopen("/dev/null", "w");

        assert_non_null(w);
        jsonw_init(w, f);
        jsonw_obj_begin(w);
        jsonw_int(w, 1); /* a value without a key */
        jsonw_obj_end(w);
        assert_int_equal(jsonw_finish(w), -EINVAL);
        jsonw_init(w, f);
        for (int k = 0; k <= JSONW_MAX_DEPTH; k++)
                jsonw_arr_begin(w);
        assert_int_equal(jsonw_finish(w), -EINVAL);
        jsonw_init(w, f);
        jsonw_arr_begin(w); /* left open */
        assert_int_equal(jsonw_finish(w), -EINVAL);
        fclose(f);
        free(w);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_json_head_sample),
            cmocka_unit_test(test_json_tail_sample),
            cmocka_unit_test(test_json_replaces_bad_utf8),
            cmocka_unit_test(test_json_report_is_laid_out_as_jansson_does),
            cmocka_unit_test(test_run_phase_ns_of_a_cycle_trace),
            cmocka_unit_test(test_jsonw_writes_what_jansson_writes),
            cmocka_unit_test(test_jsonw_write_error_is_sticky),
            cmocka_unit_test(test_jsonw_refuses_ill_formed_documents),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
