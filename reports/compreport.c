/* compreport: see compreport.h. */
#include "reports/compreport.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "bootlens_config.h"
#include "reports/csv.h"
#include "reports/hyperfine.h"
#include "reports/jsonw.h"
#include "reports/kline.h"
#include "reports/md.h"

#define COL_RED   "\033[31m"
#define COL_GREEN "\033[32m"
#define COL_BOLD  "\033[1m"
#define COL_OFF   "\033[0m"

static size_t *ordered(const struct compare *c)
{
        size_t *order = malloc((c->n ? c->n : 1) * sizeof(*order));

        if (order && compare_order(c, order) < 0) {
                free(order);
                return NULL;
        }
        return order;
}

static void put_text(FILE *out, const struct compreport_options *o, const char *s)
{
        if (o && o->put_text)
                o->put_text(out, s);
        else
                fputs(s, out);
}

/* ms with 3 decimals; "-" for NaN */
static const char *ms(char *buf, size_t size, double ns, bool sign)
{
        if (isnan(ns))
                snprintf(buf, size, "-");
        else
                snprintf(buf, size, sign ? "%+.3f" : "%.3f", ns / 1e6);
        return buf;
}

static const char *verdict_text(char *buf, size_t size, const struct compare_metric *m)
{
        const char *v = stats_verdict_name(m->c.verdict);

        if (m->c.verdict == STATS_INCONCLUSIVE && m->c.runs_needed)
                snprintf(buf, size, "%s (~%zu runs/side)", v, m->c.runs_needed);
        else if (m->c.verdict == STATS_INCONCLUSIVE && (!m->na || !m->nb))
                snprintf(buf, size, "%s (one side lacks it)", v);
        else
                snprintf(buf, size, "%s", v);
        return buf;
}

static void summary_line(FILE *out, const struct compare *c)
{
        fprintf(out, "summary: %zu metric%s: %zu slower, %zu faster, %zu same, %zu inconclusive\n",
                c->n, c->n == 1 ? "" : "s", c->verdicts[STATS_SLOWER], c->verdicts[STATS_FASTER],
                c->verdicts[STATS_SAME], c->verdicts[STATS_INCONCLUSIVE]);
}

static void side_line(FILE *out, const char *label, const struct compare_side *s,
                      const struct compreport_options *o)
{
        fprintf(out, "%-5s ", label);
        put_text(out, o, s->ref);
        fprintf(out, ": %zu run%s compared (%zu recorded, %zu ok, %zu starved", s->used,
                s->used == 1 ? "" : "s", s->recorded, s->ok, s->starved);
        if (s->left_out)
                fprintf(out, ", %zu left out", s->left_out);
        fputs(")\n", out);
}

static void envdiff_lines(FILE *out, const struct compare *c, const struct compreport_options *o)
{
        for (size_t i = 0; i < c->nenvdiff; i++) {
                fprintf(out, "environment differs (--force): %s: base '", c->envdiff[i].what);
                put_text(out, o, c->envdiff[i].base);
                fputs("', new '", out);
                put_text(out, o, c->envdiff[i].new);
                fputs("'\n", out);
        }
}

static void compared_line(FILE *out, const struct compare *c)
{
        const struct stats_options *s = &c->stats;

        fprintf(out,
                "compared %zu metric%s: the total, %zu phase%s, the top %zu of %zu function%s by "
                "median total time\n",
                c->n, c->n == 1 ? "" : "s", c->nphases, c->nphases == 1 ? "" : "s", c->nfns,
                c->fn_candidates, c->fn_candidates == 1 ? "" : "s");
        fprintf(
            out,
            "verdict  Holm-adjusted Mann-Whitney p < %g and |diff| > max(%.3f ms, %g%%) of base; "
            "%.0f%% bootstrap CI, %zu resamples, seed %llu\n",
            s->alpha, s->min_abs / 1e6, s->min_rel * 100, s->level * 100, s->B,
            (unsigned long long)s->seed);
}

static void presence(FILE *out, const struct compare_metric *m)
{
        if (m->kind == COMPARE_FN && (m->present_a < m->na || m->present_b < m->nb))
                fprintf(out, "  (in %zu/%zu and %zu/%zu runs)", m->present_a, m->na, m->present_b,
                        m->nb);
}

