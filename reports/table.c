/* table: see table.h. */
#include "reports/table.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_MAX       64
#define OPEN_INDENT_MAX 32u /* levels of indentation in "open at dump time" */

static const char *fmt_time(char *buf, size_t size, const struct ev_trace *t, uint64_t ticks,
                            enum report_unit u)
{
        double v = report_convert(t, ticks, u);

        if (u == REPORT_CYCLES || u == REPORT_NS)
                snprintf(buf, size, "%.0f", v);
        else
                snprintf(buf, size, "%.3f", v);
        return buf;
}

static const char *fmt_pct(char *buf, size_t size, uint64_t part, uint64_t whole)
{
        if (!whole)
                snprintf(buf, size, "-");
        else
                snprintf(buf, size, "%.1f", 100.0 * (double)part / (double)whole);
        return buf;
}

/* "name" or "name arg" */
static void frame_text(const struct ev_trace *t, uint32_t name, uint32_t arg, FILE *out)
{
        fputs(ev_str(t, name), out);
        if (arg) {
                fputc(' ', out);
                fputs(ev_str(t, arg), out);
        }
}

static void write_header(FILE *out, const struct analysis *a, enum report_unit u)
{
        const struct ev_trace *t = a->trace;
        const struct ct_forest *f = &a->forest;
        char b1[64];

        fprintf(out, "bootlens analyze %s\n", t->source ? t->source : "-");
        fprintf(out,
                "input    %s, os %s, %zu records on %zu thread%s, %zu event%s, %zu process%s\n",
                a->input_kind, ev_os_str(t->os), t->nrecs, f->nthreads, f->nthreads == 1 ? "" : "s",
                f->nevents, f->nevents == 1 ? "" : "s", t->nprocs, t->nprocs == 1 ? "" : "es");
        fprintf(out, "lines    %" PRIu64 " read, %" PRIu64 " %s, %" PRIu64 " skipped",
                t->lines_total, t->lines_records, t->os == EV_OS_LINUX ? "kernel log" : "tslog",
                t->lines_skipped);
        if (a->tslog)
                fprintf(out,
                        " (%" PRIu64 " markers, %" PRIu64 " all-zero process rows, %" PRIu64
                        " malformed)",
                        a->tslog->lines_markers, a->tslog->lines_zero_rows,
                        a->tslog->lines_malformed);
        fputc('\n', out);
        if (t->clock == EV_CLOCK_NS)
                fprintf(out, "clock    ns; times in %s\n", report_unit_name(u));
        else if (t->freq_hz)
                fprintf(out, "clock    TSC at %" PRIu64 " Hz (%s); times in %s\n", t->freq_hz,
                        strcmp(a->freq_source, "option") == 0 ? "from --tsc-freq"
                                                              : "from the capture",
                        report_unit_name(u));
        else
                fprintf(out, "clock    TSC, frequency unknown; times in cycles\n");
        fprintf(out, "dump     ");
        if (!f->truncated) {
                fprintf(out, "complete%s\n",
                        t->has_end_marker ? "" : " as far as can be told (no end marker)");
        } else {
                fprintf(out, "TRUNCATED:");
                if (f->truncated_by_marker)
                        fprintf(out, " begin marker at line %u and no end marker%s",
                                t->begin_marker_line, f->truncated_by_startup ? ";" : "");
                if (f->truncated_by_startup)
                        fprintf(out, " ENTER %s at line %u and no EXIT start_init",
                                ev_str(t, f->startup_name), f->startup_line);
                fputc('\n', out);
        }
        if (a->boot_end > a->boot_start || f->nthreads)
                fprintf(out,
                        "boot     %s %s (100 %% boot: from the earliest to the latest record or "
                        "phase point)\n",
                        fmt_time(b1, sizeof(b1), t, analysis_boot_span(a), u), report_unit_name(u));
}

static void write_phases(FILE *out, const struct analysis *a, enum report_unit u)
{
        const struct phases *ph = a->phases;
        uint64_t span = analysis_boot_span(a);
        char b1[64], b2[32];

        if (!ph || !ph->ndefs) {
                fprintf(out, "\nphases: no phase map for os %s (give one with --phase-map)\n",
                        ev_os_str(a->trace->os));
                return;
        }
        fprintf(out, "\nphases (%s)\n", ph->source);
        fprintf(out, "  %-16s %-24s %-24s %14s %7s\n", "phase", "from", "to", report_unit_name(u),
                "% boot");
        for (size_t k = 0; k < ph->nresults; k++) {
                const struct phase_result *r = &ph->results[k];
                fprintf(out, "  %-16s %-24s %-24s ", r->def->name, r->def->from.text,
                        r->def->to.text);
                if (r->available)
                        fprintf(
                            out, "%14s %7s\n",
                            fmt_time(b1, sizeof(b1), a->trace,
                                     (uint64_t)r->end - (uint64_t)r->start, u),
                            fmt_pct(b2, sizeof(b2), (uint64_t)r->end - (uint64_t)r->start, span));
                else if (r->inverted)
                        fprintf(out, "%14s %7s  unavailable: ends before it starts\n", "-", "-");
                else
                        fprintf(out, "%14s %7s  unavailable: no %s\n", "-", "-", r->missing);
        }
}

