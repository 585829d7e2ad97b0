/* json: see json.h. */
#include "reports/json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "bootlens_config.h"

/* Length of a valid UTF-8 sequence at s[0..n), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
        size_t len;
        uint32_t cp;

        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xe0) == 0xc0) {
                len = 2;
                cp = s[0] & 0x1f;
        } else if ((s[0] & 0xf0) == 0xe0) {
                len = 3;
                cp = s[0] & 0x0f;
        } else if ((s[0] & 0xf8) == 0xf0) {
                len = 4;
                cp = s[0] & 0x07;
        } else {
                return 0;
        }
        if (n < len)
                return 0;
        for (size_t k = 1; k < len; k++) {
                if ((s[k] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

/* A JSON string of s, bad UTF-8 bytes replaced by U+FFFD. */
static json_t *jstr(const char *s)
{
        const unsigned char *u = (const unsigned char *)s;
        size_t n = strlen(s), k = 0, o = 0;
        json_t *j;
        char *copy;

        j = json_stringn(s, n);
        if (j)
                return j;
        copy = malloc(n * 3 + 1);
        if (!copy)
                return NULL;
        while (k < n) {
                size_t len = utf8_seq(u + k, n - k);
                if (len) {
                        memcpy(copy + o, s + k, len);
                        o += len;
                        k += len;
                } else {
                        memcpy(copy + o, "\xef\xbf\xbd", 3);
                        o += 3;
                        k++;
                }
        }
        j = json_stringn(copy, o);
        free(copy);
        return j;
}

json_t *json_report_string(const char *s)
{
        return s ? jstr(s) : json_null();
}

static json_t *jstr_or_null(const struct ev_trace *t, uint32_t id)
{
        return id ? jstr(ev_str(t, id)) : json_null();
}

static json_t *jline(uint32_t line)
{
        return line ? json_integer(line) : json_null();
}

/* Attach new to obj under key; false when new is NULL or the set fails. */
static bool put(json_t *obj, const char *key, json_t *v)
{
        return v && json_object_set_new_nocheck(obj, key, v) == 0; /* keys are ours: ASCII */
}

static bool append(json_t *arr, json_t *v)
{
        return v && json_array_append_new(arr, v) == 0;
}

/* Put o into arr when ok (arr takes it), else release o. Returns whether
 * o is in arr. */
static bool append_if(json_t *arr, json_t *o, bool ok)
{
        if (!ok) {
                json_decref(o);
                return false;
        }
        return append(arr, o);
}

/* arr when everything went into it; else release it and return NULL. */
static json_t *arr_done(json_t *arr, bool ok)
{
        if (!ok) {
                json_decref(arr);
                return NULL;
        }
        return arr;
}

