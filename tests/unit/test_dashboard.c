/* Unit tests of reports/dashboard.h on a scratch database filled with
 * history_insert(): 10 entries by kernel version with a +300 ms step in
 * phase initcalls at the eighth, a label `<script>alert(1)</script>`, the
 * newest entry's session a copy of tests/data/linux-session-5 (its
 * report written under sessions/), one entry whose session is gone. The
 * page: the gate's verdict, the figures inlined (data: URLs) with their
 * change-point tables, the links, the escaping, nothing fetched. Drawing
 * needs gnuplot (skipped without it). DASHBOARD_KEEP=DIR keeps the
 * dashboard there, to look at (chromium --headless --screenshot). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/history.h"
#include "analyzer/trend.h"
#include "base/util.h"
#include "reports/dashboard.h"
#include "scratch.h"
#include "skip.h"

#define MS      1e6
#define NENTRY  10
#define NRUNS   5
#define HOSTILE "<script>alert(1)</script>"

static char dir[64];
static size_t step_from = 7; /* the first entry of the new level */

static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dupf(const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;

        va_start(ap, fmt);
        assert_true(vasprintf(&s, fmt, ap) >= 0);
        va_end(ap);
        return s;
}

static bool have_gnuplot(void)
{
        char err[256], path[96];
        bool ok;
        FILE *f;

        snprintf(path, sizeof(path), "%s/t.gp", dir);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs("print 1\n", f);
        fclose(f);
        ok = gp_run(dir, "t.gp", 10, err, sizeof(err)) != -ENOENT;
        unlink(path);
        return ok;
}

/* Entry i: kernel 6.1.0-(20+i), total = qemu + initcalls, initcalls
 * 1500 ms (1800 from i = 7), noise of +-2 ms over the runs. */
static void make_entry(struct history_new *e, size_t i, const char *path)
{
        static const char *names[] = {"total", "phase:qemu", "phase:initcalls"};
        static const enum compare_kind kinds[] = {COMPARE_TOTAL, COMPARE_PHASE, COMPARE_PHASE};
        static const char *phases[] = {NULL, "qemu", "initcalls"};
        double init = i >= step_from ? 1800 : 1500;

        memset(e, 0, sizeof(*e));
        e->session_id = dupf("sess-%02zu", i);
        e->variant = strdup("default");
        e->path = path ? strdup(path) : NULL;
        e->created = dupf("2026-11-%02zuT12:00:00Z", 10 + i);
        e->accel = strdup("tcg");
        e->runs_recorded = e->runs_ok = e->nruns = NRUNS;
        e->runs = calloc(NRUNS, sizeof(*e->runs));
        for (size_t r = 0; r < NRUNS; r++)
                e->runs[r] = (unsigned)(r + 1);
        e->nm = 3;
        e->m = calloc(3, sizeof(*e->m));
        for (size_t k = 0; k < 3; k++) {
                e->m[k].name = strdup(names[k]);
                e->m[k].kind = kinds[k];
                e->m[k].phase = phases[k] ? strdup(phases[k]) : NULL;
                e->m[k].values = calloc(NRUNS, sizeof(double));
                for (size_t r = 0; r < NRUNS; r++) {
                        double noise = 2 * sin((double)(i * NRUNS + r) * 1.3);
                        double qemu = 100 + noise / 4;

                        e->m[k].values[r] = (k == 0   ? qemu + init + noise
                                             : k == 1 ? qemu
                                                      : init + noise) *
                                            MS;
                }
        }
        e->nlabels = 2;
        e->labels = calloc(2, sizeof(*e->labels));
        e->labels[0].key = strdup("kernel");
        e->labels[0].value = dupf("6.1.0-%zu", 20 + i);
        e->labels[1].key = strdup("note");
        e->labels[1].value = strdup(i == 8 ? HOSTILE : "ok");
}

static __attribute__((noinline)) char *slurp(const char *path)
{
        char *buf = NULL;
        size_t len;

        assert_int_equal(util_read_file(path, &buf, &len), 0);
        return buf;
}

/* A database of NENTRY entries; the newest's session a copy of the real
 * 5-run session (its id made sess-09), entry 4's a directory that is gone,
 * entry 3's the newest's directory (a CI job's "-o session" reused). */
static struct history *make_db(void)
{
        char err[512], *db = dupf("%s/h.db", dir), *sess = dupf("%s/sess", dir);
        char *argv[] = {"cp", "-r", BOOTLENS_TEST_DATA "/linux-session-5", sess, NULL};
        struct history_new e[NENTRY];
        struct history *h = NULL;
        int status = 0;
        pid_t pid = fork();

