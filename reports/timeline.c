/* timeline: see timeline.h and docs/timeline.md. */
#include "reports/timeline.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/dmesg.h"
#include "analyzer/fgraph.h"

#define DEFAULT_W_PX  1200.0
#define ROW_PX        18.0 /* a row's height at the default size */
#define MIN_H_PX      320.0
#define MAX_H_PX      4000.0
#define EM_CHAR       0.72 /* a label character's width, in ems (measured on cairo's Sans) */
#define LABEL_SCALE   0.8  /* labels' font size, of the figure's */
#define KEY_TOP       3.3  /* lines from the plot's bottom to the key (tics, axis title) */
#define KEY_ROW       1.2  /* a key row's height, in lines (as gnuplot draws it) */
#define NOTE_LINE     0.85 /* a note line's height, in lines of the figure's font */
#define MIN_PLOT_COLS 12.0 /* the least width of the plot, in characters */
#define MIN_ROW_LINES 0.25 /* the least height of a row, in lines */
#define BAND_GAP      0.35 /* rows of space before a band */
#define MAX_TIC_CHARS 28u  /* a band's name on the y axis is cut to this */
#define COLOR_NONE    (-1) /* a box that starts in no phase */
#define COLOR_MERGED  (-2) /* calls too short to draw, merged */
#define MERGED_RGB    "#B0B0B0"
#define NONE_RGB      "#E8E8E8"
#define SEPARATOR_RGB "#A0A0A0"

/* One activation of a function: ENTER to EXIT on one thread. */
struct act {
        int64_t ts, end; /* the trace's clock */
        uint32_t rec;    /* its ENTER record */
        uint32_t band;   /* band of rows (a thread; Linux: sync or async) */
        uint32_t depth;  /* row in the band */
        bool open;       /* open at dump time: drawn to the trace's end */
};

struct box {
        double x0, x1; /* on the axis */
        uint32_t band, depth;
        uint32_t row; /* global row, once the rows are laid out */
        int color;    /* phase index, or COLOR_* */
        uint32_t calls;
        uint32_t ref; /* ENTER record, or phase index for a phase */
        bool is_phase;
};

struct band {
        char *name;     /* y axis label of its first row (owned) */
        bool row_names; /* Linux async lanes: "async N" on every row */
        uint32_t nrows; /* rows with something drawn */
        uint32_t first_row;
};

struct tl {
        const struct run *r;
        const struct ev_trace *t;
        const struct ct_forest *f;
        const struct phases *ph;
        bool cycles; /* no TSC frequency: the axis is in Mcycles */
        bool from_spawn;
        double origin; /* the axis' zero, in ns (cycles when cycles) */

        struct act *acts;
        size_t nacts;
        struct box *boxes;
        size_t nboxes, boxcap;
        struct band *bands; /* bands[0]: the phases */
        size_t nbands;
        double *row_y; /* top of each row */
        uint32_t nrows;
        double ymax;

        /* what was left out */
        size_t tiny_dropped, tiny_merged, merged_boxes, nopen;
        size_t probes, ftrace_calls, threads_empty, labelled, labellable;
        size_t nlabels;      /* "set label N" written */
        double min_w, min_h; /* the least size the layout fits in */

        /* the layout in the terminal's units: px on svg and png, points
         * (1/72 in) on pdf, eps and cairolatex, characters (x) and lines
         * (y) on dumb; w_pt, hchar, lm, rm across, h_pt, vchar, tm, bm
         * down */
        enum gp_term term;
        double w_pt, h_pt, font_pt, label_pt;
        double hchar, vchar;           /* gnuplot's character and line (its margins' units) */
        double text_em;                /* the em of the figure's text as drawn */
        double lm, rm, tm, bm;         /* margins */
        double lm_c, rm_c, tm_c, bm_c; /* the same in characters and lines */
        size_t note_lines;             /* lines of the note drawn under the key */
        double note_step;              /* their spacing, in lines */
        unsigned key_rows;
        double lo, hi; /* the axis range */
        unsigned key_cols;
};

/* A time of the trace on the axis: ms (or Mcycles) since the zero. */
static double axis(const struct tl *x, int64_t ticks)
{
        double v = (double)ticks;

        if (!x->cycles && x->t->clock == EV_CLOCK_CYCLES)
                v = v * 1e9 / (double)x->t->freq_hz;
        return (v - x->origin) / 1e6;
}

static int add_box(struct tl *x, const struct box *b)
{
        if (x->nboxes == x->boxcap) {
                size_t cap = x->boxcap ? x->boxcap * 2 : 256;
                struct box *p = realloc(x->boxes, cap * sizeof(*p));
                if (!p)
                        return -ENOMEM;
                x->boxes = p;
                x->boxcap = cap;
        }
        x->boxes[x->nboxes++] = *b;
        return 0;
}

static int add_band(struct tl *x, const char *name, bool row_names)
{
        struct band *p = realloc(x->bands, (x->nbands + 1) * sizeof(*p));

        if (!p)
                return -ENOMEM;
        x->bands = p;
        p[x->nbands] = (struct band){.name = strdup(name), .row_names = row_names};
        if (!p[x->nbands].name)
                return -ENOMEM;
        x->nbands++;
        return 0;
}

/* The phase a time falls in: the available phase that starts latest at
 * or before it and ends after it; COLOR_NONE when there is none. */
static int phase_at(const struct tl *x, int64_t ts)
{
        int best = COLOR_NONE;

        for (size_t k = 0; x->ph && k < x->ph->nresults; k++) {
                const struct phase_result *p = &x->ph->results[k];

                if (!p->available || p->start > ts || p->end <= ts)
                        continue;
                if (best == COLOR_NONE || p->start >= x->ph->results[best].start)
                        best = (int)k;
        }
        return best;
}

/* Lanes: spans sorted by start go to the first lane free at their start
 * (greedy interval partitioning: as few lanes as the most spans open at
 * one time, and no two spans of a lane overlap). lane_end holds each
 * lane's last end; returns the lane, or -ENOMEM. */
static int64_t lane_for(int64_t **lane_end, uint32_t *nlanes, int64_t ts, int64_t end)
{
        int64_t *p;

        for (uint32_t l = 0; l < *nlanes; l++) {
                if ((*lane_end)[l] <= ts) {
                        (*lane_end)[l] = end;
                        return l;
                }
        }
        p = realloc(*lane_end, (*nlanes + 1) * sizeof(*p));
        if (!p)
                return -ENOMEM;
        *lane_end = p;
        p[*nlanes] = end;
        return (*nlanes)++;
}

