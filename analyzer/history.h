/*
 * history: every stored session's per-run metrics, with its labels and
 * environment, in one database ("bootlens history"; docs/history-schema.md
 * has the schema and why it is shaped so).
 *
 * The store is SQLite (Debian's libsqlite3), one file. What one stored
 * thing is: an entry, one variant of one session (a session's id and a
 * variant name are its key: adding the same pair twice is -EEXIST, never
 * a duplicate). An entry holds
 *   - the session's environment (host CPU and kernel, QEMU, accelerator,
 *     the guest kernel's path, sha256 and version, the command line),
 *   - its labels: the session's own (collect --label) and the caller's
 *     (commit, branch, kernel, date, job: any KEY=VALUE; a caller's label
 *     replaces the session's of the same key),
 *   - one value per run used and metric: "total", "phase:NAME" for every
 *     phase, "fn:NAME" for the session's top HISTORY_TOP_FNS functions,
 *   - per metric a summary computed once, at add (n, median, the
 *     order-statistic 95% CI of the median as aggregate.h computes it,
 *     quartiles, min, max), so that reading never recomputes it.
 *
 * Which functions: the HISTORY_TOP_FNS with the largest median over the
 * entry's runs (a run without the function counts 0, as compare does),
 * ties by name. Twenty is compare's default top (COMPARE_TOP_DEFAULT), so
 * "history check" names the functions "compare" would; a Linux boot has
 * some 600 initcalls, and all of them would be 30 times the rows for
 * functions of a few microseconds. A function outside an entry's top has
 * no value in that entry: its series has a gap there (a point is missing,
 * never a 0 made up).
 *
 * The database: the schema's version is in table bootlens_meta
 * (schema_version; kind "bootlens-history") and the file's SQLite
 * application_id is HISTORY_APPLICATION_ID. Opening a file:
 *   - absent, with create: created with the current schema;
 *   - a bootlens history of an older version: migrated forward, in one
 *     transaction, before anything else;
 *   - of a newer version than this tool knows: refused (-EPROTO), not
 *     written to;
 *   - a SQLite database that is not a bootlens history (another
 *     application_id, or tables but no bootlens_meta), or not a SQLite
 *     database at all (corrupt, truncated, garbage): refused (-EINVAL),
 *     not written to. An empty file (0 bytes) counts as absent, and so
 *     does a SQLite database without a single table whose application_id
 *     is 0 or ours (what another process creating the history at this
 *     moment has written before its schema commits): with create the
 *     schema is made in it, else -ENOENT.
 *   Garbage and a truncated database (fewer bytes than its header's page
 *   count says, while no -wal file exists) are told from the file's first
 *   100 bytes before SQLite opens it. A refusal leaves no -wal or -shm
 *   file behind.
 * The journal is WAL (set once, at creation), and every connection waits
 * up to HISTORY_BUSY_MS for a lock, so two CI jobs adding at once both
 * commit (BOOTLENS_HISTORY_BUSY_MS in the environment overrides the
 * timeout, for tests). Every write (history_insert) is one BEGIN
 * IMMEDIATE transaction: it all lands or nothing does. Migrations: a
 * table of steps from version v to v + 1 in history.c, run forward in
 * one transaction (none exist at version 1).
 *
 * Reading: entries (history_list, filtered by labels), one metric's
 * series over entries (history_series, summaries only: fast), and the
 * run values of one entry and metric (history_values).
 *
 * Functions return 0 or a negative errno and never print; err (errsize
 * bytes, may be NULL) receives one line without a trailing newline that
 * names the database or the session and says what failed. -EIO is an
 * SQLite error (err has SQLite's message), -EBUSY a lock not had within
 * the busy timeout.
 */
#ifndef BOOTLENS_HISTORY_H
#define BOOTLENS_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/compare.h"
#include "analyzer/run.h"

#define HISTORY_SCHEMA_VERSION 1
#define HISTORY_APPLICATION_ID 0x424c4e53 /* "BLNS" */
#define HISTORY_TOP_FNS        COMPARE_TOP_DEFAULT
#define HISTORY_BUSY_MS        60000
/* The rows of one table an INSERT of history_insert() and history_push()
 * sends at most (run values, summaries, labels; the rest of an entry's in
 * one statement of its size): one round trip per batch, not per row. */
#define HISTORY_BATCH_ROWS 512

struct history; /* opaque: one open database */

/* Open the database at path (*h overwritten; history_close it). create:
 * make it when absent (else -ENOENT). Returns 0; -ENOENT; -EPROTO (a
 * newer schema: err names both versions); -EINVAL (not a bootlens
 * history, or not a database: err says which); -EIO; -EBUSY; -ENOMEM.
 * The file is not written to unless it was created or migrated. */
