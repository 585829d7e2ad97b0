/*
 * Unit tests of session.json's variants[i].image (collector/session.c,
 * docs/session.md "The kernel image"): written and read back, null with
 * image_error, absent in older sessions, and refused when hostile or
 * when its fields disagree with each other or with the kernel file.
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
#include <unistd.h>

#include "base/util.h"
#include "collector/session.h"
#include "scratch.h"

static char dir[64];

static int setup(void **state)
{
        strcpy(dir, "/tmp/bootlens-session-image-XXXXXX");
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        scratch_rm_rf(dir);
        return 0;
}

static char *const no_args[] = {NULL};
static const struct session_plan_entry plan[] = {{1, 0, false}, {2, 1, false}, {3, 2, false}};

static void test_session_image_round_trips_known_unknown_and_absent(void **state)
{
        struct session_variant_info v[] = {
            {.name = "bz",
             .kernel = {"/k1", 8000000, "01"},
             .qemu_args = no_args,
             .image = {.known = true,
                       .format = "bzimage",
                       .entry = "bzimage",
                       .file_size = 8000000,
                       .loaded_size = 53264384,
                       .build_id = "0a1b2c",
                       .pvh = true,
                       .comp = "lz4",
                       .comp_size = 7900000}},
            {.name = "stand-in",
             .kernel = {"/k2", 9, "02"},
             .qemu_args = no_args,
             .image = {.why = "not a kernel image: no ELF magic, no bzImage header"}},
            {.name = "old", .kernel = {"/k3", 9, "03"}, .qemu_args = no_args},
        };
        struct session_info in = {
            .id = "x", .variants = v, .nvariants = 3, .plan = plan, .nplan = 3};
        struct session *s = NULL;
        const struct session_info *out;
        char sdir[128], path[160], err[256], *text;
        size_t len;

        snprintf(sdir, sizeof(sdir), "%s/rt", dir);
        assert_int_equal(session_create(sdir, &in), 0);
        if (session_open(sdir, &s, err, sizeof(err)) < 0)
                fail_msg("session_open: %s", err);
        out = session_info(s);
        assert_true(out->variants[0].image.known);
        assert_string_equal(out->variants[0].image.format, "bzimage");
        assert_string_equal(out->variants[0].image.entry, "bzimage");
        assert_int_equal(out->variants[0].image.file_size, 8000000);
        assert_int_equal(out->variants[0].image.loaded_size, 53264384);
        assert_string_equal(out->variants[0].image.build_id, "0a1b2c");
        assert_true(out->variants[0].image.pvh);
        assert_string_equal(out->variants[0].image.comp, "lz4");
        assert_int_equal(out->variants[0].image.comp_size, 7900000);
        assert_null(out->variants[0].image.why);
        assert_false(out->variants[1].image.known);
        assert_string_equal(out->variants[1].image.why,
                            "not a kernel image: no ELF magic, no bzImage header");
        assert_false(out->variants[2].image.known);
        assert_null(out->variants[2].image.why);
        session_free(s);

        /* what is on disk: an object, null with its reason, and nothing */
        snprintf(path, sizeof(path), "%s/session.json", sdir);
        assert_int_equal(util_read_file(path, &text, &len), 0);
        assert_non_null(strstr(text, "\"image\": {\n        \"format\": \"bzimage\""));
        assert_non_null(strstr(text, "\"image\": null,\n      \"image_error\": \"not a"));
        assert_null(strstr(strstr(text, "\"old\""), "image"));
        free(text);
}

/* A reason that is not UTF-8 (a kernel's section name, a path: the
 * file's bytes) is stored as printable ASCII; the session is written. */
static void test_session_image_error_that_is_not_utf8_is_stored(void **state)
{
        struct session_variant_info v[] = {
            {.name = "a",
             .kernel = {"/k", 9, "01"},
             .qemu_args = no_args,
             .image = {.why = "truncated ELF: section \x9b"
                              "4\xe2\n. ends at 0x1"}},
        };
        struct session_info in = {
            .id = "x", .variants = v, .nvariants = 1, .plan = plan, .nplan = 1};
        struct session *s = NULL;
        char sdir[128], err[256];

        snprintf(sdir, sizeof(sdir), "%s/utf8", dir);
        assert_int_equal(session_create(sdir, &in), 0);
        if (session_open(sdir, &s, err, sizeof(err)) < 0)
                fail_msg("session_open: %s", err);
        assert_false(session_info(s)->variants[0].image.known);
        assert_string_equal(session_info(s)->variants[0].image.why,
                            "truncated ELF: section \\x9b4\\xe2\\x0a. ends at 0x1");
        session_free(s);
}

/* Each image object below is refused by session_open(), naming the
 * file and the field; none of its text reaches the message. */
