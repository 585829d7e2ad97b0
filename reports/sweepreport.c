/*
 * The result table of "bootlens sweep" (reports/sweepreport.h).
 */
#include "reports/sweepreport.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "reports/csv.h"
#include "reports/jsonw.h"
#include "reports/kline.h"
#include "reports/md.h"

#define COL_RED   "\033[31m"
#define COL_GREEN "\033[32m"
#define COL_OFF   "\033[0m"

static void put_text(FILE *out, const struct sweepreport_options *o, const char *s)
{
        if (o && o->put_text)
                o->put_text(out, s);
        else
                fputs(s, out);
}

/* ns as ms with d decimals, signed when asked; "-" for NaN. */
static const char *ms(char *buf, size_t size, double ns, int d, bool sign)
{
        if (isnan(ns))
                snprintf(buf, size, "-");
        else
                snprintf(buf, size, sign ? "%+.*f" : "%.*f", d, ns / 1e6);
        return buf;
}

/* What became of the step, in one word or phrase: "baseline", "broken",
 * "not compared" or compare's verdict. */
static const char *status(const struct savings_step *st, bool base)
{
        if (base)
                return st->broken ? "broken" : "baseline";
        if (st->broken)
                return "broken";
        if (!st->compared)
                return "not compared";
        return stats_verdict_name(st->verdict);
}

/* "8 crash, 2 timeout": the failed runs by verdict. */
static void failures(char *buf, size_t size, const struct savings_step *st)
{
        size_t k = 0;

        buf[0] = '\0';
        if (st->crash)
                k += (size_t)snprintf(buf + k, size - k, "%zu crash", st->crash);
        if (st->timeout && k < size)
                k += (size_t)snprintf(buf + k, size - k, "%s%zu timeout", k ? ", " : "",
                                      st->timeout);
        if (st->bad_dump && k < size)
                k += (size_t)snprintf(buf + k, size - k, "%s%zu bad-dump", k ? ", " : "",
                                      st->bad_dump);
        if (!buf[0])
                snprintf(buf, size, "no run recorded");
}

static const struct stats_options *stats_of(const struct savings *s)
{
        for (size_t i = 0; i < s->nsteps; i++)
                if (s->steps[i].compared)
                        return &s->steps[i].cmp.stats;
        return s->has_overall && s->overall.compared ? &s->overall.cmp.stats : NULL;
}

/* ---- table ---- */

/* The name column is as wide as the longest step name (at least 4); the
 * rest is fixed: ok/n, median, saving, its CI, rel, verdict. */
#define ROW_FMT " %5s %7s %7s %-14s %6s %-12s "
/* The kernel column's width, when there is one ("+4.1 MiB", "50.8 MiB"). */
#define KERNEL_WIDTH 9

static int name_width(const struct savings *s)
{
        size_t w = 7; /* "overall" */

        for (size_t i = 0; i < s->nsteps; i++)
                if (strlen(s->steps[i].name) > w)
                        w = strlen(s->steps[i].name);
        return (int)w;
}

/* The kernel column (the steps boot different kernels): the baseline's
 * loaded size, each step's change of it against its reference. */
static void kernel_cell(FILE *out, const struct savings *s, const struct savings_step *st,
                        bool base, const struct sweepreport_options *o)
{
        struct sbuf sb = SBUF_INIT;
        int rc;

        if (base && st->kernel.known)
                rc = sbuf_addf(&sb, "%.1f MiB", (double)st->kernel.loaded_size / 1048576.0);
        else if (base)
                rc = sbuf_adds(&sb, "?");
        else
                rc = kline_delta(&sb, &s->steps[st->against].kernel, &st->kernel);
        if (rc == 0)
                put_text(out, o, sb.buf);
        fprintf(out, "%*s", rc == 0 && sb.len < KERNEL_WIDTH ? (int)(KERNEL_WIDTH - sb.len) : 0,
                "");
        fputc(' ', out);
        sbuf_release(&sb);
}

