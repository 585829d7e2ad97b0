/*
 * diagnose: known boot sinks recognised in an analysis (docs/diagnose.md).
 *
 * A rule maps evidence to a known sink, its cause, its fix and the saving
 * it should bring. The rules are a table (diag_rules[]); each names the
 * family of guests it applies to, its source (where the sink and its fix
 * are documented), its evidence threshold, and, when a boot option can
 * test it, the knob that would verify it, in the --variant syntax of
 * collector/session.h ("@vmlinux": the vmlinux that "bootlens guest
 * vmlinux" unwraps from the session's kernel).
 *
 * What a rule reads (struct diag_input):
 *  - the medians of an aggregate (analyzer/aggregate.h) of a session's
 *    variant or of one capture: "total", "phase:NAME", "fn:NAME", and for
 *    tslog runs "self:NAME" (the function rules match self times there, so
 *    a parent is never counted with its children; Linux initcalls do not
 *    nest and are matched by fn:);
 *  - the log text of one representative run (a session's first ok run, or
 *    the capture), for the log line given as evidence with its line
 *    number in that capture;
 *  - what the session knows beside: the variant's kernel command line, the
 *    host's TSC rate, and what the kernel file is (diag_kernel_inspect()).
 *
 * Shares are of the median total (the host's spawn-to-exit span) when the
 * input has one, else of the representative run's guest time (the boot
 * span of its records and phase points: analysis_boot_span()).
 *
 * A function metric is claimed by the first rule of the table whose
 * patterns match it, so no time counts for two findings; the general rule
 * ("outsized") comes last and reports what no specific rule explained.
 * Nothing here prints; functions return 0 or a negative errno.
 */
#ifndef BOOTLENS_DIAGNOSE_H
#define BOOTLENS_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/aggregate.h"
#include "analyzer/run.h"

/* The general rule's thresholds (docs/diagnose.md, "outsized"). */
#define DIAG_GENERAL_FN_SHARE    0.10 /* a function: >= 10% of the whole */
#define DIAG_GENERAL_FN_PHASE    0.20 /* or >= 20% of its phase */
#define DIAG_GENERAL_PHASE_SHARE 0.40 /* a phase: >= 40% of the whole */
#define DIAG_GENERAL_PHASE_MAX   0.95 /* but not (nearly) all of it */
/* and what the specific findings in that phase explain is under half of it */
#define DIAG_GENERAL_EXPLAINED 0.50
/* No evidence below compare's minimum absolute effect (compare.h's default
 * 0.5 ms) is reported: a sink smaller cannot be confirmed by a sweep. */
#define DIAG_MIN_NS 500000.0
/* "bootlens diagnose --strict": a finding whose expected saving is at
 * least this many ms fails the check (--threshold MS). */
#define DIAG_DEFAULT_THRESHOLD_MS 10.0

enum diag_family { DIAG_ANY = 0, DIAG_LINUX, DIAG_BSD };
/* "any", "linux", "bsd": static strings. */
const char *diag_family_name(enum diag_family f);

/* How a rule looks at its evidence (diagnose.c evaluates each). */
enum diag_check {
        DIAG_CHECK_FUNCTIONS, /* matched functions' medians; log lines add to the evidence */
        DIAG_CHECK_CALIBRATION,
        DIAG_CHECK_CONSOLE,
        DIAG_CHECK_PVH,
        DIAG_CHECK_MODULES,
        DIAG_CHECK_PRINTK_LAG,
        DIAG_CHECK_GENERAL,
};

struct diag_rule {
        const char *id; /* "calibration", ...: stable, in the JSON and the docs */
        const char *title;
        enum diag_family family;
        enum diag_check check;
        const char *source;    /* the citation */
        const char *threshold; /* the evidence threshold, in words (the docs') */
        const char *cause, *fix;
        /* the knob that tests the fix, --variant syntax; NULL: none (a
         * kernel configuration change) */
        const char *knob;
        const char *saving; /* how the expected saving is estimated */
        /* fnmatch(3) patterns, each matched against every space-separated
         * word of a function's name ("SYSINIT apic_init", "virtio_init
         * [virtio]"); NULL-terminated, NULL: none */
        const char *const *fns;
        /* substrings of a log line that are evidence; NULL-terminated */
        const char *const *logs;
        double min_share; /* evidence time / the whole, at least */
};

