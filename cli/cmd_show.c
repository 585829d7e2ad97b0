/*
 * bootlens show: list a session's runs, or print one run's capture
 * verbatim (docs/collect.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "cli/textout.h"
#include "collector/session.h"

void usage_show(FILE *out)
{
        fprintf(out,
                "usage: bootlens show SESSION[:VARIANT] [--run N [--attempt K] "
                "[--raw | --serial | --qemu-log]]\n\n"
                "Without --run, list the runs: variant, verdict, attempts, to_dump_ms\n"
                "(spawn to dump: host ms from QEMU's spawn to the dump's begin line),\n"
                "delay_ms (how long QEMU's threads waited for a host CPU; \"-\": not\n"
                "recorded) and what went wrong, \"starved\" among it (docs/contention.md).\n"
                "With --run N, describe run N; --raw prints its VirtIO console capture\n"
                "verbatim, --serial its serial capture, --qemu-log QEMU's own output;\n"
                "--attempt K picks an earlier attempt of a retried run.\n\n"
                "  -r, --run N       one run\n"
                "      --attempt K   attempt K of that run (default: the final one)\n"
                "      --raw         print the VirtIO console capture\n"
                "      --serial      print the serial capture\n"
                "      --qemu-log    print QEMU's stdout and stderr\n"
                "  -h, --help        show this help\n\n"
                "Text from the session and the guest is shown with control bytes escaped\n"
                "(\\x1b); --raw, --serial and --qemu-log copy the bytes as they are to a pipe\n"
                "or a file, and escape them too on a terminal.\n\n"
                "Exit status: 0 ok, 1 stdout cannot be written, 2 usage error or no such\n"
                "(or a malformed) session or run.\n");
}

/* path's bytes to stdout: verbatim to a pipe or file, escaped on a
 * terminal (textout.h; the capture is the guest's, not ours to let drive
 * the terminal). */
static int print_file(const char *path)
{
        char *data;
        size_t len;
        int ret;

        ret = util_read_file(path, &data, &len);
        if (ret < 0) {
                textout_error("cannot open '%s': %s", path, strerror(-ret));
                return BL_EXIT_USAGE;
        }
        if (isatty(STDOUT_FILENO)) {
                textout_write(stdout, data, len, TEXTOUT_LINES);
        } else if (fflush(stdout) == 0) {
                /* whole, past stdio: a failure keeps its errno */
                ret = util_write_full(STDOUT_FILENO, data, len);
                if (ret < 0) {
                        bl_error("cannot write to standard output: %s", strerror(-ret));
                        free(data);
                        return BL_EXIT_FAIL;
                }
        }
        free(data);
        return BL_EXIT_OK;
}

/* A label, then the text s made safe (NULL: "unknown"), then a newline. */
static void print_field(const char *label, const char *s)
{
        fputs(label, stdout);
        textout_puts(stdout, s);
        putchar('\n');
}

static void print_header(const struct session *s)
{
        const struct session_info *in = session_info(s);

        printf("session ");
        textout_puts(stdout, in->id);
        printf(" (");
        textout_puts(stdout, in->created);
        printf(")\n");
        printf("host    ");
        textout_puts(stdout, in->host.cpu_model);
        printf(", ");
        textout_puts(stdout, in->host.kernel);
        print_field(", ", in->host.qemu_version);
        printf("accel   ");
        textout_puts(stdout, in->host.accel);
        if (in->host.accel_note) {
                printf(" (");
                textout_puts(stdout, in->host.accel_note);
                printf(")");
        }
        printf("\n");
        for (size_t i = 0; i < in->nlabels; i++) {
                printf("label   ");
                textout_puts(stdout, in->labels[i].key);
                print_field("=", in->labels[i].value);
        }
        for (size_t i = 0; i < in->nvariants; i++) {
                printf("variant %s: ", in->variants[i].name); /* a checked name */
                print_field("", in->variants[i].kernel.path);
                print_field("        cmdline: ", in->variants[i].cmdline);
        }
}

/* The final attempt's run delay in ms ("-": not recorded) and, when it
 * was starved, a note saying so. */
static void run_delay(const struct session_attempt *a, char *ms, size_t size, struct sbuf *note)
{
        snprintf(ms, size, "-");
        if (!a || !a->sched.available)
                return;
        snprintf(ms, size, "%.1f", (double)a->sched.run_delay_ns / 1e6);
        if (session_attempt_starved(a))
                sbuf_addf(note, "starved: run delay %.0f%% of wall time",
                          100.0 * (double)a->sched.run_delay_ns / (double)a->wall_ns);
}

