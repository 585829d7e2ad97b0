/* hyperfine: see hyperfine.h. */
#include "reports/hyperfine.h"

#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/metrics.h"
#include "analyzer/stats.h"

void hyperfine_begin(struct jsonw *w)
{
        jsonw_obj_begin(w);
        jsonw_key(w, "results");
        jsonw_arr_begin(w);
}

void hyperfine_members(struct jsonw *w, const struct hyperfine_result *r)
{
        size_t n = r->n;
        double *sorted = malloc((n ? n : 1) * sizeof(*sorted));
        double mean = 0, var = 0;
        struct stats_summary sum;

        if (!sorted) {
                jsonw_fail(w, -ENOMEM);
                return;
        }
        for (size_t i = 0; i < n; i++)
                mean += r->ns[i];
        mean = n ? mean / (double)n : NAN;
        for (size_t i = 0; i < n; i++)
                var += (r->ns[i] - mean) * (r->ns[i] - mean);
        memcpy(sorted, r->ns, n * sizeof(*sorted));
        if (stats_summary(sorted, n, &sum) < 0)
                sum.median = sum.min = sum.max = NAN;
        jsonw_key(w, "command");
        jsonw_str(w, r->command);
        jsonw_kreal(w, "mean", mean / 1e9);
        /* hyperfine: the sample standard deviation, null for one run */
        jsonw_key(w, "stddev");
        if (n > 1)
                jsonw_real(w, sqrt(var / (double)(n - 1)) / 1e9);
        else
                jsonw_null(w);
        jsonw_kreal(w, "median", sum.median / 1e9);
        jsonw_kreal(w, "user", r->user_ns / 1e9);
        jsonw_kreal(w, "system", r->system_ns / 1e9);
        jsonw_kreal(w, "min", sum.min / 1e9);
        jsonw_kreal(w, "max", sum.max / 1e9);
        jsonw_key(w, "times");
        jsonw_arr_begin(w);
        for (size_t i = 0; i < n; i++)
                jsonw_real(w, r->ns[i] / 1e9);
        jsonw_arr_end(w);
        jsonw_key(w, "exit_codes");
        jsonw_arr_begin(w);
        for (size_t i = 0; i < n; i++)
                jsonw_int(w, 0); /* ok runs only: QEMU exited 0 */
        jsonw_arr_end(w);
        free(sorted);
}

int hyperfine_end(struct jsonw *w, FILE *out)
{
        int rc;

        jsonw_arr_end(w);
        jsonw_obj_end(w);
        rc = jsonw_finish(w);
        if (rc == 0 && fputc('\n', out) == EOF)
                rc = -EIO;
        return rc;
}

/* ---- analyze's set ---- */

struct hf_group {
        char *command;
        struct metric_table t;
        uint64_t *user, *sys; /* per collected run */
        size_t cap;
};

struct hyperfine_set {
        char *metric;
        struct hf_group *g;
        size_t n, cap;
};

struct hyperfine_set *hyperfine_set_new(const char *metric)
{
        struct hyperfine_set *s = calloc(1, sizeof(*s));

        if (s && !(s->metric = strdup(metric))) {
                free(s);
                s = NULL;
        }
        return s;
}

void hyperfine_set_free(struct hyperfine_set *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n; i++) {
                free(s->g[i].command);
                metrics_table_free(&s->g[i].t);
                free(s->g[i].user);
                free(s->g[i].sys);
        }
        free(s->g);
        free(s->metric);
        free(s);
}

static struct hf_group *group(struct hyperfine_set *s, const char *command)
{
        struct hf_group *g;

        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->g[i].command, command) == 0)
                        return &s->g[i];
        if (s->n == s->cap) {
                size_t cap = s->cap ? 2 * s->cap : 4;
                struct hf_group *p = realloc(s->g, cap * sizeof(*p));

                if (!p)
                        return NULL;
                s->g = p;
                s->cap = cap;
        }
        g = &s->g[s->n];
        *g = (struct hf_group){.t = METRIC_TABLE_INIT};
        if (!(g->command = strdup(command)))
                return NULL;
        s->n++;
        return g;
}

