/* aggreport: see aggreport.h. */
#include "reports/aggreport.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bootlens_config.h"
#include "collector/session.h"
#include "reports/json.h"

struct aggreport_group *aggreport_group(struct aggreport *r, const char *variant)
{
        struct aggreport_group *g;

        for (size_t i = 0; i < r->ngroups; i++) {
                const char *v = r->groups[i].variant;

                if (v == variant || (v && variant && !strcmp(v, variant)))
                        return &r->groups[i];
        }
        g = realloc(r->groups, (r->ngroups + 1) * sizeof(*g));
        if (!g)
                return NULL;
        r->groups = g;
        g = &r->groups[r->ngroups++];
        memset(g, 0, sizeof(*g));
        g->variant = variant;
        return g;
}

int aggreport_add_run(struct aggreport_group *g, const struct aggreport_run *run)
{
        if (g->nruns == g->cap) {
                size_t nc = g->cap ? g->cap * 2 : 16;
                struct aggreport_run *nv = realloc(g->runs, nc * sizeof(*nv));

                if (!nv)
                        return -ENOMEM;
                g->runs = nv;
                g->cap = nc;
        }
        g->runs[g->nruns++] = *run;
        if (run->failed)
                g->nfailed++;
        else if (run->excluded)
                g->nexcluded++;
        else
                g->nok++;
        if (run->starved)
                g->nstarved++;
        return 0;
}

int aggreport_finish(struct aggreport *r)
{
        for (size_t i = 0; i < r->ngroups; i++) {
                int rc = aggregate_finish(&r->groups[i].agg, r->top);

                if (rc)
                        return rc;
        }
        return 0;
}

void aggreport_free(struct aggreport *r)
{
        if (!r)
                return;
        for (size_t i = 0; i < r->ngroups; i++) {
                aggregate_free(&r->groups[i].agg);
                free(r->groups[i].runs);
        }
        free(r->groups);
        memset(r, 0, sizeof(*r));
}

/* ---- table ---- */

bool aggreport_in_table(const struct aggregate_metric *m, size_t top, size_t *nfn, size_t *nself)
{
        switch (m->s->kind) {
        case METRIC_TOTAL:
        case METRIC_PHASE:
                return true;
        case METRIC_FN_TOTAL:
                return (*nfn)++ < top;
        case METRIC_FN_SELF:
                return (*nself)++ < top;
        }
        return false;
}

static void run_name(FILE *out, const struct aggreport_run *u)
{
        if (u->file)
                fprintf(out, "%s", u->file);
        else
                fprintf(out, "run %u", u->run);
}

bool aggreport_shows_ci(const struct aggregate_metric *m)
{
        return m->has_ci && m->s->present > 1;
}

int aggreport_starved_why(char *buf, size_t size, const struct aggreport_run *u)
{
        char wall[48] = "";

        if (u->wall_ns)
                snprintf(wall, sizeof(wall), " of %.3f ms", (double)u->wall_ns / 1e6);
        return snprintf(buf, size, "run delay %.3f ms%s, over %d%% and %llu ms: docs/contention.md",
                        (double)u->run_delay_ns / 1e6, wall, SESSION_STARVED_FRACTION_PCT,
                        (unsigned long long)(SESSION_STARVED_MIN_NS / 1000000));
}

static void table_heading(FILE *out, const struct aggreport *r, const struct aggreport_group *g)
{
        char why[160];

        if (r->session)
                fprintf(out, "aggregate of session %s%s%s: ", r->session,
                        g->variant ? ", variant " : "", g->variant ? g->variant : "");
        else
                fprintf(out, "aggregate of %zu file%s: ", g->nruns, g->nruns == 1 ? "" : "s");
        fprintf(out, "%zu ok run%s", g->nok, g->nok == 1 ? "" : "s");
        if (g->nfailed)
                fprintf(out, ", %zu failed", g->nfailed);
        if (g->nstarved)
                fprintf(out, ", %zu starved by the host", g->nstarved);
        if (g->nexcluded)
                fprintf(out, " (%zu left out: --exclude-starved)", g->nexcluded);
        fputs("; times in ms\n", out);
        for (size_t i = 0; i < g->nruns; i++) {
                const struct aggreport_run *u = &g->runs[i];

                if (!u->failed)
                        continue;
                fputs("  failed: ", out);
                run_name(out, u);
                fprintf(out, " (%s%s%s)\n", u->verdict, *u->reason ? ": " : "", u->reason);
        }
        for (size_t i = 0; i < g->nruns; i++) {
                const struct aggreport_run *u = &g->runs[i];

                if (!u->starved)
                        continue;
                aggreport_starved_why(why, sizeof(why), u);
                fputs("  starved: ", out);
                run_name(out, u);
                fprintf(out, " (%s)%s\n", why, u->excluded ? ", left out" : ", counted");
        }
        if (g->host_timed)
                fputs("  host-timed (timing=host): the total is QEMU's spawn to exit; phases and "
                      "functions are not available\n",
                      out);
}

