/* Unit tests of one boot (collector/runner.c): the verdict rules, and
 * runs of the stand-in QEMU (tests/data/collect/fake-qemu). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "collector/runner.h"

#define DATA BOOTLENS_TEST_DATA "/collect"
#define SEC  1000000000ull

/* ---- runner_judge ---- */

static void test_runner_judge_whole_dump_is_ok(void **state)
{
        struct runner_result r = {0};

        r.exit = RUNNER_EXITED;
        r.dump_found = true;
        r.dump.status = FRAMING_OK;
        runner_judge(&r, 30 * SEC);
        assert_int_equal(r.verdict, SESSION_OK);
        assert_string_equal(r.reason, "");
        /* Even when QEMU had to be stopped after the dump. */
        r.signal_sent = 15;
        r.exit = RUNNER_SIGNALED;
        runner_judge(&r, 30 * SEC);
        assert_int_equal(r.verdict, SESSION_OK);
        assert_non_null(strstr(r.reason, "did not exit"));
}

static void test_runner_judge_deadline_is_timeout(void **state)
{
        struct runner_result r = {0};

        r.exit = RUNNER_SIGNALED;
        r.exit_signal = 15;
        r.timed_out = true;
        runner_judge(&r, 3 * SEC);
        assert_int_equal(r.verdict, SESSION_TIMEOUT);
        assert_string_equal(r.reason, "no dump within 3 s");
        /* A dump cut off by the deadline is a timeout too (retried). */
        r.t_dump_begin = 1;
        r.dump_found = true;
        r.dump.status = FRAMING_NO_END;
        runner_judge(&r, 3 * SEC);
        assert_int_equal(r.verdict, SESSION_TIMEOUT);
}

static void test_runner_judge_bad_dump(void **state)
{
        struct runner_result r = {0};

        r.exit = RUNNER_EXITED;
        r.dump_found = true;
        r.dump.status = FRAMING_BAD_CRC;
        r.dump.crc_claimed = 0x1;
        r.dump.crc_actual = 0x2;
        runner_judge(&r, 3 * SEC);
        assert_int_equal(r.verdict, SESSION_BAD_DUMP);
        assert_string_equal(r.reason, "dump: crc32 mismatch (claimed 00000001, actual 00000002)");
        r.dump.status = FRAMING_NO_END;
        runner_judge(&r, 3 * SEC);
        assert_int_equal(r.verdict, SESSION_BAD_DUMP);
}

static void test_runner_judge_crashes(void **state)
{
        struct runner_result r = {0};

        r.exit = RUNNER_EXITED;
        r.exit_code = 1;
        runner_judge(&r, 3 * SEC);
        assert_int_equal(r.verdict, SESSION_CRASH);
        assert_string_equal(r.reason, "qemu exited with status 1 before a dump");
        r.exit = RUNNER_SIGNALED;
        r.exit_signal = 9;
        runner_judge(&r, 3 * SEC);
        assert_int_equal(r.verdict, SESSION_CRASH);
        r.kvm_error = true;
        runner_judge(&r, 3 * SEC);
        assert_int_equal(r.verdict, SESSION_CRASH);
        assert_non_null(strstr(r.reason, "KVM internal error"));
        r.kvm_error = false;
        r.exit = RUNNER_NOT_STARTED;
        r.spawn_error = ENOENT;
        runner_judge(&r, 3 * SEC);
        assert_int_equal(r.verdict, SESSION_CRASH);
        assert_non_null(strstr(r.reason, "cannot start qemu"));
}

/* Bytes arrive in any chunks: lines are stamped when their newline comes. */
static void test_runner_scan_console_in_chunks(void **state)
{
        static const char text[] = "noise\n@@bootlens v1 begin os=linux\n@@bootlens mark rc uptime_"
                                   "ns=42\n@@bootlens end sections=0 bytes=0 crc32=none\n";
        struct runner_result r;
        struct runner_scan sc = {0, 0};

        memset(&r, 0, sizeof(r));
        for (size_t k = 0; k < sizeof(text) - 1; k += 7) {
                size_t n = sizeof(text) - 1 - k < 7 ? sizeof(text) - 1 - k : 7;

                assert_int_equal(sbuf_add(&r.console, text + k, n), 0);
                assert_int_equal(runner_scan_console(&r, &sc, 100 + k), 0);
        }
        assert_int_equal(r.off_dump_begin, 6);
        assert_true(r.t_dump_begin >= 100 + 35 - 7 && r.t_dump_begin <= 100 + 35);
        assert_int_equal(r.nmarks, 1);
        assert_string_equal(r.marks[0].name, "rc");
        assert_int_equal(r.marks[0].uptime_ns, 42);
        assert_true(r.t_dump_end > r.marks[0].host_ns);
        runner_result_free(&r);
}

