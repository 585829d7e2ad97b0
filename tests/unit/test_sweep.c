/* Unit tests of the sweep plan and SESSION/sweep.json (collector/sweep.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/util.h"
#include "collector/sweep.h"
#include "scratch.h"

static void parse_ok(const char *arg, struct sweep_knob *k)
{
        char err[256] = "";
        int rc = sweep_knob_parse(arg, k, err, sizeof(err));

        if (rc)
                fail_msg("'%s': %d %s", arg, rc, err);
}

static void test_sweep_knob_parse_takes_the_variant_syntax(void **state)
{
        struct sweep_knob k;

        (void)state;
        parse_ok("  nouarts :  append+=8250.nr_uarts=1 ; qemu+=-m 128M  ", &k);
        assert_string_equal(k.name, "nouarts");
        assert_string_equal(k.spec, "append+=8250.nr_uarts=1 ; qemu+=-m 128M");
        assert_string_equal(k.v.name, "nouarts");
        assert_string_equal(k.v.append, "8250.nr_uarts=1");
        assert_int_equal(k.v.nqemu_args, 2);
        assert_null(k.about);
        sweep_knob_free(&k);
        sweep_knob_free(&k); /* twice is fine */

        parse_ok("instr: append-=initcall_debug; timing=host", &k);
        assert_true(k.v.host_timed);
        assert_int_equal(k.v.nappend_remove, 1);
        assert_string_equal(k.v.append_remove[0], "initcall_debug");
        sweep_knob_free(&k);
}

static void test_sweep_knob_parse_rejects_bad_knobs(void **state)
{
        static const struct {
                const char *arg, *why;
        } bad[] = {
            {"nouarts", "expected 'NAME: SPEC'"},
            {"base: append+=quiet", "baseline"},
            {"x:", "no SPEC"},
            {"x:   ", "no SPEC"},
            {"a b: append+=quiet", "variant name"},
            {": append+=quiet", "variant name"},
            {"x: frob=1", "unknown key"},
        };
        struct sweep_knob k;
        char err[256];

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                err[0] = '\0';
                assert_int_equal(sweep_knob_parse(bad[i].arg, &k, err, sizeof(err)), -EINVAL);
                if (!strstr(err, bad[i].why))
                        fail_msg("'%s': '%s' lacks '%s'", bad[i].arg, err, bad[i].why);
                assert_null(k.name);
        }
}

static void knobs3(struct sweep_knob *k)
{
        parse_ok("a: append+=one; qemu+=-x", &k[0]);
        parse_ok("host: append-=quiet; timing=host", &k[1]);
        parse_ok("b: append+=two; kernel=/k2", &k[2]);
}

static void knobs_free(struct sweep_knob *k, size_t n)
{
        for (size_t i = 0; i < n; i++)
                sweep_knob_free(&k[i]);
}

static void test_sweep_plan_each_is_every_knob_alone(void **state)
{
        struct sweep_knob k[3];
        struct sweep_plan p;
        char err[256];

        (void)state;
        knobs3(k);
        assert_int_equal(sweep_plan_build(&p, SWEEP_EACH, k, 3, NULL, err, sizeof(err)), 0);
        assert_int_equal(p.nsteps, 4);
        assert_int_equal(p.nvariants, 4);
        assert_int_equal(p.nknobs, 3);
        assert_string_equal(p.steps[0].variant, "base");
        assert_null(p.steps[0].knob);
        assert_string_equal(p.variants[0].name, "base");
        assert_null(p.variants[0].append);
        for (size_t i = 1; i < 4; i++) {
                assert_int_equal(p.steps[i].against, 0);
                assert_string_equal(p.steps[i].variant, k[i - 1].name);
                assert_string_equal(p.variants[i].name, k[i - 1].name);
        }
        assert_true(p.steps[2].host_timed);
        assert_false(p.steps[3].host_timed);
        assert_string_equal(p.variants[3].append, "two");
        assert_string_equal(p.variants[3].kernel, "/k2");
        assert_int_equal(p.variants[3].nqemu_args, 0);
        sweep_plan_free(&p);
        sweep_plan_free(&p);
        knobs_free(k, 3);
}

