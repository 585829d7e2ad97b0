/* compare: see compare.h. The sides come from the session through
 * runset.h (which runs, their contention, their analysis) and metrics.h
 * (the numbers); what neither carries (the environment of session.json,
 * each run's QEMU CPU time for the hyperfine export) is read here from
 * collector/session.h. */
#include "analyzer/compare.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/metrics.h"
#include "analyzer/runset.h"
#include "collector/session.h"

const char *compare_kind_name(enum compare_kind k)
{
        switch (k) {
        case COMPARE_TOTAL:
                return "total";
        case COMPARE_PHASE:
                return "phase";
        case COMPARE_FN:
                return "fn";
        }
        return "?";
}

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

static void metric_free(struct compare_metric *m)
{
        free(m->name);
        free(m->phase);
        free(m->a);
        free(m->b);
}

static void side_free(struct compare_side *s)
{
        free(s->ref);
        free(s->cpu_model);
        free(s->qemu_version);
        free(s->accel);
        free(s->runs);
        free(s->cpu_user_ns);
        free(s->cpu_system_ns);
}

void compare_free(struct compare *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n; i++)
                metric_free(&c->m[i]);
        free(c->m);
        for (size_t i = 0; i < c->fn_candidates; i++) {
                free(c->fns[i].name);
                free(c->fns[i].phase);
        }
        free(c->fns);
        for (size_t i = 0; i < c->nenvdiff; i++) {
                free(c->envdiff[i].base);
                free(c->envdiff[i].new);
        }
        side_free(&c->base);
        side_free(&c->new);
        memset(c, 0, sizeof(*c));
}

static double *dup_values(const double *v, size_t n)
{
        double *d = malloc((n ? n : 1) * sizeof(*d));

        if (d && n)
                memcpy(d, v, n * sizeof(*d));
        return d;
}

int compare_add(struct compare *c, enum compare_kind kind, const char *name, const char *phase,
                const double *a, size_t na, size_t present_a, const double *b, size_t nb,
                size_t present_b)
{
        struct compare_metric *m, *grown;

        grown = realloc(c->m, (c->n + 1) * sizeof(*c->m));
        if (!grown)
                return -ENOMEM;
        c->m = grown;
        m = &c->m[c->n];
        memset(m, 0, sizeof(*m));
        m->kind = kind;
        m->name = strdup(name);
        m->phase = dup_or_null(phase);
        m->a = dup_values(a, na);
        m->b = dup_values(b, nb);
        m->na = na;
        m->nb = nb;
        m->present_a = present_a;
        m->present_b = present_b;
        c->n++;
        if (!m->name || (phase && !m->phase) || !m->a || !m->b)
                return -ENOMEM;
        if (kind == COMPARE_PHASE)
                c->nphases++;
        else if (kind == COMPARE_FN)
                c->nfns++;
        return 0;
}

int compare_evaluate(struct compare *c, const struct stats_options *o)
{
        struct stats_compare *sc;
        int rc = 0;

        sc = calloc(c->n ? c->n : 1, sizeof(*sc));
        if (!sc)
                return -ENOMEM;
        for (size_t i = 0; i < c->n && rc == 0; i++) {
                struct compare_metric *m = &c->m[i];

                if (m->na && m->nb) {
                        rc = stats_compare(m->a, m->na, m->b, m->nb, o, &sc[i]);
                } else {
                        /* nothing to test: p = 1, inconclusive */
                        sc[i].na = m->na;
                        sc[i].nb = m->nb;
                        sc[i].median_a = sc[i].median_b = NAN;
                        sc[i].diff = sc[i].rel = NAN;
                        sc[i].ci.lo = sc[i].ci.hi = NAN;
                        sc[i].mwu.p = 1;
                }
        }
        if (rc == 0)
                rc = stats_compare_verdicts(sc, c->n, o);
        if (rc == 0) {
                memset(c->verdicts, 0, sizeof(c->verdicts));
                for (size_t i = 0; i < c->n; i++) {
                        struct compare_metric *m = &c->m[i];

                        m->c = sc[i];
                        /* a metric one side lacks: never a verdict */
                        if (!m->na || !m->nb) {
                                m->c.verdict = STATS_INCONCLUSIVE;
                                m->c.runs_needed = 0;
                        }
                        c->verdicts[m->c.verdict]++;
                }
                c->stats = *o;
        }
        free(sc);
        return rc;
}

