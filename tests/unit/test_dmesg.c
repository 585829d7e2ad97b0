/* Unit tests of the Linux kernel log parser (analyzer/dmesg.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/dmesg.h"
#include "base/sbuf.h"
#include "base/util.h"
#include "guest/framing.h"

#define DATA BOOTLENS_TEST_DATA "/dmesg/"

struct parsed {
        struct ev_trace t;
        struct dmesg_meta m;
};

static void parse_buf(struct parsed *p, const char *buf, size_t len)
{
        assert_int_equal(ev_trace_init(&p->t, "test"), 0);
        assert_int_equal(dmesg_parse(&p->t, buf, len, &p->m), 0);
}

static void parse_file(struct parsed *p, const char *name)
{
        char path[512];
        char *buf;
        size_t len;

        snprintf(path, sizeof(path), DATA "%s", name);
        assert_int_equal(util_read_file(path, &buf, &len), 0);
        parse_buf(p, buf, len);
        free(buf);
}

/* The warning at line whose message holds text, or NULL. */
static const struct ev_warning *find_warning(const struct ev_trace *t, uint32_t line,
                                             const char *text)
{
        for (size_t i = 0; i < t->nwarns; i++)
                if (t->warns[i].line == line && strstr(t->warns[i].msg, text))
                        return &t->warns[i];
        return NULL;
}

/* The golden rendering: meta, every record, every warning. */
static char *render(const struct parsed *p)
{
        const struct dmesg_meta *m = &p->m;
        const struct ev_trace *t = &p->t;
        struct sbuf sb = SBUF_INIT;

        sbuf_addf(&sb,
                  "meta framed=%d printk_lines=%llu initcalls=%llu open=%llu probes=%llu "
                  "marks=%llu boots=%u\n",
                  m->framed, (unsigned long long)m->lines_printk, (unsigned long long)m->initcalls,
                  (unsigned long long)m->initcalls_open, (unsigned long long)m->probes,
                  (unsigned long long)m->marks, m->boots);
        sbuf_addf(&sb,
                  "meta clocksource_line=%u run_init=%u@%llu free_initmem=%u@%llu "
                  "initcalls=%llu..%llu last=%llu sched_stable=%u lag=%lld gtod=%lld\n",
                  m->clocksource_line, m->run_init_line, (unsigned long long)m->run_init_ns,
                  m->free_initmem_line, (unsigned long long)m->free_initmem_ns,
                  (unsigned long long)m->first_initcall_ns, (unsigned long long)m->last_initcall_ns,
                  (unsigned long long)m->last_printk_ns, m->sched_stable_line,
                  (long long)m->sched_lag_ns, (long long)m->gtod_offset_ns);
        sbuf_addf(&sb, "lines total=%llu records=%llu skipped=%llu\n",
                  (unsigned long long)t->lines_total, (unsigned long long)t->lines_records,
                  (unsigned long long)t->lines_skipped);
        for (size_t i = 0; i < t->nrecs; i++) {
                const struct ev_record *r = &t->recs[i];

                sbuf_addf(&sb, "%u %s %llu %llu %s%s%s\n", r->line, ev_kind_str(r->kind),
                          (unsigned long long)r->thread, (unsigned long long)r->ts,
                          ev_str(t, r->name), r->arg ? " " : "", ev_str(t, r->arg));
        }
        for (size_t i = 0; i < t->nwarns; i++)
                sbuf_addf(&sb, "warning %u: %s\n", t->warns[i].line, t->warns[i].msg);
        return sbuf_detach(&sb, NULL);
}

static void check_golden(const char *name)
{
        struct parsed p;
        char path[512], *got, *want;
        size_t len;

        parse_file(&p, name);
        got = render(&p);
        snprintf(path, sizeof(path), DATA "%.*s.expected", (int)(strlen(name) - 4), name);
        if (getenv("BOOTLENS_REGEN"))
                assert_int_equal(util_write_file_atomic(path, got, strlen(got)), 0);
        assert_int_equal(util_read_file(path, &want, &len), 0);
        assert_string_equal(got, want);
        free(got);
        free(want);
        ev_trace_free(&p.t);
}