/* One line of the run list. */
static void print_run_line(const struct session_run *r)
{
        struct sbuf note = SBUF_INIT;
        char to_dump[32] = "-", delay[32];

        if (r->boot_ns)
                snprintf(to_dump, sizeof(to_dump), "%.1f", (double)r->boot_ns / 1e6);
        run_delay(session_run_final(r), delay, sizeof(delay), &note);
        /* Earlier attempts, e.g. "retried after timeout". */
        for (size_t k = 0; k + 1 < r->nattempts; k++)
                sbuf_addf(&note, "%sattempt %zu %s", note.len ? "; " : "", k + 1,
                          session_verdict_name(r->attempts[k].verdict));
        if (*r->reason)
                sbuf_addf(&note, "%s%s", note.len ? "; " : "", r->reason);
        printf("%5u  %-12s %-9s %8zu %10s %8s  ", r->run, r->variant,
               session_verdict_name(r->verdict), r->nattempts, to_dump, delay);
        print_field("", note.buf);
        sbuf_release(&note);
}

/* Run files outside the plan are not runs of the session: say so. */
static void warn_strays(const struct session *s)
{
        unsigned *runs = NULL;
        int n = session_list_strays(s, &runs);

        for (int i = 0; i < n; i++)
                bl_warning("'%s/runs/%04u.json' is not in the plan (runs 1 to %zu): ignored",
                           session_dir(s), runs[i], session_planned_runs(s));
        free(runs);
}

static int list_runs(const struct session *s, const char *variant)
{
        unsigned *runs = NULL;
        int n;

        print_header(s);
        warn_strays(s);
        n = session_list_runs(s, &runs);
        if (n < 0) {
                bl_error("cannot list runs in '%s': %s", session_dir(s), strerror(-n));
                return BL_EXIT_USAGE;
        }
        printf("\n%5s  %-12s %-9s %8s %10s %8s  %s\n", "run", "variant", "verdict", "attempts",
               "to_dump_ms", "delay_ms", "note");
        for (int i = 0; i < n; i++) {
                struct session_run r;
                char err[512] = "";
                int ret;

                ret = session_run_read(s, runs[i], &r, err, sizeof(err));
                if (ret < 0) {
                        printf("%5u  (%s run file)\n", runs[i],
                               ret == -EINVAL ? "malformed" : "unreadable");
                        textout_warning("%s", err[0] ? err : strerror(-ret));
                        continue;
                }
                if (!variant || strcmp(variant, r.variant) == 0)
                        print_run_line(&r);
                session_run_free(&r);
        }
        free(runs);
        return BL_EXIT_OK;
}

/* One line of an attempt's timeline. */
struct tl_entry {
        const char *what; /* "" for host marks, "mark " for guest markers */
        const char *name;
        uint64_t ns;
};

static int cmp_entry(const void *a, const void *b)
{
        const struct tl_entry *x = a, *y = b;

        return (x->ns > y->ns) - (x->ns < y->ns);
}

/* Print an attempt's host marks and guest markers in time order, relative
 * to spawn. */
static void print_timeline(const struct session_attempt *a)
{
        const struct session_host_marks *h = &a->host;
        const struct tl_entry host[] = {
            {"", "first_serial_byte", h->first_serial_byte},
            {"", "first_console_byte", h->first_console_byte},
            {"", "dump_begin", h->dump_begin},
            {"", "dump_end", h->dump_end},
            {"", "exit", h->exit},
        };
        struct tl_entry *e = calloc(UTIL_ARRAY_SIZE(host) + a->nmarks, sizeof(*e));
        size_t n = 0;

        if (!e)
                return;
        for (size_t i = 0; i < UTIL_ARRAY_SIZE(host); i++)
                if (host[i].ns)
                        e[n++] = host[i];
        for (size_t i = 0; i < a->nmarks; i++)
                if (a->marks[i].host_ns)
                        e[n++] = (struct tl_entry){"mark ", a->marks[i].name, a->marks[i].host_ns};
        qsort(e, n, sizeof(*e), cmp_entry);
        for (size_t i = 0; i < n; i++) {
                printf("    %12.3f ms  %s", (double)(int64_t)(e[i].ns - h->spawn) / 1e6, e[i].what);
                print_field("", e[i].name);
        }
        free(e);
}