static json_t *ju64(uint64_t v)
{
        return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

/* x rounded to nearest, within 0..INT64_MAX (llround overflows beyond a
 * long: a guest's tsc_freq=1 makes huge ns values). */
static uint64_t round_ns(double x)
{
        if (!(x > 0))
                return 0;
        if (x >= 9223372036854775807.0)
                return INT64_MAX;
        return (uint64_t)llround(x);
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

/* key_cycles (or key_ns for an ns trace) and key_ns when convertible. */
static bool put_time(json_t *obj, const struct ev_trace *t, const char *key, uint64_t ticks)
{
        char k[64];
        double ns;

        if (t->clock == EV_CLOCK_CYCLES) {
                suffixed(k, key, "_cycles");
                if (!put(obj, k, ju64(ticks)))
                        return false;
        }
        if (ev_to_ns(t, ticks, &ns)) {
                suffixed(k, key, "_ns");
                if (t->clock == EV_CLOCK_NS)
                        return put(obj, k, ju64(ticks));
                return put(obj, k, ju64(round_ns(ns)));
        }
        return true;
}

/* The same for a signed time (phase boundaries, boot start: a point may
 * lie before the clock's zero). */
static bool put_stime(json_t *obj, const struct ev_trace *t, const char *key, int64_t ticks)
{
        char k[64];
        double ns;

        if (ticks >= 0)
                return put_time(obj, t, key, (uint64_t)ticks);
        if (t->clock == EV_CLOCK_CYCLES) {
                suffixed(k, key, "_cycles");
                if (!put(obj, k, json_integer(ticks)))
                        return false;
        }
        if (ev_to_ns(t, -(uint64_t)ticks, &ns)) { /* ticks may be INT64_MIN */
                suffixed(k, key, "_ns");
                if (t->clock == EV_CLOCK_NS)
                        return put(obj, k, json_integer(ticks));
                return put(obj, k, json_integer(-(json_int_t)round_ns(ns)));
        }
        return true;
}

static json_t *input_obj(const struct analysis *a)
{
        const struct ev_trace *t = a->trace;
        json_t *o = json_object(), *lines = json_object();
        bool ok = o && lines;

        ok = ok && put(o, "kind", json_string(a->input_kind));
        ok = ok && put(o, "os", json_string(ev_os_str(t->os)));
        ok = ok && put(o, "clock", json_string(t->clock == EV_CLOCK_NS ? "ns" : "cycles"));
        ok = ok && put(o, "freq_hz", t->freq_hz ? ju64(t->freq_hz) : json_null());
        ok = ok && put(o, "freq_source", json_string(a->freq_source));
        ok = ok && put(lines, "total", ju64(t->lines_total));
        ok = ok && put(lines, "records", ju64(t->lines_records));
        ok = ok && put(lines, "skipped", ju64(t->lines_skipped));
        if (a->tslog) {
                ok = ok && put(lines, "markers", ju64(a->tslog->lines_markers));
                ok = ok && put(lines, "zero_process_rows", ju64(a->tslog->lines_zero_rows));
                ok = ok && put(lines, "malformed", ju64(a->tslog->lines_malformed));
        }
        if (ok) {
                ok = put(o, "lines", lines);
                lines = NULL; /* put() took it, even when it failed */
        }
        ok = ok && put(o, "records", ju64(t->nrecs));
        ok = ok && put(o, "processes", ju64(t->nprocs));
        ok = ok && put(o, "begin_marker_line", jline(t->begin_marker_line));
        ok = ok && put(o, "end_marker_line", jline(t->end_marker_line));
        if (a->tslog) {
                ok = ok && put(o, "backward_steps", ju64(a->tslog->backward_steps));
                ok = ok && put(o, "tsc_now",
                               a->tslog->has_tsc_now ? ju64(a->tslog->tsc_now) : json_null());
        }
        json_decref(lines);
        if (!ok) {
                json_decref(o);
                return NULL;
        }
        return o;
}

static json_t *dump_obj(const struct analysis *a)
{
        const struct ct_forest *f = &a->forest;
        const struct ev_trace *t = a->trace;
        json_t *o = json_object(), *reasons = json_array();
        bool ok = o && reasons;

        ok = ok && put(o, "truncated", json_boolean(f->truncated));
        if (ok && f->truncated_by_marker) {
                json_t *r = json_object();
                ok = r && put(r, "rule", json_string("begin marker without end marker")) &&
                     put(r, "line", jline(t->begin_marker_line));
                ok = append_if(reasons, r, ok);
        }
        if (ok && f->truncated_by_startup) {
                json_t *r = json_object();
                char why[128];
                snprintf(why, sizeof(why), "ENTER %s without EXIT start_init",
                         ev_str(t, f->startup_name));
                ok =
                    r && put(r, "rule", json_string(why)) && put(r, "line", jline(f->startup_line));
                ok = append_if(reasons, r, ok);
        }
        if (ok) {
                ok = put(o, "reasons", reasons);
                reasons = NULL; /* put() took it, even when it failed */
        }
        json_decref(reasons);
        if (!ok) {
                json_decref(o);
                return NULL;
        }
        return o;
}

static json_t *boot_obj(const struct analysis *a)
{
        json_t *o = json_object();

        if (!o)
                return NULL;
        if (!put_stime(o, a->trace, "start", a->boot_start) ||
            !put_stime(o, a->trace, "end", a->boot_end) ||
            !put_time(o, a->trace, "span", analysis_boot_span(a))) {
                json_decref(o);
                return NULL;
        }
        return o;
}

static json_t *phases_obj(const struct analysis *a)
{
        const struct phases *ph = a->phases;
        json_t *o = json_object(), *arr = json_array();
        bool ok = o && arr;

        ok = ok && put(o, "map", ph ? json_string(ph->source) : json_null());
        for (size_t k = 0; ok && ph && k < ph->nresults; k++) {
                const struct phase_result *r = &ph->results[k];
                json_t *p = json_object();
                ok = p && put(p, "name", jstr(r->def->name)) &&
                     put(p, "from", jstr(r->def->from.text)) &&
                     put(p, "to", jstr(r->def->to.text)) &&
                     put(p, "available", json_boolean(r->available));
                if (ok && r->has_start)
                        ok = put_stime(p, a->trace, "start", r->start) &&
                             put(p, "start_line", jline(r->start_line));
                if (ok && r->has_end)
                        ok = put_stime(p, a->trace, "end", r->end) &&
                             put(p, "end_line", jline(r->end_line));
                if (ok && r->available)
                        ok = put_time(p, a->trace, "duration",
                                      (uint64_t)r->end - (uint64_t)r->start);
                if (ok && !r->available)
                        ok = put(p, "why",
                                 json_string(r->inverted ? "ends before it starts"
                                                         : "missing boundary")) &&
                             put(p, "missing", r->missing ? jstr(r->missing) : json_null());
                if (!ok) {
                        json_decref(p);
                        break;
                }
                ok = append(arr, p);
        }
        if (ok) {
                ok = put(o, "phases", arr);
                arr = NULL; /* put() took it, even when it failed */
        }
        json_decref(arr);
        if (!ok) {
                json_decref(o);
                return NULL;
        }
        return o;
}

static json_t *node_obj(const struct analysis *a, uint32_t id)
{
        const struct ct_node *n = &a->forest.nodes[id];
        const struct ct_node *p = &a->forest.nodes[n->parent];
        json_t *o = json_object();
        bool ok = o != NULL;

        ok = ok && put(o, "id", json_integer(id));
        ok = ok && put(o, "parent", p->parent == CT_NONE ? json_null() : json_integer(n->parent));
        ok = ok && put(o, "depth", json_integer(n->depth));
        ok = ok && put(o, "name", jstr(ev_str(a->trace, n->name)));
        ok = ok && put(o, "arg", jstr_or_null(a->trace, n->arg));
        ok = ok && put(o, "calls", ju64(n->calls));
        ok = ok && put(o, "open", json_integer(n->open));
        ok = ok && put_time(o, a->trace, "total", n->total);
        ok = ok && put_time(o, a->trace, "self", n->self);
        ok = ok && put(o, "first_line", jline(n->first_line));
        if (!ok) {
                json_decref(o);
                return NULL;
        }
        return o;
}

/* Pre-order walk of a thread's nodes without recursion. */
static bool thread_nodes(const struct analysis *a, const struct ct_thread *th, json_t *arr)
{
        const struct ct_forest *f = &a->forest;
        uint32_t cur = f->nodes[th->root].first_child;

        while (cur != CT_NONE) {
                if (!append(arr, node_obj(a, cur)))
                        return false;
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
        return true;
}

static json_t *threads_arr(const struct analysis *a)
{
        const struct ct_forest *f = &a->forest;
        const struct ev_trace *t = a->trace;
        json_t *arr = json_array();
        bool ok = arr != NULL;

        for (size_t k = 0; ok && k < f->nthreads; k++) {
                const struct ct_thread *th = &f->threads[k];
                json_t *o = json_object(), *nodes = json_array(), *events = json_array();
                char buf[128];

                ok = o && nodes && events;
                snprintf(buf, sizeof(buf), "0x%" PRIx64, th->id);
                ok = ok && put(o, "index", json_integer((json_int_t)k));
                ok = ok && put(o, "id", json_string(buf));
                ok = ok && put(o, "label", jstr(ct_thread_label(f, (uint32_t)k, buf, sizeof(buf))));
                ok = ok && put(o, "name", jstr_or_null(t, th->name));
                ok = ok && put(o, "boot", json_boolean(th->is_boot));
                ok = ok && put(o, "records", ju64(th->nrecs));
                ok = ok && put_time(o, t, "first", th->first_ts);
                ok = ok && put_time(o, t, "last", th->last_ts);
                ok = ok && thread_nodes(a, th, nodes);
                for (size_t e = 0; ok && e < th->nevents; e++) {
                        const struct ct_event *ev = &f->events[th->first_event + e];
                        const struct ev_record *r = &t->recs[ev->rec];
                        json_t *eo = json_object();
                        ok = eo && put(eo, "line", jline(r->line)) &&
                             put_time(eo, t, "at", r->ts) &&
                             put(eo, "name", jstr(ev_str(t, r->name))) &&
                             put(eo, "arg", jstr_or_null(t, r->arg)) &&
                             put(eo, "node",
                                 ev->node == th->root ? json_null() : json_integer(ev->node));
                        if (!ok)
                                json_decref(eo);
                        else
                                ok = append(events, eo);
                }
                /* put() takes what it is given, even when it fails */
                if (ok) {
                        ok = put(o, "nodes", nodes);
                        nodes = NULL;
                }
                if (ok) {
                        ok = put(o, "events", events);
                        events = NULL;
                }
                json_decref(nodes);
                json_decref(events);
                if (!ok) {
                        json_decref(o);
                        break;
                }
                ok = append(arr, o);
        }
        return arr_done(arr, ok);
}

static json_t *functions_arr(const struct analysis *a)
{
        const struct ct_forest *f = &a->forest;
        json_t *arr = json_array();
        uint32_t *idx = ct_funcs_sorted(f, false);
        bool ok = arr && (idx || !f->nfuncs);

        for (size_t k = 0; ok && k < f->nfuncs; k++) {
                const struct ct_func *fn = &f->funcs[idx[k]];
                json_t *o = json_object();
                ok = o && put(o, "thread", json_integer(fn->thread)) &&
                     put(o, "name", jstr(ev_str(a->trace, fn->name))) &&
                     put(o, "arg", jstr_or_null(a->trace, fn->arg)) &&
                     put(o, "calls", ju64(fn->calls)) && put_time(o, a->trace, "self", fn->self) &&
                     put_time(o, a->trace, "total", fn->total);
                ok = append_if(arr, o, ok);
        }
        free(idx);
        return arr_done(arr, ok);
}

static json_t *refs_arr(const struct analysis *a, const struct ct_ref *refs, size_t n, bool open)
{
        const struct ev_trace *t = a->trace;
        json_t *arr = json_array();
        bool ok = arr != NULL;

        for (size_t k = 0; ok && k < n; k++) {
                const struct ev_record *r = &t->recs[refs[k].rec];
                json_t *o = json_object();
                ok = o && put(o, "thread", json_integer(refs[k].thread)) &&
                     put(o, "line", jline(r->line)) && put(o, "name", jstr(ev_str(t, r->name))) &&
                     put(o, "arg", jstr_or_null(t, r->arg)) && put_time(o, t, "at", r->ts);
                if (ok && open)
                        ok = put(o, "node", json_integer(refs[k].node)) &&
                             put_time(o, t, "open_for", a->forest.end - r->ts);
                ok = append_if(arr, o, ok);
        }
        return arr_done(arr, ok);
}

static json_t *processes_arr(const struct analysis *a)
{
        const struct ev_trace *t = a->trace;
        json_t *arr = json_array();
        bool ok = arr != NULL;
        char name[512];

        for (size_t k = 0; ok && k < t->nprocs; k++) {
                const struct ev_process *p = &t->procs[k];
                json_t *o = json_object();
                ok = o && put(o, "pid", ju64(p->pid)) && put(o, "ppid", ju64(p->ppid)) &&
                     put(o, "name", jstr(analysis_process_name(t, p, name, sizeof(name)))) &&
                     put(o, "exec", jstr_or_null(t, p->exec)) &&
                     put(o, "namei", jstr_or_null(t, p->namei)) && put(o, "line", jline(p->line));
                if (ok && p->forked)
                        ok = put_time(o, t, "forked", p->forked);
                if (ok && p->exited)
                        ok = put_time(o, t, "exited", p->exited);
                if (ok && p->forked && p->exited && p->exited >= p->forked)
                        ok = put_time(o, t, "lived", p->exited - p->forked);
                ok = append_if(arr, o, ok);
        }
        return arr_done(arr, ok);
}

static json_t *warnings_arr(const struct analysis *a)
{
        const struct ev_trace *t = a->trace;
        json_t *arr = json_array();
        uint32_t *idx = analysis_warnings_sorted(t);
        bool ok = arr && (idx || !t->nwarns);

        for (size_t k = 0; ok && k < t->nwarns; k++) {
                const struct ev_warning *w = &t->warns[idx[k]];
                json_t *o = json_object();
                ok = o && put(o, "line", jline(w->line)) && put(o, "message", jstr(w->msg));
                ok = append_if(arr, o, ok);
        }
        free(idx);
        return arr_done(arr, ok);
}

json_t *json_report(const struct analysis *a)
{
        const struct ct_forest *f = &a->forest;
        json_t *o = json_object();
        bool ok = o != NULL;

        ok = ok && put(o, "schema_version", json_integer(JSON_SCHEMA_VERSION));
        ok = ok && put(o, "tool", json_string("bootlens " BOOTLENS_VERSION));
        ok = ok && put(o, "source", a->trace->source ? jstr(a->trace->source) : json_null());
        ok = ok && put(o, "input", input_obj(a));
        ok = ok && put(o, "dump", dump_obj(a));
        ok = ok && put(o, "boot", boot_obj(a));
        ok = ok && put(o, "boot_thread",
                       f->boot_thread == CT_NONE ? json_null() : json_integer(f->boot_thread));
        ok = ok && put(o, "phases", phases_obj(a));
        ok = ok && put(o, "threads", threads_arr(a));
        ok = ok && put(o, "functions", functions_arr(a));
        ok = ok && put(o, "open_at_dump", refs_arr(a, f->open, f->nopen, true));
        ok = ok && put(o, "unmatched_exits", refs_arr(a, f->unmatched, f->nunmatched, false));
        ok = ok && put(o, "forced_closes", ju64(f->nforced));
        ok = ok && put(o, "processes", processes_arr(a));
        ok = ok && put(o, "warnings", warnings_arr(a));
        if (!ok) {
                json_decref(o);
                return NULL;
        }
        return o;
}

/* jansson 2.14 ignores the callback's failure when it writes an object's
 * key (dump.c: dump_string()'s result is not checked), so a failed append
 * would silently drop the key: the first failure latches, and json_write
 * checks the latch. */
struct dump_sink {
        struct sbuf sb;
        bool failed;
};

static int dump_to_sbuf(const char *buffer, size_t size, void *data)
{
        struct dump_sink *d = data;

        if (!d->failed && sbuf_add(&d->sb, buffer, size) < 0)
                d->failed = true;
        return d->failed ? -1 : 0;
}

int json_write(FILE *out, const struct analysis *a)
{
        json_t *o = json_report(a);
        struct dump_sink d = {SBUF_INIT, false};
        struct sbuf sb;
        int err = 0;

        if (!o)
                return -ENOMEM;
        /* into memory first: jansson writes token by token */
        if (json_dump_callback(o, dump_to_sbuf, &d, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ||
            d.failed || sbuf_addch(&d.sb, '\n') < 0)
                err = -ENOMEM;
        sb = d.sb;
        if (err == 0 && fwrite(sb.buf, 1, sb.len, out) != sb.len)
                err = -EIO;
        sbuf_release(&sb);
        json_decref(o);
        return err;
}
