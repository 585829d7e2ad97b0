/*
 * bootlens report INPUT... -o DIR [--format html|md]: one directory that
 * shows a set of boots without bootlens and without a network: DIR/index.html
 * (or DIR/README.md) with the aggregate tables, the comparison of two
 * inputs, the figures, each session's environment, the warnings, the
 * failed runs, and links to the raw captures and the JSON
 * (reports/htmlreport.h, reports/mdreport.h, docs/report.md).
 *
 * Exit 0 when the report is written, 1 when it is written but no input
 * has an ok run, 2 on a usage or input error (an input that is no
 * session nor a readable capture, a DIR that cannot be written).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "cli/textout.h"
#include "reports/htmlreport.h"
#include "reports/mdreport.h"

void usage_report(FILE *out)
{
        fprintf(out,
                "usage: bootlens report [--format html|md] [--top N] [--exclude-starved]\n"
                "                       [--tsc-freq HZ] [--phase-map FILE] -o DIR INPUT...\n\n"
                "Write the report of one or more inputs (a session, SESSION:VARIANT, or a\n"
                "capture FILE) into DIR: index.html, one static page that needs no network\n"
                "(md: README.md with PNG figures, for a pull request or a wiki), the figures\n"
                "with their gnuplot scripts and data under DIR/figures/, and the analysis\n"
                "JSON of each input. The page holds the aggregate tables (as 'bootlens\n"
                "analyze'), the comparison when two sessions are given (as 'bootlens compare\n"
                "BASE NEW'), the figures (phases, distribution, ecdf, timeline; delta with\n"
                "two inputs), each session's environment, the warnings and damage, the\n"
                "failed runs and why, and links to every raw capture. A damaged input (an\n"
                "unreadable run file, a truncated capture) still gets its report, with the\n"
                "damage among the warnings. A sweep session ('bootlens sweep') as the first\n"
                "input gets its table of what each knob saves (as 'bootlens sweep --results')\n"
                "and its waterfall (cumulative) or savings (each) figure first.\n\n"
                "  -o, --output DIR     the report's directory (created when missing)\n"
                "      --format F       html (default) or md\n"
                "      --top N          functions in the tables and figures (default 20)\n"
                "      --exclude-starved  leave out runs the host starved (docs/contention.md)\n"
                "      --tsc-freq HZ    TSC frequency of tslog captures (default: a tsc_freq=\n"
                "                       field in the capture), as 'bootlens analyze'\n"
                "      --phase-map FILE phases, one 'NAME: EVENT -> EVENT' a line (default: the\n"
                "                       built-in map of the guest OS), as 'bootlens analyze'\n"
                "  -h, --help           show this help\n\n"
                "Exit status: 0 written, 1 written but no input has an ok run, 2 usage or\n"
                "input error. See docs/report.md.\n");
}

struct report_cli {
        struct htmlreport_options ho;
        struct run_options ro; /* --tsc-freq, --phase-map */
        char *map;             /* the phase map's text (owned) */
        const char *dir;
};

/* The usage error already said; one line pointing at --help. */
static int usage_error(void)
{
        fputs("try 'bootlens report --help'\n", stderr);
        return -EINVAL;
}

/* Returns 0, 1 after --help, or -EINVAL (said why). */
static int parse_args(int argc, char **argv, struct report_cli *o)
{
        static const struct option longopts[] = {
            {"output", required_argument, NULL, 'o'},   {"format", required_argument, NULL, 'F'},
            {"top", required_argument, NULL, 't'},      {"exclude-starved", no_argument, NULL, 'x'},
            {"tsc-freq", required_argument, NULL, 'f'}, {"phase-map", required_argument, NULL, 'p'},
            {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
        };
        uint64_t v;
        int c;

        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
                switch (c) {
                case 'o':
                        o->dir = optarg;
                        break;
                case 'F':
                        if (!strcmp(optarg, "html")) {
                                o->ho.fmt = HTMLREPORT_HTML;
                        } else if (!strcmp(optarg, "md")) {
                                o->ho.fmt = HTMLREPORT_MD;
                        } else {
                                textout_error("report: unknown format '%s' (html or md)", optarg);
                                return usage_error();
                        }
                        break;
                case 't':
                        if (util_parse_u64(optarg, 10, &v) < 0 || v == 0 || v > 1000) {
                                textout_error("report: --top wants a number from 1 to 1000, not "
                                              "'%s'",
                                              optarg);
                                return usage_error();
                        }
                        o->ho.top = (size_t)v;
                        break;
                case 'x':
                        o->ho.exclude_starved = true;
                        break;
                case 'f':
                        if (util_parse_u64(optarg, 10, &v) < 0 || v == 0) {
                                textout_error("report: --tsc-freq wants a positive number of Hz, "
                                              "not '%s'",
                                              optarg);
                                return usage_error();
                        }
                        o->ro.tsc_freq = v;
                        break;
                case 'p': {
                        bool opened;
                        int rc;

                        free(o->map);
                        o->map = NULL;
                        rc = run_read_input(optarg, &o->map, &o->ro.map_len, &opened);
                        if (rc < 0) {
                                cli_input_error(optarg, rc, opened);
                                return -EINVAL;
                        }
                        o->ro.map = o->map;
                        o->ro.map_name = optarg;
                        break;
                }
                case 'h':
                        usage_report(stdout);
                        return 1;
                default:
                        if (optopt)
                                bl_error("report: option '-%c' is unknown or needs a value",
                                         optopt);
                        else
                                textout_error("report: option '%s' is unknown or needs a value",
                                              argv[optind - 1]);
                        return usage_error();
                }
        }
        if (!o->dir) {
                bl_error("report: want -o DIR, the report's directory");
                return usage_error();
        }
        if (optind == argc || argc - optind > HTMLREPORT_MAX_INPUTS) {
                bl_error("report: want 1 to %d inputs (sessions, SESSION:VARIANT or capture "
                         "files), got %d",
                         HTMLREPORT_MAX_INPUTS, argc - optind);
                return usage_error();
        }
        o->ho.inputs = (const char *const *)argv + optind;
        o->ho.n = (size_t)(argc - optind);
        o->ho.dir = o->dir;
        o->ho.run = &o->ro;
        return 0;
}

