/* hosttsc: see hosttsc.h. */
#include "collector/hosttsc.h"

#include <errno.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>

static uint64_t raw_ns(void)
{
        struct timespec ts;

        /* Not slewed by NTP: the TSC against the clock's own oscillator. */
        clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One round: TSC ticks per CLOCK_MONOTONIC_RAW interval of about ms
 * milliseconds, taking each clock reading between two rdtsc so that a
 * preemption between them shows up as a wide bracket and is skipped. */
static int measure_round(unsigned ms, uint64_t *khz)
{
        uint64_t t0, t1, c0, c1, ns;
        struct timespec req = {0, (long)ms * 1000000L};

        c0 = __rdtsc();
        t0 = raw_ns();
        if (__rdtsc() - c0 > 100000)
                return -EAGAIN;
        nanosleep(&req, NULL);
        c1 = __rdtsc();
        t1 = raw_ns();
        if (__rdtsc() - c1 > 100000)
                return -EAGAIN;
        ns = t1 - t0;
        if (ns == 0 || c1 <= c0)
                return -EIO;
        /* ticks per ms = ticks * 1e6 / ns; done in floating point to keep
         * 64-bit ticks from overflowing. */
        *khz = (uint64_t)((double)(c1 - c0) * 1e6 / (double)ns + 0.5);
        return 0;
}

static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
        if (a > b) {
                uint64_t t = a;
                a = b;
                b = t;
        }
        /* now a <= b */
        if (c <= a)
                return a;
        return c < b ? c : b;
}

int hosttsc_khz(uint64_t *khz)
{
        uint64_t vals[3], v;
        int ok = 0;

        /* 50 ms rounds agree to about 10 ppm here (10 ms rounds: 100 ppm);
         * the median of three is robust to one round disturbed by a
         * preemption the bracket missed. */
        for (int i = 0; i < 6 && ok < 3; i++) {
                int ret = measure_round(50, &v);

                if (ret == -EIO)
                        return ret;
                if (ret == 0)
                        vals[ok++] = v;
        }
        if (ok == 0)
                return -EAGAIN; /* every round was preempted: a busy host */
        v = ok == 3 ? median3(vals[0], vals[1], vals[2]) : vals[0];
        if (v == 0)
                return -EIO;
        *khz = v;
        return 0;
}

#else

int hosttsc_khz(uint64_t *khz)
{
        (void)khz;
        return -ENOTSUP;
}

#endif
