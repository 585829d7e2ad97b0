/* chrome: see chrome.h. */
#include "reports/chrome.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/sbuf.h"
#include "reports/jsonw.h"

#define TID_PHASES 1u
#define TID_FIRST  2u /* of the guest threads */

/* Times are written in us as multiples of 2^-10 us (0.9765625 ns): exact
 * in a double, so a reader's ts + dur is exact and the nesting it sees is
 * the one written. */
#define CHROME_FRAC_BITS 10

enum item_kind {
        ITEM_FRAME = 0, /* a completed activation: ref is its ENTER record */
        ITEM_OPEN,      /* an activation open at dump time: ref is its ENTER */
        ITEM_EVENT,     /* an EVENT record: ref */
        ITEM_PHASE,     /* ref: index into phases->results */
        ITEM_POINT,     /* ref: index into phases->points */
};

/* One event of a track, its times on the run's axis (2^-10 us). */
struct item {
        int64_t ts, end; /* end == ts for an instant */
        int64_t end_unclipped;
        uint32_t ref;
        uint32_t depth;
        uint8_t kind;
        bool clipped;
};

struct items {
        struct item *v;
        size_t n, cap;
};

struct chrome {
        struct jsonw w;
        bool started;
        unsigned npids;
        struct sbuf text; /* scratch for names */
};

/* What one run's events are written with. */
struct ctx {
        struct chrome *c;
        const struct run *r;
        const struct ev_trace *t;
        unsigned pid;
        int64_t origin_ns; /* the axis' zero in the guest clock, as ns */
};

static bool is_instant(enum item_kind k)
{
        return k == ITEM_EVENT || k == ITEM_POINT;
}

static int items_add(struct items *it, const struct item *x)
{
        if (it->n == it->cap) {
                size_t cap = it->cap ? it->cap * 2 : 64;
                struct item *p = realloc(it->v, cap * sizeof(*p));
                if (!p)
                        return -ENOMEM;
                it->v = p;
                it->cap = cap;
        }
        it->v[it->n++] = *x;
        return 0;
}

/* By time; at one time spans before instants, the longer (outer) span
 * first, then the shallower, then the order added. */
static int cmp_items(const void *pa, const void *pb)
{
        const struct item *a = pa, *b = pb;

        if (a->ts != b->ts)
                return a->ts < b->ts ? -1 : 1;
        if (is_instant(a->kind) != is_instant(b->kind))
                return is_instant(a->kind) ? 1 : -1;
        if (a->end != b->end)
                return a->end > b->end ? -1 : 1;
        if (a->depth != b->depth)
                return a->depth < b->depth ? -1 : 1;
        return a->ref < b->ref ? -1 : a->ref > b->ref;
}

/* ticks of t's clock as ns, rounded toward zero (monotonic, so that the
 * conversion keeps every nesting). The caller checked the frequency. */
static int64_t ticks_ns(const struct ev_trace *t, int64_t ticks)
{
        uint64_t f = t->freq_hz, u = ticks < 0 ? -(uint64_t)ticks : (uint64_t)ticks, ns;

        if (t->clock == EV_CLOCK_NS)
                return ticks;
        if (f <= 9000000000u) /* (u % f) * 1e9 fits 64 bits */
                ns = u / f * 1000000000u + u % f * 1000000000u / f;
        else
                ns = (uint64_t)((double)u * 1e9 / (double)f);
        return ticks < 0 ? -(int64_t)ns : (int64_t)ns;
}

/* A time of the trace on the run's axis, in 2^-10 us (rounded down:
 * monotonic); clipped to 0 before its zero. */
static int64_t axis(const struct ctx *x, int64_t ticks, bool *clipped)
{
        int64_t v = ticks_ns(x->t, ticks) - x->origin_ns;

        if (v < 0) {
                *clipped = true;
                return 0;
        }
        /* v * 1024 / 1000 = v * 128 / 125, without overflow */
        return v / 125 * 128 + v % 125 * 128 / 125;
}

