/* Unit tests of the console framing (guest/framing.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "guest/framing.h"

/* Frame two sections through a pipe and return the bytes written. */
static char *frame_sample(size_t *len)
{
        struct framing_writer w;
        FILE *f = tmpfile();
        char *buf;
        long n;

        assert_non_null(f);
        assert_int_equal(framing_begin(&w, fileno(f), "os=linux tsc_freq=2600000000"), 0);
        assert_int_equal(framing_section(&w, "dmesg"), 0);
        assert_int_equal(framing_write(&w, "line one\nline two", 17), 0);
        assert_int_equal(framing_section(&w, "uptime"), 0);
        assert_int_equal(framing_write(&w, "1.25 0.5\n", 9), 0);
        assert_int_equal(framing_end(&w), 0);
        n = ftell(f);
        assert_true(n > 0);
        buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        rewind(f);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        buf[n] = '\0';
        fclose(f);
        *len = (size_t)n;
        return buf;
}

static void test_framing_round_trip(void **state)
{
        struct framing_dump d;
        size_t len, vlen;
        char *buf = frame_sample(&len);
        const struct framing_section_ref *s;
        const char *v;

        assert_int_equal(framing_parse(buf, len, &d), 0);
        assert_int_equal(d.status, FRAMING_OK);
        assert_int_equal(d.nsections, 2);
        s = framing_find_section(&d, "dmesg");
        assert_non_null(s);
        /* the writer terminated the unfinished line before the next section */
        assert_int_equal(s->len, 18);
        assert_memory_equal(buf + s->off, "line one\nline two\n", 18);
        s = framing_find_section(&d, "uptime");
        assert_non_null(s);
        assert_memory_equal(buf + s->off, "1.25 0.5\n", 9);
        v = framing_field(buf, &d, "tsc_freq", &vlen);
        assert_non_null(v);
        assert_int_equal(vlen, 10);
        assert_memory_equal(v, "2600000000", 10);
        assert_null(framing_field(buf, &d, "tsc", &vlen));
        framing_dump_free(&d);
        free(buf);
}

static void test_framing_finds_dump_among_console_noise(void **state)
{
        size_t len;
        char *dump = frame_sample(&len);
        char *buf;
        struct framing_dump d;
        const char noise[] = "[    0.1] booting\n@@bootlens mark x uptime_ns=5\n";

        buf = malloc(len + sizeof(noise) * 2);
        assert_non_null(buf);
        memcpy(buf, noise, sizeof(noise) - 1);
        memcpy(buf + sizeof(noise) - 1, dump, len);
        memcpy(buf + sizeof(noise) - 1 + len, "reboot: Power down\n", 19);
        assert_int_equal(framing_parse(buf, sizeof(noise) - 1 + len + 19, &d), 0);
        assert_int_equal(d.status, FRAMING_OK);
        assert_int_equal(d.begin_off, sizeof(noise) - 1);
        assert_int_equal(d.after_off, sizeof(noise) - 1 + len);
        framing_dump_free(&d);
        free(buf);
        free(dump);
}

static void test_framing_detects_corrupted_byte(void **state)
{
        size_t len;
        char *buf = frame_sample(&len);
        struct framing_dump d;
        char *p = strstr(buf, "line two");

        p[0] = 'L';
        assert_int_equal(framing_parse(buf, len, &d), 0);
        assert_int_equal(d.status, FRAMING_BAD_CRC);
        framing_dump_free(&d);
        free(buf);
}

static void test_framing_detects_truncated_end(void **state)
{
        size_t len;
        char *buf = frame_sample(&len);
        struct framing_dump d;
        char *end = strstr(buf, "@@bootlens end");

        assert_int_equal(framing_parse(buf, (size_t)(end - buf) + 5, &d), 0);
        assert_int_equal(d.status, FRAMING_NO_END);
        framing_dump_free(&d);
        /* a dropped byte inside the body shows as a byte count mismatch */
        memmove(end - 3, end - 2, len - (size_t)(end - buf) + 2);
        assert_int_equal(framing_parse(buf, len - 1, &d), 0);
        assert_int_equal(d.status, FRAMING_BAD_BYTES);
        framing_dump_free(&d);
        free(buf);
}

