/* histreport: see histreport.h. */
#include "reports/histreport.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "bootlens_config.h"
#include "reports/csv.h"
#include "reports/jsonw.h"
#include "reports/md.h"

#define COL_RED   "\033[31m"
#define COL_GREEN "\033[32m"
#define COL_OFF   "\033[0m"

int histreport_format_parse(const char *s, enum histreport_format *f)
{
        static const char *const names[] = {"table", "json", "csv", "md"};

        for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(s, names[i]) == 0) {
                        *f = (enum histreport_format)i;
                        return 0;
                }
        return -EINVAL;
}

static void put_text(FILE *out, const struct histreport_options *o, const char *s)
{
        if (!s)
                s = "-";
        if (o && o->put_text)
                o->put_text(out, s);
        else
                fputs(s, out);
}

/* A time in ms, or with bytes a size (bytes, history_metric_is_size())
 * in MiB: one decimal, three below 10; "-" for NaN. */
static const char *qty(char *buf, size_t size, double x, bool sign, bool bytes)
{
        double v = bytes ? x / 1048576.0 : x / 1e6;

        if (isnan(x))
                snprintf(buf, size, "-");
        else if (fabs(v) < 10)
                snprintf(buf, size, sign ? "%+.3f" : "%.3f", v);
        else
                snprintf(buf, size, sign ? "%+.1f" : "%.1f", v);
        return buf;
}

static const char *ms(char *buf, size_t size, double ns, bool sign)
{
        return qty(buf, size, ns, sign, false);
}

/* "[lo, hi]" as qty(), signed or not; "-" when unknown. */
static const char *qty_ci(char *buf, size_t size, double lo, double hi, bool sign, bool bytes)
{
        char a[32], b[32];

        if (isnan(lo) || isnan(hi))
                snprintf(buf, size, "-");
        else
                snprintf(buf, size, "[%s, %s]", qty(a, sizeof(a), lo, sign, bytes),
                         qty(b, sizeof(b), hi, sign, bytes));
        return buf;
}

static const char *ms_ci(char *buf, size_t size, double lo, double hi, bool sign)
{
        return qty_ci(buf, size, lo, hi, sign, false);
}

/* The unit of a table's column ("ms", "MiB") and of a JSON or CSV key
 * ("_ns", "_bytes"). */
static const char *unit(bool bytes)
{
        return bytes ? "MiB" : "ms";
}

/* A metric's kind as the JSON says it: compare's, or "size". */
static const char *kind_name(const char *name, enum compare_kind kind)
{
        return history_metric_is_size(name) ? "size" : compare_kind_name(kind);
}

static const char *key_unit(bool bytes)
{
        return bytes ? "_bytes" : "_ns";
}

/* Member NAME_ns (NAME_bytes) = v. */
static void kqty(struct jsonw *w, const char *name, bool bytes, double v)
{
        char key[64];

        snprintf(key, sizeof(key), "%s%s", name, key_unit(bytes));
        jsonw_kreal(w, key, v);
}

static const char *p_text(char *buf, size_t size, double p)
{
        if (isnan(p))
                snprintf(buf, size, "-");
        else if (p < 1e-4)
                snprintf(buf, size, "<0.0001");
        else
                snprintf(buf, size, "%.4f", p);
        return buf;
}

static const char *plural(size_t n)
{
        return n == 1 ? "" : "s";
}

/* A gate or function metric in the table: "total", "phase NAME", or a
 * function's "NAME (in PHASE)". */
static void table_metric(FILE *out, const struct compare_metric *m,
                         const struct histreport_options *o)
{
        if (m->kind == COMPARE_TOTAL) {
                fputs("total", out);
                return;
        }
        if (m->kind == COMPARE_PHASE)
                fputs("phase ", out);
        put_text(out, o, m->name);
        if (m->kind == COMPARE_FN && m->phase) {
                fputs(" (in ", out);
                put_text(out, o, m->phase);
                fputc(')', out);
        }
}

/* ---- JSON pieces ---- */

static struct jsonw *json_begin(FILE *out, const char *kind, const struct histreport_options *o)
{
        struct jsonw *w = jsonw_doc_begin(out, HISTREPORT_SCHEMA_VERSION, kind);

        if (w)
                jsonw_kstr(w, "db", o ? o->db : NULL);
        return w;
}

static void json_labels(struct jsonw *w, const struct history_label *l, size_t n)
{
        jsonw_key(w, "labels");
        jsonw_obj_begin(w);
        for (size_t i = 0; i < n; i++)
                jsonw_kstr(w, l[i].key, l[i].value);
        jsonw_obj_end(w);
}

/* The members of an entry; env: with its environment. */
static void json_entry_members(struct jsonw *w, const struct history_entry *e, bool env)
{
        jsonw_kint(w, "id", e->id);
        jsonw_kstr(w, "session_id", e->session_id);
        jsonw_kstr(w, "variant", e->variant);
        jsonw_kstr(w, "path", e->path);
        jsonw_kstr(w, "created", e->created);
        jsonw_kstr(w, "added", e->added);
        jsonw_kuint(w, "runs_recorded", e->runs_recorded);
        jsonw_kuint(w, "runs_ok", e->runs_ok);
        jsonw_kuint(w, "runs_left_out", e->runs_left_out);
        jsonw_kuint(w, "runs_used", e->runs_used);
        if (env) {
                jsonw_key(w, "environment");
                jsonw_obj_begin(w);
                jsonw_kstr(w, "host_cpu", e->host_cpu);
                jsonw_kstr(w, "host_kernel", e->host_kernel);
                jsonw_kstr(w, "qemu_version", e->qemu_version);
                jsonw_kstr(w, "accel", e->accel);
                jsonw_kstr(w, "kernel_path", e->kernel_path);
                jsonw_kstr(w, "kernel_sha256", e->kernel_sha256);
                jsonw_kstr(w, "kernel_version", e->kernel_version);
                jsonw_kstr(w, "cmdline", e->cmdline);
                jsonw_obj_end(w);
        }
        json_labels(w, e->labels, e->nlabels);
}

/* s's members; bytes: a size metric's (_bytes, else _ns). */
static void json_summary(struct jsonw *w, const struct history_summary *s, bool bytes)
{
        jsonw_kuint(w, "n", s->n);
        kqty(w, "median", bytes, s->median);
        kqty(w, "ci_lo", bytes, s->ci_lo);
        kqty(w, "ci_hi", bytes, s->ci_hi);
        jsonw_kreal(w, "ci_coverage", s->ci_coverage);
        kqty(w, "q25", bytes, s->q25);
        kqty(w, "q75", bytes, s->q75);
        kqty(w, "min", bytes, s->min);
        kqty(w, "max", bytes, s->max);
}

/* ---- CSV pieces ---- */

