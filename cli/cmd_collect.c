/*
 * bootlens collect: boot a kernel under QEMU many times, stamp host times
 * and keep every run whole in a session directory (docs/collect.md,
 * docs/session.md). The session loop is collector/collect.h; this file
 * parses the options, turns Ctrl-C into its stop flag, prints its events
 * (the progress line, warnings) and the summary, and picks the exit code.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/histdb.h"
#include "analyzer/history.h"
#include "base/util.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "cli/textout.h"
#include "collector/collect.h"
#include "collector/qemu.h"
#include "collector/session.h"

static volatile sig_atomic_t interrupts;

static void on_interrupt(int sig)
{
        (void)sig;
        if (interrupts < 2)
                interrupts++;
}

void usage_collect(FILE *out)
{
        fprintf(out,
                "usage: bootlens collect --kernel K [--initrd I] [--append ARGS | --bare-append "
                "ARGS]\n"
                "                        [-n RUNS] [--warmup N] [--accel auto|kvm|hvf|nvmm|tcg]\n"
                "                        [--timeout SEC] [--retries N] [--variant SPEC]...\n"
                "                        [--no-interleave] [--label KEY=VALUE]... [--qemu PATH]\n"
                "                        [-j N] [--no-probe-cache] [--history DB [--spool FILE]]\n"
                "                        [--kallsyms] -o SESSION [-- EXTRA-QEMU-ARGS]\n"
                "       bootlens collect --resume -o SESSION [--qemu PATH] [-j N]\n"
                "                        [--history DB [--spool FILE]]\n\n"
                "Boot a kernel under QEMU (-M microvm) RUNS times per variant, stamp host times\n"
                "and keep every run whole in the directory SESSION.\n\n"
                "  -k, --kernel K        kernel image: a bzImage, or an ELF with a PVH note\n"
                "                        ('bootlens guest vmlinux' unwraps one from a bzImage)\n"
                "  -i, --initrd I        initial ramdisk (e.g. from 'bootlens guest initrd')\n"
                "  -a, --append ARGS     add to the default Linux command line\n"
                "      --bare-append ARGS  use ARGS as the whole command line\n"
                "  -n, --runs RUNS       measured runs per variant (default %d)\n"
                "      --warmup N        warm-up runs per variant, never measured (default 0)\n"
                "      --accel A         accelerator (default auto: KVM only when it runs a "
                "guest)\n"
                "      --timeout SEC     kill a boot after SEC seconds (default %d)\n"
                "      --retries N       retry a timed-out run N times (default %d)\n"
                "      --variant SPEC    'NAME: append+=ARGS; append-=WORDS; qemu+=ARGS;\n"
                "                        kernel=PATH; initrd=PATH; timing=host' (docs/collect.md)\n"
                "      --no-interleave   all runs of one variant before the next\n"
                "      --label KEY=VALUE  record a label in the session (KEY of [A-Za-z0-9_.-])\n"
                "      --qemu PATH       QEMU binary (default $BOOTLENS_QEMU, then %s)\n"
                "  -j, --jobs N          boot N at once, each QEMU pinned to a CPU of its own\n"
                "                        (1 to %d, at most the CPUs bootlens may use; default 1)\n"
                "      --no-probe-cache  probe --accel auto/kvm again, not using or updating\n"
                "                        the cached outcome ($BOOTLENS_CACHE_DIR, else\n"
                "                        $XDG_CACHE_HOME/bootlens, else ~/.cache/bootlens)\n"
                "      --kallsyms        the Linux dumper sends /proc/kallsyms; each run keeps it\n"
                "                        as SESSION/runs/NNNN.kallsyms (addresses move per boot)\n"
                "      --history DB      when every run is recorded, add the session to the\n"
                "                        history DB, a SQLite file or a PostgreSQL URI or\n"
                "                        conninfo (as 'bootlens history add')\n"
                "      --spool FILE      when --history's database cannot be reached, add the\n"
                "                        session to FILE instead ('bootlens history push'\n"
                "                        sends it later; default $XDG_STATE_HOME/bootlens/\n"
                "                        spool.sqlite, else ~/.local/state/bootlens/...)\n"
                "  -o, --output SESSION  session directory to create (or resume)\n"
                "      --resume          complete an interrupted session\n"
                "  -h, --help            show this help\n\n"
                "Arguments after -- go to QEMU after bootlens's own, so they override them.\n"
                "Ctrl-C stops after the current runs; a second Ctrl-C stops at once.\n"
                "Exit status: 0 every variant has an ok run, 1 otherwise (or interrupted),\n"
                "2 usage or input error (also: the session could not be added to --history's\n"
                "database; it is kept whole).\n",
                COLLECT_DEFAULT_RUNS, COLLECT_DEFAULT_TIMEOUT_S, COLLECT_DEFAULT_RETRIES,
                QEMU_DEFAULT_BINARY, COLLECT_MAX_JOBS);
}

struct opts {
        const char *kernel, *initrd, *append, *out, *qemu;
        const char *history; /* --history FILE */
        const char *spool;   /* --spool FILE, or NULL: the default */
        bool bare_append, interleave, resume, no_probe_cache, kallsyms;
        unsigned jobs;
        enum qemu_accel accel;
        uint64_t runs, warmup, timeout_s, retries;
        struct session_variant *variants;
        size_t nvariants;
        char **labels;
        size_t nlabels;
        char **extra;
        size_t nextra;
        bool set_kernel_opts; /* an option that defines a new session was given */
};