struct span {
        int64_t ts, end;
        uint32_t ref;
};

static int cmp_spans(const void *pa, const void *pb)
{
        const struct span *a = pa, *b = pb;

        if (a->ts != b->ts)
                return a->ts < b->ts ? -1 : 1;
        if (a->end != b->end)
                return a->end > b->end ? -1 : 1;
        return a->ref < b->ref ? -1 : a->ref > b->ref;
}

/* The phases' row: every available phase, on as many lanes as overlap. */
static int phase_boxes(struct tl *x)
{
        struct span *s = NULL;
        int64_t *lane_end = NULL;
        uint32_t nlanes = 0;
        size_t n = 0;
        int rc = add_band(x, "phases", false);

        if (rc || !x->ph || !x->ph->nresults)
                return rc;
        s = malloc(x->ph->nresults * sizeof(*s));
        if (!s)
                return -ENOMEM;
        for (size_t k = 0; k < x->ph->nresults; k++) {
                const struct phase_result *p = &x->ph->results[k];

                if (p->available)
                        s[n++] = (struct span){p->start, p->end, (uint32_t)k};
        }
        qsort(s, n, sizeof(*s), cmp_spans);
        for (size_t i = 0; i < n && !rc; i++) {
                int64_t lane = lane_for(&lane_end, &nlanes, s[i].ts, s[i].end);
                struct box b = {.x0 = axis(x, s[i].ts),
                                .x1 = axis(x, s[i].end),
                                .band = 0,
                                .color = (int)s[i].ref,
                                .calls = 1,
                                .ref = s[i].ref,
                                .is_phase = true};

                if (lane < 0) {
                        rc = (int)lane;
                        break;
                }
                b.depth = (uint32_t)lane;
                rc = add_box(x, &b);
        }
        free(lane_end);
        free(s);
        return rc;
}

static int add_act(struct tl *x, size_t *cap, const struct act *a)
{
        if (x->nacts == *cap) {
                size_t nc = *cap ? *cap * 2 : 256;
                struct act *p = realloc(x->acts, nc * sizeof(*p));
                if (!p)
                        return -ENOMEM;
                x->acts = p;
                *cap = nc;
        }
        x->acts[x->nacts++] = *a;
        return 0;
}

static int cmp_recs_by_thread_time(const void *pa, const void *pb, void *arg)
{
        const struct ev_record *recs = arg;
        uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

        if (recs[a].thread != recs[b].thread)
                return recs[a].thread < recs[b].thread ? -1 : 1;
        if (recs[a].ts != recs[b].ts)
                return recs[a].ts < recs[b].ts ? -1 : 1;
        return a < b ? -1 : a > b; /* stable: input order */
}

/* The forest's index of thread id, CT_NONE when it has none. Called once
 * per thread of the trace: a linear search is enough. */
static uint32_t forest_thread(const struct ct_forest *f, uint64_t id)
{
        for (size_t k = 0; k < f->nthreads; k++)
                if (f->threads[k].id == id)
                        return (uint32_t)k;
        return CT_NONE;
}

/*
 * Every activation of every thread, as ct_build() pairs them: records of
 * a thread in time order; an EXIT closes the innermost open frame of its
 * name and argument and the frames above it; an EXIT with no such frame
 * is ignored; frames open at the end last to the trace's end. Each
 * activation's band is its thread's index in the forest (set later for
 * Linux), its depth the frames below it.
 */
static int replay(struct tl *x)
{
        const struct ev_trace *t = x->t;
        uint32_t *idx = NULL, th = CT_NONE;
        struct act *stack = NULL;
        size_t cap = 0, depth = 0, scap = 0;
        int rc = 0;

        if (!t->nrecs || !x->f->nthreads)
                return 0;
        idx = malloc(t->nrecs * sizeof(*idx));
        if (!idx)
                return -ENOMEM;
        for (size_t i = 0; i < t->nrecs; i++)
                idx[i] = (uint32_t)i;
        qsort_r(idx, t->nrecs, sizeof(*idx), cmp_recs_by_thread_time, t->recs);
        for (size_t i = 0; i < t->nrecs && !rc; i++) {
                const struct ev_record *e = &t->recs[idx[i]];
                size_t m;

                if (i == 0 || t->recs[idx[i - 1]].thread != e->thread) {
                        while (depth && !rc) {
                                stack[--depth].end = (int64_t)x->f->end;
                                stack[depth].open = true;
                                rc = add_act(x, &cap, &stack[depth]);
                        }
                        th = forest_thread(x->f, e->thread);
                }
                if (th == CT_NONE || rc)
                        continue;
                if (e->kind == EV_ENTER) {
                        if (depth == scap) {
                                size_t nc = scap ? scap * 2 : 32;
                                struct act *p = realloc(stack, nc * sizeof(*p));
                                if (!p) {
                                        rc = -ENOMEM;
                                        break;
                                }
                                stack = p;
                                scap = nc;
                        }
                        stack[depth] = (struct act){.ts = (int64_t)e->ts,
                                                    .rec = idx[i],
                                                    .band = th,
                                                    .depth = (uint32_t)depth};
                        depth++;
                } else if (e->kind == EV_EXIT) {
                        for (m = depth; m > 0; m--) {
                                const struct ev_record *o = &t->recs[stack[m - 1].rec];
                                if (o->name == e->name && o->arg == e->arg)
                                        break;
                        }
                        while (m && depth >= m && !rc) {
                                stack[--depth].end = (int64_t)e->ts;
                                rc = add_act(x, &cap, &stack[depth]);
                        }
                }
        }
        while (depth && !rc) {
                stack[--depth].end = (int64_t)x->f->end;
                stack[depth].open = true;
                rc = add_act(x, &cap, &stack[depth]);
        }
        free(stack);
        free(idx);
        return rc;
}

static int cmp_acts(const void *pa, const void *pb)
{
        const struct act *a = pa, *b = pb;

        if (a->band != b->band)
                return a->band < b->band ? -1 : 1;
        if (a->depth != b->depth)
                return a->depth < b->depth ? -1 : 1;
        if (a->ts != b->ts)
                return a->ts < b->ts ? -1 : 1;
        return a->rec < b->rec ? -1 : a->rec > b->rec;
}

/* tslog: one band per thread with an activation, in the forest's order
 * (by first record), named as the thread. */