/* The record of kind named name (and thread, unless ~0), or NULL. */
static const struct ev_record *find(const struct ev_trace *t, enum ev_kind kind, const char *name,
                                    uint64_t thread)
{
        for (size_t i = 0; i < t->nrecs; i++)
                if (t->recs[i].kind == kind && strcmp(ev_str(t, t->recs[i].name), name) == 0 &&
                    (thread == ~0ull || t->recs[i].thread == thread))
                        return &t->recs[i];
        return NULL;
}

static bool has_warning(const struct ev_trace *t, const char *needle)
{
        for (size_t i = 0; i < t->nwarns; i++)
                if (strstr(t->warns[i].msg, needle))
                        return true;
        return false;
}

static void test_dmesg_golden_real_console(void **state)
{
        check_golden("real-console.log");
}

static void test_dmesg_golden_real_dmesg_levels(void **state)
{
        check_golden("real-dmesg-levels.log");
}

static void test_dmesg_golden_async_pids(void **state)
{
        check_golden("async-pids.log");
}

static void test_dmesg_golden_no_initcall_debug(void **state)
{
        check_golden("no-initcall-debug.log");
}

static void test_dmesg_golden_real_async_modules(void **state)
{
        check_golden("real-async-modules.log");
}

/* A real log of two processes loading modules at once: each frame on its
 * own PID, interleaved, each lasting the kernel's "after N usecs". */
static void test_dmesg_real_async_modules_interleave(void **state)
{
        const struct ev_record *e, *x;
        struct parsed p;

        parse_file(&p, "real-async-modules.log");
        e = find(&p.t, EV_ENTER, "blake2b_mod_init [blake2b_generic]", 79);
        x = find(&p.t, EV_EXIT, "blake2b_mod_init [blake2b_generic]", 79);
        assert_non_null(e);
        assert_non_null(x);
        assert_int_equal(x->ts - e->ts, 17538000);
        e = find(&p.t, EV_ENTER, "camellia_init [camellia_generic]", 80);
        x = find(&p.t, EV_EXIT, "camellia_init [camellia_generic]", 80);
        assert_non_null(e);
        assert_non_null(x);
        assert_int_equal(x->ts - e->ts, 3427000);
        assert_int_equal(p.m.initcalls_open, 0);
        assert_int_equal(p.t.nwarns, 0);
        ev_trace_free(&p.t);
}

static void test_dmesg_golden_tsc_unstable(void **state)
{
        check_golden("tsc-unstable.log");
}

/* After the watchdog switches back to refined-jiffies, the kernel's
 * "after N usecs" is coarse again: the printk timestamps are used. */
static void test_dmesg_tsc_unstable_warns_and_uses_printk_times(void **state)
{
        const struct ev_record *e, *x;
        struct parsed p;

        parse_file(&p, "tsc-unstable.log");
        assert_true(p.m.tsc_unstable_line > 0);
        assert_true(has_warning(&p.t, "tsc=reliable"));
        e = find(&p.t, EV_ENTER, "inet6_init", 1);
        x = find(&p.t, EV_EXIT, "inet6_init", 1);
        assert_non_null(e);
        assert_non_null(x);
        assert_int_equal(x->ts - e->ts, 1786413000 - 1754106000);
        ev_trace_free(&p.t);
}

/* A real serial log: console initcalls run on PID 0, offsets are gone,
 * and the kernel's own duration is used once its clock is precise. */
