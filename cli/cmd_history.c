/*
 * bootlens history: a boot-time record per session, trends, change
 * points, the CI gate and a dashboard (docs/history.md).
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

void usage_history(FILE *out)
{
        fputs("usage: bootlens history add [--db FILE] [--label KEY=VALUE]... [--top N]\n"
              "                            [--exclude-starved] SESSION[:VARIANT]...\n"
              "       bootlens history list [--db FILE] [--where KEY=VALUE]...\n"
              "                             [--format table|json|csv]\n"
              "       bootlens history show [--db FILE] [--format table|json]\n"
              "                             ID|SESSION_ID[:VARIANT]\n"
              "       bootlens history trend [--db FILE] --metric total|phase:NAME|fn:NAME\n"
              "                              [--by LABEL] [--where KEY=VALUE]...\n"
              "                              [--format table|json|csv] [--plot FILE]\n"
              "                              [--size W,H] [--font NAME[,SIZE]] [--mono]\n"
              "                              [--penalty K] [--window N] [--min-effect MS]\n"
              "       bootlens history check [--db FILE] [--latest KEY=VALUE] [--by LABEL]\n"
              "                              [--where KEY=VALUE]... [--format table|json|md]\n"
              "                              [--alpha A] [--min-effect MS] [--window N]\n"
              "       bootlens history dashboard [--db FILE] -o DIR [--by LABEL]\n"
              "                              [--where KEY=VALUE]... [--latest N]\n"
              "                              [--no-session-reports]\n"
              "\n"
              "Keep every session's per-run metrics (the total, every phase, the top\n"
              "functions) with its labels and environment in one SQLite database, and find\n"
              "when boot time changed, in which phase and by how much.\n"
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
              "\n"
              "  --db FILE  the database (default: $BOOTLENS_HISTORY; add creates it)\n"
              "\n"
              "Exit status: 0 ok, 1 check found a regression, 2 usage or input error.\n"
              "The schema, the method and the formats: docs/history.md.\n",
              out);
}

int cmd_history(int argc, char **argv)
{
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                usage_history(stdout);
                return BL_EXIT_OK;
        }
        fputs("bootlens: history: not built yet\n", stderr);
        return BL_EXIT_USAGE;
}
