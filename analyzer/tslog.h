/*
 * tslog: the parser of tslog(4) dumps (FreeBSD, NetBSD) into a trace.
 *
 * Input is a raw console capture or a bare dump, as `sysctl debug.tslog`
 * and `sysctl debug.tslog_user` print them. The parser walks the buffer
 * once, line by line (a line ends at '\n'; a trailing '\r' is dropped; a
 * line may hold NUL bytes and be of any length), and allocates nothing per
 * line: names are interned into the trace's string table.
 *
 * What a line can be:
 *   <thread hex> <tsc dec> ENTER|EXIT|EVENT <name> [<arg>]   a record
 *   <thread hex> <tsc dec> THREAD <name with spaces>          names a thread
 *   <pid> <ppid> <forked> <exited> "<exec>" "<namei>"        a process row
 *   *_TSLOG_BEGIN, *_TSLOG_END                                dump markers
 *   *_TSLOG_USER_BEGIN, *_TSLOG_USER_END                      user section
 *   *_TSLOG_META key=value ...                                tsc_freq=HZ
 *   @@bootlens v1 begin key=value ...                         os=, tsc_freq=,
 *                                                             tsc_now=
 *   @@bootlens section tslog|tslog_user, @@bootlens end ...   framing
 *   anything else                                             skipped, counted
 *
 * Framing lines are recognised by guest/framing.h (framing_line_kind). The
 * dump that starts at the first begin line is checked as the Linux parser
 * checks one (framing_parse: end line, byte count, crc32, section count);
 * when it is not whole, a warning at the begin line says so in the words of
 * framing_describe() ("the dump is damaged: crc32 mismatch (...)").
 *
 * The thread id may carry "0x" or not; the name of a record is its first
 * word after the type, the argument the rest of the line (one separating
 * space dropped, trailing blanks trimmed). A line that starts like a
 * record (hex, space, decimal, space) but breaks the grammar (unknown
 * type, no name, a control byte such as NUL, a thread id above 64 bits, a
 * TSC above UTIL_CLOCK_MAX, also after the backward-step correction) is
 * skipped and counted in meta->lines_malformed; the first EV_SKIP_WARN_MAX
 * get a warning with their line, then one gives the total (ev_skip). A
 * tsc_freq= or tsc_now= above UTIL_CLOCK_MAX is ignored with a warning. A
 * process row whose numbers and strings are all zero/empty is skipped
 * (FreeBSD prints one per possible pid).
 *
 * Per thread, records are assumed to be in causal order in the input (the
 * kernel appends them as they happen). When a thread's TSC steps
 * backwards, that record and every later record of the thread are shifted
 * by an offset that makes the step zero, and a warning names the line.
 *
 * The OS dialect is taken from opts->os when set, else from an os= field
 * of a @@bootlens begin line, else from the content: a thread id above
 * 32 bits (a kernel pointer) or an ENTER hammer_time/mi_startup means
 * FreeBSD; small thread ids (NetBSD LWP ids) or an ENTER main mean NetBSD.
 *
 * Every warning is appended to the trace (ev_warn) and names its line.
 */
#ifndef BOOTLENS_TSLOG_H
#define BOOTLENS_TSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/events.h"

struct tslog_options {
        enum ev_os os;    /* EV_OS_UNKNOWN: detect */
        uint64_t freq_hz; /* 0: take tsc_freq= from the capture, if any */
};

/* Where the TSC frequency came from. */
enum tslog_freq_source {
        TSLOG_FREQ_NONE = 0,
        TSLOG_FREQ_OPTION,  /* opts->freq_hz */
        TSLOG_FREQ_CAPTURE, /* a tsc_freq= field in the capture */
};

/* What the parser learnt beside the records. */
struct tslog_meta {
        enum tslog_freq_source freq_source;
        uint32_t freq_line; /* line of the tsc_freq= field used, 0 = none */
        bool has_tsc_now;   /* a tsc_now= field (dumper's TSC at dump time) */
        uint64_t tsc_now;
        uint64_t lines_markers;   /* marker and framing lines (part of lines_skipped) */
        uint64_t lines_zero_rows; /* all-zero process rows (part of lines_skipped) */
        uint64_t lines_malformed; /* record-like lines with a warning (part of lines_skipped) */
        uint64_t backward_steps;  /* TSC steps backwards that were corrected */
        uint64_t nthreads;        /* distinct thread ids among the records */
};

/*
 * Parse buf[0..len) into t, which the caller initialised with
 * ev_trace_init() (records are appended; t keeps no pointer into buf).
 * Sets t->os, t->clock (cycles) and t->freq_hz, and the line counters and
 * markers (with their lines) of t. meta may be NULL. Returns 0 or -ENOMEM. Finding no record
 * at all is not an error here: the caller checks t->nrecs and t->nprocs.
 */
int tslog_parse(struct ev_trace *t, const char *buf, size_t len, const struct tslog_options *opts,
                struct tslog_meta *meta);

/* Whether buf looks like a tslog capture: the number of record lines
 * among its first lines (a cheap probe for choosing an input parser). */
size_t tslog_probe(const char *buf, size_t len);

#endif
