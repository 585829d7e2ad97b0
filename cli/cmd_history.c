/*
 * bootlens history: a boot-time record per session, trends, change
 * points, the CI gate and a dashboard (docs/history.md).
 *
 * One function per subcommand (add, list, show, trend, check,
 * dashboard, push), each with its own usage; the store is analyzer/history.h,
 * the series and the gate analyzer/trend.h, what is printed
 * reports/histreport.h, the figure reports/trendplot.h and the page
 * reports/dashboard.h. history_add_session() is collect's and sweep's
 * --history (cli/commands.h).
 *
 * Exit 0 ok, 1 check found a regression, 2 usage or input error.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/histdb.h"
#include "analyzer/history.h"
#include "analyzer/trend.h"
#include "base/util.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "cli/textout.h"
#include "collector/session.h"
#include "reports/dashboard.h"
#include "reports/histreport.h"
#include "reports/plot.h"
#include "reports/trendplot.h"

#define HISTORY_ENV "BOOTLENS_HISTORY"

void usage_history(FILE *out)
{
        fputs("usage: bootlens history add [--db DB] [--label KEY=VALUE]... [--top N]\n"
              "                            [--exclude-starved] SESSION[:VARIANT]...\n"
              "       bootlens history list [--db DB] [--where KEY=VALUE]...\n"
              "                             [--format table|json|csv]\n"
              "       bootlens history show [--db DB] [--format table|json]\n"
              "                             ID|SESSION_ID[:VARIANT]\n"
              "       bootlens history trend [--db DB] --metric "
              "total|phase:NAME|fn:NAME|kernel:loaded\n"
              "                              |kernel:file\n"
              "                              [--by LABEL] [--where KEY=VALUE]...\n"
              "                              [--format table|json|csv] [--plot FILE]\n"
              "                              [--size W,H] [--font NAME[,SIZE]] [--mono]\n"
              "                              [--penalty K] [--window N] [--min-effect E]\n"
              "       bootlens history check [--db DB] [--latest KEY=VALUE] [--by LABEL]\n"
              "                              [--where KEY=VALUE]... [--format table|json|md]\n"
              "                              [--alpha A] [--min-effect E] [--window N]\n"
              "                              [--spread-k K]\n"
              "       bootlens history dashboard [--db DB] -o DIR [--by LABEL]\n"
              "                              [--where KEY=VALUE]... [--latest N]\n"
              "                              [--no-session-reports]\n"
              "       bootlens history push [--db DB] --from SPOOL\n"
              "\n"
              "Keep every session's per-run metrics (the total, every phase, the top\n"
              "functions) with its labels and environment in one database (a SQLite file,\n"
              "or PostgreSQL shared by many runners), and find when boot time changed, in\n"
              "which phase and by how much.\n"
              "\n"
              "  add        store sessions (each variant one entry; the same one twice is\n"
              "             refused); labels: the session's own, then --label's (commit,\n"
              "             branch, kernel, date, job, or any KEY=VALUE)\n"
              "  list       the entries, filtered by --where\n"
              "  show       one entry: environment, labels, every metric's summary\n"
              "  trend      one metric's series ordered by --by (version order), else by\n"
              "             collection time, with its change points; --plot draws it\n"
              "  check      the CI gate: the newest point (or --latest's) against the last\n"
              "             stable segment before it; exit 1 when the total or a phase got\n"
              "             significantly slower\n"
              "  dashboard  a static HTML page: one trend figure per phase and the total,\n"
              "             the latest entries linked to their sessions' reports\n"
              "  push       send the entries of another history (a spool) to the database;\n"
              "             those there already are skipped\n"
              "\n"
              "  --db DB    the database: a SQLite file, or a PostgreSQL URI\n"
              "             (postgresql://...) or conninfo ('host=... dbname=...')\n"
              "             (default: $BOOTLENS_HISTORY; add creates a file, and sets up an\n"
              "             empty PostgreSQL database)\n"
              "\n"
              "'bootlens history SUBCOMMAND --help' describes each one's options.\n"
              "Exit status: 0 ok, 1 check found a regression, 2 usage or input error.\n"
              "The schema, the method and the formats: docs/history.md.\n",
              out);
}

static void usage_history_add(FILE *out)
{
        fputs("usage: bootlens history add [--db DB] [--label KEY=VALUE]... [--top N]\n"
              "                            [--exclude-starved] SESSION[:VARIANT]...\n"
              "\n"
              "Store every variant of each SESSION (or the variant named) as one entry: the\n"
              "total, every phase and the top N functions of its ok runs, a summary per\n"
              "metric (median, 95% CI, quartiles), its labels and its environment. All the\n"
              "entries are stored in one transaction, or none: an entry stored already\n"
              "(the same session id and variant) is refused and nothing is stored.\n"
              "\n"
              "  --db DB            the database (default $BOOTLENS_HISTORY); created when\n"
              "                     absent\n"
              "  --label KEY=VALUE  a label (repeatable), replacing the session's of that\n"
              "                     key: KEY 1 to 64 of A-Z a-z 0-9 _ . -, VALUE up to 1024\n"
              "                     bytes without control characters\n"
              "  --top N            functions kept per entry (default 20, compare's top)\n"
              "  --exclude-starved  leave out runs the host starved (docs/contention.md)\n"
              "\n"
              "Labels added when neither --label nor the session has them:\n"
              "  commit  $GITHUB_SHA, else $CI_COMMIT_SHA\n"
              "  branch  $GITHUB_REF_NAME, else $CI_COMMIT_REF_NAME\n"
              "  job     $GITHUB_JOB, else $CI_JOB_ID\n"
              "  kernel  the kernel's version, read from its bzImage header\n"
              "  date    the day the session was collected (UTC, YYYY-MM-DD)\n"
              "\n"
              "Prints one line per entry stored. Exit status: 0 stored, 2 usage or input\n"
              "error (nothing stored).\n",
              out);
}

static void usage_history_push(FILE *out)
{
        fputs("usage: bootlens history push --from SPOOL [--db DB]\n"
              "\n"
              "Send every entry of the history SPOOL (a runner's spool: what collect\n"
              "--history stored there when DB could not be reached) to DB as stored:\n"
              "its labels, run values and summaries, one transaction per entry. An entry\n"
              "DB holds already (the same session id and variant) is skipped, so a\n"
              "second push adds nothing. SPOOL is only read.\n"
              "\n"
              "  --from SPOOL  the history to send (refused as every subcommand refuses it)\n"
              "  --db DB       where to (default $BOOTLENS_HISTORY); created when absent\n"
              "\n"
              "Prints 'pushed N, already there M'. Exit status: 0 every entry is in DB, 2\n"
              "usage or input error, or an entry could not be sent (said; the others were).\n",
              out);
}

static void usage_history_list(FILE *out)
{
        fputs("usage: bootlens history list [--db DB] [--where KEY=VALUE]...\n"
              "                             [--format table|json|csv]\n"
              "\n"
              "The entries stored, oldest first (by collection time): id, session, variant,\n"
              "when collected, runs used, the median total and the labels.\n"
              "\n"
              "  --db DB            the database (default $BOOTLENS_HISTORY)\n"
              "  --where KEY=VALUE  only entries whose label KEY is VALUE (repeatable: all\n"
              "                     must hold); the keys session, variant, created and\n"
              "                     kernel_version name those fields\n"
              "  --format F         table (default), json or csv\n"
              "\n"
              "Exit status: 0 ok, 2 usage or input error.\n",
              out);
}

static void usage_history_show(FILE *out)
{
        fputs("usage: bootlens history show [--db DB] [--format table|json]\n"
              "                             ID|SESSION_ID[:VARIANT]\n"
              "\n"
              "One entry (by its id, or its session id and variant; a session id alone when\n"
              "it has one variant): its environment, labels and every metric's summary.\n"
              "\n"
              "  --db DB     the database (default $BOOTLENS_HISTORY)\n"
              "  --format F  table (default) or json\n"
              "\n"
              "Exit status: 0 ok, 2 usage or input error (no such entry).\n",
              out);
}

static void usage_history_trend(FILE *out)
{
        fputs("usage: bootlens history trend [--db DB] --metric "
              "total|phase:NAME|fn:NAME|kernel:loaded\n"
              "                              |kernel:file\n"
              "                              [--by LABEL] [--where KEY=VALUE]...\n"
              "                              [--format table|json|csv] [--plot FILE]\n"
              "                              [--size W,H] [--font NAME[,SIZE]] [--mono]\n"
              "                              [--penalty K] [--window N] [--min-effect E]\n"
              "\n"
              "One metric's series over the entries, one point per entry (median and 95% CI\n"
              "of its runs), ordered by the --by label's value in version order (ties by\n"
              "collection time), else by collection time; its change points (PELT) with the\n"
              "step's size and CI.\n"
              "\n"
              "  --db DB            the database (default $BOOTLENS_HISTORY)\n"
              "  --metric M         total, phase:NAME or fn:NAME (as 'history show' names\n"
              "                     them), or kernel:loaded, kernel:file: the kernel's sizes\n"
              "                     (bytes; MiB in the table and the figure)\n"
              "  --by LABEL         order by this label (entries without it are left out)\n"
              "  --where KEY=VALUE  only entries whose label KEY is VALUE (repeatable)\n"
              "  --format F         table (default), json or csv\n"
              "  --plot FILE        draw the figure too (gnuplot; the terminal from the\n"
              "                     extension: .svg, .png, .pdf, .eps, .tex, .txt); FILE.gp\n"
              "                     and FILE.dat beside it\n"
              "  --size W,H         the figure's size, as 'bootlens plot --size'\n"
              "  --font NAME,SIZE   default Sans,10\n"
              "  --mono             black and white print\n"
              "  --penalty K        the change-point penalty, K times ln(points) (default 3)\n"
              "  --window N         points pooled each side of a step (default 20)\n"
              "  --min-effect E     the smallest step that counts, as compare's (default\n"
              "                     0.5ms,2%)\n"
              "\n"
              "Exit status: 0 ok, 2 usage or input error (no entry has the metric).\n",
              out);
}

static void usage_history_check(FILE *out)
{
        fputs("usage: bootlens history check [--db DB] [--latest KEY=VALUE] [--by LABEL]\n"
              "                              [--where KEY=VALUE]... [--format table|json|md]\n"
              "                              [--alpha A] [--min-effect E] [--window N]\n"
              "                              [--spread-k K]\n"
              "\n"
              "The CI gate: the newest point's runs (or those of the last entry with the\n"
              "--latest label) against the runs of the last stable segment before it, the\n"
              "total and every phase compared as 'bootlens compare' does (Mann-Whitney U,\n"
              "Holm across them, the minimum effect); the functions that moved are named.\n"
              "\n"
              "  --db DB            the database (default $BOOTLENS_HISTORY)\n"
              "  --latest KEY=VALUE the entry judged (default the newest point)\n"
              "  --by LABEL         order the series by this label (default collection time)\n"
              "  --where KEY=VALUE  only entries whose label KEY is VALUE (repeatable)\n"
              "  --format F         table (default), json or md (a pull-request comment)\n"
              "  --alpha A          significance after Holm (default 0.01)\n"
              "  --min-effect E     as compare's (default 0.5ms,2%)\n"
              "  --window N         base points pooled at most (default 20)\n"
              "  --spread-k K       call a change slower only beyond K times the spread of\n"
              "                     the base sessions' medians (default 3; 0: runs alone)\n"
              "\n"
              "Exit status: 0 nothing got slower, or too few points to judge (said on\n"
              "standard error and in the output), 1 the total or a phase got significantly\n"
              "slower, 2 usage or input error.\n",
              out);
}

static void usage_history_dashboard(FILE *out)
{
        fputs("usage: bootlens history dashboard [--db DB] -o DIR [--by LABEL]\n"
              "                              [--where KEY=VALUE]... [--latest N]\n"
              "                              [--no-session-reports]\n"
              "\n"
              "Write DIR/index.html: a static page (no network, no script) with the gate's\n"
              "verdict, one trend figure for the total and one per phase with their change\n"
              "points, and the latest entries, each linked to its session's report when\n"
              "the session directory is still on disk. Prints the page's path.\n"
              "\n"
              "  --db DB               the database (default $BOOTLENS_HISTORY)\n"
              "  -o, --output DIR      the directory written (created)\n"
              "  --by LABEL            order the series by this label\n"
              "  --where KEY=VALUE     only entries whose label KEY is VALUE (repeatable)\n"
              "  --latest N            entries in the table (default 20)\n"
              "  --no-session-reports  link no session report (none written)\n"
              "\n"
              "Exit status: 0 written, 2 usage or input error.\n",
              out);
}

/* ---- shared by the subcommands ---- */