static int tslog_bands(struct tl *x)
{
        uint32_t *band_of = calloc(x->f->nthreads, sizeof(*band_of));
        char label[256];
        int rc = 0;

        if (!band_of)
                return -ENOMEM;
        for (size_t i = 0; i < x->nacts; i++)
                band_of[x->acts[i].band] = 1;
        for (size_t k = 0; k < x->f->nthreads && !rc; k++) {
                if (!band_of[k]) {
                        if (x->f->threads[k].nrecs)
                                x->threads_empty++;
                        continue;
                }
                band_of[k] = (uint32_t)x->nbands;
                rc = add_band(x, ct_thread_label(x->f, (uint32_t)k, label, sizeof(label)), false);
        }
        for (size_t i = 0; i < x->nacts && !rc; i++)
                x->acts[i].band = band_of[x->acts[i].band];
        free(band_of);
        return rc;
}

/* Linux: initcalls only (outermost frames of the PIDs; not the probes,
 * not function_graph's threads). The sync row holds PID 1's (the boot
 * thread's when there is no PID 1); the others go to lanes. */
static int linux_bands(struct tl *x)
{
        uint32_t probe = ev_lookup(x->t, "probe");
        uint32_t sync = x->f->boot_thread;
        int64_t *lane_end = NULL;
        uint32_t nlanes = 0;
        struct span *s = NULL;
        size_t n = 0, nasync = 0;
        bool any_sync = false;
        int rc = 0;

        for (size_t k = 0; k < x->f->nthreads; k++)
                if (x->f->threads[k].id == 1)
                        sync = (uint32_t)k;
        for (size_t i = 0; i < x->nacts; i++) {
                const struct act *a = &x->acts[i];
                const struct ct_thread *th = &x->f->threads[a->band];
                const struct ev_record *e = &x->t->recs[a->rec];

                if (th->id >= FGRAPH_THREAD_BASE) {
                        x->ftrace_calls++;
                        continue;
                }
                if ((probe && e->name == probe) || th->id == DMESG_PROBE_THREAD) {
                        x->probes++;
                        continue;
                }
                if (a->depth != 0)
                        continue; /* nothing but probes nests in an initcall */
                x->acts[n] = *a;
                if (a->band == sync)
                        any_sync = true;
                else
                        nasync++;
                n++;
        }
        x->nacts = n;
        s = malloc((nasync ? nasync : 1) * sizeof(*s));
        if (!s)
                return -ENOMEM;
        nasync = 0;
        for (size_t i = 0; i < x->nacts; i++)
                if (x->acts[i].band != sync)
                        s[nasync++] = (struct span){x->acts[i].ts, x->acts[i].end, (uint32_t)i};
        qsort(s, nasync, sizeof(*s), cmp_spans);
        for (size_t i = 0; i < nasync; i++) {
                int64_t lane = lane_for(&lane_end, &nlanes, s[i].ts, s[i].end);
                if (lane < 0) {
                        rc = (int)lane;
                        goto out;
                }
                x->acts[s[i].ref].depth = (uint32_t)lane;
        }
        if (any_sync) {
                char name[64];
                snprintf(name, sizeof(name), "initcalls, pid %" PRIu64, x->f->threads[sync].id);
                rc = add_band(x, name, false);
        }
        if (!rc && nasync)
                rc = add_band(x, "async", true);
        for (size_t i = 0; i < x->nacts; i++) {
                struct act *a = &x->acts[i];
                if (a->band == sync)
                        a->band = 1, a->depth = 0;
                else
                        a->band = any_sync ? 2 : 1;
        }
out:
        free(lane_end);
        free(s);
        return rc;
}

/* The axis' range: every box and call (the zero too when it is near). */
static void x_range(struct tl *x)
{
        double lo = INFINITY, hi = -INFINITY, pad;

        for (size_t i = 0; i < x->nboxes; i++) {
                lo = fmin(lo, x->boxes[i].x0);
                hi = fmax(hi, x->boxes[i].x1);
        }
        for (size_t i = 0; i < x->nacts; i++) {
                lo = fmin(lo, axis(x, x->acts[i].ts));
                hi = fmax(hi, axis(x, x->acts[i].end));
        }
        if (!(lo <= hi))
                lo = hi = 0;
        if (hi <= lo)
                hi = lo + 1;
        pad = (hi - lo) * 0.01;
        /* from the zero when the boot starts near it, else from its start */
        x->lo = lo >= 0 && lo < 0.1 * (hi - lo) ? 0 : lo - pad;
        x->hi = hi + pad;
}

static double plot_w(const struct tl *x)
{
        return fmax(1, x->w_pt - x->lm - x->rm);
}

/* Points per unit of the axis. */
static double pt_per_unit(const struct tl *x)
{
        return plot_w(x) / (x->hi - x->lo);
}

/*
 * The functions' boxes: an activation at least a point (a pixel on svg
 * and png) wide is a box of its own; shorter ones that follow each other
 * on a row closer than a point are merged into one grey box (its calls
 * counted) when the run is a point wide or more, else dropped.
 */
static int function_boxes(struct tl *x)
{
        double ppu = pt_per_unit(x);
        struct box run = {0};
        bool in_run = false;
        int rc = 0;

        qsort(x->acts, x->nacts, sizeof(*x->acts), cmp_acts);
        for (size_t i = 0; i <= x->nacts && !rc; i++) {
                const struct act *a = i < x->nacts ? &x->acts[i] : NULL;
                struct box b = {0};
                bool same_row, tiny = false;

                if (a) {
                        b = (struct box){.x0 = axis(x, a->ts),
                                         .x1 = axis(x, a->end),
                                         .band = a->band,
                                         .depth = a->depth,
                                         .color = phase_at(x, a->ts),
                                         .calls = 1,
                                         .ref = a->rec};
                        tiny = (b.x1 - b.x0) * ppu < 1;
                        x->nopen += a->open;
                }
                same_row = a && in_run && run.band == b.band && run.depth == b.depth;
                if (in_run && !(same_row && tiny && (b.x0 - run.x1) * ppu < 1)) {
                        if (run.calls >= 2 && (run.x1 - run.x0) * ppu >= 1) {
                                run.color = COLOR_MERGED;
                                x->tiny_merged += run.calls;
                                x->merged_boxes++;
                                rc = add_box(x, &run);
                        } else {
                                x->tiny_dropped += run.calls;
                        }
                        in_run = false;
                }
                if (!a || rc)
                        continue;
                if (!tiny) {
                        rc = add_box(x, &b);
                } else if (in_run) {
                        run.x1 = fmax(run.x1, b.x1);
                        run.calls++;
                } else {
                        run = b;
                        in_run = true;
                }
        }
        return rc;
}

