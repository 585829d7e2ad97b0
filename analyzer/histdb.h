/*
 * histdb: the database seam under the history store (analyzer/history.c).
 * history.c speaks SQL through these calls and never names a database
 * library; a backend implements them: SQLite (Debian's libsqlite3, in
 * histdb.c) and PostgreSQL (libpq, histdb_pg.c; issue 16), chosen by the
 * --db text (histdb_is_pg()); docs/history-backends.md.
 *
 * The SQL both dialects share, and so what history.c may write:
 *   - SELECT / INSERT / UPDATE with joins, ORDER BY, count(*), and
 *     INSERT ... ON CONFLICT (key) DO UPDATE SET value = excluded.value;
 *   - parameters written "?" or "?N" (N from 1, in order). SQLite takes
 *     them as they are; the PostgreSQL backend rewrites each to "$N"
 *     (skipping quoted strings and identifiers) when it prepares;
 *   - TEXT, INTEGER, DOUBLE PRECISION column types; PRIMARY KEY, UNIQUE,
 *     REFERENCES ... ON DELETE CASCADE, CREATE INDEX.
 * Where they differ, and how the seam hides it:
 *   - row ids: SQLite's INTEGER PRIMARY KEY is the rowid (last insert
 *     rowid); PostgreSQL needs "bigint GENERATED ALWAYS AS IDENTITY" and
 *     "INSERT ... RETURNING id". Hidden by histdb_prepare_insert() and
 *     histdb_step_insert(): the caller writes a plain INSERT, the backend
 *     adds RETURNING id where it needs it.
 *   - the DDL: SQLite's WITHOUT ROWID tables, REAL vs double precision
 *     (SQLite takes DOUBLE PRECISION as REAL affinity), AUTOINCREMENT vs
 *     identity columns. history.c writes the DDL once with tokens that
 *     histdb_word() fills per backend.
 *   - what marks the database as a bootlens history: SQLite's PRAGMA
 *     application_id (and its user_version, unused) in the file header;
 *     PostgreSQL has no header, so its backend keeps application_id in
 *     the bootlens_meta table (key "application_id"). Hidden by
 *     histdb_application_id() / histdb_set_application_id(), and the
 *     catalogue by histdb_count_tables() / histdb_has_table()
 *     (sqlite_master vs information_schema.tables).
 *   - the writer lock: SQLite's BEGIN IMMEDIATE takes the write lock at
 *     the start; PostgreSQL's backend will BEGIN and then take
 *     pg_advisory_xact_lock(HISTORY_APPLICATION_ID). Hidden by
 *     histdb_begin(db, true).
 *   - "has anyone else committed": SQLite's PRAGMA data_version; for
 *     PostgreSQL a counter row in bootlens_meta bumped by every write.
 *     Hidden by histdb_data_version().
 *   - the file itself (SQLite only): the header checks before opening
 *     (not SQLite, truncated), the WAL journal, the checkpoint after the
 *     schema is made; all inside histdb_open(), histdb_prepare_create()
 *     and histdb_created(), no-ops where a backend has no file.
 *
 * Returns: 0 on success; histdb_step() HISTDB_ROW for a row and 0 when
 * done; else a negative errno: -EBUSY (a lock not had within the busy
 * timeout: SQLite's BUSY or LOCKED), -EEXIST (a UNIQUE or PRIMARY KEY
 * constraint), -ENOMEM, -EINVAL (not a database: SQLITE_NOTADB), -EIO
 * (anything else; histdb_errmsg() has the backend's message and
 * histdb_corrupt() says whether it was a damaged database). Every
 * function is given a live db or statement unless it says it accepts NULL.
 * Strings bound are not copied: they must live until the next
 * histdb_reset() or histdb_finalize() of the statement. Column strings
 * are borrowed until the next step, reset or finalize.
 */
#ifndef BOOTLENS_HISTDB_H
#define BOOTLENS_HISTDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HISTDB_ROW 1

