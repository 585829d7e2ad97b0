/*
 * report: what the renderers (table, json, folded) share: time units and
 * their conversion, and the rendering options.
 *
 * A trace counts time in its own clock: TSC cycles (tslog) or ns (Linux).
 * "cycles" always means that raw clock; ns, us and ms need a frequency for
 * a cycle trace. report_unit_for() tells the unit a trace can really be
 * shown in: the one asked for, or cycles when a cycle trace has no known
 * frequency (the analyze command says so on stderr), or ns when raw
 * cycles are asked of an ns trace.
 */
#ifndef BOOTLENS_REPORT_H
#define BOOTLENS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/events.h"

enum report_unit {
        REPORT_CYCLES = 0,
        REPORT_NS,
        REPORT_US,
        REPORT_MS,
};

struct report_options {
        enum report_unit unit; /* table: ms unless set; folded: us unless set */
        size_t top;            /* table: functions listed by self and by total; table and
                                * json: the slowest initcalls */
        size_t max_warnings;   /* table: events and warnings listed (the rest counted) */
        bool brief;            /* table: phases, Linux sections and warnings only */
};

/* Parse "cycles", "ns", "us" or "ms". Returns 0 or -EINVAL. */
int report_unit_parse(const char *s, enum report_unit *u);
const char *report_unit_name(enum report_unit u);
/* The unit t can be shown in when u is asked for (see above). */
enum report_unit report_unit_for(const struct ev_trace *t, enum report_unit u);
/* ticks of t's clock in unit u (which must be report_unit_for(t, u)). */
double report_convert(const struct ev_trace *t, uint64_t ticks, enum report_unit u);

#endif
