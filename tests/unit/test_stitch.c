/* Unit tests of clock stitching (analyzer/stitch.c) and of one Linux run
 * analysed from a real session (analyzer/runset.c, analyzer/run.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/run.h"
#include "analyzer/runset.h"
#include "analyzer/stitch.h"

#define SESSION BOOTLENS_TEST_DATA "/linux-session"

/* The numbers of tests/data/linux-session run 1 (Debian 6.1 under TCG). */
static void real_meta(struct dmesg_meta *m, struct stitch_host *h)
{
        memset(m, 0, sizeof(*m));
        m->lines_printk = 1000;
        m->has_uptime = true;
        m->uptime_ns = 2289705387;
        m->has_tsc = true;
        m->tsc_now = 7798782840;
        m->tsc_freq = 2299840000;
        m->sched_stable_line = 1218;
        m->sched_lag_ns = 630026610;
        m->gtod_offset_ns = 15064240;
        *h = (struct stitch_host){.spawn = 1281460273145,
                                  .dump_begin = 1284950998786,
                                  .first_byte = 1283082086859,
                                  .exit = 1284998876418};
}

static void test_stitch_places_printk_and_tsc0_on_the_host_timeline(void **state)
{
        struct dmesg_meta m;
        struct stitch_host h;
        struct stitch s;

        real_meta(&m, &h);
        stitch_compute(&m, &h, &s);
        assert_true(s.ok);
        assert_true(s.has_tsc0);
        assert_true(s.has_lag);
        /* printk at the dump = uptime + offset = 2304769627 */
        assert_int_equal(s.shift_ns, 3490725641 - 2304769627);
        assert_int_equal(s.lag_ns, 630026610);
        assert_int_equal(s.printk0_ns, 3490725641 - 2304769627 - 630026610);
        /* TSC 0 = dump arrival - tsc_now / tsc_freq */
        assert_int_equal(s.tsc0_ns, 99714597);
        assert_int_equal(s.latency_bound_ns, 99714597);
        assert_true(s.tsc0_ns > 0 && (uint64_t)s.tsc0_ns < s.first_byte_ns);
        assert_int_equal(s.exit_ns, 3538603273);
}

/* When the begin line opened the console, its first byte is the anchor:
 * the dumper read the clocks just before writing it. */
static void test_stitch_anchors_at_the_begin_lines_first_byte(void **state)
{
        struct dmesg_meta m;
        struct stitch_host h;
        struct stitch s;

        real_meta(&m, &h);
        h.begin_first_byte = 1284950257978; /* 740808 ns before its newline */
        stitch_compute(&m, &h, &s);
        assert_true(s.ok);
        assert_int_equal(s.anchor_ns, 3490725641 - 740808);
        assert_int_equal(s.dump_begin_ns, 3490725641);
        assert_int_equal(s.tsc0_ns, 99714597 - 740808);
        assert_int_equal(s.shift_ns, 3490725641 - 740808 - 2304769627);
}

static void test_stitch_without_uptime_is_not_ok(void **state)
{
        struct dmesg_meta m;
        struct stitch_host h;
        struct stitch s;

        real_meta(&m, &h);
        m.has_uptime = false;
        stitch_compute(&m, &h, &s);
        assert_false(s.ok);
        assert_non_null(strstr(s.why_not, "uptime_ns"));
}

static void test_stitch_rejects_uptime_longer_than_the_run(void **state)
{
        struct dmesg_meta m;
        struct stitch_host h;
        struct stitch s;

        real_meta(&m, &h);
        m.uptime_ns = 4000000000ull;
        stitch_compute(&m, &h, &s);
        assert_false(s.ok);
        assert_non_null(strstr(s.why_not, "exceeds"));
}

static void test_stitch_without_tsc_still_places_printk(void **state)
{
        struct dmesg_meta m;
        struct stitch_host h;
        struct stitch s;

        real_meta(&m, &h);
        m.has_tsc = false;
        stitch_compute(&m, &h, &s);
        assert_true(s.ok);
        assert_false(s.has_tsc0);
        assert_int_equal(s.shift_ns, 3490725641 - 2304769627);
}

/* Issue 10 bug 3: a halved tsc_freq makes the TSC count twice as long as
 * the host saw: guest TSC 0 would lie before the spawn. Refused, with the
 * frequency in the reason; printk stays placed. */
