/*
 * history: the store of stored sessions (analyzer/history.h); the schema
 * and why it is shaped so: docs/history-schema.md. Every query goes
 * through the database seam (analyzer/histdb.h: SQLite today, PostgreSQL
 * next; docs/history-backends.md), never to a database library itself.
 */
#include "analyzer/history.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/aggregate.h"
#include "analyzer/histdb.h"
#include "analyzer/metrics.h"
#include "analyzer/runset.h"
#include "analyzer/stats.h"
#include "base/util.h"
#include "collector/collect.h"
#include "collector/session.h"
#include "guest/vmlinux.h"

#define HISTORY_KIND    "bootlens-history"
#define LABEL_KEY_MAX   64
#define LABEL_VALUE_MAX 1024

/* ---- the schema ---- */

/* Version 1, for every backend: @ID@, @REF@ and @NOROWID@ are the words
 * the backend supplies (histdb_word(): SQLite's INTEGER PRIMARY KEY rowid
 * and WITHOUT ROWID, PostgreSQL's identity column; docs/history-schema.md). */
static const char schema_v1[] =
    "CREATE TABLE bootlens_meta (\n"
    "  key TEXT PRIMARY KEY,\n"
    "  value TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE entries (\n"
    "  id @ID@,\n"
    "  session_id TEXT NOT NULL,\n"
    "  variant TEXT NOT NULL,\n"
    "  path TEXT,\n"
    "  created TEXT NOT NULL,\n"
    "  added TEXT NOT NULL,\n"
    "  host_cpu TEXT,\n"
    "  host_kernel TEXT,\n"
    "  qemu_version TEXT,\n"
    "  accel TEXT,\n"
    "  kernel_path TEXT,\n"
    "  kernel_sha256 TEXT,\n"
    "  kernel_version TEXT,\n"
    "  cmdline TEXT,\n"
    "  runs_recorded INTEGER NOT NULL,\n"
    "  runs_ok INTEGER NOT NULL,\n"
    "  runs_left_out INTEGER NOT NULL,\n"
    "  runs_used INTEGER NOT NULL,\n"
    "  UNIQUE (session_id, variant)\n"
    ");\n"
    "CREATE TABLE labels (\n"
    "  entry @REF@ NOT NULL REFERENCES entries (id) ON DELETE CASCADE,\n"
    "  key TEXT NOT NULL,\n"
    "  value TEXT NOT NULL,\n"
    "  PRIMARY KEY (entry, key)\n"
    ");\n"
    "CREATE INDEX labels_key_value ON labels (key, value);\n"
    "CREATE TABLE metrics (\n"
    "  id @ID@,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  kind INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE run_values (\n"
    "  metric @REF@ NOT NULL REFERENCES metrics (id),\n"
    "  entry @REF@ NOT NULL REFERENCES entries (id) ON DELETE CASCADE,\n"
    "  run INTEGER NOT NULL,\n"
    "  value DOUBLE PRECISION NOT NULL,\n"
    "  PRIMARY KEY (metric, entry, run)\n"
    ")@NOROWID@;\n"
    "CREATE TABLE summaries (\n"
    "  metric @REF@ NOT NULL REFERENCES metrics (id),\n"
    "  entry @REF@ NOT NULL REFERENCES entries (id) ON DELETE CASCADE,\n"
    "  pos INTEGER NOT NULL,\n"
    "  phase TEXT,\n"
    "  n INTEGER NOT NULL,\n"
    "  median DOUBLE PRECISION NOT NULL,\n"
    "  ci_lo DOUBLE PRECISION NOT NULL,\n"
    "  ci_hi DOUBLE PRECISION NOT NULL,\n"
    "  ci_coverage DOUBLE PRECISION NOT NULL,\n"
    "  q25 DOUBLE PRECISION NOT NULL,\n"
    "  q75 DOUBLE PRECISION NOT NULL,\n"
    "  min DOUBLE PRECISION NOT NULL,\n"
    "  max DOUBLE PRECISION NOT NULL,\n"
    "  PRIMARY KEY (metric, entry)\n"
    ")@NOROWID@;\n"
    "CREATE INDEX summaries_entry ON summaries (entry);\n";

/* sql with the backend's words for @ID@, @REF@ and @NOROWID@, into *out
 * (malloc'd). Returns 0 or -ENOMEM. */
static int backend_sql(struct histdb *db, const char *sql, char **out)
{
        static const struct {
                const char *token;
                enum histdb_word word;
        } words[] = {{"@ID@", HISTDB_ID}, {"@REF@", HISTDB_REF}, {"@NOROWID@", HISTDB_NO_ROWID}};
        size_t len = 0;
        FILE *f = open_memstream(out, &len);

        if (!f)
                return -ENOMEM;
        while (*sql) {
                size_t k = 0;

                while (k < sizeof(words) / sizeof(words[0]) &&
                       strncmp(sql, words[k].token, strlen(words[k].token)) != 0)
                        k++;
                if (k < sizeof(words) / sizeof(words[0])) {
                        fputs(histdb_word(db, words[k].word), f);
                        sql += strlen(words[k].token);
                } else {
                        fputc(*sql++, f);
                }
        }
        if (fclose(f) != 0) {
                free(*out);
                *out = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* Migrations: step[i] takes a database of version from to from + 1, run
 * in order and in one transaction with the version's update. None exist
 * at version 1; the next schema adds {1, "ALTER TABLE ..."} here. */
struct migration {
        int from;
        const char *sql;
};
static const struct migration migrations[] = {
    {0, NULL},
};

/* ---- statements, prepared once per connection ---- */

#define ENTRY_COLS                                                                                 \
        "e.id, e.session_id, e.variant, e.path, e.created, e.added, e.host_cpu, e.host_kernel, "   \
        "e.qemu_version, e.accel, e.kernel_path, e.kernel_sha256, e.kernel_version, e.cmdline, "   \
        "e.runs_recorded, e.runs_ok, e.runs_left_out, e.runs_used"
#define SUMMARY_COLS "s.n, s.median, s.ci_lo, s.ci_hi, s.ci_coverage, s.q25, s.q75, s.min, s.max"

enum stmt {
        ST_ENTRY_FIND,
        ST_ENTRY_INSERT,
        ST_METRIC_FIND,
        ST_METRIC_INSERT,
        ST_ENTRIES_ALL,
        ST_SUMMARIES_OF,
        ST_ENTRY_BY_ID,
        ST_ENTRIES_BY_SESSION,
        ST_LABELS_ALL,
        ST_LABELS_OF,
        ST_ENTRY_METRICS,
        ST_METRIC_NAMES,
        ST_METRICS_OF,
        ST_VALUES,
        ST_COUNT_ENTRIES,
        ST_RUNS_OF,
        NSTMT,
};

static const char *const stmt_sql[NSTMT] = {
    [ST_ENTRY_FIND] = "SELECT id FROM entries WHERE session_id = ?1 AND variant = ?2",
    /* the id one more than the largest, under the writer lock: SQLite's
     * rowid rule, also on PostgreSQL, whose identity sequence would not
     * give back the ids of an add rolled back (the same data, the same
     * entry ids on both backends) */
    [ST_ENTRY_INSERT] =
        "INSERT INTO entries (id, session_id, variant, path, created, added, host_cpu, "
        "host_kernel, qemu_version, accel, kernel_path, kernel_sha256, kernel_version, cmdline, "
        "runs_recorded, runs_ok, runs_left_out, runs_used) "
        "VALUES ((SELECT coalesce(max(id), 0) + 1 FROM entries), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
        "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    [ST_METRIC_FIND] = "SELECT id, kind FROM metrics WHERE name = ?1",
    [ST_METRIC_INSERT] = "INSERT INTO metrics (name, kind) VALUES (?1, ?2)",
    [ST_ENTRIES_ALL] = "SELECT " ENTRY_COLS " FROM entries e ORDER BY e.id",
    [ST_SUMMARIES_OF] = "SELECT s.entry, " SUMMARY_COLS " FROM summaries s WHERE s.metric = ?1"
                        " ORDER BY s.entry",
    [ST_ENTRY_BY_ID] = "SELECT " ENTRY_COLS " FROM entries e WHERE e.id = ?1",
    [ST_ENTRIES_BY_SESSION] = "SELECT " ENTRY_COLS " FROM entries e WHERE e.session_id = ?1"
                              " ORDER BY e.id",
    [ST_LABELS_ALL] = "SELECT entry, key, value FROM labels ORDER BY entry, key",
    [ST_LABELS_OF] = "SELECT entry, key, value FROM labels WHERE entry = ?1 ORDER BY key",
    [ST_ENTRY_METRICS] = "SELECT m.name, m.kind, s.phase, s.pos, " SUMMARY_COLS
                         " FROM summaries s JOIN metrics m ON m.id = s.metric"
                         " WHERE s.entry = ?1 ORDER BY s.pos",
    [ST_METRIC_NAMES] = "SELECT id, name, kind FROM metrics ORDER BY id",
    [ST_METRICS_OF] = "SELECT metric FROM summaries WHERE entry = ?1",
    [ST_VALUES] = "SELECT v.value FROM run_values v JOIN metrics m ON m.id = v.metric"
                  " WHERE m.name = ?1 AND v.entry = ?2 ORDER BY v.run",
    [ST_COUNT_ENTRIES] = "SELECT count(*) FROM entries",
    [ST_RUNS_OF] = "SELECT v.run, v.value FROM run_values v JOIN metrics m ON m.id = v.metric"
                   " WHERE m.name = ?1 AND v.entry = ?2 ORDER BY v.run",
};

/* ---- rows inserted in batches ---- */

/*
 * The run values, summaries and labels of an entry are gathered and sent
 * as multi-row INSERTs (one round trip per statement on PostgreSQL, where
 * one per row cost 290 round trips for a 10-run entry of 29 metrics):
 * BATCH_ROWS rows by a statement prepared once per connection, the rest
 * by one of its exact size (kept while the next rest has that size too).
 * The gathered rows are the caller's until batch_flush(): strings are
 * borrowed, so they must live until then. Any order of the tables is
 * right inside the transaction: the rows refer only to the entry and the
 * metrics, made before.
 */
#define BATCH_ROWS HISTORY_BATCH_ROWS
#define BATCH_COLS 13 /* the widest table's (summaries) */
/* SQLite 3.40 takes 32766 host parameters, histdb_rewrite_params() 32767 */
_Static_assert(BATCH_ROWS *BATCH_COLS <= 32766, "a batch has too many parameters");

enum batch_table {
        BATCH_VALUES,
        BATCH_SUMMARIES,
        BATCH_LABELS,
        NBATCH,
};

static const struct {
        const char *head; /* up to VALUES */
        size_t cols;
} batch_tables[NBATCH] = {
    [BATCH_VALUES] = {"INSERT INTO run_values (metric, entry, run, value) VALUES ", 4},
    [BATCH_SUMMARIES] = {"INSERT INTO summaries (metric, entry, pos, phase, n, median, ci_lo, "
                         "ci_hi, ci_coverage, q25, q75, min, max) VALUES ",
                         13},
    [BATCH_LABELS] = {"INSERT INTO labels (entry, key, value) VALUES ", 3},
};

enum cell_type {
        CELL_INT,
        CELL_REAL,
        CELL_VALUE, /* a run value: bind_value() */
        CELL_TEXT,  /* NULL binds NULL */
};

struct cell {
        enum cell_type type;
        union {
                int64_t i;
                double d;
                const char *s;
        } u;
};

struct batch {
        struct cell *cells; /* BATCH_ROWS rows of the table's columns */
        size_t n;           /* rows gathered */
        struct histdb_stmt *full, *tail;
        size_t tail_rows; /* the rows tail inserts */
};

/*
 * Every entry with its labels, read once and kept while the database is
 * unchanged: a series (and a list) is then one query over the summaries
 * of its metric, merged with these. Stale when histdb_data_version() moved
 * (another connection committed) or this connection wrote (writes).
 */
struct entry_cache {
        bool valid;
        int64_t data_version;
        unsigned writes;
        struct history_entry *v; /* by id */
        size_t n;
        /* the order of v for the key by (NULL: created): indices of the
         * entries that have the label, by its value (strverscmp), then
         * created, then id */
        bool ordered;
        char *by;
        size_t *order, norder;
};

struct history {
        struct histdb *db;
        char *path;
        int version;
        struct histdb_stmt *st[NSTMT];
        struct batch batch[NBATCH]; /* the rows of the entry being added */
        unsigned writes;            /* transactions this connection committed */
        struct entry_cache cache;
};

static void cache_free(struct entry_cache *c);
static void batch_free(struct batch *b);

/* ---- small helpers ---- */

/* A database failure rc (-errno, histdb.h) while doing what: err names
 * the database and has the backend's message. */
static int fail(const struct history *h, int rc, const char *what, char *err, size_t errsize)
{
        int e = rc < 0 ? rc : 0;

        if (e == -EBUSY)
                util_whyf(err, errsize, "%s: %s: the database stayed locked (%s)", h->path, what,
                          histdb_errmsg(h->db));
        else
                util_whyf(err, errsize, "%s: %s: %s", h->path, what, histdb_errmsg(h->db));
        return e ? e : -EIO;
}

/* Statement s, reset with its bindings cleared. NULL: *rc says why. */
static struct histdb_stmt *stmt(struct history *h, enum stmt s, int *rc)
{
        if (!h->st[s]) {
                *rc = (s == ST_ENTRY_INSERT || s == ST_METRIC_INSERT)
                          ? histdb_prepare_insert(h->db, stmt_sql[s], true, &h->st[s])
                          : histdb_prepare(h->db, stmt_sql[s], true, &h->st[s]);
                if (*rc != 0)
                        return NULL;
        } else {
                histdb_reset(h->st[s]);
        }
        *rc = 0;
        return h->st[s];
}

/* A value as INTEGER ns when it is whole (smaller on disk), else REAL. */
static int bind_value(struct histdb_stmt *st, int i, double v)
{
        if (v == floor(v) && fabs(v) < 9007199254740992.0)
                return histdb_bind_int64(st, i, (int64_t)v);
        return histdb_bind_double(st, i, v);
}

/* Column i as a malloc'd string, NULL for SQL NULL. Returns 0, -ENOMEM. */
static int col_str(struct histdb_stmt *st, int i, char **out)
{
        const char *s = histdb_column_text(st, i);

        *out = NULL;
        if (!s)
                return histdb_column_is_null(st, i) ? 0 : -ENOMEM;
        *out = strdup(s);
        return *out ? 0 : -ENOMEM;
}

static size_t col_size(struct histdb_stmt *st, int i)
{
        int64_t v = histdb_column_int64(st, i);

        return v > 0 ? (size_t)v : 0;
}

/* Room for one more element in *pv (n used of *cap, elem bytes each).
 * Returns 0 or -ENOMEM (*pv unchanged). */
static int grow(void *pv, size_t n, size_t *cap, size_t elem)
{
        void **v = pv, *grown;
        size_t want;

        if (n < *cap)
                return 0;
        want = *cap ? *cap * 2 : 64;
        grown = realloc(*v, want * elem);
        if (!grown)
                return -ENOMEM;
        *v = grown;
        *cap = want;
        return 0;
}

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

bool history_metric_is_size(const char *name)
{
        return name && strncmp(name, HISTORY_SIZE_PREFIX, strlen(HISTORY_SIZE_PREFIX)) == 0;
}

static enum compare_kind kind_of_name(const char *name)
{
        if (strncmp(name, "phase:", 6) == 0)
                return COMPARE_PHASE;
        if (strncmp(name, "fn:", 3) == 0)
                return COMPARE_FN;
        return COMPARE_TOTAL;
}

/* ---- labels ---- */

static bool key_char(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
}

/* Whether key[0..klen) and value are a label history_label_parse takes. */
static bool label_valid(const char *key, size_t klen, const char *value)
{
        size_t vlen = strlen(value);

        if (klen == 0 || klen > LABEL_KEY_MAX || vlen > LABEL_VALUE_MAX ||
            util_has_control(value, vlen))
                return false;
        for (size_t i = 0; i < klen; i++)
                if (!key_char(key[i]))
                        return false;
        return true;
}

int history_label_parse(const char *s, struct history_label *l)
{
        const char *eq = strchr(s, '=');
        size_t klen;

        l->key = l->value = NULL;
        if (!eq)
                return -EINVAL;
        klen = (size_t)(eq - s);
        if (!label_valid(s, klen, eq + 1))
                return -EINVAL;
        l->key = strndup(s, klen);
        l->value = strdup(eq + 1);
        if (!l->key || !l->value) {
                free(l->key);
                free(l->value);
                l->key = l->value = NULL;
                return -ENOMEM;
        }
        return 0;
}

static void labels_free(struct history_label *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].key);
                free(v[i].value);
        }
        free(v);
}

