/* Unit tests of trends and the CI gate (analyzer/trend.c) on a scratch
 * history (analyzer/history.h) of synthetic, seeded entries: each point
 * one session of RUNS runs, three phases a, b, c with normal noise, the
 * total their sum plus a little, two functions (f1 in a, f2 in b). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analyzer/trend.h"
#include "scratch.h"

#define MS   1e6 /* ns */
#define RUNS 8

/* The medians of one point's metrics, ms. */
struct level {
        double a, b, c, f2;
        double d; /* a fourth phase; 0: absent */
};

static const struct level base_level = {.a = 100, .b = 300, .c = 50, .f2 = 20};

struct db {
        char dir[64];
        char path[96];
        struct history *h;
        struct stats_rng rng;
};

static double uniform(struct stats_rng *r)
{
        return (double)(stats_rng_next(r) >> 11) * 0x1p-53;
}

/* Normal, mean 0, sd 1 (Box-Muller). */
static double gauss(struct stats_rng *r)
{
        double u = uniform(r), v = uniform(r);

        return sqrt(-2 * log(u > 0 ? u : 0x1p-53)) * cos(2 * M_PI * v);
}

static void db_open(struct db *d, uint64_t seed)
{
        char err[256] = "";

        strcpy(d->dir, "/tmp/test_trend.XXXXXX");
        assert_non_null(mkdtemp(d->dir));
        snprintf(d->path, sizeof(d->path), "%s/history.db", d->dir);
        assert_int_equal(history_open(d->path, true, &d->h, err, sizeof(err)), 0);
        stats_rng_seed(&d->rng, seed);
}

static void db_close(struct db *d)
{
        history_close(d->h);
        scratch_rm_rf(d->dir);
}

/* Store point number i (session "sNNNN", created i seconds after the
 * first unless created_at is given) at level lv, labelled version=ver
 * when ver is not NULL. */
static void add_point_at(struct db *d, unsigned i, unsigned created_at, const char *ver,
                         struct level lv)
{
        static const char *names[] = {"total", "phase:a", "phase:b", "phase:c",
                                      "fn:f1", "fn:f2",   "phase:d"};
        static const enum compare_kind kinds[] = {COMPARE_TOTAL, COMPARE_PHASE, COMPARE_PHASE,
                                                  COMPARE_PHASE, COMPARE_FN,    COMPARE_FN,
                                                  COMPARE_PHASE};
        static const char *phases[] = {NULL, "a", "b", "c", "a", "b", "d"};
        unsigned nm = lv.d > 0 ? 7 : 6;
        double values[7][RUNS];
        struct history_new_metric m[7];
        struct history_label label = {.key = "version", .value = (char *)ver};
        struct history_new e = {0};
        unsigned runs[RUNS];
        char sid[32], created[32], err[256] = "";

        for (unsigned r = 0; r < RUNS; r++) {
                double a = lv.a + 0.3 * gauss(&d->rng), b = lv.b + 0.3 * gauss(&d->rng);
                double c = lv.c + 0.3 * gauss(&d->rng);

                runs[r] = r + 1;
                values[0][r] = (a + b + c + 1 + 0.1 * gauss(&d->rng)) * MS;
                values[1][r] = a * MS;
                values[2][r] = b * MS;
                values[3][r] = c * MS;
                values[4][r] = (20 + 0.1 * gauss(&d->rng)) * MS;
                values[5][r] = (lv.f2 + 0.1 * gauss(&d->rng)) * MS;
                values[6][r] = (lv.d + 0.1 * gauss(&d->rng)) * MS;
        }
        for (unsigned k = 0; k < nm; k++) {
                m[k].name = (char *)names[k];
                m[k].kind = kinds[k];
                m[k].phase = (char *)phases[k];
                m[k].values = values[k];
        }
        snprintf(sid, sizeof(sid), "s%04u", i);
        snprintf(created, sizeof(created), "2026-01-01T%02u:%02u:%02uZ", created_at / 3600,
                 created_at / 60 % 60, created_at % 60);
        e.session_id = sid;
        e.variant = "default";
        e.created = created;
        e.cmdline = "console=hvc0";
        e.labels = ver ? &label : NULL;
        e.nlabels = ver ? 1 : 0;
        e.runs_recorded = e.runs_ok = RUNS;
        e.runs = runs;
        e.nruns = RUNS;
        e.m = m;
        e.nm = nm;
        assert_int_equal(history_insert(d->h, &e, 1, NULL, err, sizeof(err)), 0);
}

