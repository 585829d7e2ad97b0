/* Unit tests of the tslog parser (analyzer/tslog.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/events.h"
#include "analyzer/tslog.h"
#include "base/sbuf.h"
#include "base/util.h"

#define HEAD BOOTLENS_SAMPLES "/freebsd15-firecracker-tslog-head.txt"
#define TAIL BOOTLENS_SAMPLES "/freebsd15-firecracker-tslog-tail.txt"

static void parse_buf(struct ev_trace *t, const char *buf, size_t len,
                      const struct tslog_options *o, struct tslog_meta *m)
{
        assert_int_equal(ev_trace_init(t, "test"), 0);
        assert_int_equal(tslog_parse(t, buf, len, o, m), 0);
}

static void parse_str(struct ev_trace *t, const char *s, struct tslog_meta *m)
{
        parse_buf(t, s, strlen(s), NULL, m);
}

static char *read_sample(const char *path, size_t *len)
{
        char *buf;

        assert_int_equal(util_read_file(path, &buf, len), 0);
        return buf;
}

/* Lines of buf that an independent, simple reading calls tslog lines:
 * records ("0x... N TYPE ...") and process rows ('"' at the end). */
static uint64_t count_tslog_lines(const char *buf, size_t len, uint64_t *total)
{
        uint64_t n = 0;
        size_t pos = 0;

        *total = 0;
        while (pos < len) {
                const char *nl = memchr(buf + pos, '\n', len - pos);
                size_t e = nl ? (size_t)(nl - buf) : len;
                unsigned long long a, b;
                char type[16];

                (*total)++;
                if (sscanf(buf + pos, "0x%llx %llu %15s", &a, &b, type) == 3 ||
                    (e > pos && buf[e - 1] == '"' && buf[pos] >= '0' && buf[pos] <= '9'))
                        n++;
                pos = e + 1;
        }
        return n;
}

static void test_tslog_head_sample_accounts_for_every_line(void **state)
{
        struct ev_trace t;
        struct tslog_meta m;
        size_t len;
        char *buf = read_sample(HEAD, &len);
        uint64_t total, tslog_lines = count_tslog_lines(buf, len, &total);

        parse_buf(&t, buf, len, NULL, &m);
        assert_int_equal(t.lines_total, total);
        assert_int_equal(t.lines_records, tslog_lines);
        assert_int_equal(t.lines_records + t.lines_skipped, t.lines_total);
        assert_int_equal(t.nrecs, tslog_lines);
        assert_int_equal(m.lines_malformed, 0);
        assert_int_equal(t.nwarns, 0);
        assert_int_equal(t.os, EV_OS_FREEBSD);
        assert_int_equal(t.freq_hz, 2445431964ULL);
        assert_int_equal(m.freq_source, TSLOG_FREQ_CAPTURE);
        assert_int_equal(m.freq_line, 7);
        assert_true(t.has_begin_marker);
        assert_int_equal(t.begin_marker_line, 8);
        assert_false(t.has_end_marker);
        /* the first record, verbatim */
        assert_int_equal(t.recs[0].line, 9);
        assert_int_equal(t.recs[0].thread, 0xffffffff8251db00ULL);
        assert_int_equal(t.recs[0].ts, 14119002);
        assert_int_equal(t.recs[0].kind, EV_ENTER);
        assert_string_equal(ev_str(&t, t.recs[0].name), "hammer_time");
        assert_int_equal(t.recs[0].arg, 0);
        ev_trace_free(&t);
        free(buf);
}