static void test_framing_without_begin_is_enoent(void **state)
{
        struct framing_dump d;
        const char text[] = "just a kernel log\n@@bootlens end sections=0 bytes=0 crc32=00000000\n";

        assert_int_equal(framing_parse(text, sizeof(text) - 1, &d), -ENOENT);
        framing_dump_free(&d);
}

static void test_framing_mark_round_trip(void **state)
{
        char line[128], name[32];
        uint64_t up;
        int n = framing_format_mark(line, sizeof(line), "rc-start", 123456789);

        assert_true(n > 0);
        assert_int_equal(line[n - 1], '\n');
        assert_int_equal(framing_parse_mark(line, (size_t)n - 1, name, sizeof(name), &up), 0);
        assert_string_equal(name, "rc-start");
        assert_int_equal(up, 123456789);
        assert_int_equal(framing_format_mark(line, sizeof(line), "bad name", 1), -EINVAL);
        assert_int_equal(framing_parse_mark("hello", 5, name, sizeof(name), &up), -EINVAL);
}
/* The /etc/rc snippet cannot compute crc32: "crc32=none" checks bytes only. */
static void test_framing_accepts_crc32_none_but_still_counts_bytes(void **state)
{
        static const char good[] = "@@bootlens v1 begin os=netbsd\n"
                                   "@@bootlens section tslog\n"
                                   "0x1 100 ENTER main\n"
                                   "@@bootlens end sections=1 bytes=44 crc32=none\n";
        static const char short_count[] = "@@bootlens v1 begin os=netbsd\n"
                                          "@@bootlens section tslog\n"
                                          "0x1 100 ENTER main\n"
                                          "@@bootlens end sections=1 bytes=43 crc32=none\n";
        static const char junk[] = "@@bootlens v1 begin os=netbsd\n"
                                   "@@bootlens end sections=0 bytes=0 crc32=nonesuch\n";
        struct framing_dump d;

        assert_int_equal(framing_parse(good, sizeof(good) - 1, &d), 0);
        assert_int_equal(d.status, FRAMING_OK);
        assert_true(d.crc_unchecked);
        framing_dump_free(&d);
        assert_int_equal(framing_parse(short_count, sizeof(short_count) - 1, &d), 0);
        assert_int_equal(d.status, FRAMING_BAD_BYTES);
        framing_dump_free(&d);
        assert_int_equal(framing_parse(junk, sizeof(junk) - 1, &d), 0);
        assert_int_equal(d.status, FRAMING_BAD_END);
        framing_dump_free(&d);
}

/* A console that ends inside a short "@@bootlens sec" line: the parser
 * must not compare past the end of the buffer (found by fuzz_framing). */
static void test_framing_short_line_at_end_of_buffer(void **state)
{
        static const char text[] = "@@bootlens v1 begin os=x\n@@bootlens sec";
        char *exact = malloc(sizeof(text) - 1); /* no NUL after it */
        struct framing_dump d;

        assert_non_null(exact);
        memcpy(exact, text, sizeof(text) - 1);
        assert_int_equal(framing_parse(exact, sizeof(text) - 1, &d), 0);
        assert_int_equal(d.status, FRAMING_NO_END);
        assert_int_equal(d.nsections, 0);
        framing_dump_free(&d);
        free(exact);
}