static void test_session_verdict_names_round_trip(void **state)
{
        enum session_verdict v;

        for (int i = SESSION_OK; i <= SESSION_WARMUP; i++) {
                assert_int_equal(session_verdict_parse(session_verdict_name(i), &v), 0);
                assert_int_equal(v, i);
        }
        assert_string_equal(session_verdict_name(SESSION_BAD_DUMP), "bad-dump");
        assert_int_equal(session_verdict_parse("fine", &v), -EINVAL);
}

/* ---- runs of the stand-in ---- */

static char state_dir[64];

static int setup(void **state)
{
        strcpy(state_dir, "/tmp/bootlens-runner-XXXXXX");
        if (!mkdtemp(state_dir))
                return -1;
        setenv("FAKE_QEMU_STATE", state_dir, 1);
        return 0;
}

static int teardown(void **state)
{
        char path[128];

        for (int i = 1; i < 20; i++) {
                snprintf(path, sizeof(path), "%s/argv.%d", state_dir, i);
                unlink(path);
                snprintf(path, sizeof(path), "%s/pid.%d", state_dir, i);
                unlink(path);
                snprintf(path, sizeof(path), "%s/cpus.%d", state_dir, i);
                unlink(path);
        }
        snprintf(path, sizeof(path), "%s/count", state_dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/lock", state_dir);
        unlink(path);
        rmdir(state_dir);
        return 0;
}

static void boot(const char *mode, uint64_t timeout_ns, struct runner_result *r)
{
        struct qemu_config c = {.binary = DATA "/fake-qemu", .accel = "tcg", .kernel = "k"};
        struct runner_opts o = {.timeout_ns = timeout_ns};
        char path[128];

        snprintf(path, sizeof(path), "%s/count", state_dir);
        unlink(path);
        setenv("FAKE_QEMU_SCRIPT", mode, 1);
        assert_int_equal(runner_run(&c, &o, r), 0);
}

static void test_runner_run_keeps_console_verbatim_and_stamps_marks(void **state)
{
        struct runner_result r;
        char *want;
        size_t len;

        boot("ok", 10 * SEC, &r);
        assert_int_equal(r.verdict, SESSION_OK);
        assert_int_equal(util_read_file(DATA "/good.console", &want, &len), 0);
        assert_int_equal(r.console.len, len);
        assert_memory_equal(r.console.buf, want, len);
        assert_true(r.t_spawn > 0);
        assert_true(r.t_first_console >= r.t_spawn);
        assert_true(r.t_dump_begin >= r.t_first_console);
        assert_true(r.t_dump_end >= r.t_dump_begin);
        assert_true(r.t_exit >= r.t_dump_end);
        assert_memory_equal(want + r.off_dump_begin, "@@bootlens v1 begin", 19);
        assert_memory_equal(want + r.off_dump_end, "@@bootlens end ", 15);
        assert_int_equal(r.nmarks, 2);
        assert_string_equal(r.marks[0].name, "init-start");
        assert_int_equal(r.marks[0].uptime_ns, 500000);
        assert_memory_equal(want + r.marks[0].offset, "@@bootlens mark init-start", 26);
        assert_string_equal(r.marks[1].name, "poweroff");
        assert_true(r.serial.len > 0);
        assert_int_equal(r.exit, RUNNER_EXITED);
        assert_int_equal(r.exit_code, 0);
        free(want);
        runner_result_free(&r);
}

static void test_runner_run_mark_names_become_printable_ascii(void **state)
{
        struct runner_result r;

        boot("oddmark", 10 * SEC, &r);
        assert_int_equal(r.verdict, SESSION_OK);
        assert_true(r.nmarks >= 1);
        assert_string_equal(r.marks[0].name, "caf??");
        assert_int_equal(r.marks[0].offset, 0);
        runner_result_free(&r);
}

static void test_runner_run_bad_crc_keeps_raw_bytes(void **state)
{
        struct runner_result r;
        char *want;
        size_t len;

        boot("badcrc", 10 * SEC, &r);
        assert_int_equal(r.verdict, SESSION_BAD_DUMP);
        assert_int_equal(util_read_file(DATA "/badcrc.console", &want, &len), 0);
        assert_int_equal(r.console.len, len);
        assert_memory_equal(r.console.buf, want, len);
        free(want);
        runner_result_free(&r);
}

/* The stand-in QEMU hangs for good: only the runner's own deadline ends
 * the run (without it this test would hang until CTest's timeout). How
 * fast it reacts is no unit test's business (no wall-clock assertions). */
static void test_runner_run_hang_times_out(void **state)
{
        struct runner_result r;

        boot("hang", 1 * SEC, &r);
        assert_int_equal(r.verdict, SESSION_TIMEOUT);
        assert_true(r.timed_out);
        assert_non_null(strstr(r.serial.buf, "Marking TSC unstable"));
        runner_result_free(&r);
}

static void test_runner_run_killed_qemu_is_crash(void **state)
{
        struct runner_result r;

        boot("crash", 10 * SEC, &r);
        assert_int_equal(r.verdict, SESSION_CRASH);
        assert_int_equal(r.exit, RUNNER_SIGNALED);
        assert_int_equal(r.exit_signal, 9);
        runner_result_free(&r);
}

/* "At once": with a deadline an hour away, a runner that waited for it
 * would outlast CTest's timeout; r.timed_out says it did not wait. */
static void test_runner_run_kvm_internal_error_is_crash_at_once(void **state)
{
        struct runner_result r;

        boot("kvmerror", 3600 * SEC, &r);
        assert_int_equal(r.verdict, SESSION_CRASH);
        assert_true(r.kvm_error);
        assert_false(r.timed_out);
        runner_result_free(&r);
}

static void test_runner_run_missing_binary_is_crash(void **state)
{
        struct qemu_config c = {
            .binary = "/nonexistent-bootlens/qemu", .accel = "tcg", .kernel = "k"};
        struct runner_opts o = {.timeout_ns = SEC};
        struct runner_result r;

        assert_int_equal(runner_run(&c, &o, &r), 0);
        assert_int_equal(r.verdict, SESSION_CRASH);
        assert_int_equal(r.exit, RUNNER_NOT_STARTED);
        runner_result_free(&r);
}

static void test_runner_run_stop_request_interrupts(void **state)
{
        struct qemu_config c = {.binary = DATA "/fake-qemu", .accel = "tcg", .kernel = "k"};
        volatile sig_atomic_t stop = 2;
        /* a deadline an hour away: only the stop request can end the run */
        struct runner_opts o = {.timeout_ns = 3600 * SEC, .stop = &stop, .stop_at = 2};
        struct runner_result r;

        setenv("FAKE_QEMU_SCRIPT", "hang", 1);
        assert_int_equal(runner_run(&c, &o, &r), 0);
        assert_true(r.interrupted);
        assert_false(r.timed_out);
        runner_result_free(&r);
}

/* The last CPU bootlens may run on (-1: none). */
static int last_cpu(void)
{
        cpu_set_t set;
        int last = -1;

        if (sched_getaffinity(0, sizeof(set), &set) < 0)
                return -1;
        for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
                if (CPU_ISSET(cpu, &set))
                        last = cpu;
        return last;
}

static void test_runner_run_pins_qemu_not_the_caller(void **state)
{
        struct qemu_config c = {.binary = DATA "/fake-qemu", .accel = "tcg", .kernel = "k"};
        struct runner_opts o = {.timeout_ns = 10 * SEC, .pin = true, .cpu = last_cpu()};
        struct runner_result r;
        char path[128], *got, want[16];
        size_t len;
        cpu_set_t before, after;

        assert_true(o.cpu >= 0);
        assert_int_equal(sched_getaffinity(0, sizeof(before), &before), 0);
        snprintf(path, sizeof(path), "%s/count", state_dir);
        unlink(path);
        setenv("FAKE_QEMU_SCRIPT", "ok", 1);
        assert_int_equal(runner_run(&c, &o, &r), 0);
        assert_int_equal(r.verdict, SESSION_OK);
        runner_result_free(&r);
        snprintf(path, sizeof(path), "%s/cpus.1", state_dir);
        assert_int_equal(util_read_file(path, &got, &len), 0);
        snprintf(want, sizeof(want), "%d\n", o.cpu);
        assert_string_equal(got, want);
        free(got);
        /* The caller's thread is not pinned. */
        assert_int_equal(sched_getaffinity(0, sizeof(after), &after), 0);
        assert_true(CPU_EQUAL(&before, &after));
}

static void test_runner_run_reuses_the_callers_inotify(void **state)
{
        struct qemu_config c = {.binary = DATA "/fake-qemu", .accel = "tcg", .kernel = "k"};
        int ino = -1, first;
        struct runner_opts o = {.timeout_ns = 10 * SEC, .inotify = &ino};
        struct runner_result r;

        setenv("FAKE_QEMU_SCRIPT", "ok", 1);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(runner_run(&c, &o, &r), 0);
                /* every boot sees its own console whole, none an earlier one's */
                assert_int_equal(r.verdict, SESSION_OK);
                assert_int_equal(r.nmarks, 2);
                runner_result_free(&r);
                if (i == 0)
                        first = ino;
                assert_true(ino >= 0);
                assert_int_equal(ino, first);
        }
        close(ino);
}

