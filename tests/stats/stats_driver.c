/*
 * stats_driver: analyzer/stats.c on numbers from stdin, for
 * tests/stats/reference.py, which checks it against numpy and SciPy.
 *
 * One request per line, one answer line per request (numbers as %.17g):
 *
 *   quantile P... : X...             the type-7 quantiles of X at each P
 *   summary : X...                   n median q25 q75 p10 p90 min max
 *   outliers : X...                  count, then 0/1 per value
 *   ci_order LEVEL : X...            lo_rank hi_rank lo hi coverage
 *   boot B LEVEL SEED : X...         lo hi (bootstrap CI of the median)
 *   bootdiff B LEVEL SEED : A... : B...   lo hi (of median(B) - median(A))
 *   mwu auto|exact|asymptotic : A... : B...   u p exact ties
 *   holm : P...                      the adjusted p-values
 *
 * An error answers "error -ERRNO"; a malformed line exits 2.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/stats.h"

#define MAX_GROUPS 3

struct group {
        double *v;
        size_t n, cap;
};

static void die(const char *why, const char *line)
{
        fprintf(stderr, "stats_driver: %s: %s\n", why, line);
        exit(2);
}

static void push(struct group *g, double x)
{
        if (g->n == g->cap) {
                g->cap = g->cap ? 2 * g->cap : 16;
                g->v = realloc(g->v, g->cap * sizeof(*g->v));
                if (g->v == NULL)
                        die("out of memory", "");
        }
        g->v[g->n++] = x;
}

/* Split the line after its command into groups separated by ':'. */
static size_t parse(char *line, struct group *g)
{
        size_t ng = 0;

        for (char *tok = strtok(line, " \t\n"); tok != NULL; tok = strtok(NULL, " \t\n")) {
                char *end;
                double x;
                if (strcmp(tok, ":") == 0) {
                        if (++ng >= MAX_GROUPS)
                                die("too many groups", tok);
                        continue;
                }
                x = strtod(tok, &end);
                if (*end != '\0')
                        die("not a number", tok);
                push(&g[ng], x);
        }
        return ng + 1;
}

static void print_ci(int rc, const struct stats_ci *ci)
{
        if (rc < 0)
                printf("error %d\n", rc);
        else
                printf("%zu %zu %.17g %.17g %.17g\n", ci->lo_rank, ci->hi_rank, ci->lo, ci->hi,
                       ci->coverage);
}

static void run(const char *cmd, const char *arg, struct group *g, size_t ng, const char *line)
{
        struct stats_ci ci;
        int rc;

        if (strcmp(cmd, "quantile") == 0 && ng == 2) {
                stats_sort(g[1].v, g[1].n);
                for (size_t k = 0; k < g[0].n; k++)
                        printf("%s%.17g", k ? " " : "",
                               stats_quantile_sorted(g[1].v, g[1].n, g[0].v[k]));
                printf("\n");
        } else if (strcmp(cmd, "summary") == 0 && ng == 2) {
                struct stats_summary s;
                rc = stats_summary(g[1].v, g[1].n, &s);
                if (rc < 0)
                        printf("error %d\n", rc);
                else
                        printf("%zu %.17g %.17g %.17g %.17g %.17g %.17g %.17g\n", s.n, s.median,
                               s.q25, s.q75, s.p10, s.p90, s.min, s.max);
        } else if (strcmp(cmd, "outliers") == 0 && ng == 2) {
                bool *flag = calloc(g[1].n + 1, sizeof(*flag));
                if (flag == NULL)
                        die("out of memory", line);
                rc = stats_outliers(g[1].v, g[1].n, flag, NULL);
                printf("%d", rc);
                for (size_t k = 0; rc >= 0 && k < g[1].n; k++)
                        printf(" %d", flag[k]);
                printf("\n");
                free(flag);
        } else if (strcmp(cmd, "ci_order") == 0 && ng == 2 && g[0].n == 1) {
                stats_sort(g[1].v, g[1].n);
                print_ci(stats_median_ci_order(g[1].v, g[1].n, g[0].v[0], &ci), &ci);
        } else if (strcmp(cmd, "boot") == 0 && ng == 2 && g[0].n == 3) {
                stats_sort(g[1].v, g[1].n);
                print_ci(stats_median_ci_bootstrap(g[1].v, g[1].n, (size_t)g[0].v[0], g[0].v[1],
                                                   (uint64_t)g[0].v[2], &ci),
                         &ci);
        } else if (strcmp(cmd, "bootdiff") == 0 && ng == 3 && g[0].n == 3) {
                stats_sort(g[1].v, g[1].n);
                stats_sort(g[2].v, g[2].n);
                print_ci(stats_median_diff_ci_bootstrap(g[1].v, g[1].n, g[2].v, g[2].n,
                                                        (size_t)g[0].v[0], g[0].v[1],
                                                        (uint64_t)g[0].v[2], &ci),
                         &ci);
        } else if (strcmp(cmd, "mwu") == 0 && ng == 3 && arg != NULL) {
                enum stats_mwu_method m = strcmp(arg, "exact") == 0        ? STATS_MWU_EXACT
                                          : strcmp(arg, "asymptotic") == 0 ? STATS_MWU_ASYMPTOTIC
                                                                           : STATS_MWU_AUTO;
                struct stats_mwu r;
                rc = stats_mwu(g[1].v, g[1].n, g[2].v, g[2].n, m, &r);
                if (rc < 0)
                        printf("error %d\n", rc);
                else
                        printf("%.17g %.17g %d %d\n", r.u, r.p, r.exact, r.ties);
        } else if (strcmp(cmd, "holm") == 0 && ng == 2) {
                rc = stats_holm(g[1].v, g[1].n, g[1].v);
                if (rc < 0)
                        printf("error %d\n", rc);
                for (size_t k = 0; rc == 0 && k < g[1].n; k++)
                        printf("%s%.17g", k ? " " : "", g[1].v[k]);
                if (rc == 0)
                        printf("\n");
        } else {
                die("unknown request", line);
        }
}

int main(void)
{
        char *line = NULL;
        size_t cap = 0;

        while (getline(&line, &cap, stdin) > 0) {
                struct group g[MAX_GROUPS] = {0};
                char copy[64], *cmd, *rest, *arg = NULL;
                size_t ng;

                snprintf(copy, sizeof(copy), "%s", line);
                cmd = line + strspn(line, " \t");
                rest = cmd + strcspn(cmd, " \t\n");
                if (*rest != '\0')
                        *rest++ = '\0';
                if (*cmd == '\0')
                        continue;
                if (strcmp(cmd, "mwu") == 0) {
                        arg = rest + strspn(rest, " \t");
                        rest = arg + strcspn(arg, " \t\n");
                        if (*rest != '\0')
                                *rest++ = '\0';
                }
                ng = parse(rest, g);
                run(cmd, arg, g, ng, copy);
                for (size_t k = 0; k < MAX_GROUPS; k++)
                        free(g[k].v);
                fflush(stdout);
        }
        free(line);
        return 0;
}