extern const struct diag_rule diag_rules[];
extern const size_t diag_nrules;
const struct diag_rule *diag_rule_find(const char *id);

/* What a kernel file is, for the PVH rule. */
struct diag_kernel {
        bool inspected; /* the file was read; else why says why not */
        bool bzimage;   /* a bzImage (else an ELF, or neither) */
        bool elf;       /* an ELF kernel (booted directly) */
        bool pvh;       /* the ELF (a bzImage's unwrapped) has a PVH entry note */
        char comp[16];  /* a bzImage's compression ("lz4") */
        char why[192];
};
/* Inspect the kernel at path: a bzImage is unwrapped in memory
 * (guest/vmlinux.h) and its ELF inspected. Never fails: k->inspected and
 * k->why say what could be done. */
void diag_kernel_inspect(const char *path, struct diag_kernel *k);

struct diag_input {
        const char *name;                 /* "DIR:VARIANT" or the FILE */
        const struct aggregate *agg;      /* finished; required */
        const struct run *rep;            /* the representative run; required */
        const char *rep_source;           /* its capture's path, for "PATH:LINE" */
        size_t nruns;                     /* runs in agg */
        const char *cmdline;              /* the kernel command line; NULL: unknown */
        uint64_t host_tsc_khz;            /* the host's TSC rate; 0: unknown */
        const struct diag_kernel *kernel; /* NULL: not known (a FILE) */
};

enum diag_severity { DIAG_INFO = 0, DIAG_LOW, DIAG_MEDIUM, DIAG_HIGH };
/* "info", "low", "medium", "high": static strings. */
const char *diag_severity_name(enum diag_severity s);

#define DIAG_MAX_MATCHED 5

struct diag_finding {
        const struct diag_rule *rule;
        char *what;         /* the main evidence: "fn:NAME", "phase:NAME", "log" (owned) */
        char *phase;        /* the phase the evidence lies in; NULL: none/unknown (owned) */
        double median_ns;   /* the evidence's median time; NaN: not timed */
        double share;       /* of the whole; NaN with median_ns */
        double phase_share; /* of its phase; NaN: unknown */
        /* the functions matched, slowest first (owned), and how many */
        char *matched[DIAG_MAX_MATCHED];
        size_t nmatched_shown, nmatched;
        char *log_line;      /* the log line (raw guest text: escape it) (owned); NULL: none */
        uint32_t log_lineno; /* its line in the representative capture */
        size_t log_count;    /* lines that matched */
        char *note;          /* what else the rule found (owned); NULL: none */
        double saving_ns;    /* expected; NaN: not estimated */
        char *knob;          /* the knob's spec (owned); NULL: none */
        enum diag_severity severity;
        double score; /* expected saving in ms (0 when not estimated) */
};

struct diag_result {
        char *name;       /* the input (owned) */
        char *log_source; /* the representative capture's path (owned); NULL: none */
        enum ev_os os;
        bool has_total;  /* whole_ns is the median total; else guest time */
        double whole_ns; /* NaN: neither known */
        size_t nruns;
        char *kernel_note;      /* the kernel could not be inspected: why (owned); NULL */
        struct diag_finding *v; /* by score descending, then table order */
        size_t n;
};

/* Run every rule of the input's family over in into res (overwritten;
 * diag_result_free it, also on error). Returns 0, -EINVAL (in lacks agg
 * or rep), -ENOMEM. */
int diag_run(const struct diag_input *in, struct diag_result *res);
void diag_result_free(struct diag_result *res); /* accepts a zeroed result */

/* Whether any finding's expected saving is at least threshold_ms. */
bool diag_result_exceeds(const struct diag_result *res, double threshold_ms);

#endif
