/*
 * bootlens sweep: what each knob saves (docs/sweep.md). The plan
 * (collector/sweep.h) becomes the variants of one session, collected as
 * collect does (every collect option applies: collect_args_parse()), and
 * each step is compared against its reference (analyzer/savings.h); the
 * result table goes to stdout, everything collect says to stderr.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/savings.h"
#include "base/util.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "cli/textout.h"
#include "collector/collect.h"
#include "collector/session.h"
#include "collector/sweep.h"
#include "guest/initrd.h"
#include "guest/vmlinux.h"
#include "reports/sweepreport.h"

void usage_sweep(FILE *out)
{
        fputs("usage: bootlens sweep --kernel K [--initrd I] [--knob 'NAME: SPEC']... [--preset "
              "NAME]\n"
              "                      [--mode each|cumulative] [-n RUNS] [-j N] [COLLECT-OPTIONS]\n"
              "                      [--format table|json|csv|md] [--by total|cpu|guest]\n"
              "                      [--exclude-starved] [--top N] [--seed S]\n"
              "                      -o SESSION [-- EXTRA-QEMU-ARGS]\n"
              "       bootlens sweep --results SESSION [--format F] [--by B] [--exclude-starved]\n"
              "                      [--top N] [--seed S]\n"
              "       bootlens sweep --list-presets\n\n"
              "Boot a baseline and every knob (a variant: SPEC in --variant's syntax) in one\n"
              "interleaved session and print what each knob saves: the median total, the\n"
              "saving against its reference with its 95% CI and compare's verdict, and the\n"
              "phase and function that moved most. A knob whose boots stop delivering a\n"
              "dump is reported broken, with its verdicts and serial log.\n\n"
              "  --knob 'NAME: SPEC'  a knob (repeatable; after a preset's knobs)\n"
              "  --preset NAME        a built-in set of knobs (--list-presets)\n"
              "  --mode each          the baseline and every knob alone (default)\n"
              "  --mode cumulative    each knob on top of the ones before, in order\n"
              "  --format F           table (default), json, csv or md (Markdown)\n"
              "  --by cpu             compare QEMU's CPU time (user + system) instead of the\n"
              "                       total: what a host that starves QEMU stretches least\n"
              "  --by guest           compare the guest's clock at the dump (its uptime_ns):\n"
              "                       deterministic under '-- -icount shift=0,sleep=off'\n"
              "  --exclude-starved    leave out runs the host starved (docs/contention.md)\n"
              "  --top N              functions compared per step (default 20)\n"
              "  --seed S             the bootstrap's seed (default 0)\n"
              "  --results SESSION    the table of a sweep session already collected\n"
              "  --list-presets       the presets and their knobs\n"
              "  -h, --help           show this help\n\n"
              "Every option of 'bootlens collect' applies (see 'bootlens collect --help'),\n"
              "except --variant and --resume (finish an interrupted sweep with 'bootlens\n"
              "collect --resume -o SESSION', then 'bootlens sweep --results SESSION').\n"
              "In a SPEC, @vmlinux is the vmlinux unwrapped from --kernel and @bare-initrd\n"
              "an initramfs that powers off at once; both are made in SESSION/.\n\n"
              "Exit status: 0 the sweep ran (a broken knob is a result), 1 the baseline has\n"
              "no ok run or the collection stopped or failed, 2 usage or input error.\n",
              out);
}

enum format { FORMAT_TABLE, FORMAT_JSON, FORMAT_CSV, FORMAT_MD };

static const char *const format_names[] = {"table", "json", "csv", "md"};

static int format_parse(const char *s, enum format *f)
{
        for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
                if (!strcmp(s, format_names[i])) {
                        *f = (enum format)i;
                        return 0;
                }
        return -EINVAL;
}

static void put_guest_text(FILE *out, const char *s)
{
        textout_puts(out, s);
}

static int render(FILE *out, enum format f, const struct savings *s)
{
        struct sweepreport_options ro = {.put_text = put_guest_text};

        ro.colour =
            f == FORMAT_TABLE && out == stdout && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        switch (f) {
        case FORMAT_JSON:
                return sweepreport_json(out, s, &ro);
        case FORMAT_CSV:
                return sweepreport_csv(out, s, &ro);
        case FORMAT_MD:
                return sweepreport_md(out, s, &ro);
        case FORMAT_TABLE:
                break;
        }
        return sweepreport_table(out, s, &ro);
}

/* Analyse dir's savings and print them. Returns 0, or an exit status
 * (said). */