int history_open(const char *path, bool create, struct history **h, char *err, size_t errsize);
void history_close(struct history *h); /* accepts NULL */
/* The schema version of the open database (HISTORY_SCHEMA_VERSION after
 * open) and its path (borrowed). */
int history_schema_version(const struct history *h);
const char *history_path(const struct history *h);

struct history_label {
        char *key, *value; /* owned where the struct holding it says so */
};

/* "KEY=VALUE" into l (malloc'd copies). KEY: 1..64 bytes of [A-Za-z0-9_.-];
 * VALUE: up to 1024 bytes, no control characters. Returns 0, -EINVAL, -ENOMEM. */
int history_label_parse(const char *s, struct history_label *l);

/*
 * Kernel size (docs/history.md "Kernel size"): an entry whose session
 * recorded its variant's kernel image (session.json variants[i].image)
 * also holds "kernel:loaded" and "kernel:file", the image's loaded size
 * and its file's size in bytes, the same value for every run used. They
 * are of kind COMPARE_TOTAL (a whole-boot metric, never a phase or a
 * function: "history check" judges no metric of that kind but the
 * total's, so it never gates on a size). The unit is the name's: a
 * metric whose name starts with HISTORY_SIZE_PREFIX is in bytes, every
 * other in ns. No schema change: values are REAL either way.
 */
#define HISTORY_SIZE_PREFIX   "kernel:"
#define HISTORY_KERNEL_LOADED HISTORY_SIZE_PREFIX "loaded"
#define HISTORY_KERNEL_FILE   HISTORY_SIZE_PREFIX "file"

/* Whether the metric called name is a size in bytes (else a time in ns). */
bool history_metric_is_size(const char *name);

/* ---- adding ---- */

/* One metric of an entry being added. */
struct history_new_metric {
        char *name; /* "total", "phase:NAME", "fn:NAME" (owned) */
        enum compare_kind kind;
        char *phase; /* the phase a function ran in (metrics.h), or NULL (owned) */
        /* ns, one per run of the entry (runs[]); NAN: the run lacks it (not
         * stored). history_prepare() gives a function 0 in a run without
         * it (it did not run there), as compare does. (owned) */
        double *values;
};

/* An entry being added: what history_prepare() reads from a session, or
 * what a caller (a benchmark) fills itself. Every pointer owned. */
struct history_new {
        char *session_id, *variant;
        char *path;    /* the session directory, absolute; NULL: none */
        char *created; /* when collected, UTC "2026-11-25T01:57:34Z" */
        char *host_cpu, *host_kernel, *qemu_version, *accel; /* NULL: unknown */
        char *kernel_path, *kernel_sha256, *kernel_version;  /* NULL: unknown */
        char *cmdline;
        struct history_label *labels; /* in key order, keys distinct */
        size_t nlabels;
        size_t runs_recorded; /* runs of the variant in the session */
        size_t runs_ok;       /* of them ok */
        size_t runs_left_out; /* ok but starved, left out (exclude_starved) */
        unsigned *runs;       /* the run numbers used, ascending */
        size_t nruns;
        struct history_new_metric *m;
        size_t nm;
};
void history_new_free(struct history_new *e); /* frees e's content; accepts zeroed */

struct history_add_options {
        const struct history_label *labels; /* the caller's (--label), replacing the session's */
        size_t nlabels;
        const struct run_options *run; /* how each run is analysed (NULL: defaults) */
        size_t top;                    /* functions kept (0: HISTORY_TOP_FNS) */
        bool exclude_starved;          /* leave out runs the host starved */
};

/*
 * Read the session ref (DIR or DIR:VARIANT) into entries: one per variant
 * of DIR (a variant named: that one, else every variant in session.json's
 * order), each with its ok runs analysed through the one pipeline
 * (runset.h; with o->exclude_starved the starved ones left out and
 * counted in runs_left_out), its metrics (metrics_extract per run: the
 * total, every phase in map order, then the top o->top functions by
 * median over the runs used, absent as 0, ties by name; a total or phase
 * a run lacks is NAN there; a metric no run has is left out), and kernel_version from the variant's
 * kernel's bzImage header (vmlinux_kernel_version_file(), guest/
 * vmlinux.h) when the file is still there and has one (else NULL).
 * Labels, in key order: the session's (collect --label), replaced by o's
 * of the same key; then, when neither gives them, "kernel" = the
 * kernel_version (when known) and "date" = the date part of created
 * ("2026-11-25"). path is realpath(DIR) (NULL when that fails).
 * *v and *n overwritten (history_news_free). Returns 0;
 * what runset_open() returns (-ENOENT, -EINVAL: no session; -ESRCH: no
 * such variant); -ENODATA: a variant with no ok run (err names it);
 * -EMEDIUMTYPE: a variant collected with --kallsyms (COLLECT_KALLSYMS_ARG
 * on its command line: the transfer lengthens its power-off and total);
 * what analysing a run returns; -ENOMEM.
 */
