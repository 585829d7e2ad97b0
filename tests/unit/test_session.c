/* Unit tests of the session directory (collector/session.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "base/util.h"
#include "collector/session.h"

/* ---- variants ---- */

static void test_session_variant_parse_every_key(void **state)
{
        struct session_variant v;
        char err[256];

        assert_int_equal(session_variant_parse("fast:  append+=quiet  mitigations=off ; "
                                               "qemu+=-M microvm,rtc=off;kernel=/k/a; "
                                               "initrd=/k/i.gz",
                                               &v, err, sizeof(err)),
                         0);
        assert_string_equal(v.name, "fast");
        assert_string_equal(v.append, "quiet mitigations=off");
        assert_false(v.append_replace);
        assert_int_equal(v.nqemu_args, 2);
        assert_string_equal(v.qemu_args[0], "-M");
        assert_string_equal(v.qemu_args[1], "microvm,rtc=off");
        assert_null(v.qemu_args[2]);
        assert_string_equal(v.kernel, "/k/a");
        assert_string_equal(v.initrd, "/k/i.gz");
        session_variant_free(&v);
}

static void test_session_variant_parse_name_only_and_replace(void **state)
{
        struct session_variant v;

        assert_int_equal(session_variant_parse("base", &v, NULL, 0), 0);
        assert_string_equal(v.name, "base");
        assert_null(v.append);
        assert_int_equal(v.nqemu_args, 0);
        assert_non_null(v.qemu_args);
        session_variant_free(&v);
        assert_int_equal(session_variant_parse("b: append=console=hvc0", &v, NULL, 0), 0);
        assert_true(v.append_replace);
        assert_string_equal(v.append, "console=hvc0");
        session_variant_free(&v);
}

static void test_session_variant_parse_rejects_junk(void **state)
{
        struct session_variant v;
        char err[256];

        assert_int_equal(session_variant_parse("bad name: append+=x", &v, err, sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "bad name"));
        assert_int_equal(session_variant_parse(": append+=x", &v, err, sizeof(err)), -EINVAL);
        assert_int_equal(session_variant_parse("a: apend+=x", &v, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "unknown key"));
        assert_int_equal(session_variant_parse("a: kernel=", &v, err, sizeof(err)), -EINVAL);
}

/* ---- a session on disk ---- */

static char dir[64];

static int setup(void **state)
{
        strcpy(dir, "/tmp/bootlens-session-XXXXXX");
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        char *argv[] = {"rm", "-rf", dir, NULL};
        pid_t pid = fork();

        if (pid == 0) {
                execvp("rm", argv);
                _exit(127);
        }
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        return 0;
}

static char *const no_args[] = {NULL};
static char *const s_args[] = {"-S", NULL};
static const struct session_variant_info sample_variants[] = {
    {.name = "a", .kernel = {"/k", 1, "00"}, .cmdline = "quiet", .qemu_args = no_args},
    {.name = "b", .kernel = {"/k", 1, "00"}, .cmdline = "", .qemu_args = s_args, .nqemu_args = 1},
};
static const struct session_plan_entry sample_plan[] = {{1, 0, true}, {2, 0, false}, {3, 1, false}};

static struct session_info sample_meta(void)
{
        return (struct session_info){.id = "x",
                                     .variants = sample_variants,
                                     .nvariants = 2,
                                     .plan = sample_plan,
                                     .nplan = 3};
}