struct histdb;      /* opaque: one connection */
struct histdb_stmt; /* opaque: one prepared statement of a connection */

/*
 * Open the database at path (a SQLite file, or a PostgreSQL conninfo when
 * histdb_is_pg(path): then the database must exist on the server, an
 * empty one is made a history by the caller, and the errors are
 * histdb_pg_open()'s), *db overwritten
 * (histdb_close it). A missing or empty file (or one whose only content
 * is in its -wal, a database another connection is making) is "absent":
 * with create it is made (*made_new true: the caller makes the schema),
 * else -ENOENT ("PATH: no such history"). A file that exists is first
 * checked from its first 100 bytes: garbage or a truncated database is
 * -EINVAL (err says which) and never opened. Every connection waits up to
 * busy_ms for a lock. Returns 0, -ENOENT, -EINVAL, -ENOMEM, -errno of the
 * OS, or what the backend says (-EIO, -EBUSY); err names the path.
 */
int histdb_open(const char *path, bool create, int busy_ms, struct histdb **db, bool *made_new,
                char *err, size_t errsize);
void histdb_close(struct histdb *db); /* accepts NULL */
/* The last error's message (borrowed; never NULL). */
const char *histdb_errmsg(const struct histdb *db);
/* Whether the last error said the database is damaged or not one. */
bool histdb_corrupt(const struct histdb *db);

/* Run sql, one or more statements separated by ';', no parameter, no
 * row wanted. Returns 0 or -errno. */
int histdb_exec(struct histdb *db, const char *sql);

/* Transactions. begin: immediate takes the write lock now (SQLite BEGIN
 * IMMEDIATE; PostgreSQL an advisory lock), else a read transaction.
 * Returns 0 or -errno (-EBUSY: the lock not had in time). */
int histdb_begin(struct histdb *db, bool immediate);
int histdb_commit(struct histdb *db);
int histdb_rollback(struct histdb *db);

/* Prepare sql (one statement, parameters "?N"), *st overwritten.
 * persistent: kept for the life of the connection (a hint). Returns 0 or
 * -errno. */
int histdb_prepare(struct histdb *db, const char *sql, bool persistent, struct histdb_stmt **st);
/* Prepare an INSERT into a table whose key is an integer "id" (the
 * PostgreSQL backend appends " RETURNING id"); step it with
 * histdb_step_insert(). */
int histdb_prepare_insert(struct histdb *db, const char *sql, bool persistent,
                          struct histdb_stmt **st);
/* Reset st for another run and clear its bindings. */
void histdb_reset(struct histdb_stmt *st);
void histdb_finalize(struct histdb_stmt *st); /* accepts NULL */

/* Bind parameter i (from 1). text NULL binds NULL. Return 0 or -errno. */
int histdb_bind_text(struct histdb_stmt *st, int i, const char *s);
int histdb_bind_int64(struct histdb_stmt *st, int i, int64_t v);
int histdb_bind_double(struct histdb_stmt *st, int i, double v);
int histdb_bind_null(struct histdb_stmt *st, int i);

/* The next row: HISTDB_ROW, 0 (no more), or -errno. */
int histdb_step(struct histdb_stmt *st);
/* Run an INSERT prepared with histdb_prepare_insert() to its end; *id:
 * the id of the row it made. Returns 0 or -errno. */
int histdb_step_insert(struct histdb_stmt *st, int64_t *id);

/* Column i (from 0) of the current row. text: NULL for SQL NULL (and
 * when out of memory: histdb_column_is_null() tells them apart). */
const char *histdb_column_text(struct histdb_stmt *st, int i);
int64_t histdb_column_int64(struct histdb_stmt *st, int i);
double histdb_column_double(struct histdb_stmt *st, int i);
bool histdb_column_is_null(struct histdb_stmt *st, int i);

/* ---- what differs per backend (see the top) ---- */

/* Before the schema is made in a new database (SQLite: the WAL journal,
 * retried within the busy timeout while another connection makes the
 * same file). Returns 0 or -errno (-EIO: the mode stayed another). */
