/*
 * Unit tests of the host TSC rate (collector/hosttsc.c): a plausible rate,
 * or a visible skip when the host is too busy to measure it. How close two
 * measurements come (about 10 ppm) is a benchmark's business, not a unit
 * test's: bench/bench_hosttsc.c prints it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "collector/hosttsc.h"

#include "skip.h"

static void test_hosttsc_rate_is_plausible(void **state)
{
#if defined(__x86_64__) || defined(__i386__)
        uint64_t khz = 0;
        int ret = hosttsc_khz(&khz);

        if (ret == -EAGAIN)
                test_skip("the host was too busy to measure its TSC rate (every round preempted)");
        assert_int_equal(ret, 0);
        /* 100 MHz to 10 GHz */
        assert_in_range(khz, 100000, 10000000);
#else
        uint64_t khz;

        assert_int_equal(hosttsc_khz(&khz), -ENOTSUP);
#endif
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_hosttsc_rate_is_plausible),
        };
        return test_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