static void table_row(FILE *out, const struct savings *s, const struct savings_step *st, bool base,
                      const struct sweepreport_options *o)
{
        char okn[32], med[32], sav[32], lo[32], hi[32], ci[80], rel[32];
        const char *v = status(st, base), *col = NULL;

        snprintf(okn, sizeof(okn), "%zu/%zu", st->ok - st->left_out, st->recorded);
        ms(med, sizeof(med), st->median_ns, 1, false);
        if (st->compared) {
                ms(sav, sizeof(sav), st->saving_ns, 1, true);
                snprintf(ci, sizeof(ci), "%s..%s", ms(lo, sizeof(lo), st->saving_lo_ns, 1, true),
                         ms(hi, sizeof(hi), st->saving_hi_ns, 1, true));
                snprintf(rel, sizeof(rel), "%+.1f%%", st->rel * 100);
        } else {
                snprintf(sav, sizeof(sav), "-");
                ci[0] = rel[0] = '\0';
        }
        /* the name: the user's text (a knob name's characters), escaped */
        put_text(out, o, st->name);
        fprintf(out, "%*s", name_width(s) - (int)strlen(st->name), "");
        fprintf(out, " %5s %7s %7s %-14s %6s ", okn, med, sav, ci, rel);
        if (s->kernels_differ)
                kernel_cell(out, s, st, base, o);
        if (o && o->colour && st->compared && st->verdict == STATS_FASTER)
                col = COL_GREEN;
        else if (o && o->colour && (st->broken || (st->compared && st->verdict == STATS_SLOWER)))
                col = COL_RED;
        if (col)
                fputs(col, out);
        fputs(v, out);
        if (col)
                fputs(COL_OFF, out);
        if (!base || st->broken)
                fprintf(out, "%*s", (int)(13 - strlen(v)), "");
        if (st->broken) {
                char f[96];

                failures(f, sizeof(f), st);
                fprintf(out, "(%s)", f);
        } else if (st->against_broken) {
                fputs("(against broken ", out);
                put_text(out, o, s->steps[st->against].name);
                fputc(')', out);
        } else if (st->host_timed) {
                fputs(s->basis == SAVINGS_BY_CPU ? "(host-timed)" : "(host-timed: spawn to exit)",
                      out);
        } else if (st->compared) {
                put_text(out, o, st->phase.name ? st->phase.name : "-");
                if (st->nfns) {
                        fputs(": ", out);
                        put_text(out, o, st->fns[0].name);
                }
        } else if (!base && !st->compared) {
                fputs("(no run left to compare)", out);
        }
        fputc('\n', out);
}

