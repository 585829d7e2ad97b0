/* hosttsc: see hosttsc.h. */
#include "collector/hosttsc.h"

#include <errno.h>
#include <time.h>

#include "analyzer/util.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>

/* One round: TSC ticks per CLOCK_MONOTONIC interval of about ms
 * milliseconds, taking each clock reading between two rdtsc so that a
 * preemption between them shows up as a wide bracket and is skipped. */
static int measure_round(unsigned ms, uint64_t *khz)
{
        uint64_t t0, t1, c0, c1, ns;
        struct timespec req = {0, (long)ms * 1000000L};

        c0 = __rdtsc();
        t0 = util_now_ns();
        if (__rdtsc() - c0 > 100000)
                return -EAGAIN;
        nanosleep(&req, NULL);
        c1 = __rdtsc();
        t1 = util_now_ns();
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

int hosttsc_khz(uint64_t *khz)
{
        uint64_t best = 0, v;
        int ok = 0;

        /* Rounds agree to a few ppm; the median of three is robust to one
         * round disturbed by a preemption the bracket missed. */
        uint64_t vals[3];
        for (int i = 0; i < 6 && ok < 3; i++) {
                int ret = measure_round(10, &v);

                if (ret == -EIO)
                        return ret;
                if (ret == 0)
                        vals[ok++] = v;
        }
        if (ok == 0)
                return -EIO;
        if (ok == 3) {
                uint64_t a = vals[0], b = vals[1], c = vals[2];
                best = a > b ? (b > c ? b : (a > c ? c : a)) : (a > c ? a : (b > c ? c : b));
        } else {
                best = vals[0];
        }
        if (best == 0)
                return -EIO;
        *khz = best;
        return 0;
}

#else

int hosttsc_khz(uint64_t *khz)
{
        (void)khz;
        return -ENOTSUP;
}

#endif
