/*
 * Unit tests of bootlens-dumper's NetBSD/FreeBSD path (guest/dumper_bsd.c),
 * compiled on Linux against the stand-in sysctlbyname() below, which
 * serves the real FreeBSD capture in tests/data/samples: size probing, a
 * value that grows between the probe and the read, and the framing.
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
#include "guest/dumper.h"
#include "guest/framing.h"

/* The BSD path itself, built here against the stand-in. */
#include "guest/dumper_bsd.c"

/* ---- the stand-in sysctl ---- */

struct fake_sysctl {
        const char *name;
        struct sbuf value;   /* served bytes */
        size_t grow_by;      /* bytes appended after a size probe ... */
        unsigned grow_times; /* ... for this many probes */
        unsigned probes, reads;
};

static struct fake_sysctl fakes[4];
static size_t nfakes;
static uint64_t fake_tsc_freq = 2445431964u;

static struct fake_sysctl *fake_find(const char *name)
{
        for (size_t i = 0; i < nfakes; i++)
                if (strcmp(fakes[i].name, name) == 0)
                        return &fakes[i];
        return NULL;
}

/* sysctl(3) semantics: oldp NULL asks the size; a buffer too small gets
 * what fits and ENOMEM. */
int sysctlbyname(const char *name, void *oldp, size_t *oldlenp, const void *newp, size_t newlen)
{
        struct fake_sysctl *f;

        if (strcmp(name, "machdep.tsc_freq") == 0 && fake_tsc_freq) {
                if (oldp && *oldlenp < sizeof(fake_tsc_freq)) {
                        errno = ENOMEM;
                        return -1;
                }
                if (oldp)
                        memcpy(oldp, &fake_tsc_freq, sizeof(fake_tsc_freq));
                *oldlenp = sizeof(fake_tsc_freq);
                return 0;
        }
        f = fake_find(name);
        if (!f) {
                errno = ENOENT;
                return -1;
        }
        if (!oldp) {
                f->probes++;
                *oldlenp = f->value.len;
                /* The kernel keeps recording between the probe and the read. */
                if (f->grow_times) {
                        f->grow_times--;
                        for (size_t i = 0; i < f->grow_by; i++)
                                sbuf_addch(&f->value, i % 64 == 63 ? '\n' : 'x');
                }
                return 0;
        }
        f->reads++;
        if (*oldlenp < f->value.len) {
                memcpy(oldp, f->value.buf, *oldlenp);
                errno = ENOMEM;
                return -1;
        }
        memcpy(oldp, f->value.buf, f->value.len);
        *oldlenp = f->value.len;
        return 0;
}

static struct fake_sysctl *fake_add(const char *name, const void *data, size_t len)
{
        struct fake_sysctl *f = &fakes[nfakes++];

        memset(f, 0, sizeof(*f));
        f->name = name;
        assert_int_equal(sbuf_add(&f->value, data, len), 0);
        return f;
}

/* Lines of path between the line begin (exclusive; NULL: start) and the
 * line end (exclusive; NULL: end of file), or, with only_tslog, just the
 * tslog records ("0x..."). */
static void sample_lines(struct sbuf *out, const char *file, const char *begin, const char *end,
                         bool only_tslog)
{
        struct sbuf path = SBUF_INIT;
        char *data, *line, *save = NULL;
        bool in = begin == NULL;
        size_t len;

        assert_int_equal(sbuf_addf(&path, "%s/%s", BOOTLENS_SAMPLES, file), 0);
        assert_int_equal(util_read_file(path.buf, &data, &len), 0);
        for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (begin && strcmp(line, begin) == 0) {
                        in = true;
                        continue;
                }
                if (end && strcmp(line, end) == 0)
                        break;
                if (in && (!only_tslog || strncmp(line, "0x", 2) == 0)) {
                        sbuf_adds(out, line);
                        sbuf_addch(out, '\n');
                }
        }
        free(data);
        sbuf_release(&path);
}

static struct sbuf tslog, tslog_user;