int histdb_prepare_create(struct histdb *db);
/* After the schema committed (SQLite: a passive checkpoint, so the
 * header with the application_id reaches the main file). */
void histdb_created(struct histdb *db);
/* The database's application id (0: none set), and setting it (inside
 * the schema's transaction). Return 0 or -errno. */
int histdb_application_id(struct histdb *db, int64_t *id);
int histdb_set_application_id(struct histdb *db, uint32_t id);
/* The number of tables and indexes of the database, and whether table
 * name exists. Return 0 or -errno. */
int histdb_count_tables(struct histdb *db, int64_t *n);
int histdb_has_table(struct histdb *db, const char *name, bool *has);
/* A number that changes when another connection commits. 0 or -errno. */
int histdb_data_version(struct histdb *db, int64_t *v);

/* ---- choosing the backend ---- */

/* Whether db (the --db text) names a PostgreSQL database: a
 * "postgresql://" or "postgres://" URI, or a libpq keyword=value string:
 * one that starts "KEYWORD=" (spaces allowed around '=') for a keyword
 * libpq knows (host, dbname, user, service, ...), whether the rest parses
 * or not: histdb_open() refuses one libpq cannot parse (-EINVAL), rather
 * than take it for a file. Anything else is a SQLite file's path (write
 * ./host=x to name such a file). */
bool histdb_is_pg(const char *db);
/* Whether db is a PostgreSQL conninfo that holds a password (a password
 * or sslpassword keyword, a URI's user:password@ or ?password=; for one
 * libpq cannot parse, judged from the text), so that the CLI can say to
 * give it in PGPASSWORD, ~/.pgpass or a PGSERVICE file instead. */
bool histdb_has_password(const char *db);
/* db as messages show it, into *out (malloc'd): a PostgreSQL conninfo
 * with a password is rendered keyword='value' with password=*** (the
 * password belongs in PGPASSWORD or ~/.pgpass); one libpq cannot parse
 * is shown as written but for every stretch that may be a password (a
 * URI's user information, the value of a ...password keyword or
 * parameter) as ***, and " (malformed)" after it; anything else as it
 * is. Returns 0 or -ENOMEM. */
int histdb_display(const char *db, char **out);
/* msg, a message about db (libpq's, which may quote the --db text), into
 * *out (malloc'd) with db's password masked: db's text replaced by its
 * histdb_display(), and then every stretch histdb_display() hides (and
 * the parsed password) replaced by ***. A db without a password: msg as
 * it is. Returns 0 or -ENOMEM. */
int histdb_mask(const char *db, const char *msg, char **out);

/* The words of the DDL that differ per backend (history.c writes the
 * schema once with them). */
enum histdb_word {
        HISTDB_ID,       /* an integer key made on insert: "INTEGER PRIMARY KEY" */
        HISTDB_REF,      /* a column referencing such a key: "INTEGER" */
        HISTDB_NO_ROWID, /* after a table with its own key: " WITHOUT ROWID" */
};
const char *histdb_word(const struct histdb *db, enum histdb_word w);
/* "a SQLite database" or "a PostgreSQL database", for messages. */
const char *histdb_kind(const struct histdb *db);
/* SQLite: PRAGMA foreign_keys = ON; PostgreSQL enforces them always. */
int histdb_enable_foreign_keys(struct histdb *db);

/* ---- helpers for backends ---- */

/*
 * sql with its parameters in PostgreSQL's form, into *out (malloc'd): each
 * "?N" becomes "$N" and each bare "?" "$K", K one more than the largest
 * number so far (SQLite's rule). Text inside '...' (with '' inside),
 * "..." (identifiers), -- comments and block comments is copied as it
 * is. Returns 0; -EINVAL (a quote or comment not closed, "?0" or a
 * number above 32767: err-free, the caller names the statement);
 * -ENOMEM. *out NULL on error.
 */
int histdb_rewrite_params(const char *sql, char **out);

#endif
