/*
 * diagreport: the findings of "bootlens diagnose" (analyzer/diagnose.h)
 * rendered as a table (blocks of "name value" lines, one block a
 * finding), a JSON document (kind "bootlens-diagnose", schema_version
 * DIAGREPORT_SCHEMA_VERSION, docs/diagnose.md) or Markdown tables.
 *
 * A finding may carry what --verify measured (struct diagreport_verify):
 * the saving of its knob, compared by a sweep of kind "each" against the
 * baseline, beside the predicted one.
 *
 * The table holds guest text (log lines, function names) as it is: the
 * caller writes it through cli/textout.h. JSON strings are escaped by
 * jsonw, Markdown cells by md_escape. Returns 0, -EIO (a write failed),
 * -ENOMEM or -EINVAL (a bug: an ill-formed document).
 */
#ifndef BOOTLENS_DIAGREPORT_H
#define BOOTLENS_DIAGREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "analyzer/diagnose.h"

#define DIAGREPORT_SCHEMA_VERSION 1
#define DIAGREPORT_KIND           "bootlens-diagnose"

enum diagreport_format { DIAGREPORT_TABLE = 0, DIAGREPORT_JSON, DIAGREPORT_MD };
/* "table", "json", "md" into *f: 0 or -EINVAL. */
int diagreport_format_parse(const char *s, enum diagreport_format *f);

/* What a sweep measured of one finding's knob. */
struct diagreport_verify {
        bool done;                      /* the finding was verified (else the rest is unset) */
        const char *variant;            /* the sweep's variant of it */
        bool broken;                    /* its boots delivered no dump */
        bool compared;                  /* a saving was measured */
        double saving_ns, lo_ns, hi_ns; /* the measured saving and its CI */
        const char *verdict;            /* compare's verdict of the total ("faster", ...) */
        size_t ok, recorded, base_ok;
        /* runs starved by the host (docs/contention.md): the knob's and
         * the baseline's; left out of the comparison with exclude_starved */
        size_t starved, base_starved, left_out, base_left_out;
        /* the finding's own evidence (its "fn:NAME" or "phase:NAME") as the
         * same comparison measured it, when compare compared it (a phase,
         * or a function among its top ones): the saving on that metric, its
         * CI and verdict (Holm across the comparison's metrics) */
        bool has_evidence;
        const char *evidence; /* the finding's what */
        double ev_saving_ns, ev_lo_ns, ev_hi_ns;
        const char *ev_verdict;
};

struct diagreport_input {
        const struct diag_result *res;
        /* res->n entries, or NULL: nothing verified */
        const struct diagreport_verify *verify;
};

struct diagreport_options {
        enum diagreport_format fmt;
        double threshold_ms; /* --strict's threshold, recorded */
        bool strict;
        const char *verify_session; /* --verify-out, NULL: no --verify */
};

int diagreport_write(FILE *out, const struct diagreport_input *in, size_t nin,
                     const struct diagreport_options *o);

#endif
