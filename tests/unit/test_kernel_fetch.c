/*
 * Unit tests of the kernel cache (guest/kernel_fetch.c), against stand-in
 * apt-get and apt-cache scripts placed first in PATH: the stand-in apt-get
 * builds a tiny package with the real dpkg-deb, so the unpacking, the
 * cache layout and the reuse (no apt on the second call) are exercised
 * without the network.
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
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "guest/kernel_fetch.h"

#include "scratch.h"

static const char fake_apt_get[] =
    "#!/bin/sh\n"
    "# stand-in apt-get: 'download PKG' builds a small kernel package here\n"
    "echo \"apt-get $*\" >>\"$FAKE_APT_LOG\"\n"
    "[ \"$1\" = download ] || exit 100\n"
    "case \"$2\" in\n"
    "linux-image-7.7.7-1-cloud-amd64) mods=lib/modules ;;\n"
    "linux-image-8.8.8-1-cloud-amd64) mods=usr/lib/modules ;;\n"
    "*) echo \"E: Unable to locate package $2\" >&2; exit 100 ;;\n"
    "esac\n"
    "rel=${2#linux-image-}\n"
    "d=$(mktemp -d)\n"
    "mkdir -p \"$d/DEBIAN\" \"$d/boot\" \"$d/$mods/$rel/kernel\"\n"
    "printf 'Package: %s\\nVersion: 1\\nArchitecture: amd64\\nMaintainer: t <t@example.org>\\n"
    "Description: t\\n' \"$2\" >\"$d/DEBIAN/control\"\n"
    "echo bzImage >\"$d/boot/vmlinuz-$rel\"\n"
    "dpkg-deb -b \"$d\" \"./$2_1_amd64.deb\" >/dev/null || exit 1\n"
    "rm -rf \"$d\"\n";

static const char fake_apt_cache[] = "#!/bin/sh\n"
                                     "echo \"apt-cache $*\" >>\"$FAKE_APT_LOG\"\n"
                                     "echo linux-image-cloud-amd64\n"
                                     "echo '  Depends: linux-image-7.7.7-1-cloud-amd64'\n";

static char dir[64];
static struct sbuf aptlog = SBUF_INIT, cache = SBUF_INIT;
static char *old_path;

static void write_script(const char *name, const char *text)
{
        struct sbuf p = SBUF_INIT;

        sbuf_addf(&p, "%s/bin/%s", dir, name);
        assert_int_equal(util_write_file_atomic(p.buf, text, strlen(text)), 0);
        assert_int_equal(chmod(p.buf, 0755), 0);
        sbuf_release(&p);
}

static int setup(void **state)
{
        struct sbuf p = SBUF_INIT;

        strcpy(dir, "/tmp/bootlens-test-fetch.XXXXXX");
        assert_non_null(mkdtemp(dir));
        sbuf_addf(&p, "%s/bin", dir);
        assert_int_equal(util_mkdir_p(p.buf, 0755), 0);
        write_script("apt-get", fake_apt_get);
        write_script("apt-cache", fake_apt_cache);
        sbuf_reset(&aptlog);
        sbuf_addf(&aptlog, "%s/apt.log", dir);
        setenv("FAKE_APT_LOG", aptlog.buf, 1);
        sbuf_reset(&cache);
        sbuf_addf(&cache, "%s/cache", dir);
        old_path = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
        sbuf_reset(&p);
        sbuf_addf(&p, "%s/bin:%s", dir, old_path);
        setenv("PATH", p.buf, 1);
        sbuf_release(&p);
        return 0;
}

static int teardown(void **state)
{
        /* PATH first: a test may have emptied it. */
        setenv("PATH", old_path, 1);
        free(old_path);
        scratch_rm_rf(dir);
        return 0;
}

/* How many times the stand-in apt tools ran. */
static unsigned apt_runs(void)
{
        char *text;
        size_t len;
        unsigned n = 0;

        if (util_read_file(aptlog.buf, &text, &len) < 0)
                return 0;
        for (size_t i = 0; i < len; i++)
                n += text[i] == '\n';
        free(text);
        return n;
}

static void test_release_name_accepts_short_and_long_forms(void **state)
{
        char *r;

        assert_int_equal(kernel_fetch_release_name("6.1.0-56", &r), 0);
        assert_string_equal(r, "6.1.0-56-cloud-amd64");
        free(r);
        assert_int_equal(kernel_fetch_release_name("6.1.0-56-cloud-amd64", &r), 0);
        assert_string_equal(r, "6.1.0-56-cloud-amd64");
        free(r);
        assert_int_equal(kernel_fetch_release_name("linux-image-6.12.9-amd64", &r), 0);
        assert_string_equal(r, "6.12.9-amd64");
        free(r);
        assert_int_equal(kernel_fetch_release_name("", &r), -EINVAL);
        assert_int_equal(kernel_fetch_release_name("6.1 -x", &r), -EINVAL);
        assert_int_equal(kernel_fetch_release_name("../../etc", &r), -EINVAL);
        assert_int_equal(kernel_fetch_release_name("-o=foo", &r), -EINVAL);
}