static int analyse_and_print(const char *dir, const struct compare_options *cmp,
                             enum savings_basis basis, enum format f, FILE *out, struct savings *s)
{
        char err[512];
        int rc = savings_analyse_by(s, dir, cmp, basis, err, sizeof(err));

        if (rc == -ENOMEM) {
                bl_error("sweep: out of memory");
                return BL_EXIT_USAGE;
        }
        if (rc < 0) {
                textout_error("sweep: %s", err[0] ? err : strerror(-rc));
                return BL_EXIT_USAGE;
        }
        rc = render(out, f, s);
        if (rc == -ENOMEM) {
                bl_error("sweep: out of memory");
                return BL_EXIT_USAGE;
        }
        if (rc < 0) {
                cli_check_output(out, "standard output");
                return BL_EXIT_FAIL;
        }
        if (s->nsteps > 1 && !s->steps[0].broken) {
                size_t compared = 0;

                for (size_t i = 1; i < s->nsteps; i++)
                        compared += s->steps[i].compared;
                if (!compared)
                        textout_warning("sweep: no step was compared%s",
                                        cmp->exclude_starved
                                            ? " (every run starved by the host and left "
                                              "out? --by cpu is what starving stretches "
                                              "least)"
                                            : "");
        }
        if (s->nsteps && s->steps[0].broken) {
                bl_error("sweep: the baseline has no ok run: nothing was compared");
                return BL_EXIT_FAIL;
        }
        return BL_EXIT_OK;
}

/* ---- the files a knob's spec names (@vmlinux, @bare-initrd) ---- */

/* s with every "@NAME" replaced by path (malloc'd into *out). */
static int replace_all(const char *s, const char *name, const char *path, char **out)
{
        size_t nl = strlen(name), pl = strlen(path), n = 0;
        const char *p;
        char *o, *w;

        for (p = strstr(s, name); p; p = strstr(p + nl, name))
                n++;
        o = malloc(strlen(s) + n * pl + 1);
        if (!o)
                return -ENOMEM;
        w = o;
        for (p = strstr(s, name); p; p = strstr(s, name)) {
                memcpy(w, s, (size_t)(p - s));
                w += p - s;
                memcpy(w, path, pl);
                w += pl;
                s = p + nl;
        }
        strcpy(w, s);
        *out = o;
        return 0;
}

static bool any_spec_has(const struct sweep_plan *p, const char *name)
{
        for (size_t i = 0; i < p->nknobs; i++)
                if (strstr(p->knobs[i].spec, name))
                        return true;
        return false;
}

/* Make dir/vmlinux from the kernel (when a spec names @vmlinux) and
 * dir/bare-initrd.gz (@bare-initrd). Returns 0 or an exit status. */
static int make_files(const struct collect_opts *co, const char *dir, const struct sweep_plan *p,
                      char **vmlinux, char **bare)
{
        if (any_spec_has(p, "@vmlinux")) {
                struct vmlinux_info info;
                int rc;

                if (asprintf(vmlinux, "%s/vmlinux", dir) < 0) {
                        *vmlinux = NULL;
                        bl_error("sweep: out of memory");
                        return BL_EXIT_FAIL;
                }
                rc = vmlinux_extract(co->kernel, *vmlinux, &info);
                if (rc < 0) {
                        textout_error("sweep: @vmlinux: cannot unwrap '%s': %s", co->kernel,
                                      info.why[0] ? info.why : strerror(-rc));
                        return BL_EXIT_USAGE;
                }
                if (!info.elf.pvh)
                        textout_warning("sweep: @vmlinux: '%s' has no PVH entry note: QEMU "
                                        "cannot boot it directly",
                                        *vmlinux);
                fputs("bootlens: sweep: @vmlinux is ", stderr);
                textout_puts(stderr, *vmlinux);
                fputs(" (unwrapped from ", stderr);
                textout_puts(stderr, co->kernel);
                fputs(")\n", stderr);
        }
        if (any_spec_has(p, "@bare-initrd")) {
                char *dumper = NULL;
                int rc;

                if (asprintf(bare, "%s/bare-initrd.gz", dir) < 0) {
                        *bare = NULL;
                        bl_error("sweep: out of memory");
                        return BL_EXIT_FAIL;
                }
                rc = initrd_find_dumper(&dumper);
                if (rc == 0)
                        rc = initrd_write_poweroff(*bare, dumper);
                free(dumper);
                if (rc < 0) {
                        textout_error("sweep: @bare-initrd: cannot write '%s': %s", *bare,
                                      strerror(-rc));
                        return BL_EXIT_USAGE;
                }
                fputs("bootlens: sweep: @bare-initrd is ", stderr);
                textout_puts(stderr, *bare);
                fputs(" (an initramfs that powers off at once)\n", stderr);
        }
        return 0;
}

