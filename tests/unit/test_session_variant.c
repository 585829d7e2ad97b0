/*
 * Unit tests of a variant end to end: append-= and timing=host in the
 * variant syntax, session_variant_merge() and session_variant_line()
 * (collector/session.c), session.json's host_timed, and the verdict of a
 * host-timed boot (runner_judge(), collector/runner.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "collector/runner.h"
#include "collector/session.h"

#define SEC 1000000000ull

/* The default line of a TCG boot (qemu_linux_cmdline() with a TSC). */
static const char *const base_line = "console=ttyS0 quiet initcall_debug log_buf_len=4M "
                                     "tsc_early_khz=2445431";

static void parse(const char *spec, struct session_variant *v)
{
        char err[256] = "";

        if (session_variant_parse(spec, v, err, sizeof(err)) != 0)
                fail_msg("session_variant_parse(\"%s\"): %s", spec, err);
}

static void assert_line(const char *spec, const char *base, const char *want)
{
        struct session_variant v;
        char *line;

        parse(spec, &v);
        line = session_variant_line(base, &v);
        assert_non_null(line);
        assert_string_equal(line, want);
        free(line);
        session_variant_free(&v);
}

/* ---- parse ---- */

static void test_variant_parse_append_remove_and_timing(void **state)
{
        struct session_variant v;

        parse("bare: append-=initcall_debug  log_buf_len=4M; append-=quiet; timing=host", &v);
        assert_int_equal(v.nappend_remove, 3);
        assert_string_equal(v.append_remove[0], "initcall_debug");
        assert_string_equal(v.append_remove[1], "log_buf_len=4M");
        assert_string_equal(v.append_remove[2], "quiet");
        assert_null(v.append_remove[3]);
        assert_true(v.host_timed);
        assert_null(v.append);
        session_variant_free(&v);

        parse("d: timing=host; timing=dump", &v); /* the last one given wins */
        assert_false(v.host_timed);
        assert_non_null(v.append_remove); /* never NULL after a parse */
        assert_int_equal(v.nappend_remove, 0);
        session_variant_free(&v);
}

static void test_variant_parse_rejects_bad_append_remove_and_timing(void **state)
{
        struct session_variant v;
        char err[256];

        assert_int_equal(session_variant_parse("a: append-=  ", &v, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "no word to drop"));
        assert_int_equal(session_variant_parse("a: timing=guest", &v, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "timing= is host or dump"));
        assert_int_equal(session_variant_parse("a: append-x", &v, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "append-="));
}

/* ---- line ---- */

static void test_variant_line_without_append_remove_is_as_before(void **state)
{
        assert_line("a", "console=ttyS0 quiet", "console=ttyS0 quiet");
        assert_line("a: append+=x  y", "console=ttyS0 quiet", "console=ttyS0 quiet x y");
        assert_line("a: append+=x", "", "x");
        assert_line("a: append=console=hvc0; append+=x", "console=ttyS0 quiet", "console=hvc0 x");
        assert_line("a: append=", "console=ttyS0 quiet", "");
}

static void test_variant_line_drops_whole_words_every_occurrence(void **state)
{
        assert_line("loud: append-=quiet", base_line,
                    "console=ttyS0 initcall_debug log_buf_len=4M tsc_early_khz=2445431");
        /* every occurrence, and only whole words */
        assert_line("a: append-=quiet", "quiet quietly  quiet x quiet", "quietly x");
        /* a word given twice is dropped once as well as twice */
        assert_line("a: append-=quiet quiet", "a quiet b", "a b");
        /* tsc_early_khz alone is not tsc_early_khz=2445431 */
        assert_line("a: append-=tsc_early_khz", base_line, base_line);
        assert_line("a: append-=tsc_early_khz=2445431", base_line,
                    "console=ttyS0 quiet initcall_debug log_buf_len=4M");
        /* append-= first, then append+=, whatever the order given */
        assert_line("a: append+=quiet; append-=quiet", "console=ttyS0 quiet",
                    "console=ttyS0 quiet");
        /* append-= drops from append='s line too */
        assert_line("a: append-=b; append=a b c", "console=ttyS0", "a c");
        /* everything dropped */
        assert_line("a: append-=x y", "x y x", "");
}