/* Set key to value in *v (copies; an existing key is replaced when
 * replace, else kept). Returns 0 or -ENOMEM. */
static int labels_set(struct history_label **v, size_t *n, const char *key, const char *value,
                      bool replace)
{
        struct history_label *grown;
        char *val;

        for (size_t i = 0; i < *n; i++) {
                if (strcmp((*v)[i].key, key) != 0)
                        continue;
                if (!replace)
                        return 0;
                val = strdup(value);
                if (!val)
                        return -ENOMEM;
                free((*v)[i].value);
                (*v)[i].value = val;
                return 0;
        }
        grown = realloc(*v, (*n + 1) * sizeof(**v));
        if (!grown)
                return -ENOMEM;
        *v = grown;
        grown[*n].key = strdup(key);
        grown[*n].value = strdup(value);
        if (!grown[*n].key || !grown[*n].value) {
                free(grown[*n].key);
                free(grown[*n].value);
                return -ENOMEM;
        }
        (*n)++;
        return 0;
}

static int by_key(const void *a, const void *b)
{
        return strcmp(((const struct history_label *)a)->key,
                      ((const struct history_label *)b)->key);
}

/* ---- opening ---- */

static int busy_ms(void)
{
        const char *s = getenv("BOOTLENS_HISTORY_BUSY_MS");
        uint64_t v;

        if (s && util_parse_u64(s, 10, &v) == 0 && v <= INT_MAX)
                return (int)v;
        return HISTORY_BUSY_MS;
}

static int meta_get(struct history *h, const char *key, char **value)
{
        struct histdb_stmt *st;
        int rc =
            histdb_prepare(h->db, "SELECT value FROM bootlens_meta WHERE key = ?1", false, &st);

        *value = NULL;
        if (rc < 0)
                return rc;
        histdb_bind_text(st, 1, key);
        rc = histdb_step(st);
        if (rc == HISTDB_ROW)
                rc = col_str(st, 0, value);
        histdb_finalize(st);
        return rc;
}

static int meta_set(struct history *h, const char *key, const char *value)
{
        struct histdb_stmt *st;
        int rc = histdb_prepare(h->db,
                                "INSERT INTO bootlens_meta (key, value) VALUES (?1, ?2) "
                                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                false, &st);

        if (rc < 0)
                return rc;
        histdb_bind_text(st, 1, key);
        histdb_bind_text(st, 2, value);
        rc = histdb_step(st);
        histdb_finalize(st);
        return rc == HISTDB_ROW ? -EIO : rc;
}

