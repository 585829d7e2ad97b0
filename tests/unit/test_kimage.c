/*
 * Unit tests of the kernel-image model (guest/kimage.c) on kernel-like
 * ELFs linked at build time from tests/data/kelf/ (KELF_DIR: an x86-64
 * "kernel" with the PVH note and a known build id, the same with a Linux
 * note and no PVH note, a stripped copy, an i386 kernel with a NetBSD
 * note), this test's own unstripped executable, a hand-made big-endian
 * ELF32, and synthetic bzImages around the fixture. Bad input: the
 * fixture cut every 64 bytes and inside its section header table,
 * sections and tables past the end, broken symbol tables, garbage, empty
 * input, cut and corrupt bzImage payloads: each a negative errno with a
 * reason, never a crash (run under ASan too). Debian's real kernels are
 * in test_kimage_vm.c (label vm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "guest/kimage.h"

#include "bzimage_fixture.h"

struct file {
        char *buf;
        size_t len;
};

static struct file fixture(const char *name)
{
        char path[512];
        struct file f;

        snprintf(path, sizeof(path), "%s/%s", KELF_DIR, name);
        assert_int_equal(util_read_file(path, &f.buf, &f.len), 0);
        return f;
}

static struct kimage *parse_ok(const void *buf, size_t len)
{
        struct kimage *k = NULL;
        char why[256] = "";
        int ret = kimage_parse(buf, len, &k, why, sizeof(why));

        if (ret < 0)
                fail_msg("kimage_parse: %s (%s)", strerror(-ret), why);
        assert_non_null(k);
        return k;
}

/* Parse bad input: the errno wanted, a reason, nothing returned. */
static void parse_fails(const void *buf, size_t len, int want, const char *in_why)
{
        struct kimage *k = (struct kimage *)1;
        char why[256] = "";
        int ret = kimage_parse(buf, len, &k, why, sizeof(why));

        if (ret != want)
                fail_msg("kimage_parse of %zu bytes: %d (%s), %d wanted", len, ret, why, want);
        assert_null(k);
        assert_true(why[0] != '\0');
        assert_null(strchr(why, '\n'));
        if (in_why && !strstr(why, in_why))
                fail_msg("'%s' is not in the reason '%s'", in_why, why);
}

/* The model's invariant: the classes partition loaded_size. */
static void assert_classes_add_up(const struct kimage *k)
{
        uint64_t sum = 0, alloc = 0;

        for (int c = 0; c < KIMAGE_NCLASSES; c++)
                sum += k->class_size[c];
        for (size_t i = 0; i < k->nsections; i++)
                if (k->sections[i].alloc)
                        alloc += k->sections[i].size;
        assert_int_equal(sum, k->loaded_size);
        assert_int_equal(alloc, k->loaded_size);
}

static const struct kimage_section *section(const struct kimage *k, const char *name)
{
        for (size_t i = 0; i < k->nsections; i++)
                if (strcmp(k->sections[i].name, name) == 0)
                        return &k->sections[i];
        fail_msg("no section %s", name);
        return NULL;
}

static void assert_symbol(const struct kimage_symbol *s, const char *name, uint64_t addr,
                          uint64_t size, enum kimage_sym_kind kind, bool global)
{
        assert_string_equal(s->name, name);
        assert_int_equal(s->addr, addr);
        assert_int_equal(s->size, size);
        assert_int_equal(s->kind, kind);
        assert_int_equal(s->global, global);
}

/* The x86-64 fixture's loaded sections (kernel64.s, kernel64.ld). */
static void assert_kernel64_sizes(const struct kimage *k)
{
        assert_int_equal(k->class_size[KIMAGE_TEXT], 128);  /* .text */
        assert_int_equal(k->class_size[KIMAGE_INIT], 48);   /* .init.text */
        assert_int_equal(k->class_size[KIMAGE_RODATA], 64); /* .rodata */
        assert_int_equal(k->class_size[KIMAGE_DATA], 32);   /* .data */
        assert_int_equal(k->class_size[KIMAGE_BSS], 4096);  /* .bss */
        assert_int_equal(k->class_size[KIMAGE_OTHER], 56);  /* .notes: build id + PVH */
        assert_int_equal(k->loaded_size, 4424);
        assert_classes_add_up(k);
        assert_int_equal(section(k, ".init.text")->cls, KIMAGE_INIT);
        assert_int_equal(section(k, ".bss")->cls, KIMAGE_BSS);
        assert_int_equal(section(k, ".bss")->type, SHT_NOBITS);
        assert_int_equal(section(k, ".text")->addr, 0x1000000);
        assert_false(section(k, ".shstrtab")->alloc);
}

