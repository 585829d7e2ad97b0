/* csv: see csv.h. */
#include "reports/csv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void csv_begin(struct csv_row *row, FILE *out)
{
        row->out = out;
        row->started = false;
}

static void separator(struct csv_row *row)
{
        if (row->started)
                fputc(',', row->out);
        row->started = true;
}

void csv_field(struct csv_row *row, const char *s)
{
        separator(row);
        if (!s || !s[strcspn(s, ",\"\r\n")]) {
                if (s)
                        fputs(s, row->out);
                return;
        }
        fputc('"', row->out);
        for (; *s; s++) {
                if (*s == '"')
                        fputc('"', row->out);
                fputc(*s, row->out);
        }
        fputc('"', row->out);
}

void csv_fieldf(struct csv_row *row, const char *fmt, ...)
{
        va_list ap;

        separator(row);
        va_start(ap, fmt);
        vfprintf(row->out, fmt, ap);
        va_end(ap);
}

void csv_end(struct csv_row *row)
{
        fputs("\r\n", row->out);
        row->started = false;
}

int csv_decimals(enum report_unit u)
{
        return u == REPORT_MS ? 6 : u == REPORT_US ? 3 : 0;
}

const char *csv_time_text(char *buf, size_t size, const struct ev_trace *t, uint64_t ticks,
                          enum report_unit u)
{
        snprintf(buf, size, "%.*f", csv_decimals(u), report_convert(t, ticks, u));
        return buf;
}

bool csv_ns_text(char *buf, size_t size, uint64_t ns, enum report_unit u)
{
        static const double per[] = {0, 1, 1e3, 1e6};

        if (u == REPORT_CYCLES || (unsigned)u > REPORT_MS)
                return false;
        snprintf(buf, size, "%.*f", csv_decimals(u), (double)ns / per[u]);
        return true;
}

uint64_t csv_phase_ticks(const struct phase_result *p)
{
        uint64_t d = 0;

        return analysis_span(p->start, p->end, &d) ? d : 0;
}

int csv_write_header(FILE *out)
{
        fputs("source,run,variant,kind,name,thread,calls,total,self,unit,n,present,median,q25,q75,"
              "p10,p90,min,max,ci_low,ci_high,ci_coverage,run_ids\r\n",
              out);
        return ferror(out) ? -EIO : 0;
}

/* The aggregate's columns after unit: empty in a run's row. */
#define CSV_AGG_COLUMNS 13

/* unit, the aggregate's columns left empty, and the end of a run's row. */
static void run_row_end(struct csv_row *row, enum report_unit u)
{
        csv_field(row, report_unit_name(u));
        for (int k = 0; k < CSV_AGG_COLUMNS; k++)
                csv_field(row, NULL);
        csv_end(row);
}

/* The first columns of every row of r. */
static void row_start(struct csv_row *row, FILE *out, const struct csv_run_source *src,
                      const char *kind, const char *name)
{
        csv_begin(row, out);
        csv_field(row, src->source);
        if (src->run)
                csv_fieldf(row, "%u", src->run);
        else
                csv_field(row, NULL);
        csv_field(row, src->variant);
        csv_field(row, kind);
        csv_field(row, name);
}

int csv_top_funcs(const struct run *r, size_t top, uint32_t **out)
{
        const struct ct_forest *f = &r->analysis.forest;
        uint32_t *idx;
        size_t n = 0;

        *out = NULL;
        if (!f->nfuncs || !top)
                return 0;
        idx = ct_funcs_sorted(f, true);
        if (!idx)
                return -ENOMEM;
        for (size_t k = 0; k < f->nfuncs && n < top; k++)
                if (f->funcs[idx[k]].calls) /* else only open at dump time: no time */
                        idx[n++] = idx[k];
        if (!n) {
                free(idx);
                return 0;
        }
        *out = idx;
        return (int)n;
}

int csv_func_name(struct sbuf *sb, const struct ev_trace *t, const struct ct_func *fn)
{
        const char *arg = ev_str(t, fn->arg);

        return sbuf_addf(sb, "%s%s%s", ev_str(t, fn->name), *arg ? " " : "", arg);
}