int sweepreport_table(FILE *out, const struct savings *s, const struct sweepreport_options *o)
{
        const struct stats_options *so = stats_of(s);
        bool any_broken = false;

        fputs("bootlens sweep: ", out);
        put_text(out, o, s->session);
        fprintf(out, " (%s", sweep_mode_name(s->mode));
        if (s->preset) {
                fputs(", preset ", out);
                put_text(out, o, s->preset);
        }
        fprintf(out, "): %zu knob%s, each %s\n", s->nsteps - 1, s->nsteps == 2 ? "" : "s",
                s->mode == SWEEP_CUMULATIVE ? "step on top of the one before"
                                            : "knob alone against base");
        if (s->basis == SAVINGS_BY_CPU)
                fputs("by QEMU's CPU time (user + system), not the total; times in ms;\n"
                      "saving = the reference's median CPU time - the step's (> 0: faster),\n",
                      out);
        else if (s->basis == SAVINGS_BY_GUEST)
                fputs("by the guest's clock at the dump (uptime_ns), not the total; times in ms\n"
                      "(host-timed steps: the host's total); saving = the reference's median\n"
                      "guest time - the step's (> 0: faster),\n",
                      out);
        else
                fputs("times in ms; saving = the reference's median total - the step's (> 0: "
                      "faster),\n",
                      out);
        fputs("with its 95% bootstrap CI; verdict as compare's: ", out);
        if (so)
                fprintf(
                    out,
                    "Holm-adjusted Mann-Whitney p < %g and\n"
                    "|saving| > max(%.3f ms, %g%%) of the reference; %zu resamples, seed %llu\n",
                    so->alpha, so->min_abs / 1e6, so->min_rel * 100, so->B,
                    (unsigned long long)so->seed);
        else
                fputs("nothing was compared\n", out);
        fputc('\n', out);
        if (s->kernels_differ)
                fprintf(out, "%-*s %5s %7s %7s %-14s %6s %-*s %-12s %s\n", name_width(s), "step",
                        "ok/n", "median", "saving", "95% CI", "rel", KERNEL_WIDTH, "kernel",
                        "verdict", "phase: function moved most");
        else
                fprintf(out, "%-*s" ROW_FMT "%s\n", name_width(s), "step", "ok/n", "median",
                        "saving", "95% CI", "rel", "verdict", "phase: function moved most");
        for (size_t i = 0; i < s->nsteps; i++) {
                table_row(out, s, &s->steps[i], i == 0, o);
                any_broken |= s->steps[i].broken;
        }
        if (s->has_overall) {
                fputs("---\n", out);
                table_row(out, s, &s->overall, false, o);
        }
        if (any_broken)
                fputc('\n', out);
        for (size_t i = 0; i < s->nsteps; i++) {
                const struct savings_step *st = &s->steps[i];

                if (!st->broken)
                        continue;
                fputs(i ? "broken: " : "broken baseline: ", out);
                put_text(out, o, st->name);
                fprintf(out, ": %zu of %zu runs ok", st->ok, st->recorded);
                if (st->failed_reason && st->failed_reason[0]) {
                        fputs(", the last: ", out);
                        put_text(out, o, st->failed_reason);
                }
                fputc('\n', out);
                if (st->failed_serial) {
                        fputs("  its serial log: ", out);
                        put_text(out, o, st->failed_serial);
                        fputc('\n', out);
                }
        }
        if (s->mode == SWEEP_CUMULATIVE && !isnan(s->baseline_ns) && !isnan(s->final_ns)) {
                char a[32], b[32];

                fprintf(out, "\ncampaign: %s ms -> %s ms\n",
                        ms(a, sizeof(a), s->baseline_ns, 1, false),
                        ms(b, sizeof(b), s->final_ns, 1, false));
        }
        return util_flush(out);
}

/* ---- json ---- */

static void json_moved(struct jsonw *w, const struct savings_moved *m)
{
        jsonw_obj_begin(w);
        jsonw_kstr(w, "name", m->name);
        if (m->phase)
                jsonw_kstr(w, "phase", m->phase);
        jsonw_kreal(w, "diff_ns", m->diff_ns);
        jsonw_kstr(w, "verdict", stats_verdict_name(m->verdict));
        jsonw_obj_end(w);
}

