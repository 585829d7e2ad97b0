/* metrics: per-run metric extraction and series over runs (metrics.h). */
#include "analyzer/metrics.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/fgraph.h"
#include "analyzer/idmap.h"
#include "analyzer/stats.h"

const char *metric_kind_name(enum metric_kind k)
{
        switch (k) {
        case METRIC_TOTAL:
                return "total";
        case METRIC_PHASE:
                return "phase";
        case METRIC_FN_TOTAL:
                return "fn_total";
        case METRIC_FN_SELF:
                return "fn_self";
        }
        return "?";
}

static char *prefixed(const char *prefix, const char *name)
{
        size_t a = strlen(prefix), b = strlen(name);
        char *s = malloc(a + b + 1);

        if (s) {
                memcpy(s, prefix, a);
                memcpy(s + a, name, b + 1);
        }
        return s;
}

static int list_add(struct metric_list *l, size_t *cap, char *name, enum metric_kind kind,
                    const char *phase, uint64_t ns, bool present)
{
        struct metric *m;

        if (!name)
                return -ENOMEM;
        if (l->n == *cap) {
                size_t nc = *cap ? *cap * 2 : 16;
                struct metric *nv = realloc(l->v, nc * sizeof(*nv));

                if (!nv) {
                        free(name);
                        return -ENOMEM;
                }
                l->v = nv;
                *cap = nc;
        }
        m = &l->v[l->n++];
        m->name = name;
        m->kind = kind;
        m->phase = phase;
        m->value_ns = ns;
        m->present = present;
        return 0;
}

/* One function's sums over the run (name and argument, any thread). */
struct fn_acc {
        uint32_t name, arg;
        uint64_t total, self;
        uint64_t first_ts;
        bool entered;
};

static bool ticks_ns(const struct ev_trace *t, uint64_t ticks, uint64_t *ns)
{
        double v;

        if (t->clock == EV_CLOCK_NS) {
                *ns = ticks;
                return true;
        }
        if (!ev_to_ns(t, ticks, &v))
                return false;
        *ns = (uint64_t)(v + 0.5);
        return true;
}

static const char *phase_of(const struct run *r, const struct fn_acc *a)
{
        const struct phases *ph = r->phases;

        if (!ph)
                return NULL;
        if (a->entered)
                for (size_t k = 0; k < ph->nresults; k++) {
                        const struct phase_result *p = &ph->results[k];

                        if (p->available && !p->inverted && p->start <= (int64_t)a->first_ts &&
                            (int64_t)a->first_ts < p->end)
                                return p->def->name;
                }
        if (r->kind == RUN_LINUX)
                for (size_t k = 0; k < ph->ndefs; k++)
                        if (!strcmp(ph->defs[k].name, "initcalls"))
                                return ph->defs[k].name;
        return NULL;
}

static bool counted(const struct run *r, const struct ct_func *fn, uint32_t probe)
{
        const struct ct_thread *th = &r->analysis.forest.threads[fn->thread];

        if (!fn->name)
                return false;
        if (r->kind != RUN_LINUX)
                return true;
        /* as run_slowest_initcalls: probes and ftrace functions are not initcalls */
        return !(probe && fn->name == probe) && th->id != DMESG_PROBE_THREAD &&
               th->id < FGRAPH_THREAD_BASE;
}

/* "name" or "name arg", after prefix */
static char *fn_name(const struct ev_trace *t, const char *prefix, const struct fn_acc *a)
{
        const char *name = ev_str(t, a->name), *arg = a->arg ? ev_str(t, a->arg) : "";
        size_t np = strlen(prefix), nn = strlen(name), na = strlen(arg);
        char *s = malloc(np + nn + na + 2);

        if (!s)
                return NULL;
        memcpy(s, prefix, np);
        memcpy(s + np, name, nn);
        s[np + nn] = ' ';
        memcpy(s + np + nn + (na ? 1 : 0), arg, na + 1);
        return s;
}

struct fn_ref {
        char *name;
        uint64_t ns;
        const char *phase;
};

static int fn_ref_cmp(const void *pa, const void *pb)
{
        const struct fn_ref *a = pa, *b = pb;

        if (a->ns != b->ns)
                return a->ns > b->ns ? -1 : 1;
        return strcmp(a->name, b->name);
}

static uint64_t fn_key(uint32_t name, uint32_t arg)
{
        return (uint64_t)name << 32 | arg;
}

