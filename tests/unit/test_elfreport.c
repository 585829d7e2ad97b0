/* Unit tests of reports/elfreport.h: every format of the image, compare
 * and address reports rendered from structs filled by hand (a small ELF
 * kernel with symbols and a PVH note, a bzImage without symbols, their
 * kdiff, a kallsyms text) and compared byte for byte with the goldens in
 * tests/data/elf/ (JSON without its "tool" line, which names the
 * version). BOOTLENS_REGEN=1 rewrites the goldens: review the diff. A
 * section and a symbol carry hostile names ('<script>"|' with a newline
 * and an escape byte) that every format must show as the text it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/kdiff.h"
#include "analyzer/ksyms.h"
#include "base/util.h"
#include "golden.h"
#include "reports/elfreport.h"

#define DATA    BOOTLENS_TEST_DATA "/elf/"
#define HOSTILE "<script>\"|\n\x1b[31m*x*"

static struct kimage_section elf_secs[] = {
    {".text", 0xffffffff80200000, 0x1000, 40960, 1, 6, true, KIMAGE_TEXT},
    {".rodata", 0xffffffff8020a000, 0xb000, 8192, 1, 2, true, KIMAGE_RODATA},
    {".note.Xen", 0xffffffff8020c000, 0xd000, 36, 7, 2, true, KIMAGE_OTHER},
    {".data", 0xffffffff8020d000, 0xe000, 4096, 1, 3, true, KIMAGE_DATA},
    {HOSTILE, 0xffffffff8020e000, 0xf000, 512, 1, 3, true, KIMAGE_DATA},
    {".init.text", 0xffffffff8020f000, 0x10000, 2048, 1, 6, true, KIMAGE_INIT},
    {".bss", 0xffffffff80210000, 0x10800, 16384, 8, 3, true, KIMAGE_BSS},
    {".symtab", 0, 0x10800, 960, 2, 0, false, KIMAGE_OTHER},
    {".strtab", 0, 0x10bc0, 300, 3, 0, false, KIMAGE_OTHER},
};

static struct kimage_symbol elf_syms[] = {
    {"start", 0xffffffff80200000, 64, KIMAGE_SYM_FUNC, true},
    {"main_loop", 0xffffffff80200040, 4032, KIMAGE_SYM_FUNC, true},
    {"helper", 0xffffffff80201000, 0, KIMAGE_SYM_FUNC, false},
    {"big_table", 0xffffffff8020a000, 4096, KIMAGE_SYM_OBJECT, true},
    {HOSTILE, 0xffffffff8020d000, 128, KIMAGE_SYM_OBJECT, false},
};

static struct kimage elf_image(void)
{
        struct kimage k = {
            .format = KIMAGE_ELF,
            .file_size = 70336,
            .elf_size = 70336,
            .elf_class = 64,
            .machine = 62,
            .os = KIMAGE_OS_NETBSD,
            .e_entry = 0xffffffff80200000,
            .pvh = true,
            .pvh_entry = 0x200000,
            .entry = KIMAGE_ENTRY_PVH,
            .build_id = "0123456789abcdef0123456789abcdef01234567",
            .unloaded_size = 1260,
            .sections = elf_secs,
            .nsections = sizeof(elf_secs) / sizeof(elf_secs[0]),
            .has_symtab = true,
            .symtab = ".symtab",
            .symbols = elf_syms,
            .nsymbols = sizeof(elf_syms) / sizeof(elf_syms[0]),
        };

        for (size_t i = 0; i < k.nsections; i++)
                if (k.sections[i].alloc) {
                        k.loaded_size += k.sections[i].size;
                        k.class_size[k.sections[i].cls] += k.sections[i].size;
                }
        return k;
}

static struct kimage_section bz_secs[] = {
    {".text", 0xffffffff81000000, 0x200000, 14687986, 1, 6, true, KIMAGE_TEXT},
    {".rodata", 0xffffffff82000000, 0x1200000, 4056182, 1, 3, true, KIMAGE_DATA},
    {".init.scratch", 0xffffffff83a00000, 0, 4194304, 8, 3, true, KIMAGE_INIT},
    {".bss", 0xffffffff832ab000, 0, 5591040, 8, 3, true, KIMAGE_BSS},
    {".comment", 0, 0x3000000, 430, 1, 0x30, false, KIMAGE_OTHER},
};

static struct kimage bz_image(void)
{
        struct kimage k = {
            .format = KIMAGE_BZIMAGE,
            .file_size = 14145472,
            .boot_protocol = 0x020f,
            .comp = VMLINUX_COMP_LZ4,
            .comp_size = 14022268,
            .kernel_version = (char *)"6.1.0-47-cloud-amd64",
            .elf_size = 52431728,
            .elf_class = 64,
            .machine = 62,
            .os = KIMAGE_OS_LINUX,
            .e_entry = 0x1000000,
            .pvh = true,
            .pvh_entry = 0x1000850,
            .entry = KIMAGE_ENTRY_BZIMAGE,
            .build_id = "",
            .unloaded_size = 430,
            .sections = bz_secs,
            .nsections = sizeof(bz_secs) / sizeof(bz_secs[0]),
        };

        for (size_t i = 0; i < k.nsections; i++)
                if (k.sections[i].alloc) {
                        k.loaded_size += k.sections[i].size;
                        k.class_size[k.sections[i].cls] += k.sections[i].size;
                }
        return k;
}

/* B: the ELF one release later: .text grew, .rodata shrank, the hostile
 * section is gone and .data.rel.ro appeared; main_loop grew, start
 * shrank, big_table went, new_fn came. */