static void test_session_create_open_and_plan(void **state)
{
        struct session *s = NULL;
        char sdir[128], err[256];
        struct session_info meta = sample_meta();
        size_t vi;
        bool warmup;

        snprintf(sdir, sizeof(sdir), "%s/s1", dir);
        assert_int_equal(session_create(sdir, &meta), 0);
        assert_int_equal(session_create(sdir, &meta), -EEXIST);
        if (session_open(sdir, &s, err, sizeof(err)) < 0)
                fail_msg("session_open: %s", err);
        assert_int_equal(session_variant_count(s), 2);
        assert_string_equal(session_variant_name(s, 1), "b");
        assert_string_equal(session_variant_cmdline(s, 0), "quiet");
        assert_int_equal(session_variant_index(s, "b"), 1);
        assert_int_equal(session_variant_index(s, "c"), -ENOENT);
        assert_int_equal(session_planned_runs(s), 3);
        assert_int_equal(session_plan(s, 1, &vi, &warmup), 0);
        assert_int_equal(vi, 0);
        assert_true(warmup);
        assert_int_equal(session_plan(s, 3, &vi, &warmup), 0);
        assert_int_equal(vi, 1);
        assert_false(warmup);
        assert_int_equal(session_plan(s, 4, &vi, &warmup), -ENOENT);
        assert_string_equal(session_info(s)->id, "x");
        assert_int_equal(session_info(s)->variants[1].nqemu_args, 1);
        assert_string_equal(session_info(s)->variants[1].qemu_args[0], "-S");
        assert_null(session_info(s)->variants[1].initrd.path);
        session_free(s);
}

/* A run with every field set (two attempts, marks, a dump, each exit). */
static void sample_run(struct session_run *r, struct session_attempt a[2], struct session_mark *m)
{
        memset(r, 0, sizeof(*r));
        memset(a, 0, 2 * sizeof(*a));
        m[0] = (struct session_mark){"rc-start", 1500, 1200000000, 97257};
        m[1] = (struct session_mark){"poweroff", 1600, 0, 97300};
        a[0] = (struct session_attempt){
            .attempt = 1,
            .verdict = SESSION_TIMEOUT,
            .reason = "no dump within 2 s",
            .accel = "tcg",
            .console_file = "0002.a1.console",
            .serial_file = "0002.a1.serial",
            .qemu_log_file = "0002.a1.qemu.log",
            .host = {.spawn = 100, .first_serial_byte = 150, .exit = 2100},
            .serial_bytes = 12,
            .exit_how = SESSION_EXIT_SIGNALED,
            .exit_signal = 15,
            .signal_sent = 15,
            .timed_out = true,
            .wall_ns = 2000,
            .sched = {.looked = true}, /* no account on this host: null */
            .loadavg_1m_centi = -1,    /* unknown: absent */
        };
        a[1] = (struct session_attempt){
            .attempt = 2,
            .verdict = SESSION_OK,
            .reason = "",
            .accel = "tcg",
            .console_file = "0002.console",
            .serial_file = "0002.serial",
            .qemu_log_file = "0002.qemu.log",
            .host = {3000, 3200, 3100, 3300, 3400, 3500},
            .off_dump_begin = 0,
            .off_dump_end = 97204,
            .marks = m,
            .nmarks = 2,
            .console_bytes = 97303,
            .serial_bytes = 101,
            .console_truncated = true,
            .has_dump = true,
            .dump_status = "ok",
            .dump_bytes = 97021,
            .dump_crc32 = 0x3af636b1,
            .exit_how = SESSION_EXIT_EXITED,
            .exit_code = 3,
            .kvm_internal_error = true,
            .wall_ns = 500,
            .cpu_qemu_user_ns = 1,
            .cpu_qemu_system_ns = 2,
            .cpu_collector_user_ns = 3,
            .cpu_collector_system_ns = 4,
            .sched = {true, true, 1162541781, 3101888789, 3, 77},
            .loadavg_1m_centi = 325,
            .cpus_online = 2,
        };
        r->run = 2;
        r->variant = "a";
        r->warmup = true;
        r->verdict = SESSION_WARMUP;
        r->reason = "";
        r->started = "2026-11-25T01:57:40Z";
        r->boot_ns = 300;
        r->attempts = a;
        r->nattempts = 2;
}

