/*
 * eval_gate: how often the CI gate (trend_check(), analyzer/trend.h) fails
 * a history without a regression, and how often it catches one: seeded
 * synthetic histories stored in scratch databases (analyzer/history.h),
 * docs/history.md ("The CI gate") quotes the numbers.
 *
 *   eval_gate [--series N] [--seed S] [--B B] [--spread-k K]
 *
 * (scratch databases under $TMPDIR, else /tmp: TMPDIR=/dev/shm spares
 * the disk the fsyncs)
 *
 * Each history: 30 points before the newest, 10 runs a point, five
 * phases shaped like a TCG boot of Debian's cloud kernel (300, 500, 1500,
 * 400 and 300 ms; the total their sum, 3 s). Every run is noisy (normal,
 * run_cv of each phase), and every session may sit a little off its level
 * (normal, session_cv of each phase, the same for all its runs: a busier
 * host that day). The cases:
 *   none      no change anywhere
 *   regress   the newest point DELTA ms slower in one phase (initcalls)
 *   accepted  a step of +150 ms in initcalls 10 points before the newest,
 *             the newest on that new level
 *   second    the same step one point before the newest (1 point on the
 *             new level), the newest on it: still a regression
 * and for each, how often the gate says "regressed" and how often it names
 * initcalls slower. The bootstrap's B only sets the CI (and so "same");
 * the verdict "slower" comes from the U test and the minimum effect, so a
 * smaller B (default 2000) changes no rate here.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/trend.h"
#include "base/util.h"

#define POINTS 30
#define RUNS   10
#define NPH    5

/* trend_check_options.spread_k of every check (--spread-k) */
static double spread_k = TREND_SPREAD_K_DEFAULT;

static const char *const phase_names[NPH] = {"firmware", "early", "initcalls", "rootfs",
                                             "userland"};
static const double phase_ms[NPH] = {300, 500, 1500, 400, 300};

struct noise {
        double run_cv, session_cv;
};