static int make_inputs(const struct collect_opts *co, const struct sweep_plan *p, char **vmlinux,
                       char **bare)
{
        char *dir = realpath(co->out, NULL); /* the specs name absolute paths */
        int code;

        if (!dir) {
                textout_error("sweep: cannot resolve '%s': %s", co->out, strerror(errno));
                return BL_EXIT_USAGE;
        }
        code = make_files(co, dir, p, vmlinux, bare);
        free(dir);
        return code;
}

/* The plan again, its specs' @vmlinux and @bare-initrd replaced. */
static int resolve_plan(const struct sweep_plan *p, const char *vmlinux, const char *bare,
                        struct sweep_plan *out)
{
        struct sweep_knob *k = calloc(p->nknobs + 1, sizeof(*k));
        char err[256];
        size_t n = 0;
        int rc = k ? 0 : -ENOMEM;

        memset(out, 0, sizeof(*out));
        for (size_t i = 0; i < p->nknobs && rc == 0; i++) {
                char *a = NULL, *b = NULL, *arg = NULL;

                rc = replace_all(p->knobs[i].spec, "@vmlinux", vmlinux ? vmlinux : "@vmlinux", &a);
                if (rc == 0)
                        rc = replace_all(a, "@bare-initrd", bare ? bare : "@bare-initrd", &b);
                if (rc == 0 && asprintf(&arg, "%s: %s", p->knobs[i].name, b) < 0) {
                        arg = NULL;
                        rc = -ENOMEM;
                }
                if (rc == 0)
                        rc = sweep_knob_parse(arg, &k[n], err, sizeof(err));
                if (rc == 0) {
                        n++;
                        if (p->knobs[i].about) {
                                k[n - 1].about = strdup(p->knobs[i].about);
                                if (!k[n - 1].about)
                                        rc = -ENOMEM;
                        }
                }
                free(a);
                free(b);
                free(arg);
        }
        if (rc == 0)
                rc = sweep_plan_build(out, p->mode, k, n, p->preset, err, sizeof(err));
        for (size_t i = 0; i < n; i++)
                sweep_knob_free(&k[i]);
        free(k);
        return rc;
}

/* collect_and_report() with its stdout on stderr: the table is alone on
 * stdout. */
static int collect_quietly(const struct collect_opts *co)
{
        int saved, code;

        fflush(stdout);
        saved = dup(STDOUT_FILENO);
        if (saved < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
                if (saved >= 0)
                        close(saved);
                bl_error("sweep: cannot redirect the collection's output: %s", strerror(errno));
                return BL_EXIT_FAIL;
        }
        code = collect_and_report(co);
        fflush(stdout);
        clearerr(stdout);
        if (dup2(saved, STDOUT_FILENO) < 0) {
                bl_error("sweep: cannot restore standard output: %s", strerror(errno));
                code = BL_EXIT_FAIL;
        }
        close(saved);
        return code;
}

int sweep_execute(const struct collect_opts *co, const struct sweep_plan *plan,
                  const struct compare_options *cmp, const char *format, FILE *out,
                  struct savings *result)
{
        return sweep_execute_by(co, plan, cmp, SAVINGS_BY_TOTAL, format, out, result);
}

