/*
 * bootlens plot KIND INPUT... -o FILE: a figure drawn by gnuplot from a
 * script and data written beside it (reports/plot.h, docs/plot.md).
 *
 * Exit 0 when the figure was drawn, 2 on a usage or input error (an
 * unreadable input, a kind that does not fit the inputs, gnuplot missing
 * or failing).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "cli/commands.h"
#include "cli/textout.h"
#include "analyzer/phases.h"
#include "reports/plot.h"

struct plot_cli {
        enum plot_kind kind;
        const char *out;
        bool has_term;
        struct plot_options po;
        bool exclude_starved;
        bool has_by;
        enum savings_basis by;      /* --by, waterfall and savings only */
        uint64_t tsc_freq;          /* --tsc-freq HZ, as analyze's */
        const char *phase_map_path; /* --phase-map FILE, as analyze's */
        const char *const *inputs;
        size_t ninputs;
};

void usage_plot(FILE *out)
{
        fprintf(out,
                "usage: bootlens plot KIND INPUT... -o FILE\n"
                "                     [--terminal svg|pngcairo|pdfcairo|epscairo|cairolatex|dumb]\n"
                "                     [--size W,H] [--font NAME,SIZE] [--mono] [--run N]\n"
                "                     [--title TEXT] [--exclude-starved] [--by total|cpu|guest]\n"
                "                     [--tsc-freq HZ] [--phase-map FILE]\n"
                "\n"
                "Draw a figure with gnuplot. INPUT is a session, SESSION:VARIANT or a capture\n"
                "FILE. FILE.gp (the script) and FILE.dat (its data) are written beside the\n"
                "figure: edit the script and run 'gnuplot FILE.gp' in that directory to\n"
                "restyle it.\n"
                "\n"
                "kinds:\n"
                "  phases        a stacked bar of median phase times per variant or capture,\n"
                "                95%% CI whiskers per segment, the total at the end\n"
                "  distribution  a box plot per phase (and the total) across runs, outliers\n"
                "                marked\n"
                "  ecdf          the empirical CDF of the total boot time per variant\n"
                "                (sessions: a capture has no host-timed total)\n"
                "  timeline      one boot on one time axis (--run N of the first session;\n"
                "                default its first ok run; a capture is one run)\n"
                "  delta         two sessions BASE NEW, as 'bootlens compare': the change\n"
                "                per phase and top function, CI, coloured by verdict\n"
                "  waterfall     one cumulative sweep session ('bootlens sweep'): the\n"
                "                baseline's median total, each step's change with its CI,\n"
                "                coloured by verdict, broken steps marked, the final total\n"
                "  savings       one sweep session: what each knob saved against its\n"
                "                reference, sorted, CI, verdict, broken knobs listed last\n"
                "\n"
                "  -o, --output FILE    the figure; its extension names the terminal: .svg,\n"
                "                       .png, .pdf, .eps, .tex (cairolatex), .txt (dumb);\n"
                "                       '-' draws dumb on standard output\n"
                "  --terminal T         the terminal, whatever the extension\n"
                "  --size W,H           pixels (svg, png), inches (pdf, eps, cairolatex),\n"
                "                       characters (dumb); default: sized to the content\n"
                "  --font NAME,SIZE     default Sans,10 (not for cairolatex: LaTeX sets it)\n"
                "  --mono               black and white print: greys, patterns, dash types\n"
                "  --run N              timeline: the session run drawn\n"
                "  --title TEXT         the title (default: what is drawn, of which inputs)\n"
                "  --exclude-starved    leave out runs the host starved (docs/contention.md)\n"
                "  --by B               waterfall, savings: compare the steps by the total\n"
                "                       (default), QEMU's cpu time or the guest's clock at the\n"
                "                       dump, as 'bootlens sweep --by' (docs/sweep.md)\n"
                "  --tsc-freq HZ        TSC frequency of tslog captures (as 'bootlens analyze')\n"
                "  --phase-map FILE     phases, one 'NAME: EVENT -> EVENT' a line (as 'bootlens\n"
                "                       analyze'; default the guest OS's built-in map)\n"
                "\n"
                "Notes (phases unavailable, runs left out) are printed under the figure and\n"
                "on standard error. Exit status: 0 drawn, 2 usage or input error, gnuplot\n"
                "missing or failing. See docs/plot.md.\n");
}

