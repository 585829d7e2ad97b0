/* diagreport: see diagreport.h. */
#include "reports/diagreport.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bootlens_config.h"
#include "reports/jsonw.h"
#include "reports/md.h"

int diagreport_format_parse(const char *s, enum diagreport_format *f)
{
        if (!strcmp(s, "table"))
                *f = DIAGREPORT_TABLE;
        else if (!strcmp(s, "json"))
                *f = DIAGREPORT_JSON;
        else if (!strcmp(s, "md"))
                *f = DIAGREPORT_MD;
        else
                return -EINVAL;
        return 0;
}

static const char *os_name(enum ev_os os)
{
        return os == EV_OS_LINUX     ? "linux"
               : os == EV_OS_FREEBSD ? "freebsd"
               : os == EV_OS_NETBSD  ? "netbsd"
                                     : "unknown";
}

static const char *whole_name(const struct diag_result *r)
{
        return r->has_total ? "the total" : "guest time";
}

/* "12.345 ms" or "-" */
static const char *ms(double ns, char *buf, size_t size)
{
        if (!isfinite(ns))
                return "-";
        snprintf(buf, size, "%.3f", ns / 1e6);
        return buf;
}

static const char *pct(double f, char *buf, size_t size)
{
        if (!isfinite(f))
                return "-";
        snprintf(buf, size, "%.1f%%", f * 100);
        return buf;
}

/* The evidence in one line: "fn:A, fn:B (+2 more): 12.3 ms median, 4.5% of
 * the total, 20.0% of initcalls". */
static int evidence_line(struct sbuf *sb, const struct diag_result *r, const struct diag_finding *f)
{
        char a[32], b[32], c[32];
        int err = 0;

        if (f->nmatched_shown) {
                for (size_t k = 0; k < f->nmatched_shown && !err; k++)
                        err = sbuf_addf(sb, "%s%s", k ? ", " : "", f->matched[k]);
                if (!err && f->nmatched > f->nmatched_shown)
                        err = sbuf_addf(sb, " (+%zu more)", f->nmatched - f->nmatched_shown);
        } else {
                err = sbuf_adds(sb, f->what ? f->what : "-");
        }
        if (!err && isfinite(f->median_ns))
                err = sbuf_addf(sb, ": %s ms %s, %s of %s", ms(f->median_ns, a, sizeof(a)),
                                f->what && !strcmp(f->what, "log") ? "in the run of the log"
                                                                   : "median",
                                pct(f->share, b, sizeof(b)), whole_name(r));
        if (!err && f->phase && isfinite(f->phase_share) && f->phase_share < 1.0)
                err = sbuf_addf(sb, ", %s of %s", pct(f->phase_share, c, sizeof(c)), f->phase);
        else if (!err && f->phase && !f->nmatched_shown && strncmp(f->what, "phase:", 6))
                err = sbuf_addf(sb, " (in %s)", f->phase);
        return err;
}

static int verify_text(struct sbuf *sb, const struct diagreport_verify *v)
{
        char a[32], b[32], c[32];

        if (!v || !v->done)
                return sbuf_adds(sb, "not verified");
        if (v->broken)
                return sbuf_addf(sb, "%s: broken (%zu of %zu runs ok): no saving", v->variant,
                                 v->ok, v->recorded);
        if (!v->compared)
                return sbuf_addf(sb,
                                 "%s: not compared (%zu of %zu runs ok, %zu and %zu of the "
                                 "baseline's starved and left out)",
                                 v->variant, v->ok, v->recorded, v->left_out, v->base_left_out);
        if (sbuf_addf(sb, "%s ms measured (95%% CI %s..%s), %s, %zu runs against %zu (%s)%s",
                      ms(v->saving_ns, a, sizeof(a)), ms(v->lo_ns, b, sizeof(b)),
                      ms(v->hi_ns, c, sizeof(c)), v->verdict ? v->verdict : "-",
                      v->ok - v->left_out, v->base_ok - v->base_left_out, v->variant,
                      v->starved + v->base_starved ? ", starved runs among them" : "") < 0)
                return -ENOMEM;
        if (!v->has_evidence)
                return 0;
        return sbuf_addf(sb, "; its evidence %s: %s ms (%s..%s), %s", v->evidence,
                         ms(v->ev_saving_ns, a, sizeof(a)), ms(v->ev_lo_ns, b, sizeof(b)),
                         ms(v->ev_hi_ns, c, sizeof(c)), v->ev_verdict ? v->ev_verdict : "-");
}

