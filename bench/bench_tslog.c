/*
 * bench_tslog: how long `bootlens analyze` takes on a full tslog buffer.
 *
 * Generates a realistic dump of 262,144 records (TSLOGSIZE, the size of the
 * kernel's buffer): a console preamble and META/BEGIN/END markers, a boot
 * thread (hammer_time, mi_startup, SYSINIT name pairs, start_init) and
 * several kernel threads with THREAD names and EVENT records, nesting up to
 * 12 deep, recursion, and a user-space section. Then times each stage of
 * the analyze command over it: parse, call trees + phases, and the three
 * renderers (into /dev/null).
 *
 *   bench_tslog [--runs N] [--records N] [--write FILE]
 *
 * --write also saves the generated dump, so that the command itself can be
 * timed: time bootlens analyze FILE >/dev/null
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/run.h"
#include "base/sbuf.h"
#include "base/util.h"
#include "reports/folded.h"
#include "reports/json.h"
#include "reports/table.h"

#define NTHREADS  9
#define MAX_DEPTH 12

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
}

static unsigned pick(unsigned n)
{
        return (unsigned)(next() % n);
}

static const char *const funcs[] = {
    "_vprintf",       "keg_alloc_slab",     "vm_phys_finish_init",
    "pmap_bootstrap", "getmemsize",         "cninit",
    "kdb_init",       "msgbufinit",         "fpuinit",
    "initializecpu",  "link_elf_ireloc",    "relocate_file1",
    "sysinit_mklist", "g_run_events",       "vfs_mountroot",
    "device_attach",  "bus_generic_attach", "acpi_attach",
    "pci_attach",     "virtio_attach",      "uma_zcreate",
    "malloc_init",    "taskqueue_run",      "callout_process",
};

static const char *const sysinits[] = {
    "apic_init",    "cpu_mp_setmaxid",   "vm_mem",           "kmem",
    "param",        "version",           "announce",         "trademark",
    "timehands",    "parse_acpi_tables", "configure",        "vfs_register",
    "mute_console", "madt_register",     "mptable_register", "random_init",
};

static const char *const thread_names[NTHREADS] = {
    NULL,
    "g_event (PID 4; tid 100012)",
    "pagedaemon (PID 5)",
    "intr_config_hook",
    "bufdaemon (PID 8)",
    "syncer (PID 9)",
    "vnlru (PID 10)",
    "netlink_socket (PID 11)",
    "init (PID 1)",
};

struct gen_thread {
        uint64_t id;
        char frames[MAX_DEPTH][64];
        unsigned depth;
};

/* Generate a dump of about nrecs records into sb. */
static int generate(struct sbuf *sb, size_t nrecs)
{
        struct gen_thread th[NTHREADS];
        uint64_t tsc = 14000000;
        size_t n = 0;

        memset(th, 0, sizeof(th));
        for (unsigned k = 0; k < NTHREADS; k++)
                th[k].id = k == 0 ? 0xffffffff8251db00ULL : 0xfffff80005400000ULL + k * 0x780;
        if (sbuf_adds(sb, "vtnet0: link state changed to UP\n"
                          "BENCH_TSLOG_META tsc_freq=2445431964 ncpu=1\n"
                          "BENCH_TSLOG_BEGIN\n") < 0)
                return -ENOMEM;
        if (sbuf_addf(sb, "0x%" PRIx64 " %" PRIu64 " ENTER hammer_time\n", th[0].id, tsc) < 0)
                return -ENOMEM;
        strcpy(th[0].frames[0], "hammer_time");
        th[0].depth = 1;
        n++;
        while (n < nrecs - 4) {
                unsigned t = pick(10) < 6 ? 0 : 1 + pick(NTHREADS - 1);
                struct gen_thread *g = &th[t];
                unsigned r = pick(100);
                int rc;

                tsc += 20 + pick(4000);
                if (t != 0 && n < 64) {
                        rc = sbuf_addf(sb, "0x%" PRIx64 " %" PRIu64 " THREAD %s\n", g->id, tsc,
                                       thread_names[t]);
                } else if (r < 3) {
                        rc = sbuf_addf(sb, "0x%" PRIx64 " %" PRIu64 " EVENT %s %s\n", g->id, tsc,
                                       pick(2) ? "WAIT" : "UNWAIT", funcs[pick(24)]);
                } else if ((r < 52 && g->depth < MAX_DEPTH) || g->depth <= (t == 0 ? 1u : 0u)) {
                        char frame[64];
                        if (t == 0 && g->depth == 1 && pick(4) == 0)
                                snprintf(frame, sizeof(frame), "SYSINIT %s", sysinits[pick(16)]);
                        else if (g->depth && pick(8) == 0)
                                snprintf(frame, sizeof(frame), "%s", g->frames[g->depth - 1]);
                        else if (pick(16) == 0)
                                snprintf(frame, sizeof(frame), "%s ef->rela", funcs[pick(24)]);
                        else if (g->depth)
                                /* a callee among the few a caller has */
                                snprintf(frame, sizeof(frame), "%s",
                                         funcs[(g->frames[g->depth - 1][0] * 7u +
                                                g->frames[g->depth - 1][1] + pick(3)) %
                                               24]);
                        else
                                snprintf(frame, sizeof(frame), "%s", funcs[pick(24)]);
                        strcpy(g->frames[g->depth++], frame);
                        rc = sbuf_addf(sb, "0x%" PRIx64 " %" PRIu64 " ENTER %s\n", g->id, tsc,
                                       frame);
                } else {
                        rc = sbuf_addf(sb, "0x%" PRIx64 " %" PRIu64 " EXIT %s\n", g->id, tsc,
                                       g->frames[--g->depth]);
                }
                if (rc < 0)
                        return -ENOMEM;
                n++;
        }
        /* the boot thread unwinds, then init starts */
        while (th[0].depth > 0) {
                tsc += 100;
                if (sbuf_addf(sb, "0x%" PRIx64 " %" PRIu64 " EXIT %s\n", th[0].id, tsc,
                              th[0].frames[--th[0].depth]) < 0)
                        return -ENOMEM;
        }
        if (sbuf_addf(sb, "0x%" PRIx64 " %" PRIu64 " ENTER mi_startup\n", th[0].id, tsc + 10) < 0 ||
            sbuf_addf(sb, "0x%" PRIx64 " %" PRIu64 " ENTER start_init\n", th[8].id, tsc + 500) <
                0 ||
            sbuf_addf(sb, "0x%" PRIx64 " %" PRIu64 " EXIT start_init\n", th[8].id, tsc + 9000) <
                0 ||
            sbuf_adds(sb, "BENCH_TSLOG_END\nBENCH_TSLOG_USER_BEGIN\n") < 0)
                return -ENOMEM;
        for (unsigned pid = 1; pid < 200; pid++)
                if (sbuf_addf(sb, "%u %u %" PRIu64 " %" PRIu64 " \"%s\" \"%s\"\n", pid,
                              pid > 15 ? 15 : 1, tsc + pid * 1000, pid > 15 ? tsc + pid * 1500 : 0,
                              pid % 3 ? "sysctl" : "", "/rescue/sysctl") < 0)
                        return -ENOMEM;
        return sbuf_adds(sb, "BENCH_TSLOG_USER_END\n");
}