static void meta(struct ctx *x, const char *what, unsigned tid, const char *key, const char *name,
                 int64_t index)
{
        struct jsonw *w = &x->c->w;

        jsonw_obj_begin(w);
        jsonw_kstr(w, "name", what);
        jsonw_kstr(w, "ph", "M");
        jsonw_kuint(w, "pid", x->pid);
        jsonw_kuint(w, "tid", tid);
        jsonw_key(w, "args");
        jsonw_obj_begin(w);
        jsonw_key(w, key);
        if (name)
                jsonw_str(w, name);
        else
                jsonw_int(w, index);
        jsonw_obj_end(w);
        jsonw_obj_end(w);
}

static void track_meta(struct ctx *x, unsigned tid, const char *name)
{
        meta(x, "thread_name", tid, "name", name, 0);
        meta(x, "thread_sort_index", tid, "sort_index", NULL, tid);
}

/* "name" or "name arg" of a record, in the scratch buffer. */
static const char *frame_name(struct ctx *x, uint32_t rec)
{
        const struct ev_record *e = &x->t->recs[rec];
        const char *arg = ev_str(x->t, e->arg);
        struct sbuf *sb = &x->c->text;

        sbuf_reset(sb);
        if (sbuf_addf(sb, "%s%s%s", ev_str(x->t, e->name), *arg ? " " : "", arg) < 0)
                jsonw_fail(&x->c->w, -ENOMEM);
        return sb->buf;
}

static void write_item(struct ctx *x, unsigned tid, const struct item *it)
{
        const struct phases *ph = x->r->analysis.phases;
        struct jsonw *w = &x->c->w;
        const char *name = "", *cat = "";
        /* a span of no length is an instant (args.zero_length): readers
         * that turn X into begin/end pairs (speedscope) cannot place one
         * that starts with a longer span */
        bool zero = !is_instant(it->kind) && it->end == it->ts;
        bool instant = zero || is_instant(it->kind);

        switch ((enum item_kind)it->kind) {
        case ITEM_FRAME:
        case ITEM_OPEN:
                name = frame_name(x, it->ref);
                cat = "function";
                break;
        case ITEM_EVENT:
                name = frame_name(x, it->ref);
                cat = "event";
                break;
        case ITEM_PHASE:
                name = ph->results[it->ref].def->name;
                cat = "phase";
                break;
        case ITEM_POINT:
                name = ph->points[it->ref].name;
                cat = strncmp(name, "mark.", 5) == 0 ? "mark" : "point";
                break;
        }
        jsonw_obj_begin(w);
        jsonw_kstr(w, "name", name);
        jsonw_kstr(w, "cat", cat);
        jsonw_kstr(w, "ph", instant ? "i" : "X");
        jsonw_key(w, "ts");
        jsonw_binary_fraction(w, it->ts, CHROME_FRAC_BITS);
        if (!instant) {
                jsonw_key(w, "dur");
                jsonw_binary_fraction(w, it->end - it->ts, CHROME_FRAC_BITS);
        } else {
                jsonw_kstr(w, "s", "t");
        }
        jsonw_kuint(w, "pid", x->pid);
        jsonw_kuint(w, "tid", tid);
        jsonw_key(w, "args");
        jsonw_obj_begin(w);
        if (it->kind == ITEM_PHASE) {
                jsonw_kstr(w, "from", ph->results[it->ref].def->from.text);
                jsonw_kstr(w, "to", ph->results[it->ref].def->to.text);
        } else if (it->kind != ITEM_POINT) {
                jsonw_kuint(w, "line", x->t->recs[it->ref].line);
        }
        if (zero) {
                jsonw_kbool(w, "zero_length", true);
        }
        if (it->kind == ITEM_OPEN) {
                jsonw_kbool(w, "open_at_dump", true);
        }
        if (it->clipped) {
                jsonw_kbool(w, "clipped", true);
        }
        if (it->end_unclipped != it->end) {
                jsonw_key(w, "end_us");
                jsonw_binary_fraction(w, it->end_unclipped, CHROME_FRAC_BITS);
        }
        jsonw_obj_end(w);
        jsonw_obj_end(w);
}