static void test_dmesg_real_console_durations(void **state)
{
        const struct ev_record *e, *x;
        struct parsed p;

        parse_file(&p, "real-console.log");
        assert_non_null(find(&p.t, EV_ENTER, "con_init", 0));
        assert_null(find(&p.t, EV_ENTER, "con_init+0x0/0x22c", ~0ull));
        /* after "Switched to clocksource": "after 70653 usecs" */
        e = find(&p.t, EV_ENTER, "init_kprobe_trace", 1);
        x = find(&p.t, EV_EXIT, "init_kprobe_trace", 1);
        assert_non_null(e);
        assert_non_null(x);
        assert_int_equal(x->ts - e->ts, 70653000);
        assert_int_equal(x->ts, 650114000);
        /* before it, ktime ran on jiffies ("after 0 usecs"): printk times */
        e = find(&p.t, EV_ENTER, "init_hw_perf_events", 1);
        x = find(&p.t, EV_EXIT, "init_hw_perf_events", 1);
        assert_int_equal(x->ts - e->ts, 274300000 - 272865000);
        /* the probe sits inside ged_driver_init on PID 1 */
        e = find(&p.t, EV_ENTER, "probe", 1);
        assert_non_null(e);
        assert_string_equal(ev_str(&p.t, e->arg), "ACPI0013:00");
        assert_true(e->ts >= find(&p.t, EV_ENTER, "ged_driver_init", 1)->ts);
        assert_true(p.m.initcalls >= 50);
        ev_trace_free(&p.t);
}

/* Initcalls of different PIDs interleave; each EXIT closes its own frame. */
static void test_dmesg_async_initcalls_on_other_pids(void **state)
{
        const struct ev_record *e, *x;
        struct parsed p;

        parse_file(&p, "async-pids.log");
        e = find(&p.t, EV_ENTER, "virtio_init [virtio]", 152);
        x = find(&p.t, EV_EXIT, "virtio_init [virtio]", 152);
        assert_non_null(e);
        assert_non_null(x);
        assert_int_equal(x->ts - e->ts, 880000);
        e = find(&p.t, EV_ENTER, "crc32c_intel_mod_init [crc32c_intel]", 153);
        assert_non_null(e);
        /* the probe went to the most recent running initcall (PID 153) */
        assert_non_null(find(&p.t, EV_ENTER, "probe", 153));
        assert_int_equal(p.m.initcalls_open, 1);
        assert_true(has_warning(&p.t, "ghost_init returned but its \"calling\" line is missing"));
        /* initcalls.end is the last initcall before Run /init */
        assert_int_equal(p.m.last_initcall_ns, 201300000);
        assert_int_equal(p.m.run_init_ns, 310000000);
        ev_trace_free(&p.t);
}

/* An initcall that returns while a later one still runs: the later one
 * is the parent of the next probe, the same name returning twice is
 * missing its "calling" line the second time, and a new boot forgets
 * what was open (the bookkeeping that replaced a quadratic search). */
static void test_dmesg_out_of_order_returns(void **state)
{
        static const char log[] =
            "[    0.000000] Linux version 6.1.0\n"
            "[    0.100000] calling  a_init+0x0/0x20 @ 1\n"
            "[    0.110000] calling  b_init+0x0/0x20 @ 7\n"
            "[    0.120000] calling  a_init+0x0/0x20 @ 8\n"
            "[    0.130000] initcall a_init+0x0/0x20 returned 0 after 100 usecs\n"
            "[    0.140000] probe of dev0 returned 0 after 10 usecs\n"
            "[    0.150000] initcall a_init+0x0/0x20 returned 0 after 100 usecs\n"
            "[    0.160000] initcall a_init+0x0/0x20 returned 0 after 100 usecs\n"
            "[    0.170000] calling  c_init+0x0/0x20 @ 9\n";
        static const char reboot[] = "[    1.000000] Linux version 6.1.0\n"
                                     "[    1.100000] probe of dev1 returned 0 after 10 usecs\n";
        char both[sizeof(log) + sizeof(reboot)];
        struct parsed p;

        parse_buf(&p, log, sizeof(log) - 1);
        /* the inner a_init (PID 8) returned first; the probe went to b_init's PID */
        assert_non_null(find(&p.t, EV_EXIT, "a_init", 8));
        assert_non_null(find(&p.t, EV_ENTER, "probe", 7));
        assert_non_null(find(&p.t, EV_EXIT, "a_init", 1));
        assert_true(has_warning(&p.t, "a_init returned but its \"calling\" line is missing"));
        assert_int_equal(p.m.initcalls, 2);
        assert_int_equal(p.m.initcalls_open, 2); /* b_init and c_init */
        ev_trace_free(&p.t);

        snprintf(both, sizeof(both), "%s%s", log, reboot);
        parse_buf(&p, both, strlen(both));
        assert_int_equal(p.m.initcalls_open, 0);
        assert_non_null(find(&p.t, EV_ENTER, "probe", DMESG_PROBE_THREAD));
        ev_trace_free(&p.t);
}