static void test_kimage_reads_the_pvh_fixture(void **state)
{
        struct file f = fixture("pvh.elf");
        struct kimage *k = parse_ok(f.buf, f.len);

        assert_int_equal(k->format, KIMAGE_ELF);
        assert_int_equal(k->file_size, f.len);
        assert_int_equal(k->elf_size, f.len); /* the section headers come last */
        assert_int_equal(k->elf_class, 64);
        assert_int_equal(k->machine, 62);
        assert_false(k->big_endian);
        assert_int_equal(k->os, KIMAGE_OS_LINUX); /* its linux_banner symbol */
        assert_int_equal(k->e_entry, 0x1000000);
        assert_true(k->pvh);
        assert_int_equal(k->pvh_entry, 0x1000040);
        assert_int_equal(k->entry, KIMAGE_ENTRY_PVH);
        assert_string_equal(k->build_id, KELF_BUILD_ID);
        assert_null(k->kernel_version);
        assert_int_equal(k->comp, VMLINUX_COMP_UNKNOWN);
        assert_int_equal(k->nsections, 9);
        assert_string_equal(k->sections[0].name, ".text");
        assert_string_equal(k->sections[8].name, ".shstrtab");
        assert_kernel64_sizes(k);
        /* .strtab holds the object files' names: its size depends on the build. */
        assert_int_equal(section(k, ".symtab")->size, 8 * 24);
        assert_int_equal(section(k, ".shstrtab")->size, 0x40);
        assert_int_equal(k->unloaded_size, 8 * 24 + section(k, ".strtab")->size + 0x40);
        assert_true(k->has_symtab);
        assert_string_equal(k->symtab, ".symtab");
        assert_int_equal(k->nsymbols, 6);
        assert_symbol(&k->symbols[0], "start_kernel", 0x1000000, 100, KIMAGE_SYM_FUNC, true);
        assert_symbol(&k->symbols[1], "do_one_initcall", 0x1000064, 28, KIMAGE_SYM_FUNC, false);
        assert_symbol(&k->symbols[2], "kernel_init", 0x1000080, 48, KIMAGE_SYM_FUNC, true);
        assert_symbol(&k->symbols[3], "linux_banner", 0x10000b0, 64, KIMAGE_SYM_OBJECT, true);
        assert_symbol(&k->symbols[4], "jiffies", section(k, ".data")->addr, 8, KIMAGE_SYM_OBJECT,
                      true);
        assert_symbol(&k->symbols[5], "init_stack", section(k, ".bss")->addr, 4096,
                      KIMAGE_SYM_OBJECT, false);
        kimage_free(k);
        free(f.buf);
}

static void test_kimage_without_the_pvh_note_has_no_entry(void **state)
{
        struct file f = fixture("nopvh.elf");
        struct kimage *k = parse_ok(f.buf, f.len);

        assert_false(k->pvh);
        assert_int_equal(k->pvh_entry, 0);
        assert_int_equal(k->entry, KIMAGE_ENTRY_NONE);
        assert_string_equal(k->build_id, ""); /* --build-id=none */
        assert_int_equal(k->os, KIMAGE_OS_LINUX);
        /* The Linux note (24 bytes) instead of build id + PVH (56). */
        assert_int_equal(k->class_size[KIMAGE_OTHER], 24);
        assert_int_equal(k->loaded_size, 4424 - 56 + 24);
        assert_classes_add_up(k);
        assert_int_equal(k->nsymbols, 6);
        kimage_free(k);
        free(f.buf);
}

static void test_kimage_stripped_has_no_symbol_table(void **state)
{
        struct file f = fixture("stripped.elf");
        struct kimage *k = parse_ok(f.buf, f.len);

        assert_false(k->has_symtab);
        assert_null(k->symtab);
        assert_int_equal(k->nsymbols, 0);
        assert_null(k->symbols);
        assert_int_equal(k->os, KIMAGE_OS_UNKNOWN); /* no banner symbol, no Linux note */
        assert_true(k->pvh);
        assert_int_equal(k->pvh_entry, 0x1000040);
        assert_string_equal(k->build_id, KELF_BUILD_ID);
        assert_kernel64_sizes(k);
        assert_int_equal(k->unloaded_size, section(k, ".shstrtab")->size);
        assert_int_equal(k->nsections, 7);
        kimage_free(k);
        free(f.buf);
}

static void test_kimage_reads_a_32_bit_netbsd_kernel(void **state)
{
        struct file f = fixture("netbsd.elf");
        struct kimage *k = parse_ok(f.buf, f.len);

        assert_int_equal(k->elf_class, 32);
        assert_int_equal(k->machine, 3);
        assert_false(k->big_endian);
        assert_int_equal(k->os, KIMAGE_OS_NETBSD);
        assert_false(k->pvh);
        assert_int_equal(k->entry, KIMAGE_ENTRY_NONE);
        assert_int_equal(k->e_entry, 0x200000);
        assert_int_equal(k->class_size[KIMAGE_TEXT], 96);
        assert_int_equal(k->class_size[KIMAGE_RODATA], 16);
        assert_int_equal(k->class_size[KIMAGE_OTHER], 24); /* the NetBSD note */
        assert_int_equal(k->class_size[KIMAGE_DATA], 4);
        assert_int_equal(k->class_size[KIMAGE_BSS], 1024);
        assert_int_equal(k->class_size[KIMAGE_INIT], 0);
        assert_int_equal(k->loaded_size, 1164);
        assert_classes_add_up(k);
        assert_int_equal(k->nsymbols, 4);
        assert_symbol(&k->symbols[0], "start", 0x200000, 64, KIMAGE_SYM_FUNC, true);
        assert_symbol(&k->symbols[1], "main", 0x200040, 32, KIMAGE_SYM_FUNC, true);
        assert_symbol(&k->symbols[2], "ostype", 0x200060, 16, KIMAGE_SYM_OBJECT, true);
        assert_symbol(&k->symbols[3], "hz", 0x2000c0, 4, KIMAGE_SYM_OBJECT, true);
        kimage_free(k);
        free(f.buf);
}