/* What the host scheduler said about an attempt's QEMU, and the host's
 * load at spawn. */
static void print_host_load(const struct session_attempt *a)
{
        const struct session_sched *sc = &a->sched;

        printf("    host: ");
        if (sc->available)
                printf("run delay %.1f ms%s, on CPU %.1f ms (%u threads, %u samples)",
                       (double)sc->run_delay_ns / 1e6,
                       session_attempt_starved(a) ? " (starved)" : "", (double)sc->on_cpu_ns / 1e6,
                       sc->threads, sc->samples);
        else
                printf("run delay not recorded");
        if (a->loadavg_1m_centi >= 0)
                printf("; load %d.%02d", a->loadavg_1m_centi / 100, a->loadavg_1m_centi % 100);
        if (a->cpus_online)
                printf(" on %u CPUs", a->cpus_online);
        printf("\n");
}

static int describe_run(const struct session_run *r)
{
        printf("run %u  variant %s  verdict %s%s%s", r->run, r->variant,
               session_verdict_name(r->verdict), r->warmup ? " (warm-up)" : "",
               *r->reason ? ": " : "");
        print_field("", r->reason);
        if (r->boot_ns)
                printf("to dump %.3f ms (spawn to dump: host time from QEMU's spawn to the dump's "
                       "begin line)\n",
                       (double)r->boot_ns / 1e6);
        if (r->slot >= 0) /* collect -j N */
                printf("slot %d, QEMU pinned to CPU %d\n", r->slot, r->cpu);
        for (size_t k = 0; k < r->nattempts; k++) {
                const struct session_attempt *a = &r->attempts[k];

                printf("attempt %zu: %s%s", k + 1, session_verdict_name(a->verdict),
                       *a->reason ? ": " : "");
                textout_puts(stdout, a->reason);
                printf("  (console ");
                textout_puts(stdout, a->console_file ? a->console_file : "none");
                printf(")\n");
                print_host_load(a);
                print_timeline(a);
        }
        return BL_EXIT_OK;
}

enum show_capture { SHOW_NONE, SHOW_CONSOLE, SHOW_SERIAL, SHOW_QEMU_LOG };

struct show_opts {
        uint64_t run, attempt; /* 0: none given */
        enum show_capture what;
        const char *ref; /* SESSION[:VARIANT] */
};

/* Returns 0, or an exit code (-1: --help, exit 0). */
static int parse_show_opts(int argc, char **argv, struct show_opts *o)
{
        enum { OPT_ATTEMPT = 256, OPT_RAW, OPT_SERIAL, OPT_QLOG };
        static const struct option longopts[] = {
            {"run", required_argument, NULL, 'r'},
            {"attempt", required_argument, NULL, OPT_ATTEMPT},
            {"raw", no_argument, NULL, OPT_RAW},
            {"serial", no_argument, NULL, OPT_SERIAL},
            {"qemu-log", no_argument, NULL, OPT_QLOG},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "r:h", longopts, NULL)) != -1) {
                switch (c) {
                case 'r':
                        if (util_parse_u64(optarg, 10, &o->run) < 0 || o->run == 0 ||
                            o->run > UINT32_MAX) {
                                bl_error("--run: '%s' is not a run number", optarg);
                                return BL_EXIT_USAGE;
                        }
                        break;
                case OPT_ATTEMPT:
                        if (util_parse_u64(optarg, 10, &o->attempt) < 0 || o->attempt == 0 ||
                            o->attempt > 1000) {
                                bl_error("--attempt: '%s' is not an attempt number", optarg);
                                return BL_EXIT_USAGE;
                        }
                        break;
                case OPT_RAW:
                case OPT_SERIAL:
                case OPT_QLOG:
                        if (o->what) {
                                bl_error("give only one of --raw, --serial, --qemu-log");
                                return BL_EXIT_USAGE;
                        }
                        o->what = c == OPT_RAW      ? SHOW_CONSOLE
                                  : c == OPT_SERIAL ? SHOW_SERIAL
                                                    : SHOW_QEMU_LOG;
                        break;
                case 'h':
                        usage_show(stdout);
                        return -1;
                default:
                        usage_show(stderr);
                        return BL_EXIT_USAGE;
                }
        }
        if (optind + 1 != argc) {
                bl_error(optind == argc ? "no session given" : "give one session");
                usage_show(stderr);
                return BL_EXIT_USAGE;
        }
        if ((o->what || o->attempt) && !o->run) {
                bl_error("--raw, --serial, --qemu-log and --attempt need --run N");
                return BL_EXIT_USAGE;
        }
        o->ref = argv[optind];
        return 0;
}