static void json_step(struct jsonw *w, const struct savings *s, const struct savings_step *st,
                      bool base)
{
        jsonw_obj_begin(w);
        jsonw_kstr(w, "name", st->name);
        jsonw_kstr(w, "variant", st->variant);
        jsonw_kstr(w, "spec", st->spec);
        jsonw_kstr(w, "about", st->about);
        jsonw_kuint(w, "against", st->against);
        jsonw_kstr(w, "against_name", s->steps[st->against].name);
        jsonw_kbool(w, "host_timed", st->host_timed);
        jsonw_kstr(w, "status", status(st, base));
        if (s->kernels_differ) { /* absent when every step boots one kernel */
                jsonw_key(w, "kernel");
                kline_json_one(w, &st->kernel);
        }
        jsonw_key(w, "runs");
        jsonw_obj_begin(w);
        jsonw_kuint(w, "recorded", st->recorded);
        jsonw_kuint(w, "ok", st->ok);
        jsonw_kuint(w, "timeout", st->timeout);
        jsonw_kuint(w, "crash", st->crash);
        jsonw_kuint(w, "bad_dump", st->bad_dump);
        jsonw_kuint(w, "starved", st->starved);
        jsonw_kuint(w, "left_out", st->left_out);
        jsonw_obj_end(w);
        jsonw_kbool(w, "broken", st->broken);
        jsonw_kbool(w, "against_broken", st->against_broken);
        jsonw_kstr(w, "failed_serial", st->failed_serial);
        jsonw_kstr(w, "failed_reason", st->failed_reason);
        jsonw_kreal(w, "median_ns", st->median_ns);
        jsonw_kbool(w, "compared", st->compared);
        if (st->compared) {
                const struct compare_metric *t = compare_find(&st->cmp, "total");

                jsonw_kreal(w, "reference_median_ns", t ? t->c.median_a : NAN);
                jsonw_kreal(w, "saving_ns", st->saving_ns);
                jsonw_key(w, "saving_ci_ns");
                jsonw_arr_begin(w);
                jsonw_real(w, st->saving_lo_ns);
                jsonw_real(w, st->saving_hi_ns);
                jsonw_arr_end(w);
                jsonw_kreal(w, "rel", st->rel);
                jsonw_kreal(w, "p_holm", st->p_holm);
                jsonw_kstr(w, "verdict", stats_verdict_name(st->verdict));
                jsonw_kuint(w, "runs_needed", st->runs_needed);
                jsonw_kuint(w, "reference_runs", st->cmp.base.used);
                jsonw_kuint(w, "runs_compared", st->cmp.new.used);
                jsonw_key(w, "phase_moved");
                if (st->phase.name)
                        json_moved(w, &st->phase);
                else
                        jsonw_null(w);
                jsonw_key(w, "functions_moved");
                jsonw_arr_begin(w);
                for (size_t i = 0; i < st->nfns; i++)
                        json_moved(w, &st->fns[i]);
                jsonw_arr_end(w);
        }
        jsonw_obj_end(w);
}

int sweepreport_json(FILE *out, const struct savings *s, const struct sweepreport_options *o)
{
        const struct stats_options *so = stats_of(s);
        struct jsonw *w = malloc(sizeof(*w));
        int rc;

        (void)o;
        if (!w)
                return -ENOMEM;
        jsonw_init(w, out);
        jsonw_obj_begin(w);
        jsonw_kstr(w, "kind", SWEEPREPORT_KIND);
        jsonw_kint(w, "schema_version", SWEEPREPORT_SCHEMA_VERSION);
        jsonw_kstr(w, "session", s->session);
        jsonw_kstr(w, "mode", sweep_mode_name(s->mode));
        jsonw_kstr(w, "basis", savings_basis_name(s->basis));
        jsonw_kstr(w, "preset", s->preset);
        jsonw_key(w, "statistics");
        if (so) {
                jsonw_obj_begin(w);
                jsonw_kreal(w, "alpha", so->alpha);
                jsonw_kreal(w, "min_abs_ns", so->min_abs);
                jsonw_kreal(w, "min_rel", so->min_rel);
                jsonw_kreal(w, "level", so->level);
                jsonw_kuint(w, "bootstrap_resamples", so->B);
                jsonw_kuint(w, "seed", so->seed);
                jsonw_obj_end(w);
        } else {
                jsonw_null(w);
        }
        jsonw_key(w, "steps");
        jsonw_arr_begin(w);
        for (size_t i = 0; i < s->nsteps; i++)
                json_step(w, s, &s->steps[i], i == 0);
        jsonw_arr_end(w);
        jsonw_key(w, "overall");
        if (s->has_overall)
                json_step(w, s, &s->overall, false);
        else
                jsonw_null(w);
        jsonw_kreal(w, "baseline_ns", s->baseline_ns);
        jsonw_kreal(w, "final_ns", s->final_ns);
        jsonw_obj_end(w);
        rc = jsonw_finish(w);
        if (rc == 0 && (fputc('\n', out) == EOF || fflush(out)))
                rc = -EIO;
        free(w);
        return rc;
}

