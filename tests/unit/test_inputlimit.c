/* Unit tests of the input limit (base/util.c: util_read_fd_max,
 * util_read_file_max, util_read_file, util_input_limit, util_parse_size,
 * util_format_size). issue 10, bug 7: `analyze /dev/zero` read until the
 * memory ran out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"

static void test_inputlimit_parse_size(void **state)
{
        uint64_t v = 0;

        (void)state;
        assert_int_equal(util_parse_size("300000", &v), 0);
        assert_true(v == 300000);
        assert_int_equal(util_parse_size("1K", &v), 0);
        assert_true(v == 1024);
        assert_int_equal(util_parse_size("512m", &v), 0);
        assert_true(v == 512ull << 20);
        assert_int_equal(util_parse_size("2GiB", &v), 0);
        assert_true(v == 2ull << 30);
        assert_int_equal(util_parse_size("3TB", &v), 0);
        assert_true(v == 3ull << 40);
        assert_int_equal(util_parse_size("0", &v), 0);
        assert_int_equal(util_parse_size("", &v), -EINVAL);
        assert_int_equal(util_parse_size("M", &v), -EINVAL);
        assert_int_equal(util_parse_size("-1", &v), -EINVAL);
        assert_int_equal(util_parse_size(" 1", &v), -EINVAL);
        assert_int_equal(util_parse_size("1 M", &v), -EINVAL);
        assert_int_equal(util_parse_size("1X", &v), -EINVAL);
        assert_int_equal(util_parse_size("1MM", &v), -EINVAL);
        assert_int_equal(util_parse_size("1Mi", &v), -EINVAL);
        assert_int_equal(util_parse_size("16777216T", &v), -ERANGE);
        assert_int_equal(util_parse_size("18446744073709551616", &v), -ERANGE);
        assert_int_equal(util_parse_size(NULL, &v), -EINVAL);
}

static void test_inputlimit_format_size(void **state)
{
        char b[32];

        (void)state;
        assert_string_equal(util_format_size(256ull << 20, b, sizeof(b)), "256 MiB");
        assert_string_equal(util_format_size(1ull << 30, b, sizeof(b)), "1 GiB");
        assert_string_equal(util_format_size(3072, b, sizeof(b)), "3 KiB");
        assert_string_equal(util_format_size(1536, b, sizeof(b)), "1536 bytes");
        assert_string_equal(util_format_size(100, b, sizeof(b)), "100 bytes");
        assert_string_equal(util_format_size(0, b, sizeof(b)), "0 bytes");
}

static void test_inputlimit_from_the_environment(void **state)
{
        uint64_t max = 0;

        (void)state;
        unsetenv(UTIL_INPUT_MAX_ENV);
        assert_int_equal(util_input_limit(&max), 0);
        assert_true(max == UTIL_INPUT_MAX_DEFAULT);
        assert_true(max == 256ull << 20);
        setenv(UTIL_INPUT_MAX_ENV, "1G", 1);
        assert_int_equal(util_input_limit(&max), 0);
        assert_true(max == 1ull << 30);
        setenv(UTIL_INPUT_MAX_ENV, "lots", 1);
        assert_int_equal(util_input_limit(&max), -EINVAL);
        assert_true(max == UTIL_INPUT_MAX_DEFAULT);
        setenv(UTIL_INPUT_MAX_ENV, "0", 1);
        assert_int_equal(util_input_limit(&max), -EINVAL);
        unsetenv(UTIL_INPUT_MAX_ENV);
}

/* An endless input stops at max + 1 bytes with -EFBIG. */
static void test_inputlimit_endless_input_stops(void **state)
{
        char *data = NULL;
        size_t len = 0;

        (void)state;
        assert_int_equal(util_read_file_max("/dev/zero", 1000000, &data, &len), -EFBIG);
        assert_null(data);
        setenv(UTIL_INPUT_MAX_ENV, "64K", 1);
        assert_int_equal(util_read_file("/dev/zero", &data, &len), -EFBIG);
        unsetenv(UTIL_INPUT_MAX_ENV);
}

/* Exactly max bytes through a pipe (short reads) are fine, max + 1 not. */
static void test_inputlimit_exact_size_through_a_pipe(void **state)
{
        static const size_t sizes[] = {0, 1, 65535, 65536, 65537, 200000};

        (void)state;
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                for (int over = 0; over < 2; over++) {
                        size_t n = sizes[i] + (size_t)over, len = 0;
                        char *buf = malloc(n + 1), *data = NULL;
                        int fd[2], ret;
                        pid_t pid;

                        assert_non_null(buf);
                        memset(buf, 'x', n);
                        assert_int_equal(pipe(fd), 0);
                        pid = fork();
                        assert_true(pid >= 0);
                        if (pid == 0) {
                                close(fd[0]);
                                _exit(util_write_full(fd[1], buf, n) == 0 ? 0 : 1);
                        }
                        close(fd[1]);
                        ret = util_read_fd_max(fd[0], sizes[i], &data, &len);
                        close(fd[0]);
                        if (over) {
                                assert_int_equal(ret, -EFBIG);
                                assert_null(data);
                        } else {
                                assert_int_equal(ret, 0);
                                assert_int_equal(len, n);
                                assert_int_equal(data[len], '\0');
                                assert_memory_equal(data, buf, n);
                        }
                        free(data);
                        free(buf);
                        while (wait(NULL) < 0 && errno == EINTR)
                                ;
                }
        }
}

/* A read error is the read's errno, not the open's. */
static void test_inputlimit_read_error_is_the_reads(void **state)
{
        char *data = NULL;
        size_t len;

        (void)state;
        assert_int_equal(util_read_file_max("/", 100, &data, &len), -EISDIR);
        assert_int_equal(util_read_file_max("/nonexistent/x", 100, &data, &len), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_inputlimit_parse_size),
            cmocka_unit_test(test_inputlimit_format_size),
            cmocka_unit_test(test_inputlimit_from_the_environment),
            cmocka_unit_test(test_inputlimit_endless_input_stops),
            cmocka_unit_test(test_inputlimit_exact_size_through_a_pipe),
            cmocka_unit_test(test_inputlimit_read_error_is_the_reads),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