struct labels {
        struct history_label *v;
        size_t n;
};

static void labels_free(struct labels *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->v[i].key);
                free(l->v[i].value);
        }
        free(l->v);
        l->v = NULL;
        l->n = 0;
}

/* Parse "KEY=VALUE" (option opt's) onto l. Returns 0 or -1 (said). */
static int labels_add(struct labels *l, const char *opt, const char *s)
{
        struct history_label lab, *v;
        int rc = history_label_parse(s, &lab);

        if (rc == -ENOMEM) {
                bl_error("history: out of memory");
                return -1;
        }
        if (rc < 0) {
                textout_error("history: %s: '%s' is not KEY=VALUE (KEY 1 to 64 of A-Z a-z 0-9 _ . "
                              "-, VALUE up to 1024 bytes without control characters)",
                              opt, s);
                return -1;
        }
        v = realloc(l->v, (l->n + 1) * sizeof(*v));
        if (!v) {
                free(lab.key);
                free(lab.value);
                bl_error("history: out of memory");
                return -1;
        }
        v[l->n++] = lab;
        l->v = v;
        return 0;
}

/* The options every subcommand may take. */
struct common {
        const char *sub;          /* the subcommand, for messages */
        unsigned formats;         /* --format's allowed: 1 << HISTREPORT_* */
        void (*usage)(FILE *out); /* its usage */
        const char *db;
        struct labels where;
        const char *by;
        enum histreport_format format;
};

