/*
 * Unit tests of the vmlinux unwrapper (guest/vmlinux.c) on Debian's real
 * cloud kernel (label vm: it is fetched into the bootlens cache, over the
 * network the first time; the executable exits as skipped when it cannot
 * be had): it unwraps into an ELF with a PVH entry note, and broken copies
 * of it (truncated, bad magic, payload out of range, truncated or corrupt
 * LZ4 blocks) fail with the documented errno and a reason, never a crash.
 * The synthetic bzImages are in test_vmlinux.c (label unit).
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

#include "base/sbuf.h"
#include "base/util.h"
#include "collector/qemu.h"
#include "guest/kernel_fetch.h"
#include "guest/vmlinux.h"

#include "kernel_fixture.h"

static char *real_img;
static size_t real_len;

static int fetch_kernel(void **state)
{
        fixture_fetch_kernel();
        fixture_read_kernel(&real_img, &real_len);
        return 0;
}

static int free_kernel(void **state)
{
        kernel_paths_free(&kernel);
        free(real_img);
        return 0;
}

static void put_le32(unsigned char *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_le32(const unsigned char *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A copy of the real bzImage to break. */
static unsigned char *real_copy(void)
{
        unsigned char *p = malloc(real_len);

        assert_non_null(p);
        memcpy(p, real_img, real_len);
        return p;
}

static void test_real_kernel_unwraps_to_a_linux_elf_with_a_pvh_note(void **state)
{
        char tmpl[] = "/tmp/bootlens-test-vmlinux-XXXXXX";
        struct vmlinux_info vi;
        struct vmlinux_elf e;
        enum qemu_kernel_kind kind;
        const unsigned char *payload;
        int fd;

        fd = mkstemp(tmpl);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(vmlinux_extract(kernel.kernel, tmpl, &vi), 0);
        assert_string_equal(vi.why, "");
        assert_true(vi.bz.protocol >= 0x208);
        /* 6.1 kernels: LZ4; 6.12: zstd (DESIGN.md). */
        assert_true(vi.bz.comp == VMLINUX_COMP_LZ4 || vi.bz.comp == VMLINUX_COMP_ZSTD);
        if (strncmp(kernel.release, "6.1.", 4) == 0)
                assert_int_equal(vi.bz.comp, VMLINUX_COMP_LZ4);
        payload = (const unsigned char *)real_img + vi.bz.payload_off;
        assert_int_equal(vi.vmlinux_size, get_le32(payload + vi.bz.payload_len - 4));
        assert_true(vi.vmlinux_size > 4 * vi.bz.payload_len / 2);
        assert_int_equal(vi.elf.elf_class, 64);
        assert_int_equal(vi.elf.machine, 62);
        assert_true(vi.elf.pvh);
        assert_true(vi.elf.pvh_entry >= 0x1000000 && vi.elf.pvh_entry < 0x100000000ull);
        assert_true(vi.elf.linux_kernel);
        /* The relocation table follows the ELF. */
        assert_true(vi.elf.elf_size <= vi.vmlinux_size);

        assert_int_equal(vmlinux_elf_inspect_file(tmpl, &e), 0);
        assert_true(e.pvh && e.linux_kernel);
        assert_int_equal(e.pvh_entry, vi.elf.pvh_entry);
        /* The collector gives it the Linux command line; the bzImage too. */
        assert_int_equal(qemu_kernel_kind(tmpl, &kind), 0);
        assert_int_equal(kind, QEMU_KERNEL_LINUX_ELF);
        assert_true(qemu_kernel_is_linux(kind));
        assert_int_equal(qemu_kernel_kind(kernel.kernel, &kind), 0);
        assert_int_equal(kind, QEMU_KERNEL_BZIMAGE);
        unlink(tmpl);
}

static void test_real_kernel_truncated_is_erange(void **state)
{
        struct vmlinux_info vi;
        void *out = NULL;
        size_t n = 0;

        assert_int_equal(vmlinux_extract_mem(real_img, real_len / 2, &out, &n, &vi), -ERANGE);
        assert_non_null(strstr(vi.why, "truncated"));
        assert_null(out);
        /* Cut inside the setup header. */
        assert_int_equal(vmlinux_extract_mem(real_img, 0x240, &out, &n, &vi), -ERANGE);
        assert_non_null(strstr(vi.why, "inside the setup header"));
        assert_int_equal(vmlinux_extract_mem(real_img, 0x100, &out, &n, &vi), -ENOEXEC);
}