static void write_items(struct ctx *x, unsigned tid, struct items *it)
{
        qsort(it->v, it->n, sizeof(*it->v), cmp_items);
        for (size_t k = 0; k < it->n; k++)
                write_item(x, tid, &it->v[k]);
}

/* The phases track: phases and set points. A phase crossing the end of
 * the one it starts in is clipped to end there. */
static int phases_track(struct ctx *x)
{
        const struct phases *ph = x->r->analysis.phases;
        struct items it = {0};
        int64_t *stack = NULL;
        size_t depth = 0;
        int rc = 0;

        track_meta(x, TID_PHASES, x->r->has_host ? "host and phases" : "phases");
        for (size_t k = 0; ph && k < ph->nresults && !rc; k++) {
                const struct phase_result *p = &ph->results[k];
                struct item e = {.ref = (uint32_t)k, .kind = ITEM_PHASE};

                if (!p->available)
                        continue;
                e.ts = axis(x, p->start, &e.clipped);
                e.end = e.end_unclipped = axis(x, p->end, &e.clipped);
                rc = items_add(&it, &e);
        }
        for (size_t k = 0; ph && k < ph->npoints && !rc; k++) {
                struct item e = {.ref = (uint32_t)k, .kind = ITEM_POINT};

                if (ph->points[k].why)
                        continue;
                e.ts = e.end = e.end_unclipped = axis(x, ph->points[k].ticks, &e.clipped);
                rc = items_add(&it, &e);
        }
        if (!rc && it.n) {
                qsort(it.v, it.n, sizeof(*it.v), cmp_items);
                stack = malloc(it.n * sizeof(*stack));
                rc = stack ? 0 : -ENOMEM;
        }
        for (size_t k = 0; k < it.n && !rc; k++) {
                struct item *e = &it.v[k];

                if (is_instant(e->kind))
                        continue;
                while (depth && stack[depth - 1] <= e->ts)
                        depth--;
                if (depth && e->end > stack[depth - 1]) {
                        e->end = stack[depth - 1];
                        e->clipped = true;
                }
                e->depth = (uint32_t)depth;
                stack[depth++] = e->end;
        }
        if (!rc)
                write_items(x, TID_PHASES, &it);
        free(stack);
        free(it.v);
        return rc;
}

/* The track name of thread k: a Linux log's threads are PIDs. */
static const char *thread_name(struct ctx *x, uint32_t k)
{
        const struct ct_forest *f = &x->r->analysis.forest;
        const struct ct_thread *th = &f->threads[k];
        struct sbuf *sb = &x->c->text;
        char label[256];
        int rc;

        sbuf_reset(sb);
        if (x->t->os == EV_OS_LINUX && !th->name)
                rc = sbuf_addf(sb, "%spid %" PRIu64 "%s", th->is_boot ? "kernel (" : "", th->id,
                               th->is_boot ? ")" : "");
        else
                rc = sbuf_adds(sb, ct_thread_label(f, k, label, sizeof(label)));
        if (rc < 0)
                jsonw_fail(&x->c->w, rc);
        return sb->buf;
}

struct frame {
        uint32_t rec;
        int64_t ts;
};

/* Replay thread k's records (idx, in time order) into items, as ct_build
 * does: an EXIT closes the innermost open frame of its name and argument
 * and every frame above it; one with no such frame is ignored. open[name]
 * counts the open frames of each name, so an unmatched EXIT costs no
 * search of the stack. */