static void test_framing_line_kind_names_every_line(void **state)
{
        static const struct {
                const char *line;
                enum framing_kind kind;
                const char *rest;
        } cases[] = {
            {"@@bootlens v1 begin os=netbsd tsc_freq=1", FRAMING_LINE_BEGIN,
             "os=netbsd tsc_freq=1"},
            {"@@bootlens v1 begin", FRAMING_LINE_BEGIN, ""},
            {"@@bootlens v1 begin  os=x\r", FRAMING_LINE_BEGIN, "os=x"},
            {"@@bootlens v1 beginning", FRAMING_LINE_OTHER, "v1 beginning"},
            {"@@bootlens v2 begin os=x", FRAMING_LINE_OTHER, "v2 begin os=x"},
            {"@@bootlens v1", FRAMING_LINE_OTHER, "v1"},
            {"@@bootlens section tslog_user", FRAMING_LINE_SECTION, "tslog_user"},
            {"@@bootlens section dmesg\r", FRAMING_LINE_SECTION, "dmesg"},
            {"@@bootlens sections", FRAMING_LINE_OTHER, "sections"},
            {"@@bootlens end sections=0 bytes=0 crc32=none", FRAMING_LINE_END,
             "sections=0 bytes=0 crc32=none"},
            {"@@bootlens end", FRAMING_LINE_END, ""},
            {"@@bootlens endless", FRAMING_LINE_OTHER, "endless"},
            {"@@bootlens mark rc-start uptime_ns=5", FRAMING_LINE_MARK, "rc-start uptime_ns=5"},
            {"@@bootlens frobnicate", FRAMING_LINE_OTHER, "frobnicate"},
            {"@@bootlens ", FRAMING_LINE_OTHER, ""},
            {"@@bootlens", FRAMING_LINE_NONE, NULL},
            {" @@bootlens end sections=0 bytes=0 crc32=none", FRAMING_LINE_NONE, NULL},
            {"[    0.1] @@bootlens mark x", FRAMING_LINE_NONE, NULL},
            {"", FRAMING_LINE_NONE, NULL},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                size_t n = strlen(cases[i].line), rlen = 99;
                char *exact = malloc(n + 1); /* no byte after the line is read */
                const char *rest = NULL;

                assert_non_null(exact);
                memcpy(exact, cases[i].line, n);
                exact[n] = 'X';
                assert_int_equal(framing_line_kind(exact, n, &rest, &rlen), cases[i].kind);
                if (cases[i].rest) {
                        assert_int_equal(rlen, strlen(cases[i].rest));
                        assert_memory_equal(rest, cases[i].rest, rlen);
                }
                assert_int_equal(framing_line_kind(exact, n, NULL, NULL), cases[i].kind);
                free(exact);
        }
}

/* Frame "@@bootlens v1 begin os=x\n" + body + end_fields and parse it. */
static enum framing_status status_of_end(const char *end_fields)
{
        char text[256];
        struct framing_dump d;
        enum framing_status st;
        int n = snprintf(text, sizeof(text), "@@bootlens v1 begin os=x\n@@bootlens end %s\n",
                         end_fields);

        assert_true(n > 0 && (size_t)n < sizeof(text));
        assert_int_equal(framing_parse(text, (size_t)n, &d), 0);
        st = d.status;
        framing_dump_free(&d);
        return st;
}

static void test_framing_end_line_numbers_are_checked(void **state)
{
        (void)state;
        assert_int_equal(status_of_end("sections=0 bytes=0 crc32=00000000"), FRAMING_OK);
        assert_int_equal(status_of_end("sections=0 bytes=0 crc32=none"), FRAMING_OK);
        assert_int_equal(status_of_end("sections=00 bytes=000 crc32=00000000"), FRAMING_OK);
        /* 2^32 + 4 must not wrap to 4 (sscanf's %u did) */
        assert_int_equal(status_of_end("sections=4294967300 bytes=0 crc32=none"), FRAMING_BAD_END);
        assert_int_equal(status_of_end("sections=4294967295 bytes=0 crc32=none"),
                         FRAMING_BAD_SECTIONS);
        assert_int_equal(status_of_end("sections=0 bytes=18446744073709551616 crc32=none"),
                         FRAMING_BAD_END);
        assert_int_equal(status_of_end("sections=0 bytes=18446744073709551615 crc32=none"),
                         FRAMING_BAD_BYTES);
        assert_int_equal(status_of_end("sections=-1 bytes=0 crc32=none"), FRAMING_BAD_END);
        assert_int_equal(status_of_end("sections=+0 bytes=0 crc32=none"), FRAMING_BAD_END);
        assert_int_equal(status_of_end("sections=0 bytes=-0 crc32=none"), FRAMING_BAD_END);
        assert_int_equal(status_of_end("sections=0 bytes= crc32=none"), FRAMING_BAD_END);
        assert_int_equal(status_of_end("sections=0  bytes=0 crc32=none"), FRAMING_BAD_END);
        /* the CRC: exactly 8 lower-case hex digits, or none */
        assert_int_equal(status_of_end("sections=0 bytes=0 crc32=0"), FRAMING_BAD_END);
        assert_int_equal(status_of_end("sections=0 bytes=0 crc32=0000000"), FRAMING_BAD_END);
        assert_int_equal(status_of_end("sections=0 bytes=0 crc32=000000000"), FRAMING_BAD_END);
        assert_int_equal(status_of_end("sections=0 bytes=0 crc32=-0000001"), FRAMING_BAD_END);
        assert_int_equal(status_of_end("sections=0 bytes=0 crc32=+0000000"), FRAMING_BAD_END);
        assert_int_equal(status_of_end("sections=0 bytes=0 crc32=0x000000"), FRAMING_BAD_END);
        assert_int_equal(status_of_end("sections=0 bytes=0 crc32=ABCDEF01"), FRAMING_BAD_END);
        assert_int_equal(status_of_end("sections=0 bytes=0 crc32=abcdef01"), FRAMING_BAD_CRC);
        assert_int_equal(status_of_end("sections=0 bytes=0 crc32=NONE"), FRAMING_BAD_END);
        assert_int_equal(status_of_end("sections=0 bytes=0 crc32=none "), FRAMING_BAD_END);
        assert_int_equal(status_of_end("sections=0 bytes=0"), FRAMING_BAD_END);
        assert_int_equal(status_of_end(""), FRAMING_BAD_END);
}