static struct kimage_section elf2_secs[] = {
    {".text", 0xffffffff80200000, 0x1000, 45056, 1, 6, true, KIMAGE_TEXT},
    {".rodata", 0xffffffff8020b000, 0xc000, 6144, 1, 2, true, KIMAGE_RODATA},
    {".note.Xen", 0xffffffff8020c800, 0xd800, 36, 7, 2, true, KIMAGE_OTHER},
    {".data", 0xffffffff8020d000, 0xe000, 4096, 1, 3, true, KIMAGE_DATA},
    {".data.rel.ro", 0xffffffff8020e000, 0xf000, 1024, 1, 3, true, KIMAGE_DATA},
    {".init.text", 0xffffffff8020f000, 0x10000, 2048, 1, 6, true, KIMAGE_INIT},
    {".bss", 0xffffffff80210000, 0x10800, 16384, 8, 3, true, KIMAGE_BSS},
    {".symtab", 0, 0x10c00, 960, 2, 0, false, KIMAGE_OTHER},
    {".strtab", 0, 0x10fc0, 310, 3, 0, false, KIMAGE_OTHER},
};

static struct kimage_symbol elf2_syms[] = {
    {"start", 0xffffffff80200000, 48, KIMAGE_SYM_FUNC, true},
    {"main_loop", 0xffffffff80200030, 8000, KIMAGE_SYM_FUNC, true},
    {"helper", 0xffffffff80201f70, 0, KIMAGE_SYM_FUNC, false},
    {"new_fn", 0xffffffff80202000, 512, KIMAGE_SYM_FUNC, true},
    {HOSTILE, 0xffffffff8020d000, 128, KIMAGE_SYM_OBJECT, false},
};

static struct kimage elf2_image(void)
{
        struct kimage k = elf_image();

        k.file_size = 74752;
        k.elf_size = 74752;
        k.build_id[0] = 'f';
        k.unloaded_size = 1270;
        k.sections = elf2_secs;
        k.nsections = sizeof(elf2_secs) / sizeof(elf2_secs[0]);
        k.symbols = elf2_syms;
        k.nsymbols = sizeof(elf2_syms) / sizeof(elf2_syms[0]);
        k.loaded_size = 0;
        memset(k.class_size, 0, sizeof(k.class_size));
        for (size_t i = 0; i < k.nsections; i++)
                if (k.sections[i].alloc) {
                        k.loaded_size += k.sections[i].size;
                        k.class_size[k.sections[i].cls] += k.sections[i].size;
                }
        return k;
}

static const char kallsyms[] = "ffffffff81000000 T _stext\n"
                               "ffffffff81000000 T startup_64\n"
                               "ffffffff81000100 t secondary_startup_64\n"
                               "ffffffff81001000 T do_one_initcall\n"
                               "ffffffff81002000 d initcall_debug\n"
                               "ffffffffc0000000 t vfat_init\t[vfat]\n";

