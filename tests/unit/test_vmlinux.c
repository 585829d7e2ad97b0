/*
 * Unit tests of the vmlinux unwrapper (guest/vmlinux.c) on small synthetic
 * bzImages that carry a hand-made ELF in every supported compression:
 * round trips, payloads cut short, a wrong size trailer, a payload that is
 * no ELF, old boot protocols, ELF inspection. Debian's real kernel is
 * unwrapped (and broken) in test_vmlinux_vm.c (label vm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <bzlib.h>
#include <errno.h>
#include <lz4.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "collector/qemu.h"
#include "guest/vmlinux.h"

#include "bzimage_fixture.h"

/*
 * A minimal ELF64 kernel image: the header, one PT_NOTE program header and
 * its notes (Xen PHYS32_ENTRY when pvh, a "Linux" note when linux), padded
 * with a byte pattern to size bytes.
 */
static unsigned char *make_elf(bool pvh, bool linux_note, size_t size, size_t *len)
{
        unsigned char notes[64] = {0}, *p;
        size_t nlen = 0, off = 64 + 56;

        if (pvh) { /* namesz 4 "Xen\0", descsz 8, type 18 */
                put_le32(notes + nlen, 4);
                put_le32(notes + nlen + 4, 8);
                put_le32(notes + nlen + 8, VMLINUX_XEN_ELFNOTE_PHYS32_ENTRY);
                memcpy(notes + nlen + 12, "Xen", 4);
                put_le32(notes + nlen + 16, 0x1000850);
                nlen += 24;
        }
        if (linux_note) { /* namesz 6 "Linux\0" (padded to 8), descsz 4, type 0x100 */
                put_le32(notes + nlen, 6);
                put_le32(notes + nlen + 4, 4);
                put_le32(notes + nlen + 8, 0x100);
                memcpy(notes + nlen + 12, "Linux", 6);
                nlen += 24;
        }
        if (size < off + nlen)
                size = off + nlen;
        p = calloc(1, size);
        assert_non_null(p);
        memcpy(p, "\177ELF", 4);
        p[4] = 2;   /* ELFCLASS64 */
        p[5] = 1;   /* little endian */
        p[6] = 1;   /* EV_CURRENT */
        p[16] = 2;  /* ET_EXEC */
        p[18] = 62; /* EM_X86_64 */
        p[20] = 1;  /* e_version */
        p[32] = 64; /* e_phoff */
        p[52] = 64; /* e_ehsize */
        p[54] = 56; /* e_phentsize */
        p[56] = 1;  /* e_phnum */
        p[58] = 64; /* e_shentsize */
        /* the program header */
        put_le32(p + 64, 4);                   /* PT_NOTE */
        put_le32(p + 64 + 8, (uint32_t)off);   /* p_offset */
        put_le32(p + 64 + 32, (uint32_t)nlen); /* p_filesz */
        put_le32(p + 64 + 40, (uint32_t)nlen); /* p_memsz */
        put_le32(p + 64 + 48, 4);              /* p_align */
        memcpy(p + off, notes, nlen);
        for (size_t i = off + nlen; i < size; i++)
                p[i] = (unsigned char)((i * 7) >> 9);
        *len = size;
        return p;
}

static const enum vmlinux_comp all_comps[] = {
    VMLINUX_COMP_LZ4,  VMLINUX_COMP_ZSTD, VMLINUX_COMP_XZ,
    VMLINUX_COMP_LZMA, VMLINUX_COMP_GZIP, VMLINUX_COMP_BZIP2,
};

static void test_every_compression_round_trips_a_pvh_elf(void **state)
{
        size_t elf_len, img_len, out_len;
        unsigned char *elf = make_elf(true, true, 300000, &elf_len), *img;
        struct sbuf payload = SBUF_INIT;
        struct vmlinux_info vi;
        void *out;

        for (size_t i = 0; i < UTIL_ARRAY_SIZE(all_comps); i++) {
                compress_as(all_comps[i], elf, elf_len, &payload);
                assert_int_equal(vmlinux_comp_detect(payload.buf, payload.len), all_comps[i]);
                img = make_bzimage(payload.buf, payload.len, &img_len);
                out = NULL;
                assert_int_equal(vmlinux_extract_mem(img, img_len, &out, &out_len, &vi), 0);
                assert_int_equal(vi.bz.comp, all_comps[i]);
                assert_int_equal(vi.bz.protocol, 0x020f);
                assert_int_equal(vi.bz.payload_off, 1024 + 0x40);
                assert_int_equal(out_len, elf_len);
                assert_memory_equal(out, elf, elf_len);
                assert_true(vi.elf.pvh);
                assert_int_equal(vi.elf.pvh_entry, 0x1000850);
                assert_true(vi.elf.linux_kernel);
                free(out);
                free(img);
        }
        sbuf_release(&payload);
        free(elf);
}

static void test_lz4_payload_of_several_blocks_unwraps(void **state)
{
        size_t elf_len, img_len, out_len;
        unsigned char *elf = make_elf(true, true, (8u << 20) * 2 + 12345, &elf_len), *img;
        struct sbuf payload = SBUF_INIT;
        struct vmlinux_info vi;
        void *out = NULL;

        compress_as(VMLINUX_COMP_LZ4, elf, elf_len, &payload);
        img = make_bzimage(payload.buf, payload.len, &img_len);
        assert_int_equal(vmlinux_extract_mem(img, img_len, &out, &out_len, &vi), 0);
        assert_int_equal(out_len, elf_len);
        assert_memory_equal(out, elf, elf_len);
        free(out);
        free(img);
        sbuf_release(&payload);
        free(elf);
}

