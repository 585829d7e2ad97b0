/*
 * bootlens analyze: attribute boot time to phases and functions.
 *
 * Each FILE goes through load -> trace -> analysis -> render:
 *   load      read the whole file (util_read_file)
 *   trace     an input parser fills a struct ev_trace (input_kinds[]: tslog
 *             today; the Linux kernel log parser adds an entry there)
 *   analysis  call trees and phases (analyzer/analysis.h)
 *   render    table, json or folded (reports/)
 * Several FILEs are analysed in turn: the table and JSON reports follow one
 * another (one JSON document per file); folded stacks are merged into one
 * profile.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/dmesg.h"
#include "analyzer/events.h"
#include "analyzer/fgraph.h"
#include "analyzer/phases.h"
#include "analyzer/stitch.h"
#include "analyzer/tslog.h"
#include "base/util.h"
#include "cli/analyze_session.h"
#include "cli/commands.h"
#include "guest/framing.h"
#include "reports/folded.h"
#include "reports/json.h"
#include "reports/report.h"
#include "reports/table.h"

enum format { FORMAT_TABLE, FORMAT_JSON, FORMAT_FOLDED };

struct analyze_opts {
        uint64_t tsc_freq;
        const char *phase_map_path;
        char *phase_map; /* the map's text, read once */
        size_t phase_map_len;
        enum format format;
        enum report_unit unit;
        bool unit_given;
        bool strict;
        enum ev_os os;
        size_t top;
};

/* What an input parser hands back beside the trace. */
struct input_result {
        const char *freq_source;
        struct tslog_meta tslog;
        bool is_tslog;
        struct dmesg_meta dmesg; /* Linux inputs */
};

struct input_kind {
        const char *name;
        /* Fill t from buf; returns 0 or -ENOMEM. */
        int (*parse)(struct ev_trace *t, const char *buf, size_t len, const struct analyze_opts *o,
                     struct input_result *res);
        /* Set the phase points this input knows of. */
        int (*points)(struct phases *ph, const struct ev_trace *t, const struct input_result *res);
};

static int parse_tslog(struct ev_trace *t, const char *buf, size_t len,
                       const struct analyze_opts *o, struct input_result *res)
{
        struct tslog_options topts = {.os = o->os, .freq_hz = o->tsc_freq};
        int err = tslog_parse(t, buf, len, &topts, &res->tslog);

        res->is_tslog = true;
        res->freq_source = res->tslog.freq_source == TSLOG_FREQ_OPTION    ? "option"
                           : res->tslog.freq_source == TSLOG_FREQ_CAPTURE ? "capture"
                                                                          : "none";
        return err;
}

/* guest.tsc0: the guest TSC counts from 0 at vCPU creation; dump.begin:
 * the dumper's TSC when it started, when the capture says. */
static int points_tslog(struct phases *ph, const struct ev_trace *t, const struct input_result *res)
{
        int err = phases_set_point(ph, "guest.tsc0", 0);

        if (err == 0 && res->tslog.has_tsc_now)
                err = phases_set_point(ph, "dump.begin", res->tslog.tsc_now);
        return err;
}

static int parse_linux(struct ev_trace *t, const char *buf, size_t len,
                       const struct analyze_opts *o, struct input_result *res)
{
        res->freq_source = "none";
        return dmesg_parse(t, buf, len, &res->dmesg);
}

/* A plain log has no host marks: only the kernel's own points. */
static int points_linux(struct phases *ph, const struct ev_trace *t, const struct input_result *res)
{
        return stitch_set_points(ph, &res->dmesg, NULL);
}

/* The Linux kernel log parser (analyzer/dmesg.h): input_kinds[1]. */
static const struct input_kind input_kinds[] = {
    {"tslog", parse_tslog, points_tslog},
    {"linux", parse_linux, points_linux},
};

/* A Linux kernel log (a dump with os=linux, or more printk-stamped lines
 * than tslog records at the start) or else tslog. */
static const struct input_kind *choose_kind(const char *buf, size_t len,
                                            const struct analyze_opts *o)
{
        static const char linux_dump[] = FRAMING_PREFIX FRAMING_VERSION " begin os=linux";

        if (o->os == EV_OS_FREEBSD || o->os == EV_OS_NETBSD)
                return &input_kinds[0];
        if (memmem(buf, len, linux_dump, sizeof(linux_dump) - 1))
                return &input_kinds[1];
        if (fgraph_probe(buf, len) || dmesg_probe(buf, len) > tslog_probe(buf, len))
                return &input_kinds[1];
        return &input_kinds[0];
}