/* Whether pid runs (a zombie waiting for its reaper does not). */
static bool alive(pid_t pid)
{
        char path[64], *stat;
        size_t len;
        bool up;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if (util_read_file(path, &stat, &len) < 0)
                return false;
        up = !strstr(stat, ") Z ");
        free(stat);
        return up;
}

/* A collector killed by SIGKILL takes its QEMU along (PR_SET_PDEATHSIG):
 * a child process boots a QEMU that hangs, is killed, and the QEMU is
 * gone within 2 s. */
static void test_runner_run_qemu_dies_with_a_killed_collector(void **state)
{
        char path[128], *text = NULL;
        pid_t collector, qemu = -1;
        size_t len;

        snprintf(path, sizeof(path), "%s/count", state_dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/pid.1", state_dir);
        unlink(path);
        setenv("FAKE_QEMU_SCRIPT", "hang", 1);
        collector = fork();
        assert_true(collector >= 0);
        if (collector == 0) {
                struct qemu_config c = {.binary = DATA "/fake-qemu", .accel = "tcg", .kernel = "k"};
                struct runner_opts o = {.timeout_ns = 3600 * SEC};
                struct runner_result r;

                runner_run(&c, &o, &r);
                _exit(0);
        }
        for (int i = 0; i < 200 && qemu <= 0; i++) {
                if (util_read_file(path, &text, &len) == 0) {
                        qemu = atoi(text);
                        free(text);
                }
                usleep(50000);
        }
        usleep(200000); /* the stand-in has exec'd its sleep */
        kill(collector, SIGKILL);
        waitpid(collector, NULL, 0);
        assert_true(qemu > 0);
        for (int i = 0; i < 40 && alive(qemu); i++)
                usleep(50000);
        if (alive(qemu)) {
                kill(qemu, SIGKILL);
                fail_msg("QEMU %d outlived its killed collector by 2 s", (int)qemu);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_runner_judge_whole_dump_is_ok),
            cmocka_unit_test(test_runner_judge_deadline_is_timeout),
            cmocka_unit_test(test_runner_judge_bad_dump),
            cmocka_unit_test(test_runner_judge_crashes),
            cmocka_unit_test(test_session_verdict_names_round_trip),
            cmocka_unit_test(test_runner_scan_console_in_chunks),
            cmocka_unit_test(test_runner_run_keeps_console_verbatim_and_stamps_marks),
            cmocka_unit_test(test_runner_run_mark_names_become_printable_ascii),
            cmocka_unit_test(test_runner_run_bad_crc_keeps_raw_bytes),
            cmocka_unit_test(test_runner_run_hang_times_out),
            cmocka_unit_test(test_runner_run_killed_qemu_is_crash),
            cmocka_unit_test(test_runner_run_kvm_internal_error_is_crash_at_once),
            cmocka_unit_test(test_runner_run_missing_binary_is_crash),
            cmocka_unit_test(test_runner_run_stop_request_interrupts),
            cmocka_unit_test(test_runner_run_pins_qemu_not_the_caller),
            cmocka_unit_test(test_runner_run_reuses_the_callers_inotify),
            cmocka_unit_test(test_runner_run_qemu_dies_with_a_killed_collector),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
