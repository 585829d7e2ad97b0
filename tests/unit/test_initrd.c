/*
 * Unit tests of the initramfs builder (guest/initrd.c) and module info
 * reader (guest/modinfo.c) that need no kernel: a missing module tree,
 * non-ELF input, the dumper's lookup, extra files (--add) and the
 * archive's layout. The tests on Debian's real kernel package are in
 * test_initrd_vm.c (label vm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "guest/initrd.h"
#include "guest/modinfo.h"

#include "scratch.h"

static void test_modtree_open_missing_dir_is_enoent(void **state)
{
        struct initrd_modtree *t;

        assert_int_equal(initrd_modtree_open("/nonexistent/bootlens", &t), -ENOENT);
}

static void test_modinfo_rejects_non_elf(void **state)
{
        struct modinfo mi;

        assert_int_equal(modinfo_parse("not an ELF object", 17, &mi), -EINVAL);
}

static void test_find_dumper_honours_environment(void **state)
{
        char *path;

        setenv("BOOTLENS_DUMPER", "/bin/sh", 1);
        assert_int_equal(initrd_find_dumper(&path), 0);
        assert_string_equal(path, "/bin/sh");
        free(path);
        setenv("BOOTLENS_DUMPER", "/nonexistent/dumper", 1);
        assert_int_equal(initrd_find_dumper(&path), -ENOENT);
        unsetenv("BOOTLENS_DUMPER");
}

/* ---- extra files (--add SRC:DEST) ---- */

static char adddir[64];

static void add_path(struct sbuf *p, const char *name)
{
        sbuf_reset(p);
        sbuf_addf(p, "%s/%s", adddir, name);
}

static int make_adddir(void **state)
{
        static const struct {
                const char *name, *body;
                mode_t mode;
        } files[] = {
            {"dumper", "#!/bin/true\n", 0755},
            {"init-real", "#!/bin/busybox sh\n/bin/bootlens-mark rc-start\n", 0750},
            {"rc.conf", "step=1\n", 0640},
        };
        struct sbuf p = SBUF_INIT;

        strcpy(adddir, "/tmp/bootlens-test-add.XXXXXX");
        assert_non_null(mkdtemp(adddir));
        for (size_t i = 0; i < UTIL_ARRAY_SIZE(files); i++) {
                add_path(&p, files[i].name);
                assert_int_equal(
                    util_write_file_atomic(p.buf, files[i].body, strlen(files[i].body)), 0);
                assert_int_equal(chmod(p.buf, files[i].mode), 0);
        }
        add_path(&p, "subdir");
        assert_int_equal(mkdir(p.buf, 0755), 0);
        sbuf_release(&p);
        return 0;
}

static int rm_adddir(void **state)
{
        static const char *const files[] = {"dumper", "init-real", "rc.conf", "initrd.gz"};
        struct sbuf p = SBUF_INIT;

        for (size_t i = 0; i < UTIL_ARRAY_SIZE(files); i++) {
                add_path(&p, files[i]);
                unlink(p.buf);
        }
        add_path(&p, "subdir");
        rmdir(p.buf);
        assert_int_equal(rmdir(adddir), 0);
        sbuf_release(&p);
        return 0;
}

/* The archive as text, one entry a line: type, mode, path, then the
 * size (a file) or the target (a symlink). */
static void list_archive(const char *path, struct sbuf *out)
{
        struct archive *a = archive_read_new();
        struct archive_entry *e;
        struct sbuf body = SBUF_INIT;

        archive_read_support_filter_gzip(a);
        archive_read_support_format_cpio(a);
        assert_int_equal(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
        sbuf_reset(out);
        while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
                unsigned type = archive_entry_filetype(e);

                assert_int_equal(archive_entry_uid(e), 0);
                assert_int_equal(archive_entry_gid(e), 0);
                assert_int_equal(archive_entry_mtime(e), 0);
                scratch_read_entry(a, &body);
                sbuf_addf(out, "%c %04o %s",
                          type == AE_IFDIR   ? 'd'
                          : type == AE_IFLNK ? 'l'
                          : type == AE_IFCHR ? 'c'
                                             : '-',
                          (unsigned)archive_entry_perm(e), archive_entry_pathname(e));
                if (type == AE_IFREG)
                        sbuf_addf(out, " %zu", body.len);
                if (type == AE_IFLNK)
                        sbuf_addf(out, " -> %s", archive_entry_symlink(e));
                sbuf_addf(out, "\n");
        }
        archive_read_free(a);
        sbuf_release(&body);
}