static void test_stitch_refuses_tsc0_before_the_spawn(void **state)
{
        static const uint64_t freqs[] = {2299840000 / 2, 3};
        struct dmesg_meta m;
        struct stitch_host h;
        struct stitch s;

        for (size_t k = 0; k < 2; k++) {
                real_meta(&m, &h);
                m.tsc_freq = freqs[k];
                stitch_compute(&m, &h, &s);
                assert_true(s.ok);
                assert_false(s.has_tsc0);
                assert_int_equal(s.latency_bound_ns, 0);
                assert_non_null(strstr(s.tsc0_why, "before QEMU's spawn"));
                assert_non_null(strstr(s.tsc0_why, "TSC frequency"));
                assert_int_equal(s.shift_ns, 3490725641 - 2304769627);
        }
}

/* A doubled tsc_freq: TSC 0 after the first console byte (the guest wrote
 * before its TSC started). */
static void test_stitch_refuses_tsc0_after_the_first_console_byte(void **state)
{
        struct dmesg_meta m;
        struct stitch_host h;
        struct stitch s;

        real_meta(&m, &h);
        m.tsc_freq = 2299840000ull * 2;
        stitch_compute(&m, &h, &s);
        assert_true(s.ok);
        assert_false(s.has_tsc0);
        assert_non_null(strstr(s.tsc0_why, "after the first console byte"));
}

/* Without a first console byte, a TSC that counted less than the kernel's
 * clock puts TSC 0 after printk time 0: refused too. */
static void test_stitch_refuses_tsc0_after_printk_zero(void **state)
{
        struct dmesg_meta m;
        struct stitch_host h;
        struct stitch s;

        real_meta(&m, &h);
        h.first_byte = 0;
        m.tsc_freq = 2299840000ull * 2;
        stitch_compute(&m, &h, &s);
        assert_false(s.has_tsc0);
        assert_non_null(strstr(s.tsc0_why, "after printk time 0"));
}

static void test_stitch_refuses_a_lag_beyond_the_spawn_and_an_exit_before_the_dump(void **state)
{
        struct dmesg_meta m;
        struct stitch_host h;
        struct stitch s;

        real_meta(&m, &h);
        m.sched_lag_ns = 2000000000; /* more than printk 0's 1185 ms after spawn */
        h.exit = h.dump_begin - 1;
        stitch_compute(&m, &h, &s);
        assert_true(s.ok);
        assert_non_null(strstr(s.printk0_why, "before QEMU's spawn"));
        assert_non_null(strstr(s.exit_why, "before"));
        assert_int_equal(s.exit_ns, 0);
}

/* The stitched points the checks refused are refused in the phases: the
 * phases they bound are unavailable with a why, the others keep their
 * values; a warning names the clock. */
static void test_stitch_refused_points_leave_phases_unavailable(void **state)
{
        struct dmesg_meta m;
        struct stitch_host h;
        struct stitch s;
        struct phases *ph = phases_new();
        struct ev_trace t;
        int64_t v;

        assert_non_null(ph);
        assert_int_equal(ev_trace_init(&t, "x"), 0);
        real_meta(&m, &h);
        m.tsc_freq /= 2;
        stitch_compute(&m, &h, &s);
        assert_int_equal(phases_load_map(ph, stitch_linux_map, strlen(stitch_linux_map), "b", NULL),
                         0);
        assert_int_equal(stitch_set_points(ph, &m, &s), 0);
        assert_false(phases_get_point(ph, "guest.tsc0", &v));
        assert_true(phases_get_point(ph, "host.spawn", &v));
        assert_int_equal(phases_compute(ph, &t), 0);
        assert_false(ph->results[0].available); /* qemu */
        assert_false(ph->results[0].inverted);
        assert_non_null(strstr(ph->results[0].why, "TSC frequency"));
        assert_false(ph->results[1].available); /* firmware+entry */
        assert_non_null(ph->results[1].why);
        assert_true(ph->results[2].available); /* printk lag */
        assert_int_equal(stitch_warn(&s, &t, 1), 0);
        assert_int_equal(t.nwarns, 1);
        assert_int_equal(t.warns[0].line, 1);
        assert_non_null(strstr(t.warns[0].msg, "clock stitching"));
        assert_non_null(strstr(t.warns[0].msg, "tsc_freq=1149920000"));
        ev_trace_free(&t);
        phases_free(ph);
}

/* An uptime beyond the host time since spawn is a contradiction: every
 * host point is refused, with a warning. */