static void utc_now(char out[32])
{
        const char *sde = getenv("SOURCE_DATE_EPOCH");
        uint64_t v;
        time_t t = time(NULL);
        struct tm tm;

        if (sde && util_parse_u64(sde, 10, &v) == 0 && v <= (uint64_t)INT32_MAX * 2)
                t = (time_t)v;
        gmtime_r(&t, &tm);
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Make the schema in an empty database, inside an immediate transaction;
 * when another process made it first, leave it (*made false). */
static int create_schema(struct history *h, bool *made, char *err, size_t errsize)
{
        char ver[16], now[32];
        int64_t ntables = 0;
        int rc;

        *made = false;
        rc = histdb_prepare_create(h->db);
        if (rc != 0)
                return fail(h, rc, "cannot set WAL mode", err, errsize);
        rc = histdb_begin(h->db, true);
        if (rc != 0)
                return fail(h, rc, "cannot begin", err, errsize);
        rc = histdb_count_tables(h->db, &ntables);
        if (rc == 0 && ntables == 0) {
                snprintf(ver, sizeof(ver), "%d", HISTORY_SCHEMA_VERSION);
                utc_now(now);
                char *sql = NULL;

                rc = backend_sql(h->db, schema_v1, &sql);
                if (rc == 0)
                        rc = histdb_exec(h->db, sql);
                free(sql);
                if (rc == 0)
                        rc = histdb_set_application_id(h->db, HISTORY_APPLICATION_ID);
                if (rc == 0)
                        rc = meta_set(h, "kind", HISTORY_KIND);
                if (rc == 0)
                        rc = meta_set(h, "schema_version", ver);
                if (rc == 0)
                        rc = meta_set(h, "created", now);
                if (rc == 0)
                        rc = meta_set(h, "tool", "bootlens");
                *made = rc == 0;
        }
        if (rc == 0)
                rc = histdb_commit(h->db);
        if (rc != 0) {
                int e = fail(h, rc, "cannot create the history", err, errsize);

                histdb_rollback(h->db);
                *made = false;
                return e;
        }
        if (*made) /* the header (application_id) into the file itself */
                histdb_created(h->db);
        return 0;
}

/* Migrate forward from version from, in one transaction. */
static int migrate(struct history *h, char *err, size_t errsize)
{
        char *v = NULL, ver[16];
        int rc, cur;

        rc = histdb_begin(h->db, true);
        if (rc != 0)
                return fail(h, rc, "cannot begin the migration", err, errsize);
        rc = meta_get(h, "schema_version", &v); /* another process may have migrated */
        cur = v ? atoi(v) : 0;
        free(v);
        if (rc == 0 && cur > HISTORY_SCHEMA_VERSION) {
                histdb_rollback(h->db);
                util_whyf(err, errsize,
                          "%s: history schema version %d, this bootlens knows %d "
                          "(upgrade bootlens)",
                          h->path, cur, HISTORY_SCHEMA_VERSION);
                return -EPROTO;
        }
        while (rc == 0 && cur < HISTORY_SCHEMA_VERSION) {
                const struct migration *m = NULL;

                for (size_t i = 0; migrations[i].sql; i++)
                        if (migrations[i].from == cur)
                                m = &migrations[i];
                if (!m) {
                        histdb_rollback(h->db);
                        util_whyf(err, errsize, "%s: no migration from history schema version %d",
                                  h->path, cur);
                        return -EPROTO;
                }
                char *sql = NULL;

                rc = backend_sql(h->db, m->sql, &sql);
                if (rc == 0)
                        rc = histdb_exec(h->db, sql);
                free(sql);
                cur++;
                snprintf(ver, sizeof(ver), "%d", cur);
                if (rc == 0)
                        rc = meta_set(h, "schema_version", ver);
        }
        if (rc == 0)
                rc = histdb_commit(h->db);
        if (rc != 0) {
                int e = fail(h, rc, "cannot migrate the history", err, errsize);

                histdb_rollback(h->db);
                return e;
        }
        h->version = cur;
        return 0;
}

/* A read transaction around what takes several queries, so that they see
 * one state of the database (a writer committing between them is not
 * seen). end: commit it (a read transaction has nothing to lose). */
static int read_begin(struct history *h)
{
        int rc = histdb_begin(h->db, false);

        return rc == 0 ? 0 : rc < 0 ? rc : -EIO;
}

static int read_end(struct history *h, int rc)
{
        histdb_commit(h->db);
        return rc;
}

/* validate(), inside its read transaction. */
static int validate_snapshot(struct history *h, char *err, size_t errsize)
{
        static const char *const tables[] = {"entries", "labels", "metrics", "run_values",
                                             "summaries"};
        int64_t appid = 0, ntables = 0;
        char *kind = NULL, *ver = NULL;
        bool has_meta = false;
        uint64_t v = 0;
        int rc;

        /* one snapshot (validate()'s read transaction): another client's
         * set-up, committed at once, is seen whole or not at all */
        rc = histdb_count_tables(h->db, &ntables);
        if (rc == 0)
                rc = histdb_has_table(h->db, "bootlens_meta", &has_meta);
        if (rc == 0)
                rc = histdb_application_id(h->db, &appid);
        if (rc < 0 && histdb_corrupt(h->db)) {
                util_whyf(err, errsize, "%s: not %s", h->path, histdb_kind(h->db));
                return -EINVAL;
        }
        if (rc != 0)
                return fail(h, rc, "cannot read the database", err, errsize);
        if (ntables == 0 && (appid == 0 || (uint32_t)appid == HISTORY_APPLICATION_ID))
                return -ENOENT;
        if ((uint32_t)appid != HISTORY_APPLICATION_ID || !has_meta) {
                util_whyf(err, errsize,
                          "%s: %s but not a bootlens history (application_id 0x%08x, "
                          "%s)",
                          h->path, histdb_kind(h->db), (unsigned)(uint32_t)appid,
                          has_meta ? "a table bootlens_meta" : "no table bootlens_meta");
                return -EINVAL;
        }
        rc = meta_get(h, "kind", &kind);
        if (rc == 0)
                rc = meta_get(h, "schema_version", &ver);
        if (rc != 0) {
                rc = fail(h, rc, "cannot read bootlens_meta", err, errsize);
                goto out;
        }
        if (!kind || strcmp(kind, HISTORY_KIND) != 0) {
                util_whyf(err, errsize,
                          "%s: %s but not a bootlens history (application_id 0x%08x, "
                          "kind '%s')",
                          h->path, histdb_kind(h->db), (unsigned)(uint32_t)appid, kind ? kind : "");
                rc = -EINVAL;
                goto out;
        }
        if (!ver || util_parse_u64(ver, 10, &v) < 0 || v < 1 || v > INT_MAX) {
                util_whyf(err, errsize, "%s: a bootlens history with a bad schema_version '%s'",
                          h->path, ver ? ver : "");
                rc = -EINVAL;
                goto out;
        }
        if (v > HISTORY_SCHEMA_VERSION) {
                util_whyf(
                    err, errsize,
                    "%s: history schema version %llu, this bootlens knows %d (upgrade bootlens)",
                    h->path, (unsigned long long)v, HISTORY_SCHEMA_VERSION);
                rc = -EPROTO;
                goto out;
        }
        /* a history of this version holds every table of the schema */
        for (size_t i = 0; v == HISTORY_SCHEMA_VERSION && i < sizeof(tables) / sizeof(tables[0]);
             i++) {
                bool has = false;

                rc = histdb_has_table(h->db, tables[i], &has);
                if (rc != 0) {
                        rc = fail(h, rc, "cannot read the database", err, errsize);
                        goto out;
                }
                if (!has) {
                        util_whyf(
                            err, errsize,
                            "%s: a damaged bootlens history (schema version %llu, no table %s)",
                            h->path, (unsigned long long)v, tables[i]);
                        rc = -EINVAL;
                        goto out;
                }
        }
        h->version = (int)v;
        rc = 0;
out:
        free(kind);
        free(ver);
        return rc;
}

/* Whether the open database is a bootlens history this tool can read;
 * nothing is written. Sets h->version. -ENOENT (err untouched): a
 * database without a single table and of no other application, such as
 * the one another process is making right now (its WAL mode is set, its
 * schema not yet committed): it holds nothing to lose. Its queries see
 * one snapshot: on PostgreSQL a set-up committed between two of them
 * would otherwise show tables but no bootlens_meta ("not a bootlens
 * history"). */
static int validate(struct history *h, char *err, size_t errsize)
{
        int rc = read_begin(h);

        if (rc < 0)
                return fail(h, rc, "cannot read the database", err, errsize);
        return read_end(h, validate_snapshot(h, err, errsize));
}

int history_open(const char *path, bool create, struct history **hp, char *err, size_t errsize)
{
        const char *unreachable;
        struct history *h;
        bool made_new = false, made = false;
        int rc;

        *hp = NULL;
        util_whyf(err, errsize, "%s", "");
        h = calloc(1, sizeof(*h));
        if (!h || histdb_display(path, &h->path) < 0) {
                free(h);
                return -ENOMEM;
        }
        unreachable = getenv(HISTORY_UNREACHABLE_ENV);
        if (unreachable && *unreachable && strcmp(unreachable, path) == 0) {
                util_whyf(err, errsize, "%s: cannot connect: %s (" HISTORY_UNREACHABLE_ENV ")",
                          h->path, strerror(ECONNREFUSED));
                rc = -ECONNREFUSED;
                goto fail;
        }
        rc = histdb_open(path, create, busy_ms(), &h->db, &made_new, err, errsize);
        if (rc < 0)
                goto fail;
        if (made_new) {
                rc = create_schema(h, &made, err, errsize);
                if (rc < 0)
                        goto fail;
        }
        rc = validate(h, err, errsize);
        if (rc == -ENOENT && !made_new && create) {
                rc = create_schema(h, &made, err, errsize);
                if (rc == 0)
                        rc = validate(h, err, errsize);
        }
        if (rc == -ENOENT)
                util_whyf(err, errsize, "%s: no such history (%s without tables)", h->path,
                          histdb_kind(h->db));
        if (rc == 0 && h->version < HISTORY_SCHEMA_VERSION)
                rc = migrate(h, err, errsize);
        if (rc == 0) {
                rc = histdb_enable_foreign_keys(h->db);
                rc = rc == 0 ? 0 : fail(h, rc, "cannot enable foreign keys", err, errsize);
        }
        if (rc < 0)
                goto fail;
        *hp = h;
        return 0;
fail:
        history_close(h);
        return rc;
}

void history_close(struct history *h)
{
        if (!h)
                return;
        cache_free(&h->cache);
        for (size_t i = 0; i < NSTMT; i++)
                histdb_finalize(h->st[i]);
        for (size_t t = 0; t < NBATCH; t++)
                batch_free(&h->batch[t]);
        histdb_close(h->db);
        free(h->path);
        free(h);
}

int history_schema_version(const struct history *h)
{
        return h->version;
}

const char *history_path(const struct history *h)
{
        return h->path;
}

/* ---- adding ---- */

void history_new_free(struct history_new *e)
{
        if (!e)
                return;
        free(e->session_id);
        free(e->variant);
        free(e->path);
        free(e->created);
        free(e->host_cpu);
        free(e->host_kernel);
        free(e->qemu_version);
        free(e->accel);
        free(e->kernel_path);
        free(e->kernel_sha256);
        free(e->kernel_version);
        free(e->cmdline);
        labels_free(e->labels, e->nlabels);
        free(e->runs);
        for (size_t i = 0; e->m && i < e->nm; i++) {
                free(e->m[i].name);
                free(e->m[i].phase);
                free(e->m[i].values);
        }
        free(e->m);
        memset(e, 0, sizeof(*e));
}

void history_news_free(struct history_new *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                history_new_free(&v[i]);
        free(v);
}

/* What is wrong with e, or NULL when it is whole. */
static const char *new_invalid(const struct history_new *e)
{
        if (!e->session_id || !e->session_id[0])
                return "no session id";
        if (!e->variant || !e->variant[0])
                return "no variant";
        if (!e->created)
                return "no collection time";
        if (!e->nruns || !e->runs)
                return "no run";
        if (e->nm && !e->m)
                return "no metrics";
        for (size_t i = 0; i < e->nlabels; i++)
                if (!e->labels[i].key || !e->labels[i].value)
                        return "a label without key or value";
        for (size_t i = 0; i < e->nm; i++) {
                if (!e->m[i].name || !e->m[i].name[0] || !e->m[i].values)
                        return "a metric with no name or values";
                for (size_t r = 0; r < e->nruns; r++)
                        if (isinf(e->m[i].values[r]))
                                return "a metric with an infinite value";
        }
        return NULL;
}

static void batch_free(struct batch *b)
{
        histdb_finalize(b->full);
        histdb_finalize(b->tail);
        free(b->cells);
        memset(b, 0, sizeof(*b));
}

/* Forget the rows gathered (a failed transaction's). */
static void batches_drop(struct history *h)
{
        for (size_t t = 0; t < NBATCH; t++)
                h->batch[t].n = 0;
}

/* The statement inserting rows rows into table t, into *st. */
static int batch_prepare(struct history *h, enum batch_table t, size_t rows,
                         struct histdb_stmt **st)
{
        size_t cols = batch_tables[t].cols, head = strlen(batch_tables[t].head);
        size_t size = head + rows * (2 * cols + 2) + 1;
        char *sql = malloc(size), *p;
        int rc;

        if (!sql)
                return -ENOMEM;
        memcpy(sql, batch_tables[t].head, head);
        p = sql + head;
        for (size_t r = 0; r < rows; r++) {
                *p++ = r ? ',' : '(';
                if (r)
                        *p++ = '(';
                for (size_t c = 0; c < cols; c++) {
                        if (c)
                                *p++ = ',';
                        *p++ = '?';
                }
                *p++ = ')';
        }
        *p = '\0';
        rc = histdb_prepare(h->db, sql, true, st);
        free(sql);
        return rc;
}

/* Insert the rows gathered for table t. Returns 0 or -errno. */
static int batch_flush(struct history *h, enum batch_table t)
{
        struct batch *b = &h->batch[t];
        size_t cols = batch_tables[t].cols;
        struct histdb_stmt *st;
        int rc = 0;

        if (b->n == 0)
                return 0;
        if (b->n == BATCH_ROWS) {
                if (!b->full)
                        rc = batch_prepare(h, t, BATCH_ROWS, &b->full);
                st = b->full;
        } else {
                if (b->tail && b->tail_rows != b->n) {
                        histdb_finalize(b->tail);
                        b->tail = NULL;
                }
                if (!b->tail) {
                        rc = batch_prepare(h, t, b->n, &b->tail);
                        b->tail_rows = rc == 0 ? b->n : 0;
                }
                st = b->tail;
        }
        if (rc != 0)
                goto out;
        histdb_reset(st);
        for (size_t i = 0; i < b->n * cols && rc == 0; i++) {
                const struct cell *c = &b->cells[i];
                int k = (int)i + 1;

                if (c->type == CELL_INT)
                        rc = histdb_bind_int64(st, k, c->u.i);
                else if (c->type == CELL_REAL)
                        rc = histdb_bind_double(st, k, c->u.d);
                else if (c->type == CELL_VALUE)
                        rc = bind_value(st, k, c->u.d);
                else
                        rc = histdb_bind_text(st, k, c->u.s);
        }
        if (rc == 0)
                rc = histdb_step(st);
        histdb_reset(st);
        if (rc == HISTDB_ROW)
                rc = -EIO;
out:
        b->n = 0;
        return rc;
}

/* The cells of a new row of table t (the rows before it inserted when
 * the batch is full), into *row. Returns 0 or -errno. */
static int batch_row(struct history *h, enum batch_table t, struct cell **row)
{
        struct batch *b = &h->batch[t];
        size_t cols = batch_tables[t].cols;
        int rc;

        if (!b->cells) {
                b->cells = calloc((size_t)BATCH_ROWS * cols, sizeof(*b->cells));
                if (!b->cells)
                        return -ENOMEM;
        }
        if (b->n == BATCH_ROWS) {
                rc = batch_flush(h, t);
                if (rc != 0)
                        return rc;
        }
        *row = &b->cells[b->n++ * cols];
        return 0;
}

static void cell_int(struct cell *c, int64_t v)
{
        *c = (struct cell){.type = CELL_INT, .u.i = v};
}

static void cell_real(struct cell *c, double v)
{
        *c = (struct cell){.type = CELL_REAL, .u.d = v};
}

static void cell_text(struct cell *c, const char *s)
{
        *c = (struct cell){.type = CELL_TEXT, .u.s = s};
}

/* The id of metric name, made when new. */
static int metric_id(struct history *h, const char *name, enum compare_kind kind, int64_t *id)
{
        int rc;
        struct histdb_stmt *st = stmt(h, ST_METRIC_FIND, &rc);

        if (!st)
                return rc;
        histdb_bind_text(st, 1, name);
        rc = histdb_step(st);
        if (rc == HISTDB_ROW) {
                *id = histdb_column_int64(st, 0);
                histdb_reset(st);
                return 0;
        }
        histdb_reset(st);
        if (rc != 0)
                return rc;
        st = stmt(h, ST_METRIC_INSERT, &rc);
        if (!st)
                return rc;
        histdb_bind_text(st, 1, name);
        histdb_bind_int64(st, 2, (int)kind);
        return histdb_step_insert(st, id);
}

/* The summary s of metric mid in entry, at position pos, gathered
 * (batch_flush(h, BATCH_SUMMARIES) inserts it; phase borrowed). */
static int insert_summary(struct history *h, int64_t mid, int64_t entry, size_t pos,
                          const char *phase, const struct history_summary *s)
{
        struct cell *c;
        int rc;

        rc = batch_row(h, BATCH_SUMMARIES, &c);
        if (rc != 0)
                return rc;
        cell_int(&c[0], mid);
        cell_int(&c[1], entry);
        cell_int(&c[2], (int64_t)pos);
        cell_text(&c[3], phase);
        cell_int(&c[4], (int64_t)s->n);
        cell_real(&c[5], s->median);
        cell_real(&c[6], s->ci_lo);
        cell_real(&c[7], s->ci_hi);
        cell_real(&c[8], s->ci_coverage);
        cell_real(&c[9], s->q25);
        cell_real(&c[10], s->q75);
        cell_real(&c[11], s->min);
        cell_real(&c[12], s->max);
        return 0;
}

/* Value v of metric mid in run of entry, gathered (batch_flush(h,
 * BATCH_VALUES) inserts it). */
static int insert_value(struct history *h, int64_t mid, int64_t entry, int64_t run, double v)
{
        struct cell *c;
        int rc;

        rc = batch_row(h, BATCH_VALUES, &c);
        if (rc != 0)
                return rc;
        cell_int(&c[0], mid);
        cell_int(&c[1], entry);
        cell_int(&c[2], run);
        c[3] = (struct cell){.type = CELL_VALUE, .u.d = v};
        return 0;
}

/* Both flushed: the run values and the summaries gathered. */
static int flush_metrics(struct history *h)
{
        int rc = batch_flush(h, BATCH_VALUES);

        return rc != 0 ? rc : batch_flush(h, BATCH_SUMMARIES);
}

/*
 * Whether the database would refuse metric pos of e as given twice (its
 * summary's or a run value's key taken): its name is an earlier metric's,
 * or a run number is twice among the runs it has a value in (looked for
 * only when !distinct: e->runs not strictly ascending). Checked before
 * its rows are gathered, so that the error names it as when each row was
 * inserted on its own.
 */
static bool metric_twice(const struct history_new *e, size_t pos, bool distinct)
{
        const struct history_new_metric *m = &e->m[pos];

        for (size_t j = 0; j < pos; j++)
                if (strcmp(e->m[j].name, m->name) == 0)
                        return true;
        for (size_t i = 0; !distinct && i < e->nruns; i++)
                for (size_t j = 0; !isnan(m->values[i]) && j < i; j++)
                        if (!isnan(m->values[j]) && e->runs[j] == e->runs[i])
                                return true;
        return false;
}

/* Metric m of entry: its run values and its summary, gathered. *bad: it
 * had no value (an -EINVAL, not a database error); -EEXIST: given twice
 * (metric_twice(); distinct: e->runs strictly ascending). */
static int insert_metric(struct history *h, int64_t entry, const struct history_new *e, size_t pos,
                         bool distinct, double *scratch, bool *bad)
{
        const struct history_new_metric *m = &e->m[pos];
        struct stats_summary sum;
        struct history_summary hs;
        struct stats_ci ci;
        int64_t mid = 0;
        size_t k = 0;
        int rc;

        rc = metric_id(h, m->name, m->kind, &mid);
        if (rc != 0)
                return rc;
        for (size_t i = 0; i < e->nruns; i++)
                if (!isnan(m->values[i]))
                        scratch[k++] = m->values[i];
        if (k == 0) {
                *bad = true;
                return 0;
        }
        if (metric_twice(e, pos, distinct))
                return -EEXIST;
        for (size_t i = 0; i < e->nruns && rc == 0; i++)
                if (!isnan(m->values[i]))
                        rc = insert_value(h, mid, entry, e->runs[i], m->values[i]);
        if (rc != 0)
                return rc;
        stats_sort(scratch, k);
        stats_summary_sorted(scratch, k, &sum);
        stats_median_ci_order(scratch, k, AGGREGATE_CI_LEVEL, &ci);
        hs = (struct history_summary){k,       sum.median, ci.lo,   ci.hi,  ci.coverage,
                                      sum.q25, sum.q75,    sum.min, sum.max};
        return insert_summary(h, mid, entry, pos, m->phase, &hs);
}

/* The row of entry e (runs_used runs, stored at added) and its labels,
 * inside the transaction: *entry its id. Returns 0, -EEXIST (stored
 * already), -EINVAL (a label twice) or -errno (err set). */
static int insert_head(struct history *h, const struct history_new *e, const char *added,
                       size_t runs_used, int64_t *entry, char *err, size_t errsize)
{
        struct histdb_stmt *st;
        int rc;

        st = stmt(h, ST_ENTRY_FIND, &rc);
        if (!st)
                return fail(h, rc, "cannot look for the entry", err, errsize);
        histdb_bind_text(st, 1, e->session_id);
        histdb_bind_text(st, 2, e->variant);
        rc = histdb_step(st);
        histdb_reset(st);
        if (rc == HISTDB_ROW) {
                util_whyf(err, errsize, "%s: session %s variant %s is stored already", h->path,
                          e->session_id, e->variant);
                return -EEXIST;
        }
        if (rc != 0)
                return fail(h, rc, "cannot look for the entry", err, errsize);
        st = stmt(h, ST_ENTRY_INSERT, &rc);
        if (!st)
                return fail(h, rc, "cannot add the entry", err, errsize);
        histdb_bind_text(st, 1, e->session_id);
        histdb_bind_text(st, 2, e->variant);
        histdb_bind_text(st, 3, e->path);
        histdb_bind_text(st, 4, e->created);
        histdb_bind_text(st, 5, added);
        histdb_bind_text(st, 6, e->host_cpu);
        histdb_bind_text(st, 7, e->host_kernel);
        histdb_bind_text(st, 8, e->qemu_version);
        histdb_bind_text(st, 9, e->accel);
        histdb_bind_text(st, 10, e->kernel_path);
        histdb_bind_text(st, 11, e->kernel_sha256);
        histdb_bind_text(st, 12, e->kernel_version);
        histdb_bind_text(st, 13, e->cmdline);
        histdb_bind_int64(st, 14, (int64_t)e->runs_recorded);
        histdb_bind_int64(st, 15, (int64_t)e->runs_ok);
        histdb_bind_int64(st, 16, (int64_t)e->runs_left_out);
        histdb_bind_int64(st, 17, (int64_t)runs_used);
        rc = histdb_step_insert(st, entry);
        if (rc != 0) {
                if (rc == -EEXIST) {
                        util_whyf(err, errsize, "%s: session %s variant %s is stored already",
                                  h->path, e->session_id, e->variant);
                        return -EEXIST;
                }
                return fail(h, rc, "cannot add the entry", err, errsize);
        }
        /* the key the database would refuse first, as the rows go in a batch */
        for (size_t i = 0; i < e->nlabels; i++)
                for (size_t j = 0; j < i; j++)
                        if (strcmp(e->labels[j].key, e->labels[i].key) == 0) {
                                util_whyf(err, errsize,
                                          "%s: cannot add %s:%s: label '%s' given twice", h->path,
                                          e->session_id, e->variant, e->labels[i].key);
                                return -EINVAL;
                        }
        for (size_t i = 0; i < e->nlabels; i++) {
                struct cell *c;

                rc = batch_row(h, BATCH_LABELS, &c);
                if (rc != 0)
                        return fail(h, rc, "cannot add the labels", err, errsize);
                cell_int(&c[0], *entry);
                cell_text(&c[1], e->labels[i].key);
                cell_text(&c[2], e->labels[i].value);
        }
        rc = batch_flush(h, BATCH_LABELS);
        return rc == 0 ? 0 : fail(h, rc, "cannot add the labels", err, errsize);
}

/* One entry, inside the transaction. Returns 0 or -errno (err set). */
static int insert_one(struct history *h, const struct history_new *e, const char *added,
                      int64_t *id, char *err, size_t errsize)
{
        const char *why = new_invalid(e);
        int64_t entry;
        double *scratch;
        bool bad = false, distinct = true;
        int rc;

        if (why) {
                util_whyf(err, errsize, "%s: cannot add %s:%s: %s", h->path,
                          e->session_id ? e->session_id : "?", e->variant ? e->variant : "?", why);
                return -EINVAL;
        }
        rc = insert_head(h, e, added, e->nruns, &entry, err, errsize);
        if (rc != 0)
                return rc;
        scratch = malloc(e->nruns * sizeof(*scratch));
        if (!scratch)
                return -ENOMEM;
        for (size_t i = 1; i < e->nruns; i++)
                distinct = distinct && e->runs[i - 1] < e->runs[i];
        for (size_t i = 0; i < e->nm && rc == 0 && !bad; i++) {
                rc = insert_metric(h, entry, e, i, distinct, scratch, &bad);
                if (bad)
                        util_whyf(err, errsize, "%s: cannot add %s:%s: metric %s has no value",
                                  h->path, e->session_id, e->variant, e->m[i].name);
                else if (rc == -EEXIST)
                        util_whyf(err, errsize, "%s: cannot add %s:%s: metric %s given twice",
                                  h->path, e->session_id, e->variant, e->m[i].name);
        }
        free(scratch);
        if (bad)
                return -EINVAL;
        if (rc != 0)
                return rc == -EEXIST ? -EINVAL : fail(h, rc, "cannot add the values", err, errsize);
        rc = flush_metrics(h);
        if (rc != 0)
                return fail(h, rc, "cannot add the values", err, errsize);
        if (id)
                *id = entry;
        return 0;
}

int history_insert(struct history *h, const struct history_new *v, size_t n, int64_t *ids,
                   char *err, size_t errsize)
{
        char added[32];
        int rc;

        util_whyf(err, errsize, "%s", "");
        utc_now(added);
        rc = histdb_begin(h->db, true);
        if (rc != 0)
                return fail(h, rc, "cannot begin", err, errsize);
        rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = insert_one(h, &v[i], added, ids ? &ids[i] : NULL, err, errsize);
        if (rc == 0) {
                int sr = histdb_commit(h->db);

                if (sr != 0)
                        rc = fail(h, sr, "cannot commit", err, errsize);
                else
                        h->writes++;
        }
        if (rc < 0) {
                histdb_rollback(h->db);
                batches_drop(h);
        }
        return rc;
}

/* ---- preparing an entry from a session ---- */

struct fn_candidate {
        const struct metric_series *s;
        double median; /* over every run, absent as 0 */
};

static int by_candidate(const void *a, const void *b)
{
        const struct fn_candidate *x = a, *y = b;

        if (x->median != y->median)
                return x->median > y->median ? -1 : 1;
        return strcmp(x->s->name, y->s->name);
}

/* Metric m of e from series s over e->nruns runs (absent: NAN, or 0 for
 * a function). */
static int new_metric(struct history_new *e, const struct metric_series *s, enum compare_kind kind,
                      const char *name, const char *phase)
{
        struct history_new_metric *m = &e->m[e->nm];

        m->kind = kind;
        m->name = strdup(name);
        m->phase = dup_or_null(phase);
        m->values = malloc(e->nruns * sizeof(*m->values));
        if (!m->name || (phase && !m->phase) || !m->values) {
                free(m->name);
                free(m->phase);
                free(m->values);
                return -ENOMEM;
        }
        for (size_t i = 0; i < e->nruns; i++)
                m->values[i] = kind == COMPARE_FN ? 0 : NAN;
        for (size_t i = 0; i < s->present; i++)
                if (s->runs[i] < e->nruns)
                        m->values[s->runs[i]] = s->values[i];
        e->nm++;
        return 0;
}

/* The entry's metrics from its table: total, phases, the top functions. */
static int new_metrics(struct history_new *e, const struct metric_table *t, size_t top)
{
        struct fn_candidate *cand = calloc(t->n + 1, sizeof(*cand));
        double *scratch = malloc((e->nruns + 1) * sizeof(*scratch));
        const struct metric_series *total = metrics_table_find(t, "total");
        size_t ncand = 0;
        int rc = 0;

        e->m = calloc(t->n + 3, sizeof(*e->m)); /* + kernel:loaded and kernel:file */
        if (!cand || !scratch || !e->m) {
                rc = -ENOMEM;
                goto out;
        }
        /* a metric no run has (a phase unavailable in every boot) is left
         * out: it has no value to store */
        if (total && total->present)
                rc = new_metric(e, total, COMPARE_TOTAL, "total", NULL);
        for (size_t i = 0; i < t->n && rc == 0; i++)
                if (t->v[i].kind == METRIC_PHASE && t->v[i].present)
                        rc = new_metric(e, &t->v[i], COMPARE_PHASE, t->v[i].name, t->v[i].name + 6);
        for (size_t i = 0; i < t->n && rc == 0; i++) {
                const struct metric_series *s = &t->v[i];
                struct stats_summary sum;

                if (s->kind != METRIC_FN_TOTAL || !s->present)
                        continue;
                memset(scratch, 0, e->nruns * sizeof(*scratch));
                for (size_t k = 0; k < s->present; k++)
                        if (s->runs[k] < e->nruns)
                                scratch[s->runs[k]] = s->values[k];
                if (stats_summary(scratch, e->nruns, &sum) < 0) {
                        rc = -ENOMEM;
                        break;
                }
                cand[ncand].s = s;
                cand[ncand++].median = sum.median;
        }
        if (rc)
                goto out;
        qsort(cand, ncand, sizeof(*cand), by_candidate);
        for (size_t i = 0; i < ncand && i < top && rc == 0; i++)
                rc = new_metric(e, cand[i].s, COMPARE_FN, cand[i].s->name, cand[i].s->phase);
out:
        free(cand);
        free(scratch);
        return rc;
}

/* A size (bytes) of the kernel: the same value in every run of e. */
static int new_size_metric(struct history_new *e, const char *name, uint64_t bytes)
{
        struct history_new_metric *m = &e->m[e->nm];

        m->kind = COMPARE_TOTAL;
        m->name = strdup(name);
        m->values = malloc(e->nruns * sizeof(*m->values));
        if (!m->name || !m->values) {
                free(m->name);
                free(m->values);
                return -ENOMEM;
        }
        for (size_t i = 0; i < e->nruns; i++)
                m->values[i] = (double)bytes;
        e->nm++;
        return 0;
}

/* e's labels: the session's, then o's replacing them, then kernel and
 * date when neither gave them. */
static int new_labels(struct history_new *e, const struct session_info *info,
                      const struct history_add_options *o)
{
        char date[11];
        int rc = 0;

        for (size_t i = 0; i < info->nlabels && rc == 0; i++)
                if (info->labels[i].key && info->labels[i].value)
                        rc = labels_set(&e->labels, &e->nlabels, info->labels[i].key,
                                        info->labels[i].value, true);
        for (size_t i = 0; o && i < o->nlabels && rc == 0; i++)
                rc =
                    labels_set(&e->labels, &e->nlabels, o->labels[i].key, o->labels[i].value, true);
        if (rc == 0 && e->kernel_version)
                rc = labels_set(&e->labels, &e->nlabels, "kernel", e->kernel_version, false);
        if (rc == 0 && e->created && strlen(e->created) >= 10) {
                memcpy(date, e->created, 10);
                date[10] = '\0';
                rc = labels_set(&e->labels, &e->nlabels, "date", date, false);
        }
        if (rc == 0 && e->nlabels)
                qsort(e->labels, e->nlabels, sizeof(*e->labels), by_key);
        return rc;
}

/* The entry of variant vi of session s (dir, its realpath rpath). */
static int prepare_variant(struct session *s, const char *dir, const char *rpath, size_t vi,
                           const struct history_add_options *o, struct history_new *e, char *err,
                           size_t errsize)
{
        static const struct run_options defaults;
        const struct session_info *info = session_info(s);
        const struct session_variant_info *var = &info->variants[vi];
        const struct run_options *ro = o && o->run ? o->run : &defaults;
        size_t top = o && o->top ? o->top : HISTORY_TOP_FNS;
        struct metric_table t = METRIC_TABLE_INIT;
        char hex[65];
        uint64_t size;
        struct runset rs = {0};
        char why[256] = "", *ref = NULL;
        int rc;

        if (util_has_word(var->cmdline, COLLECT_KALLSYMS_ARG, false)) {
                util_whyf(
                    err, errsize,
                    "'%s:%s' was collected with --kallsyms (%s on its command line): the "
                    "kallsyms transfer lengthens its power-off phase and its total (about 0.3 s a "
                    "run under TCG), so it is no measurement to keep; collect the symbols in a "
                    "session of their own",
                    dir, var->name, COLLECT_KALLSYMS_ARG);
                return -EMEDIUMTYPE;
        }
        if (asprintf(&ref, "%s:%s", dir, var->name) < 0)
                return -ENOMEM;
        rc = runset_open(ref, &rs, why, sizeof(why));
        if (rc < 0) {
                util_whyf(err, errsize, "cannot read the session '%s': %s", ref,
                          why[0] ? why : strerror(-rc));
                goto out;
        }
        e->session_id = strdup(info->id ? info->id : "");
        e->variant = strdup(var->name);
        e->path = dup_or_null(rpath);
        e->created = strdup(info->created ? info->created : "");
        e->host_cpu = dup_or_null(info->host.cpu_model);
        e->host_kernel = dup_or_null(info->host.kernel);
        e->qemu_version = dup_or_null(info->host.qemu_version);
        e->accel = dup_or_null(info->host.accel);
        e->kernel_path = dup_or_null(var->kernel.path);
        e->kernel_sha256 = dup_or_null(var->kernel.sha256);
        e->cmdline = dup_or_null(var->cmdline);
        e->runs = calloc(rs.n + 1, sizeof(*e->runs));
        if (!e->session_id || !e->variant || !e->created || !e->runs) {
                rc = -ENOMEM;
                goto out;
        }
        /* the version from the kernel file only while it is still the one
         * the session booted (a CI rebuilds it in place) */
        if (var->kernel.path && var->kernel.sha256 &&
            session_file_sha256(var->kernel.path, hex, &size) == 0 &&
            strcmp(hex, var->kernel.sha256) == 0)
                vmlinux_kernel_version_file(var->kernel.path, &e->kernel_version, NULL, 0);
        for (size_t i = 0; i < rs.n; i++) {
                struct runset_run *r = &rs.v[i];

                e->runs_recorded += r->readable && strcmp(r->variant, var->name) == 0;
                if (!r->selected)
                        continue;
                e->runs_ok++;
                if (r->starved && o && o->exclude_starved) {
                        r->selected = false;
                        e->runs_left_out++;
                }
        }
        for (size_t i = 0; i < rs.n && rc == 0; i++) {
                struct run r;
                char *msg = NULL;

                if (!rs.v[i].selected)
                        continue;
                rc = runset_analyse(&rs, i, ro, &r, &msg);
                if (rc == 0) {
                        e->runs[e->nruns++] = rs.v[i].run;
                        rc = metrics_collect(&t, &r);
                } else if (msg)
                        util_whyf(err, errsize, "%s", msg);
                else if (rs.unreadable)
                        util_whyf(err, errsize, "cannot read '%s': %s", rs.unreadable,
                                  strerror(-rc));
                else
                        util_whyf(err, errsize, "cannot analyse run %u of '%s': %s", rs.v[i].run,
                                  dir, strerror(-rc));
                free(msg);
                run_free(&r);
        }
        if (rc)
                goto out;
        if (!e->nruns) {
                util_whyf(err, errsize, "'%s' has no run to add (%zu recorded, %zu ok%s)", ref,
                          e->runs_recorded, e->runs_ok,
                          e->runs_left_out ? ", every ok run starved by the host and left out"
                                           : "");
                rc = -ENODATA;
                goto out;
        }
        rc = metrics_table_finish(&t);
        if (rc == 0)
                rc = new_metrics(e, &t, top);
        if (rc == 0 && var->image.known)
                rc = new_size_metric(e, HISTORY_KERNEL_LOADED, var->image.loaded_size);
        if (rc == 0 && var->image.known)
                rc = new_size_metric(e, HISTORY_KERNEL_FILE, var->image.file_size);
        if (rc == 0)
                rc = new_labels(e, info, o);
out:
        metrics_table_free(&t);
        runset_free(&rs);
        free(ref);
        return rc;
}

int history_prepare(const char *ref, const struct history_add_options *o, struct history_new **v,
                    size_t *n, char *err, size_t errsize)
{
        struct session *s = NULL;
        const struct session_info *info;
        char *dir = NULL, *variant = NULL, *rpath = NULL, why[256] = "";
        struct history_new *out = NULL;
        size_t count = 0, first = 0;
        int rc;

        *v = NULL;
        *n = 0;
        util_whyf(err, errsize, "%s", "");
        rc = session_split_ref(ref, &dir, &variant);
        if (rc < 0)
                return rc;
        rc = session_open(dir, &s, why, sizeof(why));
        if (rc == -ENOENT || rc == -EINVAL) {
                util_whyf(err, errsize, "'%s' is not a bootlens session%s%s", dir,
                          why[0] ? ": " : "", why);
                goto out;
        }
        if (rc < 0) {
                util_whyf(err, errsize, "cannot read the session '%s': %s", dir, strerror(-rc));
                goto out;
        }
        info = session_info(s);
        for (size_t i = 0; i < info->nlabels; i++) {
                const char *key = info->labels[i].key, *value = info->labels[i].value;

                if (key && value && label_valid(key, strlen(key), value))
                        continue;
                util_whyf(err, errsize,
                          "'%s': its label '%.64s' (session.json) is no history label: KEY 1-%d of "
                          "[A-Za-z0-9_.-], VALUE at most %d bytes, no control characters",
                          dir, key ? key : "", LABEL_KEY_MAX, LABEL_VALUE_MAX);
                rc = -EINVAL;
                goto out;
        }
        count = info->nvariants;
        if (variant) {
                rc = session_variant_index(s, variant);
                if (rc < 0) {
                        util_whyf(err, errsize, "'%s': the session has no variant '%s'", dir,
                                  variant);
                        rc = -ESRCH;
                        goto out;
                }
                first = (size_t)rc;
                count = 1;
                rc = 0;
        }
        rpath = realpath(dir, NULL);
        out = calloc(count + 1, sizeof(*out));
        if (!out) {
                rc = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < count && rc == 0; i++)
                rc = prepare_variant(s, dir, rpath, first + i, o, &out[i], err, errsize);
        if (rc == 0) {
                *v = out;
                *n = count;
                out = NULL;
        }
out:
        history_news_free(out, count);
        session_free(s);
        free(rpath);
        free(dir);
        free(variant);
        return rc;
}

/* ---- reading entries ---- */

/* The string fields of an entry, in the order of ENTRY_COLS (columns 1..13). */
static const size_t entry_strs[] = {
    offsetof(struct history_entry, session_id),    offsetof(struct history_entry, variant),
    offsetof(struct history_entry, path),          offsetof(struct history_entry, created),
    offsetof(struct history_entry, added),         offsetof(struct history_entry, host_cpu),
    offsetof(struct history_entry, host_kernel),   offsetof(struct history_entry, qemu_version),
    offsetof(struct history_entry, accel),         offsetof(struct history_entry, kernel_path),
    offsetof(struct history_entry, kernel_sha256), offsetof(struct history_entry, kernel_version),
    offsetof(struct history_entry, cmdline),
};
#define NENTRY_STRS (sizeof(entry_strs) / sizeof(entry_strs[0]))

static char **entry_str(struct history_entry *e, size_t i)
{
        return (char **)(void *)((char *)e + entry_strs[i]);
}

static char *const *entry_cstr(const struct history_entry *e, size_t i)
{
        return (char *const *)(const void *)((const char *)e + entry_strs[i]);
}

void history_entry_free(struct history_entry *e)
{
        if (e->block) { /* every string and the labels live in it */
                free(e->block);
                memset(e, 0, sizeof(*e));
                return;
        }
        for (size_t i = 0; i < NENTRY_STRS; i++)
                free(*entry_str(e, i));
        labels_free(e->labels, e->nlabels);
        memset(e, 0, sizeof(*e));
}

void history_entries_free(struct history_entry *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                history_entry_free(&v[i]);
        free(v);
}

/* The ENTRY_COLS of the current row into e (zeroed first). */
static int read_entry(struct histdb_stmt *st, struct history_entry *e)
{
        int rc = 0;

        memset(e, 0, sizeof(*e));
        e->id = histdb_column_int64(st, 0);
        for (size_t i = 0; i < NENTRY_STRS && rc == 0; i++)
                rc = col_str(st, (int)i + 1, entry_str(e, i));
        e->runs_recorded = col_size(st, 14);
        e->runs_ok = col_size(st, 15);
        e->runs_left_out = col_size(st, 16);
        e->runs_used = col_size(st, 17);
        if (rc)
                history_entry_free(e);
        return rc;
}

static void read_summary(struct histdb_stmt *st, int col, struct history_summary *s)
{
        s->n = col_size(st, col);
        s->median = histdb_column_double(st, col + 1);
        s->ci_lo = histdb_column_double(st, col + 2);
        s->ci_hi = histdb_column_double(st, col + 3);
        s->ci_coverage = histdb_column_double(st, col + 4);
        s->q25 = histdb_column_double(st, col + 5);
        s->q75 = histdb_column_double(st, col + 6);
        s->min = histdb_column_double(st, col + 7);
        s->max = histdb_column_double(st, col + 8);
}

/* A label row (entry, key, value) appended to e. */
static int add_label_row(struct histdb_stmt *st, struct history_entry *e)
{
        struct history_label *grown = realloc(e->labels, (e->nlabels + 1) * sizeof(*grown));

        if (!grown)
                return -ENOMEM;
        e->labels = grown;
        if (col_str(st, 1, &grown[e->nlabels].key) < 0)
                return -ENOMEM;
        if (col_str(st, 2, &grown[e->nlabels].value) < 0 || !grown[e->nlabels].key ||
            !grown[e->nlabels].value) {
                free(grown[e->nlabels].key);
                free(grown[e->nlabels].value);
                return -ENOMEM;
        }
        e->nlabels++;
        return 0;
}

/* The labels of the entries ev[0..n) (ascending id), from one query over
 * every label (a merge: both in id order). Returns 0 or -errno. */
static int attach_labels(struct history *h, struct history_entry **ev, size_t n)
{
        struct histdb_stmt *st;
        size_t j = 0;
        int rc;

        if (n == 0)
                return 0;
        if (n == 1) {
                st = stmt(h, ST_LABELS_OF, &rc);
                if (st)
                        histdb_bind_int64(st, 1, ev[0]->id);
        } else
                st = stmt(h, ST_LABELS_ALL, &rc);
        if (!st)
                return rc ? rc : -EIO;
        while ((rc = histdb_step(st)) == HISTDB_ROW) {
                int64_t id = histdb_column_int64(st, 0);

                while (j < n && ev[j]->id < id)
                        j++;
                if (j == n)
                        break;
                if (ev[j]->id == id && add_label_row(st, ev[j]) < 0) {
                        histdb_reset(st);
                        return -ENOMEM;
                }
        }
        histdb_reset(st);
        if (rc != HISTDB_ROW && rc != 0)
                return rc;
        /* in byte order whatever the database's collation (a PostgreSQL
         * database's ORDER BY key follows its locale, SQLite's is bytes) */
        for (size_t i = 0; i < n; i++)
                if (ev[i]->nlabels > 1)
                        qsort(ev[i]->labels, ev[i]->nlabels, sizeof(*ev[i]->labels), by_key);
        return 0;
}

const char *history_entry_label(const struct history_entry *e, const char *key)
{
        for (size_t i = 0; i < e->nlabels; i++)
                if (strcmp(e->labels[i].key, key) == 0)
                        return e->labels[i].value;
        if (strcmp(key, "session") == 0)
                return e->session_id;
        if (strcmp(key, "variant") == 0)
                return e->variant;
        if (strcmp(key, "created") == 0)
                return e->created;
        if (strcmp(key, "kernel_version") == 0)
                return e->kernel_version;
        return NULL;
}

static bool entry_matches(const struct history_entry *e, const struct history_filter *f)
{
        for (size_t i = 0; f && i < f->nwhere; i++) {
                const char *v = history_entry_label(e, f->where[i].key);

                if (!v || strcmp(v, f->where[i].value) != 0)
                        return false;
        }
        return true;
}

static bool filtered(const struct history_filter *f)
{
        return f && f->nwhere > 0;
}

/* Every entry in id order with its labels (for the cache). Returns the
 * count or -errno. */
static ssize_t load(struct history *h, struct history_entry **out)
{
        struct history_entry **ev = NULL, *v = NULL;
        size_t n = 0, cap = 0;
        struct histdb_stmt *st;
        int rc;

        *out = NULL;
        st = stmt(h, ST_ENTRIES_ALL, &rc);
        if (!st)
                return rc ? rc : -EIO;
        while ((rc = histdb_step(st)) == HISTDB_ROW) {
                if (grow(&v, n, &cap, sizeof(*v)) < 0 || read_entry(st, &v[n]) < 0) {
                        rc = -ENOMEM;
                        goto fail;
                }
                n++;
        }
        histdb_reset(st);
        if (rc != 0) {
                rc = rc ? rc : -EIO;
                goto fail;
        }
        ev = malloc((n + 1) * sizeof(*ev));
        if (!ev) {
                rc = -ENOMEM;
                goto fail;
        }
        for (size_t i = 0; i < n; i++)
                ev[i] = &v[i];
        rc = attach_labels(h, ev, n);
        free(ev);
        if (rc < 0)
                goto fail;
        *out = v;
        return (ssize_t)n;
fail:
        histdb_reset(st);
        history_entries_free(v, n);
        return rc;
}

static int by_created(const struct history_entry *x, const struct history_entry *y)
{
        int c = strcmp(x->created ? x->created : "", y->created ? y->created : "");

        if (c)
                return c;
        return x->id < y->id ? -1 : x->id > y->id;
}

static int history_cache(struct history *h);
static int cache_order(struct history *h, const char *by);
static int entry_copy(const struct history_entry *src, struct history_entry *dst);

int history_list(struct history *h, const struct history_filter *f, struct history_entry **v,
                 size_t *n)
{
        struct entry_cache *c = &h->cache;
        struct history_entry *out = NULL;
        size_t k = 0;
        int rc = read_begin(h);

        *v = NULL;
        *n = 0;
        if (rc < 0)
                return rc;
        rc = history_cache(h);
        if (rc == 0)
                rc = cache_order(h, NULL);
        if (rc == 0) {
                out = calloc(c->norder + 1, sizeof(*out));
                rc = out ? 0 : -ENOMEM;
        }
        for (size_t i = 0; i < c->norder && rc == 0; i++) {
                const struct history_entry *e = &c->v[c->order[i]];

                if (entry_matches(e, f))
                        rc = entry_copy(e, &out[k++]);
        }
        read_end(h, 0);
        if (rc < 0) {
                history_entries_free(out, k);
                return rc;
        }
        *v = out;
        *n = k;
        return 0;
}

/* The rows of st (bound) counted; when there is exactly one, it is read
 * into e with its labels (else e stays zeroed). */
static int get_rows(struct history *h, struct histdb_stmt *st, struct history_entry *e,
                    size_t *rows)
{
        struct history_entry *ev[1];
        int rc;

        *rows = 0;
        while ((rc = histdb_step(st)) == HISTDB_ROW) {
                if (*rows == 0 && read_entry(st, e) < 0) {
                        histdb_reset(st);
                        return -ENOMEM;
                }
                (*rows)++;
        }
        histdb_reset(st);
        if (rc != 0 || *rows > 1) {
                if (*rows)
                        history_entry_free(e);
                if (rc != 0)
                        return rc ? rc : -EIO;
        }
        if (*rows != 1)
                return 0;
        ev[0] = e;
        rc = attach_labels(h, ev, 1);
        if (rc < 0)
                history_entry_free(e);
        return rc;
}

static bool all_digits(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

int history_get(struct history *h, const char *spec, struct history_entry *e)
{
        const char *colon = strrchr(spec, ':');
        struct histdb_stmt *st;
        size_t rows = 0;
        char *sid = NULL;
        int rc;

        memset(e, 0, sizeof(*e));
        if (all_digits(spec)) {
                uint64_t id;

                if (util_parse_u64(spec, 10, &id) < 0 || id > INT64_MAX)
                        return -ENOENT;
                st = stmt(h, ST_ENTRY_BY_ID, &rc);
                if (!st)
                        return rc;
                histdb_bind_int64(st, 1, (int64_t)id);
                rc = get_rows(h, st, e, &rows);
                return rc < 0 ? rc : rows ? 0 : -ENOENT;
        }
        /* the whole spec as a session id first, then SESSION:VARIANT */
        st = stmt(h, ST_ENTRIES_BY_SESSION, &rc);
        if (!st)
                return rc;
        histdb_bind_text(st, 1, spec);
        rc = get_rows(h, st, e, &rows);
        if (rc < 0)
                return rc;
        if (rows > 1)
                return -EINVAL;
        if (rows == 1)
                return 0;
        if (!colon)
                return -ENOENT;
        sid = strndup(spec, (size_t)(colon - spec));
        if (!sid)
                return -ENOMEM;
        st = stmt(h, ST_ENTRY_FIND, &rc);
        if (!st) {
                free(sid);
                return rc;
        }
        histdb_bind_text(st, 1, sid);
        histdb_bind_text(st, 2, colon + 1);
        rc = histdb_step(st);
        if (rc == HISTDB_ROW) {
                int64_t id = histdb_column_int64(st, 0);

                histdb_reset(st);
                free(sid);
                st = stmt(h, ST_ENTRY_BY_ID, &rc);
                if (!st)
                        return rc;
                histdb_bind_int64(st, 1, id);
                rc = get_rows(h, st, e, &rows);
                return rc < 0 ? rc : rows ? 0 : -ENOENT;
        }
        histdb_reset(st);
        free(sid);
        return rc == 0 ? -ENOENT : rc;
}

/* ---- metrics of an entry ---- */

void history_metrics_free(struct history_metric *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].name);
                free(v[i].phase);
        }
        free(v);
}

