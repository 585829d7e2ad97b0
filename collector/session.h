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
 * This module is the one owner of the format: it writes and reads both
 * files behind the plain structs below (JSON stays inside session.c).
 * Functions return 0 (or a count) or a negative errno and never print.
 */
#ifndef BOOTLENS_SESSION_H
#define BOOTLENS_SESSION_H

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
        /* "append-=WORDS": each word is dropped from the command line the
         * variant starts from (the default line, --append's words, or
         * append='s), every occurrence, compared whole ("quiet" drops
         * "quiet", never "quietly"; "tsc_early_khz" drops no
         * "tsc_early_khz=123": give the whole word). Applied before
         * append+= adds its words. NULL-terminated (never NULL after a
         * parse). */
        char **append_remove;
        size_t nappend_remove;
        /* "timing=host": the variant is timed by the host alone, spawn to
         * QEMU's exit: a run whose QEMU exits by itself with status 0
         * before the timeout is ok without a dump (a guest that powers off
         * at once, docs/sweep.md "host-timed knobs"). "timing=dump" is the
         * default. */
        bool host_timed;
        char **qemu_args; /* NULL-terminated (never NULL after a parse) */
        size_t nqemu_args;
};

/* Parse spec into v (free with session_variant_free). Keys: append+=,
 * append=, append-=, qemu+=, kernel=, initrd=, timing=; ARGS are split on
 * spaces, never given to a shell. NAME is 1-63 of [A-Za-z0-9._-]. On
 * -EINVAL, err (if not NULL) says what is wrong. Returns 0, -EINVAL or
 * -ENOMEM. */
int session_variant_parse(const char *spec, struct session_variant *v, char *err, size_t errsize);
void session_variant_free(struct session_variant *v);

/* Apply src on top of dst, as when both specs were given in one, src's
 * keys after dst's (a cumulative sweep's step): append+= words are
 * appended; append-= words are added; append= replaces dst's append and
 * its append+= words (append_replace set); qemu+= arguments are appended;
 * kernel=, initrd= given in src win; timing=host in either stays. dst's
 * name is kept. Returns 0 or -ENOMEM (dst is then unchanged). */
int session_variant_merge(struct session_variant *dst, const struct session_variant *src);

/* The command line of variant v over base (the session's line for its
 * kernel): base, or v's append= line, with v's append-= words dropped and
 * then v's append+= words added. Without append-= the line is base (or
 * append='s) and v->append joined by one space, byte for byte as before
 * append-= existed; with it, the words kept are joined by one space. A word
 * of append-= that the line lacks is no error here (see
 * session_variant_missing()). With append=, v->append already holds the
 * append+= words that followed it, so append-= can drop them too.
 * malloc'd; NULL on -ENOMEM. */
char *session_variant_line(const char *base, const struct session_variant *v);

/* The first word of v's append-= that the line v starts from (base, or
 * its append= line) does not hold, compared whole; NULL when every one is
 * there. Borrowed from v. collect refuses such a variant (a typo would
 * otherwise be a silent no-op). */
const char *session_variant_missing(const char *base, const struct session_variant *v);

/* ---- verdicts ---- */

/* What became of a run (docs/session.md, "Verdicts"). */
enum session_verdict {
        SESSION_OK,
        SESSION_TIMEOUT,
        SESSION_CRASH,
        SESSION_BAD_DUMP,
        SESSION_WARMUP,
};

/* "ok", "timeout", "crash", "bad-dump", "warmup" ("?" for no verdict). */
const char *session_verdict_name(enum session_verdict v);
/* Returns 0 or -EINVAL. */
int session_verdict_parse(const char *s, enum session_verdict *v);

/* ---- session.json ---- */

/*
 * session.json as plain C. Read (session_info()), every pointer is
 * borrowed from the session and lives as long as it; written
 * (session_create()), every pointer is the caller's. A NULL string is
 * JSON null (or an absent key where docs/session.md says "absent").
 */
struct session_file {
        const char *path; /* NULL: no file (initrd: null) */
        uint64_t size;
        const char *sha256; /* 64 lowercase hex digits */
};