/* Rows: each band as deep as its deepest box, a gap before each band. */
static int lay_rows(struct tl *x)
{
        uint32_t row = 0;
        double y = 0;

        for (size_t i = 0; i < x->nboxes; i++) {
                struct band *bd = &x->bands[x->boxes[i].band];
                if (x->boxes[i].depth + 1 > bd->nrows)
                        bd->nrows = x->boxes[i].depth + 1;
        }
        if (!x->bands[0].nrows)
                x->bands[0].nrows = 1; /* the phases' row, even when empty */
        for (size_t b = 0; b < x->nbands; b++)
                row += x->bands[b].nrows;
        x->row_y = malloc((row ? row : 1) * sizeof(*x->row_y));
        if (!x->row_y)
                return -ENOMEM;
        row = 0;
        for (size_t b = 0; b < x->nbands; b++) {
                struct band *bd = &x->bands[b];
                if (!bd->nrows) {
                        /* a thread whose calls were all too short (their
                         * count is in the note already for Linux' rows) */
                        x->threads_empty += x->r->kind == RUN_TSLOG;
                        continue;
                }
                if (b > 0)
                        y += BAND_GAP;
                bd->first_row = row;
                for (uint32_t d = 0; d < bd->nrows; d++, row++, y += 1)
                        x->row_y[row] = y;
        }
        x->nrows = row;
        x->ymax = y;
        for (size_t i = 0; i < x->nboxes; i++)
                x->boxes[i].row = x->bands[x->boxes[i].band].first_row + x->boxes[i].depth;
        return 0;
}

static size_t utf8_chars(const char *s, size_t n)
{
        size_t c = 0;

        for (size_t i = 0; i < n; i++)
                c += ((unsigned char)s[i] & 0xc0) != 0x80;
        return c;
}

/* The longest prefix of s of at most max characters, cut at a
 * character's start. */
static size_t utf8_prefix(const char *s, size_t max)
{
        size_t c = 0, i = 0;

        for (; s[i]; i++) {
                if (((unsigned char)s[i] & 0xc0) != 0x80 && c++ == max)
                        break;
        }
        return i;
}

static void tic_name(const struct band *bd, uint32_t d, char *buf, size_t size)
{
        if (bd->row_names)
                snprintf(buf, size, "%s %u", bd->name, d + 1);
        else
                snprintf(buf, size, "%s", d == 0 ? bd->name : "");
}

/* The key's entries (one per colour drawn) and the longest one's length. */
static size_t key_entries(const struct tl *x, size_t *longest)
{
        bool none = false, merged = false;
        size_t n = 0;

        *longest = 0;
        for (size_t k = 0; x->ph && k < x->ph->nresults; k++) {
                const char *name = x->ph->results[k].def->name;
                if (x->ph->results[k].available) {
                        n++;
                        *longest = fmax(*longest, utf8_chars(name, strlen(name)));
                }
        }
        for (size_t i = 0; i < x->nboxes; i++) {
                none |= x->boxes[i].color == COLOR_NONE;
                merged |= x->boxes[i].color == COLOR_MERGED;
        }
        if (none || merged)
                *longest = fmax(*longest, 19); /* "short calls, merged" */
        return n + none + merged;
}

/* Margins in characters and lines of the figure's font (gnuplot's own
 * units, "set lmargin N"): the y axis' names on the left, the title on
 * top; under the axis its tics, its title, the key and the note's lines. */
static void margins(struct tl *x, bool title)
{
        size_t longest = 0, tic = 6, nkey = key_entries(x, &longest);
        double entry;

        for (size_t b = 0; b < x->nbands; b++) {
                size_t c = utf8_chars(x->bands[b].name, strlen(x->bands[b].name));
                c = c > MAX_TIC_CHARS ? MAX_TIC_CHARS : c;
                tic = c + (x->bands[b].row_names ? 4 : 0) > tic
                          ? c + (x->bands[b].row_names ? 4 : 0)
                          : tic;
        }
        x->lm_c = (double)tic + 2.5;
        x->rm_c = 3;
        x->tm_c = title ? 2.2 : 1;
        /* a key entry: sample (samplen 1.5), gaps and title, as gnuplot
         * sizes its columns */
        /* gnuplot fits the key's columns in the plot's width */
        entry = ((double)longest + 5) * 1.1; /* cairo measures wider glyphs */
        x->key_cols = (unsigned)fmax(1, floor((x->w_pt / x->hchar - x->lm_c - x->rm_c) / entry));
        x->key_rows = nkey ? (unsigned)((nkey + x->key_cols - 1) / x->key_cols) : 0;
        /* dumb: whole lines */
        x->note_step = x->term == GP_DUMB ? 1 : NOTE_LINE;
        x->bm_c = KEY_TOP + x->key_rows * (x->term == GP_DUMB ? 1 : KEY_ROW) + 1 +
                  (double)x->note_lines * x->note_step;
        x->lm = x->lm_c * x->hchar, x->rm = x->rm_c * x->hchar;
        x->tm = x->tm_c * x->vchar, x->bm = x->bm_c * x->vchar;
}

/* gnuplot's character and line for the style's terminal and font, and the
 * em its text is drawn at (measured on gnuplot 5.4: GPVAL_TERM_HCHAR and
 * _VCHAR; the pdf and eps cairo terminals draw text at fontscale 0.5,
 * cairolatex in LaTeX's font, about 10 pt). */
static void char_size(struct tl *x)
{
        double f = x->font_pt;

        switch (x->term) {
        case GP_DUMB:
                x->hchar = x->vchar = x->text_em = 1;
                break;
        case GP_SVG:
                x->hchar = 0.7 * f, x->vchar = 1.5 * f, x->text_em = f;
                break;
        case GP_PNG:
                x->hchar = 0.8 * f, x->vchar = 1.55 * f, x->text_em = f;
                break;
        case GP_CAIROLATEX:
                x->hchar = 5.6, x->vchar = 10.24, x->text_em = 10;
                break;
        default:
                x->hchar = 0.424 * f, x->vchar = 0.776 * f, x->text_em = 0.5 * f;
                break;
        }
}

/* The figure's size in points from the style (or the default), as
 * gp_default_size() converts. */
static void size_pt(const struct gp_style *st, double def_w_px, double def_h_px, double *w,
                    double *h)
{
        bool px = st->term == GP_SVG || st->term == GP_PNG, dumb = st->term == GP_DUMB;
        double sw, sh;

        if (st->has_size)
                sw = st->width, sh = st->height;
        else
                gp_default_size(st->term, def_w_px, def_h_px, &sw, &sh);
        /* pixels; an inch is 72 points; dumb: characters and lines */
        *w = sw * (px || dumb ? 1 : 72);
        *h = sh * (px || dumb ? 1 : 72);
}

