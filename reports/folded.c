/* folded: see folded.h. */
#include "reports/folded.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/sbuf.h"
#include "analyzer/stats.h"
#include "base/util.h"

struct stack {
        size_t off, len; /* text in fo->text */
        uint64_t ticks;  /* raw clock, summed */
        double ns;       /* summed, when every part had a conversion */
        size_t run;      /* the folded_add() it came from (median profiles) */
};

struct folded {
        struct sbuf text;
        struct stack *v;
        size_t n, cap;
        bool any_unconvertible; /* a cycle trace without frequency was added */
        bool any_cycles;        /* a cycle trace was added */
        bool median;            /* write the median over runs, not the sum */
        size_t nruns;           /* folded_add() calls */
};

struct folded *folded_new(void)
{
        struct folded *fo = calloc(1, sizeof(*fo));

        if (fo)
                sbuf_init(&fo->text);
        return fo;
}

struct folded *folded_new_median(void)
{
        struct folded *fo = folded_new();

        if (fo)
                fo->median = true;
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
        if (s && s->run == fo->nruns && s->len == path->len &&
            memcmp(fo->text.buf + s->off, path->buf, path->len) == 0) {
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
        s->run = fo->nruns;
        if (sbuf_add(&fo->text, path->buf, path->len) < 0)
                return -ENOMEM;
        fo->n++;
        return 0;
}

/* A Linux boot's stacks start from its phases: the phase of each top-level
 * frame (the first available phase of the map holding the frame's first
 * ENTER), and a stack per phase with the phase's time its boot thread's
 * top-level frames leave (folded.h). */
struct phase_roots {
        const struct phases *ph;
        uint32_t *phase;   /* per node: 1 + the phase index of a top-level node, 0: none */
        uint64_t *covered; /* per phase: the boot thread's top-level totals in it */
};

struct line_node {
        uint32_t line, node;
};

static int cmp_line(const void *a, const void *b)
{
        const struct line_node *x = a, *y = b;

        return x->line < y->line ? -1 : x->line > y->line;
}

static bool linux_phased(const struct analysis *a)
{
        return a->trace->os == EV_OS_LINUX && a->phases && a->phases->nresults;
}

static int phase_roots_build(struct phase_roots *pr, const struct analysis *a)
{
        const struct ct_forest *f = &a->forest;
        const struct ev_trace *t = a->trace;
        const struct phases *ph = a->phases;
        struct line_node *ln;
        size_t n = 0;

        memset(pr, 0, sizeof(*pr));
        pr->ph = ph;
        pr->phase = calloc(f->nnodes ? f->nnodes : 1, sizeof(*pr->phase));
        pr->covered = calloc(ph->nresults, sizeof(*pr->covered));
        ln = malloc((f->nnodes ? f->nnodes : 1) * sizeof(*ln));
        if (!pr->phase || !pr->covered || !ln) {
                free(ln);
                return -ENOMEM;
        }
        for (size_t k = 0; k < f->nnodes; k++)
                if (f->nodes[k].depth == 1 && f->nodes[k].first_line)
                        ln[n++] = (struct line_node){f->nodes[k].first_line, (uint32_t)k};
        qsort(ln, n, sizeof(*ln), cmp_line);
        for (size_t i = 0; i < t->nrecs && n; i++) {
                const struct ev_record *e = &t->recs[i];
                struct line_node key = {e->line, 0}, *hit;

                if (e->kind != EV_ENTER)
                        continue;
                hit = bsearch(&key, ln, n, sizeof(*ln), cmp_line);
                if (!hit || pr->phase[hit->node])
                        continue;
                for (size_t k = 0; k < ph->nresults; k++) {
                        const struct phase_result *p = &ph->results[k];
                        const struct ct_node *nd = &f->nodes[hit->node];

                        if (!p->available || p->inverted || (int64_t)e->ts < p->start ||
                            (int64_t)e->ts >= p->end)
                                continue;
                        pr->phase[hit->node] = (uint32_t)k + 1;
                        if (nd->thread == f->boot_thread)
                                pr->covered[k] = sat_add(pr->covered[k], nd->total);
                        break;
                }
        }
        free(ln);
        return 0;
}

static void phase_roots_free(struct phase_roots *pr)
{
        free(pr->phase);
        free(pr->covered);
}

/* Each available phase as a stack of its own, with the time its boot
 * thread's top-level frames leave. */
static int emit_phases(struct folded *fo, const struct analysis *a, const struct phase_roots *pr,
                       struct sbuf *path)
{
        for (size_t k = 0; k < pr->ph->nresults; k++) {
                const struct phase_result *p = &pr->ph->results[k];
                uint64_t d;

                if (!p->available || !analysis_span(p->start, p->end, &d) || d <= pr->covered[k])
                        continue;
                sbuf_reset(path);
                if (add_sanitised(path, p->def->name) < 0 ||
                    emit(fo, a->trace, path, d - pr->covered[k]) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* The path of a top-level frame of thread k: its phase, then the thread
 * unless it is the boot thread; without a phase, the thread. */
static int root_path(struct sbuf *path, const struct analysis *a, const struct phase_roots *pr,
                     uint32_t k, uint32_t node)
{
        const struct ct_forest *f = &a->forest;
        char label[256];

        sbuf_reset(path);
        if (pr && pr->phase[node]) {
                if (add_sanitised(path, pr->ph->results[pr->phase[node] - 1].def->name) < 0)
                        return -ENOMEM;
                if (k == f->boot_thread)
                        return 0;
                if (sbuf_addch(path, ';') < 0)
                        return -ENOMEM;
        }
        return add_sanitised(path, ct_thread_label(f, k, label, sizeof(label)));
}

int folded_add(struct folded *fo, const struct analysis *a)
{
        const struct ct_forest *f = &a->forest;
        const struct ev_trace *t = a->trace;
        struct sbuf path = SBUF_INIT;
        struct phase_roots roots, *pr = NULL;
        size_t *lens = NULL, lens_cap = 0;
        int err = -ENOMEM;

        if (t->clock == EV_CLOCK_CYCLES) {
                fo->any_cycles = true;
                if (!t->freq_hz)
                        fo->any_unconvertible = true;
        }
        if (linux_phased(a)) {
                pr = &roots;
                if (phase_roots_build(pr, a) < 0 || emit_phases(fo, a, pr, &path) < 0)
                        goto out_free;
        }
        for (size_t k = 0; k < f->nthreads; k++) {
                const struct ct_thread *th = &f->threads[k];
                uint32_t cur = f->nodes[th->root].first_child;
                size_t depth = 0;

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
                        if (depth == 0 && root_path(&path, a, pr, (uint32_t)k, cur) < 0)
                                goto out_free;
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
        if (pr)
                phase_roots_free(pr);
        fo->nruns++;
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

/* by text, then by run */
static int cmp_stacks_runs(const void *a, const void *b, void *arg)
{
        const struct stack *x = a, *y = b;
        int c = cmp_stacks(a, b, arg);

        if (c)
                return c;
        return x->run < y->run ? -1 : (x->run > y->run);
}

/* The median over the runs of the group v[0..n) (sorted by run), a run
 * without the stack counting as 0; in cycles (ticks) or ns. */
static double group_median(const struct stack *v, size_t n, size_t nruns, bool cycles, double *vals)
{
        for (size_t r = 0; r < nruns; r++)
                vals[r] = 0;
        for (size_t k = 0; k < n; k++)
                vals[v[k].run] += cycles ? (double)v[k].ticks : v[k].ns;
        stats_sort(vals, nruns);
        return stats_quantile_sorted(vals, nruns, 0.5);
}

int folded_write(FILE *out, struct folded *fo, enum report_unit u)
{
        static const double per_ns[] = {1, 1, 1e3, 1e6};
        size_t k = 0, left_out = 0;
        double *vals = NULL;
        int rc = 0;

        if (!fo->n)
                return 0;
        if (fo->median && !(vals = malloc((fo->nruns ? fo->nruns : 1) * sizeof(*vals))))
                return -ENOMEM;
        qsort_r(fo->v, fo->n, sizeof(*fo->v), cmp_stacks_runs, fo->text.buf);
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
                if (fo->median) {
                        double m =
                            group_median(&fo->v[k], j - k, fo->nruns, u == REPORT_CYCLES, vals);

                        ns = m;
                        ticks = (uint64_t)llround(m); /* a median of 64-bit counts fits */
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
                                        : fprintf(out, " %.0f\n", v)) < 0) {
                        rc = -EIO;
                        break;
                }
        }
        free(vals);
        if (rc || ferror(out))
                return -EIO;
        return left_out > INT_MAX ? INT_MAX : (int)left_out;
}