static int bad_option(const char *sub, int argc, char **argv, void (*usage)(FILE *))
{
        const char *a = optind > 0 && optind <= argc ? argv[optind - 1] : "";

        if (strncmp(a, "--", 2) == 0 || !optopt)
                textout_error("history %s: option '%s' is unknown or needs a value", sub, a);
        else
                bl_error("history %s: option '-%c' is unknown or needs a value", sub, optopt);
        usage(stderr);
        return -1;
}

/* --format F, one of allowed (a mask of 1 << HISTREPORT_*). */
static int parse_format(const char *sub, const char *s, unsigned allowed, struct common *c)
{
        static const char *const names[] = {"table", "json", "csv", "md"};
        enum histreport_format f;
        char list[64] = "";

        if (histreport_format_parse(s, &f) == 0 && (allowed & (1u << f))) {
                c->format = f;
                return 0;
        }
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                if (!(allowed & (1u << i)))
                        continue;
                if (list[0])
                        strcat(list, ", ");
                strcat(list, names[i]);
        }
        textout_error("history %s: unknown format '%s' (%s)", sub, s, list);
        return -1;
}

/* --by LABEL: a label key. */
static int parse_by(const char *sub, const char *s, struct common *c)
{
        struct history_label l;
        char *kv;
        int rc;

        if (asprintf(&kv, "%s=x", s) < 0) {
                bl_error("history: out of memory");
                return -1;
        }
        rc = history_label_parse(kv, &l);
        free(kv);
        if (rc == 0) {
                free(l.key);
                free(l.value);
        }
        if (rc < 0 || strchr(s, '=')) {
                textout_error("history %s: --by wants a label key (1 to 64 of A-Z a-z 0-9 _ . -), "
                              "not '%s'",
                              sub, s);
                return -1;
        }
        c->by = s;
        return 0;
}

void history_password_warning(const char *db)
{
        static bool said;

        if (said || !histdb_has_password(db))
                return;
        said = true;
        bl_warning("the password in the database's connection string is shown as ***: give it in "
                   "PGPASSWORD, ~/.pgpass or a PGSERVICE file instead");
}

/* The database: --db, else $BOOTLENS_HISTORY. */
static const char *db_path(const struct common *c)
{
        const char *env = getenv(HISTORY_ENV);

        if (c->db && *c->db) {
                history_password_warning(c->db);
                return c->db;
        }
        if (env && *env) {
                history_password_warning(env);
                return env;
        }
        bl_error("history: no database: --db DB or " HISTORY_ENV);
        return NULL;
}

/* Say why history_open(path, create) returned rc (err its message). */
static void db_open_error(const char *path, bool create, int rc, const char *err)
{
        char *shown = NULL;

        if (histdb_display(path, &shown) == 0)
                path = shown; /* a password in a PostgreSQL --db masked */
        if (rc == -ENOENT && !create)
                textout_error("history: no database '%s' (history add creates one)", path);
        else if (rc == -ENOMEM)
                bl_error("history: out of memory");
        else if (err[0])
                textout_error("history: %s", err);
        else
                textout_error("history: cannot open '%s': %s", path, strerror(-rc));
        free(shown);
}

/* Open the database (create: make it when absent). Returns 0 or -1 (said). */
static int db_open(const char *path, bool create, struct history **h)
{
        char err[1024] = "";
        int rc = history_open(path, create, h, err, sizeof(err));

        if (rc == 0)
                return 0;
        db_open_error(path, create, rc, err);
        *h = NULL;
        return -1;
}

/* An option every subcommand parses alike (--db, --where, --by,
 * --format, --help) or an unknown one. Returns 0 (taken), 1 (--help
 * printed) or -1 (an error, said). */
static int common_opt(struct common *c, int ch, int argc, char **argv)
{
        switch (ch) {
        case 'd':
                c->db = optarg;
                return 0;
        case 'w':
                return labels_add(&c->where, "--where", optarg);
        case 'b':
                return parse_by(c->sub, optarg, c);
        case 'F':
                return parse_format(c->sub, optarg, c->formats, c);
        case 'h':
                c->usage(stdout);
                return 1;
        default:
                return bad_option(c->sub, argc, argv, c->usage);
        }
}

/* No argument left (argv[optind] is one too many). Returns 0 or -1 (said). */
static int no_more(const struct common *c, int argc, char **argv)
{
        if (optind >= argc)
                return 0;
        textout_error("history %s: unexpected argument '%s'", c->sub, argv[optind]);
        return -1;
}

/* The database of c opened for reading into *h, its path *db (as shown:
 * history_path(), valid while *h is open), the filter
 * of --where *f. Returns 0 or -1 (said). */
static int open_common(const struct common *c, struct history **h, const char **db,
                       struct history_filter *f)
{
        *db = db_path(c);
        if (!*db || db_open(*db, false, h) < 0)
                return -1;
        *db = history_path(*h); /* as messages and reports show it: a password masked */
        *f = (struct history_filter){c->where.v, c->where.n};
        return 0;
}

/* Say what a library call of subcommand sub returned (rc < 0, err its
 * message or empty). */
static void lib_error(const char *sub, int rc, const char *err)
{
        if (rc == -ENOMEM)
                bl_error("history %s: out of memory", sub);
        else
                textout_error("history %s: %s", sub, err[0] ? err : strerror(-rc));
}

static void put_text(FILE *out, const char *s)
{
        textout_puts(out, s);
}

static void report_options(const struct common *c, const char *db, struct histreport_options *ro)
{
        memset(ro, 0, sizeof(*ro));
        ro->format = c->format;
        ro->colour = c->format == HISTREPORT_TABLE && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        ro->put_text = put_text;
        ro->db = db;
}

/* What a renderer returned. Returns the exit status. */
static int rendered(const char *sub, int rc)
{
        if (rc == 0)
                return BL_EXIT_OK;
        if (rc == -ENOMEM)
                bl_error("history %s: out of memory", sub);
        else if (cli_check_output(stdout, "standard output") == 0)
                bl_error("history %s: cannot write the output: %s", sub, strerror(-rc));
        return BL_EXIT_USAGE;
}

/* Print each line of notes as "bootlens: history SUB: note: LINE". */
static void say_notes(const char *sub, const char *notes)
{
        const char *p = notes ? notes : "";

        while (*p) {
                size_t len = strcspn(p, "\n");
                char *line = strndup(p, len);

                if (line && len)
                        textout_error("history %s: note: %s", sub, line);
                free(line);
                p += len + (p[len] == '\n');
        }
}