struct session_host {
        const char *hostname;
        const char *cpu_model; /* NULL: unknown */
        long cpus;
        const char *os, *kernel, *arch; /* uname(2); NULL: absent */
        const char *qemu_binary, *qemu_version;
        const char *accel;           /* what every run used */
        const char *accel_requested; /* what --accel said */
        const char *accel_note;      /* why auto fell back from kvm; NULL: none */
        uint64_t tsc_khz;            /* 0: not measured (null) */
};

/*
 * The ranges of collect's numeric settings: its options (-n, --warmup,
 * --timeout, --retries) and session.json's settings are checked against
 * this one table, so a session read back holds only what the command line
 * accepts.
 */
enum session_setting {
        SESSION_SET_RUNS,
        SESSION_SET_WARMUP,
        SESSION_SET_TIMEOUT_S,
        SESSION_SET_RETRIES,
        SESSION_NSETTINGS,
};

struct session_setting_range {
        const char *key;    /* in session.json's "settings" */
        const char *option; /* collect's option */
        uint64_t min, max;
};

extern const struct session_setting_range session_setting_ranges[SESSION_NSETTINGS];

/* Returns 0 when v is in the range of setting which, else -ERANGE. */
int session_setting_check(enum session_setting which, uint64_t v);

struct session_settings {
        uint64_t runs, warmup, timeout_s, retries;
        bool interleave;
        const char *append; /* NULL: none */
        bool bare_append;
        char *const *qemu_args; /* the user's, after -- */
        size_t nqemu_args;
};

struct session_label {
        const char *key, *value;
};

/*
 * The variant's kernel image as collect read it (guest/kimage.h) at the
 * start of the session: session.json's variants[i].image (docs/session.md).
 * Absent or null in older sessions and when the kernel could not be read
 * as an image (a stand-in file of a test): known is false, why says why
 * (NULL when absent).
 */
struct session_kimage {
        bool known;
        const char *format;   /* "elf", "bzimage" */
        const char *entry;    /* "pvh", "bzimage", "none" (kimage_entry_name) */
        uint64_t file_size;   /* the kernel file's bytes */
        uint64_t loaded_size; /* the ELF's SHF_ALLOC sections (a bzImage's payload's) */
        const char *build_id; /* lowercase hex; NULL: none */
        bool pvh;             /* the ELF (a bzImage's payload) has the PVH note */
        const char *comp;     /* a bzImage's payload compression (vmlinux_comp_name); NULL */
        uint64_t comp_size;   /* its compressed bytes; 0 for an ELF */
        const char *why;      /* known false: why it could not be read; NULL */
};

/* What one variant boots, as recorded. */
struct session_variant_info {
        const char *name;
        struct session_file kernel, initrd;
        const char *cmdline;
        char *const *qemu_args; /* variant's, then the user's */
        size_t nqemu_args;
        char *const *argv; /* the whole QEMU argv (fds as 3 and 4); NULL: not recorded */
        size_t nargv;
        bool host_timed; /* timing=host (absent in session.json: false) */
        struct session_kimage image;
};

struct session_plan_entry {
        unsigned run;   /* i + 1 for plan[i] */
        size_t variant; /* index into variants */
        bool warmup;
};

struct session_info {
        const char *id, *created; /* session_id; UTC, "2026-11-25T01:57:34Z" */
        const char *tool_name, *tool_version;
        struct session_host host;
        struct session_settings settings;
        const struct session_label *labels;
        size_t nlabels;
        const struct session_variant_info *variants;
        size_t nvariants;
        const struct session_plan_entry *plan;
        size_t nplan;
};

/* ---- runs/NNNN.json ---- */

/* Host marks of an attempt, CLOCK_MONOTONIC ns; 0: it did not happen. */
struct session_host_marks {
        uint64_t spawn;              /* just before posix_spawn */
        uint64_t first_console_byte; /* the first read that returned bytes */
        uint64_t first_serial_byte;
        uint64_t dump_begin; /* the begin line's newline arrived */
        uint64_t dump_end;   /* the end line's newline arrived */
        uint64_t exit;       /* QEMU reaped */
};

