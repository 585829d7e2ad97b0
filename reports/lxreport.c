/* lxreport: see lxreport.h. */
#include "reports/lxreport.h"

#include "analyzer/fgraph.h"
#include "reports/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define LABEL 64

int lxreport_slowest(const struct analysis *a, struct lxreport_initcall *out, size_t max,
                     char *labels)
{
        const struct ct_forest *f = &a->forest;
        const struct ev_trace *t = a->trace;
        uint32_t probe = ev_lookup(t, "probe");
        uint32_t *idx;
        size_t n = 0;

        if (!f->nfuncs || !max)
                return 0;
        idx = ct_funcs_sorted(f, true);
        if (!idx)
                return -ENOMEM;
        for (size_t k = 0; k < f->nfuncs && n < max; k++) {
                const struct ct_func *fn = &f->funcs[idx[k]];
                const struct ct_thread *th = &f->threads[fn->thread];
                char *label = labels + n * LABEL;

                if (probe && fn->name == probe)
                        continue;
                if (th->id == DMESG_PROBE_THREAD || th->id >= FGRAPH_THREAD_BASE)
                        continue; /* probes and ftrace functions are not initcalls */
                snprintf(label, LABEL, "pid %" PRIu64, th->id);
                out[n].name = ev_str(t, fn->name);
                out[n].thread = label;
                out[n].total_ns = fn->total;
                n++;
        }
        free(idx);
        return (int)n;
}

static void ms(FILE *out, uint64_t ns)
{
        fprintf(out, "%12.3f", (double)ns / 1e6);
}

static void write_phases(FILE *out, const struct analysis *a)
{
        const struct phases *ph = a->phases;
        uint64_t sum = 0;
        bool all = true;

        fprintf(out, "  %-16s %12s  %-16s %s\n", "phase", "ms", "from", "to");
        for (size_t k = 0; ph && k < ph->nresults; k++) {
                const struct phase_result *r = &ph->results[k];

                fprintf(out, "  %-16s ", r->def->name);
                if (r->available) {
                        ms(out, (uint64_t)r->end - (uint64_t)r->start);
                        sum += (uint64_t)r->end - (uint64_t)r->start;
                } else {
                        fprintf(out, "%12s", "-");
                        all = false;
                }
                fprintf(out, "  %-16s %s", r->def->from.text, r->def->to.text);
                if (!r->available)
                        fprintf(out, "  (%s)",
                                r->inverted ? "ends before it starts" : "unavailable");
                fputc('\n', out);
        }
        fprintf(out, "  %-16s ", all ? "total" : "sum of shown");
        ms(out, sum);
        fputc('\n', out);
}

