/* plot: see plot.h and docs/plot.md. */
#include "reports/plot.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "reports/sessreport.h"
#include "reports/timeline.h"

static const char *const kind_names[PLOT_NKINDS] = {"phases", "distribution", "ecdf",   "timeline",
                                                    "delta",  "waterfall",    "savings"};

const char *plot_kind_name(enum plot_kind k)
{
        return (size_t)k < PLOT_NKINDS ? kind_names[k] : "?";
}

int plot_kind_parse(const char *name, enum plot_kind *k)
{
        for (size_t i = 0; i < PLOT_NKINDS; i++) {
                if (strcmp(name, kind_names[i]) == 0) {
                        *k = (enum plot_kind)i;
                        return 0;
                }
        }
        return -EINVAL;
}

/* ---- loading ---- */

static int load_session(struct plot_data *d, struct plot_input *in, char *err, size_t errsize)
{
        struct sessreport_options so = {.fmt = SESSREPORT_NONE,
                                        .top = d->top,
                                        .exclude_starved = d->exclude_starved,
                                        .unreadable_failed = true};
        struct sessreport_result res = {0};
        char msg[256] = "";
        char *sink = NULL;
        size_t sinklen = 0;
        FILE *out;
        int rc = runset_open(in->arg, &in->rs, msg, sizeof(msg));

        if (rc == -ESRCH) {
                snprintf(err, errsize, "session '%s' has no variant '%s'", in->rs.dir,
                         in->rs.variant);
                return rc;
        }
        if (rc < 0) {
                snprintf(err, errsize, "cannot open session '%s': %s", in->arg,
                         *msg ? msg : strerror(-rc));
                return rc;
        }
        /* SESSREPORT_NONE writes nothing; the stream only satisfies its
         * check of the output */
        out = open_memstream(&sink, &sinklen);
        if (!out)
                return -ENOMEM;
        so.keep = &in->agg;
        rc = sessreport_write(out, &in->rs, &so, &d->ro, NULL, NULL, &res);
        fclose(out);
        free(sink);
        if (rc == -EINVAL && res.msg)
                snprintf(err, errsize, "%s", res.msg);
        else if (rc < 0 && res.failed)
                snprintf(err, errsize, "%s: run %u: cannot analyse: %s", in->arg, res.failed,
                         strerror(-rc));
        else if (rc < 0)
                snprintf(err, errsize, "%s: %s", in->arg, strerror(-rc));
        free(res.msg);
        return rc;
}

static int load_file(struct plot_data *d, struct plot_input *in, char *err, size_t errsize)
{
        struct aggreport_group *g;
        struct aggreport_run u = {.run = 1, .file = in->arg, .verdict = "ok", .reason = ""};
        struct run r = {0};
        char *buf = NULL, *msg = NULL;
        size_t len;
        bool opened;
        struct stat sta;
        int rc;

        if (stat(in->arg, &sta) == 0 && S_ISDIR(sta.st_mode)) {
                snprintf(err, errsize, "'%s' is a directory without session.json: not a session",
                         in->arg);
                return -ENOENT;
        }
        rc = run_read_input(in->arg, &buf, &len, &opened);
        if (rc < 0) {
                snprintf(err, errsize, "cannot %s '%s': %s", opened ? "read" : "open", in->arg,
                         strerror(-rc));
                return opened || rc != -ENOENT ? rc : -ENOENT;
        }
        rc = run_analyse(&r, in->arg, buf, len, &d->ro, NULL, &msg);
        if (rc == -ENODATA)
                snprintf(err, errsize,
                         "'%s': no tslog record and no kernel log line (%llu lines read)", in->arg,
                         (unsigned long long)r.trace.lines_total);
        else if (rc == -EINVAL && msg)
                snprintf(err, errsize, "%s", msg);
        else if (rc < 0)
                snprintf(err, errsize, "cannot analyse '%s': %s", in->arg, strerror(-rc));
        if (rc < 0)
                goto out;
        if (r.analysis.forest.truncated) {
                const struct ct_forest *fo = &r.analysis.forest;
                const char *why = fo->truncated_by_marker ? "no end marker" : "no EXIT start_init";

                if (asprintf(&in->damage, "dump truncated (%s): its phases may be short", why) < 0)
                        in->damage = NULL, rc = -ENOMEM;
                if (rc < 0)
                        goto out;
        }
        in->agg.top = d->top;
        g = aggreport_group(&in->agg, NULL);
        rc = g ? aggreport_add_run(g, &u) : -ENOMEM;
        if (!rc)
                rc = aggregate_add(&g->agg, &r, u.run);
        if (!rc)
                g->nok = 1;
        if (!rc)
                rc = aggreport_finish(&in->agg);
out:
        free(msg);
        run_free(&r);
        return rc;
}

int plot_data_load(struct plot_data *d, const char *const *inputs, size_t n,
                   const struct plot_load_options *o, char *err, size_t errsize)
{
        int rc = 0;

        memset(d, 0, sizeof(*d));
        if (errsize)
                err[0] = '\0';
        if (o && o->run)
                d->ro = *o->run;
        d->top = o && o->top ? o->top : COMPARE_TOP_DEFAULT;
        d->exclude_starved = o && o->exclude_starved;
        d->in = calloc(n ? n : 1, sizeof(*d->in));
        if (!d->in)
                return -ENOMEM;
        for (size_t i = 0; i < n && rc == 0; i++) {
                struct plot_input *in = &d->in[i];

                d->n++;
                in->arg = strdup(inputs[i]);
                if (!in->arg)
                        return -ENOMEM;
                in->is_session = runset_is_session(inputs[i]);
                rc = in->is_session ? load_session(d, in, err, errsize)
                                    : load_file(d, in, err, errsize);
        }
        if (rc == -ENOMEM)
                snprintf(err, errsize, "out of memory");
        return rc;
}

void plot_data_free(struct plot_data *d)
{
        if (!d)
                return;
        for (size_t i = 0; d->in && i < d->n; i++) {
                aggreport_free(&d->in[i].agg);
                runset_free(&d->in[i].rs);
                free(d->in[i].arg);
                free(d->in[i].damage);
        }
        free(d->in);
        memset(d, 0, sizeof(*d));
}

/* ---- what every figure shares ---- */

struct fig {
        const struct plot_data *d;
        const struct plot_options *o;
        const struct gp_style *st;
        struct sbuf gp, dat, note;
        size_t nblocks; /* data sets in the .dat (gnuplot's "index") */
        size_t nnotes;  /* lines of note */
        char *dir;      /* the output's directory ("." when none) */
        char *stem;     /* out_path's base name without its extension */
        char *out_name; /* out_path's base name */
        char *dat_name; /* STEM.dat */
        char *dat_q;    /* dat_name as a gnuplot string: file names are untrusted too */
        size_t lwidth;  /* the widest row name (row_name) */
        int err;        /* the first -ENOMEM */
};

static void fig_oom(struct fig *f, int rc)
{
        if (rc < 0 && !f->err)
                f->err = rc;
}

