/* trendplot: see trendplot.h. */
#include "reports/trendplot.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/stats.h"
#include "base/util.h"

#define TP_ROW      0.055 /* a row of step labels, as a share of the plot's height */
#define TP_MAX_ROWS 4     /* rows of step labels; more overlap */

/* What one drawing holds while it is written. */
struct tp {
        const struct trend *t;
        const struct gp_style *st;
        struct sbuf gp, dat;
        int err; /* the first -ENOMEM */
};

static void tp_oom(struct tp *f, int rc)
{
        if (rc < 0 && !f->err)
                f->err = rc;
}

static void gpf(struct tp *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void gpf(struct tp *f, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        tp_oom(f, sbuf_vaddf(&f->gp, fmt, ap));
        va_end(ap);
}

static void gps(struct tp *f, const char *s)
{
        tp_oom(f, gp_str(&f->gp, f->st->term, s));
}

/* A value of t's metric in the figure's unit: ms, or MiB for a size
 * (history_metric_is_size(): bytes). */
static double val(const struct trend *t, double x)
{
        return history_metric_is_size(t->s.metric) ? x / 1048576.0 : x / 1e6;
}

static const char *unit_of(const struct trend *t)
{
        return history_metric_is_size(t->s.metric) ? "MiB" : "ms";
}

/* A minus sign: U+2212, an ASCII '-' for dumb and cairolatex. */
static const char *minus(const struct gp_style *st)
{
        return st->term == GP_DUMB || st->term == GP_CAIROLATEX ? "-" : "\xe2\x88\x92";
}

/* v ms signed, "+12.3" or "−12.3"; 3 decimals below 10 ms. */
static void signed_ms(struct sbuf *sb, const struct gp_style *st, double v, int *err)
{
        int rc = sbuf_addf(sb, "%s%.*f", v < 0 ? minus(st) : "+", fabs(v) < 10 ? 3 : 1, fabs(v));

        if (rc < 0)
                *err = rc;
}

/* The series' colour: the phase's (as in every figure), else the first of
 * the palette; yellow, which a thin line on white hides, as olive. */
static const char *series_color(const struct tp *f)
{
        const char *c;

        if (f->st->mono)
                return "#000000";
        if (f->t->s.kind != COMPARE_PHASE || strncmp(f->t->s.metric, "phase:", 6) != 0)
                return gp_color(f->st, 0);
        c = gp_color(f->st, gp_phase_index(f->t->s.metric + 6, NULL, 0));
        return strcmp(c, "#F0E442") == 0 ? "#999933" : c;
}

/* The level of the segment of points [first, end): the median of its
 * point medians (NAN: none has one). Returns 0 or -ENOMEM. */
static int segment_level(const struct trend *t, size_t first, size_t end, double *level)
{
        double *v = malloc((end - first) * sizeof(*v));
        size_t n = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = first; i < end; i++)
                if (!isnan(t->s.v[i].s.median))
                        v[n++] = t->s.v[i].s.median;
        stats_sort(v, n);
        *level = n ? stats_quantile_sorted(v, n, 0.5) : NAN;
        free(v);
        return 0;
}

/* The first point of the segment after the one starting at first. */
static size_t segment_end(const struct trend *t, size_t first)
{
        for (size_t c = 0; c < t->nc; c++)
                if (t->c[c].at > first)
                        return t->c[c].at;
        return t->s.n;
}

/* The y range: every CI, padded, with rows above for the step labels. */
static void y_range(const struct trend *t, size_t rows, double *lo, double *hi)
{
        double a = INFINITY, b = -INFINITY, pad;

        for (size_t i = 0; i < t->s.n; i++) {
                const struct history_summary *s = &t->s.v[i].s;
                double l = isnan(s->ci_lo) ? s->median : s->ci_lo;
                double h = isnan(s->ci_hi) ? s->median : s->ci_hi;

                if (!isnan(l) && l < a)
                        a = l;
                if (!isnan(h) && h > b)
                        b = h;
        }
        if (!isfinite(a) || !isfinite(b)) {
                *lo = 0, *hi = 1;
                return;
        }
        a = val(t, a), b = val(t, b);
        pad = b - a > 0 ? (b - a) * 0.08 : fmax(fabs(a) * 0.02, 0.5);
        *lo = a - pad;
        /* each row of labels takes TP_ROW of the plot's height */
        *hi = b + pad + (b - a + 2 * pad) * (double)rows * TP_ROW / (1 - (double)rows * TP_ROW);
        if (a >= 0 && *lo < 0)
                *lo = 0;
}