static void tl_free(struct tl *x)
{
        for (size_t b = 0; b < x->nbands; b++)
                free(x->bands[b].name);
        free(x->bands);
        free(x->acts);
        free(x->boxes);
        free(x->row_y);
}

static int write_note(const struct tl *x, struct sbuf *note);
static size_t utf8_chars(const char *s, size_t n);

/* The characters of the labels' font a note line may take across the
 * figure. */
static size_t note_width(const struct tl *x)
{
        double scale = x->term == GP_DUMB ? 1 : LABEL_SCALE;

        return (size_t)fmax(20, floor((x->w_pt / x->hchar - 2) / scale));
}

/* The bytes of p[0..len) that go on one drawn line of at most max
 * characters: cut at the last space that keeps it so (at max characters
 * when there is none). */
static size_t note_piece(const char *p, size_t len, size_t max)
{
        size_t i = 0, c = 0, space = 0;

        for (; i < len; i++) {
                if (((unsigned char)p[i] & 0xc0) != 0x80 && c++ == max)
                        return space ? space : i;
                if (p[i] == ' ')
                        space = i;
        }
        return len;
}

/* The drawn lines of the note text (its lines wrapped to the figure). */
static size_t note_drawn_lines(const struct tl *x, const char *p)
{
        size_t n = 0, max = note_width(x);

        while (*p) {
                size_t len = strcspn(p, "\n");
                const char *end = p + len;

                do {
                        size_t k = note_piece(p, (size_t)(end - p), max);
                        p += k;
                        while (p < end && *p == ' ')
                                p++;
                        n++;
                } while (p < end);
                p = end + (*end == '\n');
        }
        return n;
}

/* The lines the note will have (the line of unlabelled boxes counted
 * when there is a box that could be one). */
static size_t note_count(const struct tl *x)
{
        struct sbuf sb = SBUF_INIT;
        size_t n = 0;
        bool calls = false;

        if (write_note(x, &sb) == 0)
                n = note_drawn_lines(x, sb.buf);
        sbuf_release(&sb);
        for (size_t i = 0; i < x->nboxes; i++)
                calls |= !x->boxes[i].is_phase && x->boxes[i].color != COLOR_MERGED;
        return n + (calls && x->labellable == 0);
}

/* The least row height: consecutive named rows a line apart, and every
 * row at least MIN_ROW_LINES. */
static double min_row(const struct tl *x)
{
        double prev = -1, gap = INFINITY;
        char name[MAX_TIC_CHARS * 4 + 32];

        for (size_t b = 0; b < x->nbands; b++) {
                for (uint32_t d = 0; d < x->bands[b].nrows; d++) {
                        double y = x->row_y[x->bands[b].first_row + d];
                        tic_name(&x->bands[b], d, name, sizeof(name));
                        if (!*name)
                                continue;
                        if (prev >= 0)
                                gap = fmin(gap, y - prev);
                        prev = y;
                }
        }
        return fmax(MIN_ROW_LINES * x->vchar, isinf(gap) ? 0 : x->vchar / gap);
}

/* Everything but the script: bands, boxes and rows for a figure w_pt
 * wide, and the least size they fit in. */
static int build(struct tl *x, const struct run *r, const struct gp_style *st, bool title,
                 double w_pt, double h_pt)
{
        int64_t spawn;
        int rc;

        memset(x, 0, sizeof(*x));
        x->r = r;
        x->t = &r->trace;
        x->f = &r->analysis.forest;
        x->ph = r->phases;
        x->cycles = r->trace.clock == EV_CLOCK_CYCLES && !r->trace.freq_hz;
        x->from_spawn = x->ph && phases_get_point(x->ph, "host.spawn", &spawn);
        x->w_pt = w_pt, x->h_pt = h_pt;
        x->font_pt = gp_font_size(st);
        x->label_pt = round(x->font_pt * LABEL_SCALE * 2) / 2;
        x->term = st->term;
        char_size(x);
        if (x->from_spawn) {
                double v = (double)spawn;
                if (!x->cycles && x->t->clock == EV_CLOCK_CYCLES)
                        v = v * 1e9 / (double)x->t->freq_hz;
                x->origin = v;
        }
        rc = phase_boxes(x);
        if (!rc)
                rc = replay(x);
        if (!rc)
                rc = r->kind == RUN_LINUX ? linux_bands(x) : tslog_bands(x);
        if (rc)
                return rc;
        x_range(x);
        margins(x, title);
        rc = function_boxes(x);
        if (!rc)
                rc = lay_rows(x);
        if (rc)
                return rc;
        x->note_lines = note_count(x);
        margins(x, title);
        x->min_w = x->lm + x->rm + MIN_PLOT_COLS * x->hchar;
        x->min_h = x->tm + x->bm + (x->ymax + 0.4) * min_row(x);
        return 0;
}

/* The default size in the terminal's units (see size_pt): 1200 px wide
 * on svg and png, a paper's text width (6.5 in) on pdf, eps and
 * cairolatex, 80 characters on dumb; rows of 1.2 lines (2 on dumb, at
 * least the least row), between MIN_H_PX and MAX_H_PX (as pixels). */
static int default_size(const struct run *r, const struct gp_style *st, bool title, double *w,
                        double *h)
{
        bool px = st->term == GP_SVG || st->term == GP_PNG, dumb = st->term == GP_DUMB;
        double scale = px ? 1 : dumb ? 1.0 / 16 : 0.75; /* units a pixel (96 px an inch) */
        struct tl x;
        int rc;

        *w = px ? DEFAULT_W_PX : dumb ? 80 : 6.5 * 72;
        *h = MIN_H_PX * scale;
        rc = build(&x, r, st, title, *w, *h);
        if (rc == 0) {
                double row = fmax(dumb ? 2 : 1.2 * x.vchar, min_row(&x));
                *h = x.tm + x.bm + (x.ymax + 0.4) * row;
                *h = ceil(fmin(MAX_H_PX * scale, fmax(MIN_H_PX * scale, *h)));
        }
        tl_free(&x);
        return rc;
}

void timeline_default_size(const struct run *r, double *px_w, double *px_h)
{
        struct gp_style st = {.term = GP_SVG};

        if (default_size(r, &st, true, px_w, px_h) < 0)
                *px_w = DEFAULT_W_PX, *px_h = MIN_H_PX;
}