static void test_tslog_tail_sample_reads_user_section(void **state)
{
        struct ev_trace t;
        struct tslog_meta m;
        size_t len;
        char *buf = read_sample(TAIL, &len);
        uint64_t total, tslog_lines = count_tslog_lines(buf, len, &total);
        const struct ev_process *rc = NULL;
        unsigned children = 0;
        char name[64];

        parse_buf(&t, buf, len, NULL, &m);
        assert_int_equal(t.lines_total, total);
        assert_int_equal(t.lines_records, tslog_lines);
        assert_int_equal(t.nrecs + t.nprocs, tslog_lines);
        assert_int_equal(t.nprocs, 31);
        assert_true(t.has_end_marker);
        assert_false(t.has_begin_marker);
        assert_int_equal(t.freq_hz, 0);
        for (size_t k = 0; k < t.nprocs; k++) {
                if (t.procs[k].pid == 15)
                        rc = &t.procs[k];
                if (t.procs[k].ppid == 15)
                        children++;
        }
        assert_non_null(rc);
        assert_string_equal(ev_str(&t, rc->exec), "/etc/rc");
        assert_string_equal(ev_str(&t, rc->namei), "/dev/console");
        assert_int_equal(rc->ppid, 1);
        assert_int_equal(rc->forked, 1152222083ULL);
        assert_int_equal(rc->exited, 0);
        assert_int_equal(children, 16);
        /* pid 2 has neither exec nor namei */
        for (size_t k = 0; k < t.nprocs; k++)
                if (t.procs[k].pid == 2)
                        assert_string_equal(
                            analysis_process_name(&t, &t.procs[k], name, sizeof(name)), "pid 2");
        ev_trace_free(&t);
        free(buf);
}

static void test_tslog_record_name_and_argument(void **state)
{
        struct ev_trace t;

        parse_str(&t,
                  "0xffffffff8251db00 28254816 ENTER SYSINIT apic_init\n"
                  "0xffffffff8251db00 28254900 ENTER relocate_file1 ef->rela  \n"
                  "0xfffff80005445000 100 THREAD netlink_socket (PID 10)\n"
                  "0xfffff80005445000 200 EVENT WAIT ithread\n"
                  "0x0 50 EXIT (null)\r\n",
                  NULL);
        assert_int_equal(t.nrecs, 5);
        assert_string_equal(ev_str(&t, t.recs[0].name), "SYSINIT");
        assert_string_equal(ev_str(&t, t.recs[0].arg), "apic_init");
        assert_string_equal(ev_str(&t, t.recs[1].arg), "ef->rela");
        assert_int_equal(t.recs[2].kind, EV_THREAD);
        assert_string_equal(ev_str(&t, t.recs[2].name), "netlink_socket (PID 10)");
        assert_int_equal(t.recs[2].arg, 0);
        assert_int_equal(t.recs[3].kind, EV_EVENT);
        assert_string_equal(ev_str(&t, t.recs[3].name), "WAIT");
        assert_string_equal(ev_str(&t, t.recs[3].arg), "ithread");
        assert_int_equal(t.recs[4].thread, 0);
        assert_string_equal(ev_str(&t, t.recs[4].name), "(null)");
        assert_int_equal(t.nwarns, 0);
        ev_trace_free(&t);
}

static void test_tslog_parse_rejects_unknown_type(void **state)
{
        struct ev_trace t;
        struct tslog_meta m;

        parse_str(&t,
                  "0xfff 100 ENTRE typo\n"
                  "0xfff 101 ENTER\n"
                  "0xfff 99999999999999999999999 ENTER big\n"
                  "0xfff 102 ENTER ok\n",
                  &m);
        assert_int_equal(t.nrecs, 1);
        assert_int_equal(m.lines_malformed, 3);
        assert_int_equal(t.lines_skipped, 3);
        assert_int_equal(t.nwarns, 3);
        assert_int_equal(t.warns[0].line, 1);
        assert_non_null(strstr(t.warns[0].msg, "unknown tslog record type"));
        assert_int_equal(t.warns[1].line, 2);
        assert_int_equal(t.warns[2].line, 3);
        ev_trace_free(&t);
}

static void test_tslog_backwards_tsc_is_corrected_with_an_offset(void **state)
{
        struct ev_trace t;
        struct tslog_meta m;

        parse_str(&t,
                  "0xa 1000 ENTER f\n"
                  "0xb 900 ENTER other\n" /* another thread: no step */
                  "0xa 2000 ENTER g\n"
                  "0xa 1500 EXIT g\n"
                  "0xa 2500 EXIT f\n",
                  &m);
        assert_int_equal(t.nrecs, 5);
        assert_int_equal(t.recs[3].ts, 2000);
        assert_int_equal(t.recs[4].ts, 3000);
        assert_int_equal(t.recs[1].ts, 900);
        assert_int_equal(m.backward_steps, 1);
        assert_int_equal(t.nwarns, 1);
        assert_int_equal(t.warns[0].line, 4);
        assert_non_null(strstr(t.warns[0].msg, "steps back by 500"));
        ev_trace_free(&t);
}

