/* stitch: see stitch.h. */
#include "analyzer/stitch.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/analysis.h"

#define MAX_SPAN (1ull << 62) /* ns: host and guest times beyond it are garbage */

static double ms(int64_t ns)
{
        return (double)ns / 1e6;
}

/* Place guest TSC 0 (s->has_tsc0) unless what the TSC says contradicts the
 * host marks: TSC 0 before QEMU's spawn, after the first console byte, or
 * later than where the TSC puts printk time 0 (the TSC counted less than
 * the kernel's clock). Stitched times can only be late by the console
 * latency, and all three compare guest times stitched with the same
 * anchor (or the spawn, which the truth cannot precede), so no
 * uncertainty excuses a contradiction: the TSC frequency is wrong. */
static void place_tsc0(const struct dmesg_meta *m, struct stitch *s)
{
        uint64_t hd = s->anchor_ns;
        int64_t tsc0;
        double guest_ns;

        if (!m->has_tsc)
                return;
        if (!m->tsc_freq) {
                snprintf(s->tsc0_why, sizeof(s->tsc0_why),
                         "the dump's begin line says tsc_freq=0: guest TSC 0 is not placed");
                return;
        }
        s->guest_s = (double)m->tsc_now / (double)m->tsc_freq;
        guest_ns = s->guest_s * 1e9;
        if (guest_ns > (double)hd) {
                snprintf(s->tsc0_why, sizeof(s->tsc0_why),
                         "guest TSC 0 would lie %.3f ms before QEMU's spawn (tsc_now=%" PRIu64
                         " at tsc_freq=%" PRIu64 " Hz is %.6f s, the dump arrived %.3f ms after "
                         "the spawn): the TSC frequency is wrong; guest TSC 0 is not placed",
                         (guest_ns - (double)hd) / 1e6, m->tsc_now, m->tsc_freq, s->guest_s,
                         ms((int64_t)hd));
                return;
        }
        tsc0 = (int64_t)hd - (int64_t)(guest_ns + 0.5);
        if (s->first_byte_ns && tsc0 > (int64_t)s->first_byte_ns) {
                snprintf(s->tsc0_why, sizeof(s->tsc0_why),
                         "guest TSC 0 would lie at %.3f ms, after the first console byte at "
                         "%.3f ms (tsc_now=%" PRIu64 " at tsc_freq=%" PRIu64
                         " Hz is %.6f s): the TSC frequency is wrong; guest TSC 0 is not placed",
                         ms(tsc0), ms((int64_t)s->first_byte_ns), m->tsc_now, m->tsc_freq,
                         s->guest_s);
                return;
        }
        if (!s->printk0_why[0] && tsc0 > s->printk0_ns) {
                snprintf(s->tsc0_why, sizeof(s->tsc0_why),
                         "guest TSC 0 would lie %.3f ms after printk time 0 (tsc_now=%" PRIu64
                         " at tsc_freq=%" PRIu64 " Hz is %.6f s, less than the kernel's clock "
                         "counted): the TSC frequency is wrong; guest TSC 0 is not placed",
                         ms(tsc0 - s->printk0_ns), m->tsc_now, m->tsc_freq, s->guest_s);
                return;
        }
        s->tsc0_ns = tsc0;
        s->has_tsc0 = true;
        s->latency_bound_ns = (uint64_t)tsc0;
}

void stitch_compute(const struct dmesg_meta *m, const struct stitch_host *h, struct stitch *s)
{
        uint64_t p_dump, hd;

        memset(s, 0, sizeof(*s));
        if (!h->spawn || !h->dump_begin || h->dump_begin < h->spawn) {
                s->why_not = "no host time for the spawn or the dump's begin line";
                return;
        }
        /* host times beyond 2^62 ns (146 years) after spawn are garbage and
         * would overflow the signed arithmetic below */
        if (h->dump_begin - h->spawn > MAX_SPAN) {
                s->why_not = "the dump's begin line lies too far after the spawn";
                s->contradiction = true;
                return;
        }
        if (!dmesg_printk_at_dump(m, &p_dump)) {
                s->why_not = "the dump's begin line carries no uptime_ns";
                return;
        }
        s->dump_begin_ns = h->dump_begin - h->spawn;
        hd = s->dump_begin_ns;
        if (h->begin_first_byte >= h->spawn && h->begin_first_byte <= h->dump_begin &&
            h->begin_first_byte)
                hd = h->begin_first_byte - h->spawn;
        s->anchor_ns = hd;
        s->first_byte_ns =
            h->first_byte >= h->spawn && h->first_byte ? h->first_byte - h->spawn : 0;
        if (h->exit && (h->exit < h->dump_begin || h->exit - h->spawn > MAX_SPAN))
                snprintf(s->exit_why, sizeof(s->exit_why),
                         "QEMU's exit is stamped %s the dump's begin line arrived: host.exit is "
                         "not placed",
                         h->exit < h->dump_begin ? "before" : "years after");
        else if (h->exit)
                s->exit_ns = h->exit - h->spawn;
        s->has_lag = m->sched_stable_line && m->gtod_offset_ns >= 0;
        s->lag_ns = s->has_lag ? m->sched_lag_ns : 0;
        s->offset_ns = s->has_lag ? m->gtod_offset_ns : 0;
        if (p_dump > hd) {
                s->why_not = "the guest's uptime at the dump exceeds the host time since spawn";
                s->contradiction = true;
                return;
        }
        s->ok = true;
        s->shift_ns = (int64_t)(hd - p_dump);
        /* |lag| <= 2^62 keeps the subtraction in range; a lag beyond the
         * shift would put printk time 0 before the spawn */
        if (s->lag_ns < 0 || s->lag_ns > s->shift_ns)
                snprintf(s->printk0_why, sizeof(s->printk0_why),
                         "the printk lag of %.3f ms (line %u) would put printk time 0 %s: "
                         "printk.zero is not placed",
                         ms(s->lag_ns), m->sched_stable_line,
                         s->lag_ns < 0 ? "after the kernel's clock started"
                                       : "before QEMU's spawn");
        s->printk0_ns = s->printk0_why[0] ? s->shift_ns : s->shift_ns - s->lag_ns;
        place_tsc0(m, s);
}

