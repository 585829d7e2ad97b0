/*
 * bootlens analyze: attribute boot time to phases and functions.
 *
 * Parses the arguments, then for each FILE reads it and runs the one
 * pipeline (analyzer/run.h: input detection, parse, phases, call trees)
 * and a renderer (reports/: table, json, folded); a SESSION[:VARIANT]
 * goes through the same pipeline run by run (analyze_session.h). Table
 * and JSON reports follow one another (one JSON document per argument);
 * folded stacks of every input are merged into one profile.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/phases.h"
#include "analyzer/run.h"
#include "analyzer/runset.h"
#include "base/sbuf.h"
#include "base/util.h"
#include "cli/analyze_session.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "reports/aggreport.h"
#include "reports/export.h"
#include "reports/folded.h"
#include "reports/hyperfine.h"
#include "reports/jsonw.h"
#include "reports/json.h"
#include "reports/report.h"
#include "reports/table.h"

enum format {
        FORMAT_TABLE,
        FORMAT_JSON,
        FORMAT_FOLDED,
        FORMAT_CSV,
        FORMAT_MD,
        FORMAT_CHROME,
        FORMAT_HYPERFINE
};

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
        bool per_run;         /* sessions: each run's report after the aggregate */
        bool aggregate;       /* FILEs: one aggregate of them all */
        bool exclude_starved; /* sessions: starved runs out of the aggregate */
        uint64_t seed;
        const char *metric; /* --metric (hyperfine), NULL: total */
};

void usage_analyze(FILE *out)
{
        fprintf(out,
                "usage: bootlens analyze [--tsc-freq HZ] [--phase-map FILE]\n"
                "                        [--format table|json|folded|csv|md|chrome|hyperfine]\n"
                "                        [--metric total|phase:NAME|fn:NAME]\n"
                "                        [--unit cycles|ns|us|ms]\n"
                "                        [--os freebsd|netbsd] [--top N] [--strict]\n"
                "                        [--per-run] [--aggregate] [--exclude-starved]\n"
                "                        [--seed S] FILE|SESSION[:VARIANT]...\n"
                "\n"
                "Turn a tslog(4) dump, a Linux kernel log (dmesg, serial console, or a bootlens\n"
                "dump) or a raw console capture holding one into per-thread call trees, boot\n"
                "phases and top functions (for Linux also the slowest initcalls). A SESSION\n"
                "directory ('bootlens collect') gives the aggregate of the ok runs of each\n"
                "variant: per metric (the total, every phase, every function) n, median,\n"
                "IQR, p10, p90, min, max, a 95%% CI of the median, outliers; failed and\n"
                "starved runs listed. Each run is analysed as a FILE, plus what the host's\n"
                "marks add: the host phases, the total (spawn to QEMU exit) and the clock\n"
                "stitching (docs/linux.md).\n"
                "\n"
                "  --tsc-freq HZ      TSC frequency (default: a tsc_freq= field in the capture;\n"
                "                     without one every time is in cycles)\n"
                "  --phase-map FILE   phases, one 'NAME: EVENT -> EVENT' a line (default: the\n"
                "                     built-in map of the guest OS)\n"
                "  --format FMT       table (default), json, folded (FlameGraph stacks), csv,\n"
                "                     md (Markdown tables) or chrome (Chrome trace JSON for\n"
                "                     Perfetto and speedscope: docs/exports.md) or hyperfine\n"
                "                     (hyperfine --export-json's shape, one result a variant)\n"
                "  --metric M         hyperfine: total (default; sessions only), phase:NAME or\n"
                "                     fn:NAME\n"
                "  --unit UNIT        time unit of table, folded, csv and md (default ms;\n"
                "                     us for folded; json gives cycles and ns, chrome us)\n"
                "  --os OS            tslog dialect, when detection guesses wrong\n"
                "  --top N            functions listed by self and by total time, slowest\n"
                "                     initcalls listed (default 20)\n"
                "  --strict           exit 1 when there is any warning\n"
                "  --per-run          sessions: each run's own report after the aggregate\n"
                "                     (csv, md: each run's rows before it)\n"
                "  --aggregate        FILEs: aggregate them as the runs of one session\n"
                "  --exclude-starved  leave runs starved by the host out of the aggregate\n"
                "  --seed S           seed of the statistics' randomness (default 0; the\n"
                "                     aggregate's order-statistic CI uses none)\n"
                "\n"
                "Several inputs are analysed in turn; folded stacks of all of them are merged.\n"
                "Exit status: 0 ok (warnings included), 1 warnings under --strict or a session\n"
                "with no ok run, 2 usage error, unreadable file or no record. See\n"
                "docs/analyze.md and docs/linux.md.\n");
}

