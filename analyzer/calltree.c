/* calltree: see calltree.h. */
#include "analyzer/calltree.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WARN_NAME_MAX 256 /* bytes of a name quoted in a repeated warning */

/* An open-addressing map from a key of three u32 to a u32 value. */
struct key3 {
        uint32_t a, b, c;
};

struct key3map {
        struct key3 *keys;
        uint32_t *vals; /* value + 1, 0 = empty slot */
        size_t n, nslots;
};

static uint32_t key3_hash(struct key3 k)
{
        uint64_t h = ((uint64_t)k.a * 0x9e3779b97f4a7c15ULL) ^
                     ((uint64_t)k.b * 0xc2b2ae3d27d4eb4fULL) ^
                     ((uint64_t)k.c * 0x165667b19e3779f9ULL);
        h ^= h >> 29;
        h *= 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 32;
        return (uint32_t)h;
}

static int key3map_resize(struct key3map *m, size_t nslots)
{
        struct key3 *keys = malloc(nslots * sizeof(*keys));
        uint32_t *vals = calloc(nslots, sizeof(*vals));

        if (!keys || !vals) {
                free(keys);
                free(vals);
                return -ENOMEM;
        }
        for (size_t i = 0; i < m->nslots; i++) {
                size_t j;
                if (!m->vals[i])
                        continue;
                for (j = key3_hash(m->keys[i]) & (nslots - 1); vals[j]; j = (j + 1) & (nslots - 1))
                        ;
                keys[j] = m->keys[i];
                vals[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->nslots = nslots;
        return 0;
}

/* The slot of key k: its value when present (*found), else where to put
 * it. The map must have a free slot. */
static size_t key3map_slot(const struct key3map *m, struct key3 k, bool *found)
{
        size_t i;

        for (i = key3_hash(k) & (m->nslots - 1); m->vals[i]; i = (i + 1) & (m->nslots - 1)) {
                if (m->keys[i].a == k.a && m->keys[i].b == k.b && m->keys[i].c == k.c) {
                        *found = true;
                        return i;
                }
        }
        *found = false;
        return i;
}

/* Value of k, or insert v (then *inserted). Returns the value, or -ENOMEM. */
static int64_t key3map_get_or_put(struct key3map *m, struct key3 k, uint32_t v, bool *inserted)
{
        bool found;
        size_t i;

        if ((m->n + 1) * 2 > m->nslots && key3map_resize(m, m->nslots ? m->nslots * 2 : 1024) < 0)
                return -ENOMEM;
        i = key3map_slot(m, k, &found);
        if (found) {
                *inserted = false;
                return m->vals[i] - 1;
        }
        m->keys[i] = k;
        m->vals[i] = v + 1;
        m->n++;
        *inserted = true;
        return v;
}

static void key3map_free(struct key3map *m)
{
        free(m->keys);
        free(m->vals);
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
        size_t ncap;
        void *p;

        if (n < *cap)
                return 0;
        ncap = *cap ? *cap * 2 : 256;
        p = realloc(*arr, ncap * elem);
        if (!p)
                return -ENOMEM;
        *arr = p;
        *cap = ncap;
        return 0;
}

/* One open activation while replaying a thread. */
struct frame {
        uint32_t node;
        uint32_t func;
        uint32_t rec;
        uint64_t enter;
        uint64_t child_total;
        bool outermost;
};

struct builder {
        struct ct_forest *f;
        struct ev_trace *t;
        struct key3map node_map; /* (parent, name, arg) -> node */
        struct key3map func_map; /* (thread, name, arg) -> func */
        size_t nodes_cap, funcs_cap, events_cap, open_cap, unmatched_cap;
        struct frame *stack;
        size_t depth, stack_cap;
};

static int64_t new_node(struct builder *b, uint32_t parent, uint32_t name, uint32_t arg,
                        uint32_t thread, uint32_t line)
{
        struct ct_forest *f = b->f;
        struct ct_node *n;
        uint32_t idx;

        if (f->nnodes >= CT_NONE - 1)
                return -ENOMEM;
        if (grow((void **)&f->nodes, &b->nodes_cap, f->nnodes, sizeof(*f->nodes)) < 0)
                return -ENOMEM;
        idx = (uint32_t)f->nnodes++;
        n = &f->nodes[idx];
        memset(n, 0, sizeof(*n));
        n->name = name;
        n->arg = arg;
        n->parent = parent;
        n->first_child = n->last_child = n->next_sibling = CT_NONE;
        n->thread = thread;
        n->first_line = line;
        if (parent != CT_NONE) {
                struct ct_node *p = &f->nodes[parent];
                n->depth = p->depth + 1;
                if (p->last_child == CT_NONE)
                        p->first_child = idx;
                else
                        f->nodes[p->last_child].next_sibling = idx;
                p->last_child = idx;
        }
        return idx;
}

static int64_t child_node(struct builder *b, uint32_t parent, const struct ev_record *r,
                          uint32_t thread)
{
        struct key3 k = {parent, r->name, r->arg};
        bool inserted;
        int64_t v = key3map_get_or_put(&b->node_map, k, (uint32_t)b->f->nnodes, &inserted);

        if (v < 0 || !inserted)
                return v;
        return new_node(b, parent, r->name, r->arg, thread, r->line);
}

static int64_t func_of(struct builder *b, uint32_t thread, const struct ev_record *r)
{
        struct ct_forest *f = b->f;
        struct key3 k = {thread, r->name, r->arg};
        bool inserted;
        int64_t v = key3map_get_or_put(&b->func_map, k, (uint32_t)f->nfuncs, &inserted);

        if (v < 0 || !inserted)
                return v;
        if (grow((void **)&f->funcs, &b->funcs_cap, f->nfuncs, sizeof(*f->funcs)) < 0)
                return -ENOMEM;
        f->funcs[f->nfuncs] = (struct ct_func){.thread = thread, .name = r->name, .arg = r->arg};
        f->nfuncs++;
        return v;
}

static void close_frame(struct builder *b, uint64_t ts)
{
        struct ct_forest *f = b->f;
        struct frame *fr = &b->stack[--b->depth];
        uint64_t dur = ts >= fr->enter ? ts - fr->enter : 0;
        uint64_t self = dur >= fr->child_total ? dur - fr->child_total : 0;
        struct ct_node *n = &f->nodes[fr->node];
        struct ct_func *fn = &f->funcs[fr->func];

        n->calls++;
        n->total += dur;
        n->self += self;
        fn->calls++;
        fn->self += self;
        fn->active--;
        if (fr->outermost)
                fn->total += dur;
        if (b->depth > 0)
                b->stack[b->depth - 1].child_total += dur;
}

static char *thread_hex(uint64_t id, char buf[24])
{
        snprintf(buf, 24, "0x%" PRIx64, id);
        return buf;
}

static int replay_exit(struct builder *b, uint32_t thread, uint32_t ri)
{
        struct ct_forest *f = b->f;
        const struct ev_record *r = &b->t->recs[ri];
        size_t k = b->depth, slot = 0;
        bool open = false;
        char hex[24];

        /* Search the stack only when a frame of this function is open on
         * this thread: an unmatched EXIT under a deep stack must not cost
         * the whole stack (quadratic on a hostile dump); a matched one
         * costs the frames it closes. */
        if (b->func_map.nslots)
                slot = key3map_slot(&b->func_map, (struct key3){thread, r->name, r->arg}, &open);
        if (open && f->funcs[b->func_map.vals[slot] - 1].active == 0)
                open = false;
        if (!open)
                k = 0;
        while (k > 0 && !(f->nodes[b->stack[k - 1].node].name == r->name &&
                          f->nodes[b->stack[k - 1].node].arg == r->arg))
                k--;
        if (k == 0) {
                if (grow((void **)&f->unmatched, &b->unmatched_cap, f->nunmatched,
                         sizeof(*f->unmatched)) < 0)
                        return -ENOMEM;
                f->unmatched[f->nunmatched++] = (struct ct_ref){thread, ri, CT_NONE};
                return ev_warn(b->t, r->line, "EXIT %s%s%s on thread %s has no matching ENTER",
                               ev_str(b->t, r->name), r->arg ? " " : "", ev_str(b->t, r->arg),
                               thread_hex(f->threads[thread].id, hex));
        }
        while (b->depth > k) {
                const struct frame *top = &b->stack[b->depth - 1];
                const struct ev_record *er = &b->t->recs[top->rec];
                f->nforced++;
                /* one EXIT can close many frames: its name is repeated in
                 * each warning, so it is cut (as ev_warn cuts the message)
                 * before it is formatted */
                if (ev_warn(b->t, r->line,
                            "EXIT %.*s%s%.*s on thread %s also closes %.*s%s%.*s entered at line "
                            "%u",
                            WARN_NAME_MAX, ev_str(b->t, r->name), r->arg ? " " : "", WARN_NAME_MAX,
                            ev_str(b->t, r->arg), thread_hex(f->threads[thread].id, hex),
                            WARN_NAME_MAX, ev_str(b->t, er->name), er->arg ? " " : "",
                            WARN_NAME_MAX, ev_str(b->t, er->arg), er->line) < 0)
                        return -ENOMEM;
                close_frame(b, r->ts);
        }
        close_frame(b, r->ts);
        return 0;
}

static int replay_thread(struct builder *b, uint32_t thread, const uint32_t *idx, size_t n)
{
        struct ct_forest *f = b->f;
        struct ct_thread *th = &f->threads[thread];

        b->depth = 0;
        th->first_event = f->nevents;
        for (size_t k = 0; k < n; k++) {
                const struct ev_record *r = &b->t->recs[idx[k]];
                uint32_t top = b->depth ? b->stack[b->depth - 1].node : th->root;
                int64_t node, func;

                switch (r->kind) {
                case EV_ENTER:
                        node = child_node(b, top, r, thread);
                        if (node < 0)
                                return -ENOMEM;
                        func = func_of(b, thread, r);
                        if (func < 0)
                                return -ENOMEM;
                        if (grow((void **)&b->stack, &b->stack_cap, b->depth, sizeof(*b->stack)) <
                            0)
                                return -ENOMEM;
                        b->stack[b->depth++] = (struct frame){
                            .node = (uint32_t)node,
                            .func = (uint32_t)func,
                            .rec = idx[k],
                            .enter = r->ts,
                            .outermost = f->funcs[func].active++ == 0,
                        };
                        break;
                case EV_EXIT:
                        if (replay_exit(b, thread, idx[k]) < 0)
                                return -ENOMEM;
                        break;
                case EV_THREAD:
                        if (!th->name)
                                th->name = r->name;
                        break;
                case EV_EVENT:
                        if (grow((void **)&f->events, &b->events_cap, f->nevents,
                                 sizeof(*f->events)) < 0)
                                return -ENOMEM;
                        f->events[f->nevents++] = (struct ct_event){idx[k], top};
                        break;
                }
        }
        th->nevents = f->nevents - th->first_event;
        for (size_t k = 0; k < b->depth; k++) {
                struct frame *fr = &b->stack[k];
                if (grow((void **)&f->open, &b->open_cap, f->nopen, sizeof(*f->open)) < 0)
                        return -ENOMEM;
                f->open[f->nopen++] = (struct ct_ref){thread, fr->rec, fr->node};
                f->nodes[fr->node].open++;
                f->funcs[fr->func].active = 0;
        }
        b->depth = 0;
        return 0;
}

/* Stable merge sort of idx[0..n) by record time; tmp holds n entries. */
static void sort_by_time(const struct ev_record *recs, uint32_t *idx, uint32_t *tmp, size_t n)
{
        for (size_t width = 1; width < n; width *= 2) {
                for (size_t lo = 0; lo < n; lo += 2 * width) {
                        size_t mid = lo + width < n ? lo + width : n;
                        size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
                        size_t i = lo, j = mid, o = lo;
                        while (i < mid && j < hi)
                                tmp[o++] = recs[idx[j]].ts < recs[idx[i]].ts ? idx[j++] : idx[i++];
                        while (i < mid)
                                tmp[o++] = idx[i++];
                        while (j < hi)
                                tmp[o++] = idx[j++];
                }
                memcpy(idx, tmp, n * sizeof(*idx));
        }
}

static int cmp_threads(const void *a, const void *b)
{
        const struct ct_thread *x = a, *y = b;

        if (x->first_ts != y->first_ts)
                return x->first_ts < y->first_ts ? -1 : 1;
        if (x->id != y->id)
                return x->id < y->id ? -1 : 1;
        return 0;
}

/* Fill f->threads (sorted) and *order: record indices grouped by thread,
 * each group in time order. */
static int group_threads(struct builder *b, uint32_t **order_out, size_t **start_out)
{
        struct ct_forest *f = b->f;
        const struct ev_trace *t = b->t;
        struct key3map tmap = {0};
        uint32_t *prov = NULL, *remap = NULL, *order = NULL, *tmp = NULL;
        size_t *start = NULL, cap = 0;
        int err = -ENOMEM;

        prov = malloc((t->nrecs ? t->nrecs : 1) * sizeof(*prov));
        if (!prov)
                goto out;
        for (size_t k = 0; k < t->nrecs; k++) {
                const struct ev_record *r = &t->recs[k];
                struct key3 key = {(uint32_t)r->thread, (uint32_t)(r->thread >> 32), 0};
                bool inserted;
                int64_t v = key3map_get_or_put(&tmap, key, (uint32_t)f->nthreads, &inserted);
                struct ct_thread *th;

                if (v < 0)
                        goto out;
                if (inserted) {
                        if (grow((void **)&f->threads, &cap, f->nthreads, sizeof(*f->threads)) < 0)
                                goto out;
                        f->threads[f->nthreads] = (struct ct_thread){
                            .id = r->thread, .first_ts = r->ts, .last_ts = r->ts};
                        f->nthreads++;
                }
                th = &f->threads[v];
                th->nrecs++;
                if (r->ts < th->first_ts)
                        th->first_ts = r->ts;
                if (r->ts > th->last_ts)
                        th->last_ts = r->ts;
                prov[k] = (uint32_t)v;
        }
        /* sort threads, keeping where each provisional index went */
        for (size_t k = 0; k < f->nthreads; k++)
                f->threads[k].root = (uint32_t)k; /* provisional index, for the remap */
        if (f->nthreads)                          /* threads is NULL when there is none */
                qsort(f->threads, f->nthreads, sizeof(*f->threads), cmp_threads);
        remap = malloc((f->nthreads ? f->nthreads : 1) * sizeof(*remap));
        start = calloc(f->nthreads + 1, sizeof(*start));
        order = malloc((t->nrecs ? t->nrecs : 1) * sizeof(*order));
        tmp = malloc((t->nrecs ? t->nrecs : 1) * sizeof(*tmp));
        if (!remap || !start || !order || !tmp)
                goto out;
        for (size_t k = 0; k < f->nthreads; k++)
                remap[f->threads[k].root] = (uint32_t)k;
        /* counting sort by thread (stable), then time order per thread */
        for (size_t k = 0; k < f->nthreads; k++)
                start[k + 1] = start[k] + f->threads[k].nrecs;
        for (size_t k = 0; k < f->nthreads; k++)
                f->threads[k].root = 0;
        {
                size_t *pos = calloc(f->nthreads ? f->nthreads : 1, sizeof(*pos));
                if (!pos)
                        goto out;
                for (size_t k = 0; k < t->nrecs; k++) {
                        uint32_t th = remap[prov[k]];
                        order[start[th] + pos[th]++] = (uint32_t)k;
                }
                free(pos);
        }
        for (size_t k = 0; k < f->nthreads; k++) {
                uint32_t *g = order + start[k];
                size_t n = start[k + 1] - start[k];
                bool sorted = true;
                for (size_t i = 1; i < n && sorted; i++)
                        sorted = t->recs[g[i - 1]].ts <= t->recs[g[i]].ts;
                if (!sorted)
                        sort_by_time(t->recs, g, tmp, n);
        }
        *order_out = order;
        *start_out = start;
        order = NULL;
        start = NULL;
        err = 0;
out:
        key3map_free(&tmap);
        free(prov);
        free(remap);
        free(order);
        free(start);
        free(tmp);
        return err;
}

static void pick_boot_thread(struct ct_forest *f, const struct ev_trace *t)
{
        uint32_t hammer = ev_lookup(t, "hammer_time"), mi = ev_lookup(t, "mi_startup");
        uint32_t main_id = ev_lookup(t, "main");
        uint64_t boot_id = 0;
        bool found = false;

        for (size_t k = 0; k < t->nrecs && !found; k++) {
                const struct ev_record *r = &t->recs[k];
                bool fbsd = r->name && (r->name == hammer || r->name == mi);
                bool nbsd = r->name && r->name == main_id;

                if (r->kind != EV_ENTER)
                        continue;
                if ((t->os == EV_OS_FREEBSD && fbsd) || (t->os == EV_OS_NETBSD && nbsd) ||
                    (t->os == EV_OS_UNKNOWN && (fbsd || nbsd))) {
                        boot_id = r->thread;
                        found = true;
                }
        }
        f->boot_thread = CT_NONE;
        for (size_t k = 0; k < f->nthreads; k++) {
                if (found && f->threads[k].id == boot_id)
                        f->boot_thread = (uint32_t)k;
                if (!found && (f->boot_thread == CT_NONE ||
                               f->threads[k].nrecs > f->threads[f->boot_thread].nrecs))
                        f->boot_thread = (uint32_t)k;
        }
        if (f->boot_thread != CT_NONE)
                f->threads[f->boot_thread].is_boot = true;
}

static int judge_truncation(struct ct_forest *f, struct ev_trace *t)
{
        uint32_t mi = ev_lookup(t, "mi_startup"), main_id = ev_lookup(t, "main");
        uint32_t start_init = ev_lookup(t, "start_init");
        const struct ev_record *startup = NULL;
        bool exit_start_init = false;

        for (size_t k = 0; k < t->nrecs; k++) {
                const struct ev_record *r = &t->recs[k];
                bool is_startup = r->name && ((t->os != EV_OS_NETBSD && r->name == mi) ||
                                              (t->os != EV_OS_FREEBSD && r->name == main_id));

                if (t->os == EV_OS_LINUX)
                        break;
                if (r->kind == EV_ENTER && is_startup && (!startup || r->ts < startup->ts))
                        startup = r;
                if (r->kind == EV_EXIT && start_init && r->name == start_init)
                        exit_start_init = true;
        }
        if (t->has_begin_marker && !t->has_end_marker) {
                f->truncated = f->truncated_by_marker = true;
                if (ev_warn(t, t->begin_marker_line,
                            "dump truncated: a begin marker and no end marker (cut capture)") < 0)
                        return -ENOMEM;
        }
        if (startup && !exit_start_init) {
                f->truncated = f->truncated_by_startup = true;
                f->startup_line = startup->line;
                f->startup_name = startup->name;
                if (ev_warn(t, startup->line,
                            "dump truncated: ENTER %s and no EXIT start_init (buffer overflow "
                            "or cut capture)",
                            ev_str(t, startup->name)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int ct_build(struct ct_forest *f, struct ev_trace *t)
{
        struct builder b = {.f = f, .t = t};
        uint32_t *order = NULL;
        size_t *start = NULL;
        int err;

        memset(f, 0, sizeof(*f));
        f->trace = t;
        f->boot_thread = CT_NONE;
        err = group_threads(&b, &order, &start);
        if (err < 0)
                goto out_free;
        for (size_t k = 0; k < f->nthreads; k++) {
                int64_t root = new_node(&b, CT_NONE, 0, 0, (uint32_t)k, 0);
                if (root < 0) {
                        err = -ENOMEM;
                        goto out_free;
                }
                f->threads[k].root = (uint32_t)root;
                if (k == 0 || f->threads[k].first_ts < f->start)
                        f->start = f->threads[k].first_ts;
                if (k == 0 || f->threads[k].last_ts > f->end)
                        f->end = f->threads[k].last_ts;
        }
        for (size_t k = 0; k < f->nthreads; k++) {
                err = replay_thread(&b, (uint32_t)k, order + start[k], start[k + 1] - start[k]);
                if (err < 0)
                        goto out_free;
        }
        pick_boot_thread(f, t);
        err = judge_truncation(f, t);
out_free:
        key3map_free(&b.node_map);
        key3map_free(&b.func_map);
        free(b.stack);
        free(order);
        free(start);
        if (err < 0)
                ct_free(f);
        return err;
}

void ct_free(struct ct_forest *f)
{
        if (!f)
                return;
        free(f->threads);
        free(f->nodes);
        free(f->funcs);
        free(f->events);
        free(f->open);
        free(f->unmatched);
        memset(f, 0, sizeof(*f));
        f->boot_thread = CT_NONE;
}

const char *ct_thread_label(const struct ct_forest *f, uint32_t thread, char *buf, size_t size)
{
        const struct ct_thread *th = &f->threads[thread];

        if (th->is_boot)
                snprintf(buf, size, "kernel");
        else if (th->name)
                snprintf(buf, size, "%s", ev_str(f->trace, th->name));
        else
                snprintf(buf, size, "thread 0x%" PRIx64, th->id);
        return buf;
}

struct sort_ctx {
        const struct ct_forest *f;
        bool by_total;
};

static int cmp_funcs(const void *a, const void *b, void *arg)
{
        const struct sort_ctx *c = arg;
        const struct ct_func *x = &c->f->funcs[*(const uint32_t *)a];
        const struct ct_func *y = &c->f->funcs[*(const uint32_t *)b];
        uint64_t vx = c->by_total ? x->total : x->self, vy = c->by_total ? y->total : y->self;

        if (vx != vy)
                return vx > vy ? -1 : 1;
        if (x->thread != y->thread)
                return x->thread < y->thread ? -1 : 1;
        return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

uint32_t *ct_funcs_sorted(const struct ct_forest *f, bool by_total)
{
        struct sort_ctx c = {f, by_total};
        uint32_t *idx;

        if (!f->nfuncs)
                return NULL;
        idx = malloc(f->nfuncs * sizeof(*idx));
        if (!idx)
                return NULL;
        for (size_t k = 0; k < f->nfuncs; k++)
                idx[k] = (uint32_t)k;
        qsort_r(idx, f->nfuncs, sizeof(*idx), cmp_funcs, &c);
        return idx;
}
