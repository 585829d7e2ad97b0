/* analysis: see analysis.h. */
#include "analyzer/analysis.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A parser let a time beyond EV_CLOCK_MAX through: say where. */
static int warn_beyond_range(struct ev_trace *t)
{
        for (size_t k = 0; k < t->nrecs; k++)
                if (t->recs[k].ts > EV_CLOCK_MAX)
                        return ev_warn(t, t->recs[k].line,
                                       "time %" PRIu64 " lies beyond the analyzer's clock range "
                                       "(0 to %" PRId64 "): the boot span is unavailable",
                                       t->recs[k].ts, (int64_t)EV_CLOCK_MAX);
        return ev_warn(t, 0,
                       "a time lies beyond the analyzer's clock range: the boot span is "
                       "unavailable");
}

int analysis_run(struct analysis *a, struct ev_trace *t, struct phases *ph)
{
        int err;

        memset(a, 0, sizeof(*a));
        a->trace = t;
        a->phases = ph;
        err = ct_build(&a->forest, t);
        if (err < 0)
                return err;
        if (ph) {
                err = phases_compute(ph, t);
                if (err < 0) {
                        ct_free(&a->forest);
                        return err;
                }
        }
        if (a->forest.nthreads && (a->forest.start > EV_CLOCK_MAX || a->forest.end > EV_CLOCK_MAX))
                return warn_beyond_range(t); /* no span rather than a wrapped one */
        a->has_boot = a->forest.nthreads > 0;
        if (a->has_boot) {
                a->boot_start = (int64_t)a->forest.start;
                a->boot_end = (int64_t)a->forest.end;
        }
        for (size_t k = 0; ph && k < ph->npoints; k++) {
                int64_t v = ph->points[k].ticks;

                if (ph->points[k].why)
                        continue; /* refused: no value */
                if (!a->has_boot || v < a->boot_start)
                        a->boot_start = v;
                if (!a->has_boot || v > a->boot_end)
                        a->boot_end = v;
                a->has_boot = true;
        }
        return 0;
}

void analysis_free(struct analysis *a)
{
        if (!a)
                return;
        ct_free(&a->forest);
}

bool analysis_span(int64_t start, int64_t end, uint64_t *d)
{
        if (end < start)
                return false;
        /* in two's complement the unsigned difference is exact: end - start
         * lies in 0..2^64-1 */
        *d = (uint64_t)end - (uint64_t)start;
        return true;
}

bool analysis_sub(int64_t b, int64_t a, int64_t *d)
{
        return !__builtin_sub_overflow(b, a, d);
}

bool analysis_point(uint64_t v, int64_t *p)
{
        if (v > EV_CLOCK_MAX)
                return false;
        *p = (int64_t)v;
        return true;
}

uint64_t analysis_boot_span(const struct analysis *a)
{
        uint64_t d;

        return a->has_boot && analysis_span(a->boot_start, a->boot_end, &d) ? d : 0;
}

const char *analysis_process_name(const struct ev_trace *t, const struct ev_process *p, char *buf,
                                  size_t size)
{
        if (p->exec)
                snprintf(buf, size, "%s", ev_str(t, p->exec));
        else if (p->namei)
                snprintf(buf, size, "%s", ev_str(t, p->namei));
        else
                snprintf(buf, size, "pid %" PRIu64, p->pid);
        return buf;
}

static int cmp_warn(const void *a, const void *b, void *arg)
{
        const struct ev_trace *t = arg;
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        uint64_t lx = t->warns[x].line ? t->warns[x].line : UINT64_MAX;
        uint64_t ly = t->warns[y].line ? t->warns[y].line : UINT64_MAX;

        if (lx != ly)
                return lx < ly ? -1 : 1;
        return x < y ? -1 : (x > y);
}

uint32_t *analysis_warnings_sorted(const struct ev_trace *t)
{
        uint32_t *idx;

        if (!t->nwarns)
                return NULL;
        idx = malloc(t->nwarns * sizeof(*idx));
        if (!idx)
                return NULL;
        for (size_t k = 0; k < t->nwarns; k++)
                idx[k] = (uint32_t)k;
        qsort_r(idx, t->nwarns, sizeof(*idx), cmp_warn, (void *)t);
        return idx;
}
