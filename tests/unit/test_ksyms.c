/* Unit tests of addresses to symbols (analyzer/ksyms.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/ksyms.h"
#include "base/util.h"
#include "guest/kimage.h"
#include "guest/vmlinux.h"
#include "skip.h"

#define DATA BOOTLENS_TEST_DATA "/kallsyms/"

static char why[256];

static struct ksyms *parse_ok(const char *text)
{
        struct ksyms *s = NULL;
        int ret = ksyms_parse_kallsyms(text, strlen(text), "t.kallsyms", &s, why, sizeof(why));

        if (ret)
                fprintf(stderr, "ksyms_parse_kallsyms: %d %s\n", ret, why);
        assert_int_equal(ret, 0);
        assert_non_null(s);
        return s;
}

/* The error of parsing text: its return value, with why checked. */
static void parse_bad(const char *text, int want, const char *want_why)
{
        struct ksyms *s = (struct ksyms *)1;

        why[0] = '\0';
        assert_int_equal(
            ksyms_parse_kallsyms(text, strlen(text), "t.kallsyms", &s, why, sizeof(why)), want);
        assert_null(s);
        if (!strstr(why, want_why))
                fprintf(stderr, "why: '%s', want '%s'\n", why, want_why);
        assert_non_null(strstr(why, want_why));
}

/* resolve addr and format it; returns ksyms_resolve's value. */
static int fmt(const struct ksyms *s, uint64_t addr, char *buf, size_t len)
{
        struct ksyms_hit h;
        int ret = ksyms_resolve(s, addr, &h);

        buf[0] = '\0';
        if (ret == 0 || h.name)
                ksyms_format_hit(&h, buf, len);
        return ret;
}

static const char sample[] = "ffffffff81000000 T _text\n"
                             "ffffffff81000000 T startup_64\n"
                             "ffffffff81000100 t secondary\n"
                             "ffffffff81000180 D some_data\n"
                             "ffffffff81000180 T alias_b\n"
                             "ffffffff81000180 T alias_a\n"
                             "ffffffff81000200 t last_kernel\n"
                             "ffffffffc0001000 t vc_probe\t[virtio_console]\n"
                             "ffffffffc0001040 T vc_init\t[virtio_console]\n";

static void test_ksyms_parse_good_and_module_lines(void **state)
{
        struct ksyms *s = parse_ok(sample);
        struct ksyms_hit h;
        char buf[128];

        (void)state;
        assert_int_equal(ksyms_count(s), 9);
        assert_string_equal(ksyms_source(s), "kallsyms");
        assert_int_equal(ksyms_resolve(s, 0xffffffffc0001003, &h), 0);
        assert_string_equal(h.name, "vc_probe");
        assert_string_equal(h.module, "virtio_console");
        assert_int_equal(h.type, 't');
        assert_int_equal(h.size, 0x40);
        ksyms_format_hit(&h, buf, sizeof(buf));
        assert_string_equal(buf, "vc_probe+0x3/0x40 [virtio_console]");
        assert_int_equal(ksyms_resolve(s, 0xffffffff81000104, &h), 0);
        assert_null(h.module);
        assert_int_equal(h.sym_addr, 0xffffffff81000100);
        ksyms_free(s);
}