/* The x positions named under the axis: at most TRENDPLOT_MAX_XLABELS,
 * evenly spaced, the first and the last always. */
static bool named(size_t i, size_t n)
{
        size_t k = TRENDPLOT_MAX_XLABELS;

        if (n <= k || i == 0 || i == n - 1)
                return true;
        /* i is named when it is the nearest point to one of k even marks */
        for (size_t m = 1; m + 1 < k; m++) {
                size_t at = (size_t)llround((double)m * (double)(n - 1) / (double)(k - 1));

                if (at == i)
                        return true;
        }
        return false;
}

static const char *point_name(const struct trend *t, size_t i)
{
        const struct history_point *p = &t->s.v[i];

        if (p->by)
                return p->by;
        return p->e.created ? p->e.created : p->e.session_id;
}

/* The .dat: index 0 the points (x, median, CI), index 1 the segments'
 * levels (two rows a segment, a blank line between). */
static void write_dat(struct tp *f)
{
        const struct trend *t = f->t;

        const char *u = unit_of(t);

        tp_oom(f,
               sbuf_addf(&f->dat, "# index 0: points: x median_%s ci_lo_%s ci_hi_%s\n", u, u, u));
        for (size_t i = 0; i < t->s.n; i++) {
                const struct history_summary *s = &t->s.v[i].s;

                tp_oom(f, sbuf_addf(&f->dat, "%zu %.6f %.6f %.6f\n", i, val(t, s->median),
                                    val(t, isnan(s->ci_lo) ? s->median : s->ci_lo),
                                    val(t, isnan(s->ci_hi) ? s->median : s->ci_hi)));
        }
        tp_oom(f, sbuf_addf(&f->dat,
                            "\n\n# index 1: segment levels (median of the point "
                            "medians): x level_%s, a blank line between segments\n",
                            u));
        for (size_t first = 0; first < t->s.n;) {
                size_t end = segment_end(t, first);
                double level = NAN;

                tp_oom(f, segment_level(t, first, end, &level));
                if (!isnan(level))
                        tp_oom(f,
                               sbuf_addf(&f->dat, "%.1f %.6f\n%.1f %.6f\n\n", (double)first - 0.4,
                                         val(t, level), (double)(end - 1) + 0.4, val(t, level)));
                first = end;
        }
}

/* Change point k's label: "+12.3 ms [+10.1, +14.0]" into sb. */
static void step_label(struct tp *f, struct sbuf *sb, const struct trend_change *c)
{
        int err = 0;

        sbuf_reset(sb);
        signed_ms(sb, f->st, val(f->t, c->step), &err);
        tp_oom(f, sbuf_addf(sb, " %s [", unit_of(f->t)));
        signed_ms(sb, f->st, val(f->t, c->ci.lo), &err);
        tp_oom(f, sbuf_adds(sb, ", "));
        signed_ms(sb, f->st, val(f->t, c->ci.hi), &err);
        tp_oom(f, sbuf_adds(sb, "]"));
        tp_oom(f, err);
}

/*
 * Where each change point's label goes: right of its line (left of it
 * when it would leave the plot), in the first row from the top where it
 * overlaps no label placed before, estimated in x units from the plot's
 * width (plot_w, the terminal's unit) and the font's character width.
 * row[k], left[k] out; returns the rows used.
 */
