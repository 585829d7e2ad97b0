/*
 * runset: the runs of a session that "bootlens analyze SESSION[:VARIANT]"
 * analyses: which were recorded, which are selected (verdict ok, of the
 * variant named), and each selected run analysed through the one pipeline
 * of run.h, its console capture (runs/NNNN.console) with its final
 * attempt's host marks (docs/session.md).
 *
 * This is the analyzer's only reader of the session format
 * (collector/session.h): runset_open() copies what the analysis needs out
 * of the session's files into the plain structs below. Functions return 0
 * or a negative errno and never print.
 */
#ifndef BOOTLENS_RUNSET_H
#define BOOTLENS_RUNSET_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/run.h"
#include "collector/session.h"

struct runset_run {
        unsigned run;
        bool readable;   /* its runs/NNNN.json read; else only run is set */
        bool selected;   /* readable, verdict ok, and of the variant asked for */
        char *variant;   /* the rest is set when readable */
        char *verdict;   /* "ok", "timeout", "crash", "bad-dump", "warmup" */
        char *reason;    /* "" when none */
        bool host_timed; /* its variant is timed by the host alone (timing=host) */
        unsigned attempts;
        struct run_host host;      /* the final attempt's marks; clocks.spawn 0: none */
        struct umarks_host *marks; /* host.marks, owned with their names */
        /* host contention of the final attempt (docs/contention.md):
         * session_attempt_contention() and session_attempt_starved() */
        enum session_contention contention;
        bool starved;
        uint64_t run_delay_ns; /* the host's run delay of QEMU (0: none recorded) */
        /* the final attempt's QEMU CPU time, user and system (0: none recorded) */
        uint64_t cpu_qemu_user_ns, cpu_qemu_system_ns;
};

struct runset {
        char *dir;
        char *variant; /* NULL: every variant */
        struct runset_run *v;
        size_t n;
        size_t nselected;
        size_t nanalysed; /* runs runset_analyse() analysed */
        size_t nwarnings; /* their warnings, in total */
        /* the capture runset_analyse() last failed to read (run_read_input():
         * its path, malloc'd, and whether it opened), NULL when none */
        char *unreadable;
        bool unreadable_opened;
};

/* Whether ref names a session directory (DIR or DIR:VARIANT holding
 * session.json). */
bool runset_is_session(const char *ref);

/* Read the session ref ("DIR" or "DIR:VARIANT") into rs (overwritten; free
 * it with runset_free, also on error). Returns 0; -ENOENT or -EINVAL when
 * DIR holds no readable session (err, errsize: why); -ESRCH when it has no
 * variant rs->variant; -ENOMEM; another -errno when the runs cannot be
 * listed. */
int runset_open(const char *ref, struct runset *rs, char *err, size_t errsize);

/* Analyse run rs->v[i] (run_analyse with its host marks; source is the
 * capture's path) and count it and its warnings in rs's totals. Returns
 * what run_analyse does, or what run_read_input() does of the capture
 * (-EFBIG beyond the input limit; rs->unreadable names it then). A run of
 * a host-timed variant (host_timed) is run_host_only() instead: its
 * capture is not read (a guest that powers off at once dumps nothing),
 * its total is the host's spawn to exit and nothing else is known. */
int runset_analyse(struct runset *rs, size_t i, const struct run_options *o, struct run *r,
                   char **err);

void runset_free(struct runset *rs); /* accepts a zeroed runset */

#endif
