/* kdiff: where the size went between two kernel images (kdiff.h). */
#include "analyzer/kdiff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One named thing of one image, for matching by sort and merge. */
struct item {
        const char *name;
        unsigned kind; /* section: its class; symbol: its kind */
        uint64_t size;
        bool in_b;
};

static int item_cmp(const void *pa, const void *pb)
{
        const struct item *a = pa, *b = pb;
        int c = strcmp(a->name, b->name);

        if (c)
                return c;
        if (a->kind != b->kind)
                return a->kind < b->kind ? -1 : 1;
        return (int)a->in_b - (int)b->in_b;
}

/* Name, then A before B (in header order: qsort is not stable, so the
 * first of a side's repeated names may come in any order; their class is
 * taken from the first seen). */
static int name_cmp(const void *pa, const void *pb)
{
        const struct item *a = pa, *b = pb;
        int c = strcmp(a->name, b->name);

        if (c)
                return c;
        return (int)a->in_b - (int)b->in_b;
}

static uint64_t magnitude(int64_t v)
{
        return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* |delta| descending, then name. */
static int delta_cmp(int64_t da, int64_t db, const char *na, const char *nb)
{
        uint64_t ma = magnitude(da), mb = magnitude(db);

        if (ma != mb)
                return ma > mb ? -1 : 1;
        return strcmp(na, nb);
}

static int section_cmp(const void *pa, const void *pb)
{
        const struct kdiff_section *a = pa, *b = pb;

        return delta_cmp(a->delta, b->delta, a->name, b->name);
}

static int sym_cmp(const void *pa, const void *pb)
{
        const struct kdiff_sym *a = pa, *b = pb;
        int c = delta_cmp(a->delta, b->delta, a->name, b->name);

        if (c)
                return c;
        return (int)a->kind - (int)b->kind;
}

static int64_t sdelta(uint64_t a, uint64_t b)
{
        return (int64_t)(b - a); /* two's complement: exact for |b - a| < 2^63 */
}

/* *acc += v, false when the sum would pass INT64_MAX (so that a delta of
 * two sums is exact). */
static bool add_size(uint64_t *acc, uint64_t v)
{
        if (v > (uint64_t)INT64_MAX - *acc)
                return false;
        *acc += v;
        return true;
}

/* Whether k's sizes fit deltas and its classes add up to its loaded size,
 * as kimage's always do: a runtime check (an assert is gone with NDEBUG). */
static int check_sizes(const struct kimage *k)
{
        uint64_t sum = 0;

        if (k->file_size > INT64_MAX || k->loaded_size > INT64_MAX || k->unloaded_size > INT64_MAX)
                return -EOVERFLOW;
        for (int c = 0; c < KIMAGE_NCLASSES; c++)
                if (!add_size(&sum, k->class_size[c]))
                        return -EOVERFLOW;
        return sum == k->loaded_size ? 0 : -EINVAL;
}

/* The loaded sections of a and b matched by name (an item's kind is its
 * class). */
static int diff_sections(struct kdiff *d)
{
        const struct kimage *k[2] = {d->a, d->b};
        size_t n = 0, m = 0;
        bool ok = true;
        struct item *v;

        v = calloc(d->a->nsections + d->b->nsections + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (int side = 0; side < 2; side++)
                for (size_t i = 0; i < k[side]->nsections; i++) {
                        const struct kimage_section *s = &k[side]->sections[i];

                        if (!s->alloc)
                                continue;
                        v[n++] = (struct item){s->name ? s->name : "", s->cls, s->size, side};
                }
        qsort(v, n, sizeof(*v), name_cmp);
        d->sections = calloc(n + 1, sizeof(*d->sections));
        if (!d->sections) {
                free(v);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n;) {
                struct kdiff_section s = {.name = v[i].name};
                size_t j = i;

                for (; j < n && strcmp(v[j].name, v[i].name) == 0; j++) {
                        if (v[j].in_b) {
                                if (!s.in_b)
                                        s.cls = v[j].kind; /* B's class when in B */
                                ok &= add_size(&s.b, v[j].size);
                                s.in_b = true;
                        } else {
                                if (!s.in_a && !s.in_b)
                                        s.cls = v[j].kind;
                                ok &= add_size(&s.a, v[j].size);
                                s.in_a = true;
                        }
                }
                i = j;
                s.delta = sdelta(s.a, s.b);
                if (s.delta != 0)
                        d->sections[m++] = s;
        }
        free(v);
        qsort(d->sections, m, sizeof(*d->sections), section_cmp);
        d->nsections = m;
        return ok ? 0 : -EOVERFLOW;
}

static int list_add(struct kdiff_list *l, const struct kdiff_sym *s)
{
        l->v[l->n++] = *s;
        l->total++;
        return 0;
}

static void list_cut(struct kdiff_list *l, size_t top)
{
        qsort(l->v, l->n, sizeof(*l->v), sym_cmp);
        if (l->n > top)
                l->n = top;
}

static int diff_symbols(struct kdiff *d, size_t top)
{
        const struct kimage *k[2] = {d->a, d->b};
        size_t n = 0, cap = d->a->nsymbols + d->b->nsymbols + 1;
        struct kdiff_list *lists[4] = {&d->grew, &d->shrank, &d->added, &d->removed};
        bool ok = true;
        struct item *v;
        int rc = -ENOMEM;

        v = calloc(cap, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (int side = 0; side < 2; side++)
                for (size_t i = 0; i < k[side]->nsymbols; i++) {
                        const struct kimage_symbol *s = &k[side]->symbols[i];

                        v[n++] = (struct item){s->name ? s->name : "", s->kind, s->size, side};
                }
        qsort(v, n, sizeof(*v), item_cmp);
        for (int i = 0; i < 4; i++) {
                lists[i]->v = calloc(n + 1, sizeof(struct kdiff_sym));
                if (!lists[i]->v)
                        goto out_free_v;
        }
        for (size_t i = 0; i < n;) {
                struct kdiff_sym s = {.name = v[i].name, .kind = v[i].kind};
                size_t j = i;

                for (; j < n && v[j].kind == v[i].kind && strcmp(v[j].name, v[i].name) == 0; j++) {
                        if (v[j].in_b) {
                                ok &= add_size(&s.b, v[j].size);
                                s.nb++;
                        } else {
                                ok &= add_size(&s.a, v[j].size);
                                s.na++;
                        }
                }
                i = j;
                s.delta = sdelta(s.a, s.b);
                ok &= !__builtin_add_overflow(d->sym_delta, s.delta, &d->sym_delta);
                if (s.na == 0)
                        list_add(&d->added, &s);
                else if (s.nb == 0)
                        list_add(&d->removed, &s);
                else if (s.delta > 0)
                        list_add(&d->grew, &s);
                else if (s.delta < 0)
                        list_add(&d->shrank, &s);
        }
        for (int i = 0; i < 4; i++)
                list_cut(lists[i], top);
        rc = ok ? 0 : -EOVERFLOW;
out_free_v:
        free(v);
        return rc;
}

int kdiff_build(const struct kimage *a, const struct kimage *b, size_t top, struct kdiff **out)
{
        struct kdiff *d;
        int64_t sum = 0;
        int rc;

        *out = NULL;
        if (!a || !b)
                return -EINVAL;
        rc = check_sizes(a);
        if (rc == 0)
                rc = check_sizes(b);
        if (rc < 0)
                return rc;
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->a = a;
        d->b = b;
        d->file_delta = sdelta(a->file_size, b->file_size);
        d->loaded_delta = sdelta(a->loaded_size, b->loaded_size);
        d->unloaded_delta = sdelta(a->unloaded_size, b->unloaded_size);
        for (int c = 0; c < KIMAGE_NCLASSES; c++) {
                d->class_delta[c] = sdelta(a->class_size[c], b->class_size[c]);
                sum += d->class_delta[c];
        }
        /* Exact: every size is below 2^63 and the classes add up. */
        if (sum != d->loaded_delta) {
                rc = -EINVAL;
                goto out_free;
        }
        rc = diff_sections(d);
        if (rc)
                goto out_free;
        d->symbols = a->has_symtab && b->has_symtab;
        if (d->symbols) {
                rc = diff_symbols(d, top);
                if (rc)
                        goto out_free;
        }
        *out = d;
        return 0;
out_free:
        kdiff_free(d);
        return rc;
}

void kdiff_free(struct kdiff *d)
{
        if (!d)
                return;
        free(d->sections);
        free(d->grew.v);
        free(d->shrank.v);
        free(d->added.v);
        free(d->removed.v);
        free(d);
}