static void test_sweep_plan_cumulative_merges_in_order_and_skips_host_timed(void **state)
{
        struct sweep_knob k[3];
        struct sweep_plan p;
        char err[256];

        (void)state;
        knobs3(k);
        assert_int_equal(
            sweep_plan_build(&p, SWEEP_CUMULATIVE, k, 3, "linux-microvm", err, sizeof(err)), 0);
        assert_string_equal(p.preset, "linux-microvm");
        assert_int_equal(p.mode, SWEEP_CUMULATIVE);
        /* a: alone on the baseline */
        assert_int_equal(p.steps[1].against, 0);
        assert_string_equal(p.variants[1].append, "one");
        assert_int_equal(p.variants[1].nqemu_args, 1);
        /* host: against the baseline, nothing of a carried in, not carried on */
        assert_int_equal(p.steps[2].against, 0);
        assert_true(p.variants[2].host_timed);
        assert_null(p.variants[2].append);
        assert_int_equal(p.variants[2].nqemu_args, 0);
        assert_int_equal(p.variants[2].nappend_remove, 1);
        /* b: on top of a (not of host), a's words first */
        assert_int_equal(p.steps[3].against, 1);
        assert_string_equal(p.variants[3].name, "b");
        assert_string_equal(p.variants[3].append, "one two");
        assert_int_equal(p.variants[3].nqemu_args, 1);
        assert_string_equal(p.variants[3].qemu_args[0], "-x");
        assert_string_equal(p.variants[3].kernel, "/k2");
        assert_false(p.variants[3].host_timed);
        assert_int_equal(p.variants[3].nappend_remove, 0);
        sweep_plan_free(&p);
        knobs_free(k, 3);
}

static void test_sweep_plan_rejects_no_knob_and_duplicates(void **state)
{
        struct sweep_knob k[2];
        struct sweep_plan p;
        char err[256];

        (void)state;
        assert_int_equal(sweep_plan_build(&p, SWEEP_EACH, NULL, 0, NULL, err, sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "no knob"));
        sweep_plan_free(&p);
        parse_ok("a: append+=one", &k[0]);
        parse_ok("a: append+=two", &k[1]);
        assert_int_equal(sweep_plan_build(&p, SWEEP_EACH, k, 2, NULL, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "'a' given twice"));
        sweep_plan_free(&p);
        knobs_free(k, 2);
}

static char *scratch_dir(void)
{
        char tmpl[] = "/tmp/test_sweep.XXXXXX";
        char *d = mkdtemp(tmpl);

        assert_non_null(d);
        return strdup(d);
}

static void write_text(const char *dir, const char *text)
{
        char path[512];

        snprintf(path, sizeof(path), "%s/%s", dir, SWEEP_FILE);
        assert_int_equal(util_write_file_atomic(path, text, strlen(text)), 0);
}

static void test_sweep_json_round_trip(void **state)
{
        struct sweep_knob k[3];
        struct sweep_plan p, q;
        char err[256], path[512], *text;
        size_t len;
        char *dir = scratch_dir();

        (void)state;
        knobs3(k);
        k[0].about = strdup("about \"a\"\n");
        assert_int_equal(sweep_plan_build(&p, SWEEP_CUMULATIVE, k, 3, NULL, err, sizeof(err)), 0);
        assert_int_equal(sweep_write(dir, &p), 0);
        snprintf(path, sizeof(path), "%s/sweep.json", dir);
        assert_int_equal(util_read_file(path, &text, &len), 0);
        assert_non_null(strstr(text, "\"kind\": \"bootlens-sweep\""));
        assert_non_null(strstr(text, "\"preset\": null"));
        free(text);
        assert_int_equal(sweep_read(dir, &q, err, sizeof(err)), 0);
        assert_int_equal(q.mode, SWEEP_CUMULATIVE);
        assert_null(q.preset);
        assert_int_equal(q.nsteps, p.nsteps);
        assert_int_equal(q.nknobs, 3);
        assert_int_equal(q.nvariants, 0);
        for (size_t i = 0; i < p.nsteps; i++) {
                assert_string_equal(q.steps[i].variant, p.steps[i].variant);
                if (i)
                        assert_string_equal(q.steps[i].knob, p.steps[i].knob);
                else
                        assert_null(q.steps[i].knob);
                assert_int_equal(q.steps[i].against, p.steps[i].against);
                assert_int_equal(q.steps[i].host_timed, p.steps[i].host_timed);
        }
        assert_string_equal(q.knobs[0].spec, "append+=one; qemu+=-x");
        assert_string_equal(q.knobs[0].about, "about \"a\"\n");
        assert_null(q.knobs[1].about);
        sweep_plan_free(&q);
        sweep_plan_free(&p);
        knobs_free(k, 3);
        scratch_rm_rf(dir);
        free(dir);
}

