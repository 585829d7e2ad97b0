/* Unit tests of analyzer/kdiff.h on struct kimage pairs built by hand
 * (no file): the class deltas and their sum, sections matched by name
 * (renamed, added, removed, repeated, unchanged, not loaded), symbols
 * matched by name and kind (repeated names summed and counted), the four
 * lists sorted and cut at top with their totals kept, and sym_delta. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "analyzer/kdiff.h"

#define MAXSEC 16
#define MAXSYM 32

struct fixture {
        struct kimage k;
        struct kimage_section sec[MAXSEC];
        struct kimage_symbol sym[MAXSYM];
};

/* A loaded section of class cls; the image's sizes follow. */
static void add_sec(struct fixture *f, const char *name, enum kimage_class cls, uint64_t size,
                    bool alloc)
{
        struct kimage_section *s = &f->sec[f->k.nsections++];

        assert_true(f->k.nsections <= MAXSEC);
        *s =
            (struct kimage_section){.name = (char *)name, .size = size, .alloc = alloc, .cls = cls};
        if (alloc) {
                f->k.loaded_size += size;
                f->k.class_size[cls] += size;
        } else {
                f->k.unloaded_size += size;
        }
        f->k.sections = f->sec;
}

static void add_sym(struct fixture *f, const char *name, enum kimage_sym_kind kind, uint64_t size)
{
        struct kimage_symbol *s = &f->sym[f->k.nsymbols++];

        assert_true(f->k.nsymbols <= MAXSYM);
        *s = (struct kimage_symbol){.name = (char *)name, .size = size, .kind = kind};
        f->k.symbols = f->sym;
        f->k.has_symtab = true;
        f->k.symtab = ".symtab";
}

static void init(struct fixture *f, uint64_t file_size)
{
        memset(f, 0, sizeof(*f));
        f->k.format = KIMAGE_ELF;
        f->k.file_size = file_size;
}

static const struct kdiff_section *find_sec(const struct kdiff *d, const char *name)
{
        for (size_t i = 0; i < d->nsections; i++)
                if (strcmp(d->sections[i].name, name) == 0)
                        return &d->sections[i];
        return NULL;
}

static void test_kdiff_class_deltas_add_up_to_the_loaded_delta(void **state)
{
        struct fixture a, b;
        struct kdiff *d;
        int64_t sum = 0;

        (void)state;
        init(&a, 1000);
        init(&b, 900);
        add_sec(&a, ".text", KIMAGE_TEXT, 400, true);
        add_sec(&a, ".rodata", KIMAGE_RODATA, 100, true);
        add_sec(&a, ".bss", KIMAGE_BSS, 50, true);
        add_sec(&a, ".comment", KIMAGE_OTHER, 30, false);
        add_sec(&b, ".text", KIMAGE_TEXT, 460, true);
        add_sec(&b, ".rodata", KIMAGE_RODATA, 90, true);
        add_sec(&b, ".init.text", KIMAGE_INIT, 7, true);
        add_sec(&b, ".comment", KIMAGE_OTHER, 31, false);
        assert_int_equal(kdiff_build(&a.k, &b.k, 10, &d), 0);
        assert_int_equal(d->file_delta, -100);
        assert_int_equal(d->loaded_delta, 557 - 550);
        assert_int_equal(d->unloaded_delta, 1);
        assert_int_equal(d->class_delta[KIMAGE_TEXT], 60);
        assert_int_equal(d->class_delta[KIMAGE_RODATA], -10);
        assert_int_equal(d->class_delta[KIMAGE_BSS], -50);
        assert_int_equal(d->class_delta[KIMAGE_INIT], 7);
        assert_int_equal(d->class_delta[KIMAGE_DATA], 0);
        for (int c = 0; c < KIMAGE_NCLASSES; c++)
                sum += d->class_delta[c];
        assert_int_equal(sum, d->loaded_delta);
        /* Neither has symbols: no lists. */
        assert_false(d->symbols);
        assert_int_equal(d->grew.total + d->added.total, 0);
        kdiff_free(d);
}

