/*
 * What each knob of a sweep saves (analyzer/savings.h).
 *
 * A step timed by its dump is compared with compare_sessions(), exactly
 * as "bootlens compare SESSION:REF SESSION:STEP". A host-timed step is
 * compared on the host's spawn-to-exit span alone (the run files' wall
 * time) through compare_add() and compare_evaluate(), both sides timed so.
 * By the guest's clock (SAVINGS_BY_GUEST), a dump-timed step's values are
 * its runs' uptime at the dump, read through runset_analyse() as compare
 * reads them, once per variant (struct runs' guest cache).
 */
#include "analyzer/savings.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/runset.h"
#include "collector/session.h"

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

static void step_free(struct savings_step *st)
{
        free(st->name);
        free(st->variant);
        free(st->spec);
        free(st->about);
        free(st->failed_serial);
        free(st->failed_reason);
        free(st->phase.name);
        free(st->phase.phase);
        for (size_t i = 0; i < st->nfns; i++) {
                free(st->fns[i].name);
                free(st->fns[i].phase);
        }
        compare_free(&st->cmp);
        memset(st, 0, sizeof(*st));
}

void savings_free(struct savings *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->nsteps; i++)
                step_free(&s->steps[i]);
        free(s->steps);
        step_free(&s->overall);
        free(s->session);
        free(s->preset);
        memset(s, 0, sizeof(*s));
}

/* One recorded run, as far as the savings need it. */
struct run_info {
        char *variant;
        enum session_verdict verdict;
        bool warmup; /* a warm-up run: never counted */
        bool starved;
        double wall_ns; /* the final attempt's spawn to exit; 0: unknown */
        double cpu_ns;  /* its QEMU CPU time, user + system; 0: unknown */
        char *serial;   /* the final attempt's serial capture's name, NULL: none */
        char *reason;
        unsigned run;
};

/* The guest's clock at the dump (ns) of a variant's runs, as compared. */
struct guest_values {
        char *variant;
        double *v;
        size_t n;
};

struct runs {
        struct run_info *v;
        size_t n;
        struct guest_values *g; /* SAVINGS_BY_GUEST: each variant read so far */
        size_t ng;
};

static void runs_free(struct runs *r)
{
        for (size_t i = 0; i < r->n; i++) {
                free(r->v[i].variant);
                free(r->v[i].serial);
                free(r->v[i].reason);
        }
        free(r->v);
        for (size_t i = 0; i < r->ng; i++) {
                free(r->g[i].variant);
                free(r->g[i].v);
        }
        free(r->g);
}

static int runs_read(struct runs *out, const struct session *sess, char *err, size_t errsize)
{
        unsigned *list = NULL;
        int n = session_list_runs(sess, &list), rc = 0;

        memset(out, 0, sizeof(*out));
        if (n < 0) {
                snprintf(err, errsize, "cannot list the runs of '%s': %s", session_dir(sess),
                         strerror(-n));
                return n;
        }
        out->v = calloc((size_t)n + 1, sizeof(*out->v));
        if (!out->v) {
                free(list);
                return -ENOMEM;
        }
        for (int i = 0; i < n && rc == 0; i++) {
                struct session_run sr;
                const struct session_attempt *a;
                struct run_info *ri;

                rc = session_run_read(sess, list[i], &sr, err, errsize);
                if (rc < 0)
                        break;
                a = session_run_final(&sr);
                ri = &out->v[out->n++];
                ri->run = sr.run;
                ri->variant = strdup(sr.variant);
                ri->verdict = sr.verdict;
                ri->warmup = sr.warmup;
                ri->reason = strdup(sr.reason ? sr.reason : "");
                if (a) {
                        ri->starved = session_attempt_starved(a);
                        if (a->wall_ns)
                                ri->wall_ns = (double)a->wall_ns;
                        else if (a->host.spawn && a->host.exit > a->host.spawn)
                                ri->wall_ns = (double)(a->host.exit - a->host.spawn);
                        ri->cpu_ns = (double)(a->cpu_qemu_user_ns + a->cpu_qemu_system_ns);
                        ri->serial = dup_or_null(a->serial_file);
                }
                if (!ri->variant || !ri->reason || (a && a->serial_file && !ri->serial))
                        rc = -ENOMEM;
                session_run_free(&sr);
        }
        free(list);
        return rc;
}