static int parse_args(int argc, char **argv, struct plot_cli *o)
{
        static const struct option longopts[] = {
            {"output", required_argument, NULL, 'o'},
            {"terminal", required_argument, NULL, 'T'},
            {"size", required_argument, NULL, 'S'},
            {"font", required_argument, NULL, 'f'},
            {"mono", no_argument, NULL, 'm'},
            {"run", required_argument, NULL, 'r'},
            {"title", required_argument, NULL, 't'},
            {"exclude-starved", no_argument, NULL, 'x'},
            {"by", required_argument, NULL, 'B'},
            {"help", no_argument, NULL, 'h'},
            {"tsc-freq", required_argument, NULL, 'F'},
            {"phase-map", required_argument, NULL, 'P'},
            {NULL, 0, NULL, 0},
        };
        struct gp_style *st = &o->po.style;
        uint64_t v;
        int c;

        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
                switch (c) {
                case 'o':
                        o->out = optarg;
                        break;
                case 'T':
                        if (gp_term_parse(optarg, &st->term) < 0) {
                                bl_error("plot: unknown terminal '%s' (svg, pngcairo, pdfcairo, "
                                         "epscairo, cairolatex or dumb)",
                                         optarg);
                                return -EINVAL;
                        }
                        o->has_term = true;
                        break;
                case 'S':
                        if (gp_parse_size(optarg, &st->width, &st->height) < 0) {
                                bl_error("plot: --size wants W,H (two positive numbers up to "
                                         "20000), not '%s'",
                                         optarg);
                                return -EINVAL;
                        }
                        st->has_size = true;
                        break;
                case 'f':
                        if (gp_check_font(optarg) < 0) {
                                textout_error("plot: --font wants NAME or NAME,SIZE (SIZE a "
                                              "positive number), not '%s'",
                                              optarg);
                                return -EINVAL;
                        }
                        st->font = optarg;
                        break;
                case 'm':
                        st->mono = true;
                        break;
                case 'r':
                        if (util_parse_u64(optarg, 10, &v) < 0 || v == 0 || v > UINT32_MAX) {
                                bl_error("plot: --run wants a run number, not '%s'", optarg);
                                return -EINVAL;
                        }
                        o->po.has_run = true;
                        o->po.run = (unsigned)v;
                        break;
                case 't':
                        o->po.title = optarg;
                        break;
                case 'x':
                        o->exclude_starved = true;
                        break;
                case 'B':
                        if (savings_basis_parse(optarg, &o->by) < 0) {
                                textout_error("plot: --by wants total, cpu or guest, not '%s'",
                                              optarg);
                                return -EINVAL;
                        }
                        o->has_by = true;
                        break;
                case 'F':
                        if (util_parse_u64(optarg, 10, &v) < 0 || v == 0) {
                                bl_error("plot: --tsc-freq wants a positive number of Hz, not '%s'",
                                         optarg);
                                return -EINVAL;
                        }
                        o->tsc_freq = v;
                        break;
                case 'P':
                        o->phase_map_path = optarg;
                        break;
                case 'h':
                        usage_plot(stdout);
                        return 1;
                default:
                        if (optopt)
                                bl_error("plot: option '-%c' is unknown or needs a value", optopt);
                        else
                                bl_error("plot: option '%s' is unknown or needs a value",
                                         argv[optind - 1]);
                        fprintf(stderr, "try 'bootlens plot --help'\n");
                        return -EINVAL;
                }
        }
        if (argc - optind < 2) {
                bl_error("plot: want KIND and at least one INPUT");
                fprintf(stderr, "try 'bootlens plot --help'\n");
                return -EINVAL;
        }
        if (plot_kind_parse(argv[optind], &o->kind) < 0) {
                textout_error("plot: unknown kind '%s' (phases, distribution, ecdf, timeline, "
                              "delta, waterfall or savings)",
                              argv[optind]);
                return -EINVAL;
        }
        if (o->has_by && o->kind < PLOT_SWEEP_KIND_0) {
                bl_error("plot: --by is for the sweep figures (waterfall, savings)");
                return -EINVAL;
        }
        if (!o->out) {
                bl_error("plot: want -o FILE (the figure; '-' with dumb draws on standard output)");
                return -EINVAL;
        }
        if (strcmp(o->out, "-") == 0) {
                if (o->has_term && st->term != GP_DUMB) {
                        bl_error("plot: -o - draws on standard output with --terminal dumb "
                                 "only");
                        return -EINVAL;
                }
                st->term = GP_DUMB;
        } else if (!o->has_term && gp_term_from_path(o->out, &st->term) < 0) {
                textout_error("plot: cannot tell the terminal from '%s' (.svg, .png, .pdf, .eps, "
                              ".tex or .txt; or give --terminal)",
                              o->out);
                return -EINVAL;
        }
        if (o->kind >= PLOT_SWEEP_KIND_0 && argc - optind != 2) {
                bl_error("plot: %s wants one sweep session", plot_kind_name(o->kind));
                return -EINVAL;
        }
        if (o->po.has_run && o->kind != PLOT_TIMELINE) {
                bl_error("plot: --run is for the timeline");
                return -EINVAL;
        }
        if (st->term == GP_CAIROLATEX && st->font)
                bl_warning("plot: --font is not for cairolatex: LaTeX sets the text in the "
                           "document's font (the font given is not used)");
        o->inputs = (const char *const *)argv + optind + 1;
        o->ninputs = (size_t)(argc - optind - 1);
        return 0;
}

