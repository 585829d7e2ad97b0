/* Unit tests of the guest number scanner (base/util.c: util_scan_u64,
 * util_scan_u64_all, util_scan_fixed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* Scan all of s (no NUL after it: a copy of exactly strlen(s) bytes). */
static int scan_all(const char *s, int base, unsigned flags, uint64_t *v)
{
        size_t n = strlen(s);
        char *exact = malloc(n ? n : 1);
        int ret;

        assert_non_null(exact);
        memcpy(exact, s, n);
        ret = util_scan_u64_all(exact, n, base, flags, v);
        free(exact);
        return ret;
}

static void test_numscan_refuses_empty_text(void **state)
{
        uint64_t v = 7;
        const char *p = "";

        (void)state;
        assert_int_equal(util_scan_u64(&p, p, 10, 0, &v), -EINVAL);
        assert_int_equal(scan_all("", 10, 0, &v), -EINVAL);
        assert_int_equal(scan_all("", 16, 0, &v), -EINVAL);
        assert_int_equal(v, 7);
}

static void test_numscan_reads_max_u64_and_refuses_max_plus_one(void **state)
{
        uint64_t v = 0;

        (void)state;
        assert_int_equal(scan_all("18446744073709551615", 10, 0, &v), 0);
        assert_true(v == UINT64_MAX);
        assert_int_equal(scan_all("18446744073709551616", 10, 0, &v), -ERANGE);
        assert_int_equal(scan_all("99999999999999999999999", 10, 0, &v), -ERANGE);
        assert_int_equal(scan_all("ffffffffffffffff", 16, 0, &v), 0);
        assert_true(v == UINT64_MAX);
        assert_int_equal(scan_all("10000000000000000", 16, 0, &v), -ERANGE);
}

static void test_numscan_range_error_moves_past_the_digits(void **state)
{
        static const char text[] = "18446744073709551616 rest";
        const char *p = text;
        uint64_t v = 3;

        (void)state;
        assert_int_equal(util_scan_u64(&p, text + sizeof(text) - 1, 10, 0, &v), -ERANGE);
        assert_ptr_equal(p, text + 20);
        assert_int_equal(v, 3);
}