static void test_ksyms_parse_32bit_addresses(void **state)
{
        struct ksyms *s = parse_ok("c1000000 T _text\nc1000010 t f\nc1000030 T g\n");
        char buf[128];

        (void)state;
        assert_int_equal(fmt(s, 0xc1000011, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "f+0x1/0x20");
        ksyms_free(s);
}

static void test_ksyms_parse_rejects_malformed_lines_naming_path_line(void **state)
{
        (void)state;
        parse_bad("ffffffff81000000 T a\nzzz T b\n", -EBADMSG, "t.kallsyms:2: expected an address");
        parse_bad("ffffffff8100000 T a\n", -EBADMSG,
                  "t.kallsyms:1: expected an address of 8 or 16");
        parse_bad("ffffffff810000000 T a\n", -EBADMSG, "t.kallsyms:1: expected an address");
        parse_bad("ffffffff81000000\n", -EBADMSG, "t.kallsyms:1: expected ' TYPE '");
        parse_bad("ffffffff81000000 TT a\n", -EBADMSG, "t.kallsyms:1: expected ' TYPE '");
        parse_bad("ffffffff81000000 1 a\n", -EBADMSG, "t.kallsyms:1: expected ' TYPE '");
        parse_bad("ffffffff81000000  T a\n", -EBADMSG, "t.kallsyms:1: expected ' TYPE '");
        parse_bad("ffffffff81000000 T \n", -EBADMSG, "t.kallsyms:1: expected a symbol name");
        parse_bad("ffffffff81000000 T\n", -EBADMSG, "t.kallsyms:1: expected ' TYPE '");
        parse_bad("a\n", -EBADMSG, "t.kallsyms:1: expected an address");
        parse_bad("ffffffff81000000 T a b\n", -EBADMSG, "t.kallsyms:1: expected '\\t[MODULE]'");
        parse_bad("ffffffff81000000 T a\t[m\n", -EBADMSG, "t.kallsyms:1: expected '\\t[MODULE]'");
        parse_bad("ffffffff81000000 T a\t[]\n", -EBADMSG, "t.kallsyms:1: expected '\\t[MODULE]'");
        parse_bad("ffffffff81000000 T a\t[m x]\n", -EBADMSG,
                  "t.kallsyms:1: bad byte in the module");
        /* CRLF and empty lines: test_ksyms_parse_crlf_and_empty_lines. */
}

static void test_ksyms_parse_nul_byte_is_malformed(void **state)
{
        static const char text[] = "ffffffff81000000 T a\0b\n";
        struct ksyms *s = NULL;

        (void)state;
        assert_int_equal(
            ksyms_parse_kallsyms(text, sizeof(text) - 1, "n.kallsyms", &s, why, sizeof(why)),
            -EBADMSG);
        assert_non_null(strstr(why, "n.kallsyms:1:"));
}

static void test_ksyms_parse_all_zero_is_eperm_with_hint(void **state)
{
        (void)state;
        parse_bad("0000000000000000 T _text\n0000000000000000 t f\t[m]\n", -EPERM, "kptr_restrict");
}

static void test_ksyms_parse_without_final_newline(void **state)
{
        struct ksyms *s = parse_ok("ffffffff81000000 T a\nffffffff81000010 T b");
        char buf[64];

        (void)state;
        assert_int_equal(fmt(s, 0xffffffff81000002, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "a+0x2/0x10");
        ksyms_free(s);
}

/* A CRLF file parses as its LF twin; empty lines are skipped, and a bad
 * line after them still has its own number. */
static void test_ksyms_parse_crlf_and_empty_lines(void **state)
{
        struct ksyms *s = parse_ok("ffffffff81000000 T _text\r\n"
                                   "\r\n"
                                   "\n"
                                   "ffffffff81000100 t secondary\r\n"
                                   "ffffffffc0001000 t vc_probe\t[virtio_console]\r\n"
                                   "ffffffffc0001040 T vc_init\t[virtio_console]\r\n");
        char buf[128];

        (void)state;
        assert_int_equal(ksyms_count(s), 4);
        assert_int_equal(fmt(s, 0xffffffff81000004, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "_text+0x4/0x100");
        assert_int_equal(fmt(s, 0xffffffffc0001001, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "vc_probe+0x1/0x40 [virtio_console]");
        assert_int_equal(fmt(s, 0xffffffffc0001040, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "vc_init+0x0 [virtio_console]");
        ksyms_free(s);
        parse_bad("ffffffff81000000 T _text\r\n\r\n\nffffffff81000100 t\r\n", -EBADMSG,
                  "t.kallsyms:4: ");
        /* A lone "\r" in a name is no line end. */
        parse_bad("ffffffff81000000 T a\rb\n", -EBADMSG, "t.kallsyms:1: ");
}

static void test_ksyms_parse_empty_and_absolute_only(void **state)
{
        (void)state;
        parse_bad("", -ENOENT, "t.kallsyms: the file is empty");
        parse_bad("\n\r\n", -ENOENT, "t.kallsyms: no symbol in the kallsyms text");
        parse_bad("ffffffff81000000 A x\n", -ENOENT, "t.kallsyms: no symbol in the kallsyms text");
}

/* The span "elf --addr -" keeps: the lowest address to the last byte of
 * the highest symbol (its address when its end is unknown). */
static void test_ksyms_range(void **state)
{
        struct ksyms *s = parse_ok(sample);
        uint64_t lo, hi;

        (void)state;
        ksyms_range(s, &lo, &hi);
        assert_int_equal(lo, 0xffffffff81000000);
        assert_int_equal(hi, 0xffffffffc0001040);
        ksyms_free(s);
        s = parse_ok("0000000000001000 T low\n0000000000001010 T high\n");
        ksyms_range(s, &lo, &hi);
        assert_int_equal(lo, 0x1000);
        assert_int_equal(hi, 0x1010);
        ksyms_free(s);
}

static void test_ksyms_resolve_start_inside_last_byte(void **state)
{
        struct ksyms *s = parse_ok(sample);
        char buf[128];

        (void)state;
        assert_int_equal(fmt(s, 0xffffffff81000100, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "secondary+0x0/0x80");
        assert_int_equal(fmt(s, 0xffffffff81000142, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "secondary+0x42/0x80");
        assert_int_equal(fmt(s, 0xffffffff8100017f, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "secondary+0x7f/0x80");
        ksyms_free(s);
}

static void test_ksyms_resolve_past_last_and_below_first(void **state)
{
        struct ksyms *s = parse_ok(sample);
        struct ksyms_hit h;
        char buf[128];

        (void)state;
        /* The last symbol has no known end: nothing resolves into it,
         * and the nearest symbol is named. */
        assert_int_equal(ksyms_resolve(s, 0xffffffffc0001050, &h), -ENOENT);
        assert_string_equal(h.name, "vc_init");
        assert_string_equal(h.module, "virtio_console");
        assert_int_equal(h.offset, 0x10);
        assert_false(h.size_known);
        (void)buf;
        assert_int_equal(ksyms_resolve(s, 0xffffffff80ffffff, &h), -ENOENT);
        assert_null(h.name);
        assert_int_equal(ksyms_resolve(s, 0, &h), -ENOENT);
        ksyms_free(s);
}

/* The kernel's last symbol does not run into the modules' addresses, and
 * absolute symbols (per-CPU offsets near 0) resolve nothing. */
static void test_ksyms_kernel_end_and_absolute_symbols(void **state)
{
        struct ksyms *s = parse_ok("0000000000000000 A fixed_percpu_data\n"
                                   "000000000002f000 A __per_cpu_end\n"
                                   "ffffffff81000000 T _text\n"
                                   "ffffffff81000200 t last_kernel\n"
                                   "ffffffffc0001000 t vc_probe\t[virtio_console]\n"
                                   "ffffffffc0001040 T vc_init\t[virtio_console]\n");
        struct ksyms_hit h;
        char buf[128];

        (void)state;
        assert_int_equal(ksyms_count(s), 4);
        assert_int_equal(ksyms_resolve(s, 0x1234, &h), -ENOENT);
        assert_null(h.name);
        assert_int_equal(ksyms_resolve(s, 0xffffffff81000300, &h), -ENOENT);
        assert_string_equal(h.name, "last_kernel");
        assert_false(h.size_known);
        /* at its own address it is that symbol, size unknown */
        assert_int_equal(fmt(s, 0xffffffff81000200, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "last_kernel+0x0");
        assert_int_equal(fmt(s, 0xffffffffc0001010, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "vc_probe+0x10/0x40 [virtio_console]");
        ksyms_free(s);
}

static void test_ksyms_resolve_equal_addresses_ordering(void **state)
{
        struct ksyms *s = parse_ok(sample);
        char buf[128];

        (void)state;
        /* _text and startup_64: the first in the text, as the kernel's
         * lookup takes it. */
        assert_int_equal(fmt(s, 0xffffffff81000001, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "_text+0x1/0x100");
        /* some_data (D), alias_b, alias_a (T): the text's order again, not
         * the type or the name. */
        assert_int_equal(fmt(s, 0xffffffff81000181, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "some_data+0x1/0x80");
        ksyms_free(s);
        /* A module's init function and its init_module alias (every module
         * has one): the real name, which the module lists first. */
        s = parse_ok("ffffffff81000000 T _text\n"
                     "ffffffffc02ef000 t virtio_dev_probe\t[virtio]\n"
                     "ffffffffc02ef470 t virtio_init\t[virtio]\n"
                     "ffffffffc02ef470 t init_module\t[virtio]\n"
                     "ffffffffc02ef490 t virtio_exit\t[virtio]\n"
                     "ffffffffc02ef490 t cleanup_module\t[virtio]\n"
                     "ffffffffc02ef4b0 d virtio_bus\t[virtio]\n");
        assert_int_equal(fmt(s, 0xffffffffc02ef470, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "virtio_init+0x0/0x20 [virtio]");
        assert_int_equal(fmt(s, 0xffffffffc02ef4a2, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "virtio_exit+0x12/0x20 [virtio]");
        ksyms_free(s);
}

static void test_ksyms_format_hit_forms(void **state)
{
        struct ksyms_hit h = {.name = "f", .offset = 0, .size = 0x22c, .size_known = true};
        char buf[64], small[6];

        (void)state;
        assert_int_equal(ksyms_format_hit(&h, buf, sizeof(buf)), 11);
        assert_string_equal(buf, "f+0x0/0x22c");
        h.module = "m";
        ksyms_format_hit(&h, buf, sizeof(buf));
        assert_string_equal(buf, "f+0x0/0x22c [m]");
        h.size_known = false;
        h.module = NULL;
        h.offset = 0xabc;
        ksyms_format_hit(&h, buf, sizeof(buf));
        assert_string_equal(buf, "f+0xabc");
        /* snprintf's count, the text cut. */
        assert_int_equal(ksyms_format_hit(&h, small, sizeof(small)), 7);
        assert_string_equal(small, "f+0xa");
}

static void test_ksyms_parse_addr_forms(void **state)
{
        uint64_t a;

        (void)state;
        assert_int_equal(ksyms_parse_addr("0xffffffff81000000", &a), 0);
        assert_true(a == 0xffffffff81000000ull);
        assert_int_equal(ksyms_parse_addr("FFFFFFFF81000010", &a), 0);
        assert_true(a == 0xffffffff81000010ull);
        assert_int_equal(ksyms_parse_addr("0X10", &a), 0);
        assert_true(a == 0x10);
        assert_int_equal(ksyms_parse_addr("", &a), -EINVAL);
        assert_int_equal(ksyms_parse_addr("0x", &a), -EINVAL);
        assert_int_equal(ksyms_parse_addr("1ffffffff81000000", &a), -EINVAL);
        assert_int_equal(ksyms_parse_addr("0x00000000000000001", &a), -EINVAL);
        assert_int_equal(ksyms_parse_addr("ffffffff8100000g", &a), -EINVAL);
        assert_int_equal(ksyms_parse_addr(" 10", &a), -EINVAL);
        assert_int_equal(ksyms_parse_addr("-1", &a), -EINVAL);
}

/* ---- ELF symbols (a kimage made by hand, and the test binary) ---- */

static void test_ksyms_from_kimage_sizes_and_order(void **state)
{
        struct kimage_symbol syms[] = {
            {"obj", 0x1000, 0x10, KIMAGE_SYM_OBJECT, true},
            {"func", 0x1000, 0x20, KIMAGE_SYM_FUNC, false},
            {"label", 0x1040, 0, KIMAGE_SYM_FUNC, true},
            {"tail", 0x1100, 0, KIMAGE_SYM_FUNC, true},
        };
        struct kimage k = {.symbols = syms, .nsymbols = 4, .has_symtab = true};
        struct ksyms *s = NULL;
        struct ksyms_hit h;
        char buf[64];

        (void)state;
        assert_int_equal(ksyms_from_kimage(&k, &s, why, sizeof(why)), 0);
        assert_string_equal(ksyms_source(s), "elf");
        assert_int_equal(ksyms_count(s), 4);
        /* A function before an object, even a local before a global. */
        assert_int_equal(fmt(s, 0x1003, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "func+0x3/0x20");
        assert_int_equal(ksyms_resolve(s, 0x1003, &h), 0);
        assert_int_equal(h.type, 't');
        /* Past func's st_size, before the next symbol: no hit. */
        assert_int_equal(ksyms_resolve(s, 0x1020, &h), -ENOENT);
        assert_string_equal(h.name, "func");
        /* Size 0: up to the next symbol; the last one: unknown. */
        assert_int_equal(fmt(s, 0x10ff, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "label+0xbf/0xc0");
        assert_int_equal(ksyms_resolve(s, 0x1105, &h), -ENOENT);
        assert_string_equal(h.name, "tail");
        assert_false(h.size_known);
        ksyms_free(s);

        k.nsymbols = 0;
        assert_int_equal(ksyms_from_kimage(&k, &s, why, sizeof(why)), -ENOENT);
        assert_null(s);
        assert_string_equal(why, "no symbol table");
}

/* What the symbol table of the test binary itself says of name:
 * st_value and st_size, read with gelf here (independently of kimage). */
static int own_symbol(const char *name, uint64_t *value, uint64_t *size, bool *pie)
{
        int fd = open("/proc/self/exe", O_RDONLY), ret = -ENOENT;
        Elf_Scn *scn = NULL;
        GElf_Ehdr eh;
        Elf *e;

        if (fd < 0)
                return -errno;
        elf_version(EV_CURRENT);
        e = elf_begin(fd, ELF_C_READ, NULL);
        if (e && gelf_getehdr(e, &eh))
                *pie = eh.e_type == ET_DYN;
        while (e && (scn = elf_nextscn(e, scn))) {
                GElf_Shdr sh;
                Elf_Data *d;

                if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
                        continue;
                d = elf_getdata(scn, NULL);
                for (size_t i = 0; d && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
                        GElf_Sym sym;
                        const char *n;

                        if (!gelf_getsym(d, (int)i, &sym))
                                continue;
                        n = elf_strptr(e, sh.sh_link, sym.st_name);
                        if (n && strcmp(n, name) == 0 && GELF_ST_TYPE(sym.st_info) == STT_FUNC) {
                                *value = sym.st_value;
                                *size = sym.st_size;
                                ret = 0;
                        }
                }
        }
        if (e)
                elf_end(e);
        close(fd);
        return ret;
}

__attribute__((noinline)) int ksyms_test_target(int x);
__attribute__((noinline)) int ksyms_test_target(int x)
{
        return x * 3 + 1;
}

static void test_ksyms_load_own_binary_resolves_a_function(void **state)
{
        uint64_t value = 0, size = 0, addr;
        struct ksyms *s = NULL;
        char buf[128], want[128];
        bool pie = false;
        Dl_info dl;
        int ret;

        (void)state;
        assert_int_equal(own_symbol("ksyms_test_target", &value, &size, &pie), 0);
        assert_true(size > 3);
        assert_true(dladdr((void *)ksyms_test_target, &dl) != 0);
        addr = (uint64_t)(uintptr_t)ksyms_test_target;
        if (pie)
                addr -= (uint64_t)(uintptr_t)dl.dli_fbase;
        assert_true(addr == value);
        ret = ksyms_load("/proc/self/exe", &s, why, sizeof(why));
        if (ret)
                fprintf(stderr, "ksyms_load: %s\n", why);
        assert_int_equal(ret, 0);
        assert_string_equal(ksyms_source(s), "elf");
        assert_true(ksyms_count(s) > 100);
        assert_int_equal(fmt(s, value + 3, buf, sizeof(buf)), 0);
        snprintf(want, sizeof(want), "ksyms_test_target+0x3/0x%" PRIx64, size);
        assert_string_equal(buf, want);
        ksyms_free(s);
        assert_int_equal(ksyms_test_target(1), 4);
}

/* The kernel-like ELFs tests/CMakeLists.txt links (tests/data/kelf/):
 * symbols of known sizes, with and without a PVH note, 64- and 32-bit
 * (the NetBSD stand-in); the stripped one is refused with its reason. */
static void test_ksyms_load_kernel_like_elves(void **state)
{
        static const struct {
                const char *file, *sym;
                uint64_t off, size;
                const char *want;
        } cases[] = {
            {KELF_DIR "/pvh.elf", "do_one_initcall", 0x1b, 0x1c, "do_one_initcall+0x1b/0x1c"},
            {KELF_DIR "/nopvh.elf", "start_kernel", 0x10, 0x64, "start_kernel+0x10/0x64"},
            {KELF_DIR "/netbsd.elf", "main", 0x1f, 0x20, "main+0x1f/0x20"},
        };
        char buf[128];
        struct ksyms *s = NULL;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct kimage *k = NULL;
                uint64_t at = 0;

                assert_int_equal(kimage_load(cases[i].file, &k, why, sizeof(why)), 0);
                for (size_t j = 0; j < k->nsymbols; j++)
                        if (strcmp(k->symbols[j].name, cases[i].sym) == 0)
                                at = k->symbols[j].addr;
                kimage_free(k);
                assert_true(at != 0);
                assert_int_equal(ksyms_load(cases[i].file, &s, why, sizeof(why)), 0);
                assert_string_equal(ksyms_source(s), "elf");
                assert_int_equal(fmt(s, at + cases[i].off, buf, sizeof(buf)), 0);
                assert_string_equal(buf, cases[i].want);
                /* one past its end: not in it (in the next symbol, or none) */
                {
                        struct ksyms_hit h;

                        if (ksyms_resolve(s, at + cases[i].size, &h) == 0)
                                assert_string_not_equal(h.name, cases[i].sym);
                }
                ksyms_free(s);
        }
        assert_int_equal(ksyms_load(KELF_DIR "/stripped.elf", &s, why, sizeof(why)), -ENOENT);
        assert_null(s);
        assert_non_null(strstr(why, "no symbol table"));
}

static void test_ksyms_load_names_the_file(void **state)
{
        char path[] = "/tmp/test_ksyms.XXXXXX";
        struct ksyms *s = NULL;
        int fd = mkstemp(path);

        (void)state;
        assert_true(fd >= 0);
        assert_int_equal(util_write_full(fd, "ffffffff81000000 T a\nbad\n", 25), 0);
        close(fd);
        assert_int_equal(ksyms_load(path, &s, why, sizeof(why)), -EBADMSG);
        assert_non_null(strstr(why, path));
        assert_non_null(strstr(why, ":2: "));
        unlink(path);
        assert_int_equal(ksyms_load("/nonexistent/k", &s, why, sizeof(why)), -ENOENT);
        assert_non_null(strstr(why, "/nonexistent/k"));
}

/* ---- a real kallsyms (tests/data/kallsyms/PROVENANCE.md) ---- */

static char *read_xz(const char *name, size_t *len)
{
        char *raw = NULL;
        void *out = NULL;
        size_t rlen;

        assert_int_equal(util_read_file(name, &raw, &rlen), 0);
        assert_int_equal(
            vmlinux_decompress(VMLINUX_COMP_XZ, raw, rlen, &out, len, why, sizeof(why)), 0);
        free(raw);
        return out;
}

struct name_addr {
        const char *name;
        uint64_t addr;
};

static int name_cmp(const void *a, const void *b)
{
        return strcmp(((const struct name_addr *)a)->name, ((const struct name_addr *)b)->name);
}

/* Every kernel (not module) symbol of text by name, read with sscanf (a
 * second reading, independent of ksyms.c); names point into text. */
static struct name_addr *index_names(char *text, size_t *n)
{
        struct name_addr *v = NULL;
        size_t cap = 0;
        char *save = NULL;

        *n = 0;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *sp1 = strchr(l, ' '), *sp2;

                if (!sp1 || strchr(l, '\t'))
                        continue;
                sp2 = strchr(sp1 + 1, ' ');
                if (!sp2)
                        continue;
                if (*n == cap) {
                        cap = cap ? 2 * cap : 4096;
                        v = realloc(v, cap * sizeof(*v));
                        assert_non_null(v);
                }
                v[*n].name = sp2 + 1;
                v[*n].addr = strtoull(l, NULL, 16);
                (*n)++;
        }
        qsort(v, *n, sizeof(*v), name_cmp);
        return v;
}

static void test_ksyms_real_kallsyms_matches_the_kernels_initcalls(void **state)
{
        size_t klen, dlen, nnames, calls = 0, agree = 0, modules = 0, alias = 0, dup = 0;
        char *ktext = read_xz(DATA "6.1.0-57-cloud-amd64.kallsyms.xz", &klen);
        char *dmesg = read_xz(DATA "6.1.0-57-cloud-amd64.dmesg.xz", &dlen);
        char *kcopy = malloc(klen + 1), *save = NULL;
        struct ksyms *s = NULL;
        struct name_addr *names;

        (void)state;
        assert_non_null(kcopy);
        memcpy(kcopy, ktext, klen);
        kcopy[klen] = '\0';
        assert_int_equal(ksyms_parse_kallsyms(ktext, klen, "real", &s, why, sizeof(why)), 0);
        /* 87799 lines, 359 of them absolute (per-CPU offsets): left out. */
        assert_true(ksyms_count(s) == 87799 - 359);
        names = index_names(kcopy, &nnames);
        for (char *l = strtok_r(dmesg, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *c = strstr(l, "] calling  "), name[128], want[192], got[192];
                unsigned long long off, size;
                struct name_addr key = {name, 0}, *hit, *first;
                char mod[64];

                if (!c)
                        continue;
                calls++;
                mod[0] = '\0';
                if (sscanf(c, "] calling  %127[^+]+0x%llx/0x%llx [%63[^]]]", name, &off, &size,
                           mod) < 3) {
                        fail_msg("cannot read '%s'", l);
                }
                assert_true(off == 0);
                hit = bsearch(&key, names, nnames, sizeof(*names), name_cmp);
                if (!hit) {
                        /* A module's init function: freed, and dropped from
                         * kallsyms, once the module's init returned. */
                        assert_true(mod[0] != '\0');
                        modules++;
                        continue;
                }
                snprintf(want, sizeof(want), "%s+0x1/0x%llx", name, size);
                first = hit;
                while (first > names && strcmp(first[-1].name, name) == 0)
                        first--;
                if (first + 1 < names + nnames && strcmp(first[1].name, name) == 0) {
                        /* A static name twice in the kernel (two files'
                         * init functions): one of them is the initcall. */
                        bool one = false;

                        for (hit = first; hit < names + nnames && !strcmp(hit->name, name); hit++) {
                                fmt(s, hit->addr + 1, got, sizeof(got));
                                one |= strcmp(got, want) == 0;
                        }
                        fprintf(stderr, "ambiguous: %s: %s\n", want, one ? "one agrees" : "none");
                        assert_true(one);
                        dup++;
                        continue;
                }
                assert_int_equal(fmt(s, hit->addr + 1, got, sizeof(got)), 0);
                if (strcmp(got, want) == 0) {
                        agree++;
                } else {
                        /* Another name at the same address (ksyms.h's order
                         * chose it): the size must still agree. */
                        char *slash = strrchr(got, '/');

                        fprintf(stderr, "alias: the kernel printed %s, ksyms says %s\n", want, got);
                        assert_non_null(slash);
                        assert_true(strtoull(slash + 1, NULL, 16) == size);
                        alias++;
                }
        }
        fprintf(stderr,
                "initcalls: %zu; agree %zu; module init freed %zu; alias %zu; ambiguous name "
                "%zu\n",
                calls, agree, modules, alias, dup);
        assert_true(calls > 500);
        assert_true(agree + modules + alias + dup == calls);
        assert_true(agree >= calls * 9 / 10);
        free(names);
        free(kcopy);
        free(ktext);
        free(dmesg);
        ksyms_free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_ksyms_parse_good_and_module_lines),
            cmocka_unit_test(test_ksyms_parse_32bit_addresses),
            cmocka_unit_test(test_ksyms_parse_rejects_malformed_lines_naming_path_line),
            cmocka_unit_test(test_ksyms_parse_nul_byte_is_malformed),
            cmocka_unit_test(test_ksyms_parse_all_zero_is_eperm_with_hint),
            cmocka_unit_test(test_ksyms_parse_without_final_newline),
            cmocka_unit_test(test_ksyms_parse_crlf_and_empty_lines),
            cmocka_unit_test(test_ksyms_parse_empty_and_absolute_only),
            cmocka_unit_test(test_ksyms_range),
            cmocka_unit_test(test_ksyms_resolve_start_inside_last_byte),
            cmocka_unit_test(test_ksyms_resolve_past_last_and_below_first),
            cmocka_unit_test(test_ksyms_kernel_end_and_absolute_symbols),
            cmocka_unit_test(test_ksyms_resolve_equal_addresses_ordering),
            cmocka_unit_test(test_ksyms_format_hit_forms),
            cmocka_unit_test(test_ksyms_parse_addr_forms),
            cmocka_unit_test(test_ksyms_from_kimage_sizes_and_order),
            cmocka_unit_test(test_ksyms_load_own_binary_resolves_a_function),
            cmocka_unit_test(test_ksyms_load_kernel_like_elves),
            cmocka_unit_test(test_ksyms_load_names_the_file),
            cmocka_unit_test(test_ksyms_real_kallsyms_matches_the_kernels_initcalls),
        };

        return test_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