static bool metric_ok(const char *m)
{
        return strcmp(m, "total") == 0 || (strncmp(m, "phase:", 6) == 0 && m[6]) ||
               (strncmp(m, "fn:", 3) == 0 && m[3]) || strcmp(m, HISTORY_KERNEL_LOADED) == 0 ||
               strcmp(m, HISTORY_KERNEL_FILE) == 0;
}

static int parse_count(const char *sub, const char *opt, const char *s, uint64_t max, size_t *out)
{
        uint64_t v;

        if (util_parse_u64(s, 10, &v) < 0 || v == 0 || v > max) {
                bl_error("history %s: %s wants a number from 1 to %llu, not '%s'", sub, opt,
                         (unsigned long long)max, s);
                return -1;
        }
        *out = (size_t)v;
        return 0;
}

static int parse_min_effect_opt(const char *sub, const char *s, struct trend_options *to)
{
        if (cli_parse_min_effect(s, &to->stats.min_abs, &to->stats.min_rel) < 0) {
                textout_error("history %s: --min-effect wants a time with its unit and/or a "
                              "percentage, as 0.5ms,2%%, not '%s'",
                              sub, s);
                return -1;
        }
        return 0;
}

/* ---- add ---- */

/* The labels taken from a CI system's environment, in key order. */
static const struct {
        const char *key;
        const char *env[2];
} ci_labels[] = {
    {"branch", {"GITHUB_REF_NAME", "CI_COMMIT_REF_NAME"}},
    {"commit", {"GITHUB_SHA", "CI_COMMIT_SHA"}},
    {"job", {"GITHUB_JOB", "CI_JOB_ID"}},
};

/* The CI labels of the environment onto l. Returns 0 or -1 (said). */
static int ci_env_labels(struct labels *l)
{
        for (size_t i = 0; i < sizeof(ci_labels) / sizeof(ci_labels[0]); i++) {
                for (size_t k = 0; k < 2; k++) {
                        const char *val = getenv(ci_labels[i].env[k]);
                        char *kv, opt[64];
                        int rc;

                        if (!val || !*val)
                                continue;
                        if (asprintf(&kv, "%s=%s", ci_labels[i].key, val) < 0) {
                                bl_error("history: out of memory");
                                return -1;
                        }
                        snprintf(opt, sizeof(opt), "$%s", ci_labels[i].env[k]);
                        rc = labels_add(l, opt, kv);
                        free(kv);
                        if (rc < 0)
                                return -1;
                        break;
                }
        }
        return 0;
}

/* Give e the label key=value unless it has one of that key (labels stay
 * in key order). Returns 0 or -ENOMEM. */
