/* md: see md.h. */
#include "reports/md.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reports/csv.h"

#define MD_MAX_COLS 64

struct md_table {
        size_t ncols;
        bool right[MD_MAX_COLS];
        size_t width[MD_MAX_COLS];
        char **cells; /* (nrows + 1) * ncols, escaped; row 0 the header */
        size_t nrows, cap;
};

int md_escape(struct sbuf *sb, const char *s)
{
        int rc = 0;

        for (; s && *s && !rc; s++) {
                unsigned char c = (unsigned char)*s;

                if (strchr("\\`|*_[]~", c))
                        rc = sbuf_addch(sb, '\\') ?: sbuf_addch(sb, (char)c);
                else if (c == '<')
                        rc = sbuf_adds(sb, "&lt;");
                else if (c == '>')
                        rc = sbuf_adds(sb, "&gt;");
                else if (c == '&')
                        rc = sbuf_adds(sb, "&amp;");
                else if (c < 0x20 || c == 0x7f)
                        rc = sbuf_addch(sb, ' ');
                else
                        rc = sbuf_addch(sb, (char)c);
        }
        return rc;
}

int md_puts(FILE *out, const char *s)
{
        struct sbuf sb;
        int rc;

        sbuf_init(&sb);
        rc = md_escape(&sb, s);
        if (rc == 0 && sb.len)
                fwrite(sb.buf, 1, sb.len, out);
        sbuf_release(&sb);
        return rc;
}

/* UTF-8 characters in s: bytes that do not continue a sequence. */
static size_t text_width(const char *s)
{
        size_t n = 0;

        for (; *s; s++)
                n += ((unsigned char)*s & 0xc0) != 0x80;
        return n;
}

static int add_row(struct md_table *t, const char *const *cells)
{
        struct sbuf sb;
        char **row;

        if (t->nrows == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 16;
                char **p = realloc(t->cells, cap * t->ncols * sizeof(*p));
                if (!p)
                        return -ENOMEM;
                t->cells = p;
                t->cap = cap;
        }
        row = t->cells + t->nrows * t->ncols;
        for (size_t k = 0; k < t->ncols; k++) {
                sbuf_init(&sb);
                if (md_escape(&sb, cells[k]) < 0) {
                        sbuf_release(&sb);
                        for (size_t j = 0; j < k; j++)
                                free(row[j]);
                        return -ENOMEM;
                }
                row[k] = sbuf_detach(&sb, NULL);
                if (text_width(row[k]) > t->width[k])
                        t->width[k] = text_width(row[k]);
        }
        t->nrows++;
        return 0;
}

struct md_table *md_table_new(size_t ncols, const char *const *headers, const bool *right)
{
        struct md_table *t;

        if (!ncols || ncols > MD_MAX_COLS)
                return NULL;
        t = calloc(1, sizeof(*t));
        if (!t)
                return NULL;
        t->ncols = ncols;
        for (size_t k = 0; k < ncols; k++) {
                t->right[k] = right && right[k];
                t->width[k] = 3; /* the alignment row's "---" */
        }
        if (add_row(t, headers) < 0) {
                md_table_free(t);
                return NULL;
        }
        return t;
}

void md_table_free(struct md_table *t)
{
        if (!t)
                return;
        for (size_t k = 0; k < t->nrows * t->ncols; k++)
                free(t->cells[k]);
        free(t->cells);
        free(t);
}

int md_table_add(struct md_table *t, const char *const *cells)
{
        return add_row(t, cells);
}

static void write_cell(FILE *out, const char *s, size_t width, bool right)
{
        size_t pad = width - text_width(s);

        fputs(" ", out);
        if (right)
                fprintf(out, "%*s", (int)pad, "");
        fputs(s, out);
        if (!right)
                fprintf(out, "%*s", (int)pad, "");
        fputs(" |", out);
}

int md_table_write(FILE *out, const struct md_table *t)
{
        for (size_t r = 0; r < t->nrows; r++) {
                fputc('|', out);
                for (size_t k = 0; k < t->ncols; k++)
                        write_cell(out, t->cells[r * t->ncols + k], t->width[k], t->right[k]);
                fputc('\n', out);
                if (r)
                        continue;
                fputc('|', out);
                for (size_t k = 0; k < t->ncols; k++) {
                        fputc(' ', out);
                        for (size_t j = 0; j + 1 < t->width[k]; j++)
                                fputc('-', out);
                        fputc(t->right[k] ? ':' : '-', out);
                        fputs(" |", out);
                }
                fputc('\n', out);
        }
        return ferror(out) ? -EIO : 0;
}

/* Why phase p is unavailable, into buf. */
static const char *phase_note(const struct phase_result *p, char *buf, size_t size)
{
        if (p->available)
                snprintf(buf, size, "%s", "");
        else if (p->inverted)
                snprintf(buf, size, "unavailable: ends before it starts");
        else if (p->why)
                snprintf(buf, size, "unavailable: %s", p->why);
        else
                snprintf(buf, size, "unavailable: no %s", p->missing ? p->missing : "boundary");
        return buf;
}

