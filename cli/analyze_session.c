/* analyze_session: see analyze_session.h. */
#include "cli/analyze_session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "analyzer/lxrun.h"
#include "cli/commands.h"
#include "collector/session.h"
#include "reports/json.h"
#include "reports/lxreport.h"

bool analyze_is_session(const char *ref)
{
        char *dir = NULL, *variant = NULL, *path = NULL;
        struct stat st;
        bool yes = false;

        if (session_split_ref(ref, &dir, &variant) < 0)
                return false;
        if (asprintf(&path, "%s/session.json", dir) >= 0) {
                yes = stat(path, &st) == 0 && S_ISREG(st.st_mode);
                free(path);
        }
        free(dir);
        free(variant);
        return yes;
}

/* Analyse one ok run; print its table or append its JSON to runs. */
static int one_run(const struct session *s, const struct session_run *info,
                   struct analyze_session_opts *o, json_t *runs)
{
        unsigned run = info->run;
        struct lxrun r;
        char *err = NULL;
        int rc = lxrun_from_session(&r, s, info, o->map, o->map_len, &err);

        if (rc < 0) {
                if (rc == -EINVAL && err)
                        bl_error("%s", err);
                else
                        bl_error("run %u: cannot analyse: %s", run, strerror(-rc));
                free(err);
                lxrun_free(&r);
                return BL_EXIT_USAGE;
        }
        if (!r.meta.lines_printk && !r.meta.ftrace_calls) {
                if (o->other && !o->json) {
                        printf("\nrun %u (%s): ok, not a Linux log\n", run, info->variant);
                        fflush(stdout);
                        rc = o->other(r.trace.source, o->ctx);
                        if (rc == BL_EXIT_OK)
                                o->nok++;
                } else {
                        bl_warning("run %u: no Linux kernel log in its console capture (not a "
                                   "Linux guest? analyse runs/%04u.console directly)",
                                   run, run);
                        rc = BL_EXIT_OK;
                }
                lxrun_free(&r);
                return rc;
        }
        o->nwarnings += r.trace.nwarns;
        o->nok++;
        if (o->json) {
                json_t *j = lxreport_json(&r.analysis, &r.meta, &r.stitch, o->top);

                if (!j ||
                    json_object_set_new(j, "marks",
                                        lxreport_marks_json(&r.marks, &r.meta, &r.stitch)) ||
                    json_object_set_new(j, "run", json_integer(run)) ||
                    json_object_set_new(j, "variant", json_string(info->variant)) ||
                    json_object_set_new(j, "verdict",
                                        json_string(session_verdict_name(info->verdict))) ||
                    json_object_set_new(j, "attempts", json_integer((json_int_t)info->nattempts)) ||
                    json_array_append_new(runs, j)) {
                        lxrun_free(&r);
                        bl_error("analyze: out of memory");
                        return BL_EXIT_USAGE;
                }
        } else {
                printf("\nrun %u (%s): ok%s\n", run, info->variant,
                       info->nattempts > 1 ? ", after a retry" : "");
                rc = lxreport_table(stdout, &r.analysis, &r.meta, &r.stitch, o->top);
                if (rc == 0)
                        rc = lxreport_marks_table(stdout, &r.marks, &r.meta, &r.stitch);
                for (size_t k = 0; k < r.trace.nwarns && k < 10; k++) {
                        const struct ev_warning *w = &r.trace.warns[k];

                        if (w->line)
                                printf("  warning: line %u: %s\n", w->line, w->msg);
                        else
                                printf("  warning: %s\n", w->msg);
                }
                if (r.trace.nwarns > 10)
                        printf("  ... and %zu more warnings (--format json lists them)\n",
                               r.trace.nwarns - 10);
        }
        lxrun_free(&r);
        return rc < 0 ? BL_EXIT_USAGE : BL_EXIT_OK;
}

int analyze_session(const char *ref, struct analyze_session_opts *o)
{
        struct session *s = NULL;
        char *dir = NULL, *variant = NULL, msg[256] = "";
        unsigned *runs = NULL;
        json_t *doc = NULL, *jruns = NULL;
        int rc = BL_EXIT_USAGE, n, err;

        if (session_split_ref(ref, &dir, &variant) < 0)
                goto out_nomem;
        err = session_open(dir, &s, msg, sizeof(msg));
        if (err < 0) {
                bl_error("cannot open session '%s': %s", dir,
                         err == -EINVAL ? msg : strerror(-err));
                goto out;
        }
        if (variant && session_variant_index(s, variant) < 0) {
                bl_error("session '%s' has no variant '%s'", dir, variant);
                goto out;
        }
        n = session_list_runs(s, &runs);
        if (n < 0) {
                bl_error("cannot list the runs of '%s': %s", dir, strerror(-n));
                goto out;
        }
        if (o->json) {
                doc = json_object();
                jruns = json_array();
                if (!doc || !jruns ||
                    json_object_set_new(doc, "schema_version", json_integer(JSON_SCHEMA_VERSION)) ||
                    json_object_set_new(doc, "kind", json_string("bootlens-session-analysis")) ||
                    json_object_set_new(doc, "session", json_string(dir)) ||
                    json_object_set_new(doc, "variant",
                                        variant ? json_string(variant) : json_null()))
                        goto out_nomem;
        } else {
                printf("session %s: %d run%s recorded%s%s\n", dir, n, n == 1 ? "" : "s",
                       variant ? ", variant " : "", variant ? variant : "");
        }
        rc = BL_EXIT_OK;
        for (int k = 0; k < n && rc == BL_EXIT_OK; k++) {
                struct session_run info;

                if (session_run_read(s, runs[k], &info, NULL, 0) < 0) {
                        bl_warning("run %u: unreadable run JSON, skipped", runs[k]);
                        continue;
                }
                if (variant && strcmp(info.variant, variant) != 0) {
                        session_run_free(&info);
                        continue;
                }
                if (info.verdict != SESSION_OK) {
                        if (!o->json)
                                printf("\nrun %u (%s): %s%s%s, skipped\n", runs[k], info.variant,
                                       session_verdict_name(info.verdict), *info.reason ? ": " : "",
                                       info.reason);
                        session_run_free(&info);
                        continue;
                }
                rc = one_run(s, &info, o, jruns);
                session_run_free(&info);
        }
        if (rc == BL_EXIT_OK && o->json) {
                if (json_object_set(doc, "runs", jruns) ||
                    json_dumpf(doc, stdout, JSON_INDENT(2)) < 0)
                        goto out_nomem;
                putchar('\n');
        }
        if (rc == BL_EXIT_OK && !o->nok) {
                bl_error("no ok run in '%s'%s%s", dir, variant ? " for variant " : "",
                         variant ? variant : "");
                rc = BL_EXIT_FAIL;
        }
        goto out;
out_nomem:
        bl_error("analyze: out of memory");
        rc = BL_EXIT_USAGE;
out:
        json_decref(jruns);
        json_decref(doc);
        free(runs);
        session_free(s);
        free(dir);
        free(variant);
        return rc;
}