/* The run counts of step st's variant, and its last failed run. */
static int count_runs(struct savings_step *st, const struct runs *r, const char *dir,
                      bool exclude_starved)
{
        const struct run_info *failed = NULL;

        for (size_t i = 0; i < r->n; i++) {
                const struct run_info *ri = &r->v[i];

                if (strcmp(ri->variant, st->variant) || ri->warmup)
                        continue;
                st->recorded++;
                switch (ri->verdict) {
                case SESSION_OK:
                        st->ok++;
                        st->starved += ri->starved;
                        st->left_out += ri->starved && exclude_starved;
                        break;
                case SESSION_TIMEOUT:
                        st->timeout++;
                        failed = ri;
                        break;
                case SESSION_CRASH:
                        st->crash++;
                        failed = ri;
                        break;
                case SESSION_BAD_DUMP:
                        st->bad_dump++;
                        failed = ri;
                        break;
                case SESSION_WARMUP:
                        break;
                }
        }
        st->broken = st->ok == 0;
        if (st->broken && failed) {
                st->failed_reason = strdup(failed->reason);
                if (!st->failed_reason)
                        return -ENOMEM;
                if (failed->serial &&
                    asprintf(&st->failed_serial, "%s/runs/%s", dir, failed->serial) < 0) {
                        st->failed_serial = NULL;
                        return -ENOMEM;
                }
        }
        return 0;
}

/* The host's values (ns) of variant's ok runs, its wall time (spawn to
 * exit) or QEMU's CPU time, starved ones left out on request. *v
 * malloc'd. */
static int host_values(const struct runs *r, const char *variant, bool exclude_starved, bool cpu,
                       double **v, size_t *n)
{
        *n = 0;
        *v = malloc((r->n + 1) * sizeof(**v));
        if (!*v)
                return -ENOMEM;
        for (size_t i = 0; i < r->n; i++) {
                const struct run_info *ri = &r->v[i];

                double x = cpu ? ri->cpu_ns : ri->wall_ns;

                if (strcmp(ri->variant, variant) || ri->warmup || ri->verdict != SESSION_OK || !x ||
                    (ri->starved && exclude_starved))
                        continue;
                (*v)[(*n)++] = x;
        }
        return 0;
}

static int set_side(struct compare_side *side, const char *dir, const struct savings_step *st,
                    size_t used)
{
        if (asprintf(&side->ref, "%s:%s", dir, st->variant) < 0) {
                side->ref = NULL;
                return -ENOMEM;
        }
        side->recorded = st->recorded;
        side->ok = st->ok;
        side->starved = st->starved;
        side->left_out = st->left_out;
        side->used = used;
        return 0;
}

/* The runs of dir:variant compare would analyse (runset's selection, a
 * starved run left out on request), each one's guest clock at its dump's
 * begin line (dmesg.uptime_ns) into g. -EINVAL (err names the run): an
 * ok run without it (a tslog dump, a dumper that predates uptime_ns). */