        if (pid == 0) {
                execvp(argv[0], argv);
                _exit(127);
        }
        assert_true(pid > 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_int_equal(status, 0);
        /* the copy is the newest entry's session: its session_id */
        {
                char *sj = dupf("%s/session.json", sess), *json = NULL, *at;
                size_t len = 0;
                const char *id = "20261125T015804Z-a5973311";

                assert_int_equal(util_read_file(sj, &json, &len), 0);
                at = strstr(json, id);
                assert_non_null(at);
                memcpy(at, "sess-09", 7);
                memmove(at + 7, at + strlen(id), strlen(at + strlen(id)) + 1);
                assert_int_equal(util_write_file_atomic(sj, json, strlen(json)), 0);
                free(json);
                free(sj);
        }
        assert_int_equal(history_open(db, true, &h, err, sizeof(err)), 0);
        for (size_t i = 0; i < NENTRY; i++) {
                make_entry(&e[i], i,
                           i == NENTRY - 1 ? sess
                           : i == 3        ? "/nowhere/gone-session"
                           : i == 2        ? sess /* replaced since by the newest */
                                           : NULL);
        }
        assert_int_equal(history_insert(h, e, NENTRY, NULL, err, sizeof(err)), 0);
        for (size_t i = 0; i < NENTRY; i++)
                history_new_free(&e[i]);
        free(db);
        free(sess);
        return h;
}

static void options(struct dashboard_options *o, const char *out)
{
        memset(o, 0, sizeof(*o));
        o->dir = out;
        trend_check_options_default(&o->check);
        o->check.trend.by = "kernel";
        o->session_reports = true;
        o->latest = 8;
        o->style.term = GP_SVG;
}

static void keep(const char *out)
{
        const char *to = getenv("DASHBOARD_KEEP");
        char *argv[] = {"cp", "-r", (char *)out, (char *)to, NULL};
        pid_t pid;

        if (!to || !*to)
                return;
        scratch_rm_rf(to);
        pid = fork();
        if (pid == 0) {
                execvp(argv[0], argv);
                _exit(127);
        }
        waitpid(pid, NULL, 0);
        fprintf(stderr, "kept %s/index.html\n", to);
}

static void test_dashboard_writes_the_page(void **state)
{
        struct dashboard_options o;
        struct dashboard_result r = {0};
        char err[512], *out = dupf("%s/dash", dir), *page, *p;
        struct history *h;

        (void)state;
        if (!have_gnuplot())
                test_skip("gnuplot is not installed");
        h = make_db();
        options(&o, out);
        assert_int_equal(dashboard_write(h, &o, &r, err, sizeof(err)), 0);
        assert_non_null(r.index);
        /* the total and two phases drawn, the newest entry's report written */
        assert_int_equal(r.figures, 3);
        assert_int_equal(r.reports, 1);
        assert_non_null(r.notes);
        assert_non_null(strstr(r.notes, "entry 4: its session '/nowhere/gone-session' is not on "
                                        "disk"));
        /* a directory that holds another session now is not linked */
        p = dupf("entry 3: '%s/sess' holds session sess-09 now, not sess-02: no report", dir);
        assert_non_null(strstr(r.notes, p));
        free(p);
        page = slurp(r.index);
        /* the figures inlined, none fetched */
        assert_int_equal((int)(strstr(page, "<img") != NULL), 1);
        for (p = page; (p = strstr(p, "<img")); p++)
                assert_non_null(strstr(p, "src=\"data:image/svg+xml;base64,"));
        assert_null(strstr(page, "http://"));
        assert_null(strstr(page, "https://"));
        assert_null(strstr(page, "<script"));
        /* the step in initcalls, in its change-point table */
        assert_non_null(strstr(page, "<table class=\"changes\">"));
        assert_non_null(strstr(page, "<td class=\"name\">6.1.0-26</td><td class=\"name\">6.1.0-"
                                     "27</td>"));
        /* the gate: the newest point is on the new level (a confirmed step
         * before it), so nothing got slower against its segment */
        assert_non_null(strstr(page, "id=\"gate\""));
        assert_non_null(strstr(page, "newest point: 6.1.0-29 (sess-09:default, created "));
        /* the latest table: the hostile label escaped where it is shown
         * (a by label of entry 8 would be; the note label is not a column),
         * the newest entry linked, the gone one not */
        assert_non_null(strstr(page, "<a href=\"sessions/10/index.html\">report</a>"));
        assert_non_null(strstr(page, "not on disk"));
        free(page);
        page = dupf("%s/sessions/10/index.html", out);
        assert_int_equal(access(page, R_OK), 0);
        free(page);
        keep(out);
        dashboard_result_free(&r);
        history_close(h);
        free(out);
}

/* By a label that holds markup: every place it is shown is escaped. */
static void test_dashboard_escapes_labels(void **state)
{
        struct dashboard_options o;
        struct dashboard_result r = {0};
        char err[512], *out = dupf("%s/dash2", dir), *page;
        struct history *h;

        (void)state;
        if (!have_gnuplot())
                test_skip("gnuplot is not installed");
        h = make_db();
        options(&o, out);
        o.check.trend.by = "note";
        o.session_reports = false;
        assert_int_equal(dashboard_write(h, &o, &r, err, sizeof(err)), 0);
        page = slurp(r.index);
        assert_null(strstr(page, HOSTILE));
        assert_non_null(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert_int_equal(r.reports, 0);
        assert_non_null(strstr(page, "not written"));
        free(page);
        dashboard_result_free(&r);
        history_close(h);
        free(out);
}

/* The rows of a trend .dat's points (index 0, up to the blank lines). */
static __attribute__((noinline)) size_t point_rows(const char *dat)
{
        const char *start = strstr(dat, "# index 0"), *end = strstr(dat, "\n\n\n");
        size_t rows = 0;

        if (!start || !end)
                return 0;
        for (start = strchr(start, '\n') + 1; start <= end; start++)
                rows += *start == '\n';
        return rows;
}

/* A history longer than DASHBOARD_MAX_POINTS: each figure draws its last
 * 500 points, and says so. */
static void test_dashboard_draws_the_last_points_of_a_long_history(void **state)
{
        enum { N = DASHBOARD_MAX_POINTS + 20 };
        struct dashboard_options o;
        struct dashboard_result r = {0};
        char err[512], *db = dupf("%s/long.db", dir), *out = dupf("%s/dash4", dir), *page, *dat;
        struct history_new *e = calloc(N, sizeof(*e));
        struct history *h = NULL;
        size_t rows = 0;

        (void)state;
        if (!have_gnuplot())
                test_skip("gnuplot is not installed");
        assert_int_equal(history_open(db, true, &h, err, sizeof(err)), 0);
        for (size_t i = 0; i < N; i++) {
                make_entry(&e[i], i, NULL);
                free(e[i].created);
                e[i].created =
                    dupf("2026-%02zu-%02zuT%02zu:00:00Z", 1 + i / 300, 1 + i / 24 % 28, i % 24);
        }
        assert_int_equal(history_insert(h, e, N, NULL, err, sizeof(err)), 0);
        for (size_t i = 0; i < N; i++)
                history_new_free(&e[i]);
        free(e);
        options(&o, out);
        o.check.trend.by = NULL;
        o.session_reports = false;
        assert_int_equal(dashboard_write(h, &o, &r, err, sizeof(err)), 0);
        page = slurp(r.index);
        assert_non_null(strstr(page, "<strong>total</strong>: 520 points, 1 change point (the "
                                     "figure shows the last 500;"));
        free(page);
        page = dupf("%s/figures/01-total.dat", out);
        dat = slurp(page);
        rows = point_rows(dat);
        assert_int_equal(rows, 500);
        free(dat);
        free(page);
        dashboard_result_free(&r);
        history_close(h);
        free(db);
        free(out);
}

/* The step on the newest point: the gate regressed, in phase initcalls. */
static void test_dashboard_names_the_phase_that_regressed(void **state)
{
        struct dashboard_options o;
        struct dashboard_result r = {0};
        char err[512], *out = dupf("%s/dash5", dir), *page;
        struct history *h;

        (void)state;
        if (!have_gnuplot())
                test_skip("gnuplot is not installed");
        step_from = NENTRY - 1;
        h = make_db();
        step_from = 7;
        options(&o, out);
        o.session_reports = false;
        assert_int_equal(dashboard_write(h, &o, &r, err, sizeof(err)), 0);
        page = slurp(r.index);
        assert_non_null(strstr(page, "<strong class=\"slower\">regressed</strong> in phase "
                                     "<code>initcalls</code>: +299.6 ms [+29"));
        assert_non_null(strstr(page, "(p &lt; 0.0001 after Holm); <code>bootlens history "
                                     "check</code> exits 1"));
        free(page);
        dashboard_result_free(&r);
        history_close(h);
        free(out);
}

static void test_dashboard_refuses_an_empty_filter(void **state)
{
        struct dashboard_options o;
        struct dashboard_result r = {0};
        struct history_label where = {"kernel", "9.9"};
        struct history_filter f = {&where, 1};
        char err[512], *out = dupf("%s/dash3", dir);
        struct history *h;

        (void)state;
        h = make_db();
        options(&o, out);
        o.check.trend.where = &f;
        assert_int_equal(dashboard_write(h, &o, &r, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, "no entry matches the filter"));
        dashboard_result_free(&r);
        history_close(h);
        free(out);
}

static int setup(void **state)
{
        (void)state;
        snprintf(dir, sizeof(dir), "/tmp/bootlens-dash-XXXXXX");
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        scratch_rm_rf(dir);
        return 0;
}

/* each test its own database */
static int fresh(void **state)
{
        teardown(state);
        return setup(state);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_dashboard_writes_the_page, fresh),
            cmocka_unit_test_setup(test_dashboard_escapes_labels, fresh),
            cmocka_unit_test_setup(test_dashboard_draws_the_last_points_of_a_long_history, fresh),
            cmocka_unit_test_setup(test_dashboard_names_the_phase_that_regressed, fresh),
            cmocka_unit_test_setup(test_dashboard_refuses_an_empty_filter, fresh),
        };
        return test_exit(cmocka_run_group_tests(tests, setup, teardown));
}
