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

        /* the trace's own clock exactly: a double would print 2^64 for
         * 2^64 - 2 */
        if (u == REPORT_CYCLES || (u == REPORT_NS && t->clock == EV_CLOCK_NS))
                snprintf(buf, size, "%" PRIu64, ticks);
        else if (u == REPORT_NS)
                snprintf(buf, size, "%.0f", v);
        else
                snprintf(buf, size, "%.3f", v);
        return buf;
}

/* ns (signed: host times before a guest clock's zero) in unit u, which
 * is not cycles. */
static const char *fmt_ns(char *buf, size_t size, int64_t ns, enum report_unit u)
{
        double v = (double)ns / (u == REPORT_MS ? 1e6 : u == REPORT_US ? 1e3 : 1);

        if (u == REPORT_CYCLES || u == REPORT_NS)
                snprintf(buf, size, "%" PRId64, ns);
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

static void write_header(FILE *out, const struct run *r, enum report_unit u)
{
        const struct analysis *a = &r->analysis;
        const struct ev_trace *t = a->trace;
        const struct ct_forest *f = &a->forest;
        char b1[64];

        /* A session run's report has the host's marks, which analysing
         * its capture as a FILE would not: not a command to rerun. */
        if (r->has_host)
                fprintf(out, "capture  %s, with the session's host marks\n",
                        t->source ? t->source : "-");
        else
                fprintf(out, "bootlens analyze %s\n", t->source ? t->source : "-");
        fprintf(out,
                "input    %s, os %s, %zu records on %zu thread%s, %zu event%s, %zu process%s\n",
                r->kind_name, ev_os_str(t->os), t->nrecs, f->nthreads, f->nthreads == 1 ? "" : "s",
                f->nevents, f->nevents == 1 ? "" : "s", t->nprocs, t->nprocs == 1 ? "" : "es");
        fprintf(out, "lines    %" PRIu64 " read, %" PRIu64 " %s, %" PRIu64 " skipped",
                t->lines_total, t->lines_records, t->os == EV_OS_LINUX ? "kernel log" : "tslog",
                t->lines_skipped);
        if (r->kind == RUN_TSLOG)
                fprintf(out,
                        " (%" PRIu64 " markers, %" PRIu64 " all-zero process rows, %" PRIu64
                        " malformed)",
                        r->tslog.lines_markers, r->tslog.lines_zero_rows, r->tslog.lines_malformed);
        fputc('\n', out);
        if (t->clock == EV_CLOCK_NS)
                fprintf(out, "clock    ns; times in %s\n", report_unit_name(u));
        else if (t->freq_hz)
                fprintf(out, "clock    TSC at %" PRIu64 " Hz (%s); times in %s\n", t->freq_hz,
                        strcmp(r->freq_source, "option") == 0 ? "from --tsc-freq"
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
        if (f->nthreads && !a->has_boot)
                fprintf(out, "boot     unavailable (a time beyond the clock range: see the "
                             "warnings)\n");
        else if (a->has_boot)
                fprintf(out,
                        "boot     %s %s (100 %% boot: from the earliest to the latest record or "
                        "phase point)\n",
                        fmt_time(b1, sizeof(b1), t, analysis_boot_span(a), u), report_unit_name(u));
}

static void write_phases(FILE *out, const struct run *r, enum report_unit u)
{
        const struct analysis *a = &r->analysis;
        const struct phases *ph = a->phases;
        uint64_t span = analysis_boot_span(a), total;
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
                const struct phase_result *p = &ph->results[k];
                fprintf(out, "  %-16s %-24s %-24s ", p->def->name, p->def->from.text,
                        p->def->to.text);
                if (p->available)
                        fprintf(
                            out, "%14s %7s\n",
                            fmt_time(b1, sizeof(b1), a->trace,
                                     (uint64_t)p->end - (uint64_t)p->start, u),
                            fmt_pct(b2, sizeof(b2), (uint64_t)p->end - (uint64_t)p->start, span));
                else if (p->inverted)
                        fprintf(out, "%14s %7s  unavailable: ends before it starts\n", "-", "-");
                else if (p->why)
                        fprintf(out, "%14s %7s  unavailable: %s\n", "-", "-", p->why);
                else
                        fprintf(out, "%14s %7s  unavailable: no %s\n", "-", "-", p->missing);
        }
        /* total: the host's span, whatever the map */
        if (run_total_ns(r, &total) && u != REPORT_CYCLES)
                fprintf(out, "  %-16s %-24s %-24s %14s %7s\n", "total", "host.spawn", "host.exit",
                        fmt_ns(b1, sizeof(b1), (int64_t)total, u),
                        r->trace.clock == EV_CLOCK_NS ? fmt_pct(b2, sizeof(b2), total, span) : "-");
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

/* The slowest initcalls of a Linux run, o->top of them. */
static int write_initcalls(FILE *out, const struct run *r, const struct report_options *o,
                           enum report_unit u)
{
        const struct dmesg_meta *m = &r->dmesg;
        struct run_initcall *ic;
        char b1[64], label[32];
        int n;

        if (!m->initcalls && !m->initcalls_open) {
                fprintf(out, "\nno initcalls: boot the kernel with initcall_debug to see them\n");
                return 0;
        }
        ic = calloc(o->top ? o->top : 1, sizeof(*ic));
        if (!ic)
                return -ENOMEM;
        n = run_slowest_initcalls(r, ic, o->top);
        if (n < 0) {
                free(ic);
                return n;
        }
        fprintf(out, "\nslowest initcalls (%" PRIu64 " returned", m->initcalls);
        if (m->initcalls_open)
                fprintf(out, ", %" PRIu64 " still running", m->initcalls_open);
        fprintf(out, ", %" PRIu64 " probes)\n", m->probes);
        if (n)
                fprintf(out, "  %14s  %-8s %s\n", "total", "thread", "initcall");
        for (int k = 0; k < n; k++) {
                snprintf(label, sizeof(label), "pid %" PRIu64, ic[k].pid);
                fprintf(out, "  %14s  %-8s %s\n",
                        fmt_time(b1, sizeof(b1), &r->trace, ic[k].total_ns, u), label, ic[k].name);
        }
        if (m->ftrace_line)
                fprintf(out,
                        "  ftrace: %" PRIu64 " function_graph calls (line %u), on threads of "
                        "their own (listed among the functions, not here)\n",
                        m->ftrace_calls, m->ftrace_line);
        free(ic);
        return 0;
}

/* How a Linux run's clocks meet the host's (stitch.h). */
static void write_clocks(FILE *out, const struct run *r, enum report_unit u)
{
        const struct dmesg_meta *m = &r->dmesg;
        const struct stitch *s = &r->stitch;
        const char *un = report_unit_name(u);
        char b1[64];

        fputc('\n', out);
        if (!r->has_host) {
                fprintf(out,
                        "clocks: kernel printk time only (no host marks: not a session run)\n");
        } else if (!s->ok) {
                fprintf(out, "clocks: not stitched: %s\n", s->why_not);
        } else {
                fprintf(out, "clocks: printk time 0 placed %s %s after spawn",
                        fmt_ns(b1, sizeof(b1), s->shift_ns, u), un);
                if (s->has_tsc0)
                        fprintf(out, "; guest TSC 0 at %s %s (TSC %.6f s at the dump)",
                                fmt_ns(b1, sizeof(b1), s->tsc0_ns, u), un, s->guest_s);
                if (s->first_byte_ns)
                        fprintf(out, "; first console byte at %s %s",
                                fmt_ns(b1, sizeof(b1), (int64_t)s->first_byte_ns, u), un);
                fprintf(out, "\n");
                if (s->tsc0_why[0])
                        fprintf(out, "        %s\n", s->tsc0_why);
                if (s->printk0_why[0])
                        fprintf(out, "        %s\n", s->printk0_why);
                if (s->exit_why[0])
                        fprintf(out, "        %s\n", s->exit_why);
                if (s->has_tsc0)
                        fprintf(out,
                                "        uncertainty: console latency, 0 to %s %s (guest times "
                                "can only appear late)\n",
                                fmt_ns(b1, sizeof(b1), (int64_t)s->latency_bound_ns, u), un);
                if (s->has_lag)
                        fprintf(out,
                                "        printk lag %s %s: the kernel's early clock lost that "
                                "much before the TSC took over (line %u)\n",
                                fmt_ns(b1, sizeof(b1), s->lag_ns, u), un, m->sched_stable_line);
                else
                        fprintf(out, "        printk lag unknown (no \"sched_clock: Marking "
                                     "stable\" line): firmware+entry includes it\n");
        }
        if (m->tsc_unstable_line)
                fprintf(out,
                        "        the kernel marked its TSC unstable (line %u): printk times "
                        "after it lag host time (boot with tsc=reliable)\n",
                        m->tsc_unstable_line);
        fprintf(out, "        under TCG the guest runs slower than real time; its TSC counts host "
                     "time\n");
}

static void ns_or_dash(FILE *out, bool has, int64_t ns, enum report_unit u)
{
        char b[64];

        fprintf(out, " %11s", has ? fmt_ns(b, sizeof(b), ns, u) : "-");
}

/* b - a of two uint64 times into *d: false when it does not fit an int64. */
static bool step(uint64_t b, uint64_t a, int64_t *d)
{
        int64_t x, y;

        return analysis_point(b, &x) && analysis_point(a, &y) && analysis_sub(x, y, d);
}

/* The user-space marks (umarks.h): each mark's time since Run /init on
 * both clocks and the step since the previous one. */
static void write_marks(FILE *out, const struct run *r, enum report_unit u)
{
        const struct umarks *um = &r->marks;
        const struct umark *last;
        struct run_mark_times t, tp;
        int64_t d = 0;
        bool has;

        if (!um->n)
                return;
        fprintf(out, "\n  user space marks (%s since Run /init%s)\n", report_unit_name(u),
                r->dmesg.run_init_line ? "" : ": no Run /init line in the log");
        fprintf(out, "  %-24s %11s %11s %11s %11s\n", "mark", "guest", "host", "step guest",
                "step host");
        for (size_t i = 0; i < um->n; i++) {
                const struct umark *m = &um->v[i];
                const struct umark *prev = &um->v[i ? i - 1 : 0];

                run_mark_times(r, i, &t);
                run_mark_times(r, i ? i - 1 : 0, &tp);
                fprintf(out, "  %-24.63s", m->name);
                ns_or_dash(out, t.has_guest, t.guest, u);
                ns_or_dash(out, t.has_host, t.host, u);
                has = i > 0 && step(m->guest_ns, prev->guest_ns, &d);
                ns_or_dash(out, has, d, u);
                has = i > 0 && m->has_host && prev->has_host && step(m->host_ns, prev->host_ns, &d);
                ns_or_dash(out, has, d, u);
                if (t.after_dump && (i == 0 || !tp.after_dump))
                        fprintf(out, "  (after the dump)");
                fputc('\n', out);
        }
        if (!r->has_host || !r->stitch.ok)
                fprintf(out, "  host times need a session run with stitched clocks\n");
        last = &um->v[um->n - 1];
        run_mark_times(r, um->n - 1, &tp);
        if (tp.after_dump && strcmp(last->name, "poweroff") != 0 &&
            strcmp(last->name, "reboot") != 0)
                fprintf(out, "  user space ran after the dump (bootlens.init): the power-off "
                             "phase includes it\n");
}

/* A host-timed run (run_host_only()): its total, nothing else. */
static int write_host_timed(FILE *out, const struct run *r)
{
        uint64_t total;

        fprintf(out, "capture  %s, with the session's host marks\n",
                r->trace.source ? r->trace.source : "-");
        if (run_total_ns(r, &total))
                fprintf(out, "total    %.3f ms, QEMU's spawn to exit\n", (double)total / 1e6);
        fputs("host-timed (timing=host): the guest dumps nothing; phases and functions are not "
              "available\n",
              out);
        return ferror(out) ? -EIO : 0;
}

int table_write(FILE *out, const struct run *r, const struct report_options *o)
{
        const struct analysis *a = &r->analysis;
        enum report_unit u = report_unit_for(&r->trace, o->unit);
        int err = 0;

        if (r->host_timed)
                return write_host_timed(out, r);
        if (!o->brief)
                write_header(out, r, u);
        write_phases(out, r, u);
        if (r->kind == RUN_LINUX) {
                err = write_initcalls(out, r, o, u);
                if (err < 0)
                        return err;
                write_clocks(out, r, u);
                write_marks(out, r, u);
        }
        if (!o->brief) {
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
        }
        if (!o->brief || r->trace.nwarns)
                err = write_warnings(out, a, o);
        if (err < 0)
                return err;
        return ferror(out) ? -EIO : 0;
}