static void csv_num(struct csv_row *row, double v)
{
        if (isnan(v))
                csv_field(row, NULL);
        else
                csv_fieldf(row, "%.0f", v);
}

/* The header line: h[0..n), then "label.KEY" per key. */
static void csv_header(FILE *out, const char *const *h, size_t n, const char *const *keys,
                       size_t nkeys)
{
        struct csv_row row;

        csv_begin(&row, out);
        for (size_t k = 0; k < n; k++)
                csv_field(&row, h[k]);
        for (size_t k = 0; k < nkeys; k++) {
                char *col = NULL;

                if (asprintf(&col, "label.%s", keys[k]) < 0)
                        col = NULL;
                csv_field(&row, col ? col : keys[k]);
                free(col);
        }
        csv_end(&row);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The label keys of v[0..n), distinct and sorted, borrowed from v, into
 * *keys (malloc'd). Returns their count or -ENOMEM. */
static long label_keys(const struct history_entry *v, size_t n, const char ***keys)
{
        size_t total = 0, k = 0;
        const char **all;

        for (size_t i = 0; i < n; i++)
                total += v[i].nlabels;
        all = malloc((total ? total : 1) * sizeof(*all));
        if (!all)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < v[i].nlabels; j++)
                        all[k++] = v[i].labels[j].key;
        qsort(all, total, sizeof(*all), cmp_str);
        k = 0;
        for (size_t i = 0; i < total; i++)
                if (!k || strcmp(all[k - 1], all[i]) != 0)
                        all[k++] = all[i];
        *keys = all;
        return (long)k;
}

static const char *label_of(const struct history_entry *e, const char *key)
{
        for (size_t i = 0; i < e->nlabels; i++)
                if (strcmp(e->labels[i].key, key) == 0)
                        return e->labels[i].value;
        return NULL;
}

/* ---- list ---- */

static void table_labels(FILE *out, const struct history_entry *e,
                         const struct histreport_options *o)
{
        for (size_t i = 0; i < e->nlabels; i++) {
                fputs(i ? " " : "", out);
                put_text(out, o, e->labels[i].key);
                fputc('=', out);
                put_text(out, o, e->labels[i].value);
        }
}

static int list_table(FILE *out, const struct history_entry *v, size_t n, const double *totals,
                      const struct histreport_options *o)
{
        size_t wide = strlen("session:variant");
        char b[32];

        fputs("bootlens history list", out);
        if (o && o->db) {
                fputs(": ", out);
                put_text(out, o, o->db);
        }
        fprintf(out, ", %zu entr%s\n", n, n == 1 ? "y" : "ies");
        if (!n)
                return util_flush(out);
        for (size_t i = 0; i < n; i++) {
                size_t w = strlen(v[i].session_id) + 1 + strlen(v[i].variant);

                wide = w > wide ? w : wide;
        }
        fprintf(out, "\n%6s  %-20s  %4s  %10s  %-*s  %s\n", "id", "created", "runs", "total ms",
                (int)wide, "session:variant", "labels");
        for (size_t i = 0; i < n; i++) {
                const struct history_entry *e = &v[i];
                size_t w = strlen(e->session_id) + 1 + strlen(e->variant);

                fprintf(out, "%6lld  %-20s  %4zu  %10s  ", (long long)e->id,
                        e->created ? e->created : "-", e->runs_used,
                        ms(b, sizeof(b), totals ? totals[i] : NAN, false));
                put_text(out, o, e->session_id);
                fputc(':', out);
                put_text(out, o, e->variant);
                fprintf(out, "%*s  ", (int)(wide - w), "");
                table_labels(out, e, o);
                fputc('\n', out);
        }
        return util_flush(out);
}

static int list_json(FILE *out, const struct history_entry *v, size_t n, const double *totals,
                     const struct histreport_options *o)
{
        struct jsonw *w = json_begin(out, HISTREPORT_KIND_LIST, o);

        if (!w)
                return -ENOMEM;
        jsonw_kuint(w, "entries_n", n);
        jsonw_key(w, "entries");
        jsonw_arr_begin(w);
        for (size_t i = 0; i < n; i++) {
                jsonw_obj_begin(w);
                json_entry_members(w, &v[i], false);
                jsonw_kreal(w, "total_median_ns", totals ? totals[i] : NAN);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        return jsonw_doc_end(w);
}

static int list_csv(FILE *out, const struct history_entry *v, size_t n, const double *totals)
{
        static const char *const h[] = {"id",        "session_id",     "variant", "created",
                                        "added",     "runs_recorded",  "runs_ok", "runs_left_out",
                                        "runs_used", "total_median_ns"};
        const char **keys = NULL;
        struct csv_row row;
        long nkeys = label_keys(v, n, &keys);

        if (nkeys < 0)
                return (int)nkeys;
        csv_header(out, h, sizeof(h) / sizeof(h[0]), keys, (size_t)nkeys);
        for (size_t i = 0; i < n; i++) {
                const struct history_entry *e = &v[i];

                csv_begin(&row, out);
                csv_fieldf(&row, "%lld", (long long)e->id);
                csv_field(&row, e->session_id);
                csv_field(&row, e->variant);
                csv_field(&row, e->created);
                csv_field(&row, e->added);
                csv_fieldf(&row, "%zu", e->runs_recorded);
                csv_fieldf(&row, "%zu", e->runs_ok);
                csv_fieldf(&row, "%zu", e->runs_left_out);
                csv_fieldf(&row, "%zu", e->runs_used);
                csv_num(&row, totals ? totals[i] : NAN);
                for (long k = 0; k < nkeys; k++)
                        csv_field(&row, label_of(e, keys[k]));
                csv_end(&row);
        }
        free(keys);
        return util_flush(out);
}

int histreport_list(FILE *out, const struct history_entry *v, size_t n, const double *totals,
                    const struct histreport_options *o)
{
        switch (o ? o->format : HISTREPORT_TABLE) {
        case HISTREPORT_TABLE:
                return list_table(out, v, n, totals, o);
        case HISTREPORT_JSON:
                return list_json(out, v, n, totals, o);
        case HISTREPORT_CSV:
                return list_csv(out, v, n, totals);
        default:
                return -EINVAL;
        }
}

/* ---- show ---- */

static void field(FILE *out, const struct histreport_options *o, const char *what, const char *v)
{
        fprintf(out, "  %-15s ", what);
        put_text(out, o, v ? v : "unknown");
        fputc('\n', out);
}

/* The rows of m that are sizes (bytes, shown in MiB) or times (ms), under
 * their header. */
static void show_metrics(FILE *out, const struct history_metric *m, size_t nm, bool bytes,
                         const struct histreport_options *o)
{
        const char *u = bytes ? "MiB" : "ms";
        char b[4][64];
        bool head = false;

        for (size_t i = 0; i < nm; i++) {
                const struct history_summary *s = &m[i].s;

                if (history_metric_is_size(m[i].name) != bytes)
                        continue;
                if (!head) {
                        snprintf(b[0], 64, "median %s", u);
                        snprintf(b[1], 64, "95%% CI of median (%s)", u);
                        snprintf(b[2], 64, "IQR (%s)", u);
                        fprintf(out, "%4s %12s  %-25s %-25s  %s\n", "n", b[0], b[1], b[2],
                                "metric");
                        head = true;
                }
                fprintf(out, "%4zu %12s  %-25s %-25s  ", s->n,
                        qty(b[0], 64, s->median, false, bytes),
                        qty_ci(b[1], 64, s->ci_lo, s->ci_hi, false, bytes),
                        qty_ci(b[2], 64, s->q25, s->q75, false, bytes));
                put_text(out, o, m[i].name);
                if (m[i].kind == COMPARE_FN && m[i].phase) {
                        fputs(" (in ", out);
                        put_text(out, o, m[i].phase);
                        fputc(')', out);
                }
                fputc('\n', out);
        }
}

static int show_table(FILE *out, const struct history_entry *e, const struct history_metric *m,
                      size_t nm, const struct histreport_options *o)
{
        size_t nsize = 0;

        fprintf(out, "bootlens history entry %lld: ", (long long)e->id);
        put_text(out, o, e->session_id);
        fputc(':', out);
        put_text(out, o, e->variant);
        fputc('\n', out);
        field(out, o, "session dir", e->path ? e->path : "none");
        field(out, o, "created", e->created);
        field(out, o, "added", e->added);
        fprintf(out, "  %-15s %zu used (%zu recorded, %zu ok, %zu left out)\n", "runs",
                e->runs_used, e->runs_recorded, e->runs_ok, e->runs_left_out);
        field(out, o, "host CPU", e->host_cpu);
        field(out, o, "host kernel", e->host_kernel);
        field(out, o, "QEMU", e->qemu_version);
        field(out, o, "accelerator", e->accel);
        field(out, o, "kernel", e->kernel_path);
        field(out, o, "kernel sha256", e->kernel_sha256);
        field(out, o, "kernel version", e->kernel_version);
        field(out, o, "command line", e->cmdline);
        fprintf(out, "labels (%zu)\n", e->nlabels);
        for (size_t i = 0; i < e->nlabels; i++) {
                fputs("  ", out);
                put_text(out, o, e->labels[i].key);
                fputs(" = ", out);
                put_text(out, o, e->labels[i].value);
                fputc('\n', out);
        }
        /* Times first under their ms header; the kernel's sizes
         * (kernel:*, bytes) in their own table under a MiB one. */
        for (size_t i = 0; i < nm; i++)
                nsize += history_metric_is_size(m[i].name);
        fprintf(out, "metrics (%zu)\n", nm - nsize);
        show_metrics(out, m, nm, false, o);
        if (nsize) {
                fprintf(out, "kernel sizes (%zu)\n", nsize);
                show_metrics(out, m, nm, true, o);
        }
        return util_flush(out);
}

static int show_json(FILE *out, const struct history_entry *e, const struct history_metric *m,
                     size_t nm, const struct histreport_options *o)
{
        struct jsonw *w = json_begin(out, HISTREPORT_KIND_SHOW, o);

        if (!w)
                return -ENOMEM;
        jsonw_key(w, "entry");
        jsonw_obj_begin(w);
        json_entry_members(w, e, true);
        jsonw_obj_end(w);
        jsonw_key(w, "metrics");
        jsonw_arr_begin(w);
        for (size_t i = 0; i < nm; i++) {
                jsonw_obj_begin(w);
                jsonw_kstr(w, "name", m[i].name);
                jsonw_kstr(w, "kind", kind_name(m[i].name, m[i].kind));
                jsonw_kstr(w, "phase", m[i].phase);
                json_summary(w, &m[i].s, history_metric_is_size(m[i].name));
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        return jsonw_doc_end(w);
}

int histreport_show(FILE *out, const struct history_entry *e, const struct history_metric *m,
                    size_t nm, const struct histreport_options *o)
{
        switch (o ? o->format : HISTREPORT_TABLE) {
        case HISTREPORT_TABLE:
                return show_table(out, e, m, nm, o);
        case HISTREPORT_JSON:
                return show_json(out, e, m, nm, o);
        default:
                return -EINVAL;
        }
}

/* ---- trend ---- */

/* The name of point i: its by value, else its session id. */
static const char *point_label(const struct trend *t, size_t i)
{
        const struct history_point *p = &t->s.v[i];

        return p->by ? p->by : p->e.session_id;
}

/* Whether a change point starts a new level at point i (*k: which). */
static bool change_at(const struct trend *t, size_t i, size_t *k)
{
        for (size_t c = 0; c < t->nc; c++)
                if (t->c[c].at == i) {
                        if (k)
                                *k = c;
                        return true;
                }
        return false;
}

static void trend_head(FILE *out, const struct trend *t, const struct trend_options *to,
                       const struct histreport_options *o)
{
        const char *by = to ? to->by : NULL;

        fputs("bootlens history trend: ", out);
        put_text(out, o, t->s.metric);
        fputs(" by ", out);
        put_text(out, o, by ? by : "collection time");
        fprintf(out, ": %zu point%s, %zu change point%s", t->s.n, plural(t->s.n), t->nc,
                plural(t->nc));
        if (t->s.n && history_metric_is_size(t->s.metric))
                fputs(" (exact: a size changes wherever it differs", out);
        else if (t->s.n)
                fprintf(out, " (PELT, sigma %.3f ms, beta %.2f", t->cp.sigma / 1e6, t->cp.beta);
        if (t->s.n && t->cp.ndropped)
                fprintf(out, "; %zu below the minimum effect dropped", t->cp.ndropped);
        fputs(t->s.n ? ")\n" : "\n", out);
        if (t->s.nmissing_label) {
                fprintf(out, "left out: %zu entr%s without the label ", t->s.nmissing_label,
                        t->s.nmissing_label == 1 ? "y" : "ies");
                put_text(out, o, by);
                fputc('\n', out);
        }
        if (t->s.nmissing_metric)
                fprintf(out, "left out: %zu entr%s without the metric\n", t->s.nmissing_metric,
                        t->s.nmissing_metric == 1 ? "y" : "ies");
}

static void change_line(FILE *out, const struct trend_change *c, bool bytes,
                        const struct histreport_options *o)
{
        const char *u = unit(bytes);
        char b[4][64];

        fprintf(out, "  at %zu: ", c->at);
        put_text(out, o, c->label_before);
        fputs(" -> ", out);
        put_text(out, o, c->label_at);
        fprintf(out,
                ": %s -> %s %s, step %s %s %s (%zu point%s, %zu runs before; %zu point%s, %zu "
                "runs after)\n",
                qty(b[0], 64, c->before, false, bytes), qty(b[1], 64, c->after, false, bytes), u,
                qty(b[2], 64, c->step, true, bytes), u,
                qty_ci(b[3], 64, c->ci.lo, c->ci.hi, true, bytes), c->points_before,
                plural(c->points_before), c->runs_before, c->points_after, plural(c->points_after),
                c->runs_after);
}

static int trend_table(FILE *out, const struct trend *t, const struct trend_options *to,
                       const struct histreport_options *o)
{
        size_t wide = strlen("label");
        bool bytes = history_metric_is_size(t->s.metric);
        char b[2][64], hm[32], hc[32];

        snprintf(hm, sizeof(hm), "median %s", unit(bytes));
        snprintf(hc, sizeof(hc), "95%% CI (%s)", unit(bytes));
        trend_head(out, t, to, o);
        if (!t->s.n)
                return util_flush(out);
        for (size_t i = 0; i < t->s.n; i++) {
                size_t w = strlen(point_label(t, i));

                wide = w > wide ? w : wide;
        }
        fprintf(out, "\n%5s  %-*s  %-20s  %4s  %10s  %-21s  %3s  %s\n", "#", (int)wide, "label",
                "created", "n", hm, hc, "seg", "session:variant");
        for (size_t i = 0; i < t->s.n; i++) {
                const struct history_point *p = &t->s.v[i];
                const char *label = point_label(t, i);

                fprintf(out, "%s%4zu  ", change_at(t, i, NULL) ? "*" : " ", i);
                put_text(out, o, label);
                fprintf(out, "%*s  %-20s  %4zu  %10s  %-21s  %3zu  ", (int)(wide - strlen(label)),
                        "", p->e.created ? p->e.created : "-", p->s.n,
                        qty(b[0], 64, p->s.median, false, bytes),
                        qty_ci(b[1], 64, p->s.ci_lo, p->s.ci_hi, false, bytes),
                        t->segment ? t->segment[i] : 0);
                put_text(out, o, p->e.session_id);
                fputc(':', out);
                put_text(out, o, p->e.variant);
                fputc('\n', out);
        }
        fprintf(out, "\nchange points (%zu)%s\n", t->nc,
                t->nc ? ": where a new level starts (* above); step = after - before, its 95% "
                        "bootstrap CI"
                      : "");
        for (size_t c = 0; c < t->nc; c++)
                change_line(out, &t->c[c], bytes, o);
        return util_flush(out);
}

static int trend_json(FILE *out, const struct trend *t, const struct trend_options *to,
                      const struct histreport_options *o)
{
        struct jsonw *w = json_begin(out, HISTREPORT_KIND_TREND, o);
        bool bytes = history_metric_is_size(t->s.metric);

        if (!w)
                return -ENOMEM;
        jsonw_kstr(w, "metric", t->s.metric);
        jsonw_kstr(w, "metric_kind", kind_name(t->s.metric, t->s.kind));
        jsonw_kstr(w, "by", to ? to->by : NULL);
        jsonw_key(w, "where");
        jsonw_obj_begin(w);
        for (size_t i = 0; to && to->where && i < to->where->nwhere; i++)
                jsonw_kstr(w, to->where->where[i].key, to->where->where[i].value);
        jsonw_obj_end(w);
        jsonw_kuint(w, "left_out_without_label", t->s.nmissing_label);
        jsonw_kuint(w, "left_out_without_metric", t->s.nmissing_metric);
        jsonw_key(w, "change_point_method");
        jsonw_obj_begin(w);
        jsonw_kstr(w, "method", bytes ? "exact" : "PELT");
        kqty(w, "sigma", bytes, t->cp.sigma);
        jsonw_kreal(w, "beta", t->cp.beta);
        jsonw_kuint(w, "dropped_below_min_effect", t->cp.ndropped);
        if (to) {
                jsonw_kreal(w, "penalty", to->cp.penalty);
                /* NAN: stats' minimum effect (trend.h) */
                kqty(w, "min_effect", bytes,
                     isnan(to->cp.min_abs) ? to->stats.min_abs : to->cp.min_abs);
                jsonw_kreal(w, "min_effect_rel",
                            isnan(to->cp.min_rel) ? to->stats.min_rel : to->cp.min_rel);
                jsonw_kuint(w, "window", to->window);
        }
        jsonw_obj_end(w);
        jsonw_key(w, "points");
        jsonw_arr_begin(w);
        for (size_t i = 0; i < t->s.n; i++) {
                const struct history_point *p = &t->s.v[i];

                jsonw_obj_begin(w);
                jsonw_kuint(w, "index", i);
                jsonw_kstr(w, "label", point_label(t, i));
                jsonw_kint(w, "entry_id", p->e.id);
                jsonw_kstr(w, "session_id", p->e.session_id);
                jsonw_kstr(w, "variant", p->e.variant);
                jsonw_kstr(w, "created", p->e.created);
                jsonw_kuint(w, "segment", t->segment ? t->segment[i] : 0);
                jsonw_kbool(w, "change_point", change_at(t, i, NULL));
                json_summary(w, &p->s, bytes);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        jsonw_key(w, "change_points");
        jsonw_arr_begin(w);
        for (size_t k = 0; k < t->nc; k++) {
                const struct trend_change *c = &t->c[k];

                jsonw_obj_begin(w);
                jsonw_kuint(w, "at", c->at);
                jsonw_kstr(w, "label_before", c->label_before);
                jsonw_kstr(w, "label_at", c->label_at);
                kqty(w, "before", bytes, c->before);
                kqty(w, "after", bytes, c->after);
                kqty(w, "step", bytes, c->step);
                kqty(w, "ci_lo", bytes, c->ci.lo);
                kqty(w, "ci_hi", bytes, c->ci.hi);
                jsonw_kreal(w, "ci_level", c->ci.coverage);
                jsonw_kuint(w, "points_before", c->points_before);
                jsonw_kuint(w, "points_after", c->points_after);
                jsonw_kuint(w, "runs_before", c->runs_before);
                jsonw_kuint(w, "runs_after", c->runs_after);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        return jsonw_doc_end(w);
}

static int trend_csv(FILE *out, const struct trend *t)
{
        static const char *const h[] = {
            "index",   "label",        "entry_id", "session_id",    "variant",      "created",
            "n",       "median_ns",    "ci_lo_ns", "ci_hi_ns",      "q25_ns",       "q75_ns",
            "segment", "change_point", "step_ns",  "step_ci_lo_ns", "step_ci_hi_ns"};
        static const char *const hb[] = {
            "index",           "label",        "entry_id",   "session_id",
            "variant",         "created",      "n",          "median_bytes",
            "ci_lo_bytes",     "ci_hi_bytes",  "q25_bytes",  "q75_bytes",
            "segment",         "change_point", "step_bytes", "step_ci_lo_bytes",
            "step_ci_hi_bytes"};
        struct csv_row row;

        csv_header(out, history_metric_is_size(t->s.metric) ? hb : h, sizeof(h) / sizeof(h[0]),
                   NULL, 0);
        for (size_t i = 0; i < t->s.n; i++) {
                const struct history_point *p = &t->s.v[i];
                size_t k = 0;
                bool cp = change_at(t, i, &k);

                csv_begin(&row, out);
                csv_fieldf(&row, "%zu", i);
                csv_field(&row, point_label(t, i));
                csv_fieldf(&row, "%lld", (long long)p->e.id);
                csv_field(&row, p->e.session_id);
                csv_field(&row, p->e.variant);
                csv_field(&row, p->e.created);
                csv_fieldf(&row, "%zu", p->s.n);
                csv_num(&row, p->s.median);
                csv_num(&row, p->s.ci_lo);
                csv_num(&row, p->s.ci_hi);
                csv_num(&row, p->s.q25);
                csv_num(&row, p->s.q75);
                csv_fieldf(&row, "%zu", t->segment ? t->segment[i] : 0);
                csv_fieldf(&row, "%d", cp);
                csv_num(&row, cp ? t->c[k].step : NAN);
                csv_num(&row, cp ? t->c[k].ci.lo : NAN);
                csv_num(&row, cp ? t->c[k].ci.hi : NAN);
                csv_end(&row);
        }
        return util_flush(out);
}

int histreport_trend(FILE *out, const struct trend *t, const struct trend_options *to,
                     const struct histreport_options *o)
{
        switch (o ? o->format : HISTREPORT_TABLE) {
        case HISTREPORT_TABLE:
                return trend_table(out, t, to, o);
        case HISTREPORT_JSON:
                return trend_json(out, t, to, o);
        case HISTREPORT_CSV:
                return trend_csv(out, t);
        default:
                return -EINVAL;
        }
}

/* ---- check ---- */

static const char *check_verdict(const struct trend_check *c)
{
        return !c->judged ? "not judged" : c->regressed ? "regressed" : "ok";
}

long histreport_check_worst(const struct trend_check *c)
{
        long best = -1;

        for (size_t i = 0; c->judged && i < c->gate.n; i++) {
                const struct compare_metric *m = &c->gate.m[i];

                if (m->c.verdict != STATS_SLOWER)
                        continue;
                if (best < 0 ||
                    (m->kind == COMPARE_PHASE && c->gate.m[best].kind != COMPARE_PHASE) ||
                    (m->kind == c->gate.m[best].kind && m->c.diff > c->gate.m[best].c.diff))
                        best = (long)i;
        }
        return best;
}

static const struct trend_check_base *base_of(const struct trend_check *c, size_t i)
{
        return c->base && i < c->gate.n ? &c->base[i] : NULL;
}

static int cmp_moved(const void *a, const void *b, void *ctx)
{
        const struct compare_metric *m = ctx;
        const struct compare_metric *x = &m[*(const size_t *)a], *y = &m[*(const size_t *)b];
        double dx = isnan(x->c.diff) ? -1 : fabs(x->c.diff);
        double dy = isnan(y->c.diff) ? -1 : fabs(y->c.diff);

        if (dx != dy)
                return dx > dy ? -1 : 1;
        return strcmp(x->name, y->name);
}

/* The functions of c->fns in phase (NULL: all) by |diff| descending (ties
 * by name), as indices, into *idx (malloc'd). Returns the count or -ENOMEM. */
static long fns_moved(const struct trend_check *c, const char *phase, size_t **idx)
{
        size_t n = 0;

        *idx = malloc((c->fns.n ? c->fns.n : 1) * sizeof(**idx));
        if (!*idx)
                return -ENOMEM;
        for (size_t i = 0; i < c->fns.n; i++)
                if (!phase || (c->fns.m[i].phase && strcmp(c->fns.m[i].phase, phase) == 0))
                        (*idx)[n++] = i;
        qsort_r(*idx, n, sizeof(**idx), cmp_moved, c->fns.m);
        return (long)n;
}

/* The gate's metrics in compare_order() into *order (malloc'd). */
static int gate_order(const struct trend_check *c, size_t **order)
{
        *order = malloc((c->gate.n ? c->gate.n : 1) * sizeof(**order));
        if (!*order || compare_order(&c->gate, *order) < 0) {
                free(*order);
                *order = NULL;
                return -ENOMEM;
        }
        return 0;
}

static void check_row(FILE *out, const struct compare_metric *m, const struct histreport_options *o)
{
        const char *col = NULL;
        char b[6][64];

        if (isnan(m->c.rel))
                snprintf(b[4], 64, "-");
        else
                snprintf(b[4], 64, "%+.1f%%", m->c.rel * 100);
        fprintf(out, "%10s %4zu %10s %4zu %10s  %-23s %7s %8s  ",
                ms(b[0], 64, m->c.median_a, false), m->na, ms(b[1], 64, m->c.median_b, false),
                m->nb, ms(b[2], 64, m->c.diff, true), ms_ci(b[3], 64, m->c.ci.lo, m->c.ci.hi, true),
                b[4], p_text(b[5], 64, m->c.p_holm));
        if (o && o->colour && m->c.verdict == STATS_SLOWER)
                col = COL_RED;
        else if (o && o->colour && m->c.verdict == STATS_FASTER)
                col = COL_GREEN;
        fputs(col ? col : "", out);
        fprintf(out, "%-12s", stats_verdict_name(m->c.verdict));
        fputs(col ? COL_OFF : "", out);
        fputc(' ', out);
        table_metric(out, m, o);
        fputc('\n', out);
}

static const char row_head[] = "   base ms    n     new ms    n    diff ms  95% CI of diff (ms)   "
                               "      rel p (Holm)  verdict      metric\n";

static void newest_line(FILE *out, const struct trend_check *c, const struct histreport_options *o)
{
        fputs("newest: ", out);
        put_text(out, o, c->newest_label);
        fprintf(out, " (entry %lld, ", (long long)c->newest.id);
        put_text(out, o, c->newest.session_id);
        fputc(':', out);
        put_text(out, o, c->newest.variant);
        fprintf(out, ", created %s, %zu run%s), point %zu of the total's series (from 0)\n",
                c->newest.created ? c->newest.created : "-", c->newest.runs_used,
                plural(c->newest.runs_used), c->points - 1);
}

static int check_table(FILE *out, const struct trend_check *c, const struct histreport_options *o)
{
        const struct stats_options *s = &c->gate.stats;
        size_t *order = NULL, *fi = NULL;
        long worst = histreport_check_worst(c), nf;
        char b[4][64];

        fprintf(out, "bootlens history check: %s", check_verdict(c));
        if (!c->judged) {
                fputs(": ", out);
                put_text(out, o, c->why);
        } else if (worst >= 0) {
                const struct compare_metric *m = &c->gate.m[worst];

                fputs(": ", out);
                table_metric(out, m, o);
                fprintf(out, " %s ms %s, p %s after Holm", ms(b[0], 64, m->c.diff, true),
                        ms_ci(b[1], 64, m->c.ci.lo, m->c.ci.hi, true),
                        p_text(b[2], 64, m->c.p_holm));
        }
        fputc('\n', out);
        newest_line(out, c, o);
        if (!c->judged)
                return util_flush(out);
        fprintf(out,
                "gate: the total and %zu phase%s against each one's last stable segment; slower: "
                "Holm-adjusted Mann-Whitney p < %g and diff > max(%.3f ms, %g%%) of base\n\n",
                c->gate.nphases, plural(c->gate.nphases), s->alpha, s->min_abs / 1e6,
                s->min_rel * 100);
        if (gate_order(c, &order) < 0)
                return -ENOMEM;
        fputs(row_head, out);
        for (size_t k = 0; k < c->gate.n; k++)
                check_row(out, &c->gate.m[order[k]], o);
        fputs("\nbase (per metric: the points of the total's series after its last change point "
              "before the newest)\n",
              out);
        for (size_t k = 0; k < c->gate.n; k++) {
                const struct trend_check_base *bs = base_of(c, order[k]);

                if (!bs)
                        continue;
                fputs("  ", out);
                table_metric(out, &c->gate.m[order[k]], o);
                fprintf(out, ": points %zu..%zu (", bs->first, bs->last);
                put_text(out, o, bs->label_first);
                fputs(" .. ", out);
                put_text(out, o, bs->label_last);
                fprintf(out, "), %zu point%s, %zu runs; %zu change point%s before the newest",
                        bs->points, plural(bs->points), bs->runs, bs->changes, plural(bs->changes));
                if (bs->tail)
                        fprintf(out,
                                "; %zu newest point%s on a new level not yet confirmed, left "
                                "out",
                                bs->tail, plural(bs->tail));
                if (isfinite(bs->spread) && bs->spread > 0)
                        fprintf(out, "; sessions' spread %.1f ms", bs->spread / 1e6);
                fputc('\n', out);
        }
        free(order);
        for (size_t k = 0; k < c->nnotes; k++) {
                fputs(k ? "" : "\n", out);
                fputs("note: ", out);
                put_text(out, o, c->notes[k]);
                fputc('\n', out);
        }
        nf = fns_moved(c, NULL, &fi);
        if (nf < 0)
                return (int)nf;
        if (nf) {
                fprintf(out,
                        "\nfunctions (%ld, by |diff|; Holm among themselves: they name what "
                        "moved, they do not gate)\n",
                        nf);
                fputs(row_head, out);
                for (long k = 0; k < nf; k++)
                        check_row(out, &c->fns.m[fi[k]], o);
        }
        free(fi);
        if (c->nfresh)
                fputs("\nfunctions new among those stored (no base point stored them)\n", out);
        for (size_t k = 0; k < c->nfresh; k++) {
                char t[2][64];

                fprintf(out, "  %s ms now, at most %s ms in each base point  ",
                        ms(t[0], 64, c->fresh[k].median_new, false),
                        ms(t[1], 64, c->fresh[k].below, false));
                put_text(out, o, c->fresh[k].name);
                if (c->fresh[k].phase) {
                        fputs(" (phase ", out);
                        put_text(out, o, c->fresh[k].phase);
                        fputc(')', out);
                }
                fputc('\n', out);
        }
        return util_flush(out);
}

static void json_check_metric(struct jsonw *w, const struct compare_metric *m,
                              const struct trend_check_base *bs)
{
        jsonw_obj_begin(w);
        jsonw_kstr(w, "kind", compare_kind_name(m->kind));
        jsonw_kstr(w, "name", m->name);
        jsonw_kstr(w, "phase", m->phase);
        jsonw_kuint(w, "base_n", m->na);
        jsonw_kreal(w, "base_median_ns", m->c.median_a);
        jsonw_kuint(w, "new_n", m->nb);
        jsonw_kreal(w, "new_median_ns", m->c.median_b);
        jsonw_kreal(w, "diff_ns", m->c.diff);
        jsonw_kreal(w, "rel", m->c.rel);
        jsonw_kreal(w, "ci_lo_ns", m->c.ci.lo);
        jsonw_kreal(w, "ci_hi_ns", m->c.ci.hi);
        jsonw_kreal(w, "p", m->c.mwu.p);
        jsonw_kreal(w, "p_holm", m->c.p_holm);
        jsonw_kreal(w, "threshold_ns", m->c.threshold);
        jsonw_kstr(w, "verdict", stats_verdict_name(m->c.verdict));
        if (bs) {
                jsonw_key(w, "base");
                jsonw_obj_begin(w);
                jsonw_kuint(w, "first", bs->first);
                jsonw_kuint(w, "last", bs->last);
                jsonw_kstr(w, "label_first", bs->label_first);
                jsonw_kstr(w, "label_last", bs->label_last);
                jsonw_kuint(w, "points", bs->points);
                jsonw_kuint(w, "runs", bs->runs);
                jsonw_kuint(w, "change_points_before", bs->changes);
                jsonw_kuint(w, "tail_left_out", bs->tail);
                jsonw_kuint(w, "transient_left_out", bs->transient);
                jsonw_kreal(w, "spread_ns", bs->spread);
                jsonw_kbool(w, "within_spread", bs->within_spread);
                jsonw_obj_end(w);
        }
        jsonw_obj_end(w);
}

static int check_json(FILE *out, const struct trend_check *c, const struct histreport_options *o)
{
        const struct stats_options *s = &c->gate.stats;
        long worst = histreport_check_worst(c);
        size_t *order = NULL;
        struct jsonw *w;

        if (gate_order(c, &order) < 0)
                return -ENOMEM;
        w = json_begin(out, HISTREPORT_KIND_CHECK, o);
        if (!w) {
                free(order);
                return -ENOMEM;
        }
        jsonw_kstr(w, "verdict", check_verdict(c));
        jsonw_kbool(w, "judged", c->judged);
        jsonw_kstr(w, "why", c->why);
        jsonw_kbool(w, "regressed", c->regressed);
        if (worst >= 0) {
                jsonw_key(w, "worst");
                jsonw_obj_begin(w);
                jsonw_kstr(w, "kind", compare_kind_name(c->gate.m[worst].kind));
                jsonw_kstr(w, "name", c->gate.m[worst].name);
                jsonw_obj_end(w);
        }
        jsonw_key(w, "newest");
        jsonw_obj_begin(w);
        jsonw_kstr(w, "label", c->newest_label);
        json_entry_members(w, &c->newest, false);
        jsonw_obj_end(w);
        jsonw_kuint(w, "points", c->points);
        jsonw_key(w, "options");
        jsonw_obj_begin(w);
        jsonw_kreal(w, "alpha", s->alpha);
        jsonw_kreal(w, "min_effect_ns", s->min_abs);
        jsonw_kreal(w, "min_effect_rel", s->min_rel);
        jsonw_kreal(w, "ci_level", s->level);
        jsonw_kuint(w, "bootstrap_resamples", s->B);
        jsonw_kuint(w, "seed", s->seed);
        jsonw_obj_end(w);
        jsonw_key(w, "gate");
        jsonw_arr_begin(w);
        for (size_t k = 0; c->judged && k < c->gate.n; k++)
                json_check_metric(w, &c->gate.m[order[k]], base_of(c, order[k]));
        jsonw_arr_end(w);
        jsonw_key(w, "functions");
        jsonw_arr_begin(w);
        for (size_t k = 0; c->judged && k < c->fns.n; k++)
                json_check_metric(w, &c->fns.m[k], NULL);
        jsonw_arr_end(w);
        jsonw_key(w, "functions_new");
        jsonw_arr_begin(w);
        for (size_t k = 0; c->judged && k < c->nfresh; k++) {
                jsonw_obj_begin(w);
                jsonw_kstr(w, "name", c->fresh[k].name);
                jsonw_kstr(w, "phase", c->fresh[k].phase);
                jsonw_kreal(w, "new_median_ns", c->fresh[k].median_new);
                jsonw_kreal(w, "base_at_most_ns", c->fresh[k].below);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        jsonw_key(w, "notes");
        jsonw_arr_begin(w);
        for (size_t k = 0; k < c->nnotes; k++)
                jsonw_str(w, c->notes[k]);
        jsonw_arr_end(w);
        free(order);
        return jsonw_doc_end(w);
}

/* s as a Markdown code span: the text as it is (a code span shows
 * backslashes and markup literally), control bytes as spaces, fenced by
 * one backtick more than its longest run of them, padded by a space when
 * it starts or ends with a backtick or a space. Returns 0 or -ENOMEM. */
static int md_code(struct sbuf *sb, const char *s)
{
        size_t run = 0, longest = 0, len;
        bool pad;
        int rc = 0;

        s = s ? s : "";
        len = strlen(s);
        for (const char *p = s; *p; p++) {
                run = *p == '`' ? run + 1 : 0;
                longest = run > longest ? run : longest;
        }
        pad = len && (s[0] == '`' || s[0] == ' ' || s[len - 1] == '`' || s[len - 1] == ' ');
        for (size_t k = 0; k <= longest && !rc; k++)
                rc = sbuf_addch(sb, '`');
        if (pad && !rc)
                rc = sbuf_addch(sb, ' ');
        for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++)
                rc = sbuf_addch(sb, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
        if (pad && !rc)
                rc = sbuf_addch(sb, ' ');
        for (size_t k = 0; k <= longest && !rc; k++)
                rc = sbuf_addch(sb, '`');
        return rc;
}

/* "the total", "phase `NAME`", "`NAME`" (a function) into sb. */
static int md_metric(struct sbuf *sb, const struct compare_metric *m)
{
        if (m->kind == COMPARE_TOTAL)
                return sbuf_adds(sb, "the total");
        if (m->kind == COMPARE_PHASE && sbuf_adds(sb, "phase ") < 0)
                return -ENOMEM;
        return md_code(sb, m->name);
}

/* "3 earlier points (`A` .. `B`, 15 runs)" of a base (earlier: with that
 * word). */
static int md_base(struct sbuf *sb, const struct trend_check_base *bs, bool earlier)
{
        int rc = sbuf_addf(sb, "%zu %spoint%s (", bs->points, earlier ? "earlier " : "",
                           plural(bs->points));

        rc = rc ?: md_code(sb, bs->label_first);
        if (!rc && bs->points > 1) {
                rc = sbuf_adds(sb, " .. ");
                rc = rc ?: md_code(sb, bs->label_last);
        }
        return rc ?: sbuf_addf(sb, ", %zu runs)", bs->runs);
}

/* A row of the comment's tables: names escaped by md_escape(). */
static int md_row(struct sbuf *sb, const struct compare_metric *m, bool indent)
{
        const char *em = m->c.verdict == STATS_SLOWER || m->c.verdict == STATS_FASTER ? "**" : "";
        char b[5][64];
        int rc = sbuf_adds(sb, indent ? "| &nbsp;&nbsp;" : "| ");

        if (!rc && m->kind == COMPARE_PHASE)
                rc = sbuf_adds(sb, "phase ");
        rc = rc ?: md_escape(sb, m->name);
        return rc
                   ?: sbuf_addf(
                          sb, " | %s (%zu) | %s (%zu) | %s %s | %s | %s%s%s |\n",
                          ms(b[0], 64, m->c.median_a, false), m->na,
                          ms(b[1], 64, m->c.median_b, false), m->nb, ms(b[2], 64, m->c.diff, true),
                          ms_ci(b[3], 64, m->c.ci.lo, m->c.ci.hi, true),
                          p_text(b[4], 64, m->c.p_holm), em, stats_verdict_name(m->c.verdict), em);
}

static const char md_head[] = "| metric | base ms (n) | new ms (n) | change ms [95% CI] | "
                              "p (Holm) | verdict |\n|---|---:|---:|---|---:|---|\n";

static int md_first_line(struct sbuf *sb, const struct trend_check *c, long worst)
{
        const struct trend_check_base *bs = base_of(c, 0);
        int rc;

        if (!c->judged) {
                rc = sbuf_adds(sb, "**bootlens: boot time not judged** for ");
                rc = rc ?: md_code(sb, c->newest_label);
                rc = rc ?: sbuf_adds(sb, ": ");
                rc = rc ?: md_escape(sb, c->why);
                return rc ?: sbuf_adds(sb, "\n");
        }
        if (worst >= 0) {
                const struct compare_metric *m = &c->gate.m[worst];
                char b[3][64];

                rc = sbuf_adds(sb, "**bootlens: boot time regressed** in ");
                rc = rc ?: md_metric(sb, m);
                rc = rc
                         ?: sbuf_addf(sb, ": %s ms %s (p %s after Holm) against ",
                                      ms(b[0], 64, m->c.diff, true),
                                      ms_ci(b[1], 64, m->c.ci.lo, m->c.ci.hi, true),
                                      p_text(b[2], 64, m->c.p_holm));
                bs = base_of(c, (size_t)worst);
        } else {
                rc = sbuf_adds(sb, "**bootlens: no boot-time regression** for ");
                rc = rc ?: md_code(sb, c->newest_label);
                rc = rc ?: sbuf_adds(sb, " against ");
        }
        if (!rc && bs)
                rc = md_base(sb, bs, true);
        else if (!rc)
                rc = sbuf_adds(sb, "its base");
        return rc ?: sbuf_adds(sb, "\n");
}

/* Under the slower phase, its functions new among those stored. */
static int md_fresh(struct sbuf *sb, const struct trend_check *c, const char *phase)
{
        size_t shown = 0;
        int rc = 0;

        for (size_t k = 0; k < c->nfresh && !rc && shown < HISTREPORT_MD_FNS; k++) {
                const struct trend_check_fresh *f = &c->fresh[k];
                char b[2][64];

                if (!f->phase || strcmp(f->phase, phase) != 0)
                        continue;
                if (shown++ == 0)
                        rc = sbuf_adds(sb, "\nNew among the stored functions (no base point "
                                           "stored them: each was at most its smallest stored "
                                           "function):\n\n");
                rc = rc ?: sbuf_adds(sb, "- ");
                rc = rc ?: md_code(sb, f->name + (strncmp(f->name, "fn:", 3) == 0 ? 3 : 0));
                rc = rc
                         ?: sbuf_addf(sb, ": %s ms now, at most %s ms in each base point\n",
                                      ms(b[0], 64, f->median_new, false),
                                      ms(b[1], 64, f->below, false));
        }
        return rc;
}

/* Under the slower phase, the functions of it that moved most. */
static int md_functions(struct sbuf *sb, const struct trend_check *c, long worst)
{
        size_t *fi = NULL;
        long nf, shown;
        int rc;

        if (worst < 0 || c->gate.m[worst].kind != COMPARE_PHASE)
                return 0;
        nf = fns_moved(c, c->gate.m[worst].name, &fi);
        if (nf <= 0) {
                free(fi);
                return nf < 0 ? (int)nf : md_fresh(sb, c, c->gate.m[worst].name);
        }
        shown = nf < HISTREPORT_MD_FNS ? nf : HISTREPORT_MD_FNS;
        rc = sbuf_adds(sb, "\n#### Functions that moved in phase ");
        rc = rc ?: md_code(sb, c->gate.m[worst].name);
        rc = rc
                 ?: sbuf_addf(sb,
                              "\n\nThe %ld of %ld that moved most, by |change|; Holm among the "
                              "functions (they name, they do not gate).\n\n%s",
                              shown, nf, md_head);
        for (long k = 0; k < shown && !rc; k++)
                rc = md_row(sb, &c->fns.m[fi[k]], false);
        free(fi);
        return rc ?: md_fresh(sb, c, c->gate.m[worst].name);
}

static int check_md_build(struct sbuf *sb, const struct trend_check *c)
{
        const struct stats_options *s = &c->gate.stats;
        long worst = histreport_check_worst(c);
        size_t *order = NULL;
        int rc = md_first_line(sb, c, worst);

        rc = rc ?: sbuf_adds(sb, "\nNewest point: ");
        rc = rc ?: md_code(sb, c->newest_label);
        rc = rc ?: sbuf_adds(sb, " (session ");
        rc = rc ?: md_code(sb, c->newest.session_id);
        rc = rc ?: sbuf_adds(sb, ", variant ");
        rc = rc ?: md_code(sb, c->newest.variant);
        rc = rc
                 ?: sbuf_addf(sb, ", %zu run%s).\n", c->newest.runs_used,
                              plural(c->newest.runs_used));
        if (rc || !c->judged)
                return rc;
        if (gate_order(c, &order) < 0)
                return -ENOMEM;
        rc = sbuf_addf(sb,
                       "\nThe total and %zu phase%s, each against the runs of its last stable "
                       "segment; slower: p < %g after Holm and more than %.3f ms and %g%%.\n\n%s",
                       c->gate.nphases, plural(c->gate.nphases), s->alpha, s->min_abs / 1e6,
                       s->min_rel * 100, md_head);
        for (size_t k = 0; k < c->gate.n && !rc; k++)
                rc = md_row(sb, &c->gate.m[order[k]], c->gate.m[order[k]].kind != COMPARE_TOTAL);
        rc = rc ?: md_functions(sb, c, worst);
        rc = rc ?: sbuf_adds(sb, "\n#### Base\n\n");
        for (size_t k = 0; k < c->gate.n && !rc; k++) {
                const struct trend_check_base *bs = base_of(c, order[k]);

                if (!bs)
                        continue;
                rc = sbuf_adds(sb, "- ");
                rc = rc ?: md_metric(sb, &c->gate.m[order[k]]);
                rc = rc ?: sbuf_adds(sb, ": ");
                rc = rc ?: md_base(sb, bs, false);
                rc = rc
                         ?: sbuf_addf(sb,
                                      ", points %zu..%zu of the total's series, after %zu "
                                      "change point%s",
                                      bs->first, bs->last, bs->changes, plural(bs->changes));
                if (!rc && bs->tail)
                        rc = sbuf_addf(sb,
                                       "; the %zu newest point%s on a new level not yet "
                                       "confirmed left out",
                                       bs->tail, plural(bs->tail));
                if (!rc && isfinite(bs->spread) && bs->spread > 0)
                        rc = sbuf_addf(sb, "; the sessions' own spread %.1f ms", bs->spread / 1e6);
                rc = rc ?: sbuf_adds(sb, "\n");
        }
        for (size_t k = 0; k < c->nnotes && !rc; k++) {
                rc = sbuf_adds(sb, k ? "- " : "\nNotes:\n\n- ");
                rc = rc ?: md_escape(sb, c->notes[k]);
                rc = rc ?: sbuf_adds(sb, "\n");
        }
        free(order);
        return rc;
}

static int check_md(FILE *out, const struct trend_check *c)
{
        struct sbuf sb = SBUF_INIT;
        int rc = check_md_build(&sb, c);

        if (!rc && fwrite(sb.buf, 1, sb.len, out) != sb.len)
                rc = -EIO;
        sbuf_release(&sb);
        return rc < 0 ? rc : util_flush(out);
}

int histreport_check(FILE *out, const struct trend_check *c, const struct histreport_options *o)
{
        switch (o ? o->format : HISTREPORT_TABLE) {
        case HISTREPORT_TABLE:
                return check_table(out, c, o);
        case HISTREPORT_JSON:
                return check_json(out, c, o);
        case HISTREPORT_MD:
                return check_md(out, c);
        default:
                return -EINVAL;
        }
}