/* ---- csv ---- */

static void csv_ms(struct csv_row *r, double ns)
{
        if (isnan(ns))
                csv_field(r, NULL);
        else
                csv_fieldf(r, "%.6f", ns / 1e6);
}

static void csv_step(FILE *out, const struct savings *s, const struct savings_step *st, bool base)
{
        struct csv_row r;
        bool c = st->compared;

        csv_begin(&r, out);
        csv_field(&r, st->name);
        csv_field(&r, st->variant);
        csv_field(&r, st->spec);
        csv_field(&r, s->steps[st->against].name);
        csv_field(&r, st->host_timed ? "true" : "false");
        csv_field(&r, status(st, base));
        csv_fieldf(&r, "%zu", st->recorded);
        csv_fieldf(&r, "%zu", st->ok);
        csv_fieldf(&r, "%zu", st->timeout);
        csv_fieldf(&r, "%zu", st->crash);
        csv_fieldf(&r, "%zu", st->bad_dump);
        csv_fieldf(&r, "%zu", st->starved);
        csv_fieldf(&r, "%zu", st->left_out);
        csv_ms(&r, st->median_ns);
        csv_ms(&r, c ? st->saving_ns : NAN);
        csv_ms(&r, c ? st->saving_lo_ns : NAN);
        csv_ms(&r, c ? st->saving_hi_ns : NAN);
        if (c) {
                csv_fieldf(&r, "%.6f", st->rel);
                csv_fieldf(&r, "%.6g", st->p_holm);
        } else {
                csv_field(&r, NULL);
                csv_field(&r, NULL);
        }
        csv_field(&r, c ? st->phase.name : NULL);
        csv_ms(&r, c && st->phase.name ? st->phase.diff_ns : NAN);
        csv_field(&r, c && st->nfns ? st->fns[0].name : NULL);
        csv_ms(&r, c && st->nfns ? st->fns[0].diff_ns : NAN);
        csv_field(&r, st->failed_serial);
        csv_field(&r, st->failed_reason);
        csv_end(&r);
}

int sweepreport_csv(FILE *out, const struct savings *s, const struct sweepreport_options *o)
{
        static const char *const hdr[] = {
            "step",
            "variant",
            "spec",
            "against",
            "host_timed",
            "status",
            "recorded",
            "ok",
            "timeout",
            "crash",
            "bad_dump",
            "starved",
            "left_out",
            "median_ms",
            "saving_ms",
            "saving_lo_ms",
            "saving_hi_ms",
            "rel",
            "p_holm",
            "phase_moved",
            "phase_diff_ms",
            "top_function",
            "function_diff_ms",
            "failed_serial",
            "failed_reason",
        };
        struct csv_row r;

        (void)o;
        csv_begin(&r, out);
        for (size_t i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++)
                csv_field(&r, hdr[i]);
        csv_end(&r);
        for (size_t i = 0; i < s->nsteps; i++)
                csv_step(out, s, &s->steps[i], i == 0);
        if (s->has_overall)
                csv_step(out, s, &s->overall, false);
        return util_flush(out);
}

/* ---- md ---- */