static void test_real_kernel_with_a_bad_payload_magic_is_enotsup(void **state)
{
        struct vmlinux_info vi;
        unsigned char *p;
        void *out = NULL;
        size_t n;

        p = real_copy();
        assert_int_equal(vmlinux_extract_mem(p, real_len, &out, &n, &vi), 0);
        free(out);
        out = NULL;
        memcpy(p + vi.bz.payload_off, "JUNK", 4);
        assert_int_equal(vmlinux_extract_mem(p, real_len, &out, &n, &vi), -ENOTSUP);
        assert_non_null(strstr(vi.why, "unknown compression (first bytes 4a 55 4e 4b)"));
        assert_null(out);
        free(p);
}

static void test_real_kernel_payload_offset_out_of_range_is_erange(void **state)
{
        struct vmlinux_info vi;
        unsigned char *p;
        void *out = NULL;
        size_t n;

        p = real_copy();
        put_le32(p + 0x248, 0xfffffff0u);
        assert_int_equal(vmlinux_extract_mem(p, real_len, &out, &n, &vi), -ERANGE);
        assert_non_null(strstr(vi.why, "ends past the end of the file"));
        put_le32(p + 0x248, 0x2cc);
        put_le32(p + 0x24c, (uint32_t)real_len);
        assert_int_equal(vmlinux_extract_mem(p, real_len, &out, &n, &vi), -ERANGE);
        assert_null(out);
        free(p);
}

static void test_real_kernel_truncated_lz4_block_is_ebadmsg(void **state)
{
        struct vmlinux_info vi;
        struct vmlinux_bzimage bz;
        unsigned char *p;
        void *out = NULL;
        size_t n;
        uint32_t first;

        p = real_copy();
        assert_int_equal(vmlinux_bzimage_parse(p, real_len, &bz, NULL, 0), 0);
        if (bz.comp != VMLINUX_COMP_LZ4) {
                free(p);
                fprintf(stderr, "note: this kernel's payload is %s\n", vmlinux_comp_name(bz.comp));
                test_skip("the kernel's payload is not lz4");
        }
        /* The payload ends inside its first block. */
        first = get_le32(p + bz.payload_off + 4);
        put_le32(p + 0x24c, 8 + first / 2);
        assert_int_equal(vmlinux_extract_mem(p, real_len, &out, &n, &vi), -EBADMSG);
        assert_non_null(strstr(vi.why, "lz4 block 0 at payload offset 4 claims"));
        assert_non_null(strstr(vi.why, "truncated"));
        assert_null(out);

        /* A block size larger than any block can be. */
        put_le32(p + 0x24c, (uint32_t)bz.payload_len);
        put_le32(p + bz.payload_off + 4, 0x7fffffff);
        assert_int_equal(vmlinux_extract_mem(p, real_len, &out, &n, &vi), -EBADMSG);
        assert_non_null(strstr(vi.why, "claims 2147483647 bytes (at most"));

        /* Garbage inside the first block. */
        put_le32(p + bz.payload_off + 4, first);
        memset(p + bz.payload_off + 8, 0xff, 4096);
        assert_int_equal(vmlinux_extract_mem(p, real_len, &out, &n, &vi), -EBADMSG);
        assert_non_null(strstr(vi.why, "lz4 block 0"));
        assert_null(out);
        free(p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_real_kernel_unwraps_to_a_linux_elf_with_a_pvh_note),
            cmocka_unit_test(test_real_kernel_truncated_is_erange),
            cmocka_unit_test(test_real_kernel_with_a_bad_payload_magic_is_enotsup),
            cmocka_unit_test(test_real_kernel_payload_offset_out_of_range_is_erange),
            cmocka_unit_test(test_real_kernel_truncated_lz4_block_is_ebadmsg),
        };

        return test_exit(cmocka_run_group_tests(tests, fetch_kernel, free_kernel));
}
