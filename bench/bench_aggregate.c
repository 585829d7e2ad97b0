/*
 * bench_aggregate: how long the aggregate of a session's runs takes
 * (analyzer/aggregate.h, what "bootlens analyze SESSION" does per run).
 *
 * Generates RUNS Linux kernel logs (default 1,000) of INITCALLS initcalls
 * each (default 600): a "Linux version" line, the clocksource switch (so
 * the kernel's "after N usecs" times each initcall), then per initcall its
 * "calling" and "initcall ... returned" lines, with durations that vary
 * from run to run (a per-initcall base of 10 us to 50 ms, times a factor of
 * 0.8 to 1.25 per run), a few module initcalls on other PIDs, and "Run
 * /init". Then, REPEAT times (default 5), analyses every run through the one
 * pipeline (run_analyse: parse, phases, call trees), extracts its metrics
 * into the aggregate and frees the run, then computes the aggregate
 * (aggregate_finish: every metric's summary, the CIs of the total, the
 * phases and the top 20 functions, the outliers). The inputs are generated
 * before the clock starts; the copy run_analyse takes is timed.
 *
 *   bench_aggregate [--runs N] [--initcalls N] [--repeat N] [--write DIR]
 *
 * Prints "aggregate MIN MEDIAN MAX" in ms over the repeats (the whole
 * aggregate: analysis of every run included), "finish MIN MEDIAN MAX" (the
 * statistics alone), the metrics and their values, and the peak RSS
 * (getrusage ru_maxrss). --write DIR saves the logs as DIR/NNNN.log, for
 * timing the command: bootlens analyze --aggregate DIR/\*.log >/dev/null.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "analyzer/aggregate.h"
#include "analyzer/stats.h"
#include "analyzer/run.h"
#include "base/sbuf.h"
#include "base/util.h"

static struct stats_rng rng; /* seeded in main */

static double uniform(void)
{
        return (double)(stats_rng_next(&rng) >> 11) / 9007199254740992.0;
}

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

/* One run's log into sb. base[i]: initcall i's typical duration in us. */
static int gen_log(struct sbuf *sb, const double *base, size_t n)
{
        double factor = 0.8 + 0.45 * uniform();
        uint64_t t = 500000; /* us */
        int rc = 0;

        sbuf_reset(sb);
        rc |= sbuf_adds(sb, "[    0.000000] Linux version 6.1.0-56-cloud-amd64 (bench)\n");
        rc |= sbuf_adds(sb, "[    0.400000] clocksource: Switched to clocksource tsc\n");
        for (size_t i = 0; i < n && !rc; i++) {
                uint64_t d = (uint64_t)(base[i] * factor * (0.9 + 0.2 * uniform())) + 1;
                unsigned pid = i % 50 == 49 ? 80 + (unsigned)(i % 3) : 1;
                const char *mod = pid == 1 ? "" : " [bench_mod]";
                char line[256];

                snprintf(line, sizeof(line),
                         "[%5" PRIu64 ".%06" PRIu64 "] calling  fn_%zu_init+0x0/0x40%s @ %u\n",
                         t / 1000000, t % 1000000, i, mod, pid);
                rc |= sbuf_adds(sb, line);
                t += d;
                snprintf(line, sizeof(line),
                         "[%5" PRIu64 ".%06" PRIu64 "] initcall fn_%zu_init+0x0/0x40%s returned 0 "
                         "after %" PRIu64 " usecs\n",
                         t / 1000000, t % 1000000, i, mod, d);
                rc |= sbuf_adds(sb, line);
                t += 3;
        }
        t += 20000;
        if (!rc) {
                char line[96];

                snprintf(line, sizeof(line),
                         "[%5" PRIu64 ".%06" PRIu64 "] Run /init as init process\n", t / 1000000,
                         t % 1000000);
                rc |= sbuf_adds(sb, line);
        }
        return rc ? -ENOMEM : 0;
}

static size_t arg(int argc, char **argv, int *i, const char *name)
{
        uint64_t v;

        if (*i + 1 >= argc || util_parse_u64(argv[*i + 1], 10, &v) < 0 || v == 0) {
                fprintf(stderr, "bench_aggregate: %s wants a positive number\n", name);
                exit(2);
        }
        ++*i;
        return (size_t)v;
}

