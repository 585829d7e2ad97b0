/*
 * sweep: the plan of "bootlens sweep" (docs/sweep.md). Knobs ("NAME:
 * SPEC", SPEC in the --variant syntax of session.h, or a built-in
 * preset's) become the variants of one interleaved session:
 *
 *   each:        "base", then every knob alone on top of the baseline;
 *                each step is compared against "base".
 *   cumulative:  "base", then knob 1, then knobs 1+2, ... in the order
 *                given (session_variant_merge()); step k is compared
 *                against step k - 1. The variant of step k is named after
 *                the knob it adds.
 *
 * A host-timed knob (timing=host, e.g. the cost of the instrumentation)
 * is always compared against the baseline by the host's total alone, in
 * either mode, and never carried into later cumulative steps.
 *
 * The plan is written beside session.json as SESSION/sweep.json (kind
 * "bootlens-sweep", schema_version SWEEP_SCHEMA_VERSION, format in
 * docs/sweep.md), so that analyze, compare, plot and report know a sweep
 * session. This module owns that file; JSON stays inside sweep.c.
 * Functions return 0 or a negative errno and never print; an err buffer
 * of errsize bytes receives the reason of a failure (NULL only with
 * errsize 0).
 */
#ifndef BOOTLENS_COLLECTOR_SWEEP_H
#define BOOTLENS_COLLECTOR_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

#include "collector/session.h"

#define SWEEP_SCHEMA_VERSION 1
#define SWEEP_KIND           "bootlens-sweep"
#define SWEEP_FILE           "sweep.json"
#define SWEEP_BASELINE       "base"
#define SWEEP_MAX_KNOBS      32

enum sweep_mode { SWEEP_EACH, SWEEP_CUMULATIVE };

/* "each", "cumulative". */
const char *sweep_mode_name(enum sweep_mode m);
int sweep_mode_parse(const char *s, enum sweep_mode *m); /* 0 or -EINVAL */

struct sweep_knob {
        char *name;               /* 1-63 of [A-Za-z0-9._-], not "base" */
        char *spec;               /* the SPEC as given, after "NAME:" (trimmed) */
        struct session_variant v; /* spec parsed, v.name = name */
        char *about;              /* a preset's one-line description; NULL for --knob */
};

/* Parse "NAME: SPEC" (as --variant, the same keys) into k (free with
 * sweep_knob_free). Returns 0, -EINVAL (err says why), -ENOMEM. */
int sweep_knob_parse(const char *arg, struct sweep_knob *k, char *err, size_t errsize);
void sweep_knob_free(struct sweep_knob *k);

/* A built-in preset: its knobs, in the order of a cumulative campaign. */
struct sweep_preset_knob {
        const char *name, *spec, *about;
        /* the spec names a file the sweep must make first: "@vmlinux" in
         * spec is replaced by the vmlinux unwrapped from --kernel (guest
         * vmlinux), "@bare-initrd" by an initramfs whose init powers off
         * at once (guest initrd --poweroff) */
        bool needs_vmlinux, needs_bare_initrd;
};
struct sweep_preset {
        const char *name; /* "linux-microvm" */
        const char *about;
        const struct sweep_preset_knob *knobs;
        size_t nknobs;
};
/* The presets, NULL-terminated by name. */
extern const struct sweep_preset sweep_presets[];
const struct sweep_preset *sweep_preset_find(const char *name);

/* One variant of the sweep session. */
struct sweep_step {
        char *variant;   /* session variant name: "base" or the knob's name */
        char *knob;      /* the knob it adds; NULL for the baseline */
        size_t against;  /* index of the step it is compared against (0 for step 0) */
        bool host_timed; /* compared by the host's total alone */
};

struct sweep_plan {
        enum sweep_mode mode;
        char *preset; /* NULL: none */
        struct sweep_knob *knobs;
        size_t nknobs;
        struct sweep_step *steps; /* steps[0] is the baseline */
        size_t nsteps;
        /* the variants to collect, steps[i] booting variants[i] (owned) */
        struct session_variant *variants;
        size_t nvariants;
};

/* Build p (overwritten; sweep_plan_free it, also on error) from knobs
 * (copied) and the mode. Knob names must be distinct and not "base".
 * Returns 0, -EINVAL (err says why: no knob, a duplicate name, too many),
 * -ENOMEM. */
int sweep_plan_build(struct sweep_plan *p, enum sweep_mode mode, const struct sweep_knob *knobs,
                     size_t nknobs, const char *preset, char *err, size_t errsize);
void sweep_plan_free(struct sweep_plan *p);

/* Write p as DIR/sweep.json, whole (util_write_file_atomic). Returns 0
 * or -errno. */
int sweep_write(const char *dir, const struct sweep_plan *p);
/* Read DIR/sweep.json into p (steps and knobs with name and spec; the
 * variants are not rebuilt). Returns 0, -ENOENT when DIR is no sweep
 * session, -EINVAL when the file is malformed or does not match the
 * session's variants (err names the file and field), -ENOMEM. */
int sweep_read(const char *dir, struct sweep_plan *p, char *err, size_t errsize);

#endif