int history_prepare(const char *ref, const struct history_add_options *o, struct history_new **v,
                    size_t *n, char *err, size_t errsize);
void history_news_free(struct history_new *v, size_t n); /* accepts NULL */

/*
 * Store v[0..n) in one transaction: every entry with its labels, values
 * and summaries, or none of them. ids (NULL or n entries) receives each
 * entry's id. Returns 0; -EEXIST when an entry's (session_id, variant) is
 * stored already (err names it; nothing stored); -EINVAL for an entry
 * that is not whole (no session_id, variant, created or run, a metric
 * with no name or values, a metric whose every value is NAN, the same
 * label key or metric name twice in one entry); err says which;
 * -EBUSY; -EIO; -ENOMEM. The rows go HISTORY_BATCH_ROWS a statement.
 */
int history_insert(struct history *h, const struct history_new *v, size_t n, int64_t *ids,
                   char *err, size_t errsize);

/* ---- reading ---- */

/* An entry as stored. Every pointer owned (history_entries_free). */
struct history_entry {
        int64_t id;
        char *session_id, *variant, *path, *created, *added; /* added: when stored, UTC */
        char *host_cpu, *host_kernel, *qemu_version, *accel; /* NULL: unknown */
        char *kernel_path, *kernel_sha256, *kernel_version;
        char *cmdline;
        struct history_label *labels; /* key order */
        size_t nlabels;
        size_t runs_recorded, runs_ok, runs_left_out, runs_used;
        /* internal: when not NULL, one allocation that holds labels and
         * every string above (what the store hands out); NULL: each is its
         * own malloc (an entry a caller built). history_entry_free knows. */
        void *block;
};
void history_entries_free(struct history_entry *v, size_t n); /* accepts NULL */
/* Free what e holds (one entry, as history_get fills it) and zero it;
 * accepts a zeroed entry. (Added by the store: history_get's entry had no
 * destructor.) */
void history_entry_free(struct history_entry *e);
/* The value of label key of e (borrowed), or NULL. The keys "session",
 * "variant", "created" and "kernel_version" name those fields when no
 * label of that key exists. */
const char *history_entry_label(const struct history_entry *e, const char *key);

/* Which entries: every where[i] (KEY=VALUE, history_entry_label's keys)
 * must match exactly. */
struct history_filter {
        const struct history_label *where;
        size_t nwhere;
};

/* The entries matching f (NULL: all), by created then id. *v, *n
 * overwritten. Returns 0, -EIO, -ENOMEM. */
int history_list(struct history *h, const struct history_filter *f, struct history_entry **v,
                 size_t *n);
/* The entry of id, or of a session: "ID" (digits), "SESSION_ID" (the
 * entry of its only variant) or "SESSION_ID:VARIANT". Returns 0, -ENOENT
 * (none), -EINVAL (a session id with several variants: name one), -EIO, -ENOMEM.
 * e is zeroed on error (history_entry_free it on success). */
int history_get(struct history *h, const char *spec, struct history_entry *e);

struct history_summary {
        size_t n;                                                     /* runs with a value */
        double median, ci_lo, ci_hi, ci_coverage, q25, q75, min, max; /* ns */
};

/* One metric of an entry, with its summary. */
struct history_metric {
        char *name; /* (owned) */
        enum compare_kind kind;
        char *phase; /* (owned) or NULL */
        struct history_summary s;
};
/* Every metric of entry id with its summary: total, phases (in the order
 * they were added), functions (by median descending). Returns 0, -ENOENT,
 * -EIO, -ENOMEM. */
int history_entry_metrics(struct history *h, int64_t id, struct history_metric **v, size_t *n);
void history_metrics_free(struct history_metric *v, size_t n); /* accepts NULL */

/* The metric names stored in any entry matching f (NULL: all): "total",
 * then phases (by first sight), then functions (by name). *names (each
 * and the array malloc'd), *n overwritten. Returns 0, -EIO, -ENOMEM. */
int history_metric_names(struct history *h, const struct history_filter *f, char ***names,
                         size_t *n);
void history_names_free(char **names, size_t n);

