/* sessreport: see sessreport.h. */
#include "reports/sessreport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reports/aggreport.h"
#include "reports/json.h"
#include "reports/jsonw.h"
#include "reports/kline.h"
#include "reports/table.h"

static void table_begin(FILE *out, const struct runset *rs)
{
        fprintf(out, "session %s: %zu run%s recorded%s%s\n", rs->dir, rs->n, rs->n == 1 ? "" : "s",
                rs->variant ? ", variant " : "", rs->variant ? rs->variant : "");
}

/* A run that is not selected, in the table. */
static void table_skipped(FILE *out, const struct runset *rs, const struct runset_run *e)
{
        if (!e->readable)
                fprintf(out, "\nrun %u: unreadable run JSON, skipped\n", e->run);
        else if (!rs->variant || strcmp(e->variant, rs->variant) == 0)
                fprintf(out, "\nrun %u (%s): %s%s%s, skipped\n", e->run, e->variant, e->verdict,
                        *e->reason ? ": " : "", e->reason);
}

static void json_begin(struct jsonw *w, const struct runset *rs)
{
        aggreport_json_begin(w, "bootlens-session-analysis");
        jsonw_kstr(w, "session", rs->dir);
        jsonw_kstr(w, "variant", rs->variant);
        jsonw_key(w, "runs");
        jsonw_arr_begin(w);
}

static void json_run(struct jsonw *w, const struct runset_run *e, const struct run *r, size_t top,
                     bool in_aggregate)
{
        jsonw_obj_begin(w);
        jsonw_kuint(w, "run", e->run);
        jsonw_kstr(w, "variant", e->variant);
        jsonw_kstr(w, "verdict", e->verdict);
        jsonw_kuint(w, "attempts", e->attempts);
        jsonw_kbool(w, "starved", e->starved);
        jsonw_kbool(w, "in_aggregate", in_aggregate);
        json_run_members(w, r, top);
        jsonw_obj_end(w);
}

#define EMPTY_REASON "no tslog record and no kernel log line in its capture"

/* The runs not reported (not ok, unreadable, or holding nothing to
 * analyse: empty[i]) of the variant asked for, then the totals. */