/* The figure's size in the layout's units: the style's, else the
 * default. */
static int layout_size(const struct run *r, const struct gp_style *st, bool title, double *w,
                       double *h)
{
        if (!st->has_size)
                return default_size(r, st, title, w, h);
        size_pt(st, 0, 0, w, h);
        return 0;
}

/* 0 when x fits its size, else -EINVAL and why in err. */
static int check_fit(const struct tl *x, const struct gp_style *st, char *err, size_t errsize)
{
        double k = st->term == GP_SVG || st->term == GP_PNG || st->term == GP_DUMB ? 1 : 72;
        double w = x->w_pt / k, h = x->h_pt / k;

        if (x->w_pt + 1e-9 >= x->min_w && x->h_pt + 1e-9 >= x->min_h)
                return 0;
        if (errsize)
                snprintf(err, errsize,
                         "timeline: --size %g,%g (%s) is too small for this run's %u rows, its "
                         "axis and key in a %g pt font: at least %g,%g",
                         w, h, gp_term_size_unit(st->term), x->nrows, x->font_pt,
                         ceil(fmax(w, x->min_w / k) * 100) / 100,
                         ceil(fmax(h, x->min_h / k) * 100) / 100);
        return -EINVAL;
}

int timeline_size(const struct run *r, const char *title, const struct gp_style *st, double *w,
                  double *h, char *err, size_t errsize)
{
        double k = st->term == GP_SVG || st->term == GP_PNG || st->term == GP_DUMB ? 1 : 72;
        struct tl x = {0};
        int rc = layout_size(r, st, title != NULL, w, h);

        if (errsize)
                err[0] = '\0';
        if (rc == 0)
                rc = build(&x, r, st, title != NULL, *w, *h);
        if (rc == 0)
                rc = check_fit(&x, st, err, errsize);
        if (rc == -ENOMEM && errsize)
                snprintf(err, errsize, "out of memory");
        tl_free(&x);
        *w = k == 1 ? *w : ceil(*w / k * 100) / 100;
        *h = k == 1 ? *h : ceil(*h / k * 100) / 100;
        return rc;
}

static int cmp_boxes(const void *pa, const void *pb)
{
        const struct box *a = pa, *b = pb;

        /* phases in the map's order, then none, then merged */
        unsigned ka = a->color >= 0 ? (unsigned)a->color : UINT_MAX - 2 - (unsigned)a->color;
        unsigned kb = b->color >= 0 ? (unsigned)b->color : UINT_MAX - 2 - (unsigned)b->color;

        if (ka != kb)
                return ka < kb ? -1 : 1;
        if (a->row != b->row)
                return a->row < b->row ? -1 : 1;
        if (a->x0 != b->x0)
                return a->x0 < b->x0 ? -1 : 1;
        return a->ref < b->ref ? -1 : a->ref > b->ref;
}

/* The text of a box: a phase's name, or the function and its argument. */
static int box_text(const struct tl *x, const struct box *b, struct sbuf *sb)
{
        const struct ev_record *e;
        const char *arg;

        sbuf_reset(sb);
        if (b->is_phase)
                return sbuf_adds(sb, x->ph->results[b->ref].def->name);
        e = &x->t->recs[b->ref];
        arg = ev_str(x->t, e->arg);
        return sbuf_addf(sb, "%s%s%s", ev_str(x->t, e->name), *arg ? " " : "", arg);
}

static bool fits(const struct tl *x, const struct box *b, size_t chars, double row_pt)
{
        double w = (fmin(b->x1, x->hi) - fmax(b->x0, x->lo)) * pt_per_unit(x);

        if (x->term == GP_DUMB) /* a character a column, inside the box's two sides */
                return row_pt >= 1 && w >= (double)chars + 2;
        return row_pt >= x->vchar * LABEL_SCALE &&
               w >= (double)chars * EM_CHAR * x->text_em * LABEL_SCALE + 4 * x->hchar / 7;
}

static int write_labels(struct tl *x, const struct gp_style *st, struct sbuf *gp)
{
        enum gp_term term = st->term;
        bool mono = st->mono;
        double row_pt = (x->h_pt - x->tm - x->bm) / (x->ymax + 0.4);
        struct sbuf text = SBUF_INIT;
        int rc = 0;

        for (size_t i = 0; i < x->nboxes && !rc; i++) {
                const struct box *b = &x->boxes[i];
                double y = x->row_y[b->row] + 0.5;
                uint64_t ns;

                if (b->color == COLOR_MERGED)
                        continue;
                x->labellable += !b->is_phase;
                rc = box_text(x, b, &text);
                if (rc)
                        break;
                /* a phase: "name 12.3 ms" when that fits */
                if (b->is_phase && !x->cycles && run_phase_ns(x->r, b->ref, &ns)) {
                        size_t len = text.len;
                        rc = sbuf_addf(&text, " %.1f ms", (double)ns / 1e6);
                        if (!rc && !fits(x, b, utf8_chars(text.buf, text.len), row_pt))
                                text.buf[text.len = len] = '\0';
                }
                if (rc || !fits(x, b, utf8_chars(text.buf, text.len), row_pt))
                        continue;
                x->labelled += !b->is_phase;
                rc |= sbuf_addf(gp, "set label %zu ", ++x->nlabels);
                rc |= gp_str(gp, term, text.buf);
                rc |= sbuf_addf(gp, " at %.6f,%.3f center front%s", (b->x0 + b->x1) / 2, y,
                                mono ? " boxed" : "");
                if (term != GP_DUMB)
                        rc |= sbuf_addf(gp, " font ',%g'", x->label_pt);
                rc |= sbuf_adds(gp, "\n");
        }
        sbuf_release(&text);
        return rc ? -ENOMEM : 0;
}

static const char *axis_title(const struct tl *x)
{
        if (x->cycles)
                return x->from_spawn ? "time since QEMU's spawn (Mcycles; TSC frequency unknown)"
                                     : "time since the guest TSC's zero (Mcycles; TSC frequency "
                                       "unknown)";
        if (x->from_spawn)
                return x->r->kind == RUN_LINUX
                           ? "time since QEMU's spawn (ms; host clock, the guest's clocks "
                             "stitched onto it)"
                           : "time since QEMU's spawn (ms; host clock, the guest TSC placed on it)";
        return x->r->kind == RUN_LINUX ? "time since printk's zero (ms; guest clock, no host marks)"
                                       : "time since the guest TSC's zero (ms; guest clock, no "
                                         "host marks)";
}

