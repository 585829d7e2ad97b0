/*
 * bench_history: the history store at the scale of issue 14 (10,000
 * sessions x 10 runs x 40 metrics) and what reading it costs.
 *
 * Input generator: ENTRIES entries of RUNS runs, each with METRICS
 * metrics: "total", 9 phases ("phase:p0".."phase:p8") and the rest
 * functions ("fn:f00_init"..). Medians, in ns: phase k 40 ms + k * 35 ms,
 * function k 0.2 ms + k * 0.9 ms, the total their phases' sum plus 30 ms
 * of host time (about 1.6 s: a TCG boot); each run's value uniform within
 * +-5% of its median, rounded to 1 us (integral ns, as real clocks give).
 * Phase p3 steps up 10% from entry ENTRIES/2 on, so that the series has
 * a change point. Labels: commit (a hex id), branch=main, kernel (one of
 * twelve versions, cycling every ENTRIES/12 entries, so that --by kernel
 * orders them), date, job. Seeded (xoshiro256**): the same database
 * every time.
 *
 * The database is built as CI builds it: one history_insert() per entry
 * (one transaction each) into one open connection. Then, each the median
 * of REPS: "add" of one more 10-run entry into the full database (open +
 * insert + close, as "bootlens history add" does, and the insert alone),
 * history_series() of one metric, history_values() of one entry's
 * metric, trend_build() of the total and of phase p3 (its step found),
 * trend_check(), and the size of the
 * database after a WAL checkpoint (TRUNCATE). Targets (issue 14): add <
 * 50 ms, trend < 200 ms, check < 1 s, the database < 200 MB.
 *
 * --read FILE times the reading alone on a database a --keep run left
 * (--entries as it was built).
 *
 * --db takes what "bootlens history --db" takes: a PostgreSQL URI or
 * conninfo builds into that (empty) database instead, through the same
 * history_insert(); there the size is left to the caller
 * (pg_database_size(), bench/bench_history_backends.sh), the WAL
 * checkpoint being SQLite's. --build-only stops after the build.
 *
 *   bench_history [--entries N] [--runs N] [--metrics N] [--reps N] [--db DB] [--keep]
 *                 [--build-only] [--read DB]
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/histdb.h"
#include "analyzer/history.h"
#include "analyzer/stats.h"
#include "analyzer/trend.h"
#include "base/util.h"

#define NPHASES 9
#define MS      1e6

struct gen {
        size_t runs, metrics;
        struct stats_rng rng;
        char **names;
        enum compare_kind *kinds;
        char **phases;
        double *median;
};

static const char *const kernels[] = {
    "6.1.0-9-cloud-amd64",  "6.1.0-10-cloud-amd64", "6.1.0-11-cloud-amd64",
    "6.1.0-12-cloud-amd64", "6.1.0-13-cloud-amd64", "6.1.0-18-cloud-amd64",
    "6.1.0-21-cloud-amd64", "6.1.0-27-cloud-amd64", "6.1.0-47-cloud-amd64",
    "6.1.0-57-cloud-amd64", "6.12.1-cloud-amd64",   "6.12.117+deb12-cloud-amd64",
};
#define NKERNELS (sizeof(kernels) / sizeof(kernels[0]))

static int gen_init(struct gen *g, size_t runs, size_t metrics)
{
        double phase_sum = 0;

        g->runs = runs;
        g->metrics = metrics;
        stats_rng_seed(&g->rng, 14);
        g->names = calloc(metrics, sizeof(*g->names));
        g->kinds = calloc(metrics, sizeof(*g->kinds));
        g->phases = calloc(metrics, sizeof(*g->phases));
        g->median = calloc(metrics, sizeof(*g->median));
        if (!g->names || !g->kinds || !g->phases || !g->median)
                return -ENOMEM;
        for (size_t k = 0; k < metrics; k++) {
                char buf[64];

                if (k == 0) {
                        snprintf(buf, sizeof(buf), "total");
                        g->kinds[k] = COMPARE_TOTAL;
                } else if (k <= NPHASES) {
                        snprintf(buf, sizeof(buf), "phase:p%zu", k - 1);
                        g->kinds[k] = COMPARE_PHASE;
                        g->phases[k] = strdup(buf + 6);
                        g->median[k] = 40 * MS + (double)(k - 1) * 35 * MS;
                        phase_sum += g->median[k];
                } else {
                        snprintf(buf, sizeof(buf), "fn:f%02zu_init", k - NPHASES - 1);
                        g->kinds[k] = COMPARE_FN;
                        g->phases[k] = strdup("p4");
                        g->median[k] = 0.2 * MS + (double)(k - NPHASES - 1) * 0.9 * MS;
                }
                g->names[k] = strdup(buf);
                if (!g->names[k] || (g->kinds[k] != COMPARE_TOTAL && !g->phases[k]))
                        return -ENOMEM;
        }
        g->median[0] = phase_sum + 30 * MS;
        return 0;
}

static void gen_free(struct gen *g)
{
        for (size_t k = 0; k < g->metrics; k++) {
                free(g->names[k]);
                free(g->phases[k]);
        }
        free(g->names);
        free(g->kinds);
        free(g->phases);
        free(g->median);
}

static double jitter(struct gen *g, double median)
{
        double u = (double)stats_rng_below(&g->rng, 1000001) / 1e6;

        return (double)(long long)(median * (0.95 + 0.1 * u) / 1e3) * 1e3;
}

static int set_label(struct history_label *l, const char *key, const char *value)
{
        l->key = strdup(key);
        l->value = strdup(value);
        return l->key && l->value ? 0 : -ENOMEM;
}

/* Entry i of n (a serial number for ids and times). */
static int gen_entry(struct gen *g, size_t i, size_t n, struct history_new *e)
{
        char buf[64];
        long minute = (long)i * 7;
        bool stepped = i >= n / 2 && i < n;
        int rc = 0;

        memset(e, 0, sizeof(*e));
        snprintf(buf, sizeof(buf), "20260101T000000Z-%08zx", i);
        e->session_id = strdup(buf);
        e->variant = strdup("default");
        snprintf(buf, sizeof(buf), "2026-%02ld-%02ldT%02ld:%02ld:00Z", 1 + minute / (60 * 24 * 28),
                 1 + (minute / (60 * 24)) % 28, (minute / 60) % 24, minute % 60);
        e->created = strdup(buf);
        e->host_cpu = strdup("Intel(R) Xeon(R) Processor");
        e->qemu_version = strdup("QEMU emulator version 7.2.22");
        e->accel = strdup("tcg");
        e->kernel_version = strdup(kernels[i * NKERNELS / (n ? n : 1) % NKERNELS]);
        e->cmdline = strdup("console=ttyS0 quiet initcall_debug");
        e->runs_recorded = e->runs_ok = g->runs;
        e->nruns = g->runs;
        e->runs = calloc(g->runs, sizeof(*e->runs));
        e->m = calloc(g->metrics, sizeof(*e->m));
        e->labels = calloc(5, sizeof(*e->labels));
        if (!e->session_id || !e->variant || !e->created || !e->kernel_version || !e->runs ||
            !e->m || !e->labels)
                return -ENOMEM;
        for (size_t r = 0; r < g->runs; r++)
                e->runs[r] = (unsigned)(r + 1);
        /* key order: branch, commit, date, job, kernel */
        snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)stats_rng_next(&g->rng));
        rc = set_label(&e->labels[0], "branch", "main");
        rc = rc ? rc : set_label(&e->labels[1], "commit", buf);
        snprintf(buf, sizeof(buf), "%.10s", e->created);
        rc = rc ? rc : set_label(&e->labels[2], "date", buf);
        snprintf(buf, sizeof(buf), "ci-%zu", i);
        rc = rc ? rc : set_label(&e->labels[3], "job", buf);
        rc = rc ? rc : set_label(&e->labels[4], "kernel", e->kernel_version);
        e->nlabels = 5;
        for (size_t k = 0; k < g->metrics && rc == 0; k++) {
                struct history_new_metric *m = &e->m[k];
                double med = g->median[k] * (stepped && k == 4 ? 1.10 : 1.0);

                if (k == 0 && stepped)
                        med += g->median[4] * 0.10;
                m->name = strdup(g->names[k]);
                m->kind = g->kinds[k];
                m->phase = g->phases[k] ? strdup(g->phases[k]) : NULL;
                m->values = malloc(g->runs * sizeof(*m->values));
                e->nm++;
                if (!m->name || (g->phases[k] && !m->phase) || !m->values)
                        return -ENOMEM;
                for (size_t r = 0; r < g->runs; r++)
                        m->values[r] = jitter(g, med);
        }
        return rc;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static double median_ms(double *ns, size_t n)
{
        qsort(ns, n, sizeof(*ns), cmp_double);
        return (n % 2 ? ns[n / 2] : (ns[n / 2 - 1] + ns[n / 2]) / 2) / 1e6;
}