static void add_point(struct db *d, unsigned i, struct level lv)
{
        add_point_at(d, i, i, NULL, lv);
}

/* Points first..end at lv. */
static void add_points(struct db *d, unsigned first, unsigned end, struct level lv)
{
        for (unsigned i = first; i < end; i++)
                add_point(d, i, lv);
}

static struct level shifted_b(double ms)
{
        struct level lv = base_level;

        lv.b += ms;
        lv.f2 += ms;
        return lv;
}

static void trend_opts(struct trend_options *o)
{
        trend_options_default(o);
        o->stats.B = 2000;
        o->stats.seed = 14;
}

static void check_opts(struct trend_check_options *o)
{
        trend_check_options_default(o);
        o->trend.stats.B = 2000;
        o->trend.stats.seed = 14;
}

static const struct compare_metric *gate_metric(const struct trend_check *c, const char *spec)
{
        const struct compare_metric *m = compare_find(&c->gate, spec);

        assert_non_null(m);
        return m;
}

/* ---- trend_build ---- */

static void test_trend_build_finds_one_step_in_total_with_its_size_and_ci(void **state)
{
        struct trend_options o;
        struct trend t;
        struct db d;
        char err[256] = "";

        (void)state;
        db_open(&d, 1);
        add_points(&d, 0, 20, base_level);
        add_points(&d, 20, 40, shifted_b(20));
        trend_opts(&o);
        assert_int_equal(trend_build(d.h, "total", &o, &t, err, sizeof(err)), 0);
        assert_int_equal(t.s.n, 40);
        assert_int_equal(t.cp.n, 1);
        assert_int_equal(t.nc, 1);
        assert_int_equal(t.c[0].at, 20);
        assert_string_equal(t.c[0].label_before, "s0019");
        assert_string_equal(t.c[0].label_at, "s0020");
        assert_true(fabs(t.c[0].step - 20 * MS) < 0.5 * MS);
        assert_true(t.c[0].ci.lo <= 20 * MS && 20 * MS <= t.c[0].ci.hi);
        assert_true(t.c[0].ci.lo > 19 * MS && t.c[0].ci.hi < 21 * MS);
        assert_true(fabs(t.c[0].before - 451 * MS) < 0.5 * MS);
        assert_int_equal(t.c[0].points_before, 20);
        assert_int_equal(t.c[0].points_after, 20);
        assert_int_equal(t.c[0].runs_before, 20 * RUNS);
        assert_int_equal(t.c[0].runs_after, 20 * RUNS);
        assert_int_equal(t.segment[0], 0);
        assert_int_equal(t.segment[19], 0);
        assert_int_equal(t.segment[20], 1);
        assert_int_equal(t.segment[39], 1);
        trend_free(&t);
        db_close(&d);
}

static void test_trend_build_pools_at_most_window_points_within_the_segments(void **state)
{
        struct trend_options o;
        struct trend t;
        struct db d;
        char err[256] = "";

        (void)state;
        db_open(&d, 2);
        add_points(&d, 0, 12, base_level);
        add_points(&d, 12, 16, shifted_b(20));
        add_points(&d, 16, 30, shifted_b(40));
        trend_opts(&o);
        o.window = 5;
        assert_int_equal(trend_build(d.h, "phase:b", &o, &t, err, sizeof(err)), 0);
        assert_int_equal(t.nc, 2);
        assert_int_equal(t.c[0].at, 12);
        assert_int_equal(t.c[1].at, 16);
        /* 5 points before the first step, only the 4 of the middle segment after */
        assert_int_equal(t.c[0].points_before, 5);
        assert_int_equal(t.c[0].points_after, 4);
        assert_int_equal(t.c[1].points_before, 4);
        assert_int_equal(t.c[1].points_after, 5);
        assert_true(fabs(t.c[0].step - 20 * MS) < 0.5 * MS);
        assert_true(fabs(t.c[1].step - 20 * MS) < 0.5 * MS);
        assert_int_equal(t.segment[15], 1);
        assert_int_equal(t.segment[16], 2);
        trend_free(&t);
        db_close(&d);
}