static void test_framing_mark_uptime_is_checked(void **state)
{
        char name[16];
        uint64_t up = 1;
        /* the clock range: at most UTIL_CLOCK_MAX (2^63-1) */
        const char *ok = "@@bootlens mark poweroff uptime_ns=9223372036854775807";
        const char *clock = "@@bootlens mark poweroff uptime_ns=9223372036854775808";
        const char *big = "@@bootlens mark poweroff uptime_ns=18446744073709551616";
        const char *neg = "@@bootlens mark poweroff uptime_ns=-1";
        const char *none = "@@bootlens mark poweroff";
        const char *noname = "@@bootlens mark  uptime_ns=5";

        (void)state;
        assert_int_equal(framing_parse_mark(ok, strlen(ok), name, sizeof(name), &up), 0);
        assert_true(up == INT64_MAX);
        assert_string_equal(name, "poweroff");
        assert_int_equal(framing_parse_mark(clock, strlen(clock), name, sizeof(name), &up),
                         -EINVAL);
        assert_int_equal(framing_parse_mark(big, strlen(big), name, sizeof(name), &up), -EINVAL);
        assert_int_equal(framing_parse_mark(neg, strlen(neg), name, sizeof(name), &up), -EINVAL);
        assert_int_equal(framing_parse_mark(none, strlen(none), name, sizeof(name), &up), 0);
        assert_int_equal(up, 0);
        assert_int_equal(framing_parse_mark(noname, strlen(noname), name, sizeof(name), &up),
                         -EINVAL);
}

static void test_framing_begin_fields_are_checked_numbers(void **state)
{
        static const char f[] = "os=netbsd tsc_freq=2445431964 tsc_now=-5 uptime_ns=0x10 big="
                                "18446744073709551616";
        uint64_t v = 0;

        (void)state;
        assert_int_equal(framing_fields_u64(f, sizeof(f) - 1, "tsc_freq", &v), 0);
        assert_true(v == 2445431964ull);
        assert_int_equal(framing_fields_u64(f, sizeof(f) - 1, "tsc_now", &v), -EINVAL);
        assert_int_equal(framing_fields_u64(f, sizeof(f) - 1, "uptime_ns", &v), -EINVAL);
        assert_int_equal(framing_fields_u64(f, sizeof(f) - 1, "big", &v), -ERANGE);
        assert_int_equal(framing_fields_u64(f, sizeof(f) - 1, "os", &v), -EINVAL);
        assert_int_equal(framing_fields_u64(f, sizeof(f) - 1, "tsc", &v), -ENOENT);
}

/* issue 10, bug 1: every number of a begin line is a clock or a
 * frequency, at most UTIL_CLOCK_MAX (2^63-1): tsc_now=2^64-1 made
 * "userland: ends before it starts" */