static void write_stitch(FILE *out, const struct dmesg_meta *m, const struct stitch *s)
{
        if (!s) {
                fprintf(out,
                        "clocks: kernel printk time only (no host marks: not a session run)\n");
        } else if (!s->ok) {
                fprintf(out, "clocks: not stitched: %s\n", s->why_not);
        } else {
                fprintf(out, "clocks: printk time 0 placed %.3f ms after spawn", s->shift_ns / 1e6);
                if (s->has_tsc0)
                        fprintf(out, "; guest TSC 0 at %.3f ms (TSC %.6f s at the dump)",
                                s->tsc0_ns / 1e6, s->guest_s);
                if (s->first_byte_ns)
                        fprintf(out, "; first console byte at %.3f ms", s->first_byte_ns / 1e6);
                fprintf(out, "\n");
                if (s->has_tsc0)
                        fprintf(out,
                                "        uncertainty: console latency, 0 to %.3f ms (guest times "
                                "can only appear late)\n",
                                s->latency_bound_ns / 1e6);
                if (s->has_lag)
                        fprintf(out,
                                "        printk lag %.3f ms: the kernel's early clock lost that "
                                "much before the TSC took over (line %u)\n",
                                s->lag_ns / 1e6, m->sched_stable_line);
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

int lxreport_table(FILE *out, const struct analysis *a, const struct dmesg_meta *m,
                   const struct stitch *s, size_t top)
{
        struct lxreport_initcall *ic = NULL;
        char *labels = NULL;
        int n = 0;

        if (top) {
                ic = calloc(top, sizeof(*ic));
                labels = calloc(top, LABEL);
                if (!ic || !labels) {
                        free(ic);
                        free(labels);
                        return -ENOMEM;
                }
                n = lxreport_slowest(a, ic, top, labels);
                if (n < 0) {
                        free(ic);
                        free(labels);
                        return n;
                }
        }
        write_phases(out, a);
        if (m->initcalls || m->initcalls_open) {
                fprintf(out, "  slowest initcalls (%" PRIu64 " returned", m->initcalls);
                if (m->initcalls_open)
                        fprintf(out, ", %" PRIu64 " still running", m->initcalls_open);
                fprintf(out, ", %" PRIu64 " probes)\n", m->probes);
                for (int k = 0; k < n; k++) {
                        fprintf(out, "  ");
                        ms(out, ic[k].total_ns);
                        fprintf(out, "  %-7s %s\n", ic[k].thread, ic[k].name);
                }
        } else {
                fprintf(out, "  no initcalls: boot the kernel with initcall_debug to see them\n");
        }
        if (m->ftrace_line)
                fprintf(out,
                        "  ftrace: %" PRIu64 " function_graph calls (line %u), on threads of "
                        "their own (bootlens analyze FILE shows them)\n",
                        m->ftrace_calls, m->ftrace_line);
        write_stitch(out, m, s);
        free(ic);
        free(labels);
        return ferror(out) ? -EIO : 0;
}

static int set(json_t *o, const char *k, json_t *v)
{
        return v ? json_object_set_new(o, k, v) : -1;
}

static json_t *phases_json(const struct analysis *a)
{
        json_t *arr = json_array();
        const struct phases *ph = a->phases;

        for (size_t k = 0; arr && ph && k < ph->nresults; k++) {
                const struct phase_result *r = &ph->results[k];
                json_t *o = json_object();

                if (!o || set(o, "name", json_report_string(r->def->name)) ||
                    set(o, "from", json_report_string(r->def->from.text)) ||
                    set(o, "to", json_report_string(r->def->to.text)) ||
                    set(o, "ns",
                        r->available
                            ? json_integer((json_int_t)((uint64_t)r->end - (uint64_t)r->start))
                            : json_null()) ||
                    (!r->available &&
                     set(o, "missing",
                         json_report_string(r->inverted ? "inverted" : r->missing)))) {
                        json_decref(o);
                        json_decref(arr);
                        return NULL;
                }
                if (json_array_append_new(arr, o)) { /* o is released */
                        json_decref(arr);
                        return NULL;
                }
        }
        return arr;
}

static json_t *stitch_json(const struct stitch *s)
{
        json_t *o = json_object();

        if (!o)
                return NULL;
        if (!s) {
                if (set(o, "ok", json_false()) ||
                    set(o, "why_not", json_string("not a session run"))) {
                        json_decref(o);
                        return NULL;
                }
                return o;
        }
        if (set(o, "ok", json_boolean(s->ok)) ||
            (!s->ok && set(o, "why_not", json_string(s->why_not))) ||
            set(o, "shift_ns", json_integer(s->shift_ns)) ||
            set(o, "dump_begin_ns", json_integer((json_int_t)s->dump_begin_ns)) ||
            set(o, "anchor_ns", json_integer((json_int_t)s->anchor_ns)) ||
            set(o, "first_byte_ns", json_integer((json_int_t)s->first_byte_ns)) ||
            set(o, "exit_ns", json_integer((json_int_t)s->exit_ns)) ||
            set(o, "tsc0_ns", s->has_tsc0 ? json_integer(s->tsc0_ns) : json_null()) ||
            set(o, "printk0_ns", json_integer(s->printk0_ns)) ||
            set(o, "guest_tsc_s", json_real(s->guest_s)) ||
            set(o, "lag_ns", s->has_lag ? json_integer(s->lag_ns) : json_null()) ||
            set(o, "monotonic_offset_ns", json_integer(s->offset_ns)) ||
            set(o, "latency_bound_ns",
                s->has_tsc0 ? json_integer((json_int_t)s->latency_bound_ns) : json_null()) ||
            set(o, "note",
                json_string("host times are ns since QEMU was spawned; guest times can only "
                            "appear late, by the console latency (at most latency_bound_ns); "
                            "under TCG the guest runs slower than real time but its TSC counts "
                            "host time"))) {
                json_decref(o);
                return NULL;
        }
        return o;
}

json_t *lxreport_json(const struct analysis *a, const struct dmesg_meta *m, const struct stitch *s,
                      size_t top)
{
        json_t *o = json_object(), *ic = json_object(), *slow = json_array(), *k = json_object(),
               *warns = json_array();
        struct lxreport_initcall *v = calloc(top ? top : 1, sizeof(*v));
        char *labels = calloc(top ? top : 1, LABEL);
        int n = v && labels ? lxreport_slowest(a, v, top, labels) : -ENOMEM;
        const struct ev_trace *t = a->trace;
        uint64_t dump;

        if (!o || !ic || !slow || !k || !warns || n < 0)
                goto out_fail;
        for (int i = 0; i < n; i++) {
                json_t *e = json_object();

                if (!e || set(e, "name", json_report_string(v[i].name)) ||
                    set(e, "thread", json_report_string(v[i].thread)) ||
                    set(e, "ns", json_integer((json_int_t)v[i].total_ns))) {
                        json_decref(e);
                        goto out_fail;
                }
                if (json_array_append_new(slow, e)) /* e is released */
                        goto out_fail;
        }
        for (size_t i = 0; i < t->nwarns; i++) {
                json_t *e = json_object();

                if (!e || set(e, "line", json_integer(t->warns[i].line)) ||
                    set(e, "message", json_report_string(t->warns[i].msg))) {
                        json_decref(e);
                        goto out_fail;
                }
                if (json_array_append_new(warns, e)) /* e is released */
                        goto out_fail;
        }
        if (set(ic, "count", json_integer((json_int_t)m->initcalls)) ||
            set(ic, "open", json_integer((json_int_t)m->initcalls_open)) ||
            set(ic, "probes", json_integer((json_int_t)m->probes)) ||
            json_object_set(ic, "slowest", slow))
                goto out_fail;
        if (set(k, "printk_lines", json_integer((json_int_t)m->lines_printk)) ||
            set(k, "first_initcall_ns",
                m->first_initcall_ns ? json_integer((json_int_t)m->first_initcall_ns)
                                     : json_null()) ||
            set(k, "last_initcall_ns",
                m->last_initcall_ns ? json_integer((json_int_t)m->last_initcall_ns)
                                    : json_null()) ||
            set(k, "run_init_ns",
                m->run_init_line ? json_integer((json_int_t)m->run_init_ns) : json_null()) ||
            set(k, "uptime_ns",
                m->has_uptime ? json_integer((json_int_t)m->uptime_ns) : json_null()) ||
            set(k, "printk_at_dump_ns",
                dmesg_printk_at_dump(m, &dump) ? json_integer((json_int_t)dump) : json_null()) ||
            set(k, "tsc_now", m->has_tsc ? json_integer((json_int_t)m->tsc_now) : json_null()) ||
            set(k, "tsc_freq", m->has_tsc ? json_integer((json_int_t)m->tsc_freq) : json_null()) ||
            set(k, "ftrace_calls", json_integer((json_int_t)m->ftrace_calls)))
                goto out_fail;
        if (set(o, "phases", phases_json(a)) || json_object_set(o, "initcalls", ic) ||
            json_object_set(o, "kernel", k) || set(o, "stitch", stitch_json(s)) ||
            json_object_set(o, "warnings", warns))
                goto out_fail;
        json_decref(ic);
        json_decref(slow);
        json_decref(k);
        json_decref(warns);
        free(v);
        free(labels);
        return o;
out_fail:
        json_decref(o);
        json_decref(ic);
        json_decref(slow);
        json_decref(k);
        json_decref(warns);
        free(v);
        free(labels);
        return NULL;
}

/* A mark's times since Run /init: guest always when the log has the line,
 * host when it was stamped and the clocks are stitched. */
struct mark_times {
        bool has_guest, has_host;
        int64_t guest, host;
};

static struct mark_times mark_times(const struct umark *u, const struct dmesg_meta *m,
                                    const struct stitch *s)
{
        struct mark_times t = {0};

        if (m->run_init_line) {
                t.has_guest = true;
                t.guest = (int64_t)u->guest_ns - (int64_t)m->run_init_ns;
                if (u->has_host && s && s->ok) {
                        t.has_host = true;
                        t.host = (int64_t)u->host_ns - (s->shift_ns + (int64_t)m->run_init_ns);
                }
        }
        return t;
}

static void ms_or_dash(FILE *out, bool has, int64_t ns)
{
        if (has)
                fprintf(out, " %11.3f", (double)ns / 1e6);
        else
                fprintf(out, " %11s", "-");
}

int lxreport_marks_table(FILE *out, const struct umarks *um, const struct dmesg_meta *m,
                         const struct stitch *s)
{
        uint64_t dump = 0;
        bool has_dump = dmesg_printk_at_dump(m, &dump);
        const struct umark *last;

        if (!um->n)
                return 0;
        fprintf(out, "  user space marks (ms since Run /init%s)\n",
                m->run_init_line ? "" : ": no Run /init line in the log");
        fprintf(out, "  %-24s %11s %11s %11s %11s\n", "mark", "guest", "host", "step guest",
                "step host");
        for (size_t i = 0; i < um->n; i++) {
                const struct umark *u = &um->v[i];
                struct mark_times t = mark_times(u, m, s);
                bool step_host = i > 0 && u->has_host && um->v[i - 1].has_host;

                fprintf(out, "  %-24.63s", u->name);
                ms_or_dash(out, t.has_guest, t.guest);
                ms_or_dash(out, t.has_host, t.host);
                ms_or_dash(out, i > 0, (int64_t)u->guest_ns - (int64_t)um->v[i - (i > 0)].guest_ns);
                ms_or_dash(out, step_host,
                           (int64_t)u->host_ns - (int64_t)um->v[i - (i > 0)].host_ns);
                if (has_dump && u->guest_ns >= dump && (i == 0 || um->v[i - 1].guest_ns < dump))
                        fprintf(out, "  (after the dump)");
                fputc('\n', out);
        }
        if (!s || !s->ok)
                fprintf(out, "  host times need a session run with stitched clocks\n");
        last = &um->v[um->n - 1];
        if (has_dump && last->guest_ns >= dump && strcmp(last->name, "poweroff") != 0 &&
            strcmp(last->name, "reboot") != 0)
                fprintf(out, "  user space ran after the dump (bootlens.init): the power-off "
                             "phase includes it\n");
        return ferror(out) ? -EIO : 0;
}

static json_t *ns_or_null(bool has, int64_t ns)
{
        return has ? json_integer((json_int_t)ns) : json_null();
}

json_t *lxreport_marks_json(const struct umarks *um, const struct dmesg_meta *m,
                            const struct stitch *s)
{
        json_t *arr = json_array();
        uint64_t dump = 0;
        bool has_dump = dmesg_printk_at_dump(m, &dump);

        for (size_t i = 0; arr && i < um->n; i++) {
                const struct umark *u = &um->v[i];
                struct mark_times t = mark_times(u, m, s);
                json_t *o = json_object();

                if (!o || set(o, "name", json_string(u->name)) ||
                    set(o, "line", json_integer(u->line)) ||
                    set(o, "guest_ns", json_integer((json_int_t)u->guest_ns)) ||
                    set(o, "since_run_init_ns", ns_or_null(t.has_guest, t.guest)) ||
                    set(o, "host_ns", ns_or_null(u->has_host, (int64_t)u->host_ns)) ||
                    set(o, "host_since_run_init_ns", ns_or_null(t.has_host, t.host)) ||
                    set(o, "after_dump", json_boolean(has_dump && u->guest_ns >= dump))) {
                        json_decref(o);
                        json_decref(arr);
                        return NULL;
                }
                if (json_array_append_new(arr, o)) { /* o is released */
                        json_decref(arr);
                        return NULL;
                }
        }
        return arr;
}
