/*
 * Unit tests of bootlens-dumper's shared code (guest/dumper.c) and of the
 * host-testable parts of its Linux path (guest/dumper_linux.c, included
 * here for its static helpers: TSC frequency from the kernel log).
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

#include "base/sbuf.h"
#include "base/util.h"
#include "guest/dumper.h"
#include "guest/framing.h"

#include "guest/dumper_linux.c"

static void test_begin_line_has_the_documented_fields_in_order(void **state)
{
        struct dumper_report r = {.fields = SBUF_INIT,
                                  .os = "linux",
                                  .tsc_freq = 2300000000u,
                                  .tsc_freq_src = "dmesg-refined",
                                  .console = "hvc0"};
        struct sbuf out = SBUF_INIT;

        assert_int_equal(dumper_add_field(&r, "init_start_ns", "%d", 1318403702), 0);
        assert_int_equal(dumper_format_begin(&r, 5928602128u, 1448380803u, &out), 0);
        assert_string_equal(out.buf, "os=linux tsc_freq=2300000000 tsc_freq_src=dmesg-refined "
                                     "tsc_now=5928602128 uptime_ns=1448380803 console=hvc0 "
                                     "init_start_ns=1318403702");
        sbuf_release(&out);
        dumper_report_free(&r);
}

static void test_add_field_rejects_spaces_and_keeps_earlier_fields(void **state)
{
        struct dumper_report r = {.fields = SBUF_INIT, .os = "netbsd"};

        assert_int_equal(dumper_add_field(&r, "kernel", "%s", "6.1"), 0);
        assert_int_equal(dumper_add_field(&r, "bad", "%s", "two words"), -EINVAL);
        assert_int_equal(dumper_add_field(&r, "bad", "%s", "new\nline"), -EINVAL);
        assert_string_equal(r.fields.buf, " kernel=6.1");
        dumper_report_free(&r);
}

static void test_too_many_sections_is_enospc_and_frees_data(void **state)
{
        struct dumper_report r = {.fields = SBUF_INIT, .os = "linux"};

        for (unsigned i = 0; i < DUMPER_MAX_SECTIONS; i++)
                assert_int_equal(dumper_add_section(&r, "s", strdup("x"), 1), 0);
        assert_int_equal(dumper_add_section(&r, "s", strdup("x"), 1), -ENOSPC);
        dumper_report_free(&r);
}

static void test_written_dump_parses_whole(void **state)
{
        struct dumper_report r = {.fields = SBUF_INIT, .os = "linux", .console = "stdout"};
        const struct framing_section_ref *s;
        struct framing_dump d;
        FILE *f = tmpfile();
        char buf[4096];
        size_t len, vlen;

        dumper_add_section(&r, "dmesg", strdup("<6>[    0.000000] Linux version 6.1\n"), 35);
        dumper_add_section(&r, "uptime", strdup("1.44 0.00"), 9); /* no final newline */
        assert_int_equal(dumper_write(fileno(f), &r), 0);
        assert_int_equal(dumper_write_mark(fileno(f), "poweroff"), 0);
        rewind(f);
        len = fread(buf, 1, sizeof(buf) - 1, f);
        buf[len] = '\0';
        fclose(f);
        assert_int_equal(framing_parse(buf, len, &d), 0);
        assert_int_equal(d.status, FRAMING_OK);
        assert_non_null(framing_field(buf, &d, "uptime_ns", &vlen));
        assert_memory_equal(framing_field(buf, &d, "tsc_freq_src", &vlen), "none", 4);
        s = framing_find_section(&d, "uptime");
        assert_non_null(s);
        assert_memory_equal(buf + s->off, "1.44 0.00\n", 10);
        assert_non_null(strstr(buf + d.after_off, "@@bootlens mark poweroff uptime_ns="));
        framing_dump_free(&d);
        dumper_report_free(&r);
}

/* A late section is read when the dump is written, after the begin line
 * went out (the file changed after dumper_add_late_section: the dump has
 * the new content); a file that cannot be read is an empty section. */
static void test_late_section_is_read_at_write_time(void **state)
{
        struct dumper_report r = {.fields = SBUF_INIT, .os = "linux", .console = "stdout"};
        char path[] = "/tmp/test_dumper.XXXXXX";
        const struct framing_section_ref *s;
        struct framing_dump d;
        FILE *f = tmpfile();
        int fd = mkstemp(path);
        char buf[4096];
        size_t len;

        assert_true(fd >= 0);
        assert_int_equal(util_write_full(fd, "before\n", 7), 0);
        assert_int_equal(dumper_add_late_section(&r, "kallsyms", path), 0);
        assert_int_equal(dumper_add_late_section(&r, "gone", "/nonexistent/kallsyms"), 0);
        dumper_add_section(&r, "dumper", strdup("log\n"), 4);
        assert_int_equal(ftruncate(fd, 0), 0);
        assert_int_equal(pwrite(fd, "ffffffff81000000 T _text\n", 25, 0), 25);
        close(fd);
        assert_int_equal(dumper_write(fileno(f), &r), 0);
        unlink(path);
        rewind(f);
        len = fread(buf, 1, sizeof(buf) - 1, f);
        buf[len] = '\0';
        fclose(f);
        assert_int_equal(framing_parse(buf, len, &d), 0);
        assert_int_equal(d.status, FRAMING_OK);
        assert_int_equal(d.nsections, 3);
        s = framing_find_section(&d, "kallsyms");
        assert_non_null(s);
        assert_int_equal(s->len, 25);
        assert_memory_equal(buf + s->off, "ffffffff81000000 T _text\n", 25);
        s = framing_find_section(&d, "gone");
        assert_non_null(s);
        assert_int_equal(s->len, 0);
        assert_true(strstr(buf, "@@bootlens section kallsyms\n") > strstr(buf, "begin "));
        framing_dump_free(&d);
        dumper_report_free(&r);
}