static size_t place_labels(struct tp *f, double plot_w, size_t *row, bool *left)
{
        const struct trend *t = f->t;
        double span = (double)t->s.n + 0.2, cw, lh;
        double end[TP_MAX_ROWS];
        struct sbuf sb = SBUF_INIT;
        size_t rows = 0;

        gp_char_size(f->st, &cw, &lh);
        for (size_t r = 0; r < TP_MAX_ROWS; r++)
                end[r] = -INFINITY;
        for (size_t k = 0; k < t->nc; k++) {
                double x = (double)t->c[k].at - 0.5, w, x0;
                size_t r = 0;

                step_label(f, &sb, &t->c[k]);
                w = ((double)strlen(sb.buf) + 1.5) * cw * span / plot_w;
                left[k] = x + w <= (double)t->s.n - 0.4;
                x0 = left[k] ? x : x - w;
                while (r + 1 < TP_MAX_ROWS && end[r] > x0)
                        r++;
                end[r] = fmax(end[r], left[k] ? x + w : x);
                row[k] = r;
                rows = r + 1 > rows ? r + 1 : rows;
        }
        sbuf_release(&sb);
        return rows;
}

/* The change points: a dashed line between the two points, coloured as
 * compare's verdicts (up slower, down faster), its step and CI near the
 * top, in the row place_labels() gave it. */
static void change_marks(struct tp *f, const size_t *row, const bool *left)
{
        const struct trend *t = f->t;
        struct sbuf label = SBUF_INIT;

        for (size_t k = 0; k < t->nc; k++) {
                const struct trend_change *c = &t->c[k];
                const char *col =
                    f->st->mono ? "#000000"
                                : gp_verdict_color(f->st, c->step > 0 ? GP_SLOWER : GP_FASTER);
                double x = (double)c->at - 0.5;

                gpf(f,
                    "set arrow from first %.1f, graph 0 to first %.1f, graph 1 nohead dt 2 lw "
                    "1.5 lc rgb '%s' front\n",
                    x, x, col);
                step_label(f, &label, c);
                gpf(f, "set label ");
                gps(f, label.buf);
                gpf(f, " at first %.1f, graph %.3f %s offset character %s,0 tc rgb '%s' front\n", x,
                    1 - TP_ROW * ((double)row[k] + 0.6), left[k] ? "left" : "right",
                    left[k] ? "0.5" : "-0.5", col);
        }
        sbuf_release(&label);
}

/* The point names under the axis, rotated; returns the longest in
 * characters (code points). */
static size_t x_names(struct tp *f)
{
        const struct trend *t = f->t;
        size_t longest = 0, ticks = 0;

        for (size_t i = 0; i < t->s.n; i++) {
                const char *name = point_name(t, i);
                size_t chars = 0;

                if (!named(i, t->s.n))
                        continue;
                for (const unsigned char *p = (const unsigned char *)name; *p; p++)
                        chars += (*p & 0xc0) != 0x80;
                longest = chars > longest ? chars : longest;
                gpf(f, "set label ");
                gps(f, name);
                gpf(f,
                    " at first %zu, graph 0 right rotate by 40 offset character 0.4,-0.9 "
                    "font ',8'\n",
                    i);
        }
        /* a tic at every named point, its label empty (tic labels are
         * formats: no name goes there) */
        gpf(f, "set xtics (");
        for (size_t i = 0; i < t->s.n; i++)
                if (named(i, t->s.n))
                        gpf(f, "%s'' %zu", ticks++ ? ", " : "", i);
        gpf(f, ") nomirror out scale 0.6\n");
        return longest > 40 ? 40 : longest;
}