/* Draw into a temporary directory and copy the picture to stdout (-o -). */
static int draw_to_stdout(const struct plot_data *d, const struct savings *sv,
                          const struct plot_cli *o, struct plot_result *res, char *err,
                          size_t errsize)
{
        const char *tmpdir = getenv("TMPDIR");
        char dir[4096], path[4200];
        char *buf = NULL;
        size_t len = 0;
        int rc;

        snprintf(dir, sizeof(dir), "%s/bootlens-plot-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
        if (!mkdtemp(dir)) {
                rc = -errno;
                snprintf(err, errsize, "cannot make a temporary directory in '%s': %s",
                         tmpdir && *tmpdir ? tmpdir : "/tmp", strerror(-rc));
                return rc;
        }
        snprintf(path, sizeof(path), "%s/plot.txt", dir);
        rc = sv ? plot_savings_draw(sv, o->kind, path, &o->po, res, err, errsize)
                : plot_draw(d, o->kind, path, &o->po, res, err, errsize);
        if (rc == 0)
                rc = util_read_file(path, &buf, &len);
        if (rc == 0 && fwrite(buf, 1, len, stdout) != len)
                rc = -EIO;
        free(buf);
        for (size_t i = 0; i < res->nfiles; i++)
                unlink(res->files[i]);
        /* what a failed draw may have left */
        snprintf(path, sizeof(path), "%s/plot.gp", dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/plot.dat", dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/plot.txt", dir);
        unlink(path);
        rmdir(dir);
        return rc;
}

/* Read and check --phase-map FILE into ro (its text malloc'd in *map). */
static int load_phase_map(const char *path, struct run_options *ro, char **map)
{
        struct phases *ph;
        char *err = NULL;
        size_t len = 0;
        bool opened;
        int rc = run_read_input(path, map, &len, &opened);

        if (rc < 0) {
                textout_error("plot: cannot %s '%s': %s", opened ? "read" : "open", path,
                              strerror(-rc));
                return rc;
        }
        ph = phases_new();
        if (!ph)
                return -ENOMEM;
        rc = phases_load_map(ph, *map, len, path, &err);
        phases_free(ph);
        if (rc < 0)
                textout_error("plot: %s", err ? err : "bad phase map");
        free(err);
        ro->map = *map, ro->map_len = len, ro->map_name = path;
        return rc;
}

int cmd_plot(int argc, char **argv)
{
        struct plot_cli o = {0};
        struct plot_load_options lo = {0};
        struct run_options ro = {0};
        char *map = NULL;
        struct plot_data d = {0};
        struct savings sv = {0};
        bool sweep;
        struct plot_result res = {0};
        char err[1024];
        int rc;

        rc = parse_args(argc, argv, &o);
        if (rc)
                return rc > 0 ? BL_EXIT_OK : BL_EXIT_USAGE;
        lo.exclude_starved = o.exclude_starved;
        ro.tsc_freq = o.tsc_freq;
        lo.run = &ro;
        if (o.phase_map_path && load_phase_map(o.phase_map_path, &ro, &map) < 0) {
                free(map);
                return BL_EXIT_USAGE;
        }
        sweep = o.kind >= PLOT_SWEEP_KIND_0;
        err[0] = '\0';
        if (sweep) {
                struct compare_options co = {0};

                /* compared as 'bootlens sweep' and 'bootlens compare' do */
                stats_options_default(&co.stats);
                co.top = COMPARE_TOP_DEFAULT;
                co.exclude_starved = o.exclude_starved;
                co.run = &ro;
                rc = savings_analyse_by(&sv, o.inputs[0], &co, o.by, err, sizeof(err));
        } else {
                rc = plot_data_load(&d, o.inputs, o.ninputs, &lo, err, sizeof(err));
        }
        if (rc < 0) {
                textout_error("plot: %s%s%s", sweep ? plot_kind_name(o.kind) : "",
                              sweep ? ": " : "", err[0] ? err : strerror(-rc));
                savings_free(&sv);
                plot_data_free(&d);
                free(map);
                return BL_EXIT_USAGE;
        }
        if (strcmp(o.out, "-") == 0)
                rc = draw_to_stdout(&d, sweep ? &sv : NULL, &o, &res, err, sizeof(err));
        else if (sweep)
                rc = plot_savings_draw(&sv, o.kind, o.out, &o.po, &res, err, sizeof(err));
        else
                rc = plot_draw(&d, o.kind, o.out, &o.po, &res, err, sizeof(err));
        if (rc < 0) {
                textout_error("plot: %s", err[0] ? err : strerror(-rc));
        } else {
                const char *p = res.note ? res.note : "";

                while (*p) {
                        size_t len = strcspn(p, "\n");
                        char *line = strndup(p, len);

                        if (line)
                                textout_error("plot: note: %s", line);
                        free(line);
                        p += len + (p[len] == '\n');
                }
        }
        plot_result_free(&res);
        savings_free(&sv);
        plot_data_free(&d);
        free(map);
        return rc < 0 ? BL_EXIT_USAGE : BL_EXIT_OK;
}