/* The table's put_text of the tests: marks what went through it. */
static void mark_text(FILE *out, const char *s)
{
        fputc('{', out);
        for (; *s; s++)
                fputc((unsigned char)*s < 0x20 ? '?' : *s, out);
        fputc('}', out);
}

struct ctx {
        const struct kimage *k;
        const struct kdiff *d;
        const struct ksyms *s;
        const char *path;
};

typedef int (*render_fn)(FILE *out, const struct ctx *c, const struct elfreport_options *o);

static char *render(render_fn fn, const struct ctx *c, enum elfreport_format f, size_t top)
{
        struct elfreport_options o = {.format = f, .top = top, .put_text = mark_text};
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);

        assert_non_null(out);
        assert_int_equal(fn(out, c, &o), 0);
        fclose(out);
        return buf;
}

static void check_golden(const char *name, char *got)
{
        golden_check(DATA, name, got);
}

static int do_image(FILE *out, const struct ctx *c, const struct elfreport_options *o)
{
        return elfreport_image(out, c->k, c->path, o);
}

static int do_compare(FILE *out, const struct ctx *c, const struct elfreport_options *o)
{
        return elfreport_compare(out, c->d, "netbsd-11.0/MICROVM", "netbsd-11.1/MICROVM", o);
}

static const uint64_t addrs[] = {0xffffffff81000010, 0xffffffff81001004, 0xfffffffff0000000,
                                 0xffffffffc0000042, 0x1000};
static const char *const texts[] = {"0xffffffff81000010", "ffffffff81001004", "0xfffffffff0000000",
                                    "ffffffffc0000042", "1000"};

static int do_addrs(FILE *out, const struct ctx *c, const struct elfreport_options *o)
{
        return elfreport_addrs(out, c->s, c->path, addrs, texts, 5, o);
}

static void test_elfreport_image_elf_golden(void **state)
{
        struct kimage k = elf_image();
        struct ctx c = {.k = &k, .path = "netbsd-11.0/MICROVM"};

        (void)state;
        check_golden("image-elf.table", render(do_image, &c, ELFREPORT_TABLE, 3));
        check_golden("image-elf.json", render(do_image, &c, ELFREPORT_JSON, 3));
        check_golden("image-elf.md", render(do_image, &c, ELFREPORT_MD, 3));
}

static void test_elfreport_image_bzimage_golden(void **state)
{
        struct kimage k = bz_image();
        struct ctx c = {.k = &k, .path = "vmlinuz-6.1.0-47-cloud-amd64"};

        (void)state;
        check_golden("image-bz.table", render(do_image, &c, ELFREPORT_TABLE, 10));
        check_golden("image-bz.json", render(do_image, &c, ELFREPORT_JSON, 10));
        check_golden("image-bz.md", render(do_image, &c, ELFREPORT_MD, 10));
}

static void test_elfreport_compare_golden(void **state)
{
        struct kimage a = elf_image(), b = elf2_image();
        struct kdiff *d;
        struct ctx c;

        (void)state;
        assert_int_equal(kdiff_build(&a, &b, 10, &d), 0);
        c = (struct ctx){.d = d};
        check_golden("compare.table", render(do_compare, &c, ELFREPORT_TABLE, 10));
        check_golden("compare.json", render(do_compare, &c, ELFREPORT_JSON, 10));
        check_golden("compare.md", render(do_compare, &c, ELFREPORT_MD, 10));
        kdiff_free(d);
}

static void test_elfreport_compare_without_symbols(void **state)
{
        struct kimage a = bz_image(), b = bz_image();
        struct kdiff *d;
        struct ctx c;
        char *s;

        (void)state;
        b.sections = elf_secs; /* anything different */
        b.nsections = 2;
        b.loaded_size = 40960 + 8192;
        memset(b.class_size, 0, sizeof(b.class_size));
        b.class_size[KIMAGE_TEXT] = 40960;
        b.class_size[KIMAGE_RODATA] = 8192;
        assert_int_equal(kdiff_build(&a, &b, 10, &d), 0);
        c = (struct ctx){.d = d};
        s = render(do_compare, &c, ELFREPORT_TABLE, 10);
        assert_non_null(strstr(s, "\nno symbol table in either image\n"));
        free(s);
        s = render(do_compare, &c, ELFREPORT_MD, 10);
        assert_non_null(strstr(s, "\nNo symbol table in either image: no symbol changes.\n"));
        free(s);
        s = render(do_compare, &c, ELFREPORT_JSON, 10);
        assert_non_null(strstr(s, "\n  \"symbols\": null\n"));
        free(s);
        kdiff_free(d);
}

