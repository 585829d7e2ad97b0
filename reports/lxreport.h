/*
 * lxreport: the compact report of one Linux boot (a session run or a
 * kernel log): the phase table, the slowest initcalls, and the clock
 * stitching with its uncertainty (docs/linux.md).
 *
 * The table is what "bootlens analyze SESSION" and "bootlens demo" print
 * per run; the JSON object is that run's entry in the session report
 * (docs/linux.md, "JSON"). Times are ms with three decimals in the table
 * and ns in the JSON. The analysis must have been run with the Linux phase
 * map; s may be NULL (a plain log: no host timeline).
 */
#ifndef BOOTLENS_LXREPORT_H
#define BOOTLENS_LXREPORT_H

#include <stdio.h>

#include <jansson.h>

#include "analyzer/analysis.h"
#include "analyzer/dmesg.h"
#include "analyzer/stitch.h"
#include "analyzer/umarks.h"

/* One initcall among the slowest: points into the analysis. */
struct lxreport_initcall {
        const char *name;
        const char *thread; /* label, e.g. "pid 1" */
        uint64_t total_ns;
};

/* The top (up to max) initcalls by total time, probes left out, into
 * out[] (caller's array). Returns the count or -ENOMEM. labels is a
 * caller buffer of max * 64 bytes for the thread labels. */
int lxreport_slowest(const struct analysis *a, struct lxreport_initcall *out, size_t max,
                     char *labels);

/* Write the table. Returns 0, -ENOMEM or -EIO. */
int lxreport_table(FILE *out, const struct analysis *a, const struct dmesg_meta *m,
                   const struct stitch *s, size_t top);

/* The run's JSON object (the caller json_decref()s it), NULL on -ENOMEM:
 * phases [{name, from, to, ns | null, missing}], initcalls {count, open,
 * probes, slowest [{name, thread, ns}]}, kernel {run_init_ns, ...}, stitch
 * {ok, tsc0_ns, shift_ns, lag_ns, latency_bound_ns, guest_tsc_s, note},
 * warnings [{line, message}]. */
json_t *lxreport_json(const struct analysis *a, const struct dmesg_meta *m, const struct stitch *s,
                      size_t top);

/*
 * The user-space marks (umarks.h) of one run, after the table: each mark's
 * time since "Run /init" in guest time (printk) and in host time (its
 * host stamp minus the stitched host time of Run /init; needs s->ok), and
 * the step since the previous mark on both clocks. Prints nothing when
 * there is no mark. Returns 0 or -EIO.
 */
int lxreport_marks_table(FILE *out, const struct umarks *um, const struct dmesg_meta *m,
                         const struct stitch *s);

/* The same as a JSON array (the caller json_decref()s it), NULL on
 * -ENOMEM: [{name, line, guest_ns, since_run_init_ns, host_ns,
 * host_since_run_init_ns, after_dump}]; guest_ns is printk time, host_ns
 * ns since spawn; a time that is not known is null. */
json_t *lxreport_marks_json(const struct umarks *um, const struct dmesg_meta *m,
                            const struct stitch *s);

#endif
