/*
 * savings: what each knob of a sweep saves (docs/sweep.md). A sweep
 * session (collector/sweep.h: its sweep.json) is read step by step, and
 * each step is compared against its reference (the baseline under
 * "each", the previous step under "cumulative", the baseline for a
 * host-timed knob) with compare (analyzer/compare.h), exactly as
 * "bootlens compare SESSION:REF SESSION:STEP" would.
 *
 * saving = the reference's median total - the step's median total (> 0:
 * the knob made the boot faster); its CI is the bootstrap CI of compare's
 * difference, negated; the verdict is compare's for the total ("faster"
 * is a saving). The phase and the functions that moved are the ones
 * compare_order() lists first.
 *
 * A step with no ok run is "broken": its boots stopped delivering a dump
 * (or, host-timed, never exited cleanly). It gets no saving, only its
 * verdict counts and the serial capture of its last failed run, which
 * the reports name. A step whose reference is broken is not compared
 * either (against_broken).
 *
 * Host-timed steps (timing=host) are compared on the total alone, the
 * host's spawn-to-exit span, from the run files' host marks; their
 * reference's runs are timed the same way (their dump is not read).
 *
 * By QEMU's CPU time (SAVINGS_BY_CPU, savings_analyse_by()): every step,
 * host-timed or not, is compared on the user + system CPU time of its
 * runs' QEMU (the run files' cpu_ns) instead of the total, one metric
 * through compare_add()/compare_evaluate(): under TCG the guest's work is
 * QEMU's CPU time, which a host that makes QEMU wait for a CPU (starved
 * runs, docs/contention.md) does not stretch as it stretches the wall
 * time. median_ns and the saving are then CPU time; what moved still
 * comes from compare_sessions() of the dumps.
 *
 * By the guest's clock (SAVINGS_BY_GUEST): a dump-timed step is compared
 * on its runs' guest CLOCK_MONOTONIC at the dump's begin line (a Linux
 * run's dmesg.uptime_ns, analyzer/dmesg.h), the runs compare analyses
 * (runset_open() and runset_analyse(): the ok runs of the variant, a
 * starved one left out on exclude_starved), one metric named "total"
 * through compare_add()/compare_evaluate(). Under QEMU's -icount
 * shift=0,sleep=off that clock counts the instructions the guest ran, 1
 * ns each, and repeats to a few us (docs/sweep.md). A host-timed step has
 * no dump: it stays compared by the host's spawn to exit, as under
 * SAVINGS_BY_TOTAL, against its reference's runs timed the same way
 * (its median and saving are then host time). An ok run without the
 * uptime (a tslog dump, a dumper that predates uptime_ns) is -EINVAL, err
 * naming the run. What moved still comes from compare_sessions().
 *
 * Functions return 0 or a negative errno and never print.
 */
#ifndef BOOTLENS_SAVINGS_H
#define BOOTLENS_SAVINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/compare.h"
#include "collector/sweep.h"

#define SAVINGS_TOP_FNS 3 /* functions that moved, per step */

struct savings_moved {
        char *name;     /* phase or function (owned) */
        char *phase;    /* a function's phase, NULL: none or a phase (owned) */
        double diff_ns; /* step - reference median (< 0: faster) */
        enum stats_verdict verdict;
};

struct savings_step {
        char *name;     /* the knob's name; "base" for the baseline (owned) */
        char *variant;  /* (owned) */
        char *spec;     /* the knob's SPEC; NULL for the baseline (owned) */
        char *about;    /* a preset knob's description, NULL: none (owned) */
        size_t against; /* index of the reference step */
        bool host_timed;
        /* runs of the variant, warm-ups left out: recorded, ok, and per
         * failed verdict */
        size_t recorded, ok, timeout, crash, bad_dump, starved, left_out;
        bool broken, against_broken;
        char *failed_serial; /* broken: SESSION/runs/NNNN.serial of its last failed run (owned) */
        char *failed_reason; /* its reason (owned) */
        double median_ns;    /* the step's median total, NaN when none */
        /* against the reference, when compared (!broken && !against_broken
         * && step > 0): */
        bool compared;
        double saving_ns, saving_lo_ns, saving_hi_ns; /* CI of the saving */
        double rel;                                   /* saving / reference median */
        double p_holm;
        enum stats_verdict verdict; /* compare's for the total */
        size_t runs_needed;
        struct savings_moved phase; /* the phase that moved most (name NULL: none) */
        struct savings_moved fns[SAVINGS_TOP_FNS];
        size_t nfns;
        struct compare cmp;  /* the whole comparison (zeroed when not compared) */
        struct ksize kernel; /* the step's kernel, as session.json recorded it */
};

enum savings_basis {
        SAVINGS_BY_TOTAL, /* compare's total (the default) */
        SAVINGS_BY_CPU,   /* QEMU's CPU time, user + system */
        SAVINGS_BY_GUEST, /* the guest's clock at the dump (uptime_ns) */
};

struct savings {
        char *session; /* the directory (owned) */
        enum savings_basis basis;
        enum sweep_mode mode;
        char *preset;               /* NULL: none (owned) */
        struct savings_step *steps; /* steps[0] is the baseline */
        size_t nsteps;
        /* cumulative: the baseline's and the last unbroken step's medians
         * and the whole campaign's saving (last step against the baseline,
         * compared as the others); NaN when not known */
        double baseline_ns, final_ns;
        bool has_overall;
        struct savings_step overall; /* name "overall", against 0 */
        /* some steps boot different kernel files (a kernel=@FILE knob):
         * the reports then show each step's kernel size (reports/kline.h) */
        bool kernels_differ;
};

/* Read the sweep session dir and compare every step. o as for compare
 * (its top, exclude_starved, run options and statistics). s is
 * overwritten (savings_free it, also on error). Returns 0, -ENOENT (no
 * session or not a sweep: err says which), -EINVAL (a malformed file:
 * err names it; under SAVINGS_BY_GUEST also an ok run without the guest's
 * uptime at the dump), -ENOMEM, or the error of analysing a run (err
 * names the capture). */
int savings_analyse(struct savings *s, const char *dir, const struct compare_options *o, char *err,
                    size_t errsize);
/* "total", "cpu", "guest": static strings (sweep's --by, the JSON's basis). */
const char *savings_basis_name(enum savings_basis b);
int savings_basis_parse(const char *s, enum savings_basis *b); /* 0 or -EINVAL */

/* The same, by the basis given (savings_analyse: SAVINGS_BY_TOTAL). */
int savings_analyse_by(struct savings *s, const char *dir, const struct compare_options *o,
                       enum savings_basis basis, char *err, size_t errsize);
void savings_free(struct savings *s); /* accepts a zeroed savings */

#endif
