/* Unit tests of the sweep figures (reports/plot.h: plot_savings_draw,
 * docs/plot.md "Sweeps"): a struct savings filled by hand (as
 * analyzer/savings.h describes it) drawn as a waterfall and as savings
 * on every terminal: the files beside the figure, the SVG parsing as
 * XML, the labels in the script (knob names quoted by gp_str, a '%', a
 * quote and a '<' among them), the rows' order, the broken and
 * host-timed steps, and the refusals. PLOT_SWEEP_KEEP=DIR keeps every
 * figure drawn in DIR, to look at. */
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
#include <sys/wait.h>
#include <unistd.h>

#include "analyzer/savings.h"
#include "base/util.h"
#include "reports/gnuplot.h"
#include "reports/plot.h"
#include "scratch.h"
#include "skip.h"

#define MS 1e6

/* A step compared against its reference: saving and its CI in ms. */
static void step(struct savings_step *st, const char *name, size_t against, double median,
                 double saving, double lo, double hi, enum stats_verdict v)
{
        memset(st, 0, sizeof(*st));
        st->name = st->variant = (char *)name;
        st->spec = (char *)"append+=x";
        st->against = against;
        st->recorded = st->ok = 5;
        st->median_ns = median * MS;
        st->compared = true;
        st->saving_ns = saving * MS, st->saving_lo_ns = lo * MS, st->saving_hi_ns = hi * MS;
        st->rel = saving / (median + saving);
        st->verdict = v;
}

static void broken(struct savings_step *st, const char *name, size_t against)
{
        memset(st, 0, sizeof(*st));
        st->name = st->variant = (char *)name;
        st->against = against;
        st->recorded = st->crash = 5;
        st->broken = true;
        st->median_ns = NAN;
        st->failed_serial = (char *)"/somewhere/sweep/runs/0024.serial";
        st->failed_reason = (char *)"QEMU exited 1 before a dump";
}

/* A cumulative campaign: base, pvh, nouarts, a knob with a hostile
 * name, a broken step, a step after it (not compared), a host-timed
 * knob; steps[] must hold 7. */
static void campaign(struct savings *s, struct savings_step *steps)
{
        memset(s, 0, sizeof(*s));
        s->session = (char *)"/x/sweep-cumulative";
        s->mode = SWEEP_CUMULATIVE;
        s->preset = (char *)"linux-microvm";
        memset(&steps[0], 0, sizeof(steps[0]));
        steps[0].name = steps[0].variant = (char *)"base";
        steps[0].recorded = steps[0].ok = 5;
        steps[0].median_ns = 3558.6 * MS;
        step(&steps[1], "pvh", 0, 3246.6, 312, 290, 340, STATS_FASTER);
        step(&steps[2], "nouarts", 1, 3201.2, 45.4, 38.2, 51.0, STATS_FASTER);
        step(&steps[3], "quiet%'<x", 2, 3199.0, 2.2, -6.1, 9.3, STATS_INCONCLUSIVE);
        broken(&steps[4], "noacpi", 3);
        step(&steps[5], "after", 4, 3150.0, NAN, NAN, NAN, STATS_INCONCLUSIVE);
        steps[5].compared = false, steps[5].against_broken = true;
        step(&steps[6], "instr", 0, 3570.0, -11.4, -20.0, -3.0, STATS_SLOWER);
        steps[6].host_timed = true;
        steps[6].recorded = 6, steps[6].timeout = 1;
        s->steps = steps;
        s->nsteps = 7;
        s->baseline_ns = steps[0].median_ns;
        s->final_ns = 3150.0 * MS;
        s->has_overall = true;
        step(&s->overall, "overall", 0, 3150.0, 408.6, 380.0, 431.0, STATS_FASTER);
}

/* The same knobs alone: an each sweep. */
static void each(struct savings *s, struct savings_step *steps)
{
        campaign(s, steps);
        s->session = (char *)"/x/sweep-each";
        s->mode = SWEEP_EACH;
        s->has_overall = false;
        for (size_t i = 1; i < 7; i++)
                steps[i].against = 0;
        step(&steps[5], "after", 0, 3500.0, 58.6, 40.0, 70.0, STATS_FASTER);
}

