/* Unit tests of the kernel line (reports/kline.c) and the kernel a set of
 * runs booted (analyzer/ksize.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/ksize.h"
#include "base/sbuf.h"
#include "reports/kline.h"

static char *const no_args[] = {NULL};

static const struct session_variant_info variants[] = {
    {.name = "old",
     .kernel = {"/k57", 14050918, "57"},
     .qemu_args = no_args,
     .image = {.known = true,
               .format = "bzimage",
               .entry = "bzimage",
               .file_size = 14050918,
               .loaded_size = 53267660,
               .build_id = "aa",
               .pvh = true,
               .comp = "lz4",
               .comp_size = 13900000}},
    {.name = "new",
     .kernel = {"/k612", 11534336, "612"},
     .qemu_args = no_args,
     .image = {.known = true,
               .format = "elf",
               .entry = "pvh",
               .file_size = 11534336,
               .loaded_size = 57566822,
               .pvh = true}},
    {.name = "same", .kernel = {"/k57", 14050918, "57"}, .qemu_args = no_args},
    {.name = "stand-in",
     .kernel = {"/x", 3, "00"},
     .qemu_args = no_args,
     .image = {.why = "not a kernel image"}},
};

static void test_kline_text_says_sizes_delta_and_entries(void **state)
{
        struct ksize a, b;
        struct sbuf sb = SBUF_INIT;

        ksize_from_variant(&a, &variants[0]);
        ksize_from_variant(&b, &variants[1]);
        assert_true(ksize_differ(&a, &b));
        assert_int_equal(kline_text(&sb, &a, &b), 0);
        assert_string_equal(sb.buf, "loaded 50.8 MiB -> 54.9 MiB (+4.1 MiB, +8.1%), file 13.4 -> "
                                    "11.0 MiB, entry bzimage/pvh -> pvh");
        sbuf_reset(&sb);
        assert_int_equal(kline_text(&sb, &b, &a), 0);
        assert_string_equal(sb.buf, "loaded 54.9 MiB -> 50.8 MiB (-4.1 MiB, -7.5%), file 11.0 -> "
                                    "13.4 MiB, entry pvh -> bzimage/pvh");
        sbuf_reset(&sb);
        assert_int_equal(kline_one(&sb, &a), 0);
        assert_string_equal(sb.buf, "loaded 50.8 MiB, file 13.4 MiB, entry bzimage/pvh");
        sbuf_reset(&sb);
        assert_int_equal(kline_delta(&sb, &a, &b), 0);
        assert_string_equal(sb.buf, "+4.1 MiB");
        sbuf_release(&sb);
}

static void test_kline_unknown_side_says_so(void **state)
{
        struct ksize a, u;
        struct sbuf sb = SBUF_INIT;

        ksize_from_variant(&a, &variants[0]);
        ksize_from_variant(&u, &variants[3]);
        assert_true(u.one);
        assert_false(u.known);
        assert_true(ksize_differ(&a, &u));
        assert_int_equal(kline_text(&sb, &a, &u), 0);
        assert_string_equal(sb.buf,
                            "a different kernel file; sizes unknown (new not read as an image)");
        sbuf_reset(&sb);
        assert_int_equal(kline_delta(&sb, &u, &a), 0);
        assert_string_equal(sb.buf, "?");
        sbuf_reset(&sb);
        assert_int_equal(kline_one(&sb, &u), 0);
        assert_string_equal(sb.buf, "not read as an image");
        sbuf_release(&sb);
}

static void test_ksize_of_a_session_is_one_kernel_or_none(void **state)
{
        struct session_info in = {.variants = variants, .nvariants = 3};
        struct ksize k;

        assert_true(ksize_session_differs(&in));
        ksize_from_session(&k, &in, NULL); /* every variant: two kernels */
        assert_false(k.one);
        ksize_from_session(&k, &in, "new");
        assert_true(k.known);
        assert_int_equal(k.loaded_size, 57566822);
        ksize_from_session(&k, &in, "nope");
        assert_false(k.one);
        /* old and same share one file: one kernel, and no difference */
        in.variants = &variants[0];
        in.nvariants = 1;
        ksize_from_session(&k, &in, NULL);
        assert_true(k.one && k.known);
        {
                struct ksize s;

                ksize_from_variant(&s, &variants[2]);
                assert_false(ksize_differ(&k, &s));
        }
}

static void test_kline_json_holds_the_bytes(void **state)
{
        struct ksize a, b;
        struct jsonw *w = malloc(sizeof(*w));
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        assert_non_null(w);
        assert_non_null(f);
        ksize_from_variant(&a, &variants[0]);
        ksize_from_variant(&b, &variants[1]);
        jsonw_init(w, f);
        kline_json(w, &a, &b);
        assert_int_equal(jsonw_finish(w), 0);
        fclose(f);
        assert_non_null(strstr(text, "\"loaded_delta\": 4299162"));
        assert_non_null(strstr(text, "\"file_delta\": -2516582"));
        assert_non_null(strstr(text, "\"comp\": \"lz4\""));
        assert_non_null(strstr(text, "\"build_id\": null"));
        free(text);
        free(w);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_kline_text_says_sizes_delta_and_entries),
            cmocka_unit_test(test_kline_unknown_side_says_so),
            cmocka_unit_test(test_ksize_of_a_session_is_one_kernel_or_none),
            cmocka_unit_test(test_kline_json_holds_the_bytes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
