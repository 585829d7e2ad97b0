/* analysis: see analysis.h. */
#include "analyzer/analysis.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        {
                bool any = a->forest.nthreads > 0;
                if (any) {
                        a->boot_start = (int64_t)a->forest.start;
                        a->boot_end = (int64_t)a->forest.end;
                }
                for (size_t k = 0; ph && k < ph->npoints; k++) {
                        int64_t v = ph->points[k].ticks;
                        if (!any || v < a->boot_start)
                                a->boot_start = v;
                        if (!any || v > a->boot_end)
                                a->boot_end = v;
                        any = true;
                }
        }
        return 0;
}

void analysis_free(struct analysis *a)
{
        if (!a)
                return;
        ct_free(&a->forest);
}

uint64_t analysis_boot_span(const struct analysis *a)
{
        /* unsigned: the points may lie at the ends of int64 (guest values) */
        return (uint64_t)a->boot_end - (uint64_t)a->boot_start;
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
