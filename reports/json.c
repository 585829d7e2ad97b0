/* json: see json.h. */
#include "reports/json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bootlens_config.h"

/* An input line, null when 0 (tied to no line). */
static void kline(struct jsonw *w, const char *key, uint32_t line)
{
        jsonw_key(w, key);
        if (line)
                jsonw_uint(w, line);
        else
                jsonw_null(w);
}

/* A string id of t, null when 0 (none). */
static void kid(struct jsonw *w, const char *key, const struct ev_trace *t, uint32_t id)
{
        jsonw_kstr(w, key, id ? ev_str(t, id) : NULL);
}

/* v when has, else null. */
static void kint_or_null(struct jsonw *w, const char *key, bool has, int64_t v)
{
        jsonw_key(w, key);
        if (has)
                jsonw_int(w, v);
        else
                jsonw_null(w);
}

/* v when has, else null; beyond INT64_MAX null too (jsonw_uint). */
static void kuint_or_null(struct jsonw *w, const char *key, bool has, uint64_t v)
{
        jsonw_key(w, key);
        if (has)
                jsonw_uint(w, v);
        else
                jsonw_null(w);
}

/* x >= 0 rounded to nearest into *v: false when it is not below 2^63
 * (llround overflows beyond a long: a guest's tsc_freq=1 makes huge ns
 * values), which is written as null rather than a clamped number. */
static bool round_ns(double x, uint64_t *v)
{
        if (!(x >= 0) || x >= 9223372036854775808.0)
                return false;
        *v = (uint64_t)llround(x);
        return true;
}

/* k = key + suffix; key is one of ours (short), k holds 64 bytes. This is
 * on the hot path of big reports: no snprintf. */
static void suffixed(char k[64], const char *key, const char *suffix)
{
        size_t kl = strlen(key), sl = strlen(suffix);

        if (kl + sl >= 64)
                kl = 63 - sl;
        memcpy(k, key, kl);
        memcpy(k + kl, suffix, sl + 1);
}

/* key_cycles (for a cycle trace) and key_ns when convertible. */
static void put_time(struct jsonw *w, const struct ev_trace *t, const char *key, uint64_t ticks)
{
        char k[64];
        double ns;

        if (t->clock == EV_CLOCK_CYCLES) {
                suffixed(k, key, "_cycles");
                jsonw_kuint(w, k, ticks);
        }
        if (ev_to_ns(t, ticks, &ns)) {
                uint64_t v = ticks;
                bool ok = t->clock == EV_CLOCK_NS || round_ns(ns, &v);

                suffixed(k, key, "_ns");
                kuint_or_null(w, k, ok, v);
        }
}

/* The same for a signed time (phase boundaries, boot start: a point may
 * lie before the clock's zero). */
static void put_stime(struct jsonw *w, const struct ev_trace *t, const char *key, int64_t ticks)
{
        char k[64];
        double ns;

        if (ticks >= 0) {
                put_time(w, t, key, (uint64_t)ticks);
                return;
        }
        if (t->clock == EV_CLOCK_CYCLES) {
                suffixed(k, key, "_cycles");
                jsonw_kint(w, k, ticks);
        }
        if (ev_to_ns(t, -(uint64_t)ticks, &ns)) { /* ticks may be INT64_MIN */
                uint64_t v = 0;
                bool ok = t->clock == EV_CLOCK_NS || round_ns(ns, &v);

                suffixed(k, key, "_ns");
                kint_or_null(w, k, ok, t->clock == EV_CLOCK_NS ? ticks : -(int64_t)v);
        }
}

/* The keys put_time() would write, each null: a time that is unavailable. */
static void put_null_time(struct jsonw *w, const struct ev_trace *t, const char *key)
{
        char k[64];
        double ns;

        if (t->clock == EV_CLOCK_CYCLES) {
                suffixed(k, key, "_cycles");
                kuint_or_null(w, k, false, 0);
        }
        if (ev_to_ns(t, 0, &ns)) {
                suffixed(k, key, "_ns");
                kuint_or_null(w, k, false, 0);
        }
}

