/*
 * compare: did NEW move boot time against BASE, metric by metric
 * ("bootlens compare BASE NEW", docs/compare.md).
 *
 * A side is a session or one variant of it (SESSION:VARIANT): its ok runs
 * (analyzer/runset.h), each analysed through the one pipeline (run.h) and
 * read into metrics (metrics.h). With exclude_starved, the runs the host
 * starved (session_attempt_starved(), docs/contention.md) are left out and
 * counted per side.
 *
 * The metrics compared are the total, every phase either side has, and
 * the top N functions (Linux initcalls, tslog call-tree functions, by
 * total time) ranked by the larger of their two medians. A function
 * absent from a run counts 0 ns in that run (it did not run there), so
 * every function metric has one value per run of its side; how many runs
 * had it is kept as present_a/present_b. A total or phase a run lacks is
 * left out of that metric's values (its n says so).
 *
 * Per metric, stats_compare() (medians, the bootstrap CI of the
 * difference, the U test) and, over all metrics, stats_compare_verdicts()
 * (Holm, the verdicts, runs needed): analyzer/stats.h, docs/statistics.md.
 *
 * The environment of each side (host CPU model, QEMU version,
 * accelerator: session_info()) is compared; differences are listed in
 * envdiff for the caller to refuse or, forced, to print.
 *
 * Functions return 0 or a negative errno and never print. Everything in
 * a struct compare is owned by it (compare_free).
 */
#ifndef BOOTLENS_COMPARE_H
#define BOOTLENS_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/ksize.h"
#include "analyzer/run.h"
#include "analyzer/stats.h"

#define COMPARE_TOP_DEFAULT 20

enum compare_kind {
        COMPARE_TOTAL = 0,
        COMPARE_PHASE,
        COMPARE_FN,
};

/* "total", "phase", "fn": static strings. */
const char *compare_kind_name(enum compare_kind k);

struct compare_metric {
        enum compare_kind kind;
        char *name;    /* "total", the phase's or the function's name (owned) */
        char *phase;   /* COMPARE_PHASE: its own name; COMPARE_FN: the phase it ran
                        * in (metrics.h), NULL when none is known (owned) */
        double *a, *b; /* ns, one per run used (owned) */
        size_t na, nb;
        size_t present_a, present_b; /* runs that had it (fn: <= na, nb) */
        struct stats_compare c;      /* after compare_evaluate */
};

/* A function seen on either side, compared or not: its median over each
 * side's runs (absent as 0), for the differential flame graph. */
struct compare_fn {
        char *name;  /* (owned) */
        char *phase; /* as in struct compare_metric (owned) */
        double median_a, median_b;
};

/* One thing the two sides' environments differ in. */
struct compare_envdiff {
        const char *what; /* "host CPU", "QEMU version", "accelerator": static */
        char *base, *new; /* owned; "unknown" when not recorded */
};

struct compare_side {
        char *ref;          /* as given (owned) */
        char *cpu_model;    /* session.json's host; NULL: unknown (owned) */
        char *qemu_version; /* (owned) */
        char *accel;        /* (owned) */
        size_t recorded;    /* runs recorded in the session */
        size_t ok;          /* ok runs of the variant */
        size_t starved;     /* of them, starved by the host */
        size_t left_out;    /* starved runs left out (exclude_starved) */
        size_t used;        /* runs compared */
        /* per run used, in run order (owned): the run number and QEMU's CPU
         * time (user, system; 0: unknown), for the hyperfine export */
        unsigned *runs;
        uint64_t *cpu_user_ns, *cpu_system_ns;
        /* the kernel the side booted, as session.json recorded it: the
         * reports' kernel line when the sides' kernels differ */
        struct ksize kernel;
};

struct compare_options {
        struct stats_options stats; /* alpha, minimum effect (ns), B, seed, ... */
        size_t top;                 /* functions compared (COMPARE_TOP_DEFAULT) */
        bool exclude_starved;
        const struct run_options *run; /* how each run is analysed (NULL: defaults) */
};

struct compare {
        struct compare_side base, new;
        struct compare_metric *m; /* total, phases (map order), functions (rank order) */
        size_t n;
        size_t nphases, nfns;
        struct compare_fn *fns; /* every function seen on either side, by rank */
        size_t fn_candidates;   /* entries of fns */
        struct compare_envdiff envdiff[3];
        size_t nenvdiff;
        struct stats_options stats; /* as used */
        size_t verdicts[4];         /* metrics per enum stats_verdict */
};

/*
 * Read both sides and compare them (compare_evaluate). c is overwritten
 * (compare_free it, also on error). Returns 0 or:
 *   -ENOENT/-EINVAL: a side is no readable session, -ESRCH: no such variant
 *     (err names the side and why);
 *   -ENODATA: a side has no run to compare (none ok, or all left out);
 *   the error of analysing a run (err names the capture), -ENOMEM.
 */
int compare_sessions(struct compare *c, const char *base, const char *new,
                     const struct compare_options *o, char *err, size_t errsize);

/* The comparison core on arrays: add a metric with its values (copied),
 * then compare_evaluate() once. present_a/present_b as in struct
 * compare_metric. Returns 0 or -ENOMEM. */
int compare_add(struct compare *c, enum compare_kind kind, const char *name, const char *phase,
                const double *a, size_t na, size_t present_a, const double *b, size_t nb,
                size_t present_b);

/* stats_compare() of every metric, then stats_compare_verdicts() over all
 * of them with o (Holm across the c->n metrics), counting the verdicts.
 * A metric with no value on a side (a phase one side lacks) keeps the
 * zero result: inconclusive, n 0, and joins Holm with p = 1. Returns 0,
 * -EINVAL (bad options), -ENOMEM, -ERANGE (a forced exact U). */
int compare_evaluate(struct compare *c, const struct stats_options *o);

/*
 * The order the reports show the metrics in: where the time moved. The
 * total first, then each phase by |difference| descending (ties by
 * name), each followed by the functions compared that ran in it, by
 * |difference| descending (ties by name); then the functions of no phase
 * compared, likewise. Fills order[0..c->n) with indices into c->m.
 * Returns 0 or -ENOMEM (order is the caller's, c->n entries).
 */
int compare_order(const struct compare *c, size_t *order);

/* Whether some metric got significantly slower: compare's exit 1. */
bool compare_any_slower(const struct compare *c);

/* The metric named "total", "phase:NAME" or "fn:NAME" (as --metric names
 * it), or NULL. */
const struct compare_metric *compare_find(const struct compare *c, const char *spec);

void compare_free(struct compare *c); /* accepts a zeroed compare */

#endif