static double gauss(struct stats_rng *r)
{
        double u = (double)((stats_rng_next(r) >> 11) + 1) * 0x1p-53;
        double v = (double)(stats_rng_next(r) >> 11) * 0x1p-53;

        return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* One synthetic entry: point i, initcalls extra_ms slower. */
struct point {
        char sid[32], created[32];
        char mname[NPH + 1][32];
        double values[NPH + 1][RUNS];
        struct history_new_metric m[NPH + 1];
        unsigned runs[RUNS];
        struct history_new e;
};

static void make_point(struct point *p, unsigned i, double extra_ms, const struct noise *nz,
                       struct stats_rng *r)
{
        double off[NPH];

        memset(p, 0, sizeof(*p));
        for (unsigned k = 0; k < NPH; k++)
                off[k] = 1 + nz->session_cv * gauss(r);
        for (unsigned q = 0; q < RUNS; q++) {
                double total = 0;

                p->runs[q] = q + 1;
                for (unsigned k = 0; k < NPH; k++) {
                        double ms = phase_ms[k] * off[k] * (1 + nz->run_cv * gauss(r));

                        if (k == 2)
                                ms += extra_ms;
                        p->values[k + 1][q] = ms * 1e6;
                        total += ms;
                }
                p->values[0][q] = total * 1e6;
        }
        snprintf(p->mname[0], sizeof(p->mname[0]), "total");
        p->m[0] = (struct history_new_metric){
            .name = p->mname[0], .kind = COMPARE_TOTAL, .values = p->values[0]};
        for (unsigned k = 0; k < NPH; k++) {
                snprintf(p->mname[k + 1], sizeof(p->mname[k + 1]), "phase:%s", phase_names[k]);
                p->m[k + 1] = (struct history_new_metric){.name = p->mname[k + 1],
                                                          .kind = COMPARE_PHASE,
                                                          .phase = (char *)phase_names[k],
                                                          .values = p->values[k + 1]};
        }
        snprintf(p->sid, sizeof(p->sid), "s%04u", i);
        snprintf(p->created, sizeof(p->created), "2026-01-01T00:%02u:%02uZ", i / 60, i % 60);
        p->e.session_id = p->sid;
        p->e.variant = "default";
        p->e.created = p->created;
        p->e.runs_recorded = p->e.runs_ok = RUNS;
        p->e.runs = p->runs;
        p->e.nruns = RUNS;
        p->e.m = p->m;
        p->e.nm = NPH + 1;
}

enum gate_case { CASE_NONE, CASE_REGRESS, CASE_ACCEPTED, CASE_SECOND };

/* initcalls' extra time of point i (POINTS is the newest) in case c. */
static double extra_of(enum gate_case c, unsigned i, double delta)
{
        switch (c) {
        case CASE_NONE:
                return 0;
        case CASE_REGRESS:
                return i == POINTS ? delta : 0;
        case CASE_ACCEPTED:
                return i >= POINTS - 10 ? delta : 0;
        case CASE_SECOND:
                return i >= POINTS - 1 ? delta : 0;
        }
        return 0;
}

/* One history in a scratch database: regressed, initcalls slower. */
static int one(const char *dir, unsigned n, enum gate_case gc, double delta, const struct noise *nz,
               uint64_t seed, size_t B, bool *regressed, bool *named)
{
        struct point *pts = calloc(POINTS + 1, sizeof(*pts));
        struct history_new *v = calloc(POINTS + 1, sizeof(*v));
        struct trend_check_options o;
        struct trend_check c = {0};
        struct history *h = NULL;
        struct stats_rng r;
        char path[4200], err[512] = "";
        int rc = -ENOMEM;

        if (pts == NULL || v == NULL)
                goto out_free;
        snprintf(path, sizeof(path), "%s/h%u.db", dir, n);
        stats_rng_seed(&r, seed);
        for (unsigned i = 0; i <= POINTS; i++) {
                make_point(&pts[i], i, extra_of(gc, i, delta), nz, &r);
                v[i] = pts[i].e;
        }
        rc = history_open(path, true, &h, err, sizeof(err));
        if (rc == 0)
                rc = history_insert(h, v, POINTS + 1, NULL, err, sizeof(err));
        if (rc < 0)
                goto out_err;
        trend_check_options_default(&o);
        o.trend.stats.B = B;
        o.spread_k = spread_k;
        rc = trend_check(h, &o, &c, err, sizeof(err));
        if (rc < 0)
                goto out_err;
        *regressed = c.regressed;
        *named = false;
        for (size_t i = 0; i < c.gate.n; i++)
                if (strcmp(c.gate.m[i].name, "initcalls") == 0 &&
                    c.gate.m[i].c.verdict == STATS_SLOWER)
                        *named = true;
        goto out_free;
out_err:
        fprintf(stderr, "eval_gate: %s\n", err[0] ? err : strerror(-rc));
out_free:
        trend_check_free(&c);
        history_close(h);
        unlink(path);
        snprintf(path, sizeof(path), "%s/h%u.db-wal", dir, n);
        unlink(path);
        snprintf(path, sizeof(path), "%s/h%u.db-shm", dir, n);
        unlink(path);
        free(pts);
        free(v);
        return rc;
}

int main(int argc, char **argv)
{
        static const struct {
                const char *name;
                enum gate_case c;
                double delta;
        } cases[] = {
            {"none", CASE_NONE, 0},
            {"regress +15 ms", CASE_REGRESS, 15},
            {"regress +30 ms", CASE_REGRESS, 30},
            {"regress +45 ms", CASE_REGRESS, 45},
            {"regress +60 ms", CASE_REGRESS, 60},
            {"regress +90 ms", CASE_REGRESS, 90},
            {"accepted +150 ms", CASE_ACCEPTED, 150},
            {"second +150 ms", CASE_SECOND, 150},
        };
        static const struct noise noises[] = {{0.01, 0}, {0.01, 0.005}, {0.01, 0.01}};
        unsigned nseries = 200;
        uint64_t seed0 = 1;
        size_t B = 2000;
        const char *tmp = getenv("TMPDIR");
        char dir[4000];

        for (int i = 1; i < argc; i++) {
                uint64_t u;

                if (i + 1 < argc && strcmp(argv[i], "--series") == 0 &&
                    util_parse_u64(argv[i + 1], 10, &u) == 0 && u > 0 && u < 100000) {
                        nseries = (unsigned)u;
                        i++;
                } else if (i + 1 < argc && strcmp(argv[i], "--seed") == 0 &&
                           util_parse_u64(argv[i + 1], 10, &u) == 0) {
                        seed0 = u;
                        i++;
                } else if (i + 1 < argc && strcmp(argv[i], "--B") == 0 &&
                           util_parse_u64(argv[i + 1], 10, &u) == 0 && u > 0) {
                        B = (size_t)u;
                        i++;
                } else if (i + 1 < argc && strcmp(argv[i], "--spread-k") == 0 &&
                           util_parse_double(argv[i + 1], &spread_k) == 0 && spread_k >= 0) {
                        i++;
                } else {
                        fprintf(stderr, "usage: eval_gate [--series N] [--seed S] [--B B] "
                                        "[--spread-k K]\n");
                        return 2;
                }
        }
        snprintf(dir, sizeof(dir), "%s/eval_gate.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (mkdtemp(dir) == NULL) {
                perror("eval_gate: mkdtemp");
                return 2;
        }
        printf("CI gate, %u seeded histories a row: %d points + the newest, %d runs a point,\n"
               "phases 300/500/1500/400/300 ms (total 3000 ms), alpha 0.01, minimum effect\n"
               "max(0.5 ms, 2%%) (initcalls: 30 ms, total: 60 ms), B %zu, spread-k %g\n\n",
               nseries, POINTS, RUNS, B, spread_k);
        printf("%-18s %8s %8s   %-9s %-9s\n", "case", "run_cv", "sess_cv", "regressed",
               "initcalls");
        for (size_t ni = 0; ni < sizeof(noises) / sizeof(noises[0]); ni++) {
                for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
                        unsigned nreg = 0, nnamed = 0;

                        for (unsigned s = 0; s < nseries; s++) {
                                bool reg = false, named = false;
                                uint64_t seed = seed0 + 1000003ull * ni + 10007ull * ci + s;

                                if (one(dir, s, cases[ci].c, cases[ci].delta, &noises[ni], seed, B,
                                        &reg, &named) < 0)
                                        return 1;
                                nreg += reg;
                                nnamed += named;
                        }
                        printf("%-18s %7.1f%% %7.1f%%   %5.1f%%    %5.1f%%\n", cases[ci].name,
                               100 * noises[ni].run_cv, 100 * noises[ni].session_cv,
                               100.0 * nreg / nseries, 100.0 * nnamed / nseries);
                        fflush(stdout);
                }
        }
        rmdir(dir);
        return 0;
}