/* How many changed and how many are shown, said unambiguously; two
 * images alike say so, not "(0 of 0)"; the missing symbol table is named
 * alike in the table and the Markdown. */
static void test_elfreport_compare_wording(void **state)
{
        struct kimage a = elf_image(), b = elf2_image(), nosym = elf2_image();
        struct kdiff *d;
        struct ctx c;
        char *s;

        (void)state;
        assert_int_equal(kdiff_build(&a, &b, 2, &d), 0);
        c = (struct ctx){.d = d};
        s = render(do_compare, &c, ELFREPORT_TABLE, 2);
        assert_non_null(strstr(s, "\nsections changed: 4, the 2 largest shown\n"));
        assert_non_null(strstr(s, "\nsymbols grew: 1\n"));
        free(s);
        s = render(do_compare, &c, ELFREPORT_MD, 2);
        assert_non_null(strstr(s, "\nSections changed: 4, the 2 largest shown.\n"));
        free(s);
        kdiff_free(d);

        assert_int_equal(kdiff_build(&a, &a, 10, &d), 0);
        c = (struct ctx){.d = d};
        s = render(do_compare, &c, ELFREPORT_TABLE, 10);
        assert_non_null(strstr(s, "\nno section changed\n"));
        assert_non_null(strstr(s, "\nno symbol grew\n"));
        assert_null(strstr(s, "0 of 0"));
        assert_null(strstr(s, "class             a"));
        free(s);
        s = render(do_compare, &c, ELFREPORT_MD, 10);
        assert_non_null(strstr(s, "\nNo section changed.\n"));
        assert_non_null(strstr(s, "\nNo symbol appeared.\n"));
        assert_null(strstr(s, "0 of 0"));
        assert_null(strstr(s, "| section "));
        free(s);
        kdiff_free(d);

        nosym.has_symtab = false;
        nosym.symtab = NULL;
        nosym.symbols = NULL;
        nosym.nsymbols = 0;
        assert_int_equal(kdiff_build(&a, &nosym, 10, &d), 0);
        c = (struct ctx){.d = d};
        s = render(do_compare, &c, ELFREPORT_TABLE, 10);
        assert_non_null(strstr(s, "\na symbol table only in a\n"));
        free(s);
        s = render(do_compare, &c, ELFREPORT_MD, 10);
        assert_non_null(strstr(s, "\nA symbol table only in a: no symbol changes.\n"));
        free(s);
        kdiff_free(d);
        assert_int_equal(kdiff_build(&nosym, &a, 10, &d), 0);
        c = (struct ctx){.d = d};
        s = render(do_compare, &c, ELFREPORT_MD, 10);
        assert_non_null(strstr(s, "\nA symbol table only in b: no symbol changes.\n"));
        free(s);
        kdiff_free(d);
}

/* The Markdown shows the ELF facts the table does: size, class, byte order. */
static void test_elfreport_md_image_elf_facts(void **state)
{
        struct kimage k = elf_image();
        struct ctx c = {.k = &k, .path = "k"};
        char *s;

        (void)state;
        k.elf_class = 32;
        k.big_endian = true;
        k.elf_size = 4242;
        s = render(do_image, &c, ELFREPORT_MD, 3);
        assert_non_null(strstr(s, "| elf class "));
        assert_non_null(strstr(s, "| 32-bit "));
        assert_non_null(strstr(s, "| big-endian "));
        assert_non_null(strstr(s, "| elf size "));
        assert_non_null(strstr(s, "| 4242 "));
        free(s);
}

/* Sizes are unsigned: one above INT64_MAX (no kimage's, whose sizes are
 * at most 2^40, but the report's own contract) never prints negative. */
static void test_elfreport_sizes_above_int64_are_not_negative(void **state)
{
        struct kimage k = elf_image();
        struct ctx c = {.k = &k, .path = "k"};
        enum elfreport_format f[] = {ELFREPORT_TABLE, ELFREPORT_MD};
        char *s;

        (void)state;
        k.file_size = UINT64_MAX;
        for (size_t i = 0; i < 2; i++) {
                s = render(do_image, &c, f[i], 3);
                assert_non_null(strstr(s, "18446744073709551615 (16777216.0 TiB)"));
                assert_null(strstr(s, "-1 ("));
                free(s);
        }
}