static int write_funcs(FILE *out, const struct run *r, const struct csv_run_source *src,
                       enum report_unit u, size_t top)
{
        const struct ct_forest *f = &r->analysis.forest;
        struct sbuf name = SBUF_INIT;
        struct csv_row row;
        char label[256], b1[64], b2[64];
        uint32_t *idx;
        int n = csv_top_funcs(r, top, &idx), rc = 0;

        for (int k = 0; k < n && !rc; k++) {
                const struct ct_func *fn = &f->funcs[idx[k]];

                sbuf_reset(&name);
                rc = csv_func_name(&name, &r->trace, fn);
                if (rc)
                        break;
                row_start(&row, out, src, "function", name.buf);
                csv_field(&row, ct_thread_label(f, fn->thread, label, sizeof(label)));
                csv_fieldf(&row, "%" PRIu64, fn->calls);
                csv_field(&row, csv_time_text(b1, sizeof(b1), &r->trace, fn->total, u));
                csv_field(&row, csv_time_text(b2, sizeof(b2), &r->trace, fn->self, u));
                run_row_end(&row, u);
        }
        sbuf_release(&name);
        free(idx);
        return n < 0 ? n : rc;
}

int csv_write_run(FILE *out, const struct run *r, const struct csv_run_source *src,
                  enum report_unit unit, size_t top)
{
        const struct phases *ph = r->analysis.phases;
        enum report_unit u = report_unit_for(&r->trace, unit);
        struct csv_row row;
        uint64_t total;
        char b[64];
        int rc;

        if (run_total_ns(r, &total) && csv_ns_text(b, sizeof(b), total, u)) {
                row_start(&row, out, src, "total", "total");
                csv_field(&row, NULL);
                csv_field(&row, NULL);
                csv_field(&row, b);
                csv_field(&row, NULL);
                run_row_end(&row, u);
        }
        for (size_t k = 0; ph && k < ph->nresults; k++) {
                const struct phase_result *p = &ph->results[k];

                row_start(&row, out, src, "phase", p->def->name);
                csv_field(&row, NULL);
                csv_field(&row, NULL);
                csv_field(&row, p->available
                                    ? csv_time_text(b, sizeof(b), &r->trace, csv_phase_ticks(p), u)
                                    : NULL);
                csv_field(&row, NULL);
                run_row_end(&row, u);
        }
        rc = write_funcs(out, r, src, u, top);
        if (rc < 0)
                return rc;
        return ferror(out) ? -EIO : 0;
}

/* ---- the aggregate ---- */

/* The aggregate's unit: ms, us or ns (ns for cycles: aggregates are ns). */
static enum report_unit agg_unit(enum report_unit u)
{
        return u == REPORT_CYCLES ? REPORT_NS : u;
}

/* ns (a real: a median may fall between two values) in unit u. */
static void agg_time(struct csv_row *row, double ns, enum report_unit u)
{
        double div = u == REPORT_MS ? 1e6 : u == REPORT_US ? 1e3 : 1;

        csv_fieldf(row, "%.*f", csv_decimals(u), ns / div);
}

/* The columns before the aggregate's own: source (the session), run and
 * thread, calls, total, self empty, kind and name. */
static void agg_row_start(struct csv_row *row, FILE *out, const struct aggreport *ar,
                          const struct aggreport_group *g, const char *kind, const char *name)
{
        csv_begin(row, out);
        csv_field(row, ar->session);
        csv_field(row, NULL);
        csv_field(row, g->variant);
        csv_field(row, kind);
        csv_field(row, name);
        for (int k = 0; k < 4; k++)
                csv_field(row, NULL);
}

/* A count row of g: kind "runs", name what is counted, n the count and
 * run_ids the runs. */