static void test_tslog_detects_netbsd_and_obeys_a_forced_os(void **state)
{
        static const char dump[] = "0x1 100 ENTER main\n0x2 200 THREAD ioflush\n";
        struct tslog_options o = {.os = EV_OS_FREEBSD};
        struct ev_trace t;

        parse_str(&t, dump, NULL);
        assert_int_equal(t.os, EV_OS_NETBSD);
        ev_trace_free(&t);
        parse_buf(&t, dump, strlen(dump), &o, NULL);
        assert_int_equal(t.os, EV_OS_FREEBSD);
        ev_trace_free(&t);
        parse_str(&t,
                  "@@bootlens v1 begin os=netbsd tsc_freq=1000 tsc_now=77\n"
                  "0xffffffff81000000 5 ENTER x\n",
                  NULL);
        assert_int_equal(t.os, EV_OS_NETBSD); /* the framing says so */
        ev_trace_free(&t);
}

static void test_tslog_framing_fields_and_sections(void **state)
{
        struct ev_trace t;
        struct tslog_meta m;

        parse_str(&t,
                  "noise\n"
                  "@@bootlens v1 begin os=netbsd tsc_freq=2000000000 tsc_now=123456\n"
                  "@@bootlens section tslog\n"
                  "0x1 10 ENTER main\n"
                  "@@bootlens mark rc-start uptime_ns=5\n"
                  "@@bootlens section tslog_user\n"
                  "0 0 0 0 \"\" \"\"\n"
                  "1 0 20 0 \"/sbin/init\" \"\"\n"
                  "this is not a row\n"
                  "7 x\n"
                  "@@bootlens end sections=2 bytes=171 crc32=df9bb3d2\n",
                  &m);
        assert_int_equal(t.freq_hz, 2000000000ULL);
        assert_int_equal(m.freq_line, 2);
        assert_true(m.has_tsc_now);
        assert_int_equal(m.tsc_now, 123456);
        assert_true(t.has_begin_marker);
        assert_int_equal(t.begin_marker_line, 2);
        assert_true(t.has_end_marker);
        assert_int_equal(t.end_marker_line, 11);
        assert_int_equal(t.nrecs, 1);
        assert_int_equal(t.nprocs, 1);
        assert_int_equal(m.lines_zero_rows, 1);
        assert_int_equal(m.lines_markers, 5);
        assert_int_equal(t.lines_total, 11);
        assert_int_equal(t.lines_records, 2);
        assert_int_equal(t.lines_skipped, 9);
        /* "7 x" inside the user section is a broken row */
        assert_int_equal(t.nwarns, 1);
        assert_int_equal(t.warns[0].line, 10);
        ev_trace_free(&t);
}

static void test_tslog_freq_option_wins_over_the_capture(void **state)
{
        static const char dump[] = "X_TSLOG_META tsc_freq=1000\nX_TSLOG_META tsc_freq=2000\n"
                                   "0xa 1 ENTER f\n";
        struct tslog_options o = {.freq_hz = 5};
        struct ev_trace t;
        struct tslog_meta m;

        parse_buf(&t, dump, strlen(dump), &o, &m);
        assert_int_equal(t.freq_hz, 5);
        assert_int_equal(m.freq_source, TSLOG_FREQ_OPTION);
        /* the conflicting second field is reported */
        assert_int_equal(t.nwarns, 1);
        assert_int_equal(t.warns[0].line, 2);
        ev_trace_free(&t);
        parse_str(&t, dump, &m);
        assert_int_equal(t.freq_hz, 1000);
        ev_trace_free(&t);
}