/* An ELF without section headers: every format says its sizes are the
 * segments'; one with sections says nothing in table and md. */
static void test_elfreport_says_sizes_from_segments(void **state)
{
        struct kimage k = elf_image();
        struct ctx c = {.k = &k, .path = "k"};
        char *s;

        (void)state;
        s = render(do_image, &c, ELFREPORT_TABLE, 3);
        assert_null(strstr(s, "sizes from"));
        free(s);
        k.from_segments = true;
        s = render(do_image, &c, ELFREPORT_TABLE, 3);
        assert_non_null(strstr(s, "\n  sizes from     the PT_LOAD segments (the ELF has no section "
                                  "headers)\n"));
        free(s);
        s = render(do_image, &c, ELFREPORT_MD, 3);
        assert_non_null(strstr(s, "| sizes from "));
        assert_non_null(strstr(s, "the PT\\_LOAD segments (the ELF has no section headers)"));
        free(s);
        s = render(do_image, &c, ELFREPORT_JSON, 3);
        assert_non_null(strstr(s, "\"sizes_from\": \"segments\""));
        free(s);
}

static void test_elfreport_addrs_golden(void **state)
{
        struct ksyms *s;
        struct ctx c = {.path = "runs/0001.kallsyms"};

        (void)state;
        assert_int_equal(ksyms_parse_kallsyms(kallsyms, strlen(kallsyms), c.path, &s, NULL, 0), 0);
        c.s = s;
        check_golden("addrs.table", render(do_addrs, &c, ELFREPORT_TABLE, 10));
        check_golden("addrs.json", render(do_addrs, &c, ELFREPORT_JSON, 10));
        check_golden("addrs.md", render(do_addrs, &c, ELFREPORT_MD, 10));
        ksyms_free(s);
}

/* From an ELF's symbols (sizes known): an address past the end of the
 * nearest symbol is said to be after it, not inside it. */
static void test_elfreport_addrs_after_a_symbol(void **state)
{
        static const uint64_t a[] = {0xffffffff8020b010, 0xffffffff80200044};
        struct kimage k = elf_image();
        struct elfreport_options o = {.format = ELFREPORT_TABLE, .top = 10};
        struct ksyms *s;
        char *buf = NULL;
        size_t len = 0;
        FILE *out;

        (void)state;
        assert_int_equal(ksyms_from_kimage(&k, &s, NULL, 0), 0);
        out = open_memstream(&buf, &len);
        assert_non_null(out);
        assert_int_equal(elfreport_addrs(out, s, "k", a, NULL, 2, &o), 0);
        fclose(out);
        assert_non_null(strstr(buf, "0xffffffff8020b010  not in a symbol (after big_table)\n"));
        assert_non_null(strstr(buf, "0xffffffff80200044  main_loop+0x4/0xfc0\n"));
        free(buf);
        ksyms_free(s);
}

/* The JSON fields the brief pins: sizes as numbers, addresses as strings,
 * pvh and its entry, and null symbols with a null symtab. */
static void test_elfreport_json_fields(void **state)
{
        struct kimage k = bz_image();
        struct ctx c = {.k = &k, .path = "x"};
        char *s;

        (void)state;
        s = render(do_image, &c, ELFREPORT_JSON, 10);
        assert_non_null(strstr(s, "\"kind\": \"bootlens-elf\""));
        assert_non_null(strstr(s, "\"schema_version\": 1"));
        assert_non_null(strstr(s, "\"loaded_size\": 28529512,"));
        assert_non_null(strstr(s, "\"pvh\": true,"));
        assert_non_null(strstr(s, "\"pvh_entry\": \"0x1000850\","));
        assert_non_null(strstr(s, "\"entry\": \"bzimage\","));
        assert_non_null(strstr(s, "\"symtab\": null,"));
        assert_non_null(strstr(s, "\"symbols\": null\n"));
        assert_non_null(strstr(s, "\"build_id\": null"));
        free(s);
        k.pvh = false;
        k.entry = KIMAGE_ENTRY_NONE;
        s = render(do_image, &c, ELFREPORT_JSON, 10);
        assert_non_null(strstr(s, "\"pvh\": false,"));
        assert_non_null(strstr(s, "\"pvh_entry\": null,"));
        assert_non_null(strstr(s, "\"entry\": \"none\","));
        free(s);
}

