/* htmlreport: see htmlreport.h. The gathering first, then the page. */
#include "reports/htmlreport.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "bootlens_config.h"
#include "reports/json.h"
#include "reports/kline.h"
#include "reports/sessreport.h"

#define DEFAULT_TOP 20

static int set_err(char *err, size_t errsize, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int set_err(char *err, size_t errsize, int rc, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, errsize, fmt, ap);
        va_end(ap);
        return rc;
}

/* ---- paths ---- */

static bool exists(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0;
}

/* The path of target relative to the directory absdir (absolute, real),
 * malloc'd; NULL when target does not exist or on -ENOMEM. */
static char *rel_path(const char *absdir, const char *target)
{
        char *abs = realpath(target, NULL);
        struct sbuf sb = SBUF_INIT;
        size_t common = 0, i;

        if (!abs)
                return NULL;
        for (i = 0; absdir[i] && abs[i] == absdir[i]; i++)
                if (absdir[i] == '/')
                        common = i;
        if (!absdir[i] && (abs[i] == '/' || !abs[i]))
                common = i;
        for (const char *p = absdir + common; *p; p++)
                if (*p == '/')
                        sbuf_adds(&sb, "../");
        if (abs[common] == '/')
                sbuf_adds(&sb, abs + common + 1);
        else if (!sb.len)
                sbuf_adds(&sb, ".");
        free(abs);
        if (sb.len > 1 && sb.buf[sb.len - 1] == '/')
                sb.buf[--sb.len] = '\0';
        return sbuf_detach(&sb, NULL);
}

static const char *base_name(const char *p)
{
        const char *s = strrchr(p, '/');

        while (s && !s[1] && s > p) { /* "dir/" */
                const char *q = s - 1;

                while (q > p && *q != '/')
                        q--;
                if (*q == '/')
                        return q + 1;
                return p;
        }
        return s ? s + 1 : p;
}

/* NAME.json for input k: its base name and variant, in [A-Za-z0-9._-]. */
static char *json_name(const struct htmlreport *r, size_t k, const char *name)
{
        struct sbuf sb = SBUF_INIT;

        for (const char *p = name; *p && sb.len < 80; p++) {
                char c = *p;
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';

                sbuf_addch(&sb, ok ? c : '-');
        }
        if (!sb.len || sb.buf[0] == '.')
                sbuf_adds(&sb, "input");
        for (size_t i = 0; i < k; i++)
                if (r->in[i].json_name && !strncmp(r->in[i].json_name, sb.buf, sb.len) &&
                    !strcmp(r->in[i].json_name + sb.len, ".json")) {
                        sbuf_addf(&sb, "-%zu", k + 1);
                        break;
                }
        sbuf_adds(&sb, ".json");
        return sbuf_detach(&sb, NULL);
}

/* ---- warnings ---- */

static size_t text_hash(const char *s)
{
        uint64_t h = 1469598103934665603ull; /* FNV-1a */

        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                h = (h ^ *p) * 1099511628211ull;
        return (size_t)h;
}

/* The slot of msg in in->warns_index: its entry, or the free slot for it. */
static size_t *index_slot(struct htmlreport_input *in, const char *msg)
{
        size_t mask = in->index_cap - 1;

        for (size_t k = text_hash(msg) & mask;; k = (k + 1) & mask) {
                size_t e = in->warns_index[k];

                if (!e || !strcmp(in->warns[e - 1].msg, msg))
                        return &in->warns_index[k];
        }
}

/* Room for one more distinct text in warns and its index. */
static int warnings_grow(struct htmlreport_input *in)
{
        if (in->nwarns == in->warns_cap) {
                size_t nc = in->warns_cap ? 2 * in->warns_cap : 16;
                struct htmlreport_warning *nv = realloc(in->warns, nc * sizeof(*nv));

                if (!nv)
                        return -ENOMEM;
                in->warns = nv;
                in->warns_cap = nc;
        }
        if (2 * (in->nwarns + 1) > in->index_cap) {
                size_t nc = in->index_cap ? 2 * in->index_cap : 64;
                size_t *old = in->warns_index;

                in->warns_index = calloc(nc, sizeof(*in->warns_index));
                if (!in->warns_index) {
                        in->warns_index = old;
                        return -ENOMEM;
                }
                in->index_cap = nc;
                for (size_t i = 0; i < in->nwarns; i++)
                        *index_slot(in, in->warns[i].msg) = i + 1;
                free(old);
        }
        return 0;
}

static void warnings_clear(struct htmlreport_input *in)
{
        for (size_t i = 0; i < in->nwarns; i++) {
                free(in->warns[i].msg);
                free(in->warns[i].runs);
        }
        if (in->warns_index)
                memset(in->warns_index, 0, in->index_cap * sizeof(*in->warns_index));
        in->nwarns = in->nwarnings = 0;
}

/* One warning text of run (or FILE file) counted. */
static int add_warning(struct htmlreport_input *in, const char *msg, unsigned run, const char *file)
{
        struct htmlreport_warning *w;
        size_t *slot;
        int rc = warnings_grow(in);

        if (rc)
                return rc;
        slot = index_slot(in, msg);
        if (*slot) {
                w = &in->warns[*slot - 1];
        } else {
                w = &in->warns[in->nwarns];
                memset(w, 0, sizeof(*w));
                w->msg = strdup(msg);
                w->runs = strdup("");
                if (!w->msg || !w->runs) {
                        free(w->msg);
                        free(w->runs);
                        return -ENOMEM;
                }
                *slot = ++in->nwarns;
        }
        w->count++;
        in->nwarnings++;
        if (w->nruns && w->last == run)
                return 0;
        {
                char *nr = NULL;

                if (file ? asprintf(&nr, "%s", file) < 0
                         : asprintf(&nr, "%s%s%u", w->runs, w->nruns ? ", " : "", run) < 0)
                        return -ENOMEM;
                free(w->runs);
                w->runs = nr;
        }
        w->last = run;
        w->nruns++;
        return 0;
}

static struct htmlreport_run *find_run(struct htmlreport_input *in, unsigned run)
{
        for (size_t i = 0; i < in->nruns; i++)
                if (in->runs[i].run == run)
                        return &in->runs[i];
        return NULL;
}