static void test_tslog_survives_nul_bytes_and_a_1mb_line(void **state)
{
        const size_t big = 1024 * 1024;
        struct sbuf sb = SBUF_INIT;
        struct ev_trace t;
        struct tslog_meta m;
        char *junk = malloc(big);

        assert_non_null(junk);
        memset(junk, 'x', big);
        junk[17] = '\0';
        junk[big / 2] = '\xff';
        assert_int_equal(sbuf_add(&sb, "\0\0\0garbage\n", 11), 0);
        assert_int_equal(sbuf_adds(&sb, "0xa 1 ENTER f\n"), 0);
        assert_int_equal(sbuf_add(&sb, junk, big), 0);
        assert_int_equal(sbuf_addch(&sb, '\n'), 0);
        assert_int_equal(sbuf_adds(&sb, "0xa 2 ENTER g "), 0); /* a 1 MB argument */
        assert_int_equal(sbuf_add(&sb, junk + 18, big - 18), 0);
        assert_int_equal(sbuf_addch(&sb, '\n'), 0);
        assert_int_equal(sbuf_add(&sb, "0xa 3 EXIT f\0tail\n", 18), 0);
        assert_int_equal(sbuf_adds(&sb, "0xa 4 EXIT f"), 0); /* no final newline */
        parse_buf(&t, sb.buf, sb.len, NULL, &m);
        assert_int_equal(t.lines_total, 6);
        assert_int_equal(t.nrecs, 3);
        assert_int_equal(strlen(ev_str(&t, t.recs[1].arg)), big - 18);
        assert_int_equal(m.lines_malformed, 1); /* the NUL inside a record */
        assert_int_equal(t.warns[0].line, 5);
        assert_int_equal(t.recs[2].line, 6);
        ev_trace_free(&t);
        sbuf_release(&sb);
        free(junk);
}

/* issue 10, bug 1: clock values are below 2^63 (UTIL_CLOCK_MAX); one
 * above made the boot 0 cycles long, or printed 18446744073709551616 */
static void test_tslog_refuses_clock_values_at_or_above_2_63(void **state)
{
        struct ev_trace t;
        struct tslog_meta m;

        (void)state;
        parse_str(&t,
                  "0x1 1000 ENTER a\n"
                  "0x1 9223372036854776808 EXIT a\n"
                  "0x1 18446744073709551614 EXIT a\n"
                  "0x1 9223372036854775808 EXIT a\n"
                  "0x1 9223372036854775807 EXIT a\n",
                  &m);
        assert_int_equal(t.nrecs, 2);
        assert_true(t.recs[1].ts == INT64_MAX);
        assert_int_equal(m.lines_malformed, 3);
        assert_int_equal(t.nwarns, 3);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(t.warns[i].line, i + 2);
                assert_non_null(strstr(t.warns[i].msg, "tslog timestamp out of range"));
        }
        ev_trace_free(&t);
}

/* A backward step's offset cannot push a timestamp past the range. */
static void test_tslog_refuses_a_corrected_timestamp_past_the_range(void **state)
{
        struct ev_trace t;
        struct tslog_meta m;

        (void)state;
        parse_str(&t,
                  "0x1 9223372036854775000 ENTER a\n"
                  "0x1 10 ENTER b\n"
                  "0x1 9223372036854775000 EXIT b\n",
                  &m);
        assert_int_equal(t.nrecs, 2);
        assert_int_equal(m.lines_malformed, 1);
        assert_int_equal(t.warns[t.nwarns - 1].line, 3);
        assert_non_null(strstr(t.warns[t.nwarns - 1].msg, "after the backward-step correction"));
        ev_trace_free(&t);
}

static void test_tslog_refuses_tsc_fields_out_of_range(void **state)
{
        struct ev_trace t;
        struct tslog_meta m;

        (void)state;
        parse_str(&t,
                  "@@bootlens v1 begin os=freebsd tsc_freq=18446744073709551615 "
                  "tsc_now=18446744073709551615\n"
                  "0x1 1000 ENTER a\n",
                  &m);
        assert_false(m.has_tsc_now);
        assert_int_equal(m.freq_source, TSLOG_FREQ_NONE);
        assert_int_equal(t.nwarns, 3); /* and "the dump is damaged: no end line" */
        assert_int_equal(t.warns[1].line, 1);
        assert_non_null(strstr(t.warns[1].msg, "bad tsc_freq field"));
        assert_int_equal(t.warns[2].line, 1);
        assert_non_null(strstr(t.warns[2].msg, "bad tsc_now field"));
        ev_trace_free(&t);
        parse_str(&t, "0 1 2 9223372036854775808 \"sh\" \"/bin/sh\"\n0x1 1 ENTER a\n", &m);
        assert_int_equal(t.nprocs, 0);
        assert_int_equal(m.lines_malformed, 1);
        assert_non_null(strstr(t.warns[0].msg, "tslog_user time out of range"));
        ev_trace_free(&t);
}