static void test_cache_dir_prefers_xdg_then_home(void **state)
{
        char *d;

        setenv("XDG_CACHE_HOME", "/x/cache", 1);
        assert_int_equal(kernel_fetch_cache_dir(&d), 0);
        assert_string_equal(d, "/x/cache/bootlens");
        free(d);
        setenv("XDG_CACHE_HOME", "relative", 1);
        setenv("HOME", "/home/u", 1);
        assert_int_equal(kernel_fetch_cache_dir(&d), 0);
        assert_string_equal(d, "/home/u/.cache/bootlens");
        free(d);
        unsetenv("XDG_CACHE_HOME");
}

static void test_default_kernel_is_downloaded_once_then_reused(void **state)
{
        struct kernel_fetch_opts o = {.cache_dir = cache.buf};
        struct kernel_paths kp;
        struct sbuf want = SBUF_INIT, log = SBUF_INIT;
        unsigned runs;

        assert_int_equal(kernel_fetch(&o, &kp, &log), 0);
        assert_false(kp.cached);
        assert_string_equal(kp.release, "7.7.7-1-cloud-amd64");
        sbuf_addf(&want, "%s/kernels/7.7.7-1-cloud-amd64/boot/vmlinuz-7.7.7-1-cloud-amd64",
                  cache.buf);
        assert_string_equal(kp.kernel, want.buf);
        sbuf_reset(&want);
        sbuf_addf(&want, "%s/kernels/7.7.7-1-cloud-amd64/lib/modules/7.7.7-1-cloud-amd64",
                  cache.buf);
        assert_string_equal(kp.modules, want.buf);
        kernel_paths_free(&kp);
        runs = apt_runs();
        assert_int_equal(runs, 2); /* apt-cache depends, apt-get download */

        assert_int_equal(kernel_fetch(&o, &kp, &log), 0);
        assert_true(kp.cached);
        assert_string_equal(kp.modules, want.buf);
        assert_int_equal(apt_runs(), runs);
        kernel_paths_free(&kp);

        /* No temporary directory is left behind. */
        {
                DIR *d = opendir(cache.buf);
                struct dirent *de;

                assert_non_null(d);
                while ((de = readdir(d)) != NULL)
                        assert_true(strncmp(de->d_name, "tmp.", 4) != 0);
                closedir(d);
        }
        sbuf_release(&want);
        sbuf_release(&log);
}

static void test_merged_usr_package_finds_usr_lib_modules(void **state)
{
        struct kernel_fetch_opts o = {.cache_dir = cache.buf, .version = "8.8.8-1"};
        struct kernel_paths kp;
        struct sbuf log = SBUF_INIT;

        assert_int_equal(kernel_fetch(&o, &kp, &log), 0);
        assert_non_null(strstr(kp.modules, "/usr/lib/modules/8.8.8-1-cloud-amd64"));
        kernel_paths_free(&kp);
        sbuf_release(&log);
}

static void test_unknown_version_reports_apt_error(void **state)
{
        struct kernel_fetch_opts o = {.cache_dir = cache.buf, .version = "9.9.9-9"};
        struct kernel_paths kp;
        struct sbuf log = SBUF_INIT;

        assert_int_equal(kernel_fetch(&o, &kp, &log), -EPROTO);
        assert_non_null(strstr(log.buf, "apt-get download linux-image-9.9.9-9-cloud-amd64"));
        assert_non_null(strstr(log.buf, "exited with status 100"));
        assert_non_null(strstr(log.buf, "Unable to locate package"));
        assert_null(kp.kernel);
        sbuf_release(&log);
}

static void test_missing_tools_are_reported(void **state)
{
        struct kernel_fetch_opts o = {.cache_dir = cache.buf, .version = "7.7.7-1"};
        struct kernel_paths kp;
        struct sbuf log = SBUF_INIT;

        setenv("PATH", "/nonexistent", 1);
        assert_int_equal(kernel_fetch(&o, &kp, &log), -ENOENT);
        assert_non_null(strstr(log.buf, "could not be run"));
        sbuf_release(&log);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_release_name_accepts_short_and_long_forms),
            cmocka_unit_test(test_cache_dir_prefers_xdg_then_home),
            cmocka_unit_test_setup_teardown(test_default_kernel_is_downloaded_once_then_reused,
                                            setup, teardown),
            cmocka_unit_test_setup_teardown(test_merged_usr_package_finds_usr_lib_modules, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_unknown_version_reports_apt_error, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_missing_tools_are_reported, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
