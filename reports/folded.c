/* folded: see folded.h. */
#include "reports/folded.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/sbuf.h"
#include "base/util.h"

struct stack {
        size_t off, len; /* text in fo->text */
        uint64_t ticks;  /* raw clock, summed */
        double ns;       /* summed, when every part had a conversion */
};

struct folded {
        struct sbuf text;
        struct stack *v;
        size_t n, cap;
        bool any_unconvertible; /* a cycle trace without frequency was added */
        bool any_cycles;        /* a cycle trace was added */
};

struct folded *folded_new(void)
{
        struct folded *fo = calloc(1, sizeof(*fo));

        if (fo)
                sbuf_init(&fo->text);
        return fo;
}

void folded_free(struct folded *fo)
{
        if (!fo)
                return;
        sbuf_release(&fo->text);
        free(fo->v);
        free(fo);
}

/* Append s (at most FOLDED_NAME_MAX bytes of it, then "...") with ';'
 * turned into '_'. */
static int add_sanitised(struct sbuf *sb, const char *s)
{
        size_t start = sb->len, n = strnlen(s, FOLDED_NAME_MAX + 1);

        if (n > FOLDED_NAME_MAX) {
                if (sbuf_add(sb, s, FOLDED_NAME_MAX) < 0 || sbuf_adds(sb, "...") < 0)
                        return -ENOMEM;
        } else if (sbuf_add(sb, s, n) < 0) {
                return -ENOMEM;
        }
        for (size_t k = start; k < sb->len; k++)
                if (sb->buf[k] == ';' || sb->buf[k] == '\n')
                        sb->buf[k] = '_';
        return 0;
}

static int add_frame(struct sbuf *sb, const struct ev_trace *t, const struct ct_node *n)
{
        if (sbuf_addch(sb, ';') < 0 || add_sanitised(sb, ev_str(t, n->name)) < 0)
                return -ENOMEM;
        if (n->arg && (sbuf_addch(sb, ' ') < 0 || add_sanitised(sb, ev_str(t, n->arg)) < 0))
                return -ENOMEM;
        return 0;
}

/* a + b, UINT64_MAX when it does not fit (then the stack is left out) */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
        uint64_t c;

        return __builtin_add_overflow(a, b, &c) ? UINT64_MAX : c;
}