static void test_session_image_refuses_hostile_or_wrong_typed_objects(void **state)
{
        static const struct {
                const char *image, *why; /* why: NULL for an image that reads */
        } cases[] = {
            {"{\"format\": \"elf\", \"entry\": \"pvh\", \"file_size\": 1, \"loaded_size\": 2, "
             "\"pvh\": true}",
             NULL},
            {"null, \"image_error\": \"cannot open\"", NULL},
            {"\"big\"", "variants[0].image is not an object"},
            {"[1]", "variants[0].image is not an object"},
            {"{\"entry\": \"pvh\", \"file_size\": 1, \"loaded_size\": 2}",
             "variants[0].image.format is missing"},
            {"{\"format\": \"<script>\", \"entry\": \"pvh\", \"file_size\": 1, "
             "\"loaded_size\": 2}",
             "variants[0].image.format is not \"elf\" or \"bzimage\""},
            {"{\"format\": \"elf\", \"entry\": \"multiboot\", \"file_size\": 1, "
             "\"loaded_size\": 2}",
             "variants[0].image.entry is not \"pvh\", \"bzimage\" or \"none\""},
            {"{\"format\": \"elf\", \"entry\": \"pvh\", \"file_size\": \"1\", "
             "\"loaded_size\": 2}",
             "variants[0].image.file_size is not an integer"},
            {"{\"format\": \"elf\", \"entry\": \"pvh\", \"file_size\": 1, "
             "\"loaded_size\": -2}",
             "variants[0].image.loaded_size is not a non-negative integer"},
            {"{\"format\": \"elf\", \"entry\": \"pvh\", \"file_size\": 1}",
             "variants[0].image.loaded_size is missing"},
            {"{\"format\": \"elf\", \"entry\": \"pvh\", \"file_size\": 1, \"loaded_size\": 2, "
             "\"build_id\": \"</td><b>\"}",
             "variants[0].image.build_id is not lowercase hex"},
            {"{\"format\": \"elf\", \"entry\": \"pvh\", \"file_size\": 1, \"loaded_size\": 2, "
             "\"pvh\": \"yes\"}",
             "variants[0].image.pvh is not true or false"},
            {"{\"format\": \"bzimage\", \"entry\": \"bzimage\", \"file_size\": 1, "
             "\"loaded_size\": 2, \"comp\": \"rm -rf\"}",
             "variants[0].image.comp is not a compression's name"},
            {"null, \"image_error\": 7", "variants[0].image_error is not a string"},
            /* fields that disagree (check_image) */
            {"{\"format\": \"elf\", \"entry\": \"pvh\", \"file_size\": 1, \"loaded_size\": 2}",
             "variants[0].image.entry is not \"none\" (pvh is false)"},
            {"{\"format\": \"elf\", \"entry\": \"none\", \"file_size\": 1, \"loaded_size\": 2, "
             "\"pvh\": true}",
             "variants[0].image.entry is not \"pvh\" (pvh is true)"},
            {"{\"format\": \"elf\", \"entry\": \"bzimage\", \"file_size\": 1, \"loaded_size\": 2}",
             "variants[0].image.entry is not \"none\" (pvh is false)"},
            {"{\"format\": \"elf\", \"entry\": \"none\", \"file_size\": 1, \"loaded_size\": 2, "
             "\"comp\": \"gzip\"}",
             "variants[0].image.comp is not null for an elf"},
            {"{\"format\": \"elf\", \"entry\": \"none\", \"file_size\": 1, \"loaded_size\": 2, "
             "\"comp_size\": 5}",
             "variants[0].image.comp_size is not 0 for an elf"},
            {"{\"format\": \"bzimage\", \"entry\": \"pvh\", \"file_size\": 1, \"loaded_size\": 2, "
             "\"pvh\": true, \"comp\": \"lz4\"}",
             "variants[0].image.entry is not \"bzimage\" for a bzimage"},
            {"{\"format\": \"bzimage\", \"entry\": \"bzimage\", \"file_size\": 1, "
             "\"loaded_size\": 2}",
             "variants[0].image.comp is missing"},
            {"{\"format\": \"bzimage\", \"entry\": \"bzimage\", \"file_size\": 1, "
             "\"loaded_size\": 2, \"comp\": \"zstd\", \"comp_size\": 1}",
             NULL},
            {"{\"format\": \"elf\", \"entry\": \"none\", \"file_size\": 2, \"loaded_size\": 2}",
             "variants[0].image.file_size is not the kernel's size (kernel.size)"},
        };
        struct session *s = NULL;
        char sdir[128], path[160], err[256], *text;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(sdir, sizeof(sdir), "%s/bad%zu", dir, i);
                assert_int_equal(
                    asprintf(&text,
                             "{\"schema_version\": 1, \"kind\": \"bootlens-session\", "
                             "\"variants\": [{\"name\": \"a\", \"kernel\": {\"path\": "
                             "\"/k\", \"size\": 1}, \"image\": %s}], \"plan\": [{\"run\": 1, "
                             "\"variant\": \"a\", \"warmup\": false}]}",
                             cases[i].image) > 0,
                    1);
                assert_int_equal(util_mkdir_p(sdir, 0755), 0);
                snprintf(path, sizeof(path), "%s/session.json", sdir);
                assert_int_equal(util_write_file_atomic(path, text, strlen(text)), 0);
                free(text);
                err[0] = '\0';
                if (!cases[i].why) {
                        if (session_open(sdir, &s, err, sizeof(err)) < 0)
                                fail_msg("case %zu: %s", i, err);
                        assert_int_equal(session_info(s)->variants[0].image.known,
                                         strncmp(cases[i].image, "null", 4) != 0);
                        session_free(s);
                        continue;
                }
                assert_int_equal(session_open(sdir, &s, err, sizeof(err)), -EINVAL);
                if (!strstr(err, cases[i].why) || !strstr(err, path))
                        fail_msg("case %zu: '%s' does not say '%s' of '%s'", i, err, cases[i].why,
                                 path);
                assert_null(strstr(err, "<"));
                assert_null(strstr(err, "rm -rf"));
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_session_image_round_trips_known_unknown_and_absent),
            cmocka_unit_test(test_session_image_refuses_hostile_or_wrong_typed_objects),
            cmocka_unit_test(test_session_image_error_that_is_not_utf8_is_stored),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