static int replay(struct ctx *x, const uint32_t *idx, size_t n, uint32_t *open, struct items *it)
{
        const struct ct_forest *f = &x->r->analysis.forest;
        struct frame *stack = NULL;
        size_t depth = 0, cap = 0;
        int rc = 0;

        for (size_t k = 0; k < n && !rc; k++) {
                const struct ev_record *e = &x->t->recs[idx[k]];
                struct item ev = {.ref = idx[k]};
                size_t m = depth;

                if (e->kind == EV_ENTER) {
                        if (depth == cap) {
                                size_t nc = cap ? cap * 2 : 32;
                                struct frame *p = realloc(stack, nc * sizeof(*p));
                                if (!p) {
                                        rc = -ENOMEM;
                                        break;
                                }
                                stack = p;
                                cap = nc;
                        }
                        stack[depth++] = (struct frame){idx[k], (int64_t)e->ts};
                        open[e->name]++;
                } else if (e->kind == EV_EVENT) {
                        ev.kind = ITEM_EVENT;
                        ev.depth = (uint32_t)depth;
                        ev.ts = ev.end = ev.end_unclipped = axis(x, (int64_t)e->ts, &ev.clipped);
                        rc = items_add(it, &ev);
                } else if (e->kind == EV_EXIT && open[e->name]) {
                        while (m && !(x->t->recs[stack[m - 1].rec].name == e->name &&
                                      x->t->recs[stack[m - 1].rec].arg == e->arg))
                                m--;
                        while (m && depth >= m && !rc) {
                                const struct frame *fr = &stack[--depth];
                                struct item sp = {.ref = fr->rec, .kind = ITEM_FRAME};

                                sp.depth = (uint32_t)depth;
                                sp.ts = axis(x, fr->ts, &sp.clipped);
                                sp.end = sp.end_unclipped = axis(x, (int64_t)e->ts, &sp.clipped);
                                open[x->t->recs[fr->rec].name]--;
                                rc = items_add(it, &sp);
                        }
                }
        }
        while (depth && !rc) {
                const struct frame *fr = &stack[--depth];
                struct item sp = {.ref = fr->rec, .kind = ITEM_OPEN};

                sp.depth = (uint32_t)depth;
                sp.ts = axis(x, fr->ts, &sp.clipped);
                sp.end = sp.end_unclipped = axis(x, (int64_t)f->end, &sp.clipped);
                open[x->t->recs[fr->rec].name]--;
                rc = items_add(it, &sp);
        }
        free(stack);
        return rc;
}

struct thread_key {
        uint64_t id;
        uint32_t k;
};

static int cmp_thread_keys(const void *pa, const void *pb)
{
        const struct thread_key *a = pa, *b = pb;

        return a->id < b->id ? -1 : a->id > b->id;
}

static int cmp_by_time(const void *pa, const void *pb, void *arg)
{
        const struct ev_record *sort_recs = arg;
        uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

        if (sort_recs[a].ts != sort_recs[b].ts)
                return sort_recs[a].ts < sort_recs[b].ts ? -1 : 1;
        return a < b ? -1 : a > b; /* stable: input order */
}