static void assert_attempts_equal(const struct session_attempt *x, const struct session_attempt *y)
{
        assert_int_equal(x->attempt, y->attempt);
        assert_int_equal(x->verdict, y->verdict);
        assert_string_equal(x->reason, y->reason);
        assert_string_equal(x->accel, y->accel);
        assert_string_equal(x->console_file, y->console_file);
        assert_string_equal(x->serial_file, y->serial_file);
        assert_string_equal(x->qemu_log_file, y->qemu_log_file);
        assert_memory_equal(&x->host, &y->host, sizeof(x->host));
        assert_int_equal(x->off_dump_begin, y->off_dump_begin);
        assert_int_equal(x->off_dump_end, y->off_dump_end);
        assert_int_equal(x->nmarks, y->nmarks);
        for (size_t i = 0; i < x->nmarks; i++) {
                assert_string_equal(x->marks[i].name, y->marks[i].name);
                assert_int_equal(x->marks[i].host_ns, y->marks[i].host_ns);
                assert_int_equal(x->marks[i].uptime_ns, y->marks[i].uptime_ns);
                assert_int_equal(x->marks[i].offset, y->marks[i].offset);
        }
        assert_int_equal(x->console_bytes, y->console_bytes);
        assert_int_equal(x->serial_bytes, y->serial_bytes);
        assert_int_equal(x->console_truncated, y->console_truncated);
        assert_int_equal(x->has_dump, y->has_dump);
        if (x->has_dump)
                assert_string_equal(x->dump_status, y->dump_status);
        assert_int_equal(x->dump_bytes, y->dump_bytes);
        assert_int_equal(x->dump_crc32, y->dump_crc32);
        assert_int_equal(x->exit_how, y->exit_how);
        assert_int_equal(x->exit_code, y->exit_code);
        assert_int_equal(x->exit_signal, y->exit_signal);
        assert_int_equal(x->signal_sent, y->signal_sent);
        assert_int_equal(x->timed_out, y->timed_out);
        assert_int_equal(x->kvm_internal_error, y->kvm_internal_error);
        assert_int_equal(x->wall_ns, y->wall_ns);
        assert_int_equal(x->cpu_qemu_user_ns, y->cpu_qemu_user_ns);
        assert_int_equal(x->cpu_qemu_system_ns, y->cpu_qemu_system_ns);
        assert_int_equal(x->cpu_collector_user_ns, y->cpu_collector_user_ns);
        assert_int_equal(x->cpu_collector_system_ns, y->cpu_collector_system_ns);
        assert_int_equal(x->sched.looked, y->sched.looked);
        assert_int_equal(x->sched.available, y->sched.available);
        assert_int_equal(x->sched.run_delay_ns, y->sched.run_delay_ns);
        assert_int_equal(x->sched.on_cpu_ns, y->sched.on_cpu_ns);
        assert_int_equal(x->sched.threads, y->sched.threads);
        assert_int_equal(x->sched.samples, y->sched.samples);
        assert_int_equal(x->loadavg_1m_centi, y->loadavg_1m_centi);
        assert_int_equal(x->cpus_online, y->cpus_online);
}

static void test_session_runs_are_written_whole_and_listed(void **state)
{
        struct session *s = NULL;
        struct session_run run, back;
        struct session_attempt a[2];
        struct session_mark m[2];
        struct session_info meta = sample_meta();
        char sdir[128], *path, tmp[256], err[256];
        unsigned *runs;
        int fd;

        snprintf(sdir, sizeof(sdir), "%s/s2", dir);
        assert_int_equal(session_create(sdir, &meta), 0);
        assert_int_equal(session_open(sdir, &s, NULL, 0), 0);
        assert_int_equal(session_list_runs(s, &runs), 0);
        free(runs);
        assert_false(session_run_done(s, 2));
        assert_int_equal(session_write_capture(sdir, 2, ".console", "a\0b", 3), 0);
        sample_run(&run, a, m);
        assert_int_equal(session_run_write(sdir, &run), 0);
        assert_true(session_run_done(s, 2));
        /* A leftover temporary file is neither a run nor kept. */
        snprintf(tmp, sizeof(tmp), "%s/runs/0003.json.tmp.123", sdir);
        fd = open(tmp, O_WRONLY | O_CREAT, 0644);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(session_list_runs(s, &runs), 1);
        assert_int_equal(runs[0], 2);
        free(runs);
        assert_int_equal(session_clean_temp(sdir), 1);
        assert_int_equal(access(tmp, F_OK), -1);

        if (session_run_read(s, 2, &back, err, sizeof(err)) < 0)
                fail_msg("session_run_read: %s", err);
        assert_int_equal(back.run, 2);
        assert_string_equal(back.variant, "a");
        assert_true(back.warmup);
        assert_int_equal(back.verdict, SESSION_WARMUP);
        assert_string_equal(back.reason, "");
        assert_string_equal(back.started, run.started);
        assert_int_equal(back.boot_ns, 300);
        assert_int_equal(back.nattempts, 2);
        assert_attempts_equal(&back.attempts[0], &a[0]);
        assert_attempts_equal(&back.attempts[1], &a[1]);
        assert_ptr_equal(session_run_final(&back), &back.attempts[1]);
        session_run_free(&back);
        session_run_free(&back); /* a freed run is a zeroed one */
        assert_int_equal(session_run_read(s, 1, &back, NULL, 0), -ENOENT);
        assert_int_equal(session_run_path(sdir, 2, ".a1.console", &path), 0);
        assert_non_null(strstr(path, "/runs/0002.a1.console"));
        free(path);
        session_free(s);
}

