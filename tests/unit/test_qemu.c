/* Unit tests of the QEMU argv builder and helpers (collector/qemu.c). */
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

#include "collector/qemu.h"

#define FAKE_QEMU BOOTLENS_TEST_DATA "/collect/fake-qemu"

static int find_arg(char **argv, const char *s)
{
        for (int i = 0; argv[i]; i++)
                if (strcmp(argv[i], s) == 0)
                        return i;
        return -1;
}

static void test_qemu_argv_has_microvm_console_and_serial(void **state)
{
        struct qemu_config c = {.binary = "/usr/bin/qemu-system-x86_64",
                                .accel = "tcg",
                                .kernel = "/k/vmlinuz",
                                .initrd = "/k/initrd.gz",
                                .append = "console=ttyS0 quiet",
                                .console_fd = 5,
                                .serial_fd = 7};
        char **argv = NULL;
        int n = qemu_build_argv(&c, &argv);

        assert_true(n > 10);
        assert_null(argv[n]);
        assert_string_equal(argv[0], "/usr/bin/qemu-system-x86_64");
        assert_string_equal(argv[find_arg(argv, "-M") + 1], "microvm");
        assert_string_equal(argv[find_arg(argv, "-accel") + 1], "tcg");
        assert_string_equal(argv[find_arg(argv, "-kernel") + 1], "/k/vmlinuz");
        assert_string_equal(argv[find_arg(argv, "-initrd") + 1], "/k/initrd.gz");
        assert_string_equal(argv[find_arg(argv, "-append") + 1], "console=ttyS0 quiet");
        assert_true(find_arg(argv, "socket,id=blcon,fd=5") > 0);
        assert_true(find_arg(argv, "virtconsole,chardev=blcon") > 0);
        assert_true(find_arg(argv, "socket,id=blser,fd=7") > 0);
        assert_true(find_arg(argv, "chardev:blser") > 0);
        assert_true(find_arg(argv, "-no-reboot") > 0);
        qemu_argv_free(argv);
}

/* The collector's own runs give a console file: QEMU's option syntax
 * needs a ',' in its path doubled. */
static void test_qemu_argv_console_file_escapes_commas(void **state)
{
        struct qemu_config c = {.binary = "q",
                                .accel = "tcg",
                                .kernel = "k",
                                .console_fd = 5,
                                .console_path = "/tmp/a,b/bootlens-console-x",
                                .serial_fd = -1};
        char **argv = NULL;

        assert_true(qemu_build_argv(&c, &argv) > 0);
        assert_true(find_arg(argv, "file,id=blcon,path=/tmp/a,,b/bootlens-console-x") > 0);
        assert_int_equal(find_arg(argv, "socket,id=blcon,fd=5"), -1);
        assert_true(find_arg(argv, "virtconsole,chardev=blcon") > 0);
        qemu_argv_free(argv);
}

static void test_qemu_argv_extra_args_come_last(void **state)
{
        char *extra[] = {"-M", "microvm,rtc=off", "-cpu", "max"};
        struct qemu_config c = {.binary = "q",
                                .accel = "kvm",
                                .kernel = "k",
                                .console_fd = -1,
                                .serial_fd = -1,
                                .extra = extra,
                                .nextra = 4};
        char **argv = NULL;
        int n = qemu_build_argv(&c, &argv);

        assert_true(n > 4);
        assert_string_equal(argv[n - 4], "-M");
        assert_string_equal(argv[n - 3], "microvm,rtc=off");
        assert_string_equal(argv[n - 1], "max");
        /* bootlens's own -M comes first, so the later one wins. */
        assert_true(find_arg(argv, "-M") < n - 4);
        assert_int_equal(find_arg(argv, "-initrd"), -1);
        assert_int_equal(find_arg(argv, "-append"), -1);
        assert_int_equal(find_arg(argv, "-chardev"), -1);
        qemu_argv_free(argv);
}

static void test_qemu_argv_console_device_follows_the_machine(void **state)
{
        char *microvm[] = {"-M", "microvm,rtc=off", "-M", "pic=off"};
        char *q35[] = {"-M", "q35"};
        char *pc[] = {"-machine", "accel=tcg,type=pc"};
        struct qemu_config c = {.binary = "q",
                                .accel = "tcg",
                                .kernel = "k",
                                .console_fd = 3,
                                .serial_fd = -1,
                                .extra = microvm,
                                .nextra = 4};
        char **argv = NULL;

        assert_true(qemu_build_argv(&c, &argv) > 0);
        assert_true(find_arg(argv, "virtio-serial-device") > 0);
        qemu_argv_free(argv);
        c.extra = q35;
        c.nextra = 2;
        assert_true(qemu_build_argv(&c, &argv) > 0);
        assert_true(find_arg(argv, "virtio-serial-pci") > 0);
        qemu_argv_free(argv);
        c.extra = pc;
        assert_true(qemu_build_argv(&c, &argv) > 0);
        assert_true(find_arg(argv, "virtio-serial-pci") > 0);
        qemu_argv_free(argv);
}