static void test_trend_build_finds_no_step_in_noise(void **state)
{
        struct trend_options o;
        struct trend t;
        struct db d;
        char err[256] = "";

        (void)state;
        db_open(&d, 3);
        add_points(&d, 0, 40, base_level);
        trend_opts(&o);
        assert_int_equal(trend_build(d.h, "total", &o, &t, err, sizeof(err)), 0);
        assert_int_equal(t.s.n, 40);
        assert_int_equal(t.cp.n, 0);
        assert_int_equal(t.nc, 0);
        for (size_t i = 0; i < t.s.n; i++)
                assert_int_equal(t.segment[i], 0);
        trend_free(&t);
        db_close(&d);
}

static void test_trend_build_of_an_empty_series_is_empty(void **state)
{
        struct trend_options o;
        struct trend t;
        struct db d;
        char err[256] = "";

        (void)state;
        db_open(&d, 4);
        add_points(&d, 0, 3, base_level);
        trend_opts(&o);
        assert_int_equal(trend_build(d.h, "phase:nosuch", &o, &t, err, sizeof(err)), 0);
        assert_int_equal(t.s.n, 0);
        assert_int_equal(t.nc, 0);
        trend_free(&t);
        trend_free(&t);
        db_close(&d);
}

/* The minimum effect of the change points follows stats' unless set. */
static void test_trend_build_takes_the_minimum_effect_from_stats(void **state)
{
        struct trend_options o;
        struct trend t;
        struct db d;
        char err[256] = "";

        (void)state;
        db_open(&d, 5);
        add_points(&d, 0, 20, base_level);
        add_points(&d, 20, 40, shifted_b(15));
        trend_opts(&o);
        /* 15 ms exceeds the default, max(0.5 ms, 2% of 451 ms) */
        assert_int_equal(trend_build(d.h, "total", &o, &t, err, sizeof(err)), 0);
        assert_int_equal(t.nc, 1);
        trend_free(&t);
        /* and is within a minimum effect of 20 ms */
        o.stats.min_abs = 20 * MS;
        assert_int_equal(trend_build(d.h, "total", &o, &t, err, sizeof(err)), 0);
        assert_int_equal(t.nc, 0);
        assert_true(t.cp.ndropped >= 1);
        trend_free(&t);
        /* set on the change points, theirs is used */
        o.cp.min_abs = 0;
        o.cp.min_rel = 0;
        assert_int_equal(trend_build(d.h, "total", &o, &t, err, sizeof(err)), 0);
        assert_int_equal(t.nc, 1);
        trend_free(&t);
        db_close(&d);
}

/* A new level on the last point alone: PELT's segments hold 2 points at
 * least, so it would start the last one a point early; the change is
 * placed where it fits, at the last point, which is named. */
static void test_trend_build_places_a_step_on_the_last_point_there(void **state)
{
        struct trend_options o;
        struct trend t;
        struct db d;
        char err[256] = "";

        (void)state;
        db_open(&d, 17);
        add_points(&d, 0, 20, base_level);
        add_point(&d, 20, shifted_b(20));
        trend_opts(&o);
        assert_int_equal(trend_build(d.h, "total", &o, &t, err, sizeof(err)), 0);
        assert_int_equal(t.nc, 1);
        assert_int_equal(t.c[0].at, 20);
        assert_string_equal(t.c[0].label_at, "s0020");
        assert_int_equal(t.c[0].points_before, 20);
        assert_int_equal(t.c[0].points_after, 1);
        assert_true(fabs(t.c[0].step - 20 * MS) < 0.5 * MS);
        assert_int_equal(t.segment[19], 0);
        assert_int_equal(t.segment[20], 1);
        trend_free(&t);
        db_close(&d);
}

/* Version order (strverscmp): 6.1.2 < 6.1.9 < 6.1.10, whatever the order
 * the entries were collected in. */