/* A setting's option, in the range session.json's settings are also
 * read with (session_setting_ranges). Returns 0 or BL_EXIT_USAGE. */
static int parse_setting(enum session_setting which, const char *arg, uint64_t *out)
{
        const struct session_setting_range *r = &session_setting_ranges[which];

        if (util_parse_u64(arg, 10, out) < 0 || *out > r->max) {
                bl_error("%s: '%s' is not a number from %llu to %llu", r->option, arg,
                         (unsigned long long)r->min, (unsigned long long)r->max);
                return BL_EXIT_USAGE;
        }
        if (session_setting_check(which, *out) < 0) {
                if (which == SESSION_SET_RUNS)
                        bl_error("-n: at least one run is needed");
                else if (which == SESSION_SET_TIMEOUT_S)
                        bl_error("--timeout: must be at least 1 second");
                else
                        bl_error("%s: must be at least %llu", r->option,
                                 (unsigned long long)r->min);
                return BL_EXIT_USAGE;
        }
        return 0;
}

static int add_ptr(void *arrayp, size_t *n, size_t elem, const void *item)
{
        void **a = arrayp;
        char *b = realloc(*a, (*n + 2) * elem);

        if (!b)
                return -ENOMEM;
        memcpy(b + *n * elem, item, elem);
        memset(b + (*n + 1) * elem, 0, elem);
        *a = b;
        (*n)++;
        return 0;
}

static void opts_free(struct opts *o)
{
        for (size_t i = 0; i < o->nvariants; i++)
                session_variant_free(&o->variants[i]);
        free(o->variants);
        free(o->labels);
}

enum {
        OPT_BARE = 256,
        OPT_WARMUP,
        OPT_ACCEL,
        OPT_TIMEOUT,
        OPT_RETRIES,
        OPT_VARIANT,
        OPT_NOINTER,
        OPT_LABEL,
        OPT_RESUME,
        OPT_QEMU,
        OPT_NOPROBECACHE,
        OPT_KALLSYMS,
        OPT_HISTORY,
        OPT_SPOOL
};

