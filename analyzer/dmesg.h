/*
 * dmesg: the parser of the Linux kernel log into a trace (docs/linux.md).
 *
 * Input is one of:
 *   - a console capture holding a bootlens dump (docs/framing.md): only the
 *     dump's kernel-log section ("dmesg"; "kmsg" and "klog" are accepted
 *     too) is read as the kernel log, and the begin line's fields are
 *     returned in the meta; "@@bootlens mark" lines anywhere become events;
 *   - a serial console capture or a plain `dmesg` saved by a user, with or
 *     without "<N>" level prefixes ("dmesg -r" and klogctl print them),
 *     with or without a "[  Tnnn]" caller field after the timestamp, or
 *     with "dmesg -x" facility and level names ("kern  :info  : [...");
 *   - /dev/kmsg records ("6,339,5140900,-;message", time in us).
 * A line ends at '\n'; a trailing '\r' is dropped. Lines without a printk
 * timestamp "[ SSSS.UUUUUU]" are skipped and counted (firmware output,
 * user-space noise); a timestamped line holding a NUL or another control
 * byte, or longer than DMESG_LINE_MAX, is skipped with a warning. Guest
 * output is untrusted: nothing is copied into a fixed buffer unbounded.
 *
 * What becomes a record (thread = PID, clock = ns of printk time):
 *   calling  SYM+0x0/0x20 [MOD] @ PID              ENTER SYM [MOD] on PID
 *   initcall SYM+0x0/0x20 [MOD] returned R after N usecs
 *                                                  EXIT of that frame
 *   probe of DEV returned R after N usecs          ENTER+EXIT "probe" DEV
 *   Run /init as init process                      EVENT kernel.run_init
 *   Freeing unused kernel image ... (first one)    EVENT kernel.free_initmem
 *   @@bootlens mark NAME uptime_ns=N               EVENT mark.NAME at N + O
 * plus EVENT kernel.start at time 0 (printk time 0), and, when initcalls
 * were seen, EVENT initcalls.start at the first ENTER on PID 1 and EVENT
 * initcalls.end at the last EXIT before kernel.run_init (or before the end
 * of the log). When the dump's begin line carries uptime_ns, EVENT
 * dump.begin at uptime_ns + O. O is the printk clock's offset over
 * CLOCK_MONOTONIC (gtod_offset_ns below, from the "sched_clock: Marking
 * stable" line; 0 when the log does not give it), docs/linux.md.
 *
 * Symbol names lose their "+0xOFF/0xLEN" suffix; a module's " [MOD]" tag
 * stays part of the name. The kernel prints no initcall level, and none is
 * invented. An initcall's frame ends at its "returned" line and lasts the
 * kernel's own "after N usecs" once the kernel's clock is precise (after
 * a "clocksource: Switched to clocksource" line naming a clock other than
 * jiffies); before such a line (or after a switch back to refined-jiffies,
 * when the watchdog marks the TSC unstable, which is warned about) ktime
 * runs on jiffies (a resolution of 1-10 ms) and the frame spans the printk
 * timestamps of its two lines instead. Frames on one PID
 * never overlap: a start is clamped to the previous frame's end.
 * A probe line carries no PID: the probe is put inside the most recently
 * started initcall still running, else on the pseudo-thread
 * DMESG_PROBE_THREAD (named by an EV_THREAD record).
 *
 * A function_graph trace (the dump's "ftrace" section, or a whole input
 * starting with "# tracer: function_graph") is read by analyzer/fgraph.h
 * onto threads of its own, its raw sched_clock times moved into printk
 * time by the lag below (exact after "Marking stable", approximate
 * before).
 *
 * A "Linux version" line after timestamped lines starts a new boot (a
 * capture of a rebooting guest): the records before it are dropped with
 * a warning. A log with no "calling" line gets a warning that initcalls
 * need the initcall_debug kernel parameter; its milestones still parse.
 */
#ifndef BOOTLENS_DMESG_H
#define BOOTLENS_DMESG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/events.h"

#define DMESG_LINE_MAX     4096u /* the kernel's own limit is 1024 */
#define DMESG_PROBE_THREAD 0xffffffffull

/* What the parser learnt beside the records. Times are printk ns. */
struct dmesg_meta {
        bool framed;              /* the input held a bootlens dump */
        bool has_uptime;          /* begin line uptime_ns= */
        uint64_t uptime_ns;       /* guest CLOCK_MONOTONIC at dump begin */
        bool has_tsc;             /* begin line tsc_now= and tsc_freq= */
        uint64_t tsc_now;         /* guest TSC at dump begin */
        uint64_t tsc_freq;        /* Hz */
        uint32_t begin_line;      /* 0 = none */
        uint32_t section_line;    /* line of the kernel-log section header, 0 = none */
        uint64_t lines_malformed; /* lines refused with a warning (ev_skip: the first
                                   * EV_SKIP_WARN_MAX listed, then the total) */

        uint64_t lines_printk;   /* lines with a printk timestamp */
        uint64_t initcalls;      /* initcalls that returned */
        uint64_t initcalls_open; /* "calling" lines with no "returned" line */
        uint64_t probes;
        uint64_t marks;
        uint32_t boots;            /* boots seen (only the last is kept) */
        uint32_t clocksource_line; /* first "Switched to clocksource", 0 = none */
        uint32_t run_init_line;    /* 0 = none */
        uint64_t run_init_ns;
        uint32_t free_initmem_line;
        uint64_t free_initmem_ns;
        uint64_t first_initcall_ns; /* initcalls.start (0 when no initcall) */
        uint64_t last_initcall_ns;  /* initcalls.end */
        uint64_t last_printk_ns;    /* the last timestamp of the log */
        /* "sched_clock: Marking stable (G, O)->(R, S)": printk time is
         * G + O at raw sched_clock (TSC) time R; afterwards printk = raw +
         * S. lag = R - (G + O) is the time the printk clock lost before
         * the TSC took over (jiffies-driven under TCG), O the offset of
         * printk time over CLOCK_MONOTONIC (docs/linux.md). */
        uint32_t ftrace_line;       /* first line of a function_graph trace, 0 = none */
        uint64_t ftrace_calls;      /* calls it gave (analyzer/fgraph.h) */
        uint32_t tsc_unstable_line; /* "tsc: Marking TSC unstable", 0 = none */
        uint32_t sched_stable_line; /* 0 = none */
        int64_t sched_lag_ns;
        int64_t gtod_offset_ns;
};

/* The printk time at the dump's begin line: uptime_ns plus the printk
 * clock's offset over CLOCK_MONOTONIC when the log gave it. Returns false
 * when the begin line had no uptime_ns. */
bool dmesg_printk_at_dump(const struct dmesg_meta *m, uint64_t *ns);

/*
 * Parse buf[0..len) into t, which the caller initialised with
 * ev_trace_init(); sets t->os (Linux), t->clock (ns) and t's line counters
 * and markers. meta may be NULL. Returns 0 or -ENOMEM. A log with no
 * printk timestamp at all is not an error here: the caller checks
 * meta->lines_printk.
 */
int dmesg_parse(struct ev_trace *t, const char *buf, size_t len, struct dmesg_meta *meta);

/* The number of printk-timestamped lines among the first 64 lines of buf:
 * a cheap probe for choosing an input parser. */
size_t dmesg_probe(const char *buf, size_t len);

#endif