static void write_gp(struct tp *f, const char *by, const char *out_name, const char *dat_q,
                     const struct plot_options *o)
{
        const struct trend *t = f->t;
        const char *col = series_color(f);
        struct sbuf sb = SBUF_INIT;
        double w, h, ylo, yhi, cw, lh;
        size_t longest, bm, rows = 0, *row = calloc(t->nc + 1, sizeof(*row));
        bool *left = calloc(t->nc + 1, sizeof(*left));

        if (!row || !left) {
                tp_oom(f, -ENOMEM);
                goto out;
        }
        gp_figure_size(f->st->term, t->s.n > 60 ? 1200 : 960, 540, &w, &h);
        if (f->st->has_size)
                w = f->st->width;
        gp_char_size(f->st, &cw, &lh);
        rows = place_labels(f, w - 14 * cw, row, left);
        tp_oom(f, gp_head(&f->gp, f->st, "bootlens history trend", out_name, w, h));
        gpf(f, "set title ");
        if (o && o->title) {
                gps(f, o->title);
        } else {
                tp_oom(f, sbuf_addf(&sb, "%s by %s", t->s.metric, by ? by : "collection time"));
                gps(f, sb.buf);
        }
        gpf(f, "\n");
        longest = x_names(f);
        /* the names, turned by 40 degrees in an 8 pt font, take about 0.25
         * line (of the figure's font) per character */
        bm = 3 + (size_t)ceil(0.28 * (double)longest);
        gpf(f, "set bmargin %zu\n", bm + 1);
        /* the first name, turned, reaches left of the axis by about 0.6
         * characters (of the figure's font) per character: room for it */
        if (0.6 * (double)longest + 1 > 10)
                gpf(f, "set lmargin %.0f\n", ceil(0.6 * (double)longest + 1));
        gpf(f, "set xlabel ");
        sbuf_reset(&sb);
        tp_oom(f, sbuf_addf(&sb, "%zu point%s by %s%s", t->s.n, t->s.n == 1 ? "" : "s",
                            by ? by : "collection time", by ? " (version order)" : ""));
        gps(f, sb.buf);
        gpf(f, " offset 0,%.1f\n", -(double)(bm - 3));
        y_range(t, rows, &ylo, &yhi);
        sbuf_reset(&sb);
        tp_oom(f, sbuf_addf(&sb, "%s (%s%s)", t->s.metric, unit_of(t),
                            ylo > 0 ? ", axis not from 0" : ""));
        gpf(f, "set ylabel ");
        gps(f, sb.buf);
        gpf(f,
            "\nset xrange [-0.6:%.1f]\nset yrange [%.6f:%.6f]\n"
            "set ytics nomirror out\nset grid ytics lc rgb '#d8d8d8'\nset border 3\n"
            "set key outside top center horizontal samplen 2\n"
            "set bars %s\n",
            (double)(t->s.n - 1) + 0.6, ylo, yhi, t->s.n > 60 ? "0" : "1");
        change_marks(f, row, left);
        /* a dense series: its error bars lighter (alpha), the levels on top */
        gpf(f, "plot %s index 0 using 1:2:3:4 with yerrorbars pt 7 ps %s lw 1 lc rgb '%s%s' title ",
            dat_q, t->s.n > 100 ? "0.35" : "0.7", t->s.n > 60 ? "#70" : "#", col + 1);
        gps(f, "median of the runs, 95% CI");
        gpf(f, ", \\\n     %s index 1 using 1:2 with lines lw 1.5 lc rgb '%s' title ", dat_q, col);
        gps(f, "segment level");
        if (t->nc) {
                gpf(f, ", \\\n     keyentry with lines dt 2 lw 1.5 lc rgb '%s' title ",
                    f->st->mono ? "#000000" : gp_verdict_color(f->st, GP_SLOWER));
                gps(f, "change point: step, 95% CI");
        }
        gpf(f, "\n");
out:
        free(row);
        free(left);
        sbuf_release(&sb);
}

