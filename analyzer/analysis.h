/*
 * analysis: the call trees and phases of one trace, computed once, for
 * any input: an input parser (tslog, the Linux kernel log) fills a struct
 * ev_trace; analysis_run() builds the per-thread call trees and computes
 * the phases. It knows no input format: the run model (run.h) holds an
 * analysis beside the input's own metadata, and the reports read both.
 */
#ifndef BOOTLENS_ANALYSIS_H
#define BOOTLENS_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/calltree.h"
#include "analyzer/events.h"
#include "analyzer/phases.h"
#include "base/util.h"

/*
 * The analyzer's clock range: every time in a trace (a record's ts, a
 * process's fork and exit) and every phase point lies in 0..EV_CLOCK_MAX
 * (points may be negative down to -EV_CLOCK_MAX: before the clock's zero).
 * The parsers refuse what lies beyond; the analysis checks again and
 * leaves a span or a difference it cannot represent unavailable, with a
 * warning, never a wrapped number. Differences of two int64 points fit a
 * uint64 when the end is not before the start (analysis_span()).
 */
#define EV_CLOCK_MAX                                                                               \
        UTIL_CLOCK_MAX /* the base's range (base/util.h), which the parsers enforce                \
                        */

/* end - start, exact, into *d: false when end precedes start. */
bool analysis_span(int64_t start, int64_t end, uint64_t *d);
/* b - a into *d: false when it does not fit an int64 (never wraps). */
bool analysis_sub(int64_t b, int64_t a, int64_t *d);
/* A uint64 clock value as a point: false when it lies beyond EV_CLOCK_MAX. */
bool analysis_point(uint64_t v, int64_t *p);

struct analysis {
        struct ev_trace *trace;       /* not owned */
        struct phases *phases;        /* not owned; NULL when there is no map */
        struct ct_forest forest;      /* owned */
        int64_t boot_start, boot_end; /* see analysis_boot_span() */
        bool has_boot;                /* boot_start and boot_end are set */
};

/* Build the call trees of t (appending their warnings to t) and compute
 * the phases of ph over t when ph is not NULL. a is overwritten. Returns
 * 0 or -ENOMEM. */
int analysis_run(struct analysis *a, struct ev_trace *t, struct phases *ph);
/* Release what a owns (the forest); accepts a zeroed analysis. */
void analysis_free(struct analysis *a);

/* The span that "% of boot" refers to, in the trace's clock: from the
 * earliest to the latest of every record and every phase point that is set
 * (for tslog: guest.tsc0 = 0, so boot counts from the guest TSC's zero, and
 * dump.begin when known). 0 when there is no record and no point, or
 * when a record lies beyond EV_CLOCK_MAX (has_boot false, and a warning
 * says so). */
uint64_t analysis_boot_span(const struct analysis *a);

/* A process's display name: its exec name, else its first namei, else
 * "pid N"; written into buf (NUL-terminated, truncated to size). */
const char *analysis_process_name(const struct ev_trace *t, const struct ev_process *p, char *buf,
                                  size_t size);

/* Indices of t's warnings in display order: by input line, warnings tied
 * to no line last, stable otherwise. malloc'd (t->nwarns entries), NULL
 * when there is none or on -ENOMEM. */
uint32_t *analysis_warnings_sorted(const struct ev_trace *t);

#endif