static void test_kdiff_sections_renamed_added_removed_repeated(void **state)
{
        struct fixture a, b;
        const struct kdiff_section *s;
        struct kdiff *d;

        (void)state;
        init(&a, 0);
        init(&b, 0);
        add_sec(&a, ".text", KIMAGE_TEXT, 100, true);
        add_sec(&a, ".old_name", KIMAGE_DATA, 40, true);
        add_sec(&a, ".same", KIMAGE_RODATA, 8, true);
        add_sec(&a, ".rep", KIMAGE_DATA, 5, true);
        add_sec(&a, ".debug_info", KIMAGE_OTHER, 999, false);
        add_sec(&b, ".text", KIMAGE_TEXT, 100, true);
        add_sec(&b, ".new_name", KIMAGE_RODATA, 40, true); /* renamed: one gone, one new */
        add_sec(&b, ".same", KIMAGE_RODATA, 8, true);
        add_sec(&b, ".rep", KIMAGE_DATA, 5, true);
        add_sec(&b, ".rep", KIMAGE_DATA, 6, true); /* repeated names are summed */
        add_sec(&b, ".debug_info", KIMAGE_OTHER, 1, false);
        assert_int_equal(kdiff_build(&a.k, &b.k, 10, &d), 0);
        /* .text and .same unchanged, .debug_info not loaded: left out. */
        assert_int_equal(d->nsections, 3);
        assert_null(find_sec(d, ".text"));
        assert_null(find_sec(d, ".same"));
        assert_null(find_sec(d, ".debug_info"));
        /* |delta| descending, then name: +40 .new_name, -40 .old_name, +6 .rep */
        assert_string_equal(d->sections[0].name, ".new_name");
        assert_string_equal(d->sections[1].name, ".old_name");
        assert_string_equal(d->sections[2].name, ".rep");
        s = find_sec(d, ".new_name");
        assert_false(s->in_a);
        assert_true(s->in_b);
        assert_int_equal(s->a, 0);
        assert_int_equal(s->delta, 40);
        assert_int_equal(s->cls, KIMAGE_RODATA);
        s = find_sec(d, ".old_name");
        assert_true(s->in_a);
        assert_false(s->in_b);
        assert_int_equal(s->b, 0);
        assert_int_equal(s->delta, -40);
        assert_int_equal(s->cls, KIMAGE_DATA); /* A's class: not in B */
        s = find_sec(d, ".rep");
        assert_int_equal(s->a, 5);
        assert_int_equal(s->b, 11);
        assert_int_equal(s->delta, 6);
        kdiff_free(d);
}

static void test_kdiff_section_class_is_b_s_when_in_b(void **state)
{
        struct fixture a, b;
        struct kdiff *d;

        (void)state;
        init(&a, 0);
        init(&b, 0);
        add_sec(&a, ".x", KIMAGE_RODATA, 1, true);
        add_sec(&b, ".x", KIMAGE_DATA, 3, true);
        assert_int_equal(kdiff_build(&a.k, &b.k, 10, &d), 0);
        assert_int_equal(d->nsections, 1);
        assert_int_equal(d->sections[0].cls, KIMAGE_DATA);
        assert_int_equal(d->class_delta[KIMAGE_RODATA], -1);
        assert_int_equal(d->class_delta[KIMAGE_DATA], 3);
        kdiff_free(d);
}