static bool have_gnuplot(void)
{
        char err[256];
        char dir[] = "/tmp/bootlens-ps-XXXXXX";
        char path[64];
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

/* python3 parses the file as XML. */
static void assert_xml(const char *path)
{
        const char *py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
        char *argv[] = {(char *)py, "-c",
                        "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])",
                        (char *)path, NULL};
        int status = 0;
        pid_t pid = fork();

        if (pid == 0) {
                execvp(argv[0], argv);
                _exit(127);
        }
        assert_true(pid > 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == 127)
                return;
        assert_int_equal(WEXITSTATUS(status), 0);
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
        char *gp, *dat, *fig;
        struct plot_result res;
};

/* Draw kind k of s with style st into a scratch dir as fig.EXT. */
static int draw(struct drawn *d, const struct savings *s, enum plot_kind k,
                const struct gp_style *st, const char *ext, char *err, size_t errsize)
{
        struct plot_options o = {.style = *st};
        char path[128];
        int rc;

        memset(d, 0, sizeof(*d));
        snprintf(d->dir, sizeof(d->dir), "/tmp/bootlens-ps-XXXXXX");
        assert_non_null(mkdtemp(d->dir));
        snprintf(path, sizeof(path), "%s/fig.%s", d->dir, ext);
        rc = plot_savings_draw(s, k, path, &o, &d->res, err, errsize);
        if (rc)
                return rc;
        snprintf(path, sizeof(path), "%s/fig.gp", d->dir);
        d->gp = slurp(path);
        snprintf(path, sizeof(path), "%s/fig.dat", d->dir);
        d->dat = slurp(path);
        snprintf(path, sizeof(path), "%s/fig.%s", d->dir, ext);
        if (strcmp(ext, "svg") == 0 || strcmp(ext, "txt") == 0)
                d->fig = slurp(path);
        return 0;
}

/* Keep the figure in PLOT_SWEEP_KEEP as NAME.EXT. */
static void keep(const struct drawn *d, const char *name, const char *ext)
{
        const char *dir = getenv("PLOT_SWEEP_KEEP");
        char from[128], to[512], *buf = NULL;
        size_t len;

        if (!dir || !*dir)
                return;
        util_mkdir_p(dir, 0755);
        snprintf(from, sizeof(from), "%s/fig.%s", d->dir, ext);
        snprintf(to, sizeof(to), "%s/%s.%s", dir, name, ext);
        assert_int_equal(util_read_file(from, &buf, &len), 0);
        assert_int_equal(util_write_file_atomic(to, buf, len), 0);
        free(buf);
        fprintf(stderr, "kept %s\n", to);
}

static void drawn_free(struct drawn *d)
{
        free(d->gp);
        free(d->dat);
        free(d->fig);
        plot_result_free(&d->res);
        scratch_rm_rf(d->dir);
}

/* Draw kind k of s as SVG, which must parse as XML; keep it as keep_as. */
static void draw_svg(struct drawn *d, const struct savings *s, enum plot_kind k,
                     const char *keep_as)
{
        struct gp_style st = {.term = GP_SVG};
        char err[512] = "", path[128];

        assert_int_equal(draw(d, s, k, &st, "svg", err, sizeof(err)), 0);
        snprintf(path, sizeof(path), "%s/fig.svg", d->dir);
        assert_xml(path);
        keep(d, keep_as, "svg");
}

static void test_plot_waterfall_draws_every_step(void **state)
{
        struct savings s;
        struct savings_step steps[7];
        struct drawn d;

        (void)state;
        if (!have_gnuplot())
                test_skip("gnuplot is not installed");
        campaign(&s, steps);
        draw_svg(&d, &s, PLOT_WATERFALL, "waterfall");
        /* the names under the bars, quoted: a quote doubled */
        assert_non_null(strstr(d.gp, "set label 'base' at first 0, graph 0"));
        assert_non_null(strstr(d.gp, "set label 'pvh' at first 1, graph 0"));
        assert_non_null(strstr(d.gp, "set label 'quiet%''<x' at first 3, graph 0"));
        assert_non_null(strstr(d.gp, "set label 'final' at first 6, graph 0"));
        assert_null(strstr(d.gp, "xtics ("));
        /* the change and its CI, with U+2212 */
        assert_non_null(strstr(d.gp, "set label '\xe2\x88\x92"
                                     "312 ms'"));
        assert_non_null(strstr(d.gp, "set label '[\xe2\x88\x92"
                                     "340, \xe2\x88\x92"
                                     "290]'"));
        assert_non_null(strstr(d.gp, "set label '\xe2\x88\x92"
                                     "45.4 ms'"));
        assert_non_null(strstr(d.gp, "set label '\xe2\x88\x92"
                                     "2.2 ms'"));
        assert_non_null(strstr(d.gp, "set label '[\xe2\x88\x92"
                                     "9.3, +6.1]'"));
        /* the broken step: a marker and its counts, no bar */
        assert_non_null(strstr(d.gp, "set label 'broken' at first 4.0000"));
        assert_non_null(strstr(d.gp, "set label '5 of 5 crash'"));
        assert_non_null(strstr(d.gp, "fs pattern 4"));
        assert_non_null(strstr(d.res.note,
                               "noacpi: broken (5 of 5 crash): see runs/0024.serial, QEMU exited 1 "
                               "before a dump"));
        assert_non_null(strstr(d.res.note, "after: not compared: its reference noacpi is broken"));
        /* the host-timed knob: in the note, not in the chain */
        assert_non_null(strstr(d.res.note, "instr (host-timed, against base, no part of the "
                                           "chain): +11.4 ms [+3.0, +20.0], slower"));
        assert_null(strstr(d.gp, "set label 'instr'"));
        assert_non_null(strstr(d.res.note, "instr: 1 failed run left out (5 ok)"));
        /* the final total and the whole campaign */
        assert_non_null(strstr(d.gp, "set label '3150.0 ms'"));
        assert_non_null(strstr(d.gp, "set label 'overall \xe2\x88\x92"
                                     "409 ms'"));
        assert_non_null(strstr(d.gp, "set label '[\xe2\x88\x92"
                                     "431, \xe2\x88\x92"
                                     "380]'"));
        /* the axis zoomed, and said so */
        assert_non_null(strstr(d.res.note, "the y axis starts at"));
        /* the title names the session by its last component */
        assert_non_null(strstr(d.gp, "sweep-cumulative (cumulative, preset linux-microvm)"));
        assert_null(strstr(d.gp, "/x/"));
        /* files: .dat, .gp, the figure */
        assert_int_equal(d.res.nfiles, 3);
        drawn_free(&d);
}

static void test_plot_waterfall_refuses_an_each_sweep(void **state)
{
        struct savings s;
        struct savings_step steps[7];
        struct gp_style st = {.term = GP_SVG};
        struct drawn d;
        char err[512] = "";

        (void)state;
        each(&s, steps);
        assert_int_equal(draw(&d, &s, PLOT_WATERFALL, &st, "svg", err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "waterfall: 'sweep-each' is an each sweep (every knob against "
                                 "the baseline, no chain of steps): try 'bootlens plot savings "
                                 "/x/sweep-each'");
        drawn_free(&d);
}

static void test_plot_sweep_refuses_other_kinds_and_empty_sweeps(void **state)
{
        struct savings s;
        struct savings_step steps[7];
        struct gp_style st = {.term = GP_SVG};
        struct drawn d;
        char err[512] = "";

        (void)state;
        campaign(&s, steps);
        assert_int_equal(draw(&d, &s, PLOT_PHASES, &st, "svg", err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "phases: not a figure of a sweep (waterfall or savings)");
        drawn_free(&d);
        s.nsteps = 1;
        assert_int_equal(draw(&d, &s, PLOT_SAVINGS, &st, "svg", err, sizeof(err)), -ENODATA);
        assert_string_equal(err, "savings: the sweep has no knob to draw");
        drawn_free(&d);
        assert_int_equal(draw(&d, &s, PLOT_WATERFALL, &st, "svg", err, sizeof(err)), -ENODATA);
        assert_non_null(strstr(err, "waterfall: no cumulative step to draw"));
        drawn_free(&d);
        s.nsteps = 7;
        steps[0].broken = true, steps[0].median_ns = NAN;
        assert_int_equal(draw(&d, &s, PLOT_WATERFALL, &st, "svg", err, sizeof(err)), -ENODATA);
        assert_string_equal(err, "waterfall: the baseline has no ok run: nothing to start from");
        drawn_free(&d);
}

/* The position of the first "set label 'NAME' at graph 0, first ROW" in gp. */
static long row_of(const char *gp, const char *quoted)
{
        char pat[128];
        const char *p;

        snprintf(pat, sizeof(pat), "set label %s at graph 0, first ", quoted);
        p = strstr(gp, pat);
        return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

static void test_plot_savings_sorted_broken_last(void **state)
{
        struct savings s;
        struct savings_step steps[7];
        struct drawn d;

        (void)state;
        if (!have_gnuplot())
                test_skip("gnuplot is not installed");
        each(&s, steps);
        draw_svg(&d, &s, PLOT_SAVINGS, "savings-each");
        /* by saving, descending; the broken knob last */
        assert_int_equal(row_of(d.gp, "'pvh'"), 0);
        assert_int_equal(row_of(d.gp, "'after'"), 1);
        assert_int_equal(row_of(d.gp, "'nouarts'"), 2);
        assert_int_equal(row_of(d.gp, "'quiet%''<x'"), 3);
        assert_int_equal(row_of(d.gp, "'instr (host-timed)'"), 4);
        assert_int_equal(row_of(d.gp, "'noacpi'"), 5);
        assert_non_null(strstr(d.gp, "set label 'broken (5 of 5 crash)' at first 0.000000, "
                                     "first 5 left"));
        assert_non_null(strstr(d.gp, "set label '312 ms [290, 340] (8.8%)'"));
        assert_non_null(strstr(d.gp, "set label '\xe2\x88\x92"
                                     "11.4 ms [\xe2\x88\x92"
                                     "20.0, "
                                     "\xe2\x88\x92"
                                     "3.0] (\xe2\x88\x92"
                                     "0.3%)'"));
        /* the zero line, and no tic labels */
        assert_non_null(strstr(d.gp, "set arrow from 0, graph 0 to 0, graph 1 nohead"));
        assert_non_null(strstr(d.gp, "unset ytics"));
        assert_non_null(strstr(d.res.note, "against the baseline"));
        assert_non_null(strstr(d.gp, "what each knob saves alone: sweep-each (each, preset "
                                     "linux-microvm)"));
        drawn_free(&d);

        /* cumulative: each step against the one before, the step after a
         * broken one not compared */
        campaign(&s, steps);
        draw_svg(&d, &s, PLOT_SAVINGS, "savings-cumulative");
        assert_int_equal(row_of(d.gp, "'after'"), 4);
        assert_int_equal(row_of(d.gp, "'noacpi'"), 5);
        assert_non_null(strstr(d.gp, "set label 'not compared: noacpi is broken'"));
        assert_non_null(strstr(d.res.note, "against the step before"));
        drawn_free(&d);
}

/* Every terminal draws both figures, also in mono; the cairolatex text
 * is escaped for LaTeX and has no U+2212. */
static void test_plot_sweep_every_terminal(void **state)
{
        static const struct {
                enum gp_term t;
                const char *ext;
        } terms[] = {{GP_SVG, "svg"}, {GP_PNG, "png"},        {GP_PDF, "pdf"},
                     {GP_EPS, "eps"}, {GP_CAIROLATEX, "tex"}, {GP_DUMB, "txt"}};
        struct savings s;
        struct savings_step steps[7];
        char err[512] = "";

        (void)state;
        if (!have_gnuplot())
                test_skip("gnuplot is not installed");
        for (int mono = 0; mono < 2; mono++) {
                for (size_t i = 0; i < sizeof(terms) / sizeof(terms[0]); i++) {
                        for (int k = 0; k < 2; k++) {
                                struct gp_style st = {.term = terms[i].t, .mono = mono};
                                struct drawn d;
                                char name[64];

                                if (k == 0)
                                        campaign(&s, steps);
                                else
                                        each(&s, steps);
                                assert_int_equal(draw(&d, &s,
                                                      k == 0 ? PLOT_WATERFALL : PLOT_SAVINGS, &st,
                                                      terms[i].ext, err, sizeof(err)),
                                                 0);
                                assert_int_equal(d.res.nfiles, terms[i].t == GP_CAIROLATEX ? 4 : 3);
                                if (terms[i].t == GP_CAIROLATEX || terms[i].t == GP_DUMB)
                                        assert_null(strstr(d.gp, "\xe2\x88\x92"));
                                if (terms[i].t == GP_CAIROLATEX)
                                        assert_non_null(strstr(d.gp, "quiet\\%''\\textless{}x"));
                                if (terms[i].t == GP_DUMB)
                                        assert_non_null(strstr(d.fig, "pvh"));
                                snprintf(name, sizeof(name), "%s%s", k ? "savings" : "waterfall",
                                         mono ? "-mono" : "");
                                if (terms[i].t == GP_PNG)
                                        keep(&d, name, "png");
                                if (terms[i].t == GP_DUMB)
                                        keep(&d, name, "txt");
                                drawn_free(&d);
                        }
                }
        }
}

/* A step compared without a CI (too few runs): no whisker, no "nan" in
 * the .dat, the label without brackets. */
static void test_plot_sweep_step_without_ci(void **state)
{
        struct savings s;
        struct savings_step steps[7];
        struct gp_style st = {.term = GP_SVG};
        char err[512] = "";

        (void)state;
        if (!have_gnuplot())
                test_skip("gnuplot is not installed");
        for (int k = 0; k < 2; k++) {
                struct drawn d;

                campaign(&s, steps);
                steps[2].saving_lo_ns = steps[2].saving_hi_ns = NAN;
                assert_int_equal(
                    draw(&d, &s, k ? PLOT_SAVINGS : PLOT_WATERFALL, &st, "svg", err, sizeof(err)),
                    0);
                assert_null(strstr(d.dat, "nan"));
                assert_non_null(strstr(d.gp, k ? "set label '45.4 ms (1.4%)'"
                                               : "set label '\xe2\x88\x92"
                                                 "45.4 ms'"));
                drawn_free(&d);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_plot_waterfall_draws_every_step),
            cmocka_unit_test(test_plot_waterfall_refuses_an_each_sweep),
            cmocka_unit_test(test_plot_sweep_refuses_other_kinds_and_empty_sweeps),
            cmocka_unit_test(test_plot_savings_sorted_broken_last),
            cmocka_unit_test(test_plot_sweep_every_terminal),
            cmocka_unit_test(test_plot_sweep_step_without_ci),
        };

        return test_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