/* A "@@bootlens mark" line of the console. */
struct session_mark {
        char *name;
        uint64_t host_ns;   /* when its newline arrived */
        uint64_t uptime_ns; /* what the guest said (0: nothing) */
        size_t offset;      /* the line's first byte in the console capture */
};

enum session_exit_how {
        SESSION_EXIT_NOT_STARTED, /* exit_error says why */
        SESSION_EXIT_EXITED,      /* exit_code */
        SESSION_EXIT_SIGNALED,    /* exit_signal */
};

/*
 * How long QEMU's threads waited for a host CPU while it ran
 * (collector/hostsched.h): the host scheduler's run delay, summed over
 * every thread seen. JSON null when the host keeps no such account, and
 * absent when nobody looked (a run file of an older bootlens, a QEMU that
 * never started). Without available the counts are 0 but mean
 * "unknown", never "no wait".
 */
struct session_sched {
        bool looked;           /* the collector tried (false: the key is absent) */
        bool available;        /* it got an account (false: null) */
        uint64_t run_delay_ns; /* runnable, waiting on a runqueue */
        uint64_t on_cpu_ns;    /* running */
        unsigned threads;      /* distinct threads seen */
        unsigned samples;      /* times they were read */
};

/* One boot of a run. */
struct session_attempt {
        unsigned attempt; /* 1-based */
        enum session_verdict verdict;
        char *reason; /* "" when none */
        char *accel;
        char *console_file, *serial_file, *qemu_log_file; /* names inside runs/ */
        struct session_host_marks host;
        size_t off_dump_begin; /* console offsets of the lines' first bytes, */
        size_t off_dump_end;   /* valid when host.dump_begin / dump_end is set */
        struct session_mark *marks;
        size_t nmarks;
        uint64_t console_bytes, serial_bytes;
        bool console_truncated;
        bool has_dump;       /* a begin line was seen; then: */
        char *dump_status;   /* the framing check, "ok" or what failed */
        uint64_t dump_bytes; /* bytes the dump holds */
        uint32_t dump_crc32;
        enum session_exit_how exit_how;
        int exit_code, exit_signal;
        char *exit_error; /* SESSION_EXIT_NOT_STARTED: strerror() of the spawn */
        int signal_sent;  /* the last signal bootlens sent QEMU, or 0 */
        bool timed_out, kvm_internal_error;
        uint64_t wall_ns; /* exit - spawn; 0: unknown */
        uint64_t cpu_qemu_user_ns, cpu_qemu_system_ns;
        uint64_t cpu_collector_user_ns, cpu_collector_system_ns;
        struct session_sched sched;
        int loadavg_1m_centi; /* /proc/loadavg's first field at spawn, x100; -1: unknown (absent) */
        unsigned cpus_online; /* online host CPUs at spawn; 0: unknown (absent) */
};

/*
 * Starved by the host (docs/contention.md): QEMU's threads waited for a
 * CPU for more than SESSION_STARVED_FRACTION_PCT percent of the attempt's
 * wall time (spawn to exit) and more than SESSION_STARVED_MIN_NS in all.
 * An attempt without the account (sched not available) or without a wall
 * time is not called starved: session_attempt_contention() tells it apart.
 */
#define SESSION_STARVED_FRACTION_PCT 5
#define SESSION_STARVED_MIN_NS       10000000ull /* 10 ms */

enum session_contention {
        SESSION_CONTENTION_UNKNOWN, /* no run delay recorded, or no wall time */
        SESSION_CONTENTION_NONE,
        SESSION_CONTENTION_STARVED,
};

enum session_contention session_attempt_contention(const struct session_attempt *a);
/* session_attempt_contention(a) == SESSION_CONTENTION_STARVED. */
bool session_attempt_starved(const struct session_attempt *a);

/* One run: runs/NNNN.json. Every pointer is owned (session_run_free()). */
struct session_run {
        unsigned run;
        char *variant;
        bool warmup;
        enum session_verdict verdict;     /* the final attempt's (warmup for an ok warm-up) */
        char *reason;                     /* "" when none */
        char *started;                    /* UTC */
        uint64_t boot_ns;                 /* final attempt: spawn to dump begin; 0: no dump */
        struct session_attempt *attempts; /* in order; the last is final */
        size_t nattempts;
        /* collect -j N: the slot (0..N-1) that booted it and the host CPU
         * its QEMU was pinned to; -1 (absent in the run file): not pinned /
         * an older run file or -j 1. */
        int slot, cpu;
};