static int setup(void **state)
{
        sbuf_reset(&tslog);
        sbuf_reset(&tslog_user);
        sample_lines(&tslog, "freebsd15-firecracker-tslog-head.txt", "SMOLFIRE_TSLOG_BEGIN", NULL,
                     true);
        sample_lines(&tslog, "freebsd15-firecracker-tslog-tail.txt", NULL, "SMOLFIRE_TSLOG_END",
                     true);
        sample_lines(&tslog_user, "freebsd15-firecracker-tslog-tail.txt",
                     "SMOLFIRE_TSLOG_USER_BEGIN", "SMOLFIRE_TSLOG_USER_END", false);
        assert_true(tslog.len > 5000);
        assert_true(tslog_user.len > 500);
        nfakes = 0;
        fake_tsc_freq = 2445431964u;
        /* FreeBSD's sysctl sbufs end in a NUL byte. */
        fake_add("kern.ostype", "FreeBSD", 8);
        fake_add("debug.tslog", tslog.buf, tslog.len + 1);
        fake_add("debug.tslog_user", tslog_user.buf, tslog_user.len + 1);
        return 0;
}

static int teardown(void **state)
{
        for (size_t i = 0; i < nfakes; i++)
                sbuf_release(&fakes[i].value);
        nfakes = 0;
        return 0;
}

static void test_sysctl_read_probes_then_reads_whole_value(void **state)
{
        char *buf;
        size_t len;

        assert_int_equal(dumper_sysctl_read("debug.tslog", &buf, &len), 0);
        assert_int_equal(len, tslog.len);
        assert_memory_equal(buf, tslog.buf, len);
        assert_int_equal(buf[len], '\0');
        assert_int_equal(fake_find("debug.tslog")->probes, 1);
        assert_int_equal(fake_find("debug.tslog")->reads, 1);
        free(buf);
}

static void test_sysctl_read_growth_within_slack_needs_one_read(void **state)
{
        struct fake_sysctl *f = fake_find("debug.tslog");
        char *buf;
        size_t len;

        f->grow_by = 1000;
        f->grow_times = 1;
        assert_int_equal(dumper_sysctl_read("debug.tslog", &buf, &len), 0);
        assert_int_equal(f->probes, 1);
        assert_int_equal(f->reads, 1);
        /* The grown value, whole; the NUL that ended the old one is inside. */
        assert_int_equal(len, f->value.len);
        assert_memory_equal(buf, f->value.buf, len);
        assert_memory_equal(buf, tslog.buf, tslog.len);
        free(buf);
}

static void test_sysctl_read_retries_when_value_outgrows_buffer(void **state)
{
        struct fake_sysctl *f = fake_find("debug.tslog");
        char *buf;
        size_t len;

        /* More than the slack (an eighth plus 4 KiB), once. */
        f->grow_by = f->value.len + 8192;
        f->grow_times = 1;
        assert_int_equal(dumper_sysctl_read("debug.tslog", &buf, &len), 0);
        assert_int_equal(f->probes, 2);
        assert_int_equal(f->reads, 2);
        assert_int_equal(len, f->value.len);
        assert_memory_equal(buf, f->value.buf, len);
        free(buf);
}

static void test_sysctl_read_gives_up_on_endless_growth(void **state)
{
        struct fake_sysctl *f = fake_find("debug.tslog");
        char *buf = NULL;
        size_t len;

        /* Always more than the slack, which grows with the value too. */
        f->grow_by = 20 * f->value.len + 8192;
        f->grow_times = 1000;
        assert_int_equal(dumper_sysctl_read("debug.tslog", &buf, &len), -EAGAIN);
        assert_int_equal(f->probes, SYSCTL_ATTEMPTS);
        assert_null(buf);
}

static void test_sysctl_read_missing_name_is_enoent(void **state)
{
        char *buf;
        size_t len;

        assert_int_equal(dumper_sysctl_read("debug.no_such_thing", &buf, &len), -ENOENT);
}

/* Frame what dumper_bsd_collect() gathered into a temporary file. */
static char *collect_and_frame(size_t *len, struct sbuf *log)
{
        struct dumper_report r = DUMPER_REPORT_INIT;
        FILE *f = tmpfile();
        char *buf;
        long n;

        assert_non_null(f);
        assert_int_equal(dumper_bsd_collect(&r, log), 0);
        r.console = "stdout";
        assert_int_equal(dumper_write(fileno(f), &r), 0);
        dumper_report_free(&r);
        n = ftell(f);
        assert_true(n > 0);
        buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        rewind(f);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        buf[n] = '\0';
        fclose(f);
        *len = (size_t)n;
        return buf;
}