/* Print one capture of attempt o->attempt (0: the final one) of r. */
static int print_capture(const char *dir, const struct session_run *r, const struct show_opts *o)
{
        size_t k = o->attempt ? (size_t)o->attempt : r->nattempts;
        const struct session_attempt *a = k >= 1 && k <= r->nattempts ? &r->attempts[k - 1] : NULL;
        const char *file = !a                        ? NULL
                           : o->what == SHOW_CONSOLE ? a->console_file
                           : o->what == SHOW_SERIAL  ? a->serial_file
                                                     : a->qemu_log_file;
        char *path;
        int code;

        if (!file) {
                bl_error("run %u has no attempt %zu", r->run, k);
                return BL_EXIT_USAGE;
        }
        if (strchr(file, '/')) {
                textout_error("run %u: bad file name '%s'", r->run, file);
                return BL_EXIT_USAGE;
        }
        if (asprintf(&path, "%s/runs/%s", dir, file) < 0)
                return BL_EXIT_FAIL;
        code = print_file(path);
        free(path);
        return code;
}

/* Open the session o->ref names; *variant: its variant or NULL. */
static int open_session(const struct show_opts *o, struct session **s, char **dir, char **variant)
{
        char err[512] = "";
        int ret;

        if (session_split_ref(o->ref, dir, variant) < 0) {
                bl_error("out of memory");
                return BL_EXIT_FAIL;
        }
        ret = session_open(*dir, s, err, sizeof(err));
        if (ret < 0) {
                if (ret == -ENOENT)
                        bl_error("'%s' is not a session: no session.json", *dir);
                else
                        textout_error("%s", err[0] ? err : strerror(-ret));
                return BL_EXIT_USAGE;
        }
        if (*variant && session_variant_index(*s, *variant) < 0) {
                bl_error("session '%s' has no variant '%s'", *dir, *variant);
                return BL_EXIT_USAGE;
        }
        return BL_EXIT_OK;
}

int cmd_show(int argc, char **argv)
{
        struct show_opts o = {0};
        char *dir = NULL, *variant = NULL, err[512] = "";
        struct session *s = NULL;
        struct session_run r = {0};
        int code, ret;

        code = parse_show_opts(argc, argv, &o);
        if (code)
                return code < 0 ? BL_EXIT_OK : code;
        code = open_session(&o, &s, &dir, &variant);
        if (code != BL_EXIT_OK)
                goto out;
        if (!o.run) {
                code = list_runs(s, variant);
                goto out;
        }
        ret = session_run_read(s, (unsigned)o.run, &r, err, sizeof(err));
        if (ret < 0) {
                if (ret == -ENOENT)
                        bl_error("session '%s' has no run %llu", dir, (unsigned long long)o.run);
                else
                        textout_error("session '%s': run %llu is malformed: %s", dir,
                                      (unsigned long long)o.run, err[0] ? err : strerror(-ret));
                code = BL_EXIT_USAGE;
                goto out;
        }
        if (variant && strcmp(r.variant, variant) != 0) {
                textout_error("run %llu of '%s' is of variant '%s', not '%s'",
                              (unsigned long long)o.run, dir, r.variant, variant);
                code = BL_EXIT_USAGE;
                goto out;
        }
        if (o.attempt > r.nattempts) {
                bl_error("run %llu has no attempt %llu (it has %zu)", (unsigned long long)o.run,
                         (unsigned long long)o.attempt, r.nattempts);
                code = BL_EXIT_USAGE;
                goto out;
        }
        /* Without a capture asked for, every attempt is described (--attempt
         * only checked). */
        code = o.what ? print_capture(dir, &r, &o) : describe_run(&r);
out:
        /* What was printed must have reached stdout (a full disk, /dev/full). */
        if (cli_check_output(stdout, "standard output") < 0 && code == BL_EXIT_OK)
                code = BL_EXIT_FAIL;
        session_run_free(&r);
        session_free(s);
        free(dir);
        free(variant);
        return code;
}