static int count_row(FILE *out, const struct aggreport *ar, const struct aggreport_group *g,
                     const char *name, size_t count, bool (*counted)(const struct aggreport_run *))
{
        struct sbuf ids = SBUF_INIT;
        struct csv_row row;
        int rc = 0;

        for (size_t i = 0; i < g->nruns && !rc; i++)
                if (counted(&g->runs[i]))
                        rc = sbuf_addf(&ids, "%s%u", ids.len ? " " : "", g->runs[i].run);
        if (rc) {
                sbuf_release(&ids);
                return rc;
        }
        agg_row_start(&row, out, ar, g, "runs", name);
        csv_field(&row, NULL);
        csv_fieldf(&row, "%zu", count);
        for (int k = 0; k < CSV_AGG_COLUMNS - 2; k++)
                csv_field(&row, NULL);
        csv_field(&row, ids.len ? ids.buf : NULL);
        csv_end(&row);
        sbuf_release(&ids);
        return 0;
}

static bool run_ok(const struct aggreport_run *u)
{
        return !u->failed && !u->excluded;
}
static bool run_failed(const struct aggreport_run *u)
{
        return u->failed;
}
static bool run_starved(const struct aggreport_run *u)
{
        return u->starved;
}
static bool run_left_out(const struct aggreport_run *u)
{
        return u->excluded;
}

/* The row of metric m of g. */
static int metric_row(FILE *out, const struct aggreport *ar, const struct aggreport_group *g,
                      const struct aggregate_metric *m, enum report_unit u)
{
        const struct stats_summary *s = &m->sum;
        struct sbuf ids = SBUF_INIT;
        struct csv_row row;
        int rc = 0;

        for (size_t k = 0; k < m->s->present && m->noutliers && !rc; k++)
                if (m->outlier[k])
                        rc = sbuf_addf(&ids, "%s%u", ids.len ? " " : "",
                                       aggregate_run_id(&g->agg, m, k));
        if (rc) {
                sbuf_release(&ids);
                return rc;
        }
        agg_row_start(&row, out, ar, g, "aggregate", m->s->name);
        csv_field(&row, report_unit_name(u));
        csv_fieldf(&row, "%zu", m->s->n);
        csv_fieldf(&row, "%zu", m->s->present);
        if (m->s->present) {
                agg_time(&row, s->median, u);
                agg_time(&row, s->q25, u);
                agg_time(&row, s->q75, u);
                agg_time(&row, s->p10, u);
                agg_time(&row, s->p90, u);
                agg_time(&row, s->min, u);
                agg_time(&row, s->max, u);
        } else {
                for (int k = 0; k < 7; k++)
                        csv_field(&row, NULL);
        }
        if (aggreport_shows_ci(m)) {
                agg_time(&row, m->ci.lo, u);
                agg_time(&row, m->ci.hi, u);
                csv_fieldf(&row, "%.4f", m->ci.coverage);
        } else {
                for (int k = 0; k < 3; k++)
                        csv_field(&row, NULL);
        }
        csv_field(&row, ids.len ? ids.buf : NULL);
        csv_end(&row);
        sbuf_release(&ids);
        return 0;
}

int csv_write_aggregate(FILE *out, const struct aggreport *ar, enum report_unit unit)
{
        enum report_unit u = agg_unit(unit);
        int rc = 0;

        for (size_t i = 0; i < ar->ngroups && !rc; i++) {
                const struct aggreport_group *g = &ar->groups[i];

                rc = count_row(out, ar, g, "ok", g->nok, run_ok);
                if (!rc)
                        rc = count_row(out, ar, g, "failed", g->nfailed, run_failed);
                if (!rc)
                        rc = count_row(out, ar, g, "starved", g->nstarved, run_starved);
                if (!rc)
                        rc = count_row(out, ar, g, "left_out", g->nexcluded, run_left_out);
                for (size_t k = 0, nfn = 0, nself = 0; k < g->agg.n && !rc; k++)
                        if (aggreport_in_table(&g->agg.v[k], ar->top, &nfn, &nself))
                                rc = metric_row(out, ar, g, &g->agg.v[k], u);
        }
        if (rc < 0)
                return rc;
        return ferror(out) ? -EIO : 0;
}