static int write_axes(struct tl *x, const char *title, const struct gp_style *st, struct sbuf *gp)
{
        enum gp_term term = st->term;
        bool mono = st->mono;
        char name[MAX_TIC_CHARS * 4 + 32];
        int rc = 0;

        if (title) {
                rc |= sbuf_adds(gp, "set title ");
                rc |= gp_str(gp, term, title);
                rc |= sbuf_adds(gp, "\n");
        }
        /* in characters and lines of the font: gnuplot's units */
        rc |= sbuf_addf(gp,
                        "set lmargin %.2f\nset rmargin %.2f\nset tmargin %.2f\nset bmargin %.2f\n",
                        x->lm_c, x->rm_c, x->tm_c, x->bm_c);
        rc |= sbuf_addf(gp, "set xrange [%.6f:%.6f]\nset yrange [%.3f:%.3f]\n", x->lo, x->hi,
                        x->ymax + 0.2, -0.2);
        /* a title wider than the figure loses its clock's explanation:
         * "time since ... (ms)" */
        const char *xl = axis_title(x), *semi = strchr(xl, ';');
        size_t xlen = strlen(xl);
        if (semi && (double)xlen * x->hchar > x->w_pt - 2 * x->hchar)
                xlen = (size_t)(semi - xl);
        rc |= sbuf_adds(gp, "set xlabel ");
        char short_xl[160];
        snprintf(short_xl, sizeof(short_xl), "%.*s%s", (int)xlen, xl, xlen < strlen(xl) ? ")" : "");
        rc |= gp_str(gp, term, short_xl);
        rc |= sbuf_adds(gp, "\nset xtics nomirror out\nset mxtics\nset border 3\n"
                            "set grid xtics lc rgb '#E0E0E0' lw 1 back\n"
                            "unset ytics\n");
        /* the rows' names as labels left of the axis, not as tic labels,
         * which gnuplot would read as formats (a guest's '%') */
        for (size_t b = 0; b < x->nbands; b++) {
                const struct band *bd = &x->bands[b];
                for (uint32_t d = 0; d < bd->nrows; d++) {
                        tic_name(bd, d, name, sizeof(name));
                        if (!*name)
                                continue;
                        rc |= sbuf_addf(gp, "set label %zu ", ++x->nlabels);
                        rc |= gp_strn(gp, term, name, utf8_prefix(name, MAX_TIC_CHARS));
                        rc |=
                            sbuf_addf(gp, " at graph 0, first %.3f right offset character -1, 0\n",
                                      x->row_y[bd->first_row + d] + 0.5);
                }
        }
        if (mono) /* labels on patterns: on a white box */
                rc |= sbuf_adds(gp, "set style textbox opaque noborder margins 1,1\n");
        /* a line between bands */
        for (size_t b = 1; b < x->nbands; b++) {
                if (!x->bands[b].nrows)
                        continue;
                rc |= sbuf_addf(gp,
                                "set arrow from graph 0, first %.3f to graph 1, first %.3f nohead "
                                "lc rgb '%s' lw 1 back\n",
                                x->row_y[x->bands[b].first_row] - BAND_GAP / 2,
                                x->row_y[x->bands[b].first_row] - BAND_GAP / 2, SEPARATOR_RGB);
        }
        rc |=
            sbuf_addf(gp,
                      "set key at character %.2f, character %.2f left top horizontal Left reverse "
                      "maxcols %u samplen 1.5 spacing 1 noautotitle\n",
                      1.0, x->bm_c - KEY_TOP, x->key_cols);
        return rc ? -ENOMEM : 0;
}

/* The colour series of phase k of the map: the one place that chooses it
 * (gp_color(), gp_fill()). */
static size_t phase_series(const struct tl *x, int k)
{
        size_t n = x->ph->nresults, idx;
        const char **names = malloc(n * sizeof(*names));

        /* keyed by the phase's name, as in every other figure
         * (gp_phase_index); out of memory, by its index */
        if (!names)
                return (size_t)k;
        for (size_t i = 0; i < n; i++)
                names[i] = x->ph->results[i].def->name;
        idx = gp_phase_index(names[k], names, n);
        free(names);
        return idx;
}

/* dumb draws a box's outline in its line type's character, and has seven
 * ("*#$%@&="), then the border's ("-|+") and a dotted one (lt 0): entry
 * e of the key (merged calls apart) gets e's, merged calls the dots. */
static int dumb_pen(size_t entry, bool merged)
{
        if (merged)
                return 0;
        return entry < 7 ? (int)entry + 1 : entry == 7 ? -1 : (int)(entry % 7) + 1;
}

/* The data, one block per colour (gnuplot's "index"): the phases' in
 * their order, then boxes in no phase, then the merged ones. */
static int write_data(struct tl *x, const char *dat_name, const struct gp_style *st,
                      struct sbuf *gp, struct sbuf *dat)
{
        size_t block = 0, entry = 0;
        int rc = 0;