static int guest_read(struct guest_values *g, const char *dir, const char *variant,
                      const struct compare_options *o, char *err, size_t errsize)
{
        static const struct run_options defaults;
        const struct run_options *ro = o->run ? o->run : &defaults;
        struct runset rs;
        char *ref = NULL, why[256];
        int rc;

        if (asprintf(&ref, "%s:%s", dir, variant) < 0)
                return -ENOMEM;
        rc = runset_open(ref, &rs, why, sizeof(why));
        if (rc < 0) {
                snprintf(err, errsize, "cannot read the session '%s': %s", ref,
                         why[0] ? why : strerror(-rc));
                goto out;
        }
        g->v = malloc((rs.n + 1) * sizeof(*g->v));
        if (!g->v) {
                rc = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < rs.n && rc == 0; i++) {
                const struct runset_run *e = &rs.v[i];
                struct run r;
                char *msg = NULL;

                if (!e->selected || (e->starved && o->exclude_starved))
                        continue;
                rc = runset_analyse(&rs, i, ro, &r, &msg);
                if (rc == 0 || rc == -ENODATA) {
                        if (rc == 0 && r.kind == RUN_LINUX && !r.host_timed && r.dmesg.has_uptime) {
                                g->v[g->n++] = (double)r.dmesg.uptime_ns;
                        } else {
                                snprintf(err, errsize,
                                         "--by guest needs the dumper's uptime at the dump: "
                                         "run %u has none (%s/runs/%04u.console: %s)",
                                         e->run, dir, e->run,
                                         rc == -ENODATA        ? "nothing to analyse"
                                         : r.kind == RUN_TSLOG ? "a tslog dump"
                                                               : "no uptime_ns= on its begin line");
                                rc = -EINVAL;
                        }
                } else if (msg) {
                        snprintf(err, errsize, "%s", msg);
                } else if (rs.unreadable) {
                        snprintf(err, errsize, "cannot read '%s': %s", rs.unreadable,
                                 strerror(-rc));
                } else {
                        snprintf(err, errsize, "cannot analyse run %u of '%s': %s", e->run, dir,
                                 strerror(-rc));
                }
                free(msg);
                run_free(&r);
        }
out:
        runset_free(&rs);
        free(ref);
        return rc;
}

/* variant's guest values (guest_read()), read once per variant and kept
 * in r; *out is valid until the next call reads another variant. */
static int guest_values(struct runs *r, const char *dir, const char *variant,
                        const struct compare_options *o, const struct guest_values **out, char *err,
                        size_t errsize)
{
        struct guest_values *g;
        int rc;

        for (size_t i = 0; i < r->ng; i++)
                if (!strcmp(r->g[i].variant, variant)) {
                        *out = &r->g[i];
                        return 0;
                }
        g = realloc(r->g, (r->ng + 1) * sizeof(*r->g));
        if (!g)
                return -ENOMEM;
        r->g = g;
        g = &r->g[r->ng];
        memset(g, 0, sizeof(*g));
        rc = guest_read(g, dir, variant, o, err, errsize);
        if (rc == 0) {
                g->variant = strdup(variant);
                if (!g->variant)
                        rc = -ENOMEM;
        }
        if (rc < 0) {
                free(g->variant);
                free(g->v);
                return rc;
        }
        r->ng++;
        *out = g;
        return 0;
}

/* Compare step st with ref by the guest's clock at the dump alone: one
 * metric, named "total" as compare's. -ENODATA: a side has no value. */
static int compare_guest(struct compare *c, struct runs *r, const char *dir,
                         const struct savings_step *ref, const struct savings_step *st,
                         const struct compare_options *o, char *err, size_t errsize)
{
        const struct guest_values *a = NULL, *b = NULL;
        int rc;

        memset(c, 0, sizeof(*c));
        rc = guest_values(r, dir, ref->variant, o, &a, err, errsize);
        if (rc == 0)
                rc = guest_values(r, dir, st->variant, o, &b, err, errsize);
        if (rc == 0) /* reading b may have moved a: it is cached now */
                rc = guest_values(r, dir, ref->variant, o, &a, err, errsize);
        if (rc == 0 && (!a->n || !b->n))
                rc = -ENODATA;
        if (rc == 0)
                rc = set_side(&c->base, dir, ref, a->n);
        if (rc == 0)
                rc = set_side(&c->new, dir, st, b->n);
        if (rc == 0)
                rc = compare_add(c, COMPARE_TOTAL, "total", NULL, a->v, a->n, a->n, b->v, b->n,
                                 b->n);
        if (rc == 0)
                rc = compare_evaluate(c, &o->stats);
        return rc;
}

/* Compare step st with ref by the host's time alone: the wall time, or
 * QEMU's CPU time (cpu). -ENODATA: a side has no value. */