/* The hostile names, in every format: the table through put_text only,
 * JSON escaped, Markdown escaped; never a raw newline or ESC in a name. */
static void test_elfreport_escapes_hostile_names(void **state)
{
        struct kimage a = elf_image(), b = elf2_image();
        struct ctx c = {.k = &a, .path = "evil\n<path>|"};
        struct kdiff *d;
        char *s;

        (void)state;
        s = render(do_image, &c, ELFREPORT_TABLE, 10);
        assert_non_null(strstr(s, "{<script>\"|??[31m*x*}"));
        assert_non_null(strstr(s, "{evil?<path>|}"));
        assert_null(strchr(s, '\x1b'));
        free(s);
        s = render(do_image, &c, ELFREPORT_JSON, 10);
        assert_non_null(strstr(s, "\"name\": \"<script>\\\"|\\n\\u001B[31m*x*\""));
        assert_non_null(strstr(s, "\"file\": \"evil\\n<path>|\""));
        assert_null(strchr(s, '\x1b'));
        free(s);
        s = render(do_image, &c, ELFREPORT_MD, 10);
        assert_non_null(strstr(s, "&lt;script&gt;\"\\|  \\[31m\\*x\\*"));
        assert_non_null(strstr(s, "### bootlens elf: evil &lt;path&gt;\\|\n"));
        assert_null(strstr(s, "<script>"));
        assert_null(strchr(s, '\x1b'));
        free(s);

        assert_int_equal(kdiff_build(&a, &b, 10, &d), 0);
        c.d = d;
        for (int f = ELFREPORT_TABLE; f <= ELFREPORT_MD; f++) {
                s = render(do_compare, &c, f, 10);
                assert_null(strstr(s, "<script>\"|\n"));
                assert_null(strchr(s, '\x1b'));
                free(s);
        }
        kdiff_free(d);
}

static void test_elfreport_refuses_bad_format(void **state)
{
        struct kimage k = elf_image();
        struct elfreport_options o = {.format = (enum elfreport_format)7, .top = 3};
        enum elfreport_format f;
        FILE *out = fopen("/dev/null", "w");

        (void)state;
        assert_int_equal(elfreport_image(out, &k, "x", &o), -EINVAL);
        assert_int_equal(elfreport_format_parse("table", &f), 0);
        assert_int_equal(f, ELFREPORT_TABLE);
        assert_int_equal(elfreport_format_parse("md", &f), 0);
        assert_int_equal(f, ELFREPORT_MD);
        assert_int_equal(elfreport_format_parse("csv", &f), -EINVAL);
        assert_int_equal(elfreport_format_parse(NULL, &f), -EINVAL);
        fclose(out);
}

static void test_elfreport_failed_write_is_eio(void **state)
{
        struct kimage k = elf_image();
        struct elfreport_options o = {.format = ELFREPORT_TABLE, .top = 3};
        FILE *out = fopen("/dev/full", "w");

        (void)state;
        assert_non_null(out);
        assert_int_equal(elfreport_image(out, &k, "x", &o), -EIO);
        fclose(out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_elfreport_image_elf_golden),
            cmocka_unit_test(test_elfreport_image_bzimage_golden),
            cmocka_unit_test(test_elfreport_compare_golden),
            cmocka_unit_test(test_elfreport_compare_without_symbols),
            cmocka_unit_test(test_elfreport_compare_wording),
            cmocka_unit_test(test_elfreport_md_image_elf_facts),
            cmocka_unit_test(test_elfreport_sizes_above_int64_are_not_negative),
            cmocka_unit_test(test_elfreport_says_sizes_from_segments),
            cmocka_unit_test(test_elfreport_addrs_golden),
            cmocka_unit_test(test_elfreport_addrs_after_a_symbol),
            cmocka_unit_test(test_elfreport_json_fields),
            cmocka_unit_test(test_elfreport_escapes_hostile_names),
            cmocka_unit_test(test_elfreport_refuses_bad_format),
            cmocka_unit_test(test_elfreport_failed_write_is_eio),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