/* What collect wrote before this module owned the format reads back and
 * is written again byte for byte: session.json and a run file. */
static void test_session_golden_files_round_trip_byte_for_byte(void **state)
{
        static const char *const sessions[] = {BOOTLENS_TEST_DATA "/linux-session",
                                               BOOTLENS_TEST_DATA "/linux-session-userinit"};

        for (size_t k = 0; k < 2; k++) {
                struct session *s = NULL;
                struct session_run r;
                char sdir[128], *want, *got, *path, err[256];
                size_t wlen, glen;

                snprintf(sdir, sizeof(sdir), "%s/golden%zu", dir, k);
                if (session_open(sessions[k], &s, err, sizeof(err)) < 0)
                        fail_msg("%s", err);
                assert_int_equal(session_create(sdir, session_info(s)), 0);
                assert_int_equal(asprintf(&path, "%s/session.json", sessions[k]) > 0, 1);
                assert_int_equal(util_read_file(path, &want, &wlen), 0);
                free(path);
                assert_int_equal(asprintf(&path, "%s/session.json", sdir) > 0, 1);
                assert_int_equal(util_read_file(path, &got, &glen), 0);
                free(path);
                assert_int_equal(glen, wlen);
                assert_memory_equal(got, want, wlen);
                free(want);
                free(got);

                if (session_run_read(s, 1, &r, err, sizeof(err)) < 0)
                        fail_msg("%s", err);
                /* Older than the run delay account: unknown, not 0. */
                assert_false(r.attempts[0].sched.looked);
                assert_false(r.attempts[0].sched.available);
                assert_int_equal(r.attempts[0].loadavg_1m_centi, -1);
                assert_int_equal(r.attempts[0].cpus_online, 0);
                assert_int_equal(session_attempt_contention(&r.attempts[0]),
                                 SESSION_CONTENTION_UNKNOWN);
                assert_false(session_attempt_starved(&r.attempts[0]));
                assert_int_equal(session_run_write(sdir, &r), 0);
                session_run_free(&r);
                assert_int_equal(session_run_path(sessions[k], 1, ".json", &path), 0);
                assert_int_equal(util_read_file(path, &want, &wlen), 0);
                free(path);
                assert_int_equal(session_run_path(sdir, 1, ".json", &path), 0);
                assert_int_equal(util_read_file(path, &got, &glen), 0);
                free(path);
                assert_int_equal(glen, wlen);
                assert_memory_equal(got, want, wlen);
                free(want);
                free(got);
                session_free(s);
        }
}

/* Write text as run 1 of a fresh session and read it back. */
static int read_text_run(const char *name, const char *text, char *err, size_t errsize)
{
        struct session_info meta = sample_meta();
        struct session *s = NULL;
        struct session_run r;
        char sdir[128], *path;
        int ret;

        snprintf(sdir, sizeof(sdir), "%s/%s", dir, name);
        assert_int_equal(session_create(sdir, &meta), 0);
        assert_int_equal(session_open(sdir, &s, NULL, 0), 0);
        assert_int_equal(session_run_path(sdir, 1, ".json", &path), 0);
        assert_int_equal(util_write_file_atomic(path, text, strlen(text)), 0);
        free(path);
        err[0] = '\0';
        ret = session_run_read(s, 1, &r, err, errsize);
        if (ret == 0)
                session_run_free(&r);
        session_free(s);
        return ret;
}