/* issue 10: a NUL inside the record type and a thread id over 64 bits
 * were skipped without a warning */
static void test_tslog_warns_about_every_refused_record(void **state)
{
        static const char s[] = "0x1 1000 EN\0TER a\n"
                                "0x1 1001 \0ENTER a\n"
                                "0x123456789abcdef01 1002 ENTER a\n"
                                "0x1 1003 ENTER ok\n";
        struct ev_trace t;
        struct tslog_meta m;

        (void)state;
        parse_buf(&t, s, sizeof(s) - 1, NULL, &m);
        assert_int_equal(t.nrecs, 1);
        assert_int_equal(m.lines_malformed, 3);
        assert_int_equal(t.nwarns, 3);
        assert_int_equal(t.warns[0].line, 1);
        assert_non_null(strstr(t.warns[0].msg, "control byte"));
        assert_int_equal(t.warns[1].line, 2);
        assert_non_null(strstr(t.warns[1].msg, "control byte"));
        assert_int_equal(t.warns[2].line, 3);
        assert_non_null(strstr(t.warns[2].msg, "thread id above 64 bits"));
        ev_trace_free(&t);
}

/* Every refused line is counted; the first EV_SKIP_WARN_MAX are listed,
 * then one warning gives the total. */
static void test_tslog_lists_the_first_refused_lines_then_the_total(void **state)
{
        struct sbuf sb = SBUF_INIT;
        struct ev_trace t;
        struct tslog_meta m;

        (void)state;
        for (int i = 0; i < 1000; i++)
                assert_int_equal(sbuf_addf(&sb, "0x1 %d ENTRE typo\n", i), 0);
        assert_int_equal(sbuf_adds(&sb, "0x1 5000 ENTER ok\n"), 0);
        parse_buf(&t, sb.buf, sb.len, NULL, &m);
        assert_int_equal(t.nrecs, 1);
        assert_int_equal(m.lines_malformed, 1000);
        assert_int_equal(t.lines_skipped, 1000);
        assert_int_equal(t.nwarns, EV_SKIP_WARN_MAX + 1);
        for (unsigned i = 0; i < EV_SKIP_WARN_MAX; i++)
                assert_int_equal(t.warns[i].line, i + 1);
        assert_int_equal(t.warns[EV_SKIP_WARN_MAX].line, 0);
        assert_string_equal(t.warns[EV_SKIP_WARN_MAX].msg,
                            "1000 malformed tslog lines skipped in all (only the first 5 are "
                            "listed)");
        ev_trace_free(&t);
        sbuf_release(&sb);
}

static void test_tslog_probe_counts_records(void **state)
{
        static const char s[] = "hello\n0xa 1 ENTER f\n0xa 2 EXIT f\n1 0 0 0 \"\" \"\"\n";

        assert_int_equal(tslog_probe(s, strlen(s)), 2);
        assert_int_equal(tslog_probe("", 0), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_tslog_head_sample_accounts_for_every_line),
            cmocka_unit_test(test_tslog_tail_sample_reads_user_section),
            cmocka_unit_test(test_tslog_record_name_and_argument),
            cmocka_unit_test(test_tslog_parse_rejects_unknown_type),
            cmocka_unit_test(test_tslog_backwards_tsc_is_corrected_with_an_offset),
            cmocka_unit_test(test_tslog_detects_netbsd_and_obeys_a_forced_os),
            cmocka_unit_test(test_tslog_framing_fields_and_sections),
            cmocka_unit_test(test_tslog_freq_option_wins_over_the_capture),
            cmocka_unit_test(test_tslog_survives_nul_bytes_and_a_1mb_line),
            cmocka_unit_test(test_tslog_refuses_clock_values_at_or_above_2_63),
            cmocka_unit_test(test_tslog_refuses_a_corrected_timestamp_past_the_range),
            cmocka_unit_test(test_tslog_refuses_tsc_fields_out_of_range),
            cmocka_unit_test(test_tslog_warns_about_every_refused_record),
            cmocka_unit_test(test_tslog_lists_the_first_refused_lines_then_the_total),
            cmocka_unit_test(test_tslog_probe_counts_records),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