static int emit(struct folded *fo, const struct ev_trace *t, const struct sbuf *path, uint64_t self)
{
        struct stack *s;
        double ns = 0;

        (void)ev_to_ns(t, self, &ns);
        /* the frames of a chain beyond FOLDED_MAX_DEPTH come one after the
         * other with the same text: add them up in place */
        s = fo->n ? &fo->v[fo->n - 1] : NULL;
        if (s && s->len == path->len && memcmp(fo->text.buf + s->off, path->buf, path->len) == 0) {
                s->ticks = sat_add(s->ticks, self);
                s->ns += ns;
                return 0;
        }
        if (fo->n == fo->cap) {
                size_t cap = fo->cap ? fo->cap * 2 : 256;
                struct stack *v = realloc(fo->v, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                fo->v = v;
                fo->cap = cap;
        }
        s = &fo->v[fo->n];
        s->off = fo->text.len;
        s->len = path->len;
        s->ticks = self;
        s->ns = ns;
        if (sbuf_add(&fo->text, path->buf, path->len) < 0)
                return -ENOMEM;
        fo->n++;
        return 0;
}

int folded_add(struct folded *fo, const struct analysis *a)
{
        const struct ct_forest *f = &a->forest;
        const struct ev_trace *t = a->trace;
        struct sbuf path = SBUF_INIT;
        size_t *lens = NULL, lens_cap = 0;
        int err = -ENOMEM;
        char label[256];

        if (t->clock == EV_CLOCK_CYCLES) {
                fo->any_cycles = true;
                if (!t->freq_hz)
                        fo->any_unconvertible = true;
        }
        for (size_t k = 0; k < f->nthreads; k++) {
                const struct ct_thread *th = &f->threads[k];
                uint32_t cur = f->nodes[th->root].first_child;
                size_t depth = 0;

                sbuf_reset(&path);
                if (add_sanitised(&path, ct_thread_label(f, (uint32_t)k, label, sizeof(label))) < 0)
                        goto out_free;
                /* pre-order walk; lens[d] = path length before the frame at depth d+1 */
                while (cur != CT_NONE) {
                        const struct ct_node *n = &f->nodes[cur];
                        if (depth >= lens_cap) {
                                size_t cap = lens_cap ? lens_cap * 2 : 64;
                                size_t *nl = realloc(lens, cap * sizeof(*nl));
                                if (!nl)
                                        goto out_free;
                                lens = nl;
                                lens_cap = cap;
                        }
                        lens[depth++] = path.len;
                        if (depth <= FOLDED_MAX_DEPTH) {
                                if (add_frame(&path, t, n) < 0)
                                        goto out_free;
                        } else if (depth == FOLDED_MAX_DEPTH + 1) {
                                if (sbuf_adds(&path, ";" FOLDED_DEEPER) < 0)
                                        goto out_free;
                        }
                        if (n->self && emit(fo, t, &path, n->self) < 0)
                                goto out_free;
                        if (n->first_child != CT_NONE) {
                                cur = n->first_child;
                                continue;
                        }
                        while (cur != CT_NONE && f->nodes[cur].next_sibling == CT_NONE) {
                                path.len = lens[--depth];
                                cur = f->nodes[cur].parent;
                                if (cur == th->root)
                                        cur = CT_NONE;
                        }
                        if (cur != CT_NONE) {
                                path.len = lens[--depth];
                                cur = f->nodes[cur].next_sibling;
                        }
                }
        }
        err = 0;
out_free:
        sbuf_release(&path);
        free(lens);
        return err;
}

enum report_unit folded_unit_for(const struct folded *fo, enum report_unit u)
{
        if (fo->any_unconvertible)
                return REPORT_CYCLES;
        if (u == REPORT_CYCLES && !fo->any_cycles && fo->n)
                return REPORT_NS;
        return u;
}

static int cmp_stacks(const void *a, const void *b, void *arg)
{
        const char *text = arg;
        const struct stack *x = a, *y = b;
        size_t n = x->len < y->len ? x->len : y->len;
        int c = memcmp(text + x->off, text + y->off, n);

        if (c)
                return c;
        return x->len < y->len ? -1 : (x->len > y->len);
}

int folded_write(FILE *out, struct folded *fo, enum report_unit u)
{
        static const double per_ns[] = {1, 1, 1e3, 1e6};
        size_t k = 0, left_out = 0;

        if (!fo->n)
                return 0;
        qsort_r(fo->v, fo->n, sizeof(*fo->v), cmp_stacks, fo->text.buf);
        while (k < fo->n) {
                const struct stack *s = &fo->v[k];
                uint64_t ticks = 0;
                double ns = 0, v;
                size_t j = k;

                while (j < fo->n && cmp_stacks(s, &fo->v[j], fo->text.buf) == 0) {
                        ticks = sat_add(ticks, fo->v[j].ticks);
                        ns += fo->v[j].ns;
                        j++;
                }
                k = j;
                if (u == REPORT_CYCLES && ticks == UINT64_MAX) {
                        left_out++; /* beyond 64 bits: no wrapped count */
                        continue;
                }
                v = u == REPORT_CYCLES ? (double)ticks : round(ns / per_ns[u]);
                if (v < 1)
                        continue;
                /* cycles exactly: a double would print 2^64 for 2^64 - 2 */
                if (fwrite(fo->text.buf + s->off, 1, s->len, out) != s->len ||
                    (u == REPORT_CYCLES ? fprintf(out, " %" PRIu64 "\n", ticks)
                                        : fprintf(out, " %.0f\n", v)) < 0)
                        return -EIO;
        }
        if (ferror(out))
                return -EIO;
        return left_out > INT_MAX ? INT_MAX : (int)left_out;
}
