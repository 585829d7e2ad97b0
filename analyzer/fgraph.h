/*
 * fgraph: the parser of a Linux function_graph trace (ftrace) into a trace.
 *
 * Input: the text of /sys/kernel/tracing/trace after a boot-time trace,
 * e.g. with "ftrace=function_graph ftrace_graph_filter=do_one_initcall
 * ftrace_graph_max_depth=2 trace_options=funcgraph-abstime,funcgraph-proc"
 * (docs/linux.md): the dumper's "ftrace" section, or a saved file. Lines:
 *
 *     TIME | CPU)  TASK-PID | DURATION | FUNCTION
 *     4.350344 |   0)  init-1  |               |  do_one_initcall() {
 *     4.350763 |   0)  init-1  | + 79.333 us   |    initcall_blacklisted();
 *     4.351190 |   0)  init-1  | # 1141.576 us |  }
 *
 * "f() {" is an ENTER at TIME, "}" (with or without the funcgraph-tail
 * comment naming f) the EXIT of the innermost open function of that task
 * at TIME, "f();" an ENTER at TIME
 * and an EXIT at TIME + DURATION. The task column (funcgraph-proc) gives
 * the PID; without it the CPU number stands in. Each PID becomes its own
 * thread FGRAPH_THREAD_BASE + PID, named "ftrace TASK-PID" by an
 * EV_THREAD record, so the trace sits beside the kernel log's initcall
 * frames without mixing with them. Comment lines ("#"), context-switch
 * blocks and interrupt arrows are skipped; "[LOST N EVENTS]" and lines
 * that break the grammar are warned about with their line.
 *
 * Times: the trace clock "local" is the raw sched_clock (the TSC since
 * the kernel enabled it); offset_ns (signed) is added to put it in printk
 * time (docs/linux.md: raw - lag). A trace without absolute timestamps
 * (no funcgraph-abstime) cannot be placed: nothing is added and a warning
 * says so.
 */
#ifndef BOOTLENS_FGRAPH_H
#define BOOTLENS_FGRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/events.h"

#define FGRAPH_THREAD_BASE (1ull << 40)

struct fgraph_meta {
        uint64_t lines_entries;   /* lines that became records */
        uint64_t calls;           /* completed calls (leaf or "}" closed) */
        uint64_t open;            /* ENTERs never closed */
        uint64_t lost;            /* events the kernel said it lost */
        uint64_t lines_malformed; /* lines refused with a warning (ev_skip: the first
                                   * EV_SKIP_WARN_MAX listed, then the total) */
        uint32_t threads;
};

/* Whether buf starts like a function_graph trace ("# tracer: function_graph"). */
int fgraph_probe(const char *buf, size_t len);

/* Parse buf[0..len), numbering its lines from first_line, into t
 * (records appended; t's line counters are not touched). meta may be NULL.
 * Returns 0 or -ENOMEM. */
int fgraph_parse(struct ev_trace *t, const char *buf, size_t len, uint32_t first_line,
                 int64_t offset_ns, struct fgraph_meta *meta);

#endif
