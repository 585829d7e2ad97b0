/*
 * bootlens diagnose: known boot sinks in an analysis (docs/diagnose.md).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/aggregate.h"
#include "analyzer/compare.h"
#include "analyzer/diagnose.h"
#include "analyzer/runset.h"
#include "analyzer/savings.h"
#include "base/util.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "cli/textout.h"
#include "collector/collect.h"
#include "collector/session.h"
#include "collector/sweep.h"
#include "reports/diagreport.h"

#define DIAG_TOP             20 /* fn: and self: series given a CI in the aggregate */
#define DIAG_VERIFY_RUNS     10
#define DIAG_VERIFY_RUNS_MAX 1000

void usage_diagnose(FILE *out)
{
        fputs("usage: bootlens diagnose [--format table|json|md] [--strict] [--threshold MS]\n"
              "                         [--kernel FILE] [--tsc-freq HZ]\n"
              "                         [--verify --verify-out SESSION [-n RUNS]\n"
              "                          [--verify-rules ID,...] [--exclude-starved]]\n"
              "                         FILE|SESSION[:VARIANT]...\n"
              "\n"
              "Recognise known boot sinks in an analysis: a session's variant (the medians\n"
              "of its ok runs) or one capture. For each finding: the rule, the evidence (a\n"
              "function or phase, its median time and share of the total or of guest time,\n"
              "the log line of the first ok run), the likely cause, the fix, the saving it\n"
              "should bring and the knob that would verify it. A session without :VARIANT\n"
              "is diagnosed variant by variant. Rules and thresholds: docs/diagnose.md.\n"
              "\n"
              "  --format FMT       table (default), json (kind bootlens-diagnose) or md\n"
              "  --strict           exit 1 when a finding's expected saving is at least\n"
              "                     --threshold\n"
              "  --threshold MS     --strict's threshold (default 10 ms)\n"
              "  --kernel FILE      the kernel to inspect for a PVH entry (default: the\n"
              "                     session's; a FILE has none)\n"
              "  --tsc-freq HZ      TSC frequency of a tslog capture without tsc_freq=\n"
              "  --verify           boot every finding's knob in one 'each' sweep (the\n"
              "                     session's kernel, initrd, command line and accelerator)\n"
              "                     and report the measured saving beside the expected one\n"
              "  --verify-out DIR   the sweep's session (required with --verify)\n"
              "  -n, --runs RUNS    boots per knob and of the baseline (default 10)\n"
              "  --verify-rules IDS verify only these rules' knobs (comma-separated ids)\n"
              "  --exclude-starved  --verify: leave runs starved by the host out of the\n"
              "                     comparison (docs/contention.md)\n"
              "  -h, --help         show this help\n"
              "\n"
              "Exit status: 0 findings listed (or none), 1 --strict and a finding at the\n"
              "threshold, a session with no ok run, or a failed verification sweep, 2 usage\n"
              "or input error.\n",
              out);
}

struct opts {
        enum diagreport_format fmt;
        bool strict, verify, exclude_starved;
        double threshold_ms;
        const char *kernel, *verify_out;
        const char *verify_rules; /* comma-separated rule ids; NULL: every knob */
        uint64_t runs, tsc_freq;
        char **inputs;
        size_t ninputs;
};

/* One diagnosed input, with what --verify needs of a session's variant. */
struct subject {
        struct diag_result res;
        struct diagreport_verify *verify; /* res.n entries, NULL: none */
        bool session;
        char *kernel, *initrd, *cmdline, *accel;
        char **qemu_args;
        size_t nqemu_args;
        uint64_t timeout_s, retries;
};