#define RUN_HEAD                                                                                   \
        "{\"schema_version\": 1, \"kind\": \"bootlens-run\", \"run\": 1, \"variant\": \"a\", "

static void test_session_run_read_rejects_malformed_runs(void **state)
{
        static const struct {
                const char *text, *why; /* why: NULL for a run that reads */
        } cases[] = {
            {RUN_HEAD "\"verdict\": \"ok\", \"attempts\": [{\"verdict\": \"ok\"}]}", NULL},
            {RUN_HEAD "\"attempts\": [{\"verdict\": \"ok\"}]}", "verdict is missing"},
            {RUN_HEAD "\"verdict\": \"fine\", \"attempts\": []}", "verdict is not one of"},
            {RUN_HEAD "\"verdict\": \"ok\", \"attempts\": []}", "attempts is empty"},
            {RUN_HEAD "\"verdict\": \"ok\", \"boot_ns\": \"3\", \"attempts\": [{\"verdict\": "
                      "\"ok\"}]}",
             "boot_ns is not an integer"},
            {RUN_HEAD "\"verdict\": \"ok\", \"attempts\": [{\"verdict\": \"ok\", \"host_ns\": "
                      "{\"spawn\": -1}}]}",
             "attempts[0].host_ns.spawn is not a non-negative integer"},
            {RUN_HEAD "\"verdict\": \"ok\", \"attempts\": [{\"verdict\": \"ok\", \"marks\": "
                      "[{\"name\": 7}]}]}",
             "attempts[0].marks[0].name is not a string"},
            {RUN_HEAD "\"verdict\": \"ok\", \"attempts\": [{\"verdict\": \"ok\", \"dump\": "
                      "{\"status\": \"ok\", \"crc32\": \"xyz\"}}]}",
             "attempts[0].dump.crc32 is not 8 hex digits"},
            {RUN_HEAD "\"verdict\": \"ok\", \"attempts\": [{\"verdict\": \"ok\", \"sched\": "
                      "null, \"loadavg_1m\": 0.5, \"cpus_online\": 2}]}",
             NULL},
            {RUN_HEAD "\"verdict\": \"ok\", \"attempts\": [{\"verdict\": \"ok\", \"sched\": "
                      "{\"on_cpu_ns\": 5}}]}",
             "attempts[0].sched.run_delay_ns is missing"},
            {RUN_HEAD "\"verdict\": \"ok\", \"attempts\": [{\"verdict\": \"ok\", \"sched\": "
                      "{\"run_delay_ns\": -1, \"on_cpu_ns\": 5}}]}",
             "attempts[0].sched.run_delay_ns is not a non-negative integer"},
            {RUN_HEAD "\"verdict\": \"ok\", \"attempts\": [{\"verdict\": \"ok\", \"sched\": 3}]}",
             "attempts[0].sched is not an object"},
            {RUN_HEAD "\"verdict\": \"ok\", \"attempts\": [{\"verdict\": \"ok\", "
                      "\"loadavg_1m\": -2}]}",
             "attempts[0].loadavg_1m is not a load average"},
            {"{\"schema_version\": 2}", "not a bootlens run"},
            {"{\"schema", "0001.json:1:"},
        };
        char err[256], name[16];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(name, sizeof(name), "m%zu", i);
                if (!cases[i].why) {
                        assert_int_equal(read_text_run(name, cases[i].text, err, sizeof(err)), 0);
                        continue;
                }
                assert_int_equal(read_text_run(name, cases[i].text, err, sizeof(err)), -EINVAL);
                if (!strstr(err, cases[i].why))
                        fail_msg("case %zu: '%s' does not say '%s'", i, err, cases[i].why);
        }
}

/* A jansson allocator that fails the n-th allocation from now on. */
static long alloc_countdown = -1;

static void *failing_malloc(size_t size)
{
        if (alloc_countdown >= 0 && alloc_countdown-- == 0)
                return NULL;
        return malloc(size);
}