static int write_table(FILE *out, const struct diagreport_input *in, size_t nin,
                       const struct diagreport_options *o)
{
        struct sbuf sb;
        char a[32];
        int err = 0;

        sbuf_init(&sb);
        for (size_t i = 0; i < nin && !err; i++) {
                const struct diag_result *r = in[i].res;
                if (i)
                        fputc('\n', out);
                fprintf(out, "diagnose %s (%s, %zu run%s; shares of %s", r->name, os_name(r->os),
                        r->nruns, r->nruns == 1 ? "" : "s", whole_name(r));
                if (isfinite(r->whole_ns))
                        fprintf(out, ", %s ms median", ms(r->whole_ns, a, sizeof(a)));
                fprintf(out, "): %zu finding%s\n", r->n, r->n == 1 ? "" : "s");
                if (r->kernel_note)
                        fprintf(out,
                                "  note: kernel not inspected (%s): rule bzimage-pvh not "
                                "checked\n",
                                r->kernel_note);
                for (size_t k = 0; k < r->n && !err; k++) {
                        const struct diag_finding *f = &r->v[k];
                        fprintf(out, "\n%zu. [%s] %s: %s\n", k + 1, diag_severity_name(f->severity),
                                f->rule->id, f->rule->title);
                        sbuf_reset(&sb);
                        err = evidence_line(&sb, r, f);
                        if (err)
                                break;
                        fprintf(out, "   evidence  %s\n", sb.buf);
                        if (f->log_line)
                                fprintf(out, "   log       %s:%u: %s%s\n",
                                        r->log_source ? r->log_source : r->name, f->log_lineno,
                                        f->log_line,
                                        f->log_count > 1 ? " (and more lines like it)" : "");
                        if (f->note)
                                fprintf(out, "   note      %s\n", f->note);
                        fprintf(out, "   cause     %s\n", f->rule->cause);
                        fprintf(out, "   fix       %s\n", f->rule->fix);
                        if (isfinite(f->saving_ns))
                                fprintf(out, "   saving    %s ms expected (%s)\n",
                                        ms(f->saving_ns, a, sizeof(a)), f->rule->saving);
                        else
                                fprintf(out, "   saving    not estimated (%s)\n", f->rule->saving);
                        if (f->knob)
                                fprintf(out, "   knob      %s\n", f->knob);
                        if (o->verify_session && f->knob && in[i].verify && in[i].verify[k].done) {
                                sbuf_reset(&sb);
                                err = verify_text(&sb, in[i].verify ? &in[i].verify[k] : NULL);
                                if (!err)
                                        fprintf(out, "   verified  %s\n", sb.buf);
                        }
                }
        }
        if (!err && o->verify_session)
                fprintf(out,
                        "\nverified in %s (bootlens sweep's table: bootlens analyze, compare, "
                        "report take it)\n",
                        o->verify_session);
        sbuf_release(&sb);
        return err;
}

