/* stitch: see stitch.h. */
#include "analyzer/stitch.h"

#include <string.h>

#define MAX_SPAN (1ull << 62) /* ns: host and guest times beyond it are garbage */

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
        s->exit_ns = h->exit >= h->spawn && h->exit && h->exit - h->spawn <= MAX_SPAN
                         ? h->exit - h->spawn
                         : 0;
        s->has_lag = m->sched_stable_line && m->gtod_offset_ns >= 0;
        s->lag_ns = s->has_lag ? m->sched_lag_ns : 0;
        s->offset_ns = s->has_lag ? m->gtod_offset_ns : 0;
        if (p_dump > hd) {
                s->why_not = "the guest's uptime at the dump exceeds the host time since spawn";
                return;
        }
        s->ok = true;
        s->shift_ns = (int64_t)(hd - p_dump);
        s->printk0_ns = s->shift_ns - s->lag_ns;
        /* the guest's TSC time must fit in an int64 of ns (a tsc_freq=1
         * would not) */
        if (m->has_tsc && m->tsc_freq &&
            (double)m->tsc_now / (double)m->tsc_freq * 1e9 < (double)MAX_SPAN) {
                s->guest_s = (double)m->tsc_now / (double)m->tsc_freq;
                s->tsc0_ns = (int64_t)hd - (int64_t)(s->guest_s * 1e9 + 0.5);
                s->has_tsc0 = true;
                s->latency_bound_ns = s->tsc0_ns > 0 ? (uint64_t)s->tsc0_ns : 0;
        }
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

int stitch_set_points(struct phases *ph, const struct dmesg_meta *m, const struct stitch *s)
{
        uint64_t dump;
        int64_t shift;
        int err = 0;

        if (m->lines_printk)
                err = phases_set_point(ph, "kernel.start", 0);
        if (!err && (m->initcalls || m->initcalls_open) && m->first_initcall_ns)
                err = phases_set_point(ph, "initcalls.start", (int64_t)m->first_initcall_ns);
        if (!err && m->last_initcall_ns)
                err = phases_set_point(ph, "initcalls.end", (int64_t)m->last_initcall_ns);
        if (!err && m->run_init_line)
                err = phases_set_point(ph, "kernel.run_init", (int64_t)m->run_init_ns);
        if (!err && m->lines_printk && dmesg_printk_at_dump(m, &dump))
                err = phases_set_point(ph, "dump.begin", (int64_t)dump);
        if (err || !s || !s->ok)
                return err;
        shift = s->shift_ns;
        err = phases_set_point(ph, "host.spawn", -shift);
        if (!err)
                err = phases_set_point(ph, "printk.zero", s->printk0_ns - shift);
        if (!err && s->has_tsc0)
                err = phases_set_point(ph, "guest.tsc0", s->tsc0_ns - shift);
        if (!err && s->exit_ns)
                err = phases_set_point(ph, "host.exit", (int64_t)s->exit_ns - shift);
        return err;
}
