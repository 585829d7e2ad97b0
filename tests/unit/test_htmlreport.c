/*
 * Unit tests of reports/htmlreport.c's escaping (the one function every
 * text of the report page goes through) and of its URL encoding, and of
 * base/util.c's util_utf8_len() they stand on, of the starved-run text and
 * of which inputs share a session. The page itself is tested by
 * tests/cli/report_*.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "reports/htmlreport.h"

static void expect_escape(const char *in, const char *want)
{
        struct sbuf sb = SBUF_INIT;

        assert_int_equal(htmlreport_escape(&sb, in), 0);
        assert_string_equal(sb.buf, want);
        sbuf_release(&sb);
}

static void expect_href(const char *in, const char *want)
{
        struct sbuf sb = SBUF_INIT;

        assert_int_equal(htmlreport_href(&sb, in), 0);
        assert_string_equal(sb.buf, want);
        sbuf_release(&sb);
}

static void test_escape_turns_markup_and_both_quotes_into_entities(void **state)
{
        (void)state;
        expect_escape("<script>alert('x')</script>&amp;\"q\"",
                      "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp;&quot;q&quot;");
        expect_escape("back`tick` $(touch CANARY) @x %s", "back`tick` $(touch CANARY) @x %s");
        expect_escape("", "");
        expect_escape(NULL, "");
}

static void test_escape_keeps_utf8_and_replaces_what_is_not_text(void **state)
{
        (void)state;
        expect_escape("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x99\x82",
                      "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x99\x82");
        expect_escape("a\tb\nc", "a\tb\nc");
        expect_escape("cr\rbell\a", "cr\xef\xbf\xbd"
                                    "bell\xef\xbf\xbd");
        expect_escape("del\x7f", "del\xef\xbf\xbd");
        expect_escape("c1\xc2\x85", "c1\xef\xbf\xbd\xef\xbf\xbd");
        expect_escape("bad\xff\xc3", "bad\xef\xbf\xbd\xef\xbf\xbd");
        expect_escape("over\xc0\xaf", "over\xef\xbf\xbd\xef\xbf\xbd");
        expect_escape("sur\xed\xa0\x80", "sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_href_percent_encodes_all_but_unreserved_and_slash(void **state)
{
        (void)state;
        expect_href("../runs/0001.console", "../runs/0001.console");
        expect_href("a b/\"<x>\"'&#?%", "a%20b/%22%3Cx%3E%22%27%26%23%3F%25");
        expect_href("javascript:alert(1)", "javascript%3Aalert%281%29");
        expect_href("caf\xc3\xa9", "caf%C3%A9");
}

static void test_utf8_len_refuses_malformed_sequences(void **state)
{
        static const struct {
                const char *s;
                size_t len;
        } cases[] = {
            {"a", 1},
            {"\xc3\xa9", 2},
            {"\xe2\x86\x92", 3},
            {"\xf0\x9f\x99\x82", 4},
            {"\x80", 0},
            {"\xc0\xaf", 0},
            {"\xc3", 0},
            {"\xe0\x80\xaf", 0},
            {"\xed\xa0\x80", 0},
            {"\xf4\x90\x80\x80", 0},
            {"\xff", 0},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                assert_int_equal(
                    util_utf8_len((const unsigned char *)cases[i].s, strlen(cases[i].s)),
                    cases[i].len);
        /* a sequence cut by the end of the buffer */
        assert_int_equal(util_utf8_len((const unsigned char *)"\xe2\x86\x92", 2), 0);
}

/* The starved line's words are analyze's (aggreport_starved_why). */
static void test_starved_why_says_run_delay_wall_time_and_threshold(void **state)
{
        struct htmlreport_run u = {
            .run = 4, .starved = true, .run_delay_ns = 400000000, .wall_ns = 3558603273};
        struct sbuf sb = SBUF_INIT;

        (void)state;
        assert_int_equal(htmlreport_starved_why(&sb, &u), 0);
        assert_string_equal(sb.buf, "run delay 400.000 ms of 3558.603 ms, over 5% and 10 ms: "
                                    "docs/contention.md");
        sbuf_reset(&sb);
        u.wall_ns = 0; /* unknown: not said */
        assert_int_equal(htmlreport_starved_why(&sb, &u), 0);
        assert_string_equal(sb.buf, "run delay 400.000 ms, over 5% and 10 ms: docs/contention.md");
        sbuf_release(&sb);
}

/* S:base and S:new read one session: its environment is shown once. */
static void test_same_session_finds_an_earlier_input_of_the_directory(void **state)
{
        struct htmlreport_input in[3] = {0};
        struct htmlreport r = {.in = in, .n = 3};

        (void)state;
        in[0].is_session = in[1].is_session = true;
        in[0].rs.dir = "runs/ab";
        in[1].rs.dir = "runs/ab";
        in[2].rs.dir = "runs/ab"; /* a FILE input never matches */
        assert_null(htmlreport_same_session(&r, 0));
        assert_ptr_equal(htmlreport_same_session(&r, 1), &in[0]);
        assert_null(htmlreport_same_session(&r, 2));
        in[1].rs.dir = "runs/other";
        assert_null(htmlreport_same_session(&r, 1));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_escape_turns_markup_and_both_quotes_into_entities),
            cmocka_unit_test(test_escape_keeps_utf8_and_replaces_what_is_not_text),
            cmocka_unit_test(test_href_percent_encodes_all_but_unreserved_and_slash),
            cmocka_unit_test(test_utf8_len_refuses_malformed_sequences),
            cmocka_unit_test(test_starved_why_says_run_delay_wall_time_and_threshold),
            cmocka_unit_test(test_same_session_finds_an_earlier_input_of_the_directory),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