static void subject_free(struct subject *s)
{
        diag_result_free(&s->res);
        free(s->verify);
        free(s->kernel);
        free(s->initrd);
        free(s->cmdline);
        free(s->accel);
        for (size_t i = 0; i < s->nqemu_args; i++)
                free(s->qemu_args[i]);
        free(s->qemu_args);
}

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
        static const struct option longopts[] = {{"format", required_argument, NULL, 'F'},
                                                 {"strict", no_argument, NULL, 's'},
                                                 {"threshold", required_argument, NULL, 't'},
                                                 {"kernel", required_argument, NULL, 'k'},
                                                 {"tsc-freq", required_argument, NULL, 'f'},
                                                 {"verify", no_argument, NULL, 'V'},
                                                 {"verify-out", required_argument, NULL, 'o'},
                                                 {"runs", required_argument, NULL, 'n'},
                                                 {"verify-rules", required_argument, NULL, 'R'},
                                                 {"exclude-starved", no_argument, NULL, 'X'},
                                                 {"help", no_argument, NULL, 'h'},
                                                 {NULL, 0, NULL, 0}};
        int c;

        o->threshold_ms = DIAG_DEFAULT_THRESHOLD_MS;
        o->runs = DIAG_VERIFY_RUNS;
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":n:h", longopts, NULL)) != -1) {
                switch (c) {
                case 'F':
                        if (diagreport_format_parse(optarg, &o->fmt) < 0) {
                                bl_error("diagnose: unknown --format '%s' (table, json or md)",
                                         optarg);
                                return BL_EXIT_USAGE;
                        }
                        break;
                case 's':
                        o->strict = true;
                        break;
                case 't':
                        if (util_parse_double(optarg, &o->threshold_ms) < 0 ||
                            !isfinite(o->threshold_ms) || o->threshold_ms < 0) {
                                bl_error("diagnose: --threshold wants a number of ms >= 0, not "
                                         "'%s'",
                                         optarg);
                                return BL_EXIT_USAGE;
                        }
                        break;
                case 'k':
                        o->kernel = optarg;
                        break;
                case 'f':
                        if (util_parse_u64(optarg, 10, &o->tsc_freq) < 0 || !o->tsc_freq) {
                                bl_error("diagnose: --tsc-freq wants a positive number of Hz, "
                                         "not '%s'",
                                         optarg);
                                return BL_EXIT_USAGE;
                        }
                        break;
                case 'V':
                        o->verify = true;
                        break;
                case 'o':
                        o->verify_out = optarg;
                        break;
                case 'X':
                        o->exclude_starved = true;
                        break;
                case 'R':
                        o->verify_rules = optarg;
                        break;
                case 'n':
                        if (util_parse_u64(optarg, 10, &o->runs) < 0 || o->runs < 1 ||
                            o->runs > DIAG_VERIFY_RUNS_MAX) {
                                bl_error("diagnose: -n wants 1..%d runs, not '%s'",
                                         DIAG_VERIFY_RUNS_MAX, optarg);
                                return BL_EXIT_USAGE;
                        }
                        break;
                case 'h':
                        usage_diagnose(stdout);
                        return -1;
                case ':':
                        bl_error("diagnose: option '%s' needs a value", argv[optind - 1]);
                        return BL_EXIT_USAGE;
                default:
                        bl_error("diagnose: unknown option '%s' (bootlens diagnose --help)",
                                 argv[optind - 1]);
                        return BL_EXIT_USAGE;
                }
        }
        o->inputs = argv + optind;
        o->ninputs = (size_t)(argc - optind);
        if (!o->ninputs) {
                bl_error("diagnose: no input (a FILE or a SESSION[:VARIANT]; --help)");
                return BL_EXIT_USAGE;
        }
        if (o->verify && !o->verify_out) {
                bl_error("diagnose: --verify needs --verify-out SESSION");
                return BL_EXIT_USAGE;
        }
        if (o->verify_rules) {
                char *list = strdup(o->verify_rules), *save = NULL;
                if (!list) {
                        bl_error("out of memory");
                        return BL_EXIT_USAGE;
                }
                for (char *id = strtok_r(list, ",", &save); id; id = strtok_r(NULL, ",", &save))
                        if (!diag_rule_find(id)) {
                                bl_error("diagnose: --verify-rules: no rule '%s' "
                                         "(docs/diagnose.md)",
                                         id);
                                free(list);
                                return BL_EXIT_USAGE;
                        }
                free(list);
                if (!o->verify) {
                        bl_error("diagnose: --verify-rules without --verify");
                        return BL_EXIT_USAGE;
                }
        }
        if (o->verify_out && !o->verify) {
                bl_error("diagnose: --verify-out without --verify");
                return BL_EXIT_USAGE;
        }
        return 0;
}