int sweep_execute_by(const struct collect_opts *co, const struct sweep_plan *plan,
                     const struct compare_options *cmp, enum savings_basis basis,
                     const char *format, FILE *out, struct savings *result)
{
        struct collect_opts c = *co;
        struct sweep_plan rp = {0};
        struct savings s = {0};
        enum format f = FORMAT_TABLE;
        char *vmlinux = NULL, *bare = NULL, *sj = NULL;
        size_t boots;
        int code, rc;

        if (format && format_parse(format, &f) < 0) {
                bl_error("sweep: unknown format '%s' (table, json, csv or md)", format);
                return BL_EXIT_USAGE;
        }
        if (asprintf(&sj, "%s/session.json", co->out) < 0) {
                bl_error("sweep: out of memory");
                return BL_EXIT_FAIL;
        }
        rc = access(sj, F_OK);
        free(sj);
        if (rc == 0) {
                textout_error("sweep: '%s' already holds a session (its table: bootlens sweep "
                              "--results %s)",
                              co->out, co->out);
                return BL_EXIT_USAGE;
        }
        rc = util_mkdir_p(co->out, 0755);
        if (rc < 0) {
                textout_error("sweep: cannot create '%s': %s", co->out, strerror(-rc));
                return BL_EXIT_USAGE;
        }
        code = make_inputs(co, plan, &vmlinux, &bare);
        if (code)
                goto out;
        rc = resolve_plan(plan, vmlinux, bare, &rp);
        if (rc == 0)
                rc = sweep_write(co->out, &rp);
        if (rc < 0) {
                textout_error("sweep: cannot write '%s/%s': %s", co->out, SWEEP_FILE,
                              strerror(-rc));
                code = BL_EXIT_USAGE;
                goto out;
        }
        c.variants = rp.variants;
        c.nvariants = rp.nvariants;
        c.resume = false;
        boots = rp.nvariants * (size_t)(c.runs + c.warmup);
        fprintf(stderr, "bootlens: sweep: %zu steps (%s), %zu boots into ", rp.nsteps,
                sweep_mode_name(rp.mode), boots);
        textout_puts(stderr, co->out);
        fputs("; the table follows on standard output\n", stderr);
        code = collect_quietly(&c);
        if (code == BL_EXIT_USAGE)
                goto out;
        rc = analyse_and_print(co->out, cmp, basis, f, out, &s);
        if (rc == BL_EXIT_OK && code == BL_EXIT_FAIL && collect_session_complete(co->out))
                code = BL_EXIT_OK; /* only knobs without an ok run: they are the result */
        if (rc != BL_EXIT_OK)
                code = code == BL_EXIT_OK ? rc : code;
        if (code == BL_EXIT_FAIL && !collect_session_complete(co->out))
                textout_error("sweep: the collection stopped before every run; finish it with "
                              "'bootlens collect --resume -o %s', then 'bootlens sweep --results "
                              "%s'",
                              co->out, co->out);
out:
        if (result)
                *result = s;
        else
                savings_free(&s);
        sweep_plan_free(&rp);
        free(vmlinux);
        free(bare);
        return code;
}

/* ---- the command line ---- */

struct sweep_cli {
        struct compare_options cmp;
        enum format format;
        const char *format_name;
        enum sweep_mode mode;
        enum savings_basis basis;
        const char *preset, *results;
        bool list;
        char **knobs; /* --knob arguments */
        size_t nknobs;
        char **rest; /* collect's arguments, rest[0] the command's name */
        int nrest;
};

/* The options sweep has of its own: their names and whether they take a
 * value. */
static const struct {
        const char *name;
        bool arg;
} own_opts[] = {
    {"--knob", true},          {"--preset", true}, {"--mode", true}, {"--format", true},
    {"--results", true},       {"--top", true},    {"--seed", true}, {"--exclude-starved", false},
    {"--list-presets", false}, {"--by", true},
};