        qsort(x->boxes, x->nboxes, sizeof(*x->boxes), cmp_boxes);
        rc |= sbuf_addf(dat,
                        "# bootlens plot timeline: one box a line: x_low x_high (%s) y_low "
                        "y_high (rows, down) colour calls what\n"
                        "# colour: the phase's index in the map (-1 none, -2 short calls merged), "
                        "one block per colour; what: 0 a phase, 1 a call, 2 calls merged\n",
                        x->cycles ? "Mcycles" : "ms");
        rc |= sbuf_adds(gp, "plot");
        for (size_t i = 0; i < x->nboxes && !rc;) {
                int color = x->boxes[i].color;
                const char *rgb;

                if (block)
                        rc |= sbuf_adds(dat, "\n\n");
                rc |= sbuf_addf(dat, "# block %zu: colour %d\n", block, color);
                for (; i < x->nboxes && x->boxes[i].color == color; i++) {
                        const struct box *b = &x->boxes[i];
                        double y = x->row_y[b->row];
                        int what = b->is_phase ? 0 : b->color == COLOR_MERGED ? 2 : 1;
                        rc |= sbuf_addf(dat, "%.6f %.6f %.3f %.3f %d %" PRIu32 " %d\n", b->x0,
                                        b->x1, y + 0.05, y + 0.95, b->color, b->calls, what);
                }
                rc |= sbuf_adds(gp, block ? ", \\\n     " : " ");
                /* a file name, not text: never LaTeX-escaped */
                rc |= gp_str(gp, GP_SVG, dat_name);
                rc |= sbuf_addf(gp, " index %zu using 1:3:1:2:3:4 with boxxyerror ", block);
                if (st->term == GP_DUMB) {
                        /* no fills, no colours: a character per entry */
                        rc |= sbuf_addf(gp, "lt %d fs empty title ",
                                        dumb_pen(entry, color == COLOR_MERGED));
                        entry += color != COLOR_MERGED;
                        rc |= gp_str(gp, st->term,
                                     color >= 0            ? x->ph->results[color].def->name
                                     : color == COLOR_NONE ? "in no phase"
                                                           : "short calls, merged");
                } else if (color >= 0) {
                        size_t k = phase_series(x, color);
                        rgb = gp_color(st, k);
                        rc |= sbuf_adds(gp, "fs ");
                        rc |= gp_fill(gp, st, k);
                        rc |= sbuf_addf(gp, " fc rgb '%s' dt solid title ", rgb);
                        rc |= gp_str(gp, st->term, x->ph->results[color].def->name);
                } else if (color == COLOR_NONE) {
                        /* mono terminals draw every colour black: no fill */
                        rc |= st->mono ? sbuf_adds(gp, "fs empty border lc rgb 'black' ")
                                       : sbuf_addf(gp,
                                                   "fs solid 1 border lc rgb '#404040' "
                                                   "fc rgb '%s' ",
                                                   NONE_RGB);
                        rc |= sbuf_adds(gp, "dt solid title 'in no phase'");
                } else {
                        /* a density, not a colour: grey on mono terminals too */
                        rc |= sbuf_addf(gp,
                                        "fs solid %s noborder fc rgb '%s' title "
                                        "'short calls, merged'",
                                        st->mono ? "0.35" : "1", st->mono ? "black" : MERGED_RGB);
                }
                block++;
        }
        if (!block) /* nothing at all: an empty frame, axes only */
                rc |= sbuf_adds(gp, " NaN notitle");
        rc |= sbuf_adds(gp, "\n");
        return rc ? -ENOMEM : 0;
}

/* The layout's unit across, what "short" is measured in. */
static const char *unit_word(enum gp_term t)
{
        return t == GP_SVG || t == GP_PNG ? "pixel" : t == GP_DUMB ? "character" : "point";
}

static int write_note(const struct tl *x, struct sbuf *note)
{
        bool first = true;
        int rc = 0;

        for (size_t k = 0; x->ph && k < x->ph->nresults; k++) {
                const struct phase_result *p = &x->ph->results[k];
                if (p->available)
                        continue;
                rc |= sbuf_adds(note, first ? "phases not shown (unavailable): " : ", ");
                rc |= sbuf_addf(note, "%s (%s%s)", p->def->name,
                                p->why       ? p->why
                                : p->missing ? "no "
                                             : "inverted",
                                !p->why && p->missing ? p->missing : "");
                first = false;
        }
        if (!first)
                rc |= sbuf_adds(note, "\n");
        if (x->cycles)
                rc |= sbuf_adds(note, "the TSC frequency is unknown: times are in Mcycles "
                                      "(give --tsc-freq HZ)\n");
        if (x->tiny_merged)
                rc |= sbuf_addf(note,
                                "%zu calls shorter than a %s drawn as %zu grey boxes of "
                                "consecutive calls\n",
                                x->tiny_merged, unit_word(x->term), x->merged_boxes);
        if (x->tiny_dropped)
                rc |= sbuf_addf(note,
                                "%zu calls shorter than a %s, with no neighbour to merge "
                                "with, not drawn\n",
                                x->tiny_dropped, unit_word(x->term));
        if (x->nopen)
                rc |= sbuf_addf(note, "%zu calls open when the buffer was read drawn to its end\n",
                                x->nopen);
        if (x->probes)
                rc |= sbuf_addf(note, "%zu device probes not drawn (inside their initcalls)\n",
                                x->probes);
        if (x->ftrace_calls)
                rc |= sbuf_addf(note, "%zu function_graph calls not drawn (initcalls only)\n",
                                x->ftrace_calls);
        if (x->threads_empty)
                rc |= sbuf_addf(note, "%zu threads with nothing long enough to draw left out\n",
                                x->threads_empty);
        if (x->labellable > x->labelled)
                rc |= sbuf_addf(note, "%zu of %zu boxes too narrow for their name unlabelled\n",
                                x->labellable - x->labelled, x->labellable);
        return rc ? -ENOMEM : 0;
}

/* The note's lines as labels under the key, in the labels' font, each
 * quoted with gp_str(). */
static int draw_note(struct tl *x, const struct gp_style *st, const char *p, struct sbuf *gp)
{
        size_t line = 0, max = note_width(x);
        int rc = 0;

        while (*p) {
                const char *end = p + strcspn(p, "\n");

                do { /* a line wider than the figure goes on on the next */
                        size_t k = note_piece(p, (size_t)(end - p), max);
                        double y = ((double)x->note_lines - 1 - (double)line) * x->note_step + 0.5;

                        rc |= sbuf_addf(gp, "set label %zu ", ++x->nlabels);
                        rc |= gp_strn(gp, st->term, p, k);
                        rc |= sbuf_addf(gp, " at character 1, character %.2f left", y);
                        if (st->term != GP_DUMB)
                                rc |= sbuf_addf(gp, " font ',%g'", x->label_pt);
                        rc |= sbuf_adds(gp, "\n");
                        line++;
                        p += k;
                        while (p < end && *p == ' ')
                                p++;
                } while (p < end);
                p = end + (*end == '\n');
        }
        return rc ? -ENOMEM : 0;
}

int timeline_write(const struct run *r, const char *title, const struct gp_style *st,
                   const char *dat_name, struct sbuf *gp, struct sbuf *dat, struct sbuf *note)
{
        char why[256];
        double w, h;
        struct tl x = {0};
        int rc = layout_size(r, st, title != NULL, &w, &h);

        if (!rc)
                rc = build(&x, r, st, title != NULL, w, h);
        if (!rc && check_fit(&x, st, why, sizeof(why)) < 0) {
                rc = sbuf_addf(note, "%s\n", why) < 0 ? -ENOMEM : -EINVAL;
                goto out;
        }
        if (!rc)
                rc = write_axes(&x, title, st, gp);
        if (!rc)
                rc = write_labels(&x, st, gp);
        /* only the lines written here are drawn: the margins hold them */
        size_t start = note->len;
        if (!rc)
                rc = write_note(&x, note);
        if (!rc)
                rc = draw_note(&x, st, note->buf + start, gp);
        if (!rc)
                rc = write_data(&x, dat_name, st, gp, dat);
out:
        tl_free(&x);
        return rc;
}
