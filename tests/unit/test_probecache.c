/*
 * Unit tests of the accelerator probe's cache (collector/probecache.c):
 * where it lives, what a lookup finds for which key, that a store
 * replaces its key's entry and keeps the others, and that a file that is
 * not a cache is an error for a lookup and simply replaced by a store.
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

#include "base/util.h"
#include "collector/probecache.h"

#include "scratch.h"

static char dir[] = "/tmp/bootlens-probecache-XXXXXX";

static int setup(void **state)
{
        (void)state;
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        scratch_rm_rf(dir);
        return 0;
}

static const struct probecache_key kvm = {"host", "6.1.0 #1 SMP", "QEMU emulator version 7.2.0",
                                          "kvm"};

static void test_probecache_path_prefers_bootlens_cache_dir(void **state)
{
        char *p;

        (void)state;
        setenv("BOOTLENS_CACHE_DIR", "/c/bl", 1);
        setenv("XDG_CACHE_HOME", "/x/cache", 1);
        assert_int_equal(probecache_path(&p), 0);
        assert_string_equal(p, "/c/bl/probe-cache.json");
        free(p);
        unsetenv("BOOTLENS_CACHE_DIR");
        assert_int_equal(probecache_path(&p), 0);
        assert_string_equal(p, "/x/cache/bootlens/probe-cache.json");
        free(p);
        unsetenv("XDG_CACHE_HOME");
        setenv("HOME", "/home/u", 1);
        assert_int_equal(probecache_path(&p), 0);
        assert_string_equal(p, "/home/u/.cache/bootlens/probe-cache.json");
        free(p);
}

static void test_probecache_stores_and_finds_by_whole_key(void **state)
{
        struct probecache_entry e = {
            .works = false, .why = "no dump within 8 s", .probed = "2026-12-01T15:00:00Z"};
        struct probecache_key other = kvm;
        char path[256], err[256];
        struct probecache_entry got;

        (void)state;
        snprintf(path, sizeof(path), "%s/a/b/probe-cache.json", dir);
        assert_int_equal(probecache_lookup(path, &kvm, &got, err, sizeof(err)), 0);
        assert_int_equal(probecache_store(path, &kvm, &e), 0); /* makes a/b */
        assert_int_equal(probecache_lookup(path, &kvm, &got, err, sizeof(err)), 1);
        assert_false(got.works);
        assert_string_equal(got.why, "no dump within 8 s");
        assert_string_equal(got.probed, "2026-12-01T15:00:00Z");
        /* Another QEMU, host kernel or accelerator is another key. */
        other.qemu_version = "QEMU emulator version 8.0.0";
        assert_int_equal(probecache_lookup(path, &other, &got, err, sizeof(err)), 0);
        other = kvm;
        other.host_kernel = "6.1.0 #2 SMP";
        assert_int_equal(probecache_lookup(path, &other, &got, err, sizeof(err)), 0);
        other = kvm;
        other.accel = "nvmm";
        assert_int_equal(probecache_lookup(path, &other, &got, err, sizeof(err)), 0);

        /* A second key is added; storing a key again replaces its entry. */
        e.works = true;
        e.why[0] = '\0';
        assert_int_equal(probecache_store(path, &other, &e), 0);
        assert_int_equal(probecache_store(path, &kvm, &e), 0);
        assert_int_equal(probecache_lookup(path, &kvm, &got, err, sizeof(err)), 1);
        assert_true(got.works);
        assert_int_equal(probecache_lookup(path, &other, &got, err, sizeof(err)), 1);
        assert_true(got.works);
}

static void test_probecache_garbage_is_an_error_then_replaced(void **state)
{
        static const char *const bad[] = {
            "not json",
            "[]",
            "{\"kind\": \"bootlens-run\", \"schema_version\": 1, \"probes\": []}",
            "{\"kind\": \"bootlens-probe-cache\", \"schema_version\": 2, \"probes\": []}",
            "{\"kind\": \"bootlens-probe-cache\", \"schema_version\": 1, \"probes\": 3}",
            "{\"kind\": \"bootlens-probe-cache\", \"schema_version\": 1, \"probes\": "
            "[{\"hostname\": "
            "\"host\", \"host_kernel\": \"6.1.0 #1 SMP\", \"qemu_version\": \"QEMU emulator "
            "version 7.2.0\", \"accel\": \"kvm\", \"works\": \"no\", \"probed\": \"x\"}]}",
        };
        struct probecache_entry e = {.works = false, .why = "x", .probed = "2026-12-01T15:00:00Z"};
        struct probecache_entry got;
        char path[256], err[256];

        (void)state;
        snprintf(path, sizeof(path), "%s/bad.json", dir);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(util_write_file_atomic(path, bad[i], strlen(bad[i])), 0);
                err[0] = '\0';
                assert_int_equal(probecache_lookup(path, &kvm, &got, err, sizeof(err)), -EINVAL);
                assert_non_null(strstr(err, path));
                assert_int_equal(probecache_store(path, &kvm, &e), 0);
                assert_int_equal(probecache_lookup(path, &kvm, &got, err, sizeof(err)), 1);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_probecache_path_prefers_bootlens_cache_dir),
            cmocka_unit_test(test_probecache_stores_and_finds_by_whole_key),
            cmocka_unit_test(test_probecache_garbage_is_an_error_then_replaced),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