static void test_trend_build_orders_by_a_version_label(void **state)
{
        struct trend_options o;
        struct trend t;
        struct db d;
        char err[256] = "", ver[32];

        (void)state;
        db_open(&d, 6);
        for (unsigned i = 1; i <= 30; i++) {
                snprintf(ver, sizeof(ver), "6.1.%u", i);
                /* collected in the order 7 i mod 31: a permutation */
                add_point_at(&d, i, 7 * i % 31, ver, i >= 16 ? shifted_b(15) : base_level);
        }
        trend_opts(&o);
        o.by = "version";
        assert_int_equal(trend_build(d.h, "total", &o, &t, err, sizeof(err)), 0);
        assert_int_equal(t.s.n, 30);
        assert_string_equal(t.s.v[0].by, "6.1.1");
        assert_string_equal(t.s.v[8].by, "6.1.9");
        assert_string_equal(t.s.v[9].by, "6.1.10");
        assert_string_equal(t.s.v[29].by, "6.1.30");
        assert_int_equal(t.nc, 1);
        assert_int_equal(t.c[0].at, 15);
        assert_string_equal(t.c[0].label_before, "6.1.15");
        assert_string_equal(t.c[0].label_at, "6.1.16");
        assert_true(fabs(t.c[0].step - 15 * MS) < 0.5 * MS);
        trend_free(&t);
        /* by collection time the levels are mixed: no clean step at 15 */
        o.by = NULL;
        assert_int_equal(trend_build(d.h, "total", &o, &t, err, sizeof(err)), 0);
        assert_int_equal(t.s.n, 30);
        assert_string_equal(t.s.v[0].e.session_id, "s0009"); /* 7 * 9 mod 31 = 1 */
        trend_free(&t);
        db_close(&d);
}

/* ---- trend_check ---- */

/* A point whose only metrics are the total and the kernel's loaded size. */
static void add_size_point(struct db *d, unsigned i, double bytes)
{
        double values[2][RUNS];
        struct history_new_metric m[2] = {
            {.name = "total", .kind = COMPARE_TOTAL, .values = values[0]},
            {.name = HISTORY_KERNEL_LOADED, .kind = COMPARE_TOTAL, .values = values[1]},
        };
        struct history_new e = {0};
        unsigned runs[RUNS];
        char sid[32], created[32], err[256] = "";

        for (unsigned r = 0; r < RUNS; r++) {
                runs[r] = r + 1;
                values[0][r] = (450 + 0.3 * gauss(&d->rng)) * MS;
                values[1][r] = bytes;
        }
        snprintf(sid, sizeof(sid), "k%04u", i);
        snprintf(created, sizeof(created), "2026-01-01T00:%02u:%02uZ", i / 60, i % 60);
        e.session_id = sid;
        e.variant = "default";
        e.created = created;
        e.cmdline = "console=hvc0";
        e.runs_recorded = e.runs_ok = RUNS;
        e.runs = runs;
        e.nruns = RUNS;
        e.m = m;
        e.nm = 2;
        assert_int_equal(history_insert(d->h, &e, 1, NULL, err, sizeof(err)), 0);
}

/* A size changes wherever it differs: a 1-byte growth is a change point
 * (PELT's minimum effect would drop it), with an exact step. */
static void test_trend_build_of_a_size_is_exact(void **state)
{
        static const double bytes[] = {42e6, 42e6, 42e6, 42e6, 42e6 + 1, 42e6 + 1, 41e6};
        struct trend_options o;
        struct trend t;
        struct db d;
        char err[256] = "";

        (void)state;
        db_open(&d, 7);
        for (unsigned i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++)
                add_size_point(&d, i, bytes[i]);
        trend_opts(&o);
        assert_int_equal(trend_build(d.h, HISTORY_KERNEL_LOADED, &o, &t, err, sizeof(err)), 0);
        assert_int_equal(t.s.n, 7);
        assert_int_equal(t.nc, 2);
        assert_int_equal(t.c[0].at, 4);
        assert_true(t.c[0].step == 1 && t.c[0].ci.lo == 1 && t.c[0].ci.hi == 1);
        assert_int_equal(t.c[1].at, 6);
        assert_true(t.c[1].step == -1000001);
        assert_int_equal(t.segment[6], 2);
        assert_true(t.cp.sigma == 0 && t.cp.ndropped == 0);
        trend_free(&t);
        /* the total, noise of its own, has none */
        assert_int_equal(trend_build(d.h, "total", &o, &t, err, sizeof(err)), 0);
        assert_int_equal(t.nc, 0);
        trend_free(&t);
        db_close(&d);
}