int main(int argc, char **argv)
{
        size_t nruns = 1000, ninit = 600, repeat = 5, nmetrics = 0, nvalues = 0;
        const char *dir = NULL;
        struct sbuf sb = SBUF_INIT;
        char **logs;
        size_t *lens;
        double *base, *total, *fin;
        struct rusage ru;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--runs"))
                        nruns = arg(argc, argv, &i, "--runs");
                else if (!strcmp(argv[i], "--initcalls"))
                        ninit = arg(argc, argv, &i, "--initcalls");
                else if (!strcmp(argv[i], "--repeat"))
                        repeat = arg(argc, argv, &i, "--repeat");
                else if (!strcmp(argv[i], "--write") && i + 1 < argc)
                        dir = argv[++i];
                else {
                        fprintf(stderr, "usage: bench_aggregate [--runs N] [--initcalls N] "
                                        "[--repeat N] [--write DIR]\n");
                        return 2;
                }
        }
        logs = calloc(nruns, sizeof(*logs));
        lens = calloc(nruns, sizeof(*lens));
        base = calloc(ninit, sizeof(*base));
        total = calloc(repeat, sizeof(*total));
        fin = calloc(repeat, sizeof(*fin));
        if (!logs || !lens || !base || !total || !fin)
                return 1;
        stats_rng_seed(&rng, 1);
        for (size_t i = 0; i < ninit; i++) /* 10 us .. 50 ms, mostly short */
                base[i] = 10 * (1 + 5000 * uniform() * uniform() * uniform());
        for (size_t r = 0; r < nruns; r++) {
                if (gen_log(&sb, base, ninit) < 0 || !(logs[r] = malloc(sb.len + 1)))
                        return 1;
                memcpy(logs[r], sb.buf, sb.len + 1);
                lens[r] = sb.len;
                if (dir) {
                        char path[4096];
                        FILE *f;

                        snprintf(path, sizeof(path), "%s/%04zu.log", dir, r + 1);
                        f = fopen(path, "w");
                        if (!f || fwrite(logs[r], 1, lens[r], f) != lens[r] || fclose(f) != 0) {
                                fprintf(stderr, "bench_aggregate: cannot write '%s'\n", path);
                                return 1;
                        }
                }
        }
        sbuf_release(&sb);
        for (size_t k = 0; k < repeat; k++) {
                struct aggregate a = {0};
                struct run_options o = {0};
                double t0 = now_ms(), t1;

                for (size_t r = 0; r < nruns; r++) {
                        struct run run;
                        char *buf = malloc(lens[r] + 1);

                        if (!buf)
                                return 1;
                        memcpy(buf, logs[r], lens[r] + 1);
                        if (run_analyse(&run, "bench", buf, lens[r], &o, NULL, NULL) < 0 ||
                            aggregate_add(&a, &run, (unsigned)r + 1) < 0) {
                                fprintf(stderr, "bench_aggregate: run %zu failed\n", r + 1);
                                return 1;
                        }
                        run_free(&run);
                }
                t1 = now_ms();
                if (aggregate_finish(&a, 20) < 0)
                        return 1;
                total[k] = now_ms() - t0;
                fin[k] = now_ms() - t1;
                nmetrics = a.n;
                nvalues = 0;
                for (size_t i = 0; i < a.n; i++)
                        nvalues += a.v[i].s->present;
                aggregate_free(&a);
        }
        qsort(total, repeat, sizeof(*total), cmp_double);
        qsort(fin, repeat, sizeof(*fin), cmp_double);
        getrusage(RUSAGE_SELF, &ru);
        printf("runs %zu, initcalls %zu per run, repeats %zu: %zu metrics, %zu values\n", nruns,
               ninit, repeat, nmetrics, nvalues);
        printf("aggregate %.1f %.1f %.1f ms (analysis of every run included)\n", total[0],
               total[repeat / 2], total[repeat - 1]);
        printf("finish %.1f %.1f %.1f ms (the statistics alone)\n", fin[0], fin[repeat / 2],
               fin[repeat - 1]);
        printf("peak RSS %.1f MiB (the generated logs included)\n", (double)ru.ru_maxrss / 1024);
        for (size_t r = 0; r < nruns; r++)
                free(logs[r]);
        free(logs);
        free(lens);
        free(base);
        free(total);
        free(fin);
        return 0;
}