static void test_variant_missing_names_the_first_absent_word(void **state)
{
        struct session_variant v;

        parse("x: append-=quiet quite", &v);
        assert_string_equal(session_variant_missing(base_line, &v), "quite");
        assert_string_equal(session_variant_missing("", &v), "quiet");
        session_variant_free(&v);
        parse("x: append-=tsc_early_khz", &v);
        assert_string_equal(session_variant_missing(base_line, &v), "tsc_early_khz");
        session_variant_free(&v);
        parse("x: append-=quiet quiet initcall_debug", &v);
        assert_null(session_variant_missing(base_line, &v));
        session_variant_free(&v);
        parse("x: append=a b; append-=quiet", &v); /* the append= line is the start */
        assert_string_equal(session_variant_missing(base_line, &v), "quiet");
        session_variant_free(&v);
        parse("x: append+=y", &v);
        assert_null(session_variant_missing(base_line, &v));
        session_variant_free(&v);
}

/* ---- merge ---- */

static void test_variant_merge_applies_src_after_dst(void **state)
{
        struct session_variant a, b, c;
        char *line;

        parse("step2: append+=x; append-=quiet; qemu+=-M microvm; kernel=/k/bz", &a);
        parse("step3: append+=y; append-=initcall_debug; qemu+=-no-acpi; initrd=/k/i; "
              "timing=host",
              &b);
        assert_int_equal(session_variant_merge(&a, &b), 0);
        assert_string_equal(a.name, "step2");
        assert_string_equal(a.append, "x y");
        assert_false(a.append_replace);
        assert_int_equal(a.nappend_remove, 2);
        assert_string_equal(a.append_remove[0], "quiet");
        assert_string_equal(a.append_remove[1], "initcall_debug");
        assert_null(a.append_remove[2]);
        assert_int_equal(a.nqemu_args, 3);
        assert_string_equal(a.qemu_args[0], "-M");
        assert_string_equal(a.qemu_args[2], "-no-acpi");
        assert_null(a.qemu_args[3]);
        assert_string_equal(a.kernel, "/k/bz");
        assert_string_equal(a.initrd, "/k/i");
        assert_true(a.host_timed);
        line = session_variant_line(base_line, &a);
        assert_string_equal(line, "console=ttyS0 log_buf_len=4M tsc_early_khz=2445431 x y");
        free(line);

        /* kernel= in src wins; timing=host in dst stays; append= replaces */
        parse("c: kernel=/k/vmlinux; append=console=hvc0", &c);
        assert_int_equal(session_variant_merge(&a, &c), 0);
        assert_string_equal(a.kernel, "/k/vmlinux");
        assert_true(a.host_timed);
        assert_true(a.append_replace);
        assert_string_equal(a.append, "console=hvc0");
        assert_int_equal(a.nappend_remove, 2);
        session_variant_free(&c);

        /* append+= after a replaced line adds to it */
        parse("d: append+=z", &c);
        assert_int_equal(session_variant_merge(&a, &c), 0);
        assert_string_equal(a.append, "console=hvc0 z");
        assert_true(a.append_replace);
        session_variant_free(&c);
        session_variant_free(&a);
        session_variant_free(&b);
}

static void test_variant_merge_into_an_empty_base(void **state)
{
        struct session_variant a, b;

        parse("base", &a);
        parse("k: append-=quiet", &b);
        assert_int_equal(session_variant_merge(&a, &b), 0);
        assert_null(a.append);
        assert_null(a.kernel);
        assert_int_equal(a.nappend_remove, 1);
        assert_int_equal(a.nqemu_args, 0);
        assert_non_null(a.qemu_args);
        assert_false(a.host_timed);
        /* the same step twice: the word is listed twice, dropped all the same */
        assert_int_equal(session_variant_merge(&a, &b), 0);
        assert_int_equal(a.nappend_remove, 2);
        assert_null(session_variant_missing(base_line, &a));
        session_variant_free(&a);
        session_variant_free(&b);
}

/* ---- session.json ---- */

static char dir[64];