/* The kernel line into sb when the sides booted different kernels
 * (reports/kline.h): 1 then, 0 when they did not, -ENOMEM. */
static int kernel_text(const struct compare *c, struct sbuf *sb)
{
        if (!ksize_differ(&c->base.kernel, &c->new.kernel))
                return 0;
        return kline_text(sb, &c->base.kernel, &c->new.kernel) < 0 ? -ENOMEM : 1;
}

static int kernel_line(FILE *out, const struct compare *c, const struct compreport_options *o)
{
        struct sbuf sb = SBUF_INIT;
        int rc = kernel_text(c, &sb);

        if (rc > 0) {
                fputs("kernel  ", out);
                put_text(out, o, sb.buf);
                fputc('\n', out);
        }
        sbuf_release(&sb);
        return rc < 0 ? rc : 0;
}

int compreport_table(FILE *out, const struct compare *c, const struct compreport_options *o)
{
        size_t *order = ordered(c);
        char b[6][64];

        if (!order)
                return -ENOMEM;
        fputs("bootlens compare\n", out);
        side_line(out, "base", &c->base, o);
        side_line(out, "new", &c->new, o);
        envdiff_lines(out, c, o);
        if (kernel_line(out, c, o) < 0) {
                free(order);
                return -ENOMEM;
        }
        compared_line(out, c);
        fputc('\n', out);
        fprintf(out, "%12s %4s %12s %4s %11s  %-25s %8s %9s  %-28s %s\n", "base ms", "n", "new ms",
                "n", "diff ms", "95% CI of diff (ms)", "rel", "p (Holm)", "verdict",
                "metric (phase, then its functions)");
        for (size_t k = 0; k < c->n; k++) {
                const struct compare_metric *m = &c->m[order[k]];
                const char *col = NULL;
                char ci[160], rel[32], p[32];

                if (isnan(m->c.ci.lo))
                        snprintf(ci, sizeof(ci), "-");
                else
                        snprintf(ci, sizeof(ci), "[%s, %s]", ms(b[3], 64, m->c.ci.lo, true),
                                 ms(b[4], 64, m->c.ci.hi, true));
                if (isnan(m->c.rel))
                        snprintf(rel, sizeof(rel), "-");
                else
                        snprintf(rel, sizeof(rel), "%+.1f%%", m->c.rel * 100);
                snprintf(p, sizeof(p), "%.4f", m->c.p_holm);
                fprintf(out, "%12s %4zu %12s %4zu %11s  %-25s %8s %9s  ",
                        ms(b[0], 64, m->c.median_a, false), m->na,
                        ms(b[1], 64, m->c.median_b, false), m->nb, ms(b[2], 64, m->c.diff, true),
                        ci, rel, p);
                if (o && o->colour && m->c.verdict == STATS_SLOWER)
                        col = COL_RED;
                else if (o && o->colour && m->c.verdict == STATS_FASTER)
                        col = COL_GREEN;
                if (col)
                        fputs(col, out);
                fprintf(out, "%-28s", verdict_text(b[5], 64, m));
                if (col)
                        fputs(COL_OFF, out);
                fputc(' ', out);
                if (m->kind == COMPARE_FN)
                        fputs(m->phase ? "    " : "  ", out);
                else if (m->kind == COMPARE_PHASE)
                        fputs("  ", out);
                if (m->kind == COMPARE_PHASE)
                        fputs("phase ", out);
                put_text(out, o, m->name);
                presence(out, m);
                fputc('\n', out);
        }
        fputc('\n', out);
        summary_line(out, c);
        free(order);
        return util_flush(out);
}

/* ---- json ---- */

static void json_side(struct jsonw *w, const char *k, const struct compare_side *s)
{
        jsonw_key(w, k);
        jsonw_obj_begin(w);
        jsonw_kstr(w, "ref", s->ref);
        jsonw_kstr(w, "host_cpu", s->cpu_model);
        jsonw_kstr(w, "qemu_version", s->qemu_version);
        jsonw_kstr(w, "accel", s->accel);
        jsonw_kuint(w, "runs_recorded", s->recorded);
        jsonw_kuint(w, "runs_ok", s->ok);
        jsonw_kuint(w, "runs_starved", s->starved);
        jsonw_kuint(w, "runs_left_out", s->left_out);
        jsonw_kuint(w, "runs_compared", s->used);
        jsonw_key(w, "runs");
        jsonw_arr_begin(w);
        for (size_t i = 0; i < s->used; i++)
                jsonw_uint(w, s->runs[i]);
        jsonw_arr_end(w);
        jsonw_obj_end(w);
}

