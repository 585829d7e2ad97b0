/* report: see report.h. */
#include "reports/report.h"

#include <errno.h>
#include <string.h>

int report_unit_parse(const char *s, enum report_unit *u)
{
        static const char *const names[] = {"cycles", "ns", "us", "ms"};

        for (unsigned k = 0; k < 4; k++) {
                if (strcmp(s, names[k]) == 0) {
                        *u = (enum report_unit)k;
                        return 0;
                }
        }
        return -EINVAL;
}

const char *report_unit_name(enum report_unit u)
{
        static const char *const names[] = {"cycles", "ns", "us", "ms"};

        return (unsigned)u < 4 ? names[u] : "?";
}

enum report_unit report_unit_for(const struct ev_trace *t, enum report_unit u)
{
        if (t->clock == EV_CLOCK_NS)
                return u == REPORT_CYCLES ? REPORT_NS : u;
        if (!t->freq_hz)
                return REPORT_CYCLES;
        return u;
}

double report_convert(const struct ev_trace *t, uint64_t ticks, enum report_unit u)
{
        double ns;

        if (u == REPORT_CYCLES || !ev_to_ns(t, ticks, &ns))
                return (double)ticks;
        switch (u) {
        case REPORT_NS:
                return ns;
        case REPORT_US:
                return ns / 1e3;
        case REPORT_MS:
                return ns / 1e6;
        default:
                return (double)ticks;
        }
}
