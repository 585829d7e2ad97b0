/*
 * run: one boot, analysed: the run model every report renders and every
 * statistic over runs will aggregate, whatever the guest OS and whatever
 * the source (a FILE given to "bootlens analyze", or the console capture
 * of a session run).
 *
 * run_analyse() is the one pipeline: detect the input kind (a tslog(4)
 * dump of FreeBSD or NetBSD, or a Linux kernel log), parse it into the
 * event model (analyzer/events.h), load the phase map (the caller's, else
 * the built-in one of the OS), set the phase points the input and the host
 * know of, pair the guest's user-space marks with the host's stamps
 * (umarks.h), put a Linux log's clocks on the host timeline when host
 * marks are known (stitch.h), and build the call trees and phases
 * (analysis.h). The host marks come from a session run (analyzer/runset.h);
 * a FILE has none.
 *
 * What is OS-specific stays in the run's metadata (tslog_meta for tslog,
 * dmesg_meta and the stitching for Linux); what statistics need is in the
 * OS-neutral parts: the phases (a name and a duration in ns when
 * available), the call trees, the warnings, the marks, and the host's
 * spawn-to-exit span (run_total_ns). Everything belongs to the run;
 * run_free() releases it. Functions return 0 or a negative errno and never
 * print.
 */
#ifndef BOOTLENS_RUN_H
#define BOOTLENS_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/analysis.h"
#include "analyzer/dmesg.h"
#include "analyzer/events.h"
#include "analyzer/phases.h"
#include "analyzer/stitch.h"
#include "analyzer/tslog.h"
#include "analyzer/umarks.h"

enum run_kind {
        RUN_TSLOG = 0, /* tslog(4): FreeBSD, NetBSD */
        RUN_LINUX,     /* a Linux kernel log */
};

struct run_options {
        enum ev_os os;     /* EV_OS_FREEBSD/NETBSD: a tslog of that dialect; else detect */
        uint64_t tsc_freq; /* tslog: TSC Hz; 0: the capture's tsc_freq=, if any */
        const char *map;   /* phase map text replacing the built-in map; NULL: built-in */
        size_t map_len;
        const char *map_name; /* names that map in messages and reports */
};

/* What the host knew of the boot (a session run's final attempt). Times
 * are CLOCK_MONOTONIC ns. */
struct run_host {
        struct stitch_host clocks;       /* clocks.spawn != 0 */
        const struct umarks_host *marks; /* console order, may be NULL */
        size_t nmarks;
};

struct run {
        enum run_kind kind;
        const char *kind_name;   /* "tslog" or "linux": a static string */
        const char *freq_source; /* "option", "capture" or "none": a static string */
        struct ev_trace trace;
        struct tslog_meta tslog; /* RUN_TSLOG */
        struct dmesg_meta dmesg; /* RUN_LINUX */
        bool has_host;           /* host marks were given (a session run) */
        bool host_timed;         /* run_host_only(): the host's total and nothing else */
        struct stitch_host host; /* when has_host */
        struct stitch stitch;    /* RUN_LINUX with has_host: the clocks' stitching */
        struct umarks marks;     /* user-space marks, console order */
        struct phases *phases;   /* the map, with its points and results */
        struct analysis analysis;
        char *buf; /* the input (owned) */
        size_t len;
};

/*
 * Analyse buf[0..len), whose ownership passes to r (run_free releases
 * it; also on error), named source in the report and messages. host is
 * NULL for a FILE. r is overwritten. Returns 0; -ENODATA when the input
 * holds nothing to analyse (no tslog record or process, or a Linux log
 * with no printk-stamped line: r->kind and r->trace.lines_total say which
 * and how much was read); -EINVAL when o->map does not parse (*err, when
 * err is not NULL, is a malloc'd "NAME:LINE: ..." message); -ENOMEM.
 */
int run_analyse(struct run *r, const char *source, char *buf, size_t len,
                const struct run_options *o, const struct run_host *host, char **err);

/* run_analyse() in its two halves, for timing them apart (bench/):
 * run_parse() detects and parses (and may return -ENODATA), run_finish()
 * does the rest. After run_parse() fails, only run_free() may follow. */
int run_parse(struct run *r, const char *source, char *buf, size_t len,
              const struct run_options *o);
int run_finish(struct run *r, const struct run_options *o, const struct run_host *host, char **err);

/*
 * A run the host alone timed (an ok run of a host-timed variant,
 * timing=host: docs/session.md), whose guest dumped nothing: no capture
 * is read. r gets an empty trace named source (kind RUN_LINUX, kind_name
 * "host", clock ns), an empty phase map (no phase: none is known), an
 * empty analysis, host_timed, and host's clocks: run_total_ns() (spawn to
 * exit) is its one metric. Every report renders it as a run without
 * records; statistics over runs see its total only. r is overwritten.
 * Returns 0, -ENOMEM, or -ENODATA when host has no spawn (nothing known).
 */
int run_host_only(struct run *r, const char *source, const struct run_host *host);

void run_free(struct run *r); /* accepts a zeroed run */

/*
 * Read the input at path whole, the one reader of every input analyse
 * takes (a FILE, a session run's capture): into a fresh NUL-terminated
 * buffer (*buf, the caller's, or run_analyse()'s), *len without the NUL,
 * reading in chunks, at most the input limit (base/util.h,
 * util_input_limit(): 256 MiB unless BOOTLENS_MAX_INPUT says otherwise).
 * Returns 0; -EFBIG (nothing kept) when path holds more; -EINVAL or
 * -ERANGE with *opened false when BOOTLENS_MAX_INPUT is not a size; the
 * -errno of open() with *opened false, or of reading (EISDIR, EIO) with
 * *opened true.
 */
int run_read_input(const char *path, char **buf, size_t *len, bool *opened);

/* The host's span of the whole boot, QEMU's spawn to its exit, in ns:
 * what "total" means in every report. False when the host marks are not
 * known (a FILE) or QEMU's exit was not stamped. */
bool run_total_ns(const struct run *r, uint64_t *ns);

/* The duration of phase k (r->phases->results[k]) in ns, whatever the
 * trace's clock: what statistics over runs aggregate. False when the
 * phase is unavailable or a cycle trace has no known frequency. */
bool run_phase_ns(const struct run *r, size_t k, uint64_t *ns);

/* One of the slowest Linux initcalls (points into the run). */
struct run_initcall {
        const char *name;
        uint64_t pid;
        uint64_t total_ns;
};

/* The top (up to max) initcalls of a Linux run by total time, probes and
 * function_graph threads left out, into out[]. Returns the count (0 for a
 * tslog run) or -ENOMEM. */
int run_slowest_initcalls(const struct run *r, struct run_initcall *out, size_t max);

/* The times of user-space mark i (r->marks.v[i]) since "Run /init":
 * guest (printk) time when the log has that line, host time (its host
 * stamp minus the stitched host time of Run /init) when it was stamped and
 * the clocks are stitched; after_dump when the mark came at or after the
 * dump's begin line. */
struct run_mark_times {
        bool has_guest, has_host;
        int64_t guest, host;
        bool after_dump;
};
void run_mark_times(const struct run *r, size_t i, struct run_mark_times *t);

#endif