struct metric_row {
        struct history_metric m;
        size_t pos;
};

static int by_metric_order(const void *a, const void *b)
{
        const struct metric_row *x = a, *y = b;

        if (x->m.kind != y->m.kind)
                return x->m.kind < y->m.kind ? -1 : 1;
        if (x->m.kind == COMPARE_FN && x->m.s.median != y->m.s.median)
                return x->m.s.median > y->m.s.median ? -1 : 1;
        return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void metric_rows_free(struct metric_row *rows, size_t k)
{
        for (size_t i = 0; i < k; i++) {
                free(rows[i].m.name);
                free(rows[i].m.phase);
        }
        free(rows);
}

/* Every metric of entry id with its summary and position, in position
 * order, into *rows, *nrows (metric_rows_free). Returns 0, -ENOENT,
 * -errno. */
static int metric_rows(struct history *h, int64_t id, struct metric_row **rowsp, size_t *nrows)
{
        struct metric_row *rows = NULL;
        size_t k = 0, cap = 0;
        struct histdb_stmt *st;
        int rc;

        *rowsp = NULL;
        *nrows = 0;
        st = stmt(h, ST_ENTRY_BY_ID, &rc);
        if (!st)
                return rc;
        histdb_bind_int64(st, 1, id);
        rc = histdb_step(st);
        histdb_reset(st);
        if (rc == 0)
                return -ENOENT;
        if (rc != HISTDB_ROW)
                return rc;
        st = stmt(h, ST_ENTRY_METRICS, &rc);
        if (!st)
                return rc;
        histdb_bind_int64(st, 1, id);
        while ((rc = histdb_step(st)) == HISTDB_ROW) {
                struct metric_row *r;

                if (grow(&rows, k, &cap, sizeof(*rows)) < 0) {
                        rc = -ENOMEM;
                        break;
                }
                r = &rows[k];
                memset(r, 0, sizeof(*r));
                r->m.kind = (enum compare_kind)(int)histdb_column_int64(st, 1);
                r->pos = col_size(st, 3);
                read_summary(st, 4, &r->m.s);
                if (col_str(st, 0, &r->m.name) < 0 || col_str(st, 2, &r->m.phase) < 0 ||
                    !r->m.name) {
                        free(r->m.name);
                        rc = -ENOMEM;
                        break;
                }
                k++;
        }
        histdb_reset(st);
        if (rc != 0) {
                metric_rows_free(rows, k);
                return rc;
        }
        *rowsp = rows;
        *nrows = k;
        return 0;
}

int history_entry_metrics(struct history *h, int64_t id, struct history_metric **v, size_t *n)
{
        struct metric_row *rows;
        struct history_metric *out;
        size_t k;
        int rc;

        *v = NULL;
        *n = 0;
        rc = metric_rows(h, id, &rows, &k);
        if (rc != 0)
                return rc;
        if (k)
                qsort(rows, k, sizeof(*rows), by_metric_order);
        out = calloc(k + 1, sizeof(*out));
        if (!out) {
                metric_rows_free(rows, k);
                return -ENOMEM;
        }
        for (size_t i = 0; i < k; i++)
                out[i] = rows[i].m;
        free(rows);
        *v = out;
        *n = k;
        return 0;
}

/* ---- metric names ---- */

void history_names_free(char **names, size_t n)
{
        for (size_t i = 0; names && i < n; i++)
                free(names[i]);
        free(names);
}

struct name_row {
        int64_t id;
        int kind;
        char *name;
        bool used;
};

static int by_name_order(const void *a, const void *b)
{
        const struct name_row *x = a, *y = b;

        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        if (x->kind == COMPARE_PHASE)
                return x->id < y->id ? -1 : x->id > y->id;
        return strcmp(x->name, y->name);
}

static int by_row_id(const void *a, const void *b)
{
        const struct name_row *x = a, *y = b;

        return x->id < y->id ? -1 : x->id > y->id;
}

/* Mark the metrics the entries of f have (rows by id). */
static int mark_used(struct history *h, const struct history_filter *f, struct name_row *rows,
                     size_t nrows)
{
        struct history_entry *ev;
        size_t ne;
        int rc = history_list(h, f, &ev, &ne);

        for (size_t i = 0; i < ne && rc == 0; i++) {
                struct histdb_stmt *st = stmt(h, ST_METRICS_OF, &rc);
                int sr;

                if (!st) {
                        rc = rc;
                        break;
                }
                histdb_bind_int64(st, 1, ev[i].id);
                while ((sr = histdb_step(st)) == HISTDB_ROW) {
                        struct name_row key = {.id = histdb_column_int64(st, 0)};
                        struct name_row *r = bsearch(&key, rows, nrows, sizeof(*rows), by_row_id);

                        if (r)
                                r->used = true;
                }
                histdb_reset(st);
                if (sr != 0)
                        rc = sr ? sr : -EIO;
        }
        history_entries_free(ev, ne);
        return rc;
}

int history_metric_names(struct history *h, const struct history_filter *f, char ***names,
                         size_t *n)
{
        struct name_row *rows = NULL;
        size_t k = 0, cap = 0, m = 0;
        struct histdb_stmt *st;
        char **out = NULL;
        int rc;

        *names = NULL;
        *n = 0;
        st = stmt(h, ST_METRIC_NAMES, &rc);
        if (!st)
                return rc;
        while ((rc = histdb_step(st)) == HISTDB_ROW) {
                if (grow(&rows, k, &cap, sizeof(*rows)) < 0) {
                        rc = -ENOMEM;
                        break;
                }
                rows[k].id = histdb_column_int64(st, 0);
                rows[k].kind = (int)histdb_column_int64(st, 2);
                rows[k].used = !filtered(f); /* every stored metric has an entry */
                if (col_str(st, 1, &rows[k].name) < 0 || !rows[k].name) {
                        rc = -ENOMEM;
                        break;
                }
                k++;
        }
        histdb_reset(st);
        rc = rc < 0 ? rc : 0;
        if (rc == 0 && filtered(f))
                rc = mark_used(h, f, rows, k);
        if (rc == 0 && k)
                qsort(rows, k, sizeof(*rows), by_name_order);
        if (rc == 0) {
                out = calloc(k + 1, sizeof(*out));
                rc = out ? 0 : -ENOMEM;
        }
        for (size_t i = 0; i < k; i++) {
                if (rc == 0 && rows[i].used) {
                        out[m++] = rows[i].name;
                        continue;
                }
                free(rows[i].name);
        }
        free(rows);
        if (rc < 0) {
                history_names_free(out, m);
                return rc;
        }
        *names = out;
        *n = m;
        return 0;
}

/* ---- series ---- */

void history_series_free(struct history_series *s)
{
        if (!s)
                return;
        free(s->metric);
        for (size_t i = 0; s->v && i < s->n; i++)
                history_entry_free(&s->v[i].e);
        free(s->v);
        memset(s, 0, sizeof(*s));
}

/* ---- the entry cache ---- */

static void cache_free(struct entry_cache *c)
{
        history_entries_free(c->v, c->n);
        free(c->by);
        free(c->order);
        memset(c, 0, sizeof(*c));
}

static size_t str_size(const char *s)
{
        return s ? strlen(s) + 1 : 0;
}

/* Copy s into the block at *at (NULL stays NULL). */
static char *str_put(char **at, const char *s)
{
        char *d = *at;
        size_t len = str_size(s);

        if (!s)
                return NULL;
        memcpy(d, s, len);
        *at += len;
        return d;
}

/* A deep copy of src in one allocation (dst->block): the labels array
 * first, then every string. history_entry_free frees it. */
static int entry_copy(const struct history_entry *src, struct history_entry *dst)
{
        size_t size = src->nlabels * sizeof(*dst->labels);
        char *at;

        for (size_t i = 0; i < NENTRY_STRS; i++)
                size += str_size(*entry_cstr(src, i));
        for (size_t i = 0; i < src->nlabels; i++)
                size += str_size(src->labels[i].key) + str_size(src->labels[i].value);
        *dst = *src;
        dst->block = malloc(size ? size : 1);
        if (!dst->block) {
                memset(dst, 0, sizeof(*dst));
                return -ENOMEM;
        }
        dst->labels = src->nlabels ? dst->block : NULL;
        at = (char *)dst->block + src->nlabels * sizeof(*dst->labels);
        for (size_t i = 0; i < NENTRY_STRS; i++)
                *entry_str(dst, i) = str_put(&at, *entry_cstr(src, i));
        for (size_t i = 0; i < src->nlabels; i++) {
                dst->labels[i].key = str_put(&at, src->labels[i].key);
                dst->labels[i].value = str_put(&at, src->labels[i].value);
        }
        return 0;
}

/* Make the cache current, inside a read transaction. */
static int history_cache(struct history *h)
{
        struct entry_cache *c = &h->cache;
        int64_t dv = 0;
        struct history_entry *v = NULL;
        ssize_t n;
        int rc;

        rc = histdb_data_version(h->db, &dv);
        if (rc < 0)
                return rc;
        if (c->valid && c->data_version == dv && c->writes == h->writes)
                return 0;
        cache_free(c);
        n = load(h, &v);
        if (n < 0)
                return (int)n;
        c->v = v;
        c->n = (size_t)n;
        c->data_version = dv;
        c->writes = h->writes;
        c->valid = true;
        return 0;
}

struct order_key {
        const char *by;
        const struct history_entry *e;
        size_t i;
};

static int by_order_key(const void *a, const void *b)
{
        const struct order_key *x = a, *y = b;

        if (x->by && y->by) {
                int c = strverscmp(x->by, y->by);

                if (c)
                        return c;
        }
        return by_created(x->e, y->e);
}

/* The cache's order for by (NULL: created), kept until by changes. */
static int cache_order(struct history *h, const char *by)
{
        struct entry_cache *c = &h->cache;
        struct order_key *k;
        size_t n = 0;

        if (c->ordered && ((!by && !c->by) || (by && c->by && strcmp(by, c->by) == 0)))
                return 0;
        free(c->by);
        free(c->order);
        c->by = NULL;
        c->order = NULL;
        c->ordered = false;
        c->norder = 0;
        if (by && !(c->by = strdup(by)))
                return -ENOMEM;
        c->order = malloc((c->n + 1) * sizeof(*c->order));
        k = malloc((c->n + 1) * sizeof(*k));
        if (!c->order || !k) {
                free(k);
                return -ENOMEM;
        }
        for (size_t i = 0; i < c->n; i++) {
                const char *v = by ? history_entry_label(&c->v[i], by) : NULL;

                if (by && !v)
                        continue;
                k[n].by = v;
                k[n].e = &c->v[i];
                k[n++].i = i;
        }
        qsort(k, n, sizeof(*k), by_order_key);
        for (size_t i = 0; i < n; i++)
                c->order[i] = k[i].i;
        free(k);
        c->norder = n;
        c->ordered = true;
        return 0;
}

/* The summaries of metric mid merged into the cache's entries: has[i]
 * and sum[i] for entry c->v[i]. */
static int summaries_of(struct history *h, int64_t mid, bool *has, struct history_summary *sum)
{
        const struct entry_cache *c = &h->cache;
        struct histdb_stmt *st = stmt(h, ST_SUMMARIES_OF, &(int){0});
        size_t j = 0;
        int rc;

        if (!st)
                return -EIO;
        histdb_bind_int64(st, 1, mid);
        while ((rc = histdb_step(st)) == HISTDB_ROW) {
                int64_t id = histdb_column_int64(st, 0);

                while (j < c->n && c->v[j].id < id)
                        j++;
                if (j == c->n)
                        break;
                if (c->v[j].id != id)
                        continue; /* an entry newer than the cache: not in this snapshot */
                has[j] = true;
                read_summary(st, 1, &sum[j]);
        }
        histdb_reset(st);
        return rc < 0 ? rc : 0;
}

static int series(struct history *h, const char *metric, const struct history_filter *f,
                  const char *by, struct history_series *s)
{
        struct entry_cache *c = &h->cache;
        struct history_summary *sum = NULL;
        int64_t mid = 0;
        struct histdb_stmt *st;
        bool *has = NULL;
        int rc;

        s->metric = strdup(metric);
        if (!s->metric)
                return -ENOMEM;
        s->kind = kind_of_name(metric);
        st = stmt(h, ST_METRIC_FIND, &rc);
        if (!st)
                return rc ? rc : -EIO;
        histdb_bind_text(st, 1, metric);
        rc = histdb_step(st);
        if (rc == HISTDB_ROW) {
                mid = histdb_column_int64(st, 0);
                s->kind = (enum compare_kind)(int)histdb_column_int64(st, 1);
        }
        histdb_reset(st);
        if (rc != HISTDB_ROW && rc != 0)
                return rc ? rc : -EIO;
        rc = history_cache(h);
        if (rc == 0)
                rc = cache_order(h, by);
        if (rc < 0)
                return rc;
        has = calloc(c->n + 1, sizeof(*has));
        sum = calloc(c->n + 1, sizeof(*sum));
        s->v = calloc(c->norder + 1, sizeof(*s->v));
        if (!has || !sum || !s->v) {
                rc = -ENOMEM;
                goto out;
        }
        if (mid)
                rc = summaries_of(h, mid, has, sum);
        for (size_t i = 0; i < c->n && rc == 0; i++) {
                if (!entry_matches(&c->v[i], f))
                        continue;
                if (!has[i])
                        s->nmissing_metric++;
                else if (by && !history_entry_label(&c->v[i], by))
                        s->nmissing_label++;
        }
        for (size_t k = 0; k < c->norder && rc == 0; k++) {
                size_t i = c->order[k];
                struct history_point *p = &s->v[s->n];

                if (!has[i] || !entry_matches(&c->v[i], f))
                        continue;
                rc = entry_copy(&c->v[i], &p->e);
                if (rc < 0)
                        break;
                p->s = sum[i];
                p->by = by ? history_entry_label(&p->e, by) : NULL;
                s->n++;
        }
out:
        free(has);
        free(sum);
        return rc;
}

int history_series(struct history *h, const char *metric, const struct history_filter *f,
                   const char *by, struct history_series *s)
{
        int rc;

        memset(s, 0, sizeof(*s));
        rc = read_begin(h);
        return rc < 0 ? rc : read_end(h, series(h, metric, f, by, s));
}

int history_values(struct history *h, int64_t id, const char *metric, double **v, size_t *n)
{
        double *out = NULL;
        size_t k = 0, cap = 0;
        struct histdb_stmt *st;
        int rc;

        *v = NULL;
        *n = 0;
        st = stmt(h, ST_VALUES, &rc);
        if (!st)
                return rc;
        histdb_bind_text(st, 1, metric);
        histdb_bind_int64(st, 2, id);
        while ((rc = histdb_step(st)) == HISTDB_ROW) {
                if (grow(&out, k, &cap, sizeof(*out)) < 0) {
                        rc = -ENOMEM;
                        break;
                }
                out[k++] = histdb_column_double(st, 0);
        }
        histdb_reset(st);
        if (rc != 0) {
                free(out);
                return rc ? rc : -EIO;
        }
        *v = out;
        *n = k;
        return 0;
}

/* ---- pushing: one history's entries into another ---- */

/* The run values of metric name in src's entry id copied into dst's
 * entry as metric mid. *who: the history that failed. */
static int copy_values(struct history *dst, struct history *src, int64_t id, const char *name,
                       int64_t mid, int64_t entry, struct history **who)
{
        struct histdb_stmt *st;
        int rc;

        *who = src;
        st = stmt(src, ST_RUNS_OF, &rc);
        if (!st)
                return rc;
        histdb_bind_text(st, 1, name);
        histdb_bind_int64(st, 2, id);
        while ((rc = histdb_step(st)) == HISTDB_ROW) {
                rc = insert_value(dst, mid, entry, histdb_column_int64(st, 0),
                                  histdb_column_double(st, 1));
                if (rc != 0) {
                        *who = dst;
                        break;
                }
        }
        histdb_reset(st);
        return rc;
}

/* Inside dst's transaction: entry e of src (id) with its metrics rows. */
static int copy_body(struct history *dst, struct history *src, const struct history_entry *e,
                     const struct metric_row *rows, size_t nrows, int64_t *entry, char *err,
                     size_t errsize)
{
        const struct history_new head = {
            .session_id = e->session_id,
            .variant = e->variant,
            .path = e->path,
            .created = e->created,
            .host_cpu = e->host_cpu,
            .host_kernel = e->host_kernel,
            .qemu_version = e->qemu_version,
            .accel = e->accel,
            .kernel_path = e->kernel_path,
            .kernel_sha256 = e->kernel_sha256,
            .kernel_version = e->kernel_version,
            .cmdline = e->cmdline,
            .labels = e->labels,
            .nlabels = e->nlabels,
            .runs_recorded = e->runs_recorded,
            .runs_ok = e->runs_ok,
            .runs_left_out = e->runs_left_out,
        };
        struct history *who = dst;
        int rc;

        rc = insert_head(dst, &head, e->added, e->runs_used, entry, err, errsize);
        if (rc != 0)
                return rc;
        for (size_t i = 0; i < nrows && rc == 0; i++) {
                const struct history_metric *m = &rows[i].m;
                int64_t mid = 0;

                who = dst;
                rc = metric_id(dst, m->name, m->kind, &mid);
                if (rc == 0)
                        rc = copy_values(dst, src, e->id, m->name, mid, *entry, &who);
                if (rc == 0) {
                        who = dst;
                        rc = insert_summary(dst, mid, *entry, rows[i].pos, m->phase, &m->s);
                }
        }
        if (rc == 0) {
                who = dst;
                rc = flush_metrics(dst);
        }
        if (rc == -ENOMEM)
                return rc;
        if (rc != 0)
                return fail(who, rc, "cannot copy the values", err, errsize);
        return 0;
}

int history_copy_entry(struct history *dst, struct history *src, int64_t id, int64_t *dst_id,
                       char *err, size_t errsize)
{
        struct history_entry e = {0};
        struct metric_row *rows = NULL;
        size_t nrows = 0;
        int64_t entry = 0;
        char spec[32];
        int rc;

        util_whyf(err, errsize, "%s", "");
        snprintf(spec, sizeof(spec), "%lld", (long long)id);
        rc = history_get(src, spec, &e);
        if (rc == 0)
                rc = metric_rows(src, id, &rows, &nrows);
        if (rc == -ENOENT) {
                util_whyf(err, errsize, "%s: no entry %lld", src->path, (long long)id);
                goto out_free;
        }
        if (rc != 0) {
                if (rc != -ENOMEM)
                        rc = fail(src, rc, "cannot read the entry", err, errsize);
                goto out_free;
        }
        rc = histdb_begin(dst->db, true);
        if (rc != 0) {
                rc = fail(dst, rc, "cannot begin", err, errsize);
                goto out_free;
        }
        rc = copy_body(dst, src, &e, rows, nrows, &entry, err, errsize);
        if (rc == 0) {
                int sr = histdb_commit(dst->db);

                if (sr != 0)
                        rc = fail(dst, sr, "cannot commit", err, errsize);
                else
                        dst->writes++;
        }
        if (rc < 0) {
                histdb_rollback(dst->db);
                batches_drop(dst);
        } else if (dst_id)
                *dst_id = entry;
out_free:
        metric_rows_free(rows, nrows);
        history_entry_free(&e);
        return rc;
}

int history_push(struct history *dst, struct history *src, const struct history_push_options *o,
                 struct history_push_result *r, char *err, size_t errsize)
{
        struct history_entry *v = NULL;
        char one[1024];
        size_t n = 0;
        int rc, first = 0;

        memset(r, 0, sizeof(*r));
        util_whyf(err, errsize, "%s", "");
        rc = history_list(src, NULL, &v, &n);
        if (rc != 0) {
                if (rc != -ENOMEM)
                        rc = fail(src, rc, "cannot list the entries", err, errsize);
                return rc;
        }
        for (size_t i = 0; i < n; i++) {
                rc = history_copy_entry(dst, src, v[i].id, NULL, one, sizeof(one));
                if (rc == 0) {
                        r->pushed++;
                        continue;
                }
                if (rc == -EEXIST) {
                        r->present++;
                        continue;
                }
                r->failed++;
                if (o && o->failed)
                        o->failed(o->arg, &v[i], rc, one);
                if (!first) {
                        first = rc;
                        util_whyf(err, errsize, "%s", one);
                }
                if (rc == -ENOMEM)
                        break;
        }
        history_entries_free(v, n);
        return first;
}

/* ---- the spool ---- */

bool history_unreachable(int rc)
{
        return rc == -ECONNREFUSED || rc == -EHOSTUNREACH || rc == -ETIMEDOUT ||
               rc == -ENETUNREACH || rc == -ECONNRESET || rc == -EPIPE;
}

int history_spool_default(char **path)
{
        const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        int n;

        *path = NULL;
        if (state && state[0] == '/')
                n = asprintf(path, "%s/bootlens/" HISTORY_SPOOL_NAME, state);
        else if (home && *home)
                n = asprintf(path, "%s/.local/state/bootlens/" HISTORY_SPOOL_NAME, home);
        else
                return -ENOENT;
        if (n < 0) {
                *path = NULL;
                return -ENOMEM;
        }
        return 0;
}
