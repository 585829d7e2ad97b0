/* sessreport: see sessreport.h. */
#include "reports/sessreport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bootlens_config.h"
#include "reports/json.h"
#include "reports/jsonw.h"
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
        jsonw_obj_begin(w);
        jsonw_key(w, "schema_version");
        jsonw_int(w, JSON_SCHEMA_VERSION);
        jsonw_key(w, "kind");
        jsonw_str(w, "bootlens-session-analysis");
        jsonw_key(w, "tool");
        jsonw_str(w, "bootlens " BOOTLENS_VERSION);
        jsonw_key(w, "session");
        jsonw_str(w, rs->dir);
        jsonw_key(w, "variant");
        jsonw_str(w, rs->variant);
        jsonw_key(w, "runs");
        jsonw_arr_begin(w);
}

static void json_run(struct jsonw *w, const struct runset_run *e, const struct run *r, size_t top)
{
        jsonw_obj_begin(w);
        jsonw_key(w, "run");
        jsonw_uint(w, e->run);
        jsonw_key(w, "variant");
        jsonw_str(w, e->variant);
        jsonw_key(w, "verdict");
        jsonw_str(w, e->verdict);
        jsonw_key(w, "attempts");
        jsonw_uint(w, e->attempts);
        json_run_members(w, r, top);
        jsonw_obj_end(w);
}

/* The runs not reported (not ok, unreadable, or holding nothing to
 * analyse: empty[i]) of the variant asked for, then the totals. */
static void json_end(struct jsonw *w, const struct runset *rs, const bool *empty)
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
                jsonw_key(w, "run");
                jsonw_uint(w, e->run);
                jsonw_key(w, "variant");
                jsonw_str(w, e->readable ? e->variant : NULL);
                jsonw_key(w, "verdict");
                jsonw_str(w, e->readable ? e->verdict : NULL);
                jsonw_key(w, "reason");
                jsonw_str(w, !e->readable ? "unreadable run JSON"
                             : empty[i]   ? "no tslog record and no kernel log line in its capture"
                                          : e->reason);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        jsonw_key(w, "ok_runs");
        jsonw_uint(w, rs->nanalysed);
        jsonw_key(w, "warning_count");
        jsonw_uint(w, rs->nwarnings);
        jsonw_obj_end(w);
}

/* One selected run into the report; *empty when its capture holds
 * nothing to analyse (a note, not an error). Returns 0 or -errno. */
static int one_run(FILE *out, struct runset *rs, size_t i, enum sessreport_format fmt,
                   const struct run_options *ro, const struct report_options *o, struct folded *fo,
                   struct jsonw *w, bool *empty, struct sessreport_result *res)
{
        const struct runset_run *e = &rs->v[i];
        struct run r;
        int rc = runset_analyse(rs, i, ro, &r, &res->msg);

        if (rc == -ENODATA) {
                *empty = true;
                if (fmt == SESSREPORT_TABLE)
                        fprintf(out,
                                "\nrun %u (%s): ok, but no tslog record and no kernel log line in "
                                "its capture, skipped\n",
                                e->run, e->variant);
                run_free(&r);
                return 0;
        }
        if (rc < 0) {
                res->failed = e->run;
                run_free(&r);
                return rc;
        }
        switch (fmt) {
        case SESSREPORT_TABLE:
                fprintf(out, "\nrun %u (%s): ok%s\n", e->run, e->variant,
                        e->attempts > 1 ? ", after a retry" : "");
                rc = table_write(out, &r, o);
                break;
        case SESSREPORT_JSON:
                json_run(w, e, &r, o->top);
                rc = w->err;
                break;
        case SESSREPORT_FOLDED:
                rc = folded_add(fo, &r.analysis);
                break;
        }
        run_free(&r);
        return rc;
}

int sessreport_write(FILE *out, struct runset *rs, enum sessreport_format fmt,
                     const struct run_options *ro, const struct report_options *o,
                     struct folded *fo, struct sessreport_result *res)
{
        struct jsonw *w = NULL;
        bool *empty = calloc(rs->n ? rs->n : 1, sizeof(*empty));
        int rc = 0;

        memset(res, 0, sizeof(*res));
        if (!empty)
                return -ENOMEM;
        if (fmt == SESSREPORT_JSON) {
                w = malloc(sizeof(*w));
                if (!w) {
                        free(empty);
                        return -ENOMEM;
                }
                jsonw_init(w, out);
                json_begin(w, rs);
        } else if (fmt == SESSREPORT_TABLE) {
                table_begin(out, rs);
        }
        for (size_t i = 0; i < rs->n && rc == 0; i++) {
                if (rs->v[i].selected)
                        rc = one_run(out, rs, i, fmt, ro, o, fo, w, &empty[i], res);
                else if (fmt == SESSREPORT_TABLE)
                        table_skipped(out, rs, &rs->v[i]);
        }
        if (w) {
                if (rc == 0) {
                        json_end(w, rs, empty);
                        rc = jsonw_finish(w);
                        if (rc == 0 && fputc('\n', out) == EOF)
                                rc = -EIO;
                }
                free(w);
        }
        free(empty);
        if (rc == 0 && ferror(out))
                rc = -EIO;
        return rc;
}