/* One point of a series: an entry that has the metric. */
struct history_point {
        struct history_entry e;
        const char *by; /* e's value of the series' by label (borrowed from e), or NULL */
        struct history_summary s;
};

struct history_series {
        char *metric; /* (owned) */
        enum compare_kind kind;
        struct history_point *v;
        size_t n;
        size_t nmissing_label;  /* matching entries that have the metric but not the by label */
        size_t nmissing_metric; /* matching entries without the metric */
};

/*
 * The series of metric ("total", "phase:NAME", "fn:NAME") over the
 * entries matching f, summaries only. Order: with by (a label key), by
 * its value in version order (strverscmp), ties by created then id;
 * entries without the label are left out (counted); without by, by
 * created then id. s overwritten (history_series_free, also on error).
 * Returns 0 (n may be 0), -EIO, -ENOMEM.
 */
int history_series(struct history *h, const char *metric, const struct history_filter *f,
                   const char *by, struct history_series *s);
void history_series_free(struct history_series *s); /* accepts zeroed */

/* The run values (ns) of metric in entry id, in run order, into *v
 * (malloc'd; NULL when *n is 0). Returns 0 (n 0: the entry lacks it),
 * -EIO, -ENOMEM. */
int history_values(struct history *h, int64_t id, const char *metric, double **v, size_t *n);

/* ---- pushing (history push, the spool) ---- */

/*
 * Copy entry id of src into dst, as stored: its fields (created and
 * added among them), labels, run values (with their run numbers) and
 * summaries (not recomputed), in one write transaction of dst; its id in
 * dst is dst's own (*dst_id, may be NULL). src and dst are any two open
 * histories, of any backend. Returns 0; -EEXIST when dst holds the
 * entry's (session_id, variant) already (err says so; dst unchanged);
 * -ENOENT (src has no entry id); what reading src or writing dst
 * returns (-EBUSY, -EIO, ...; err names the database), dst unchanged.
 */
int history_copy_entry(struct history *dst, struct history *src, int64_t id, int64_t *dst_id,
                       char *err, size_t errsize);

struct history_push_options {
        /* called for each entry that could not be copied (e borrowed, rc
         * what history_copy_entry returned, err its message); may be NULL */
        void (*failed)(void *arg, const struct history_entry *e, int rc, const char *err);
        void *arg;
};

struct history_push_result {
        size_t pushed;  /* copied into dst */
        size_t present; /* in dst already (the same session_id and variant): skipped */
        size_t failed;  /* not copied: an error (o->failed told each) */
};

/*
 * Every entry of src (by created, then id) into dst, one
 * history_copy_entry() each: an entry dst holds already is skipped and
 * counted, so a second push adds nothing; an entry that fails is left
 * out (its transaction rolled back), counted and told to o->failed, and
 * the others are still pushed. *r overwritten. Returns 0 when none
 * failed; else the first failure's -errno (err has its message);
 * -ENOMEM stops at once; listing src failing is that error, nothing
 * pushed.
 */
int history_push(struct history *dst, struct history *src, const struct history_push_options *o,
                 struct history_push_result *r, char *err, size_t errsize);

/* ---- the spool (collect --history when the database cannot be reached) ---- */

/*
 * Whether rc, what history_open() or a write returned, says the database
 * cannot be reached now (a server down or away: -ECONNREFUSED,
 * -EHOSTUNREACH, -ETIMEDOUT, -ENETUNREACH), or the connection was lost
 * during the write (-ECONNRESET, -EPIPE: the server stopped; whether
 * the commit was done is unknown, and spooling is safe because push
 * skips what the database holds), so that collect --history spools the
 * session rather than fail. A SQLite file never is.
 */
bool history_unreachable(int rc);

/* The spool's file name, and where it is by default (docs/history.md,
 * "The spool"): $XDG_STATE_HOME/bootlens/spool.sqlite when
 * XDG_STATE_HOME is an absolute path, else
 * $HOME/.local/state/bootlens/spool.sqlite. *path malloc'd (its
 * directory may not exist yet). Returns 0, -ENOENT (neither is set),
 * -ENOMEM. */
#define HISTORY_SPOOL_NAME "spool.sqlite"
int history_spool_default(char **path);

/* A test hook, standing in for a server that is down in the tests that
 * run without one (tests/pg/history_server_stop.sh stops a real server):
 * history_open() of exactly
 * the path this environment variable holds returns -ECONNREFUSED (err:
 * "PATH: cannot connect: Connection refused (BOOTLENS_HISTORY_UNREACHABLE)")
 * and touches nothing. */
#define HISTORY_UNREACHABLE_ENV "BOOTLENS_HISTORY_UNREACHABLE"

#endif