static int arg_size(const char *s, size_t *v)
{
        uint64_t u;

        if (util_parse_u64(s, 10, &u) < 0 || u == 0 || u > 10000000)
                return -EINVAL;
        *v = (size_t)u;
        return 0;
}

static int usage(void)
{
        fprintf(stderr, "usage: bench_history [--entries N] [--runs N] [--metrics N] [--reps N] "
                        "[--db DB] [--keep] [--build-only] [--read DB]\n");
        return 2;
}

static long long file_size(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

int main(int argc, char **argv)
{
        size_t entries = 10000, runs = 10, metrics = 40, reps = 20, extra = 0;
        char tmpdir[] = "/tmp/bench_history.XXXXXX", path[4096], err[512];
        const char *db = NULL;
        bool keep = false, readonly = false, build_only = false, pg;
        struct history *h = NULL;
        struct gen g = {0};
        double *t = NULL, build_s;
        uint64_t t0;
        int rc = 0;

        for (int i = 1; i < argc; i++) {
                size_t *dst = strcmp(argv[i], "--entries") == 0   ? &entries
                              : strcmp(argv[i], "--runs") == 0    ? &runs
                              : strcmp(argv[i], "--metrics") == 0 ? &metrics
                              : strcmp(argv[i], "--reps") == 0    ? &reps
                                                                  : NULL;

                if (strcmp(argv[i], "--keep") == 0) {
                        keep = true;
                        continue;
                }
                if (strcmp(argv[i], "--build-only") == 0) {
                        build_only = keep = true;
                        continue;
                }
                if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
                        db = argv[++i];
                        continue;
                }
                if (strcmp(argv[i], "--read") == 0 && i + 1 < argc) {
                        db = argv[++i];
                        readonly = keep = true;
                        continue;
                }
                if (!dst || i + 1 >= argc || arg_size(argv[++i], dst) < 0)
                        return usage();
        }
        if (metrics < NPHASES + 2)
                return usage();
        if (!db) {
                if (!mkdtemp(tmpdir)) {
                        perror("bench_history: mkdtemp");
                        return 1;
                }
                snprintf(path, sizeof(path), "%s/history.db", tmpdir);
                db = path;
        } else if (!readonly && !histdb_is_pg(db) && access(db, F_OK) == 0) {
                fprintf(stderr, "bench_history: %s exists; give a new file\n", db);
                return 2;
        }
        pg = histdb_is_pg(db);
        t = calloc(reps, sizeof(*t));
        if (!t || gen_init(&g, runs, metrics) < 0) {
                fprintf(stderr, "bench_history: out of memory\n");
                return 1;
        }
        printf("bench_history: %zu entries x %zu runs x %zu metrics (1 total, %d phases, %zu "
               "functions) into %s\n",
               entries, runs, metrics, NPHASES, metrics - NPHASES - 1, db);
        if (readonly) {
                struct history_entry *v;
                size_t n;

                rc = history_open(db, false, &h, err, sizeof(err));
                if (rc == 0)
                        rc = history_list(h, NULL, &v, &n);
                if (rc < 0)
                        goto fail;
                history_entries_free(v, n);
                extra = n - (entries < n ? entries : n);
                history_close(h);
                h = NULL;
                printf("read only:      %zu entries already in %s\n", n, db);
                goto read;
        }
        rc = history_open(db, true, &h, err, sizeof(err));
        t0 = util_now_ns();
        for (size_t i = 0; i < entries && rc == 0; i++) {
                struct history_new e;

                rc = gen_entry(&g, i, entries, &e);
                if (rc == 0)
                        rc = history_insert(h, &e, 1, NULL, err, sizeof(err));
                history_new_free(&e);
        }
        build_s = (double)(util_now_ns() - t0) / 1e9;
        if (rc < 0)
                goto fail;
        printf("build:          %.1f s (%.2f ms per entry, one transaction each)\n", build_s,
               build_s * 1e3 / (double)entries);
        if (build_only)
                goto out;

        /* add of one more entry: the insert alone, then open + insert + close */
        for (size_t r = 0; r < reps && rc == 0; r++) {
                struct history_new e;

                rc = gen_entry(&g, entries + extra++, entries, &e);
                t0 = util_now_ns();
                if (rc == 0)
                        rc = history_insert(h, &e, 1, NULL, err, sizeof(err));
                t[r] = (double)(util_now_ns() - t0);
                history_new_free(&e);
        }
        if (rc < 0)
                goto fail;
        printf("insert:         %.2f ms (median of %zu, one 10-run entry, the connection open)\n",
               median_ms(t, reps), reps);
        history_close(h);
        h = NULL;
        for (size_t r = 0; r < reps && rc == 0; r++) {
                struct history_new e;
                struct history *ha = NULL;

                rc = gen_entry(&g, entries + extra++, entries, &e);
                t0 = util_now_ns();
                if (rc == 0)
                        rc = history_open(db, false, &ha, err, sizeof(err));
                if (rc == 0)
                        rc = history_insert(ha, &e, 1, NULL, err, sizeof(err));
                history_close(ha);
                t[r] = (double)(util_now_ns() - t0);
                history_new_free(&e);
        }
        if (rc < 0)
                goto fail;
        printf("add:            %.2f ms (median of %zu: open + insert + close, as 'history add'; "
               "target < 50 ms)\n",
               median_ms(t, reps), reps);
read:
        rc = history_open(db, false, &h, err, sizeof(err));
        for (size_t r = 0; r < reps && rc == 0; r++) {
                struct history_series s;

                t0 = util_now_ns();
                rc = history_series(h, r % 2 ? "phase:p3" : "total", NULL, "kernel", &s);
                t[r] = (double)(util_now_ns() - t0);
                if (rc == 0 && s.n != entries + extra)
                        rc = -EIO;
                history_series_free(&s);
        }
        if (rc < 0) {
                snprintf(err, sizeof(err), "history_series: %s", strerror(-rc));
                goto fail;
        }
        printf("series:         %.2f ms (median of %zu, one metric over %zu entries, --by "
               "kernel)\n",
               median_ms(t, reps), reps, entries + extra);
        for (size_t r = 0; r < reps && rc == 0; r++) {
                double *v;
                size_t n;

                t0 = util_now_ns();
                rc = history_values(h, (int64_t)(1 + r * 97), "fn:f10_init", &v, &n);
                t[r] = (double)(util_now_ns() - t0);
                if (rc == 0 && n != runs)
                        rc = -EIO;
                free(v);
        }
        if (rc < 0) {
                snprintf(err, sizeof(err), "history_values: %s", strerror(-rc));
                goto fail;
        }
        printf("values:         %.3f ms (median of %zu, one entry's metric)\n", median_ms(t, reps),
               reps);
        for (size_t r = 0; r < reps && rc == 0; r++) {
                struct history_entry *v;
                size_t n;

                t0 = util_now_ns();
                rc = history_list(h, NULL, &v, &n);
                t[r] = (double)(util_now_ns() - t0);
                history_entries_free(v, n);
        }
        if (rc < 0)
                goto fail;
        printf("list:           %.2f ms (median of %zu, every entry with its labels)\n",
               median_ms(t, reps), reps);

        for (int which = 0; which < 2; which++) {
                const char *metric = which ? "phase:p3" : "total";
                struct trend_options o;
                size_t nc = 0;

                trend_options_default(&o);
                o.by = "kernel";
                for (size_t r = 0; r < reps && rc == 0; r++) {
                        struct trend tr;

                        t0 = util_now_ns();
                        rc = trend_build(h, metric, &o, &tr, err, sizeof(err));
                        t[r] = (double)(util_now_ns() - t0);
                        nc = tr.nc;
                        trend_free(&tr);
                }
                if (rc < 0)
                        goto fail;
                printf("trend:          %.2f ms (median of %zu, trend_build of %s --by kernel, "
                       "%zu change points; target < 200 ms)\n",
                       median_ms(t, reps), reps, metric, nc);
        }
        {
                struct trend_check_options o;
                bool regressed = false;
                size_t nreps = reps < 5 ? reps : 5;

                trend_check_options_default(&o);
                for (size_t r = 0; r < nreps && rc == 0; r++) {
                        struct trend_check c;

                        t0 = util_now_ns();
                        rc = trend_check(h, &o, &c, err, sizeof(err));
                        t[r] = (double)(util_now_ns() - t0);
                        regressed = c.regressed;
                        trend_check_free(&c);
                }
                if (rc < 0)
                        goto fail;
                printf("check:          %.2f ms (median of %zu, trend_check of the newest entry: "
                       "total + %d phases, %zu functions; %s; target < 1 s)\n",
                       median_ms(t, nreps), nreps, NPHASES, metrics - NPHASES - 1,
                       regressed ? "regressed" : "passed");
        }
        history_close(h);
        h = NULL;
        if (!pg) {
                sqlite3 *s;

                if (sqlite3_open(db, &s) == SQLITE_OK)
                        sqlite3_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
                sqlite3_close(s);
                printf("database:       %.1f MB (%lld bytes after a WAL checkpoint; target < 200 "
                       "MB)\n",
                       (double)file_size(db) / 1e6, file_size(db));
        }
        goto out;
fail:
        fprintf(stderr, "bench_history: %s\n", err[0] ? err : strerror(-rc));
        rc = 1;
out:
        history_close(h);
        gen_free(&g);
        free(t);
        if (!keep && db == path) {
                char wal[4200], shm[4200];

                snprintf(wal, sizeof(wal), "%s-wal", db);
                snprintf(shm, sizeof(shm), "%s-shm", db);
                unlink(wal);
                unlink(shm);
                unlink(db);
                rmdir(tmpdir);
        } else if (keep)
                printf("kept:           %s\n", db);
        return rc ? 1 : 0;
}