static void test_dmesg_without_initcall_debug_notes_it(void **state)
{
        struct parsed p;

        parse_file(&p, "no-initcall-debug.log");
        assert_int_equal(p.m.initcalls, 0);
        assert_true(p.m.run_init_line > 0);
        assert_non_null(find(&p.t, EV_EVENT, "kernel.run_init", 1));
        assert_null(find(&p.t, EV_EVENT, "initcalls.start", ~0ull));
        assert_true(has_warning(&p.t, "initcall_debug"));
        ev_trace_free(&p.t);
}

static void test_dmesg_empty_input(void **state)
{
        struct parsed p;

        parse_buf(&p, "", 0);
        assert_int_equal(p.m.lines_printk, 0);
        assert_int_equal(p.t.nrecs, 0);
        ev_trace_free(&p.t);
}

/* NUL bytes, control bytes, a 1 MB line and binary junk: skipped with a
 * warning naming the line; what is good around them still parses. */
static void test_dmesg_garbage_tolerated(void **state)
{
        static const char head[] = "[    0.100000] calling  a_init+0x0/0x10 @ 1\n"
                                   "[    0.100001] calling  b\0init+0x0/0x10 @ 1\n"
                                   "\x01\xff\xfe garbage \x00\x00\n";
        static const char tail[] =
            "\n[    0.200000] initcall a_init+0x0/0x10 returned 0 after 5 usecs\n"
            "[    0.300000] calling  a_init @\n";
        size_t big = 1 << 20, len = sizeof(head) - 1 + 15 + big + sizeof(tail) - 1;
        char *buf = malloc(len), *q = buf;
        struct parsed p;

        assert_non_null(buf);
        memcpy(q, head, sizeof(head) - 1);
        q += sizeof(head) - 1;
        memcpy(q, "[    0.150000] ", 15);
        q += 15;
        memset(q, 'x', big);
        q += big;
        memcpy(q, tail, sizeof(tail) - 1);
        parse_buf(&p, buf, len);
        assert_int_equal(p.m.initcalls, 1);
        assert_int_equal(p.t.nwarns, 3);
        assert_int_equal(p.t.warns[0].line, 2);
        assert_non_null(strstr(p.t.warns[0].msg, "control byte"));
        assert_int_equal(p.t.warns[1].line, 4);
        assert_non_null(strstr(p.t.warns[1].msg, "1048591 bytes"));
        assert_int_equal(p.t.warns[2].line, 6);
        assert_non_null(strstr(p.t.warns[2].msg, "malformed \"calling\""));
        free(buf);
        ev_trace_free(&p.t);
}

/* A console capture with a framed dump: only the dmesg section is the
 * kernel log, the begin line's clock fields are read, marks anywhere. */
