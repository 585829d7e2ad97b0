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

static json_t *sample_meta(void)
{
        return json_pack("{s:s,s:[{s:s,s:{s:s},s:s,s:[]},{s:s,s:{s:s},s:s,s:[s]}],"
                         "s:[{s:i,s:s,s:b},{s:i,s:s,s:b},{s:i,s:s,s:b}]}",
                         "session_id", "x", "variants", "name", "a", "kernel", "path", "/k",
                         "cmdline", "quiet", "qemu_args", "name", "b", "kernel", "path", "/k",
                         "cmdline", "", "qemu_args", "-S", "plan", "run", 1, "variant", "a",
                         "warmup", 1, "run", 2, "variant", "a", "warmup", 0, "run", 3, "variant",
                         "b", "warmup", 0);
}

static void test_session_create_open_and_plan(void **state)
{
        struct session *s = NULL;
        char sdir[128], err[256];
        json_t *meta = sample_meta();
        size_t vi;
        bool warmup;

        assert_non_null(meta);
        snprintf(sdir, sizeof(sdir), "%s/s1", dir);
        assert_int_equal(session_create(sdir, meta), 0);
        assert_int_equal(session_create(sdir, meta), -EEXIST);
        json_decref(meta);
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
        assert_int_equal(json_integer_value(json_object_get(session_meta(s), "schema_version")),
                         SESSION_SCHEMA_VERSION);
        session_free(s);
}

static void test_session_runs_are_written_whole_and_listed(void **state)
{
        struct session *s = NULL;
        struct session_run_info info;
        char sdir[128], *path, tmp[256];
        json_t *meta = sample_meta(), *run, *back;
        unsigned *runs;
        uint64_t ns;
        int fd;

        snprintf(sdir, sizeof(sdir), "%s/s2", dir);
        assert_int_equal(session_create(sdir, meta), 0);
        json_decref(meta);
        assert_int_equal(session_open(sdir, &s, NULL, 0), 0);
        assert_int_equal(session_list_runs(s, &runs), 0);
        free(runs);
        assert_false(session_run_done(s, 2));
        assert_int_equal(session_write_capture(sdir, 2, ".console", "a\0b", 3), 0);
        run = json_pack("{s:i,s:s,s:b,s:s,s:s,s:I,s:[{s:s,s:{s:I,s:I}}]}", "run", 2, "variant", "a",
                        "warmup", 0, "verdict", "ok", "reason", "", "boot_ns",
                        (json_int_t)2000000000, "attempts", "verdict", "ok", "host_ns", "spawn",
                        (json_int_t)100, "dump_begin", (json_int_t)2000000100);
        assert_int_equal(session_write_run(sdir, 2, run), 0);
        json_decref(run);
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

        assert_int_equal(session_load_run(s, 2, &back), 0);
        assert_int_equal(session_run_info(back, &info), 0);
        assert_int_equal(info.run, 2);
        assert_string_equal(info.verdict, "ok");
        assert_int_equal(info.attempts, 1);
        assert_int_equal(info.boot_ns, 2000000000);
        assert_int_equal(session_attempt_mark(info.final, "spawn", &ns), 0);
        assert_int_equal(ns, 100);
        assert_int_equal(session_attempt_mark(info.final, "dump_end", &ns), -ENOENT);
        assert_string_equal(json_string_value(json_object_get(back, "kind")), SESSION_RUN_KIND);
        json_decref(back);
        assert_int_equal(session_load_run(s, 1, &back), -ENOENT);
        assert_int_equal(session_run_path(sdir, 2, ".a1.console", &path), 0);
        assert_non_null(strstr(path, "/runs/0002.a1.console"));
        free(path);
        session_free(s);
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
        json_t *meta = sample_meta();

        snprintf(sdir, sizeof(sdir), "%s/s3", dir);
        assert_int_equal(session_create(sdir, meta), 0);
        json_decref(meta);
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

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_session_variant_parse_every_key),
            cmocka_unit_test(test_session_variant_parse_name_only_and_replace),
            cmocka_unit_test(test_session_variant_parse_rejects_junk),
            cmocka_unit_test(test_session_create_open_and_plan),
            cmocka_unit_test(test_session_runs_are_written_whole_and_listed),
            cmocka_unit_test(test_session_open_rejects_what_is_not_a_session),
            cmocka_unit_test(test_session_lock_is_exclusive),
            cmocka_unit_test(test_session_split_ref),
            cmocka_unit_test(test_session_sha256_and_id),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
