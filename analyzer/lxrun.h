/*
 * lxrun: one Linux boot, analysed: the kernel log parsed (dmesg.h), the
 * clocks stitched when host marks are known (stitch.h), the Linux phases
 * and call trees computed (analysis.h). What "bootlens analyze" does for a
 * Linux file or a session run, and what "bootlens demo" prints, in one
 * place.
 *
 * A session run is read from SESSION/runs/NNNN.console (the VirtIO
 * console, which holds the dump) with the final attempt's host marks from
 * runs/NNNN.json (collector/session.h). The guest's "@@bootlens mark"
 * lines, paired with the host's stamps of them when known, are in marks
 * (umarks.h), and each mark.NAME is a phase point (its first occurrence,
 * printk time) that a --phase-map may name. Everything belongs to the lxrun;
 * lxrun_free() releases it. Functions return 0 or a negative errno (-ENOENT
 * for a missing capture) and never print.
 */
#ifndef BOOTLENS_LXRUN_H
#define BOOTLENS_LXRUN_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/analysis.h"
#include "analyzer/dmesg.h"
#include "analyzer/stitch.h"
#include "analyzer/umarks.h"
#include "collector/session.h"

struct lxrun {
        struct ev_trace trace;
        struct dmesg_meta meta;
        struct stitch stitch;
        struct stitch_host host;
        bool has_host;         /* host marks were given: stitch is meaningful */
        struct phases *phases; /* the Linux map (or the caller's), with points */
        struct analysis analysis;
        struct umarks marks; /* user-space marks, console order */
        char *buf;           /* the capture */
        size_t len;
};

/*
 * Analyse buf[0..len) (ownership passes to r: it is freed by lxrun_free)
 * named source in messages. host may be NULL (no stitching). map_text
 * replaces the built-in Linux phase map when not NULL (an error in it is
 * -EINVAL with *err set, as phases_load_map). r is overwritten.
 */
int lxrun_analyse(struct lxrun *r, const char *source, char *buf, size_t len,
                  const struct stitch_host *host, const char *map_text, size_t map_len, char **err);

/* Read run's capture from session s and analyse it (as lxrun_analyse)
 * with the host marks of its final attempt; run is the run as read
 * (session_run_read), only read during the call. */
int lxrun_from_session(struct lxrun *r, const struct session *s, const struct session_run *run,
                       const char *map_text, size_t map_len, char **err);

void lxrun_free(struct lxrun *r); /* accepts a zeroed lxrun */

#endif