static int set_damage(struct htmlreport_run *u, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int set_damage(struct htmlreport_run *u, const char *fmt, ...)
{
        char *d = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&d, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        free(u->damage);
        u->damage = d;
        return 0;
}

/* An analysed run's warnings and whether its dump is cut. */
static int take_run(struct htmlreport_input *in, struct htmlreport_run *u, const struct run *r,
                    const char *file)
{
        int rc = 0;

        for (size_t k = 0; k < r->trace.nwarns && !rc; k++)
                rc = add_warning(in, r->trace.warns[k].msg, u->run, file);
        u->nwarnings = r->trace.nwarns;
        u->analysed = true;
        if (!rc && r->trace.has_begin_marker && !r->trace.has_end_marker)
                rc = set_damage(u, "%s", "truncated capture: a dump begin line and no end line");
        return rc;
}

static int each_run(void *ctx, const struct runset_run *e, const struct run *r)
{
        struct htmlreport_input *in = ctx;
        struct htmlreport_run *u = find_run(in, e->run);

        return u ? take_run(in, u, r, NULL) : 0;
}

/* ---- a session input ---- */

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

static int run_links(const char *absdir, const char *sdir, struct htmlreport_run *u)
{
        char *p = NULL;
        int rc = session_run_path(sdir, u->run, ".console", &p);

        if (rc)
                return rc;
        if (exists(p))
                u->console_rel = rel_path(absdir, p);
        free(p);
        p = NULL;
        rc = session_run_path(sdir, u->run, ".serial", &p);
        if (rc)
                return rc;
        if (exists(p))
                u->serial_rel = rel_path(absdir, p);
        free(p);
        return 0;
}

/* Every recorded run of in->rs, before the analysis. */
static int list_runs(struct htmlreport_input *in, const char *absdir)
{
        in->runs = calloc(in->rs.n ? in->rs.n : 1, sizeof(*in->runs));
        if (!in->runs)
                return -ENOMEM;
        for (size_t i = 0; i < in->rs.n; i++) {
                const struct runset_run *e = &in->rs.v[i];
                struct htmlreport_run *u;
                int rc;

                if (e->readable && in->rs.variant && e->variant &&
                    strcmp(e->variant, in->rs.variant))
                        continue; /* SESSION:VARIANT: another variant's run */
                u = &in->runs[in->nruns++];
                u->run = e->run;
                u->readable = e->readable;
                u->damage = strdup("");
                if (!u->damage)
                        return -ENOMEM;
                if (e->readable) {
                        u->variant = dup_or_null(e->variant);
                        u->verdict = dup_or_null(e->verdict);
                        u->reason = dup_or_null(e->reason);
                } else if (in->sess) {
                        struct session_run sr;
                        char msg[256] = "";

                        if (session_run_read(in->sess, e->run, &sr, msg, sizeof(msg)) == 0)
                                session_run_free(&sr);
                        rc = set_damage(u, "unreadable run file: %s",
                                        *msg ? msg : "not a bootlens run");
                        if (rc)
                                return rc;
                }
                rc = run_links(absdir, in->rs.dir, u);
                if (rc)
                        return rc;
        }
        return 0;
}

/* The failed and the starved runs of the aggregate, marked in the run
 * list. */
static void mark_runs(struct htmlreport_input *in)
{
        for (size_t g = 0; g < in->agg.ngroups; g++) {
                const struct aggreport_group *gr = &in->agg.groups[g];

                for (size_t i = 0; i < gr->nruns; i++) {
                        const struct aggreport_run *ar = &gr->runs[i];
                        struct htmlreport_run *u = find_run(in, ar->run);

                        if (!u)
                                continue;
                        if (ar->starved) {
                                u->starved = true;
                                u->excluded = ar->excluded;
                                u->run_delay_ns = ar->run_delay_ns;
                                u->wall_ns = ar->wall_ns;
                                in->nstarved++;
                        }
                        if (!ar->failed)
                                continue;
                        u->failed = true;
                        if (!strcmp(gr->runs[i].reason,
                                    "no tslog record and no kernel log line in its capture"))
                                (void)set_damage(u, "%s", "its capture holds nothing to analyse");
                        else if (!strncmp(gr->runs[i].reason, SESSREPORT_UNREADABLE,
                                          strlen(SESSREPORT_UNREADABLE)))
                                (void)set_damage(u, "%s", gr->runs[i].reason);
                }
        }
}

/* Write input in's session analysis to DIR/NAME.json, collecting its
 * aggregate and warnings. A run whose capture cannot be read is a failed
 * run (sessreport's unreadable_failed), and damaged (mark_failed). */
static int session_json(struct htmlreport *r, struct htmlreport_input *in,
                        const struct htmlreport_options *o, char *err, size_t errsize)
{
        struct run_options defaults = {0};
        struct report_options rep = {.unit = REPORT_MS, .top = r->top, .max_warnings = 10};
        struct sessreport_options so = {.fmt = SESSREPORT_JSON,
                                        .exclude_starved = o->exclude_starved,
                                        .top = r->top,
                                        .each_run = each_run,
                                        .ctx = in,
                                        .unreadable_failed = true,
                                        .keep = &in->agg};
        struct sessreport_result res = {0};
        char *path = NULL;
        FILE *f;
        int rc;

        if (asprintf(&path, "%s/%s", r->dir, in->json_name) < 0)
                return -ENOMEM;
        f = fopen(path, "w");
        if (!f) {
                rc = -errno;
                set_err(err, errsize, rc, "cannot write '%s': %s", path, strerror(-rc));
                goto out;
        }
        rc = sessreport_write(f, &in->rs, &so, o->run ? o->run : &defaults, &rep, NULL, &res);
        if (fclose(f) != 0 && !rc)
                rc = -EIO;
        if (rc == -EINVAL && res.msg)
                set_err(err, errsize, rc, "%s", res.msg);
        else if (rc < 0 && rc != -ENOMEM && rc != -EIO && res.failed)
                set_err(err, errsize, rc, "%s: run %u: cannot analyse: %s", in->arg, res.failed,
                        strerror(-rc));
        else if (rc < 0)
                set_err(err, errsize, rc, "cannot write '%s': %s", path, strerror(-rc));
        free(res.msg);
out:
        free(path);
        if (rc == 0)
                mark_runs(in);
        return rc;
}

static int load_session(struct htmlreport *r, struct htmlreport_input *in, const char *absdir,
                        const struct htmlreport_options *o, char *err, size_t errsize)
{
        char msg[256] = "", *p = NULL;
        int rc = runset_open(in->arg, &in->rs, msg, sizeof(msg));

        if (rc == -ESRCH)
                return set_err(err, errsize, rc, "session '%s' has no variant '%s'", in->rs.dir,
                               in->rs.variant);
        if (rc < 0)
                return set_err(err, errsize, rc, "cannot open session '%s': %s", in->arg,
                               *msg ? msg : strerror(-rc));
        rc = session_open(in->rs.dir, &in->sess, msg, sizeof(msg));
        if (rc < 0)
                return set_err(err, errsize, rc, "cannot open session '%s': %s", in->arg,
                               *msg ? msg : strerror(-rc));
        if (asprintf(&in->name, "%s%s%s", base_name(in->rs.dir), in->rs.variant ? ":" : "",
                     in->rs.variant ? in->rs.variant : "") < 0) {
                in->name = NULL;
                return -ENOMEM;
        }
        in->json_name = json_name(r, (size_t)(in - r->in), in->name);
        in->dir_rel = rel_path(absdir, in->rs.dir);
        if (asprintf(&p, "%s/session.json", in->rs.dir) < 0)
                return -ENOMEM;
        in->session_json_rel = rel_path(absdir, p);
        free(p);
        if (!in->json_name)
                return -ENOMEM;
        rc = list_runs(in, absdir);
        return rc ? rc : session_json(r, in, o, err, errsize);
}

/* ---- a FILE input ---- */

static int load_file(struct htmlreport *r, struct htmlreport_input *in, const char *absdir,
                     const struct htmlreport_options *o, char *err, size_t errsize)
{
        struct run_options defaults = {0};
        struct aggreport_group *g;
        struct aggreport_run ar = {.run = 1, .file = in->arg, .verdict = "ok", .reason = ""};
        struct run run = {0};
        char *buf = NULL, *msg = NULL, *path = NULL;
        size_t len;
        bool opened;
        FILE *f;
        int rc = run_read_input(in->arg, &buf, &len, &opened);

        if (rc == -EISDIR)
                return set_err(err, errsize, -EINVAL,
                               "'%s' is a directory without session.json: not a session", in->arg);
        if (rc < 0)
                return set_err(err, errsize, rc == -ENOENT ? -ENOENT : rc,
                               "'%s' is neither a session nor a readable file: %s", in->arg,
                               strerror(-rc));
        in->name = strdup(base_name(in->arg));
        in->runs = calloc(1, sizeof(*in->runs));
        if (!in->name || !in->runs) {
                free(buf);
                return -ENOMEM;
        }
        in->json_name = json_name(r, (size_t)(in - r->in), in->name);
        in->dir_rel = rel_path(absdir, in->arg);
        in->nruns = 1;
        in->runs[0].run = 1;
        in->runs[0].readable = true;
        in->runs[0].verdict = strdup("ok");
        in->runs[0].reason = strdup("");
        in->runs[0].damage = strdup("");
        in->runs[0].console_rel = rel_path(absdir, in->arg);
        if (!in->json_name || !in->runs[0].verdict || !in->runs[0].reason || !in->runs[0].damage) {
                free(buf);
                return -ENOMEM;
        }
        rc = run_analyse(&run, in->arg, buf, len, o->run ? o->run : &defaults, NULL, &msg);
        if (rc == -ENODATA) {
                set_err(err, errsize, rc, "'%s': no tslog record and no kernel log line", in->arg);
                goto out;
        }
        if (rc == -EINVAL && msg) {
                set_err(err, errsize, rc, "%s", msg);
                goto out;
        }
        if (rc < 0)
                goto out;
        in->agg.top = r->top;
        g = aggreport_group(&in->agg, NULL);
        rc = g ? aggreport_add_run(g, &ar) : -ENOMEM;
        rc = rc ?: aggregate_add(&g->agg, &run, 1);
        rc = rc ?: aggreport_finish(&in->agg);
        rc = rc ?: take_run(in, &in->runs[0], &run, in->arg);
        if (rc)
                goto out;
        if (asprintf(&path, "%s/%s", r->dir, in->json_name) < 0) {
                rc = -ENOMEM;
                goto out;
        }
        f = fopen(path, "w");
        rc = f ? json_write(f, &run, r->top) : -errno;
        if (f && fclose(f) != 0 && !rc)
                rc = -EIO;
        if (rc)
                set_err(err, errsize, rc, "cannot write '%s': %s", path, strerror(-rc));
out:
        free(path);
        free(msg);
        run_free(&run);
        return rc;
}

/* ---- figures ---- */

/* s with every occurrence of from replaced by to, appended to sb. */
static void replace_all(struct sbuf *sb, const char *s, const char *from, const char *to)
{
        size_t fl = strlen(from);

        for (const char *p; (p = strstr(s, from)); s = p + fl) {
                sbuf_add(sb, s, (size_t)(p - s));
                sbuf_adds(sb, to);
        }
        sbuf_adds(sb, s);
}

/* The SVG file at path, ready to inline: from "<svg" on, its ids (and
 * what refers to them) prefixed with the figure's kind, so that two
 * figures on one page never share an id. NULL on error. */
static char *inline_svg(const char *path, const char *kind)
{
        static const char *const pat[][3] = {
            {"id='gp", "id='", "-gp"},         {"href='#gp", "href='#", "-gp"},
            {"url(#gp", "url(#", "-gp"},       {"id=\"gp", "id=\"", "-gp"},
            {"href=\"#gp", "href=\"#", "-gp"}, {"id=\"gnuplot_canvas\"", "id=\"", "-canvas\""},
        };
        char *data = NULL, *cur, *start;
        size_t len;

        if (util_read_file(path, &data, &len) < 0)
                return NULL;
        start = strstr(data, "<svg");
        if (!start) {
                free(data);
                return NULL;
        }
        cur = strdup(start);
        free(data);
        for (size_t k = 0; cur && k < sizeof(pat) / sizeof(pat[0]); k++) {
                struct sbuf sb = SBUF_INIT;
                char to[64];

                snprintf(to, sizeof(to), "%s%s%s", pat[k][1], kind, pat[k][2]);
                replace_all(&sb, cur, pat[k][0], to);
                free(cur);
                cur = sbuf_detach(&sb, NULL);
        }
        return cur;
}

/* The width attribute of the svg element at svg's start, in px; 0 when
 * there is none. */
static double svg_width(const char *svg)
{
        const char *end = strchr(svg, '>'), *w = strstr(svg, " width=\"");
        double px;

        if (!end || !w || w > end)
                return 0;
        px = strtod(w + 8, NULL);
        return px > 0 && px < 1e6 ? px : 0;
}

static int figure(struct htmlreport *r, const struct plot_data *d, const struct savings *sv,
                  enum plot_kind k, const struct htmlreport_options *o, const char *load_err)
{
        struct htmlreport_figure *f = &r->fig[r->nfig++];
        struct plot_options po = {.style = {.term = r->fmt == HTMLREPORT_MD ? GP_PNG : GP_SVG},
                                  .compare = o->compare};
        struct plot_result res = {0};
        size_t dl = strlen(r->dir);
        char err[512] = "", *path = NULL;
        int rc;

        f->kind = k;
        if (asprintf(&f->file, "figures/%s.%s", plot_kind_name(k),
                     r->fmt == HTMLREPORT_MD ? "png" : "svg") < 0) {
                f->file = NULL;
                return -ENOMEM;
        }
        f->note = strdup("");
        if (!f->note)
                return -ENOMEM;
        if (load_err) {
                f->missing = strdup(load_err);
                return f->missing ? 0 : -ENOMEM;
        }
        if (asprintf(&path, "%s/%s", r->dir, f->file) < 0)
                return -ENOMEM;
        rc = sv ? plot_savings_draw(sv, k, path, &po, &res, err, sizeof(err))
                : plot_draw(d, k, path, &po, &res, err, sizeof(err));
        if (rc == -ENOMEM)
                goto out;
        if (rc < 0) {
                f->missing = strdup(*err ? err : strerror(-rc));
                rc = f->missing ? 0 : -ENOMEM;
                goto out;
        }
        free(f->note);
        f->note = strdup(res.note ? res.note : "");
        f->files = calloc(res.nfiles ? res.nfiles : 1, sizeof(*f->files));
        if (!f->note || !f->files) {
                rc = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < res.nfiles; i++) {
                const char *p = res.files[i];

                if (!strncmp(p, r->dir, dl) && p[dl] == '/')
                        p += dl + 1;
                f->files[f->nfiles] = strdup(p);
                if (!f->files[f->nfiles++]) {
                        rc = -ENOMEM;
                        goto out;
                }
        }
        if (r->fmt == HTMLREPORT_HTML) {
                f->svg = inline_svg(path, plot_kind_name(k));
                if (!f->svg)
                        f->missing = strdup("the SVG gnuplot wrote does not read");
                else
                        f->svg_w = svg_width(f->svg);
        }
out:
        free(path);
        plot_result_free(&res);
        return rc;
}

static int figures(struct htmlreport *r, const struct htmlreport_options *o, char *errout,
                   size_t errsize)
{
        struct plot_load_options lo = {
            .run = o->run, .top = r->top, .exclude_starved = o->exclude_starved};
        struct plot_data d = {0};
        char err[512] = "", *fdir = NULL;
        unsigned before = gp_runs();
        int rc, loaded;

        if (asprintf(&fdir, "%s/figures", r->dir) < 0)
                return -ENOMEM;
        rc = util_mkdir_p(fdir, 0755);
        if (rc < 0)
                set_err(errout, errsize, rc, "cannot create '%s': %s", fdir, strerror(-rc));
        free(fdir);
        if (rc < 0)
                return rc;
        r->sweep_fig = SIZE_MAX;
        if (r->has_sweep) { /* first: the sweep's section shows it */
                r->sweep_fig = r->nfig;
                rc = figure(r, NULL, &r->sweep,
                            r->sweep.mode == SWEEP_CUMULATIVE ? PLOT_WATERFALL : PLOT_SAVINGS, o,
                            NULL);
                if (rc < 0)
                        return rc;
        }
        loaded = plot_data_load(&d, o->inputs, o->n, &lo, err, sizeof(err));
        rc = loaded == -ENOMEM ? loaded : 0;
        for (size_t k = 0; k < PLOT_SWEEP_KIND_0 && !rc; k++) {
                if (k == PLOT_DELTA && o->n != 2)
                        continue;
                rc = figure(r, &d, NULL, (enum plot_kind)k, o, loaded < 0 ? err : NULL);
        }
        r->gp_runs = gp_runs() - before;
        plot_data_free(&d);
        return rc == -ENOMEM ? rc : 0;
}

/* ---- a sweep session ---- */

/* How the report compares: o->compare, else compare's defaults with the
 * report's run options and --exclude-starved. */
static void compare_opts(const struct htmlreport_options *o, struct compare_options *co)
{
        if (o->compare) {
                *co = *o->compare;
                return;
        }
        memset(co, 0, sizeof(*co));
        stats_options_default(&co->stats);
        co->top = COMPARE_TOP_DEFAULT;
        co->exclude_starved = o->exclude_starved;
        co->run = o->run;
}

/* When the first input is a whole sweep session: what each knob saved,
 * and a link to each broken step's serial log. A sweep that cannot be
 * read or compared is said in sweep_note, not an error. */
static int sweep(struct htmlreport *r, const struct htmlreport_options *o, const char *absdir)
{
        const struct htmlreport_input *in = &r->in[0];
        struct compare_options co;
        struct sweep_plan plan;
        char err[512] = "";
        int rc;

        r->sweep_note = strdup("");
        if (!r->sweep_note)
                return -ENOMEM;
        if (!r->n || !in->is_session || in->rs.variant)
                return 0;
        rc = sweep_read(in->rs.dir, &plan, err, sizeof(err));
        sweep_plan_free(&plan);
        if (rc == -ENOENT)
                return 0;
        r->is_sweep = true;
        if (rc == 0) {
                compare_opts(o, &co);
                rc = savings_analyse(&r->sweep, in->rs.dir, &co, err, sizeof(err));
        }
        if (rc == -ENOMEM)
                return rc;
        r->has_sweep = rc == 0;
        if (rc < 0) {
                free(r->sweep_note);
                r->sweep_note = strdup(*err ? err : strerror(-rc));
                return r->sweep_note ? 0 : -ENOMEM;
        }
        r->sweep_serial = calloc(r->sweep.nsteps ? r->sweep.nsteps : 1, sizeof(*r->sweep_serial));
        if (!r->sweep_serial)
                return -ENOMEM;
        for (size_t i = 0; i < r->sweep.nsteps; i++)
                if (r->sweep.steps[i].failed_serial)
                        r->sweep_serial[i] = rel_path(absdir, r->sweep.steps[i].failed_serial);
        return 0;
}

/* ---- the whole ---- */

static int comparison(struct htmlreport *r, const struct htmlreport_options *o)
{
        struct compare_options co;
        char err[512] = "";
        int rc;

        if (o->n != 2) {
                r->compare_note = strdup("");
                return r->compare_note ? 0 : -ENOMEM;
        }
        if (!r->in[0].is_session || !r->in[1].is_session) {
                r->compare_note = strdup("a comparison needs two sessions (or SESSION:VARIANT)");
                return r->compare_note ? 0 : -ENOMEM;
        }
        compare_opts(o, &co);
        rc = compare_sessions(&r->cmp, o->inputs[0], o->inputs[1], &co, err, sizeof(err));
        if (rc == -ENOMEM)
                return rc;
        r->has_compare = rc == 0;
        r->compare_note = strdup(rc == 0 ? "" : *err ? err : strerror(-rc));
        return r->compare_note ? 0 : -ENOMEM;
}

int htmlreport_build(struct htmlreport *r, const struct htmlreport_options *o, char *err,
                     size_t errsize)
{
        char *absdir = NULL;
        int rc;

        memset(r, 0, sizeof(*r));
        snprintf(err, errsize, "out of memory");
        r->fmt = o->fmt;
        r->top = o->top ? o->top : DEFAULT_TOP;
        r->dir = strdup(o->dir);
        r->generated_from = strdup(o->generated_from ? o->generated_from : "");
        r->in = calloc(o->n ? o->n : 1, sizeof(*r->in));
        if (!r->dir || !r->generated_from || !r->in)
                return -ENOMEM;
        rc = util_mkdir_p(o->dir, 0755);
        if (rc == -EEXIST)
                return set_err(err, errsize, -ENOTDIR, "'%s' exists and is not a directory",
                               o->dir);
        if (rc < 0)
                return set_err(err, errsize, rc, "cannot create '%s': %s", o->dir, strerror(-rc));
        absdir = realpath(o->dir, NULL);
        if (!absdir)
                return set_err(err, errsize, -errno, "cannot open '%s': %s", o->dir,
                               strerror(errno));
        for (size_t i = 0; i < o->n; i++) {
                struct htmlreport_input *in = &r->in[r->n++];

                in->arg = strdup(o->inputs[i]);
                if (!in->arg) {
                        rc = -ENOMEM;
                        goto out;
                }
                in->is_session = runset_is_session(in->arg);
                rc = in->is_session ? load_session(r, in, absdir, o, err, errsize)
                                    : load_file(r, in, absdir, o, err, errsize);
                if (rc)
                        goto out;
        }
        rc = comparison(r, o);
        rc = rc ?: sweep(r, o, absdir);
        rc = rc ?: figures(r, o, err, errsize);
out:
        free(absdir);
        return rc;
}

static void free_input(struct htmlreport_input *in)
{
        for (size_t i = 0; i < in->nruns; i++) {
                struct htmlreport_run *u = &in->runs[i];

                free(u->variant);
                free(u->verdict);
                free(u->reason);
                free(u->damage);
                free(u->console_rel);
                free(u->serial_rel);
        }
        warnings_clear(in);
        free(in->warns);
        free(in->warns_index);
        free(in->runs);
        aggreport_free(&in->agg);
        runset_free(&in->rs);
        session_free(in->sess);
        free(in->arg);
        free(in->name);
        free(in->json_name);
        free(in->dir_rel);
        free(in->session_json_rel);
}

void htmlreport_free(struct htmlreport *r)
{
        if (!r)
                return;
        for (size_t i = 0; i < r->n; i++)
                free_input(&r->in[i]);
        for (size_t i = 0; i < r->nfig; i++) {
                struct htmlreport_figure *f = &r->fig[i];

                free(f->file);
                free(f->svg);
                free(f->note);
                free(f->missing);
                for (size_t k = 0; k < f->nfiles; k++)
                        free(f->files[k]);
                free(f->files);
        }
        free(r->in);
        free(r->dir);
        free(r->generated_from);
        free(r->compare_note);
        compare_free(&r->cmp);
        for (size_t i = 0; r->sweep_serial && i < r->sweep.nsteps; i++)
                free(r->sweep_serial[i]);
        free(r->sweep_serial);
        free(r->sweep_note);
        savings_free(&r->sweep);
        memset(r, 0, sizeof(*r));
}

const struct htmlreport_input *htmlreport_same_session(const struct htmlreport *r, size_t i)
{
        const struct htmlreport_input *in = &r->in[i];

        for (size_t k = 0; k < i && in->is_session; k++)
                if (r->in[k].is_session && !strcmp(r->in[k].rs.dir, in->rs.dir))
                        return &r->in[k];
        return NULL;
}

int htmlreport_starved_why(struct sbuf *sb, const struct htmlreport_run *u)
{
        struct aggreport_run ar = {.run_delay_ns = u->run_delay_ns, .wall_ns = u->wall_ns};
        char why[160];

        aggreport_starved_why(why, sizeof(why), &ar);
        return sbuf_adds(sb, why);
}

const char *htmlreport_overall(const struct compare *c)
{
        if (c->verdicts[STATS_SLOWER])
                return "slower";
        if (c->verdicts[STATS_FASTER])
                return "faster";
        if (c->n && c->verdicts[STATS_SAME] == c->n)
                return "same";
        return "inconclusive";
}

/* ---- escaping ---- */

int htmlreport_escape(struct sbuf *sb, const char *s)
{
        const unsigned char *p = (const unsigned char *)(s ? s : "");
        const unsigned char *end = p + strlen((const char *)p);
        int rc = 0;

        while (*p && !rc) {
                size_t n = util_utf8_len(p, (size_t)(end - p));

                switch (*p) {
                case '&':
                        rc = sbuf_adds(sb, "&amp;");
                        break;
                case '<':
                        rc = sbuf_adds(sb, "&lt;");
                        break;
                case '>':
                        rc = sbuf_adds(sb, "&gt;");
                        break;
                case '"':
                        rc = sbuf_adds(sb, "&quot;");
                        break;
                case '\'':
                        rc = sbuf_adds(sb, "&#39;");
                        break;
                default:
                        if (!n || (*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f ||
                            (*p == 0xc2 && p[1] < 0xa0)) { /* C0, DEL, C1 */
                                rc = sbuf_adds(sb, "\xef\xbf\xbd");
                                n = 1;
                        } else {
                                rc = sbuf_add(sb, p, n);
                        }
                        p += n;
                        continue;
                }
                p++;
        }
        return rc;
}

int htmlreport_href(struct sbuf *sb, const char *s)
{
        static const char hex[] = "0123456789ABCDEF";
        int rc = 0;

        for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
                unsigned char c = *p;

                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
                        rc = sbuf_addch(sb, (char)c);
                else
                        rc = sbuf_addf(sb, "%%%c%c", hex[c >> 4], hex[c & 15]);
        }
        return rc;
}

/* ---- the page ---- */

static const char css[] =
    ":root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--alt:#f6f8fa;"
    "--slower:#b3261e;--faster:#1a7f37}\n"
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,"
    "'DejaVu Sans',sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;"
    "max-width:1200px;padding:1.5rem 2rem;line-height:1.45;font-size:15px}\n"
    "h1{font-size:1.7rem;margin:0 0 .3rem}h2{font-size:1.3rem;margin-top:2.2rem;"
    "border-bottom:1px solid var(--line);padding-bottom:.3rem}h3{font-size:1.05rem;"
    "margin:1.4rem 0 .4rem}\n"
    "a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}\n"
    "a.anchor{color:var(--muted);font-weight:normal;margin-left:.4rem;font-size:.85em}\n"
    "p.meta,.note,figcaption{color:var(--muted)}p.meta{margin:.15rem 0}\n"
    "nav ul{columns:2;padding-left:1.2rem;margin:.5rem 0}\n"
    "table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:13px;"
    "font-variant-numeric:tabular-nums}\n"
    "th,td{border-bottom:1px solid var(--line);padding:.25rem .6rem;text-align:left;"
    "vertical-align:top}\n"
    "th{background:var(--alt);font-weight:600}\n"
    "td.num,th.num{text-align:right}td.num{white-space:nowrap}\n"
    "tr:nth-child(even) td{background:#fbfcfd}\n"
    "td.name{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;"
    "white-space:nowrap}\ntd.spec{font-family:ui-monospace,monospace;white-space:nowrap}\n"
    "div.scroll{overflow-x:auto;max-width:100%;margin:.4rem 0 1rem}div.scroll>table{margin:0}\n"
    "table.warnings td.name,table.env td{white-space:normal;overflow-wrap:anywhere;"
    "min-width:12rem}\n"
    ".starved{color:var(--slower);font-weight:600}\n"
    "td.indent1{padding-left:1.6rem}td.indent2{padding-left:2.8rem}\n"
    ".slower{color:var(--slower);font-weight:600}.faster{color:var(--faster);font-weight:600}\n"
    "code,.mono{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;"
    "font-size:.92em;overflow-wrap:anywhere}\n"
    "figure.figure{margin:1rem 0 2rem;padding:0}\n"
    "figure.figure svg{max-width:100%;height:auto;display:block;margin:0 auto;"
    "border:1px solid var(--line);background:#fff}\n"
    "figure.figure img{max-width:100%}\n"
    ".missing{border:1px dashed var(--line);padding:1rem;color:var(--muted);background:"
    "var(--alt)}\n"
    ".verdict{font-size:1.1rem;margin:.4rem 0}\n"
    "footer{margin-top:3rem;color:var(--muted);font-size:.85rem;border-top:1px solid "
    "var(--line);padding-top:.6rem}\n"
    "@media print{body{max-width:none;padding:0;font-size:11pt}a{color:inherit}"
    "a.anchor,nav{display:none}h2{break-after:avoid}figure.figure,table{break-inside:"
    "avoid}}\n";

struct page {
        struct sbuf sb;
        const struct htmlreport *r;
        int rc;
};

/* Markup (trusted text, printf-formatted). */
static void put(struct page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct page *p, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        if (!p->rc)
                p->rc = sbuf_vaddf(&p->sb, fmt, ap);
        va_end(ap);
}

/* Untrusted text. */
static void text(struct page *p, const char *s)
{
        if (!p->rc)
                p->rc = htmlreport_escape(&p->sb, s ? s : "unknown");
}

/* A link to the relative URL rel, its text s (NULL: rel). */
static void put_link(struct page *p, const char *rel, const char *s)
{
        if (!rel) {
                text(p, s ? s : "-");
                return;
        }
        put(p, "<a href=\"");
        if (!p->rc)
                p->rc = htmlreport_href(&p->sb, rel);
        put(p, "\">");
        text(p, s ? s : rel);
        put(p, "</a>");
}

/* A heading with an anchor to id. */
static void heading(struct page *p, int level, const char *id, const char *title)
{
        put(p, "<h%d>", level);
        text(p, title);
        put(p, "<a class=\"anchor\" href=\"#%s\" title=\"link to this\">#</a></h%d>\n", id, level);
}

/* "aggregate", "aggregate-2", ...: the id of the k-th thing of a kind
 * (input i, counted from 0). */
static const char *nth_id(char *buf, size_t size, const char *what, size_t i)
{
        if (i == 0)
                snprintf(buf, size, "%s", what);
        else
                snprintf(buf, size, "%s-%zu", what, i + 1);
        return buf;
}

static void td_ms(struct page *p, double ns)
{
        put(p, "<td class=\"num\">%.3f</td>", ns / 1e6);
}

static void td_range(struct page *p, double lo, double hi)
{
        put(p, "<td class=\"num\">%.3f – %.3f</td>", lo / 1e6, hi / 1e6);
}

static void metric_row(struct page *p, const struct aggregate *a, const struct aggregate_metric *m)
{
        const struct metric_series *s = m->s;

        put(p, "<tr><td class=\"name\">");
        text(p, s->name);
        put(p, "</td><td class=\"num\">");
        if (s->present == s->n)
                put(p, "%zu", s->present);
        else
                put(p, "%zu/%zu", s->present, s->n);
        put(p, "</td>");
        td_ms(p, m->sum.median);
        td_range(p, m->sum.q25, m->sum.q75);
        td_range(p, m->sum.p10, m->sum.p90);
        td_range(p, m->sum.min, m->sum.max);
        if (aggreport_shows_ci(m)) {
                put(p, "<td class=\"num\">%.3f – %.3f", m->ci.lo / 1e6, m->ci.hi / 1e6);
                if (m->ci.coverage < AGGREGATE_CI_LEVEL)
                        put(p, " (%.1f%%)", 100 * m->ci.coverage);
                put(p, "</td>");
        } else {
                put(p, "<td class=\"num\">-</td>");
        }
        put(p, "<td>");
        for (size_t k = 0, shown = 0; k < s->present; k++) {
                if (!m->outlier[k])
                        continue;
                put(p, "%s%u", shown++ ? ", " : "", aggregate_run_id(a, m, k));
        }
        put(p, "</td></tr>\n");
}

static void aggregate_group(struct page *p, const struct htmlreport_input *in,
                            const struct aggreport_group *g, const char *id)
{
        const struct aggregate *a = &g->agg;
        size_t nfn = 0, nself = 0, left = 0, none = 0;
        struct sbuf t = SBUF_INIT;

        if (in->is_session && g->variant)
                sbuf_addf(&t, "%s, variant %s", in->name, g->variant);
        else
                sbuf_addf(&t, "%s", in->name);
        heading(p, 3, id, t.buf);
        sbuf_release(&t);
        put(p, "<p class=\"meta\">%zu ok run%s", g->nok, g->nok == 1 ? "" : "s");
        if (g->nfailed)
                put(p, ", %zu failed", g->nfailed);
        if (g->nstarved)
                put(p, ", %zu starved by the host", g->nstarved);
        if (g->nexcluded)
                put(p, " (%zu left out: --exclude-starved)", g->nexcluded);
        put(p, "; times in ms; the 95%% CI of the median by order statistics (its coverage "
               "when below 95%%)</p>\n");
        if (!a->n) {
                put(p, "<p class=\"note\" id=\"%s\">no metric: no ok run</p>\n", id);
                return;
        }
        put(p,
            "<div class=\"scroll\"><table id=\"%s\" class=\"aggregate\"><thead><tr><th>metric</th>"
            "<th class=\"num\">n</th><th class=\"num\">median</th><th class=\"num\">IQR "
            "(q25 – q75)</th><th class=\"num\">p10 – p90</th><th class=\"num\">min – max</th>"
            "<th class=\"num\">95%% CI of median</th><th>outlier runs</th></tr></thead><tbody>\n",
            id);
        for (size_t i = 0; i < a->n; i++) {
                if (!a->v[i].s->present)
                        none++;
                else if (aggreport_in_table(&a->v[i], p->r->top, &nfn, &nself))
                        metric_row(p, a, &a->v[i]);
                else
                        left++;
        }
        put(p, "</tbody></table></div>\n");
        if (none) {
                put(p, "<p class=\"note\">unavailable in every run: ");
                for (size_t i = 0, k = 0; i < a->n; i++) {
                        if (a->v[i].s->present)
                                continue;
                        put(p, "%s", k++ ? ", " : "");
                        text(p, a->v[i].s->name);
                }
                put(p, "</p>\n");
        }
        if (left) {
                put(p, "<p class=\"note\">%zu more function metric%s in ", left,
                    left == 1 ? "" : "s");
                put_link(p, in->json_name, NULL);
                put(p, "</p>\n");
        }
}

static void section_aggregate(struct page *p)
{
        char id[64];
        size_t k = 0;

        put(p, "<section id=\"sec-aggregate\">\n");
        heading(p, 2, "sec-aggregate", "Aggregate");
        put(p,
            "<p>Every ok run of each input through the one analysis, as <code>bootlens "
            "analyze</code> prints it: the total (QEMU's spawn to its exit, host-timed), "
            "every phase and the top %zu functions by median.</p>\n",
            p->r->top);
        for (size_t i = 0; i < p->r->n; i++)
                for (size_t g = 0; g < p->r->in[i].agg.ngroups; g++)
                        aggregate_group(p, &p->r->in[i], &p->r->in[i].agg.groups[g],
                                        nth_id(id, sizeof(id), "aggregate", k++));
        put(p, "</section>\n");
}

static const char *const captions[PLOT_NKINDS] = {
    "Median phase times per group, stacked, with the 95% CI of each phase's median and the "
    "total at the end of the bar",
    "The spread of each phase across the runs: box Q1–Q3, median line, whiskers to 1.5 IQR, "
    "outliers marked",
    "The empirical CDF of the total boot time, one line per group",
    "One boot on one time axis: the phases on the top row, the functions below as a flame "
    "chart in time order",
    "The change NEW − BASE per phase and top function, with its 95% CI, coloured by verdict",
    "The median total from the baseline through each cumulative step to the final total: each "
    "step's change with its 95% CI, coloured by verdict",
    "What each knob saved against its reference, sorted, with its 95% CI, coloured by "
    "verdict",
};

/* A figure's note, one line a clause: "a; b; c." */
static void note_lines(struct page *p, const char *note)
{
        struct sbuf line = SBUF_INIT;
        size_t k = 0;

        for (const char *s = note; *s;) {
                size_t n = strcspn(s, "\n");

                while (n && (s[n - 1] == ' ' || s[n - 1] == '.'))
                        n--;
                if (n) {
                        sbuf_reset(&line);
                        sbuf_add(&line, s, n);
                        put(p, "%s", k++ ? "; " : "");
                        text(p, line.buf);
                }
                s += strcspn(s, "\n");
                if (*s)
                        s++;
        }
        if (k)
                put(p, ".");
        sbuf_release(&line);
}

/* Every figure is shown at its width's share of the widest (at least
 * FIGURE_PAGE_PX, the page's width), so that all are scaled by one factor
 * and their text reads at one size, whatever the window's width. */
#define FIGURE_PAGE_PX 1200.0

/* The widest figure's width, at least the page's. */
static double figures_widest(const struct htmlreport *r)
{
        double widest = FIGURE_PAGE_PX;

        for (size_t i = 0; i < r->nfig; i++)
                if (r->fig[i].svg_w > widest)
                        widest = r->fig[i].svg_w;
        return widest;
}

/* One figure: the SVG inline (or why it is missing), its caption, note
 * and files. */
static void figure_html(struct page *p, const struct htmlreport_figure *f, double widest)
{
        const char *kind = plot_kind_name(f->kind);
        char id[32];

        snprintf(id, sizeof(id), "fig-%s", kind);
        put(p, "<figure id=\"%s\" class=\"figure\">\n", id);
        if (f->missing) {
                put(p, "<div class=\"missing\">figure not drawn: ");
                text(p, f->missing);
                put(p, "</div>\n");
        } else if (f->svg && f->svg_w > 0) {
                put(p, "<svg style=\"width:%.2f%%\"%s\n", 100.0 * f->svg_w / widest, f->svg + 4);
        } else if (f->svg) {
                put(p, "%s\n", f->svg);
        }
        put(p,
            "<figcaption><a class=\"anchor\" href=\"#%s\">#</a> <strong>%s</strong>: "
            "%s.",
            id, kind, captions[f->kind]);
        if (*f->note) {
                put(p, " <span class=\"figure-note\">");
                note_lines(p, f->note);
                put(p, "</span>");
        }
        if (f->nfiles) {
                put(p, " Files:");
                for (size_t k = 0; k < f->nfiles; k++) {
                        put(p, k ? ", " : " ");
                        put_link(p, f->files[k], base_name(f->files[k]));
                }
        }
        put(p, "</figcaption>\n</figure>\n");
}

static void section_figures(struct page *p)
{
        double widest = figures_widest(p->r);

        put(p, "<section id=\"sec-figures\">\n");
        heading(p, 2, "sec-figures", "Figures");
        for (size_t i = 0; i < p->r->nfig; i++)
                if (!p->r->has_sweep || i != p->r->sweep_fig)
                        figure_html(p, &p->r->fig[i], widest);
        put(p, "</section>\n");
}

/* ---- a sweep's table (analyzer/savings.h), as 'bootlens sweep' ---- */

static void sweep_ms(struct page *p, double ns, bool sign)
{
        if (isnan(ns))
                put(p, "<td class=\"num\">-</td>");
        else if (sign)
                put(p, "<td class=\"num\">%+.1f</td>", ns / 1e6);
        else
                put(p, "<td class=\"num\">%.1f</td>", ns / 1e6);
}

/* A phase or function that moved: "name +12.3 ms (faster)". */
static void sweep_moved(struct page *p, const struct savings_moved *m)
{
        text(p, m->name);
        put(p, " %+.1f ms (%s)", m->diff_ns / 1e6, stats_verdict_name(m->verdict));
}

static void sweep_row(struct page *p, const struct savings *s, size_t i,
                      const struct savings_step *st, const char *serial)
{
        const char *cls = st->verdict == STATS_SLOWER   ? "slower"
                          : st->verdict == STATS_FASTER ? "faster"
                                                        : "";

        put(p, "<tr><td class=\"name\">");
        text(p, st->name);
        if (st->host_timed)
                put(p, " <span class=\"note\">(host-timed)</span>");
        put(p, "</td><td class=\"spec\">");
        text(p, st->spec ? st->spec : i ? "" : "the baseline");
        put(p, "</td><td class=\"name\">");
        if (i)
                text(p, st->against < s->nsteps ? s->steps[st->against].name : "?");
        put(p, "</td><td class=\"num\">%zu/%zu</td>", st->ok, st->recorded);
        sweep_ms(p, st->median_ns, false);
        if (st->broken) {
                struct sbuf why = SBUF_INIT;

                if (plot_broken_why(&why, st) < 0)
                        p->rc = -ENOMEM;
                put(p, "<td colspan=\"6\" class=\"slower\">broken (");
                text(p, why.buf);
                put(p, ")");
                sbuf_release(&why);
                if (st->failed_reason && *st->failed_reason) {
                        put(p, ": ");
                        text(p, st->failed_reason);
                }
                if (serial) {
                        put(p, "; serial log ");
                        put_link(p, serial, base_name(serial));
                }
                put(p, "</td></tr>\n");
                return;
        }
        if (!st->compared) {
                put(p, "<td colspan=\"6\" class=\"note\">%s</td></tr>\n",
                    i == 0 ? "the reference" : "not compared: its reference is broken");
                return;
        }
        sweep_ms(p, st->saving_ns, true);
        if (isnan(st->saving_lo_ns))
                put(p, "<td class=\"num\">-</td>");
        else
                put(p, "<td class=\"num\">%+.1f – %+.1f</td>", st->saving_lo_ns / 1e6,
                    st->saving_hi_ns / 1e6);
        if (isnan(st->rel))
                put(p, "<td class=\"num\">-</td>");
        else
                put(p, "<td class=\"num\">%+.1f%%</td>", st->rel * 100);
        put(p, "<td class=\"num\">%.4f</td><td class=\"%s\">%s", st->p_holm, cls,
            stats_verdict_name(st->verdict));
        if (st->verdict == STATS_INCONCLUSIVE && st->runs_needed)
                put(p, " (~%zu runs/side)", st->runs_needed);
        put(p, "</td><td class=\"name\">");
        if (st->phase.name)
                sweep_moved(p, &st->phase);
        for (size_t k = 0; k < st->nfns; k++) {
                put(p, "%s", k || st->phase.name ? "<br>" : "");
                put(p, "fn ");
                sweep_moved(p, &st->fns[k]);
        }
        put(p, "</td></tr>\n");
}

static void section_sweep(struct page *p)
{
        const struct htmlreport *r = p->r;
        const struct savings *s = &r->sweep;

        if (!r->is_sweep)
                return;
        put(p, "<section id=\"sec-sweep\">\n");
        heading(p, 2, "sec-sweep", "Sweep: what each knob saves");
        if (!r->has_sweep) {
                put(p, "<p class=\"note\" id=\"sweep\">no sweep table: ");
                text(p, r->sweep_note);
                put(p, "</p>\n</section>\n");
                return;
        }
        put(p, "<p>As <code>bootlens sweep</code> computes it: mode <strong>%s</strong>",
            sweep_mode_name(s->mode));
        if (s->preset) {
                put(p, ", preset <strong>");
                text(p, s->preset);
                put(p, "</strong>");
        }
        put(p,
            "; each step compared against %s with <code>bootlens compare</code>'s test "
            "(saving = the reference's median total − the step's; &gt; 0: faster; a "
            "host-timed knob against the baseline, by the host's total alone).</p>\n",
            s->mode == SWEEP_EACH ? "the baseline" : "the step before");
        heading(p, 3, "sweep", "Steps");
        put(p, "<div class=\"scroll\"><table id=\"sweep\"><thead><tr><th>step</th><th>spec</th>"
               "<th>against</th><th class=\"num\">ok/runs</th><th class=\"num\">median "
               "ms</th><th class=\"num\">saving ms</th><th class=\"num\">95%% CI (ms)</th>"
               "<th class=\"num\">rel</th><th class=\"num\">p (Holm)</th><th>verdict</th>"
               "<th>what moved (phase, functions)</th></tr></thead><tbody>\n");
        for (size_t i = 0; i < s->nsteps; i++)
                sweep_row(p, s, i, &s->steps[i], r->sweep_serial ? r->sweep_serial[i] : NULL);
        if (s->has_overall)
                sweep_row(p, s, s->nsteps, &s->overall, NULL);
        put(p, "</tbody></table></div>\n");
        if (s->kernels_differ) { /* a knob changes the kernel: each step's size */
                struct sbuf sb = SBUF_INIT;

                put(p, "<p class=\"meta\" id=\"sweep-kernel\"><strong>kernel</strong> "
                       "(loaded size; each step against its reference):");
                for (size_t i = 0; i < s->nsteps && !p->rc; i++) {
                        sbuf_reset(&sb);
                        if (i == 0 && s->steps[0].kernel.known)
                                p->rc =
                                    sbuf_addf(&sb, "%.1f MiB",
                                              (double)s->steps[0].kernel.loaded_size / 1048576.0);
                        else
                                p->rc = kline_delta(&sb, &s->steps[s->steps[i].against].kernel,
                                                    &s->steps[i].kernel);
                        put(p, "%s ", i ? ";" : "");
                        text(p, s->steps[i].name);
                        put(p, " ");
                        text(p, sb.buf);
                }
                put(p, "</p>\n");
                sbuf_release(&sb);
        }
        if (r->sweep_fig < r->nfig)
                figure_html(p, &r->fig[r->sweep_fig], figures_widest(r));
        put(p, "</section>\n");
}

static void cmp_ms(struct page *p, double ns, bool sign)
{
        if (isnan(ns))
                put(p, "<td class=\"num\">-</td>");
        else
                put(p, sign ? "<td class=\"num\">%+.3f</td>" : "<td class=\"num\">%.3f</td>",
                    ns / 1e6);
}

static void compare_row(struct page *p, const struct compare_metric *m)
{
        const char *v = stats_verdict_name(m->c.verdict);
        const char *cls = m->c.verdict == STATS_SLOWER   ? "slower"
                          : m->c.verdict == STATS_FASTER ? "faster"
                                                         : "";

        put(p, "<tr><td class=\"name%s\">",
            m->kind == COMPARE_FN      ? (m->phase ? " indent2" : " indent1")
            : m->kind == COMPARE_PHASE ? " indent1"
                                       : "");
        if (m->kind == COMPARE_PHASE)
                put(p, "phase ");
        text(p, m->name);
        if (m->kind == COMPARE_FN && (m->present_a < m->na || m->present_b < m->nb))
                put(p, " <span class=\"note\">(in %zu/%zu and %zu/%zu runs)</span>", m->present_a,
                    m->na, m->present_b, m->nb);
        put(p, "</td>");
        cmp_ms(p, m->c.median_a, false);
        put(p, "<td class=\"num\">%zu</td>", m->na);
        cmp_ms(p, m->c.median_b, false);
        put(p, "<td class=\"num\">%zu</td>", m->nb);
        cmp_ms(p, m->c.diff, true);
        if (isnan(m->c.ci.lo))
                put(p, "<td class=\"num\">-</td>");
        else
                put(p, "<td class=\"num\">%+.3f – %+.3f</td>", m->c.ci.lo / 1e6, m->c.ci.hi / 1e6);
        if (isnan(m->c.rel))
                put(p, "<td class=\"num\">-</td>");
        else
                put(p, "<td class=\"num\">%+.1f%%</td>", m->c.rel * 100);
        put(p, "<td class=\"num\">%.4f</td><td class=\"%s\">%s", m->c.p_holm, cls, v);
        if (m->c.verdict == STATS_INCONCLUSIVE && m->c.runs_needed)
                put(p, " (~%zu runs/side)", m->c.runs_needed);
        else if (m->c.verdict == STATS_INCONCLUSIVE && (!m->na || !m->nb))
                put(p, " (one side lacks it)");
        put(p, "</td></tr>\n");
}

static void section_compare(struct page *p)
{
        const struct compare *c = &p->r->cmp;
        const struct stats_options *s = &c->stats;
        size_t *order;

        if (p->r->n != 2)
                return;
        put(p, "<section id=\"sec-compare\">\n");
        heading(p, 2, "sec-compare", "Comparison");
        if (!p->r->has_compare) {
                heading(p, 3, "compare", "Metrics");
                put(p, "<p class=\"note\" id=\"compare\">no comparison: ");
                text(p, p->r->compare_note);
                put(p, "</p>\n</section>\n");
                return;
        }
        put(p, "<p>As <code>bootlens compare BASE NEW</code>: base <strong>");
        text(p, c->base.ref);
        put(p, "</strong> (%zu runs compared of %zu ok), new <strong>", c->base.used, c->base.ok);
        text(p, c->new.ref);
        put(p, "</strong> (%zu of %zu ok).</p>\n", c->new.used, c->new.ok);
        put(p,
            "<p class=\"verdict\">Overall: <span class=\"%s\">%s</span>: %zu metric%s, %zu "
            "slower, %zu faster, %zu same, %zu inconclusive.</p>\n",
            htmlreport_overall(c), htmlreport_overall(c), c->n, c->n == 1 ? "" : "s",
            c->verdicts[STATS_SLOWER], c->verdicts[STATS_FASTER], c->verdicts[STATS_SAME],
            c->verdicts[STATS_INCONCLUSIVE]);
        put(p,
            "<p class=\"meta\">the total, %zu phase%s, the top %zu of %zu functions by median; "
            "verdict: Holm-adjusted Mann-Whitney p &lt; %g and |diff| &gt; max(%.3f ms, %g%%) of "
            "base; %.0f%% bootstrap CI of the difference, %zu resamples, seed %llu</p>\n",
            c->nphases, c->nphases == 1 ? "" : "s", c->nfns, c->fn_candidates, s->alpha,
            s->min_abs / 1e6, s->min_rel * 100, s->level * 100, s->B, (unsigned long long)s->seed);
        for (size_t i = 0; i < c->nenvdiff; i++) {
                put(p, "<p class=\"note\"><strong>the environments differ</strong> in %s: base ",
                    c->envdiff[i].what);
                text(p, c->envdiff[i].base);
                put(p, ", new ");
                text(p, c->envdiff[i].new);
                put(p, " (bootlens compare refuses this without --force)</p>\n");
        }
        if (ksize_differ(&c->base.kernel, &c->new.kernel)) {
                struct sbuf sb = SBUF_INIT;

                if (!p->rc)
                        p->rc = kline_text(&sb, &c->base.kernel, &c->new.kernel);
                put(p, "<p class=\"meta\" id=\"compare-kernel\"><strong>kernel</strong> ");
                text(p, sb.buf);
                put(p, "</p>\n");
                sbuf_release(&sb);
        }
        order = malloc((c->n ? c->n : 1) * sizeof(*order));
        if (!order || compare_order(c, order) < 0) {
                free(order);
                p->rc = -ENOMEM;
                return;
        }
        heading(p, 3, "compare", "Metrics");
        put(p, "<div class=\"scroll\"><table id=\"compare\"><thead><tr><th>metric (phase, then its "
               "functions)</th>"
               "<th class=\"num\">base ms</th><th class=\"num\">n</th><th class=\"num\">new "
               "ms</th><th class=\"num\">n</th><th class=\"num\">diff ms</th><th "
               "class=\"num\">95%% CI of diff (ms)</th><th class=\"num\">rel</th><th "
               "class=\"num\">p (Holm)</th><th>verdict</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < c->n; k++)
                compare_row(p, &c->m[order[k]]);
        put(p, "</tbody></table></div>\n</section>\n");
        free(order);
}

static void env_row(struct page *p, const char *what, const char *v)
{
        put(p, "<tr><th>%s</th><td class=\"mono\">", what);
        text(p, v);
        put(p, "</td></tr>\n");
}

static void env_file(struct page *p, const char *what, const struct session_file *f)
{
        put(p, "<tr><th>%s</th><td class=\"mono\">", what);
        if (!f->path) {
                put(p, "none</td></tr>\n");
                return;
        }
        text(p, f->path);
        put(p, "<br>sha256 ");
        text(p, f->sha256);
        put(p, ", %llu bytes</td></tr>\n", (unsigned long long)f->size);
}

static void env_args(struct page *p, const char *what, char *const *v, size_t n)
{
        put(p, "<tr><th>%s</th><td class=\"mono\">", what);
        for (size_t k = 0; k < n; k++) {
                put(p, "%s", k ? " " : "");
                text(p, v[k]);
        }
        if (!n)
                put(p, "none");
        put(p, "</td></tr>\n");
}

static void env_input(struct page *p, const struct htmlreport_input *in, const char *id)
{
        const struct htmlreport_input *same =
            htmlreport_same_session(p->r, (size_t)(in - p->r->in));
        const struct session_info *si;
        struct sbuf t = SBUF_INIT;
        char b[64];

        heading(p, 3, id, in->name);
        if (!in->sess) {
                put(p,
                    "<p class=\"note\" id=\"%s\">a capture file: no environment is recorded "
                    "with it</p>\n",
                    id);
                return;
        }
        if (same) {
                put(p, "<p class=\"note\" id=\"%s\">the same session as ", id);
                text(p, same->name);
                put(p, ": its environment is above</p>\n");
                return;
        }
        si = session_info(in->sess);
        put(p, "<div class=\"scroll\"><table id=\"%s\" class=\"env\"><tbody>\n", id);
        env_row(p, "session", si->id);
        env_row(p, "created (UTC)", si->created);
        sbuf_addf(&t, "%s %s", si->tool_name ? si->tool_name : "?",
                  si->tool_version ? si->tool_version : "?");
        env_row(p, "recorded by", t.buf);
        sbuf_reset(&t);
        env_row(p, "host", si->host.hostname);
        sbuf_addf(&t, "%s (%ld CPUs)", si->host.cpu_model ? si->host.cpu_model : "unknown",
                  si->host.cpus);
        env_row(p, "host CPU", t.buf);
        sbuf_reset(&t);
        sbuf_addf(&t, "%s %s %s", si->host.os ? si->host.os : "",
                  si->host.kernel ? si->host.kernel : "unknown",
                  si->host.arch ? si->host.arch : "");
        env_row(p, "host kernel", t.buf);
        sbuf_reset(&t);
        sbuf_addf(&t, "%s (%s)", si->host.qemu_version ? si->host.qemu_version : "unknown",
                  si->host.qemu_binary ? si->host.qemu_binary : "?");
        env_row(p, "QEMU", t.buf);
        sbuf_reset(&t);
        sbuf_addf(&t, "%s (asked: %s)%s%s", si->host.accel ? si->host.accel : "unknown",
                  si->host.accel_requested ? si->host.accel_requested : "?",
                  si->host.accel_note ? "; " : "", si->host.accel_note ? si->host.accel_note : "");
        env_row(p, "accelerator", t.buf);
        if (si->host.tsc_khz) {
                snprintf(b, sizeof(b), "%llu kHz", (unsigned long long)si->host.tsc_khz);
                env_row(p, "host TSC", b);
        }
        sbuf_reset(&t);
        for (size_t k = 0; k < si->nlabels; k++)
                sbuf_addf(&t, "%s%s=%s", k ? " " : "", si->labels[k].key, si->labels[k].value);
        if (si->nlabels)
                env_row(p, "labels", t.buf);
        for (size_t v = 0; v < si->nvariants; v++) {
                const struct session_variant_info *vi = &si->variants[v];

                put(p, "<tr><th colspan=\"2\">variant ");
                text(p, vi->name);
                put(p, "</th></tr>\n");
                env_file(p, "guest kernel", &vi->kernel);
                env_file(p, "initrd", &vi->initrd);
                env_row(p, "kernel command line", vi->cmdline);
                env_args(p, "QEMU arguments", vi->qemu_args, vi->nqemu_args);
        }
        put(p, "</tbody></table></div>\n");
        sbuf_release(&t);
}

static void warnings_input(struct page *p, const struct htmlreport_input *in, const char *id)
{
        heading(p, 3, id, in->name);
        put(p, "<p class=\"meta\">%zu warning%s", in->nwarnings + in->nstarved,
            in->nwarnings + in->nstarved == 1 ? "" : "s");
        if (in->nstarved)
                put(p, ": %zu run%s starved by the host (listed first) and %zu from the analysis",
                    in->nstarved, in->nstarved == 1 ? "" : "s", in->nwarnings);
        else
                put(p, " over the analysed runs");
        put(p, ", %zu distinct; every analysis warning with its line in ", in->nwarns);
        put_link(p, in->json_name, NULL);
        put(p, "</p>\n");
        put(p, "<ul class=\"damage\">\n");
        for (size_t i = 0; i < in->nruns; i++) {
                const struct htmlreport_run *u = &in->runs[i];
                struct sbuf why = SBUF_INIT;

                if (!u->starved)
                        continue;
                if (htmlreport_starved_why(&why, u) < 0)
                        p->rc = -ENOMEM;
                put(p,
                    "<li class=\"starved-run\"><strong class=\"starved\">starved</strong>: run %u ",
                    u->run);
                text(p, u->variant ? u->variant : "");
                put(p, " (");
                text(p, why.buf);
                put(p, "), %s</li>\n",
                    u->excluded ? "left out (--exclude-starved)" : "counted in the aggregate");
                sbuf_release(&why);
        }
        for (size_t i = 0; i < in->nruns; i++) {
                const struct htmlreport_run *u = &in->runs[i];

                if (!*u->damage)
                        continue;
                put(p, "<li><strong>damaged</strong>: ");
                if (in->is_session)
                        put(p, "run %u: ", u->run);
                text(p, u->damage);
                if (u->console_rel) {
                        put(p, " (");
                        put_link(p, u->console_rel, "capture");
                        put(p, ")");
                }
                put(p, "</li>\n");
        }
        put(p, "</ul>\n");
        put(p,
            "<div class=\"scroll\"><table id=\"%s\" "
            "class=\"warnings\"><thead><tr><th>warning</th><th "
            "class=\"num\">times</th><th class=\"num\">runs</th><th>%s</th></tr></thead>"
            "<tbody>\n",
            id, in->is_session ? "which runs" : "file");
        for (size_t i = 0; i < in->nwarns && i < HTMLREPORT_MAX_WARNINGS; i++) {
                const struct htmlreport_warning *w = &in->warns[i];

                put(p, "<tr><td class=\"name\">");
                text(p, w->msg);
                put(p, "</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td><td>", w->count,
                    w->nruns);
                text(p, w->runs);
                put(p, "</td></tr>\n");
        }
        if (!in->nwarns)
                put(p, "<tr><td colspan=\"4\">none</td></tr>\n");
        put(p, "</tbody></table></div>\n");
        if (in->nwarns > HTMLREPORT_MAX_WARNINGS)
                put(p, "<p class=\"note\">%zu more distinct warnings, in the JSON</p>\n",
                    in->nwarns - HTMLREPORT_MAX_WARNINGS);
}

static void failed_input(struct page *p, const struct htmlreport_input *in, const char *id)
{
        size_t n = 0;

        heading(p, 3, id, in->name);
        put(p,
            "<div class=\"scroll\"><table id=\"%s\" class=\"failed\"><thead><tr><th "
            "class=\"num\">run</th>"
            "<th>variant</th><th>verdict</th><th>why</th><th>serial log</th><th>console</th>"
            "</tr></thead><tbody>\n",
            id);
        for (size_t i = 0; i < in->nruns; i++) {
                const struct htmlreport_run *u = &in->runs[i];

                if (!u->failed && u->readable)
                        continue;
                n++;
                put(p, "<tr><td class=\"num\">%u</td><td>", u->run);
                text(p, u->variant ? u->variant : "-");
                put(p, "</td><td>");
                text(p, u->verdict ? u->verdict : "unreadable");
                put(p, "</td><td>");
                text(p, *u->damage ? u->damage : u->reason && *u->reason ? u->reason : "-");
                put(p, "</td><td>");
                put_link(p, u->serial_rel, u->serial_rel ? base_name(u->serial_rel) : "none");
                put(p, "</td><td>");
                put_link(p, u->console_rel, u->console_rel ? base_name(u->console_rel) : "none");
                put(p, "</td></tr>\n");
        }
        if (!n)
                put(p, "<tr><td colspan=\"6\">none: every run booted and analysed</td></tr>\n");
        put(p, "</tbody></table></div>\n");
}

static void runs_input(struct page *p, const struct htmlreport_input *in, const char *id)
{
        heading(p, 3, id, in->name);
        put(p, "<p class=\"meta\">analysis JSON: ");
        put_link(p, in->json_name, NULL);
        if (in->session_json_rel) {
                put(p, "; the session: ");
                put_link(p, in->dir_rel, in->arg);
                put(p, " (");
                put_link(p, in->session_json_rel, "session.json");
                put(p, ")");
        } else {
                put(p, "; the capture: ");
                put_link(p, in->dir_rel, in->arg);
        }
        put(p, "</p>\n");
        put(p,
            "<div class=\"scroll\"><table id=\"%s\" class=\"runs\"><thead><tr><th "
            "class=\"num\">run</th>"
            "<th>variant</th><th>verdict</th><th class=\"num\">warnings</th><th>console "
            "capture</th><th>serial log</th></tr></thead><tbody>\n",
            id);
        for (size_t i = 0; i < in->nruns; i++) {
                const struct htmlreport_run *u = &in->runs[i];

                put(p, "<tr><td class=\"num\">%u</td><td>", u->run);
                text(p, u->variant ? u->variant : "-");
                put(p, "</td><td>");
                text(p, u->verdict ? u->verdict : "unreadable");
                if (u->starved)
                        put(p,
                            ", <strong class=\"starved\">starved</strong> (run delay %.3f "
                            "ms%s)",
                            (double)u->run_delay_ns / 1e6, u->excluded ? ", left out" : "");
                put(p, "</td><td class=\"num\">");
                if (u->analysed)
                        put(p, "%zu", u->nwarnings);
                else
                        put(p, "-");
                put(p, "</td><td>");
                put_link(p, u->console_rel, u->console_rel ? base_name(u->console_rel) : "none");
                put(p, "</td><td>");
                put_link(p, u->serial_rel, u->serial_rel ? base_name(u->serial_rel) : "none");
                put(p, "</td></tr>\n");
        }
        put(p, "</tbody></table></div>\n");
}

/* A section of one part per input: id sec-ID, the parts ID, ID-2 ... */
static void per_input(struct page *p, const char *id, const char *title,
                      void (*part)(struct page *, const struct htmlreport_input *, const char *))
{
        char sec[64], pid[64];

        snprintf(sec, sizeof(sec), "sec-%s", id);
        put(p, "<section id=\"%s\">\n", sec);
        heading(p, 2, sec, title);
        for (size_t i = 0; i < p->r->n; i++)
                part(p, &p->r->in[i], nth_id(pid, sizeof(pid), id, i));
        put(p, "</section>\n");
}

static void header(struct page *p)
{
        const struct htmlreport *r = p->r;

        put(p,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"generator\" content=\"bootlens %s\">\n<title>bootlens report: ",
            BOOTLENS_VERSION);
        for (size_t i = 0; i < r->n; i++) {
                put(p, "%s", i ? ", " : "");
                text(p, r->in[i].name);
        }
        put(p,
            "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>bootlens "
            "report</h1>\n",
            css);
        for (size_t i = 0; i < r->n; i++) {
                put(p, "<p class=\"meta\">%s: ", r->n == 2 ? (i ? "new" : "base") : "input");
                put_link(p, r->in[i].dir_rel, r->in[i].arg);
                put(p, " (%s", r->in[i].is_session ? "session" : "capture file");
                if (r->in[i].is_session)
                        put(p, ", %zu run%s recorded in the session", r->in[i].rs.n,
                            r->in[i].rs.n == 1 ? "" : "s");
                put(p, ")</p>\n");
        }
        put(p, "<p class=\"meta\">bootlens %s", BOOTLENS_VERSION);
        if (*r->generated_from) {
                put(p, "; generated by <code>");
                text(p, r->generated_from);
                put(p, "</code>");
        }
        put(p, "</p>\n</header>\n<nav>\n<ul>\n");
        if (r->n == 2)
                put(p, "<li><a href=\"#sec-compare\">Comparison</a></li>\n");
        if (r->is_sweep)
                put(p, "<li><a href=\"#sec-sweep\">Sweep</a></li>\n");
        put(p, "<li><a href=\"#sec-aggregate\">Aggregate</a> (<a href=\"#aggregate\">main "
               "table</a>)</li>\n<li><a href=\"#sec-figures\">Figures</a>:");
        for (size_t i = 0; i < r->nfig; i++)
                put(p, " <a href=\"#fig-%s\">%s</a>", plot_kind_name(r->fig[i].kind),
                    plot_kind_name(r->fig[i].kind));
        put(p, "</li>\n");
        put(p, "<li><a href=\"#sec-env\">Environment</a></li>\n<li><a "
               "href=\"#sec-warnings\">Warnings and damage</a></li>\n<li><a "
               "href=\"#sec-failed\">Failed runs</a></li>\n<li><a href=\"#sec-runs\">Runs and "
               "raw captures</a></li>\n</ul>\n</nav>\n<main>\n");
}

int htmlreport_write(FILE *out, const struct htmlreport *r)
{
        struct page p = {.sb = SBUF_INIT, .r = r};

        header(&p);
        if (r->n == 2) /* the verdict first */
                section_compare(&p);
        section_sweep(&p); /* a sweep session: its table and figure first */
        section_aggregate(&p);
        section_figures(&p);
        per_input(&p, "env", "Environment", env_input);
        per_input(&p, "warnings", "Warnings and damage", warnings_input);
        per_input(&p, "failed", "Failed runs", failed_input);
        per_input(&p, "runs", "Runs and raw captures", runs_input);
        put(&p,
            "</main>\n<footer>bootlens %s: this page, its figures (with their gnuplot "
            "scripts and data) and the analysis JSON are in this directory and need no "
            "network; the links to the raw captures and session.json point into the "
            "input%s where %s recorded (relative links: keep this directory beside %s); "
            "%u gnuplot run%s drew the figures.</footer>\n</body>\n</html>\n",
            BOOTLENS_VERSION, r->n == 1 ? "" : "s", r->n == 1 ? "it was" : "they were",
            r->n == 1 ? "it" : "them", r->gp_runs, r->gp_runs == 1 ? "" : "s");
        if (!p.rc && fwrite(p.sb.buf, 1, p.sb.len, out) != p.sb.len)
                p.rc = -EIO;
        if (!p.rc && (fflush(out) != 0 || ferror(out)))
                p.rc = -EIO;
        sbuf_release(&p.sb);
        return p.rc;
}