static void say_run_error(const char *source, int err, char *msg)
{
        if (err == -EINVAL && msg)
                bl_error("%s", msg);
        else if (err == -ENODATA)
                bl_error("'%s': no record found (not a tslog dump or a Linux kernel log)", source);
        else
                bl_error("'%s': cannot analyse: %s", source, strerror(-err));
}

/* Diagnose FILE path into s. Returns an exit code. */
static int diagnose_file(const struct opts *o, const char *path, const struct run_options *ro,
                         struct subject *s)
{
        struct aggregate agg = {0};
        struct diag_kernel k;
        struct run r;
        char *buf = NULL, *msg = NULL;
        size_t len = 0;
        int err, rc = BL_EXIT_USAGE;

        err = cli_read_input(path, &buf, &len);
        if (err < 0)
                return BL_EXIT_USAGE; /* said */
        err = run_analyse(&r, path, buf, len, ro, NULL, &msg);
        if (err < 0) {
                say_run_error(path, err, msg);
                goto out;
        }
        if (o->kernel)
                diag_kernel_inspect(o->kernel, &k);
        err = aggregate_add(&agg, &r, 1);
        if (!err)
                err = aggregate_finish(&agg, DIAG_TOP);
        if (!err)
                err = diag_run(&(struct diag_input){.name = path,
                                                    .agg = &agg,
                                                    .rep = &r,
                                                    .rep_source = path,
                                                    .nruns = 1,
                                                    .kernel = o->kernel ? &k : NULL},
                               &s->res);
        if (err < 0) {
                bl_error("'%s': cannot diagnose: %s", path, strerror(-err));
                goto out;
        }
        rc = BL_EXIT_OK;
out:
        free(msg);
        aggregate_free(&agg);
        run_free(&r);
        return rc;
}

static int copy_variant(struct subject *s, const struct session_info *si,
                        const struct session_variant_info *vi)
{
        s->session = true;
        s->kernel = dup_or_null(vi->kernel.path);
        s->initrd = dup_or_null(vi->initrd.path);
        s->cmdline = dup_or_null(vi->cmdline);
        s->accel = dup_or_null(si->host.accel);
        s->timeout_s = si->settings.timeout_s;
        s->retries = si->settings.retries;
        if (vi->nqemu_args) {
                s->qemu_args = calloc(vi->nqemu_args, sizeof(*s->qemu_args));
                if (!s->qemu_args)
                        return -ENOMEM;
                for (size_t i = 0; i < vi->nqemu_args; i++) {
                        s->qemu_args[i] = strdup(vi->qemu_args[i]);
                        if (!s->qemu_args[i])
                                return -ENOMEM;
                        s->nqemu_args = i + 1;
                }
        }
        return (vi->kernel.path && !s->kernel) || (vi->initrd.path && !s->initrd) ||
                       (vi->cmdline && !s->cmdline) || (si->host.accel && !s->accel)
                   ? -ENOMEM
                   : 0;
}