static void json_verify(struct jsonw *w, const struct diagreport_verify *v)
{
        jsonw_key(w, "verify");
        if (!v || !v->done) {
                jsonw_null(w);
                return;
        }
        jsonw_obj_begin(w);
        jsonw_kstr(w, "variant", v->variant);
        jsonw_kbool(w, "broken", v->broken);
        jsonw_kuint(w, "ok_runs", v->ok);
        jsonw_kuint(w, "recorded_runs", v->recorded);
        jsonw_kuint(w, "starved_runs", v->starved);
        jsonw_kuint(w, "baseline_starved_runs", v->base_starved);
        jsonw_kuint(w, "left_out_runs", v->left_out);
        jsonw_kuint(w, "baseline_left_out_runs", v->base_left_out);
        jsonw_kbool(w, "compared", v->compared);
        jsonw_kreal(w, "saving_ns", v->compared ? v->saving_ns : NAN);
        jsonw_kreal(w, "saving_lo_ns", v->compared ? v->lo_ns : NAN);
        jsonw_kreal(w, "saving_hi_ns", v->compared ? v->hi_ns : NAN);
        jsonw_kstr(w, "verdict", v->compared ? v->verdict : NULL);
        jsonw_key(w, "evidence");
        if (v->has_evidence) {
                jsonw_obj_begin(w);
                jsonw_kstr(w, "metric", v->evidence);
                jsonw_kreal(w, "saving_ns", v->ev_saving_ns);
                jsonw_kreal(w, "saving_lo_ns", v->ev_lo_ns);
                jsonw_kreal(w, "saving_hi_ns", v->ev_hi_ns);
                jsonw_kstr(w, "verdict", v->ev_verdict);
                jsonw_obj_end(w);
        } else {
                jsonw_null(w);
        }
        jsonw_obj_end(w);
}

static void json_finding(struct jsonw *w, const struct diag_result *r, const struct diag_finding *f,
                         const struct diagreport_verify *v, bool verify)
{
        jsonw_obj_begin(w);
        jsonw_kstr(w, "rule", f->rule->id);
        jsonw_kstr(w, "title", f->rule->title);
        jsonw_kstr(w, "family", diag_family_name(f->rule->family));
        jsonw_kstr(w, "severity", diag_severity_name(f->severity));
        jsonw_kreal(w, "score", f->score);
        jsonw_key(w, "evidence");
        jsonw_obj_begin(w);
        jsonw_kstr(w, "what", f->what);
        jsonw_kstr(w, "phase", f->phase);
        jsonw_kreal(w, "median_ns", f->median_ns);
        jsonw_kreal(w, "share", f->share);
        jsonw_kreal(w, "phase_share", f->phase_share);
        jsonw_key(w, "functions");
        jsonw_arr_begin(w);
        for (size_t k = 0; k < f->nmatched_shown; k++)
                jsonw_str(w, f->matched[k]);
        jsonw_arr_end(w);
        jsonw_kuint(w, "functions_matched", f->nmatched);
        jsonw_key(w, "log");
        if (f->log_line) {
                jsonw_obj_begin(w);
                jsonw_kstr(w, "file", r->log_source ? r->log_source : r->name);
                jsonw_kuint(w, "line", f->log_lineno);
                jsonw_kstr(w, "text", f->log_line);
                jsonw_kuint(w, "lines_matched", f->log_count);
                jsonw_obj_end(w);
        } else {
                jsonw_null(w);
        }
        jsonw_obj_end(w);
        jsonw_kstr(w, "note", f->note);
        jsonw_kstr(w, "cause", f->rule->cause);
        jsonw_kstr(w, "fix", f->rule->fix);
        jsonw_kreal(w, "expected_saving_ns", f->saving_ns);
        jsonw_kstr(w, "saving_estimate", f->rule->saving);
        jsonw_kstr(w, "knob", f->knob);
        jsonw_kstr(w, "source", f->rule->source);
        if (verify)
                json_verify(w, v);
        jsonw_obj_end(w);
}

static int write_json(FILE *out, const struct diagreport_input *in, size_t nin,
                      const struct diagreport_options *o)
{
        struct jsonw w;

        jsonw_init(&w, out);
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "schema_version", DIAGREPORT_SCHEMA_VERSION);
        jsonw_kstr(&w, "kind", DIAGREPORT_KIND);
        jsonw_kstr(&w, "tool", "bootlens " BOOTLENS_VERSION);
        jsonw_kbool(&w, "strict", o->strict);
        jsonw_kreal(&w, "threshold_ms", o->threshold_ms);
        jsonw_kstr(&w, "verify_session", o->verify_session);
        jsonw_key(&w, "inputs");
        jsonw_arr_begin(&w);
        for (size_t i = 0; i < nin; i++) {
                const struct diag_result *r = in[i].res;
                jsonw_obj_begin(&w);
                jsonw_kstr(&w, "input", r->name);
                jsonw_kstr(&w, "os", os_name(r->os));
                jsonw_kuint(&w, "runs", r->nruns);
                jsonw_kstr(&w, "whole", r->has_total ? "total" : "guest_time");
                jsonw_kreal(&w, "whole_ns", r->whole_ns);
                jsonw_kstr(&w, "log_source", r->log_source);
                jsonw_kstr(&w, "kernel_note", r->kernel_note);
                jsonw_key(&w, "findings");
                jsonw_arr_begin(&w);
                for (size_t k = 0; k < r->n; k++)
                        json_finding(&w, r, &r->v[k], in[i].verify ? &in[i].verify[k] : NULL,
                                     o->verify_session != NULL);
                jsonw_arr_end(&w);
                jsonw_obj_end(&w);
        }
        jsonw_arr_end(&w);
        jsonw_obj_end(&w);
        if (jsonw_finish(&w) == 0)
                fputc('\n', out);
        return jsonw_finish(&w);
}