static void test_framing_begin_fields_stay_in_the_clock_range(void **state)
{
        static const char f[] = "tsc_now=18446744073709551615 uptime_ns=9223372036854775808 "
                                "tsc_freq=9223372036854775807";
        uint64_t v = 7;

        (void)state;
        assert_int_equal(framing_fields_u64(f, sizeof(f) - 1, "tsc_now", &v), -ERANGE);
        assert_int_equal(framing_fields_u64(f, sizeof(f) - 1, "uptime_ns", &v), -ERANGE);
        assert_int_equal(v, 7); /* untouched on error */
        assert_int_equal(framing_fields_u64(f, sizeof(f) - 1, "tsc_freq", &v), 0);
        assert_true(v == INT64_MAX);
}

/* issue 10, bug 2: the end line ends with a newline (docs/framing.md) */
static void test_framing_end_line_needs_its_newline(void **state)
{
        static const char cut[] = "@@bootlens v1 begin os=x\n@@bootlens end sections=0 bytes=0 "
                                  "crc32=none";
        static const char crlf[] = "@@bootlens v1 begin os=x\n@@bootlens end sections=0 bytes=0 "
                                   "crc32=none\r\n";
        struct framing_dump d;

        (void)state;
        assert_int_equal(framing_parse(cut, sizeof(cut) - 1, &d), 0);
        assert_int_equal(d.status, FRAMING_BAD_END);
        framing_dump_free(&d);
        assert_int_equal(framing_parse(crlf, sizeof(crlf) - 1, &d), 0);
        assert_int_equal(d.status, FRAMING_OK);
        framing_dump_free(&d);
}

static void test_framing_describe_names_the_counts(void **state)
{
        static const char text[] = "@@bootlens v1 begin os=x\n"
                                   "@@bootlens section tslog\n"
                                   "@@bootlens end sections=1 bytes=3 crc32=none\n";
        struct framing_dump d;
        char why[160];

        (void)state;
        assert_int_equal(framing_parse(text, sizeof(text) - 1, &d), 0);
        assert_int_equal(d.status, FRAMING_BAD_BYTES);
        assert_string_equal(framing_describe(&d, why, sizeof(why)),
                            "the dump is damaged: byte count mismatch (the end line says 3 "
                            "bytes, 25 found)");
        framing_dump_free(&d);
}

static void test_framing_find_begin_reads_the_fields_of_the_first(void **state)
{
        static const char text[] = "noise @@bootlens v1 begin os=bsd\n"
                                   "@@bootlens v1 beginning os=no\n"
                                   "@@bootlens v1 begin tsc_freq=5 os=linux\r\n"
                                   "@@bootlens v1 begin os=netbsd\n";
        const char *f, *os;
        size_t off, flen, vlen;

        (void)state;
        assert_int_equal(framing_find_begin(text, sizeof(text) - 1, &off, &f, &flen), 0);
        assert_int_equal(off, 63);
        os = framing_fields_get(f, flen, "os", &vlen);
        assert_non_null(os);
        assert_int_equal(vlen, 5);
        assert_memory_equal(os, "linux", 5);
        assert_int_equal(framing_find_begin(text, 62, &off, &f, &flen), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_framing_round_trip),
            cmocka_unit_test(test_framing_finds_dump_among_console_noise),
            cmocka_unit_test(test_framing_detects_corrupted_byte),
            cmocka_unit_test(test_framing_detects_truncated_end),
            cmocka_unit_test(test_framing_without_begin_is_enoent),
            cmocka_unit_test(test_framing_mark_round_trip),
            cmocka_unit_test(test_framing_accepts_crc32_none_but_still_counts_bytes),
            cmocka_unit_test(test_framing_short_line_at_end_of_buffer),
            cmocka_unit_test(test_framing_line_kind_names_every_line),
            cmocka_unit_test(test_framing_end_line_numbers_are_checked),
            cmocka_unit_test(test_framing_mark_uptime_is_checked),
            cmocka_unit_test(test_framing_begin_fields_are_checked_numbers),
            cmocka_unit_test(test_framing_begin_fields_stay_in_the_clock_range),
            cmocka_unit_test(test_framing_end_line_needs_its_newline),
            cmocka_unit_test(test_framing_describe_names_the_counts),
            cmocka_unit_test(test_framing_find_begin_reads_the_fields_of_the_first),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
