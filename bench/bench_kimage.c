/*
 * bench_kimage: how long kimage_load() takes on real kernels.
 *
 *   bench_kimage [--runs N] FILE...
 *
 * For each FILE (a bzImage: decompress + parse; a vmlinux: parse) prints
 * the median, min and max wall time of N loads (default 5), then of N
 * kimage_parse calls on the file's bytes already in memory (the load
 * without its read), and what was read, so that a number can be told from
 * a failure. The kernels are in
 * the cache: ~/.cache/bootlens/kernels/<version>/boot/vmlinuz-<version>;
 * an unwrapped vmlinux comes from `bootlens guest vmlinux`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/stats.h"
#include "base/util.h"
#include "guest/kimage.h"

#define RUNS_MAX 100

static int bench(const char *path, unsigned runs)
{
        double ms[RUNS_MAX], parse_ms[RUNS_MAX], median_load;
        char *buf;
        size_t len;
        struct kimage *k = NULL;
        char why[256] = "";

        for (unsigned r = 0; r < runs; r++) {
                uint64_t t0 = util_now_ns();
                int ret = kimage_load(path, &k, why, sizeof(why));

                ms[r] = (double)(util_now_ns() - t0) / 1e6;
                if (ret < 0) {
                        fprintf(stderr, "bench_kimage: %s: %s\n", path, why);
                        return 1;
                }
                if (r + 1 < runs)
                        kimage_free(k);
        }
        stats_sort(ms, runs);
        median_load = stats_quantile_sorted(ms, runs, 0.5);
        /* The same without the read: kimage_parse on the bytes in memory. */
        if (util_read_file_max(path, VMLINUX_MAX_SIZE, &buf, &len) < 0) {
                fprintf(stderr, "bench_kimage: cannot read %s\n", path);
                kimage_free(k);
                return 1;
        }
        for (unsigned r = 0; r < runs; r++) {
                struct kimage *pk = NULL;
                uint64_t t0 = util_now_ns();

                if (kimage_parse(buf, len, &pk, why, sizeof(why)) < 0) {
                        fprintf(stderr, "bench_kimage: %s: %s\n", path, why);
                        free(buf);
                        kimage_free(k);
                        return 1;
                }
                parse_ms[r] = (double)(util_now_ns() - t0) / 1e6;
                kimage_free(pk);
        }
        free(buf);
        stats_sort(parse_ms, runs);
        printf("%s\n  %s %s, file %" PRIu64 " bytes, elf %" PRIu64 " bytes, loaded %" PRIu64
               ", %zu sections, %zu symbols\n",
               path, kimage_format_name(k->format),
               k->format == KIMAGE_BZIMAGE ? vmlinux_comp_name(k->comp) : "uncompressed",
               k->file_size, k->elf_size, k->loaded_size, k->nsections, k->nsymbols);
        printf("  kimage_load: median %.2f ms, min %.2f, max %.2f (%u runs)\n", median_load, ms[0],
               ms[runs - 1], runs);
        printf("  kimage_parse in memory: median %.2f ms, min %.2f, max %.2f\n",
               stats_quantile_sorted(parse_ms, runs, 0.5), parse_ms[0], parse_ms[runs - 1]);
        kimage_free(k);
        return 0;
}

int main(int argc, char **argv)
{
        unsigned runs = 5;
        int i = 1, rc = 0;

        if (argc > 2 && strcmp(argv[1], "--runs") == 0) {
                uint64_t v;

                if (util_parse_u64(argv[2], 10, &v) < 0 || v == 0 || v > RUNS_MAX) {
                        fprintf(stderr, "bench_kimage: --runs takes 1 to %d\n", RUNS_MAX);
                        return 2;
                }
                runs = (unsigned)v;
                i = 3;
        }
        if (i >= argc) {
                fprintf(stderr, "usage: bench_kimage [--runs N] FILE...\n");
                return 2;
        }
        for (; i < argc; i++)
                rc |= bench(argv[i], runs);
        return rc;
}
