/* Unit tests of the trend figure (reports/trendplot.h, docs/plot.md
 * "trend"): a struct trend filled by hand (as analyzer/trend.h describes
 * it) drawn into a scratch directory: the script (every name through
 * gp_str: a hostile label with a quote, a backquote, a '%' and a newline;
 * the change points' dashed lines and step labels; the names thinned to
 * TRENDPLOT_MAX_XLABELS), the .dat's numbers, and with gnuplot installed
 * the SVG and PNG themselves (skipped without gnuplot). TRENDPLOT_KEEP=DIR
 * keeps every figure drawn there, to look at. */
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
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "reports/trendplot.h"
#include "scratch.h"
#include "skip.h"

#define MS   1e6
#define MAXP 300

struct fixture {
        struct trend t;
        struct history_point pts[MAXP];
        char names[MAXP][48];
        size_t seg[MAXP];
        size_t at[4];
        struct trend_change c[4];
};

static struct fixture fx;

/* n points of phase:initcalls by kernel around 1500 ms, steps at at[0..nc)
 * of step[k] ms each, deterministic noise of +-3 ms. */
static void fill(size_t n, const size_t *at, const double *step, size_t nc)
{
        double level = 1500;
        size_t k = 0;

        memset(&fx, 0, sizeof(fx));
        for (size_t i = 0; i < n; i++) {
                double noise = 3 * sin((double)i * 1.7), med;

                if (k < nc && i == at[k]) {
                        level += step[k];
                        fx.c[k] = (struct trend_change){.at = at[k],
                                                        .label_before = fx.names[i - 1],
                                                        .label_at = fx.names[i],
                                                        .before = (level - step[k]) * MS,
                                                        .after = level * MS,
                                                        .step = step[k] * MS,
                                                        .ci = {.lo = (step[k] - 4.2) * MS,
                                                               .hi = (step[k] + 3.9) * MS,
                                                               .coverage = 0.95},
                                                        .runs_before = 15,
                                                        .runs_after = 15,
                                                        .points_before = 3,
                                                        .points_after = 3};
                        fx.at[k] = at[k];
                        k++;
                }
                med = level + noise;
                snprintf(fx.names[i], sizeof(fx.names[i]), "6.1.0-%zu", 10 + i);
                fx.pts[i].by = fx.names[i];
                fx.pts[i].e.session_id = fx.names[i];
                fx.pts[i].e.variant = (char *)"default";
                fx.pts[i].s = (struct history_summary){
                    .n = 5, .median = med * MS, .ci_lo = (med - 4) * MS, .ci_hi = (med + 5) * MS};
                fx.seg[i] = k;
        }
        fx.t.s.metric = (char *)"phase:initcalls";
        fx.t.s.kind = COMPARE_PHASE;
        fx.t.s.v = fx.pts;
        fx.t.s.n = n;
        fx.t.cp = (struct cp_result){.at = fx.at, .n = nc, .sigma = 3 * MS, .beta = 2 * log(n)};
        fx.t.c = fx.c;
        fx.t.nc = nc;
        fx.t.segment = fx.seg;
}

static bool have_gnuplot(void)
{
        char err[256], dir[] = "/tmp/bootlens-tp-XXXXXX", path[64];
        bool ok;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/t.gp", dir);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs("print 1\n", f);
        fclose(f);
        ok = gp_run(dir, "t.gp", 10, err, sizeof(err)) != -ENOENT;
        scratch_rm_rf(dir);
        return ok;
}

static char *slurp(const char *path)
{
        char *buf = NULL;
        size_t len;

        assert_int_equal(util_read_file(path, &buf, &len), 0);
        return buf;
}

struct drawn {
        char dir[64];
        char *gp, *dat;
        struct plot_result res;
        int rc;
};

/* Draw fx into a scratch dir as fig.EXT (the .gp and .dat read back even
 * when gnuplot is missing: they are written first). */