static int write_md(FILE *out, const struct diagreport_input *in, size_t nin,
                    const struct diagreport_options *o)
{
        static const char *const heads[] = {"#",   "severity",      "rule", "evidence", "log",
                                            "fix", "expected (ms)", "knob", "measured"};
        static const bool right[] = {true, false, false, false, false, false, true, false, false};
        size_t ncols = o->verify_session ? 9 : 8;
        struct sbuf ev, log, ver;
        int err = 0;

        sbuf_init(&ev);
        sbuf_init(&log);
        sbuf_init(&ver);
        for (size_t i = 0; i < nin && !err; i++) {
                const struct diag_result *r = in[i].res;
                struct md_table *t = md_table_new(ncols, heads, right);
                struct sbuf title;
                char a[32], num[24];

                if (!t) {
                        err = -ENOMEM;
                        break;
                }
                sbuf_init(&title);
                err = md_escape(&title, r->name);
                if (!err)
                        fprintf(out, "%s### diagnose %s (%s, %zu runs; shares of %s%s%s ms)\n\n",
                                i ? "\n" : "", title.buf, os_name(r->os), r->nruns, whole_name(r),
                                isfinite(r->whole_ns) ? ", " : "",
                                isfinite(r->whole_ns) ? ms(r->whole_ns, a, sizeof(a)) : "");
                sbuf_release(&title);
                for (size_t k = 0; k < r->n && !err; k++) {
                        const struct diag_finding *f = &r->v[k];
                        char sv[32];
                        const char *cells[9];
                        sbuf_reset(&ev);
                        sbuf_reset(&log);
                        sbuf_reset(&ver);
                        snprintf(num, sizeof(num), "%zu", k + 1);
                        err = evidence_line(&ev, r, f);
                        if (!err && f->log_line)
                                err = sbuf_addf(&log, "line %u: %s", f->log_lineno, f->log_line);
                        if (!err)
                                err = verify_text(&ver, in[i].verify ? &in[i].verify[k] : NULL);
                        if (err)
                                break;
                        cells[0] = num;
                        cells[1] = diag_severity_name(f->severity);
                        cells[2] = f->rule->id;
                        cells[3] = ev.buf;
                        cells[4] = log.buf;
                        cells[5] = f->rule->fix;
                        cells[6] = ms(f->saving_ns, sv, sizeof(sv));
                        cells[7] = f->knob ? f->knob : "";
                        cells[8] = f->knob && in[i].verify && in[i].verify[k].done ? ver.buf : "";
                        err = md_table_add(t, cells);
                }
                if (!err && r->n)
                        err = md_table_write(out, t);
                else if (!err)
                        fputs("No finding.\n", out);
                md_table_free(t);
        }
        sbuf_release(&ev);
        sbuf_release(&log);
        sbuf_release(&ver);
        return err;
}

int diagreport_write(FILE *out, const struct diagreport_input *in, size_t nin,
                     const struct diagreport_options *o)
{
        int err;

        switch (o->fmt) {
        case DIAGREPORT_JSON:
                return write_json(out, in, nin, o);
        case DIAGREPORT_MD:
                err = write_md(out, in, nin, o);
                break;
        default:
                err = write_table(out, in, nin, o);
                break;
        }
        if (!err && (fflush(out) != 0 || ferror(out)))
                err = -EIO;
        return err;
}