/* Diagnose variant vi of session se (directory dir) into s. */
static int diagnose_variant(const struct opts *o, struct session *se, const char *dir,
                            const struct session_variant_info *vi, const struct run_options *ro,
                            struct subject *s)
{
        const struct session_info *si = session_info(se);
        struct aggregate agg = {0};
        struct runset rs;
        struct run rep = {0};
        struct diag_kernel k;
        bool have_rep = false;
        char *ref = NULL, *rep_source = NULL, *msg = NULL, err_msg[256];
        size_t nruns = 0;
        int err, rc = BL_EXIT_USAGE;

        if (asprintf(&ref, "%s:%s", dir, vi->name) < 0) {
                ref = NULL;
                bl_error("out of memory");
                return BL_EXIT_USAGE;
        }
        err = runset_open(ref, &rs, err_msg, sizeof(err_msg));
        if (err < 0) {
                bl_error("cannot open session '%s': %s", ref,
                         err == -EINVAL && *err_msg ? err_msg : strerror(-err));
                goto out;
        }
        for (size_t i = 0; i < rs.n; i++) {
                struct run r;
                if (!rs.v[i].selected)
                        continue;
                err = runset_analyse(&rs, i, ro, &r, &msg);
                if (err < 0) {
                        char *path = NULL;
                        if (rs.unreadable) {
                                cli_input_error(rs.unreadable, err, rs.unreadable_opened);
                        } else {
                                session_run_path(dir, rs.v[i].run, ".console", &path);
                                say_run_error(path ? path : ref, err, msg);
                        }
                        free(path);
                        run_free(&r);
                        goto out;
                }
                err = aggregate_add(&agg, &r, rs.v[i].run);
                if (!err && !have_rep) {
                        err = session_run_path(dir, rs.v[i].run, ".console", &rep_source);
                        rep = r;
                        have_rep = true;
                } else {
                        run_free(&r);
                }
                if (err < 0) {
                        bl_error("out of memory");
                        goto out;
                }
                nruns++;
        }
        if (!have_rep) {
                bl_error("no ok run in '%s'", ref);
                rc = BL_EXIT_FAIL;
                goto out;
        }
        diag_kernel_inspect(o->kernel ? o->kernel : vi->kernel.path, &k);
        err = aggregate_finish(&agg, DIAG_TOP);
        if (!err)
                err = copy_variant(s, si, vi);
        if (!err)
                err = diag_run(&(struct diag_input){.name = ref,
                                                    .agg = &agg,
                                                    .rep = &rep,
                                                    .rep_source = rep_source,
                                                    .nruns = nruns,
                                                    .cmdline = vi->cmdline,
                                                    .host_tsc_khz = si->host.tsc_khz,
                                                    .kernel = &k},
                               &s->res);
        if (err < 0) {
                bl_error("'%s': cannot diagnose: %s", ref, strerror(-err));
                goto out;
        }
        rc = BL_EXIT_OK;
out:
        free(msg);
        free(ref);
        free(rep_source);
        aggregate_free(&agg);
        run_free(&rep);
        runset_free(&rs);
        return rc;
}

/* Diagnose a session ref (its variant, or each) into subjects appended to
 * *v. Returns an exit code. */
static int diagnose_session(const struct opts *o, const char *input, const struct run_options *ro,
                            struct subject **v, size_t *n)
{
        struct session *se = NULL;
        char *dir = NULL, *variant = NULL, msg[256] = "";
        int rc = BL_EXIT_USAGE, err;

