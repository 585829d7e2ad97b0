/*
 * The collector's session loop: create a session (or reopen one to
 * resume), choose the accelerator (a probe boot for "auto"), then boot
 * every planned run (warm-ups and measured runs, interleaved per variant
 * or not) through collector/runner.h with retries, writing each run whole
 * through collector/session.h (docs/collect.md, docs/session.md).
 *
 * Nothing here prints: progress, warnings, notes and error messages go to
 * the caller's event callback, which decides what to show.
 */
#ifndef BOOTLENS_COLLECTOR_COLLECT_H
#define BOOTLENS_COLLECTOR_COLLECT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/qemu.h"
#include "collector/session.h"

#define COLLECT_DEFAULT_RUNS      10
#define COLLECT_DEFAULT_TIMEOUT_S 30
#define COLLECT_DEFAULT_RETRIES   2
#define COLLECT_MAX_JOBS          64
#define COLLECT_KALLSYMS_ARG      "bootlens.kallsyms=1"

enum collect_event_kind {
        COLLECT_EV_RUN_START,   /* run, total, variant, failures */
        COLLECT_EV_RUN_DONE,    /* the same and last: the run was recorded */
        COLLECT_EV_RUN_WARNING, /* msg: an attempt failed (replaces a progress line) */
        COLLECT_EV_WARNING,     /* msg: e.g. an ELF kernel without a PVH note */
        COLLECT_EV_NOTE,        /* msg: e.g. "kvm does not run a guest here ..." */
        COLLECT_EV_ERROR,       /* msg: why collect_run() is about to fail */
};

struct collect_event {
        enum collect_event_kind kind;
        const char *msg; /* WARNING, NOTE, ERROR: no prefix, no newline */
        unsigned run, total;
        const char *variant;
        const struct session_run *last; /* RUN_DONE only */
        unsigned failures;              /* failed attempts so far, resumed runs included */
};

/* Called synchronously; ev and its strings are valid only during the call.
 * With jobs > 1 it is called from the slots' threads, one call at a time
 * (the collector serialises them). */
typedef void (*collect_event_fn)(const struct collect_event *ev, void *user);

struct collect_opts {
        const char *out;  /* session directory to create, or to resume (required) */
        const char *qemu; /* NULL: $BOOTLENS_QEMU, then QEMU_DEFAULT_BINARY, on resume
                           * too (never a path read from the session; a different
                           * binary than the one recorded gets a NOTE) */
        bool resume;      /* take every setting below from out/session.json */

        /* A new session only. */
        const char *kernel; /* required */
        const char *initrd; /* NULL: none */
        const char *append; /* NULL: nothing added to the Linux default */
        bool bare_append;   /* append is the whole command line */
        bool kallsyms;      /* COLLECT_KALLSYMS_ARG added to every variant's command
                             * line: the Linux dumper then sends /proc/kallsyms and
                             * each run keeps it as runs/NNNN.kallsyms (the final
                             * attempt's, when its dump is whole and has one; a
                             * resume keeps it: the command lines are recorded) */
        bool interleave;    /* run 1 of each variant, then run 2 ... */
        enum qemu_accel accel;
        uint64_t runs, warmup, timeout_s, retries; /* within session_setting_ranges */
        const struct session_variant *variants;    /* none: one variant "default" */
        size_t nvariants;
        char *const *labels; /* "KEY=VALUE" each */
        size_t nlabels;
        char *const *extra; /* QEMU arguments after bootlens's own */
        size_t nextra;

        /* Boots at once (collect -j N, 1..COLLECT_MAX_JOBS; 0 means 1;
         * more: -EINVAL). With N > 1 each slot is a thread whose QEMU is
         * pinned to a host CPU of its own (slot k to the k-th CPU of the
         * collector's affinity mask, set in QEMU's child before execve)
         * and the slot and CPU are recorded in the run (struct
         * session_run); the plan's rounds (one run of each variant;
         * warm-ups rounds of their own; one run without interleaving) are
         * dealt to the slots whole, so each slot boots the variants
         * interleaved. N above the CPUs of the mask is capped with a NOTE.
         * A host error in one slot stops the others after their current
         * boot; *stop works as with one slot, for every slot. */
        unsigned jobs;
        /* --accel auto/kvm/hvf/nvmm: the probe's outcome is cached per
         * host, host kernel, QEMU version and accelerator
         * (collector/probecache.h, docs/collect.md "The probe cache");
         * false: neither read nor written (--no-probe-cache). The cache
         * lives in $BOOTLENS_CACHE_DIR, else $XDG_CACHE_HOME/bootlens,
         * else ~/.cache/bootlens; one that cannot be read is a NOTE and a
         * new probe, never an error. */
        bool probe_cache;

        /* Non-NULL: 1 stops before the next run, 2 kills the current boot. A
         * signal handler may set it. */
        volatile sig_atomic_t *stop;
        collect_event_fn event; /* may be NULL */
        void *user;
};

struct collect_variant_result {
        char *name;
        unsigned ok; /* measured runs with verdict ok */
};

struct collect_result {
        unsigned total;    /* planned runs */
        unsigned done;     /* run files on disk, now or before a resume, counted after the loop */
        unsigned recorded; /* recorded by this call */
        bool stopped;      /* *stop ended the loop */
        bool host_error;   /* a run could not be booted or written (an ERROR event said why) */
        bool bad_input;    /* on failure: the options, their files or the session are at fault */
        struct collect_variant_result *variants;
        size_t nvariants;
};

/* Run the collection o describes into o->out, holding the session lock
 * meanwhile. res is initialised here (collect_result_free() it even on
 * error). Returns 0 when the loop ran, whatever happened in it (see
 * res->stopped, res->host_error and the per-variant ok counts), or -errno
 * when the session could not be set up, locked or opened: -EINVAL and
 * others with res->bad_input (exit status 2 in the CLI), -ENODEV (the
 * requested accelerator is unusable), -EINTR (stopped during the probe
 * boot), -ENOMEM. Every failure is first reported by an ERROR event. */
int collect_run(const struct collect_opts *o, struct collect_result *res);

/* Release res's arrays; NULL is fine. */
void collect_result_free(struct collect_result *res);

#endif