static void test_session_run_write_out_of_memory_leaves_no_file(void **state)
{
        struct session_run run;
        struct session_attempt a[2];
        struct session_mark m[2];
        char sdir[128], *path;
        unsigned failed = 0;
        int ret;

        snprintf(sdir, sizeof(sdir), "%s/oom", dir);
        assert_int_equal(util_mkdir_p(sdir, 0755), 0);
        snprintf(sdir + strlen(sdir), sizeof(sdir) - strlen(sdir), "/runs");
        assert_int_equal(util_mkdir_p(sdir, 0755), 0);
        *strrchr(sdir, '/') = '\0';
        sample_run(&run, a, m);
        assert_int_equal(session_run_path(sdir, run.run, ".json", &path), 0);
        json_set_alloc_funcs(failing_malloc, free);
        for (long k = 0;; k++) {
                alloc_countdown = k;
                ret = session_run_write(sdir, &run);
                alloc_countdown = -1;
                if (ret == 0)
                        break;
                assert_int_equal(ret, -ENOMEM);
                assert_int_equal(access(path, F_OK), -1); /* nothing, not half a run */
                failed++;
                assert_true(k < 100000);
        }
        json_set_alloc_funcs(malloc, free);
        print_message("session_run_write failed cleanly at each of its %u allocations\n", failed);
        assert_true(failed > 100); /* every value of a run is an allocation */
        assert_int_equal(access(path, F_OK), 0);
        free(path);
}

static void test_session_create_out_of_memory_leaves_no_session(void **state)
{
        struct session_info meta = sample_meta();
        char sdir[128], path[160];
        unsigned failed = 0;
        int ret;

        snprintf(sdir, sizeof(sdir), "%s/oom-create", dir);
        snprintf(path, sizeof(path), "%s/session.json", sdir);
        json_set_alloc_funcs(failing_malloc, free);
        for (long k = 0;; k++) {
                alloc_countdown = k;
                ret = session_create(sdir, &meta);
                alloc_countdown = -1;
                if (ret == 0)
                        break;
                assert_int_equal(ret, -ENOMEM);
                assert_int_equal(access(path, F_OK), -1);
                failed++;
                assert_true(k < 100000);
        }
        json_set_alloc_funcs(malloc, free);
        assert_true(failed > 20);
        assert_int_equal(access(path, F_OK), 0);
}

static void test_session_open_rejects_what_is_not_a_session(void **state)
{
        struct session *s = NULL;
        char sdir[128], path[160], err[256];

        snprintf(sdir, sizeof(sdir), "%s/nothing", dir);
        assert_int_equal(session_open(sdir, &s, err, sizeof(err)), -ENOENT);
        snprintf(sdir, sizeof(sdir), "%s", dir);
        snprintf(path, sizeof(path), "%s/session.json", dir);
        assert_int_equal(util_write_file_atomic(path, "{\"a\": ", 6), 0);
        assert_int_equal(session_open(sdir, &s, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "session.json:"));
        assert_int_equal(util_write_file_atomic(path, "{\"schema_version\": 99}", 22), 0);
        assert_int_equal(session_open(sdir, &s, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "not a bootlens session"));
        unlink(path);
}

static void test_session_lock_is_exclusive(void **state)
{
        int a = -1, b = -1;

        assert_int_equal(session_lock(dir, &a), 0);
        assert_int_equal(session_lock(dir, &b), -EBUSY);
        close(a);
        assert_int_equal(session_lock(dir, &b), 0);
        close(b);
}

static void test_session_split_ref(void **state)
{
        char sdir[128], ref[160], *d, *v;
        struct session_info meta = sample_meta();

        snprintf(sdir, sizeof(sdir), "%s/s3", dir);
        assert_int_equal(session_create(sdir, &meta), 0);
        snprintf(ref, sizeof(ref), "%s:b", sdir);
        assert_int_equal(session_split_ref(ref, &d, &v), 0);
        assert_string_equal(d, sdir);
        assert_string_equal(v, "b");
        free(d);
        free(v);
        assert_int_equal(session_split_ref(sdir, &d, &v), 0);
        assert_string_equal(d, sdir);
        assert_null(v);
        free(d);
        /* A colon in a name that is not a session stays in the name. */
        assert_int_equal(session_split_ref("/no/such:dir", &d, &v), 0);
        assert_string_equal(d, "/no/such:dir");
        assert_null(v);
        free(d);
}

