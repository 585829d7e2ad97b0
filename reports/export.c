/* export: see export.h. */
#include "reports/export.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "reports/chrome.h"
#include "reports/md.h"
#include "reports/sessreport.h"

struct export
{
        FILE *out;
        enum export_format fmt;
        enum report_unit unit;
        size_t top;
        size_t nruns;
        struct chrome *chrome;
};

struct export *export_new(FILE *out, enum export_format fmt, enum report_unit unit, size_t top)
{
        struct export *ex = calloc(1, sizeof(*ex));

        if (!ex)
                return NULL;
        *ex = (struct export){.out = out, .fmt = fmt, .unit = unit, .top = top};
        if (fmt == EXPORT_CHROME) {
                ex->chrome = chrome_new(out);
                if (!ex->chrome) {
                        free(ex);
                        return NULL;
                }
        }
        return ex;
}

void export_free(struct export *ex)
{
        if (!ex)
                return;
        chrome_free(ex->chrome);
        free(ex);
}

int export_add_run(struct export *ex, const struct run *r, const struct csv_run_source *src)
{
        char label[512];
        int rc = 0;

        if (src->run)
                snprintf(label, sizeof(label), "run %u (%s)", src->run,
                         src->variant ? src->variant : "");
        else
                snprintf(label, sizeof(label), "%s", src->source);
        switch (ex->fmt) {
        case EXPORT_CSV:
                if (!ex->nruns)
                        rc = csv_write_header(ex->out);
                if (!rc)
                        rc = csv_write_run(ex->out, r, src, ex->unit, ex->top);
                break;
        case EXPORT_MD:
                if (ex->nruns)
                        fputc('\n', ex->out);
                rc = md_write_run(ex->out, r, label, ex->unit, ex->top);
                break;
        case EXPORT_CHROME:
                rc = chrome_add_run(ex->chrome, r, label);
                break;
        }
        if (!rc)
                ex->nruns++;
        return rc;
}

int export_add_aggregate(struct export *ex, const struct aggreport *ar)
{
        int rc = 0;

        switch (ex->fmt) {
        case EXPORT_CSV:
                if (!ex->nruns)
                        rc = csv_write_header(ex->out);
                if (!rc)
                        rc = csv_write_aggregate(ex->out, ar, ex->unit);
                break;
        case EXPORT_MD:
                if (ex->nruns)
                        fputc('\n', ex->out);
                rc = md_write_aggregate(ex->out, ar, ex->unit);
                break;
        case EXPORT_CHROME:
                return 0;
        }
        if (!rc)
                ex->nruns++;
        return rc;
}

/* sessreport's each_run: a session run's rows. */
static int session_run(void *ctx, const struct runset_run *e, const struct run *r)
{
        struct csv_run_source src = {r->trace.source, e->run, e->variant};

        return export_add_run(ctx, r, &src);
}

int export_add_session(struct export *ex, struct runset *rs, const struct run_options *ro,
                       const struct export_session_options *eo, unsigned *failed, char **msg)
{
        int rc = 0;

        *failed = 0;
        if (ex->fmt != EXPORT_CHROME) {
                struct aggreport ar = {0};
                struct sessreport_options so = {.fmt = SESSREPORT_NONE,
                                                .exclude_starved = eo->exclude_starved,
                                                .seed = eo->seed,
                                                .top = ex->top,
                                                .each_run = eo->per_run ? session_run : NULL,
                                                .ctx = ex,
                                                .keep = &ar};
                struct sessreport_result res;

                rc = sessreport_write(ex->out, rs, &so, ro, NULL, NULL, &res);
                *failed = res.failed;
                *msg = res.msg;
                if (!rc && rs->nanalysed)
                        rc = export_add_aggregate(ex, &ar);
                aggreport_free(&ar);
                return rc;
        }
        for (size_t i = 0; i < rs->n && !rc; i++) {
                const struct runset_run *e = &rs->v[i];
                struct run r;

                if (!e->selected)
                        continue;
                rc = runset_analyse(rs, i, ro, &r, msg);
                if (rc == -ENODATA) {
                        rc = 0; /* nothing to export: the table says so */
                } else if (rc < 0) {
                        *failed = e->run;
                } else {
                        struct csv_run_source src = {r.trace.source, e->run, e->variant};
                        rc = export_add_run(ex, &r, &src);
                        if (rc == -EDOM && asprintf(msg, "run %u: %s", e->run, EXPORT_NO_FREQ) < 0)
                                rc = -ENOMEM;
                        else if (rc == -EDOM)
                                rc = -EINVAL;
                }
                run_free(&r);
        }
        return rc;
}

int export_finish(struct export *ex)
{
        int rc = 0;

        if (ex->fmt == EXPORT_CHROME) {
                rc = chrome_finish(ex->chrome);
                if (!rc && fputc('\n', ex->out) == EOF)
                        rc = -EIO;
        } else if (ex->fmt == EXPORT_CSV && !ex->nruns) {
                rc = csv_write_header(ex->out);
        }
        return rc ? rc : ferror(ex->out) ? -EIO : 0;
}