static const struct option longopts[] = {
    {"kernel", required_argument, NULL, 'k'},
    {"initrd", required_argument, NULL, 'i'},
    {"append", required_argument, NULL, 'a'},
    {"bare-append", required_argument, NULL, OPT_BARE},
    {"runs", required_argument, NULL, 'n'},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"accel", required_argument, NULL, OPT_ACCEL},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"variant", required_argument, NULL, OPT_VARIANT},
    {"no-interleave", no_argument, NULL, OPT_NOINTER},
    {"label", required_argument, NULL, OPT_LABEL},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"qemu", required_argument, NULL, OPT_QEMU},
    {"jobs", required_argument, NULL, 'j'},
    {"no-probe-cache", no_argument, NULL, OPT_NOPROBECACHE},
    {"kallsyms", no_argument, NULL, OPT_KALLSYMS},
    {"history", required_argument, NULL, OPT_HISTORY},
    {"spool", required_argument, NULL, OPT_SPOOL},
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* -n, --warmup, --timeout, --retries. Returns 0 or BL_EXIT_USAGE. */
static int opt_number(int c, const char *arg, struct opts *o)
{
        switch (c) {
        case 'n':
                return parse_setting(SESSION_SET_RUNS, arg, &o->runs);
        case OPT_WARMUP:
                return parse_setting(SESSION_SET_WARMUP, arg, &o->warmup);
        case OPT_TIMEOUT:
                return parse_setting(SESSION_SET_TIMEOUT_S, arg, &o->timeout_s);
        default: /* OPT_RETRIES */
                return parse_setting(SESSION_SET_RETRIES, arg, &o->retries);
        }
}

/* --variant SPEC. Returns 0 or an exit code. */
static int opt_variant(const char *arg, struct opts *o)
{
        struct session_variant v;
        char err[256];

        if (session_variant_parse(arg, &v, err, sizeof(err)) < 0) {
                bl_error("--variant: %s", err);
                return BL_EXIT_USAGE;
        }
        for (size_t i = 0; i < o->nvariants; i++) {
                if (strcmp(o->variants[i].name, v.name) == 0) {
                        bl_error("--variant: '%s' is given twice", v.name);
                        session_variant_free(&v);
                        return BL_EXIT_USAGE;
                }
        }
        if (add_ptr(&o->variants, &o->nvariants, sizeof(v), &v) < 0) {
                session_variant_free(&v);
                bl_error("out of memory");
                return BL_EXIT_FAIL;
        }
        return 0;
}

/* --label KEY=VALUE (arg is kept). Returns 0 or an exit code. */
static int opt_label(char *arg, struct opts *o)
{
        struct history_label l;
        int rc;

        if (!strchr(arg, '=') || arg[0] == '=') {
                bl_error("--label: '%s' is not KEY=VALUE", arg);
                return BL_EXIT_USAGE;
        }
        /* the history's rule (history add, collect --history take it) */
        rc = history_label_parse(arg, &l);
        free(l.key);
        free(l.value);
        if (rc == -ENOMEM) {
                bl_error("out of memory");
                return BL_EXIT_FAIL;
        }
        if (rc < 0) {
                textout_error("--label: '%s': KEY is 1-64 of [A-Za-z0-9_.-], VALUE at most 1024 "
                              "bytes without control characters",
                              arg);
                return BL_EXIT_USAGE;
        }
        if (add_ptr(&o->labels, &o->nlabels, sizeof(char *), &arg) < 0) {
                bl_error("out of memory");
                return BL_EXIT_FAIL;
        }
        return 0;
}

/* Apply option c (getopt's) with argument arg. Returns 0, an exit code, or
 * -1 after --help. */