/* The members after the runs (the document is left open). */
static void json_end(struct jsonw *w, const struct runset *rs, const bool *empty,
                     const struct aggreport *ar)
{
        jsonw_arr_end(w);
        jsonw_key(w, "skipped");
        jsonw_arr_begin(w);
        for (size_t i = 0; i < rs->n; i++) {
                const struct runset_run *e = &rs->v[i];

                if ((e->selected && !empty[i]) ||
                    (e->readable && rs->variant && strcmp(e->variant, rs->variant)))
                        continue;
                jsonw_obj_begin(w);
                jsonw_kuint(w, "run", e->run);
                jsonw_kstr(w, "variant", e->readable ? e->variant : NULL);
                jsonw_kstr(w, "verdict", e->readable ? e->verdict : NULL);
                jsonw_kstr(w, "reason",
                           !e->readable ? "unreadable run JSON"
                           : empty[i]   ? EMPTY_REASON
                                        : e->reason);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        jsonw_kuint(w, "ok_runs", rs->nanalysed);
        jsonw_kuint(w, "warning_count", rs->nwarnings);
        aggreport_json_members(w, ar);
}

struct sess_state {
        FILE *out; /* the per-run tables (a memory stream), or NULL */
        struct jsonw *w;
        struct aggreport ar;
        const struct sessreport_options *so;
        const struct run_options *ro;
        const struct report_options *o;
        struct folded *fo;
};

/* A failed run into the aggregate of its variant. */
static int add_failed(struct sess_state *st, const char *variant, unsigned run, const char *verdict,
                      const char *reason)
{
        struct aggreport_group *g = aggreport_group(&st->ar, variant);
        struct aggreport_run u = {.run = run, .verdict = verdict, .reason = reason, .failed = true};

        return g ? aggreport_add_run(g, &u) : -ENOMEM;
}

/* Selected run rs->v[i], whose capture runset_analyse() could not read
 * (error rc), into the aggregate as a failed run, unselected. */
static int unreadable_run(struct sess_state *st, struct runset *rs, size_t i, int rc)
{
        struct runset_run *e = &rs->v[i];
        char *why = NULL;

        if (asprintf(&why, SESSREPORT_UNREADABLE ": %s", strerror(-rc)) < 0)
                return -ENOMEM;
        free(e->reason);
        e->reason = why;
        e->selected = false;
        rs->nselected--;
        free(rs->unreadable);
        rs->unreadable = NULL;
        return add_failed(st, e->variant, e->run, e->verdict, why);
}

/* One selected run into the report; *empty when its capture holds
 * nothing to analyse (a failed run, not an error). Returns 0 or -errno. */
static int one_run(struct sess_state *st, struct runset *rs, size_t i, bool *empty,
                   struct sessreport_result *res)
{
        const struct runset_run *e = &rs->v[i];
        bool excluded = e->starved && st->so->exclude_starved;
        struct aggreport_run u = {.run = e->run,
                                  .verdict = e->verdict,
                                  .reason = e->reason,
                                  .starved = e->starved,
                                  .excluded = excluded,
                                  .run_delay_ns = e->run_delay_ns};
        struct aggreport_group *g;
        struct run r;
        int rc = runset_analyse(rs, i, st->ro, &r, &res->msg);

        if (rc == -ENODATA) {
                *empty = true;
                if (st->out)
                        fprintf(st->out, "\nrun %u (%s): ok, but " EMPTY_REASON ", skipped\n",
                                e->run, e->variant);
                run_free(&r);
                return add_failed(st, e->variant, e->run, e->verdict, EMPTY_REASON);
        }
        if (rc < 0 && rc != -ENOMEM && rs->unreadable && st->so->unreadable_failed) {
                run_free(&r);
                return unreadable_run(st, rs, i, rc);
        }
        if (rc < 0) {
                res->failed = e->run;
                run_free(&r);
                return rc;
        }
        (void)run_total_ns(&r, &u.wall_ns);
        g = aggreport_group(&st->ar, e->variant);
        if (g)
                g->host_timed |= r.host_timed;
        rc = g ? aggreport_add_run(g, &u) : -ENOMEM;
        if (!rc && !excluded)
                rc = aggregate_add(&g->agg, &r, e->run);
        if (!rc && st->out) {
                fprintf(st->out, "\nrun %u (%s): ok%s%s\n", e->run, e->variant,
                        e->attempts > 1 ? ", after a retry" : "",
                        !e->starved ? ""
                        : excluded  ? ", starved (left out of the aggregate)"
                                    : ", starved");
                rc = table_write(st->out, &r, st->o);
        }
        if (!rc && st->w) {
                json_run(st->w, e, &r, st->o->top, !excluded);
                rc = st->w->err;
        }
        if (!rc && st->fo && !excluded)
                rc = folded_add(st->fo, &r.analysis);
        if (!rc && st->so->each_run)
                rc = st->so->each_run(st->so->ctx, e, &r);
        run_free(&r);
        return rc;
}

/* Every run of the session into st. */
static int all_runs(struct sess_state *st, struct runset *rs, bool *empty,
                    struct sessreport_result *res)
{
        int rc = 0;

        for (size_t i = 0; i < rs->n && rc == 0; i++) {
                const struct runset_run *e = &rs->v[i];

                if (e->selected) {
                        rc = one_run(st, rs, i, &empty[i], res);
                        continue;
                }
                if (st->out)
                        table_skipped(st->out, rs, e);
                if (!e->readable)
                        continue; /* below, once the variants are known */
                if ((rs->variant && strcmp(e->variant, rs->variant)) ||
                    !strcmp(e->verdict, "warmup"))
                        continue;
                rc = add_failed(st, e->variant, e->run, e->verdict, e->reason);
        }
        for (size_t i = 0; i < rs->n && rc == 0; i++) {
                const char *v = rs->variant;

                if (rs->v[i].readable)
                        continue;
                if (!v)
                        v = st->ar.ngroups ? st->ar.groups[0].variant : "?";
                rc = add_failed(st, v, rs->v[i].run, "unreadable", "unreadable run JSON");
        }
        return rc;
}

/* The per-run tables, after the aggregate. */
static int copy_out(FILE *out, const char *buf, size_t len)
{
        return fwrite(buf, 1, len, out) == len ? 0 : -EIO;
}

/* The kernels of the variants shown, when the session's variants boot
 * different kernel files (reports/kline.h): the table's lines (w NULL)
 * or the JSON's "kernels" member. Nothing otherwise; a session.json that
 * cannot be read again here is said nothing of (runset_open read it). */
static int kernels(FILE *out, struct jsonw *w, const struct runset *rs)
{
        struct session *s = NULL;
        const struct session_info *in;
        struct ksize first, k;
        struct sbuf sb = SBUF_INIT;
        int rc = 0;

        if (session_open(rs->dir, &s, NULL, 0) < 0)
                return 0;
        in = session_info(s);
        if (!ksize_session_differs(in))
                goto out;
        ksize_from_variant(&first, &in->variants[0]);
        if (w) {
                jsonw_key(w, "kernels");
                jsonw_arr_begin(w);
        } else {
                fputs("\nkernels (the variants boot different kernel files)\n", out);
        }
        for (size_t i = 0; i < in->nvariants && rc == 0; i++) {
                const char *name = in->variants[i].name;

                if (rs->variant && strcmp(rs->variant, name) != 0)
                        continue;
                ksize_from_variant(&k, &in->variants[i]);
                if (w) {
                        jsonw_obj_begin(w);
                        jsonw_kstr(w, "variant", name);
                        jsonw_key(w, "image");
                        kline_json_one(w, &k);
                        jsonw_obj_end(w);
                        continue;
                }
                sbuf_reset(&sb);
                if (i == 0 || !ksize_differ(&first, &k))
                        rc = kline_one(&sb, &k);
                else
                        rc = kline_text(&sb, &first, &k);
                if (rc == 0)
                        fprintf(out, "  %s: %s%s%s\n", name, sb.buf,
                                i && ksize_differ(&first, &k) ? " against " : "",
                                i && ksize_differ(&first, &k) ? in->variants[0].name : "");
        }
        if (w)
                jsonw_arr_end(w);
out:
        sbuf_release(&sb);
        session_free(s);
        return rc;
}

int sessreport_write(FILE *out, struct runset *rs, const struct sessreport_options *so,
                     const struct run_options *ro, const struct report_options *o,
                     struct folded *fo, struct sessreport_result *res)
{
        struct sess_state st = {.so = so, .ro = ro, .o = o};
        bool *empty = calloc(rs->n ? rs->n : 1, sizeof(*empty));
        char *tables = NULL;
        size_t tables_len = 0;
        int rc = 0;

        memset(res, 0, sizeof(*res));
        st.ar.session = rs->dir;
        st.ar.top = so->top;
        st.ar.exclude_starved = so->exclude_starved;
        st.ar.seed = so->seed;
        if (!empty)
                return -ENOMEM;
        if (so->fmt == SESSREPORT_JSON) {
                st.w = malloc(sizeof(*st.w));
                if (!st.w) {
                        rc = -ENOMEM;
                        goto out_free;
                }
                jsonw_init(st.w, out);
                json_begin(st.w, rs);
        } else if (so->fmt == SESSREPORT_TABLE && so->per_run) {
                st.out = open_memstream(&tables, &tables_len);
                if (!st.out) {
                        rc = -ENOMEM;
                        goto out_free;
                }
                table_begin(st.out, rs);
        } else if (so->fmt == SESSREPORT_FOLDED) {
                st.fo = fo;
        }
        rc = all_runs(&st, rs, empty, res);
        if (st.out && fclose(st.out) != 0 && !rc)
                rc = -ENOMEM;
        st.out = NULL;
        if (!rc)
                rc = aggreport_finish(&st.ar);
        if (rc)
                goto out_free;
        if (st.w) {
                json_end(st.w, rs, empty, &st.ar);
                rc = kernels(out, st.w, rs);
                jsonw_obj_end(st.w);
                rc = jsonw_finish(st.w);
                if (rc == 0 && fputc('\n', out) == EOF)
                        rc = -EIO;
        } else if (so->fmt == SESSREPORT_TABLE) {
                rc = aggreport_table(out, &st.ar);
                if (!rc)
                        rc = kernels(out, NULL, rs);
                if (!rc && so->per_run) {
                        fputc('\n', out);
                        rc = copy_out(out, tables, tables_len);
                }
        }
        if (rc == 0 && ferror(out))
                rc = -EIO;
        if (rc == 0 && so->keep) {
                *so->keep = st.ar;
                memset(&st.ar, 0, sizeof(st.ar));
        }
out_free:
        if (st.out)
                fclose(st.out);
        free(tables);
        free(st.w);
        free(empty);
        aggreport_free(&st.ar);
        return rc;
}