void usage_analyze(FILE *out)
{
        fprintf(out,
                "usage: bootlens analyze [--tsc-freq HZ] [--phase-map FILE]\n"
                "                        [--format table|json|folded] [--unit cycles|ns|us|ms]\n"
                "                        [--os freebsd|netbsd] [--top N] [--strict]\n"
                "                        FILE|SESSION[:VARIANT]...\n"
                "\n"
                "Turn a tslog(4) dump, a Linux kernel log (dmesg, serial console, or a bootlens\n"
                "dump) or a raw console capture holding one into per-thread call trees, boot\n"
                "phases and top functions. A SESSION directory ('bootlens collect') gives, per\n"
                "ok run, the phase table, the slowest initcalls and the clock stitching\n"
                "(docs/linux.md).\n"
                "\n"
                "  --tsc-freq HZ      TSC frequency (default: a tsc_freq= field in the capture;\n"
                "                     without one every time is in cycles)\n"
                "  --phase-map FILE   phases, one 'NAME: EVENT -> EVENT' a line (default: the\n"
                "                     built-in map of the guest OS)\n"
                "  --format FMT       table (default), json, or folded (FlameGraph stacks)\n"
                "  --unit UNIT        time unit of table and folded (default ms for table,\n"
                "                     us for folded; json gives cycles and ns)\n"
                "  --os OS            dialect, when detection guesses wrong\n"
                "  --top N            functions listed by self and by total time (default 20)\n"
                "  --strict           exit 1 when there is any warning\n"
                "\n"
                "Several FILEs are analysed in turn; folded stacks of all of them are merged.\n"
                "Exit status: 0 ok (warnings included), 1 warnings under --strict or a session\n"
                "with no ok run, 2 usage error, unreadable file or no record. See\n"
                "docs/analyze.md and docs/linux.md.\n");
}

