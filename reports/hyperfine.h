/*
 * hyperfine: JSON shaped as "hyperfine --export-json" writes it
 * (docs/exports.md, "hyperfine"), the one writer of compare's and
 * analyze's --format hyperfine:
 *
 *   {"results": [{"command": ..., "mean": ..., "stddev": ..., "median": ...,
 *                 "user": ..., "system": ..., "min": ..., "max": ...,
 *                 "times": [...], "exit_codes": [...]}, ...]}
 *
 * Times are in seconds; stddev is the sample standard deviation (n - 1),
 * null for one time, as hyperfine writes it; exit_codes one 0 per time
 * (only ok runs, whose QEMU exited 0, are ever exported).
 *
 * analyze's set (struct hyperfine_set): one result per group, a group
 * being a session's variant or a FILE (with --aggregate all FILEs), the
 * metric's value of each run of the group where present (analyzer/metrics.h),
 * in run order. user and system are the mean QEMU CPU time per run of
 * those runs for the total, and 0 for a phase or a function (the guest's
 * share of QEMU's CPU in one phase is not known) or when the host did not
 * record it. Functions return 0 or a negative errno and never print.
 */
#ifndef BOOTLENS_HYPERFINE_H
#define BOOTLENS_HYPERFINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/run.h"
#include "analyzer/runset.h"
#include "reports/jsonw.h"

/* One result: n times in ns; user_ns and system_ns the mean QEMU CPU
 * time per run (0: unknown). */
struct hyperfine_result {
        const char *command;
        const double *ns;
        size_t n;
        double user_ns, system_ns;
};

/* {"results": [ */
void hyperfine_begin(struct jsonw *w);
/* The members of one result into the object the caller opened (it may add
 * keys of its own before closing it). */
void hyperfine_members(struct jsonw *w, const struct hyperfine_result *r);
/* ]}, finished, and a newline. Returns 0, -ENOMEM or -EIO. */
int hyperfine_end(struct jsonw *w, FILE *out);

struct hyperfine_set; /* opaque */

/* A set exporting the metric named metric ("total", "phase:NAME",
 * "fn:NAME": metrics.h's names). NULL on -ENOMEM. */
struct hyperfine_set *hyperfine_set_new(const char *metric);
void hyperfine_set_free(struct hyperfine_set *s); /* accepts NULL */
/* Run r, with its QEMU CPU time (0: unknown), into the group named
 * command (a new group after the others when none has that name).
 * Returns 0 or -ENOMEM. */
int hyperfine_add_run(struct hyperfine_set *s, const struct run *r, const char *command,
                      uint64_t cpu_user_ns, uint64_t cpu_system_ns);
/* Every selected run of rs (a starved one left out with exclude_starved)
 * into the group of its variant, named VARIANT, or DIR:VARIANT with
 * qualify (several sessions in one document); a run without data (-ENODATA) is
 * skipped. On an analysis error *failed is the run, *msg what run_analyse
 * said (or NULL; free it). Returns 0 or what runset_analyse returned. */
int hyperfine_add_session(struct hyperfine_set *s, struct runset *rs, const struct run_options *ro,
                          bool exclude_starved, bool qualify, unsigned *failed, char **msg);
/* Write the document: one result per group, in order of first sight.
 * -ESRCH when a group has no value of the metric (*missing: its command),
 * -ENODATA when there is no group; else 0, -ENOMEM or -EIO. */
int hyperfine_write(FILE *out, struct hyperfine_set *s, const char **missing);

#endif