int stitch_warn(const struct stitch *s, struct ev_trace *t, uint32_t line)
{
        int err = 0;

        if (s->contradiction)
                err = ev_warn(t, line,
                              "clock stitching: %s: the host-stitched phases are unavailable",
                              s->why_not);
        if (!err && s->tsc0_why[0])
                err = ev_warn(t, line, "clock stitching: %s", s->tsc0_why);
        if (!err && s->printk0_why[0])
                err = ev_warn(t, line, "clock stitching: %s", s->printk0_why);
        if (!err && s->exit_why[0])
                err = ev_warn(t, line, "clock stitching: %s", s->exit_why);
        return err;
}

const char stitch_linux_map[] = "qemu: host.spawn -> guest.tsc0\n"
                                "firmware+entry: guest.tsc0 -> printk.zero\n"
                                "printk lag: printk.zero -> kernel.start\n"
                                "early kernel: kernel.start -> initcalls.start\n"
                                "initcalls: initcalls.start -> initcalls.end\n"
                                "late init: initcalls.end -> kernel.run_init\n"
                                "user space: kernel.run_init -> dump.begin\n"
                                "power-off: dump.begin -> host.exit\n";

const char stitch_linux_map_no_initcalls[] = "qemu: host.spawn -> guest.tsc0\n"
                                             "firmware+entry: guest.tsc0 -> printk.zero\n"
                                             "printk lag: printk.zero -> kernel.start\n"
                                             "kernel: kernel.start -> kernel.run_init\n"
                                             "user space: kernel.run_init -> dump.begin\n"
                                             "power-off: dump.begin -> host.exit\n";

const char *stitch_linux_map_for(const struct dmesg_meta *m)
{
        return m->initcalls || m->initcalls_open ? stitch_linux_map : stitch_linux_map_no_initcalls;
}

/* A point from the log's uint64 ns: refused when beyond the clock range
 * (the parser should not let such a time through). */
static int log_point(struct phases *ph, const char *name, uint64_t ns)
{
        int64_t at;

        if (analysis_point(ns, &at))
                return phases_set_point(ph, name, at);
        return phases_refuse_point(ph, name, "the log's time lies beyond the clock range");
}

int stitch_set_points(struct phases *ph, const struct dmesg_meta *m, const struct stitch *s)
{
        uint64_t dump;
        int64_t shift;
        int err = 0;

        if (m->lines_printk)
                err = phases_set_point(ph, "kernel.start", 0);
        if (!err && (m->initcalls || m->initcalls_open) && m->first_initcall_ns)
                err = log_point(ph, "initcalls.start", m->first_initcall_ns);
        if (!err && m->last_initcall_ns)
                err = log_point(ph, "initcalls.end", m->last_initcall_ns);
        if (!err && m->run_init_line)
                err = log_point(ph, "kernel.run_init", m->run_init_ns);
        if (!err && m->lines_printk && dmesg_printk_at_dump(m, &dump))
                err = log_point(ph, "dump.begin", dump);
        if (err || !s)
                return err;
        if (!s->ok) {
                static const char *const host_points[] = {"host.spawn", "printk.zero", "guest.tsc0",
                                                          "host.exit"};

                for (size_t k = 0; s->contradiction && !err && k < 4; k++)
                        err = phases_refuse_point(ph, host_points[k], s->why_not);
                return err;
        }
        shift = s->shift_ns;
        err = phases_set_point(ph, "host.spawn", -shift);
        if (!err && s->printk0_why[0])
                err = phases_refuse_point(ph, "printk.zero",
                                          "printk time 0 not placed: the printk lag contradicts "
                                          "the host marks (see the warnings)");
        else if (!err)
                err = phases_set_point(ph, "printk.zero", s->printk0_ns - shift);
        if (!err && s->has_tsc0)
                err = phases_set_point(ph, "guest.tsc0", s->tsc0_ns - shift);
        else if (!err && s->tsc0_why[0])
                err = phases_refuse_point(ph, "guest.tsc0",
                                          "guest TSC 0 not placed: the TSC frequency contradicts "
                                          "the host marks (see the warnings)");
        if (!err && s->exit_ns)
                err = phases_set_point(ph, "host.exit", (int64_t)s->exit_ns - shift);
        else if (!err && s->exit_why[0])
                err = phases_refuse_point(ph, "host.exit",
                                          "QEMU's exit not placed: stamped before the dump (see "
                                          "the warnings)");
        return err;
}