static int own_option(struct sweep_cli *o, const char *name, const char *val)
{
        uint64_t v;

        if (!strcmp(name, "--knob")) {
                o->knobs[o->nknobs++] = (char *)val;
        } else if (!strcmp(name, "--preset")) {
                o->preset = val;
        } else if (!strcmp(name, "--mode")) {
                if (sweep_mode_parse(val, &o->mode) < 0) {
                        bl_error("sweep: --mode wants each or cumulative, not '%s'", val);
                        return BL_EXIT_USAGE;
                }
        } else if (!strcmp(name, "--format")) {
                if (format_parse(val, &o->format) < 0) {
                        bl_error("sweep: unknown format '%s' (table, json, csv or md)", val);
                        return BL_EXIT_USAGE;
                }
                o->format_name = val;
        } else if (!strcmp(name, "--by")) {
                if (savings_basis_parse(val, &o->basis) < 0) {
                        bl_error("sweep: --by wants total, cpu or guest, not '%s'", val);
                        return BL_EXIT_USAGE;
                }
        } else if (!strcmp(name, "--results")) {
                o->results = val;
        } else if (!strcmp(name, "--top")) {
                if (util_parse_u64(val, 10, &v) < 0 || v > 100000) {
                        bl_error("sweep: --top wants a number up to 100000, not '%s'", val);
                        return BL_EXIT_USAGE;
                }
                o->cmp.top = (size_t)v;
        } else if (!strcmp(name, "--seed")) {
                if (util_parse_u64(val, 0, &v) < 0) {
                        bl_error("sweep: --seed wants a 64-bit number, not '%s'", val);
                        return BL_EXIT_USAGE;
                }
                o->cmp.stats.seed = v;
        } else if (!strcmp(name, "--exclude-starved")) {
                o->cmp.exclude_starved = true;
        } else {
                o->list = true;
        }
        return 0;
}

/* Split argv into sweep's own options and collect's (o->rest). Returns 0,
 * -1 after --help, or an exit status. */
static int split_args(int argc, char **argv, struct sweep_cli *o)
{
        o->knobs = calloc((size_t)argc + 1, sizeof(*o->knobs));
        o->rest = calloc((size_t)argc + 1, sizeof(*o->rest));
        if (!o->knobs || !o->rest) {
                bl_error("out of memory");
                return BL_EXIT_FAIL;
        }
        o->rest[o->nrest++] = argv[0];
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                size_t k, n = sizeof(own_opts) / sizeof(own_opts[0]);
                const char *eq = strchr(a, '=');
                size_t len = eq ? (size_t)(eq - a) : strlen(a);
                int code;

                if (!strcmp(a, "--")) {
                        while (i < argc)
                                o->rest[o->nrest++] = argv[i++];
                        break;
                }
                if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
                        usage_sweep(stdout);
                        return -1;
                }
                for (k = 0; k < n; k++)
                        if (strlen(own_opts[k].name) == len && !strncmp(a, own_opts[k].name, len))
                                break;
                if (k == n) {
                        o->rest[o->nrest++] = argv[i];
                        continue;
                }
                if (own_opts[k].arg && !eq && i + 1 >= argc) {
                        bl_error("sweep: %s needs a value", own_opts[k].name);
                        return BL_EXIT_USAGE;
                }
                if (!own_opts[k].arg && eq) {
                        bl_error("sweep: %s takes no value", own_opts[k].name);
                        return BL_EXIT_USAGE;
                }
                code = own_option(o, own_opts[k].name,
                                  own_opts[k].arg ? (eq ? eq + 1 : argv[++i]) : NULL);
                if (code)
                        return code;
        }
        return 0;
}

static int list_presets(void)
{
        for (const struct sweep_preset *p = sweep_presets; p->name; p++) {
                printf("%s: %s\n", p->name, p->about);
                for (size_t i = 0; i < p->nknobs; i++)
                        printf("  %-16s %s\n  %-16s   %s\n", p->knobs[i].name, p->knobs[i].about,
                               "", p->knobs[i].spec);
        }
        return BL_EXIT_OK;
}

/* The knobs of the preset and of --knob, in that order. Returns 0 or an
 * exit status. */