static int apply_opt(int c, char *arg, struct opts *o)
{
        int code = 0;

        switch (c) {
        case 'k':
                o->kernel = arg;
                return 0;
        case OPT_RESUME:
                o->resume = true;
                return 0;
        case OPT_QEMU:
                o->qemu = arg;
                return 0;
        case OPT_HISTORY:
                if (!*arg) {
                        bl_error("--history: want a database file");
                        return BL_EXIT_USAGE;
                }
                o->history = arg;
                return 0;
        case OPT_SPOOL:
                if (!*arg) {
                        bl_error("--spool: want a file");
                        return BL_EXIT_USAGE;
                }
                o->spool = arg;
                return 0;
        case 'j': {
                uint64_t n;

                if (util_parse_u64(arg, 10, &n) < 0 || n < 1 || n > COLLECT_MAX_JOBS) {
                        bl_error("-j: '%s' is not a number from 1 to %d", arg, COLLECT_MAX_JOBS);
                        return BL_EXIT_USAGE;
                }
                o->jobs = (unsigned)n;
                return 0;
        }
        case OPT_NOPROBECACHE:
                o->no_probe_cache = true;
                break;
        case 'o':
                o->out = arg;
                return 0;
        case 'h':
                usage_collect(stdout);
                return -1;
        case 'i':
                o->initrd = arg;
                break;
        case 'a':
        case OPT_BARE:
                o->append = arg;
                o->bare_append = c == OPT_BARE;
                break;
        case 'n':
        case OPT_WARMUP:
        case OPT_TIMEOUT:
        case OPT_RETRIES:
                code = opt_number(c, arg, o);
                break;
        case OPT_ACCEL:
                if (qemu_accel_parse(arg, &o->accel) < 0) {
                        bl_error("--accel: '%s' is not one of auto, kvm, hvf, nvmm, tcg", arg);
                        return BL_EXIT_USAGE;
                }
                break;
        case OPT_VARIANT:
                code = opt_variant(arg, o);
                break;
        case OPT_NOINTER:
                o->interleave = false;
                break;
        case OPT_KALLSYMS:
                o->kallsyms = true;
                break;
        case OPT_LABEL:
                code = opt_label(arg, o);
                break;
        default:
                usage_collect(stderr);
                return BL_EXIT_USAGE;
        }
        /* What follows the switch defines a new session. */
        o->set_kernel_opts = true;
        return code;
}

/* What getopt left: QEMU arguments after --, a session, a kernel or
 * --resume alone. Returns 0 or BL_EXIT_USAGE. */
static int check_opts(int argc, char **argv, struct opts *o)
{
        o->extra = argv + optind;
        o->nextra = (size_t)(argc - optind);
        if (o->nextra && strcmp(argv[optind - 1], "--") != 0) {
                bl_error("unexpected argument '%s' (QEMU arguments go after --)", argv[optind]);
                return BL_EXIT_USAGE;
        }
        if (!o->out) {
                bl_error("no session directory: give -o SESSION");
                return BL_EXIT_USAGE;
        }
        if (o->spool && !o->history) {
                bl_error("--spool without --history: the spool holds what --history could not "
                         "store");
                return BL_EXIT_USAGE;
        }
        if (o->spool && histdb_is_pg(o->spool)) {
                bl_error("--spool: a local SQLite file, not a PostgreSQL database (the spool is "
                         "what a runner keeps when --history's server cannot be reached)");
                return BL_EXIT_USAGE;
        }
        if (o->kallsyms && o->history) {
                bl_error("--kallsyms with --history: the kallsyms transfer lengthens every run's "
                         "power-off and total; collect the symbols in a session of their own "
                         "(docs/collect.md)");
                return BL_EXIT_USAGE;
        }
        if (o->resume) {
                if (o->kernel || o->set_kernel_opts || o->nextra) {
                        bl_error("--resume takes the settings from '%s/session.json'; give only "
                                 "-o, --qemu, -j, --history and --spool",
                                 o->out);
                        return BL_EXIT_USAGE;
                }
                return 0;
        }
        if (!o->kernel) {
                bl_error("no kernel: give --kernel K");
                return BL_EXIT_USAGE;
        }
        return 0;
}

/* Returns 0, an exit code, or -1 after --help. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
        int c;

        o->runs = COLLECT_DEFAULT_RUNS;
        o->timeout_s = COLLECT_DEFAULT_TIMEOUT_S;
        o->retries = COLLECT_DEFAULT_RETRIES;
        o->interleave = true;
        o->accel = QEMU_ACCEL_AUTO;
        optind = 1;
        while ((c = getopt_long(argc, argv, "k:i:a:n:o:j:h", longopts, NULL)) != -1) {
                int code = apply_opt(c, optarg, o);

                if (code)
                        return code;
        }
        return check_opts(argc, argv, o);
}

/* ---- what the collection says ---- */