static void gpf(struct fig *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void gpf(struct fig *f, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        fig_oom(f, sbuf_vaddf(&f->gp, fmt, ap));
        va_end(ap);
}

static void datf(struct fig *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void datf(struct fig *f, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        fig_oom(f, sbuf_vaddf(&f->dat, fmt, ap));
        va_end(ap);
}

/* A quoted string into the script. */
static void gps(struct fig *f, const char *s)
{
        fig_oom(f, gp_str(&f->gp, f->st->term, s));
}

/* Start the next data set of the .dat; returns its index. */
static size_t dat_block(struct fig *f, const char *what)
{
        if (f->nblocks)
                datf(f, "\n\n");
        datf(f, "# index %zu: %s\n", f->nblocks, what);
        return f->nblocks++;
}

/* A line of the note (under the figure and in res->note). */
static void note(struct fig *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct fig *f, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        fig_oom(f, sbuf_vaddf(&f->note, fmt, ap));
        va_end(ap);
        fig_oom(f, sbuf_addch(&f->note, '\n'));
        f->nnotes++;
}

/* The note's lines as labels under the plot (the caller set bmargin). */
static void gp_notes(struct fig *f)
{
        const char *p = f->note.buf;
        size_t line = f->nnotes;

        while (*p) {
                size_t len = strcspn(p, "\n");

                gpf(f, "set label ");
                fig_oom(f, gp_strn(&f->gp, f->st->term, p, len));
                gpf(f, " at character 1, %zu left font ',8'\n", line);
                line--;
                p += len + (p[len] == '\n');
        }
}

/* The bottom margin (characters) that keeps the x axis' title and the
 * note's lines apart. */
static unsigned fig_bmargin(const struct fig *f)
{
        return 4 + (unsigned)f->nnotes;
}

/* The last path component of a path (a session directory may end in
 * '/') into sb; of SESSION:VARIANT, the session's last component and the
 * variant. Titles and labels name inputs so, never by absolute paths: the
 * same input drawn from elsewhere gives the same script. */
static void base_name(struct sbuf *sb, const char *s, int *err)
{
        const char *slash = strrchr(s, '/');
        const char *colon = strrchr(slash ? slash : s, ':');
        size_t end = colon ? (size_t)(colon - s) : strlen(s), start;

        if (colon) {
                char *dir = strndup(s, end);

                if (!dir) {
                        *err = -ENOMEM;
                        return;
                }
                if (access(dir, F_OK) != 0) /* a file name with a colon */
                        end = strlen(s), colon = NULL;
                free(dir);
        }
        while (end > 1 && s[end - 1] == '/')
                end--;
        start = end;
        while (start > 0 && s[start - 1] != '/')
                start--;
        if (sbuf_add(sb, s + start, end - start) < 0 || (colon && sbuf_adds(sb, colon) < 0))
                *err = -ENOMEM;
}

/* The path input i names: a session's directory, a FILE's path. */
static const char *input_path(const struct plot_data *d, size_t i)
{
        return d->in[i].is_session ? d->in[i].rs.dir : d->in[i].arg;
}

/* The start of p's last k components (trailing '/' at end ignored):
 * p itself when it has no more. */
static size_t path_suffix(const char *p, size_t end, size_t k)
{
        size_t start = end;

        while (k-- > 0) {
                while (start > 0 && p[start - 1] == '/' && start < end)
                        start--;
                while (start > 0 && p[start - 1] != '/')
                        start--;
                if (start == 0)
                        break;
        }
        return start;
}

static size_t path_end(const char *p)
{
        size_t end = strlen(p);

        while (end > 1 && p[end - 1] == '/')
                end--;
        return end;
}

/* Input i's name in labels and titles: its path's last component, or as
 * many last components as tell it apart from every other input with
 * another path; an input given twice gets " (2)", " (3)" after its name. */
static void input_name(struct fig *f, size_t i, struct sbuf *sb)
{
        const struct plot_data *d = f->d;
        const char *p = input_path(d, i);
        size_t end = path_end(p), start = path_suffix(p, end, 1), k = 1, dup = 1;

        for (;;) {
                bool clash = false;

                for (size_t j = 0; j < d->n && !clash; j++) {
                        const char *q = input_path(d, j);
                        size_t qend = path_end(q), qs = path_suffix(q, qend, k);

                        if (j == i || (qend == end && !strncmp(p, q, end)))
                                continue;
                        clash =
                            qend - qs == end - start && !strncmp(p + start, q + qs, end - start);
                }
                if (!clash || start == 0)
                        break;
                start = path_suffix(p, end, ++k);
        }
        for (size_t j = 0; j < i; j++) {
                const char *q = input_path(d, j);
                const char *vi = d->in[i].is_session ? d->in[i].rs.variant : NULL;
                const char *vj = d->in[j].is_session ? d->in[j].rs.variant : NULL;

                /* SESSION:base and SESSION:new are told apart by their variants */
                if (path_end(q) == end && !strncmp(p, q, end) && (!vi || !vj || !strcmp(vi, vj)))
                        dup++;
        }
        fig_oom(f, sbuf_add(sb, p + start, end - start));
        if (dup > 1)
                fig_oom(f, sbuf_addf(sb, " (%zu)", dup));
}

/* The name of group g of input i in the figure: the variant, after the
 * session's name when several inputs are drawn; a FILE's base name. */
static void group_label(struct fig *f, size_t i, const struct aggreport_group *g, struct sbuf *sb)
{
        const struct plot_input *in = &f->d->in[i];
        int err = 0;

        sb->len = 0;
        if (sb->cap)
                sb->buf[0] = '\0';
        if (!in->is_session || f->d->n > 1) {
                input_name(f, i, sb);
                if (in->is_session)
                        fig_oom(f, sbuf_addch(sb, ':'));
        }
        if (in->is_session)
                fig_oom(f, sbuf_adds(sb, g->variant ? g->variant : "?"));
        fig_oom(f, err);
}

/* The inputs' names, for titles: "a, b". */
static void inputs_label(struct fig *f, struct sbuf *sb)
{
        for (size_t i = 0; i < f->d->n; i++) {
                if (i)
                        fig_oom(f, sbuf_adds(sb, ", "));
                input_name(f, i, sb);
                if (f->d->in[i].is_session && f->d->in[i].rs.variant)
                        fig_oom(f, sbuf_addf(sb, ":%s", f->d->in[i].rs.variant));
        }
}

static void gp_title(struct fig *f, const char *what)
{
        struct sbuf t = SBUF_INIT;

        if (f->o->title) {
                fig_oom(f, sbuf_adds(&t, f->o->title));
        } else {
                fig_oom(f, sbuf_adds(&t, what));
                fig_oom(f, sbuf_adds(&t, ": "));
                inputs_label(f, &t);
        }
        gpf(f, "set title ");
        gps(f, t.buf);
        gpf(f, "\n");
        sbuf_release(&t);
}

/* The metric named name in a, or NULL. */
static const struct aggregate_metric *agg_find(const struct aggregate *a, const char *name)
{
        for (size_t i = 0; i < a->n; i++)
                if (strcmp(a->v[i].s->name, name) == 0)
                        return &a->v[i];
        return NULL;
}

/* Every phase name of every group, in first-seen order (map order):
 * phase k gets gp_color(k) in every figure. Points into the aggregates. */
struct phase_set {
        const char **v;
        size_t n;
};

static int phase_set_add(struct phase_set *ps, const char *name)
{
        const char **nv;

        for (size_t i = 0; i < ps->n; i++)
                if (strcmp(ps->v[i], name) == 0)
                        return 0;
        nv = realloc(ps->v, (ps->n + 1) * sizeof(*nv));
        if (!nv)
                return -ENOMEM;
        ps->v = nv;
        ps->v[ps->n++] = name;
        return 0;
}

static int phase_set_build(const struct plot_data *d, struct phase_set *ps)
{
        memset(ps, 0, sizeof(*ps));
        for (size_t i = 0; i < d->n; i++) {
                const struct aggreport *ar = &d->in[i].agg;

                for (size_t g = 0; g < ar->ngroups; g++) {
                        const struct aggregate *a = &ar->groups[g].agg;

                        for (size_t m = 0; m < a->n; m++) {
                                if (a->v[m].s->kind == METRIC_PHASE &&
                                    phase_set_add(ps, a->v[m].s->name + 6) < 0)
                                        return -ENOMEM;
                        }
                }
        }
        return 0;
}

/* Name the runs of gr whose capture could not be read (sessreport.h). */
static void note_unreadable(struct fig *f, const char *label, const struct aggreport_group *gr)
{
        for (size_t r = 0; r < gr->nruns; r++)
                if (gr->runs[r].failed && !strncmp(gr->runs[r].reason, SESSREPORT_UNREADABLE,
                                                   strlen(SESSREPORT_UNREADABLE)))
                        note(f, "%s: run %u: %s", label, gr->runs[r].run, gr->runs[r].reason);
}

/* Say which groups lack a phase, and which ran with failed runs. */
static void note_groups(struct fig *f, const struct phase_set *ps, bool phases)
{
        struct sbuf label = SBUF_INIT, missing = SBUF_INIT;

        for (size_t i = 0; i < f->d->n; i++) {
                const struct aggreport *ar = &f->d->in[i].agg;

                for (size_t g = 0; g < ar->ngroups; g++) {
                        const struct aggreport_group *gr = &ar->groups[g];
                        size_t nmissing = 0;

                        group_label(f, i, gr, &label);
                        missing.len = 0;
                        for (size_t k = 0; phases && k < ps->n; k++) {
                                char name[512];
                                const struct aggregate_metric *m;

                                snprintf(name, sizeof(name), "phase:%s", ps->v[k]);
                                m = agg_find(&gr->agg, name);
                                /* not in the group's map (another OS's phase):
                                 * not missing, only not its own */
                                if (!m || m->sum.n)
                                        continue;
                                fig_oom(
                                    f, sbuf_addf(&missing, "%s%s", nmissing ? ", " : "", ps->v[k]));
                                nmissing++;
                        }
                        if (f->d->in[i].damage)
                                note(f, "%s: %s", label.buf, f->d->in[i].damage);
                        if (nmissing)
                                note(f, "%s: phase%s unavailable, left out: %s", label.buf,
                                     nmissing == 1 ? "" : "s", missing.buf);
                        if (gr->nfailed)
                                note(f, "%s: %zu failed run%s left out (%zu ok)", label.buf,
                                     gr->nfailed, gr->nfailed == 1 ? "" : "s", gr->nok);
                        note_unreadable(f, label.buf, gr);
                        if (gr->nexcluded)
                                note(f, "%s: %zu starved run%s left out", label.buf, gr->nexcluded,
                                     gr->nexcluded == 1 ? "" : "s");
                }
        }
        sbuf_release(&label);
        sbuf_release(&missing);
}

/* Count the groups of every input (rows of the phases figure). */
static size_t ngroups_all(const struct plot_data *d)
{
        size_t n = 0;

        for (size_t i = 0; i < d->n; i++)
                n += d->in[i].agg.ngroups;
        return n;
}

static double ms(double ns)
{
        return ns / 1e6;
}

/* The fill of phase k's segments: "fc rgb 'C' fs FILL", coloured by the
 * phase's name (gp_phase_index) of set ps. */
static void gp_phase_fill(struct fig *f, const struct phase_set *ps, size_t k)
{
        k = gp_phase_index(ps->v[k], ps->v, ps->n);
        gpf(f, "fc rgb '%s' fs ", gp_color(f->st, k));
        fig_oom(f, gp_fill(&f->gp, f->st, k));
}

/* Name row of a horizontal figure: a label left of the plot. Not a tic
 * label: gnuplot formats an explicit tic label as a number's format, and
 * cuts such a label near 50 bytes when it holds a '%'. f->lwidth keeps
 * the widest name, in characters (code points), for the left margin. */
#define PLOT_ROW_NAME_MAX 80

static void row_name(struct fig *f, struct sbuf *labels, size_t row, const char *text)
{
        size_t chars = 0, len = 0;

        for (const unsigned char *p = (const unsigned char *)text; *p; p++, len++) {
                if ((*p & 0xc0) == 0x80)
                        continue;
                if (chars == PLOT_ROW_NAME_MAX - 3)
                        break;
                chars++;
        }
        fig_oom(f, sbuf_adds(labels, "set label "));
        if (text[len]) { /* too long: shortened, with "..." */
                struct sbuf t = SBUF_INIT;

                fig_oom(f, sbuf_add(&t, text, len));
                fig_oom(f, sbuf_adds(&t, "..."));
                fig_oom(f, gp_str(labels, f->st->term, t.buf));
                sbuf_release(&t);
                chars += 3;
        } else {
                fig_oom(f, gp_str(labels, f->st->term, text));
        }
        fig_oom(f, sbuf_addf(labels, " at graph 0, first %zu right offset character -1, 0\n", row));
        if (chars > f->lwidth)
                f->lwidth = chars;
}

/* The figure's width in px: wider when the names of its rows are long. */
static double row_width(const struct fig *f, double px)
{
        return f->lwidth > 24 ? px + 6.5 * (double)(f->lwidth - 24) : px;
}

/* Instead of y tics: the row names, and a left margin that holds them. */
static void gp_rows(struct fig *f, const struct sbuf *labels)
{
        gpf(f, "unset ytics\nset lmargin %zu\n%s", f->lwidth + 3, labels->buf);
}

/* A plot clause writing expr (a gnuplot expression of the columns) of
 * data set block as text (fmt, a gnuplot sprintf format: not escaped for
 * LaTeX, it holds no guest text) at xy, left of the point; first: the
 * plot's first clause. */
static void value_labels(struct fig *f, bool first, size_t block, const char *xy, const char *fmt,
                         const char *expr)
{
        gpf(f, "%s%s index %zu using %s:(sprintf(", first ? "" : ", \\\n     ", f->dat_q, block,
            xy);
        fig_oom(f, gp_str(&f->gp, GP_SVG, fmt));
        gpf(f, ", %s)) with labels left offset character 1,0 notitle", expr);
}

/* A tic step of 1, 2 or 5 times a power of ten, at least x. */
static double nice_step(double x)
{
        double p, m;

        if (!(x > 0))
                return 1;
        p = pow(10, floor(log10(x)));
        m = x / p;
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/* ---- phases: stacked bars of median phase times ---- */

static int draw_phases(struct fig *f)
{
        struct phase_set ps;
        struct sbuf label = SBUF_INIT, rows_sb = SBUF_INIT;
        size_t rows = ngroups_all(f->d), row = 0, totals = SIZE_MAX, sums = SIZE_MAX;
        double xmax = 0;
        size_t *block;
        bool any_sum = false;
        double w, h;
        int rc = phase_set_build(f->d, &ps);

        if (rc < 0)
                return rc;
        block = calloc(ps.n ? ps.n : 1, sizeof(*block));
        if (!block) {
                free(ps.v);
                return -ENOMEM;
        }
        note_groups(f, &ps, true);

        /* one data set per phase: a segment per group where it is available */
        for (size_t k = 0; k < ps.n; k++) {
                block[k] = SIZE_MAX;
                row = 0;
                for (size_t i = 0; i < f->d->n; i++) {
                        const struct aggreport *ar = &f->d->in[i].agg;

                        for (size_t g = 0; g < ar->ngroups; g++, row++) {
                                const struct aggregate *a = &ar->groups[g].agg;
                                double x = 0;

                                for (size_t m = 0; m < a->n; m++) {
                                        const struct aggregate_metric *am = &a->v[m];

                                        if (am->s->kind != METRIC_PHASE || !am->sum.n)
                                                continue;
                                        if (strcmp(am->s->name + 6, ps.v[k]) == 0) {
                                                double lo = am->has_ci ? am->ci.lo : am->sum.median;
                                                double hi = am->has_ci ? am->ci.hi : am->sum.median;

                                                if (block[k] == SIZE_MAX)
                                                        block[k] =
                                                            dat_block(f, "a phase's segments: "
                                                                         "row x_from x_to "
                                                                         "ci_from ci_to (ms)");
                                                datf(f, "%zu %.6f %.6f %.6f %.6f\n", row, ms(x),
                                                     ms(x + am->sum.median), ms(x + lo),
                                                     ms(x + hi));
                                                if (x + hi > xmax)
                                                        xmax = x + hi;
                                                break;
                                        }
                                        /* stacked in this group's order of its phases, which
                                         * is the set's order (map order) */
                                        for (size_t j = 0; j < k; j++) {
                                                if (strcmp(am->s->name + 6, ps.v[j]) == 0) {
                                                        x += am->sum.median;
                                                        break;
                                                }
                                        }
                                }
                        }
                }
        }

        /* the end of each bar (its last whisker): the host-timed total,
         * else the phases' sum */
        for (int pass = 0; pass < 2; pass++) {
                row = 0;
                for (size_t i = 0; i < f->d->n; i++) {
                        const struct aggreport *ar = &f->d->in[i].agg;

                        for (size_t g = 0; g < ar->ngroups; g++, row++) {
                                const struct aggregate *a = &ar->groups[g].agg;
                                const struct aggregate_metric *t = agg_find(a, "total");
                                double sum = 0, end = 0;

                                for (size_t m = 0; m < a->n; m++) {
                                        const struct aggregate_metric *am = &a->v[m];

                                        if (am->s->kind != METRIC_PHASE || !am->sum.n)
                                                continue;
                                        end = fmax(end,
                                                   sum + (am->has_ci ? am->ci.hi : am->sum.median));
                                        sum += am->sum.median;
                                }
                                end = fmax(end, sum);
                                if (pass == 0 && t && t->sum.n) {
                                        if (totals == SIZE_MAX)
                                                totals = dat_block(
                                                    f, "bar ends: row x total (ms, host-timed)");
                                        datf(f, "%zu %.6f %.6f\n", row, ms(end), ms(t->sum.median));
                                } else if (pass == 1 && !(t && t->sum.n) && sum > 0) {
                                        if (sums == SIZE_MAX)
                                                sums = dat_block(
                                                    f, "bar ends: row x sum_of_phases (ms)");
                                        datf(f, "%zu %.6f %.6f\n", row, ms(end), ms(sum));
                                        any_sum = true;
                                }
                                xmax = fmax(xmax, end);
                        }
                }
        }
        if (totals != SIZE_MAX)
                note(f, "the bar: the sum of the phases' medians; total (median): the median of "
                        "the runs' host-timed totals");
        if (any_sum)
                note(f, "no host-timed total for a capture FILE: its bar ends with the sum of "
                        "its phases");

        row = 0;
        for (size_t i = 0; i < f->d->n; i++) {
                const struct aggreport *ar = &f->d->in[i].agg;

                for (size_t g = 0; g < ar->ngroups; g++, row++) {
                        group_label(f, i, &ar->groups[g], &label);
                        row_name(f, &rows_sb, row, label.buf);
                }
        }
        /* the key in rows of columns above the plot; the bar's label and
         * the tic labels given room in characters of the font */
        size_t namew = 0, keycols, keyrows;
        double cw, lh, cols, wp, frac, xr, label_chars, step;
        char num[64];

        for (size_t k = 0; k < ps.n; k++)
                namew = strlen(ps.v[k]) > namew ? strlen(ps.v[k]) : namew;
        gp_char_size(f->st, &cw, &lh);
        gp_figure_size(f->st->term, row_width(f, 960), 150, &w, &h);
        cols = (f->st->has_size ? f->st->width : w) / cw;
        wp = cols - (double)(f->lwidth + 3) - 2; /* the plot's width in characters */
        keycols = (size_t)fmax(1, floor((wp - 2) / (double)(namew + 11)));
        keyrows = ps.n ? (ps.n + keycols - 1) / keycols : 0;
        gp_figure_size(f->st->term, row_width(f, 960),
                       150 + 46 * (double)rows +
                           (20 * (double)keyrows + 14 * (double)f->nnotes) * gp_font_size(f->st) /
                               10,
                       &w, &h);
        snprintf(num, sizeof(num), "total (median) %.1f ms", ms(xmax));
        label_chars = (double)strlen(num) + 2;
        frac = wp > 0 ? fmin(0.6, fmax(0.12, label_chars / wp)) : 0.6;
        xr = ms(xmax) / (1 - frac) + 1e-3;
        step = nice_step(xr / fmax(2, floor(wp / 8)));
        fig_oom(f, gp_head(&f->gp, f->st, "bootlens plot phases", f->out_name, w, h));
        gp_title(f, "median phase times");
        gpf(f, "set xlabel ");
        /* the long axis title where it fits (it is 75 characters) */
        gps(f, cols >= 80 ? "time (ms): median phase durations, stacked; whiskers: 95% CI of each "
                            "median"
                          : "time (ms); whiskers: 95% CI");
        gpf(f, "\n");
        gp_rows(f, &rows_sb);
        gpf(f,
            "set yrange [%.1f:-0.6]\n"
            "set xrange [0:%.3f]\n"
            "set xtics %g nomirror out\n"
            "set grid xtics lc rgb '#d0d0d0'\n"
            "set border 3\n"
            "set errorbars small\n"
            "set bmargin %u\n"
            "set tmargin %zu\n"
            "set rmargin 2\n",
            (double)rows - 0.4, xr, step, fig_bmargin(f), keyrows + 3);
        /* the title on the top line, the key under it, centred on the plot
         * (gnuplot 5.4's key outside top sits above the title) */
        {
                double fw = f->st->has_size ? f->st->width : w;
                double fh = f->st->has_size ? f->st->height : h;
                double lm = (double)(f->lwidth + 3) * cw, rm = 2 * cw;

                gpf(f,
                    "set title offset 0,%zu\n"
                    "set key at screen %.4f, screen %.4f center top horizontal Left reverse "
                    "noautotitle maxcols %zu\n",
                    keyrows + 1, (lm + (fw - lm - rm) / 2) / fw, 1 - 1.6 * lh / fh, keycols);
        }
        gp_notes(f);
        gpf(f, "plot ");
        bool first = true;
        for (size_t k = 0; k < ps.n; k++) {
                if (block[k] == SIZE_MAX)
                        continue;
                gpf(f,
                    "%s%s index %zu using (($2+$3)/2):1:2:3:($1-0.32):($1+0.32) "
                    "with boxxyerror ",
                    first ? "" : ", \\\n     ", f->dat_q, block[k]);
                gp_phase_fill(f, &ps, k);
                gpf(f, " title ");
                gps(f, ps.v[k]);
                gpf(f,
                    ", \\\n     %s index %zu using 3:1:4:5 with xerrorbars lc rgb 'black' "
                    "pt 0 ps 0 notitle",
                    f->dat_q, block[k]);
                first = false;
        }
        if (totals != SIZE_MAX) {
                value_labels(f, first, totals, "2:1", "total (median) %.1f ms", "$3");
                first = false;
        }
        if (sums != SIZE_MAX) {
                value_labels(f, first, sums, "2:1", "sum %.1f ms", "$3");
                first = false;
        }
        if (first) /* nothing to draw: an empty frame says so */
                gpf(f, "NaN notitle");
        gpf(f, "\n");
        sbuf_release(&label);
        sbuf_release(&rows_sb);
        free(block);
        free(ps.v);
        return first ? -ENODATA : 0;
}

/* ---- distribution: a box per phase (and the total) across runs ---- */

struct box {
        double q25, q75, median, wlo, whi; /* ns */
};

static int box_of(const struct aggregate_metric *m, struct box *b)
{
        const struct metric_series *s = m->s;
        double *v = malloc((s->present ? s->present : 1) * sizeof(*v));
        double iqr;

        if (!v)
                return -ENOMEM;
        memcpy(v, s->values, s->present * sizeof(*v));
        stats_sort(v, s->present);
        b->q25 = m->sum.q25, b->q75 = m->sum.q75, b->median = m->sum.median;
        iqr = b->q75 - b->q25;
        b->wlo = b->q25, b->whi = b->q75;
        for (size_t i = 0; i < s->present; i++) {
                if (v[i] >= b->q25 - 1.5 * iqr && v[i] < b->wlo)
                        b->wlo = v[i];
                if (v[i] <= b->q75 + 1.5 * iqr && v[i] > b->whi)
                        b->whi = v[i];
        }
        free(v);
        return 0;
}

/* One panel of the distribution: metric k's rows, one per group that has
 * it, in a data set of boxes and one of outliers. */
struct dist_panel {
        size_t boxes, outliers; /* data sets; SIZE_MAX: none */
        size_t nrows;
        double lo, hi;     /* ms: the panel's values, whiskers and outliers */
        struct sbuf names; /* the rows' labels (row_name) */
};

static int draw_distribution(struct fig *f)
{
        struct phase_set ps;
        struct sbuf label = SBUF_INIT, name = SBUF_INIT, t = SBUF_INIT;
        size_t ngroups = ngroups_all(f->d), nmetrics, npanels = 0, nrows = 0;
        struct dist_panel *pn;
        double w, h, px_h, y, row_px, gap_px;
        int rc = phase_set_build(f->d, &ps);

        if (rc < 0)
                return rc;
        nmetrics = ps.n + 1; /* the total first, then the phases */
        pn = calloc(nmetrics, sizeof(*pn));
        if (!pn) {
                free(ps.v);
                return -ENOMEM;
        }
        note_groups(f, &ps, true);
        for (size_t i = 0; i < f->d->n; i++) {
                const struct aggreport *ar = &f->d->in[i].agg;

                for (size_t g = 0; g < ar->ngroups; g++) {
                        if (ar->groups[g].nok != 1)
                                continue;
                        group_label(f, i, &ar->groups[g], &label);
                        note(f, "%s: one run: no spread to draw (the line is its value)",
                             label.buf);
                }
        }
        note(f, "every run beyond the whiskers is drawn: circles outliers (modified z-score > "
                "3.5), crosses the other runs");
        for (size_t k = 0; k < nmetrics; k++) {
                struct dist_panel *p = &pn[k];

                p->boxes = p->outliers = SIZE_MAX;
                p->lo = INFINITY, p->hi = -INFINITY;
                sbuf_init(&p->names);
                name.len = 0;
                fig_oom(f, sbuf_addf(&name, "phase:%s", k ? ps.v[k - 1] : ""));
                for (int pass = 0; pass < 2; pass++) {
                        size_t row = 0;

                        for (size_t i = 0; i < f->d->n; i++) {
                                const struct aggreport *ar = &f->d->in[i].agg;

                                for (size_t g = 0; g < ar->ngroups; g++) {
                                        const struct aggregate_metric *m =
                                            agg_find(&ar->groups[g].agg, k ? name.buf : "total");
                                        struct box b;

                                        if (!m || !m->sum.n)
                                                continue;
                                        if (pass == 1) {
                                                /* every run beyond the whiskers, and every
                                                 * outlier: no run is hidden */
                                                rc = box_of(m, &b);
                                                if (rc < 0)
                                                        goto out;
                                                for (size_t v = 0; v < m->s->present; v++) {
                                                        double x = m->s->values[v];
                                                        bool out = m->outlier && m->outlier[v];

                                                        if (!out && x >= b.wlo && x <= b.whi)
                                                                continue;
                                                        if (p->outliers == SIZE_MAX)
                                                                p->outliers = dat_block(
                                                                    f, "runs beyond the whiskers: "
                                                                       "row ms outlier (1: "
                                                                       "modified z-score > 3.5)");
                                                        datf(f, "%zu %.6f %d\n", row, ms(x),
                                                             out ? 1 : 0);
                                                        p->lo = fmin(p->lo, ms(m->s->values[v]));
                                                        p->hi = fmax(p->hi, ms(m->s->values[v]));
                                                }
                                                row++;
                                                continue;
                                        }
                                        rc = box_of(m, &b);
                                        if (rc < 0)
                                                goto out;
                                        if (p->boxes == SIZE_MAX)
                                                p->boxes =
                                                    dat_block(f, "boxes: row q25 q75 median "
                                                                 "whisker_lo whisker_hi (ms)");
                                        datf(f, "%zu %.6f %.6f %.6f %.6f %.6f\n", row, ms(b.q25),
                                             ms(b.q75), ms(b.median), ms(b.wlo), ms(b.whi));
                                        p->lo = fmin(p->lo, ms(b.wlo));
                                        p->hi = fmax(p->hi, ms(b.whi));
                                        group_label(f, i, &ar->groups[g], &label);
                                        t.len = 0;
                                        if (ngroups > 1)
                                                fig_oom(f, sbuf_addf(&t, "%s (%s)",
                                                                     k ? ps.v[k - 1] : "total",
                                                                     label.buf));
                                        else
                                                fig_oom(f,
                                                        sbuf_adds(&t, k ? ps.v[k - 1] : "total"));
                                        row_name(f, &p->names, row, t.buf);
                                        row++;
                                }
                        }
                        if (pass == 0)
                                p->nrows = row;
                }
                if (p->nrows) {
                        npanels++;
                        nrows += p->nrows;
                }
        }
        if (!npanels) {
                rc = -ENODATA;
                goto out;
        }
        /* one panel per metric, each on its own scale: a shared axis would
         * hide the spread of a short phase beside a long one */
        /* in px; dumb's characters (16 px high) want more room: two lines
         * a row, three between a panel's tic labels and the next panel */
        row_px = f->st->term == GP_DUMB ? 32 : 22;
        gap_px = f->st->term == GP_DUMB ? 48 : 30;
        px_h = 70 + 50 + 14 * (double)f->nnotes + (double)npanels * (gap_px + 10) +
               (double)nrows * row_px;
        gp_figure_size(f->st->term, row_width(f, 900), px_h, &w, &h);
        fig_oom(f, gp_head(&f->gp, f->st, "bootlens plot distribution", f->out_name, w, h));
        gpf(f, "set multiplot\n");
        gp_title(f, "phase times across runs");
        gpf(f,
            "unset ytics\n"
            "set lmargin %zu\n"
            "set rmargin 4\n"
            "set xtics nomirror out\n"
            "%s"
            "set grid xtics lc rgb '#d0d0d0'\n"
            "set border 3\n"
            "unset key\n"
            "set errorbars small\n",
            f->lwidth + 3, f->st->term == GP_DUMB ? "" : "set mxtics\n");
        gp_notes(f);
        y = 1 - 50 / px_h;
        for (size_t k = 0, shown = 0; k < nmetrics; k++) {
                const struct dist_panel *p = &pn[k];
                double top = y, bottom = y - ((double)p->nrows * row_px + 10) / px_h;

                if (!p->nrows)
                        continue;
                shown++;
                y = bottom - gap_px / px_h;
                gpf(f, "# %s\nset tmargin at screen %.4f\nset bmargin at screen %.4f\n",
                    k ? "a phase" : "the total", top, bottom);
                {
                        /* a panel of one value still gets a range (gnuplot
                         * warns of an empty one) */
                        double span =
                            p->hi - p->lo > 1e-6 ? p->hi - p->lo : fmax(fabs(p->hi) * 0.1, 0.01);

                        gpf(f, "set yrange [%.1f:-0.5]\nset xrange [%.6f:%.6f]\n",
                            (double)p->nrows - 0.5, p->lo - span * 0.06, p->hi + span * 0.06);
                }
                if (shown == npanels) {
                        gpf(f, "set xlabel ");
                        gps(f, "time (ms), each panel on its own scale; box Q1..Q3, line "
                               "median, whiskers 1.5 IQR");
                        gpf(f, "\n");
                }
                gpf(f, "%s", p->names.buf);
                gpf(f,
                    "plot %s index %zu using 4:1:5:6 with xerrorbars lc rgb 'black' pt 0 ps 0, "
                    "\\\n     %s index %zu using (($2+$3)/2):1:2:3:($1-0.3):($1+0.3) with "
                    "boxxyerror ",
                    f->dat_q, p->boxes, f->dat_q, p->boxes);
                if (k)
                        gp_phase_fill(f, &ps, k - 1);
                else
                        gpf(f, "fc rgb 'white' fs solid 1.0 border lc rgb 'black'");
                gpf(f,
                    ", \\\n     %s index %zu using 4:($1-0.3):(0):(0.6) with vectors nohead "
                    "lc rgb 'black' lw 2",
                    f->dat_q, p->boxes);
                if (p->outliers != SIZE_MAX)
                        gpf(f,
                            ", \\\n     %s index %zu using 2:($3 > 0.5 ? $1 : NaN) with points pt "
                            "6 "
                            "ps 1.2 lc rgb 'black', \\\n     %s index %zu using 2:($3 > 0.5 ? NaN "
                            ": $1) "
                            "with points pt 2 ps 1 lc rgb 'black'",
                            f->dat_q, p->outliers, f->dat_q, p->outliers);
                gpf(f, "\nunset label\nunset title\n");
        }
        gpf(f, "unset multiplot\n");
out:
        for (size_t k = 0; k < nmetrics; k++)
                sbuf_release(&pn[k].names);
        sbuf_release(&label);
        sbuf_release(&name);
        sbuf_release(&t);
        free(pn);
        free(ps.v);
        return rc;
}

/* ---- ecdf: the empirical CDF of the total per group ---- */

/* A line's colour: group k's; in mono black (dash and point types tell
 * the lines apart: light greys would not print) */
static const char *line_color(const struct fig *f, size_t k)
{
        return f->st->mono ? "#000000" : gp_color(f->st, k);
}

static int draw_ecdf(struct fig *f, char *err, size_t errsize)
{
        struct sbuf label = SBUF_INIT;
        size_t nlines = 0, gi = 0;
        struct sbuf plot = SBUF_INIT;
        double w, h;
        bool any_file = false;
        int rc = 0;

        note_groups(f, NULL, false); /* failed, unreadable and starved runs, as every kind */
        for (size_t i = 0; i < f->d->n; i++) {
                const struct aggreport *ar = &f->d->in[i].agg;

                any_file |= !f->d->in[i].is_session;
                for (size_t g = 0; g < ar->ngroups; g++, gi++) {
                        const struct aggregate_metric *m = agg_find(&ar->groups[g].agg, "total");
                        double *v;
                        size_t n, b;

                        group_label(f, i, &ar->groups[g], &label);
                        if (!m || !m->sum.n) {
                                note(f, "%s: no host-timed total (%s), left out", label.buf,
                                     f->d->in[i].is_session ? "no ok run" : "a capture FILE");
                                continue;
                        }
                        n = m->s->present;
                        v = malloc(n * sizeof(*v));
                        if (!v) {
                                rc = -ENOMEM;
                                goto out;
                        }
                        memcpy(v, m->s->values, n * sizeof(*v));
                        stats_sort(v, n);
                        b = dat_block(f, "steps: total_ms fraction_of_runs_at_or_below");
                        datf(f, "%.6f 0\n", ms(v[0]));
                        for (size_t k = 0; k < n; k++)
                                datf(f, "%.6f %.6f\n", ms(v[k]), (double)(k + 1) / (double)n);
                        free(v);
                        fig_oom(f, sbuf_addf(&plot,
                                             "%s%s index %zu using 1:2 with steps lw 2 lc rgb "
                                             "'%s' dt %zu title ",
                                             nlines ? ", \\\n     " : "", f->dat_q, b,
                                             line_color(f, gi), f->st->mono ? gi % 5 + 1 : 1));
                        fig_oom(f, gp_str(&plot, f->st->term, label.buf));
                        fig_oom(f, sbuf_addf(&plot,
                                             ", \\\n     %s index %zu every ::1 using 1:2 with "
                                             "points pt %zu ps 0.8 lc rgb '%s' notitle",
                                             f->dat_q, b, f->st->mono ? gi % 6 + 4 : 7,
                                             line_color(f, gi)));
                        nlines++;
                }
        }
        if (!nlines) {
                snprintf(err, errsize, "%s",
                         any_file ? "ecdf: no total boot time in the inputs (a capture FILE has "
                                    "no host-timed total; give a session)"
                                  : "ecdf: no total boot time in the inputs (no ok run)");
                rc = -ENODATA;
                goto out;
        }
        gp_figure_size(f->st->term, 800, 480 + 14 * (double)f->nnotes, &w, &h);
        fig_oom(f, gp_head(&f->gp, f->st, "bootlens plot ecdf", f->out_name, w, h));
        gp_title(f, "empirical CDF of the total boot time");
        gpf(f, "set xlabel ");
        gps(f, "total boot time (ms, QEMU's start to its exit)");
        gpf(f, "\nset ylabel ");
        gps(f, "fraction of runs at or below");
        gpf(f,
            "\nset yrange [0:1.05]\n"
            "set ytics 0.25 nomirror out\n"
            "set xtics nomirror out\n"
            "set grid lc rgb '#d0d0d0'\n"
            "set border 3\n"
            "set key inside left top vertical Left reverse noautotitle box opaque\n"
            "set bmargin %u\n",
            fig_bmargin(f));
        gp_notes(f);
        gpf(f, "plot %s\n", plot.buf);
out:
        sbuf_release(&label);
        sbuf_release(&plot);
        return rc;
}

/* ---- delta: the change per phase and top function ---- */

static enum gp_verdict_color verdict_color(enum stats_verdict v)
{
        switch (v) {
        case STATS_SLOWER:
                return GP_SLOWER;
        case STATS_FASTER:
                return GP_FASTER;
        case STATS_SAME:
                return GP_SAME;
        default:
                return GP_INCONCLUSIVE;
        }
}

static void gp_verdict_fill(struct fig *f, enum gp_verdict_color v)
{
        if (f->st->mono && v == GP_INCONCLUSIVE)
                gpf(f, "fc rgb 'black' fs pattern 1 border lc rgb 'black'");
        else
                gpf(f, "fc rgb '%s' fs solid %s border lc rgb '%s'", gp_verdict_color(f->st, v),
                    f->st->mono ? "1.0" : "0.85", f->st->mono ? "black" : "#404040");
}

/* The clauses of one verdict's data set: its bars (boxxyerror, columns
 * box) in the verdict's fill, their whiskers (style err, columns
 * whisker) black on a white halo, seen on every fill (the black bars of
 * --mono too). */
static void verdict_bars(struct fig *f, size_t block, enum gp_verdict_color v, const char *box,
                         const char *whisker, const char *err)
{
        gpf(f, ", \\\n     %s index %zu using %s with boxxyerror ", f->dat_q, block, box);
        gp_verdict_fill(f, v);
        gpf(f,
            " notitle, \\\n     %s index %zu using %s with %s lc rgb 'white' lw 4 pt 0 ps 0 "
            "notitle, \\\n     %s index %zu using %s with %s lc rgb 'black' lw 1.5 pt 0 ps 0 "
            "notitle",
            f->dat_q, block, whisker, err, f->dat_q, block, whisker, err);
}

/* The axes of a figure of nrows signed horizontal bars (delta, savings):
 * rows top down, x from xlo to xhi (ms) with the zero line, the key
 * outside on the right. */
static void signed_axes(struct fig *f, size_t nrows, double xlo, double xhi)
{
        gpf(f,
            "set yrange [%.1f:-0.6]\n"
            "set xrange [%.3f:%.3f]\n"
            "set xtics nomirror out\n"
            "set grid xtics lc rgb '#d0d0d0'\n"
            "set border 3\n"
            "set arrow from 0, graph 0 to 0, graph 1 nohead lc rgb 'black'\n"
            "set key outside right top vertical Left reverse noautotitle\n"
            "set errorbars small\n"
            "set bmargin %u\n",
            (double)nrows - 0.4, xlo, xhi, fig_bmargin(f));
}

#define MIN_EFFECT_FILL "#DDDDDD" /* delta's band of the minimum effect */

static int cmp_absdiff(const void *a, const void *b, void *ctx)
{
        const struct compare *c = ctx;
        double da = fabs(c->m[*(const size_t *)a].c.diff),
               db = fabs(c->m[*(const size_t *)b].c.diff);

        if (da != db)
                return da < db ? 1 : -1;
        return strcmp(c->m[*(const size_t *)a].name, c->m[*(const size_t *)b].name);
}

static int draw_delta(struct fig *f, char *err, size_t errsize)
{
        const struct plot_data *d = f->d;
        struct compare_options co;
        struct compare c;
        struct sbuf tics = SBUF_INIT, lab = SBUF_INIT, base = SBUF_INIT, new = SBUF_INIT;
        size_t *order = NULL, *fns = NULL, nfns = 0, row = 0, block[4], nrows = 0;
        bool *shown = NULL;
        double xlo = 0, xhi = 0, w, h;
        int rc;

        if (d->n != 2 || !d->in[0].is_session || !d->in[1].is_session) {
                snprintf(err, errsize,
                         "delta: wants two sessions (or SESSION:VARIANT), BASE and "
                         "NEW, as 'bootlens compare'");
                return -EINVAL;
        }
        if (f->o->compare) {
                co = *f->o->compare;
        } else {
                memset(&co, 0, sizeof(co));
                stats_options_default(&co.stats);
                co.top = COMPARE_TOP_DEFAULT;
                co.exclude_starved = d->exclude_starved;
        }
        co.run = &d->ro;
        rc = compare_sessions(&c, d->in[0].arg, d->in[1].arg, &co, err, errsize);
        if (rc < 0)
                goto out;
        order = calloc(c.n ? c.n : 1, sizeof(*order));
        fns = calloc(c.n ? c.n : 1, sizeof(*fns));
        shown = calloc(c.n ? c.n : 1, sizeof(*shown));
        if (!order || !fns || !shown) {
                rc = -ENOMEM;
                goto out;
        }
        rc = compare_order(&c, order);
        if (rc < 0)
                goto out;
        /* the total, every phase, and the PLOT_DELTA_FNS functions that moved most */
        for (size_t i = 0; i < c.n; i++) {
                if (c.m[i].kind == COMPARE_FN)
                        fns[nfns++] = i;
                else
                        shown[i] = true;
        }
        qsort_r(fns, nfns, sizeof(*fns), cmp_absdiff, &c);
        for (size_t i = 0; i < nfns && i < PLOT_DELTA_FNS; i++)
                shown[fns[i]] = true;
        if (nfns > PLOT_DELTA_FNS)
                note(f,
                     "%zu of the %zu functions compared are drawn: those that moved most "
                     "(bootlens compare lists all)",
                     (size_t)PLOT_DELTA_FNS, nfns);
        for (size_t i = 0; i < c.nenvdiff; i++)
                note(f, "the sides differ in %s: '%s' against '%s'", c.envdiff[i].what,
                     c.envdiff[i].base, c.envdiff[i].new);
        if (c.base.left_out || c.new.left_out)
                note(f, "left out as starved: %zu run%s of BASE, %zu of NEW", c.base.left_out,
                     c.base.left_out == 1 ? "" : "s", c.new.left_out);
        note(f,
             "same: the change is within the minimum effect (%g ms or %g%% of BASE's median; the "
             "shaded band), its CI too; slower, faster: outside it and significant",
             co.stats.min_abs / 1e6, co.stats.min_rel * 100);
        for (size_t i = 0; i < c.n; i++)
                if (c.m[i].kind != COMPARE_FN && (!c.m[i].na || !c.m[i].nb))
                        note(f, "%s: missing on one side, not compared", c.m[i].name);

        /* one data set per verdict; rows in compare's order */
        for (size_t v = 0; v < 4; v++) {
                block[v] = SIZE_MAX;
                row = 0;
                for (size_t k = 0; k < c.n; k++) {
                        const struct compare_metric *m = &c.m[order[k]];

                        if (!shown[order[k]])
                                continue;
                        if (m->na && m->nb && verdict_color(m->c.verdict) == v) {
                                double dm = ms(m->c.diff);

                                if (block[v] == SIZE_MAX)
                                        block[v] = dat_block(f, "bars: row x_from x_to "
                                                                "difference ci_lo ci_hi "
                                                                "minimum_effect (ms)");
                                datf(f, "%zu %.6f %.6f %.6f %.6f %.6f %.6f\n", row, fmin(0, dm),
                                     fmax(0, dm), dm, ms(m->c.ci.lo), ms(m->c.ci.hi),
                                     ms(m->c.threshold));
                                xlo =
                                    fmin(xlo, fmin(fmin(dm, ms(m->c.ci.lo)), -ms(m->c.threshold)));
                                xhi = fmax(xhi, fmax(fmax(dm, ms(m->c.ci.hi)), ms(m->c.threshold)));
                        }
                        if (v == 0) {
                                lab.len = 0;
                                fig_oom(f, sbuf_addf(&lab, "%s%s",
                                                     m->kind == COMPARE_FN ? "fn " : "", m->name));
                                row_name(f, &tics, row, lab.buf);
                                nrows++;
                        }
                        row++;
                }
        }
        {
                double span = xhi - xlo > 0 ? xhi - xlo : 1;

                xlo -= span * 0.05;
                xhi += span * 0.3;
        }
        gp_figure_size(f->st->term, row_width(f, 960),
                       150 + 24 * (double)nrows + 14 * (double)f->nnotes, &w, &h);
        fig_oom(f, gp_head(&f->gp, f->st, "bootlens plot delta", f->out_name, w, h));
        if (f->o->title) {
                gp_title(f, "");
        } else {
                input_name(f, 0, &base);
                if (d->in[0].rs.variant)
                        fig_oom(f, sbuf_addf(&base, ":%s", d->in[0].rs.variant));
                input_name(f, 1, &new);
                if (d->in[1].rs.variant)
                        fig_oom(f, sbuf_addf(&new, ":%s", d->in[1].rs.variant));
                lab.len = 0;
                fig_oom(f, sbuf_addf(&lab, "change of median boot times: %s (BASE) to %s (NEW)",
                                     base.buf, new.buf));
                gpf(f, "set title ");
                gps(f, lab.buf);
                gpf(f, "\n");
        }
        gpf(f, "set xlabel ");
        gps(f, "NEW - BASE (ms): difference of medians, whiskers: 95% bootstrap CI");
        gpf(f, "\nunset ytics\nset lmargin %zu\n%s", f->lwidth + 3, tics.buf);
        signed_axes(f, nrows, xlo, xhi);
        gp_notes(f);
        gpf(f, "plot ");
        {
                static const char *const vname[] = {"slower", "faster", "same", "inconclusive"};
                bool first = true;

                for (size_t v = 0; v < 4; v++) {
                        gpf(f, "%skeyentry with boxes ", first ? "" : ", \\\n     ");
                        gp_verdict_fill(f, (enum gp_verdict_color)v);
                        gpf(f, " title ");
                        gps(f, vname[v]);
                        first = false;
                }
                gpf(f, ", \\\n     keyentry with boxes fc rgb '%s' fs solid 1.0 noborder title ",
                    MIN_EFFECT_FILL);
                gps(f, "minimum effect");
                for (size_t v = 0; v < 4; v++) {
                        if (block[v] == SIZE_MAX)
                                continue;
                        /* the band a change must leave to be slower or faster,
                         * and within which its CI must lie to be "same" */
                        gpf(f,
                            ", \\\n     %s index %zu using (0):1:(-$7):7:($1-0.44):($1+0.44) "
                            "with boxxyerror fc rgb '%s' fs solid 1.0 noborder notitle",
                            f->dat_q, block[v], MIN_EFFECT_FILL);
                        verdict_bars(f, block[v], (enum gp_verdict_color)v,
                                     "(($2+$3)/2):1:2:3:($1-0.32):($1+0.32)", "4:1:5:6",
                                     "xerrorbars");
                        /* no "-0.0 ms" for a change below 0.05 ms */
                        value_labels(f, false, block[v], "(($6>$3?($6>$7?$6:$7):($3>$7?$3:$7))):1",
                                     "%+.1f ms", "abs($4) < 0.05 ? 0 : $4");
                }
        }
        gpf(f, "\n");
out:
        sbuf_release(&tics);
        sbuf_release(&lab);
        sbuf_release(&base);
        sbuf_release(&new);
        free(order);
        free(fns);
        free(shown);
        compare_free(&c);
        return rc;
}

/* ---- timeline: one run, drawn by timeline.c ---- */

/* The run of session input in the timeline draws: --run N, else its
 * first ok run (not starved with --exclude-starved). */
static int timeline_pick(const struct plot_data *d, const struct plot_input *in,
                         const struct plot_options *o, size_t *k, char *err, size_t errsize)
{
        const struct runset *rs = &in->rs;
        const char *variant = rs->variant;
        unsigned lo = UINT32_MAX, hi = 0;
        size_t nstarved = 0, nsel = 0;
        const char *starved_variant = NULL;

        for (size_t i = 0; i < rs->n; i++) {
                const struct runset_run *e = &rs->v[i];

                lo = e->run < lo ? e->run : lo;
                hi = e->run > hi ? e->run : hi;
                if (o->has_run && e->run != o->run)
                        continue;
                if (o->has_run && e->readable && variant && e->variant &&
                    strcmp(e->variant, variant) != 0) {
                        snprintf(err, errsize, "timeline: run %u is of variant %s, not %s", e->run,
                                 e->variant, variant);
                        return -EINVAL;
                }
                if (o->has_run && !e->selected) {
                        snprintf(
                            err, errsize, "timeline: run %u of '%s' is not an ok run (%s%s%s)",
                            e->run, in->arg,
                            !e->readable ? "its run file does not read"
                            : strcmp(e->verdict, "ok") || !e->reason || !*e->reason ? e->verdict
                                                                                    : e->reason,
                            e->readable && strcmp(e->verdict, "ok") && e->reason && *e->reason
                                ? ": "
                                : "",
                            e->readable && strcmp(e->verdict, "ok") && e->reason ? e->reason : "");
                        return -EINVAL;
                }
                if (!e->selected)
                        continue;
                nsel++;
                if (d->exclude_starved && e->starved) {
                        nstarved++;
                        starved_variant = e->variant;
                        if (o->has_run) {
                                snprintf(err, errsize,
                                         "timeline: run %u of '%s' was starved by the host: "
                                         "--exclude-starved leaves it out",
                                         e->run, in->arg);
                                return -EINVAL;
                        }
                        continue;
                }
                *k = i;
                return 0;
        }
        if (o->has_run && rs->n)
                snprintf(err, errsize, "timeline: no run %u in '%s' (runs %u-%u)", o->run, in->arg,
                         lo, hi);
        else if (o->has_run)
                snprintf(err, errsize, "timeline: no run %u in '%s' (it has none)", o->run,
                         in->arg);
        else if (nsel && nstarved == nsel)
                snprintf(err, errsize, "timeline: all %zu runs of %s left out as starved", nsel,
                         variant           ? variant
                         : starved_variant ? starved_variant
                                           : in->arg);
        else
                snprintf(err, errsize, "timeline: no ok run in '%s'", in->arg);
        return -EINVAL;
}

static int draw_timeline(struct fig *f, char *err, size_t errsize)
{
        const struct plot_data *d = f->d;
        const struct plot_input *in = NULL;
        struct run r = {0};
        char *msg = NULL;
        struct sbuf title = SBUF_INIT;
        double w, h;
        int rc;

        for (size_t i = 0; i < d->n && !in; i++)
                if (d->in[i].is_session)
                        in = &d->in[i];
        if (in) {
                size_t k;

                rc = timeline_pick(d, in, f->o, &k, err, errsize);
                if (rc < 0)
                        return rc;
                /* runset_analyse counts into the runset's totals; a copy keeps
                 * the loaded data as it was */
                struct runset rs = in->rs;

                rc = runset_analyse(&rs, k, &d->ro, &r, &msg);
                if (rs.unreadable != in->rs.unreadable) {
                        free(rs.unreadable);
                        rs.unreadable = NULL;
                }
                if (rc < 0)
                        snprintf(err, errsize, "timeline: run %u of '%s': cannot analyse: %s",
                                 in->rs.v[k].run, in->arg, msg ? msg : strerror(-rc));
                int e = 0;
                base_name(&title, in->rs.dir, &e);
                fig_oom(f, sbuf_addf(&title, ":%s, run %u",
                                     in->rs.v[k].variant ? in->rs.v[k].variant : "?",
                                     in->rs.v[k].run));
                fig_oom(f, e);
        } else {
                char *buf = NULL;
                size_t len;
                bool opened;
                int e = 0;

                if (f->o->has_run) {
                        snprintf(err, errsize,
                                 "timeline: --run N wants a session (a capture is "
                                 "one run)");
                        return -EINVAL;
                }
                if (!d->n) {
                        snprintf(err, errsize, "timeline: no input");
                        return -EINVAL;
                }
                rc = run_read_input(d->in[0].arg, &buf, &len, &opened);
                if (rc == 0)
                        rc = run_analyse(&r, d->in[0].arg, buf, len, &d->ro, NULL, &msg);
                if (rc < 0)
                        snprintf(err, errsize, "timeline: cannot analyse '%s': %s", d->in[0].arg,
                                 msg ? msg : strerror(-rc));
                base_name(&title, d->in[0].arg, &e);
                fig_oom(f, e);
        }
        free(msg);
        if (rc < 0)
                goto out;
        rc = timeline_size(&r, f->o->title ? f->o->title : title.buf, f->st, &w, &h, err, errsize);
        if (rc < 0)
                goto out;
        fig_oom(f, gp_head(&f->gp, f->st, "bootlens plot timeline", f->out_name, w, h));
        rc = timeline_write(&r, f->o->title ? f->o->title : title.buf, f->st, f->dat_name, &f->gp,
                            &f->dat, &f->note);
        for (const char *p = f->note.buf; *p; p++)
                if (*p == '\n')
                        f->nnotes++;
out:
        run_free(&r);
        sbuf_release(&title);
        return rc;
}

/* ---- drawing ---- */

/* Nothing to draw: when --exclude-starved left some group without a run,
 * say so instead of err's "nothing available". */
static void all_starved(struct fig *f, const char *kind, char *err, size_t errsize)
{
        struct sbuf msg = SBUF_INIT, label = SBUF_INIT;

        for (size_t i = 0; i < f->d->n; i++) {
                const struct aggreport *ar = &f->d->in[i].agg;

                for (size_t g = 0; g < ar->ngroups; g++) {
                        const struct aggreport_group *gr = &ar->groups[g];

                        if (gr->nok || !gr->nexcluded)
                                continue;
                        group_label(f, i, gr, &label);
                        fig_oom(f, sbuf_addf(&msg, "%s%zu run%s of %s left out as starved",
                                             msg.len ? "; " : "", gr->nexcluded,
                                             gr->nexcluded == 1 ? "" : "s", label.buf));
                }
        }
        if (msg.len && errsize)
                snprintf(err, errsize, "%s: all %s", kind, msg.buf);
        sbuf_release(&msg);
        sbuf_release(&label);
}

static int add_file(struct plot_result *res, const char *dir, const char *name)
{
        char **nv = realloc(res->files, (res->nfiles + 1) * sizeof(*nv));
        size_t len = strlen(dir) + strlen(name) + 2;
        char *p;

        if (!nv)
                return -ENOMEM;
        res->files = nv;
        p = malloc(len);
        if (!p)
                return -ENOMEM;
        if (strcmp(dir, ".") == 0)
                snprintf(p, len, "%s", name);
        else
                snprintf(p, len, "%s/%s", dir, name);
        res->files[res->nfiles++] = p;
        return 0;
}

/* Split out_path into its directory, base name and stem. */
static int fig_paths(struct fig *f, const char *out_path)
{
        const char *slash = strrchr(out_path, '/');
        const char *name = slash ? slash + 1 : out_path;
        const char *dot = strrchr(name, '.');
        size_t stemlen = dot && dot != name ? (size_t)(dot - name) : strlen(name);

        if (slash == out_path)
                f->dir = strdup("/");
        else
                f->dir = slash ? strndup(out_path, (size_t)(slash - out_path)) : strdup(".");
        f->out_name = strdup(name);
        f->stem = strndup(name, stemlen);
        if (!f->dir || !f->out_name || !f->stem)
                return -ENOMEM;
        f->dat_name = malloc(stemlen + 5);
        if (!f->dat_name)
                return -ENOMEM;
        snprintf(f->dat_name, stemlen + 5, "%s.dat", f->stem);
        {
                struct sbuf q = SBUF_INIT;

                /* a file name is no LaTeX text: quoted as for svg */
                if (gp_str(&q, GP_SVG, f->dat_name) < 0)
                        return -ENOMEM;
                f->dat_q = sbuf_detach(&q, NULL);
        }
        return 0;
}

static int write_beside(struct fig *f, const char *ext, const struct sbuf *sb,
                        struct plot_result *res, char *err, size_t errsize)
{
        size_t len = strlen(f->dir) + strlen(f->stem) + strlen(ext) + 2;
        char *path = malloc(len);
        int rc;

        if (!path)
                return -ENOMEM;
        snprintf(path, len, "%s/%s%s", f->dir, f->stem, ext);
        rc = util_write_file_atomic(path, sb->buf, sb->len);
        if (rc < 0)
                snprintf(err, errsize, "cannot write '%s': %s", path, strerror(-rc));
        free(path);
        if (rc == 0) {
                char name[4096];

                snprintf(name, sizeof(name), "%s%s", f->stem, ext);
                rc = add_file(res, f->dir, name);
        }
        return rc;
}

/* Begin figure f into out_path: its paths, the checks of the output's
 * name and the style's size. */
static int fig_begin(struct fig *f, const char *out_path, struct plot_result *res, char *err,
                     size_t errsize)
{
        int rc;

        memset(res, 0, sizeof(*res));
        if (errsize)
                err[0] = '\0';
        sbuf_init(&f->gp);
        sbuf_init(&f->dat);
        sbuf_init(&f->note);
        rc = fig_paths(f, out_path);
        if (rc < 0)
                return rc;
        if (strcmp(f->out_name, f->dat_name) == 0 ||
            (strlen(f->out_name) > 3 &&
             strcmp(f->out_name + strlen(f->out_name) - 3, ".gp") == 0)) {
                snprintf(err, errsize, "'%s': the figure would overwrite its own .gp or .dat",
                         out_path);
                return -EINVAL;
        }
        return gp_check_size(f->st, err, errsize);
}

/* Write the .dat and .gp of figure f, drawn (rc 0) or not, run gnuplot,
 * list the files in res; release f. */
static int fig_finish(struct fig *f, int rc, struct plot_result *res, char *err, size_t errsize)
{
        const char *name;

        if (!rc)
                rc = f->err;
        if (rc == -ENOMEM)
                snprintf(err, errsize, "out of memory");
        if (rc < 0)
                goto out;
        if (f->dat.len && f->dat.buf[f->dat.len - 1] != '\n')
                fig_oom(f, sbuf_addch(&f->dat, '\n'));
        res->note = strdup(f->note.buf);
        if (!res->note) {
                rc = -ENOMEM;
                goto out;
        }
        rc = write_beside(f, ".dat", &f->dat, res, err, errsize);
        if (!rc)
                rc = write_beside(f, ".gp", &f->gp, res, err, errsize);
        if (rc < 0)
                goto out;
        name = res->files[res->nfiles - 1];
        name = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
        rc = gp_run(f->dir, name, 0, err, errsize);
        if (rc < 0)
                goto out;
        if (errsize && err[0]) { /* drawn, with a warning: a note line */
                size_t len = strlen(res->note) + strlen(err) + 2;
                char *nn = malloc(len);

                if (!nn) {
                        rc = -ENOMEM;
                        goto out;
                }
                snprintf(nn, len, "%s%s\n", res->note, err);
                free(res->note);
                res->note = nn;
                err[0] = '\0';
        }
        rc = add_file(res, f->dir, f->out_name);
        if (!rc && f->st->term == GP_CAIROLATEX) {
                char pdf[4096];

                snprintf(pdf, sizeof(pdf), "%s.pdf", f->stem);
                rc = add_file(res, f->dir, pdf);
        }
out:
        sbuf_release(&f->gp);
        sbuf_release(&f->dat);
        sbuf_release(&f->note);
        free(f->dir);
        free(f->stem);
        free(f->out_name);
        free(f->dat_name);
        free(f->dat_q);
        return rc;
}

int plot_draw(const struct plot_data *d, enum plot_kind k, const char *out_path,
              const struct plot_options *o, struct plot_result *res, char *err, size_t errsize)
{
        struct fig f = {.d = d, .o = o, .st = &o->style};
        int rc = fig_begin(&f, out_path, res, err, errsize);

        if (rc < 0)
                return fig_finish(&f, rc, res, err, errsize);
        switch (k) {
        case PLOT_PHASES:
                rc = draw_phases(&f);
                if (rc == -ENODATA)
                        snprintf(err, errsize, "phases: no phase is available in the inputs");
                break;
        case PLOT_DISTRIBUTION:
                rc = draw_distribution(&f);
                if (rc == -ENODATA)
                        snprintf(err, errsize, "distribution: no phase or total to draw");
                break;
        case PLOT_ECDF:
                rc = draw_ecdf(&f, err, errsize);
                break;
        case PLOT_DELTA:
                rc = draw_delta(&f, err, errsize);
                break;
        case PLOT_TIMELINE:
                rc = draw_timeline(&f, err, errsize);
                break;
        case PLOT_WATERFALL:
        case PLOT_SAVINGS:
                rc = -EINVAL;
                snprintf(err, errsize, "%s: wants one sweep session (bootlens sweep)",
                         plot_kind_name(k));
                break;
        default:
                rc = -EINVAL;
                snprintf(err, errsize, "unknown figure kind");
                break;
        }
        if (rc == -ENODATA && k != PLOT_TIMELINE)
                all_starved(&f, plot_kind_name(k), err, errsize);
        return fig_finish(&f, rc, res, err, errsize);
}

void plot_result_free(struct plot_result *res)
{
        if (!res)
                return;
        free(res->note);
        for (size_t i = 0; i < res->nfiles; i++)
                free(res->files[i]);
        free(res->files);
        memset(res, 0, sizeof(*res));
}

/* ---- sweeps: waterfall and savings (analyzer/savings.h) ---- */

/* A minus sign: U+2212, an ASCII '-' for dumb and cairolatex (LaTeX's
 * input encoding may lack it). */
static const char *minus_sign(const struct fig *f)
{
        return f->st->term == GP_DUMB || f->st->term == GP_CAIROLATEX ? "-" : "\xe2\x88\x92";
}

/* The decimals a value of |v| ms is written with: 312, 31.2, 3.12. */
static int ms_prec(double v)
{
        v = fabs(v);
        return v >= 99.95 ? 0 : v >= 0.995 ? 1 : 2;
}

/* v (ms) with prec decimals, a minus sign when below zero, a '+' when
 * plus and above; no "-0". */
static void signed_ms(struct fig *f, struct sbuf *sb, double v, int prec, bool plus)
{
        double r = round(v * pow(10, prec)) / pow(10, prec);

        if (r == 0)
                r = 0;
        fig_oom(f, sbuf_addf(sb, "%s%.*f",
                             r < 0           ? minus_sign(f)
                             : plus && r > 0 ? "+"
                                             : "",
                             prec, fabs(r)));
}

/* "-312 ms [-340, -290]": v and its interval lo..hi, in ms. */
static void ms_with_ci(struct fig *f, struct sbuf *sb, double v, double lo, double hi, bool plus)
{
        int prec = ms_prec(v);

        signed_ms(f, sb, v, prec, plus);
        fig_oom(f, sbuf_adds(sb, " ms"));
        if (isnan(lo) || isnan(hi))
                return;
        fig_oom(f, sbuf_adds(sb, " ["));
        signed_ms(f, sb, lo, prec, plus);
        fig_oom(f, sbuf_adds(sb, ", "));
        signed_ms(f, sb, hi, prec, plus);
        fig_oom(f, sbuf_adds(sb, "]"));
}

int plot_broken_why(struct sbuf *sb, const struct savings_step *st)
{
        const struct {
                size_t n;
                const char *what;
        } v[] = {{st->crash, "crash"}, {st->timeout, "timeout"}, {st->bad_dump, "bad-dump"}};
        size_t said = 0;
        int r = 0;

        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                if (!v[i].n)
                        continue;
                r |= sbuf_addf(sb, "%s%zu of %zu %s", said ? ", " : "", v[i].n, st->recorded,
                               v[i].what);
                said++;
        }
        if (!said)
                r |= sbuf_addf(sb, "no ok run of %zu", st->recorded);
        return r < 0 ? -ENOMEM : 0;
}

static void broken_why(struct fig *f, struct sbuf *sb, const struct savings_step *st)
{
        fig_oom(f, plot_broken_why(sb, st));
}

/* The last two components of path ("runs/0012.serial"): no absolute path
 * in a script. */
static const char *path_tail(const char *p)
{
        size_t end = strlen(p), start = path_suffix(p, end, 2);

        return p + start;
}

/* The notes every sweep figure shares: broken steps with their serial
 * capture, failed and starved runs left out, steps not compared. */
static void note_steps(struct fig *f, const struct savings *s)
{
        struct sbuf t = SBUF_INIT;

        for (size_t i = 0; i < s->nsteps; i++) {
                const struct savings_step *st = &s->steps[i];
                size_t failed = st->recorded > st->ok ? st->recorded - st->ok : 0;

                if (st->broken) {
                        sbuf_reset(&t);
                        broken_why(f, &t, st);
                        note(f, "%s: broken (%s)%s%s%s%s", st->name, t.buf,
                             st->failed_serial ? ": see " : "",
                             st->failed_serial ? path_tail(st->failed_serial) : "",
                             st->failed_reason && *st->failed_reason ? ", " : "",
                             st->failed_reason ? st->failed_reason : "");
                        continue;
                }
                if (failed)
                        note(f, "%s: %zu failed run%s left out (%zu ok)", st->name, failed,
                             failed == 1 ? "" : "s", st->ok);
                if (st->left_out)
                        note(f, "%s: %zu starved run%s left out", st->name, st->left_out,
                             st->left_out == 1 ? "" : "s");
                if (i && st->against_broken && st->against < s->nsteps)
                        note(f, "%s: not compared: its reference %s is broken", st->name,
                             s->steps[st->against].name);
        }
        sbuf_release(&t);
}

/* What a sweep's numbers are, by its basis (analyzer/savings.h). */
static const char *basis_median(const struct savings *s)
{
        return s->basis == SAVINGS_BY_CPU     ? "median QEMU CPU time"
               : s->basis == SAVINGS_BY_GUEST ? "median guest time at the dump"
                                              : "median total boot time";
}

/* The same, short, for an axis: "median total" by default. */
static const char *basis_short(const struct savings *s)
{
        return s->basis == SAVINGS_BY_TOTAL ? "median total" : basis_median(s);
}

static const char *basis_what(const struct savings *s)
{
        return s->basis == SAVINGS_BY_CPU ? "median QEMU CPU time (user + system)"
               : s->basis == SAVINGS_BY_GUEST
                   ? "median guest clock at the dump (the kernel's uptime)"
                   : "median total (QEMU's start to its exit)";
}

/* The sweep's title: what, of the session's last path component. */
static void sweep_title(struct fig *f, const struct savings *s, const char *what)
{
        struct sbuf t = SBUF_INIT;
        int e = 0;

        if (f->o->title) {
                fig_oom(f, sbuf_adds(&t, f->o->title));
        } else {
                fig_oom(f, sbuf_adds(&t, what));
                fig_oom(f, sbuf_adds(&t, ": "));
                base_name(&t, s->session ? s->session : "sweep", &e);
                fig_oom(f, e);
                fig_oom(f, sbuf_addf(&t, " (%s%s%s)", sweep_mode_name(s->mode),
                                     s->preset ? ", preset " : "", s->preset ? s->preset : ""));
        }
        gpf(f, "set title ");
        gps(f, t.buf);
        gpf(f, "\n");
        sbuf_release(&t);
}

static const char *const verdict_names[] = {"slower", "faster", "same", "inconclusive"};

/* The key's entries: the four verdicts, then extra (a fill and a title)
 * when given. */
static void verdict_key(struct fig *f, const char *extra_fill, const char *extra_title, bool broken)
{
        for (size_t v = 0; v < 4; v++) {
                gpf(f, "%skeyentry with boxes ", v ? ", \\\n     " : "");
                gp_verdict_fill(f, (enum gp_verdict_color)v);
                gpf(f, " title ");
                gps(f, verdict_names[v]);
        }
        if (extra_fill) {
                gpf(f, ", \\\n     keyentry with boxes %s title ", extra_fill);
                gps(f, extra_title);
        }
        if (broken) {
                gpf(f, ", \\\n     keyentry with boxes fc rgb 'black' fs pattern 4 border lc "
                       "rgb 'black' title ");
                gps(f, "broken");
        }
}

/* A label of text at (x, y) in first coordinates, offset by dy lines. */
static void label_at(struct fig *f, const char *text, double x, double y, double dy,
                     const char *how)
{
        gpf(f, "set label ");
        gps(f, text);
        gpf(f, " at first %.4f, first %.6f %s offset 0,%.2f\n", x, y, how, dy);
}

/* The width in px that holds the note's widest line (its labels' 8 pt
 * font: 6.4 px a character at 10 pt), at most WATERFALL_MAX_PX. */
static double notes_px(const struct fig *f)
{
        size_t longest = 0;

        for (const char *p = f->note.buf; *p;) {
                size_t len = strcspn(p, "\n");

                longest = len > longest ? len : longest;
                p += len + (p[len] == '\n');
        }
        return fmin(1400, 6.4 * gp_font_size(f->st) / 10 * (double)(longest + 2));
}

#define WATERFALL_SUMS   "#0072B2" /* the baseline's and the final bars (mono: grey) */
#define WATERFALL_MAX_PX 1400      /* wider than this, names are turned */

static int draw_waterfall(struct fig *f, const struct savings *s, char *err, size_t errsize)
{
        struct sbuf t = SBUF_INIT;
        size_t *chain = NULL, nchain = 0, block[4], sums, broken = SIZE_MAX, plain = SIZE_MAX,
               nbars, maxname = 5;
        double *level = NULL, cur, lo, hi, ylo, yhi, w, h, cw, lh, fw, fh, final;
        bool any_broken = false, zoomed;
        int rc = 0;

        if (s->mode != SWEEP_CUMULATIVE) {
                base_name(&t, s->session ? s->session : "SESSION", &rc);
                snprintf(err, errsize,
                         "waterfall: '%s' is an each sweep (every knob against the baseline, "
                         "no chain of steps): try 'bootlens plot savings %s'",
                         t.buf, s->session ? s->session : "SESSION");
                sbuf_release(&t);
                return -EINVAL;
        }
        if (s->nsteps < 1 || s->steps[0].broken || isnan(s->steps[0].median_ns)) {
                snprintf(err, errsize,
                         "waterfall: the baseline has no ok run: nothing to start "
                         "from");
                return -ENODATA;
        }
        chain = calloc(s->nsteps, sizeof(*chain));
        level = calloc(s->nsteps + 1, sizeof(*level));
        if (!chain || !level) {
                rc = -ENOMEM;
                goto out;
        }
        for (size_t i = 1; i < s->nsteps; i++)
                if (!s->steps[i].host_timed)
                        chain[nchain++] = i;
        if (!nchain) {
                snprintf(err, errsize,
                         "waterfall: no cumulative step to draw (host-timed knobs are no part "
                         "of the chain: try 'bootlens plot savings')");
                rc = -ENODATA;
                goto out;
        }
        note_steps(f, s);
        for (size_t i = 1; i < s->nsteps; i++) {
                const struct savings_step *st = &s->steps[i];

                if (!st->host_timed || !st->compared)
                        continue;
                sbuf_reset(&t);
                ms_with_ci(f, &t, -ms(st->saving_ns), -ms(st->saving_hi_ns), -ms(st->saving_lo_ns),
                           true);
                note(f, "%s (host-timed, against %s, no part of the chain): %s, %s", st->name,
                     s->steps[st->against < s->nsteps ? st->against : 0].name, t.buf,
                     stats_verdict_name(st->verdict));
        }

        /* the levels: bar k spans level[k-1] to level[k] (k = 1..nchain);
         * level[0] the baseline */
        nbars = nchain + 2;
        cur = ms(s->steps[0].median_ns);
        level[0] = cur;
        lo = hi = cur;
        for (size_t k = 0; k < nchain; k++) {
                const struct savings_step *st = &s->steps[chain[k]];

                if (!st->broken && !isnan(st->median_ns))
                        cur = ms(st->median_ns);
                level[k + 1] = cur;
                lo = fmin(lo, cur), hi = fmax(hi, cur);
                if (st->compared) {
                        double ref = ms(s->steps[st->against].median_ns);

                        lo = fmin(lo, ref - ms(st->saving_hi_ns));
                        hi = fmax(hi, ref - ms(st->saving_lo_ns));
                }
        }
        final = !isnan(s->final_ns) ? ms(s->final_ns) : cur;
        lo = fmin(lo, final), hi = fmax(hi, final);

        /* the axis from 0, unless every level lies high above it: then from
         * below the lowest, and the note says so */
        zoomed = lo > 0.4 * hi && hi > lo;
        ylo = 0;
        if (zoomed) {
                double step = nice_step((hi - lo) / 4);

                ylo = fmax(0, floor((lo - (hi - lo) * 0.6) / step) * step);
                note(f,
                     "the y axis starts at %g ms, not at 0: the baseline's and the final bars "
                     "are cut",
                     ylo);
        }
        note(f,
             "a step's bar: from its reference's %s to its own; whiskers, [ ]: 95%% CI of the "
             "change",
             basis_what(s));

        /* the data: one set per verdict of the compared steps, one of the
         * steps not compared, one of the broken ones, one of the sums */
        for (size_t v = 0; v < 4; v++) {
                block[v] = SIZE_MAX;
                for (size_t k = 0; k < nchain; k++) {
                        const struct savings_step *st = &s->steps[chain[k]];
                        double ref, to;

                        if (!st->compared || verdict_color(st->verdict) != v)
                                continue;
                        ref = ms(s->steps[st->against].median_ns);
                        to = ms(st->median_ns);
                        if (block[v] == SIZE_MAX)
                                block[v] = dat_block(f, "steps: x from to ci_lo ci_hi (ms, the "
                                                        "median total; CI of the step's end)");
                        /* no CI (too few runs): a whisker of no length, the
                         * .dat numbers only */
                        datf(f, "%zu %.6f %.6f %.6f %.6f\n", k + 1, ref, to,
                             isnan(st->saving_hi_ns) ? to : ref - ms(st->saving_hi_ns),
                             isnan(st->saving_lo_ns) ? to : ref - ms(st->saving_lo_ns));
                }
        }
        for (size_t k = 0; k < nchain; k++) {
                const struct savings_step *st = &s->steps[chain[k]];

                if (st->broken) {
                        if (broken == SIZE_MAX)
                                broken = dat_block(f, "broken steps: x level (ms, where the chain "
                                                      "stood)");
                        datf(f, "%zu %.6f\n", k + 1, level[k]);
                        any_broken = true;
                } else if (!st->compared) {
                        if (plain == SIZE_MAX)
                                plain = dat_block(f, "steps not compared: x from to (ms)");
                        datf(f, "%zu %.6f %.6f\n", k + 1, level[k], level[k + 1]);
                }
        }
        sums = dat_block(f, "the baseline and the final total: x total (ms)");
        datf(f, "0 %.6f\n%zu %.6f\n", level[0], nchain + 1, final);
        size_t links = dat_block(f, "connectors: x_from x_to level (ms)");
        for (size_t k = 0; k <= nchain; k++)
                datf(f, "%.2f %.2f %.6f\n", (double)k + 0.36, (double)k + 0.64,
                     k == nchain ? final : level[k]);

        /* the size: a slot per bar wide enough for its name and labels (in
         * characters of the font; 8 px a character at 10 pt), at most
         * WATERFALL_MAX_PX wide; names wider than their slot are turned */
        for (size_t k = 0; k < nchain; k++)
                maxname = fmax(maxname, strlen(s->steps[chain[k]].name));
        gp_char_size(f->st, &cw, &lh);
        double fs10 = gp_font_size(f->st) / 10, slot_px = 8 * fs10 * fmax(15, maxname + 2);
        double px_w = fmin(WATERFALL_MAX_PX, 13 * 8 * fs10 + slot_px * (double)nbars);
        px_w = fmax(px_w, notes_px(f));
        /* the names turned when they are wider than their slot on the
         * canvas (pdf, eps, cairolatex: one paper width) */
        gp_figure_size(f->st->term, px_w, 420, &w, &h);
        fw = f->st->has_size ? f->st->width : w;
        bool rotate = (double)maxname + 1 > (fw / cw - 13) / (double)nbars;
        /* a turned name's height, in lines */
        unsigned under = rotate ? (unsigned)ceil(fmin(40, maxname) * cw / lh * 0.5) + 1 : 0;
        /* no axis title under the names: the names, then the note */
        unsigned bmargin = 2 + (unsigned)f->nnotes + under;

        gp_figure_size(f->st->term, px_w,
                       (420 + 14 * (double)f->nnotes + 20 * (double)under) * fs10, &w, &h);
        fw = f->st->has_size ? f->st->width : w;
        fh = f->st->has_size ? f->st->height : h;
        double plot_lines = fh / lh - (double)bmargin - 4;

        /* room above the highest bar for three label lines */
        yhi = hi + (hi - ylo) * 3.4 / fmax(4, plot_lines - 3.4);
        fig_oom(f, gp_head(&f->gp, f->st, "bootlens plot waterfall", f->out_name, w, h));
        {
                char lbl[96];

                snprintf(lbl, sizeof(lbl), "%s, step by step", basis_median(s));
                sweep_title(f, s, lbl);
                snprintf(lbl, sizeof(lbl), "%s (ms)", basis_median(s));
                gpf(f, "set ylabel ");
                gps(f, lbl);
        }
        gpf(f,
            "\nunset xtics\n"
            "set xrange [-0.6:%.1f]\n"
            "set yrange [%.6f:%.6f]\n"
            "set ytics nomirror out\n"
            "set grid ytics lc rgb '#d0d0d0'\n"
            "set border 3\n"
            "set errorbars small\n"
            "set bmargin %u\n"
            "set tmargin 4\n"
            "set rmargin 3\n",
            (double)nbars - 0.4, ylo, yhi, bmargin);
        {
                /* the title on the top line, the key under it */
                double lm = 10 * cw;

                gpf(f,
                    "set title offset 0,1\n"
                    "set key at screen %.4f, screen %.4f center top horizontal Left reverse "
                    "noautotitle samplen 2\n",
                    (lm + (fw - lm - 3 * cw) / 2) / fw, 1 - 1.6 * lh / fh);
        }
        /* the second label lines in a smaller font */
        char small[48];

        snprintf(small, sizeof(small), "center font ',%g'", 0.8 * gp_font_size(f->st));
        /* the bars' names under the axis: labels, never tic labels */
        for (size_t k = 0; k < nbars; k++) {
                const char *name = k == 0           ? s->steps[0].name
                                   : k == nbars - 1 ? "final"
                                                    : s->steps[chain[k - 1]].name;

                gpf(f, "set label ");
                gps(f, name);
                if (rotate)
                        gpf(f, " at first %zu, graph 0 rotate by 30 right offset 0.5,-1\n", k);
                else
                        gpf(f, " at first %zu, graph 0 center offset 0,-1\n", k);
        }
        /* the values: above each bar */
        sbuf_reset(&t);
        fig_oom(f, sbuf_addf(&t, "%.1f ms", level[0]));
        label_at(f, t.buf, 0, level[0], 0.8, "center");
        for (size_t k = 0; k < nchain; k++) {
                const struct savings_step *st = &s->steps[chain[k]];
                double x = (double)k + 1, top = fmax(level[k], level[k + 1]);

                sbuf_reset(&t);
                if (st->broken) {
                        broken_why(f, &t, st);
                        label_at(f, "broken", x, level[k], 1.9, "center");
                        label_at(f, t.buf, x, level[k], 1.0, small);
                        continue;
                }
                if (!st->compared) {
                        label_at(f, "not compared", x, top, 0.8, "center");
                        continue;
                }
                double ref = ms(s->steps[st->against].median_ns);

                top = fmax(top, ref - ms(st->saving_lo_ns));
                signed_ms(f, &t, -ms(st->saving_ns), ms_prec(ms(st->saving_ns)), true);
                fig_oom(f, sbuf_adds(&t, " ms"));
                label_at(f, t.buf, x, top, 1.7, "center");
                sbuf_reset(&t);
                ms_with_ci(f, &t, -ms(st->saving_ns), -ms(st->saving_hi_ns), -ms(st->saving_lo_ns),
                           true);
                /* the CI alone on the second line: "[-340, -290]" */
                label_at(f, strchr(t.buf, '[') ? strchr(t.buf, '[') : "", x, top, 0.8, small);
        }
        sbuf_reset(&t);
        fig_oom(f, sbuf_addf(&t, "%.1f ms", final));
        label_at(f, t.buf, (double)nbars - 1, final, s->has_overall ? 2.6 : 0.8, "center");
        if (s->has_overall && s->overall.compared) {
                sbuf_reset(&t);
                ms_with_ci(f, &t, -ms(s->overall.saving_ns), -ms(s->overall.saving_hi_ns),
                           -ms(s->overall.saving_lo_ns), true);
                /* "overall -0.7 ms" over its CI */
                char *ci = strchr(t.buf, '[');
                struct sbuf o1 = SBUF_INIT;

                fig_oom(f, sbuf_adds(&o1, "overall "));
                fig_oom(f, sbuf_add(&o1, t.buf, ci ? (size_t)(ci - t.buf - 1) : t.len));
                label_at(f, o1.buf, (double)nbars - 1, final, 1.7, small);
                if (ci)
                        label_at(f, ci, (double)nbars - 1, final, 0.8, small);
                sbuf_release(&o1);
        }
        gp_notes(f);

        gpf(f, "plot ");
        char sums_fill[96];
        snprintf(sums_fill, sizeof(sums_fill), "fc rgb '%s' fs solid %s border lc rgb '%s'",
                 f->st->mono ? "#E8E8E8" : WATERFALL_SUMS, f->st->mono ? "1.0" : "0.85",
                 f->st->mono ? "black" : "#404040");
        verdict_key(f, sums_fill, "baseline, final", any_broken);
        gpf(f,
            ", \\\n     %s index %zu using 1:3:($2-$1):(0) with vectors nohead dt 2 lc rgb "
            "'#606060' "
            "notitle",
            f->dat_q, links);
        gpf(f,
            ", \\\n     %s index %zu using 1:(($2+%.6f)/2):($1-0.34):($1+0.34):(%.6f):2 with "
            "boxxyerror %s notitle",
            f->dat_q, sums, ylo, ylo, sums_fill);
        for (size_t v = 0; v < 4; v++) {
                if (block[v] == SIZE_MAX)
                        continue;
                verdict_bars(f, block[v], (enum gp_verdict_color)v,
                             "1:(($2+$3)/2):($1-0.34):($1+0.34):2:3", "1:3:4:5", "yerrorbars");
        }
        if (plain != SIZE_MAX)
                gpf(f,
                    ", \\\n     %s index %zu using 1:(($2+$3)/2):($1-0.34):($1+0.34):2:3 with "
                    "boxxyerror fc rgb 'white' fs solid 1.0 border lc rgb '#606060' dt 2 notitle",
                    f->dat_q, plain);
        if (broken != SIZE_MAX)
                gpf(f,
                    ", \\\n     %s index %zu using 1:2:($1-0.34):($1+0.34):($2-%.6f):($2+%.6f) "
                    "with boxxyerror fc rgb 'black' fs pattern 4 border lc rgb 'black' notitle",
                    f->dat_q, broken, (yhi - ylo) * 0.015, (yhi - ylo) * 0.015);
        gpf(f, "\n");
out:
        sbuf_release(&t);
        free(chain);
        free(level);
        return rc;
}

/* The rows of the savings figure: compared steps by saving, descending,
 * then the steps not compared, then the broken ones (by step order). */
static int savings_rank(const struct savings_step *st)
{
        return st->broken ? 2 : st->compared ? 0 : 1;
}

static int cmp_saving(const void *a, const void *b, void *ctx)
{
        const struct savings *s = ctx;
        const struct savings_step *x = &s->steps[*(const size_t *)a],
                                  *y = &s->steps[*(const size_t *)b];
        int rx = savings_rank(x), ry = savings_rank(y);

        if (rx != ry)
                return rx - ry;
        if (rx == 0 && x->saving_ns != y->saving_ns)
                return x->saving_ns < y->saving_ns ? 1 : -1;
        return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int draw_savings(struct fig *f, const struct savings *s, char *err, size_t errsize)
{
        struct sbuf t = SBUF_INIT, rows = SBUF_INIT;
        size_t *order = NULL, n = 0, block[4];
        double xlo = 0, xhi = 0, w, h, cw, lh, wp, frac, label_chars = 10;
        int rc = 0;

        order = calloc(s->nsteps ? s->nsteps : 1, sizeof(*order));
        if (!order)
                return -ENOMEM;
        for (size_t i = 1; i < s->nsteps; i++) {
                /* by the guest's clock a host-timed knob (compared by the
                 * host's total) is in other units: left out, said */
                if (s->basis == SAVINGS_BY_GUEST && s->steps[i].host_timed) {
                        note(f,
                             "%s: host-timed, not on the guest's clock: left out (see "
                             "'bootlens sweep --results')",
                             s->steps[i].name);
                        continue;
                }
                order[n++] = i;
        }
        if (!n) {
                snprintf(err, errsize, "savings: the sweep has no knob to draw");
                rc = -ENODATA;
                goto out;
        }
        qsort_r(order, n, sizeof(*order), cmp_saving, (void *)s);
        note_steps(f, s);
        note(f, "saving: the reference's %s - the knob's, %s; whiskers, [ ]: its 95%% CI",
             basis_what(s),
             s->mode == SWEEP_EACH ? "against the baseline" : "against the step before");
        for (size_t v = 0; v < 4; v++) {
                block[v] = SIZE_MAX;
                for (size_t r = 0; r < n; r++) {
                        const struct savings_step *st = &s->steps[order[r]];
                        double sv = ms(st->saving_ns), slo = ms(st->saving_lo_ns),
                               shi = ms(st->saving_hi_ns);

                        if (!st->compared || verdict_color(st->verdict) != v)
                                continue;
                        if (block[v] == SIZE_MAX)
                                block[v] = dat_block(f, "bars: row x_from x_to saving ci_lo ci_hi "
                                                        "(ms; > 0: faster)");
                        datf(f, "%zu %.6f %.6f %.6f %.6f %.6f\n", r, fmin(0, sv), fmax(0, sv), sv,
                             isnan(slo) ? sv : slo, isnan(shi) ? sv : shi);
                        xlo = fmin(xlo, fmin(sv, isnan(slo) ? sv : slo));
                        xhi = fmax(xhi, fmax(sv, isnan(shi) ? sv : shi));
                }
        }
        for (size_t r = 0; r < n; r++) {
                const struct savings_step *st = &s->steps[order[r]];
                double at;

                sbuf_reset(&t);
                fig_oom(f, sbuf_adds(&t, st->name));
                if (st->host_timed)
                        fig_oom(f, sbuf_adds(&t, " (host-timed)"));
                row_name(f, &rows, r, t.buf);
                sbuf_reset(&t);
                if (st->broken) {
                        fig_oom(f, sbuf_adds(&t, "broken ("));
                        broken_why(f, &t, st);
                        fig_oom(f, sbuf_adds(&t, ")"));
                        at = 0;
                } else if (!st->compared) {
                        fig_oom(f, sbuf_addf(&t, "not compared: %s is broken",
                                             st->against < s->nsteps ? s->steps[st->against].name
                                                                     : "its reference"));
                        at = 0;
                } else {
                        ms_with_ci(f, &t, ms(st->saving_ns), ms(st->saving_lo_ns),
                                   ms(st->saving_hi_ns), false);
                        if (!isnan(st->rel)) {
                                fig_oom(f, sbuf_adds(&t, " ("));
                                signed_ms(f, &t, st->rel * 100, 1, false);
                                fig_oom(f, sbuf_adds(&t, "%)"));
                        }
                        at = fmax(fmax(0, ms(st->saving_ns)),
                                  isnan(st->saving_hi_ns) ? 0 : ms(st->saving_hi_ns));
                }
                /* characters of the label, a code point each */
                size_t chars = 0;
                for (const unsigned char *p = (const unsigned char *)t.buf; *p; p++)
                        chars += (*p & 0xc0) != 0x80;
                label_chars = fmax(label_chars, (double)chars + 2);
                fig_oom(f, sbuf_adds(&rows, "set label "));
                fig_oom(f, gp_str(&rows, f->st->term, t.buf));
                fig_oom(f,
                        sbuf_addf(&rows, " at first %.6f, first %zu left offset character 1, 0%s\n",
                                  at, r, st->compared ? "" : " font ',9'"));
        }
        gp_char_size(f->st, &cw, &lh);
        gp_figure_size(f->st->term, fmax(row_width(f, 900), notes_px(f)),
                       130 + 30 * (double)n + 14 * (double)f->nnotes * gp_font_size(f->st) / 10, &w,
                       &h);
        {
                double fw = f->st->has_size ? f->st->width : w;
                double span = xhi - xlo > 0 ? xhi - xlo : 1;

                /* the plot's width in characters, less the key's column */
                wp = fw / cw - (double)(f->lwidth + 3) - 18;
                frac = wp > 0 ? fmin(0.6, fmax(0.1, label_chars / wp)) : 0.6;
                xlo -= span * 0.04;
                xhi = xlo + (xhi + span * 0.02 - xlo) / (1 - frac);
        }
        fig_oom(f, gp_head(&f->gp, f->st, "bootlens plot savings", f->out_name, w, h));
        sweep_title(f, s,
                    s->mode == SWEEP_EACH ? "what each knob saves alone"
                                          : "what each step saved against the one before");
        gpf(f, "set xlabel ");
        {
                char lbl[128];

                snprintf(lbl, sizeof(lbl),
                         "saving (ms): the reference's %s - the knob's; > 0: faster",
                         basis_short(s));
                gps(f, lbl);
        }
        gpf(f, "\n");
        gp_rows(f, &rows);
        signed_axes(f, n, xlo, xhi);
        gp_notes(f);
        gpf(f, "plot ");
        verdict_key(f, NULL, NULL, false);
        for (size_t v = 0; v < 4; v++) {
                if (block[v] == SIZE_MAX)
                        continue;
                verdict_bars(f, block[v], (enum gp_verdict_color)v,
                             "(($2+$3)/2):1:2:3:($1-0.32):($1+0.32)", "4:1:5:6", "xerrorbars");
        }
        gpf(f, "\n");
out:
        sbuf_release(&t);
        sbuf_release(&rows);
        free(order);
        return rc;
}

int plot_savings_draw(const struct savings *s, enum plot_kind k, const char *out_path,
                      const struct plot_options *o, struct plot_result *res, char *err,
                      size_t errsize)
{
        struct fig f = {.o = o, .st = &o->style};
        int rc = fig_begin(&f, out_path, res, err, errsize);

        if (rc < 0)
                return fig_finish(&f, rc, res, err, errsize);
        if (k == PLOT_WATERFALL) {
                rc = draw_waterfall(&f, s, err, errsize);
        } else if (k == PLOT_SAVINGS) {
                rc = draw_savings(&f, s, err, errsize);
        } else {
                snprintf(err, errsize, "%s: not a figure of a sweep (waterfall or savings)",
                         plot_kind_name(k));
                rc = -EINVAL;
        }
        return fig_finish(&f, rc, res, err, errsize);
}
