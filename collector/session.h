/*
 * session: the session directory that "bootlens collect" writes and every
 * later command reads (format: docs/session.md).
 *
 *   SESSION/session.json          what was booted, how, on what host; the plan
 *   SESSION/runs/NNNN.json        one run: verdict, host marks, every attempt
 *   SESSION/runs/NNNN.console     final attempt's VirtIO console, verbatim
 *   SESSION/runs/NNNN.serial      final attempt's serial port, verbatim
 *   SESSION/runs/NNNN.qemu.log    final attempt's QEMU stdout+stderr
 *   SESSION/runs/NNNN.aK.console  (.serial, .qemu.log) earlier attempt K
 *
 * Every file is written whole (util_write_file_atomic): a run's JSON is
 * written after its captures, so a run exists exactly when its JSON does.
 * session.json is written once, when the session is created.
 *
 * JSON values are jansson objects; "borrowed" ones belong to the session
 * and live as long as it. Functions return 0 (or a count) or a negative
 * errno and never print.
 */
#ifndef BOOTLENS_SESSION_H
#define BOOTLENS_SESSION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SESSION_SCHEMA_VERSION 1
#define SESSION_KIND           "bootlens-session"
#define SESSION_RUN_KIND       "bootlens-run"

/* ---- variants: "NAME: append+=ARGS; qemu+=ARGS; kernel=PATH; initrd=PATH" ---- */

struct session_variant {
        char *name;
        char *kernel;        /* NULL: the session's */
        char *initrd;        /* NULL: the session's */
        char *append;        /* NULL: nothing added; words joined by one space */
        bool append_replace; /* "append=ARGS": replaces the command line */
        char **qemu_args;    /* NULL-terminated (never NULL after a parse) */
        size_t nqemu_args;
};

/* Parse spec into v (free with session_variant_free). Keys: append+=,
 * append=, qemu+=, kernel=, initrd=; ARGS are split on spaces, never given
 * to a shell. NAME is 1-63 of [A-Za-z0-9._-]. On -EINVAL, err (if not
 * NULL) says what is wrong. Returns 0, -EINVAL or -ENOMEM. */
int session_variant_parse(const char *spec, struct session_variant *v, char *err, size_t errsize);
void session_variant_free(struct session_variant *v);

/* ---- reading ---- */

struct session; /* opaque */

/* Open DIR/session.json. Returns 0, -ENOENT when there is none, -EINVAL
 * when it is not a bootlens session (bad JSON, kind or schema_version;
 * err says which), -ENOMEM. */
int session_open(const char *dir, struct session **s, char *err, size_t errsize);
void session_free(struct session *s); /* accepts NULL */

const char *session_dir(const struct session *s);
/* The whole session.json (borrowed). */
json_t *session_meta(const struct session *s);
size_t session_variant_count(const struct session *s);
/* The i-th variant's object in session.json: name, kernel{path,size,
 * sha256}, initrd, cmdline, qemu_args (borrowed), or NULL. */
json_t *session_variant(const struct session *s, size_t i);
const char *session_variant_name(const struct session *s, size_t i);
const char *session_variant_cmdline(const struct session *s, size_t i);
/* Index of the variant called name, or -ENOENT. */
int session_variant_index(const struct session *s, const char *name);
/* Runs the plan holds (warm-ups included); run numbers are 1..count. */
size_t session_planned_runs(const struct session *s);
/* Planned run number run: its variant index and whether it is a warm-up.
 * Returns 0 or -ENOENT. */
int session_plan(const struct session *s, unsigned run, size_t *variant, bool *warmup);

/* DIR/runs/NNNN<suffix> (malloc'd), e.g. suffix ".console", ".a1.serial".
 * Returns 0 or -ENOMEM. */
int session_run_path(const char *dir, unsigned run, const char *suffix, char **path);
/* Whether run's JSON exists (the run was recorded). */
bool session_run_done(const struct session *s, unsigned run);
/* Recorded runs, ascending (*runs malloc'd). Returns the count or -errno. */
int session_list_runs(const struct session *s, unsigned **runs);
/* Load runs/NNNN.json into *run (caller json_decref()s). Returns 0,
 * -ENOENT when the run was not recorded, -EINVAL when malformed. */
int session_load_run(const struct session *s, unsigned run, json_t **out);

/* The fields of a run everyone needs. Strings point into run. */
struct session_run_info {
        unsigned run;
        const char *variant;
        const char *verdict; /* "ok", "timeout", "crash", "bad-dump", "warmup" */
        const char *reason;  /* "" when none */
        bool warmup;
        unsigned attempts;
        uint64_t boot_ns; /* spawn to dump begin line, 0: no dump */
        json_t *final;    /* the final attempt (attempts[-1]), borrowed */
};
/* Returns 0 or -EINVAL when run lacks a field. */
int session_run_info(json_t *run, struct session_run_info *info);
/* A host mark (CLOCK_MONOTONIC ns) of an attempt: "spawn",
 * "first_console_byte", "first_serial_byte", "dump_begin", "dump_end",
 * "exit". Returns 0 or -ENOENT when it did not happen. */
int session_attempt_mark(json_t *attempt, const char *name, uint64_t *ns);

/* Split "SESSION:VARIANT" at the last ':' when the left part is a session
 * directory (holds session.json); otherwise the whole string is the
 * directory and *variant is NULL. Both malloc'd. Returns 0 or -ENOMEM. */
int session_split_ref(const char *ref, char **dir, char **variant);

/* ---- writing ---- */

/* Create DIR and DIR/runs and write meta as DIR/session.json (meta gets
 * schema_version and kind if it lacks them). Returns 0, -EEXIST when DIR
 * already holds a session, or -errno. */
int session_create(const char *dir, json_t *meta);
/* Take DIR/.lock (flock) so that one collector works on a session at a
 * time; *fd holds it until closed. Returns 0, -EBUSY, -errno. */
int session_lock(const char *dir, int *fd);
/* Remove temporary files an interrupted writer left in DIR/runs. Returns
 * the count removed or -errno. */
int session_clean_temp(const char *dir);
/* Write runs/NNNN<suffix> whole. Returns 0 or -errno. */
int session_write_capture(const char *dir, unsigned run, const char *suffix, const void *data,
                          size_t len);
/* Write runs/NNNN.json whole (adds schema_version and kind): from then on
 * the run counts as recorded. Returns 0 or -errno. */
int session_write_run(const char *dir, unsigned run, json_t *run_json);

/* ---- helpers ---- */

/* sha256 of a file as 64 lowercase hex digits (hex[65]) and its size.
 * Returns 0 or -errno. */
int session_file_sha256(const char *path, char hex[65], uint64_t *size);
/* A fresh session id: UTC time and 32 random bits, "20260101T120000Z-1a2b3c4d". */
void session_new_id(char id[32]);

#endif