static int add_functions(const struct run *r, struct metric_list *l, size_t *cap)
{
        const struct ct_forest *f = &r->analysis.forest;
        const struct ev_trace *t = &r->trace;
        uint32_t probe = ev_lookup(t, "probe");
        struct idmap ids = IDMAP_INIT;
        struct fn_acc *acc = NULL;
        struct fn_ref *refs = NULL;
        size_t nacc = 0, nref = 0;
        int rc = 0;

        if (!f->nfuncs)
                return 0;
        acc = calloc(f->nfuncs, sizeof(*acc));
        refs = calloc(f->nfuncs, sizeof(*refs));
        if (!acc || !refs) {
                rc = -ENOMEM;
                goto out_free;
        }
        for (size_t i = 0; i < f->nfuncs; i++) {
                const struct ct_func *fn = &f->funcs[i];
                bool added;
                int64_t k;

                if (!counted(r, fn, probe))
                        continue;
                k = idmap_get(&ids, fn_key(fn->name, fn->arg), &added);
                if (k < 0) {
                        rc = (int)k;
                        goto out_free;
                }
                if (added) {
                        acc[k].name = fn->name;
                        acc[k].arg = fn->arg;
                        nacc++;
                }
                acc[k].total += fn->total;
                acc[k].self += fn->self;
        }
        for (size_t i = 0; i < t->nrecs; i++) {
                const struct ev_record *e = &t->recs[i];
                bool added;
                int64_t k;

                if (e->kind != EV_ENTER)
                        continue;
                k = idmap_get(&ids, fn_key(e->name, e->arg), &added);
                if (k < 0) {
                        rc = (int)k;
                        goto out_free;
                }
                if ((size_t)k >= nacc) /* not a function counted */
                        continue;
                if (!acc[k].entered || e->ts < acc[k].first_ts) {
                        acc[k].entered = true;
                        acc[k].first_ts = e->ts;
                }
        }
        for (int pass = 0; pass < (r->kind == RUN_LINUX ? 1 : 2); pass++) {
                nref = 0;
                for (size_t k = 0; k < nacc; k++) {
                        uint64_t ns;

                        if (!ticks_ns(t, pass ? acc[k].self : acc[k].total, &ns))
                                continue;
                        refs[nref].name = fn_name(t, pass ? "self:" : "fn:", &acc[k]);
                        if (!refs[nref].name) {
                                rc = -ENOMEM;
                                goto out_refs;
                        }
                        refs[nref].ns = ns;
                        refs[nref].phase = phase_of(r, &acc[k]);
                        nref++;
                }
                qsort(refs, nref, sizeof(*refs), fn_ref_cmp);
                for (size_t k = 0; k < nref && !rc; k++) {
                        rc = list_add(l, cap, refs[k].name, pass ? METRIC_FN_SELF : METRIC_FN_TOTAL,
                                      refs[k].phase, refs[k].ns, true);
                        refs[k].name = NULL; /* the list's now, or freed */
                }
        out_refs:
                for (size_t k = 0; k < nref; k++)
                        free(refs[k].name);
                if (rc)
                        break;
        }
out_free:
        idmap_free(&ids);
        free(refs);
        free(acc);
        return rc;
}

int metrics_extract(const struct run *r, struct metric_list *l)
{
        size_t cap = 0;
        uint64_t ns = 0;
        bool ok;
        int rc;

        memset(l, 0, sizeof(*l));
        ok = run_total_ns(r, &ns);
        rc = list_add(l, &cap, prefixed("", "total"), METRIC_TOTAL, NULL, ok ? ns : 0, ok);
        for (size_t k = 0; !rc && r->phases && k < r->phases->nresults; k++) {
                const char *name = r->phases->results[k].def->name;

                ns = 0;
                ok = run_phase_ns(r, k, &ns);
                rc = list_add(l, &cap, prefixed("phase:", name), METRIC_PHASE, name, ok ? ns : 0,
                              ok);
        }
        if (!rc)
                rc = add_functions(r, l, &cap);
        return rc;
}

void metrics_list_free(struct metric_list *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i].name);
        free(l->v);
        memset(l, 0, sizeof(*l));
}

/* ---- the table ---- */

static uint64_t name_hash(const char *s)
{
        uint64_t h = 1469598103934665603ull; /* FNV-1a */

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ull;
        return h;
}

static size_t *slot_of(const struct metric_table *t, const char *name)
{
        size_t mask = t->nslots - 1, i = (size_t)name_hash(name) & mask;

        while (t->slots[i] && strcmp(t->v[t->slots[i] - 1].name, name))
                i = (i + 1) & mask;
        return &t->slots[i];
}

static int rehash(struct metric_table *t, size_t nslots)
{
        size_t *ns = calloc(nslots, sizeof(*ns));

        if (!ns)
                return -ENOMEM;
        free(t->slots);
        t->slots = ns;
        t->nslots = nslots;
        for (size_t i = 0; i < t->n; i++)
                *slot_of(t, t->v[i].name) = i + 1;
        return 0;
}