static void test_trend_check_of_a_series_without_a_step_passes(void **state)
{
        struct trend_check_options o;
        struct trend_check c;
        struct db d;
        char err[256] = "";

        (void)state;
        db_open(&d, 7);
        add_points(&d, 0, 30, base_level);
        check_opts(&o);
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
        assert_true(c.judged);
        assert_null(c.why);
        assert_false(c.regressed);
        assert_string_equal(c.newest.session_id, "s0029");
        assert_string_equal(c.newest_label, "s0029");
        assert_int_equal(c.points, 30);
        assert_int_equal(c.gate.n, 4); /* total, a, b, c */
        assert_int_equal(c.gate.nphases, 3);
        assert_int_equal(c.gate.verdicts[STATS_SLOWER], 0);
        /* the base: the last 20 of the 29 earlier points */
        assert_string_equal(c.base[0].metric, "total");
        assert_int_equal(c.base[0].first, 9);
        assert_int_equal(c.base[0].last, 28);
        assert_int_equal(c.base[0].points, 20);
        assert_int_equal(c.base[0].runs, 20 * RUNS);
        assert_int_equal(c.base[0].changes, 0);
        assert_string_equal(c.base[0].label_first, "s0009");
        assert_string_equal(c.base[0].label_last, "s0028");
        assert_int_equal(c.gate.m[0].na, 20 * RUNS);
        assert_int_equal(c.gate.m[0].nb, RUNS);
        assert_int_equal(c.fns.n, 2);
        assert_int_equal(c.fns.verdicts[STATS_SLOWER], 0);
        trend_check_free(&c);
        trend_check_free(&c);
        db_close(&d);
}

static void test_trend_check_names_the_one_phase_that_got_slower(void **state)
{
        struct trend_check_options o;
        struct trend_check c;
        struct db d;
        char err[256] = "";

        (void)state;
        db_open(&d, 8);
        add_points(&d, 0, 30, base_level);
        add_point(&d, 30, shifted_b(20));
        check_opts(&o);
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
        assert_true(c.judged);
        assert_true(c.regressed);
        assert_int_equal(gate_metric(&c, "total")->c.verdict, STATS_SLOWER);
        assert_int_equal(gate_metric(&c, "phase:b")->c.verdict, STATS_SLOWER);
        assert_true(fabs(gate_metric(&c, "phase:b")->c.diff - 20 * MS) < 0.5 * MS);
        assert_int_not_equal(gate_metric(&c, "phase:a")->c.verdict, STATS_SLOWER);
        assert_int_not_equal(gate_metric(&c, "phase:c")->c.verdict, STATS_SLOWER);
        assert_int_equal(c.gate.verdicts[STATS_SLOWER], 2);
        /* the function that moved, among the functions */
        assert_non_null(compare_find(&c.fns, "fn:f2"));
        assert_int_equal(compare_find(&c.fns, "fn:f2")->c.verdict, STATS_SLOWER);
        assert_string_equal(compare_find(&c.fns, "fn:f2")->phase, "b");
        assert_int_not_equal(compare_find(&c.fns, "fn:f1")->c.verdict, STATS_SLOWER);
        trend_check_free(&c);
        db_close(&d);
}

/* Sessions that sit off their level as a whole (8 ms in phase b, as a
 * busy host makes them) and a newest point 12 ms up: the runs' test calls
 * it slower, but the base's own sessions differ that much: within
 * spread_k (3) times their spread it is not called slower; with
 * spread_k 0 the runs alone decide and it is. */
static void test_trend_check_does_not_call_a_change_within_the_sessions_spread_slower(void **state)
{
        struct trend_check_options o;
        struct trend_check c;
        const struct compare_metric *b;
        struct db d;
        char err[256] = "";
        size_t ib;

        (void)state;
        db_open(&d, 21);
        for (unsigned i = 0; i < 30; i++)
                add_point(&d, i, shifted_b(8 * gauss(&d.rng)));
        add_point(&d, 30, shifted_b(12));
        check_opts(&o);
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
        assert_true(c.judged);
        b = gate_metric(&c, "phase:b");
        ib = (size_t)(b - c.gate.m);
        assert_true(c.base[ib].spread > 4 * MS && c.base[ib].spread < 14 * MS);
        assert_true(c.base[ib].within_spread);
        assert_int_equal(b->c.verdict, STATS_INCONCLUSIVE);
        assert_false(c.regressed);
        assert_true(c.nnotes >= 1);
        trend_check_free(&c);

        o.spread_k = 0;
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
        b = gate_metric(&c, "phase:b");
        ib = (size_t)(b - c.gate.m);
        assert_false(c.base[ib].within_spread);
        assert_int_equal(b->c.verdict, STATS_SLOWER);
        assert_true(c.regressed);
        trend_check_free(&c);
        db_close(&d);
}

/* One slow session (+25 ms in phase b) among 24 on one level: PELT,
 * whose segments hold 2 points, marks it by two change points, up and
 * down, and the last segment is short. The base reaches back over the
 * transient into the level before, and a newest point 20 ms up is the
 * regression it is (with the 3 points after the transient alone it is
 * too few runs to tell). */