/* "bootlens report ..." as given, for the page's header. */
static char *command_line(int argc, char **argv)
{
        struct sbuf sb = SBUF_INIT;

        sbuf_adds(&sb, "bootlens");
        for (int i = 0; i < argc; i++) {
                sbuf_addch(&sb, ' ');
                sbuf_adds(&sb, argv[i]);
        }
        return sbuf_detach(&sb, NULL);
}

/* The page into DIR/index.html or DIR/README.md, whole. */
static int write_page(const struct htmlreport *r, const char *path)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        int rc;

        if (!mem)
                return -ENOMEM;
        rc = r->fmt == HTMLREPORT_MD ? mdreport_write(mem, r) : htmlreport_write(mem, r);
        if (fclose(mem) != 0 && !rc)
                rc = -ENOMEM;
        if (!rc)
                rc = util_write_file_atomic(path, buf, len);
        free(buf);
        return rc;
}

int report_write_dir(const struct htmlreport_options *ho, char **index)
{
        struct htmlreport r;
        char err[768];
        size_t nok = 0, nmissing = 0;
        int rc;

        *index = NULL;
        rc = htmlreport_build(&r, ho, err, sizeof(err));
        if (rc < 0) {
                textout_error("report: %s", err);
                htmlreport_free(&r);
                return BL_EXIT_USAGE;
        }
        if (asprintf(index, "%s/%s", ho->dir,
                     ho->fmt == HTMLREPORT_MD ? "README.md" : "index.html") < 0) {
                *index = NULL;
                htmlreport_free(&r);
                bl_error("report: out of memory");
                return BL_EXIT_USAGE;
        }
        rc = write_page(&r, *index);
        if (rc < 0) {
                textout_error("report: cannot write '%s': %s", *index, strerror(-rc));
                htmlreport_free(&r);
                return BL_EXIT_USAGE;
        }
        for (size_t i = 0; i < r.n; i++) {
                for (size_t g = 0; g < r.in[i].agg.ngroups; g++)
                        nok += r.in[i].agg.groups[g].nok;
                for (size_t k = 0; k < r.in[i].nruns; k++)
                        if (*r.in[i].runs[k].damage)
                                textout_warning("report: %s: run %u: %s", r.in[i].name,
                                                r.in[i].runs[k].run, r.in[i].runs[k].damage);
        }
        for (size_t k = 0; k < r.nfig; k++)
                if (r.fig[k].missing) {
                        nmissing++;
                        textout_warning("report: figure %s not drawn: %s",
                                        plot_kind_name(r.fig[k].kind), r.fig[k].missing);
                }
        printf("report: %zu figure%s (%zu not drawn), %u gnuplot run%s\n", r.nfig,
               r.nfig == 1 ? "" : "s", nmissing, r.gp_runs, r.gp_runs == 1 ? "" : "s");
        htmlreport_free(&r);
        if (!nok) {
                bl_error("report: no input has an ok run (the report is written)");
                return BL_EXIT_FAIL;
        }
        return BL_EXIT_OK;
}

int cmd_report(int argc, char **argv)
{
        struct report_cli o = {0};
        char *index = NULL;
        int rc = parse_args(argc, argv, &o);

        if (rc) {
                free(o.map);
                return rc > 0 ? BL_EXIT_OK : BL_EXIT_USAGE;
        }
        o.ho.generated_from = command_line(argc, argv);
        rc = report_write_dir(&o.ho, &index);
        if (index && rc != BL_EXIT_USAGE)
                textout_puts(stdout, index), putchar('\n');
        free((char *)o.ho.generated_from);
        free(o.map);
        free(index);
        if (cli_check_output(stdout, "standard output") < 0 && rc == BL_EXIT_OK)
                rc = BL_EXIT_USAGE;
        return rc;
}