static int parse_args(int argc, char **argv, struct analyze_opts *o)
{
        static const struct option longopts[] = {
            {"tsc-freq", required_argument, NULL, 'f'}, {"phase-map", required_argument, NULL, 'p'},
            {"format", required_argument, NULL, 'F'},   {"unit", required_argument, NULL, 'u'},
            {"strict", no_argument, NULL, 's'},         {"os", required_argument, NULL, 'o'},
            {"top", required_argument, NULL, 't'},      {"per-run", no_argument, NULL, 'R'},
            {"aggregate", no_argument, NULL, 'A'},      {"exclude-starved", no_argument, NULL, 'X'},
            {"metric", required_argument, NULL, 'm'},   {"seed", required_argument, NULL, 'S'},
            {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
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
                        } else if (strcmp(optarg, "csv") == 0) {
                                o->format = FORMAT_CSV;
                        } else if (strcmp(optarg, "md") == 0) {
                                o->format = FORMAT_MD;
                        } else if (strcmp(optarg, "chrome") == 0) {
                                o->format = FORMAT_CHROME;
                        } else if (strcmp(optarg, "hyperfine") == 0) {
                                o->format = FORMAT_HYPERFINE;
                        } else {
                                bl_error("analyze: unknown format '%s' (table, json, folded, csv, "
                                         "md, chrome or hyperfine)",
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
                case 'R':
                        o->per_run = true;
                        break;
                case 'A':
                        o->aggregate = true;
                        break;
                case 'X':
                        o->exclude_starved = true;
                        break;
                case 'm':
                        if (strcmp(optarg, "total") != 0 && strncmp(optarg, "phase:", 6) != 0 &&
                            strncmp(optarg, "fn:", 3) != 0) {
                                bl_error("analyze: --metric wants total, phase:NAME or fn:NAME, "
                                         "not '%s'",
                                         optarg);
                                return -EINVAL;
                        }
                        o->metric = optarg;
                        break;
                case 'S':
                        if (util_parse_u64(optarg, 0, &v) < 0) {
                                bl_error("analyze: --seed wants a number, not '%s'", optarg);
                                return -EINVAL;
                        }
                        o->seed = v;
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
        if (o->metric && o->format != FORMAT_HYPERFINE) {
                bl_error("analyze: --metric is for --format hyperfine");
                return -EINVAL;
        }
        if (o->format == FORMAT_HYPERFINE && (!o->metric || strcmp(o->metric, "total") == 0))
                for (int k = optind; k < argc; k++)
                        if (!runset_is_session(argv[k])) {
                                bl_error("analyze: '%s' is a FILE, which has no host total: "
                                         "--format hyperfine wants --metric phase:NAME or "
                                         "fn:NAME for it",
                                         argv[k]);
                                return -EINVAL;
                        }
        return 0;
}

/* Read and check the phase map once, before any input. */
static int load_phase_map(struct analyze_opts *o)
{
        struct phases *ph;
        char *err = NULL;
        bool opened;
        int rc;

        if (!o->phase_map_path)
                return 0;
        rc = run_read_input(o->phase_map_path, &o->phase_map, &o->phase_map_len, &opened);
        if (rc < 0) {
                cli_input_error(o->phase_map_path, rc, opened);
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
        struct run_options ro;
        struct report_options rep;
        struct folded *folded;
        struct export *export; /* csv, md, chrome */
        struct hyperfine_set *hyperfine;
        char *files_command; /* --aggregate, hyperfine: the FILEs' paths */
        size_t nsessions;    /* SESSION arguments */
        bool said_no_freq;
        size_t nfiles_done;
        size_t nwarnings;
        bool output_failed; /* a write to stdout failed, and was said */
        /* --aggregate: the FILEs' aggregate, their JSON document, their tables */
        struct aggreport files;
        struct jsonw *w;
        FILE *tables;
        char *tables_buf;
        size_t tables_len;
        enum run_kind files_kind;
        enum ev_os files_os;
        const char *first_file;
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

/* One analysed FILE into the FILEs' aggregate (and their JSON document
 * or tables). Returns 0 or -errno. */
static int aggregate_file(struct run_state *st, const struct run *r, const char *path)
{
        struct aggreport_group *g = aggreport_group(&st->files, NULL);
        struct aggreport_run u = {
            .run = (unsigned)st->nfiles_done + 1, .file = path, .verdict = "ok", .reason = ""};
        int rc = g ? aggreport_add_run(g, &u) : -ENOMEM;

        if (!rc)
                rc = aggregate_add(&g->agg, r, u.run);
        if (rc)
                return rc;
        switch (st->o->format) {
        case FORMAT_TABLE:
                if (!st->tables)
                        return 0;
                fprintf(st->tables, "\n%s:\n", path);
                return table_write(st->tables, r, &st->rep);
        case FORMAT_JSON:
                jsonw_obj_begin(st->w);
                jsonw_key(st->w, "file");
                jsonw_str(st->w, path);
                json_run_members(st->w, r, st->rep.top);
                jsonw_obj_end(st->w);
                return st->w->err;
        case FORMAT_FOLDED:
                return folded_add(st->folded, &r->analysis);
        case FORMAT_CSV:
        case FORMAT_MD: /* each run with --per-run, the aggregate at the end */
                if (!st->o->per_run)
                        return 0;
                /* fall through */
        case FORMAT_CHROME: /* each run (docs/exports.md) */
                return export_add_run(st->export, r, &(struct csv_run_source){.source = path});
        case FORMAT_HYPERFINE:
                return hyperfine_add_run(st->hyperfine, r, st->files_command, 0, 0);
        }
        return -EINVAL;
}

/* Render one analysed FILE. Returns 0 or -errno. */
static int render(struct run_state *st, const struct run *r)
{
        if (st->o->aggregate)
                return aggregate_file(st, r, r->trace.source);
        switch (st->o->format) {
        case FORMAT_TABLE:
                if (st->nfiles_done)
                        putchar('\n');
                return table_write(stdout, r, &st->rep);
        case FORMAT_JSON:
                return json_write(stdout, r, st->rep.top);
        case FORMAT_FOLDED:
                return folded_add(st->folded, &r->analysis);
        case FORMAT_CSV:
        case FORMAT_MD:
        case FORMAT_CHROME:
                return export_add_run(st->export, r,
                                      &(struct csv_run_source){.source = r->trace.source});
        case FORMAT_HYPERFINE:
                return hyperfine_add_run(st->hyperfine, r, r->trace.source, 0, 0);
        }
        return -EINVAL;
}

/* Analyse one file. Returns BL_EXIT_OK or BL_EXIT_USAGE (input error). */
static int analyze_file(struct run_state *st, const char *path)
{
        struct run r = {0};
        char *buf = NULL, *msg = NULL;
        size_t len;
        bool opened;
        int err;

        err = run_read_input(path, &buf, &len, &opened);
        if (err < 0) {
                cli_input_error(path, err, opened);
                return BL_EXIT_USAGE;
        }
        err = run_analyse(&r, path, buf, len, &st->ro, NULL, &msg);
        if (err == -ENODATA) {
                if (r.kind == RUN_LINUX)
                        bl_error("no kernel log line with a printk timestamp in '%s' (%llu lines "
                                 "read)",
                                 path, (unsigned long long)r.trace.lines_total);
                else
                        bl_error("no tslog record in '%s' (%llu lines read)", path,
                                 (unsigned long long)r.trace.lines_total);
                goto out_fail;
        }
        if (err < 0)
                goto out_err;
        if (st->o->aggregate && st->first_file &&
            (r.kind != st->files_kind ||
             (r.trace.os && st->files_os && r.trace.os != st->files_os))) {
                bl_error("analyze: --aggregate takes captures of one OS: '%s' is %s, '%s' is %s",
                         st->first_file, ev_os_str(st->files_os), path, ev_os_str(r.trace.os));
                goto out_fail;
        }
        if (!st->first_file) {
                st->first_file = path;
                st->files_kind = r.kind;
        }
        if (!st->files_os)
                st->files_os = r.trace.os;
        if (r.trace.clock == EV_CLOCK_CYCLES && !r.trace.freq_hz && !st->said_no_freq &&
            st->o->format != FORMAT_CHROME) {
                fprintf(stderr,
                        "bootlens: no TSC frequency for '%s' (no --tsc-freq, no tsc_freq= in the "
                        "capture): times are in cycles\n",
                        path);
                st->said_no_freq = true;
        }
        err = render(st, &r);
        if (err == -EDOM) {
                bl_error("'%s': %s", path, EXPORT_NO_FREQ);
                goto out_fail;
        }
        if (err == -ENOMEM)
                goto out_err;
        if (err < 0) {
                bl_error("cannot write the report of '%s' to standard output: %s", path,
                         strerror(-err));
                st->output_failed = true;
                cli_output_error_said(stdout);
                goto out_fail;
        }
        if (r.trace.nwarns) {
                if (st->o->format == FORMAT_FOLDED || st->o->format == FORMAT_HYPERFINE)
                        print_warnings(&r.trace);
                else
                        bl_warning("%s: %zu warning%s (listed in the report)", path, r.trace.nwarns,
                                   r.trace.nwarns == 1 ? "" : "s");
        }
        st->nwarnings += r.trace.nwarns;
        st->nfiles_done++;
        run_free(&r);
        return BL_EXIT_OK;
out_err:
        if (err == -EINVAL && msg)
                bl_error("%s", msg);
        else
                bl_error("analyze: cannot analyse '%s': %s", path, strerror(-err));
out_fail:
        free(msg);
        run_free(&r);
        return BL_EXIT_USAGE;
}

/* --aggregate: start the FILEs' JSON document or their tables. Returns 0
 * or -ENOMEM. */
static int begin_files(struct run_state *st)
{
        st->files.top = st->o->top;
        st->files.seed = st->o->seed;
        if (st->o->format == FORMAT_JSON) {
                st->w = malloc(sizeof(*st->w));
                if (!st->w)
                        return -ENOMEM;
                jsonw_init(st->w, stdout);
                aggreport_json_begin(st->w, "bootlens-files-aggregate");
                jsonw_key(st->w, "files");
                jsonw_arr_begin(st->w);
        } else if (st->o->format == FORMAT_TABLE && st->o->per_run) {
                st->tables = open_memstream(&st->tables_buf, &st->tables_len);
                if (!st->tables)
                        return -ENOMEM;
        }
        return 0;
}

/* --aggregate: the FILEs' aggregate, written. Returns 0, or -errno after
 * saying what failed. */
static int end_files(struct run_state *st)
{
        int rc = aggreport_finish(&st->files);

        if (rc) {
                bl_error("analyze: out of memory");
                return rc;
        }
        if (st->tables && fclose(st->tables) != 0)
                rc = -ENOMEM;
        st->tables = NULL;
        if (!rc && st->w) {
                jsonw_arr_end(st->w);
                aggreport_json_members(st->w, &st->files);
                jsonw_obj_end(st->w);
                rc = jsonw_finish(st->w);
                if (!rc && putchar('\n') == EOF)
                        rc = -EIO;
        } else if (!rc && st->o->format == FORMAT_TABLE) {
                if (st->nfiles_done)
                        rc = aggreport_table(stdout, &st->files);
                if (!rc && st->tables_buf && st->tables_len &&
                    fwrite(st->tables_buf, 1, st->tables_len, stdout) != st->tables_len)
                        rc = -EIO;
        } else if (!rc && st->export && st->nfiles_done)
                rc = export_add_aggregate(st->export, &st->files);
        if (rc)
                bl_error("cannot write the aggregate to standard output: %s", strerror(-rc));
        return rc;
}

/* Analyse the session ref through the same pipeline and renderers. */
static int analyze_ref(struct run_state *st, const char *ref)
{
        struct analyze_session_opts so = {
            .json = st->o->format == FORMAT_JSON,
            .run = &st->ro,
            .report = &st->rep,
            .folded = st->folded,
            .per_run = st->o->per_run,
            .exclude_starved = st->o->exclude_starved,
            .seed = st->o->seed,
            .export = st->export,
            .hyperfine = st->hyperfine,
            .hyperfine_qualify = st->nsessions > 1,
        };
        int rc;

        if (st->o->format == FORMAT_TABLE && st->nfiles_done)
                putchar('\n');
        rc = analyze_session(ref, &so);

        if (so.nwarnings)
                bl_warning("%s: %zu warning%s in %zu run%s (%s)", ref, so.nwarnings,
                           so.nwarnings == 1 ? "" : "s", so.nok, so.nok == 1 ? "" : "s",
                           st->folded || st->hyperfine ? "--format table or json lists them"
                                                       : "listed in the report");
        if (so.nstarved)
                bl_warning("%s: %zu run%s starved by the host (docs/contention.md)%s", ref,
                           so.nstarved, so.nstarved == 1 ? "" : "s",
                           st->o->exclude_starved ? ", left out of the aggregate" : "");
        st->nwarnings += so.nwarnings;
        st->output_failed |= so.output_failed;
        if (rc == BL_EXIT_OK)
                st->nfiles_done++;
        return rc;
}

/* The FILEs' paths, joined by spaces (malloc'd), or NULL on -ENOMEM. */
static char *join_args(int n, char **v)
{
        struct sbuf sb;

        sbuf_init(&sb);
        for (int k = 0; k < n; k++)
                if ((k && sbuf_addch(&sb, ' ') < 0) || sbuf_adds(&sb, v[k]) < 0) {
                        sbuf_release(&sb);
                        return NULL;
                }
        return sbuf_detach(&sb, NULL);
}

/* --format hyperfine: the document, written at the end. Returns rc, or
 * BL_EXIT_USAGE after saying what failed. */
static int write_hyperfine(struct run_state *st, int rc)
{
        const char *missing;
        int err = hyperfine_write(stdout, st->hyperfine, &missing);

        if (err == -ESRCH) {
                bl_error("analyze: no '%s' in any run of '%s'", st->o->metric, missing);
                return BL_EXIT_USAGE;
        }
        if (err == -ENODATA)
                return rc; /* nothing analysed: said already */
        if (err == -ENOMEM) {
                bl_error("analyze: out of memory");
                return BL_EXIT_USAGE;
        }
        if (err < 0) {
                bl_error("cannot write the results to standard output: %s", strerror(-err));
                st->output_failed = true;
                cli_output_error_said(stdout);
                return BL_EXIT_USAGE;
        }
        return rc;
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
        st.ro = (struct run_options){.os = o.os,
                                     .tsc_freq = o.tsc_freq,
                                     .map = o.phase_map,
                                     .map_len = o.phase_map_len,
                                     .map_name = o.phase_map_path};
        st.rep = (struct report_options){.unit = o.unit, .top = o.top, .max_warnings = 50};
        for (int k = optind; k < argc; k++)
                st.nsessions += runset_is_session(argv[k]);
        if (o.format == FORMAT_HYPERFINE) {
                st.hyperfine = hyperfine_set_new(o.metric ? o.metric : "total");
                st.files_command = o.aggregate ? join_args(argc - optind, argv + optind) : NULL;
                if (!st.hyperfine || (o.aggregate && !st.files_command)) {
                        bl_error("analyze: out of memory");
                        rc = BL_EXIT_USAGE;
                        goto out_free;
                }
        } else if (o.format >= FORMAT_CSV) {
                st.export = export_new(stdout,
                                       o.format == FORMAT_CSV  ? EXPORT_CSV
                                       : o.format == FORMAT_MD ? EXPORT_MD
                                                               : EXPORT_CHROME,
                                       o.unit, o.top);
                if (!st.export) {
                        bl_error("analyze: out of memory");
                        free(o.phase_map);
                        return BL_EXIT_USAGE;
                }
        }
        if (o.format == FORMAT_FOLDED) {
                bool median = o.aggregate;

                for (int k = optind; k < argc; k++)
                        median |= runset_is_session(argv[k]);
                st.folded = median ? folded_new_median() : folded_new();
                if (!st.folded) {
                        bl_error("analyze: out of memory");
                        free(o.phase_map);
                        return BL_EXIT_USAGE;
                }
        }
        if (o.aggregate && begin_files(&st) < 0) {
                bl_error("analyze: out of memory");
                rc = BL_EXIT_USAGE;
                goto out_free;
        }
        for (int k = optind; k < argc; k++) {
                int one = runset_is_session(argv[k]) ? analyze_ref(&st, argv[k])
                                                     : analyze_file(&st, argv[k]);

                if (one != BL_EXIT_OK && rc != BL_EXIT_USAGE)
                        rc = one;
        }
        if (o.aggregate && rc != BL_EXIT_USAGE && end_files(&st) < 0) {
                st.output_failed = true;
                cli_output_error_said(stdout);
        }
        if (st.folded) {
                enum report_unit u = folded_unit_for(st.folded, o.unit);
                err = folded_write(stdout, st.folded, u);
                if (err > 0)
                        st.nwarnings += (size_t)err;
                if (err > 0)
                        bl_warning("%d stack%s left out: %s cycles add up beyond 64 bits", err,
                                   err == 1 ? "" : "s", err == 1 ? "its" : "their");
                if (err < 0 && err != -EIO) {
                        bl_error("cannot write the stacks: %s", strerror(-err));
                        rc = BL_EXIT_USAGE;
                } else if (err < 0) {
                        bl_error("cannot write the stacks to standard output: %s", strerror(-err));
                        st.output_failed = true;
                        cli_output_error_said(stdout);
                }
        }
        err = st.export && !st.output_failed ? export_finish(st.export) : 0;
        if (err < 0) {
                bl_error("cannot write the %s to standard output: %s",
                         o.format == FORMAT_CHROME ? "trace" : "report", strerror(-err));
                st.output_failed = true;
                cli_output_error_said(stdout);
        }
        if (st.hyperfine && !st.output_failed && rc != BL_EXIT_USAGE)
                rc = write_hyperfine(&st, rc);
        /* the final flush: what the renderers left in stdio's buffer (said
         * once: main's cli_finish_stdout() then stays quiet) */
        if (!st.output_failed && cli_check_output(stdout, "standard output") < 0)
                st.output_failed = true;
        if (st.output_failed)
                rc = BL_EXIT_USAGE;
        if (rc == BL_EXIT_OK && o.strict && st.nwarnings)
                rc = BL_EXIT_FAIL;
out_free:
        if (st.tables)
                fclose(st.tables);
        free(st.tables_buf);
        free(st.w);
        aggreport_free(&st.files);
        folded_free(st.folded);
        export_free(st.export);
        hyperfine_set_free(st.hyperfine);
        free(st.files_command);
        free(o.phase_map);
        return rc;
}