static int compare_host(struct compare *c, const struct runs *r, const char *dir,
                        const struct savings_step *ref, const struct savings_step *st,
                        const struct compare_options *o, bool cpu)
{
        double *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;
        int rc;

        memset(c, 0, sizeof(*c));
        rc = host_values(r, ref->variant, o->exclude_starved, cpu, &a, &na);
        if (rc == 0)
                rc = host_values(r, st->variant, o->exclude_starved, cpu, &b, &nb);
        if (rc == 0 && (!na || !nb))
                rc = -ENODATA;
        if (rc == 0)
                rc = set_side(&c->base, dir, ref, na);
        if (rc == 0)
                rc = set_side(&c->new, dir, st, nb);
        if (rc == 0)
                rc = compare_add(c, COMPARE_TOTAL, "total", NULL, a, na, na, b, nb, nb);
        if (rc == 0)
                rc = compare_evaluate(c, &o->stats);
        free(a);
        free(b);
        return rc;
}

static int moved_set(struct savings_moved *mv, const struct compare_metric *m)
{
        mv->name = strdup(m->name);
        mv->phase = m->kind == COMPARE_FN ? dup_or_null(m->phase) : NULL;
        mv->diff_ns = m->c.diff;
        mv->verdict = m->c.verdict;
        if (!mv->name || (m->kind == COMPARE_FN && m->phase && !mv->phase))
                return -ENOMEM;
        return 0;
}

/* st's saving and verdict: c's total. */
static void fill_total(struct savings_step *st, const struct compare *c)
{
        const struct compare_metric *t = compare_find(c, "total");

        if (!t || !t->na || !t->nb)
                return; /* nothing to say: not compared */
        st->compared = true;
        st->median_ns = t->c.median_b;
        st->saving_ns = 0.0 - t->c.diff; /* no -0 */
        st->saving_lo_ns = 0.0 - t->c.ci.hi;
        st->saving_hi_ns = 0.0 - t->c.ci.lo;
        st->rel = 0.0 - t->c.rel;
        st->p_holm = t->c.p_holm;
        st->verdict = t->c.verdict;
        st->runs_needed = t->c.runs_needed;
}

/* The phase and the functions that moved most: c's first in
 * compare_order(). */
static int fill_moved(struct savings_step *st, const struct compare *c)
{
        size_t *order = malloc((c->n + 1) * sizeof(*order));
        bool have_phase = false;
        int rc;

        if (!order)
                return -ENOMEM;
        rc = compare_order(c, order);
        for (size_t k = 0; k < c->n && rc == 0; k++) {
                const struct compare_metric *m = &c->m[order[k]];

                if (m->kind == COMPARE_PHASE && !have_phase && m->na && m->nb) {
                        rc = moved_set(&st->phase, m);
                        have_phase = true;
                } else if (m->kind == COMPARE_FN && st->nfns < SAVINGS_TOP_FNS) {
                        rc = moved_set(&st->fns[st->nfns], m);
                        st->nfns++;
                }
        }
        free(order);
        return rc;
}

/* compare_sessions(dir:ref->variant, dir:st->variant). */
static int compare_dump(struct compare *c, const char *dir, const struct savings_step *ref,
                        const struct savings_step *st, const struct compare_options *o, char *err,
                        size_t errsize)
{
        char *a = NULL, *b = NULL;
        int rc;

        if (asprintf(&a, "%s:%s", dir, ref->variant) < 0 ||
            asprintf(&b, "%s:%s", dir, st->variant) < 0) {
                free(a);
                memset(c, 0, sizeof(*c));
                return -ENOMEM;
        }
        rc = compare_sessions(c, a, b, o, err, errsize);
        free(a);
        free(b);
        return rc;
}

/* -ENODATA (a side with nothing to compare: every ok run starved and left
 * out) is no error: the step stays uncompared. */
static int no_data_is_fine(int rc, struct compare *c, char *err, size_t errsize)
{
        if (rc != -ENODATA)
                return rc;
        compare_free(c);
        if (errsize)
                err[0] = '\0';
        return 0;
}

/* st against ref into c by the basis: compare's total; the host's time
 * alone (cpu, and always for a host-timed step: its wall time unless
 * cpu); the guest's clock at the dump (guest, a dump-timed step). */
