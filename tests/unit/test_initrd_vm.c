/*
 * Unit tests of the initramfs builder (guest/initrd.c) and module info
 * reader (guest/modinfo.c) on Debian's real kernel package (label vm: it
 * is fetched into the bootlens cache, over the network the first time;
 * the executable exits as skipped when it cannot be had): dependency
 * resolution, .ko.xz modules, the archive's contents, reproducible bytes.
 * The tests that need no kernel are in test_initrd.c (label unit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "guest/initrd.h"
#include "guest/kernel_fetch.h"
#include "guest/modinfo.h"

#include "scratch.h"

#include "kernel_fixture.h"

static int fetch_kernel(void **state)
{
        fixture_fetch_kernel();
        return 0;
}

static int free_kernel(void **state)
{
        kernel_paths_free(&kernel);
        return 0;
}

static struct initrd_modtree *open_real_tree(void)
{
        struct initrd_modtree *t = NULL;

        assert_int_equal(initrd_modtree_open(kernel.modules, &t), 0);
        assert_true(initrd_modtree_count(t) > 100);
        return t;
}

/* Every module in order comes after all its non-built-in dependencies. */
static void assert_dependency_order(const struct initrd_module **order, size_t count)
{
        for (size_t i = 0; i < count; i++) {
                struct modinfo mi;
                char *dep, *save = NULL;

                assert_int_equal(modinfo_read_file(order[i]->path, &mi), 0);
                assert_string_equal(mi.name, order[i]->name);
                for (dep = strtok_r(mi.depends, ",", &save); dep;
                     dep = strtok_r(NULL, ",", &save)) {
                        bool earlier = false;

                        modinfo_normalize_name(dep);
                        for (size_t j = 0; j < i; j++)
                                earlier = earlier || strcmp(order[j]->name, dep) == 0;
                        if (!earlier)
                                fail_msg("%s is loaded before its dependency %s", order[i]->name,
                                         dep);
                }
                modinfo_free(&mi);
        }
}

static void test_default_set_resolves_to_virtio_chain(void **state)
{
        static const char *const want[] = {"virtio_ring", "virtio", "virtio_mmio",
                                           "virtio_console"};
        const struct initrd_module **order;
        struct initrd_modtree *t;
        size_t count;

        t = open_real_tree();
        assert_int_equal(initrd_modtree_resolve(t, initrd_default_modules,
                                                initrd_default_modules_count, &order, &count, NULL),
                         0);
        if (strncmp(kernel.release, "6.1.", 4) == 0) {
                assert_int_equal(count, 4);
                for (size_t i = 0; i < count; i++)
                        assert_string_equal(order[i]->name, want[i]);
        }
        assert_dependency_order(order, count);
        free(order);
        initrd_modtree_free(t);
}

static void test_larger_set_loads_each_module_after_its_dependencies(void **state)
{
        static const char *const names[] = {"virtio_net", "virtio_blk", "virtio_scsi", "virtiofs",
                                            "virtio-rng", "nf_tables",  "xfs"};
        const struct initrd_module **order;
        struct initrd_modtree *t;
        const char *bad = NULL;
        size_t count;
        int ret;

        t = open_real_tree();
        ret = initrd_modtree_resolve(t, names, UTIL_ARRAY_SIZE(names), &order, &count, &bad);
        if (ret < 0)
                fail_msg("cannot resolve: %s at '%s'", strerror(-ret), bad ? bad : "?");
        assert_true(count > UTIL_ARRAY_SIZE(names));
        assert_dependency_order(order, count);
        /* Each module once. */
        for (size_t i = 0; i < count; i++)
                for (size_t j = i + 1; j < count; j++)
                        assert_string_not_equal(order[i]->name, order[j]->name);
        free(order);
        initrd_modtree_free(t);
}

static void test_builtin_module_is_skipped(void **state)
{
        struct sbuf path = SBUF_INIT;
        const struct initrd_module **order;
        struct initrd_modtree *t;
        char *builtin, *line, *base;
        const char *name[1];
        size_t len, count;

        sbuf_addf(&path, "%s/modules.builtin", kernel.modules);
        assert_int_equal(util_read_file(path.buf, &builtin, &len), 0);
        line = strtok(builtin, "\n");
        assert_non_null(line);
        base = strrchr(line, '/') ? strrchr(line, '/') + 1 : line;
        *strstr(base, ".ko") = '\0';
        name[0] = base;
        t = open_real_tree();
        assert_int_equal(initrd_modtree_resolve(t, name, 1, &order, &count, NULL), 0);
        assert_int_equal(count, 0);
        free(order);
        initrd_modtree_free(t);
        free(builtin);
        sbuf_release(&path);
}

static void test_unknown_module_is_enoent_and_named(void **state)
{
        static const char *const names[] = {"virtio_console", "no_such_module"};
        const struct initrd_module **order;
        struct initrd_modtree *t;
        const char *bad = NULL;
        size_t count;

        t = open_real_tree();
        assert_int_equal(initrd_modtree_resolve(t, names, 2, &order, &count, &bad), -ENOENT);
        assert_string_equal(bad, "no_such_module");
        initrd_modtree_free(t);
}