static int write_funcs(FILE *out, const struct analysis *a, const struct report_options *o,
                       enum report_unit u, bool by_total)
{
        const struct ct_forest *f = &a->forest;
        uint64_t span = analysis_boot_span(a);
        uint32_t *idx;
        size_t n = 0, completed = 0;
        char b1[64], b2[64], b3[32], label[LABEL_MAX];

        for (size_t k = 0; k < f->nfuncs; k++)
                completed += f->funcs[k].calls > 0;
        n = completed < o->top ? completed : o->top;
        fprintf(out, "\ntop %zu functions by %s time\n", n, by_total ? "total" : "self");
        if (!completed) {
                fprintf(out, "  (no completed ENTER/EXIT pair)\n");
                return 0;
        }
        idx = ct_funcs_sorted(f, by_total);
        if (!idx)
                return -ENOMEM;
        fprintf(out, "  %14s %14s %7s %8s  %-25s %s\n", by_total ? "total" : "self",
                by_total ? "self" : "total", "% boot", "calls", "thread", "function");
        for (size_t k = 0, shown = 0; k < f->nfuncs && shown < n; k++) {
                const struct ct_func *fn = &f->funcs[idx[k]];
                uint64_t main_v = by_total ? fn->total : fn->self;
                uint64_t other_v = by_total ? fn->self : fn->total;

                if (!fn->calls)
                        continue; /* only open at dump time: listed there */
                shown++;
                fprintf(out, "  %14s %14s %7s %8" PRIu64 "  %-25s ",
                        fmt_time(b1, sizeof(b1), a->trace, main_v, u),
                        fmt_time(b2, sizeof(b2), a->trace, other_v, u),
                        fmt_pct(b3, sizeof(b3), main_v, span), fn->calls,
                        ct_thread_label(f, fn->thread, label, sizeof(label)));
                frame_text(a->trace, fn->name, fn->arg, out);
                fputc('\n', out);
        }
        free(idx);
        return 0;
}

static void write_threads(FILE *out, const struct analysis *a, enum report_unit u)
{
        const struct ct_forest *f = &a->forest;
        char b1[64], b2[64], label[LABEL_MAX];

        fprintf(out, "\nthreads (%zu)\n", f->nthreads);
        if (!f->nthreads)
                return;
        fprintf(out, "  %-25s %-18s %8s %14s %14s %6s\n", "thread", "id", "records", "first",
                "last", "open");
        /* f->open is grouped by thread in thread order: one pass */
        for (size_t k = 0, i = 0; k < f->nthreads; k++) {
                const struct ct_thread *th = &f->threads[k];
                uint32_t open = 0;
                while (i < f->nopen && f->open[i].thread < k)
                        i++;
                for (; i < f->nopen && f->open[i].thread == k; i++)
                        open++;
                fprintf(out, "  %-25s 0x%-16" PRIx64 " %8zu %14s %14s %6u\n",
                        ct_thread_label(f, (uint32_t)k, label, sizeof(label)), th->id, th->nrecs,
                        fmt_time(b1, sizeof(b1), a->trace, th->first_ts, u),
                        fmt_time(b2, sizeof(b2), a->trace, th->last_ts, u), open);
        }
}

static void write_open(FILE *out, const struct analysis *a, enum report_unit u)
{
        const struct ct_forest *f = &a->forest;
        const struct ev_trace *t = a->trace;
        char b1[64], b2[64], label[LABEL_MAX];

        if (!f->nopen)
                return;
        fprintf(out, "\nopen at dump time (%zu frames; normal for a sleeping thread)\n", f->nopen);
        fprintf(out, "  %8s  %-25s %14s %14s  %s\n", "line", "thread", "entered", "open for",
                "frame");
        for (size_t k = 0; k < f->nopen; k++) {
                const struct ev_record *r = &t->recs[f->open[k].rec];
                uint32_t level = f->nodes[f->open[k].node].depth - 1;

                /* indentation shows nesting up to OPEN_INDENT_MAX levels, a
                 * number beyond (a deep stack must not make the report
                 * quadratic in size) */
                fprintf(out, "  %8u  %-25s %14s %14s  %*s", r->line,
                        ct_thread_label(f, f->open[k].thread, label, sizeof(label)),
                        fmt_time(b1, sizeof(b1), t, r->ts, u),
                        fmt_time(b2, sizeof(b2), t, f->end - r->ts, u),
                        2 * (int)(level < OPEN_INDENT_MAX ? level : OPEN_INDENT_MAX), "");
                if (level > OPEN_INDENT_MAX)
                        fprintf(out, "[depth %u] ", level + 1);
                frame_text(t, r->name, r->arg, out);
                fputc('\n', out);
        }
}

static void write_events(FILE *out, const struct analysis *a, const struct report_options *o,
                         enum report_unit u)
{
        const struct ct_forest *f = &a->forest;
        const struct ev_trace *t = a->trace;
        char b1[64], label[LABEL_MAX];
        size_t shown = 0;