/* docs/contention.md's rule: more than 5% of the wall time and more than
 * 10 ms waiting for a CPU; no account or no wall time is unknown. */
static void test_session_attempt_starved_rule(void **state)
{
        struct session_attempt a = {.wall_ns = 4000000000ull,
                                    .sched = {.looked = true, .available = true}};

        (void)state;
        a.sched.run_delay_ns = 200000000; /* exactly 5%: not starved */
        assert_int_equal(session_attempt_contention(&a), SESSION_CONTENTION_NONE);
        a.sched.run_delay_ns = 200000001;
        assert_int_equal(session_attempt_contention(&a), SESSION_CONTENTION_STARVED);
        assert_true(session_attempt_starved(&a));
        a.wall_ns = 150000000; /* a 150 ms boot: 9 ms is 6%, but under 10 ms */
        a.sched.run_delay_ns = 9000000;
        assert_false(session_attempt_starved(&a));
        a.sched.run_delay_ns = 10000001;
        assert_true(session_attempt_starved(&a));
        a.wall_ns = 0;
        assert_int_equal(session_attempt_contention(&a), SESSION_CONTENTION_UNKNOWN);
        a.wall_ns = 150000000;
        a.sched.available = false; /* null: unknown, even with counts */
        assert_int_equal(session_attempt_contention(&a), SESSION_CONTENTION_UNKNOWN);
        assert_false(session_attempt_starved(&a));
        assert_int_equal(session_attempt_contention(NULL), SESSION_CONTENTION_UNKNOWN);
}

static void test_session_sha256_and_id(void **state)
{
        char path[128], hex[65], id[32];
        uint64_t size;

        snprintf(path, sizeof(path), "%s/abc", dir);
        assert_int_equal(util_write_file_atomic(path, "abc", 3), 0);
        assert_int_equal(session_file_sha256(path, hex, &size), 0);
        assert_string_equal(hex,
                            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_int_equal(size, 3);
        unlink(path);
        assert_int_equal(session_file_sha256(path, hex, &size), -ENOENT);
        session_new_id(id);
        assert_int_equal(strlen(id), 25);
        assert_int_equal(id[8], 'T');
        assert_int_equal(id[16], '-');
}

/* A session.json written with settings out of the command line's ranges
 * (hand-edited, or from another tool) is refused at reading, naming the
 * field; session_create() refuses to write one. */
static void test_session_open_checks_settings_against_the_option_ranges(void **state)
{
        static const struct {
                const char *settings, *why; /* why: NULL for settings that read */
        } cases[] = {
            {"{\"runs\": 1, \"warmup\": 1, \"timeout_s\": 30, \"retries\": 2}", NULL},
            {"{\"runs\": 3, \"retries\": 4294967295}",
             "settings.retries is not a number from 0 to 100, as --retries takes"},
            {"{\"timeout_s\": -1}", "settings.timeout_s is not a non-negative integer"},
            {"{\"timeout_s\": 18446744074}", "settings.timeout_s is not a number from 1 to 86400"},
            {"{\"runs\": 100001}", "settings.runs is not a number from 1 to 100000"},
            {"{\"warmup\": 100001}", "settings.warmup is not a number from 0 to 100000"},
            {"{\"runs\": 1}", "the plan holds 2 runs (1 warm-ups) of variant 'a', settings say 1"},
        };
        struct session_info meta = sample_meta();
        struct session *s = NULL;
        char sdir[128], path[160], err[256], *text;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(sdir, sizeof(sdir), "%s/set%zu", dir, i);
                assert_int_equal(
                    asprintf(&text,
                             "{\"schema_version\": 1, \"kind\": \"bootlens-session\", "
                             "\"settings\": %s, \"variants\": [{\"name\": \"a\", "
                             "\"kernel\": {\"path\": \"/k\"}}], \"plan\": [{\"run\": 1, "
                             "\"variant\": \"a\", \"warmup\": true}, {\"run\": 2, "
                             "\"variant\": \"a\", \"warmup\": false}]}",
                             cases[i].settings) > 0,
                    1);
                assert_int_equal(util_mkdir_p(sdir, 0755), 0);
                snprintf(path, sizeof(path), "%s/session.json", sdir);
                assert_int_equal(util_write_file_atomic(path, text, strlen(text)), 0);
                free(text);
                err[0] = '\0';
                if (!cases[i].why) {
                        if (session_open(sdir, &s, err, sizeof(err)) < 0)
                                fail_msg("case %zu: %s", i, err);
                        session_free(s);
                        continue;
                }
                assert_int_equal(session_open(sdir, &s, err, sizeof(err)), -EINVAL);
                if (!strstr(err, cases[i].why))
                        fail_msg("case %zu: '%s' does not say '%s'", i, err, cases[i].why);
        }
        snprintf(sdir, sizeof(sdir), "%s/set-write", dir);
        meta.settings.retries = 101;
        assert_int_equal(session_create(sdir, &meta), -EINVAL);
        snprintf(path, sizeof(path), "%s/session.json", sdir);
        assert_int_equal(access(path, F_OK), -1);
}