static void assert_field(const char *buf, const struct framing_dump *d, const char *key,
                         const char *want)
{
        size_t vlen;
        const char *v = framing_field(buf, d, key, &vlen);

        assert_non_null(v);
        assert_int_equal(vlen, strlen(want));
        assert_memory_equal(v, want, vlen);
}

static void test_collect_frames_tslog_sections_verbatim(void **state)
{
        struct sbuf log = SBUF_INIT;
        const struct framing_section_ref *s;
        struct framing_dump d;
        size_t len, vlen;
        char *buf = collect_and_frame(&len, &log);

        assert_int_equal(log.len, 0);
        assert_int_equal(framing_parse(buf, len, &d), 0);
        assert_int_equal(d.status, FRAMING_OK);
        assert_int_equal(d.nsections, 2);
        assert_field(buf, &d, "os", "freebsd");
        assert_field(buf, &d, "tsc_freq", "2445431964");
        assert_field(buf, &d, "tsc_freq_src", "sysctl");
        assert_field(buf, &d, "console", "stdout");
        assert_non_null(framing_field(buf, &d, "tsc_now", &vlen));
        assert_non_null(framing_field(buf, &d, "uptime_ns", &vlen));
        s = framing_find_section(&d, "tslog");
        assert_non_null(s);
        assert_int_equal(s->len, tslog.len);
        assert_memory_equal(buf + s->off, tslog.buf, tslog.len);
        s = framing_find_section(&d, "tslog_user");
        assert_non_null(s);
        assert_int_equal(s->len, tslog_user.len);
        assert_memory_equal(buf + s->off, tslog_user.buf, tslog_user.len);
        framing_dump_free(&d);
        sbuf_release(&log);
        free(buf);
}

static void test_collect_netbsd_without_tslog_user(void **state)
{
        struct sbuf log = SBUF_INIT;
        struct framing_dump d;
        size_t len;
        char *buf;

        sbuf_reset(&fakes[0].value);
        sbuf_add(&fakes[0].value, "NetBSD", 7);
        fakes[2].name = "not.served";
        buf = collect_and_frame(&len, &log);
        assert_non_null(strstr(log.buf, "sysctl debug.tslog_user "));
        assert_int_equal(framing_parse(buf, len, &d), 0);
        assert_int_equal(d.status, FRAMING_OK);
        assert_field(buf, &d, "os", "netbsd");
        assert_non_null(framing_find_section(&d, "tslog"));
        assert_null(framing_find_section(&d, "tslog_user"));
        framing_dump_free(&d);
        sbuf_release(&log);
        free(buf);
}

static void test_collect_without_tslog_is_enoent(void **state)
{
        struct dumper_report r = DUMPER_REPORT_INIT;
        struct sbuf log = SBUF_INIT;

        fakes[1].name = "not.served";
        fakes[2].name = "not.served.either";
        assert_int_equal(dumper_bsd_collect(&r, &log), -ENOENT);
        assert_int_equal(r.nsections, 0);
        dumper_report_free(&r);
        sbuf_release(&log);
}

static void test_tsc_freq_missing_falls_back_to_cpuid(void **state)
{
        struct dumper_report r = DUMPER_REPORT_INIT;
        struct sbuf log = SBUF_INIT;

        fake_tsc_freq = 0;
        assert_int_equal(dumper_bsd_collect(&r, &log), 0);
        assert_true(strcmp(r.tsc_freq_src, "sysctl") != 0);
        dumper_report_free(&r);
        sbuf_release(&log);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_sysctl_read_probes_then_reads_whole_value, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_sysctl_read_growth_within_slack_needs_one_read,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_sysctl_read_retries_when_value_outgrows_buffer,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_sysctl_read_gives_up_on_endless_growth, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_sysctl_read_missing_name_is_enoent, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_collect_frames_tslog_sections_verbatim, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_collect_netbsd_without_tslog_user, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_collect_without_tslog_is_enoent, setup, teardown),
            cmocka_unit_test_setup_teardown(test_tsc_freq_missing_falls_back_to_cpuid, setup,
                                            teardown),
        };
        int ret = cmocka_run_group_tests(tests, NULL, NULL);

        sbuf_release(&tslog);
        sbuf_release(&tslog_user);
        return ret;
}