static int entry_default_label(struct history_new *e, const char *key, const char *value)
{
        struct history_label *v;
        size_t at = 0;

        while (at < e->nlabels && strcmp(e->labels[at].key, key) < 0)
                at++;
        if (at < e->nlabels && strcmp(e->labels[at].key, key) == 0)
                return 0;
        v = realloc(e->labels, (e->nlabels + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        e->labels = v;
        memmove(v + at + 1, v + at, (e->nlabels - at) * sizeof(*v));
        v[at].key = strdup(key);
        v[at].value = strdup(value);
        e->nlabels++;
        if (!v[at].key || !v[at].value)
                return -ENOMEM;
        return 0;
}

static int entry_defaults(struct history_new *e, const struct labels *ci)
{
        int rc = 0;

        for (size_t i = 0; i < ci->n && rc == 0; i++)
                rc = entry_default_label(e, ci->v[i].key, ci->v[i].value);
        return rc;
}

struct pending {
        struct history_new *v;
        size_t n;
};

/* Move v[0..n) onto p (v's array freed, its content p's). */
static int pending_take(struct pending *p, struct history_new *v, size_t n)
{
        struct history_new *nv = realloc(p->v, (p->n + n + 1) * sizeof(*nv));

        if (!nv) {
                history_news_free(v, n);
                return -ENOMEM;
        }
        memcpy(nv + p->n, v, n * sizeof(*v));
        p->v = nv;
        p->n += n;
        free(v);
        return 0;
}

/* Prepare ref onto p. skip_empty: every variant of the session DIR on
 * its own, those without an ok run left out (said). Returns 0 or -1
 * (said). */
static int prepare_ref(const char *ref, const struct history_add_options *ao, bool skip_empty,
                       struct pending *p)
{
        struct history_new *v = NULL;
        struct session *s = NULL;
        char err[1024] = "", *json;
        size_t n = 0, nv;
        int rc;

        /* a session named without :VARIANT: its variants one by one, those
         * without an ok run left out (said), as collect --history does */
        if (!skip_empty && asprintf(&json, "%s/session.json", ref) >= 0) {
                skip_empty = access(json, F_OK) == 0;
                free(json);
        }
        if (!skip_empty) {
                rc = history_prepare(ref, ao, &v, &n, err, sizeof(err));
                if (rc == 0)
                        rc = pending_take(p, v, n);
                goto out;
        }
        rc = session_open(ref, &s, err, sizeof(err));
        if (rc < 0)
                goto out;
        nv = session_variant_count(s);
        for (size_t i = 0; i < nv && rc == 0; i++) {
                char *vref;

                if (asprintf(&vref, "%s:%s", ref, session_variant_name(s, i)) < 0) {
                        rc = -ENOMEM;
                        break;
                }
                err[0] = '\0';
                rc = history_prepare(vref, ao, &v, &n, err, sizeof(err));
                free(vref);
                if (rc == -ENODATA) {
                        textout_warning("history: variant '%s' of '%s' has no ok run: not stored",
                                        session_variant_name(s, i), ref);
                        rc = 0;
                        continue;
                }
                if (rc == -EMEDIUMTYPE) {
                        textout_warning("history: %s", err);
                        rc = 0;
                        continue;
                }
                if (rc == 0)
                        rc = pending_take(p, v, n);
        }
        session_free(s);
out:
        if (rc == -ENOMEM)
                bl_error("history: out of memory");
        else if (rc < 0 && err[0])
                textout_error("history: %s", err);
        else if (rc < 0)
                textout_error("history: cannot read the session '%s': %s", ref, strerror(-rc));
        return rc < 0 ? -1 : 0;
}

/* db could not be reached (why: err): p's entries into the spool (NULL:
 * the default), said in one line. Returns 0 or -1 (said). */
static int spool_entries(const char *db, const char *spool, const struct pending *p,
                         const char *why)
{
        struct history *h = NULL;
        char err[1024] = "", *path = NULL, *slash, *shown = NULL, *path_w = NULL, *db_w = NULL;
        size_t dblen;
        int rc;

        if (histdb_display(db, &shown) < 0) {
                bl_error("history: out of memory");
                return -1;
        }
        db = shown; /* a password in --db masked */
        dblen = strlen(db);
        /* "DB: cannot connect: ..." names db once already */
        if (strncmp(why, db, dblen) == 0 && strncmp(why + dblen, ": ", 2) == 0)
                why += dblen + 2;
        if (spool) {
                path = strdup(spool);
                rc = path ? 0 : -ENOMEM;
        } else {
                rc = history_spool_default(&path);
        }
        if (rc < 0) {
                if (rc == -ENOMEM)
                        bl_error("history: out of memory");
                else
                        textout_error(
                            "--history: %s cannot be reached (%s), and there is no spool: "
                            "--spool FILE, XDG_STATE_HOME or HOME",
                            db, why);
                goto out_free;
        }
        slash = strrchr(path, '/');
        if (slash && slash != path) {
                *slash = '\0';
                rc = util_mkdir_p(path, 0755);
                *slash = '/';
                if (rc < 0) {
                        textout_error("--history: %s cannot be reached (%s), and the spool's "
                                      "directory cannot be made: %s: %s",
                                      db, why, path, strerror(-rc));
                        goto out_free;
                }
        }
        rc = history_open(path, true, &h, err, sizeof(err));
        if (rc == 0)
                rc = history_insert(h, p->v, p->n, NULL, err, sizeof(err));
        if (rc < 0) {
                textout_error("--history: %s cannot be reached (%s), and spooling failed: %s", db,
                              why, err[0] ? err : strerror(-rc));
                goto out_free;
        }
        if (util_shell_word(path, &path_w) < 0 || util_shell_word(db, &db_w) < 0) {
                bl_error("history: out of memory");
                rc = -ENOMEM;
                goto out_free;
        }
        textout_error("--history: %s cannot be reached (%s): spooled to %s; send it later with: "
                      "bootlens history push --from %s --db %s",
                      db, why, path, path_w, db_w);
out_free:
        free(path_w);
        free(db_w);
        history_close(h);
        free(path);
        free(shown);
        return rc < 0 ? -1 : 0;
}

/* Store refs into db with ao's labels and the CI labels, in one
 * transaction; one line per entry on out. spooling: when db cannot be
 * reached (history_unreachable()), the entries go to the spool, spool
 * (NULL: the default). Returns the exit status. */
static int add_refs(const char *db, bool spooling, const char *spool, char *const *refs,
                    size_t nrefs, const struct history_add_options *ao, bool skip_empty, FILE *out)
{
        struct labels ci = {0};
        struct pending p = {0};
        struct history *h = NULL;
        int64_t *ids = NULL;
        char err[1024] = "";
        int code = BL_EXIT_USAGE, rc;

        if (ci_env_labels(&ci) < 0)
                goto out;
        for (size_t i = 0; i < nrefs; i++)
                if (prepare_ref(refs[i], ao, skip_empty, &p) < 0)
                        goto out;
        if (p.n == 0) {
                bl_error("history: nothing to store: no variant has an ok run");
                goto out;
        }
        for (size_t i = 0; i < p.n; i++) {
                if (entry_defaults(&p.v[i], &ci) < 0) {
                        bl_error("history: out of memory");
                        goto out;
                }
        }
        for (size_t i = 0; i < p.n; i++) {
                for (size_t j = 0; j < i; j++) {
                        if (strcmp(p.v[i].session_id, p.v[j].session_id) != 0 ||
                            strcmp(p.v[i].variant, p.v[j].variant) != 0)
                                continue;
                        textout_error("history: session '%s' variant '%s' is named twice: "
                                      "nothing stored",
                                      p.v[i].session_id, p.v[i].variant);
                        goto out;
                }
        }
        ids = calloc(p.n, sizeof(*ids));
        if (!ids) {
                bl_error("history: out of memory");
                goto out;
        }
        rc = history_open(db, true, &h, err, sizeof(err));
        if (rc == 0)
                rc = history_insert(h, p.v, p.n, ids, err, sizeof(err));
        if (rc < 0 && spooling && history_unreachable(rc)) {
                if (spool_entries(db, spool, &p, err[0] ? err : strerror(-rc)) == 0)
                        code = BL_EXIT_OK;
                goto out;
        }
        if (rc < 0 && !h) {
                db_open_error(db, true, rc, err);
                goto out;
        }
        if (rc < 0) {
                if (rc == -ENOMEM)
                        bl_error("history: out of memory");
                else
                        textout_error("history: %s", err[0] ? err : strerror(-rc));
                goto out;
        }
        for (size_t i = 0; i < p.n; i++) {
                fputs("stored ", out);
                textout_puts(out, p.v[i].session_id);
                fputc(':', out);
                textout_puts(out, p.v[i].variant);
                fprintf(out, " as entry %lld (%zu run%s, %zu metric%s)\n", (long long)ids[i],
                        p.v[i].nruns, p.v[i].nruns == 1 ? "" : "s", p.v[i].nm,
                        p.v[i].nm == 1 ? "" : "s");
        }
        code = BL_EXIT_OK;
out:
        history_close(h);
        free(ids);
        history_news_free(p.v, p.n);
        labels_free(&ci);
        return code;
}

int history_add_session(const char *db, const char *spool, const char *dir, FILE *out)
{
        struct history_add_options ao = {0};
        char *const refs[] = {(char *)dir};

        return add_refs(db, true, spool, refs, 1, &ao, true, out);
}

static int history_add(int argc, char **argv)
{
        static const struct option longopts[] = {
            {"db", required_argument, NULL, 'd'},  {"label", required_argument, NULL, 'l'},
            {"top", required_argument, NULL, 't'}, {"exclude-starved", no_argument, NULL, 'x'},
            {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
        };
        struct common c = {.sub = "add", .usage = usage_history_add};
        struct labels labels = {0};
        struct history_add_options ao = {0};
        const char *db;
        int code = BL_EXIT_USAGE, ch, rc = 0;

        optind = 1;
        opterr = 0;
        while (rc == 0 && (ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                if (ch == 'l')
                        rc = labels_add(&labels, "--label", optarg);
                else if (ch == 't')
                        rc = parse_count("add", "--top", optarg, 100000, &ao.top);
                else if (ch == 'x')
                        ao.exclude_starved = true;
                else
                        rc = common_opt(&c, ch, argc, argv);
        }
        if (rc) {
                code = rc > 0 ? BL_EXIT_OK : BL_EXIT_USAGE;
                goto out;
        }
        if (optind >= argc) {
                bl_error("history add: want at least one SESSION[:VARIANT]");
                usage_history_add(stderr);
                goto out;
        }
        db = db_path(&c);
        if (!db)
                goto out;
        ao.labels = labels.v;
        ao.nlabels = labels.n;
        code =
            add_refs(db, false, NULL, argv + optind, (size_t)(argc - optind), &ao, false, stdout);
out:
        labels_free(&labels);
        return code;
}

/* ---- list, show ---- */

struct id_total {
        int64_t id;
        double median;
};

static int cmp_id_total(const void *a, const void *b)
{
        const struct id_total *x = a, *y = b;

        return (x->id > y->id) - (x->id < y->id);
}

/* The median total of each entry of v (NAN: none), by one series read. */
static int list_totals(struct history *h, const struct history_filter *f,
                       const struct history_entry *v, size_t n, double **totals)
{
        struct history_series s = {0};
        struct id_total *t = NULL;
        int rc;

        *totals = calloc(n ? n : 1, sizeof(**totals));
        if (!*totals)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                (*totals)[i] = NAN;
        rc = history_series(h, "total", f, NULL, &s);
        if (rc < 0 || s.n == 0)
                goto out;
        t = malloc(s.n * sizeof(*t));
        if (!t) {
                rc = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < s.n; i++)
                t[i] = (struct id_total){s.v[i].e.id, s.v[i].s.median};
        qsort(t, s.n, sizeof(*t), cmp_id_total);
        for (size_t i = 0; i < n; i++) {
                struct id_total key = {v[i].id, 0}, *hit;

                hit = bsearch(&key, t, s.n, sizeof(*t), cmp_id_total);
                if (hit)
                        (*totals)[i] = hit->median;
        }
out:
        free(t);
        history_series_free(&s);
        return rc;
}

static int history_list_cmd(int argc, char **argv)
{
        static const struct option longopts[] = {
            {"db", required_argument, NULL, 'd'},
            {"where", required_argument, NULL, 'w'},
            {"format", required_argument, NULL, 'F'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        struct common c = {.sub = "list",
                           .usage = usage_history_list,
                           .formats = 1u << HISTREPORT_TABLE | 1u << HISTREPORT_JSON |
                                      1u << HISTREPORT_CSV};
        struct history *h = NULL;
        struct history_entry *v = NULL;
        struct histreport_options ro;
        struct history_filter f;
        double *totals = NULL;
        const char *db;
        size_t n = 0;
        int code = BL_EXIT_USAGE, ch, rc = 0;

        optind = 1;
        opterr = 0;
        while (rc == 0 && (ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
                rc = common_opt(&c, ch, argc, argv);
        if (rc) {
                code = rc > 0 ? BL_EXIT_OK : BL_EXIT_USAGE;
                goto out;
        }
        if (no_more(&c, argc, argv) < 0 || open_common(&c, &h, &db, &f) < 0)
                goto out;
        rc = history_list(h, &f, &v, &n);
        if (rc == 0)
                rc = list_totals(h, &f, v, n, &totals);
        if (rc < 0) {
                textout_error("history list: cannot read '%s': %s", db, strerror(-rc));
                goto out;
        }
        report_options(&c, db, &ro);
        code = rendered("list", histreport_list(stdout, v, n, totals, &ro));
out:
        free(totals);
        history_entries_free(v, n);
        history_close(h);
        labels_free(&c.where);
        return code;
}

static int history_show_cmd(int argc, char **argv)
{
        static const struct option longopts[] = {
            {"db", required_argument, NULL, 'd'},
            {"format", required_argument, NULL, 'F'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        struct common c = {.sub = "show",
                           .usage = usage_history_show,
                           .formats = 1u << HISTREPORT_TABLE | 1u << HISTREPORT_JSON};
        struct history *h = NULL;
        struct history_entry e = {0};
        struct history_metric *m = NULL;
        struct histreport_options ro;
        struct history_filter f;
        const char *db;
        size_t nm = 0;
        int code = BL_EXIT_USAGE, ch, rc = 0;

        optind = 1;
        opterr = 0;
        while (rc == 0 && (ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
                rc = common_opt(&c, ch, argc, argv);
        if (rc) {
                code = rc > 0 ? BL_EXIT_OK : BL_EXIT_USAGE;
                goto out;
        }
        if (argc - optind != 1) {
                bl_error("history show: want one ID or SESSION_ID[:VARIANT]");
                usage_history_show(stderr);
                goto out;
        }
        if (open_common(&c, &h, &db, &f) < 0)
                goto out;
        rc = history_get(h, argv[optind], &e);
        if (rc == -ENOENT) {
                textout_error("history show: '%s' holds no entry '%s' (history list shows them)",
                              db, argv[optind]);
                goto out;
        }
        if (rc == -EINVAL) {
                textout_error("history show: session '%s' has several variants in '%s': name one "
                              "(SESSION_ID:VARIANT)",
                              argv[optind], db);
                goto out;
        }
        if (rc == 0)
                rc = history_entry_metrics(h, e.id, &m, &nm);
        if (rc < 0) {
                textout_error("history show: cannot read '%s': %s", db, strerror(-rc));
                goto out;
        }
        report_options(&c, db, &ro);
        code = rendered("show", histreport_show(stdout, &e, m, nm, &ro));
out:
        history_metrics_free(m, nm);
        history_entry_free(&e);
        history_close(h);
        return code;
}
/* ---- trend ---- */

struct figure {
        const char *path;
        struct plot_options po;
};

static int parse_figure_opt(const char *sub, int ch, const char *arg, struct figure *fig)
{
        struct gp_style *st = &fig->po.style;

        switch (ch) {
        case 'p':
                fig->path = arg;
                return 0;
        case 'S':
                if (gp_parse_size(arg, &st->width, &st->height) < 0) {
                        textout_error("history %s: --size wants W,H (two positive numbers up "
                                      "to 20000), not '%s'",
                                      sub, arg);
                        return -1;
                }
                st->has_size = true;
                return 0;
        case 'f':
                if (gp_check_font(arg) < 0) {
                        textout_error("history %s: --font wants NAME or NAME,SIZE (SIZE a "
                                      "positive number), not '%s'",
                                      sub, arg);
                        return -1;
                }
                st->font = arg;
                return 0;
        default: /* 'm' */
                st->mono = true;
                return 0;
        }
}

/* Say why a series is empty or has gaps. Returns -1 when it is empty. */
static int series_notes(const char *sub, const char *db, const struct history_series *s,
                        const char *metric, const char *by)
{
        if (s->n == 0) {
                if (s->nmissing_label)
                        textout_error("history %s: no entry of '%s' that has %s has the label "
                                      "'%s' (--by)",
                                      sub, db, metric, by);
                else if (s->nmissing_metric)
                        textout_error("history %s: no entry of '%s' has the metric '%s' "
                                      "(history show ID lists an entry's)",
                                      sub, db, metric);
                else
                        textout_error("history %s: no entry of '%s' matches", sub, db);
                return -1;
        }
        if (s->nmissing_label)
                textout_error("history %s: note: %zu entr%s without the label '%s' left out", sub,
                              s->nmissing_label, s->nmissing_label == 1 ? "y" : "ies", by);
        if (s->nmissing_metric)
                textout_error("history %s: note: %zu entr%s without %s left out", sub,
                              s->nmissing_metric, s->nmissing_metric == 1 ? "y" : "ies", metric);
        return 0;
}

static int draw_trend(const struct trend *t, const char *by, struct figure *fig)
{
        struct plot_result res = {0};
        char err[1024] = "";
        int rc;

        if (gp_term_from_path(fig->path, &fig->po.style.term) < 0) {
                textout_error("history trend: cannot tell the terminal from '%s' (.svg, .png, "
                              ".pdf, .eps, .tex or .txt)",
                              fig->path);
                return -1;
        }
        rc = trendplot_draw(t, by, fig->path, &fig->po, &res, err, sizeof(err));
        if (rc < 0)
                textout_error("history trend: %s", err[0] ? err : strerror(-rc));
        else
                say_notes("trend", res.note);
        plot_result_free(&res);
        return rc < 0 ? -1 : 0;
}

static int history_trend_cmd(int argc, char **argv)
{
        static const struct option longopts[] = {
            {"db", required_argument, NULL, 'd'},     {"metric", required_argument, NULL, 'M'},
            {"by", required_argument, NULL, 'b'},     {"where", required_argument, NULL, 'w'},
            {"format", required_argument, NULL, 'F'}, {"plot", required_argument, NULL, 'p'},
            {"size", required_argument, NULL, 'S'},   {"font", required_argument, NULL, 'f'},
            {"mono", no_argument, NULL, 'm'},         {"penalty", required_argument, NULL, 'P'},
            {"window", required_argument, NULL, 'W'}, {"min-effect", required_argument, NULL, 'e'},
            {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
        };
        struct common c = {.sub = "trend",
                           .usage = usage_history_trend,
                           .formats = 1u << HISTREPORT_TABLE | 1u << HISTREPORT_JSON |
                                      1u << HISTREPORT_CSV};
        struct figure fig = {0};
        struct trend_options to;
        struct history_filter f;
        struct history *h = NULL;
        struct trend t = {0};
        struct histreport_options ro;
        const char *metric = NULL, *db;
        char err[1024] = "";
        bool drawn;
        int code = BL_EXIT_USAGE, ch, rc = 0;
        double d;

        trend_options_default(&to);
        optind = 1;
        opterr = 0;
        while (rc == 0 && (ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                switch (ch) {
                case 'M':
                        metric = optarg;
                        if (!metric_ok(optarg)) {
                                textout_error("history trend: --metric wants total, phase:NAME, "
                                              "fn:NAME, kernel:loaded or kernel:file, not '%s'",
                                              optarg);
                                rc = -1;
                        }
                        break;
                case 'p':
                case 'S':
                case 'f':
                case 'm':
                        rc = parse_figure_opt("trend", ch, optarg, &fig);
                        break;
                case 'P':
                        if (util_parse_double(optarg, &d) < 0 || !(d > 0) || d > 1e6) {
                                bl_error("history trend: --penalty wants a positive number, not "
                                         "'%s'",
                                         optarg);
                                rc = -1;
                        } else {
                                to.cp.penalty = d;
                        }
                        break;
                case 'W':
                        rc = parse_count("trend", "--window", optarg, 100000, &to.window);
                        break;
                case 'e':
                        rc = parse_min_effect_opt("trend", optarg, &to);
                        break;
                default:
                        rc = common_opt(&c, ch, argc, argv);
                }
        }
        if (rc) {
                code = rc > 0 ? BL_EXIT_OK : BL_EXIT_USAGE;
                goto out;
        }
        if (no_more(&c, argc, argv) < 0)
                goto out;
        if (!metric) {
                bl_error("history trend: want --metric "
                         "total|phase:NAME|fn:NAME|kernel:loaded|kernel:file");
                goto out;
        }
        if (!fig.path && (fig.po.style.has_size || fig.po.style.font || fig.po.style.mono)) {
                bl_error("history trend: --size, --font and --mono are for --plot FILE");
                goto out;
        }
        if (fig.path && !fig.path[0]) {
                bl_error("history trend: --plot wants a file name");
                goto out;
        }
        if (open_common(&c, &h, &db, &f) < 0)
                goto out;
        to.where = &f;
        to.by = c.by;
        rc = trend_build(h, metric, &to, &t, err, sizeof(err));
        if (rc < 0) {
                lib_error("trend", rc, err);
                goto out;
        }
        if (series_notes("trend", db, &t.s, metric, c.by) < 0)
                goto out;
        /* the figure first: a reader of the table that stops early (| head)
         * must not cost the figure */
        drawn = fig.path == NULL || draw_trend(&t, c.by, &fig) == 0;
        report_options(&c, db, &ro);
        code = rendered("trend", histreport_trend(stdout, &t, &to, &ro));
        if (!drawn)
                code = BL_EXIT_USAGE;
out:
        trend_free(&t);
        history_close(h);
        labels_free(&c.where);
        return code;
}

/* ---- check ---- */

static int history_check_cmd(int argc, char **argv)
{
        static const struct option longopts[] = {
            {"db", required_argument, NULL, 'd'},
            {"latest", required_argument, NULL, 'L'},
            {"by", required_argument, NULL, 'b'},
            {"where", required_argument, NULL, 'w'},
            {"format", required_argument, NULL, 'F'},
            {"alpha", required_argument, NULL, 'a'},
            {"min-effect", required_argument, NULL, 'e'},
            {"window", required_argument, NULL, 'W'},
            {"spread-k", required_argument, NULL, 'K'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        struct common c = {.sub = "check",
                           .usage = usage_history_check,
                           .formats = 1u << HISTREPORT_TABLE | 1u << HISTREPORT_JSON |
                                      1u << HISTREPORT_MD};
        struct labels latest = {0};
        struct trend_check_options co;
        struct history_filter f;
        struct history *h = NULL;
        struct trend_check tc = {0};
        struct histreport_options ro;
        const char *db;
        char err[1024] = "";
        int code = BL_EXIT_USAGE, ch, rc = 0;
        double d;

        trend_check_options_default(&co);
        optind = 1;
        opterr = 0;
        while (rc == 0 && (ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                switch (ch) {
                case 'L':
                        rc = -1;
                        if (latest.n)
                                bl_error("history check: --latest is given twice");
                        else
                                rc = labels_add(&latest, "--latest", optarg);
                        break;
                case 'a':
                        if (util_parse_double(optarg, &d) < 0 || !(d > 0 && d < 1)) {
                                bl_error("history check: --alpha wants a number between 0 and 1, "
                                         "not '%s'",
                                         optarg);
                                rc = -1;
                        } else {
                                co.trend.stats.alpha = d;
                        }
                        break;
                case 'e':
                        rc = parse_min_effect_opt("check", optarg, &co.trend);
                        break;
                case 'W':
                        rc = parse_count("check", "--window", optarg, 100000, &co.trend.window);
                        break;
                case 'K':
                        if (util_parse_double(optarg, &d) < 0 || !(d >= 0 && d <= 100)) {
                                bl_error("history check: --spread-k wants a number from 0 to "
                                         "100, not '%s'",
                                         optarg);
                                rc = -1;
                        } else {
                                co.spread_k = d;
                        }
                        break;
                default:
                        rc = common_opt(&c, ch, argc, argv);
                }
        }
        if (rc) {
                code = rc > 0 ? BL_EXIT_OK : BL_EXIT_USAGE;
                goto out;
        }
        if (no_more(&c, argc, argv) < 0 || open_common(&c, &h, &db, &f) < 0)
                goto out;
        co.trend.where = &f;
        co.trend.by = c.by;
        co.latest = latest.n ? &latest.v[0] : NULL;
        rc = trend_check(h, &co, &tc, err, sizeof(err));
        if (rc == -ENOENT && !err[0])
                snprintf(err, sizeof(err), "no entry of '%s' matches", db);
        if (rc < 0) {
                lib_error("check", rc, err);
                goto out;
        }
        report_options(&c, db, &ro);
        code = rendered("check", histreport_check(stdout, &tc, &ro));
        if (code != BL_EXIT_OK)
                goto out;
        if (!tc.judged)
                textout_error("history check: not judged: %s (exit 0)",
                              tc.why ? tc.why : "too few points");
        else if (tc.regressed)
                code = BL_EXIT_FAIL;
out:
        trend_check_free(&tc);
        history_close(h);
        labels_free(&latest);
        labels_free(&c.where);
        return code;
}

/* ---- dashboard ---- */

static int history_dashboard_cmd(int argc, char **argv)
{
        static const struct option longopts[] = {
            {"db", required_argument, NULL, 'd'},
            {"output", required_argument, NULL, 'o'},
            {"by", required_argument, NULL, 'b'},
            {"where", required_argument, NULL, 'w'},
            {"latest", required_argument, NULL, 'L'},
            {"no-session-reports", no_argument, NULL, 'N'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        struct common c = {.sub = "dashboard", .usage = usage_history_dashboard};
        struct dashboard_options o = {0};
        struct dashboard_result r = {0};
        struct history_filter f;
        struct history *h = NULL;
        const char *db;
        char err[1024] = "";
        int code = BL_EXIT_USAGE, ch, rc = 0;

        trend_check_options_default(&o.check);
        o.session_reports = true;
        o.style.term = GP_SVG;
        optind = 1;
        opterr = 0;
        while (rc == 0 && (ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
                if (ch == 'o')
                        o.dir = optarg;
                else if (ch == 'L')
                        rc = parse_count("dashboard", "--latest", optarg, 100000, &o.latest);
                else if (ch == 'N')
                        o.session_reports = false;
                else
                        rc = common_opt(&c, ch, argc, argv);
        }
        if (rc) {
                code = rc > 0 ? BL_EXIT_OK : BL_EXIT_USAGE;
                goto out;
        }
        if (no_more(&c, argc, argv) < 0)
                goto out;
        if (!o.dir || !o.dir[0]) {
                bl_error("history dashboard: want -o DIR (the directory written)");
                goto out;
        }
        if (open_common(&c, &h, &db, &f) < 0)
                goto out;
        o.check.trend.where = &f;
        o.check.trend.by = c.by;
        rc = dashboard_write(h, &o, &r, err, sizeof(err));
        if (rc < 0) {
                lib_error("dashboard", rc, err);
                goto out;
        }
        say_notes("dashboard", r.notes);
        textout_puts(stdout, r.index);
        putchar('\n');
        code = BL_EXIT_OK;
out:
        dashboard_result_free(&r);
        history_close(h);
        labels_free(&c.where);
        return code;
}

/* ---- push ---- */

/* An entry history_push() could not send: one line. */
static void push_failed(void *arg, const struct history_entry *e, int rc, const char *err)
{
        (void)arg;
        if (rc == -ENOMEM)
                bl_error("history push: out of memory");
        else
                textout_error("history push: not sent: %s:%s: %s", e->session_id, e->variant,
                              err[0] ? err : strerror(-rc));
}

static int history_push_cmd(int argc, char **argv)
{
        static const struct option longopts[] = {
            {"db", required_argument, NULL, 'd'},
            {"from", required_argument, NULL, 'f'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        struct common c = {.sub = "push", .usage = usage_history_push};
        const struct history_push_options po = {push_failed, NULL};
        struct history_push_result r;
        struct history *src = NULL, *dst = NULL;
        const char *from = NULL, *db;
        char err[1024] = "";
        int code = BL_EXIT_USAGE, ch, rc = 0;

        optind = 1;
        opterr = 0;
        while (rc == 0 && (ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                if (ch == 'f')
                        from = optarg;
                else
                        rc = common_opt(&c, ch, argc, argv);
        }
        if (rc) {
                code = rc > 0 ? BL_EXIT_OK : BL_EXIT_USAGE;
                goto out;
        }
        if (no_more(&c, argc, argv) < 0)
                goto out;
        if (!from || !*from) {
                bl_error("history push: want --from SPOOL (the history to send)");
                usage_history_push(stderr);
                goto out;
        }
        db = db_path(&c);
        if (!db || db_open(from, false, &src) < 0 || db_open(db, true, &dst) < 0)
                goto out;
        rc = history_push(dst, src, &po, &r, err, sizeof(err));
        if (rc == -ENOMEM && !r.failed) {
                bl_error("history push: out of memory");
                goto out;
        }
        if (rc < 0 && !r.failed) {
                textout_error("history push: %s", err[0] ? err : strerror(-rc));
                goto out;
        }
        printf("pushed %zu, already there %zu", r.pushed, r.present);
        if (r.failed)
                printf(", not sent %zu", r.failed);
        putchar('\n');
        code = r.failed ? BL_EXIT_USAGE : BL_EXIT_OK;
out:
        history_close(dst);
        history_close(src);
        labels_free(&c.where);
        return code;
}

/* ---- the subcommands ---- */

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
        void (*usage)(FILE *out);
} subcommands[] = {
    {"add", history_add, usage_history_add},
    {"list", history_list_cmd, usage_history_list},
    {"show", history_show_cmd, usage_history_show},
    {"trend", history_trend_cmd, usage_history_trend},
    {"check", history_check_cmd, usage_history_check},
    {"dashboard", history_dashboard_cmd, usage_history_dashboard},
    {"push", history_push_cmd, usage_history_push},
};

int cmd_history(int argc, char **argv)
{
        if (argc < 2) {
                bl_error("history: want a subcommand: add, list, show, trend, check, dashboard or "
                         "push");
                usage_history(stderr);
                return BL_EXIT_USAGE;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
            strcmp(argv[1], "help") == 0) {
                usage_history(stdout);
                return BL_EXIT_OK;
        }
        for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
                if (strcmp(argv[1], subcommands[i].name) == 0)
                        return subcommands[i].fn(argc - 1, argv + 1);
        textout_error("history: unknown subcommand '%s' (add, list, show, trend, check, "
                      "dashboard or push)",
                      argv[1]);
        return BL_EXIT_USAGE;
}