/* out_path's directory ("." when none), base name and stem, malloc'd. */
static int split_path(const char *out_path, char **dir, char **name, char **stem)
{
        const char *slash = strrchr(out_path, '/');
        const char *base = slash ? slash + 1 : out_path;
        const char *dot = strrchr(base, '.');

        *dir = slash == out_path ? strdup("/")
               : slash           ? strndup(out_path, (size_t)(slash - out_path))
                                 : strdup(".");
        *name = strdup(base);
        *stem = strndup(base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
        return *dir && *name && *stem ? 0 : -ENOMEM;
}

/* Write sb into DIR/BASE.EXT (sb NULL: gnuplot wrote it) and list it in
 * res, as plot_draw lists its files. */
static int write_file(struct plot_result *res, const char *dir, const char *base, const char *ext,
                      const struct sbuf *sb, char *err, size_t errsize)
{
        char *path = NULL, **nv;
        int rc;

        if (asprintf(&path, "%s%s%s%s", strcmp(dir, ".") ? dir : "", strcmp(dir, ".") ? "/" : "",
                     base, ext) < 0)
                return -ENOMEM;
        rc = sb ? util_write_file_atomic(path, sb->buf, sb->len) : 0;
        if (rc < 0) {
                snprintf(err, errsize, "cannot write '%s': %s", path, strerror(-rc));
                free(path);
                return rc;
        }
        nv = realloc(res->files, (res->nfiles + 1) * sizeof(*nv));
        if (!nv) {
                free(path);
                return -ENOMEM;
        }
        res->files = nv;
        res->files[res->nfiles++] = path;
        return 0;
}

int trendplot_draw(const struct trend *t, const char *by, const char *out_path,
                   const struct plot_options *o, struct plot_result *res, char *err, size_t errsize)
{
        struct tp f = {.t = t, .st = &o->style, .gp = SBUF_INIT, .dat = SBUF_INIT};
        char *dir = NULL, *name = NULL, *stem = NULL, *gp_name = NULL;
        struct sbuf dat_q = SBUF_INIT, none = SBUF_INIT;
        int rc;

        memset(res, 0, sizeof(*res));
        if (errsize)
                err[0] = '\0';
        if (!t->s.n) {
                snprintf(err, errsize, "trend: no point of %s to draw",
                         t->s.metric ? t->s.metric : "the metric");
                return -ENODATA;
        }
        rc = split_path(out_path, &dir, &name, &stem);
        if (rc < 0)
                goto out;
        if (asprintf(&gp_name, "%s.gp", stem) < 0) {
                gp_name = NULL;
                rc = -ENOMEM;
                goto out;
        }
        if (strcmp(name, gp_name) == 0 ||
            (strlen(name) == strlen(stem) + 4 && strcmp(name + strlen(stem), ".dat") == 0)) {
                snprintf(err, errsize, "'%s': the figure would overwrite its own .gp or .dat",
                         out_path);
                rc = -EINVAL;
                goto out;
        }
        rc = gp_check_size(f.st, err, errsize);
        if (rc < 0)
                goto out;
        /* a file name is no LaTeX text: quoted as for svg */
        tp_oom(&f, sbuf_addf(&dat_q, "%s.dat", stem));
        tp_oom(&f, gp_str(&none, GP_SVG, dat_q.buf));
        write_dat(&f);
        write_gp(&f, by, name, none.buf, o);
        res->note = strdup("");
        if (f.err || !res->note) {
                rc = -ENOMEM;
                goto out;
        }
        rc = write_file(res, dir, stem, ".dat", &f.dat, err, errsize);
        rc = rc ?: write_file(res, dir, stem, ".gp", &f.gp, err, errsize);
        if (rc < 0)
                goto out;
        rc = gp_run(dir, gp_name, 0, err, errsize);
        if (rc < 0)
                goto out;
        if (errsize && err[0]) { /* drawn, with a warning: the note */
                free(res->note);
                if (asprintf(&res->note, "%s\n", err) < 0) {
                        res->note = NULL;
                        rc = -ENOMEM;
                        goto out;
                }
                err[0] = '\0';
        }
        rc = write_file(res, dir, name, "", NULL, err, errsize);
        if (!rc && f.st->term == GP_CAIROLATEX)
                rc = write_file(res, dir, stem, ".pdf", NULL, err, errsize);
out:
        if (rc == -ENOMEM)
                snprintf(err, errsize, "out of memory");
        sbuf_release(&f.gp);
        sbuf_release(&f.dat);
        sbuf_release(&dat_q);
        sbuf_release(&none);
        free(dir);
        free(name);
        free(stem);
        free(gp_name);
        return rc;
}
