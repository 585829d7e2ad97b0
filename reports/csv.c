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
        fputs("source,run,variant,kind,name,thread,calls,total,self,unit\r\n", out);
        return ferror(out) ? -EIO : 0;
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
                csv_field(&row, report_unit_name(u));
                csv_end(&row);
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
                csv_field(&row, report_unit_name(u));
                csv_end(&row);
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
                csv_field(&row, report_unit_name(u));
                csv_end(&row);
        }
        rc = write_funcs(out, r, src, u, top);
        if (rc < 0)
                return rc;
        return ferror(out) ? -EIO : 0;
}
