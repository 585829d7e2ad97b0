/* analyze_session: see analyze_session.h. */
#include "cli/analyze_session.h"
#include "cli/io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/runset.h"
#include "cli/commands.h"
#include "reports/sessreport.h"

int analyze_session(const char *ref, struct analyze_session_opts *o)
{
        struct report_options brief = {
            .unit = REPORT_MS, .top = o->top, .max_warnings = 10, .brief = true};
        struct run_options defaults = {0};
        enum sessreport_format fmt = o->folded ? SESSREPORT_FOLDED
                                     : o->json ? SESSREPORT_JSON
                                               : SESSREPORT_TABLE;
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
        if (o->export)
                err = export_add_session(o->export, &rs, o->run ? o->run : &defaults, &res.failed,
                                         &res.msg);
        else
                err = sessreport_write(stdout, &rs, fmt, o->run ? o->run : &defaults,
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
