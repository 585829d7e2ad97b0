/*
 * stitch: put a Linux guest's clocks on the host's timeline (docs/linux.md).
 *
 * Three clocks meet in one boot:
 *   host   CLOCK_MONOTONIC ns of the collector: spawn, console bytes, the
 *          arrival of the dump's begin line, QEMU's exit;
 *   TSC    the guest's TSC, from 0 when QEMU starts the vCPUs (under TCG
 *          it counts host TSC ticks since the VM started);
 *   printk the kernel's log timestamps (local_clock), which CLOCK_MONOTONIC
 *          follows at an offset O printed by "sched_clock: Marking stable".
 * The dump's begin line carries the guest's tsc_now, tsc_freq and
 * uptime_ns (CLOCK_BOOTTIME, = CLOCK_MONOTONIC before any suspend) read at
 * one moment D, whose host arrival time H is stamped by the collector.
 * With P = uptime + O the printk time at D and TSC = tsc_now / tsc_freq:
 *   guest TSC 0  on the host  = H - TSC         (host.spawn-relative: tsc0)
 *   printk time p on the host = H - P + p
 *   printk time 0 where the TSC says it was = tsc0 + TSC - (P + lag)
 * lag is the time the printk clock lost before the TSC took over (under
 * TCG the early kernel keeps time with jiffies and loses ticks; hundreds of
 * ms on this machine): it appears as its own phase instead of inflating
 * the firmware phase.
 *
 * H is the arrival of the begin line's first byte when the line opened
 * its console (the dumper reads the clocks, then writes it), else of its
 * newline; the line itself takes most of a millisecond to trickle through
 * under TCG.
 *
 * Uncertainty: H is later than D by the console latency (guest write, QEMU,
 * the collector's poll), so stitched guest times can only be late, never
 * early: the truth lies in [t - latency, t]. Guest TSC 0 cannot precede
 * the spawn of QEMU, so latency <= tsc0 (since spawn): that is the bound
 * reported (loose: it includes QEMU's start-up). Under TCG the guest runs
 * slower than real time but its TSC counts real host time, so stitched
 * times are host times; a wrong tsc_freq scales every guest time by its
 * error, which is why the collector measures the host's TSC rate.
 *
 * All times here are ns; host times are relative to host.spawn. Functions
 * return 0 or a negative errno; nothing prints.
 */
#ifndef BOOTLENS_STITCH_H
#define BOOTLENS_STITCH_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer/dmesg.h"
#include "analyzer/events.h"
#include "analyzer/phases.h"

struct stitch_host {
        uint64_t spawn;      /* CLOCK_MONOTONIC ns; required */
        uint64_t dump_begin; /* arrival of the begin line; 0 = none */
        uint64_t first_byte; /* first console byte (either console); 0 = none */
        /* arrival of the begin line's first byte, when the line was the
         * first thing on its console (the dumper wrote it right after
         * reading the clocks); 0 = unknown */
        uint64_t begin_first_byte;
        uint64_t exit; /* QEMU's exit; 0 = none */
};

struct stitch {
        bool ok;            /* the printk clock is on the host timeline */
        bool has_tsc0;      /* the guest's TSC 0 is too (needs tsc_now/tsc_freq) */
        bool has_lag;       /* a "Marking stable" line gave lag and offset */
        int64_t shift_ns;   /* host time (since spawn) of printk time 0 */
        int64_t tsc0_ns;    /* host time (since spawn) of guest TSC 0 */
        int64_t printk0_ns; /* host time (since spawn) where the TSC puts printk 0 */
        int64_t lag_ns;
        int64_t offset_ns;         /* printk minus CLOCK_MONOTONIC */
        uint64_t dump_begin_ns;    /* host time (since spawn) of the begin line */
        uint64_t anchor_ns;        /* host time (since spawn) the stitching uses */
        uint64_t first_byte_ns;    /* host time (since spawn), 0 = none */
        uint64_t exit_ns;          /* host time (since spawn), 0 = none */
        uint64_t latency_bound_ns; /* see above; 0 when !has_tsc0 */
        double guest_s;            /* tsc_now / tsc_freq: guest TSC time at the dump */
        const char *why_not;       /* when !ok: a static reason */
        /* !ok because the host marks and the guest's clocks contradict each
         * other (not merely because a mark or a field is missing) */
        bool contradiction;
        /* Checks the stitched result failed, each with the numbers; "" when
         * it passed or was not made. guest TSC 0 (see place_tsc0() in
         * stitch.c): before the spawn, after the first console byte, or
         * after printk time 0; printk time 0 (a printk lag beyond the
         * shift, or negative); QEMU's exit (before the dump's begin line).
         * A failed point is refused (phases_refuse_point()), its phases are
         * unavailable with that reason, never wrong. */
        char tsc0_why[320];
        char printk0_why[192];
        char exit_why[128];
};

/* Work out the stitching of one run from the parsed log's meta (begin line
 * fields, sched_clock line) and the host marks. Never fails: s->ok and
 * s->has_tsc0 say what could be done, s->why_not why not. */
void stitch_compute(const struct dmesg_meta *m, const struct stitch_host *h, struct stitch *s);

/* Add a warning to t at line (the dump's begin line) for each check of s
 * that failed, naming the clock (the TSC frequency, the printk lag, the
 * host marks). Returns 0 or -ENOMEM. */
int stitch_warn(const struct stitch *s, struct ev_trace *t, uint32_t line);

/* The built-in Linux phase map (phases_load_map() text): QEMU start-up,
 * firmware and kernel entry, printk lag, early kernel, initcalls, late
 * init, user space, power-off. */
extern const char stitch_linux_map[];
/* The same for a log without initcall_debug: one "kernel" phase from
 * printk time 0 to Run /init instead of early kernel, initcalls, late
 * init, whose boundaries such a log does not show. */
extern const char stitch_linux_map_no_initcalls[];
/* The map for m: stitch_linux_map, or the one above when m saw no
 * initcall. */
const char *stitch_linux_map_for(const struct dmesg_meta *m);

/*
 * Set the Linux phase points in ph, in printk ns (the trace's clock):
 * kernel.start (0), initcalls.start, initcalls.end, kernel.run_init and
 * dump.begin from the log (meta), and when s is not NULL and s->ok:
 * host.spawn, guest.tsc0, printk.zero and host.exit, which lie before
 * printk time 0 (negative) or after the log; a point that failed its
 * check is refused with the reason instead, and when the stitching is a
 * contradiction all four are. Returns 0 or -ENOMEM.
 */
int stitch_set_points(struct phases *ph, const struct dmesg_meta *m, const struct stitch *s);

#endif