/* ---- the order of the reports ---- */

struct order_key {
        const struct compare *c;
        size_t i;
        size_t group; /* 0 total, 1 + rank of its phase, SIZE_MAX no phase */
};

static double effect(const struct compare_metric *m)
{
        double d = fabs(m->c.diff);

        return isnan(d) ? -1 : d;
}

static int by_effect(const struct compare_metric *x, const struct compare_metric *y)
{
        double ex = effect(x), ey = effect(y);

        if (ex != ey)
                return ex > ey ? -1 : 1;
        return strcmp(x->name, y->name);
}

static int cmp_index_effect(const void *pa, const void *pb, void *ctx)
{
        const struct compare *c = ctx;
        const size_t *a = pa, *b = pb;

        return by_effect(&c->m[*a], &c->m[*b]);
}

/* A small insertion sort with a context (qsort_r is a GNU extension the
 * project avoids): the lists are the metrics compared, tens. */
static void sort_indices(size_t *v, size_t n, const struct compare *c)
{
        for (size_t i = 1; i < n; i++) {
                size_t x = v[i], j = i;

                while (j > 0 && cmp_index_effect(&v[j - 1], &x, (void *)c) > 0) {
                        v[j] = v[j - 1];
                        j--;
                }
                v[j] = x;
        }
}

int compare_order(const struct compare *c, size_t *order)
{
        size_t *phases, *fns, np = 0, nf = 0, k = 0;
        bool *done;

        phases = malloc((c->n ? c->n : 1) * sizeof(*phases));
        fns = malloc((c->n ? c->n : 1) * sizeof(*fns));
        done = calloc(c->n ? c->n : 1, sizeof(*done));
        if (!phases || !fns || !done) {
                free(phases);
                free(fns);
                free(done);
                return -ENOMEM;
        }
        for (size_t i = 0; i < c->n; i++) {
                if (c->m[i].kind == COMPARE_TOTAL) {
                        order[k++] = i;
                        done[i] = true;
                } else if (c->m[i].kind == COMPARE_PHASE) {
                        phases[np++] = i;
                }
        }
        sort_indices(phases, np, c);
        for (size_t p = 0; p < np; p++) {
                const struct compare_metric *ph = &c->m[phases[p]];

                order[k++] = phases[p];
                done[phases[p]] = true;
                nf = 0;
                for (size_t i = 0; i < c->n; i++)
                        if (c->m[i].kind == COMPARE_FN && c->m[i].phase &&
                            strcmp(c->m[i].phase, ph->name) == 0)
                                fns[nf++] = i;
                sort_indices(fns, nf, c);
                for (size_t f = 0; f < nf; f++) {
                        order[k++] = fns[f];
                        done[fns[f]] = true;
                }
        }
        nf = 0;
        for (size_t i = 0; i < c->n; i++)
                if (!done[i])
                        fns[nf++] = i;
        sort_indices(fns, nf, c);
        for (size_t f = 0; f < nf; f++)
                order[k++] = fns[f];
        free(phases);
        free(fns);
        free(done);
        return 0;
}

bool compare_any_slower(const struct compare *c)
{
        return c->verdicts[STATS_SLOWER] > 0;
}

const struct compare_metric *compare_find(const struct compare *c, const char *spec)
{
        enum compare_kind kind;
        const char *name;

        if (strcmp(spec, "total") == 0) {
                kind = COMPARE_TOTAL;
                name = "total";
        } else if (strncmp(spec, "phase:", 6) == 0) {
                kind = COMPARE_PHASE;
                name = spec + 6;
        } else if (strncmp(spec, "fn:", 3) == 0) {
                kind = COMPARE_FN;
                name = spec + 3;
        } else {
                return NULL;
        }
        for (size_t i = 0; i < c->n; i++)
                if (c->m[i].kind == kind && strcmp(c->m[i].name, name) == 0)
                        return &c->m[i];
        return NULL;
}

/* ---- reading the sides ---- */

struct side_data {
        struct runset rs;
        struct metric_table t;
        /* every run analysed is host-timed (run_host_only()): no function
         * was recorded, so none counts 0 ns here (it is absent instead) */
        bool host_timed;
};

