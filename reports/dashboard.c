/* dashboard: see dashboard.h. */
#include "reports/dashboard.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "bootlens_config.h"
#include "collector/session.h"
#include "reports/histreport.h"
#include "reports/htmlreport.h"
#include "reports/trendplot.h"

/* The report's look (reports/htmlreport.c's palette and type), the few
 * rules this page needs. */
static const char css[] =
    ":root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--alt:#f6f8fa;--slower:#b3261e;"
    "--faster:#1a7f37}\n"
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,"
    "'DejaVu Sans',sans-serif;color:var(--fg);background:#fff;margin:0 auto;max-width:1200px;"
    "padding:1.5rem 2rem;line-height:1.45;font-size:15px}\n"
    "h1{font-size:1.7rem;margin:0 0 .3rem}h2{font-size:1.3rem;margin-top:2.2rem;"
    "border-bottom:1px solid var(--line);padding-bottom:.3rem}\n"
    "a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}\n"
    "p.meta,.note,figcaption{color:var(--muted)}p.meta{margin:.15rem 0}\n"
    "table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:13px;"
    "font-variant-numeric:tabular-nums}\n"
    "th,td{border-bottom:1px solid var(--line);padding:.25rem .6rem;text-align:left;"
    "vertical-align:top}th{background:var(--alt);font-weight:600}\n"
    "td.num,th.num{text-align:right}td.num{white-space:nowrap}\n"
    "td.name{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace}\n"
    "div.scroll{overflow-x:auto;max-width:100%}\n"
    ".slower{color:var(--slower);font-weight:600}.faster{color:var(--faster);font-weight:600}\n"
    "figure{margin:1rem 0 .5rem}figure img{max-width:100%;height:auto;display:block;"
    "border:1px solid var(--line)}\n"
    ".missing{border:1px dashed var(--line);padding:1rem;color:var(--muted);"
    "background:var(--alt)}\n"
    ".verdict{font-size:1.1rem;margin:.4rem 0}\n"
    "footer{margin-top:3rem;color:var(--muted);font-size:.85rem;border-top:1px solid "
    "var(--line);padding-top:.6rem}\n";

struct page {
        struct sbuf sb;
        int rc;
};

/* Markup (trusted, printf-formatted). */
static void put(struct page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct page *p, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        if (!p->rc)
                p->rc = sbuf_vaddf(&p->sb, fmt, ap);
        va_end(ap);
}

/* Text from the database (untrusted). */
static void text(struct page *p, const char *s)
{
        if (!p->rc)
                p->rc = htmlreport_escape(&p->sb, s ? s : "-");
}

/* ms in a cell: one decimal, three below 10 ms; "-" for NaN. */
static void td_ms(struct page *p, double ns, bool sign)
{
        double v = ns / 1e6;

        if (isnan(ns))
                put(p, "<td class=\"num\">-</td>");
        else
                put(p, sign ? "<td class=\"num\">%+.*f</td>" : "<td class=\"num\">%.*f</td>",
                    fabs(v) < 10 ? 3 : 1, v);
}

static void td_ci(struct page *p, double lo, double hi)
{
        if (isnan(lo) || isnan(hi))
                put(p, "<td class=\"num\">-</td>");
        else
                put(p, "<td class=\"num\">[%+.*f, %+.*f]</td>", fabs(lo) < 1e7 ? 3 : 1, lo / 1e6,
                    fabs(hi) < 1e7 ? 3 : 1, hi / 1e6);
}