static void test_kdiff_symbols_lists_and_sym_delta(void **state)
{
        struct fixture a, b;
        struct kdiff *d;

        (void)state;
        init(&a, 0);
        init(&b, 0);
        add_sec(&a, ".text", KIMAGE_TEXT, 1000, true);
        add_sec(&b, ".text", KIMAGE_TEXT, 1000, true);
        add_sym(&a, "grows", KIMAGE_SYM_FUNC, 10);
        add_sym(&b, "grows", KIMAGE_SYM_FUNC, 25);
        add_sym(&a, "shrinks", KIMAGE_SYM_FUNC, 30);
        add_sym(&b, "shrinks", KIMAGE_SYM_FUNC, 20);
        add_sym(&a, "same", KIMAGE_SYM_FUNC, 7);
        add_sym(&b, "same", KIMAGE_SYM_FUNC, 7);
        add_sym(&a, "gone", KIMAGE_SYM_OBJECT, 64);
        add_sym(&b, "fresh", KIMAGE_SYM_OBJECT, 128);
        /* Static functions of one name in several files: summed, counted. */
        add_sym(&a, "helper", KIMAGE_SYM_FUNC, 4);
        add_sym(&b, "helper", KIMAGE_SYM_FUNC, 4);
        add_sym(&b, "helper", KIMAGE_SYM_FUNC, 5);
        /* One name, two kinds: two symbols. */
        add_sym(&a, "both", KIMAGE_SYM_FUNC, 3);
        add_sym(&b, "both", KIMAGE_SYM_OBJECT, 3);
        assert_int_equal(kdiff_build(&a.k, &b.k, 10, &d), 0);
        assert_true(d->symbols);
        /* grew: helper +5, grows +15 */
        assert_int_equal(d->grew.total, 2);
        assert_string_equal(d->grew.v[0].name, "grows");
        assert_int_equal(d->grew.v[0].delta, 15);
        assert_string_equal(d->grew.v[1].name, "helper");
        assert_int_equal(d->grew.v[1].na, 1);
        assert_int_equal(d->grew.v[1].nb, 2);
        assert_int_equal(d->grew.v[1].b, 9);
        assert_int_equal(d->shrank.total, 1);
        assert_string_equal(d->shrank.v[0].name, "shrinks");
        assert_int_equal(d->shrank.v[0].delta, -10);
        /* added: fresh (object) 128, both (object) 3 */
        assert_int_equal(d->added.total, 2);
        assert_string_equal(d->added.v[0].name, "fresh");
        assert_string_equal(d->added.v[1].name, "both");
        assert_int_equal(d->added.v[1].kind, KIMAGE_SYM_OBJECT);
        assert_int_equal(d->removed.total, 2);
        assert_string_equal(d->removed.v[0].name, "gone");
        assert_int_equal(d->removed.v[0].delta, -64);
        assert_string_equal(d->removed.v[1].name, "both");
        assert_int_equal(d->removed.v[1].kind, KIMAGE_SYM_FUNC);
        /* 15 - 10 + 0 - 64 + 128 + 5 + 3 - 3 */
        assert_int_equal(d->sym_delta, 74);
        kdiff_free(d);
}

static void test_kdiff_cut_at_top_keeps_totals_and_sym_delta(void **state)
{
        static const char *const names[] = {"s0", "s1", "s2", "s3", "s4", "s5"};
        struct fixture a, b;
        struct kdiff *d;

        (void)state;
        init(&a, 0);
        init(&b, 0);
        for (int i = 0; i < 6; i++) {
                add_sym(&a, names[i], KIMAGE_SYM_FUNC, 100);
                add_sym(&b, names[i], KIMAGE_SYM_FUNC, 100 + (uint64_t)(i + 1) * 10);
        }
        add_sym(&b, "tie_b", KIMAGE_SYM_FUNC, 60); /* as large as tie_a: the name decides */
        add_sym(&b, "tie_a", KIMAGE_SYM_FUNC, 60);
        assert_int_equal(kdiff_build(&a.k, &b.k, 2, &d), 0);
        assert_int_equal(d->grew.total, 6);
        assert_int_equal(d->grew.n, 2);
        assert_string_equal(d->grew.v[0].name, "s5");
        assert_string_equal(d->grew.v[1].name, "s4");
        assert_int_equal(d->added.total, 2);
        assert_int_equal(d->added.n, 2);
        assert_string_equal(d->added.v[0].name, "tie_a");
        assert_string_equal(d->added.v[1].name, "tie_b");
        assert_int_equal(d->sym_delta, 210 + 120); /* every delta, before the cut */
        kdiff_free(d);

        assert_int_equal(kdiff_build(&a.k, &b.k, 0, &d), 0);
        assert_int_equal(d->grew.n, 0);
        assert_int_equal(d->grew.total, 6);
        kdiff_free(d);
}