/* A run is read only as the run the plan has under its file name; a run
 * with no attempt is never written. */
static void test_session_run_must_be_the_planned_run(void **state)
{
        struct session_info meta = sample_meta();
        struct session *s = NULL;
        struct session_run run, back;
        struct session_attempt a[2];
        struct session_mark m[2];
        char sdir[128], err[256], *path, *path1;

        snprintf(sdir, sizeof(sdir), "%s/planned", dir);
        assert_int_equal(session_create(sdir, &meta), 0);
        assert_int_equal(session_open(sdir, &s, NULL, 0), 0);
        sample_run(&run, a, m); /* run 2, variant a */
        run.nattempts = 0;
        assert_int_equal(session_run_write(sdir, &run), -EINVAL);
        assert_false(session_run_done(s, 2));
        sample_run(&run, a, m);
        run.run = 4; /* outside the plan (3 runs) */
        assert_int_equal(session_run_write(sdir, &run), 0);
        assert_int_equal(session_run_read(s, 4, &back, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "run 4 is not in the plan (runs 1 to 3)"));
        run.run = 3; /* the plan's run 3 is of variant b */
        assert_int_equal(session_run_write(sdir, &run), 0);
        assert_int_equal(session_run_read(s, 3, &back, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "run 3 is of variant 'a', the plan says 'b'"));
        /* run 2's content under run 1's name */
        run.run = 2;
        assert_int_equal(session_run_write(sdir, &run), 0);
        assert_int_equal(session_run_path(sdir, 2, ".json", &path), 0);
        assert_int_equal(session_run_path(sdir, 1, ".json", &path1), 0);
        assert_int_equal(rename(path, path1), 0);
        free(path);
        free(path1);
        assert_int_equal(session_run_read(s, 1, &back, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "run is 2, its file name says 1"));
        session_free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_session_variant_parse_every_key),
            cmocka_unit_test(test_session_variant_parse_name_only_and_replace),
            cmocka_unit_test(test_session_variant_parse_rejects_junk),
            cmocka_unit_test(test_session_create_open_and_plan),
            cmocka_unit_test(test_session_runs_are_written_whole_and_listed),
            cmocka_unit_test(test_session_golden_files_round_trip_byte_for_byte),
            cmocka_unit_test(test_session_run_read_rejects_malformed_runs),
            cmocka_unit_test(test_session_run_write_out_of_memory_leaves_no_file),
            cmocka_unit_test(test_session_create_out_of_memory_leaves_no_session),
            cmocka_unit_test(test_session_open_rejects_what_is_not_a_session),
            cmocka_unit_test(test_session_lock_is_exclusive),
            cmocka_unit_test(test_session_split_ref),
            cmocka_unit_test(test_session_sha256_and_id),
            cmocka_unit_test(test_session_attempt_starved_rule),
            cmocka_unit_test(test_session_open_checks_settings_against_the_option_ranges),
            cmocka_unit_test(test_session_run_must_be_the_planned_run),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