static int gather_knobs(const struct sweep_cli *o, struct sweep_knob **out, size_t *n)
{
        const struct sweep_preset *pr = NULL;
        struct sweep_knob *k;
        char err[256], *arg;

        *n = 0;
        if (o->preset && !(pr = sweep_preset_find(o->preset))) {
                bl_error("sweep: unknown preset '%s' (see bootlens sweep --list-presets)",
                         o->preset);
                return BL_EXIT_USAGE;
        }
        k = calloc((pr ? pr->nknobs : 0) + o->nknobs + 1, sizeof(*k));
        *out = k;
        if (!k) {
                bl_error("out of memory");
                return BL_EXIT_FAIL;
        }
        for (size_t i = 0; pr && i < pr->nknobs; i++) {
                if (asprintf(&arg, "%s: %s", pr->knobs[i].name, pr->knobs[i].spec) < 0) {
                        bl_error("out of memory");
                        return BL_EXIT_FAIL;
                }
                if (sweep_knob_parse(arg, &k[*n], err, sizeof(err)) < 0) {
                        bl_error("sweep: preset %s: %s", pr->name, err);
                        free(arg);
                        return BL_EXIT_USAGE;
                }
                free(arg);
                k[*n].about = strdup(pr->knobs[i].about);
                if (!k[(*n)++].about) {
                        bl_error("out of memory");
                        return BL_EXIT_FAIL;
                }
        }
        for (size_t i = 0; i < o->nknobs; i++) {
                if (sweep_knob_parse(o->knobs[i], &k[*n], err, sizeof(err)) < 0) {
                        textout_error("sweep: --knob: %s", err);
                        return BL_EXIT_USAGE;
                }
                (*n)++;
        }
        return 0;
}

int cmd_sweep(int argc, char **argv)
{
        struct sweep_cli o = {.format = FORMAT_TABLE};
        struct collect_opts co;
        struct sweep_plan plan = {0};
        struct savings s = {0};
        struct sweep_knob *knobs = NULL;
        size_t nknobs = 0;
        void *owned = NULL;
        char err[256];
        int code;

        stats_options_default(&o.cmp.stats);
        o.cmp.top = COMPARE_TOP_DEFAULT;
        code = split_args(argc, argv, &o);
        if (code)
                goto out;
        if (o.list) {
                code = list_presets();
                goto out;
        }
        if (o.results) {
                if (o.nrest > 1 || o.nknobs || o.preset) {
                        bl_error("sweep: --results reads a session already collected: give only "
                                 "--format, --by, --exclude-starved, --top and --seed with it");
                        code = BL_EXIT_USAGE;
                        goto out;
                }
                code = analyse_and_print(o.results, &o.cmp, o.basis, o.format, stdout, &s);
                goto out;
        }
        code = gather_knobs(&o, &knobs, &nknobs);
        if (code)
                goto out;
        if (nknobs == 0) {
                bl_error("sweep: no knob: give --knob 'NAME: SPEC' or --preset NAME");
                code = BL_EXIT_USAGE;
                goto out;
        }
        if (sweep_plan_build(&plan, o.mode, knobs, nknobs, o.preset, err, sizeof(err)) < 0) {
                textout_error("sweep: %s", err);
                code = BL_EXIT_USAGE;
                goto out;
        }
        code = collect_args_parse(o.nrest, o.rest, &co, &owned);
        if (code)
                goto out;
        if (co.nvariants || co.resume) {
                bl_error("sweep: %s: the knobs are the variants of a sweep",
                         co.resume ? "--resume is collect's (then bootlens sweep --results)"
                                   : "--variant is not a sweep option");
                code = BL_EXIT_USAGE;
                goto out;
        }
        if (collect_args_history(owned)) {
                code = collect_check_history(collect_args_history(owned));
                if (code)
                        goto out;
        }
        code = sweep_execute_by(&co, &plan, &o.cmp, o.basis, format_names[o.format], stdout, NULL);
        if (collect_args_history(owned))
                code = collect_add_history(collect_args_history(owned), collect_args_spool(owned),
                                           co.out, code, stderr);
out:
        collect_args_free(owned);
        for (size_t i = 0; i < nknobs; i++)
                sweep_knob_free(&knobs[i]);
        free(knobs);
        sweep_plan_free(&plan);
        savings_free(&s);
        free(o.knobs);
        free(o.rest);
        return code < 0 ? BL_EXIT_OK : code;
}
