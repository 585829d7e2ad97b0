/*
 * bench_hosttsc: how well the host TSC rate is measured
 * (collector/hosttsc.c), i.e. how far apart repeated measurements land.
 * The unit test only checks that the rate is plausible; the spread (about
 * 10 ppm on the machines here) depends on the host's load.
 *
 *   bench_hosttsc [--runs N]
 *
 * Prints one line: "hosttsc_khz MIN MEDIAN MAX spread_ppm PPM", PPM being
 * (MAX - MIN) / MEDIAN in parts per million, over N measurements (5).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "collector/hosttsc.h"

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
        uint64_t runs = 5, *v;
        size_t n = 0;

        if (argc == 3 && strcmp(argv[1], "--runs") == 0) {
                if (util_parse_u64(argv[2], 10, &runs) < 0 || runs == 0 || runs > 1000) {
                        fprintf(stderr, "bench_hosttsc: --runs wants 1 to 1000\n");
                        return 2;
                }
        } else if (argc != 1) {
                fprintf(stderr, "usage: bench_hosttsc [--runs N]\n");
                return 2;
        }
        v = calloc(runs, sizeof(*v));
        if (!v)
                return 1;
        for (uint64_t i = 0; i < runs; i++) {
                int ret = hosttsc_khz(&v[n]);

                if (ret == 0)
                        n++;
                else if (ret != -EAGAIN) {
                        fprintf(stderr, "bench_hosttsc: %s\n", strerror(-ret));
                        free(v);
                        return 1;
                }
        }
        if (n == 0) {
                fprintf(stderr, "bench_hosttsc: the host was too busy for every measurement\n");
                free(v);
                return 1;
        }
        qsort(v, n, sizeof(*v), cmp_u64);
        printf("hosttsc_khz %llu %llu %llu spread_ppm %.1f\n", (unsigned long long)v[0],
               (unsigned long long)v[n / 2], (unsigned long long)v[n - 1],
               1e6 * (double)(v[n - 1] - v[0]) / (double)v[n / 2]);
        free(v);
        return 0;
}