static void draw(struct drawn *d, const char *ext, bool mono, char *err, size_t errsize)
{
        struct plot_options o = {.style = {.mono = mono}};
        char path[128];

        memset(d, 0, sizeof(*d));
        assert_int_equal(gp_term_from_path(ext, &o.style.term), 0);
        snprintf(d->dir, sizeof(d->dir), "/tmp/bootlens-tp-XXXXXX");
        assert_non_null(mkdtemp(d->dir));
        snprintf(path, sizeof(path), "%s/fig%s", d->dir, ext);
        d->rc = trendplot_draw(&fx.t, "kernel", path, &o, &d->res, err, errsize);
        snprintf(path, sizeof(path), "%s/fig.gp", d->dir);
        if (access(path, R_OK) == 0)
                d->gp = slurp(path);
        snprintf(path, sizeof(path), "%s/fig.dat", d->dir);
        if (access(path, R_OK) == 0)
                d->dat = slurp(path);
}

static void keep(const struct drawn *d, const char *name, const char *ext)
{
        const char *dir = getenv("TRENDPLOT_KEEP");
        char from[128], to[512], *buf = NULL;
        size_t len;

        if (!dir || !*dir)
                return;
        util_mkdir_p(dir, 0755);
        snprintf(from, sizeof(from), "%s/fig%s", d->dir, ext);
        snprintf(to, sizeof(to), "%s/%s%s", dir, name, ext);
        assert_int_equal(util_read_file(from, &buf, &len), 0);
        assert_int_equal(util_write_file_atomic(to, buf, len), 0);
        free(buf);
        fprintf(stderr, "kept %s\n", to);
}

static void done(struct drawn *d)
{
        free(d->gp);
        free(d->dat);
        plot_result_free(&d->res);
        scratch_rm_rf(d->dir);
}

