/*
 * phases: boot phases named by the events that bound them.
 *
 * A phase map is text, one phase a line:
 *
 *     NAME: EVENT -> EVENT        # a comment runs to the end of the line
 *
 * An EVENT is one of
 *     ENTER name [arg]   the first ENTER (earliest timestamp, any thread) of
 *                        that function; without arg any argument matches
 *     EXIT name [arg]    the same for EXIT
 *     point              a named point in time supplied by the caller with
 *                        phases_set_point(): a single word such as
 *                        host.spawn, guest.tsc0, dump.begin
 *
 * A phase lasts from its first event to its second; boundaries may lie on
 * different threads. A phase whose boundary did not happen (or whose point
 * nobody set) is unavailable, never 0; one whose end precedes its start is
 * unavailable too ("inverted").
 *
 * Points are the extension point for other clocks and inputs: every point
 * is a timestamp in the trace's own clock (cycles for tslog, ns for a Linux
 * log). The analyze command sets guest.tsc0 = 0 for a tslog trace (the
 * guest TSC counts from 0 at vCPU creation under KVM) and dump.begin from
 * the dumper's tsc_now= field; a caller that knows host times (host.spawn)
 * converts them into the guest clock first (clock stitching) and sets them
 * the same way. Setting a point twice keeps the last value.
 *
 * Built-in maps exist per OS (phases_default_map()); a new OS adds an
 * entry to the table in phases.c.
 *
 * Functions return 0 or a negative errno; nothing prints.
 */
#ifndef BOOTLENS_PHASES_H
#define BOOTLENS_PHASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/events.h"

enum phase_bound_kind {
        PHASE_ENTER = 0,
        PHASE_EXIT,
        PHASE_POINT,
};

struct phase_bound {
        enum phase_bound_kind kind;
        char *name; /* function or point name (owned) */
        char *arg;  /* NULL: any argument */
        char *text; /* as written, normalised: "ENTER start_init", "dump.begin" */
};

struct phase_def {
        char *name;
        struct phase_bound from, to;
        uint32_t line; /* line in the map (0 for none) */
};

struct phase_result {
        const struct phase_def *def;
        bool available;
        bool inverted;      /* both boundaries found, end before start */
        int64_t start, end; /* when found (has_start, has_end) */
        bool has_start, has_end;
        uint32_t start_line; /* input line of the boundary record, 0 for a point */
        uint32_t end_line;
        const char *missing; /* text of the first missing boundary, or NULL */
        /* when a missing boundary is a point refused with a reason
         * (phases_refuse_point()): that reason (owned by the phases), else
         * NULL */
        const char *why;
};

struct phase_point {
        char *name;
        int64_t ticks;
        char *why; /* NULL: ticks is set; else why the point is unknown (owned) */
};

struct phases {
        char *source; /* "builtin:freebsd" or the map file's name */
        struct phase_def *defs;
        size_t ndefs;
        struct phase_point *points;
        size_t npoints;
        struct phase_result *results; /* after phases_compute(), one per def */
        size_t nresults;
};

/* A new, empty set of phases (no map, no point); NULL on -ENOMEM. */
struct phases *phases_new(void);
/* Release everything; accepts NULL. */
void phases_free(struct phases *p);

/* Replace the map with the one in text[0..len) (NUL bytes not allowed).
 * source names it in messages. Returns 0, -ENOMEM, or -EINVAL with *err
 * set to a malloc'd message "SOURCE:LINE: what was expected" (the caller
 * frees it). */
int phases_load_map(struct phases *p, const char *text, size_t len, const char *source, char **err);

/* The built-in map text for os, or NULL when there is none. */
const char *phases_default_map(enum ev_os os);
/* Load the built-in map of os. Returns 0, -ENOENT when there is none,
 * -ENOMEM. */
int phases_load_default(struct phases *p, enum ev_os os);

/* Set (or reset) the point name to ticks, in the trace's clock (negative:
 * before the clock's zero, e.g. host.spawn before the guest TSC started).
 * Returns 0 or -ENOMEM. */
int phases_set_point(struct phases *p, const char *name, int64_t ticks);
/* Mark the point name as unknowable, for a reason (copied) the phases it
 * bounds give as their why: a value that was computed but failed a check
 * is refused rather than set. Setting it later replaces the refusal.
 * Returns 0 or -ENOMEM. */
int phases_refuse_point(struct phases *p, const char *name, const char *why);
/* Look up a point. Returns true and sets *ticks when it is set (not when
 * it is refused). */
bool phases_get_point(const struct phases *p, const char *name, int64_t *ticks);

/* Compute every phase of the map over t into p->results (replacing
 * earlier results). Returns 0 or -ENOMEM. */
int phases_compute(struct phases *p, const struct ev_trace *t);

#endif