static void test_numscan_accepts_leading_zeros(void **state)
{
        uint64_t v = 0;

        (void)state;
        assert_int_equal(scan_all("0", 10, 0, &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(scan_all("000000000000000000000000042", 10, 0, &v), 0);
        assert_int_equal(v, 42);
        assert_int_equal(scan_all("00000000000000000000ffffffffffffffff", 16, 0, &v), 0);
        assert_true(v == UINT64_MAX);
}

static void test_numscan_refuses_a_sign(void **state)
{
        const char *minus = "-1", *plus = "+1";
        uint64_t v = 9;

        (void)state;
        assert_int_equal(util_scan_u64(&minus, minus + 2, 10, 0, &v), -EINVAL);
        assert_int_equal(util_scan_u64(&plus, plus + 2, 10, 0, &v), -EINVAL);
        assert_int_equal(scan_all("-1", 16, UTIL_SCAN_0X, &v), -EINVAL);
        assert_int_equal(scan_all(" 1", 10, 0, &v), -EINVAL);
        assert_int_equal(v, 9);
}

static void test_numscan_0x_prefix_only_when_asked(void **state)
{
        uint64_t v = 0;
        const char *p = "0x";

        (void)state;
        assert_int_equal(scan_all("0x1f", 16, UTIL_SCAN_0X, &v), 0);
        assert_int_equal(v, 0x1f);
        assert_int_equal(scan_all("0x1f", 16, 0, &v), -EINVAL); /* "0", then junk */
        assert_int_equal(scan_all("0x1f", 10, UTIL_SCAN_0X, &v), -EINVAL);
        /* "0x" alone is the digit 0 followed by junk, not a number */
        assert_int_equal(scan_all("0x", 16, UTIL_SCAN_0X, &v), -EINVAL);
        assert_int_equal(util_scan_u64(&p, p + 2, 16, UTIL_SCAN_0X, &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(*p, 'x');
        assert_int_equal(scan_all("0X1F", 16, UTIL_SCAN_0X, &v), -EINVAL);
        assert_int_equal(scan_all("0X1F", 16, UTIL_SCAN_0X | UTIL_SCAN_ANYCASE, &v), 0);
        assert_int_equal(v, 0x1f);
}

static void test_numscan_refuses_upper_case_hex_unless_asked(void **state)
{
        uint64_t v = 0;

        (void)state;
        assert_int_equal(scan_all("1a2b3c4d", 16, 0, &v), 0);
        assert_int_equal(v, 0x1a2b3c4d);
        assert_int_equal(scan_all("1A2B3C4D", 16, 0, &v), -EINVAL);
        assert_int_equal(scan_all("A", 16, 0, &v), -EINVAL);
        assert_int_equal(scan_all("1A2B3C4D", 16, UTIL_SCAN_ANYCASE, &v), 0);
        assert_int_equal(v, 0x1a2b3c4d);
        assert_int_equal(scan_all("a", 10, UTIL_SCAN_ANYCASE, &v), -EINVAL);
}

static void test_numscan_stops_at_trailing_junk(void **state)
{
        static const char text[] = "123abc";
        const char *p = text;
        uint64_t v = 0;

        (void)state;
        assert_int_equal(util_scan_u64(&p, text + 6, 10, 0, &v), 0);
        assert_int_equal(v, 123);
        assert_ptr_equal(p, text + 3);
        assert_int_equal(scan_all("123abc", 10, 0, &v), -EINVAL);
        assert_int_equal(scan_all("123 ", 10, 0, &v), -EINVAL);
        assert_int_equal(scan_all("12\n", 10, 0, &v), -EINVAL);
        /* end bounds the scan: the digits after it are not read */
        p = text;
        assert_int_equal(util_scan_u64(&p, text + 2, 10, 0, &v), 0);
        assert_int_equal(v, 12);
}

static void test_numscan_fixed_point(void **state)
{
        const char *p;
        uint64_t v = 0;

        (void)state;
        p = "1.5 us";
        assert_int_equal(util_scan_fixed(&p, p + 6, 1000, &v), 0);
        assert_int_equal(v, 1500);
        assert_string_equal(p, " us");
        p = "0.262998]";
        assert_int_equal(util_scan_fixed(&p, p + 9, 1000000000, &v), 0);
        assert_int_equal(v, 262998000);
        assert_int_equal(*p, ']');
        p = "7.123456789123"; /* digits finer than the unit are dropped */
        assert_int_equal(util_scan_fixed(&p, p + 14, 1000000, &v), 0);
        assert_int_equal(v, 7123456);
        assert_int_equal(*p, '\0');
        p = "12.";
        assert_int_equal(util_scan_fixed(&p, p + 3, 1, &v), 0);
        assert_int_equal(v, 12);
        p = ".5";
        assert_int_equal(util_scan_fixed(&p, p + 2, 1000, &v), -EINVAL);
        p = "-1.0";
        assert_int_equal(util_scan_fixed(&p, p + 4, 1000, &v), -EINVAL);
        p = "18446744073709551615";
        assert_int_equal(util_scan_fixed(&p, p + 20, 1, &v), 0);
        assert_true(v == UINT64_MAX);
        p = "18446744073.709551615";
        assert_int_equal(util_scan_fixed(&p, p + 21, 1000000000, &v), 0);
        assert_true(v == UINT64_MAX);
        p = "18446744073.709551616";
        assert_int_equal(util_scan_fixed(&p, p + 21, 1000000000, &v), -ERANGE);
        p = "18446744074.0";
        assert_int_equal(util_scan_fixed(&p, p + 13, 1000000000, &v), -ERANGE);
}

static void test_numscan_parse_u64_reads_whole_arguments(void **state)
{
        uint64_t v = 0;

        (void)state;
        assert_int_equal(util_parse_u64("42", 10, &v), 0);
        assert_int_equal(v, 42);
        assert_int_equal(util_parse_u64("18446744073709551615", 10, &v), 0);
        assert_true(v == UINT64_MAX);
        assert_int_equal(util_parse_u64("18446744073709551616", 10, &v), -ERANGE);
        assert_int_equal(util_parse_u64("0x1F", 0, &v), 0);
        assert_int_equal(v, 31);
        assert_int_equal(util_parse_u64("010", 0, &v), 0); /* decimal, not octal */
        assert_int_equal(v, 10);
        assert_int_equal(util_parse_u64("ff", 16, &v), 0);
        assert_int_equal(v, 255);
        assert_int_equal(util_parse_u64("", 10, &v), -EINVAL);
        assert_int_equal(util_parse_u64("-1", 10, &v), -EINVAL);
        assert_int_equal(util_parse_u64("+1", 10, &v), -EINVAL);
        assert_int_equal(util_parse_u64("\t1", 10, &v), -EINVAL);
        assert_int_equal(util_parse_u64("1 ", 10, &v), -EINVAL);
        assert_int_equal(util_parse_u64("0x", 0, &v), -EINVAL);
        assert_int_equal(util_parse_u64("12", 8, &v), -EINVAL);
        assert_int_equal(util_parse_u64(NULL, 10, &v), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_numscan_refuses_empty_text),
            cmocka_unit_test(test_numscan_reads_max_u64_and_refuses_max_plus_one),
            cmocka_unit_test(test_numscan_range_error_moves_past_the_digits),
            cmocka_unit_test(test_numscan_accepts_leading_zeros),
            cmocka_unit_test(test_numscan_refuses_a_sign),
            cmocka_unit_test(test_numscan_0x_prefix_only_when_asked),
            cmocka_unit_test(test_numscan_refuses_upper_case_hex_unless_asked),
            cmocka_unit_test(test_numscan_stops_at_trailing_junk),
            cmocka_unit_test(test_numscan_fixed_point),
            cmocka_unit_test(test_numscan_parse_u64_reads_whole_arguments),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