        if (session_split_ref(input, &dir, &variant) < 0) {
                bl_error("out of memory");
                return BL_EXIT_USAGE;
        }
        err = session_open(dir, &se, msg, sizeof(msg));
        if (err < 0) {
                bl_error("cannot open session '%s': %s", dir,
                         err == -EINVAL && *msg ? msg : strerror(-err));
                goto out;
        }
        rc = BL_EXIT_OK;
        for (size_t i = 0; i < session_info(se)->nvariants; i++) {
                const struct session_variant_info *vi = &session_info(se)->variants[i];
                struct subject *nv;
                int r;
                if (variant && strcmp(variant, vi->name))
                        continue;
                if (vi->host_timed) {
                        /* timed by the host alone: no dump, nothing to diagnose */
                        textout_warning("diagnose: '%s:%s' is host-timed (timing=host): no "
                                        "dump to diagnose, skipped",
                                        dir, vi->name);
                        if (variant) {
                                rc = BL_EXIT_USAGE;
                                goto out;
                        }
                        continue;
                }
                nv = realloc(*v, (*n + 1) * sizeof(**v));
                if (!nv) {
                        bl_error("out of memory");
                        rc = BL_EXIT_USAGE;
                        goto out;
                }
                *v = nv;
                memset(&nv[*n], 0, sizeof(nv[0]));
                r = diagnose_variant(o, se, dir, vi, ro, &nv[*n]);
                (*n)++;
                if (r != BL_EXIT_OK) {
                        subject_free(&nv[--*n]);
                        if (r > rc)
                                rc = r;
                }
                if (variant)
                        goto out;
        }
        if (variant) {
                bl_error("session '%s' has no variant '%s'", dir, variant);
                rc = BL_EXIT_USAGE;
        }
out:
        session_free(se);
        free(dir);
        free(variant);
        return rc;
}

/* Whether id is in the comma-separated list (NULL: every rule). */
static bool rule_wanted(const char *list, const char *id)
{
        size_t n = strlen(id);

        if (!list)
                return true;
        for (const char *p = list; *p;) {
                size_t k = strcspn(p, ",");
                if (k == n && !strncmp(p, id, n))
                        return true;
                p += k;
                p += strspn(p, ",");
        }
        return false;
}

/* The finding's evidence metric ("fn:NAME", "phase:NAME") in the step's
 * comparison into v. */
static void evidence_moved(const struct savings_step *p, const struct diag_finding *f,
                           struct diagreport_verify *v)
{
        enum compare_kind kind;
        const char *name;

        if (!p->compared || !f->what)
                return;
        if (!strncmp(f->what, "fn:", 3)) {
                kind = COMPARE_FN;
                name = f->what + 3;
        } else if (!strncmp(f->what, "phase:", 6)) {
                kind = COMPARE_PHASE;
                name = f->what + 6;
        } else {
                return;
        }
        for (size_t i = 0; i < p->cmp.n; i++) {
                const struct compare_metric *m = &p->cmp.m[i];
                if (m->kind != kind || strcmp(m->name, name))
                        continue;
                v->has_evidence = true;
                v->evidence = f->what;
                v->ev_saving_ns = -m->c.diff;
                v->ev_lo_ns = -m->c.ci.hi;
                v->ev_hi_ns = -m->c.ci.lo;
                v->ev_verdict = stats_verdict_name(m->c.verdict);
                return;
        }
}

/* --verify: one "each" sweep of every knob of s's findings. Returns an
 * exit code. */