static void test_trend_check_reaches_back_over_a_transient_session(void **state)
{
        struct trend_check_options o;
        struct trend_check c;
        const struct compare_metric *b;
        struct db d;
        char err[256] = "";
        size_t ib;

        (void)state;
        db_open(&d, 23);
        add_points(&d, 0, 20, base_level);
        add_point(&d, 20, shifted_b(25));
        add_points(&d, 21, 24, base_level);
        add_point(&d, 24, shifted_b(20));
        check_opts(&o);
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
        assert_true(c.judged);
        b = gate_metric(&c, "phase:b");
        ib = (size_t)(b - c.gate.m);
        assert_true(c.base[ib].transient >= 1 && c.base[ib].transient <= 2);
        assert_true(c.base[ib].points >= 15);
        assert_int_equal(b->c.verdict, STATS_SLOWER);
        assert_true(fabs(b->c.diff - 20 * MS) < 1 * MS);
        assert_true(c.regressed);
        trend_check_free(&c);
        db_close(&d);
}

/* A step accepted 10 points ago: the base is the new level. */
static void test_trend_check_bases_on_the_segment_after_an_accepted_step(void **state)
{
        struct trend_check_options o;
        struct trend_check c;
        struct db d;
        char err[256] = "";

        (void)state;
        db_open(&d, 9);
        add_points(&d, 0, 30, base_level);
        add_points(&d, 30, 41, shifted_b(20));
        check_opts(&o);
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
        assert_true(c.judged);
        assert_false(c.regressed);
        assert_int_equal(c.base[0].changes, 1);
        assert_int_equal(c.base[0].first, 30);
        assert_int_equal(c.base[0].last, 39);
        assert_int_equal(c.base[0].points, 10);
        assert_string_equal(c.base[0].label_first, "s0030");
        assert_true(fabs(gate_metric(&c, "total")->c.diff) < 0.5 * MS);
        /* the phase a never moved: its base is the last 20 points */
        assert_string_equal(c.base[1].metric, "a");
        assert_int_equal(c.base[1].changes, 0);
        assert_int_equal(c.base[1].points, 20);
        trend_check_free(&c);
        db_close(&d);
}

static void test_trend_check_judges_one_earlier_point_and_not_none(void **state)
{
        struct trend_check_options o;
        struct trend_check c;
        struct db d;
        char err[256] = "";

        (void)state;
        db_open(&d, 10);
        add_point(&d, 0, base_level);
        check_opts(&o);
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
        assert_false(c.judged);
        assert_false(c.regressed);
        assert_string_equal(c.why, "only 0 earlier point(s) of total: nothing to compare with");
        assert_string_equal(c.newest.session_id, "s0000");
        assert_int_equal(c.points, 1);
        assert_int_equal(c.gate.n, 0);
        trend_check_free(&c);

        add_point(&d, 1, base_level);
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
        assert_true(c.judged);
        assert_false(c.regressed);
        assert_int_equal(c.base[0].points, 1);
        assert_int_equal(c.base[0].runs, RUNS);
        assert_int_equal(c.gate.n, 4);
        trend_check_free(&c);

        /* asking for more base points than there are: not judged, said */
        o.min_points = 5;
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
        assert_false(c.judged);
        assert_string_equal(c.why, "only 1 earlier point(s) of total: nothing to compare with");
        trend_check_free(&c);
        db_close(&d);
}

static void test_trend_check_of_an_empty_history_is_enoent(void **state)
{
        struct trend_check_options o;
        struct trend_check c;
        struct db d;
        char err[256] = "";

        (void)state;
        db_open(&d, 11);
        check_opts(&o);
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, d.path));
        assert_non_null(strstr(err, "no entry"));
        trend_check_free(&c);
        db_close(&d);
}