static void test_qemu_argv_rejects_auto_accel_and_missing_kernel(void **state)
{
        struct qemu_config c = {.binary = "q", .accel = "auto", .kernel = "k"};
        char **argv = NULL;

        assert_int_equal(qemu_build_argv(&c, &argv), -EINVAL);
        c.accel = "tcg";
        c.kernel = NULL;
        assert_int_equal(qemu_build_argv(&c, &argv), -EINVAL);
}

static void test_qemu_accel_names_round_trip(void **state)
{
        const char *names[] = {"auto", "kvm", "hvf", "nvmm", "tcg"};
        enum qemu_accel a;

        for (size_t i = 0; i < 5; i++) {
                assert_int_equal(qemu_accel_parse(names[i], &a), 0);
                assert_string_equal(qemu_accel_name(a), names[i]);
        }
        assert_int_equal(qemu_accel_parse("xen", &a), -EINVAL);
        assert_true(qemu_accel_present(QEMU_ACCEL_TCG));
}

static void test_qemu_find_explicit_env_and_missing(void **state)
{
        char *path = NULL;

        assert_int_equal(qemu_find(FAKE_QEMU, &path), 0);
        assert_string_equal(path, FAKE_QEMU);
        free(path);
        assert_int_equal(qemu_find("/nonexistent-bootlens/qemu-system-x86_64", &path), -ENOENT);
        setenv("BOOTLENS_QEMU", FAKE_QEMU, 1);
        assert_int_equal(qemu_find(NULL, &path), 0);
        assert_string_equal(path, FAKE_QEMU);
        free(path);
        unsetenv("BOOTLENS_QEMU");
        setenv("PATH", "/nonexistent-bootlens", 1);
        assert_int_equal(qemu_find(NULL, &path), -ENOENT);
        assert_int_equal(qemu_find("sh", &path), -ENOENT);
}

static void test_qemu_version_reads_first_line(void **state)
{
        char *v = NULL;

        assert_int_equal(qemu_version(FAKE_QEMU, &v), 0);
        assert_string_equal(v, "QEMU emulator version 0.0.0 (bootlens test stand-in)");
        free(v);
        assert_true(qemu_version("/nonexistent-bootlens/qemu", &v) < 0);
}

static void test_qemu_kernel_kind_and_linux_cmdline(void **state)
{
        char tmpl[] = "/tmp/bootlens-test-kernel-XXXXXX";
        unsigned char img[0x400] = {0};
        enum qemu_kernel_kind kind;
        char *cmd;
        int fd = mkstemp(tmpl);

        assert_true(fd >= 0);
        memcpy(img + 0x202, "HdrS", 4);
        assert_int_equal(write(fd, img, sizeof(img)), (ssize_t)sizeof(img));
        close(fd);
        assert_int_equal(qemu_kernel_kind(tmpl, &kind), 0);
        assert_int_equal(kind, QEMU_KERNEL_BZIMAGE);
        unlink(tmpl);
        assert_int_equal(qemu_kernel_kind(FAKE_QEMU, &kind), 0);
        assert_int_equal(kind, QEMU_KERNEL_UNKNOWN);
        assert_int_equal(qemu_kernel_kind("/nonexistent-bootlens/vmlinuz", &kind), -ENOENT);

        cmd = qemu_linux_cmdline(2299759);
        assert_non_null(strstr(cmd, "initcall_debug"));
        assert_non_null(strstr(cmd, "log_buf_len="));
        assert_non_null(strstr(cmd, "panic=-1 reboot=t"));
        assert_non_null(strstr(cmd, " tsc=reliable tsc_early_khz=2299759"));
        free(cmd);
        cmd = qemu_linux_cmdline(0);
        assert_null(strstr(cmd, "tsc_early_khz"));
        assert_null(strstr(cmd, "tsc=reliable"));
        free(cmd);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_qemu_argv_has_microvm_console_and_serial),
            cmocka_unit_test(test_qemu_argv_console_file_escapes_commas),
            cmocka_unit_test(test_qemu_argv_extra_args_come_last),
            cmocka_unit_test(test_qemu_argv_console_device_follows_the_machine),
            cmocka_unit_test(test_qemu_argv_rejects_auto_accel_and_missing_kernel),
            cmocka_unit_test(test_qemu_accel_names_round_trip),
            cmocka_unit_test(test_qemu_version_reads_first_line),
            cmocka_unit_test(test_qemu_kernel_kind_and_linux_cmdline),
            cmocka_unit_test(test_qemu_find_explicit_env_and_missing),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