static int setup(void **state)
{
        strcpy(dir, "/tmp/bootlens-variant-XXXXXX");
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

static void test_session_json_host_timed_round_trip(void **state)
{
        static char *const no_args[] = {NULL};
        const struct session_variant_info variants[] = {
            {.name = "base", .kernel = {"/k", 1, "00"}, .cmdline = "quiet", .qemu_args = no_args},
            {.name = "bare",
             .kernel = {"/k", 1, "00"},
             .cmdline = "",
             .qemu_args = no_args,
             .host_timed = true},
        };
        const struct session_plan_entry plan[] = {{1, 0, false}, {2, 1, false}};
        struct session_info meta = {
            .id = "x", .variants = variants, .nvariants = 2, .plan = plan, .nplan = 2};
        struct session *s = NULL;
        char sdir[128], path[160], err[256], *json;
        size_t len;

        snprintf(sdir, sizeof(sdir), "%s/ht", dir);
        assert_int_equal(session_create(sdir, &meta), 0);
        snprintf(path, sizeof(path), "%s/session.json", sdir);
        assert_int_equal(util_read_file(path, &json, &len), 0);
        /* written once, for the host-timed variant only */
        assert_non_null(strstr(json, "\"host_timed\": true"));
        assert_null(strstr(strstr(json, "\"host_timed\"") + 1, "\"host_timed\""));
        assert_null(strstr(json, "\"host_timed\": false"));
        free(json);
        if (session_open(sdir, &s, err, sizeof(err)) < 0)
                fail_msg("session_open: %s", err);
        assert_false(session_info(s)->variants[0].host_timed);
        assert_true(session_info(s)->variants[1].host_timed);
        session_free(s);
}

/* ---- the verdict ---- */

static void exited(struct runner_result *r, int code)
{
        memset(r, 0, sizeof(*r));
        r->host_timed = true;
        r->exit = RUNNER_EXITED;
        r->exit_code = code;
        r->t_spawn = 1;
        r->t_exit = 2 * SEC;
}

static void test_runner_judge_host_timed(void **state)
{
        struct runner_result r;

        exited(&r, 0); /* powered off by itself, no dump: ok */
        runner_judge(&r, 30 * SEC);
        assert_int_equal(r.verdict, SESSION_OK);
        assert_string_equal(r.reason, "");

        exited(&r, 0);
        r.host_timed = false; /* the same boot timed by its dump: crash */
        runner_judge(&r, 30 * SEC);
        assert_int_equal(r.verdict, SESSION_CRASH);

        exited(&r, 1); /* a failing status is no clean power-off */
        runner_judge(&r, 30 * SEC);
        assert_int_equal(r.verdict, SESSION_CRASH);
        assert_non_null(strstr(r.reason, "status 1"));

        exited(&r, 0); /* the deadline passed: bootlens stopped it */
        r.timed_out = true;
        r.signal_sent = SIGTERM;
        runner_judge(&r, 3 * SEC);
        assert_int_equal(r.verdict, SESSION_TIMEOUT);

        exited(&r, 0);
        r.kvm_error = true;
        runner_judge(&r, 3 * SEC);
        assert_int_equal(r.verdict, SESSION_CRASH);

        exited(&r, 0);
        r.exit = RUNNER_SIGNALED;
        r.exit_signal = SIGKILL;
        runner_judge(&r, 3 * SEC);
        assert_int_equal(r.verdict, SESSION_CRASH);

        exited(&r, 0);
        r.exit = RUNNER_NOT_STARTED;
        r.spawn_error = ENOENT;
        runner_judge(&r, 3 * SEC);
        assert_int_equal(r.verdict, SESSION_CRASH);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_variant_parse_append_remove_and_timing),
            cmocka_unit_test(test_variant_parse_rejects_bad_append_remove_and_timing),
            cmocka_unit_test(test_variant_line_without_append_remove_is_as_before),
            cmocka_unit_test(test_variant_line_drops_whole_words_every_occurrence),
            cmocka_unit_test(test_variant_missing_names_the_first_absent_word),
            cmocka_unit_test(test_variant_merge_applies_src_after_dst),
            cmocka_unit_test(test_variant_merge_into_an_empty_base),
            cmocka_unit_test(test_session_json_host_timed_round_trip),
            cmocka_unit_test(test_runner_judge_host_timed),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
