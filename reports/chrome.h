/*
 * chrome: Chrome trace event JSON (the "JSON Object Format" of the Trace
 * Event Format: {"displayTimeUnit": "ms", "otherData": {...},
 * "traceEvents": [...]}), which Perfetto, chrome://tracing and speedscope
 * open. docs/exports.md says what each event holds.
 *
 * One document holds any number of runs, each one process (pid 1, 2, ...
 * in the order added), named by the caller ("run 3 (base)", a FILE's
 * path), with process_sort_index its pid:
 *  - tid 1, "phases": the run's phases (complete "X" events, cat "phase")
 *    and every phase point that is set (instant "i" events, cat "point";
 *    user-space marks mark.NAME have cat "mark"): the host's side (spawn,
 *    QEMU, firmware) and the kernel's phases;
 *  - tid 2, 3, ...: one track per guest thread of the call trees
 *    (analyzer/calltree.h: tslog threads; a Linux log's PIDs, so the
 *    initcalls run on the boot thread's track and async initcalls on
 *    their own PID's), in the forest's thread order: every completed
 *    activation an "X" event (cat "function"), frames open at dump time
 *    ending at the trace's last record (args.open_at_dump true), EVENT
 *    records instant events (cat "event").
 *
 * Time axis, per run, in us with three decimals (ns exact): zero is the
 * host's spawn of QEMU when the run knows it (a stitched Linux session
 * run: host time since spawn), else the zero of the guest's clock (TSC
 * cycles converted with the trace's frequency, or printk ns); a time
 * before zero is clipped to 0 (args.clipped). process_labels says which.
 *
 * Nesting: every track is strictly nested (an event lies inside the one
 * around it or after it, never across its end). Call-tree tracks are by
 * construction (an EXIT closes the frames above its match at its own
 * time, as calltree.h replays). On the phases track, a phase that starts
 * inside another and ends after it is clipped to end where the other ends
 * (args.clipped true, args.end_us the unclipped end). Events of a track
 * are written sorted by ts (then longer first).
 */
#ifndef BOOTLENS_CHROME_H
#define BOOTLENS_CHROME_H

#include <stdio.h>

#include "analyzer/run.h"

struct chrome; /* opaque */

/* A new document written to out (nothing is written before the first run
 * or chrome_finish()). NULL on -ENOMEM. */
struct chrome *chrome_new(FILE *out);
/* Add r as the next process, named label. Returns 0; -EDOM (nothing
 * written) when r's clock is TSC cycles with no known frequency; -ENOMEM;
 * -EIO when a write failed. */
int chrome_add_run(struct chrome *c, const struct run *r, const char *label);
/* Close the document and flush. Returns 0 or the first error (-EIO,
 * -ENOMEM). */
int chrome_finish(struct chrome *c);
void chrome_free(struct chrome *c); /* accepts NULL */

#endif
