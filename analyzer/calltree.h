/*
 * calltree: per-thread call trees and time attribution from ENTER/EXIT.
 *
 * ct_build() groups a trace's records by thread (threads ordered by their
 * first timestamp), sorts each thread's records by time (stable: equal
 * timestamps keep input order) and replays them:
 *
 *  - ENTER pushes a frame (name, arg); the frame becomes a node under the
 *    node of the frame below it, so a node is one distinct call stack. A
 *    recursive call is a child node of its own frame.
 *  - EXIT closes the innermost open frame with the same name and arg.
 *    Frames above it are closed at the same time, each with a warning
 *    ("forced"). An EXIT with no open frame of its name is "unmatched":
 *    listed and warned about, and otherwise ignored.
 *  - THREAD names the thread (the first THREAD record wins).
 *  - EVENT (WAIT/UNWAIT/HOLD/RELEASE, marks) is kept with the innermost
 *    frame open at its time.
 *  - Frames still open at the end are listed as open at dump time (normal
 *    for a sleeping thread); their time is in no total.
 *
 * Times are in the trace's clock. A node's total is the sum over its
 * completed activations of EXIT - ENTER, its self time the total less the
 * totals of its children. The per-function aggregate (one per thread,
 * name and arg) sums self time and calls over every activation, but total
 * time only over outermost activations, so recursion is never counted
 * twice. Time of different threads is never added together.
 *
 * The boot thread is the thread that ENTERs hammer_time or mi_startup
 * (FreeBSD), main (NetBSD) or any of them (unknown OS); else the thread
 * with the most records.
 *
 * Truncation: a dump is truncated when it has a begin marker and no end
 * marker, or when it has an ENTER mi_startup (FreeBSD; ENTER main on
 * NetBSD, either for an unknown OS) and no EXIT start_init anywhere. A
 * bare dump without markers is judged by the second rule alone.
 *
 * Warnings (forced closes, unmatched EXITs, truncation) are appended to
 * the trace with ev_warn() and name the input line.
 */
#ifndef BOOTLENS_CALLTREE_H
#define BOOTLENS_CALLTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/events.h"

#define CT_NONE UINT32_MAX

struct ct_node {
        uint32_t name, arg;   /* the frame (string ids); name 0 = a thread's root */
        uint32_t parent;      /* CT_NONE for a root */
        uint32_t first_child; /* CT_NONE-terminated list, in order of first entry */
        uint32_t last_child;
        uint32_t next_sibling;
        uint32_t thread; /* index into ct_forest.threads */
        uint32_t depth;  /* 0 for a root */
        uint64_t calls;  /* completed activations */
        uint64_t total;  /* summed over completed activations */
        uint64_t self;
        uint32_t first_line; /* line of the first ENTER (0 for a root) */
        uint32_t open;       /* activations open at dump time */
};

/* Aggregate of one function (name + arg) on one thread. */
struct ct_func {
        uint32_t thread, name, arg;
        uint64_t calls;  /* completed activations */
        uint64_t self;   /* summed over every completed activation */
        uint64_t total;  /* summed over completed outermost activations only */
        uint32_t active; /* used while building */
};

struct ct_thread {
        uint64_t id;
        uint32_t name;     /* THREAD name (string id), 0 = none */
        uint32_t root;     /* root node */
        size_t nrecs;      /* records of this thread */
        uint64_t first_ts; /* earliest and latest record */
        uint64_t last_ts;
        size_t first_event; /* events of this thread: events[first_event..+nevents) */
        size_t nevents;
        bool is_boot;
};

struct ct_event {
        uint32_t rec;  /* index into trace->recs */
        uint32_t node; /* innermost open frame at its time (a root when none) */
};

/* A frame open at dump time, or an unmatched EXIT: the record and its node. */
struct ct_ref {
        uint32_t thread;
        uint32_t rec;
        uint32_t node; /* CT_NONE for an unmatched EXIT */
};

struct ct_forest {
        const struct ev_trace *trace;
        struct ct_thread *threads;
        size_t nthreads;
        struct ct_node *nodes;
        size_t nnodes;
        struct ct_func *funcs;
        size_t nfuncs;
        struct ct_event *events;
        size_t nevents;
        struct ct_ref *open; /* open at dump time, per thread from outermost */
        size_t nopen;
        struct ct_ref *unmatched;
        size_t nunmatched;
        size_t nforced;       /* frames closed by an outer EXIT */
        uint32_t boot_thread; /* CT_NONE when there is no record */
        uint64_t start, end;  /* earliest and latest record of any thread */
        bool truncated;
        bool truncated_by_marker;  /* begin marker without end marker */
        bool truncated_by_startup; /* ENTER mi_startup/main without EXIT start_init */
        uint32_t startup_line;     /* line of that ENTER (0 = none) */
        uint32_t startup_name;     /* its name (string id: mi_startup or main) */
};

/* Build the forest of t; f is overwritten. Returns 0 or -ENOMEM (then f
 * holds nothing to free). t must outlive f; warnings are appended to t. */
int ct_build(struct ct_forest *f, struct ev_trace *t);
/* Release what f owns; accepts a zeroed forest. */
void ct_free(struct ct_forest *f);

/* The thread's display name: "kernel" for the boot thread, else its THREAD
 * name, else "thread 0x<id>"; written into buf (NUL-terminated, truncated
 * to size). Returns buf. */
const char *ct_thread_label(const struct ct_forest *f, uint32_t thread, char *buf, size_t size);

/* Indices of the funcs sorted by self (by_total false) or total time,
 * descending (ties: thread, then first seen). Returns a malloc'd array of
 * f->nfuncs entries, or NULL on -ENOMEM or when there is none. */
uint32_t *ct_funcs_sorted(const struct ct_forest *f, bool by_total);

#endif
