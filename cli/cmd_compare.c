/*
 * bootlens compare BASE NEW: did NEW move boot time against BASE, phase
 * by phase and function by function (analyzer/compare.h,
 * reports/compreport.h, docs/compare.md).
 *
 * Exit 0 when no metric got significantly slower, 1 when one did, 2 on a
 * usage or input error, and when the sides' environments differ without
 * --force.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/compare.h"
#include "base/util.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "cli/textout.h"
#include "reports/compreport.h"

enum format { FORMAT_TABLE, FORMAT_JSON, FORMAT_CSV, FORMAT_MD, FORMAT_FOLDED, FORMAT_HYPERFINE };

static const char *const format_names[] = {"table", "json", "csv", "md", "folded", "hyperfine"};

struct compare_cli {
        struct compare_options co;
        enum format format;
        const char *metric; /* --metric */
        int side;           /* --side: 0 both, 1 base, 2 new (compreport_options) */
        bool force;
        const char *base, *new;
};

void usage_compare(FILE *out)
{
        fprintf(
            out,
            "usage: bootlens compare [--alpha A] [--min-effect 0.5ms,2%%] [--top N] [--seed S]\n"
            "                        [--format table|json|csv|md|folded|hyperfine]\n"
            "                        [--metric total|phase:NAME|fn:NAME] [--side base|new]\n"
            "                        [--exclude-starved]\n"
            "                        [--force] BASE NEW\n"
            "\n"
            "Compare the ok runs of two sessions, or of two variants of one session\n"
            "(SESSION:VARIANT), metric by metric: the total, every phase and the top N\n"
            "functions by median total time on either side. Per metric: each side's median\n"
            "and n, the difference NEW - BASE with a bootstrap CI, the Mann-Whitney U\n"
            "p-value with Holm's correction across the metrics compared, and a verdict:\n"
            "slower, faster, same or inconclusive (with the runs per side that would\n"
            "settle it). A function absent from a run counts 0 ns in that run.\n"
            "\n"
            "  --alpha A            significance after Holm (default 0.01)\n"
            "  --min-effect E       the smallest change that counts, absolute and/or\n"
            "                       relative to BASE's median (default 0.5ms,2%%)\n"
            "  --top N              functions compared (default 20)\n"
            "  --seed S             the bootstrap's seed (default 0; 10000 resamples)\n"
            "  --format FMT         table (default), json, csv, md (Markdown), folded\n"
            "                       (difffolded.pl: STACK BASE_US NEW_US) or hyperfine\n"
            "                       (hyperfine --export-json's shape, one result a side)\n"
            "  --metric M           hyperfine: the metric exported (default total)\n"
            "  --side base|new      folded: that side alone, STACK US (flamegraph.pl,\n"
            "                       speedscope), instead of both sides' columns\n"
            "  --exclude-starved    leave out runs the host starved (docs/contention.md)\n"
            "  --force              compare even when the host CPU, QEMU version or\n"
            "                       accelerator differ (the difference is printed)\n"
            "\n"
            "Exit status: 0 nothing got significantly slower, 1 something did, 2 usage or\n"
            "input error or different environments without --force. See docs/compare.md.\n");
}

static int parse_time_ns(const char *s, size_t len, double *ns)
{
        static const struct {
                const char *suffix;
                double scale;
        } units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
        char num[64];

        for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
                size_t sl = strlen(units[u].suffix);
                double v;

                if (len <= sl || memcmp(s + len - sl, units[u].suffix, sl) != 0 ||
                    len - sl >= sizeof(num))
                        continue;
                memcpy(num, s, len - sl);
                num[len - sl] = '\0';
                if (util_parse_double(num, &v) < 0 || !(v >= 0) || isinf(v))
                        return -EINVAL;
                *ns = v * units[u].scale;
                return 0;
        }
        return -EINVAL;
}

