/* Unit tests of the session loop (collector/collect.c) with the stand-in
 * QEMU (tests/data/collect/fake-qemu): the plan, the result, the events. */
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

#include "collector/collect.h"
#include "collector/session.h"

#define DATA BOOTLENS_TEST_DATA "/collect"

static char dir[64];

static int setup(void **state)
{
        strcpy(dir, "/tmp/bootlens-collect-XXXXXX");
        if (!mkdtemp(dir))
                return -1;
        setenv("FAKE_QEMU_STATE", dir, 1);
        setenv("FAKE_QEMU_SCRIPT", "ok", 1);
        return 0;
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

struct seen {
        unsigned starts, dones, errors, warnings;
        char first_error[256];
};

static void count_event(const struct collect_event *ev, void *user)
{
        struct seen *s = user;

        switch (ev->kind) {
        case COLLECT_EV_RUN_START:
                s->starts++;
                break;
        case COLLECT_EV_RUN_DONE:
                s->dones++;
                assert_non_null(ev->last);
                break;
        case COLLECT_EV_WARNING:
                s->warnings++;
                break;
        case COLLECT_EV_ERROR:
                if (!s->errors++)
                        snprintf(s->first_error, sizeof(s->first_error), "%s", ev->msg);
                break;
        default:
                break;
        }
}

/* Two variants "a" and "b", 1 warm-up and 2 runs each, under TCG. */
static void two_variants(struct collect_opts *o, struct session_variant v[2], char *out,
                         size_t outsize, struct seen *seen)
{
        char err[128];

        assert_int_equal(session_variant_parse("a: append+=x=1", &v[0], err, sizeof(err)), 0);
        assert_int_equal(session_variant_parse("b: append+=x=2", &v[1], err, sizeof(err)), 0);
        snprintf(out, outsize, "%s/s", dir);
        memset(o, 0, sizeof(*o));
        o->out = out;
        o->qemu = DATA "/fake-qemu";
        o->kernel = DATA "/good.console"; /* any readable file: the stand-in boots anything */
        o->accel = QEMU_ACCEL_TCG;
        o->interleave = true;
        o->runs = 2;
        o->warmup = 1;
        o->timeout_s = 10;
        o->variants = v;
        o->nvariants = 2;
        o->event = count_event;
        o->user = seen;
}

static void assert_plan(const char *out, const char *want_variants, const char *want_warmup)
{
        struct session *s = NULL;
        char err[256];
        size_t n = strlen(want_variants);

        assert_int_equal(session_open(out, &s, err, sizeof(err)), 0);
        assert_int_equal(session_planned_runs(s), n);
        for (unsigned run = 1; run <= n; run++) {
                size_t vi;
                bool warmup;

                assert_int_equal(session_plan(s, run, &vi, &warmup), 0);
                assert_int_equal(session_variant_name(s, vi)[0], want_variants[run - 1]);
                assert_int_equal(warmup, want_warmup[run - 1] == 'w');
        }
        session_free(s);
}

static void test_collect_interleaves_warmups_then_runs(void **state)
{
        struct session_variant v[2];
        struct collect_opts o;
        struct collect_result res;
        struct seen seen = {0};
        char out[128];

        two_variants(&o, v, out, sizeof(out), &seen);
        assert_int_equal(collect_run(&o, &res), 0);
        assert_int_equal(res.total, 6);
        assert_int_equal(res.done, 6);
        assert_int_equal(res.recorded, 6);
        assert_false(res.stopped);
        assert_false(res.host_error);
        assert_int_equal(res.nvariants, 2);
        assert_string_equal(res.variants[0].name, "a");
        assert_int_equal(res.variants[0].ok, 2);
        assert_string_equal(res.variants[1].name, "b");
        assert_int_equal(res.variants[1].ok, 2);
        assert_int_equal(seen.starts, 6);
        assert_int_equal(seen.dones, 6);
        assert_int_equal(seen.errors, 0);
        assert_plan(out, "ababab", "ww....");
        collect_result_free(&res);
        session_variant_free(&v[0]);
        session_variant_free(&v[1]);
}

static void test_collect_without_interleave_keeps_each_variant_together(void **state)
{
        struct session_variant v[2];
        struct collect_opts o;
        struct collect_result res;
        struct seen seen = {0};
        char out[128];

        two_variants(&o, v, out, sizeof(out), &seen);
        o.interleave = false;
        assert_int_equal(collect_run(&o, &res), 0);
        assert_int_equal(res.done, 6);
        assert_plan(out, "aaabbb", "w..w..");
        collect_result_free(&res);
        session_variant_free(&v[0]);
        session_variant_free(&v[1]);
}

static void test_collect_resume_boots_nothing_more(void **state)
{
        struct session_variant v[2];
        struct collect_opts o, r = {0};
        struct collect_result res;
        struct seen seen = {0};
        char out[128];

        two_variants(&o, v, out, sizeof(out), &seen);
        assert_int_equal(collect_run(&o, &res), 0);
        collect_result_free(&res);
        r.out = out;
        r.qemu = o.qemu;
        r.resume = true;
        r.event = count_event;
        r.user = &seen;
        seen.starts = 0;
        assert_int_equal(collect_run(&r, &res), 0);
        assert_int_equal(res.done, 6);
        assert_int_equal(res.recorded, 0);
        assert_int_equal(seen.starts, 0);
        assert_int_equal(res.variants[1].ok, 2);
        collect_result_free(&res);
        session_variant_free(&v[0]);
        session_variant_free(&v[1]);
}

static void test_collect_missing_kernel_is_bad_input(void **state)
{
        struct session_variant v[2];
        struct collect_opts o;
        struct collect_result res;
        struct seen seen = {0};
        char out[128];

        two_variants(&o, v, out, sizeof(out), &seen);
        o.kernel = DATA "/no-such-kernel";
        assert_true(collect_run(&o, &res) < 0);
        assert_true(res.bad_input);
        assert_int_equal(seen.starts, 0);
        assert_int_equal(seen.errors, 1);
        assert_non_null(strstr(seen.first_error, "cannot open kernel"));
        assert_int_not_equal(access(out, F_OK), 0);
        collect_result_free(&res);
        session_variant_free(&v[0]);
        session_variant_free(&v[1]);
}

/* Each variant's kernel as an image in session.json: a stand-in file is
 * no image (known false, why recorded, nothing said); a kernel-like ELF
 * with the PVH note is read; two variants on one file share one record. */
static void test_collect_records_each_variant_image(void **state)
{
        struct session_variant v[3];
        struct collect_opts o;
        struct collect_result res;
        struct seen seen = {0};
        struct session *s = NULL;
        const struct session_info *in;
        char out[128], err[256];

        two_variants(&o, v, out, sizeof(out), &seen);
        assert_int_equal(
            session_variant_parse("c: kernel=" KELF_DIR "/pvh.elf", &v[2], err, sizeof(err)), 0);
        o.nvariants = 3;
        o.runs = 1;
        o.warmup = 0;
        assert_int_equal(collect_run(&o, &res), 0);
        assert_int_equal(seen.errors, 0);
        assert_int_equal(seen.warnings, 0);
        assert_int_equal(session_open(out, &s, err, sizeof(err)), 0);
        in = session_info(s);
        for (size_t i = 0; i < 2; i++) {
                assert_false(in->variants[i].image.known);
                assert_non_null(in->variants[i].image.why);
                assert_non_null(strstr(in->variants[i].image.why, "not a kernel image"));
        }
        assert_true(in->variants[2].image.known);
        assert_string_equal(in->variants[2].image.format, "elf");
        assert_string_equal(in->variants[2].image.entry, "pvh");
        assert_true(in->variants[2].image.pvh);
        assert_string_equal(in->variants[2].image.build_id, KELF_BUILD_ID);
        assert_int_equal(in->variants[2].image.file_size, in->variants[2].kernel.size);
        assert_true(in->variants[2].image.loaded_size > 0);
        assert_null(in->variants[2].image.comp);
        session_free(s);
        collect_result_free(&res);
        for (size_t i = 0; i < 3; i++)
                session_variant_free(&v[i]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_collect_interleaves_warmups_then_runs, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(
                test_collect_without_interleave_keeps_each_variant_together, setup, teardown),
            cmocka_unit_test_setup_teardown(test_collect_resume_boots_nothing_more, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_collect_missing_kernel_is_bad_input, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_collect_records_each_variant_image, setup,
                                            teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