static int ms(char *buf, size_t size, double ns)
{
        return snprintf(buf, size, "%.3f", ns / 1e6);
}

static void range(char *buf, size_t size, double lo, double hi)
{
        char a[32], b[32];

        ms(a, sizeof(a), lo);
        ms(b, sizeof(b), hi);
        snprintf(buf, size, "%s..%s", a, b);
}

static void metric_line(FILE *out, const struct aggregate *a, const struct aggregate_metric *m,
                        int width)
{
        const struct metric_series *s = m->s;
        char n[48], med[32], iqr[72], p[72], mm[72], ci[96];

        if (s->present == s->n)
                snprintf(n, sizeof(n), "%zu", s->present);
        else
                snprintf(n, sizeof(n), "%zu/%zu", s->present, s->n);
        ms(med, sizeof(med), m->sum.median);
        range(iqr, sizeof(iqr), m->sum.q25, m->sum.q75);
        range(p, sizeof(p), m->sum.p10, m->sum.p90);
        range(mm, sizeof(mm), m->sum.min, m->sum.max);
        if (aggreport_shows_ci(m)) {
                char r[72];

                range(r, sizeof(r), m->ci.lo, m->ci.hi);
                if (m->ci.coverage < AGGREGATE_CI_LEVEL)
                        snprintf(ci, sizeof(ci), "%s (%.1f%%)", r, 100 * m->ci.coverage);
                else
                        snprintf(ci, sizeof(ci), "%s", r);
        } else {
                snprintf(ci, sizeof(ci), "-");
        }
        fprintf(out, "%-*s %7s %10s %21s %21s %21s  %s", width, s->name, n, med, iqr, p, mm, ci);
        if (m->noutliers) {
                size_t shown = 0;

                fputs("  outliers: run", out);
                for (size_t k = 0; k < s->present; k++) {
                        if (!m->outlier[k])
                                continue;
                        if (shown++ == 5) {
                                fprintf(out, " +%zu", m->noutliers - 5);
                                break;
                        }
                        fprintf(out, " %u", aggregate_run_id(a, m, k));
                }
        }
        fputc('\n', out);
}

static void table_group(FILE *out, const struct aggreport *r, const struct aggreport_group *g)
{
        const struct aggregate *a = &g->agg;
        size_t nfn = 0, nself = 0, left = 0, none = 0;
        int width = 6;

        table_heading(out, r, g);
        for (size_t i = 0; i < a->n; i++)
                if (aggreport_in_table(&a->v[i], r->top, &nfn, &nself) &&
                    strlen(a->v[i].s->name) < 48 && (int)strlen(a->v[i].s->name) > width)
                        width = (int)strlen(a->v[i].s->name);
        if (!a->n) {
                fputs("  no metric: no ok run\n", out);
                return;
        }
        fprintf(out, "\n%-*s %7s %10s %21s %21s %21s  %s\n", width, "metric", "n", "median",
                "IQR (q25..q75)", "p10..p90", "min..max", "95% CI of median");
        nfn = nself = 0;
        for (size_t i = 0; i < a->n; i++) {
                if (!a->v[i].s->present)
                        none++;
                else if (aggreport_in_table(&a->v[i], r->top, &nfn, &nself))
                        metric_line(out, a, &a->v[i], width);
                else
                        left++;
        }
        for (size_t i = 0, k = 0; i < a->n; i++) {
                if (a->v[i].s->present)
                        continue;
                fputs(k ? ", " : "unavailable in every run: ", out);
                fputs(a->v[i].s->name, out);
                if (++k == none)
                        fputc('\n', out);
        }
        if (left)
                fprintf(out, "(%zu more function metric%s: --top N, or --format json for all)\n",
                        left, left == 1 ? "" : "s");
}

int aggreport_table(FILE *out, const struct aggreport *r)
{
        for (size_t i = 0; i < r->ngroups; i++) {
                if (i)
                        fputc('\n', out);
                table_group(out, r, &r->groups[i]);
        }
        return ferror(out) ? -EIO : 0;
}