static int write_phases(FILE *out, const struct run *r, enum report_unit u)
{
        const struct phases *ph = r->analysis.phases;
        char head[32], b[64], note[512];
        const char *hdr[] = {"phase", "from", "to", head, "note"};
        const bool right[] = {false, false, false, true, false};
        struct md_table *t;
        int rc = 0;

        if (!ph || !ph->nresults)
                return 0;
        snprintf(head, sizeof(head), "time (%s)", report_unit_name(u));
        t = md_table_new(5, hdr, right);
        if (!t)
                return -ENOMEM;
        for (size_t k = 0; k < ph->nresults && !rc; k++) {
                const struct phase_result *p = &ph->results[k];
                const char *cells[] = {
                    p->def->name, p->def->from.text, p->def->to.text,
                    p->available ? csv_time_text(b, sizeof(b), &r->trace, csv_phase_ticks(p), u)
                                 : "-",
                    phase_note(p, note, sizeof(note))};
                rc = md_table_add(t, cells);
        }
        if (!rc)
                rc = md_table_write(out, t);
        md_table_free(t);
        return rc;
}

static int write_funcs(FILE *out, const struct run *r, enum report_unit u, size_t top)
{
        const struct ct_forest *f = &r->analysis.forest;
        char h1[32], h2[32], calls[32], b1[64], b2[64], label[256];
        const char *hdr[] = {"function", "thread", "calls", h1, h2};
        const bool right[] = {false, false, true, true, true};
        struct sbuf name = SBUF_INIT;
        struct md_table *t = NULL;
        uint32_t *idx;
        int n = csv_top_funcs(r, top, &idx), rc = 0;

        if (n <= 0)
                return n;
        snprintf(h1, sizeof(h1), "total (%s)", report_unit_name(u));
        snprintf(h2, sizeof(h2), "self (%s)", report_unit_name(u));
        t = md_table_new(5, hdr, right);
        rc = t ? 0 : -ENOMEM;
        for (int k = 0; k < n && !rc; k++) {
                const struct ct_func *fn = &f->funcs[idx[k]];

                sbuf_reset(&name);
                rc = csv_func_name(&name, &r->trace, fn);
                snprintf(calls, sizeof(calls), "%" PRIu64, fn->calls);
                const char *cells[] = {name.buf,
                                       ct_thread_label(f, fn->thread, label, sizeof(label)), calls,
                                       csv_time_text(b1, sizeof(b1), &r->trace, fn->total, u),
                                       csv_time_text(b2, sizeof(b2), &r->trace, fn->self, u)};
                if (!rc)
                        rc = md_table_add(t, cells);
        }
        if (!rc) {
                fprintf(out, "\nTop %d functions by total time:\n\n", n);
                rc = md_table_write(out, t);
        }
        md_table_free(t);
        sbuf_release(&name);
        free(idx);
        return rc;
}

int md_write_run(FILE *out, const struct run *r, const char *label, enum report_unit unit,
                 size_t top)
{
        enum report_unit u = report_unit_for(&r->trace, unit);
        struct sbuf sb = SBUF_INIT;
        uint64_t total;
        char b[64];
        int rc;

        rc = md_escape(&sb, label);
        if (rc < 0)
                goto out;
        fprintf(out, "### %s\n\n", sb.buf);
        if (run_total_ns(r, &total) && csv_ns_text(b, sizeof(b), total, u))
                fprintf(out, "Total (QEMU spawn to exit): %s %s\n\n", b, report_unit_name(u));
        rc = write_phases(out, r, u);
        if (!rc)
                rc = write_funcs(out, r, u, top);
        if (!rc)
                rc = ferror(out) ? -EIO : 0;
out:
        sbuf_release(&sb);
        return rc;
}

/* ---- the aggregate ---- */

/* ns (a real) in unit u (ns for cycles): 3 decimals in ms, none in us and
 * ns (short, for a comment; the CSV has every ns). */
static const char *agg_time(char *buf, size_t size, double ns, enum report_unit u)
{
        double div = u == REPORT_MS ? 1e6 : u == REPORT_US ? 1e3 : 1;

        snprintf(buf, size, "%.*f", u == REPORT_MS ? 3 : 0, ns / div);
        return buf;
}

static const char *agg_range(char *buf, size_t size, double lo, double hi, enum report_unit u)
{
        char a[48], b[48];

        snprintf(buf, size, "%s–%s", agg_time(a, sizeof(a), lo, u), agg_time(b, sizeof(b), hi, u));
        return buf;
}

