/*
 * analyze_session: "bootlens analyze SESSION[:VARIANT]" for Linux
 * sessions, and the per-run report that "bootlens demo" prints.
 *
 * Per ok run (of the variant, when one is named): the phase table, the
 * slowest initcalls and the clock stitching (reports/lxreport.h). Runs
 * that are not ok are listed with their verdict and skipped; a Linux
 * session is never an error for lack of tslog records.
 */
#ifndef BOOTLENS_ANALYZE_SESSION_H
#define BOOTLENS_ANALYZE_SESSION_H

#include <stdbool.h>
#include <stddef.h>

struct analyze_session_opts {
        bool json;       /* one JSON document instead of tables */
        size_t top;      /* slowest initcalls per run */
        const char *map; /* phase map text, NULL: built-in Linux map */
        size_t map_len;
        /* a run whose capture holds no Linux log (a BSD tslog dump) goes
         * to other(its console path, ctx) in table mode, when set; it
         * returns an exit code */
        int (*other)(const char *path, void *ctx);
        void *ctx;
        size_t nwarnings; /* out: warnings over every analysed run */
        size_t nok;       /* out: ok runs analysed */
};

/* Whether ref names a session directory (DIR or DIR:VARIANT holding
 * session.json). */
bool analyze_is_session(const char *ref);

/* Analyse the session ref and print the report on stdout (errors on
 * stderr). Returns BL_EXIT_OK, BL_EXIT_FAIL when no ok run was found,
 * BL_EXIT_USAGE when the session cannot be read or the variant does not
 * exist. */
int analyze_session(const char *ref, struct analyze_session_opts *o);

#endif