/* The environment of session.json, and each selected run's QEMU CPU time;
 * a starved run (runset's flag) left out is unselected. */
static int read_session_side(struct compare_side *side, struct runset *rs, bool exclude_starved,
                             char *err, size_t errsize)
{
        struct session *s = NULL;
        const struct session_info *info;
        size_t k = 0;
        int rc;

        rc = session_open(rs->dir, &s, err, errsize);
        if (rc < 0)
                return rc;
        info = session_info(s);
        side->cpu_model = dup_or_null(info->host.cpu_model);
        side->qemu_version = dup_or_null(info->host.qemu_version);
        side->accel = dup_or_null(info->host.accel);
        ksize_from_session(&side->kernel, info, rs->variant);
        /* the runs recorded of this side's variant (all of them for a
         * whole session); an unreadable run belongs to no variant */
        side->recorded = 0;
        for (size_t i = 0; i < rs->n; i++)
                if (!rs->variant ||
                    (rs->v[i].readable && strcmp(rs->v[i].variant, rs->variant) == 0))
                        side->recorded++;
        side->ok = rs->nselected;
        side->runs = calloc(rs->nselected + 1, sizeof(*side->runs));
        side->cpu_user_ns = calloc(rs->nselected + 1, sizeof(*side->cpu_user_ns));
        side->cpu_system_ns = calloc(rs->nselected + 1, sizeof(*side->cpu_system_ns));
        if ((info->host.cpu_model && !side->cpu_model) ||
            (info->host.qemu_version && !side->qemu_version) ||
            (info->host.accel && !side->accel) || !side->runs || !side->cpu_user_ns ||
            !side->cpu_system_ns) {
                rc = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < rs->n; i++) {
                struct runset_run *e = &rs->v[i];
                const struct session_attempt *a;
                struct session_run sr;
                bool starved, read;

                if (!e->selected)
                        continue;
                /* runset_open() read it already: it is readable */
                rc = session_run_read(s, e->run, &sr, NULL, 0);
                if (rc == -ENOMEM)
                        goto out;
                a = rc == 0 ? session_run_final(&sr) : NULL;
                read = rc == 0;
                rc = 0;
                starved = e->starved; /* runset's: session_attempt_starved() */
                side->starved += starved;
                if (starved && exclude_starved) {
                        e->selected = false;
                        side->left_out++;
                } else {
                        side->runs[k] = e->run;
                        side->cpu_user_ns[k] = a ? a->cpu_qemu_user_ns : 0;
                        side->cpu_system_ns[k] = a ? a->cpu_qemu_system_ns : 0;
                        k++;
                }
                if (read)
                        session_run_free(&sr);
        }
        side->used = k;
out:
        session_free(s);
        return rc;
}

static int open_side(struct compare_side *side, struct side_data *d, const char *ref,
                     const struct compare_options *o, char *err, size_t errsize)
{
        char why[256];
        int rc;

        side->ref = strdup(ref);
        if (!side->ref)
                return -ENOMEM;
        rc = runset_open(ref, &d->rs, why, sizeof(why));
        if (rc == -ESRCH) {
                snprintf(err, errsize, "'%s': the session has no variant '%s'", ref, d->rs.variant);
                return rc;
        }
        if (rc == -ENOENT || rc == -EINVAL) {
                snprintf(err, errsize, "'%s' is not a bootlens session%s%s", ref,
                         why[0] ? ": " : "", why);
                return rc;
        }
        if (rc < 0) {
                snprintf(err, errsize, "cannot read the session '%s': %s", ref, strerror(-rc));
                return rc;
        }
        rc = read_session_side(side, &d->rs, o->exclude_starved, why, sizeof(why));
        if (rc < 0) {
                snprintf(err, errsize, "cannot read the session '%s': %s", ref,
                         why[0] ? why : strerror(-rc));
                return rc;
        }
        if (!side->used) {
                snprintf(err, errsize, "'%s' has no run to compare (%zu recorded, %zu ok%s)", ref,
                         side->recorded, side->ok,
                         side->left_out ? ", every ok run starved by the host and left out" : "");
                return -ENODATA;
        }
        return 0;
}