#define STEP0 "{\"variant\": \"base\", \"knob\": null, \"spec\": null, \"against\": 0}"
#define STEP1 "{\"variant\": \"a\", \"knob\": \"a\", \"spec\": \"append+=x\", \"against\": 0}"
#define HEAD  "{\"kind\": \"bootlens-sweep\", \"schema_version\": 1, \"mode\": \"each\", "

static void test_sweep_read_names_the_malformed_field(void **state)
{
        static const struct {
                const char *text, *why;
        } bad[] = {
            {"{", "sweep.json:1:"},
            {"[]", "not a JSON object"},
            {"{\"kind\": \"x\"}", "kind"},
            {"{\"kind\": \"bootlens-sweep\", \"schema_version\": 2}", "schema_version"},
            {"{\"kind\": \"bootlens-sweep\", \"schema_version\": 1, \"mode\": \"all\"}", "mode"},
            {HEAD "\"preset\": 3, \"steps\": [" STEP0 ", " STEP1 "]}", "preset"},
            {HEAD "\"steps\": [" STEP0 "]}", "steps"},
            {HEAD "\"steps\": {}}", "steps"},
            {HEAD "\"steps\": [" STEP0 ", 3]}", "steps[1] is not an object"},
            {HEAD "\"steps\": [" STEP1 ", " STEP1 "]}", "steps[0].knob"},
            {HEAD "\"steps\": [" STEP0 ", " STEP0 "]}", "steps[1].knob"},
            {HEAD "\"steps\": [" STEP0 ", {\"variant\": \"a b\"}]}", "steps[1].variant"},
            {HEAD "\"steps\": [" STEP0 ", {\"variant\": \"a\", \"knob\": \"base\"}]}",
             "steps[1].knob"},
            {HEAD "\"steps\": [" STEP0 ", {\"variant\": \"a\", \"knob\": \"a\"}]}",
             "steps[1].spec"},
            {HEAD "\"steps\": [" STEP0
                  ", {\"variant\": \"a\", \"knob\": \"a\", \"spec\": \"x\", \"against\": 1}]}",
             "steps[1].against"},
            {HEAD "\"steps\": [" STEP0
                  ", {\"variant\": \"a\", \"knob\": \"a\", \"spec\": \"x\", \"against\": -1}]}",
             "steps[1].against"},
            {HEAD "\"steps\": [" STEP0 ", {\"variant\": \"a\", \"knob\": \"a\", \"spec\": \"x\", "
                  "\"against\": 0, \"host_timed\": 1}]}",
             "steps[1].host_timed"},
            {HEAD "\"steps\": [" STEP0 ", {\"variant\": \"a\", \"knob\": \"a\", \"spec\": \"x\", "
                  "\"about\": 1, \"against\": 0}]}",
             "steps[1].about"},
            {HEAD "\"steps\": [" STEP0 ", " STEP1 ", " STEP1 "]}", "'a' is step 1's"},
        };
        struct sweep_plan p;
        char err[256];
        char *dir = scratch_dir();

        (void)state;
        assert_int_equal(sweep_read(dir, &p, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, "not a sweep session"));
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                write_text(dir, bad[i].text);
                err[0] = '\0';
                assert_int_equal(sweep_read(dir, &p, err, sizeof(err)), -EINVAL);
                if (!strstr(err, bad[i].why) || !strstr(err, "sweep.json"))
                        fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].why);
                assert_int_equal(p.nsteps, 0);
        }
        write_text(dir, HEAD "\"steps\": [" STEP0 ", " STEP1 "]}");
        assert_int_equal(sweep_read(dir, &p, err, sizeof(err)), 0);
        assert_int_equal(p.nsteps, 2);
        assert_false(p.steps[1].host_timed);
        sweep_plan_free(&p);
        scratch_rm_rf(dir);
        free(dir);
}