static int verify(const struct opts *o, struct subject *s)
{
        struct sweep_knob knobs[SWEEP_MAX_KNOBS];
        size_t nknobs = 0, knob_of[SWEEP_MAX_KNOBS];
        struct sweep_plan plan = {0};
        struct savings sav = {0};
        struct collect_opts co = {0};
        struct compare_options cmp = {0};
        char err[256] = "", *sj = NULL;
        int rc = BL_EXIT_USAGE;

        memset(knobs, 0, sizeof(knobs));
        s->verify = calloc(s->res.n ? s->res.n : 1, sizeof(*s->verify));
        if (!s->verify) {
                bl_error("out of memory");
                return BL_EXIT_USAGE;
        }
        for (size_t i = 0; i < s->res.n && nknobs < SWEEP_MAX_KNOBS; i++) {
                const struct diag_finding *f = &s->res.v[i];
                char *arg;
                bool dup = false;
                if (!f->knob || !rule_wanted(o->verify_rules, f->rule->id))
                        continue;
                for (size_t k = 0; k < nknobs; k++)
                        dup |= !strcmp(knobs[k].name, f->rule->id);
                if (dup)
                        continue;
                /* sweep_execute() makes @vmlinux from the kernel */
                if (asprintf(&arg, "%s: %s", f->rule->id, f->knob) < 0) {
                        bl_error("out of memory");
                        goto out;
                }
                if (sweep_knob_parse(arg, &knobs[nknobs], err, sizeof(err)) < 0) {
                        bl_error("diagnose: knob '%s': %s", arg, err);
                        free(arg);
                        goto out;
                }
                free(arg);
                knob_of[nknobs++] = i;
        }
        if (!nknobs) {
                bl_error("diagnose: --verify: no finding of '%s' has a knob", s->res.name);
                rc = BL_EXIT_FAIL;
                goto out;
        }
        if (sweep_plan_build(&plan, SWEEP_EACH, knobs, nknobs, NULL, err, sizeof(err)) < 0) {
                bl_error("diagnose: --verify: %s", err);
                goto out;
        }
        co.out = o->verify_out;
        co.kernel = s->kernel;
        co.initrd = s->initrd;
        co.append = s->cmdline;
        co.bare_append = true;
        co.interleave = true;
        co.runs = o->runs;
        co.timeout_s = s->timeout_s ? s->timeout_s : COLLECT_DEFAULT_TIMEOUT_S;
        co.retries = s->retries;
        co.extra = s->qemu_args;
        co.nextra = s->nqemu_args;
        co.probe_cache = true;
        if (!s->accel || qemu_accel_parse(s->accel, &co.accel) < 0)
                co.accel = QEMU_ACCEL_AUTO;
        stats_options_default(&cmp.stats);
        cmp.top = COMPARE_TOP_DEFAULT;
        cmp.exclude_starved = o->exclude_starved;
        if (asprintf(&sj, "%s/session.json", o->verify_out) < 0) {
                sj = NULL;
                bl_error("out of memory");
                goto out;
        }
        if (access(sj, F_OK) == 0) {
                /* a sweep already collected there: read it, collect nothing */
                int e = savings_analyse(&sav, o->verify_out, &cmp, err, sizeof(err));
                if (e < 0) {
                        textout_error("diagnose: --verify-out %s: %s", o->verify_out,
                                      *err ? err : strerror(-e));
                        goto out;
                }
                fprintf(stderr,
                        "bootlens: diagnose: --verify-out %s holds a sweep already: its "
                        "results are read, nothing is booted\n",
                        o->verify_out);
                rc = BL_EXIT_OK;
        } else {
                rc = sweep_execute(&co, &plan, &cmp, "table", stderr, &sav);
        }
        if (rc == BL_EXIT_USAGE)
                goto out;
        for (size_t k = 0; k < nknobs; k++) {
                for (size_t st = 0; st < sav.nsteps; st++) {
                        const struct savings_step *p = &sav.steps[st];
                        struct diagreport_verify *v = &s->verify[knob_of[k]];
                        if (!p->name || strcmp(p->name, knobs[k].name))
                                continue;
                        v->done = true;
                        v->variant = s->res.v[knob_of[k]].rule->id;
                        v->broken = p->broken;
                        v->compared = p->compared;
                        v->saving_ns = p->saving_ns;
                        v->lo_ns = p->saving_lo_ns;
                        v->hi_ns = p->saving_hi_ns;
                        v->verdict = stats_verdict_name(p->verdict);
                        v->ok = p->ok;
                        v->recorded = p->recorded;
                        v->starved = p->starved;
                        v->left_out = p->left_out;
                        evidence_moved(p, &s->res.v[knob_of[k]], v);
                        if (sav.nsteps) {
                                v->base_ok = sav.steps[0].ok;
                                v->base_starved = sav.steps[0].starved;
                                v->base_left_out = sav.steps[0].left_out;
                        }
                }
        }
out:
        /* the verdict strings are static; the savings can go */
        free(sj);
        savings_free(&sav);
        sweep_plan_free(&plan);
        for (size_t k = 0; k < nknobs; k++)
                sweep_knob_free(&knobs[k]);
        return rc;
}