/* One track per thread of the forest. */
static int thread_tracks(struct ctx *x)
{
        const struct ct_forest *f = &x->r->analysis.forest;
        const struct ev_trace *t = x->t;
        struct thread_key *keys = NULL;
        uint32_t *order = NULL, *open = NULL, maxname = 0;
        size_t *start = NULL;
        struct items it = {0};
        int rc = -ENOMEM;

        if (!f->nthreads)
                return 0;
        for (size_t i = 0; i < t->nrecs; i++)
                if (t->recs[i].name > maxname)
                        maxname = t->recs[i].name;
        keys = malloc(f->nthreads * sizeof(*keys));
        start = calloc(f->nthreads + 1, sizeof(*start));
        order = malloc((t->nrecs ? t->nrecs : 1) * sizeof(*order));
        open = calloc((size_t)maxname + 1, sizeof(*open));
        if (!keys || !start || !order || !open)
                goto out;
        for (size_t k = 0; k < f->nthreads; k++)
                keys[k] = (struct thread_key){f->threads[k].id, (uint32_t)k};
        qsort(keys, f->nthreads, sizeof(*keys), cmp_thread_keys);
        /* bucket the records by thread (input order), then sort each by time */
        for (int pass = 0; pass < 2; pass++) {
                for (size_t i = 0; i < t->nrecs; i++) {
                        struct thread_key key = {t->recs[i].thread, 0};
                        const struct thread_key *hit =
                            bsearch(&key, keys, f->nthreads, sizeof(*keys), cmp_thread_keys);
                        if (!hit)
                                continue;
                        if (pass == 0)
                                start[hit->k + 1]++;
                        else
                                order[start[hit->k]++] = (uint32_t)i;
                }
                if (pass == 0)
                        for (size_t k = 0; k < f->nthreads; k++)
                                start[k + 1] += start[k];
                else
                        for (size_t k = f->nthreads; k > 0; k--)
                                start[k] = start[k - 1];
                if (pass == 1)
                        start[0] = 0;
        }
        rc = 0;
        for (size_t k = 0; k < f->nthreads && !rc; k++) {
                size_t n = start[k + 1] - start[k];

                qsort_r(order + start[k], n, sizeof(*order), cmp_by_time, t->recs);
                track_meta(x, TID_FIRST + (unsigned)k, thread_name(x, (uint32_t)k));
                it.n = 0;
                rc = replay(x, order + start[k], n, open, &it);
                if (!rc)
                        write_items(x, TID_FIRST + (unsigned)k, &it);
        }
out:
        free(it.v);
        free(open);
        free(order);
        free(start);
        free(keys);
        return rc;
}

struct chrome *chrome_new(FILE *out)
{
        struct chrome *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        jsonw_init(&c->w, out);
        sbuf_init(&c->text);
        return c;
}

void chrome_free(struct chrome *c)
{
        if (!c)
                return;
        sbuf_release(&c->text);
        free(c);
}

static void start(struct chrome *c)
{
        if (c->started)
                return;
        c->started = true;
        jsonw_obj_begin(&c->w);
        jsonw_kstr(&c->w, "displayTimeUnit", "ms");
        jsonw_key(&c->w, "otherData");
        jsonw_obj_begin(&c->w);
        jsonw_kstr(&c->w, "generator", "bootlens analyze --format chrome");
        jsonw_kstr(&c->w, "time_unit", "us");
        jsonw_obj_end(&c->w);
        jsonw_key(&c->w, "traceEvents");
        jsonw_arr_begin(&c->w);
}

int chrome_add_run(struct chrome *c, const struct run *r, const char *label)
{
        struct ctx x = {.c = c, .r = r, .t = &r->trace};
        const struct phases *ph = r->analysis.phases;
        int64_t spawn;
        bool from_spawn = ph && phases_get_point(ph, "host.spawn", &spawn);
        int rc;

        if (r->trace.clock == EV_CLOCK_CYCLES && !r->trace.freq_hz)
                return -EDOM;
        start(c);
        x.pid = ++c->npids;
        x.origin_ns = from_spawn ? ticks_ns(x.t, spawn) : 0;
        meta(&x, "process_name", 0, "name", label, 0);
        meta(&x, "process_sort_index", 0, "sort_index", NULL, x.pid);
        meta(&x, "process_labels", 0, "labels",
             from_spawn ? "time since QEMU spawn (host)" : "time since the guest clock's zero", 0);
        rc = phases_track(&x);
        if (!rc)
                rc = thread_tracks(&x);
        if (rc < 0)
                jsonw_fail(&c->w, rc);
        return rc < 0 ? rc : c->w.err;
}

int chrome_finish(struct chrome *c)
{
        start(c);
        jsonw_arr_end(&c->w);
        jsonw_obj_end(&c->w);
        return jsonw_finish(&c->w);
}