static int md_step(struct md_table *t, const struct savings *s, const struct savings_step *st,
                   bool base)
{
        char okn[32], med[32], sav[32], lo[32], hi[32], ci[80], rel[32], verdict[128], fn[32];
        char *moved = NULL, *top = NULL;
        const char *cells[9];
        int rc;

        snprintf(okn, sizeof(okn), "%zu/%zu", st->ok - st->left_out, st->recorded);
        ms(med, sizeof(med), st->median_ns, 3, false);
        snprintf(verdict, sizeof(verdict), "%s", status(st, base));
        sav[0] = ci[0] = rel[0] = '\0';
        if (st->compared) {
                ms(sav, sizeof(sav), st->saving_ns, 3, true);
                snprintf(ci, sizeof(ci), "[%s, %s]", ms(lo, sizeof(lo), st->saving_lo_ns, 3, true),
                         ms(hi, sizeof(hi), st->saving_hi_ns, 3, true));
                snprintf(rel, sizeof(rel), "%+.1f%%", st->rel * 100);
                if (st->phase.name && asprintf(&moved, "%s %s", st->phase.name,
                                               ms(fn, sizeof(fn), st->phase.diff_ns, 3, true)) < 0)
                        moved = NULL;
                if (st->nfns && asprintf(&top, "%s %s", st->fns[0].name,
                                         ms(fn, sizeof(fn), st->fns[0].diff_ns, 3, true)) < 0)
                        top = NULL;
        }
        if (st->broken) {
                char f[96];

                failures(f, sizeof(f), st);
                snprintf(verdict, sizeof(verdict), "broken (%s)", f);
        } else if (st->against_broken) {
                snprintf(verdict, sizeof(verdict), "not compared (%s is broken)",
                         s->steps[st->against].name);
        } else if (st->host_timed && st->compared) {
                snprintf(verdict, sizeof(verdict), "%s (host-timed)",
                         stats_verdict_name(st->verdict));
        }
        cells[0] = st->name;
        cells[1] = okn;
        cells[2] = med;
        cells[3] = sav;
        cells[4] = ci;
        cells[5] = rel;
        cells[6] = verdict;
        cells[7] = moved ? moved : "";
        cells[8] = top ? top : "";
        rc = md_table_add(t, cells);
        free(moved);
        free(top);
        return rc;
}

int sweepreport_md(FILE *out, const struct savings *s, const struct sweepreport_options *o)
{
        static const char *const hdr[] = {"step",      "ok/n",        "median ms",
                                          "saving ms", "95% CI (ms)", "rel",
                                          "verdict",   "phase moved", "top function"};
        static const bool right[] = {false, true, true, true, false, true, false, false, false};
        struct md_table *t = md_table_new(9, hdr, right);
        struct sbuf sb = SBUF_INIT;
        int rc = 0;

        (void)o;
        if (!t)
                return -ENOMEM;
        rc = md_escape(&sb, s->session);
        if (rc == 0)
                fprintf(out, "### bootlens sweep: %s (%s%s)\n\n", sb.buf, sweep_mode_name(s->mode),
                        s->basis == SAVINGS_BY_CPU     ? ", by QEMU's CPU time"
                        : s->basis == SAVINGS_BY_GUEST ? ", by the guest's clock at the dump"
                                                       : "");
        for (size_t i = 0; i < s->nsteps && rc == 0; i++)
                rc = md_step(t, s, &s->steps[i], i == 0);
        if (rc == 0 && s->has_overall)
                rc = md_step(t, s, &s->overall, false);
        if (rc == 0)
                rc = md_table_write(out, t);
        for (size_t i = 0; i < s->nsteps && rc == 0; i++) {
                const struct savings_step *st = &s->steps[i];

                if (!st->broken || !st->failed_serial)
                        continue;
                sbuf_reset(&sb);
                rc = md_escape(&sb, st->name);
                if (rc == 0)
                        fprintf(out, "\n%s: broken, the last failed run's serial log: ", sb.buf);
                sbuf_reset(&sb);
                if (rc == 0)
                        rc = md_escape(&sb, st->failed_serial);
                if (rc == 0)
                        fprintf(out, "%s\n", sb.buf);
        }
        sbuf_release(&sb);
        md_table_free(t);
        if (rc < 0)
                return rc;
        return util_flush(out);
}