/* Analyse every selected run of d into its metric table. */
static int collect_side(struct side_data *d, const struct compare_options *o, char *err,
                        size_t errsize)
{
        static const struct run_options defaults;
        const struct run_options *ro = o->run ? o->run : &defaults;
        size_t nhost = 0, n = 0;
        int rc = 0;

        for (size_t i = 0; i < d->rs.n && rc == 0; i++) {
                struct run r;
                char *msg = NULL;

                if (!d->rs.v[i].selected)
                        continue;
                rc = runset_analyse(&d->rs, i, ro, &r, &msg);
                if (rc == 0) {
                        n++;
                        nhost += r.host_timed;
                        rc = metrics_collect(&d->t, &r);
                } else if (msg)
                        snprintf(err, errsize, "%s", msg);
                else if (d->rs.unreadable)
                        snprintf(err, errsize, "cannot read '%s': %s", d->rs.unreadable,
                                 strerror(-rc));
                else
                        snprintf(err, errsize, "cannot analyse run %u of '%s': %s", d->rs.v[i].run,
                                 d->rs.dir, strerror(-rc));
                free(msg);
                run_free(&r);
        }
        d->host_timed = n && nhost == n;
        if (rc == 0)
                rc = metrics_table_finish(&d->t);
        return rc;
}

/* The values of series s over its table's n runs: absent runs are 0
 * (zero_absent, functions) or left out. Returns the count written. */
static size_t series_values(const struct metric_series *s, size_t nruns, bool zero_absent,
                            double *out)
{
        size_t k = 0;

        if (!s)
                return zero_absent ? (memset(out, 0, nruns * sizeof(*out)), nruns) : 0;
        if (!zero_absent) {
                memcpy(out, s->values, s->present * sizeof(*out));
                return s->present;
        }
        memset(out, 0, nruns * sizeof(*out));
        for (size_t i = 0; i < s->present; i++)
                out[s->runs[i]] = s->values[i];
        k = nruns;
        return k;
}

/* A function's median over every run of its side, absent as 0. */
static int fn_median(const struct metric_series *s, size_t nruns, double *scratch, double *med)
{
        struct stats_summary sum;
        size_t k = series_values(s, nruns, true, scratch);

        if (stats_summary(scratch, k, &sum) < 0)
                return -ENOMEM;
        *med = sum.median;
        return 0;
}

struct candidate {
        const char *name; /* "fn:NAME" */
        const struct metric_series *a, *b;
        double ma, mb;
        double rank; /* the larger median */
};

static int by_rank(const void *pa, const void *pb)
{
        const struct candidate *x = pa, *y = pb;

        if (x->rank != y->rank)
                return x->rank > y->rank ? -1 : 1;
        return strcmp(x->name, y->name);
}

static int add_series(struct compare *c, enum compare_kind kind, const char *name,
                      const char *phase, const struct metric_series *sa,
                      const struct metric_series *sb, const struct side_data *da,
                      const struct side_data *db, double *va, double *vb)
{
        bool fn = kind == COMPARE_FN;
        size_t na = series_values(sa, da->t.nruns, fn && !da->host_timed, va);
        size_t nb = series_values(sb, db->t.nruns, fn && !db->host_timed, vb);

        return compare_add(c, kind, name, phase, va, na, sa ? sa->present : 0, vb, nb,
                           sb ? sb->present : 0);
}

/* Total, phases (base's map order, then phases only new has), top
 * functions. */