static double ms_since(uint64_t t0)
{
        return (double)(util_now_ns() - t0) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
        size_t runs = 5, nrecs = 262144;
        const char *write_path = NULL;
        struct sbuf dump = SBUF_INIT;
        enum { PARSE, TREES, TABLE, JSON, FOLDED, TOTAL, NSTAGES };
        static const char *const stage_names[] = {"parse", "calltree+phases", "table",
                                                  "json",  "folded",          "total"};
        double *times[NSTAGES];
        FILE *null = fopen("/dev/null", "w");
        size_t records = 0;

        for (int k = 1; k < argc; k++) {
                uint64_t v;
                if (strcmp(argv[k], "--runs") == 0 && k + 1 < argc &&
                    util_parse_u64(argv[k + 1], 10, &v) == 0 && v > 0) {
                        runs = (size_t)v;
                        k++;
                } else if (strcmp(argv[k], "--records") == 0 && k + 1 < argc &&
                           util_parse_u64(argv[k + 1], 10, &v) == 0 && v >= 16) {
                        nrecs = (size_t)v;
                        k++;
                } else if (strcmp(argv[k], "--write") == 0 && k + 1 < argc) {
                        write_path = argv[++k];
                } else {
                        fprintf(stderr, "usage: bench_tslog [--runs N] [--records N] "
                                        "[--write FILE]\n");
                        return 2;
                }
        }
        if (!null || generate(&dump, nrecs) < 0) {
                fprintf(stderr, "bench_tslog: cannot generate the dump\n");
                return 1;
        }
        if (write_path && util_write_file_atomic(write_path, dump.buf, dump.len) < 0) {
                fprintf(stderr, "bench_tslog: cannot write '%s'\n", write_path);
                return 1;
        }
        for (int s = 0; s < NSTAGES; s++) {
                times[s] = calloc(runs, sizeof(double));
                if (!times[s])
                        return 1;
        }
        for (size_t r = 0; r < runs; r++) {
                struct report_options ro = {.unit = REPORT_MS, .top = 20, .max_warnings = 50};
                struct run_options opts = {0};
                struct run run;
                struct folded *fo = folded_new();
                char *copy = malloc(dump.len);
                uint64_t t0, t1;

                if (!fo || !copy)
                        return 1;
                memcpy(copy, dump.buf, dump.len); /* the run owns its input */
                t0 = util_now_ns();
                if (run_parse(&run, "bench", copy, dump.len, &opts) < 0)
                        return 1;
                times[PARSE][r] = ms_since(t0);
                t1 = util_now_ns();
                if (run_finish(&run, &opts, NULL, NULL) < 0)
                        return 1;
                times[TREES][r] = ms_since(t1);
                t1 = util_now_ns();
                if (table_write(null, &run, &ro) < 0)
                        return 1;
                times[TABLE][r] = ms_since(t1);
                t1 = util_now_ns();
                if (json_write(null, &run, ro.top) < 0)
                        return 1;
                times[JSON][r] = ms_since(t1);
                t1 = util_now_ns();
                if (folded_add(fo, &run.analysis) < 0 || folded_write(null, fo, REPORT_US) < 0)
                        return 1;
                times[FOLDED][r] = ms_since(t1);
                times[TOTAL][r] = ms_since(t0);
                records = run.trace.nrecs;
                if (r == 0)
                        printf("dump: %zu records, %zu processes, %zu threads, %zu call-tree "
                               "nodes, %zu bytes, %zu warnings, truncated=%s\n",
                               run.trace.nrecs, run.trace.nprocs, run.analysis.forest.nthreads,
                               run.analysis.forest.nnodes, dump.len, run.trace.nwarns,
                               run.analysis.forest.truncated ? "yes" : "no");
                folded_free(fo);
                run_free(&run);
        }
        printf("%zu runs over %zu records (ms: min / median / max)\n", runs, records);
        for (int s = 0; s < NSTAGES; s++) {
                qsort(times[s], runs, sizeof(double), cmp_double);
                printf("  %-16s %9.2f %9.2f %9.2f\n", stage_names[s], times[s][0],
                       times[s][runs / 2], times[s][runs - 1]);
                free(times[s]);
        }
        fclose(null);
        sbuf_release(&dump);
        return 0;
}
