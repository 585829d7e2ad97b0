/* aggregate: see aggregate.h. */
#include "analyzer/aggregate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int add_id(struct aggregate *a, unsigned id)
{
        if (a->nids == a->capids) {
                size_t nc = a->capids ? a->capids * 2 : 16;
                unsigned *nv = realloc(a->ids, nc * sizeof(*nv));

                if (!nv)
                        return -ENOMEM;
                a->ids = nv;
                a->capids = nc;
        }
        a->ids[a->nids++] = id;
        return 0;
}

int aggregate_add(struct aggregate *a, const struct run *r, unsigned id)
{
        int rc = add_id(a, id);

        return rc ? rc : metrics_collect(&a->table, r);
}

int aggregate_add_list(struct aggregate *a, const struct metric_list *l, unsigned id)
{
        int rc = add_id(a, id);

        return rc ? rc : metrics_collect_list(&a->table, l);
}

unsigned aggregate_run_id(const struct aggregate *a, const struct aggregate_metric *m, size_t k)
{
        return a->ids[m->s->runs[k]];
}

int aggregate_finish(struct aggregate *a, size_t top)
{
        size_t nfn = 0, nself = 0, max = 0;
        double *sorted = NULL;
        int rc = metrics_table_finish(&a->table);

        if (rc)
                return rc;
        a->v = calloc(a->table.n ? a->table.n : 1, sizeof(*a->v));
        if (!a->v)
                return -ENOMEM;
        a->n = a->table.n;
        for (size_t i = 0; i < a->table.n; i++)
                if (a->table.v[i].present > max)
                        max = a->table.v[i].present;
        if (max && !(sorted = malloc(max * sizeof(*sorted))))
                return -ENOMEM;
        for (size_t i = 0; i < a->n && !rc; i++) {
                struct aggregate_metric *m = &a->v[i];
                const struct metric_series *s = &a->table.v[i];
                int k;

                m->s = s;
                switch (s->kind) {
                case METRIC_TOTAL:
                case METRIC_PHASE:
                        m->has_ci = true;
                        break;
                case METRIC_FN_TOTAL:
                        m->has_ci = nfn++ < top;
                        break;
                case METRIC_FN_SELF:
                        m->has_ci = nself++ < top;
                        break;
                }
                if (!s->present) {
                        m->has_ci = false;
                        continue;
                }
                memcpy(sorted, s->values, s->present * sizeof(*sorted));
                stats_sort(sorted, s->present);
                (void)stats_summary_sorted(sorted, s->present, &m->sum);
                if (m->has_ci)
                        (void)stats_median_ci_order(sorted, s->present, AGGREGATE_CI_LEVEL, &m->ci);
                m->outlier = calloc(s->present, sizeof(*m->outlier));
                if (!m->outlier) {
                        rc = -ENOMEM;
                        break;
                }
                k = stats_outliers(s->values, s->present, m->outlier, NULL);
                if (k < 0)
                        rc = k;
                else
                        m->noutliers = (size_t)k;
        }
        free(sorted);
        return rc;
}

void aggregate_free(struct aggregate *a)
{
        if (!a)
                return;
        for (size_t i = 0; i < a->n; i++)
                free(a->v[i].outlier);
        free(a->v);
        free(a->ids);
        metrics_table_free(&a->table);
        memset(a, 0, sizeof(*a));
}