static void test_sweep_read_checks_the_session_variants(void **state)
{
        struct sweep_plan p;
        char err[512];

        (void)state;
        /* the fixture's sweep.json matches its session */
        assert_int_equal(sweep_read(BOOTLENS_TEST_DATA "/sweep/each", &p, err, sizeof(err)), 0);
        assert_int_equal(p.nsteps, 4);
        assert_true(p.steps[3].host_timed);
        sweep_plan_free(&p);

        /* a step naming a variant the session lacks */
        {
                char *dir = scratch_dir(), *text, path[512];
                size_t len;

                assert_int_equal(
                    util_read_file(BOOTLENS_TEST_DATA "/compare/ab/session.json", &text, &len), 0);
                snprintf(path, sizeof(path), "%s/session.json", dir);
                assert_int_equal(util_write_file_atomic(path, text, len), 0);
                free(text);
                write_text(dir, HEAD "\"steps\": [" STEP0 ", " STEP1 "]}");
                assert_int_equal(sweep_read(dir, &p, err, sizeof(err)), -EINVAL);
                assert_non_null(strstr(err, "steps[1].variant: the session has no variant 'a'"));
                scratch_rm_rf(dir);
                free(dir);
        }
}

static void test_sweep_presets_are_well_formed(void **state)
{
        const struct sweep_preset *pr = sweep_preset_find("linux-microvm");
        struct sweep_knob k;
        char arg[512];

        (void)state;
        assert_null(sweep_preset_find("nope"));
        assert_non_null(pr);
        assert_true(pr->nknobs >= 5);
        assert_string_equal(pr->knobs[0].name, "pvh");
        assert_true(pr->knobs[0].needs_vmlinux);
        for (size_t i = 0; i < pr->nknobs; i++) {
                const struct sweep_preset_knob *pk = &pr->knobs[i];

                assert_non_null(pk->about);
                assert_int_equal(pk->needs_vmlinux, strstr(pk->spec, "@vmlinux") != NULL);
                assert_int_equal(pk->needs_bare_initrd, strstr(pk->spec, "@bare-initrd") != NULL);
                snprintf(arg, sizeof(arg), "%s: %s", pk->name, pk->spec);
                parse_ok(arg, &k);
                if (!strcmp(pk->name, "instrumentation"))
                        assert_true(k.v.host_timed);
                sweep_knob_free(&k);
        }
}

static void test_sweep_mode_names(void **state)
{
        enum sweep_mode m;

        (void)state;
        assert_int_equal(sweep_mode_parse("each", &m), 0);
        assert_int_equal(m, SWEEP_EACH);
        assert_int_equal(sweep_mode_parse("cumulative", &m), 0);
        assert_int_equal(m, SWEEP_CUMULATIVE);
        assert_int_equal(sweep_mode_parse("Each", &m), -EINVAL);
        assert_string_equal(sweep_mode_name(SWEEP_CUMULATIVE), "cumulative");
        assert_string_equal(sweep_mode_name(SWEEP_EACH), "each");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sweep_knob_parse_takes_the_variant_syntax),
            cmocka_unit_test(test_sweep_knob_parse_rejects_bad_knobs),
            cmocka_unit_test(test_sweep_plan_each_is_every_knob_alone),
            cmocka_unit_test(test_sweep_plan_cumulative_merges_in_order_and_skips_host_timed),
            cmocka_unit_test(test_sweep_plan_rejects_no_knob_and_duplicates),
            cmocka_unit_test(test_sweep_json_round_trip),
            cmocka_unit_test(test_sweep_read_names_the_malformed_field),
            cmocka_unit_test(test_sweep_read_checks_the_session_variants),
            cmocka_unit_test(test_sweep_presets_are_well_formed),
            cmocka_unit_test(test_sweep_mode_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