static void note(struct dashboard_result *r, int *rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(struct dashboard_result *r, int *rc, const char *fmt, ...)
{
        struct sbuf sb = SBUF_INIT;
        va_list ap;
        int err;

        if (r->notes && sbuf_adds(&sb, r->notes) < 0)
                goto oom;
        va_start(ap, fmt);
        err = sbuf_vaddf(&sb, fmt, ap);
        va_end(ap);
        if (err < 0 || sbuf_addch(&sb, '\n') < 0)
                goto oom;
        free(r->notes);
        r->notes = sbuf_detach(&sb, NULL);
        return;
oom:
        sbuf_release(&sb);
        if (!*rc)
                *rc = -ENOMEM;
}

/* ---- base64 for the figures' data: URLs ---- */

static int base64(struct sbuf *sb, const unsigned char *s, size_t n)
{
        static const char tab[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        int rc = sbuf_grow(sb, (n + 2) / 3 * 4 + 1);

        for (size_t i = 0; i < n && !rc; i += 3) {
                unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
                             (i + 2 < n ? s[i + 2] : 0);
                char q[4] = {tab[v >> 18 & 63], tab[v >> 12 & 63],
                             i + 1 < n ? tab[v >> 6 & 63] : '=', i + 2 < n ? tab[v & 63] : '='};

                rc = sbuf_add(sb, q, 4);
        }
        return rc;
}

/* ---- what the page shows ---- */

struct dash_fig {
        char *metric;  /* "total", "phase:NAME" (owned) */
        char *file;    /* relative to DIR: "figures/01-phase-initcalls.svg" (owned) */
        char *data;    /* the SVG as a data: URL (owned), or NULL */
        char *missing; /* why it is not drawn (owned), or NULL */
        struct trend t;
        bool has_trend;
};

struct dash {
        struct history *h;
        const struct dashboard_options *o;
        struct dashboard_result *r;
        struct history_entry *v;
        size_t n;
        char **names; /* history_metric_names */
        size_t nnames;
        struct dash_fig *fig;
        size_t nfig;
        struct trend_check check;
        bool has_check;
        char *check_err; /* why the gate could not run (owned), or NULL */
        char **report;   /* per entry of v: the relative URL of its report, or NULL */
};

/* A file name of metric k: "NN-" and the metric with every byte but
 * [A-Za-z0-9] as '-', at most 40 of them. */
static char *fig_file(size_t k, const char *metric)
{
        char slug[41];
        size_t j = 0;
        char *s = NULL;

        for (const char *p = metric; *p && j < sizeof(slug) - 1; p++) {
                bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                          (*p >= '0' && *p <= '9');

                slug[j++] = ok ? *p : '-';
        }
        slug[j] = '\0';
        if (asprintf(&s, "figures/%02zu-%s.svg", k, slug) < 0)
                return NULL;
        return s;
}

/* The view of t's last max points (view borrows t's; *cv the change
 * points among them, their at shifted, malloc'd). Returns 0 or -ENOMEM. */
static int trend_tail(const struct trend *t, size_t max, struct trend *view,
                      struct trend_change **cv)
{
        size_t off = t->s.n > max ? t->s.n - max : 0, k = 0;

        *view = *t;
        *cv = malloc((t->nc ? t->nc : 1) * sizeof(**cv));
        if (!*cv)
                return -ENOMEM;
        view->s.v += off;
        view->s.n -= off;
        view->segment = t->segment ? t->segment + off : NULL;
        for (size_t i = 0; i < t->nc; i++)
                if (t->c[i].at > off) {
                        (*cv)[k] = t->c[i];
                        (*cv)[k++].at -= off;
                }
        view->c = *cv;
        view->nc = k;
        return 0;
}

/* The SVG at path as a data: URL, or NULL (-ENOMEM or unreadable: rc). */
static char *data_url(const char *path, int *rc)
{
        struct sbuf sb = SBUF_INIT;
        char *svg = NULL;
        size_t len;

        *rc = util_read_file(path, &svg, &len);
        if (*rc < 0)
                return NULL;
        *rc = sbuf_adds(&sb, "data:image/svg+xml;base64,");
        *rc = *rc ?: base64(&sb, (const unsigned char *)svg, len);
        free(svg);
        if (*rc < 0) {
                sbuf_release(&sb);
                return NULL;
        }
        return sbuf_detach(&sb, NULL);
}

static int draw_figure(struct dash *d, struct dash_fig *f, size_t k, char *err, size_t errsize)
{
        struct plot_options po = {.style = d->o->style};
        struct plot_result res = {0};
        struct trend_change *cv = NULL;
        char *path = NULL, e[512] = "";
        struct trend view;
        int rc;

        po.style.term = GP_SVG;
        f->file = fig_file(k, f->metric);
        if (!f->file)
                return -ENOMEM;
        rc = trend_build(d->h, f->metric, &d->o->check.trend, &f->t, e, sizeof(e));
        if (rc < 0) {
                snprintf(err, errsize, "%s: %s", f->metric, *e ? e : strerror(-rc));
                return rc;
        }
        f->has_trend = true;
        if (asprintf(&path, "%s/%s", d->o->dir, f->file) < 0)
                return -ENOMEM;
        /* a long history: its last DASHBOARD_MAX_POINTS drawn (the page says so) */
        rc = trend_tail(&f->t, DASHBOARD_MAX_POINTS, &view, &cv);
        rc = rc ?: trendplot_draw(&view, d->o->check.trend.by, path, &po, &res, e, sizeof(e));
        if (rc == 0 && res.note && *res.note)
                note(d->r, &rc, "%s: %.*s", f->metric, (int)strcspn(res.note, "\n"), res.note);
        if (rc == 0) {
                d->r->figures++;
                f->data = data_url(path, &rc);
                if (rc < 0 && rc != -ENOMEM) {
                        f->missing = strdup("the SVG gnuplot wrote does not read");
                        rc = f->missing ? 0 : -ENOMEM;
                }
        } else if (rc != -ENOMEM) {
                /* gnuplot missing or failing: the page says so, the .gp and .dat are there */
                f->missing = strdup(*e ? e : strerror(-rc));
                note(d->r, &rc, "%s: figure not drawn: %s", f->metric, *e ? e : strerror(-rc));
                rc = f->missing ? 0 : -ENOMEM;
        }
        free(cv);
        free(path);
        plot_result_free(&res);
        return rc;
}

/* Where a metric's figure goes: 0 the total, 1 the kernel's loaded size,
 * 2 a phase; -1 none. */
static int figure_rank(const char *name)
{
        if (strcmp(name, "total") == 0)
                return 0;
        if (strcmp(name, HISTORY_KERNEL_LOADED) == 0)
                return 1;
        return strncmp(name, "phase:", 6) == 0 ? 2 : -1;
}

static int figures(struct dash *d, char *err, size_t errsize)
{
        int rc = history_metric_names(d->h, d->o->check.trend.where, &d->names, &d->nnames);

        if (rc < 0) {
                snprintf(err, errsize, "%s: cannot read the metrics' names", history_path(d->h));
                return rc;
        }
        d->fig = calloc(d->nnames ? d->nnames : 1, sizeof(*d->fig));
        if (!d->fig)
                return -ENOMEM;
        /* the total, the kernel's loaded size beside it (when the sessions
         * recorded it, docs/history.md "Kernel size"), then the phases */
        for (int pass = 0; pass < 3 && !rc; pass++) {
                for (size_t i = 0; i < d->nnames && !rc; i++) {
                        struct dash_fig *f;

                        if (figure_rank(d->names[i]) != pass)
                                continue;
                        f = &d->fig[d->nfig++];
                        f->metric = strdup(d->names[i]);
                        rc = f->metric ? draw_figure(d, f, d->nfig, err, errsize) : -ENOMEM;
                }
        }
        return rc;
}

/* The latest entry k of v (0: the newest). */
static const struct history_entry *latest(const struct dash *d, size_t k)
{
        return &d->v[d->n - 1 - k];
}

static size_t nlatest(const struct dash *d)
{
        size_t want = d->o->latest ? d->o->latest : DASHBOARD_LATEST_DEFAULT;

        return want < d->n ? want : d->n;
}

/* The report of entry e into DIR/sessions/ID/ when its session is on
 * disk: *url its relative URL (NULL when none). */
static int session_report(struct dash *d, const struct history_entry *e, char **url)
{
        struct htmlreport rep;
        struct htmlreport_options ho = {
            .fmt = HTMLREPORT_HTML, .n = 1, .generated_from = "bootlens history dashboard"};
        char *sj = NULL, *input = NULL, *sub = NULL, *index = NULL, err[512] = "";
        const char *in;
        FILE *out;
        int rc = 0;

        *url = NULL;
        if (!e->path || asprintf(&sj, "%s/session.json", e->path) < 0) {
                sj = NULL;
                return e->path ? -ENOMEM : 0;
        }
        if (access(sj, R_OK) != 0) {
                note(d->r, &rc, "entry %lld: its session '%s' is not on disk: no report",
                     (long long)e->id, e->path);
                free(sj);
                return rc;
        }
        /* the directory may hold another session now (CI jobs that all
         * write "-o session"): link only the one the entry was made from */
        {
                struct session *s = NULL;
                char serr[256] = "";
                const char *now = NULL;
                bool same;

                if (session_open(e->path, &s, serr, sizeof(serr)) == 0)
                        now = session_info(s)->id;
                same = now && strcmp(now, e->session_id) == 0;
                if (!same && now)
                        note(d->r, &rc, "entry %lld: '%s' holds session %s now, not %s: no report",
                             (long long)e->id, e->path, now, e->session_id);
                else if (!same)
                        note(d->r, &rc, "entry %lld: '%s' is not a session now (%s): no report",
                             (long long)e->id, e->path, serr);
                session_free(s);
                if (!same) {
                        free(sj);
                        return rc;
                }
        }
        if (asprintf(&input, "%s:%s", e->path, e->variant) < 0 ||
            asprintf(&sub, "%s/sessions/%lld", d->o->dir, (long long)e->id) < 0 ||
            asprintf(&index, "%s/index.html", sub) < 0) {
                rc = -ENOMEM;
                goto out;
        }
        in = input;
        ho.inputs = &in;
        ho.dir = sub;
        rc = htmlreport_build(&rep, &ho, err, sizeof(err));
        if (rc == 0) {
                out = fopen(index, "w");
                rc = out ? htmlreport_write(out, &rep) : -errno;
                if (out && fclose(out) != 0 && !rc)
                        rc = -EIO;
                if (rc < 0 && rc != -ENOMEM)
                        snprintf(err, sizeof(err), "cannot write '%s': %s", index, strerror(-rc));
        }
        htmlreport_free(&rep);
        if (rc == -ENOMEM)
                goto out;
        if (rc < 0) {
                rc = 0;
                note(d->r, &rc, "entry %lld: its report was not written: %s", (long long)e->id,
                     err);
                goto out;
        }
        d->r->reports++;
        if (asprintf(url, "sessions/%lld/index.html", (long long)e->id) < 0) {
                *url = NULL;
                rc = -ENOMEM;
        }
out:
        free(sj);
        free(input);
        free(sub);
        free(index);
        return rc;
}

/* ---- the page ---- */

static const char *entry_label(const struct dash *d, const struct history_entry *e)
{
        const char *by = d->o->check.trend.by;
        const char *v = by ? history_entry_label(e, by) : NULL;

        return v ? v : e->session_id;
}

static void header(struct page *p, const struct dash *d)
{
        const struct history_filter *w = d->o->check.trend.where;
        const struct history_entry *newest = latest(d, 0);

        put(p,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"generator\" content=\"bootlens %s\">\n<title>bootlens history: ",
            BOOTLENS_VERSION);
        text(p, history_path(d->h));
        put(p,
            "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>bootlens "
            "history</h1>\n<p class=\"meta\">database: <code>",
            css);
        text(p, history_path(d->h));
        put(p, "</code>, %zu entr%s", d->n, d->n == 1 ? "y" : "ies");
        if (w && w->nwhere) {
                put(p, " matching");
                for (size_t i = 0; i < w->nwhere; i++) {
                        put(p, " <code>");
                        text(p, w->where[i].key);
                        put(p, "=");
                        text(p, w->where[i].value);
                        put(p, "</code>");
                }
        }
        put(p, "; ordered by ");
        if (d->o->check.trend.by) {
                put(p, "<code>");
                text(p, d->o->check.trend.by);
                put(p, "</code> (version order)");
        } else {
                put(p, "collection time");
        }
        /* the newest point of the series (the gate's: by --by's order),
         * else the newest collected */
        if (d->has_check)
                newest = &d->check.newest;
        put(p, "</p>\n<p class=\"meta\">newest%s: ", d->has_check ? " point" : " collected");
        text(p, d->has_check ? d->check.newest_label : entry_label(d, newest));
        put(p, " (");
        text(p, newest->session_id);
        put(p, ":");
        text(p, newest->variant);
        put(p, ", created ");
        text(p, newest->created);
        put(p, ")</p>\n</header>\n<nav><p class=\"meta\"><a href=\"#gate\">CI gate</a> · "
               "<a href=\"#trends\">trends</a>:");
        for (size_t k = 0; k < d->nfig; k++) {
                put(p, " <a href=\"#fig-%zu\">", k + 1);
                text(p, d->fig[k].metric);
                put(p, "</a>");
        }
        put(p, " · <a href=\"#latest\">latest entries</a></p></nav>\n<main>\n");
}

static void gate_row(struct page *p, const struct compare_metric *m)
{
        const char *v = stats_verdict_name(m->c.verdict);
        bool em = m->c.verdict == STATS_SLOWER || m->c.verdict == STATS_FASTER;

        put(p, "<tr><td class=\"name\">%s", m->kind == COMPARE_PHASE ? "phase " : "");
        text(p, m->name);
        put(p, "</td>");
        td_ms(p, m->c.median_a, false);
        put(p, "<td class=\"num\">%zu</td>", m->na);
        td_ms(p, m->c.median_b, false);
        put(p, "<td class=\"num\">%zu</td>", m->nb);
        td_ms(p, m->c.diff, true);
        td_ci(p, m->c.ci.lo, m->c.ci.hi);
        put(p, "<td class=\"num\">%.4f</td><td%s%s%s>%s</td></tr>\n", m->c.p_holm,
            em ? " class=\"" : "", em ? v : "", em ? "\"" : "", v);
}

static void section_gate(struct page *p, const struct dash *d)
{
        const struct trend_check *c = &d->check;

        put(p, "<section id=\"gate\">\n<h2>CI gate: the newest point against the last stable "
               "segment</h2>\n");
        if (!d->has_check) {
                put(p, "<p class=\"missing\">not run: ");
                text(p, d->check_err);
                put(p, "</p>\n</section>\n");
                return;
        }
        put(p, "<p class=\"verdict\">");
        if (!c->judged) {
                put(p, "<strong>not judged</strong>: ");
                text(p, c->why);
        } else if (c->regressed) {
                long w = histreport_check_worst(c);

                put(p, "<strong class=\"slower\">regressed</strong>");
                if (w >= 0) {
                        const struct compare_metric *m = &c->gate.m[w];

                        put(p, " in %s<code>", m->kind == COMPARE_PHASE ? "phase " : "");
                        text(p, m->kind == COMPARE_TOTAL ? "total" : m->name);
                        put(p, "</code>: %+.1f ms [%+.1f, %+.1f] (p ", m->c.diff / 1e6,
                            m->c.ci.lo / 1e6, m->c.ci.hi / 1e6);
                        put(p, m->c.p_holm < 1e-4 ? "&lt; 0.0001" : "%.4f", m->c.p_holm);
                        put(p, " after Holm)");
                }
                put(p, "; <code>bootlens history check</code> exits 1");
        } else {
                put(p, "<strong class=\"faster\">ok</strong>: nothing got significantly slower");
        }
        put(p, "</p>\n<p class=\"meta\">newest: ");
        text(p, c->newest_label);
        put(p, " (%zu runs), the last of %zu points of the total's series</p>\n",
            c->newest.runs_used, c->points);
        if (c->judged) {
                size_t *order = malloc((c->gate.n ? c->gate.n : 1) * sizeof(*order));

                if (!order || compare_order(&c->gate, order) < 0) {
                        free(order);
                        p->rc = p->rc ?: -ENOMEM;
                        return;
                }
                put(p, "<div class=\"scroll\"><table>\n<tr><th>metric</th><th class=\"num\">base "
                       "ms</th><th class=\"num\">n</th><th class=\"num\">new ms</th><th "
                       "class=\"num\">n</th><th class=\"num\">change ms</th><th "
                       "class=\"num\">95%% CI</th><th class=\"num\">p (Holm)</th><th>verdict</th>"
                       "</tr>\n");
                for (size_t k = 0; k < c->gate.n; k++)
                        gate_row(p, &c->gate.m[order[k]]);
                put(p, "</table></div>\n");
                free(order);
        }
        for (size_t k = 0; k < c->nnotes; k++) {
                put(p, "<p class=\"note\">");
                text(p, c->notes[k]);
                put(p, "</p>\n");
        }
        put(p, "</section>\n");
}

static void change_table(struct page *p, const struct trend *t)
{
        if (!t->nc) {
                put(p,
                    "<p class=\"note\">no change point in %zu point%s (PELT, sigma %.3f ms, "
                    "beta %.2f)</p>\n",
                    t->s.n, t->s.n == 1 ? "" : "s", t->cp.sigma / 1e6, t->cp.beta);
                return;
        }
        put(p, "<div class=\"scroll\"><table class=\"changes\">\n<tr><th class=\"num\">at</th>"
               "<th>from</th><th>to</th><th class=\"num\">before ms</th><th class=\"num\">after "
               "ms</th><th class=\"num\">step ms</th><th class=\"num\">95%% CI</th><th "
               "class=\"num\">runs before / after</th></tr>\n");
        for (size_t k = 0; k < t->nc; k++) {
                const struct trend_change *c = &t->c[k];

                put(p, "<tr><td class=\"num\">%zu</td><td class=\"name\">", c->at);
                text(p, c->label_before);
                put(p, "</td><td class=\"name\">");
                text(p, c->label_at);
                put(p, "</td>");
                td_ms(p, c->before, false);
                td_ms(p, c->after, false);
                put(p, "<td class=\"num %s\">", c->step > 0 ? "slower" : "faster");
                put(p, "%+.*f</td>", fabs(c->step) < 1e7 ? 3 : 1, c->step / 1e6);
                td_ci(p, c->ci.lo, c->ci.hi);
                put(p, "<td class=\"num\">%zu / %zu</td></tr>\n", c->runs_before, c->runs_after);
        }
        put(p, "</table></div>\n");
}

static void section_trends(struct page *p, const struct dash *d)
{
        put(p, "<section id=\"trends\">\n<h2>Trends</h2>\n<p class=\"note\">Each point: one "
               "stored session (its median over its runs, with the 95%% CI of the median); "
               "horizontal lines: the level of each segment between change points; dashed: "
               "the change points, with the step and its 95%% bootstrap CI.</p>\n");
        for (size_t k = 0; k < d->nfig; k++) {
                const struct dash_fig *f = &d->fig[k];

                put(p, "<figure id=\"fig-%zu\">\n", k + 1);
                if (f->data) {
                        put(p, "<img alt=\"");
                        text(p, f->metric);
                        put(p, " trend\" src=\"%s\">\n", f->data);
                } else {
                        put(p, "<div class=\"missing\">figure not drawn: ");
                        text(p, f->missing);
                        put(p, "</div>\n");
                }
                put(p, "<figcaption><strong>");
                text(p, f->metric);
                put(p, "</strong>: %zu point%s, %zu change point%s", f->t.s.n,
                    f->t.s.n == 1 ? "" : "s", f->t.nc, f->t.nc == 1 ? "" : "s");
                if (f->t.s.n > DASHBOARD_MAX_POINTS)
                        put(p,
                            " (the figure shows the last %d; <code>bootlens history trend "
                            "--plot</code> draws them all)",
                            DASHBOARD_MAX_POINTS);
                put(p, ". Files: <a href=\"");
                if (!p->rc)
                        p->rc = htmlreport_href(&p->sb, f->file);
                put(p, "\">svg</a> (and its .gp, .dat beside it)</figcaption>\n</figure>\n");
                if (!history_metric_is_size(f->metric)) /* its steps are in the figure, in MiB */
                        change_table(p, &f->t);
        }
        put(p, "</section>\n");
}

/* The summary of metric name among m[0..n), or NULL. */
static const struct history_metric *find_metric(const struct history_metric *m, size_t n,
                                                const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(m[i].name, name) == 0)
                        return &m[i];
        return NULL;
}

static int section_latest(struct page *p, struct dash *d)
{
        size_t nl = nlatest(d);
        int rc = 0;

        put(p,
            "<section id=\"latest\">\n<h2>Latest entries</h2>\n<p class=\"note\">The %zu "
            "collected last of %zu (the last first); medians in ms.</p>\n<div "
            "class=\"scroll\"><table>\n"
            "<tr><th>label</th><th>session</th><th>created</th><th class=\"num\">runs</th>",
            nl, d->n);
        for (size_t k = 0; k < d->nfig; k++) {
                put(p, "<th class=\"num\">");
                text(p, d->fig[k].metric);
                put(p, "</th>");
        }
        put(p, "<th>report</th></tr>\n");
        for (size_t i = 0; i < nl && !rc; i++) {
                const struct history_entry *e = latest(d, i);
                struct history_metric *m = NULL;
                size_t nm = 0;

                rc = history_entry_metrics(d->h, e->id, &m, &nm);
                if (rc < 0)
                        break;
                put(p, "<tr><td class=\"name\">");
                text(p, entry_label(d, e));
                put(p, "</td><td class=\"name\">");
                text(p, e->session_id);
                put(p, ":");
                text(p, e->variant);
                put(p, "</td><td>");
                text(p, e->created);
                put(p, "</td><td class=\"num\">%zu</td>", e->runs_used);
                for (size_t k = 0; k < d->nfig; k++) {
                        const struct history_metric *hm = find_metric(m, nm, d->fig[k].metric);

                        td_ms(p, hm ? hm->s.median : NAN, false);
                }
                put(p, "<td>");
                if (d->report[i]) {
                        put(p, "<a href=\"");
                        if (!p->rc)
                                p->rc = htmlreport_href(&p->sb, d->report[i]);
                        put(p, "\">report</a>");
                } else {
                        put(p, "<span class=\"note\">%s</span>",
                            d->o->session_reports ? "not on disk" : "not written");
                }
                put(p, "</td></tr>\n");
                history_metrics_free(m, nm);
        }
        put(p, "</table></div>\n</section>\n");
        return rc;
}

static int write_page(struct dash *d, char *err, size_t errsize)
{
        struct page p = {.sb = SBUF_INIT};
        int rc;

        header(&p, d);
        section_gate(&p, d);
        section_trends(&p, d);
        rc = section_latest(&p, d);
        put(&p,
            "</main>\n<footer>bootlens %s: this page and its figures (each with its gnuplot "
            "script and data, under figures/) need no network and run no script%s.</footer>\n"
            "</body>\n</html>\n",
            BOOTLENS_VERSION,
            d->o->session_reports ? "; the reports under sessions/ were written from the "
                                    "sessions still on disk"
                                  : "");
        rc = rc ?: p.rc;
        if (rc == 0 && asprintf(&d->r->index, "%s/index.html", d->o->dir) < 0) {
                d->r->index = NULL;
                rc = -ENOMEM;
        }
        if (rc == 0) {
                rc = util_write_file_atomic(d->r->index, p.sb.buf, p.sb.len);
                if (rc < 0)
                        snprintf(err, errsize, "cannot write '%s': %s", d->r->index, strerror(-rc));
        }
        sbuf_release(&p.sb);
        return rc;
}

static void dash_free(struct dash *d)
{
        history_entries_free(d->v, d->n);
        history_names_free(d->names, d->nnames);
        for (size_t k = 0; d->fig && k < d->nfig; k++) {
                free(d->fig[k].metric);
                free(d->fig[k].file);
                free(d->fig[k].data);
                free(d->fig[k].missing);
                if (d->fig[k].has_trend)
                        trend_free(&d->fig[k].t);
        }
        free(d->fig);
        if (d->has_check)
                trend_check_free(&d->check);
        free(d->check_err);
        for (size_t i = 0; d->report && i < nlatest(d); i++)
                free(d->report[i]);
        free(d->report);
}

int dashboard_write(struct history *h, const struct dashboard_options *o,
                    struct dashboard_result *r, char *err, size_t errsize)
{
        struct dash d = {.h = h, .o = o, .r = r};
        char e[512] = "", *fdir = NULL;
        int rc;

        memset(r, 0, sizeof(*r));
        if (errsize)
                err[0] = '\0';
        rc = history_list(h, o->check.trend.where, &d.v, &d.n);
        if (rc < 0) {
                snprintf(err, errsize, "%s: cannot list the entries", history_path(h));
                goto out;
        }
        if (!d.n) {
                snprintf(err, errsize, "%s: no entry%s", history_path(h),
                         o->check.trend.where && o->check.trend.where->nwhere
                             ? " matches the filter"
                             : " in the database");
                rc = -ENOENT;
                goto out;
        }
        if (asprintf(&fdir, "%s/figures", o->dir) < 0) {
                fdir = NULL;
                rc = -ENOMEM;
                goto out;
        }
        rc = util_mkdir_p(fdir, 0755);
        if (rc < 0) {
                snprintf(err, errsize, "cannot create '%s': %s", fdir, strerror(-rc));
                goto out;
        }
        rc = figures(&d, err, errsize);
        if (rc < 0)
                goto out;
        rc = trend_check(h, &o->check, &d.check, e, sizeof(e));
        d.has_check = true;
        if (rc == -ENOMEM)
                goto out;
        if (rc < 0) {
                d.check_err = strdup(*e ? e : strerror(-rc));
                rc = d.check_err ? 0 : -ENOMEM;
                if (rc < 0)
                        goto out;
                trend_check_free(&d.check);
                d.has_check = false;
        }
        d.report = calloc(nlatest(&d) + 1, sizeof(*d.report));
        if (!d.report) {
                rc = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; o->session_reports && i < nlatest(&d) && !rc; i++)
                rc = session_report(&d, latest(&d, i), &d.report[i]);
        rc = rc ?: write_page(&d, err, errsize);
out:
        if (rc == -ENOMEM)
                snprintf(err, errsize, "out of memory");
        free(fdir);
        dash_free(&d);
        return rc;
}

void dashboard_result_free(struct dashboard_result *r)
{
        if (!r)
                return;
        free(r->index);
        free(r->notes);
        memset(r, 0, sizeof(*r));
}