static int compare_by(struct compare *c, const struct savings_step *ref,
                      const struct savings_step *st, struct runs *r, const char *dir,
                      const struct compare_options *o, enum savings_basis basis, char *err,
                      size_t errsize)
{
        bool cpu = basis == SAVINGS_BY_CPU;

        if (st->host_timed || cpu)
                return compare_host(c, r, dir, ref, st, o, cpu);
        if (basis == SAVINGS_BY_GUEST)
                return compare_guest(c, r, dir, ref, st, o, err, errsize);
        return compare_dump(c, dir, ref, st, o, err, errsize);
}

/* Compare step st (against ref) into st->cmp and its fields by the basis
 * (compare_by()). Under cpu and guest, what moved still comes from the
 * dumps' comparison. Returns 0 or an error (err says it). */
static int compare_step(struct savings_step *st, const struct savings_step *ref, struct runs *r,
                        const char *dir, const struct compare_options *o, enum savings_basis basis,
                        char *err, size_t errsize)
{
        struct compare moved;
        int rc;

        rc = compare_by(&st->cmp, ref, st, r, dir, o, basis, err, errsize);
        rc = no_data_is_fine(rc, &st->cmp, err, errsize);
        if (rc < 0)
                return rc;
        fill_total(st, &st->cmp);
        if (!st->compared || st->host_timed)
                return 0;
        if (basis == SAVINGS_BY_TOTAL)
                return fill_moved(st, &st->cmp);
        rc = compare_dump(&moved, dir, ref, st, o, err, errsize);
        if (rc == 0)
                rc = fill_moved(st, &moved);
        rc = no_data_is_fine(rc, &moved, err, errsize);
        compare_free(&moved);
        return rc;
}

/* The median total of a step no comparison gave one: the step against
 * itself. */
static int own_median(struct savings_step *st, struct runs *r, const char *dir,
                      const struct compare_options *o, enum savings_basis basis, char *err,
                      size_t errsize)
{
        struct compare c;
        const struct compare_metric *t;
        int rc;

        rc = compare_by(&c, st, st, r, dir, o, basis, err, errsize);
        if (rc == 0) {
                t = compare_find(&c, "total");
                if (t && t->na)
                        st->median_ns = t->c.median_a;
        } else if (rc == -ENODATA) {
                rc = 0;
                if (errsize)
                        err[0] = '\0';
        }
        compare_free(&c);
        return rc;
}

static int step_init(struct savings_step *st, const struct sweep_plan *p, size_t i)
{
        const struct sweep_step *ps = &p->steps[i];
        const struct sweep_knob *k = NULL;

        for (size_t j = 0; ps->knob && j < p->nknobs; j++)
                if (!strcmp(p->knobs[j].name, ps->knob))
                        k = &p->knobs[j];
        st->name = strdup(ps->knob ? ps->knob : SWEEP_BASELINE);
        st->variant = strdup(ps->variant);
        st->spec = dup_or_null(k ? k->spec : NULL);
        st->about = dup_or_null(k ? k->about : NULL);
        st->against = ps->against;
        st->host_timed = ps->host_timed;
        st->median_ns = NAN;
        st->saving_ns = st->saving_lo_ns = st->saving_hi_ns = st->rel = NAN;
        st->p_holm = NAN;
        if (!st->name || !st->variant || (k && k->spec && !st->spec) ||
            (k && k->about && !st->about))
                return -ENOMEM;
        return 0;
}

/* The cumulative campaign: the last unbroken dump-timed step against the
 * baseline. */
static int overall(struct savings *s, struct runs *r, const struct compare_options *o, char *err,
                   size_t errsize)
{
        const struct savings_step *base = &s->steps[0], *last = NULL;
        struct savings_step *ov = &s->overall;
        int rc;

        for (size_t i = 1; i < s->nsteps; i++)
                if (!s->steps[i].host_timed && !s->steps[i].broken)
                        last = &s->steps[i];
        s->baseline_ns = base->median_ns;
        s->final_ns = last ? last->median_ns : NAN;
        if (!last || base->broken)
                return 0;
        ov->name = strdup("overall");
        ov->variant = strdup(last->variant);
        ov->median_ns = last->median_ns;
        ov->kernel = last->kernel;
        ov->saving_ns = ov->saving_lo_ns = ov->saving_hi_ns = ov->rel = ov->p_holm = NAN;
        if (!ov->name || !ov->variant)
                return -ENOMEM;
        ov->recorded = last->recorded;
        ov->ok = last->ok;
        ov->starved = last->starved;
        ov->left_out = last->left_out;
        ov->against = 0;
        s->has_overall = true;
        rc = compare_step(ov, base, r, s->session, o, s->basis, err, errsize);
        return rc;
}