static void input_obj(struct jsonw *w, const struct run *r)
{
        const struct ev_trace *t = &r->trace;
        bool tslog = r->kind == RUN_TSLOG;

        jsonw_key(w, "input");
        jsonw_obj_begin(w);
        jsonw_kstr(w, "kind", r->kind_name);
        jsonw_kstr(w, "os", ev_os_str(t->os));
        jsonw_kstr(w, "clock", t->clock == EV_CLOCK_NS ? "ns" : "cycles");
        kuint_or_null(w, "freq_hz", t->freq_hz, t->freq_hz);
        jsonw_kstr(w, "freq_source", r->freq_source);
        jsonw_key(w, "lines");
        jsonw_obj_begin(w);
        jsonw_kuint(w, "total", t->lines_total);
        jsonw_kuint(w, "records", t->lines_records);
        jsonw_kuint(w, "skipped", t->lines_skipped);
        if (tslog) {
                jsonw_kuint(w, "markers", r->tslog.lines_markers);
                jsonw_kuint(w, "zero_process_rows", r->tslog.lines_zero_rows);
                jsonw_kuint(w, "malformed", r->tslog.lines_malformed);
        }
        jsonw_obj_end(w);
        jsonw_kuint(w, "records", t->nrecs);
        jsonw_kuint(w, "processes", t->nprocs);
        kline(w, "begin_marker_line", t->begin_marker_line);
        kline(w, "end_marker_line", t->end_marker_line);
        if (tslog) {
                jsonw_kuint(w, "backward_steps", r->tslog.backward_steps);
                jsonw_key(w, "tsc_now");
                if (r->tslog.has_tsc_now)
                        jsonw_uint(w, r->tslog.tsc_now);
                else
                        jsonw_null(w);
        }
        jsonw_obj_end(w);
}