static int build_metrics(struct compare *c, const struct side_data *da, const struct side_data *db,
                         size_t top)
{
        size_t nmax = (da->t.nruns > db->t.nruns ? da->t.nruns : db->t.nruns) + 1;
        double *va = malloc(nmax * sizeof(*va)), *vb = malloc(nmax * sizeof(*vb));
        struct candidate *cand = NULL;
        size_t ncand = 0;
        int rc = 0;

        if (!va || !vb) {
                rc = -ENOMEM;
                goto out;
        }
        rc = add_series(c, COMPARE_TOTAL, "total", NULL, metrics_table_find(&da->t, "total"),
                        metrics_table_find(&db->t, "total"), da, db, va, vb);
        for (int side = 0; side < 2 && rc == 0; side++) {
                const struct metric_table *t = side ? &db->t : &da->t;
                const struct metric_table *other = side ? &da->t : &db->t;

                for (size_t i = 0; i < t->n && rc == 0; i++) {
                        const struct metric_series *s = &t->v[i];

                        if (s->kind != METRIC_PHASE)
                                continue;
                        if (side && metrics_table_find(other, s->name))
                                continue; /* added from base */
                        rc = add_series(c, COMPARE_PHASE, s->name + 6, s->name + 6,
                                        side ? metrics_table_find(other, s->name) : s,
                                        side ? s : metrics_table_find(other, s->name), da, db, va,
                                        vb);
                }
        }
        if (rc)
                goto out;
        cand = calloc(da->t.n + db->t.n + 1, sizeof(*cand));
        if (!cand) {
                rc = -ENOMEM;
                goto out;
        }
        for (int side = 0; side < 2 && rc == 0; side++) {
                const struct side_data *d = side ? db : da, *o = side ? da : db;

                for (size_t i = 0; i < d->t.n && rc == 0; i++) {
                        const struct metric_series *s = &d->t.v[i];
                        struct candidate *k = &cand[ncand];
                        double ma = 0, mb = 0;

                        if (s->kind != METRIC_FN_TOTAL)
                                continue;
                        if (side && metrics_table_find(&o->t, s->name))
                                continue;
                        k->name = s->name;
                        k->a = side ? NULL : s;
                        k->b = side ? s : metrics_table_find(&o->t, s->name);
                        rc = fn_median(k->a, da->t.nruns, va, &ma);
                        if (rc == 0)
                                rc = fn_median(k->b, db->t.nruns, vb, &mb);
                        k->ma = ma;
                        k->mb = mb;
                        k->rank = ma > mb ? ma : mb;
                        ncand++;
                }
        }
        if (rc)
                goto out;
        qsort(cand, ncand, sizeof(*cand), by_rank);
        c->fns = calloc(ncand + 1, sizeof(*c->fns));
        if (!c->fns) {
                rc = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < ncand && rc == 0; i++) {
                const struct candidate *k = &cand[i];
                const char *phase = k->a && k->a->phase ? k->a->phase : k->b ? k->b->phase : NULL;
                struct compare_fn *f = &c->fns[c->fn_candidates++];

                f->name = strdup(k->name + 3);
                f->phase = dup_or_null(phase);
                f->median_a = k->ma;
                f->median_b = k->mb;
                if (!f->name || (phase && !f->phase))
                        rc = -ENOMEM;
                if (rc == 0 && i < top)
                        rc = add_series(c, COMPARE_FN, k->name + 3, phase, k->a, k->b, da, db, va,
                                        vb);
        }
out:
        free(cand);
        free(va);
        free(vb);
        return rc;
}

static int add_envdiff(struct compare *c, const char *what, const char *a, const char *b)
{
        struct compare_envdiff *d;

        if ((a && b && strcmp(a, b) == 0) || (!a && !b))
                return 0;
        d = &c->envdiff[c->nenvdiff++];
        d->what = what;
        d->base = strdup(a ? a : "unknown");
        d->new = strdup(b ? b : "unknown");
        return d->base && d->new ? 0 : -ENOMEM;
}

int compare_sessions(struct compare *c, const char *base, const char *new,
                     const struct compare_options *o, char *err, size_t errsize)
{
        struct side_data da = {.t = METRIC_TABLE_INIT}, db = {.t = METRIC_TABLE_INIT};
        int rc;

        memset(c, 0, sizeof(*c));
        if (errsize)
                err[0] = '\0';
        rc = open_side(&c->base, &da, base, o, err, errsize);
        if (rc == 0)
                rc = open_side(&c->new, &db, new, o, err, errsize);
        if (rc == 0)
                rc = add_envdiff(c, "host CPU", c->base.cpu_model, c->new.cpu_model);
        if (rc == 0)
                rc = add_envdiff(c, "QEMU version", c->base.qemu_version, c->new.qemu_version);
        if (rc == 0)
                rc = add_envdiff(c, "accelerator", c->base.accel, c->new.accel);
        if (rc == 0)
                rc = collect_side(&da, o, err, errsize);
        if (rc == 0)
                rc = collect_side(&db, o, err, errsize);
        if (rc == 0)
                rc = build_metrics(c, &da, &db, o->top);
        if (rc == 0)
                rc = compare_evaluate(c, &o->stats);
        runset_free(&da.rs);
        runset_free(&db.rs);
        metrics_table_free(&da.t);
        metrics_table_free(&db.t);
        return rc;
}