static void test_dmesg_framed_dump(void **state)
{
        static const char log[] =
            "<6>[    0.000000] Linux version 6.1.0\n"
            "<7>[    0.200000] calling  x_init+0x0/0x10 @ 1\n"
            "<7>[    0.200100] initcall x_init+0x0/0x10 returned 0 after 100 usecs\n"
            "<6>[    0.500000] Run /init as init process\n";
        struct framing_writer w;
        struct parsed p;
        FILE *f = tmpfile();
        char *buf;
        long n;

        assert_non_null(f);
        fputs("[    9.000000] calling  noise_init+0x0/0x10 @ 1\n"
              "@@bootlens mark rc-start uptime_ns=600000000\n",
              f);
        fflush(f);
        assert_int_equal(framing_begin(&w, fileno(f),
                                       "os=linux tsc_freq=2300000000 tsc_now=2300000000 "
                                       "uptime_ns=700000000"),
                         0);
        assert_int_equal(framing_section(&w, "dmesg"), 0);
        assert_int_equal(framing_write(&w, log, sizeof(log) - 1), 0);
        assert_int_equal(framing_end(&w), 0);
        n = lseek(fileno(f), 0, SEEK_END);
        buf = malloc((size_t)n);
        assert_non_null(buf);
        assert_int_equal(pread(fileno(f), buf, (size_t)n, 0), n);
        fclose(f);
        parse_buf(&p, buf, (size_t)n);
        assert_true(p.m.framed);
        assert_true(p.m.has_uptime);
        assert_int_equal(p.m.uptime_ns, 700000000);
        assert_true(p.m.has_tsc);
        assert_int_equal(p.m.tsc_freq, 2300000000ull);
        assert_int_equal(p.m.begin_line, 3);
        assert_int_equal(p.m.initcalls, 1);
        assert_null(find(&p.t, EV_ENTER, "noise_init", ~0ull));
        assert_int_equal(find(&p.t, EV_EVENT, "mark.rc-start", ~0ull)->ts, 600000000);
        assert_int_equal(find(&p.t, EV_EVENT, "dump.begin", ~0ull)->ts, 700000000);
        assert_int_equal(find(&p.t, EV_ENTER, "x_init", 1)->line, 6);
        assert_true(p.t.has_begin_marker);
        assert_true(p.t.has_end_marker);
        assert_int_equal(p.t.nwarns, 0);
        free(buf);
        ev_trace_free(&p.t);
}

/* "dmesg -x" facility names and /dev/kmsg records parse like the rest. */
static void test_dmesg_other_formats(void **state)
{
        static const char x[] = "kern  :info  : [    0.000000] Linux version 6.1.0\n"
                                "kern  :debug : [    0.200000] calling  a_init+0x0/0x10 @ 1\n"
                                "kern  :debug : [    0.200300] initcall a_init+0x0/0x10 returned 0 "
                                "after 300 usecs\n";
        static const char kmsg[] = "5,0,0,-;Linux version 6.1.0\n"
                                   "7,581,200000,-,caller=T1;calling  b_init+0x0/0x10 @ 1\n"
                                   " SUBSYSTEM=none\n"
                                   "7,582,200400,-;initcall b_init+0x0/0x10 returned 0 after 400 "
                                   "usecs\n";
        struct parsed p;

        parse_buf(&p, x, sizeof(x) - 1);
        assert_int_equal(p.m.lines_printk, 3);
        assert_int_equal(p.m.initcalls, 1);
        assert_int_equal(find(&p.t, EV_EXIT, "a_init", 1)->ts, 200300000);
        ev_trace_free(&p.t);
        parse_buf(&p, kmsg, sizeof(kmsg) - 1);
        assert_int_equal(p.m.lines_printk, 3);
        assert_int_equal(p.m.initcalls, 1);
        assert_int_equal(find(&p.t, EV_ENTER, "b_init", 1)->ts, 200000000);
        assert_int_equal(find(&p.t, EV_EXIT, "b_init", 1)->ts, 200400000);
        ev_trace_free(&p.t);
}

static void test_dmesg_probe_counts_timestamped_lines(void **state)
{
        static const char txt[] = "hello\n<6>[    0.000000] a\n[    1.5] b\n[x] c\n";

        assert_int_equal(dmesg_probe(txt, sizeof(txt) - 1), 2);
}

/* issue 10, bug 1: printk times, the begin line's clocks and a mark's
 * uptime at or above 2^63 are refused with a warning naming the line */