/* The table of g: the total, the phases and the first top fn: metrics. */
static int agg_table(FILE *out, const struct aggreport_group *g, size_t top, enum report_unit u)
{
        char h[32], n[48], med[48], iqr[112], p[112], ci[144];
        const char *hdr[] = {"metric", "n", h, "IQR", "p10–p90", "95% CI", "outliers (runs)"};
        const bool right[] = {false, true, true, true, true, true, false};
        struct sbuf ids = SBUF_INIT;
        struct md_table *t;
        size_t nfn = 0, nself = 0;
        int rc = 0;

        snprintf(h, sizeof(h), "median (%s)", report_unit_name(u));
        t = md_table_new(7, hdr, right);
        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < g->agg.n && !rc; i++) {
                const struct aggregate_metric *m = &g->agg.v[i];
                const struct stats_summary *s = &m->sum;

                if (m->s->kind == METRIC_FN_SELF || !aggreport_in_table(m, top, &nfn, &nself) ||
                    !m->s->present)
                        continue;
                sbuf_reset(&ids);
                for (size_t k = 0; k < m->s->present && m->noutliers && !rc; k++)
                        if (m->outlier[k])
                                rc = sbuf_addf(&ids, "%s%u", ids.len ? " " : "",
                                               aggregate_run_id(&g->agg, m, k));
                if (m->s->present == m->s->n)
                        snprintf(n, sizeof(n), "%zu", m->s->n);
                else
                        snprintf(n, sizeof(n), "%zu/%zu", m->s->present, m->s->n);
                if (!aggreport_shows_ci(m)) {
                        snprintf(ci, sizeof(ci), "-");
                } else {
                        agg_range(ci, sizeof(ci), m->ci.lo, m->ci.hi, u);
                        if (m->ci.coverage < AGGREGATE_CI_LEVEL)
                                snprintf(ci + strlen(ci), sizeof(ci) - strlen(ci), " (%.1f%%)",
                                         100 * m->ci.coverage);
                }
                const char *cells[] = {m->s->name,
                                       n,
                                       agg_time(med, sizeof(med), s->median, u),
                                       agg_range(iqr, sizeof(iqr), s->q25, s->q75, u),
                                       agg_range(p, sizeof(p), s->p10, s->p90, u),
                                       ci,
                                       ids.len ? ids.buf : ""};
                if (!rc)
                        rc = md_table_add(t, cells);
        }
        if (!rc)
                rc = md_table_write(out, t);
        md_table_free(t);
        sbuf_release(&ids);
        return rc;
}

/* The failed and the starved runs of g, as lists. */
static int agg_runs(FILE *out, const struct aggreport_group *g, struct sbuf *sb)
{
        int rc = 0;

        if (g->nfailed)
                fputs("\nFailed runs (not in the aggregate):\n\n", out);
        for (size_t i = 0; i < g->nruns && !rc; i++) {
                const struct aggreport_run *u = &g->runs[i];

                if (!u->failed)
                        continue;
                sbuf_reset(sb);
                rc = sbuf_addf(sb, "%s%s%s", u->verdict, *u->reason ? ": " : "", u->reason);
                if (!rc) {
                        char *text = sbuf_detach(sb, NULL);

                        rc = text ? md_escape(sb, text) : -ENOMEM;
                        free(text);
                }
                if (!rc)
                        fprintf(out, "- run %u: %s\n", u->run, sb->buf);
        }
        if (g->nstarved)
                fputs("\nStarved by the host (docs/contention.md):\n\n", out);
        for (size_t i = 0; i < g->nruns && !rc; i++) {
                const struct aggreport_run *u = &g->runs[i];

                if (!u->starved)
                        continue;
                fprintf(out, "- run %u: run delay %.3f ms", u->run, (double)u->run_delay_ns / 1e6);
                if (u->wall_ns)
                        fprintf(out, " of %.3f ms", (double)u->wall_ns / 1e6);
                fprintf(out, ", %s\n", u->excluded ? "left out (--exclude-starved)" : "counted");
        }
        return rc;
}

int md_write_aggregate(FILE *out, const struct aggreport *ar, enum report_unit unit)
{
        enum report_unit u = unit == REPORT_CYCLES ? REPORT_NS : unit;
        struct sbuf sb = SBUF_INIT;
        int rc = 0;

        for (size_t i = 0; i < ar->ngroups && !rc; i++) {
                const struct aggreport_group *g = &ar->groups[i];

                if (i)
                        fputc('\n', out);
                sbuf_reset(&sb);
                if (ar->session)
                        rc =
                            sbuf_addf(&sb, "Aggregate of %s%s%s", ar->session,
                                      g->variant ? ", variant " : "", g->variant ? g->variant : "");
                else
                        rc = sbuf_addf(&sb, "Aggregate of %zu file%s", g->nruns,
                                       g->nruns == 1 ? "" : "s");
                if (!rc) {
                        char *text = sbuf_detach(&sb, NULL);

                        rc = text ? md_escape(&sb, text) : -ENOMEM;
                        free(text);
                }
                if (rc)
                        break;
                fprintf(out, "### %s\n\n%zu ok run%s", sb.buf, g->nok, g->nok == 1 ? "" : "s");
                if (g->nfailed)
                        fprintf(out, ", %zu failed", g->nfailed);
                if (g->nstarved)
                        fprintf(out, ", %zu starved by the host", g->nstarved);
                if (g->nexcluded)
                        fprintf(out, " (%zu left out: --exclude-starved)", g->nexcluded);
                fputs(".\n\n", out);
                rc = agg_table(out, g, ar->top, u);
                if (!rc)
                        rc = agg_runs(out, g, &sb);
        }
        sbuf_release(&sb);
        if (rc < 0)
                return rc;
        return ferror(out) ? -EIO : 0;
}
