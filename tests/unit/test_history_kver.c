/*
 * vmlinux_kernel_version_file() (guest/vmlinux.h) on Debian's real kernels
 * that "bootlens guest fetch-kernel" has cached (CACHE/kernels/VERSION/
 * boot/vmlinuz-VERSION): the version read from each one's setup header is
 * the VERSION its package names. No network: without a cached kernel the
 * test is skipped (exit 77), never passed. The crafted headers are in
 * test_history.c.
 */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guest/kernel_fetch.h"
#include "guest/vmlinux.h"
#include "skip.h"

static void test_vmlinux_kernel_version_of_the_cached_kernels(void **state)
{
        char *cache = NULL, *pattern = NULL;
        glob_t g = {0};

        (void)state;
        if (kernel_fetch_cache_dir(&cache) < 0)
                test_skip("no bootlens cache directory");
        assert_true(asprintf(&pattern, "%s/kernels/*/boot/vmlinuz-*", cache) > 0);
        free(cache);
        if (glob(pattern, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
                free(pattern);
                globfree(&g);
                test_skip("no kernel cached by 'bootlens guest fetch-kernel'");
        }
        free(pattern);
        for (size_t i = 0; i < g.gl_pathc; i++) {
                const char *want = strrchr(g.gl_pathv[i], '/') + strlen("/vmlinuz-");
                char *v = NULL, why[256];
                int rc = vmlinux_kernel_version_file(g.gl_pathv[i], &v, why, sizeof(why));

                if (rc)
                        fprintf(stderr, "%s: %s\n", g.gl_pathv[i], why);
                assert_int_equal(rc, 0);
                fprintf(stderr, "%s: %s\n", g.gl_pathv[i], v);
                assert_string_equal(v, want);
                free(v);
        }
        globfree(&g);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_vmlinux_kernel_version_of_the_cached_kernels),
        };

        return test_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