static void test_added_files_keep_mode_and_get_parent_dirs(void **state)
{
        struct sbuf dumper = SBUF_INIT, init = SBUF_INIT, conf = SBUF_INIT, out = SBUF_INIT,
                    list = SBUF_INIT;
        struct initrd_add adds[3];
        long bad = 7;

        add_path(&dumper, "dumper");
        add_path(&init, "init-real");
        add_path(&conf, "rc.conf");
        add_path(&out, "initrd.gz");
        adds[0] = (struct initrd_add){init.buf, "/sbin/init-real"};
        adds[1] = (struct initrd_add){conf.buf, "/etc/rc.d/conf/rc.conf"};
        adds[2] = (struct initrd_add){dumper.buf, "/bin/tool"};
        assert_int_equal(initrd_write_adds(out.buf, dumper.buf, NULL, 0, adds, 3, &bad), 0);
        assert_int_equal(bad, -1);
        list_archive(out.buf, &list);
        assert_string_equal(list.buf, "d 0755 bin\n"
                                      "d 0755 dev\n"
                                      "d 0755 etc\n"
                                      "d 0755 etc/bootlens\n"
                                      "d 0755 lib\n"
                                      "d 0755 lib/modules\n"
                                      "d 0755 proc\n"
                                      "d 0755 sys\n"
                                      "d 0755 tmp\n"
                                      "c 0600 dev/console\n"
                                      "- 0755 init 12\n"
                                      "l 0777 bin/bootlens-mark -> /init\n"
                                      "- 0644 etc/bootlens/modules 0\n"
                                      "d 0755 sbin\n"
                                      "- 0750 sbin/init-real 46\n"
                                      "d 0755 etc/rc.d\n"
                                      "d 0755 etc/rc.d/conf\n"
                                      "- 0640 etc/rc.d/conf/rc.conf 7\n"
                                      "- 0755 bin/tool 12\n");
        sbuf_release(&dumper);
        sbuf_release(&init);
        sbuf_release(&conf);
        sbuf_release(&out);
        sbuf_release(&list);
}

/* guest initrd --poweroff: the dumper as /init and the marker file, no
 * modules list and no bootlens-mark. */
static void test_poweroff_image_is_bare(void **state)
{
        struct sbuf dumper = SBUF_INIT, out = SBUF_INIT, list = SBUF_INIT;

        add_path(&dumper, "dumper");
        add_path(&out, "initrd.gz");
        assert_int_equal(initrd_write_poweroff(out.buf, dumper.buf), 0);
        list_archive(out.buf, &list);
        assert_string_equal(list.buf, "d 0755 bin\n"
                                      "d 0755 dev\n"
                                      "d 0755 etc\n"
                                      "d 0755 etc/bootlens\n"
                                      "d 0755 lib\n"
                                      "d 0755 lib/modules\n"
                                      "d 0755 proc\n"
                                      "d 0755 sys\n"
                                      "d 0755 tmp\n"
                                      "c 0600 dev/console\n"
                                      "- 0755 init 12\n"
                                      "- 0644 etc/bootlens/poweroff 0\n");
        assert_int_equal(initrd_write_poweroff(out.buf, "/nonexistent/dumper"), -ENOENT);
        sbuf_release(&dumper);
        sbuf_release(&out);
        sbuf_release(&list);
}

static void test_check_dest_refuses_relative_dot_dot_and_empty_components(void **state)
{
        static const char *const bad[] = {"",       "sbin/init", "/",      "/..", "/sbin/../init",
                                          "/a/./b", "/a//b",     "/a/",    "/.",  "/a/b/..",
                                          "/a\nb",  "/a\tb",     "/a\177b"};
        static const char *const good[] = {"/init-real", "/sbin/init-real", "/a/..b", "/.rc",
                                           "/a/b.../c"};

        for (size_t i = 0; i < UTIL_ARRAY_SIZE(bad); i++)
                assert_int_equal(initrd_check_dest(bad[i]), -EINVAL);
        for (size_t i = 0; i < UTIL_ARRAY_SIZE(good); i++)
                assert_int_equal(initrd_check_dest(good[i]), 0);
}

