/* Unit tests of the export helpers every CSV, Markdown and Chrome export
 * shares: RFC 4180 quoting (reports/csv.h), Markdown escaping and aligned
 * tables (reports/md.h), and the exact binary fractions of the Chrome
 * trace's times (reports/jsonw.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sbuf.h"
#include "reports/csv.h"
#include "reports/jsonw.h"
#include "reports/md.h"

/* What f holds, malloc'd; f is closed. */
static char *contents(FILE *f)
{
        long n;
        char *out;

        fflush(f);
        n = ftell(f);
        assert_true(n >= 0);
        out = calloc(1, (size_t)n + 1);
        assert_non_null(out);
        rewind(f);
        assert_int_equal(fread(out, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        return out;
}

static char *csv_row_of(const char *const *fields, size_t n)
{
        FILE *f = tmpfile();
        struct csv_row row;

        assert_non_null(f);
        csv_begin(&row, f);
        for (size_t k = 0; k < n; k++)
                csv_field(&row, fields[k]);
        csv_end(&row);
        return contents(f);
}

static void test_csv_quotes_only_what_rfc4180_requires(void **state)
{
        const char *fields[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", NULL, ""};
        char *s = csv_row_of(fields, 7);

        (void)state;
        assert_string_equal(s, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",,\r\n");
        free(s);
}

static void test_csv_keeps_a_hostile_name_in_one_field(void **state)
{
        const char *fields[] = {"\",\r\n\"\",", "next"};
        char *s = csv_row_of(fields, 2);

        (void)state;
        /* the whole name quoted, every quote doubled: one field, then next */
        assert_string_equal(s, "\"\"\",\r\n\"\"\"\",\",next\r\n");
        free(s);
}

static char *escaped(const char *in)
{
        struct sbuf sb = SBUF_INIT;

        assert_int_equal(md_escape(&sb, in), 0);
        return sbuf_detach(&sb, NULL);
}

static void test_md_escapes_markup_html_and_newlines(void **state)
{
        char *s = escaped("a|b\\c`d`*e*_f_[g](h)~i~<script>&x\r\ny\tz");

        (void)state;
        assert_string_equal(
            s, "a\\|b\\\\c\\`d\\`\\*e\\*\\_f\\_\\[g\\](h)\\~i\\~&lt;script&gt;&amp;x  y z");
        free(s);
}

static void test_md_table_aligns_columns(void **state)
{
        const char *hdr[] = {"name", "ms"};
        const bool right[] = {false, true};
        const char *r1[] = {"a|b", "1.5"};
        const char *r2[] = {"\xc3\xa9t\xc3\xa9", "12.25"}; /* "été": 3 characters */
        struct md_table *t = md_table_new(2, hdr, right);
        FILE *f = tmpfile();
        char *s;

        (void)state;
        assert_non_null(t);
        assert_non_null(f);
        assert_int_equal(md_table_add(t, r1), 0);
        assert_int_equal(md_table_add(t, r2), 0);
        assert_int_equal(md_table_write(f, t), 0);
        s = contents(f);
        assert_string_equal(s, "| name |    ms |\n"
                               "| ---- | ----: |\n"
                               "| a\\|b |   1.5 |\n"
                               "| \xc3\xa9t\xc3\xa9  | 12.25 |\n");
        free(s);
        md_table_free(t);
        assert_null(md_table_new(0, hdr, right));
}

static void test_jsonw_binary_fraction_is_exact(void **state)
{
        FILE *f = tmpfile();
        struct jsonw *w = malloc(sizeof(*w));
        char *s;

        (void)state;
        assert_non_null(f);
        assert_non_null(w);
        jsonw_init(w, f);
        jsonw_arr_begin(w);
        jsonw_binary_fraction(w, 0, 10);
        jsonw_binary_fraction(w, 1, 10);
        jsonw_binary_fraction(w, 1536, 10);
        jsonw_binary_fraction(w, -3072, 10);
        jsonw_binary_fraction(w, INT64_MIN, 10);
        jsonw_arr_end(w);
        assert_int_equal(jsonw_finish(w), 0);
        free(w);
        s = contents(f);
        assert_string_equal(s, "[\n  0,\n  0.0009765625,\n  1.5,\n  -3,\n  -9007199254740992\n]");
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_csv_quotes_only_what_rfc4180_requires),
            cmocka_unit_test(test_csv_keeps_a_hostile_name_in_one_field),
            cmocka_unit_test(test_md_escapes_markup_html_and_newlines),
            cmocka_unit_test(test_md_table_aligns_columns),
            cmocka_unit_test(test_jsonw_binary_fraction_is_exact),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
