/* analyze_session: see analyze_session.h. */
#include "cli/analyze_session.h"
#include "cli/io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/runset.h"
#include "cli/commands.h"
#include "cli/textout.h"
#include "reports/sessreport.h"

/* The report on stdout; a table through textout_write(), since a session's
 * variant names, verdict reasons and directory may come from anyone. */
static int write_report(struct runset *rs, const struct sessreport_options *so,
                        const struct run_options *ro, const struct report_options *ro2,
                        struct folded *fo, struct sessreport_result *res)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *mem;
        int err;

        if (so->fmt != SESSREPORT_TABLE)
                return sessreport_write(stdout, rs, so, ro, ro2, fo, res);
        mem = open_memstream(&buf, &len);
        if (!mem)
                return -ENOMEM;
        err = sessreport_write(mem, rs, so, ro, ro2, fo, res);
        if (fclose(mem) != 0 && !err)
                err = -ENOMEM;
        if (!err) {
                textout_write(stdout, buf, len, TEXTOUT_LINES);
                if (ferror(stdout))
                        err = -EIO;
        }
        free(buf);
        return err;
}

int analyze_session(const char *ref, struct analyze_session_opts *o)
{
        struct report_options brief = {
            .unit = REPORT_MS, .top = o->top, .max_warnings = 10, .brief = true};
        struct run_options defaults = {0};
        struct sessreport_options so = {.fmt = o->folded ? SESSREPORT_FOLDED
                                               : o->json ? SESSREPORT_JSON
                                                         : SESSREPORT_TABLE,
                                        .per_run = o->per_run,
                                        .exclude_starved = o->exclude_starved,
                                        .seed = o->seed,
                                        .top = o->report ? o->report->top : o->top};
        struct sessreport_result res = {0};
        struct runset rs;
        char msg[256];
        int rc = BL_EXIT_USAGE, err;

        err = runset_open(ref, &rs, msg, sizeof(msg));
        if (err == -ESRCH) {
                bl_error("session '%s' has no variant '%s'", rs.dir, rs.variant);
                goto out;
        }
        if (err == -ENOENT || err == -EINVAL) {
                bl_error("cannot open session '%s': %s", rs.dir ? rs.dir : ref,
                         err == -EINVAL && *msg ? msg : strerror(-err));
                goto out;
        }
        if (err < 0) {
                bl_error("cannot read the runs of '%s': %s", rs.dir ? rs.dir : ref, strerror(-err));
                goto out;
        }
        for (size_t i = 0; i < rs.n; i++)
                if (rs.v[i].selected && rs.v[i].starved)
                        o->nstarved++;
        if (o->hyperfine)
                err = hyperfine_add_session(o->hyperfine, &rs, o->run ? o->run : &defaults,
                                            o->exclude_starved, o->hyperfine_qualify, &res.failed,
                                            &res.msg);
        else if (o->export)
                err = export_add_session(
                    o->export, &rs, o->run ? o->run : &defaults,
                    &(struct export_session_options){.per_run = o->per_run,
                                                     .exclude_starved = o->exclude_starved,
                                                     .seed = o->seed},
                    &res.failed, &res.msg);
        else
                err = write_report(&rs, &so, o->run ? o->run : &defaults,
                                   o->report ? o->report : &brief, o->folded, &res);
        o->nwarnings = rs.nwarnings;
        o->nok = rs.nanalysed;
        if (err == -EINVAL && res.msg) {
                bl_error("%s", res.msg);
                goto out;
        }
        if (err < 0 && res.failed && rs.unreadable) {
                cli_input_error(rs.unreadable, err, rs.unreadable_opened);
                goto out;
        }
        if (err < 0 && res.failed) {
                bl_error("run %u: cannot analyse: %s", res.failed, strerror(-err));
                goto out;
        }
        if (err < 0) {
                bl_error("cannot write the report to standard output: %s", strerror(-err));
                o->output_failed = true;
                cli_output_error_said(stdout);
                goto out;
        }
        if (!rs.nanalysed) {
                bl_error("no ok run in '%s'%s%s", rs.dir, rs.variant ? " for variant " : "",
                         rs.variant ? rs.variant : "");
                rc = BL_EXIT_FAIL;
                goto out;
        }
        rc = BL_EXIT_OK;
out:
        free(res.msg);
        runset_free(&rs);
        return rc;
}