static size_t count(const char *s, const char *needle)
{
        size_t n = 0;

        for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

static off_t file_size(const char *dir, const char *name)
{
        char path[128];
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        return stat(path, &st) == 0 ? st.st_size : -1;
}

static void test_trendplot_script_quotes_hostile_labels(void **state)
{
        static const size_t at[] = {6};
        static const double step[] = {812.4};
        struct drawn d;
        char err[512];

        (void)state;
        fill(12, at, step, 1);
        snprintf(fx.names[3], sizeof(fx.names[3]), "it's `id` 100%%\nnew");
        draw(&d, ".svg", false, err, sizeof(err));
        assert_non_null(d.gp);
        /* a gnuplot single-quoted string: the quote doubled, the newline
         * as \x0a, the backquote and '%' inert */
        assert_non_null(strstr(d.gp, "set label 'it''s `id` 100%\\x0anew' at first 3, graph 0"));
        /* no name outside a quoted string: the only backquote is the label's */
        assert_int_equal(count(d.gp, "`"), 2);
        assert_null(strstr(d.gp, "system"));
        assert_non_null(strstr(d.gp, "noenhanced"));
        /* the change point: a dashed line between points 5 and 6, its step */
        assert_non_null(strstr(d.gp, "set arrow from first 5.5, graph 0 to first 5.5, graph 1 "
                                     "nohead dt 2"));
        assert_non_null(strstr(d.gp, "set label '+812.4 ms [+808.2, +816.3]' at first 5.5"));
        assert_non_null(strstr(d.gp, "set title 'phase:initcalls by kernel'"));
        assert_non_null(strstr(d.gp, "(ms, axis not from 0)"));
        done(&d);
}

static void test_trendplot_dat_holds_numbers(void **state)
{
        static const size_t at[] = {6};
        static const double step[] = {812.4};
        struct drawn d;
        char err[512];

        (void)state;
        fill(12, at, step, 1);
        snprintf(fx.names[0], sizeof(fx.names[0]), "1e3 'x' %%s");
        draw(&d, ".svg", false, err, sizeof(err));
        assert_non_null(d.dat);
        /* point 0: median 1500 + 0 noise, CI -4 +5 */
        assert_non_null(strstr(d.dat, "\n0 1500.000000 1496.000000 1505.000000\n"));
        /* two segments' levels, from -0.4 to 5.4 and from 5.6 to 11.4 */
        assert_non_null(strstr(d.dat, "\n-0.4 "));
        assert_non_null(strstr(d.dat, "\n5.4 "));
        assert_non_null(strstr(d.dat, "\n5.6 2311.249296\n"));
        assert_non_null(strstr(d.dat, "\n11.4 2311.249296\n"));
        /* no name in the .dat: only comments, numbers and blank lines */
        for (const char *p = d.dat; *p;) {
                size_t len = strcspn(p, "\n");

                if (len && *p != '#')
                        assert_int_equal(strspn(p, "0123456789.- "), len);
                p += len + (p[len] == '\n');
        }
        done(&d);
}

static void test_trendplot_thins_names(void **state)
{
        static const size_t at[] = {80, 150, 220};
        static const double step[] = {40, -25, 60};
        struct drawn d;
        char err[512];

        (void)state;
        fill(300, at, step, 3);
        draw(&d, ".svg", false, err, sizeof(err));
        assert_non_null(d.gp);
        assert_int_equal(count(d.gp, "rotate by 40"), TRENDPLOT_MAX_XLABELS);
        assert_non_null(strstr(d.gp, "set label '6.1.0-10' at first 0,"));
        assert_non_null(strstr(d.gp, "set label '6.1.0-309' at first 299,"));
        assert_int_equal(count(d.gp, "set arrow from"), 3);
        /* a step down is drawn in the faster colour, up in the slower */
        assert_non_null(strstr(d.gp, "lc rgb '#009E73'"));
        assert_non_null(strstr(d.gp, "lc rgb '#D55E00'"));
        done(&d);
}

static void test_trendplot_refuses(void **state)
{
        struct plot_options o = {.style = {.term = GP_SVG}};
        struct plot_result res;
        char err[512];

        (void)state;
        fill(0, NULL, NULL, 0);
        assert_int_equal(trendplot_draw(&fx.t, NULL, "/tmp/x.svg", &o, &res, err, sizeof(err)),
                         -ENODATA);
        assert_string_equal(err, "trend: no point of phase:initcalls to draw");
        plot_result_free(&res);
        fill(4, NULL, NULL, 0);
        assert_int_equal(trendplot_draw(&fx.t, NULL, "/tmp/fig.gp", &o, &res, err, sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "would overwrite its own .gp or .dat"));
        plot_result_free(&res);
}

/* Drawn by gnuplot on svg and png: the files exist and hold a figure. */
static void draw_real(const char *name, size_t n, const size_t *at, const double *step, size_t nc)
{
        static const char *const ext[] = {".svg", ".png"};
        char err[512];

        fill(n, at, step, nc);
        for (size_t k = 0; k < 2; k++) {
                struct drawn d;
                char fig[16];

                draw(&d, ext[k], false, err, sizeof(err));
                assert_int_equal(d.rc, 0);
                assert_string_equal(d.res.note, "");
                assert_int_equal(d.res.nfiles, 3);
                snprintf(fig, sizeof(fig), "fig%s", ext[k]);
                assert_true(file_size(d.dir, fig) > 5000);
                if (k == 0) {
                        char path[128], *svg;

                        snprintf(path, sizeof(path), "%s/fig.svg", d.dir);
                        svg = slurp(path);
                        assert_non_null(strstr(svg, "<svg"));
                        assert_non_null(strstr(svg, "6.1.0-10"));
                        free(svg);
                }
                keep(&d, name, ext[k]);
                done(&d);
        }
}

static void test_trendplot_draws_svg_and_png(void **state)
{
        static const size_t at1[] = {6}, at3[] = {3, 6, 9}, at300[] = {80, 150, 220};
        static const double s1[] = {812.4}, s3[] = {40, -25, 120}, s300[] = {40, -25, 60};

        (void)state;
        if (!have_gnuplot())
                test_skip("gnuplot is not installed");
        draw_real("trend-12-1cp", 12, at1, s1, 1);
        draw_real("trend-12-3cp", 12, at3, s3, 3);
        draw_real("trend-300-3cp", 300, at300, s300, 3);
        draw_real("trend-300-1cp", 300, at1, s1, 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_trendplot_script_quotes_hostile_labels),
            cmocka_unit_test(test_trendplot_dat_holds_numbers),
            cmocka_unit_test(test_trendplot_thins_names),
            cmocka_unit_test(test_trendplot_refuses),
            cmocka_unit_test(test_trendplot_draws_svg_and_png),
        };
        return test_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