/* --latest judges an older point; the points after it play no part. */
static void test_trend_check_latest_picks_an_older_entry_and_ignores_later_ones(void **state)
{
        struct history_label latest = {.key = "version", .value = "6.1.30"};
        struct history_label missing = {.key = "version", .value = "7.0"};
        struct trend_check_options o;
        struct trend_check c;
        struct db d;
        char err[256] = "", ver[32];

        (void)state;
        db_open(&d, 12);
        for (unsigned i = 0; i < 40; i++) {
                snprintf(ver, sizeof(ver), "6.1.%u", i);
                /* 30 slower; 31.. faster again, then far slower */
                add_point_at(&d, i, i, ver,
                             i == 30  ? shifted_b(8)
                             : i < 35 ? base_level
                                      : shifted_b(50));
        }
        check_opts(&o);
        o.latest = &latest;
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
        assert_true(c.judged);
        assert_true(c.regressed);
        assert_string_equal(c.newest.session_id, "s0030");
        assert_string_equal(c.newest_label, "s0030");
        assert_int_equal(c.points, 31);
        assert_int_equal(c.base[0].last, 29);
        assert_int_equal(c.base[0].changes, 0);
        assert_int_equal(gate_metric(&c, "phase:b")->c.verdict, STATS_SLOWER);
        trend_check_free(&c);

        /* the newest of all (39) sits on the level of 35..38 */
        o.latest = NULL;
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
        assert_string_equal(c.newest.session_id, "s0039");
        assert_false(c.regressed);
        assert_int_equal(c.base[0].first, 35);
        trend_check_free(&c);

        o.latest = &missing;
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, "version=7.0"));
        trend_check_free(&c);
        db_close(&d);
}

/* With --by, the newest point is the highest version, not the last collected. */
static void test_trend_check_orders_by_a_version_label(void **state)
{
        struct trend_check_options o;
        struct trend_check c;
        struct db d;
        char err[256] = "", ver[32];

        (void)state;
        db_open(&d, 13);
        for (unsigned i = 1; i <= 30; i++) {
                snprintf(ver, sizeof(ver), "6.1.%u", i);
                add_point_at(&d, i, 7 * i % 31, ver, i == 30 ? shifted_b(8) : base_level);
        }
        check_opts(&o);
        o.trend.by = "version";
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
        assert_string_equal(c.newest_label, "6.1.30");
        assert_string_equal(c.newest.session_id, "s0030");
        assert_true(c.regressed);
        assert_string_equal(c.base[0].label_last, "6.1.29");
        assert_string_equal(c.gate.new.ref, "6.1.30");
        assert_string_equal(c.gate.base.ref, "6.1.10..6.1.29");
        trend_check_free(&c);
        db_close(&d);
}

/* A phase only the newest entry has is compared with nothing: left out,
 * said in a note. */
static void test_trend_check_leaves_out_a_phase_with_no_earlier_point(void **state)
{
        struct history_new_metric m[2];
        struct history_new e = {0};
        double total[RUNS], extra[RUNS];
        unsigned runs[RUNS];
        struct trend_check_options o;
        struct trend_check c;
        struct db d;
        char err[256] = "";

        (void)state;
        db_open(&d, 14);
        add_points(&d, 0, 10, base_level);
        for (unsigned r = 0; r < RUNS; r++) {
                runs[r] = r + 1;
                total[r] = (451 + 0.3 * r) * MS;
                extra[r] = (3 + 0.01 * r) * MS;
        }
        m[0] = (struct history_new_metric){.name = "total", .kind = COMPARE_TOTAL, .values = total};
        m[1] = (struct history_new_metric){
            .name = "phase:new", .kind = COMPARE_PHASE, .phase = "new", .values = extra};
        e.session_id = "s0010";
        e.variant = "default";
        e.created = "2026-01-01T00:00:10Z";
        e.runs_recorded = e.runs_ok = RUNS;
        e.runs = runs;
        e.nruns = RUNS;
        e.m = m;
        e.nm = 2;
        assert_int_equal(history_insert(d.h, &e, 1, NULL, err, sizeof(err)), 0);
        check_opts(&o);
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
        assert_true(c.judged);
        assert_int_equal(c.gate.n, 1);
        assert_null(compare_find(&c.gate, "phase:new"));
        assert_int_equal(c.nnotes, 1);
        assert_string_equal(c.notes[0], "phase:new: no earlier point: not compared");
        trend_check_free(&c);
        db_close(&d);
}

/* A new level fails the gate until two points of it precede the newest
 * (a segment has at least two points, CP_MIN_SEG_DEFAULT): the first
 * and the second point on it are regressions, the third is judged
 * against them. */