static void test_mark_rejects_names_with_spaces(void **state)
{
        FILE *f = tmpfile();

        assert_int_equal(dumper_write_mark(fileno(f), "rc start"), -EINVAL);
        assert_int_equal(dumper_write_mark(fileno(f), ""), -EINVAL);
        assert_int_equal(ftell(f), 0);
        fclose(f);
}

static void test_console_name_strips_dev(void **state)
{
        assert_string_equal(dumper_console_name("/dev/ttyS0"), "ttyS0");
        assert_string_equal(dumper_console_name("hvc0"), "hvc0");
}

static const char klog_tsc_early[] =
    "<6>[    0.000000] tsc: Detected 2300.000 MHz processor\n"
    "<6>[    0.000000] tsc: Detected 2299.998 MHz TSC\n"
    "<6>[    0.100000] clocksource: tsc-early: mask: 0xffffffffffffffff\n";

static void test_tsc_frequency_prefers_refined_calibration(void **state)
{
        struct sbuf log = SBUF_INIT;
        struct dumper_report r = DUMPER_REPORT_INIT;

        sbuf_adds(&log, klog_tsc_early);
        sbuf_adds(&log, "<6>[    1.100000] tsc: Refined TSC clocksource calibration: "
                        "2299.968 MHz\n");
        tsc_frequency(&r, log.buf);
        assert_string_equal(r.tsc_freq_src, "dmesg-refined");
        assert_int_equal(r.tsc_freq, 2299968000u);
        sbuf_release(&log);
}

static void test_tsc_frequency_takes_the_tsc_line_over_the_processor_line(void **state)
{
        struct dumper_report r = DUMPER_REPORT_INIT;

        tsc_frequency(&r, klog_tsc_early);
        assert_string_equal(r.tsc_freq_src, "dmesg-detected-tsc");
        assert_int_equal(r.tsc_freq, 2299998000u);
}

static void test_tsc_frequency_from_processor_line(void **state)
{
        struct dumper_report r = DUMPER_REPORT_INIT;

        tsc_frequency(&r, "<6>[    0.000000] tsc: Detected 2445.431 MHz processor\n");
        assert_string_equal(r.tsc_freq_src, "dmesg-detected");
        assert_int_equal(r.tsc_freq, 2445431000u);
}

static void test_tsc_frequency_without_kernel_lines_asks_cpuid(void **state)
{
        struct dumper_report r = DUMPER_REPORT_INIT;

        tsc_frequency(&r, "<6>[    0.000000] Linux version 6.1\n");
        assert_true(strncmp(r.tsc_freq_src, "cpuid", 5) == 0 ||
                    strcmp(r.tsc_freq_src, "none") == 0);
}

static void test_module_params_come_from_the_kernel_command_line(void **state)
{
        static const char cmdline[] = "console=ttyS0 virtio_mmio.device=512@0xfeb00e00:12 "
                                      "virtio-mmio.foo=1 virtio.x=2 virtio_mmio.=3 quiet\n";
        struct sbuf p = SBUF_INIT;

        assert_int_equal(module_params(cmdline, "/lib/modules/virtio_mmio.ko", &p), 0);
        assert_string_equal(p.buf, "device=512@0xfeb00e00:12 foo=1");
        assert_int_equal(module_params(cmdline, "/lib/modules/virtio.ko", &p), 0);
        assert_string_equal(p.buf, "x=2");
        assert_int_equal(module_params(cmdline, "/lib/modules/virtio_console.ko", &p), 0);
        assert_int_equal(p.len, 0);
        sbuf_release(&p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_begin_line_has_the_documented_fields_in_order),
            cmocka_unit_test(test_add_field_rejects_spaces_and_keeps_earlier_fields),
            cmocka_unit_test(test_too_many_sections_is_enospc_and_frees_data),
            cmocka_unit_test(test_written_dump_parses_whole),
            cmocka_unit_test(test_late_section_is_read_at_write_time),
            cmocka_unit_test(test_mark_rejects_names_with_spaces),
            cmocka_unit_test(test_console_name_strips_dev),
            cmocka_unit_test(test_tsc_frequency_prefers_refined_calibration),
            cmocka_unit_test(test_tsc_frequency_takes_the_tsc_line_over_the_processor_line),
            cmocka_unit_test(test_tsc_frequency_from_processor_line),
            cmocka_unit_test(test_tsc_frequency_without_kernel_lines_asks_cpuid),
            cmocka_unit_test(test_module_params_come_from_the_kernel_command_line),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