static void test_kdiff_symbols_need_both_tables(void **state)
{
        struct fixture a, b;
        struct kdiff *d;

        (void)state;
        init(&a, 0);
        init(&b, 0);
        add_sym(&a, "f", KIMAGE_SYM_FUNC, 1);
        assert_int_equal(kdiff_build(&a.k, &b.k, 10, &d), 0);
        assert_false(d->symbols);
        assert_int_equal(d->removed.total, 0);
        assert_int_equal(d->sym_delta, 0);
        kdiff_free(d);
}

static void test_kdiff_refuses_null(void **state)
{
        struct fixture a;
        struct kdiff *d = (struct kdiff *)&a;

        (void)state;
        init(&a, 0);
        assert_int_equal(kdiff_build(NULL, &a.k, 10, &d), -EINVAL);
        assert_null(d);
        assert_int_equal(kdiff_build(&a.k, NULL, 10, &d), -EINVAL);
        kdiff_free(NULL);
}

/* Images that are not kimage's: classes that do not add up to the loaded
 * size, sizes or symbol sums past INT64_MAX. Refused at run time (it was
 * an assert, gone with NDEBUG, and int64 sums that overflowed). */
static void test_kdiff_refuses_sizes_that_do_not_add_up_or_overflow(void **state)
{
        struct fixture a, b;
        struct kdiff *d = (struct kdiff *)1;

        (void)state;
        init(&a, 100);
        init(&b, 100);
        add_sec(&a, ".text", KIMAGE_TEXT, 10, true);
        add_sec(&b, ".text", KIMAGE_TEXT, 10, true);
        b.k.class_size[KIMAGE_TEXT] = 11;
        assert_int_equal(kdiff_build(&a.k, &b.k, 10, &d), -EINVAL);
        assert_null(d);

        init(&b, 100);
        add_sec(&b, ".bss", KIMAGE_BSS, UINT64_MAX - 5, true);
        assert_int_equal(kdiff_build(&a.k, &b.k, 10, &d), -EOVERFLOW);
        assert_int_equal(kdiff_build(&b.k, &a.k, 10, &d), -EOVERFLOW);

        init(&b, 100);
        add_sec(&b, ".a", KIMAGE_BSS, (uint64_t)1 << 62, true);
        add_sec(&b, ".b", KIMAGE_DATA, (uint64_t)1 << 62, true);
        assert_int_equal(kdiff_build(&a.k, &b.k, 10, &d), -EOVERFLOW);

        /* symbols of one name whose sizes add up past INT64_MAX */
        init(&b, 100);
        add_sec(&b, ".text", KIMAGE_TEXT, 10, true);
        add_sym(&a, "f", KIMAGE_SYM_FUNC, 1);
        add_sym(&b, "f", KIMAGE_SYM_FUNC, (uint64_t)1 << 62);
        add_sym(&b, "f", KIMAGE_SYM_FUNC, (uint64_t)1 << 62);
        assert_int_equal(kdiff_build(&a.k, &b.k, 10, &d), -EOVERFLOW);
        assert_null(d);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_kdiff_class_deltas_add_up_to_the_loaded_delta),
            cmocka_unit_test(test_kdiff_sections_renamed_added_removed_repeated),
            cmocka_unit_test(test_kdiff_section_class_is_b_s_when_in_b),
            cmocka_unit_test(test_kdiff_symbols_lists_and_sym_delta),
            cmocka_unit_test(test_kdiff_cut_at_top_keeps_totals_and_sym_delta),
            cmocka_unit_test(test_kdiff_symbols_need_both_tables),
            cmocka_unit_test(test_kdiff_refuses_null),
            cmocka_unit_test(test_kdiff_refuses_sizes_that_do_not_add_up_or_overflow),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