static void test_trend_check_accepts_a_new_level_after_two_points_on_it(void **state)
{
        struct trend_check_options o;
        struct trend_check c;
        struct db d;
        char err[256] = "";
        bool regressed[4];

        (void)state;
        db_open(&d, 15);
        add_points(&d, 0, 20, base_level);
        check_opts(&o);
        for (unsigned i = 0; i < 4; i++) {
                add_point(&d, 20 + i, shifted_b(20));
                assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
                assert_true(c.judged);
                regressed[i] = c.regressed;
                if (i == 1) {
                        assert_int_equal(c.base[0].tail, 1);
                        assert_int_equal(c.base[0].last, 19);
                        assert_int_equal(c.base[0].changes, 0);
                        assert_string_equal(c.notes[0], "total: 1 point(s) before the newest "
                                                        "(from s0020) on a level not yet "
                                                        "confirmed: left out of the base");
                }
                if (i == 2) {
                        assert_int_equal(c.base[0].changes, 1);
                        assert_int_equal(c.base[0].first, 20);
                        assert_int_equal(c.base[0].points, 2);
                }
                trend_check_free(&c);
        }
        assert_true(regressed[0]);
        assert_true(regressed[1]);
        assert_false(regressed[2]);
        assert_false(regressed[3]);
        db_close(&d);
}

/* The gate looks at the span's points before the newest: a step before
 * them is no change of its, and a phase none of them has is left out. */
static void test_trend_check_looks_at_the_span_before_the_newest(void **state)
{
        struct trend_check_options o;
        struct trend_check c;
        struct level old = base_level, with_d = shifted_b(20);
        struct db d;
        char err[256] = "";

        (void)state;
        db_open(&d, 16);
        old.d = 5;
        with_d.d = 5;
        add_points(&d, 0, 20, old);
        add_points(&d, 20, 99, shifted_b(20));
        add_point(&d, 99, with_d);
        check_opts(&o);
        o.span = 30;
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
        assert_true(c.judged);
        assert_false(c.regressed);
        assert_int_equal(c.points, 100);
        assert_int_equal(c.base[0].changes, 0);
        assert_int_equal(c.base[0].first, 79);
        assert_int_equal(c.base[0].last, 98);
        assert_null(compare_find(&c.gate, "phase:d"));
        assert_int_equal(c.nnotes, 1);
        assert_string_equal(
            c.notes[0], "phase:d: none of the 30 points before the newest has it: not compared");
        trend_check_free(&c);
        /* the whole history looked at: the step at 20 is its one change */
        o.span = 1000;
        assert_int_equal(trend_check(d.h, &o, &c, err, sizeof(err)), 0);
        assert_int_equal(c.base[0].changes, 1);
        assert_int_equal(c.base[0].first, 79);
        assert_non_null(compare_find(&c.gate, "phase:d"));
        trend_check_free(&c);
        db_close(&d);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_trend_build_finds_one_step_in_total_with_its_size_and_ci),
            cmocka_unit_test(test_trend_build_pools_at_most_window_points_within_the_segments),
            cmocka_unit_test(test_trend_build_finds_no_step_in_noise),
            cmocka_unit_test(test_trend_build_of_an_empty_series_is_empty),
            cmocka_unit_test(test_trend_build_takes_the_minimum_effect_from_stats),
            cmocka_unit_test(test_trend_build_places_a_step_on_the_last_point_there),
            cmocka_unit_test(test_trend_build_orders_by_a_version_label),
            cmocka_unit_test(test_trend_build_of_a_size_is_exact),
            cmocka_unit_test(test_trend_check_of_a_series_without_a_step_passes),
            cmocka_unit_test(test_trend_check_names_the_one_phase_that_got_slower),
            cmocka_unit_test(test_trend_check_reaches_back_over_a_transient_session),
            cmocka_unit_test(
                test_trend_check_does_not_call_a_change_within_the_sessions_spread_slower),
            cmocka_unit_test(test_trend_check_bases_on_the_segment_after_an_accepted_step),
            cmocka_unit_test(test_trend_check_accepts_a_new_level_after_two_points_on_it),
            cmocka_unit_test(test_trend_check_judges_one_earlier_point_and_not_none),
            cmocka_unit_test(test_trend_check_of_an_empty_history_is_enoent),
            cmocka_unit_test(test_trend_check_latest_picks_an_older_entry_and_ignores_later_ones),
            cmocka_unit_test(test_trend_check_orders_by_a_version_label),
            cmocka_unit_test(test_trend_check_leaves_out_a_phase_with_no_earlier_point),
            cmocka_unit_test(test_trend_check_looks_at_the_span_before_the_newest),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