static void test_parse_add_splits_at_the_last_colon(void **state)
{
        char ok[] = "/host/a:b/init:/sbin/init", nocolon[] = "/host/init", nosrc[] = ":/sbin/init",
             rel[] = "/host/init:sbin/init", dotdot[] = "/host/init:/../init";
        struct initrd_add a;

        assert_int_equal(initrd_parse_add(ok, &a), 0);
        assert_string_equal(a.src, "/host/a:b/init");
        assert_string_equal(a.dest, "/sbin/init");
        assert_int_equal(initrd_parse_add(nocolon, &a), -EINVAL);
        assert_int_equal(initrd_parse_add(nosrc, &a), -EINVAL);
        assert_int_equal(initrd_parse_add(rel, &a), -EINVAL);
        assert_int_equal(initrd_parse_add(dotdot, &a), -EINVAL);
        assert_string_equal(dotdot, "/host/init:/../init"); /* untouched on error */
}

/* Each refused add is named by its index and leaves no output file. */
static void test_refused_adds_are_named_and_write_nothing(void **state)
{
        struct sbuf dumper = SBUF_INIT, init = SBUF_INIT, dir = SBUF_INIT, out = SBUF_INIT;
        const struct {
                int src; /* 0 init-real, 1 a directory, 2 a missing file */
                const char *dest;
                int err;
        } cases[] = {
            {0, "/init", -EEXIST}, /* the dumper's place */
            {0, "/etc", -EEXIST},  /* a directory of the image */
            {0, "/bin/bootlens-mark", -EEXIST},
            {0, "/init/x", -ENOTDIR}, /* below a file */
            {1, "/sbin/init-real", -EISDIR},
            {2, "/sbin/init-real", -ENOENT},
            {0, "/sbin/../init", -EINVAL},
        };
        long bad;

        add_path(&dumper, "dumper");
        add_path(&init, "init-real");
        add_path(&dir, "subdir");
        add_path(&out, "initrd.gz");
        for (size_t i = 0; i < UTIL_ARRAY_SIZE(cases); i++) {
                const char *src = cases[i].src == 0   ? init.buf
                                  : cases[i].src == 1 ? dir.buf
                                                      : "/nonexistent/bootlens/init";
                struct initrd_add adds[2] = {{init.buf, "/sbin/first"}, {src, cases[i].dest}};

                bad = -1;
                assert_int_equal(initrd_write_adds(out.buf, dumper.buf, NULL, 0, adds, 2, &bad),
                                 cases[i].err);
                assert_int_equal(bad, 1);
                assert_int_equal(access(out.buf, F_OK), -1);
        }
        /* The same destination twice: the second is refused. */
        {
                struct initrd_add twice[2] = {{init.buf, "/sbin/init-real"},
                                              {dumper.buf, "/sbin/init-real"}};

                assert_int_equal(initrd_write_adds(out.buf, dumper.buf, NULL, 0, twice, 2, &bad),
                                 -EEXIST);
                assert_int_equal(bad, 1);
                assert_int_equal(access(out.buf, F_OK), -1);
        }
        sbuf_release(&dumper);
        sbuf_release(&init);
        sbuf_release(&dir);
        sbuf_release(&out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_modtree_open_missing_dir_is_enoent),
            cmocka_unit_test(test_modinfo_rejects_non_elf),
            cmocka_unit_test(test_find_dumper_honours_environment),
            cmocka_unit_test_setup_teardown(test_added_files_keep_mode_and_get_parent_dirs,
                                            make_adddir, rm_adddir),
            cmocka_unit_test_setup_teardown(test_poweroff_image_is_bare, make_adddir, rm_adddir),
            cmocka_unit_test(test_check_dest_refuses_relative_dot_dot_and_empty_components),
            cmocka_unit_test(test_parse_add_splits_at_the_last_colon),
            cmocka_unit_test_setup_teardown(test_refused_adds_are_named_and_write_nothing,
                                            make_adddir, rm_adddir),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