static int write_report(const struct opts *o, const struct subject *v, size_t n)
{
        struct diagreport_input *in = calloc(n ? n : 1, sizeof(*in));
        struct diagreport_options ro = {.fmt = o->fmt,
                                        .threshold_ms = o->threshold_ms,
                                        .strict = o->strict,
                                        .verify_session = o->verify ? o->verify_out : NULL};
        char *buf = NULL;
        size_t len = 0;
        FILE *mem;
        int err;

        if (!in)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                in[i].res = &v[i].res;
                in[i].verify = v[i].verify;
        }
        if (o->fmt != DIAGREPORT_TABLE) {
                err = diagreport_write(stdout, in, n, &ro);
                free(in);
                return err;
        }
        mem = open_memstream(&buf, &len);
        if (!mem) {
                free(in);
                return -ENOMEM;
        }
        err = diagreport_write(mem, in, n, &ro);
        if (fclose(mem) != 0 && !err)
                err = -ENOMEM;
        if (!err)
                textout_write(stdout, buf, len, TEXTOUT_LINES);
        free(buf);
        free(in);
        return err;
}

int cmd_diagnose(int argc, char **argv)
{
        struct opts o = {0};
        struct subject *v = NULL;
        size_t n = 0;
        int rc, worst = BL_EXIT_OK, err;

        rc = parse_opts(argc, argv, &o);
        if (rc)
                return rc < 0 ? BL_EXIT_OK : rc;
        struct run_options ro = {.tsc_freq = o.tsc_freq};
        for (size_t i = 0; i < o.ninputs; i++) {
                const char *in = o.inputs[i];
                if (runset_is_session(in)) {
                        rc = diagnose_session(&o, in, &ro, &v, &n);
                } else {
                        struct subject *nv = realloc(v, (n + 1) * sizeof(*v));
                        if (!nv) {
                                bl_error("out of memory");
                                rc = BL_EXIT_USAGE;
                                break;
                        }
                        v = nv;
                        memset(&v[n], 0, sizeof(v[0]));
                        rc = diagnose_file(&o, in, &ro, &v[n]);
                        if (rc == BL_EXIT_OK)
                                n++;
                        else
                                subject_free(&v[n]);
                }
                if (rc > worst)
                        worst = rc;
        }
        if (worst == BL_EXIT_USAGE)
                goto out;
        if (o.verify) {
                size_t sessions = 0, which = 0;
                for (size_t i = 0; i < n; i++)
                        if (v[i].session) {
                                sessions++;
                                which = i;
                        }
                if (sessions != 1) {
                        bl_error("diagnose: --verify takes one session variant (%zu given)",
                                 sessions);
                        worst = BL_EXIT_USAGE;
                        goto out;
                }
                rc = verify(&o, &v[which]);
                if (rc == BL_EXIT_USAGE) {
                        worst = rc;
                        goto out;
                }
                if (rc > worst)
                        worst = rc;
        }
        err = write_report(&o, v, n);
        if (err < 0) {
                bl_error("cannot write the diagnosis to standard output: %s", strerror(-err));
                worst = BL_EXIT_USAGE;
                goto out;
        }
        if (cli_check_output(stdout, "standard output") != 0) {
                worst = BL_EXIT_USAGE;
                goto out;
        }
        if (o.strict)
                for (size_t i = 0; i < n; i++)
                        if (diag_result_exceeds(&v[i].res, o.threshold_ms) && worst < BL_EXIT_FAIL)
                                worst = BL_EXIT_FAIL;
out:
        for (size_t i = 0; i < n; i++)
                subject_free(&v[i]);
        free(v);
        return worst;
}
