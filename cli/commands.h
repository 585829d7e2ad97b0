/*
 * The bootlens subcommands. Each lives in cli/cmd_<name>.c and is called
 * with argv[0] = its own name. A subcommand returns the process exit code
 * (0 ok, 1 a check failed, 2 usage or input error: BL_EXIT_*), prints its
 * own errors as "bootlens: ..." and its usage on --help/-h.
 */
#ifndef BOOTLENS_COMMANDS_H
#define BOOTLENS_COMMANDS_H

#include <stdbool.h>
#include <stdio.h>

#include "analyzer/savings.h"

enum {
        BL_EXIT_OK = 0,
        BL_EXIT_FAIL = 1,  /* a check failed: regression, no ok run, warnings under --strict */
        BL_EXIT_USAGE = 2, /* usage or input error */
};

struct bl_command {
        const char *name;
        int (*fn)(int argc, char **argv);
        const char *summary;      /* one line for "bootlens help" */
        void (*usage)(FILE *out); /* the full usage, for "help NAME" and --help */
};

int cmd_analyze(int argc, char **argv);
void usage_analyze(FILE *out);
int cmd_guest(int argc, char **argv);
void usage_guest(FILE *out);

int cmd_collect(int argc, char **argv);
void usage_collect(FILE *out);
/* The collection o describes (its stop, event and user are set here),
 * with collect's signal handling, progress line, warnings and summary;
 * returns collect's exit status. Also used by cmd_demo.c. */
struct collect_opts;
int collect_and_report(const struct collect_opts *o);
/* collect's options for another command that collects (sweep): argv as
 * collect's (argv[0] the command's name) into co, which points into argv
 * and into *owned (collect_args_free() it after co's last use, also on
 * error). Returns 0, -1 after --help (collect's usage printed), or an
 * exit status (the error printed). */
int collect_args_parse(int argc, char **argv, struct collect_opts *co, void **owned);
void collect_args_free(void *owned);
/* collect's --history FILE of what collect_args_parse() parsed (owned),
 * or NULL. */
const char *collect_args_history(const void *owned);
/* collect's --spool FILE (owned), or NULL (the default spool). */
const char *collect_args_spool(const void *owned);
/* Whether every planned run of the session dir is recorded. */
bool collect_session_complete(const char *dir);
/* collect --history: after a collection that ended with exit status code,
 * add the session dir to the database db (history_add_session(), "stored"
 * lines on out) when it is complete; an incomplete one (stopped) is not
 * added, said on stderr. Returns code, or BL_EXIT_USAGE when adding
 * failed (said; the session stays whole). When db cannot be reached
 * (history_unreachable()), the session goes to the spool (spool, NULL:
 * the default), said in one line, and code is returned. A code of
 * BL_EXIT_USAGE is returned as is, nothing added. */
int collect_add_history(const char *db, const char *spool, const char *dir, int code, FILE *out);
/* Before collecting with --history db: a database there that would be
 * refused (a newer schema, not a history, not a database; for
 * PostgreSQL every error of opening it: a bad connection string, a
 * missing database or role, a password refused) is said now, not after
 * the boots. A server that cannot be reached now passes, said in one line
 * (the session is spooled if it is still away at the end). Returns 0
 * (fine, or absent: add creates it) or BL_EXIT_USAGE (said). */
int collect_check_history(const char *db);
int cmd_show(int argc, char **argv);
void usage_show(FILE *out);
int cmd_compare(int argc, char **argv);
void usage_compare(FILE *out);
/* compare's --min-effect (also history trend's and check's): "0.5ms,2%",
 * one or two parts, each an absolute time with its unit (ns, us, ms, s)
 * or a percentage; a part not given keeps its value. 0 or -EINVAL. */
int cli_parse_min_effect(const char *s, double *abs_ns, double *rel);
int cmd_demo(int argc, char **argv);
void usage_demo(FILE *out);
int cmd_report(int argc, char **argv);
void usage_report(FILE *out);
/* The report of ho (reports/htmlreport.h) written into ho->dir, its
 * page's path in *index (malloc'd; NULL on a usage error), errors and
 * damage said on stderr, one summary line on stdout. Returns cmd_report's
 * exit status. Also used by cmd_demo.c. */
struct htmlreport_options;
int report_write_dir(const struct htmlreport_options *ho, char **index);
int cmd_plot(int argc, char **argv);
void usage_plot(FILE *out);

int cmd_elf(int argc, char **argv);
void usage_elf(FILE *out);
int cmd_history(int argc, char **argv);
void usage_history(FILE *out);
/* "history add --db db DIR" for collect --history and sweep's: every
 * variant of the session DIR with an ok run (one without is left out,
 * said on stderr), with the CI labels (docs/history.md), in one
 * transaction; one "stored ..." line per entry on out, errors on stderr.
 * When db cannot be reached, the entries go to the spool file spool
 * (NULL: history_spool_default()), one line on stderr says so, and 0 is
 * returned. Returns 0 or BL_EXIT_USAGE (nothing stored; the session
 * untouched). */
int history_add_session(const char *db, const char *spool, const char *dir, FILE *out);
/* When db (a --db, $BOOTLENS_HISTORY or --history text) holds a password
 * (histdb_has_password()), a warning on stderr, once per process: it is
 * masked, and belongs in PGPASSWORD, ~/.pgpass or a PGSERVICE file. */
void history_password_warning(const char *db);
int cmd_sweep(int argc, char **argv);
void usage_sweep(FILE *out);
int cmd_diagnose(int argc, char **argv);
void usage_diagnose(FILE *out);

/* What "bootlens sweep" does after parsing (cli/cmd_sweep.c), also used by
 * "diagnose --verify": collect the plan's variants into co->out with
 * collect's progress, warnings and signal handling (co: the session's
 * settings, its variants left empty: the plan's are used), then analyse
 * the savings (savings_analyse with cmp) and print them to out in format
 * ("table", "json", "csv", "md"). *result, when not NULL, receives the
 * savings (the caller savings_free()s it). Returns sweep's exit status:
 * 0, 1 (no ok baseline run, a collection stopped or failed), 2 (usage or
 * input). */
struct sweep_plan;
struct savings;
struct compare_options;
int sweep_execute(const struct collect_opts *co, const struct sweep_plan *plan,
                  const struct compare_options *cmp, const char *format, FILE *out,
                  struct savings *result);
/* The same, the savings by basis (analyzer/savings.h: SAVINGS_BY_TOTAL,
 * sweep_execute's, SAVINGS_BY_CPU, "sweep --by cpu", or SAVINGS_BY_GUEST,
 * "sweep --by guest"). */
int sweep_execute_by(const struct collect_opts *co, const struct sweep_plan *plan,
                     const struct compare_options *cmp, enum savings_basis basis,
                     const char *format, FILE *out, struct savings *result);

/* The table, in the order "bootlens help" lists it; NULL-terminated. */
extern const struct bl_command bl_commands[];

/* Print "bootlens: " + message + "\n" to stderr. */
void bl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "bootlens: warning: " + message + "\n" to stderr. */
void bl_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
