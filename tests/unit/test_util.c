/*
 * Unit tests of the base library: base/util.c (I/O that survives short
 * reads and EINTR, whole-file reads, atomic writes, mkdir -p, number
 * parsing) and base/sbuf.c (the growable buffer whose buf is never NULL).
 *
 * The short reads and the EINTR come from a real pipe: a child writes in
 * small chunks with pauses while a timer signal, whose handler is
 * installed without SA_RESTART, interrupts the parent's read(2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "base/util.h"

#include "scratch.h"

/* ---- a scratch directory per test ---- */

static char dir[64];

static int make_dir(void **state)
{
        strcpy(dir, "/tmp/bootlens-test-util.XXXXXX");
        assert_non_null(mkdtemp(dir));
        return 0;
}

static int remove_dir(void **state)
{
        chmod(dir, 0700); /* a test may have made it read-only */
        scratch_rm_rf(dir);
        return 0;
}

static void path_in_dir(struct sbuf *p, const char *name)
{
        sbuf_reset(p);
        assert_int_equal(sbuf_addf(p, "%s/%s", dir, name), 0);
}

/* Names in dir, sorted, one a line. */
static void list_dir(const char *d, struct sbuf *out)
{
        struct dirent **names;
        int n = scandir(d, &names, NULL, alphasort);

        assert_true(n >= 0);
        sbuf_reset(out);
        for (int i = 0; i < n; i++) {
                if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0)
                        sbuf_addf(out, "%s\n", names[i]->d_name);
                free(names[i]);
        }
        free(names);
}

/* ---- util_read_full / util_write_full through a pipe ---- */

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
        alarms++;
}

/* A child that writes len bytes of pattern into fd in chunks of chunk
 * bytes, pausing pause_us between them, then exits. */
static pid_t slow_writer(int fd, size_t len, size_t chunk, long pause_us)
{
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                struct timespec ts = {0, pause_us * 1000};

                for (size_t off = 0; off < len; off += chunk) {
                        unsigned char buf[64];
                        size_t n = len - off < chunk ? len - off : chunk;

                        for (size_t i = 0; i < n; i++)
                                buf[i] = (unsigned char)((off + i) * 7);
                        if (write(fd, buf, n) != (ssize_t)n)
                                _exit(1);
                        nanosleep(&ts, NULL);
                }
                _exit(0);
        }
        return pid;
}

static void assert_pattern(const unsigned char *buf, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (buf[i] != (unsigned char)(i * 7))
                        fail_msg("byte %zu is %u, want %u", i, buf[i], (unsigned char)(i * 7));
}