static void test_dmesg_refuses_clock_values_out_of_range(void **state)
{
        static const char txt[] = "@@bootlens v1 begin os=linux uptime_ns=18446744073709551615 "
                                  "tsc_now=18446744073709551615 tsc_freq=2000000000\n"
                                  "@@bootlens section dmesg\n"
                                  "<6>[    0.000000] Linux version 6.1\n"
                                  "<6>[9223372036.854775808] calling  big+0x0/0x10 @ 1\n"
                                  "<6>[    0.100000] Run /init as init process\n"
                                  "@@bootlens end sections=1 bytes=0 crc32=none\n"
                                  "@@bootlens mark poweroff uptime_ns=9223372036854775808\n";
        struct parsed p;

        (void)state;
        parse_buf(&p, txt, sizeof(txt) - 1);
        assert_false(p.m.has_uptime);
        assert_false(p.m.has_tsc);
        assert_int_equal(p.m.lines_malformed, 2);
        assert_int_equal(p.m.marks, 0);
        for (size_t i = 0; i < p.t.nrecs; i++)
                assert_true(p.t.recs[i].ts <= UTIL_CLOCK_MAX);
        assert_non_null(find_warning(&p.t, 1, "uptime_ns= is out of range"));
        assert_non_null(find_warning(&p.t, 1, "tsc_now= is out of range"));
        assert_non_null(find_warning(&p.t, 4, "printk timestamp out of range"));
        assert_non_null(find_warning(&p.t, 7, "malformed marker line"));
        ev_trace_free(&p.t);
}

/* A log that starts over forgets the open initcalls of the earlier boot
 * (only their names are cleared: a log of many reboots stays linear). */
static void test_dmesg_reboot_forgets_open_initcalls(void **state)
{
        static const char txt[] =
            "<6>[    0.000000] Linux version 6.1\n"
            "<6>[    0.100000] calling  a+0x0/0x10 @ 1\n"
            "<6>[    0.200000] calling  b+0x0/0x10 @ 1\n"
            "<6>[    0.000000] Linux version 6.1\n"
            "<6>[    0.300000] initcall a+0x0/0x10 returned 0 after 5 usecs\n"
            "<6>[    0.400000] calling  b+0x0/0x10 @ 1\n"
            "<6>[    0.500000] initcall b+0x0/0x10 returned 0 after 5 usecs\n";
        struct parsed p;

        (void)state;
        parse_buf(&p, txt, sizeof(txt) - 1);
        assert_int_equal(p.m.boots, 2);
        assert_int_equal(p.m.initcalls, 1);
        assert_non_null(
            find_warning(&p.t, 5, "initcall a returned but its \"calling\" line is missing"));
        assert_int_equal(p.m.initcalls_open, 0);
        ev_trace_free(&p.t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_dmesg_out_of_order_returns),
            cmocka_unit_test(test_dmesg_golden_real_console),
            cmocka_unit_test(test_dmesg_golden_real_dmesg_levels),
            cmocka_unit_test(test_dmesg_golden_async_pids),
            cmocka_unit_test(test_dmesg_golden_no_initcall_debug),
            cmocka_unit_test(test_dmesg_golden_real_async_modules),
            cmocka_unit_test(test_dmesg_real_async_modules_interleave),
            cmocka_unit_test(test_dmesg_golden_tsc_unstable),
            cmocka_unit_test(test_dmesg_tsc_unstable_warns_and_uses_printk_times),
            cmocka_unit_test(test_dmesg_real_console_durations),
            cmocka_unit_test(test_dmesg_async_initcalls_on_other_pids),
            cmocka_unit_test(test_dmesg_without_initcall_debug_notes_it),
            cmocka_unit_test(test_dmesg_empty_input),
            cmocka_unit_test(test_dmesg_garbage_tolerated),
            cmocka_unit_test(test_dmesg_framed_dump),
            cmocka_unit_test(test_dmesg_other_formats),
            cmocka_unit_test(test_dmesg_probe_counts_timestamped_lines),
            cmocka_unit_test(test_dmesg_refuses_clock_values_out_of_range),
            cmocka_unit_test(test_dmesg_reboot_forgets_open_initcalls),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