static void test_dash_and_underscore_name_the_same_module(void **state)
{
        static const char *const names[] = {"virtio-rng", "virtio_rng"};
        const struct initrd_module **order;
        struct initrd_modtree *t;
        size_t count;

        t = open_real_tree();
        assert_int_equal(initrd_modtree_resolve(t, names, 2, &order, &count, NULL), 0);
        assert_int_equal(count, 3); /* virtio_ring, virtio, virtio_rng */
        assert_string_equal(order[2]->name, "virtio_rng");
        free(order);
        initrd_modtree_free(t);
}

/* ---- a small tree of our own: .ko.xz, missing dependencies, the archive ---- */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
        strcpy(tmpdir, "/tmp/bootlens-test-initrd.XXXXXX");
        assert_non_null(mkdtemp(tmpdir));
        return 0;
}

/* The files the tests below make, then the directories. */
static int rm_tmpdir(void **state)
{
        static const char *const files[] = {"virtio_ring.ko.xz", "virtio.ko.xz",
                                            "virtio_console.ko", "lonely/virtio_console.ko",
                                            "initrd.gz",         "dumper"};
        struct sbuf p = SBUF_INIT;

        for (size_t i = 0; i < UTIL_ARRAY_SIZE(files); i++) {
                sbuf_reset(&p);
                sbuf_addf(&p, "%s/%s", tmpdir, files[i]);
                unlink(p.buf);
        }
        sbuf_reset(&p);
        sbuf_addf(&p, "%s/lonely", tmpdir);
        rmdir(p.buf);
        assert_int_equal(rmdir(tmpdir), 0);
        sbuf_release(&p);
        return 0;
}

/* Copy module NAME from the real tree into dir, xz-compressed if xz. */
static void copy_module(const struct initrd_module *m, const char *dir, bool xz)
{
        struct sbuf out = SBUF_INIT;
        void *data;
        size_t len;

        assert_int_equal(modinfo_load(m->path, &data, &len), 0);
        sbuf_addf(&out, "%s/%s.ko%s", dir, m->name, xz ? ".xz" : "");
        if (xz) {
                size_t cap = len + len / 2 + 4096, pos = 0;
                uint8_t *z = malloc(cap);

                assert_non_null(z);
                assert_int_equal(
                    lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, data, len, z, &pos, cap),
                    LZMA_OK);
                assert_int_equal(util_write_file_atomic(out.buf, z, pos), 0);
                free(z);
        } else {
                assert_int_equal(util_write_file_atomic(out.buf, data, len), 0);
        }
        free(data);
        sbuf_release(&out);
}

static void test_xz_modules_resolve_and_land_decompressed_in_archive(void **state)
{
        static const char *const chain[] = {"virtio_ring", "virtio", "virtio_console"};
        const struct initrd_module **real, **order;
        struct initrd_modtree *t, *mine;
        struct sbuf path = SBUF_INIT, body = SBUF_INIT;
        struct archive *a;
        struct archive_entry *e;
        size_t nreal, count;
        bool saw_init = false, saw_console = false, saw_list = false, saw_mark = false;
        unsigned saw_modules = 0;

        t = open_real_tree();
        assert_int_equal(initrd_modtree_resolve(t, &chain[2], 1, &real, &nreal, NULL), 0);
        assert_int_equal(nreal, 3);
        for (size_t i = 0; i < nreal; i++)
                copy_module(real[i], tmpdir, strcmp(real[i]->name, "virtio_console") != 0);
        sbuf_addf(&path, "%s/dumper", tmpdir);
        assert_int_equal(util_write_file_atomic(path.buf, "#!/bin/true\n", 12), 0);

        assert_int_equal(initrd_modtree_open(tmpdir, &mine), 0);
        assert_int_equal(initrd_modtree_count(mine), 3);
        assert_int_equal(initrd_modtree_resolve(mine, &chain[2], 1, &order, &count, NULL), 0);
        assert_int_equal(count, 3);
        for (size_t i = 0; i < count; i++)
                assert_string_equal(order[i]->name, chain[i]);
        assert_non_null(strstr(order[0]->path, ".ko.xz"));

        sbuf_reset(&path);
        sbuf_addf(&path, "%s/initrd.gz", tmpdir);
        sbuf_reset(&body);
        sbuf_addf(&body, "%s/dumper", tmpdir);
        assert_int_equal(initrd_write(path.buf, body.buf, order, count), 0);

        a = archive_read_new();
        archive_read_support_filter_gzip(a);
        archive_read_support_format_cpio(a);
        assert_int_equal(archive_read_open_filename(a, path.buf, 65536), ARCHIVE_OK);
        assert_int_equal(archive_filter_code(a, 0), ARCHIVE_FILTER_GZIP);
        while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
                const char *name = archive_entry_pathname(e);

                assert_int_equal(archive_format(a), ARCHIVE_FORMAT_CPIO_SVR4_NOCRC);
                assert_int_equal(archive_entry_uid(e), 0);
                assert_int_equal(archive_entry_mtime(e), 0);
                scratch_read_entry(a, &body);
                if (strcmp(name, "init") == 0) {
                        saw_init = true;
                        assert_int_equal(archive_entry_perm(e), 0755);
                        assert_string_equal(body.buf, "#!/bin/true\n");
                } else if (strcmp(name, "dev/console") == 0) {
                        saw_console = true;
                        assert_int_equal(archive_entry_filetype(e), AE_IFCHR);
                        assert_int_equal(major(archive_entry_rdev(e)), 5);
                        assert_int_equal(minor(archive_entry_rdev(e)), 1);
                } else if (strcmp(name, "bin/bootlens-mark") == 0) {
                        saw_mark = true;
                        assert_string_equal(archive_entry_symlink(e), "/init");
                } else if (strcmp(name, "etc/bootlens/modules") == 0) {
                        saw_list = true;
                        assert_string_equal(body.buf, "/lib/modules/virtio_ring.ko\n"
                                                      "/lib/modules/virtio.ko\n"
                                                      "/lib/modules/virtio_console.ko\n");
                } else if (strncmp(name, "lib/modules/", 12) == 0) {
                        struct modinfo mi;

                        saw_modules++;
                        /* Decompressed: a plain ELF object again. */
                        assert_memory_equal(body.buf, "\177ELF", 4);
                        assert_int_equal(modinfo_parse(body.buf, body.len, &mi), 0);
                        assert_non_null(strstr(name, mi.name));
                        modinfo_free(&mi);
                }
        }
        archive_read_free(a);
        assert_true(saw_init && saw_console && saw_list && saw_mark);
        assert_int_equal(saw_modules, 3);
        free(order);
        free(real);
        initrd_modtree_free(mine);
        initrd_modtree_free(t);
        sbuf_release(&path);
        sbuf_release(&body);
}

