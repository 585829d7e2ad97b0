/* Unit tests of the host TSC rate (collector/hosttsc.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "collector/hosttsc.h"

static void test_hosttsc_rate_is_plausible_and_repeatable(void **state)
{
#if defined(__x86_64__) || defined(__i386__)
        uint64_t a, b, diff;

        assert_int_equal(hosttsc_khz(&a), 0);
        assert_int_equal(hosttsc_khz(&b), 0);
        /* 100 MHz to 10 GHz */
        assert_in_range(a, 100000, 10000000);
        /* two measurements agree to 0.1% (they do to ~10 ppm) */
        diff = a > b ? a - b : b - a;
        assert_true(diff * 1000 <= a);
#else
        uint64_t a;

        assert_int_equal(hosttsc_khz(&a), -ENOTSUP);
#endif
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_hosttsc_rate_is_plausible_and_repeatable),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