/* The final attempt, or NULL when there is none. */
const struct session_attempt *session_run_final(const struct session_run *r);

/* ---- reading ---- */

struct session; /* opaque */

/* Open DIR/session.json. Returns 0, -ENOENT when there is none, -EINVAL
 * when it is not a bootlens session (bad JSON, kind or schema_version, a
 * field of the wrong type; err says which), -ENOMEM. */
int session_open(const char *dir, struct session **s, char *err, size_t errsize);
void session_free(struct session *s); /* accepts NULL */

const char *session_dir(const struct session *s);
/* session.json (borrowed from s). */
const struct session_info *session_info(const struct session *s);
size_t session_variant_count(const struct session *s);
/* The i-th variant's name and command line (borrowed), or NULL. */
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
/* Recorded runs of the plan (runs/NNNN.json present, NNNN in 1..planned),
 * ascending (*runs malloc'd). Returns the count or -errno. */
int session_list_runs(const struct session *s, unsigned **runs);
/* Run files outside the plan (e.g. a stray runs/0099.json in a session of
 * ten runs): never runs of the session, session_run_read() refuses them;
 * listed so that a command can warn. Like session_list_runs(). */
int session_list_strays(const struct session *s, unsigned **runs);
/* Read runs/NNNN.json into *out (session_run_free() it; on error there is
 * nothing to free). Returns 0, -ENOENT when the run was not recorded,
 * -EINVAL when malformed or not the planned run (bad JSON, schema_version
 * or kind; a missing run, variant, verdict or attempt; a field of the
 * wrong type or a negative number; a run outside the plan, a run number
 * other than its file name's, a variant other than the plan's,
 * attempts numbered other than 1, 2 ...: err, if not NULL, says which and where),
 * -ENOMEM. */
int session_run_read(const struct session *s, unsigned run, struct session_run *out, char *err,
                     size_t errsize);
void session_run_free(struct session_run *r); /* accepts NULL and a zeroed run */

/* Split "SESSION:VARIANT" at the last ':' when the left part is a session
 * directory (holds session.json); otherwise the whole string is the
 * directory and *variant is NULL. Both malloc'd. Returns 0 or -ENOMEM. */
int session_split_ref(const char *ref, char **dir, char **variant);

/* ---- writing ---- */

/* Create DIR and DIR/runs and write info as DIR/session.json. Returns 0,
 * -EEXIST when DIR already holds a session, -EINVAL when a plan entry
 * names no variant or a setting is outside session_setting_ranges, -ENOMEM (also for a string that
 * is not UTF-8) or -errno; on failure no session.json is written. */
int session_create(const char *dir, const struct session_info *info);
/* Take DIR/.lock (flock) so that one collector works on a session at a
 * time; *fd holds it until closed. Returns 0, -EBUSY, -errno. */
int session_lock(const char *dir, int *fd);
/* Remove temporary files an interrupted writer left in DIR/runs. Returns
 * the count removed or -errno. */
int session_clean_temp(const char *dir);
/* Write runs/NNNN<suffix> whole. Returns 0 or -errno. */
int session_write_capture(const char *dir, unsigned run, const char *suffix, const void *data,
                          size_t len);
/* Write r as runs/NNNN.json (NNNN: r->run) whole: from then on the run
 * counts as recorded. Every field is written; on any failure (-ENOMEM,
 * also for a string that is not UTF-8, or -errno) nothing is: a run file
 * is whole or absent. A run without a variant or an attempt is -EINVAL. */
int session_run_write(const char *dir, const struct session_run *r);

/* ---- helpers ---- */

/* sha256 of a file as 64 lowercase hex digits (hex[65]) and its size.
 * Returns 0 or -errno. */
int session_file_sha256(const char *path, char hex[65], uint64_t *size);
/* A fresh session id: UTC time and 32 random bits, "20260101T120000Z-1a2b3c4d". */
void session_new_id(char id[32]);

#endif