static void test_missing_dependency_is_named(void **state)
{
        static const char *const name[] = {"virtio_console"};
        const struct initrd_module **real, **order;
        struct initrd_modtree *t, *mine;
        struct sbuf dir = SBUF_INIT;
        const char *bad = NULL;
        size_t nreal, count;

        t = open_real_tree();
        assert_int_equal(initrd_modtree_resolve(t, name, 1, &real, &nreal, NULL), 0);
        sbuf_addf(&dir, "%s/lonely", tmpdir);
        assert_int_equal(util_mkdir_p(dir.buf, 0755), 0);
        copy_module(real[nreal - 1], dir.buf, false);
        assert_int_equal(initrd_modtree_open(dir.buf, &mine), 0);
        assert_int_equal(initrd_modtree_resolve(mine, name, 1, &order, &count, &bad), -ENOENT);
        assert_string_equal(bad, "virtio");
        initrd_modtree_free(mine);
        free(real);
        initrd_modtree_free(t);
        sbuf_release(&dir);
}

static void test_same_inputs_give_same_bytes(void **state)
{
        struct sbuf a = SBUF_INIT, b = SBUF_INIT, dumper = SBUF_INIT;
        char *da, *db;
        size_t la, lb;

        sbuf_addf(&dumper, "%s/dumper", tmpdir);
        sbuf_addf(&a, "%s/initrd.gz", tmpdir);
        sbuf_addf(&b, "%s/virtio_console.ko", tmpdir); /* a name rm_tmpdir removes */
        assert_int_equal(util_write_file_atomic(dumper.buf, "#!/bin/true\n", 12), 0);
        assert_int_equal(initrd_build(kernel.modules, NULL, 0, dumper.buf, a.buf, NULL), 0);
        sleep(1); /* a second later: no time may leak into the archive */
        assert_int_equal(initrd_build(kernel.modules, NULL, 0, dumper.buf, b.buf, NULL), 0);
        assert_int_equal(util_read_file(a.buf, &da, &la), 0);
        assert_int_equal(util_read_file(b.buf, &db, &lb), 0);
        assert_int_equal(la, lb);
        assert_memory_equal(da, db, la);
        free(da);
        free(db);
        sbuf_release(&a);
        sbuf_release(&b);
        sbuf_release(&dumper);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_default_set_resolves_to_virtio_chain),
            cmocka_unit_test(test_larger_set_loads_each_module_after_its_dependencies),
            cmocka_unit_test(test_builtin_module_is_skipped),
            cmocka_unit_test(test_unknown_module_is_enoent_and_named),
            cmocka_unit_test(test_dash_and_underscore_name_the_same_module),
            cmocka_unit_test_setup_teardown(
                test_xz_modules_resolve_and_land_decompressed_in_archive, make_tmpdir, rm_tmpdir),
            cmocka_unit_test_setup_teardown(test_missing_dependency_is_named, make_tmpdir,
                                            rm_tmpdir),
            cmocka_unit_test_setup_teardown(test_same_inputs_give_same_bytes, make_tmpdir,
                                            rm_tmpdir),
        };

        return test_exit(cmocka_run_group_tests(tests, fetch_kernel, free_kernel));
}