static void dump_obj(struct jsonw *w, const struct run *r)
{
        const struct ct_forest *f = &r->analysis.forest;
        const struct ev_trace *t = &r->trace;

        jsonw_key(w, "dump");
        jsonw_obj_begin(w);
        jsonw_kbool(w, "truncated", f->truncated);
        jsonw_key(w, "reasons");
        jsonw_arr_begin(w);
        if (f->truncated_by_marker) {
                jsonw_obj_begin(w);
                jsonw_kstr(w, "rule", "begin marker without end marker");
                kline(w, "line", t->begin_marker_line);
                jsonw_obj_end(w);
        }
        if (f->truncated_by_startup) {
                char why[128];

                snprintf(why, sizeof(why), "ENTER %s without EXIT start_init",
                         ev_str(t, f->startup_name));
                jsonw_obj_begin(w);
                jsonw_kstr(w, "rule", why);
                kline(w, "line", f->startup_line);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        jsonw_obj_end(w);
}

static void boot_obj(struct jsonw *w, const struct run *r)
{
        const struct analysis *a = &r->analysis;
        uint64_t total;
        bool has_total = run_total_ns(r, &total);

        jsonw_key(w, "boot");
        jsonw_obj_begin(w);
        if (a->forest.nthreads && !a->has_boot) {
                /* a time beyond the clock range (a warning says so) */
                put_null_time(w, a->trace, "start");
                put_null_time(w, a->trace, "end");
                put_null_time(w, a->trace, "span");
        } else {
                put_stime(w, a->trace, "start", a->boot_start);
                put_stime(w, a->trace, "end", a->boot_end);
                put_time(w, a->trace, "span", analysis_boot_span(a));
        }
        jsonw_obj_end(w);
        kuint_or_null(w, "total_ns", has_total, total); /* run_total_ns: <= EV_CLOCK_MAX */
}

static void phases_arr(struct jsonw *w, const struct run *r)
{
        const struct phases *ph = r->phases;
        const struct ev_trace *t = &r->trace;

        jsonw_kstr(w, "phase_map", ph && ph->ndefs ? ph->source : NULL);
        jsonw_key(w, "phases");
        jsonw_arr_begin(w);
        for (size_t k = 0; ph && k < ph->nresults; k++) {
                const struct phase_result *p = &ph->results[k];

                jsonw_obj_begin(w);
                jsonw_kstr(w, "name", p->def->name);
                jsonw_kstr(w, "from", p->def->from.text);
                jsonw_kstr(w, "to", p->def->to.text);
                jsonw_kbool(w, "available", p->available);
                if (p->has_start) {
                        put_stime(w, t, "start", p->start);
                        kline(w, "start_line", p->start_line);
                }
                if (p->has_end) {
                        put_stime(w, t, "end", p->end);
                        kline(w, "end_line", p->end_line);
                }
                if (p->available)
                        put_time(w, t, "duration", (uint64_t)p->end - (uint64_t)p->start);
                if (!p->available) {
                        jsonw_kstr(w, "why",
                                   p->inverted ? "ends before it starts"
                                   : p->why    ? p->why
                                               : "missing boundary");
                        jsonw_kstr(w, "missing", p->missing);
                }
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
}

static void initcalls_obj(struct jsonw *w, const struct run *r, size_t top)
{
        const struct dmesg_meta *m = &r->dmesg;
        struct run_initcall *v;
        char label[32];
        int n;

        jsonw_key(w, "initcalls");
        if (r->kind != RUN_LINUX) {
                jsonw_null(w);
                return;
        }
        v = calloc(top ? top : 1, sizeof(*v));
        n = v ? run_slowest_initcalls(r, v, top) : -ENOMEM;
        jsonw_obj_begin(w);
        jsonw_kuint(w, "count", m->initcalls);
        jsonw_kuint(w, "open", m->initcalls_open);
        jsonw_kuint(w, "probes", m->probes);
        jsonw_key(w, "slowest");
        jsonw_arr_begin(w);
        for (int i = 0; i < n; i++) {
                snprintf(label, sizeof(label), "pid %" PRIu64, v[i].pid);
                jsonw_obj_begin(w);
                jsonw_kstr(w, "name", v[i].name);
                jsonw_kstr(w, "thread", label);
                jsonw_kuint(w, "total_ns", v[i].total_ns);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        jsonw_obj_end(w);
        free(v);
        if (n < 0)
                jsonw_fail(w, n);
}

static void kernel_obj(struct jsonw *w, const struct run *r)
{
        const struct dmesg_meta *m = &r->dmesg;
        uint64_t dump = 0;
        bool has_dump = dmesg_printk_at_dump(m, &dump);

        jsonw_key(w, "kernel");
        if (r->kind != RUN_LINUX) {
                jsonw_null(w);
                return;
        }
        jsonw_obj_begin(w);
        jsonw_kuint(w, "printk_lines", m->lines_printk);
        kuint_or_null(w, "first_initcall_ns", m->first_initcall_ns, m->first_initcall_ns);
        kuint_or_null(w, "last_initcall_ns", m->last_initcall_ns, m->last_initcall_ns);
        kuint_or_null(w, "run_init_ns", m->run_init_line, m->run_init_ns);
        kuint_or_null(w, "uptime_ns", m->has_uptime, m->uptime_ns);
        kuint_or_null(w, "printk_at_dump_ns", has_dump, dump);
        kuint_or_null(w, "tsc_now", m->has_tsc, m->tsc_now);
        kuint_or_null(w, "tsc_freq", m->has_tsc, m->tsc_freq);
        jsonw_kuint(w, "ftrace_calls", m->ftrace_calls);
        jsonw_obj_end(w);
}

static void stitch_obj(struct jsonw *w, const struct run *r)
{
        const struct stitch *s = &r->stitch;

        jsonw_key(w, "stitch");
        if (r->kind != RUN_LINUX || !r->has_host) {
                jsonw_null(w);
                return;
        }
        jsonw_obj_begin(w);
        jsonw_kbool(w, "ok", s->ok);
        jsonw_kstr(w, "why_not", s->ok ? NULL : s->why_not);
        jsonw_kint(w, "shift_ns", s->shift_ns);
        jsonw_kuint(w, "dump_begin_ns", s->dump_begin_ns);
        jsonw_kuint(w, "anchor_ns", s->anchor_ns);
        jsonw_kuint(w, "first_byte_ns", s->first_byte_ns);
        jsonw_kuint(w, "exit_ns", s->exit_ns);
        kint_or_null(w, "tsc0_ns", s->has_tsc0, s->tsc0_ns);
        jsonw_kint(w, "printk0_ns", s->printk0_ns);
        jsonw_kstr(w, "tsc0_why", s->tsc0_why[0] ? s->tsc0_why : NULL);
        jsonw_kstr(w, "printk0_why", s->printk0_why[0] ? s->printk0_why : NULL);
        jsonw_kstr(w, "exit_why", s->exit_why[0] ? s->exit_why : NULL);
        jsonw_kreal(w, "guest_tsc_s", s->guest_s);
        kint_or_null(w, "lag_ns", s->has_lag, s->lag_ns);
        jsonw_kint(w, "monotonic_offset_ns", s->offset_ns);
        kuint_or_null(w, "latency_bound_ns", s->has_tsc0, s->latency_bound_ns);
        jsonw_kstr(
            w, "note",
            "host times are ns since QEMU was spawned; guest times can only appear late, by the "
            "console latency (at most latency_bound_ns); under TCG the guest runs slower than "
            "real time but its TSC counts host time");
        jsonw_obj_end(w);
}

static void marks_arr(struct jsonw *w, const struct run *r)
{
        jsonw_key(w, "marks");
        jsonw_arr_begin(w);
        for (size_t i = 0; i < r->marks.n; i++) {
                const struct umark *u = &r->marks.v[i];
                struct run_mark_times t;

                run_mark_times(r, i, &t);
                jsonw_obj_begin(w);
                jsonw_kstr(w, "name", u->name);
                kline(w, "line", u->line);
                jsonw_kuint(w, "guest_ns", u->guest_ns);
                kint_or_null(w, "since_run_init_ns", t.has_guest, t.guest);
                kuint_or_null(w, "host_ns", u->has_host, u->host_ns);
                kint_or_null(w, "host_since_run_init_ns", t.has_host, t.host);
                jsonw_kbool(w, "after_dump", t.after_dump);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
}

static void node_obj(struct jsonw *w, const struct analysis *a, uint32_t id)
{
        const struct ct_node *n = &a->forest.nodes[id];
        const struct ct_node *p = &a->forest.nodes[n->parent];

        jsonw_obj_begin(w);
        jsonw_kuint(w, "id", id);
        kint_or_null(w, "parent", p->parent != CT_NONE, n->parent);
        jsonw_kuint(w, "depth", n->depth);
        jsonw_kstr(w, "name", ev_str(a->trace, n->name));
        kid(w, "arg", a->trace, n->arg);
        jsonw_kuint(w, "calls", n->calls);
        jsonw_kint(w, "open", n->open);
        put_time(w, a->trace, "total", n->total);
        put_time(w, a->trace, "self", n->self);
        kline(w, "first_line", n->first_line);
        jsonw_obj_end(w);
}

/* Pre-order walk of a thread's nodes without recursion. */
static void thread_nodes(struct jsonw *w, const struct analysis *a, const struct ct_thread *th)
{
        const struct ct_forest *f = &a->forest;
        uint32_t cur = f->nodes[th->root].first_child;

        while (cur != CT_NONE && !w->err) {
                node_obj(w, a, cur);
                if (f->nodes[cur].first_child != CT_NONE) {
                        cur = f->nodes[cur].first_child;
                        continue;
                }
                while (cur != CT_NONE && f->nodes[cur].next_sibling == CT_NONE) {
                        cur = f->nodes[cur].parent;
                        if (cur == th->root)
                                cur = CT_NONE;
                }
                if (cur != CT_NONE)
                        cur = f->nodes[cur].next_sibling;
        }
}

static void threads_arr(struct jsonw *w, const struct analysis *a)
{
        const struct ct_forest *f = &a->forest;
        const struct ev_trace *t = a->trace;

        jsonw_key(w, "threads");
        jsonw_arr_begin(w);
        for (size_t k = 0; k < f->nthreads && !w->err; k++) {
                const struct ct_thread *th = &f->threads[k];
                char buf[128];

                jsonw_obj_begin(w);
                jsonw_kuint(w, "index", k);
                snprintf(buf, sizeof(buf), "0x%" PRIx64, th->id);
                jsonw_kstr(w, "id", buf);
                jsonw_kstr(w, "label", ct_thread_label(f, (uint32_t)k, buf, sizeof(buf)));
                kid(w, "name", t, th->name);
                jsonw_kbool(w, "boot", th->is_boot);
                jsonw_kuint(w, "records", th->nrecs);
                put_time(w, t, "first", th->first_ts);
                put_time(w, t, "last", th->last_ts);
                jsonw_key(w, "nodes");
                jsonw_arr_begin(w);
                thread_nodes(w, a, th);
                jsonw_arr_end(w);
                jsonw_key(w, "events");
                jsonw_arr_begin(w);
                for (size_t e = 0; e < th->nevents; e++) {
                        const struct ct_event *ev = &f->events[th->first_event + e];
                        const struct ev_record *r = &t->recs[ev->rec];

                        jsonw_obj_begin(w);
                        kline(w, "line", r->line);
                        put_time(w, t, "at", r->ts);
                        jsonw_kstr(w, "name", ev_str(t, r->name));
                        kid(w, "arg", t, r->arg);
                        kint_or_null(w, "node", ev->node != th->root, ev->node);
                        jsonw_obj_end(w);
                }
                jsonw_arr_end(w);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
}

static void functions_arr(struct jsonw *w, const struct analysis *a)
{
        const struct ct_forest *f = &a->forest;
        uint32_t *idx = ct_funcs_sorted(f, false);

        if (!idx && f->nfuncs)
                jsonw_fail(w, -ENOMEM);
        jsonw_key(w, "functions");
        jsonw_arr_begin(w);
        for (size_t k = 0; idx && k < f->nfuncs && !w->err; k++) {
                const struct ct_func *fn = &f->funcs[idx[k]];

                jsonw_obj_begin(w);
                jsonw_kuint(w, "thread", fn->thread);
                jsonw_kstr(w, "name", ev_str(a->trace, fn->name));
                kid(w, "arg", a->trace, fn->arg);
                jsonw_kuint(w, "calls", fn->calls);
                put_time(w, a->trace, "self", fn->self);
                put_time(w, a->trace, "total", fn->total);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        free(idx);
}

static void refs_arr(struct jsonw *w, const char *key, const struct analysis *a,
                     const struct ct_ref *refs, size_t n, bool open)
{
        const struct ev_trace *t = a->trace;

        jsonw_key(w, key);
        jsonw_arr_begin(w);
        for (size_t k = 0; k < n && !w->err; k++) {
                const struct ev_record *r = &t->recs[refs[k].rec];

                jsonw_obj_begin(w);
                jsonw_kuint(w, "thread", refs[k].thread);
                kline(w, "line", r->line);
                jsonw_kstr(w, "name", ev_str(t, r->name));
                kid(w, "arg", t, r->arg);
                put_time(w, t, "at", r->ts);
                if (open) {
                        jsonw_kuint(w, "node", refs[k].node);
                        put_time(w, t, "open_for", a->forest.end - r->ts);
                }
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
}

static void processes_arr(struct jsonw *w, const struct ev_trace *t)
{
        char name[512];

        jsonw_key(w, "processes");
        jsonw_arr_begin(w);
        for (size_t k = 0; k < t->nprocs && !w->err; k++) {
                const struct ev_process *p = &t->procs[k];

                jsonw_obj_begin(w);
                jsonw_kuint(w, "pid", p->pid);
                jsonw_kuint(w, "ppid", p->ppid);
                jsonw_kstr(w, "name", analysis_process_name(t, p, name, sizeof(name)));
                kid(w, "exec", t, p->exec);
                kid(w, "namei", t, p->namei);
                kline(w, "line", p->line);
                if (p->forked)
                        put_time(w, t, "forked", p->forked);
                if (p->exited)
                        put_time(w, t, "exited", p->exited);
                if (p->forked && p->exited && p->exited >= p->forked)
                        put_time(w, t, "lived", p->exited - p->forked);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
}

static void warnings_arr(struct jsonw *w, const struct ev_trace *t)
{
        uint32_t *idx = analysis_warnings_sorted(t);

        if (!idx && t->nwarns)
                jsonw_fail(w, -ENOMEM);
        jsonw_key(w, "warnings");
        jsonw_arr_begin(w);
        for (size_t k = 0; idx && k < t->nwarns; k++) {
                const struct ev_warning *wr = &t->warns[idx[k]];

                jsonw_obj_begin(w);
                kline(w, "line", wr->line);
                jsonw_kstr(w, "message", wr->msg);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        free(idx);
}

void json_run_members(struct jsonw *w, const struct run *r, size_t top)
{
        const struct analysis *a = &r->analysis;
        const struct ct_forest *f = &a->forest;

        jsonw_kstr(w, "source", r->trace.source);
        input_obj(w, r);
        dump_obj(w, r);
        boot_obj(w, r);
        kint_or_null(w, "boot_thread", f->boot_thread != CT_NONE, f->boot_thread);
        phases_arr(w, r);
        initcalls_obj(w, r, top);
        kernel_obj(w, r);
        stitch_obj(w, r);
        marks_arr(w, r);
        threads_arr(w, a);
        functions_arr(w, a);
        refs_arr(w, "open_at_dump", a, f->open, f->nopen, true);
        refs_arr(w, "unmatched_exits", a, f->unmatched, f->nunmatched, false);
        jsonw_kuint(w, "forced_closes", f->nforced);
        processes_arr(w, &r->trace);
        warnings_arr(w, &r->trace);
}

int json_write(FILE *out, const struct run *r, size_t top)
{
        struct jsonw *w = malloc(sizeof(*w));
        int err;

        if (!w)
                return -ENOMEM;
        jsonw_init(w, out);
        jsonw_obj_begin(w);
        jsonw_kint(w, "schema_version", JSON_SCHEMA_VERSION);
        jsonw_kstr(w, "kind", "bootlens-analysis");
        jsonw_kstr(w, "tool", "bootlens " BOOTLENS_VERSION);
        json_run_members(w, r, top);
        jsonw_obj_end(w);
        err = jsonw_finish(w);
        if (err == 0 && (fputc('\n', out) == EOF || ferror(out)))
                err = -EIO;
        free(w);
        return err;
}
