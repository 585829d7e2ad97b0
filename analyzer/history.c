/*
 * history: the SQLite store of stored sessions (analyzer/history.h); the
 * schema and why it is shaped so: docs/history-schema.md.
 */
#include "analyzer/history.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/aggregate.h"
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
#define SQLITE_HEADER   100

/* ---- the schema ---- */

/* Version 1. Plain SQL types (docs/history-schema.md says what is
 * SQLite's own: INTEGER PRIMARY KEY as the rowid, WITHOUT ROWID). */
static const char schema_v1[] =
    "CREATE TABLE bootlens_meta (\n"
    "  key TEXT PRIMARY KEY,\n"
    "  value TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE entries (\n"
    "  id INTEGER PRIMARY KEY,\n"
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
    "  entry INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,\n"
    "  key TEXT NOT NULL,\n"
    "  value TEXT NOT NULL,\n"
    "  PRIMARY KEY (entry, key)\n"
    ");\n"
    "CREATE INDEX labels_key_value ON labels (key, value);\n"
    "CREATE TABLE metrics (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  kind INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE run_values (\n"
    "  metric INTEGER NOT NULL REFERENCES metrics (id),\n"
    "  entry INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,\n"
    "  run INTEGER NOT NULL,\n"
    "  value DOUBLE PRECISION NOT NULL,\n"
    "  PRIMARY KEY (metric, entry, run)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE summaries (\n"
    "  metric INTEGER NOT NULL REFERENCES metrics (id),\n"
    "  entry INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,\n"
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
    ") WITHOUT ROWID;\n"
    "CREATE INDEX summaries_entry ON summaries (entry);\n";

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
        ST_BEGIN,
        ST_BEGIN_READ,
        ST_COMMIT,
        ST_ROLLBACK,
        ST_ENTRY_FIND,
        ST_ENTRY_INSERT,
        ST_LABEL_INSERT,
        ST_METRIC_FIND,
        ST_METRIC_INSERT,
        ST_VALUE_INSERT,
        ST_SUMMARY_INSERT,
        ST_ENTRIES_ALL,
        ST_SUMMARIES_OF,
        ST_DATA_VERSION,
        ST_ENTRY_BY_ID,
        ST_ENTRIES_BY_SESSION,
        ST_LABELS_ALL,
        ST_LABELS_OF,
        ST_ENTRY_METRICS,
        ST_METRIC_NAMES,
        ST_METRICS_OF,
        ST_VALUES,
        ST_COUNT_ENTRIES,
        NSTMT,
};

static const char *const stmt_sql[NSTMT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_BEGIN_READ] = "BEGIN",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_ENTRY_FIND] = "SELECT id FROM entries WHERE session_id = ?1 AND variant = ?2",
    [ST_ENTRY_INSERT] =
        "INSERT INTO entries (session_id, variant, path, created, added, host_cpu, host_kernel, "
        "qemu_version, accel, kernel_path, kernel_sha256, kernel_version, cmdline, "
        "runs_recorded, runs_ok, runs_left_out, runs_used) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    [ST_LABEL_INSERT] = "INSERT INTO labels (entry, key, value) VALUES (?1, ?2, ?3)",
    [ST_METRIC_FIND] = "SELECT id, kind FROM metrics WHERE name = ?1",
    [ST_METRIC_INSERT] = "INSERT INTO metrics (name, kind) VALUES (?1, ?2)",
    [ST_VALUE_INSERT] =
        "INSERT INTO run_values (metric, entry, run, value) VALUES (?1, ?2, ?3, ?4)",
    [ST_SUMMARY_INSERT] =
        "INSERT INTO summaries (metric, entry, pos, phase, n, median, ci_lo, ci_hi, ci_coverage, "
        "q25, q75, min, max) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [ST_ENTRIES_ALL] = "SELECT " ENTRY_COLS " FROM entries e ORDER BY e.id",
    [ST_SUMMARIES_OF] = "SELECT s.entry, " SUMMARY_COLS " FROM summaries s WHERE s.metric = ?1"
                        " ORDER BY s.entry",
    [ST_DATA_VERSION] = "PRAGMA data_version",
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
};

/*
 * Every entry with its labels, read once and kept while the database is
 * unchanged: a series (and a list) is then one query over the summaries
 * of its metric, merged with these. Stale when PRAGMA data_version moved
 * (another connection committed) or this connection wrote (writes).
 */
struct entry_cache {
        bool valid;
        sqlite3_int64 data_version;
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
        sqlite3 *db;
        char *path;
        int version;
        sqlite3_stmt *st[NSTMT];
        unsigned writes; /* transactions this connection committed */
        struct entry_cache cache;
};

static void cache_free(struct entry_cache *c);

/* ---- small helpers ---- */

static void say(char *err, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errsize, const char *fmt, ...)
{
        va_list ap;

        if (!err || !errsize)
                return;
        va_start(ap, fmt);
        vsnprintf(err, errsize, fmt, ap);
        va_end(ap);
}

static int sqlite_errno(int rc)
{
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_ROW:
        case SQLITE_DONE:
                return 0;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_NOTADB:
                return -EINVAL;
        case SQLITE_CONSTRAINT:
                return (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
                           ? -EEXIST
                           : -EIO;
        default:
                return -EIO;
        }
}