int cli_parse_min_effect(const char *s, double *abs_ns, double *rel)
{
        bool seen_abs = false, seen_rel = false;

        while (*s) {
                const char *comma = strchr(s, ',');
                size_t len = comma ? (size_t)(comma - s) : strlen(s);
                char num[64];
                double v;

                if (len == 0)
                        return -EINVAL;
                if (s[len - 1] == '%') {
                        if (seen_rel || len - 1 >= sizeof(num) || len == 1)
                                return -EINVAL;
                        memcpy(num, s, len - 1);
                        num[len - 1] = '\0';
                        if (util_parse_double(num, &v) < 0 || !(v >= 0) || v > 1000)
                                return -EINVAL;
                        *rel = v / 100;
                        seen_rel = true;
                } else {
                        if (seen_abs || parse_time_ns(s, len, abs_ns) < 0)
                                return -EINVAL;
                        seen_abs = true;
                }
                s += len;
                if (*s == ',' && !*++s)
                        return -EINVAL;
        }
        return seen_abs || seen_rel ? 0 : -EINVAL;
}

static int parse_args(int argc, char **argv, struct compare_cli *o)
{
        static const struct option longopts[] = {
            {"alpha", required_argument, NULL, 'a'},
            {"min-effect", required_argument, NULL, 'e'},
            {"top", required_argument, NULL, 't'},
            {"seed", required_argument, NULL, 's'},
            {"format", required_argument, NULL, 'F'},
            {"metric", required_argument, NULL, 'm'},
            {"side", required_argument, NULL, 'S'},
            {"exclude-starved", no_argument, NULL, 'x'},
            {"force", no_argument, NULL, 'f'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        int c;
        uint64_t v;
        double d;

        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                switch (c) {
                case 'a':
                        if (util_parse_double(optarg, &d) < 0 || !(d > 0 && d < 1)) {
                                bl_error("compare: --alpha wants a number between 0 and 1, "
                                         "not '%s'",
                                         optarg);
                                return -EINVAL;
                        }
                        o->co.stats.alpha = d;
                        break;
                case 'e':
                        if (cli_parse_min_effect(optarg, &o->co.stats.min_abs,
                                                 &o->co.stats.min_rel) < 0) {
                                bl_error("compare: --min-effect wants a time with its unit "
                                         "and/or a percentage, as 0.5ms,2%%, not '%s'",
                                         optarg);
                                return -EINVAL;
                        }
                        break;
                case 't':
                        if (util_parse_u64(optarg, 10, &v) < 0 || v > 100000) {
                                bl_error("compare: --top wants a number up to 100000, not '%s'",
                                         optarg);
                                return -EINVAL;
                        }
                        o->co.top = (size_t)v;
                        break;
                case 's':
                        if (util_parse_u64(optarg, 0, &v) < 0) {
                                bl_error("compare: --seed wants a 64-bit number, not '%s'", optarg);
                                return -EINVAL;
                        }
                        o->co.stats.seed = v;
                        break;
                case 'F': {
                        size_t k = 0;

                        while (k < sizeof(format_names) / sizeof(format_names[0]) &&
                               strcmp(optarg, format_names[k]) != 0)
                                k++;
                        if (k == sizeof(format_names) / sizeof(format_names[0])) {
                                bl_error("compare: unknown format '%s' (table, json, csv, md, "
                                         "folded or hyperfine)",
                                         optarg);
                                return -EINVAL;
                        }
                        o->format = (enum format)k;
                        break;
                }
                case 'm':
                        if (strcmp(optarg, "total") != 0 && strncmp(optarg, "phase:", 6) != 0 &&
                            strncmp(optarg, "fn:", 3) != 0) {
                                bl_error("compare: --metric wants total, phase:NAME or fn:NAME, "
                                         "not '%s'",
                                         optarg);
                                return -EINVAL;
                        }
                        o->metric = optarg;
                        break;
                case 'S':
                        if (strcmp(optarg, "base") != 0 && strcmp(optarg, "new") != 0) {
                                bl_error("compare: --side wants base or new, not '%s'", optarg);
                                return -EINVAL;
                        }
                        o->side = strcmp(optarg, "base") == 0 ? 1 : 2;
                        break;
                case 'x':
                        o->co.exclude_starved = true;
                        break;
                case 'f':
                        o->force = true;
                        break;
                case 'h':
                        usage_compare(stdout);
                        return 1;
                default:
                        if (optopt)
                                bl_error("compare: option '-%c' is unknown or needs a value",
                                         optopt);
                        else
                                bl_error("compare: option '%s' is unknown or needs a value",
                                         argv[optind - 1]);
                        usage_compare(stderr);
                        return -EINVAL;
                }
        }
        if (argc - optind != 2) {
                bl_error("compare: want BASE and NEW (two sessions or SESSION:VARIANT), got %d "
                         "argument%s",
                         argc - optind, argc - optind == 1 ? "" : "s");
                usage_compare(stderr);
                return -EINVAL;
        }
        if (o->metric && o->format != FORMAT_HYPERFINE) {
                bl_error("compare: --metric is for --format hyperfine");
                return -EINVAL;
        }
        if (o->side && o->format != FORMAT_FOLDED) {
                bl_error("compare: --side is for --format folded");
                return -EINVAL;
        }
        o->base = argv[optind];
        o->new = argv[optind + 1];
        return 0;
}

static void put_guest_text(FILE *out, const char *s)
{
        textout_puts(out, s);
}

static int render(const struct compare_cli *o, const struct compare *c,
                  const struct compreport_options *ro)
{
        const struct compare_metric *m;

        switch (o->format) {
        case FORMAT_TABLE:
                return compreport_table(stdout, c, ro);
        case FORMAT_JSON:
                return compreport_json(stdout, c, ro);
        case FORMAT_CSV:
                return compreport_csv(stdout, c, ro);
        case FORMAT_MD:
                return compreport_md(stdout, c, ro);
        case FORMAT_FOLDED:
                return compreport_folded(stdout, c, ro);
        case FORMAT_HYPERFINE:
                m = compare_find(c, o->metric ? o->metric : "total");
                if (!m)
                        return -ENOENT;
                return compreport_hyperfine(stdout, c, m, ro);
        }
        return -EINVAL;
}

int cmd_compare(int argc, char **argv)
{
        struct compare_cli o = {.format = FORMAT_TABLE};
        struct compreport_options ro = {.put_text = put_guest_text};
        struct compare c;
        char err[512];
        int rc;

        stats_options_default(&o.co.stats);
        o.co.top = COMPARE_TOP_DEFAULT;
        rc = parse_args(argc, argv, &o);
        if (rc)
                return rc > 0 ? BL_EXIT_OK : BL_EXIT_USAGE;
        ro.side = o.side;
        rc = compare_sessions(&c, o.base, o.new, &o.co, err, sizeof(err));
        if (rc == -ENOMEM) {
                bl_error("compare: out of memory");
                goto out_usage;
        }
        if (rc < 0) {
                textout_error("compare: %s", err[0] ? err : strerror(-rc));
                goto out_usage;
        }
        if (c.nenvdiff && !o.force) {
                for (size_t i = 0; i < c.nenvdiff; i++)
                        textout_error("compare: the sides differ in %s: '%s' (%s) against '%s' "
                                      "(%s)",
                                      c.envdiff[i].what, c.envdiff[i].base, o.base,
                                      c.envdiff[i].new, o.new);
                bl_error("compare: refusing to compare boots of different environments (--force "
                         "compares them anyway)");
                goto out_usage;
        }
        for (size_t i = 0; i < c.nenvdiff; i++)
                textout_warning("compare: forced: the sides differ in %s: '%s' against '%s'",
                                c.envdiff[i].what, c.envdiff[i].base, c.envdiff[i].new);
        if (o.co.exclude_starved)
                fprintf(stderr,
                        "bootlens: compare: left out %zu starved run%s of base, %zu of new "
                        "(--exclude-starved)\n",
                        c.base.left_out, c.base.left_out == 1 ? "" : "s", c.new.left_out);
        ro.forced = o.force && c.nenvdiff;
        ro.colour = o.format == FORMAT_TABLE && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        rc = render(&o, &c, &ro);
        if (rc == -ENOENT) {
                textout_error("compare: no metric '%s' was compared (see --format table)",
                              o.metric);
                goto out_usage;
        }
        if (rc == -ENOMEM) {
                bl_error("compare: out of memory");
                goto out_usage;
        }
        if (rc < 0) {
                cli_check_output(stdout, "standard output");
                goto out_usage;
        }
        rc = compare_any_slower(&c) ? BL_EXIT_FAIL : BL_EXIT_OK;
        compare_free(&c);
        return rc;
out_usage:
        compare_free(&c);
        return BL_EXIT_USAGE;
}