int hyperfine_add_run(struct hyperfine_set *s, const struct run *r, const char *command,
                      uint64_t cpu_user_ns, uint64_t cpu_system_ns)
{
        struct hf_group *g = group(s, command);
        size_t k;
        int rc;

        if (!g)
                return -ENOMEM;
        k = g->t.nruns;
        if (k == g->cap) {
                size_t cap = g->cap ? 2 * g->cap : 8;
                uint64_t *u = realloc(g->user, cap * sizeof(*u));

                if (u)
                        g->user = u;
                u = u ? realloc(g->sys, cap * sizeof(*u)) : NULL;
                if (!u)
                        return -ENOMEM;
                g->sys = u;
                g->cap = cap;
        }
        rc = metrics_collect(&g->t, r);
        if (rc < 0)
                return rc;
        g->user[k] = cpu_user_ns;
        g->sys[k] = cpu_system_ns;
        return 0;
}

int hyperfine_add_session(struct hyperfine_set *s, struct runset *rs, const struct run_options *ro,
                          bool exclude_starved, bool qualify, unsigned *failed, char **msg)
{
        char *cmd = NULL;
        int rc = 0;

        *failed = 0;
        for (size_t i = 0; i < rs->n && !rc; i++) {
                const struct runset_run *e = &rs->v[i];
                struct run r;

                if (!e->selected || (e->starved && exclude_starved))
                        continue;
                rc = runset_analyse(rs, i, ro, &r, msg);
                if (rc == -ENODATA)
                        rc = 0; /* no record: nothing to export */
                else if (rc < 0)
                        *failed = e->run;
                else if (qualify && asprintf(&cmd, "%s:%s", rs->dir, e->variant) < 0)
                        rc = -ENOMEM;
                else
                        rc = hyperfine_add_run(s, &r, qualify ? cmd : e->variant,
                                               e->cpu_qemu_user_ns, e->cpu_qemu_system_ns);
                free(cmd);
                cmd = NULL;
                run_free(&r);
        }
        return rc;
}

int hyperfine_write(FILE *out, struct hyperfine_set *s, const char **missing)
{
        struct jsonw *w;
        bool total = strcmp(s->metric, "total") == 0;
        int rc = 0;

        *missing = NULL;
        if (!s->n)
                return -ENODATA;
        for (size_t i = 0; i < s->n && !rc; i++) {
                const struct metric_series *m;

                rc = metrics_table_finish(&s->g[i].t);
                m = rc ? NULL : metrics_table_find(&s->g[i].t, s->metric);
                if (!rc && (!m || !m->present)) {
                        *missing = s->g[i].command;
                        rc = -ESRCH;
                }
        }
        if (rc)
                return rc;
        w = malloc(sizeof(*w));
        if (!w)
                return -ENOMEM;
        jsonw_init(w, out);
        hyperfine_begin(w);
        for (size_t i = 0; i < s->n; i++) {
                const struct hf_group *g = &s->g[i];
                const struct metric_series *m = metrics_table_find(&g->t, s->metric);
                struct hyperfine_result r = {
                    .command = g->command, .ns = m->values, .n = m->present};

                if (total) {
                        for (size_t k = 0; k < m->present; k++) {
                                r.user_ns += (double)g->user[m->runs[k]];
                                r.system_ns += (double)g->sys[m->runs[k]];
                        }
                        r.user_ns /= (double)m->present;
                        r.system_ns /= (double)m->present;
                }
                jsonw_obj_begin(w);
                hyperfine_members(w, &r);
                jsonw_obj_end(w);
        }
        rc = hyperfine_end(w, out);
        free(w);
        return rc;
}