static void test_every_compression_cut_short_is_ebadmsg(void **state)
{
        size_t elf_len, img_len, out_len;
        unsigned char *elf = make_elf(true, true, 300000, &elf_len), *img;
        struct sbuf payload = SBUF_INIT;
        struct vmlinux_info vi;
        void *out;

        for (size_t i = 0; i < UTIL_ARRAY_SIZE(all_comps); i++) {
                compress_as(all_comps[i], elf, elf_len, &payload);
                /* The first half of the stream, without the size trailer. */
                img = make_bzimage(payload.buf, payload.len / 2, &img_len);
                out = NULL;
                assert_int_equal(vmlinux_extract_mem(img, img_len, &out, &out_len, &vi), -EBADMSG);
                assert_true(vi.why[0] != '\0');
                assert_null(out);
                free(img);
        }
        sbuf_release(&payload);
        free(elf);
}

static void test_wrong_size_trailer_is_ebadmsg(void **state)
{
        size_t elf_len, img_len, out_len;
        unsigned char *elf = make_elf(true, true, 5000, &elf_len), *img;
        struct sbuf payload = SBUF_INIT;
        struct vmlinux_info vi;
        void *out = NULL;

        compress_as(VMLINUX_COMP_ZSTD, elf, elf_len, &payload);
        put_le32((unsigned char *)payload.buf + payload.len - 4, (uint32_t)elf_len + 1);
        img = make_bzimage(payload.buf, payload.len, &img_len);
        assert_int_equal(vmlinux_extract_mem(img, img_len, &out, &out_len, &vi), -EBADMSG);
        assert_non_null(strstr(vi.why, "decompressed 5000 bytes, the payload's size trailer says"));
        assert_null(out);
        free(img);
        sbuf_release(&payload);
        free(elf);
}

static void test_payload_that_is_no_elf_is_enoexec(void **state)
{
        unsigned char junk[4096];
        size_t img_len, out_len;
        struct sbuf payload = SBUF_INIT;
        struct vmlinux_info vi;
        unsigned char *img;
        void *out = NULL;

        memset(junk, 'x', sizeof(junk));
        compress_as(VMLINUX_COMP_XZ, junk, sizeof(junk), &payload);
        img = make_bzimage(payload.buf, payload.len, &img_len);
        assert_int_equal(vmlinux_extract_mem(img, img_len, &out, &out_len, &vi), -ENOEXEC);
        assert_non_null(strstr(vi.why, "no ELF image"));
        assert_null(out);
        free(img);
        sbuf_release(&payload);
}

static void test_old_boot_protocol_and_lzo_are_refused(void **state)
{
        static const unsigned char lzo[] = "\x89LZO\0\r\n\x1a\n0123456789";
        size_t img_len, out_len;
        struct vmlinux_info vi;
        unsigned char *img = make_bzimage(lzo, sizeof(lzo), &img_len);
        void *out = NULL;

        assert_int_equal(vmlinux_extract_mem(img, img_len, &out, &out_len, &vi), -ENOTSUP);
        assert_int_equal(vi.bz.comp, VMLINUX_COMP_LZO);
        assert_non_null(strstr(vi.why, "lzo"));
        img[0x206] = 0x07; /* 2.07 */
        assert_int_equal(vmlinux_extract_mem(img, img_len, &out, &out_len, &vi), -EPROTONOSUPPORT);
        assert_non_null(strstr(vi.why, "boot protocol 2.07"));
        assert_null(out);
        free(img);
}

static void test_elf_inspection_tells_linux_from_other_kernels(void **state)
{
        char tmpl[] = "/tmp/bootlens-test-elf-XXXXXX";
        enum qemu_kernel_kind kind;
        struct vmlinux_elf e;
        size_t len;
        unsigned char *bsd = make_elf(true, false, 4096, &len);
        int fd;

        assert_int_equal(vmlinux_elf_inspect(bsd, len, &e), 0);
        assert_true(e.pvh);
        assert_false(e.linux_kernel);
        assert_int_equal(e.elf_class, 64);

        /* A PVH kernel that is not Linux (a BSD's) gets no Linux defaults. */
        fd = mkstemp(tmpl);
        assert_true(fd >= 0);
        assert_int_equal(util_write_full(fd, bsd, len), 0);
        close(fd);
        assert_int_equal(qemu_kernel_kind(tmpl, &kind), 0);
        assert_int_equal(kind, QEMU_KERNEL_ELF);
        assert_false(qemu_kernel_is_linux(kind));
        unlink(tmpl);
        free(bsd);

        bsd = make_elf(false, true, 4096, &len);
        assert_int_equal(vmlinux_elf_inspect(bsd, len, &e), 0);
        assert_false(e.pvh);
        assert_true(e.linux_kernel);
        free(bsd);

        assert_int_equal(vmlinux_elf_inspect("not an elf", 10, &e), -ENOEXEC);
        assert_int_equal(vmlinux_elf_inspect_file("/nonexistent-bootlens/vmlinux", &e), -ENOENT);
        assert_int_equal(vmlinux_elf_inspect_file("/dev/null", &e), -ENOEXEC);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_every_compression_round_trips_a_pvh_elf),
            cmocka_unit_test(test_lz4_payload_of_several_blocks_unwraps),
            cmocka_unit_test(test_every_compression_cut_short_is_ebadmsg),
            cmocka_unit_test(test_wrong_size_trailer_is_ebadmsg),
            cmocka_unit_test(test_payload_that_is_no_elf_is_enoexec),
            cmocka_unit_test(test_old_boot_protocol_and_lzo_are_refused),
            cmocka_unit_test(test_elf_inspection_tells_linux_from_other_kernels),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