static int parse_args(int argc, char **argv, struct analyze_opts *o)
{
        static const struct option longopts[] = {
            {"tsc-freq", required_argument, NULL, 'f'},
            {"phase-map", required_argument, NULL, 'p'},
            {"format", required_argument, NULL, 'F'},
            {"unit", required_argument, NULL, 'u'},
            {"strict", no_argument, NULL, 's'},
            {"os", required_argument, NULL, 'o'},
            {"top", required_argument, NULL, 't'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        int c;
        uint64_t v;

        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                switch (c) {
                case 'f':
                        if (util_parse_u64(optarg, 10, &v) < 0 || v == 0) {
                                bl_error("analyze: --tsc-freq wants a positive number of Hz, "
                                         "not '%s'",
                                         optarg);
                                return -EINVAL;
                        }
                        o->tsc_freq = v;
                        break;
                case 'p':
                        o->phase_map_path = optarg;
                        break;
                case 'F':
                        if (strcmp(optarg, "table") == 0) {
                                o->format = FORMAT_TABLE;
                        } else if (strcmp(optarg, "json") == 0) {
                                o->format = FORMAT_JSON;
                        } else if (strcmp(optarg, "folded") == 0) {
                                o->format = FORMAT_FOLDED;
                        } else {
                                bl_error("analyze: unknown format '%s' (table, json or folded)",
                                         optarg);
                                return -EINVAL;
                        }
                        break;
                case 'u':
                        if (report_unit_parse(optarg, &o->unit) < 0) {
                                bl_error("analyze: unknown unit '%s' (cycles, ns, us or ms)",
                                         optarg);
                                return -EINVAL;
                        }
                        o->unit_given = true;
                        break;
                case 's':
                        o->strict = true;
                        break;
                case 'o':
                        if (strcmp(optarg, "freebsd") == 0) {
                                o->os = EV_OS_FREEBSD;
                        } else if (strcmp(optarg, "netbsd") == 0) {
                                o->os = EV_OS_NETBSD;
                        } else {
                                bl_error("analyze: unknown os '%s' (freebsd or netbsd)", optarg);
                                return -EINVAL;
                        }
                        break;
                case 't':
                        if (util_parse_u64(optarg, 10, &v) < 0 || v > 1000000) {
                                bl_error("analyze: --top wants a number, not '%s'", optarg);
                                return -EINVAL;
                        }
                        o->top = (size_t)v;
                        break;
                case 'h':
                        usage_analyze(stdout);
                        return 1;
                default:
                        if (optopt)
                                bl_error("analyze: option '-%c' is unknown or needs a value",
                                         optopt);
                        else
                                bl_error("analyze: option '%s' is unknown or needs a value",
                                         argv[optind - 1]);
                        usage_analyze(stderr);
                        return -EINVAL;
                }
        }
        if (!o->unit_given)
                o->unit = o->format == FORMAT_FOLDED ? REPORT_US : REPORT_MS;
        if (optind >= argc) {
                bl_error("analyze: no FILE given");
                usage_analyze(stderr);
                return -EINVAL;
        }
        return 0;
}

/* Read and check the phase map once, before any input. */
static int load_phase_map(struct analyze_opts *o)
{
        struct phases *ph;
        char *err = NULL;
        int rc;

        if (!o->phase_map_path)
                return 0;
        rc = util_read_file(o->phase_map_path, &o->phase_map, &o->phase_map_len);
        if (rc < 0) {
                bl_error("cannot open '%s': %s", o->phase_map_path, strerror(-rc));
                return rc;
        }
        ph = phases_new();
        if (!ph)
                return -ENOMEM;
        rc = phases_load_map(ph, o->phase_map, o->phase_map_len, o->phase_map_path, &err);
        phases_free(ph);
        if (rc == -EINVAL)
                bl_error("%s", err ? err : "bad phase map");
        else if (rc < 0)
                bl_error("analyze: out of memory");
        free(err);
        return rc;
}

struct run_state {
        const struct analyze_opts *o;
        struct folded *folded;
        bool said_no_freq;
        size_t nfiles_done;
        size_t nwarnings;
};

static void print_warnings(const struct ev_trace *t)
{
        uint32_t *idx = analysis_warnings_sorted(t);

        for (size_t k = 0; idx && k < t->nwarns; k++) {
                const struct ev_warning *w = &t->warns[idx[k]];
                if (w->line)
                        bl_warning("%s:%u: %s", t->source, w->line, w->msg);
                else
                        bl_warning("%s: %s", t->source, w->msg);
        }
        free(idx);
}

/* Analyse one file. Returns BL_EXIT_OK or BL_EXIT_USAGE (input error). */
static int analyze_file(struct run_state *st, const char *path)
{
        const struct analyze_opts *o = st->o;
        const struct input_kind *kind;
        struct input_result res = {0};
        struct report_options ropts = {.unit = o->unit, .top = o->top, .max_warnings = 50};
        struct analysis a = {0};
        struct ev_trace t;
        struct phases *ph = NULL;
        char *buf = NULL;
        size_t len;
        int rc = BL_EXIT_USAGE, err;

        err = util_read_file(path, &buf, &len);
        if (err < 0) {
                bl_error("cannot open '%s': %s", path, strerror(-err));
                return BL_EXIT_USAGE;
        }
        kind = choose_kind(buf, len, o);
        if (ev_trace_init(&t, path) < 0)
                goto out_nomem;
        err = kind->parse(&t, buf, len, o, &res);
        if (err < 0)
                goto out_nomem;
        if (kind == &input_kinds[1] && !res.dmesg.lines_printk && !res.dmesg.ftrace_calls) {
                bl_error("no kernel log line with a printk timestamp in '%s' (%llu lines read)",
                         path, (unsigned long long)t.lines_total);
                goto out_free;
        }
        if (t.nrecs == 0 && t.nprocs == 0) {
                bl_error("no tslog record in '%s' (%llu lines read)", path,
                         (unsigned long long)t.lines_total);
                goto out_free;
        }
        ph = phases_new();
        if (!ph)
                goto out_nomem;
        if (o->phase_map) {
                char *msg = NULL;
                err = phases_load_map(ph, o->phase_map, o->phase_map_len, o->phase_map_path, &msg);
                free(msg);
        } else {
                /* Linux: the map that fits the log (with or without initcalls) */
                if (t.os == EV_OS_LINUX)
                        err = phases_load_map(ph, stitch_linux_map_for(&res.dmesg),
                                              strlen(stitch_linux_map_for(&res.dmesg)),
                                              "builtin:linux", NULL);
                else
                        err = phases_load_default(ph, t.os);
                if (err == -ENOENT)
                        err = 0;
        }
        if (err == 0)
                err = kind->points(ph, &t, &res);
        if (err < 0)
                goto out_nomem;
        err = analysis_run(&a, &t, ph);
        if (err < 0)
                goto out_nomem;
        a.input_kind = kind->name;
        a.freq_source = res.freq_source;
        a.tslog = res.is_tslog ? &res.tslog : NULL;

        if (t.clock == EV_CLOCK_CYCLES && !t.freq_hz && !st->said_no_freq) {
                fprintf(stderr,
                        "bootlens: no TSC frequency for '%s' (no --tsc-freq, no tsc_freq= in the "
                        "capture): times are in cycles\n",
                        path);
                st->said_no_freq = true;
        }
        switch (o->format) {
        case FORMAT_TABLE:
                if (st->nfiles_done)
                        putchar('\n');
                err = table_write(stdout, &a, &ropts);
                break;
        case FORMAT_JSON:
                err = json_write(stdout, &a);
                break;
        case FORMAT_FOLDED:
                err = folded_add(st->folded, &a);
                break;
        }
        if (err == -ENOMEM)
                goto out_nomem;
        if (err < 0) {
                bl_error("cannot write the report: %s", strerror(-err));
                goto out_free;
        }
        if (t.nwarns) {
                if (o->format == FORMAT_FOLDED)
                        print_warnings(&t);
                else
                        bl_warning("%s: %zu warning%s (listed in the report)", path, t.nwarns,
                                   t.nwarns == 1 ? "" : "s");
        }
        st->nwarnings += t.nwarns;
        st->nfiles_done++;
        rc = BL_EXIT_OK;
        goto out_free;
out_nomem:
        bl_error("analyze: out of memory on '%s'", path);
out_free:
        analysis_free(&a);
        phases_free(ph);
        ev_trace_free(&t);
        free(buf);
        return rc;
}

/* A session run that is not a Linux log: the file path of analysis. */
static int analyze_other(const char *path, void *ctx)
{
        return analyze_file(ctx, path);
}

int cmd_analyze(int argc, char **argv)
{
        struct analyze_opts o = {.format = FORMAT_TABLE, .top = 20};
        struct run_state st = {.o = &o};
        int rc = BL_EXIT_OK, err;

        err = parse_args(argc, argv, &o);
        if (err)
                return err > 0 ? BL_EXIT_OK : BL_EXIT_USAGE;
        if (load_phase_map(&o) < 0) {
                free(o.phase_map);
                return BL_EXIT_USAGE;
        }
        if (o.format == FORMAT_FOLDED) {
                st.folded = folded_new();
                if (!st.folded) {
                        bl_error("analyze: out of memory");
                        free(o.phase_map);
                        return BL_EXIT_USAGE;
                }
        }
        for (int k = optind; k < argc; k++) {
                if (o.format != FORMAT_FOLDED && analyze_is_session(argv[k])) {
                        struct analyze_session_opts so = {.json = o.format == FORMAT_JSON,
                                                          .top = o.top,
                                                          .map = o.phase_map,
                                                          .map_len = o.phase_map_len,
                                                          .other = analyze_other,
                                                          .ctx = &st};
                        int src = analyze_session(argv[k], &so);

                        st.nwarnings += so.nwarnings;
                        if (src != BL_EXIT_OK && rc != BL_EXIT_USAGE)
                                rc = src;
                } else if (analyze_is_session(argv[k])) {
                        bl_error("analyze: --format folded takes files, not the session '%s' "
                                 "(give its runs/NNNN.console)",
                                 argv[k]);
                        rc = BL_EXIT_USAGE;
                } else if (analyze_file(&st, argv[k]) != BL_EXIT_OK) {
                        rc = BL_EXIT_USAGE;
                }
        }
        if (st.folded) {
                enum report_unit u = folded_unit_for(st.folded, o.unit);
                err = folded_write(stdout, st.folded, u);
                if (err < 0) {
                        bl_error("cannot write the stacks: %s", strerror(-err));
                        rc = BL_EXIT_USAGE;
                }
        }
        if (fflush(stdout) != 0) {
                bl_error("cannot write to standard output: %s", strerror(errno));
                rc = BL_EXIT_USAGE;
        }
        if (rc == BL_EXIT_OK && o.strict && st.nwarnings)
                rc = BL_EXIT_FAIL;
        folded_free(st.folded);
        free(o.phase_map);
        return rc;
}