static void print_event(const struct collect_event *ev, void *user)
{
        const bool *progress = user;

        switch (ev->kind) {
        case COLLECT_EV_RUN_START:
        case COLLECT_EV_RUN_DONE:
                if (!*progress)
                        return;
                printf("\r\033[Krun %u/%u  %s", ev->run, ev->total, ev->variant); /* checked */
                if (ev->last && ev->last->boot_ns)
                        printf("  last %.3f s", (double)ev->last->boot_ns / 1e9);
                else if (ev->last)
                        printf("  last %s", session_verdict_name(ev->last->verdict));
                printf("  failures %u", ev->failures);
                fflush(stdout);
                break;
        case COLLECT_EV_RUN_WARNING:
                if (*progress) {
                        printf("\r\033[K"); /* the warning replaces the progress line */
                        fflush(stdout);
                }
                textout_warning("%s", ev->msg);
                break;
        case COLLECT_EV_WARNING:
                textout_warning("%s", ev->msg);
                break;
        case COLLECT_EV_NOTE:
                /* A message can quote a session's paths or a guest's words. */
                textout_puts(stdout, ev->msg);
                putchar('\n');
                fflush(stdout);
                break;
        case COLLECT_EV_ERROR:
                textout_error("%s", ev->msg);
                break;
        }
}

int collect_and_report(const struct collect_opts *opts)
{
        struct collect_opts o = *opts;
        struct collect_result res;
        struct sigaction sa, ign, old_int, old_term, old_hup, old_pipe;
        bool progress = isatty(STDOUT_FILENO);
        int code, ret;

        interrupts = 0;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_interrupt;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        /* A closed terminal stops like Ctrl-C (unless run under nohup); a
         * closed stdout pipe must not kill us with QEMU still running. */
        sigaction(SIGHUP, NULL, &old_hup);
        if (old_hup.sa_handler != SIG_IGN)
                sigaction(SIGHUP, &sa, NULL);
        memset(&ign, 0, sizeof(ign));
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, &old_pipe);

        o.stop = &interrupts;
        o.event = print_event;
        o.user = &progress;
        ret = collect_run(&o, &res);
        if (ret < 0) {
                code = res.bad_input ? BL_EXIT_USAGE : BL_EXIT_FAIL;
                goto out;
        }
        if (progress)
                printf("\n");
        if (res.stopped && res.done < res.total)
                printf("stopped after %u of %u runs; continue with: bootlens collect --resume -o "
                       "%s\n",
                       res.done, res.total, o.out);
        printf("session %s: %u of %u runs recorded (%u now)", o.out, res.done, res.total,
               res.recorded);
        for (size_t i = 0; i < res.nvariants; i++)
                printf("; %s: %u ok", res.variants[i].name, res.variants[i].ok);
        printf("\n");
        code = BL_EXIT_OK;
        if (cli_check_output(stdout, "standard output") < 0)
                code = BL_EXIT_FAIL;
        if (res.stopped || res.host_error)
                code = BL_EXIT_FAIL;
        for (size_t i = 0; i < res.nvariants; i++) {
                if (res.variants[i].ok == 0) {
                        if (!res.stopped)
                                bl_error("variant '%s' has no ok run", res.variants[i].name);
                        code = BL_EXIT_FAIL;
                }
        }
out:
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGHUP, &old_hup, NULL);
        sigaction(SIGPIPE, &old_pipe, NULL);
        collect_result_free(&res);
        return code;
}

bool collect_session_complete(const char *dir)
{
        struct session *s = NULL;
        unsigned *runs = NULL;
        bool all = false;
        int n;

        if (session_open(dir, &s, NULL, 0) < 0)
                return false;
        n = session_list_runs(s, &runs);
        all = n >= 0 && (size_t)n == session_planned_runs(s);
        free(runs);
        session_free(s);
        return all;
}

