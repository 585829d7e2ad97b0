/*
 * events: the event model every parser fills and every analysis reads.
 *
 * A trace is what one boot left behind: kernel records (ENTER/EXIT/THREAD/
 * EVENT, per thread, in the guest's clock), user-space processes, and the
 * parser's warnings. tslog (FreeBSD, NetBSD) and the Linux kernel log both
 * become a trace, so call trees, phases, statistics and reports never know
 * which guest they are looking at.
 *
 * Names are interned: a record holds 32-bit string ids into the trace's
 * string table (id 0 is the empty string, "no argument"). Records are kept
 * in input order; analyses that need per-thread time order sort a copy of
 * the indices. All memory belongs to the trace: ev_trace_free() releases it.
 */
#ifndef BOOTLENS_EVENTS_H
#define BOOTLENS_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ev_kind {
        EV_ENTER = 0,
        EV_EXIT,
        EV_THREAD, /* names a thread: name = whole rest of the line */
        EV_EVENT,  /* a point event: WAIT/UNWAIT/HOLD/RELEASE, marks, printk milestones */
};

enum ev_os {
        EV_OS_UNKNOWN = 0,
        EV_OS_FREEBSD,
        EV_OS_NETBSD,
        EV_OS_LINUX,
};

enum ev_clock {
        EV_CLOCK_CYCLES = 0, /* TSC cycles; freq_hz converts when known */
        EV_CLOCK_NS,         /* nanoseconds (Linux printk, host marks) */
};

struct ev_record {
        uint64_t ts;     /* guest time in the trace's clock, after backward-step correction;
                          * at most UTIL_CLOCK_MAX (base/util.h): parsers refuse more */
        uint64_t thread; /* kernel pointer (FreeBSD), LWP id (NetBSD), PID (Linux) */
        uint32_t name;   /* string id */
        uint32_t arg;    /* string id, 0 = none */
        uint32_t line;   /* 1-based input line */
        uint8_t kind;    /* enum ev_kind */
};

/* A user-space process from debug.tslog_user (or a Linux equivalent).
 * Times are in the trace's clock; 0 = never. */
struct ev_process {
        uint64_t pid, ppid;
        uint64_t forked, exited;
        uint32_t exec;  /* string id of the exec name, 0 = none */
        uint32_t namei; /* string id of the first namei, 0 = none */
        uint32_t line;
};

#define EV_WARN_MAX 1024u

struct ev_warning {
        uint32_t line; /* 0 = not tied to a line */
        char *msg;     /* owned */
};

struct ev_strtab; /* opaque */

struct ev_trace {
        char *source; /* input file name, for messages (owned) */
        enum ev_os os;
        enum ev_clock clock;
        uint64_t freq_hz; /* cycles per second when clock is CYCLES; 0 = unknown */

        struct ev_record *recs;
        size_t nrecs, recs_cap;
        struct ev_process *procs;
        size_t nprocs, procs_cap;
        struct ev_warning *warns;
        size_t nwarns, warns_cap;

        /* What the parser saw. */
        uint64_t lines_total;       /* lines read */
        uint64_t lines_records;     /* lines that became records or processes */
        uint64_t lines_skipped;     /* other lines (console noise, markers) */
        bool has_begin_marker;      /* a dump begin marker was seen */
        bool has_end_marker;        /* a dump end marker was seen */
        uint32_t begin_marker_line; /* line of the first begin marker, 0 = none */
        uint32_t end_marker_line;   /* line of the first end marker, 0 = none */

        struct ev_strtab *strs;
};

/* Initialise an empty trace. source may be NULL. Returns 0 or -ENOMEM. */
int ev_trace_init(struct ev_trace *t, const char *source);
/* Release everything the trace owns; accepts NULL and a zeroed trace. */
void ev_trace_free(struct ev_trace *t);

/* Intern a string of len bytes (not necessarily NUL-terminated). Returns
 * its id (> 0 for a non-empty string, 0 for the empty one), or -ENOMEM. */
int64_t ev_intern(struct ev_trace *t, const char *s, size_t len);
/* The NUL-terminated string for an id; "" for 0 or an unknown id. */
const char *ev_str(const struct ev_trace *t, uint32_t id);
/* Id of a string already interned, or 0 when it never was. */
uint32_t ev_lookup(const struct ev_trace *t, const char *s);

/* Append a record (copied). Returns its index or -ENOMEM. */
int64_t ev_add(struct ev_trace *t, const struct ev_record *r);
int64_t ev_add_process(struct ev_trace *t, const struct ev_process *p);
/* Append a printf-formatted warning tied to an input line (0 = none),
 * cut to EV_WARN_MAX bytes and "...". Returns 0 or -ENOMEM. */
int ev_warn(struct ev_trace *t, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Lines a parser refuses (they look like its records but break the
 * grammar or the clock range, UTIL_CLOCK_MAX in base/util.h): each is
 * counted in *count (the parser's metadata), and the first
 * EV_SKIP_WARN_MAX get a warning with their line, so that a hostile input
 * of a million bad lines gives a handful of warnings, not a million.
 * ev_skip() counts and warns (printf-formatted); ev_skip_summary() adds,
 * once the parse is done, one warning with the total when more were
 * skipped than listed: "N WHAT skipped in all (only the first 5 are
 * listed)". Both return 0 or -ENOMEM.
 */
#define EV_SKIP_WARN_MAX 5u
int ev_skip(struct ev_trace *t, uint64_t *count, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int ev_skip_summary(struct ev_trace *t, uint64_t count, const char *what);

/* Convert a duration or timestamp in the trace's clock to nanoseconds.
 * Returns false (and leaves *ns alone) when a cycle trace has no known
 * frequency. */
bool ev_to_ns(const struct ev_trace *t, uint64_t ticks, double *ns);

const char *ev_kind_str(enum ev_kind k);
const char *ev_os_str(enum ev_os os);

#endif