static void test_stitch_contradiction_refuses_every_host_point(void **state)
{
        struct dmesg_meta m;
        struct stitch_host h;
        struct stitch s;
        struct phases *ph = phases_new();
        struct ev_trace t;
        int64_t v;

        assert_int_equal(ev_trace_init(&t, "x"), 0);
        real_meta(&m, &h);
        m.uptime_ns = 4000000000ull;
        stitch_compute(&m, &h, &s);
        assert_true(s.contradiction);
        assert_int_equal(stitch_set_points(ph, &m, &s), 0);
        assert_false(phases_get_point(ph, "host.spawn", &v));
        assert_false(phases_get_point(ph, "host.exit", &v));
        assert_int_equal(stitch_warn(&s, &t, 1), 0);
        assert_int_equal(t.nwarns, 1);
        ev_trace_free(&t);
        phases_free(ph);
}

static bool phase(const struct run *r, const char *name, int64_t *ns)
{
        const struct phases *ph = r->phases;

        for (size_t k = 0; k < ph->nresults; k++)
                if (strcmp(ph->results[k].def->name, name) == 0) {
                        if (!ph->results[k].available)
                                return false;
                        *ns = ph->results[k].end - ph->results[k].start;
                        return true;
                }
        return false;
}

/* The real session run: every phase available, their sum is the host's
 * spawn-to-exit time, the kernel-side ones agree with the guest's uptime. */
static void test_run_real_session_run(void **state)
{
        static const char *const names[] = {"qemu",         "firmware+entry", "printk lag",
                                            "early kernel", "initcalls",      "late init",
                                            "user space",   "power-off"};
        struct runset rs;
        struct run_options o = {0};
        struct run r;
        char msg[256], *err = NULL;
        int64_t sum = 0, kside = 0, v;
        uint64_t total;
        struct run_initcall ic[3];

        assert_int_equal(runset_open(SESSION, &rs, msg, sizeof(msg)), 0);
        assert_int_equal(rs.n, 1);
        assert_true(rs.v[0].selected);
        assert_int_equal(runset_analyse(&rs, 0, &o, &r, &err), 0);
        assert_int_equal(r.kind, RUN_LINUX);
        assert_true(r.stitch.ok);
        assert_true(r.dmesg.initcalls >= 100);
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
                assert_true(phase(&r, names[k], &v));
                assert_true(v >= 0);
                sum += v;
                if (k >= 3 && k <= 6)
                        kside += v;
        }
        assert_int_equal(sum, 3538603273); /* exit - spawn */
        for (size_t k = 0; k < r.phases->nresults; k++) {
                uint64_t ns;

                assert_true(run_phase_ns(&r, k, &ns)); /* the OS-neutral view */
                assert_int_equal(ns, r.phases->results[k].end - r.phases->results[k].start);
        }
        assert_true(run_total_ns(&r, &total));
        assert_int_equal(total, 3538603273);
        assert_true(llabs(kside - (int64_t)r.dmesg.uptime_ns) * 20 < (int64_t)r.dmesg.uptime_ns);
        assert_int_equal(run_slowest_initcalls(&r, ic, 3), 3);
        assert_int_equal(ic[0].pid, 1);
        assert_true(ic[0].total_ns >= ic[1].total_ns && ic[1].total_ns >= ic[2].total_ns);
        run_free(&r);
        runset_free(&rs);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stitch_places_printk_and_tsc0_on_the_host_timeline),
            cmocka_unit_test(test_stitch_anchors_at_the_begin_lines_first_byte),
            cmocka_unit_test(test_stitch_without_uptime_is_not_ok),
            cmocka_unit_test(test_stitch_rejects_uptime_longer_than_the_run),
            cmocka_unit_test(test_stitch_without_tsc_still_places_printk),
            cmocka_unit_test(test_stitch_refuses_tsc0_before_the_spawn),
            cmocka_unit_test(test_stitch_refuses_tsc0_after_the_first_console_byte),
            cmocka_unit_test(test_stitch_refuses_tsc0_after_printk_zero),
            cmocka_unit_test(
                test_stitch_refuses_a_lag_beyond_the_spawn_and_an_exit_before_the_dump),
            cmocka_unit_test(test_stitch_refused_points_leave_phases_unavailable),
            cmocka_unit_test(test_stitch_contradiction_refuses_every_host_point),
            cmocka_unit_test(test_run_real_session_run),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