static void json_envdiff(struct jsonw *w, const struct compare *c, bool forced)
{
        jsonw_kbool(w, "forced", forced);
        jsonw_key(w, "environment_differences");
        jsonw_arr_begin(w);
        for (size_t i = 0; i < c->nenvdiff; i++) {
                jsonw_obj_begin(w);
                jsonw_kstr(w, "what", c->envdiff[i].what);
                jsonw_kstr(w, "base", c->envdiff[i].base);
                jsonw_kstr(w, "new", c->envdiff[i].new);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
}

static void json_metric_side(struct jsonw *w, const char *k, size_t n, size_t present,
                             double median)
{
        jsonw_key(w, k);
        jsonw_obj_begin(w);
        jsonw_kuint(w, "n", n);
        jsonw_kuint(w, "present", present);
        jsonw_kreal(w, "median_ns", median);
        jsonw_obj_end(w);
}

static void json_metric(struct jsonw *w, const struct compare_metric *m)
{
        jsonw_obj_begin(w);
        jsonw_kstr(w, "kind", compare_kind_name(m->kind));
        jsonw_kstr(w, "name", m->name);
        jsonw_kstr(w, "phase", m->phase);
        json_metric_side(w, "base", m->na, m->present_a, m->c.median_a);
        json_metric_side(w, "new", m->nb, m->present_b, m->c.median_b);
        jsonw_kreal(w, "diff_ns", m->c.diff);
        jsonw_kreal(w, "rel", m->c.rel);
        jsonw_kreal(w, "ci_lo_ns", m->c.ci.lo);
        jsonw_kreal(w, "ci_hi_ns", m->c.ci.hi);
        jsonw_kreal(w, "u", m->c.mwu.u);
        jsonw_kreal(w, "p", m->c.mwu.p);
        jsonw_kstr(w, "p_method",
                   !m->na || !m->nb ? NULL
                   : m->c.mwu.exact ? "exact"
                                    : "asymptotic");
        jsonw_kreal(w, "p_holm", m->c.p_holm);
        jsonw_kreal(w, "threshold_ns", m->c.threshold);
        jsonw_kstr(w, "verdict", stats_verdict_name(m->c.verdict));
        jsonw_kuint(w, "runs_needed", m->c.runs_needed);
        jsonw_obj_end(w);
}

int compreport_json(FILE *out, const struct compare *c, const struct compreport_options *o)
{
        const struct stats_options *s = &c->stats;
        size_t *order = ordered(c);
        struct jsonw *w = malloc(sizeof(*w));
        int rc;

        if (!order || !w) {
                free(order);
                free(w);
                return -ENOMEM;
        }
        jsonw_init(w, out);
        jsonw_obj_begin(w);
        jsonw_kuint(w, "schema_version", COMPREPORT_SCHEMA_VERSION);
        jsonw_kstr(w, "kind", COMPREPORT_KIND);
        jsonw_kstr(w, "tool", "bootlens " BOOTLENS_VERSION);
        json_side(w, "base", &c->base);
        json_side(w, "new", &c->new);
        json_envdiff(w, c, o && o->forced);
        if (ksize_differ(&c->base.kernel, &c->new.kernel)) { /* absent: one kernel */
                jsonw_key(w, "kernel");
                kline_json(w, &c->base.kernel, &c->new.kernel);
        }
        jsonw_key(w, "options");
        jsonw_obj_begin(w);
        jsonw_kreal(w, "alpha", s->alpha);
        jsonw_kreal(w, "min_effect_ns", s->min_abs);
        jsonw_kreal(w, "min_effect_rel", s->min_rel);
        jsonw_kreal(w, "ci_level", s->level);
        jsonw_kuint(w, "bootstrap_resamples", s->B);
        jsonw_kuint(w, "seed", s->seed);
        jsonw_obj_end(w);
        jsonw_key(w, "compared");
        jsonw_obj_begin(w);
        jsonw_kuint(w, "metrics", c->n);
        jsonw_kuint(w, "phases", c->nphases);
        jsonw_kuint(w, "functions", c->nfns);
        jsonw_kuint(w, "functions_seen", c->fn_candidates);
        jsonw_obj_end(w);
        jsonw_key(w, "metrics");
        jsonw_arr_begin(w);
        for (size_t k = 0; k < c->n; k++)
                json_metric(w, &c->m[order[k]]);
        jsonw_arr_end(w);
        jsonw_key(w, "summary");
        jsonw_obj_begin(w);
        for (int v = STATS_SLOWER; v >= STATS_INCONCLUSIVE; v--)
                jsonw_kuint(w, stats_verdict_name((enum stats_verdict)v), c->verdicts[v]);
        jsonw_obj_end(w);
        jsonw_obj_end(w);
        rc = jsonw_finish(w);
        if (rc == 0 && fputc('\n', out) == EOF)
                rc = -EIO;
        free(w);
        free(order);
        return rc < 0 ? rc : util_flush(out);
}

/* ---- csv ---- */

/* A number in CSV (reports/csv.h's rules): empty when unknown. */
static void csv_num(struct csv_row *row, double v)
{
        if (isnan(v))
                csv_field(row, NULL);
        else
                csv_fieldf(row, "%.0f", v);
}

static void csv_real(struct csv_row *row, double v)
{
        if (isnan(v))
                csv_field(row, NULL);
        else
                csv_fieldf(row, "%.6g", v);
}

static const char *const csv_header[] = {
    "kind",     "name",        "phase",         "base_n",  "base_present", "base_median_ns",
    "new_n",    "new_present", "new_median_ns", "diff_ns", "rel",          "ci_lo_ns",
    "ci_hi_ns", "p",           "p_holm",        "verdict", "runs_needed",  "environment"};

/* The environment's differences (forced) as one text, malloc'd, or NULL
 * on -ENOMEM. */
static char *envdiff_text(const struct compare *c)
{
        struct sbuf sb;

        sbuf_init(&sb);
        for (size_t i = 0; i < c->nenvdiff; i++)
                if (sbuf_addf(&sb, "%s%s: base '%s', new '%s'", i ? "; " : "", c->envdiff[i].what,
                              c->envdiff[i].base, c->envdiff[i].new) < 0) {
                        sbuf_release(&sb);
                        return NULL;
                }
        return sbuf_detach(&sb, NULL);
}

int compreport_csv(FILE *out, const struct compare *c, const struct compreport_options *o)
{
        size_t *order = ordered(c);
        char *env = NULL;
        struct csv_row row;

        if (!order)
                return -ENOMEM;
        /* the environment's differences (forced) on every row */
        if (o && o->forced && c->nenvdiff && !(env = envdiff_text(c))) {
                free(order);
                return -ENOMEM;
        }
        csv_begin(&row, out);
        for (size_t k = 0; k < sizeof(csv_header) / sizeof(csv_header[0]); k++)
                csv_field(&row, csv_header[k]);
        csv_end(&row);
        for (size_t k = 0; k < c->n; k++) {
                const struct compare_metric *m = &c->m[order[k]];

                csv_begin(&row, out);
                csv_field(&row, compare_kind_name(m->kind));
                csv_field(&row, m->name);
                csv_field(&row, m->phase);
                csv_fieldf(&row, "%zu", m->na);
                csv_fieldf(&row, "%zu", m->present_a);
                csv_num(&row, m->c.median_a);
                csv_fieldf(&row, "%zu", m->nb);
                csv_fieldf(&row, "%zu", m->present_b);
                csv_num(&row, m->c.median_b);
                csv_num(&row, m->c.diff);
                csv_real(&row, m->c.rel);
                csv_num(&row, m->c.ci.lo);
                csv_num(&row, m->c.ci.hi);
                csv_real(&row, m->c.mwu.p);
                csv_real(&row, m->c.p_holm);
                csv_field(&row, stats_verdict_name(m->c.verdict));
                csv_fieldf(&row, "%zu", m->c.runs_needed);
                csv_field(&row, env);
                csv_end(&row);
        }
        free(env);
        free(order);
        return util_flush(out);
}

/* ---- md ---- */

int compreport_md(FILE *out, const struct compare *c, const struct compreport_options *o)
{
        size_t *order = ordered(c);
        char b[6][64];
        int rc = 0;

        (void)o;
        if (!order)
                return -ENOMEM;
        fputs("### bootlens compare: ", out);
        rc = rc ?: md_puts(out, c->base.ref);
        fputs(" → ", out);
        rc = rc ?: md_puts(out, c->new.ref);
        fprintf(out,
                "\n\n%zu vs %zu runs; %zu metrics compared (the total, %zu phases, the top "
                "%zu of %zu functions); alpha %g after Holm, minimum effect %.3f ms and "
                "%g%%.\n\n",
                c->base.used, c->new.used, c->n, c->nphases, c->nfns, c->fn_candidates,
                c->stats.alpha, c->stats.min_abs / 1e6, c->stats.min_rel * 100);
        for (size_t i = 0; i < c->nenvdiff; i++) {
                fprintf(out, "> **Environment differs (--force)**: %s: base `", c->envdiff[i].what);
                rc = rc ?: md_puts(out, c->envdiff[i].base);
                fputs("`, new `", out);
                rc = rc ?: md_puts(out, c->envdiff[i].new);
                fputs("`\n\n", out);
        }
        if (rc == 0) {
                struct sbuf sb = SBUF_INIT;

                rc = kernel_text(c, &sb);
                if (rc > 0) {
                        fputs("**Kernel**: ", out);
                        rc = md_puts(out, sb.buf);
                        fputs("\n\n", out);
                }
                sbuf_release(&sb);
        }
        fputs("| metric | base ms (n) | new ms (n) | diff ms | 95% CI (ms) | rel | p (Holm) | "
              "verdict |\n",
              out);
        fputs("|---|---:|---:|---:|---|---:|---:|---|\n", out);
        for (size_t k = 0; k < c->n; k++) {
                const struct compare_metric *m = &c->m[order[k]];
                const char *em =
                    m->c.verdict == STATS_SLOWER || m->c.verdict == STATS_FASTER ? "**" : "";

                fputs("| ", out);
                if (m->kind == COMPARE_FN)
                        fputs(m->phase ? "&nbsp;&nbsp;&nbsp;&nbsp;" : "&nbsp;&nbsp;", out);
                else if (m->kind == COMPARE_PHASE)
                        fputs("&nbsp;&nbsp;phase ", out);
                rc = rc ?: md_puts(out, m->name);
                fprintf(out, " | %s (%zu) | %s (%zu) | %s | ", ms(b[0], 64, m->c.median_a, false),
                        m->na, ms(b[1], 64, m->c.median_b, false), m->nb,
                        ms(b[2], 64, m->c.diff, true));
                if (isnan(m->c.ci.lo))
                        fputs("-", out);
                else
                        fprintf(out, "%s … %s", ms(b[3], 64, m->c.ci.lo, true),
                                ms(b[4], 64, m->c.ci.hi, true));
                if (isnan(m->c.rel))
                        fputs(" | - |", out);
                else
                        fprintf(out, " | %+.1f%% |", m->c.rel * 100);
                fprintf(out, " %.4f | %s%s%s |\n", m->c.p_holm, em, verdict_text(b[5], 64, m), em);
        }
        fputc('\n', out);
        summary_line(out, c);
        free(order);
        return rc < 0 ? rc : util_flush(out);
}

/* ---- folded (difffolded.pl) ---- */

/* A folded frame: ';' would split it, a space before the counts is fine
 * (readers split at the last spaces), a newline would end the line. */
static void folded_frame(FILE *out, const char *s)
{
        for (; s && *s; s++)
                fputc(*s == ';' ? '_' : *s == '\n' || *s == '\r' ? ' ' : *s, out);
}

static bool has_phase(const struct compare *c, const char *name)
{
        for (size_t i = 0; i < c->n; i++)
                if (c->m[i].kind == COMPARE_PHASE && strcmp(c->m[i].name, name) == 0)
                        return true;
        return false;
}

static long long us(double ns)
{
        return isnan(ns) || ns < 0 ? 0 : llround(ns / 1e3);
}

/* One stack PHASE[;FN] with both sides' values (difffolded) or the one
 * side o->side asks for; nothing when what is written rounds to 0 us. */
static void folded_values(FILE *out, const struct compreport_options *o, const char *phase,
                          const char *fn, double a, double b)
{
        long long ua = us(a), ub = us(b);

        if (o->side == 1 ? !ua : o->side == 2 ? !ub : !ua && !ub)
                return;
        if (strcmp(phase, "[no phase]") == 0)
                fputs(phase, out);
        else
                folded_frame(out, phase);
        if (fn) {
                fputc(';', out);
                folded_frame(out, fn);
        }
        if (o->side)
                fprintf(out, " %lld\n", o->side == 1 ? ua : ub);
        else
                fprintf(out, " %lld %lld\n", ua, ub);
}

int compreport_folded(FILE *out, const struct compare *c, const struct compreport_options *o)
{
        for (size_t i = 0; i < c->n; i++) {
                const struct compare_metric *ph = &c->m[i];
                double ra, rb;

                if (ph->kind != COMPARE_PHASE)
                        continue;
                ra = isnan(ph->c.median_a) ? 0 : ph->c.median_a;
                rb = isnan(ph->c.median_b) ? 0 : ph->c.median_b;
                for (size_t f = 0; f < c->fn_candidates; f++) {
                        const struct compare_fn *fn = &c->fns[f];

                        if (!fn->phase || strcmp(fn->phase, ph->name) != 0)
                                continue;
                        ra -= fn->median_a;
                        rb -= fn->median_b;
                        folded_values(out, o, ph->name, fn->name, fn->median_a, fn->median_b);
                }
                folded_values(out, o, ph->name, NULL, ra, rb);
        }
        for (size_t f = 0; f < c->fn_candidates; f++) {
                const struct compare_fn *fn = &c->fns[f];

                if (fn->phase && has_phase(c, fn->phase))
                        continue;
                folded_values(out, o, "[no phase]", fn->name, fn->median_a, fn->median_b);
        }
        return util_flush(out);
}

/* ---- hyperfine ---- */

/* One side's result (reports/hyperfine.h); QEMU's CPU time for the total
 * only, and only when every run of the side is in it. */
static void hf_result(struct jsonw *w, const struct compare *c, const struct compare_side *s,
                      const struct compare_metric *m, const double *v, size_t n, bool forced)
{
        struct hyperfine_result r = {.ns = v, .n = n};
        char *cmd = NULL;

        if (m->kind == COMPARE_TOTAL && n == s->used && n) {
                for (size_t i = 0; i < n; i++) {
                        r.user_ns += (double)s->cpu_user_ns[i];
                        r.system_ns += (double)s->cpu_system_ns[i];
                }
                r.user_ns /= (double)n;
                r.system_ns /= (double)n;
        }
        if (m->kind == COMPARE_TOTAL)
                cmd = strdup(s->ref);
        else if (asprintf(&cmd, "%s %s:%s", s->ref, m->kind == COMPARE_PHASE ? "phase" : "fn",
                          m->name) < 0)
                cmd = NULL;
        if (!cmd) {
                jsonw_fail(w, -ENOMEM);
                return;
        }
        r.command = cmd;
        jsonw_obj_begin(w);
        hyperfine_members(w, &r);
        if (forced && c->nenvdiff) {
                jsonw_key(w, "bootlens_environment_differences");
                jsonw_arr_begin(w);
                for (size_t i = 0; i < c->nenvdiff; i++) {
                        jsonw_obj_begin(w);
                        jsonw_kstr(w, "what", c->envdiff[i].what);
                        jsonw_kstr(w, "base", c->envdiff[i].base);
                        jsonw_kstr(w, "new", c->envdiff[i].new);
                        jsonw_obj_end(w);
                }
                jsonw_arr_end(w);
        }
        jsonw_obj_end(w);
        free(cmd);
}

int compreport_hyperfine(FILE *out, const struct compare *c, const struct compare_metric *m,
                         const struct compreport_options *o)
{
        struct jsonw *w = malloc(sizeof(*w));
        bool forced = o && o->forced;
        int rc;

        if (!w)
                return -ENOMEM;
        jsonw_init(w, out);
        hyperfine_begin(w);
        hf_result(w, c, &c->base, m, m->a, m->na, forced);
        hf_result(w, c, &c->new, m, m->b, m->nb, forced);
        rc = hyperfine_end(w, out);
        free(w);
        return rc < 0 ? rc : util_flush(out);
}