static void test_read_full_survives_short_reads_and_eintr(void **state)
{
        struct sigaction sa = {0}, old;
        struct itimerval every = {{0, 2000}, {0, 2000}}, off = {{0, 0}, {0, 0}};
        unsigned char buf[600];
        int fds[2], status;
        pid_t pid;
        ssize_t n;

        /* No SA_RESTART: a pending read(2) fails with EINTR. */
        sa.sa_handler = on_alarm;
        sigemptyset(&sa.sa_mask);
        assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
        assert_int_equal(pipe(fds), 0);
        pid = slow_writer(fds[1], sizeof(buf), 37, 5000);
        close(fds[1]);
        alarms = 0;
        assert_int_equal(setitimer(ITIMER_REAL, &every, NULL), 0);
        n = util_read_full(fds[0], buf, sizeof(buf));
        assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
        assert_int_equal(n, sizeof(buf));
        assert_pattern(buf, sizeof(buf));
        /* The timer fired while read(2) waited for the next chunk. */
        assert_true(alarms > 0);
        /* At end of file: the count read so far, then 0. */
        assert_int_equal(util_read_full(fds[0], buf, sizeof(buf)), 0);
        close(fds[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        sigaction(SIGALRM, &old, NULL);
}

static void test_read_full_returns_a_short_count_at_end_of_file(void **state)
{
        unsigned char buf[100];
        int fds[2], status;
        pid_t pid;

        assert_int_equal(pipe(fds), 0);
        pid = slow_writer(fds[1], 50, 9, 1000);
        close(fds[1]);
        assert_int_equal(util_read_full(fds[0], buf, sizeof(buf)), 50);
        assert_pattern(buf, 50);
        close(fds[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void test_read_full_on_a_bad_fd_is_ebadf(void **state)
{
        char c;

        assert_int_equal(util_read_full(-1, &c, 1), -EBADF);
        assert_int_equal(util_write_full(-1, &c, 1), -EBADF);
}

/* More than a pipe holds (64 KiB): the writer blocks and resumes. */
static void test_write_full_writes_everything_through_a_pipe(void **state)
{
        size_t len = 256 * 1024;
        unsigned char *out = malloc(len), *in = malloc(len);
        int fds[2], status;
        pid_t pid;

        assert_non_null(out);
        assert_non_null(in);
        for (size_t i = 0; i < len; i++)
                out[i] = (unsigned char)(i * 7);
        assert_int_equal(pipe(fds), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(fds[0]);
                _exit(util_write_full(fds[1], out, len) == 0 ? 0 : 1);
        }
        close(fds[1]);
        assert_int_equal(util_read_full(fds[0], in, len), len);
        assert_int_equal(util_read_full(fds[0], in, 1), 0);
        assert_pattern(in, len);
        close(fds[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        free(out);
        free(in);
}

static void test_write_full_to_a_closed_pipe_is_epipe(void **state)
{
        struct sigaction ign = {0}, old;
        int fds[2];

        ign.sa_handler = SIG_IGN;
        assert_int_equal(sigaction(SIGPIPE, &ign, &old), 0);
        assert_int_equal(pipe(fds), 0);
        close(fds[0]);
        assert_int_equal(util_write_full(fds[1], "x", 1), -EPIPE);
        close(fds[1]);
        sigaction(SIGPIPE, &old, NULL);
}

/* ---- util_read_file ---- */

static void test_read_file_keeps_nul_bytes_and_terminates(void **state)
{
        static const char body[] = "a\0b\0\0c";
        struct sbuf p = SBUF_INIT;
        char *data;
        size_t len;

        path_in_dir(&p, "nul");
        assert_int_equal(util_write_file_atomic(p.buf, body, sizeof(body) - 1), 0);
        assert_int_equal(util_read_file(p.buf, &data, &len), 0);
        assert_int_equal(len, sizeof(body) - 1);
        assert_memory_equal(data, body, len);
        assert_int_equal(data[len], '\0');
        free(data);
        sbuf_release(&p);
}

static void test_read_file_of_an_empty_file_is_an_empty_string(void **state)
{
        struct sbuf p = SBUF_INIT;
        char *data = NULL;
        size_t len = 99;

        path_in_dir(&p, "empty");
        assert_int_equal(util_write_file_atomic(p.buf, "", 0), 0);
        assert_int_equal(util_read_file(p.buf, &data, &len), 0);
        assert_int_equal(len, 0);
        assert_non_null(data);
        assert_string_equal(data, "");
        free(data);
        sbuf_release(&p);
}

static void test_read_file_larger_than_one_read(void **state)
{
        size_t len = 200 * 1000 + 3;
        unsigned char *body = malloc(len);
        struct sbuf p = SBUF_INIT;
        char *data;
        size_t got;

        assert_non_null(body);
        for (size_t i = 0; i < len; i++)
                body[i] = (unsigned char)(i * 7);
        path_in_dir(&p, "big");
        assert_int_equal(util_write_file_atomic(p.buf, body, len), 0);
        assert_int_equal(util_read_file(p.buf, &data, &got), 0);
        assert_int_equal(got, len);
        assert_pattern((unsigned char *)data, len);
        free(data);
        free(body);
        sbuf_release(&p);
}

static void test_read_file_errors_are_negative_errno(void **state)
{
        char *data = (char *)"untouched";
        size_t len = 7;

        assert_int_equal(util_read_file("/nonexistent/bootlens", &data, &len), -ENOENT);
        assert_string_equal(data, "untouched");
        assert_int_equal(len, 7);
        assert_int_equal(util_read_file(dir, &data, &len), -EISDIR);
}

/* ---- util_write_file_atomic ---- */

static void test_write_file_atomic_replaces_whole_and_leaves_no_temp(void **state)
{
        struct sbuf p = SBUF_INIT, names = SBUF_INIT;
        char *data;
        size_t len;

        path_in_dir(&p, "run.json");
        assert_int_equal(util_write_file_atomic(p.buf, "first version\n", 14), 0);
        assert_int_equal(util_write_file_atomic(p.buf, "second\n", 7), 0);
        assert_int_equal(util_read_file(p.buf, &data, &len), 0);
        assert_string_equal(data, "second\n");
        free(data);
        list_dir(dir, &names);
        assert_string_equal(names.buf, "run.json\n");
        sbuf_release(&p);
        sbuf_release(&names);
}

/* A write that cannot happen leaves the old file whole (or no file) and
 * no temporary. As root a read-only directory is writable, so a
 * directory that does not exist stands in for it. */
static void test_write_file_atomic_failure_leaves_file_whole_or_absent(void **state)
{
        struct sbuf p = SBUF_INIT, names = SBUF_INIT;
        char *data;
        size_t len;
        int ret;

        path_in_dir(&p, "kept");
        assert_int_equal(util_write_file_atomic(p.buf, "old\n", 4), 0);
        if (geteuid() != 0) {
                assert_int_equal(chmod(dir, 0500), 0);
                ret = util_write_file_atomic(p.buf, "new\n", 4);
                assert_true(ret == -EACCES || ret == -EROFS);
                path_in_dir(&p, "absent");
                ret = util_write_file_atomic(p.buf, "new\n", 4);
                assert_true(ret == -EACCES || ret == -EROFS);
                assert_int_equal(chmod(dir, 0700), 0);
        }
        path_in_dir(&p, "missing/absent");
        assert_int_equal(util_write_file_atomic(p.buf, "new\n", 4), -ENOENT);
        /* A directory in the way of the rename: the temp is removed. */
        path_in_dir(&p, "adir");
        assert_int_equal(mkdir(p.buf, 0700), 0);
        ret = util_write_file_atomic(p.buf, "new\n", 4);
        assert_true(ret == -EISDIR || ret == -EEXIST || ret == -ENOTEMPTY);

        path_in_dir(&p, "kept");
        assert_int_equal(util_read_file(p.buf, &data, &len), 0);
        assert_string_equal(data, "old\n");
        free(data);
        list_dir(dir, &names);
        assert_string_equal(names.buf, "adir\nkept\n");
        sbuf_release(&p);
        sbuf_release(&names);
}

static void test_write_file_atomic_refuses_a_path_too_long(void **state)
{
        char *path = malloc(PATH_MAX + 1);

        assert_non_null(path);
        memset(path, 'a', PATH_MAX);
        path[0] = '/';
        path[PATH_MAX] = '\0';
        assert_int_equal(util_write_file_atomic(path, "x", 1), -ENAMETOOLONG);
        free(path);
}

/* ---- util_mkdir_p ---- */

static void test_mkdir_p_makes_every_parent_and_accepts_existing(void **state)
{
        struct sbuf p = SBUF_INIT;
        struct stat st;

        path_in_dir(&p, "a/b/c");
        assert_int_equal(util_mkdir_p(p.buf, 0755), 0);
        assert_int_equal(stat(p.buf, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(util_mkdir_p(p.buf, 0755), 0); /* again: fine */
        path_in_dir(&p, "a/b/c/");
        assert_int_equal(util_mkdir_p(p.buf, 0755), 0); /* trailing slash */
        path_in_dir(&p, "a//b2");
        assert_int_equal(util_mkdir_p(p.buf, 0755), 0);
        path_in_dir(&p, "a/b2");
        assert_int_equal(stat(p.buf, &st), 0);
        sbuf_release(&p);
}

static void test_mkdir_p_errors(void **state)
{
        struct sbuf p = SBUF_INIT;

        path_in_dir(&p, "file");
        assert_int_equal(util_write_file_atomic(p.buf, "x", 1), 0);
        path_in_dir(&p, "file/sub");
        assert_int_equal(util_mkdir_p(p.buf, 0755), -ENOTDIR);
        path_in_dir(&p, "file");
        /* An existing file where the directory should be. */
        assert_int_equal(util_mkdir_p(p.buf, 0755), -EEXIST);
        sbuf_release(&p);
}

/* ---- util_parse_u64 ---- */

static void test_parse_u64_accepts_whole_numbers(void **state)
{
        uint64_t v = 1;

        assert_int_equal(util_parse_u64("0", 10, &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(util_parse_u64("18446744073709551615", 10, &v), 0);
        assert_true(v == UINT64_MAX);
        assert_int_equal(util_parse_u64("0x1f", 0, &v), 0);
        assert_int_equal(v, 31);
        assert_int_equal(util_parse_u64("1f", 16, &v), 0);
        assert_int_equal(v, 31);
        assert_int_equal(util_parse_u64("007", 10, &v), 0);
        assert_int_equal(v, 7);
}

static void test_parse_u64_refuses_junk_signs_and_overflow(void **state)
{
        static const char *const junk[] = {
            "", " 1", "+1", "-1", "-0", "1 ", "1x", "0x", "x1", "1.5", "1e3", "\t1", "1\n",
        };
        uint64_t v = 42;

        for (size_t i = 0; i < UTIL_ARRAY_SIZE(junk); i++)
                if (util_parse_u64(junk[i], 10, &v) != -EINVAL)
                        fail_msg("'%s' was not refused", junk[i]);
        assert_int_equal(util_parse_u64(NULL, 10, &v), -EINVAL);
        assert_int_equal(util_parse_u64("0x", 0, &v), -EINVAL);
        assert_int_equal(util_parse_u64("18446744073709551616", 10, &v), -ERANGE);
        assert_int_equal(util_parse_u64("99999999999999999999999", 10, &v), -ERANGE);
        assert_int_equal(util_parse_u64("0x10000000000000000", 0, &v), -ERANGE);
        assert_int_equal(v, 42); /* untouched on every error */
}

/* ---- struct sbuf ---- */

static void test_sbuf_buf_is_never_null(void **state)
{
        struct sbuf a = SBUF_INIT, b;
        char *s;
        size_t len = 9;

        assert_non_null(a.buf);
        assert_string_equal(a.buf, "");
        assert_int_equal(a.len, 0);
        memset(&b, 0, sizeof(b));
        sbuf_init(&b);
        assert_non_null(b.buf);
        assert_string_equal(b.buf, "");

        sbuf_reset(&a); /* nothing allocated yet */
        assert_non_null(a.buf);
        assert_int_equal(sbuf_adds(&a, "hello"), 0);
        sbuf_reset(&a);
        assert_non_null(a.buf);
        assert_string_equal(a.buf, "");
        assert_int_equal(a.len, 0);

        sbuf_release(&a);
        assert_non_null(a.buf);
        assert_string_equal(a.buf, "");
        assert_int_equal(a.cap, 0);
        sbuf_release(&a); /* twice: fine */

        /* detach of an empty buffer: an allocated "" the caller frees */
        s = sbuf_detach(&b, &len);
        assert_non_null(s);
        assert_string_equal(s, "");
        assert_int_equal(len, 0);
        assert_non_null(b.buf);
        assert_string_equal(b.buf, "");
        free(s);

        assert_int_equal(sbuf_adds(&b, "data"), 0);
        s = sbuf_detach(&b, NULL);
        assert_string_equal(s, "data");
        assert_non_null(b.buf);
        assert_string_equal(b.buf, "");
        assert_int_equal(b.len, 0);
        free(s);
        sbuf_release(&b);
}

static void test_sbuf_zeroed_struct_takes_adds(void **state)
{
        struct sbuf z;

        memset(&z, 0, sizeof(z));
        assert_int_equal(sbuf_addch(&z, 'x'), 0);
        assert_string_equal(z.buf, "x");
        sbuf_release(&z);
        assert_non_null(z.buf);
}

static void test_sbuf_keeps_nul_bytes(void **state)
{
        struct sbuf sb = SBUF_INIT;
        char *s;
        size_t len;

        assert_int_equal(sbuf_add(&sb, "a\0b", 3), 0);
        assert_int_equal(sbuf_addch(&sb, '\0'), 0);
        assert_int_equal(sbuf_add(&sb, "", 0), 0);
        assert_int_equal(sb.len, 4);
        assert_memory_equal(sb.buf, "a\0b\0", 5); /* and the terminating NUL */
        s = sbuf_detach(&sb, &len);
        assert_int_equal(len, 4);
        assert_memory_equal(s, "a\0b\0", 5);
        free(s);
}

static void test_sbuf_addf_grows_past_its_first_allocation(void **state)
{
        struct sbuf sb = SBUF_INIT, want = SBUF_INIT;
        char big[1000];

        memset(big, 'z', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        for (int i = 0; i < 500; i++) {
                assert_int_equal(sbuf_addf(&sb, "%d,", i), 0);
                assert_true(sb.len < sb.cap);
                assert_int_equal(sb.buf[sb.len], '\0');
        }
        assert_int_equal(sbuf_addf(&sb, "[%s]", big), 0);
        for (int i = 0; i < 500; i++) {
                char num[16];

                snprintf(num, sizeof(num), "%d,", i);
                sbuf_adds(&want, num);
        }
        sbuf_addch(&want, '[');
        sbuf_adds(&want, big);
        sbuf_addch(&want, ']');
        assert_int_equal(sb.len, want.len);
        assert_string_equal(sb.buf, want.buf);
        assert_int_equal(strlen(sb.buf), sb.len);
        sbuf_release(&sb);
        sbuf_release(&want);
}

static void test_sbuf_grow_refuses_overflow_and_keeps_contents(void **state)
{
        struct sbuf sb = SBUF_INIT;

        assert_int_equal(sbuf_adds(&sb, "kept"), 0);
        assert_int_equal(sbuf_grow(&sb, SIZE_MAX), -ENOMEM);
        assert_int_equal(sbuf_grow(&sb, SIZE_MAX - 2), -ENOMEM);
        assert_string_equal(sb.buf, "kept");
        assert_int_equal(sb.len, 4);
        sbuf_release(&sb);
}

/* util_printable: printable ASCII stays, anything else (and a
 * backslash) is \xNN, a long name is cut with "...", dst never overflows. */
static void expect_shell_word(const char *s, const char *want)
{
        char *w = NULL;

        assert_int_equal(util_shell_word(s, &w), 0);
        assert_string_equal(w, want);
        free(w);
}

/* the commands messages suggest can be pasted: one shell word each */
static void test_util_shell_word_quotes_what_a_shell_splits(void **state)
{
        (void)state;
        expect_shell_word("/tmp/h.db", "/tmp/h.db");
        expect_shell_word("postgresql://ci@db:5432/boot", "postgresql://ci@db:5432/boot");
        expect_shell_word("", "''");
        expect_shell_word("a b", "'a b'");
        expect_shell_word("postgresql:///b?host=/tmp&port=5", "'postgresql:///b?host=/tmp&port=5'");
        expect_shell_word("user='ci' password=***", "'user='\\''ci'\\'' password=***'");
        expect_shell_word("$(rm -rf ~)", "'$(rm -rf ~)'");
}

static void test_util_has_word_whole_and_prefix(void **state)
{
        const char *line = "  console=ttyS0 quiet  bootlens.kallsyms=1 panic=-1";

        (void)state;
        assert_true(util_has_word(line, "quiet", false));
        assert_true(util_has_word(line, "bootlens.kallsyms=1", false));
        assert_false(util_has_word(line, "bootlens.kallsyms", false));
        assert_true(util_has_word(line, "bootlens.kallsyms", true));
        assert_true(util_has_word(line, "console=ttyS", true));
        assert_false(util_has_word(line, "console=ttyS", false));
        assert_false(util_has_word(line, "ttyS0", true)); /* not inside a word */
        assert_false(util_has_word(line, "panic", false));
        assert_true(util_has_word(line, "panic=-1", false));
        assert_false(util_has_word("", "quiet", true));
        assert_false(util_has_word(NULL, "quiet", true));
}

static void test_util_printable_escapes_and_caps(void **state)
{
        char buf[64], small[8];

        assert_string_equal(util_printable(buf, sizeof(buf), ".text", 48), ".text");
        assert_string_equal(util_printable(buf, sizeof(buf), "a\nb\x1b[31m\xff\\", 48),
                            "a\\x0ab\\x1b[31m\\xff\\x5c");
        assert_string_equal(util_printable(buf, sizeof(buf), "\xe2\x86\x92", 48),
                            "\\xe2\\x86\\x92");
        assert_string_equal(util_printable(buf, sizeof(buf), "abcdefghij", 4), "abcd...");
        assert_string_equal(util_printable(buf, sizeof(buf), "abcd", 4), "abcd");
        /* the room runs out before max: cut at a whole escape */
        assert_string_equal(util_printable(small, sizeof(small),
                                           "ab\x01"
                                           "cdef",
                                           48),
                            "ab\\x01c");
        assert_string_equal(util_printable(small, sizeof(small), "abcdefghij", 48), "abcdefg");
        assert_string_equal(util_printable(buf, 1, "abc", 48), "");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_read_full_survives_short_reads_and_eintr),
            cmocka_unit_test(test_read_full_returns_a_short_count_at_end_of_file),
            cmocka_unit_test(test_read_full_on_a_bad_fd_is_ebadf),
            cmocka_unit_test(test_write_full_writes_everything_through_a_pipe),
            cmocka_unit_test(test_write_full_to_a_closed_pipe_is_epipe),
            cmocka_unit_test_setup_teardown(test_read_file_keeps_nul_bytes_and_terminates, make_dir,
                                            remove_dir),
            cmocka_unit_test_setup_teardown(test_read_file_of_an_empty_file_is_an_empty_string,
                                            make_dir, remove_dir),
            cmocka_unit_test_setup_teardown(test_read_file_larger_than_one_read, make_dir,
                                            remove_dir),
            cmocka_unit_test_setup_teardown(test_read_file_errors_are_negative_errno, make_dir,
                                            remove_dir),
            cmocka_unit_test_setup_teardown(
                test_write_file_atomic_replaces_whole_and_leaves_no_temp, make_dir, remove_dir),
            cmocka_unit_test_setup_teardown(
                test_write_file_atomic_failure_leaves_file_whole_or_absent, make_dir, remove_dir),
            cmocka_unit_test(test_write_file_atomic_refuses_a_path_too_long),
            cmocka_unit_test_setup_teardown(test_mkdir_p_makes_every_parent_and_accepts_existing,
                                            make_dir, remove_dir),
            cmocka_unit_test_setup_teardown(test_mkdir_p_errors, make_dir, remove_dir),
            cmocka_unit_test(test_parse_u64_accepts_whole_numbers),
            cmocka_unit_test(test_parse_u64_refuses_junk_signs_and_overflow),
            cmocka_unit_test(test_sbuf_buf_is_never_null),
            cmocka_unit_test(test_sbuf_zeroed_struct_takes_adds),
            cmocka_unit_test(test_sbuf_keeps_nul_bytes),
            cmocka_unit_test(test_sbuf_addf_grows_past_its_first_allocation),
            cmocka_unit_test(test_sbuf_grow_refuses_overflow_and_keeps_contents),
            cmocka_unit_test(test_util_printable_escapes_and_caps),
            cmocka_unit_test(test_util_has_word_whole_and_prefix),
            cmocka_unit_test(test_util_shell_word_quotes_what_a_shell_splits),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