        if (!f->nevents)
                return;
        fprintf(out, "\nevents (%zu)\n", f->nevents);
        fprintf(out, "  %8s  %-25s %14s  %-24s %s\n", "line", "thread", "at", "event", "in frame");
        for (size_t k = 0; k < f->nevents && shown < o->max_warnings; k++, shown++) {
                const struct ct_event *e = &f->events[k];
                const struct ev_record *r = &t->recs[e->rec];
                const struct ct_node *n = &f->nodes[e->node];
                int w;

                fprintf(out, "  %8u  %-25s %14s  ", r->line,
                        ct_thread_label(f, f->nodes[e->node].thread, label, sizeof(label)),
                        fmt_time(b1, sizeof(b1), t, r->ts, u));
                w = fprintf(out, "%s%s%s", ev_str(t, r->name), r->arg ? " " : "",
                            ev_str(t, r->arg));
                fprintf(out, "%*s ", w < 24 ? 24 - w : 0, "");
                if (n->parent == CT_NONE)
                        fputs("-", out);
                else
                        frame_text(t, n->name, n->arg, out);
                fputc('\n', out);
        }
        if (shown < f->nevents)
                fprintf(out, "  ... and %zu more (--format json lists every one)\n",
                        f->nevents - shown);
}

static void write_unmatched(FILE *out, const struct analysis *a, enum report_unit u)
{
        const struct ct_forest *f = &a->forest;
        const struct ev_trace *t = a->trace;
        char b1[64], label[LABEL_MAX];

        if (!f->nunmatched)
                return;
        fprintf(out, "\nunmatched EXIT (%zu)\n", f->nunmatched);
        fprintf(out, "  %8s  %-25s %14s  %s\n", "line", "thread", "at", "frame");
        for (size_t k = 0; k < f->nunmatched; k++) {
                const struct ev_record *r = &t->recs[f->unmatched[k].rec];
                fprintf(out, "  %8u  %-25s %14s  ", r->line,
                        ct_thread_label(f, f->unmatched[k].thread, label, sizeof(label)),
                        fmt_time(b1, sizeof(b1), t, r->ts, u));
                frame_text(t, r->name, r->arg, out);
                fputc('\n', out);
        }
}

static void write_processes(FILE *out, const struct analysis *a, enum report_unit u)
{
        const struct ev_trace *t = a->trace;
        char b1[64], b2[64], b3[64], name[256];

        if (!t->nprocs)
                return;
        fprintf(out, "\nprocesses (user space: %zu)\n", t->nprocs);
        fprintf(out, "  %7s %7s %14s %14s %14s  %s\n", "pid", "ppid", "forked", "exited", "lived",
                "name");
        for (size_t k = 0; k < t->nprocs; k++) {
                const struct ev_process *p = &t->procs[k];
                fprintf(out, "  %7" PRIu64 " %7" PRIu64 " %14s %14s %14s  %s\n", p->pid, p->ppid,
                        p->forked ? fmt_time(b1, sizeof(b1), t, p->forked, u) : "-",
                        p->exited ? fmt_time(b2, sizeof(b2), t, p->exited, u) : "-",
                        p->forked && p->exited && p->exited >= p->forked
                            ? fmt_time(b3, sizeof(b3), t, p->exited - p->forked, u)
                            : "-",
                        analysis_process_name(t, p, name, sizeof(name)));
        }
}

static int write_warnings(FILE *out, const struct analysis *a, const struct report_options *o)
{
        const struct ev_trace *t = a->trace;
        uint32_t *idx;
        size_t n;

        fprintf(out, "\nwarnings (%zu)\n", t->nwarns);
        if (!t->nwarns)
                return 0;
        idx = analysis_warnings_sorted(t);
        if (!idx)
                return -ENOMEM;
        n = t->nwarns < o->max_warnings ? t->nwarns : o->max_warnings;
        for (size_t k = 0; k < n; k++) {
                const struct ev_warning *w = &t->warns[idx[k]];
                if (w->line)
                        fprintf(out, "  line %u: %s\n", w->line, w->msg);
                else
                        fprintf(out, "  %s\n", w->msg);
        }
        if (n < t->nwarns)
                fprintf(out, "  ... and %zu more (--format json lists every one)\n", t->nwarns - n);
        free(idx);
        return 0;
}

int table_write(FILE *out, const struct analysis *a, const struct report_options *o)
{
        enum report_unit u = report_unit_for(a->trace, o->unit);
        int err;

        write_header(out, a, u);
        write_phases(out, a, u);
        err = write_funcs(out, a, o, u, false);
        if (err == 0)
                err = write_funcs(out, a, o, u, true);
        if (err < 0)
                return err;
        write_threads(out, a, u);
        write_open(out, a, u);
        write_unmatched(out, a, u);
        write_events(out, a, o, u);
        write_processes(out, a, u);
        err = write_warnings(out, a, o);
        if (err < 0)
                return err;
        return ferror(out) ? -EIO : 0;
}