int savings_analyse(struct savings *s, const char *dir, const struct compare_options *o, char *err,
                    size_t errsize)
{
        return savings_analyse_by(s, dir, o, SAVINGS_BY_TOTAL, err, errsize);
}

const char *savings_basis_name(enum savings_basis b)
{
        switch (b) {
        case SAVINGS_BY_CPU:
                return "cpu";
        case SAVINGS_BY_GUEST:
                return "guest";
        case SAVINGS_BY_TOTAL:
                break;
        }
        return "total";
}

int savings_basis_parse(const char *s, enum savings_basis *b)
{
        for (enum savings_basis v = SAVINGS_BY_TOTAL; v <= SAVINGS_BY_GUEST; v++)
                if (!strcmp(s, savings_basis_name(v))) {
                        *b = v;
                        return 0;
                }
        return -EINVAL;
}

int savings_analyse_by(struct savings *s, const char *dir, const struct compare_options *o,
                       enum savings_basis basis, char *err, size_t errsize)
{
        struct sweep_plan plan;
        struct session *sess = NULL;
        struct runs runs = {0};
        bool cpu = basis == SAVINGS_BY_CPU;
        int rc;

        memset(s, 0, sizeof(*s));
        s->basis = basis;
        if (errsize)
                err[0] = '\0';
        s->baseline_ns = s->final_ns = NAN;
        rc = session_open(dir, &sess, err, errsize);
        if (rc < 0) {
                char why[256];

                snprintf(why, sizeof(why), "%s", errsize ? err : "");
                snprintf(err, errsize, "'%s' is not a bootlens session%s%s", dir,
                         why[0] ? ": " : "", why);
                return rc;
        }
        rc = sweep_read(dir, &plan, err, errsize);
        if (rc < 0)
                goto out_session;
        s->session = strdup(dir);
        s->mode = plan.mode;
        s->preset = dup_or_null(plan.preset);
        s->steps = calloc(plan.nsteps, sizeof(*s->steps));
        if (!s->session || (plan.preset && !s->preset) || !s->steps) {
                rc = -ENOMEM;
                goto out_plan;
        }
        rc = runs_read(&runs, sess, err, errsize);
        for (size_t i = 0; i < plan.nsteps && rc == 0; i++) {
                rc = step_init(&s->steps[i], &plan, i);
                s->nsteps++;
                if (rc == 0)
                        rc = count_runs(&s->steps[i], &runs, dir, o->exclude_starved);
                if (rc == 0)
                        ksize_from_session(&s->steps[i].kernel, session_info(sess),
                                           s->steps[i].variant);
        }
        s->kernels_differ = ksize_session_differs(session_info(sess));
        for (size_t i = 1; i < s->nsteps && rc == 0; i++) {
                struct savings_step *st = &s->steps[i], *ref = &s->steps[st->against];

                st->against_broken = ref->broken;
                if (st->broken || st->against_broken)
                        continue;
                rc = compare_step(st, ref, &runs, dir, o, basis, err, errsize);
                if (rc == 0 && st->compared && isnan(ref->median_ns) && (!st->host_timed || cpu))
                        ref->median_ns = st->cmp.m[0].c.median_a;
        }
        for (size_t i = 0; i < s->nsteps && rc == 0; i++)
                if (!s->steps[i].broken && isnan(s->steps[i].median_ns))
                        rc = own_median(&s->steps[i], &runs, dir, o, basis, err, errsize);
        if (rc == 0 && s->mode == SWEEP_CUMULATIVE)
                rc = overall(s, &runs, o, err, errsize);
out_plan:
        runs_free(&runs);
        sweep_plan_free(&plan);
out_session:
        session_free(sess);
        if (rc < 0) {
                savings_free(s);
                s->baseline_ns = s->final_ns = NAN;
                s->basis = basis;
        }
        return rc;
}