/* An SQLite failure rc while doing what: err names the database. */
static int fail(const struct history *h, int rc, const char *what, char *err, size_t errsize)
{
        int e = sqlite_errno(rc);

        if (e == -EBUSY)
                say(err, errsize, "%s: %s: the database stayed locked (%s)", h->path, what,
                    sqlite3_errmsg(h->db));
        else
                say(err, errsize, "%s: %s: %s", h->path, what, sqlite3_errmsg(h->db));
        return e ? e : -EIO;
}

/* Statement s, reset with its bindings cleared. NULL: *rc says why. */
static sqlite3_stmt *stmt(struct history *h, enum stmt s, int *rc)
{
        if (!h->st[s]) {
                *rc = sqlite3_prepare_v3(h->db, stmt_sql[s], -1, SQLITE_PREPARE_PERSISTENT,
                                         &h->st[s], NULL);
                if (*rc != SQLITE_OK)
                        return NULL;
        } else {
                sqlite3_reset(h->st[s]);
                sqlite3_clear_bindings(h->st[s]);
        }
        *rc = SQLITE_OK;
        return h->st[s];
}

/* Run a statement that returns no row. */
static int step_done(struct history *h, enum stmt s)
{
        int rc;
        sqlite3_stmt *st = stmt(h, s, &rc);

        if (!st)
                return rc;
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
        return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

/* A value as INTEGER ns when it is whole (smaller on disk), else REAL. */
static int bind_value(sqlite3_stmt *st, int i, double v)
{
        if (v == floor(v) && fabs(v) < 9007199254740992.0)
                return sqlite3_bind_int64(st, i, (sqlite3_int64)v);
        return sqlite3_bind_double(st, i, v);
}

/* Column i as a malloc'd string, NULL for SQL NULL. Returns 0, -ENOMEM. */
static int col_str(sqlite3_stmt *st, int i, char **out)
{
        const unsigned char *s = sqlite3_column_text(st, i);

        *out = NULL;
        if (!s)
                return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : -ENOMEM;
        *out = strdup((const char *)s);
        return *out ? 0 : -ENOMEM;
}

static size_t col_size(sqlite3_stmt *st, int i)
{
        sqlite3_int64 v = sqlite3_column_int64(st, i);

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

static uint32_t be32(const unsigned char *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool file_nonempty(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && st.st_size > 0;
}

/* What the file holds, judged from its first 100 bytes before SQLite
 * opens it: garbage and a truncated database are refused here, without
 * SQLite ever touching the file. The truncation test (the header's page
 * count against the file's size) is skipped while a -wal file exists: a
 * checkpoint in progress may have written the header first. */
static int check_header(const char *path, char *err, size_t errsize)
{
        unsigned char hdr[SQLITE_HEADER];
        char *wal = NULL;
        struct stat st;
        uint32_t page, pages;
        ssize_t got;
        int fd, rc = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                rc = -errno;
                say(err, errsize, "%s: %s", path, strerror(-rc));
                return rc;
        }
        got = fstat(fd, &st) == 0 ? util_read_full(fd, hdr, sizeof(hdr)) : -errno;
        close(fd);
        if (got < 0) {
                say(err, errsize, "%s: %s", path, strerror((int)-got));
                return (int)got;
        }
        if ((size_t)got < sizeof(hdr) || memcmp(hdr, "SQLite format 3", 16) != 0) {
                say(err, errsize, "%s: not a SQLite database", path);
                return -EINVAL;
        }
        page = (uint32_t)hdr[16] << 8 | hdr[17];
        page = page == 1 ? 65536 : page;
        if (page < 512 || (page & (page - 1)) != 0 || (uint64_t)st.st_size % page != 0) {
                say(err, errsize, "%s: not a SQLite database (corrupt: %lld bytes, pages of %u)",
                    path, (long long)st.st_size, page);
                return -EINVAL;
        }
        pages = be32(hdr + 28);
        if (pages && be32(hdr + 24) == be32(hdr + 92) &&
            (uint64_t)pages * page > (uint64_t)st.st_size) {
                if (asprintf(&wal, "%s-wal", path) < 0)
                        return -ENOMEM;
                if (access(wal, F_OK) != 0) {
                        say(err, errsize,
                            "%s: not a SQLite database (truncated: %lld bytes, the header says "
                            "%u pages of %u)",
                            path, (long long)st.st_size, pages, page);
                        rc = -EINVAL;
                }
                free(wal);
        }
        return rc;
}

static int busy_ms(void)
{
        const char *s = getenv("BOOTLENS_HISTORY_BUSY_MS");
        uint64_t v;

        if (s && util_parse_u64(s, 10, &v) == 0 && v <= INT_MAX)
                return (int)v;
        return HISTORY_BUSY_MS;
}

/* One value of a query with no parameter: an integer (*i) or a string
 * (*s, malloc'd; NULL when no row). */
static int query_int(struct history *h, const char *sql, sqlite3_int64 *i)
{
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);

        if (rc != SQLITE_OK)
                return rc;
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                *i = sqlite3_column_int64(st, 0);
                rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
                *i = 0;
                rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
        return rc;
}

static int meta_get(struct history *h, const char *key, char **value)
{
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(h->db, "SELECT value FROM bootlens_meta WHERE key = ?1", -1,
                                    &st, NULL);

        *value = NULL;
        if (rc != SQLITE_OK)
                return rc;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                rc = col_str(st, 0, value) == 0 ? SQLITE_OK : SQLITE_NOMEM;
        else if (rc == SQLITE_DONE)
                rc = SQLITE_OK;
        sqlite3_finalize(st);
        return rc;
}

static int meta_set(struct history *h, const char *key, const char *value)
{
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(h->db,
                                    "INSERT INTO bootlens_meta (key, value) VALUES (?1, ?2) "
                                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                    -1, &st, NULL);

        if (rc != SQLITE_OK)
                return rc;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? SQLITE_OK : rc;
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

/* PRAGMA journal_mode = WAL. SQLite answers SQLITE_BUSY at once, without
 * its busy handler, while another connection is making the same new
 * file: retry every 10 ms within the busy timeout. Returns an SQLite
 * code; SQLITE_ERROR when the mode stayed another. */
static int set_wal(struct history *h)
{
        int rc, limit = busy_ms();

        for (int waited = 0;; waited += 10) {
                sqlite3_stmt *st;
                bool wal = false;

                rc = sqlite3_prepare_v2(h->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
                if (rc != SQLITE_OK)
                        return rc;
                rc = sqlite3_step(st);
                if (rc == SQLITE_ROW) {
                        const unsigned char *mode = sqlite3_column_text(st, 0);

                        wal = mode && strcmp((const char *)mode, "wal") == 0;
                        rc = SQLITE_OK;
                }
                sqlite3_finalize(st);
                if (rc == SQLITE_OK)
                        return wal ? SQLITE_OK : SQLITE_ERROR;
                if ((rc & 0xff) != SQLITE_BUSY || waited >= limit)
                        return rc;
                sqlite3_sleep(10);
        }
}

/* Make the schema in an empty database, inside BEGIN IMMEDIATE; when
 * another process made it first, leave it (*made false). */
static int create_schema(struct history *h, bool *made, char *err, size_t errsize)
{
        char ver[16], now[32], appid[64];
        sqlite3_int64 ntables = 0;
        char *msg = NULL;
        int rc;

        *made = false;
        rc = set_wal(h);
        if (rc != SQLITE_OK)
                return fail(h, rc, "cannot set WAL mode", err, errsize);
        rc = step_done(h, ST_BEGIN);
        if (rc != SQLITE_OK)
                return fail(h, rc, "cannot begin", err, errsize);
        rc = query_int(h, "SELECT count(*) FROM sqlite_master", &ntables);
        if (rc == SQLITE_OK && ntables == 0) {
                snprintf(ver, sizeof(ver), "%d", HISTORY_SCHEMA_VERSION);
                utc_now(now);
                snprintf(appid, sizeof(appid), "PRAGMA application_id = %ld",
                         (long)HISTORY_APPLICATION_ID);
                rc = sqlite3_exec(h->db, schema_v1, NULL, NULL, &msg);
                if (rc == SQLITE_OK)
                        rc = sqlite3_exec(h->db, appid, NULL, NULL, NULL);
                if (rc == SQLITE_OK)
                        rc = meta_set(h, "kind", HISTORY_KIND);
                if (rc == SQLITE_OK)
                        rc = meta_set(h, "schema_version", ver);
                if (rc == SQLITE_OK)
                        rc = meta_set(h, "created", now);
                if (rc == SQLITE_OK)
                        rc = meta_set(h, "tool", "bootlens");
                *made = rc == SQLITE_OK;
        }
        sqlite3_free(msg);
        if (rc == SQLITE_OK)
                rc = step_done(h, ST_COMMIT);
        if (rc != SQLITE_OK) {
                int e = fail(h, rc, "cannot create the history", err, errsize);

                step_done(h, ST_ROLLBACK);
                *made = false;
                return e;
        }
        if (*made) /* the header (application_id) into the file itself */
                sqlite3_wal_checkpoint_v2(h->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        return 0;
}

/* Migrate forward from version from, in one transaction. */
static int migrate(struct history *h, char *err, size_t errsize)
{
        char *v = NULL, ver[16];
        int rc, cur;

        rc = step_done(h, ST_BEGIN);
        if (rc != SQLITE_OK)
                return fail(h, rc, "cannot begin the migration", err, errsize);
        rc = meta_get(h, "schema_version", &v); /* another process may have migrated */
        cur = v ? atoi(v) : 0;
        free(v);
        if (rc == SQLITE_OK && cur > HISTORY_SCHEMA_VERSION) {
                step_done(h, ST_ROLLBACK);
                say(err, errsize,
                    "%s: history schema version %d, this bootlens knows %d "
                    "(upgrade bootlens)",
                    h->path, cur, HISTORY_SCHEMA_VERSION);
                return -EPROTO;
        }
        while (rc == SQLITE_OK && cur < HISTORY_SCHEMA_VERSION) {
                const struct migration *m = NULL;

                for (size_t i = 0; migrations[i].sql; i++)
                        if (migrations[i].from == cur)
                                m = &migrations[i];
                if (!m) {
                        step_done(h, ST_ROLLBACK);
                        say(err, errsize, "%s: no migration from history schema version %d",
                            h->path, cur);
                        return -EPROTO;
                }
                rc = sqlite3_exec(h->db, m->sql, NULL, NULL, NULL);
                cur++;
                snprintf(ver, sizeof(ver), "%d", cur);
                if (rc == SQLITE_OK)
                        rc = meta_set(h, "schema_version", ver);
        }
        if (rc == SQLITE_OK)
                rc = step_done(h, ST_COMMIT);
        if (rc != SQLITE_OK) {
                int e = fail(h, rc, "cannot migrate the history", err, errsize);

                step_done(h, ST_ROLLBACK);
                return e;
        }
        h->version = cur;
        return 0;
}

/* Whether the open database is a bootlens history this tool can read;
 * nothing is written. Sets h->version. -ENOENT (err untouched): a SQLite
 * database without a single table and of no other application, such as
 * the one another process is making right now (its WAL mode is set, its
 * schema not yet committed): it holds nothing to lose. */
static int validate(struct history *h, char *err, size_t errsize)
{
        sqlite3_int64 appid = 0, has_meta = 0, ntables = 0;
        char *kind = NULL, *ver = NULL;
        uint64_t v = 0;
        int rc;

        rc = query_int(h, "PRAGMA application_id", &appid);
        if (rc == SQLITE_OK)
                rc = query_int(h,
                               "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                               "name = 'bootlens_meta'",
                               &has_meta);
        if (rc == SQLITE_OK)
                rc = query_int(h, "SELECT count(*) FROM sqlite_master", &ntables);
        if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
                say(err, errsize, "%s: not a SQLite database", h->path);
                return -EINVAL;
        }
        if (rc != SQLITE_OK)
                return fail(h, rc, "cannot read the database", err, errsize);
        if (ntables == 0 && (appid == 0 || (uint32_t)appid == HISTORY_APPLICATION_ID))
                return -ENOENT;
        if ((uint32_t)appid != HISTORY_APPLICATION_ID || !has_meta) {
                say(err, errsize,
                    "%s: a SQLite database but not a bootlens history (application_id 0x%08x, "
                    "%s)",
                    h->path, (unsigned)(uint32_t)appid,
                    has_meta ? "a table bootlens_meta" : "no table bootlens_meta");
                return -EINVAL;
        }
        rc = meta_get(h, "kind", &kind);
        if (rc == SQLITE_OK)
                rc = meta_get(h, "schema_version", &ver);
        if (rc != SQLITE_OK) {
                rc = fail(h, rc, "cannot read bootlens_meta", err, errsize);
                goto out;
        }
        if (!kind || strcmp(kind, HISTORY_KIND) != 0) {
                say(err, errsize,
                    "%s: a SQLite database but not a bootlens history (application_id 0x%08x, "
                    "kind '%s')",
                    h->path, (unsigned)(uint32_t)appid, kind ? kind : "");
                rc = -EINVAL;
                goto out;
        }
        if (!ver || util_parse_u64(ver, 10, &v) < 0 || v < 1 || v > INT_MAX) {
                say(err, errsize, "%s: a bootlens history with a bad schema_version '%s'", h->path,
                    ver ? ver : "");
                rc = -EINVAL;
                goto out;
        }
        if (v > HISTORY_SCHEMA_VERSION) {
                say(err, errsize,
                    "%s: history schema version %llu, this bootlens knows %d (upgrade bootlens)",
                    h->path, (unsigned long long)v, HISTORY_SCHEMA_VERSION);
                rc = -EPROTO;
                goto out;
        }
        if (v == HISTORY_SCHEMA_VERSION) {
                /* a history of this version holds every table of the schema */
                static const struct {
                        const char *name, *sql;
                } tables[] = {
                    {"entries", "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                "name = 'entries'"},
                    {"labels", "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                               "name = 'labels'"},
                    {"metrics", "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                "name = 'metrics'"},
                    {"run_values", "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                   "name = 'run_values'"},
                    {"summaries", "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                  "name = 'summaries'"},
                };

                for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
                        sqlite3_int64 has = 0;

                        rc = query_int(h, tables[i].sql, &has);
                        if (rc != SQLITE_OK) {
                                rc = fail(h, rc, "cannot read the database", err, errsize);
                                goto out;
                        }
                        if (!has) {
                                say(err, errsize,
                                    "%s: a damaged bootlens history (schema version %llu, no "
                                    "table %s)",
                                    h->path, (unsigned long long)v, tables[i].name);
                                rc = -EINVAL;
                                goto out;
                        }
                }
        }
        h->version = (int)v;
        rc = 0;
out:
        free(kind);
        free(ver);
        return rc;
}

int history_open(const char *path, bool create, struct history **hp, char *err, size_t errsize)
{
        struct history *h;
        bool exists, made = false;
        char *wal = NULL;
        int rc, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

        *hp = NULL;
        say(err, errsize, "%s", "");
        if (asprintf(&wal, "%s-wal", path) < 0)
                return -ENOMEM;
        /* an empty main file whose WAL has content: a database some
         * connection made and has not yet checkpointed */
        exists = file_nonempty(path) || file_nonempty(wal);
        free(wal);
        if (file_nonempty(path)) {
                rc = check_header(path, err, errsize);
                if (rc < 0)
                        return rc;
        }
        if (!exists && !create) {
                say(err, errsize, "%s: no such history", path);
                return -ENOENT;
        }
        if (!exists)
                flags |= SQLITE_OPEN_CREATE;
        h = calloc(1, sizeof(*h));
        if (!h || !(h->path = strdup(path))) {
                free(h);
                return -ENOMEM;
        }
        rc = sqlite3_open_v2(path, &h->db, flags, NULL);
        if (rc != SQLITE_OK) {
                int os = h->db ? sqlite3_system_errno(h->db) : ENOMEM;

                if (os) {
                        say(err, errsize, "%s: cannot open: %s", path, strerror(os));
                        rc = -os;
                } else
                        rc = fail(h, rc, "cannot open", err, errsize);
                goto fail;
        }
        sqlite3_extended_result_codes(h->db, 1);
        sqlite3_busy_timeout(h->db, busy_ms());
        if (!exists) {
                rc = create_schema(h, &made, err, errsize);
                if (rc < 0)
                        goto fail;
        }
        rc = validate(h, err, errsize);
        if (rc == -ENOENT && exists && create) {
                rc = create_schema(h, &made, err, errsize);
                if (rc == 0)
                        rc = validate(h, err, errsize);
        }
        if (rc == -ENOENT)
                say(err, errsize, "%s: no such history (a SQLite database without tables)", path);
        if (rc == 0 && h->version < HISTORY_SCHEMA_VERSION)
                rc = migrate(h, err, errsize);
        if (rc == 0) {
                rc = sqlite3_exec(h->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
                rc = rc == SQLITE_OK ? 0 : fail(h, rc, "cannot enable foreign keys", err, errsize);
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
                sqlite3_finalize(h->st[i]);
        sqlite3_close(h->db);
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

/* The id of metric name, made when new. */
static int metric_id(struct history *h, const char *name, enum compare_kind kind, sqlite3_int64 *id)
{
        int rc;
        sqlite3_stmt *st = stmt(h, ST_METRIC_FIND, &rc);

        if (!st)
                return rc;
        bind_text(st, 1, name);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                *id = sqlite3_column_int64(st, 0);
                sqlite3_reset(st);
                return SQLITE_OK;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
                return rc;
        st = stmt(h, ST_METRIC_INSERT, &rc);
        if (!st)
                return rc;
        bind_text(st, 1, name);
        sqlite3_bind_int(st, 2, (int)kind);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        *id = sqlite3_last_insert_rowid(h->db);
        return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Metric m of entry: its run values and its summary. *bad: it had no
 * value (an -EINVAL, not an SQLite error). */
static int insert_metric(struct history *h, sqlite3_int64 entry, const struct history_new *e,
                         size_t pos, double *scratch, bool *bad)
{
        const struct history_new_metric *m = &e->m[pos];
        struct stats_summary sum;
        struct stats_ci ci;
        sqlite3_int64 mid = 0;
        sqlite3_stmt *st;
        size_t k = 0;
        int rc;

        rc = metric_id(h, m->name, m->kind, &mid);
        for (size_t i = 0; i < e->nruns && rc == SQLITE_OK; i++) {
                if (isnan(m->values[i]))
                        continue;
                scratch[k++] = m->values[i];
                st = stmt(h, ST_VALUE_INSERT, &rc);
                if (!st)
                        break;
                sqlite3_bind_int64(st, 1, mid);
                sqlite3_bind_int64(st, 2, entry);
                sqlite3_bind_int64(st, 3, e->runs[i]);
                bind_value(st, 4, m->values[i]);
                rc = sqlite3_step(st);
                sqlite3_reset(st);
                rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        }
        if (rc != SQLITE_OK)
                return rc;
        if (k == 0) {
                *bad = true;
                return SQLITE_OK;
        }
        stats_sort(scratch, k);
        stats_summary_sorted(scratch, k, &sum);
        stats_median_ci_order(scratch, k, AGGREGATE_CI_LEVEL, &ci);
        st = stmt(h, ST_SUMMARY_INSERT, &rc);
        if (!st)
                return rc;
        sqlite3_bind_int64(st, 1, mid);
        sqlite3_bind_int64(st, 2, entry);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)pos);
        bind_text(st, 4, m->phase);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)k);
        sqlite3_bind_double(st, 6, sum.median);
        sqlite3_bind_double(st, 7, ci.lo);
        sqlite3_bind_double(st, 8, ci.hi);
        sqlite3_bind_double(st, 9, ci.coverage);
        sqlite3_bind_double(st, 10, sum.q25);
        sqlite3_bind_double(st, 11, sum.q75);
        sqlite3_bind_double(st, 12, sum.min);
        sqlite3_bind_double(st, 13, sum.max);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* One entry, inside the transaction. Returns 0 or -errno (err set). */
static int insert_one(struct history *h, const struct history_new *e, const char *added,
                      int64_t *id, char *err, size_t errsize)
{
        const char *why = new_invalid(e);
        sqlite3_int64 entry;
        sqlite3_stmt *st;
        double *scratch;
        bool bad = false;
        int rc;

        if (why) {
                say(err, errsize, "%s: cannot add %s:%s: %s", h->path,
                    e->session_id ? e->session_id : "?", e->variant ? e->variant : "?", why);
                return -EINVAL;
        }
        st = stmt(h, ST_ENTRY_FIND, &rc);
        if (!st)
                return fail(h, rc, "cannot look for the entry", err, errsize);
        bind_text(st, 1, e->session_id);
        bind_text(st, 2, e->variant);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_ROW) {
                say(err, errsize, "%s: session %s variant %s is stored already", h->path,
                    e->session_id, e->variant);
                return -EEXIST;
        }
        if (rc != SQLITE_DONE)
                return fail(h, rc, "cannot look for the entry", err, errsize);
        st = stmt(h, ST_ENTRY_INSERT, &rc);
        if (!st)
                return fail(h, rc, "cannot add the entry", err, errsize);
        bind_text(st, 1, e->session_id);
        bind_text(st, 2, e->variant);
        bind_text(st, 3, e->path);
        bind_text(st, 4, e->created);
        bind_text(st, 5, added);
        bind_text(st, 6, e->host_cpu);
        bind_text(st, 7, e->host_kernel);
        bind_text(st, 8, e->qemu_version);
        bind_text(st, 9, e->accel);
        bind_text(st, 10, e->kernel_path);
        bind_text(st, 11, e->kernel_sha256);
        bind_text(st, 12, e->kernel_version);
        bind_text(st, 13, e->cmdline);
        sqlite3_bind_int64(st, 14, (sqlite3_int64)e->runs_recorded);
        sqlite3_bind_int64(st, 15, (sqlite3_int64)e->runs_ok);
        sqlite3_bind_int64(st, 16, (sqlite3_int64)e->runs_left_out);
        sqlite3_bind_int64(st, 17, (sqlite3_int64)e->nruns);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
                if (sqlite_errno(rc) == -EEXIST) {
                        say(err, errsize, "%s: session %s variant %s is stored already", h->path,
                            e->session_id, e->variant);
                        return -EEXIST;
                }
                return fail(h, rc, "cannot add the entry", err, errsize);
        }
        entry = sqlite3_last_insert_rowid(h->db);
        for (size_t i = 0; i < e->nlabels; i++) {
                st = stmt(h, ST_LABEL_INSERT, &rc);
                if (!st)
                        return fail(h, rc, "cannot add the labels", err, errsize);
                sqlite3_bind_int64(st, 1, entry);
                bind_text(st, 2, e->labels[i].key);
                bind_text(st, 3, e->labels[i].value);
                rc = sqlite3_step(st);
                sqlite3_reset(st);
                if (rc == SQLITE_DONE)
                        continue;
                if (sqlite_errno(rc) == -EEXIST) {
                        say(err, errsize, "%s: cannot add %s:%s: label '%s' given twice", h->path,
                            e->session_id, e->variant, e->labels[i].key);
                        return -EINVAL;
                }
                return fail(h, rc, "cannot add the labels", err, errsize);
        }
        rc = SQLITE_OK;
        scratch = malloc(e->nruns * sizeof(*scratch));
        if (!scratch)
                return -ENOMEM;
        for (size_t i = 0; i < e->nm && rc == SQLITE_OK && !bad; i++) {
                rc = insert_metric(h, entry, e, i, scratch, &bad);
                if (bad)
                        say(err, errsize, "%s: cannot add %s:%s: metric %s has no value", h->path,
                            e->session_id, e->variant, e->m[i].name);
                else if (rc != SQLITE_OK && sqlite_errno(rc) == -EEXIST)
                        say(err, errsize, "%s: cannot add %s:%s: metric %s given twice", h->path,
                            e->session_id, e->variant, e->m[i].name);
        }
        free(scratch);
        if (bad)
                return -EINVAL;
        if (rc != SQLITE_OK)
                return sqlite_errno(rc) == -EEXIST
                           ? -EINVAL
                           : fail(h, rc, "cannot add the values", err, errsize);
        if (id)
                *id = entry;
        return 0;
}

int history_insert(struct history *h, const struct history_new *v, size_t n, int64_t *ids,
                   char *err, size_t errsize)
{
        char added[32];
        int rc;

        say(err, errsize, "%s", "");
        utc_now(added);
        rc = step_done(h, ST_BEGIN);
        if (rc != SQLITE_OK)
                return fail(h, rc, "cannot begin", err, errsize);
        rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = insert_one(h, &v[i], added, ids ? &ids[i] : NULL, err, errsize);
        if (rc == 0) {
                int sr = step_done(h, ST_COMMIT);

                if (sr != SQLITE_OK)
                        rc = fail(h, sr, "cannot commit", err, errsize);
                else
                        h->writes++;
        }
        if (rc < 0)
                step_done(h, ST_ROLLBACK);
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
                say(err, errsize,
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
                say(err, errsize, "cannot read the session '%s': %s", ref,
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
                        say(err, errsize, "%s", msg);
                else if (rs.unreadable)
                        say(err, errsize, "cannot read '%s': %s", rs.unreadable, strerror(-rc));
                else
                        say(err, errsize, "cannot analyse run %u of '%s': %s", rs.v[i].run, dir,
                            strerror(-rc));
                free(msg);
                run_free(&r);
        }
        if (rc)
                goto out;
        if (!e->nruns) {
                say(err, errsize, "'%s' has no run to add (%zu recorded, %zu ok%s)", ref,
                    e->runs_recorded, e->runs_ok,
                    e->runs_left_out ? ", every ok run starved by the host and left out" : "");
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
        say(err, errsize, "%s", "");
        rc = session_split_ref(ref, &dir, &variant);
        if (rc < 0)
                return rc;
        rc = session_open(dir, &s, why, sizeof(why));
        if (rc == -ENOENT || rc == -EINVAL) {
                say(err, errsize, "'%s' is not a bootlens session%s%s", dir, why[0] ? ": " : "",
                    why);
                goto out;
        }
        if (rc < 0) {
                say(err, errsize, "cannot read the session '%s': %s", dir, strerror(-rc));
                goto out;
        }
        info = session_info(s);
        for (size_t i = 0; i < info->nlabels; i++) {
                const char *key = info->labels[i].key, *value = info->labels[i].value;

                if (key && value && label_valid(key, strlen(key), value))
                        continue;
                say(err, errsize,
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
                        say(err, errsize, "'%s': the session has no variant '%s'", dir, variant);
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
static int read_entry(sqlite3_stmt *st, struct history_entry *e)
{
        int rc = 0;

        memset(e, 0, sizeof(*e));
        e->id = sqlite3_column_int64(st, 0);
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

static void read_summary(sqlite3_stmt *st, int col, struct history_summary *s)
{
        s->n = col_size(st, col);
        s->median = sqlite3_column_double(st, col + 1);
        s->ci_lo = sqlite3_column_double(st, col + 2);
        s->ci_hi = sqlite3_column_double(st, col + 3);
        s->ci_coverage = sqlite3_column_double(st, col + 4);
        s->q25 = sqlite3_column_double(st, col + 5);
        s->q75 = sqlite3_column_double(st, col + 6);
        s->min = sqlite3_column_double(st, col + 7);
        s->max = sqlite3_column_double(st, col + 8);
}

/* A label row (entry, key, value) appended to e. */
static int add_label_row(sqlite3_stmt *st, struct history_entry *e)
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
        sqlite3_stmt *st;
        size_t j = 0;
        int rc;

        if (n == 0)
                return 0;
        if (n == 1) {
                st = stmt(h, ST_LABELS_OF, &rc);
                if (st)
                        sqlite3_bind_int64(st, 1, ev[0]->id);
        } else
                st = stmt(h, ST_LABELS_ALL, &rc);
        if (!st)
                return sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                int64_t id = sqlite3_column_int64(st, 0);

                while (j < n && ev[j]->id < id)
                        j++;
                if (j == n)
                        break;
                if (ev[j]->id == id && add_label_row(st, ev[j]) < 0) {
                        sqlite3_reset(st);
                        return -ENOMEM;
                }
        }
        sqlite3_reset(st);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sqlite_errno(rc);
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
        sqlite3_stmt *st;
        int rc;

        *out = NULL;
        st = stmt(h, ST_ENTRIES_ALL, &rc);
        if (!st)
                return sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (grow(&v, n, &cap, sizeof(*v)) < 0 || read_entry(st, &v[n]) < 0) {
                        rc = -ENOMEM;
                        goto fail;
                }
                n++;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
                rc = sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
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
        sqlite3_reset(st);
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

/* A read transaction around what takes several queries, so that they see
 * one state of the database (a writer committing between them is not
 * seen). end: commit it (a read transaction has nothing to lose). */
static int read_begin(struct history *h)
{
        int rc = step_done(h, ST_BEGIN_READ);

        return rc == SQLITE_OK ? 0 : sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
}

static int read_end(struct history *h, int rc)
{
        step_done(h, ST_COMMIT);
        return rc;
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
static int get_rows(struct history *h, sqlite3_stmt *st, struct history_entry *e, size_t *rows)
{
        struct history_entry *ev[1];
        int rc;

        *rows = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (*rows == 0 && read_entry(st, e) < 0) {
                        sqlite3_reset(st);
                        return -ENOMEM;
                }
                (*rows)++;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE || *rows > 1) {
                if (*rows)
                        history_entry_free(e);
                if (rc != SQLITE_DONE)
                        return sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
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
        sqlite3_stmt *st;
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
                        return sqlite_errno(rc);
                sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
                rc = get_rows(h, st, e, &rows);
                return rc < 0 ? rc : rows ? 0 : -ENOENT;
        }
        /* the whole spec as a session id first, then SESSION:VARIANT */
        st = stmt(h, ST_ENTRIES_BY_SESSION, &rc);
        if (!st)
                return sqlite_errno(rc);
        bind_text(st, 1, spec);
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
                return sqlite_errno(rc);
        }
        bind_text(st, 1, sid);
        bind_text(st, 2, colon + 1);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                sqlite3_int64 id = sqlite3_column_int64(st, 0);

                sqlite3_reset(st);
                free(sid);
                st = stmt(h, ST_ENTRY_BY_ID, &rc);
                if (!st)
                        return sqlite_errno(rc);
                sqlite3_bind_int64(st, 1, id);
                rc = get_rows(h, st, e, &rows);
                return rc < 0 ? rc : rows ? 0 : -ENOENT;
        }
        sqlite3_reset(st);
        free(sid);
        return rc == SQLITE_DONE ? -ENOENT : sqlite_errno(rc);
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

int history_entry_metrics(struct history *h, int64_t id, struct history_metric **v, size_t *n)
{
        struct metric_row *rows = NULL;
        struct history_metric *out;
        size_t k = 0, cap = 0;
        sqlite3_stmt *st;
        int rc;

        *v = NULL;
        *n = 0;
        st = stmt(h, ST_ENTRY_BY_ID, &rc);
        if (!st)
                return sqlite_errno(rc);
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        if (rc != SQLITE_ROW)
                return sqlite_errno(rc);
        st = stmt(h, ST_ENTRY_METRICS, &rc);
        if (!st)
                return sqlite_errno(rc);
        sqlite3_bind_int64(st, 1, id);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct metric_row *r;

                if (grow(&rows, k, &cap, sizeof(*rows)) < 0) {
                        rc = SQLITE_NOMEM;
                        break;
                }
                r = &rows[k];
                memset(r, 0, sizeof(*r));
                r->m.kind = (enum compare_kind)sqlite3_column_int(st, 1);
                r->pos = col_size(st, 3);
                read_summary(st, 4, &r->m.s);
                if (col_str(st, 0, &r->m.name) < 0 || col_str(st, 2, &r->m.phase) < 0 ||
                    !r->m.name) {
                        free(r->m.name);
                        rc = SQLITE_NOMEM;
                        break;
                }
                k++;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
                for (size_t i = 0; i < k; i++) {
                        free(rows[i].m.name);
                        free(rows[i].m.phase);
                }
                free(rows);
                return sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
        }
        if (k)
                qsort(rows, k, sizeof(*rows), by_metric_order);
        out = calloc(k + 1, sizeof(*out));
        if (!out) {
                for (size_t i = 0; i < k; i++) {
                        free(rows[i].m.name);
                        free(rows[i].m.phase);
                }
                free(rows);
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
        sqlite3_int64 id;
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
                sqlite3_stmt *st = stmt(h, ST_METRICS_OF, &rc);
                int sr;

                if (!st) {
                        rc = sqlite_errno(rc);
                        break;
                }
                sqlite3_bind_int64(st, 1, ev[i].id);
                while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
                        struct name_row key = {.id = sqlite3_column_int64(st, 0)};
                        struct name_row *r = bsearch(&key, rows, nrows, sizeof(*rows), by_row_id);

                        if (r)
                                r->used = true;
                }
                sqlite3_reset(st);
                if (sr != SQLITE_DONE)
                        rc = sqlite_errno(sr) ? sqlite_errno(sr) : -EIO;
        }
        history_entries_free(ev, ne);
        return rc;
}

int history_metric_names(struct history *h, const struct history_filter *f, char ***names,
                         size_t *n)
{
        struct name_row *rows = NULL;
        size_t k = 0, cap = 0, m = 0;
        sqlite3_stmt *st;
        char **out = NULL;
        int rc;

        *names = NULL;
        *n = 0;
        st = stmt(h, ST_METRIC_NAMES, &rc);
        if (!st)
                return sqlite_errno(rc);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (grow(&rows, k, &cap, sizeof(*rows)) < 0) {
                        rc = SQLITE_NOMEM;
                        break;
                }
                rows[k].id = sqlite3_column_int64(st, 0);
                rows[k].kind = sqlite3_column_int(st, 2);
                rows[k].used = !filtered(f); /* every stored metric has an entry */
                if (col_str(st, 1, &rows[k].name) < 0 || !rows[k].name) {
                        rc = SQLITE_NOMEM;
                        break;
                }
                k++;
        }
        sqlite3_reset(st);
        rc = rc == SQLITE_DONE ? 0 : sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
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
        sqlite3_int64 dv = 0;
        struct history_entry *v = NULL;
        sqlite3_stmt *st;
        ssize_t n;
        int rc;

        st = stmt(h, ST_DATA_VERSION, &rc);
        if (!st)
                return sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                dv = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (rc != SQLITE_ROW)
                return sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
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
static int summaries_of(struct history *h, sqlite3_int64 mid, bool *has,
                        struct history_summary *sum)
{
        const struct entry_cache *c = &h->cache;
        sqlite3_stmt *st = stmt(h, ST_SUMMARIES_OF, &(int){0});
        size_t j = 0;
        int rc;

        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, mid);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                int64_t id = sqlite3_column_int64(st, 0);

                while (j < c->n && c->v[j].id < id)
                        j++;
                if (j == c->n)
                        break;
                if (c->v[j].id != id)
                        continue; /* an entry newer than the cache: not in this snapshot */
                has[j] = true;
                read_summary(st, 1, &sum[j]);
        }
        sqlite3_reset(st);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
               : sqlite_errno(rc)                    ? sqlite_errno(rc)
                                                     : -EIO;
}

static int series(struct history *h, const char *metric, const struct history_filter *f,
                  const char *by, struct history_series *s)
{
        struct entry_cache *c = &h->cache;
        struct history_summary *sum = NULL;
        sqlite3_int64 mid = 0;
        sqlite3_stmt *st;
        bool *has = NULL;
        int rc;

        s->metric = strdup(metric);
        if (!s->metric)
                return -ENOMEM;
        s->kind = kind_of_name(metric);
        st = stmt(h, ST_METRIC_FIND, &rc);
        if (!st)
                return sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
        bind_text(st, 1, metric);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                mid = sqlite3_column_int64(st, 0);
                s->kind = (enum compare_kind)sqlite3_column_int(st, 1);
        }
        sqlite3_reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
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
        sqlite3_stmt *st;
        int rc;

        *v = NULL;
        *n = 0;
        st = stmt(h, ST_VALUES, &rc);
        if (!st)
                return sqlite_errno(rc);
        bind_text(st, 1, metric);
        sqlite3_bind_int64(st, 2, id);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (grow(&out, k, &cap, sizeof(*out)) < 0) {
                        rc = SQLITE_NOMEM;
                        break;
                }
                out[k++] = sqlite3_column_double(st, 0);
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
                free(out);
                return sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
        }
        *v = out;
        *n = k;
        return 0;
}