int collect_check_history(const char *db)
{
        struct history *h = NULL;
        char err[1024] = "";
        int rc;

        history_password_warning(db);
        rc = history_open(db, false, &h, err, sizeof(err));
        history_close(h);
        if (rc == 0 || rc == -ENOENT)
                return 0; /* -ENOENT: no file or an empty database, made at the add */
        if (history_unreachable(rc)) {
                textout_error("--history: %s; collecting all the same: the session is spooled "
                              "if the database is still away at the end",
                              err[0] ? err : strerror(-rc));
                return 0;
        }
        textout_error("--history: %s (nothing collected)", err[0] ? err : strerror(-rc));
        return BL_EXIT_USAGE;
}

int collect_add_history(const char *db, const char *spool, const char *dir, int code, FILE *out)
{
        char *shown = NULL, *db_w = NULL, *dir_w = NULL;

        if (code == BL_EXIT_USAGE)
                return code;
        if (histdb_display(db, &shown) < 0) {
                bl_error("collect: out of memory");
                return BL_EXIT_USAGE;
        }
        /* shown: db with a password in a PostgreSQL --db masked; the
         * command suggested with shell words, so that it can be pasted */
        if (util_shell_word(shown, &db_w) < 0 || util_shell_word(dir, &dir_w) < 0) {
                bl_error("collect: out of memory");
                code = BL_EXIT_USAGE;
        } else if (!collect_session_complete(dir)) {
                textout_error("--history: '%s' is not complete: not added to '%s' (finish it "
                              "with: bootlens collect --resume -o %s --history %s)",
                              dir, shown, dir_w, db_w);
        } else if (history_add_session(db, spool, dir, out) != BL_EXIT_OK) {
                textout_error("--history: the session '%s' is kept whole; add it with: "
                              "bootlens history add --db %s %s",
                              dir, db_w, dir_w);
                code = BL_EXIT_USAGE;
        }
        free(db_w);
        free(dir_w);
        free(shown);
        return code;
}

/* The collection o's options describe. */
static void fill_collect_opts(const struct opts *o, struct collect_opts *co)
{
        co->out = o->out;
        co->qemu = o->qemu;
        co->resume = o->resume;
        co->kernel = o->kernel;
        co->initrd = o->initrd;
        co->append = o->append;
        co->bare_append = o->bare_append;
        co->kallsyms = o->kallsyms;
        co->interleave = o->interleave;
        co->accel = o->accel;
        co->runs = o->runs;
        co->warmup = o->warmup;
        co->timeout_s = o->timeout_s;
        co->retries = o->retries;
        co->variants = o->variants;
        co->nvariants = o->nvariants;
        co->labels = o->labels;
        co->nlabels = o->nlabels;
        co->extra = o->extra;
        co->nextra = o->nextra;
        co->jobs = o->jobs;
        co->probe_cache = !o->no_probe_cache;
}

int collect_args_parse(int argc, char **argv, struct collect_opts *co, void **owned)
{
        struct opts *o = calloc(1, sizeof(*o));
        int code;

        *owned = o;
        memset(co, 0, sizeof(*co));
        if (!o) {
                bl_error("out of memory");
                return BL_EXIT_FAIL;
        }
        code = parse_opts(argc, argv, o);
        if (code == 0)
                fill_collect_opts(o, co);
        return code;
}

const char *collect_args_history(const void *owned)
{
        const struct opts *o = owned;

        return o ? o->history : NULL;
}

const char *collect_args_spool(const void *owned)
{
        const struct opts *o = owned;

        return o ? o->spool : NULL;
}

void collect_args_free(void *owned)
{
        if (owned)
                opts_free(owned);
        free(owned);
}

int cmd_collect(int argc, char **argv)
{
        struct opts o = {0};
        struct collect_opts co = {0};
        int code;

        code = parse_opts(argc, argv, &o);
        if (code) {
                opts_free(&o);
                return code < 0 ? BL_EXIT_OK : code;
        }
        fill_collect_opts(&o, &co);
        code = o.history ? collect_check_history(o.history) : 0;
        if (code) {
                opts_free(&o);
                return code;
        }
        code = collect_and_report(&co);
        if (o.history)
                code = collect_add_history(o.history, o.spool, o.out, code, stdout);
        opts_free(&o);
        return code;
}