/* ---- JSON ---- */

static void json_runs(struct jsonw *w, const char *key, const struct aggreport_group *g,
                      bool failed)
{
        jsonw_key(w, key);
        jsonw_arr_begin(w);
        for (size_t i = 0; i < g->nruns; i++) {
                const struct aggreport_run *u = &g->runs[i];

                if (failed ? !u->failed : !u->starved)
                        continue;
                jsonw_obj_begin(w);
                if (u->file) {
                        jsonw_kstr(w, "file", u->file);
                } else {
                        jsonw_kuint(w, "run", u->run);
                }
                if (failed) {
                        jsonw_kstr(w, "verdict", u->verdict);
                        jsonw_kstr(w, "reason", u->reason);
                } else {
                        jsonw_kuint(w, "run_delay_ns", u->run_delay_ns);
                        jsonw_kuint(w, "wall_ns", u->wall_ns);
                        jsonw_kbool(w, "left_out", u->excluded);
                }
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
}

static void json_metric(struct jsonw *w, const struct aggregate *a,
                        const struct aggregate_metric *m)
{
        const struct metric_series *s = m->s;
        const struct {
                const char *key;
                double v;
        } q[] = {{"median_ns", m->sum.median}, {"q25_ns", m->sum.q25}, {"q75_ns", m->sum.q75},
                 {"p10_ns", m->sum.p10},       {"p90_ns", m->sum.p90}, {"min_ns", m->sum.min},
                 {"max_ns", m->sum.max}};

        jsonw_obj_begin(w);
        jsonw_kstr(w, "name", s->name);
        jsonw_kstr(w, "kind", metric_kind_name(s->kind));
        jsonw_kstr(w, "phase", s->phase);
        jsonw_kuint(w, "runs", s->n);
        jsonw_kuint(w, "present", s->present);
        for (size_t k = 0; k < sizeof(q) / sizeof(q[0]); k++) {
                jsonw_key(w, q[k].key);
                if (s->present)
                        jsonw_real(w, q[k].v);
                else
                        jsonw_null(w);
        }
        jsonw_key(w, "median_ci");
        if (m->has_ci) {
                jsonw_obj_begin(w);
                jsonw_kreal(w, "lo_ns", m->ci.lo);
                jsonw_kreal(w, "hi_ns", m->ci.hi);
                jsonw_kreal(w, "coverage", m->ci.coverage);
                jsonw_kuint(w, "lo_rank", m->ci.lo_rank);
                jsonw_kuint(w, "hi_rank", m->ci.hi_rank);
                jsonw_obj_end(w);
        } else {
                jsonw_null(w);
        }
        jsonw_key(w, "outliers");
        jsonw_arr_begin(w);
        for (size_t k = 0; k < s->present; k++)
                if (m->outlier[k])
                        jsonw_uint(w, aggregate_run_id(a, m, k));
        jsonw_arr_end(w);
        jsonw_obj_end(w);
}

void aggreport_json_begin(struct jsonw *w, const char *kind)
{
        jsonw_obj_begin(w);
        jsonw_kint(w, "schema_version", JSON_SCHEMA_VERSION);
        jsonw_kstr(w, "kind", kind);
        jsonw_kstr(w, "tool", "bootlens " BOOTLENS_VERSION);
}

void aggreport_json_members(struct jsonw *w, const struct aggreport *r)
{
        jsonw_key(w, "aggregates");
        jsonw_arr_begin(w);
        for (size_t i = 0; i < r->ngroups; i++) {
                const struct aggreport_group *g = &r->groups[i];

                jsonw_obj_begin(w);
                jsonw_kstr(w, "variant", g->variant);
                if (g->host_timed)
                        jsonw_kbool(w, "host_timed", true);
                jsonw_kuint(w, "ok_runs", g->nok);
                jsonw_kuint(w, "failed_count", g->nfailed);
                json_runs(w, "failed", g, true);
                jsonw_kuint(w, "starved_count", g->nstarved);
                jsonw_kuint(w, "starved_left_out", g->nexcluded);
                json_runs(w, "starved", g, false);
                jsonw_kstr(w, "ci_method", "order-statistic");
                jsonw_kreal(w, "ci_level", AGGREGATE_CI_LEVEL);
                jsonw_kuint(w, "seed", r->seed);
                jsonw_key(w, "metrics");
                jsonw_arr_begin(w);
                for (size_t k = 0; k < g->agg.n; k++)
                        json_metric(w, &g->agg, &g->agg.v[k]);
                jsonw_arr_end(w);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
}