const struct metric_series *metrics_table_find(const struct metric_table *t, const char *name)
{
        size_t s;

        if (!t->nslots)
                return NULL;
        s = *slot_of(t, name);
        return s ? &t->v[s - 1] : NULL;
}

static struct metric_series *series_get(struct metric_table *t, const struct metric *m)
{
        struct metric_series *s;
        size_t *slot;

        if ((t->n + 1) * 2 > t->nslots && rehash(t, t->nslots ? t->nslots * 2 : 64) < 0)
                return NULL;
        slot = slot_of(t, m->name);
        if (*slot)
                return &t->v[*slot - 1];
        if (t->n == t->cap) {
                size_t nc = t->cap ? t->cap * 2 : 64;
                struct metric_series *nv = realloc(t->v, nc * sizeof(*nv));

                if (!nv)
                        return NULL;
                t->v = nv;
                t->cap = nc;
        }
        s = &t->v[t->n];
        memset(s, 0, sizeof(*s));
        s->name = strdup(m->name);
        s->phase = m->phase ? strdup(m->phase) : NULL;
        if (!s->name || (m->phase && !s->phase)) {
                free(s->name);
                free(s->phase);
                return NULL;
        }
        s->kind = m->kind;
        s->median = NAN;
        s->map_rank = m->kind == METRIC_PHASE ? t->nphases++ : 0;
        *slot = ++t->n;
        return s;
}

static int series_push(struct metric_series *s, double v, size_t run)
{
        if (s->present == s->cap) {
                size_t nc = s->cap ? s->cap * 2 : 8;
                double *nv = realloc(s->values, nc * sizeof(*nv));
                size_t *nr;

                if (!nv)
                        return -ENOMEM;
                s->values = nv;
                nr = realloc(s->runs, nc * sizeof(*nr));
                if (!nr)
                        return -ENOMEM;
                s->runs = nr;
                s->cap = nc;
        }
        s->values[s->present] = v;
        s->runs[s->present] = run;
        s->present++;
        return 0;
}

int metrics_collect_list(struct metric_table *t, const struct metric_list *l)
{
        size_t run = t->nruns++;

        for (size_t i = 0; i < l->n; i++) {
                const struct metric *m = &l->v[i];
                struct metric_series *s = series_get(t, m);

                if (!s)
                        return -ENOMEM;
                /* a series always exists for a run's phases and total, even
                 * absent, so that the map order is that of the first run */
                if (m->present && series_push(s, (double)m->value_ns, run) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int metrics_collect(struct metric_table *t, const struct run *r)
{
        struct metric_list l;
        int rc = metrics_extract(r, &l);

        if (!rc)
                rc = metrics_collect_list(t, &l);
        metrics_list_free(&l);
        return rc;
}

static int series_cmp(const void *pa, const void *pb)
{
        const struct metric_series *a = pa, *b = pb;

        if (a->kind != b->kind)
                return a->kind < b->kind ? -1 : 1;
        if (a->kind == METRIC_PHASE && a->map_rank != b->map_rank)
                return a->map_rank < b->map_rank ? -1 : 1;
        if (a->kind == METRIC_FN_TOTAL || a->kind == METRIC_FN_SELF) {
                bool an = isnan(a->median), bn = isnan(b->median);

                if (an != bn)
                        return an ? 1 : -1;
                if (!an && a->median != b->median)
                        return a->median > b->median ? -1 : 1;
        }
        return strcmp(a->name, b->name);
}

int metrics_table_finish(struct metric_table *t)
{
        double *tmp = NULL;
        size_t max = 0;

        for (size_t i = 0; i < t->n; i++)
                if (t->v[i].present > max)
                        max = t->v[i].present;
        if (max && !(tmp = malloc(max * sizeof(*tmp))))
                return -ENOMEM;
        for (size_t i = 0; i < t->n; i++) {
                struct metric_series *s = &t->v[i];

                s->n = t->nruns;
                s->median = NAN;
                if (!s->present)
                        continue;
                memcpy(tmp, s->values, s->present * sizeof(*tmp));
                stats_sort(tmp, s->present);
                s->median = stats_quantile_sorted(tmp, s->present, 0.5);
        }
        free(tmp);
        if (t->n)
                qsort(t->v, t->n, sizeof(*t->v), series_cmp);
        return t->nslots ? rehash(t, t->nslots) : 0;
}

void metrics_table_free(struct metric_table *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->n; i++) {
                free(t->v[i].name);
                free(t->v[i].phase);
                free(t->v[i].values);
                free(t->v[i].runs);
        }
        free(t->v);
        free(t->slots);
        memset(t, 0, sizeof(*t));
}