static void test_kimage_loads_its_own_unstripped_binary(void **state)
{
        struct kimage *k = NULL;
        char why[256] = "";
        bool found = false;

        assert_int_equal(kimage_load("/proc/self/exe", &k, why, sizeof(why)), 0);
        assert_int_equal(k->format, KIMAGE_ELF);
        assert_true(k->has_symtab);
        assert_string_equal(k->symtab, ".symtab");
        assert_true(k->nsymbols > 100);
        assert_int_equal(k->entry, KIMAGE_ENTRY_NONE);
        assert_classes_add_up(k);
        assert_true(k->class_size[KIMAGE_TEXT] > 0);
        for (size_t i = 0; i < k->nsymbols; i++) {
                if (i)
                        assert_true(k->symbols[i - 1].addr <= k->symbols[i].addr);
                if (strcmp(k->symbols[i].name, "kimage_parse") == 0) {
                        assert_int_equal(k->symbols[i].kind, KIMAGE_SYM_FUNC);
                        assert_true(k->symbols[i].size > 0);
                        assert_true(k->symbols[i].global);
                        found = true;
                }
        }
        assert_true(found);
        assert_true(k->build_id[0] == '\0' || strlen(k->build_id) == 40);
        kimage_free(k);
}

static void put_be(unsigned char *p, uint64_t v, int n)
{
        for (int i = 0; i < n; i++)
                p[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

/*
 * A big-endian ELF32 (EM_PPC) by hand: the header, a PT_NOTE program
 * header over a PVH note, and the sections .text (16 bytes), .note and
 * .shstrtab; the section headers at 0x100.
 */
static unsigned char *make_be_elf(size_t *len)
{
        static const char strtab[] = "\0.text\0.note\0.shstrtab";
        unsigned char *p = calloc(1, 0x100 + 4 * 40);
        unsigned char *sh;

        assert_non_null(p);
        memcpy(p, "\177ELF", 4);
        p[4] = 1; /* ELFCLASS32 */
        p[5] = 2; /* ELFDATA2MSB */
        p[6] = 1;
        put_be(p + 16, 2, 2);          /* ET_EXEC */
        put_be(p + 18, 20, 2);         /* EM_PPC */
        put_be(p + 20, 1, 4);          /* e_version */
        put_be(p + 24, 0x100000, 4);   /* e_entry */
        put_be(p + 28, 52, 4);         /* e_phoff */
        put_be(p + 32, 0x100, 4);      /* e_shoff */
        put_be(p + 40, 52, 2);         /* e_ehsize */
        put_be(p + 42, 32, 2);         /* e_phentsize */
        put_be(p + 44, 1, 2);          /* e_phnum */
        put_be(p + 46, 40, 2);         /* e_shentsize */
        put_be(p + 48, 4, 2);          /* e_shnum */
        put_be(p + 50, 3, 2);          /* e_shstrndx */
        put_be(p + 52, PT_NOTE, 4);    /* the program header */
        put_be(p + 52 + 4, 0x60, 4);   /* p_offset */
        put_be(p + 52 + 16, 20, 4);    /* p_filesz */
        put_be(p + 52 + 20, 20, 4);    /* p_memsz */
        put_be(p + 52 + 28, 4, 4);     /* p_align */
        put_be(p + 0x60, 4, 4);        /* the note: namesz */
        put_be(p + 0x64, 4, 4);        /* descsz */
        put_be(p + 0x68, 18, 4);       /* XEN_ELFNOTE_PHYS32_ENTRY */
        memcpy(p + 0x6c, "Xen", 4);    /* owner */
        put_be(p + 0x70, 0x100200, 4); /* the entry, big-endian */
        memset(p + 0x80, 0x60, 16);    /* .text */
        memcpy(p + 0xa0, strtab, sizeof(strtab));
        sh = p + 0x100 + 40; /* [1] .text */
        put_be(sh, 1, 4);
        put_be(sh + 4, SHT_PROGBITS, 4);
        put_be(sh + 8, SHF_ALLOC | SHF_EXECINSTR, 4);
        put_be(sh + 12, 0x100000, 4);
        put_be(sh + 16, 0x80, 4);
        put_be(sh + 20, 16, 4);
        sh += 40; /* [2] .note */
        put_be(sh, 7, 4);
        put_be(sh + 4, SHT_NOTE, 4);
        put_be(sh + 16, 0x60, 4);
        put_be(sh + 20, 20, 4);
        put_be(sh + 32, 4, 4);
        sh += 40; /* [3] .shstrtab */
        put_be(sh, 13, 4);
        put_be(sh + 4, SHT_STRTAB, 4);
        put_be(sh + 16, 0xa0, 4);
        put_be(sh + 20, sizeof(strtab), 4);
        *len = 0x100 + 4 * 40;
        return p;
}

static void test_kimage_reads_a_big_endian_elf(void **state)
{
        size_t len;
        unsigned char *p = make_be_elf(&len);
        struct kimage *k = parse_ok(p, len);

        assert_true(k->big_endian);
        assert_int_equal(k->elf_class, 32);
        assert_int_equal(k->machine, 20);
        assert_int_equal(k->e_entry, 0x100000);
        assert_true(k->pvh);
        assert_int_equal(k->pvh_entry, 0x100200);
        assert_int_equal(k->nsections, 3);
        assert_string_equal(k->sections[0].name, ".text");
        assert_string_equal(k->sections[1].name, ".note");
        assert_int_equal(k->loaded_size, 16);
        assert_int_equal(k->class_size[KIMAGE_TEXT], 16);
        assert_classes_add_up(k);
        assert_int_equal(k->unloaded_size, 20 + 23);
        assert_false(k->has_symtab);
        assert_int_equal(k->elf_size, len);
        kimage_free(k);
        free(p);
}

/* The first n bytes of f, copied to a buffer of n bytes, fail with
 * -EBADMSG and in_why. */
static void parse_cut_fails(const struct file *f, size_t n, const char *in_why)
{
        char *cut = malloc(n);

        assert_non_null(cut);
        memcpy(cut, f->buf, n);
        parse_fails(cut, n, -EBADMSG, in_why);
        free(cut);
}

static void test_kimage_truncated_elf_fails_at_every_cut(void **state)
{
        struct file f = fixture("pvh.elf");
        size_t cuts = 0;

        parse_fails(f.buf, 0, -ENOEXEC, "empty");
        parse_fails(f.buf, 3, -ENOEXEC, "not a kernel image");
        /* The magic alone, in a buffer of its own size (fuzz_kimage: the
         * class byte was read past it). */
        for (size_t n = 4; n < 16; n++)
                parse_cut_fails(&f, n, "the identification ends at 0x10");
        /* Each cut in a buffer of its exact size, so that ASan sees a read
         * past it (a prefix of the whole buffer would hide one). */
        for (size_t n = 4; n < f.len; n += 64, cuts++)
                parse_cut_fails(&f, n, "truncated ELF");
        assert_true(cuts >= 20);
        /* Inside the ELF header, inside the section header table. */
        parse_cut_fails(&f, 40, "the ELF header ends at 0x40");
        parse_cut_fails(&f, f.len - 10, "section header table ends at");
        free(f.buf);
}

static void set_le(unsigned char *p, uint64_t v, int n)
{
        for (int i = 0; i < n; i++)
                p[i] = (unsigned char)(v >> (8 * i));
}

/* The offset of section header i of the little-endian ELF64 fixture. */
static unsigned char *shdr(struct file *f, size_t i)
{
        uint64_t shoff = 0;

        for (int b = 0; b < 8; b++)
                shoff |= (uint64_t)(unsigned char)f->buf[0x28 + b] << (8 * b);
        assert_true(shoff + (i + 1) * 64 <= f->len);
        return (unsigned char *)f->buf + shoff + i * 64;
}

static void test_kimage_section_past_the_end_is_named(void **state)
{
        struct file f = fixture("pvh.elf");

        set_le(shdr(&f, 1) + 32, 0x100000, 8); /* .text's sh_size */
        parse_fails(f.buf, f.len, -EBADMSG, "truncated ELF: section .text ends at 0x1000e8");
        free(f.buf);

        /* .bss is NOBITS: its size is memory, not file bytes. */
        f = fixture("pvh.elf");
        set_le(shdr(&f, 6) + 32, 0x100000, 8);
        struct kimage *k = parse_ok(f.buf, f.len);
        assert_int_equal(k->class_size[KIMAGE_BSS], 0x100000);
        assert_classes_add_up(k);
        kimage_free(k);
        free(f.buf);

        /* NOBITS sizes that would wrap the loaded size around, or pass
         * 2^40 alone or with the rest (the loaded size wrapped and the
         * reports printed negative sizes). */
        f = fixture("pvh.elf");
        set_le(shdr(&f, 6) + 32, UINT64_MAX - 100, 8);
        parse_fails(f.buf, f.len, -EBADMSG,
                    "malformed ELF: section .bss has 0xffffffffffffff9b bytes, more than 2^40");
        set_le(shdr(&f, 6) + 32, KIMAGE_SIZE_MAX + 1, 8);
        parse_fails(f.buf, f.len, -EBADMSG, "section .bss has 0x10000000001 bytes, more than 2^40");
        set_le(shdr(&f, 6) + 32, KIMAGE_SIZE_MAX, 8); /* .bss comes after 328 loaded bytes */
        parse_fails(f.buf, f.len, -EBADMSG, "section .bss makes the loaded size exceed 2^40 bytes");
        set_le(shdr(&f, 6) + 32, KIMAGE_SIZE_MAX - 328, 8);
        k = parse_ok(f.buf, f.len);
        assert_int_equal(k->loaded_size, KIMAGE_SIZE_MAX);
        assert_classes_add_up(k);
        kimage_free(k);
        /* past the 64-bit address space */
        set_le(shdr(&f, 6) + 16, UINT64_MAX - 0xfff, 8);
        set_le(shdr(&f, 6) + 32, 0x1000, 8);
        k = parse_ok(f.buf, f.len); /* ends at 2^64 exactly */
        kimage_free(k);
        set_le(shdr(&f, 6) + 32, 0x1001, 8);
        parse_fails(f.buf, f.len, -EBADMSG,
                    "section .bss at 0xfffffffffffff000 with 0x1001 bytes ends past the 64-bit "
                    "address space");
        free(f.buf);

        /* past ELF32's 2^32: .bss (section 5 of the i386 fixture, headers
         * of 40 bytes at e_shoff, sh_addr at 12, sh_size at 20) */
        f = fixture("netbsd.elf");
        {
                unsigned char *sh32 = (unsigned char *)f.buf + 0x1d0 + 5 * 40;

                assert_int_equal(sh32[4], SHT_NOBITS);
                set_le(sh32 + 12, 0xfffff000, 4);
                set_le(sh32 + 20, 0x1000, 4);
                k = parse_ok(f.buf, f.len);
                kimage_free(k);
                set_le(sh32 + 20, 0x1001, 4);
                parse_fails(f.buf, f.len, -EBADMSG,
                            "section .bss at 0xfffff000 with 0x1001 bytes ends past the 32-bit "
                            "address space");
        }
        free(f.buf);

        /* An offset near 2^64 does not wrap around. */
        f = fixture("pvh.elf");
        set_le(shdr(&f, 3) + 24, UINT64_MAX - 8, 8); /* .rodata's sh_offset */
        parse_fails(f.buf, f.len, -EBADMSG, "section .rodata ends at 0xffffffffffffffff");
        free(f.buf);

        /* The program header table past the end. */
        f = fixture("pvh.elf");
        set_le((unsigned char *)f.buf + 0x20, f.len - 8, 8); /* e_phoff */
        parse_fails(f.buf, f.len, -EBADMSG, "program header table ends at");
        free(f.buf);

        /* A segment past the end. */
        f = fixture("pvh.elf");
        set_le((unsigned char *)f.buf + 64 + 32, 0x10000, 8); /* phdr 0's p_filesz */
        parse_fails(f.buf, f.len, -EBADMSG, "segment 0 (PT_LOAD) ends at");
        free(f.buf);
}

/* The name of section i in the fixture's .shstrtab (e_shstrndx). */
static char *shname_at(struct file *f, size_t i)
{
        unsigned char *str = shdr(f, (unsigned char)f->buf[0x3e] | f->buf[0x3f] << 8);
        uint64_t off = 0;
        uint32_t name = 0;

        for (int b = 0; b < 8; b++)
                off |= (uint64_t)str[24 + b] << (8 * b);
        for (int b = 0; b < 4; b++)
                name |= (uint32_t)shdr(f, i)[b] << (8 * b);
        assert_true(off + name < f->len);
        return f->buf + off + name;
}

/* A section's name is the file's bytes: a reason that names it carries it
 * as printable ASCII (fuzz_kimage's crash-df634b8c: a newline, invalid
 * UTF-8, terminal escapes; collect then failed to write session.json). */
static void test_kimage_reason_escapes_a_hostile_section_name(void **state)
{
        struct file f = fixture("pvh.elf");
        char *name = shname_at(&f, 1), why[256] = "";
        struct kimage *k = NULL;

        assert_string_equal(name, ".text");
        memcpy(name, "\n\x1b[\xff", 4); /* ".text" -> "\n\e[\xff" + "t" */
        set_le(shdr(&f, 1) + 32, 0x100000, 8);
        assert_int_equal(kimage_parse(f.buf, f.len, &k, why, sizeof(why)), -EBADMSG);
        assert_string_equal(why, "truncated ELF: section \\x0a\\x1b[\\xfft ends at 0x1000e8, "
                                 "the file at 0x608");
        free(f.buf);

        /* The fuzzer's input itself: printable ASCII, the name cut. */
        assert_int_equal(util_read_file(BOOTLENS_TEST_DATA
                                        "/../fuzz/corpus/kimage/regress-section-name-not-utf8",
                                        &f.buf, &f.len),
                         0);
        assert_int_equal(kimage_parse(f.buf, f.len, &k, why, sizeof(why)), -EBADMSG);
        for (const char *c = why; *c; c++)
                if (*c < 0x20 || *c > 0x7e)
                        fail_msg("byte 0x%02x in '%s'", (unsigned char)*c, why);
        assert_non_null(strstr(why, "... ends at 0x1600000001000000"));
        free(f.buf);
}

/* e_shstrndx 0: an ELF without section names is legal; its names are ""
 * and a reason names a section by its index (the string table's header
 * was read uninitialized before). */
static void test_kimage_without_section_names(void **state)
{
        struct file f = fixture("pvh.elf");
        struct kimage *k;

        set_le((unsigned char *)f.buf + 0x3e, 0, 2);
        k = parse_ok(f.buf, f.len);
        assert_int_equal(k->nsections, 9);
        for (size_t i = 0; i < k->nsections; i++)
                assert_string_equal(k->sections[i].name, "");
        assert_int_equal(k->loaded_size, 4424);
        assert_int_equal(k->class_size[KIMAGE_BSS], 4096);
        assert_classes_add_up(k);
        assert_true(k->pvh);
        kimage_free(k);

        set_le(shdr(&f, 1) + 32, 0x100000, 8); /* .text's sh_size */
        parse_fails(f.buf, f.len, -EBADMSG, "truncated ELF: section [1] ends at 0x1000e8");
        free(f.buf);
}

/* e_shnum 0: no section headers. The loaded size is the PT_LOAD
 * segments' (it was 0 with exit 0, a silent wrong number): pvh.elf's
 * R E segment (.text .init.text .rodata .notes: 0x128) is text, its RW
 * one 0x20 of data and 0x1000 of bss; the same 4424 bytes as its
 * sections'. */
static void test_kimage_without_section_headers_uses_the_segments(void **state)
{
        struct file f = fixture("pvh.elf");
        struct kimage *k;

        set_le((unsigned char *)f.buf + 0x28, 0, 8); /* e_shoff */
        set_le((unsigned char *)f.buf + 0x3c, 0, 2); /* e_shnum */
        set_le((unsigned char *)f.buf + 0x3e, 0, 2); /* e_shstrndx */
        k = parse_ok(f.buf, f.len);
        assert_true(k->from_segments);
        assert_int_equal(k->nsections, 0);
        assert_int_equal(k->loaded_size, 4424);
        assert_int_equal(k->class_size[KIMAGE_TEXT], 0x128);
        assert_int_equal(k->class_size[KIMAGE_DATA], 0x20);
        assert_int_equal(k->class_size[KIMAGE_BSS], 0x1000);
        assert_int_equal(k->class_size[KIMAGE_RODATA] + k->class_size[KIMAGE_INIT] +
                             k->class_size[KIMAGE_OTHER],
                         0);
        assert_int_equal(k->class_size[KIMAGE_TEXT] + k->class_size[KIMAGE_DATA] +
                             k->class_size[KIMAGE_BSS],
                         k->loaded_size);
        assert_true(k->pvh); /* the PT_NOTE segment */
        assert_string_equal(k->build_id, KELF_BUILD_ID);
        kimage_free(k);

        /* p_filesz above p_memsz; a p_memsz past 2^40 or the address space */
        set_le((unsigned char *)f.buf + 64 + 56 + 40, 0x10, 8); /* phdr 1's p_memsz */
        parse_fails(f.buf, f.len, -EBADMSG,
                    "segment 1 (PT_LOAD) has p_filesz 0x20 above p_memsz 0x10");
        set_le((unsigned char *)f.buf + 64 + 56 + 40, KIMAGE_SIZE_MAX, 8);
        parse_fails(f.buf, f.len, -EBADMSG,
                    "segment 1 (PT_LOAD) makes the loaded size exceed 2^40 bytes");
        set_le((unsigned char *)f.buf + 64 + 56 + 40, 0x1000, 8);
        set_le((unsigned char *)f.buf + 64 + 56 + 16, UINT64_MAX - 0x800, 8); /* its p_vaddr */
        parse_fails(f.buf, f.len, -EBADMSG, "ends past the 64-bit address space");
        free(f.buf);

        /* with sections, the sections' */
        f = fixture("pvh.elf");
        k = parse_ok(f.buf, f.len);
        assert_false(k->from_segments);
        kimage_free(k);
        free(f.buf);
}

static void test_kimage_broken_tables_are_malformed(void **state)
{
        struct file f = fixture("pvh.elf");

        set_le(shdr(&f, 7) + 56, 16, 8); /* .symtab's sh_entsize */
        parse_fails(f.buf, f.len, -EBADMSG, "symbol table .symtab has sh_entsize 16");
        free(f.buf);

        f = fixture("pvh.elf");
        set_le(shdr(&f, 7) + 40, 99, 4); /* .symtab's sh_link */
        parse_fails(f.buf, f.len, -EBADMSG, "links to section 99, not a string table");
        free(f.buf);

        f = fixture("pvh.elf");
        set_le(shdr(&f, 7) + 40, 1, 4); /* to .text */
        parse_fails(f.buf, f.len, -EBADMSG, "not a string table");
        free(f.buf);

        f = fixture("pvh.elf");
        set_le((unsigned char *)f.buf + 0x3e, 1, 2); /* e_shstrndx: .text */
        parse_fails(f.buf, f.len, -EBADMSG, "e_shstrndx 1 is not a string table");
        free(f.buf);

        f = fixture("pvh.elf");
        set_le((unsigned char *)f.buf + 0x3a, 40, 2); /* e_shentsize */
        parse_fails(f.buf, f.len, -EBADMSG, "e_shentsize 40 (64 expected)");
        free(f.buf);

        f = fixture("pvh.elf");
        f.buf[4] = 7; /* EI_CLASS */
        parse_fails(f.buf, f.len, -EBADMSG, "malformed ELF: class 7");
        free(f.buf);
}

static void test_kimage_symbol_table_without_functions_or_objects(void **state)
{
        struct file f = fixture("pvh.elf");
        unsigned char *sh = shdr(&f, 7), *sym;
        uint64_t off = 0, size = 0;
        struct kimage *k;

        for (int b = 0; b < 8; b++) {
                off |= (uint64_t)sh[24 + b] << (8 * b);
                size |= (uint64_t)sh[32 + b] << (8 * b);
        }
        for (sym = (unsigned char *)f.buf + off; sym < (unsigned char *)f.buf + off + size;
             sym += 24)
                sym[4] = (unsigned char)(sym[4] & 0xf0); /* STT_NOTYPE */
        k = parse_ok(f.buf, f.len);
        assert_true(k->has_symtab);
        assert_string_equal(k->symtab, ".symtab");
        assert_int_equal(k->nsymbols, 0);
        assert_null(k->symbols);
        assert_int_equal(k->os, KIMAGE_OS_UNKNOWN); /* linux_banner is no OBJECT now */
        kimage_free(k);
        free(f.buf);
}

static void test_kimage_refuses_what_is_not_a_kernel(void **state)
{
        unsigned char junk[4096];
        struct kimage *k = NULL;
        char why[256] = "";

        for (size_t i = 0; i < sizeof(junk); i++)
                junk[i] = (unsigned char)(i * 2654435761u >> 13);
        parse_fails(junk, sizeof(junk), -ENOEXEC, "not a kernel image");
        parse_fails("hello, world\n", 13, -ENOEXEC, "not a kernel image");
        parse_fails("", 0, -ENOEXEC, "empty");
        memcpy(junk, "\177ELF", 4); /* an ELF magic, then garbage */
        parse_fails(junk, sizeof(junk), -EBADMSG, "malformed ELF");
        assert_int_equal(kimage_load("/nonexistent/kimage", &k, why, sizeof(why)), -ENOENT);
        assert_null(k);
        assert_non_null(strstr(why, "'/nonexistent/kimage'"));
}

static void test_kimage_reads_a_bzimage(void **state)
{
        struct file f = fixture("pvh.elf");
        struct sbuf payload = SBUF_INIT;
        unsigned char *img;
        struct kimage *k;
        size_t img_len;

        compress_as(VMLINUX_COMP_LZ4, (unsigned char *)f.buf, f.len, &payload);
        img = make_bzimage(payload.buf, payload.len, &img_len);
        k = parse_ok(img, img_len);
        assert_int_equal(k->format, KIMAGE_BZIMAGE);
        assert_int_equal(k->file_size, img_len);
        assert_int_equal(k->boot_protocol, 0x020f);
        assert_int_equal(k->comp, VMLINUX_COMP_LZ4);
        assert_int_equal(k->comp_size, payload.len);
        assert_null(k->kernel_version); /* the header's field is 0 */
        assert_int_equal(k->elf_size, f.len);
        assert_int_equal(k->entry, KIMAGE_ENTRY_BZIMAGE);
        assert_true(k->pvh);
        assert_int_equal(k->pvh_entry, 0x1000040);
        assert_string_equal(k->build_id, KELF_BUILD_ID);
        assert_kernel64_sizes(k);
        assert_int_equal(k->nsymbols, 6);
        kimage_free(k);
        free(img);

        /* The payload cut at its middle. */
        img = make_bzimage(payload.buf, payload.len, &img_len);
        parse_fails(img, 1024 + 0x40 + payload.len / 2, -EBADMSG, "truncated");
        free(img);
        free(f.buf);
        sbuf_release(&payload);
}

static void test_kimage_corrupt_bzimage_payloads_fail(void **state)
{
        static const enum vmlinux_comp comps[] = {VMLINUX_COMP_LZ4, VMLINUX_COMP_GZIP};
        struct file f = fixture("pvh.elf");
        struct sbuf payload = SBUF_INIT;
        unsigned char *img;
        size_t img_len;

        for (size_t c = 0; c < UTIL_ARRAY_SIZE(comps); c++) {
                compress_as(comps[c], (unsigned char *)f.buf, f.len, &payload);
                for (size_t at = 8; at + 8 < payload.len; at += 37) {
                        img = make_bzimage(payload.buf, payload.len, &img_len);
                        for (int b = 0; b < 4; b++)
                                img[1024 + 0x40 + at + b] ^= 0xa5;
                        struct kimage *k = NULL;
                        char why[256] = "";
                        int ret = kimage_parse(img, img_len, &k, why, sizeof(why));

                        /* LZ4 has no checksum: a flip may still yield an ELF. */
                        if (ret == 0) {
                                assert_classes_add_up(k);
                                kimage_free(k);
                        } else {
                                assert_int_equal(ret, -EBADMSG);
                                assert_true(why[0] != '\0');
                        }
                        free(img);
                }
                /* The payload declares more than the file holds. */
                img = make_bzimage(payload.buf, payload.len, &img_len);
                parse_fails(img, 1024 + 0x40 + payload.len - 1, -EBADMSG, "payload");
                free(img);
        }
        /* An lzma header that claims a 3.75 GiB dictionary (fuzz_kimage:
         * liblzma allocated it) is refused before any allocation. */
        compress_as(VMLINUX_COMP_LZMA, (unsigned char *)f.buf, f.len, &payload);
        set_le((unsigned char *)payload.buf + 1, 0xf0000000u, 4);
        img = make_bzimage(payload.buf, payload.len, &img_len);
        parse_fails(img, img_len, -EBADMSG, "more than 256 MiB of memory");
        free(img);
        /* A payload that is no ELF. */
        compress_as(VMLINUX_COMP_GZIP, (const unsigned char *)"not an elf at all", 17, &payload);
        img = make_bzimage(payload.buf, payload.len, &img_len);
        parse_fails(img, img_len, -EBADMSG, "no ELF");
        free(img);
        sbuf_release(&payload);
        free(f.buf);
}

static void test_kimage_load_equals_parse(void **state)
{
        struct kimage *k = NULL;
        char path[512], why[256] = "";

        snprintf(path, sizeof(path), "%s/netbsd.elf", KELF_DIR);
        assert_int_equal(kimage_load(path, &k, why, sizeof(why)), 0);
        assert_int_equal(k->os, KIMAGE_OS_NETBSD);
        assert_int_equal(k->loaded_size, 1164);
        kimage_free(k);
        kimage_free(NULL);
}

static void test_kimage_sniff_and_names(void **state)
{
        struct file f = fixture("pvh.elf");
        unsigned char bz[0x300] = {0};

        assert_true(kimage_sniff(f.buf, f.len));
        assert_false(kimage_sniff("#!/bin/sh\n", 10));
        memcpy(bz + 0x202, "HdrS", 4);
        assert_true(kimage_sniff(bz, sizeof(bz)));
        assert_false(kimage_sniff(bz, 0x205));
        assert_string_equal(kimage_format_name(KIMAGE_BZIMAGE), "bzimage");
        assert_string_equal(kimage_entry_name(KIMAGE_ENTRY_PVH), "pvh");
        assert_string_equal(kimage_entry_name(KIMAGE_ENTRY_NONE), "none");
        assert_string_equal(kimage_os_name(KIMAGE_OS_FREEBSD), "freebsd");
        assert_string_equal(kimage_class_name(KIMAGE_INIT), "init");
        assert_string_equal(kimage_class_name(KIMAGE_NCLASSES), "other");
        free(f.buf);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_kimage_reads_the_pvh_fixture),
            cmocka_unit_test(test_kimage_without_the_pvh_note_has_no_entry),
            cmocka_unit_test(test_kimage_stripped_has_no_symbol_table),
            cmocka_unit_test(test_kimage_reads_a_32_bit_netbsd_kernel),
            cmocka_unit_test(test_kimage_loads_its_own_unstripped_binary),
            cmocka_unit_test(test_kimage_reads_a_big_endian_elf),
            cmocka_unit_test(test_kimage_truncated_elf_fails_at_every_cut),
            cmocka_unit_test(test_kimage_section_past_the_end_is_named),
            cmocka_unit_test(test_kimage_reason_escapes_a_hostile_section_name),
            cmocka_unit_test(test_kimage_without_section_names),
            cmocka_unit_test(test_kimage_without_section_headers_uses_the_segments),
            cmocka_unit_test(test_kimage_broken_tables_are_malformed),
            cmocka_unit_test(test_kimage_symbol_table_without_functions_or_objects),
            cmocka_unit_test(test_kimage_refuses_what_is_not_a_kernel),
            cmocka_unit_test(test_kimage_reads_a_bzimage),
            cmocka_unit_test(test_kimage_corrupt_bzimage_payloads_fail),
            cmocka_unit_test(test_kimage_load_equals_parse),
            cmocka_unit_test(test_kimage_sniff_and_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
